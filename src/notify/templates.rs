//! E-mail texts in Indonesian and English, plain text and HTML. Pure. An e-mail names the case
//! number and links to the case; it never carries the survivor's identity or incident details,
//! because the parameters it is given hold none.

use serde::{Deserialize, Serialize};

/// What a notification says: the parameters stored with it in the outbox.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Case number, e.g. `JT-2026-000123`.
    pub case_number: String,
    /// Case id, for the link.
    pub case_id: i64,
    /// Handoff id, when it is about one.
    #[serde(default)]
    pub handoff_id: Option<i64>,
    /// `referral`, `transfer`, `notice`.
    #[serde(default)]
    pub handoff_kind: Option<String>,
    /// Sending agency code.
    #[serde(default)]
    pub from_agency: Option<String>,
    /// Receiving agency code.
    #[serde(default)]
    pub to_agency: Option<String>,
    /// `accepted`, `declined`, `withdrawn`, `completed`, `read`.
    #[serde(default)]
    pub decision: Option<String>,
    /// Deadline title, Indonesian.
    #[serde(default)]
    pub deadline_id: Option<String>,
    /// Deadline title, English.
    #[serde(default)]
    pub deadline_en: Option<String>,
    /// Due time, already written for people in the recipient agency's zone (WIB or WITA).
    #[serde(default)]
    pub due: Option<String>,
    /// Province of the agency whose clock it is (for its time zone).
    #[serde(default)]
    pub province: Option<String>,
    /// Sending agency's name.
    #[serde(default)]
    pub from_agency_name: Option<String>,
    /// Receiving agency's name.
    #[serde(default)]
    pub to_agency_name: Option<String>,
    /// The reason of a decline or withdrawal, in its writer's words (about the process, never
    /// the survivor's identity).
    #[serde(default)]
    pub reason: Option<String>,
    /// The outcome of a completion, in the receiver's words.
    #[serde(default)]
    pub outcome: Option<String>,
}

/// A rendered e-mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// Subject line.
    pub subject: String,
    /// Plain text.
    pub text: String,
    /// HTML.
    pub html: String,
}

/// The notification kinds (outbox `kind`).
pub const KINDS: [&str; 6] = [
    "handoff.received",
    "handoff.decided",
    "deadline.reminder",
    "deadline.escalation",
    "consent.withdrawn",
    "access.ended",
];

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn decision_word(decision: &str, en: bool) -> &str {
    match (decision, en) {
        ("accepted", false) => "diterima",
        ("declined", false) => "ditolak",
        ("withdrawn", false) => "ditarik",
        ("completed", false) => "diselesaikan",
        ("read", false) => "dibaca",
        (other, _) => other,
    }
}

/// The kind of handoff in words: (Indonesian, its short title, English).
fn kind_words(kind: Option<&str>) -> (&'static str, &'static str, &'static str) {
    match kind {
        Some("transfer") => ("pengalihan kasus", "Pengalihan", "transfer"),
        Some("notice") => ("pemberitahuan", "Pemberitahuan", "notice"),
        _ => ("rujukan", "Rujukan", "referral"),
    }
}

/// The first letter of `text` in capitals.
fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// `Name (CODE)`, or the code alone when the name is not known.
fn agency(code: Option<&str>, name: Option<&str>) -> String {
    match (code, name) {
        (Some(code), Some(name)) if name != code => format!("{name} ({code})"),
        (Some(code), _) => code.to_owned(),
        (None, Some(name)) => name.to_owned(),
        (None, None) => "-".to_owned(),
    }
}

/// Renders `kind` in `language` (`id` unless `en`); `link` is the case's address.
pub fn render(kind: &str, language: &str, p: &Params, link: &str) -> Rendered {
    let en = language == "en";
    let words = Words::of(p, en);
    let (subject, lines) = if en {
        english(kind, &words)
    } else {
        indonesian(kind, &words)
    };
    let (text, html) = body(&lines, link, en);
    Rendered {
        subject,
        text,
        html,
    }
}

/// The parameters as the texts use them, `-` for what is missing.
struct Words<'a> {
    /// Case number.
    n: &'a str,
    /// Sending agency, `Name (CODE)`.
    from: String,
    /// Sending agency's name alone (subjects).
    from_name: &'a str,
    /// Receiving agency, `Name (CODE)`.
    to: String,
    due: &'a str,
    has_due: bool,
    /// The deadline's title in the message's language.
    deadline: &'a str,
    /// The kind of handoff in the message's language.
    kind: &'static str,
    /// Its short title (Indonesian subjects).
    title: &'static str,
    decision: &'a str,
    reason: Option<&'a str>,
    outcome: Option<&'a str>,
}

impl<'a> Words<'a> {
    fn of(p: &'a Params, en: bool) -> Self {
        let deadline = if en {
            p.deadline_en.as_deref()
        } else {
            p.deadline_id.as_deref()
        };
        let (kind_id, title, kind_en) = kind_words(p.handoff_kind.as_deref());
        Words {
            n: &p.case_number,
            from: agency(p.from_agency.as_deref(), p.from_agency_name.as_deref()),
            from_name: p
                .from_agency_name
                .as_deref()
                .or(p.from_agency.as_deref())
                .unwrap_or("-"),
            to: agency(p.to_agency.as_deref(), p.to_agency_name.as_deref()),
            due: p.due.as_deref().unwrap_or("-"),
            has_due: p.due.is_some(),
            deadline: deadline.unwrap_or("-"),
            kind: if en { kind_en } else { kind_id },
            title,
            decision: p.decision.as_deref().unwrap_or("-"),
            reason: p.reason.as_deref().filter(|r| !r.trim().is_empty()),
            outcome: p.outcome.as_deref().filter(|o| !o.trim().is_empty()),
        }
    }
}

/// The subject and paragraphs of `kind` in Indonesian.
fn indonesian(kind: &str, w: &Words<'_>) -> (String, Vec<String>) {
    let Words {
        n,
        from,
        to,
        due,
        deadline,
        ..
    } = w;
    match kind {
        "handoff.received" => received_id(w),
        "handoff.decided" => decided_id(w),
        "deadline.reminder" => (
            format!("[Rujukan] Pengingat: {deadline}, kasus {n}"),
            vec![
                format!("Batas waktu \"{deadline}\" untuk kasus {n} berakhir {due}."),
                "Mohon diselesaikan sebelum batas waktu itu.".to_owned(),
            ],
        ),
        "deadline.escalation" => (
            format!("[Rujukan] Eskalasi: batas waktu terlewati, kasus {n}"),
            vec![
                format!(
                    "Batas waktu \"{deadline}\" untuk kasus {n} ({from} → {to}) terlewati pada {due}."
                ),
                "Mohon ditindaklanjuti sebagai atasan.".to_owned(),
            ],
        ),
        "consent.withdrawn" => (
            format!("[Rujukan] Persetujuan dicabut, kasus {n}"),
            vec![
                format!(
                    "Penyintas mencabut persetujuan untuk kasus {n}. Akses {to} yang berdasar persetujuan itu telah berakhir."
                ),
                "Jangan lagi memakai data kasus ini yang diterima berdasarkan persetujuan itu."
                    .to_owned(),
            ],
        ),
        "access.ended" => (
            format!("[Rujukan] Akses berakhir, kasus {n}"),
            vec![format!(
                "Akses {to} ke kasus {n} telah berakhir, karena akses instansi yang meneruskan kasus ini kepada {to} telah berakhir."
            )],
        ),
        other => unknown_kind(other, n),
    }
}

/// A new handoff, to its receiver, in Indonesian: who sent what, and the answer's deadline.
fn received_id(w: &Words<'_>) -> (String, Vec<String>) {
    let Words {
        n,
        from,
        from_name,
        to,
        due,
        kind,
        title,
        ..
    } = w;
    if w.has_due {
        (
            format!("[Rujukan] {title} baru untuk kasus {n} dari {from_name}: jawab sebelum {due}"),
            vec![
                format!("{from} mengirim {kind} untuk kasus {n} kepada {to}."),
                format!(
                    "Mohon dijawab sebelum {due}: buka kasus, lalu terima atau tolak dengan alasan di Kotak masuk."
                ),
            ],
        )
    } else {
        (
            format!("[Rujukan] {title} baru untuk kasus {n} dari {from_name}"),
            vec![
                format!("{from} mengirim {kind} untuk kasus {n} kepada {to}."),
                "Buka kasus untuk membacanya.".to_owned(),
            ],
        )
    }
}

/// A decision, to the other party, in Indonesian: what was decided, why, and what to do next.
fn decided_id(w: &Words<'_>) -> (String, Vec<String>) {
    let Words {
        n,
        from,
        to,
        kind,
        title,
        ..
    } = w;
    let word = decision_word(w.decision, false);
    let mut lines = vec![format!(
        "{} untuk kasus {n} dari {from} kepada {to} telah {word}.",
        capitalised(kind)
    )];
    match (w.decision, w.reason, w.outcome) {
        ("declined", Some(reason), _) => {
            lines.push(format!("Alasan penolakan: {reason}"));
            lines.push(
                "Bila penyintas masih membutuhkan layanan, kirim rujukan ke instansi lain dari halaman kasus.".to_owned(),
            );
        }
        ("withdrawn", Some(reason), _) => {
            lines.push(format!("Alasan penarikan: {reason}"));
            lines.push("Rujukan ini tidak perlu dijawab lagi.".to_owned());
        }
        ("completed", _, Some(outcome)) => lines.push(format!("Hasil: {outcome}")),
        ("accepted", _, _) => lines.push(format!("{to} sekarang menangani {kind} ini.")),
        _ => {}
    }
    (format!("[Rujukan] {title} untuk kasus {n} {word}"), lines)
}

/// The subject and paragraphs of `kind` in English.
fn english(kind: &str, w: &Words<'_>) -> (String, Vec<String>) {
    let Words {
        n,
        from,
        to,
        due,
        deadline,
        ..
    } = w;
    match kind {
        "handoff.received" => received_en(w),
        "handoff.decided" => decided_en(w),
        "deadline.reminder" => (
            format!("[Rujukan] Reminder: {deadline}, case {n}"),
            vec![
                format!("The deadline \"{deadline}\" for case {n} ends {due}."),
                "Please finish before that deadline.".to_owned(),
            ],
        ),
        "deadline.escalation" => (
            format!("[Rujukan] Escalation: deadline missed, case {n}"),
            vec![
                format!(
                    "The deadline \"{deadline}\" for case {n} ({from} → {to}) passed at {due}."
                ),
                "Please follow up as a supervisor.".to_owned(),
            ],
        ),
        "consent.withdrawn" => (
            format!("[Rujukan] Consent withdrawn, case {n}"),
            vec![
                format!(
                    "The survivor withdrew consent for case {n}. The access of {to} that rested on it has ended."
                ),
                "Do not use this case's data received on that consent any more.".to_owned(),
            ],
        ),
        "access.ended" => (
            format!("[Rujukan] Access ended, case {n}"),
            vec![format!(
                "The access of {to} to case {n} has ended, because the access of the agency that passed the case on to {to} has ended."
            )],
        ),
        other => unknown_kind(other, n),
    }
}

/// A new handoff, to its receiver, in English.
fn received_en(w: &Words<'_>) -> (String, Vec<String>) {
    let Words {
        n,
        from,
        from_name,
        to,
        due,
        kind,
        ..
    } = w;
    if w.has_due {
        (
            format!("[Rujukan] New {kind} for case {n} from {from_name}: answer before {due}"),
            vec![
                format!("{from} sent a {kind} for case {n} to {to}."),
                format!(
                    "Please answer before {due}: open the case, then accept, or decline with a reason, in the Inbox."
                ),
            ],
        )
    } else {
        (
            format!("[Rujukan] New {kind} for case {n} from {from_name}"),
            vec![
                format!("{from} sent a {kind} for case {n} to {to}."),
                "Open the case to read it.".to_owned(),
            ],
        )
    }
}

/// A decision, to the other party, in English.
fn decided_en(w: &Words<'_>) -> (String, Vec<String>) {
    let Words {
        n, from, to, kind, ..
    } = w;
    let word = w.decision;
    let mut lines = vec![format!(
        "The {kind} of case {n} from {from} to {to} was {word}."
    )];
    match (w.decision, w.reason, w.outcome) {
        ("declined", Some(reason), _) => {
            lines.push(format!("Reason for declining: {reason}"));
            lines.push(
                "If the survivor still needs a service, send a handoff to another agency from the case page.".to_owned(),
            );
        }
        ("withdrawn", Some(reason), _) => {
            lines.push(format!("Reason for withdrawing: {reason}"));
            lines.push("This handoff needs no answer any more.".to_owned());
        }
        ("completed", _, Some(outcome)) => lines.push(format!("Outcome: {outcome}")),
        ("accepted", _, _) => lines.push(format!("{to} now handles this {kind}.")),
        _ => {}
    }
    (
        format!("[Rujukan] {} of case {n} {word}", capitalised(kind)),
        lines,
    )
}

/// A kind without a text of its own: its code and the case number.
fn unknown_kind(kind: &str, n: &str) -> (String, Vec<String>) {
    (
        format!("[Rujukan] {kind}: {n}"),
        vec![format!("{kind}: {n}")],
    )
}

/// The plain-text and HTML bodies: the paragraphs, the link to the case and the footer.
fn body(lines: &[String], link: &str, en: bool) -> (String, String) {
    let open = if en { "Open the case" } else { "Buka kasus" };
    let footer = if en {
        "This message names only the case number. Sign in to Rujukan to see what you may see."
    } else {
        "Pesan ini hanya menyebut nomor kasus. Masuk ke Rujukan untuk melihat yang boleh Anda lihat."
    };
    let text = format!("{}\n\n{open}: {link}\n\n{footer}\n", lines.join("\n"));
    let html = format!(
        "<!doctype html><html lang=\"{}\"><body>{}<p><a href=\"{}\">{open}</a></p><p><small>{}</small></p></body></html>",
        if en { "en" } else { "id" },
        lines
            .iter()
            .map(|l| format!("<p>{}</p>", escape(l)))
            .collect::<String>(),
        escape(link),
        escape(footer)
    );
    (text, html)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_reads_in_both_languages_with_the_case_number_and_link() {
        let p = Params {
            case_number: "JT-2026-000007".into(),
            case_id: 7,
            from_agency: Some("UPTD-PPA-JATENG".into()),
            to_agency: Some("POLDA-JATENG".into()),
            due: Some("29 Nov 2026 10.00 WIB".into()),
            deadline_id: Some("Menjawab rujukan".into()),
            deadline_en: Some("Answer the handoff".into()),
            decision: Some("accepted".into()),
            ..Params::default()
        };
        for kind in KINDS {
            let id = render(kind, "id", &p, "http://x/cases/7");
            let en = render(kind, "en", &p, "http://x/cases/7");
            assert_ne!(id.subject, en.subject, "{kind}");
            for r in [&id, &en] {
                assert!(
                    r.subject.contains("JT-2026-000007") && r.text.contains("http://x/cases/7"),
                    "{kind}: {r:?}"
                );
                assert!(r.html.contains("href=\"http://x/cases/7\""));
            }
        }
        let html = render(
            "handoff.received",
            "en",
            &Params {
                from_agency: Some("<script>".into()),
                ..p
            },
            "l",
        )
        .html;
        assert!(!html.contains("<script>"), "HTML is escaped");
    }

    fn handoff(kind: &str, decision: Option<&str>) -> Params {
        Params {
            case_number: "NB-2026-000042".into(),
            case_id: 42,
            handoff_id: Some(9),
            handoff_kind: Some(kind.into()),
            from_agency: Some("UPTD-PPA-JATENG".into()),
            from_agency_name: Some("UPTD PPA Provinsi Jawa Tengah".into()),
            to_agency: Some("UPTD-PPA-NTB".into()),
            to_agency_name: Some("UPTD PPA Provinsi Nusa Tenggara Barat".into()),
            due: Some("03/12/2026 11.00 WITA".into()),
            province: Some("52".into()),
            decision: decision.map(Into::into),
            reason: Some("Kuota rumah aman penuh sampai Januari".into()),
            outcome: Some("Pendampingan hukum selesai".into()),
            ..Params::default()
        }
    }

    #[test]
    fn a_new_handoff_names_the_sender_the_kind_and_the_deadline_in_the_receivers_zone() {
        let id = render("handoff.received", "id", &handoff("referral", None), "l");
        assert_eq!(
            id.subject,
            "[Rujukan] Rujukan baru untuk kasus NB-2026-000042 dari UPTD PPA Provinsi Jawa Tengah: jawab sebelum 03/12/2026 11.00 WITA"
        );
        assert!(
            id.text
                .contains("UPTD PPA Provinsi Jawa Tengah (UPTD-PPA-JATENG) mengirim rujukan"),
            "{}",
            id.text
        );
        assert!(id.text.contains("sebelum 03/12/2026 11.00 WITA"));
        let en = render("handoff.received", "en", &handoff("transfer", None), "l");
        assert!(
            en.subject.contains("New transfer for case NB-2026-000042")
                && en.subject.contains("answer before 03/12/2026 11.00 WITA"),
            "{}",
            en.subject
        );
        let transfer = render("handoff.received", "id", &handoff("transfer", None), "l");
        assert!(transfer.subject.contains("Pengalihan baru"));
        assert!(transfer.text.contains("mengirim pengalihan kasus"));
        let notice = Params {
            due: None,
            ..handoff("notice", None)
        };
        let notice = render("handoff.received", "id", &notice, "l");
        assert!(
            notice.subject.contains("Pemberitahuan baru") && !notice.subject.contains("jawab"),
            "a notice has no answer to give: {}",
            notice.subject
        );
    }

    #[test]
    fn a_decision_says_what_was_decided_why_and_what_to_do() {
        let declined = handoff("referral", Some("declined"));
        for (lang, words) in [
            (
                "id",
                ["ditolak", "Alasan penolakan: Kuota rumah aman penuh"],
            ),
            (
                "en",
                ["declined", "Reason for declining: Kuota rumah aman penuh"],
            ),
        ] {
            let r = render("handoff.decided", lang, &declined, "l");
            assert!(r.subject.contains(words[0]), "{lang}: {}", r.subject);
            assert!(r.text.contains(words[1]), "{lang}: {}", r.text);
            assert!(r.html.contains(words[1]), "{lang}: {}", r.html);
            assert!(!r.text.contains("Pendampingan"), "no outcome on a decline");
        }
        let withdrawn = render(
            "handoff.decided",
            "id",
            &handoff("referral", Some("withdrawn")),
            "l",
        );
        assert!(withdrawn.text.contains("Alasan penarikan: Kuota"));
        assert!(withdrawn.text.contains("tidak perlu dijawab lagi"));
        let completed = render(
            "handoff.decided",
            "en",
            &handoff("referral", Some("completed")),
            "l",
        );
        assert!(
            completed
                .text
                .contains("Outcome: Pendampingan hukum selesai")
        );
        assert!(
            !completed.text.contains("Kuota"),
            "no reason on a completion"
        );
        let accepted = render(
            "handoff.decided",
            "id",
            &handoff("referral", Some("accepted")),
            "l",
        );
        assert!(accepted.subject.contains("diterima") && !accepted.text.contains("Alasan"));
    }

    #[test]
    fn indonesian_mail_has_no_english_words_and_both_languages_have_every_text() {
        let english = [
            "referral",
            "handoff",
            "transfer",
            "notice",
            "the ",
            " case",
            "deadline",
            "sent ",
            "declined",
            "accepted",
            "withdrawn",
            "completed",
            "Please",
            "Open",
            "answer",
        ];
        for kind in KINDS {
            for (handoff_kind, decision) in [
                ("referral", "accepted"),
                ("referral", "declined"),
                ("transfer", "withdrawn"),
                ("referral", "completed"),
                ("notice", "read"),
            ] {
                let mut p = handoff(handoff_kind, Some(decision));
                p.deadline_id = Some("Menjawab rujukan".into());
                p.deadline_en = Some("Answer the handoff".into());
                let id = render(kind, "id", &p, "http://x/cases/42");
                let en = render(kind, "en", &p, "http://x/cases/42");
                for word in english {
                    assert!(
                        !id.subject.contains(word) && !id.text.contains(word),
                        "{kind}/{decision}: English {word:?} in {id:?}"
                    );
                }
                for r in [&id, &en] {
                    assert!(
                        !r.subject.contains(&format!("{kind}:")),
                        "{kind} has its own text: {r:?}"
                    );
                }
            }
        }
    }
}
