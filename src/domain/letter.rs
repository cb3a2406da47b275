//! The referral letter (surat rujukan) of a handoff, pure: its number
//! (`NNN/RJK/<AGENCY CODE>/<ROMAN MONTH>/<YEAR>`, from the sending agency's yearly counter), the
//! content model [`Letter`] the service fills, and [`Letter::text`], the letter in one language as
//! both the web page and the PDF lay it out (so both carry the same fields). docs/LETTERS.md.

use chrono::{Datelike, NaiveDateTime};

use super::category::Category;
use super::handoff::{HandoffKind, HandoffStatus};

/// The month in Roman numerals, as Indonesian letter numbers write it (`1` → `I`, `11` → `XI`);
/// anything outside 1–12 is empty.
pub fn roman_month(month: u32) -> &'static str {
    const ROMAN: [&str; 12] = [
        "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII",
    ];
    month
        .checked_sub(1)
        .and_then(|i| ROMAN.get(i as usize))
        .copied()
        .unwrap_or("")
}

/// The UTC offset (hours) and the name of the zone of a province: WITA (UTC+8) in NTB (province
/// `52`), WIB (UTC+7) elsewhere, as [`super::local_time`] reads it.
pub fn zone(province: Option<&str>) -> (i64, &'static str) {
    if province == Some("52") {
        (8, "WITA")
    } else {
        (7, "WIB")
    }
}

/// A stored UTC time as the clock of the province shows it.
pub fn local(at: NaiveDateTime, province: Option<&str>) -> NaiveDateTime {
    at + chrono::Duration::hours(zone(province).0)
}

/// Which counter a letter's number comes from and which month it names: the sending agency, and
/// the year and month of the sending date in the sender's zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct CounterKey {
    /// Sending agency.
    pub agency_id: i64,
    /// Year of the sending date in the sender's zone (the counter starts again each year).
    pub year: i32,
    /// Month of the sending date in the sender's zone (written in Roman numerals).
    pub month: u32,
}

impl CounterKey {
    /// The counter of a handoff sent at `sent_at` (UTC) by `agency_id` in `province`.
    pub fn of(agency_id: i64, sent_at: NaiveDateTime, province: Option<&str>) -> Self {
        let day = local(sent_at, province);
        Self {
            agency_id,
            year: day.year(),
            month: day.month(),
        }
    }

    /// The letter number of position `seq` of this counter: `007/RJK/UPTD-PPA-JATENG/XI/2026`
    /// (three digits at least, more beyond 999).
    pub fn number(&self, seq: i64, agency_code: &str) -> String {
        format!(
            "{seq:03}/RJK/{agency_code}/{}/{}",
            roman_month(self.month),
            self.year
        )
    }
}

/// The regency (kabupaten/kota) name and the town letters are dated in, of the Kemendagri codes
/// the network uses; others are written by their code.
fn regency(code: &str) -> Option<(&'static str, &'static str)> {
    Some(match code {
        "3301" => ("Kabupaten Cilacap", "Cilacap"),
        "3302" => ("Kabupaten Banyumas", "Purwokerto"),
        "3322" => ("Kabupaten Semarang", "Ungaran"),
        "3371" => ("Kota Magelang", "Magelang"),
        "3372" => ("Kota Surakarta", "Surakarta"),
        "3374" => ("Kota Semarang", "Semarang"),
        "5203" => ("Kabupaten Lombok Timur", "Selong"),
        "5206" => ("Kabupaten Bima", "Bima"),
        "5271" => ("Kota Mataram", "Mataram"),
        _ => return None,
    })
}

/// The province name and its capital, for the provinces the network covers.
fn province(code: &str) -> Option<(&'static str, &'static str)> {
    Some(match code {
        "33" => ("Jawa Tengah", "Semarang"),
        "52" => ("Nusa Tenggara Barat", "Mataram"),
        _ => return None,
    })
}

/// An agency as a letter names it: letterhead and address block.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AgencyBlock {
    /// Name.
    pub name: String,
    /// Code.
    pub code: String,
    /// Postal address, lines separated by line breaks.
    pub address: Option<String>,
    /// Kemendagri kabupaten/kota code.
    pub region: Option<String>,
    /// Kemendagri province code; none for national agencies.
    pub province: Option<String>,
    /// Contact e-mail.
    pub email: Option<String>,
}

impl AgencyBlock {
    /// The address block: the name, the address if set, the regency and province, the e-mail.
    pub fn lines(&self) -> Vec<String> {
        let mut out = vec![self.name.clone()];
        if let Some(address) = &self.address {
            out.extend(
                address
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(str::to_owned),
            );
        }
        let regency = self
            .region
            .as_deref()
            .map(|r| regency(r).map_or_else(|| r.to_owned(), |(name, _)| name.to_owned()));
        let province = self.province.as_deref().map(|p| {
            province(p).map_or_else(|| format!("Provinsi {p}"), |(name, _)| name.to_owned())
        });
        let place = [regency, province]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(", ");
        if !place.is_empty() {
            out.push(place);
        }
        if let Some(email) = &self.email {
            out.push(email.clone());
        }
        out
    }

    /// The town the agency dates its letters in: its regency's seat, else its province's capital,
    /// Jakarta for national agencies; none when unknown.
    pub fn town(&self) -> Option<&'static str> {
        if let Some((_, town)) = self.region.as_deref().and_then(regency) {
            return Some(town);
        }
        match self.province.as_deref() {
            Some(p) => province(p).map(|(_, capital)| capital),
            None => Some("Jakarta"),
        }
    }
}

/// The clause of the agreement the handoff was sent under.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Clause {
    /// Agreement id.
    pub agreement_id: String,
    /// Agreement version.
    pub version: i32,
    /// Agreement title.
    pub title: String,
    /// The agreement's handoff rule id.
    pub rule_id: String,
    /// What the handoff is for, in the agreement's words.
    pub description: Option<String>,
    /// Its legal basis.
    pub legal_basis: Option<String>,
}

/// A document attached to the handoff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachedDocument {
    /// File name.
    pub name: String,
    /// SHA-256 of the content, hex.
    pub sha256: String,
}

/// Everything a referral letter carries, filled by `services::handoffs::letter`: never the
/// survivor's identity unless the handoff shares it ([`Letter::survivor_name`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Letter {
    /// Letter number.
    pub number: String,
    /// Handoff id.
    pub handoff_id: i64,
    /// Case number.
    pub case_number: String,
    /// Referral, transfer or notice.
    pub kind: HandoffKind,
    /// Status now (withdrawn and declined letters are marked).
    pub status: HandoffStatus,
    /// Sending agency.
    pub sender: AgencyBlock,
    /// Receiving agency.
    pub receiver: AgencyBlock,
    /// When it was sent, UTC.
    pub sent_at: NaiveDateTime,
    /// Answer by, UTC.
    pub respond_by: Option<NaiveDateTime>,
    /// The agreement clause.
    pub clause: Clause,
    /// The categories of the case the receiver holds once it accepts.
    pub categories: Vec<Category>,
    /// The sender's message, when the reader may see it.
    pub message: Option<String>,
    /// Attached documents.
    pub documents: Vec<AttachedDocument>,
    /// Hash of the handoff's `handoff.created` audit entry.
    pub audit_hash: Option<String>,
    /// The sending user's username.
    pub signer: String,
    /// The survivor's name: only when the handoff shares `identity` and the reader holds it.
    pub survivor_name: Option<String>,
}

/// A label and its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// Label (may be empty: a line of its own).
    pub label: String,
    /// Value.
    pub value: String,
}

/// A titled part of the letter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// Heading.
    pub heading: String,
    /// Its rows.
    pub rows: Vec<Row>,
}

/// The letter in one language, laid out the same by the page and the PDF.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LetterText {
    /// `DITARIK / WITHDRAWN`, `DITOLAK / DECLINED`, or none.
    pub mark: Option<String>,
    /// The sender's letterhead: name first, then its address block.
    pub letterhead: Vec<String>,
    /// `Semarang, 2 Desember 2026`.
    pub place_date: String,
    /// `SURAT RUJUKAN`.
    pub title: String,
    /// `Nomor: 007/RJK/…`.
    pub number: String,
    /// The parts: to, case, clause, message, documents.
    pub sections: Vec<Section>,
    /// How to check the letter in Rujukan.
    pub verification: String,
    /// Signer block: the sender's agency and the sending user.
    pub signer: Vec<String>,
}

/// `text` with each `{name}` replaced by its value.
pub fn fill(text: &str, values: &[(&str, &str)]) -> String {
    values.iter().fold(text.to_owned(), |acc, (name, value)| {
        acc.replace(&format!("{{{name}}}"), value)
    })
}

fn row(label: String, value: impl Into<String>) -> Row {
    Row {
        label,
        value: value.into(),
    }
}

impl Letter {
    /// The sending date in words in the sender's zone: `2 Desember 2026` (`t` gives the month
    /// names, `letter.month.1`…`letter.month.12`).
    pub fn date_in_words(&self, t: &dyn Fn(&str) -> String) -> String {
        let day = local(self.sent_at, self.sender.province.as_deref());
        format!(
            "{} {} {}",
            day.day(),
            t(&format!("letter.month.{}", day.month())),
            day.year()
        )
    }

    /// The mark of a letter whose handoff was withdrawn or declined.
    pub fn mark(&self, t: &dyn Fn(&str) -> String) -> Option<String> {
        match self.status {
            HandoffStatus::Withdrawn => Some(t("letter.mark.withdrawn")),
            HandoffStatus::Declined => Some(t("letter.mark.declined")),
            _ => None,
        }
    }

    /// The letter in the language of `t` (a text lookup: `t("letter.title")`).
    pub fn text(&self, t: &dyn Fn(&str) -> String) -> LetterText {
        let date = self.date_in_words(t);
        let place_date = match self.sender.town() {
            Some(town) => format!("{town}, {date}"),
            None => date,
        };
        let zone = self.sender.province.as_deref();
        let mut sections = vec![self.addressee(t, zone), self.clause_section(t)];
        if let Some(message) = &self.message {
            sections.push(Section {
                heading: t("letter.message"),
                rows: message
                    .lines()
                    .map(|l| row(String::new(), l.trim_end()))
                    .collect(),
            });
        }
        sections.push(self.documents_section(t));
        LetterText {
            mark: self.mark(t),
            letterhead: self.sender.lines(),
            place_date,
            title: t(&format!("letter.title.{}", self.kind.as_str())),
            number: format!("{}: {}", t("letter.number"), self.number),
            sections,
            verification: fill(
                &t("letter.verification"),
                &[
                    ("case", &self.case_number),
                    ("id", &self.handoff_id.to_string()),
                    ("hash", self.audit_hash.as_deref().unwrap_or("-")),
                ],
            ),
            signer: vec![
                t("letter.signed_for"),
                self.sender.name.clone(),
                String::new(),
                fill(&t("letter.signed_by"), &[("user", &self.signer)]),
            ],
        }
    }

    /// To whom, about which case, what kind, when, what it shares.
    fn addressee(&self, t: &dyn Fn(&str) -> String, zone: Option<&str>) -> Section {
        let mut rows = vec![
            row(
                t("letter.to"),
                format!("{} ({})", self.receiver.name, self.receiver.code),
            ),
            row(t("letter.kind"), t(&format!("kind.{}", self.kind.as_str()))),
            row(t("letter.case"), self.case_number.clone()),
            row(
                t("letter.handoff"),
                format!(
                    "#{} · {}",
                    self.handoff_id,
                    super::local_time(self.sent_at, zone)
                ),
            ),
        ];
        if let Some(name) = &self.survivor_name {
            rows.push(row(t("letter.survivor"), name.clone()));
        }
        let categories = self
            .categories
            .iter()
            .map(|c| t(&format!("category.{}", c.as_str())))
            .collect::<Vec<_>>()
            .join(", ");
        rows.push(row(t("letter.categories"), categories));
        if let Some(by) = self.respond_by {
            rows.push(row(t("letter.respond_by"), super::local_time(by, zone)));
        }
        Section {
            heading: t("letter.subject"),
            rows,
        }
    }

    /// The agreement clause the handoff was sent under.
    fn clause_section(&self, t: &dyn Fn(&str) -> String) -> Section {
        let c = &self.clause;
        let mut rows = vec![
            row(
                t("letter.agreement"),
                format!("{} v{} — {}", c.agreement_id, c.version, c.title),
            ),
            row(t("letter.rule"), c.rule_id.clone()),
        ];
        if let Some(description) = &c.description {
            let english = t("lang.code") == "en";
            let description = crate::domain::text::description_in(description, english);
            rows.push(row(t("letter.purpose"), description.to_owned()));
        }
        if let Some(basis) = &c.legal_basis {
            rows.push(row(t("letter.legal_basis"), basis.clone()));
        }
        Section {
            heading: t("letter.clause"),
            rows,
        }
    }

    /// The attached documents with their SHA-256.
    fn documents_section(&self, t: &dyn Fn(&str) -> String) -> Section {
        let rows = if self.documents.is_empty() {
            vec![row(String::new(), t("letter.no_documents"))]
        } else {
            self.documents
                .iter()
                .map(|d| row(d.name.clone(), format!("SHA-256 {}", d.sha256)))
                .collect()
        };
        Section {
            heading: t("letter.documents"),
            rows,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d)
            .and_then(|day| day.and_hms_opt(h, min, 0))
            .unwrap_or_default()
    }

    fn key(text: &str) -> String {
        format!("<{text}>")
    }

    #[test]
    fn months_are_written_in_roman_numerals() {
        let all: Vec<&str> = (1..=12).map(roman_month).collect();
        assert_eq!(
            all,
            [
                "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"
            ]
        );
        assert_eq!(roman_month(0), "");
        assert_eq!(roman_month(13), "");
    }

    #[test]
    fn numbers_are_padded_to_three_digits_and_grow_beyond() {
        let k = CounterKey {
            agency_id: 1,
            year: 2026,
            month: 11,
        };
        assert_eq!(
            k.number(7, "UPTD-PPA-JATENG"),
            "007/RJK/UPTD-PPA-JATENG/XI/2026"
        );
        assert_eq!(k.number(999, "A"), "999/RJK/A/XI/2026");
        assert_eq!(k.number(1000, "A"), "1000/RJK/A/XI/2026");
        assert_eq!(k.number(12345, "A"), "12345/RJK/A/XI/2026");
    }

    #[test]
    fn the_counter_is_the_senders_year_in_its_own_zone_and_starts_again_each_year() {
        // 31 December 2026, 16:30 UTC: 23:30 WIB, but 00:30 on 1 January 2027 WITA.
        let late = at(2026, 12, 31, 16, 30);
        assert_eq!(
            CounterKey::of(4, late, Some("33")),
            CounterKey {
                agency_id: 4,
                year: 2026,
                month: 12
            }
        );
        let ntb = CounterKey::of(4, late, Some("52"));
        assert_eq!((ntb.year, ntb.month), (2027, 1), "WITA has turned the year");
        assert_eq!(ntb.number(1, "UPTD-PPA-NTB"), "001/RJK/UPTD-PPA-NTB/I/2027");
        // 17:00 UTC is midnight WIB: a new year, a new counter (its first number is 001).
        let new_year = CounterKey::of(4, at(2026, 12, 31, 17, 0), None);
        assert_eq!((new_year.year, new_year.month), (2027, 1));
        assert_ne!(
            (new_year.agency_id, new_year.year),
            (4, CounterKey::of(4, late, None).year),
            "a different counter row"
        );
        assert_ne!(
            CounterKey::of(4, late, None),
            CounterKey::of(5, late, None),
            "each agency has its own"
        );
    }

    fn letter() -> Letter {
        Letter {
            number: "007/RJK/SU-ALPHA/XII/2026".into(),
            handoff_id: 12,
            case_number: "JT-2026-000001".into(),
            kind: HandoffKind::Referral,
            status: HandoffStatus::Pending,
            sender: AgencyBlock {
                name: "UPTD PPA Kota Semarang".into(),
                code: "SU-ALPHA".into(),
                address: Some("Jl. Pemuda 1\n\nSemarang 50132".into()),
                region: Some("3374".into()),
                province: Some("33".into()),
                email: Some("uptd@example.org".into()),
            },
            receiver: AgencyBlock {
                name: "Polrestabes Semarang".into(),
                code: "POL-BETA".into(),
                ..Default::default()
            },
            sent_at: at(2026, 12, 2, 3, 0),
            respond_by: Some(at(2026, 12, 3, 3, 0)),
            clause: Clause {
                agreement_id: "test-mou".into(),
                version: 1,
                title: "Test agreement".into(),
                rule_id: "report".into(),
                description: Some("Report to the police".into()),
                legal_basis: Some("UU 12/2022 Pasal 39".into()),
            },
            categories: vec![Category::Summary, Category::Incident],
            message: Some("Ready to report\nInterpreter needed".into()),
            documents: vec![],
            audit_hash: Some("3f2a".into()),
            signer: "alpha.cw".into(),
            survivor_name: None,
        }
    }

    #[test]
    fn the_letter_names_every_field_in_the_readers_language() {
        let l = letter();
        let text = l.text(&key);
        assert_eq!(text.place_date, "Semarang, 2 <letter.month.12> 2026");
        assert_eq!(
            text.letterhead,
            [
                "UPTD PPA Kota Semarang",
                "Jl. Pemuda 1",
                "Semarang 50132",
                "Kota Semarang, Jawa Tengah",
                "uptd@example.org"
            ]
        );
        assert_eq!(text.number, "<letter.number>: 007/RJK/SU-ALPHA/XII/2026");
        assert_eq!(text.title, "<letter.title.referral>");
        assert_eq!(text.mark, None);
        let all: Vec<String> = text
            .sections
            .iter()
            .flat_map(|s| s.rows.iter().map(|r| format!("{} {}", r.label, r.value)))
            .collect();
        let all = all.join("\n");
        for expected in [
            "Polrestabes Semarang (POL-BETA)",
            "<kind.referral>",
            "JT-2026-000001",
            "02/12/2026 10.00 WIB",
            "03/12/2026 10.00 WIB",
            "<category.summary>, <category.incident>",
            "test-mou v1 — Test agreement",
            "report",
            "UU 12/2022 Pasal 39",
            "Interpreter needed",
            "<letter.no_documents>",
        ] {
            assert!(all.contains(expected), "{expected} in {all}");
        }
        assert!(
            !all.contains("<letter.survivor>"),
            "no identity unless shared"
        );
        assert_eq!(text.signer[3], "<letter.signed_by>");
    }

    #[test]
    fn withdrawn_and_declined_letters_are_marked() {
        let mut l = letter();
        l.status = HandoffStatus::Withdrawn;
        assert_eq!(
            l.text(&key).mark.as_deref(),
            Some("<letter.mark.withdrawn>")
        );
        l.status = HandoffStatus::Declined;
        assert_eq!(l.text(&key).mark.as_deref(), Some("<letter.mark.declined>"));
        l.status = HandoffStatus::Completed;
        assert_eq!(l.text(&key).mark, None);
    }

    #[test]
    fn places_and_zones_follow_the_sender() {
        let mut l = letter();
        l.sender.region = None;
        l.sender.province = Some("52".into());
        // 2 December 2026 03:00 UTC is 11.00 WITA.
        assert_eq!(l.text(&key).place_date, "Mataram, 2 <letter.month.12> 2026");
        let rows = &l.text(&key).sections[0].rows;
        assert!(rows.iter().any(|r| r.value.contains("11.00 WITA")));
        l.sender.province = None;
        assert_eq!(l.sender.town(), Some("Jakarta"));
        l.sender.province = Some("11".into());
        assert_eq!(l.sender.town(), None);
        assert_eq!(l.text(&key).place_date, "2 <letter.month.12> 2026");
        assert_eq!(
            fill("kasus {case}, #{id}", &[("case", "X"), ("id", "3")]),
            "kasus X, #3"
        );
    }
}
