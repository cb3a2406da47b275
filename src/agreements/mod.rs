//! Agreements (MOUs) as data: the `config/agreements/*.toml` files, parsed and validated with
//! every problem reported as `FILE:LINE: message`. Pure apart from reading the files; the rules
//! engine is in [`engine`]. Keys are documented in `docs/AGREEMENTS.md`.

pub mod engine;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use toml::Spanned;

use crate::authz::Category;
use crate::domain::agency::AgencyKind;
use crate::domain::classification as cls;
use crate::domain::user::Role;

pub use crate::domain::handoff::HandoffKind;

/// Case facts a handoff may require (`requires = [...]`).
pub const FACTS: [&str; 12] = [
    "incident.date",
    "incident.forms",
    "incident.country",
    "incident.perpetrator_relation",
    "survivor.date_of_birth",
    "survivor.age_band",
    "identity.nik",
    "identity.phone",
    "migrant.destination_country",
    "migrant.migration_stage",
    "legal_basis",
    "risk_level",
];

/// One handoff an agreement allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandoffRule {
    /// Id within the agreement, e.g. `report-to-police`.
    pub id: String,
    /// Kind.
    pub kind: HandoffKind,
    /// Agency kinds that may send.
    pub from: Vec<AgencyKind>,
    /// Agency kinds that may receive.
    pub to: Vec<AgencyKind>,
    /// Consent purpose that must be given.
    pub requires_consent: Option<String>,
    /// Whether a supervisor may override a missing consent.
    pub consent_override: bool,
    /// Case facts that must be present.
    pub requires: Vec<String>,
    /// Data categories the receiver holds once it accepts.
    pub shares: Vec<Category>,
    /// Hours to accept or decline.
    pub respond_within_hours: Option<u32>,
    /// Days to complete after acceptance.
    pub complete_within_days: Option<u32>,
    /// Role escalated to at both agencies.
    pub escalate_to: Option<Role>,
    /// Legal basis shown to users.
    pub legal_basis: Option<String>,
    /// What acceptance changes in the case: `(track, stage)`.
    pub on_accept: Option<(String, String)>,
    /// What the handoff is for, in words.
    pub description: Option<String>,
    /// Consent purposes the receiver, once it accepted, may record or withdraw for the case
    /// (otherwise only the owner records consent).
    pub receiver_records_consent: Vec<String>,
}

/// One agreement version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agreement {
    /// Stable id.
    pub id: String,
    /// Version.
    pub version: i32,
    /// Title.
    pub title: String,
    /// In force from.
    pub effective_from: NaiveDate,
    /// In force until (inclusive), if it ends.
    pub effective_until: Option<NaiveDate>,
    /// Party agency codes.
    pub parties: Vec<String>,
    /// Handoffs allowed.
    pub handoffs: Vec<HandoffRule>,
    /// SHA-256 of the file, hex.
    pub content_hash: String,
    /// The file's text, stored with the version.
    pub content: String,
    /// Where it was read from.
    pub source: PathBuf,
}

impl Agreement {
    /// Whether the agreement is in force on `day`.
    pub fn in_force(&self, day: NaiveDate) -> bool {
        self.effective_from <= day && self.effective_until.is_none_or(|until| day <= until)
    }

    /// A rule by id.
    pub fn rule(&self, id: &str) -> Option<&HandoffRule> {
        self.handoffs.iter().find(|h| h.id == id)
    }
}

/// One problem in one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// File.
    pub file: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file.display(), self.line, self.message)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAgreement {
    id: Spanned<String>,
    version: Spanned<i64>,
    title: Spanned<String>,
    effective_from: Spanned<toml::value::Datetime>,
    #[serde(default)]
    effective_until: Option<Spanned<toml::value::Datetime>>,
    parties: Spanned<Vec<Spanned<String>>>,
    #[serde(default)]
    handoff: Vec<Spanned<RawHandoff>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHandoff {
    id: Spanned<String>,
    kind: Spanned<String>,
    from: Spanned<Vec<Spanned<String>>>,
    to: Spanned<Vec<Spanned<String>>>,
    #[serde(default)]
    requires_consent: Option<Spanned<String>>,
    #[serde(default)]
    consent_override: Option<Spanned<bool>>,
    #[serde(default)]
    requires: Option<Spanned<Vec<Spanned<String>>>>,
    #[serde(default)]
    shares: Option<Spanned<Vec<Spanned<String>>>>,
    #[serde(default)]
    respond_within_hours: Option<Spanned<i64>>,
    #[serde(default)]
    complete_within_days: Option<Spanned<i64>>,
    #[serde(default)]
    escalate_to: Option<Spanned<String>>,
    #[serde(default)]
    legal_basis: Option<Spanned<String>>,
    #[serde(default)]
    on_accept: Option<Spanned<RawOnAccept>>,
    #[serde(default)]
    description: Option<Spanned<String>>,
    #[serde(default)]
    receiver_records_consent: Option<Spanned<Vec<Spanned<String>>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOnAccept {
    track: Spanned<String>,
    stage: Spanned<String>,
}

/// Turns byte offsets into line numbers.
pub(crate) struct Lines<'a> {
    pub(crate) file: &'a Path,
    pub(crate) text: &'a str,
    pub(crate) problems: Vec<Problem>,
}

impl Lines<'_> {
    pub(crate) fn line(&self, span: &Range<usize>) -> usize {
        let end = span.start.min(self.text.len());
        self.text
            .get(..end)
            .map_or(1, |t| t.matches('\n').count() + 1)
    }

    pub(crate) fn fail(&mut self, span: &Range<usize>, message: impl Into<String>) {
        let line = self.line(span);
        self.problems.push(Problem {
            file: self.file.to_path_buf(),
            line,
            message: message.into(),
        });
    }
}

/// A TOML local date (no time) as a date.
pub(crate) fn date(value: &toml::value::Datetime) -> Option<NaiveDate> {
    let d = value.date?;
    if value.time.is_some() {
        return None;
    }
    NaiveDate::from_ymd_opt(i32::from(d.year), u32::from(d.month), u32::from(d.day))
}

fn category(text: &str) -> Option<Category> {
    Category::parse(text).ok()
}

/// The agencies known when checking: code → kind.
pub type KnownAgencies = BTreeMap<String, AgencyKind>;

/// Parses and validates one agreement file.
/// `agencies`: the agencies party codes must name (with their kinds); `None` skips that check
/// (re-reading a stored version whose parties may since have changed).
pub fn parse_file(
    path: &Path,
    text: &str,
    agencies: Option<&KnownAgencies>,
) -> Result<Agreement, Vec<Problem>> {
    let mut lines = Lines {
        file: path,
        text,
        problems: Vec::new(),
    };
    let raw: RawAgreement = match toml::from_str(text) {
        Ok(raw) => raw,
        Err(e) => {
            let span = e.span().unwrap_or(0..0);
            lines.fail(&span, e.message().replace('\n', " "));
            return Err(lines.problems);
        }
    };
    let id = raw.id.get_ref().trim().to_owned();
    if id.is_empty()
        || !id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        lines.fail(
            &raw.id.span(),
            "id must be lower-case letters, digits and hyphens, e.g. jateng-pmi",
        );
    }
    let version = i32::try_from(*raw.version.get_ref()).unwrap_or(0);
    if version < 1 {
        lines.fail(
            &raw.version.span(),
            "version must be a whole number of 1 or more",
        );
    }
    if raw.title.get_ref().trim().is_empty() {
        lines.fail(&raw.title.span(), "title must not be empty");
    }
    let effective_from = date(raw.effective_from.get_ref());
    if effective_from.is_none() {
        lines.fail(
            &raw.effective_from.span(),
            "effective_from must be a date, e.g. 2025-01-01",
        );
    }
    let effective_until = match &raw.effective_until {
        Some(until) => {
            let parsed = date(until.get_ref());
            match (parsed, effective_from) {
                (None, _) => lines.fail(&until.span(), "effective_until must be a date"),
                (Some(u), Some(f)) if u < f => {
                    lines.fail(&until.span(), "effective_until is before effective_from")
                }
                _ => {}
            }
            parsed
        }
        None => None,
    };

    let mut parties = Vec::new();
    let mut party_kinds = BTreeSet::new();
    for party in raw.parties.get_ref() {
        let code = party.get_ref().trim();
        match agencies.map(|known| known.get(code)) {
            Some(Some(kind)) => {
                party_kinds.insert(*kind);
            }
            Some(None) => lines.fail(&party.span(), format!("unknown agency code {code:?}")),
            None => {}
        }
        if parties.iter().any(|p| p == code) {
            lines.fail(&party.span(), format!("agency {code} is listed twice"));
        }
        parties.push(code.to_owned());
    }
    if parties.len() < 2 {
        lines.fail(
            &raw.parties.span(),
            "an agreement needs at least two parties",
        );
    }

    let mut handoffs = Vec::new();
    let mut ids = BTreeSet::new();
    for spanned in &raw.handoff {
        let h = spanned.get_ref();
        if let Some(rule) = parse_rule(&mut lines, h, agencies.map(|_| &party_kinds)) {
            if !ids.insert(rule.id.clone()) {
                lines.fail(
                    &h.id.span(),
                    format!("handoff id {:?} is defined twice", rule.id),
                );
            }
            handoffs.push(rule);
        }
    }
    if raw.handoff.is_empty() {
        lines.fail(&(0..0), "the agreement defines no [[handoff]]");
    }

    match (lines.problems.is_empty(), effective_from) {
        (true, Some(effective_from)) => Ok(Agreement {
            id,
            version,
            title: raw.title.into_inner(),
            effective_from,
            effective_until,
            parties,
            handoffs,
            content_hash: hex::encode(Sha256::digest(text.as_bytes())),
            content: text.to_owned(),
            source: path.to_path_buf(),
        }),
        _ => Err(lines.problems),
    }
}

fn kinds(
    lines: &mut Lines<'_>,
    list: &Spanned<Vec<Spanned<String>>>,
    key: &str,
) -> Vec<AgencyKind> {
    let mut out = Vec::new();
    for item in list.get_ref() {
        match AgencyKind::parse(item.get_ref().trim()) {
            Ok(kind) => out.push(kind),
            Err(e) => lines.fail(&item.span(), format!("{key}: {}", e.message)),
        }
    }
    if list.get_ref().is_empty() {
        lines.fail(
            &list.span(),
            format!("{key} must name at least one agency kind"),
        );
    }
    out
}

fn parse_rule(
    lines: &mut Lines<'_>,
    h: &RawHandoff,
    party_kinds: Option<&BTreeSet<AgencyKind>>,
) -> Option<HandoffRule> {
    let before = lines.problems.len();
    let id = h.id.get_ref().trim().to_owned();
    if id.is_empty()
        || !id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        lines.fail(
            &h.id.span(),
            "handoff id must be lower-case letters, digits and hyphens, e.g. report-to-police",
        );
    }
    let kind = HandoffKind::parse(h.kind.get_ref().trim()).ok();
    if kind.is_none() {
        lines.fail(&h.kind.span(), "kind must be referral, transfer or notice");
    }
    let from = kinds(lines, &h.from, "from");
    let to = kinds(lines, &h.to, "to");
    for (list, key) in [(&from, &h.from), (&to, &h.to)] {
        if let Some(party_kinds) = party_kinds
            && !list.is_empty()
            && !list.iter().any(|k| party_kinds.contains(k))
        {
            lines.fail(&key.span(), "no party of the agreement is of these kinds");
        }
    }
    let requires_consent = h.requires_consent.as_ref().map(|p| {
        let purpose = p.get_ref().trim().to_owned();
        if !cls::CONSENT_PURPOSE.contains(&purpose) {
            lines.fail(
                &p.span(),
                format!(
                    "requires_consent: unknown consent purpose {purpose:?}; expected one of {}",
                    cls::CONSENT_PURPOSE.codes().join(", ")
                ),
            );
        }
        purpose
    });
    let mut receiver_records_consent = Vec::new();
    for purpose in h.receiver_records_consent.iter().flat_map(|l| l.get_ref()) {
        let code = purpose.get_ref().trim().to_owned();
        if !cls::CONSENT_PURPOSE.contains(&code) {
            lines.fail(
                &purpose.span(),
                format!(
                    "receiver_records_consent: unknown consent purpose {code:?}; expected one of {}",
                    cls::CONSENT_PURPOSE.codes().join(", ")
                ),
            );
        } else if !receiver_records_consent.contains(&code) {
            receiver_records_consent.push(code);
        }
    }
    let consent_override = h.consent_override.as_ref().is_some_and(|o| *o.get_ref());
    if consent_override
        && requires_consent.is_none()
        && let Some(o) = &h.consent_override
    {
        lines.fail(&o.span(), "consent_override needs requires_consent");
    }
    let mut requires = Vec::new();
    if let Some(list) = &h.requires {
        for fact in list.get_ref() {
            let name = fact.get_ref().trim();
            if FACTS.contains(&name) {
                requires.push(name.to_owned());
            } else {
                lines.fail(
                    &fact.span(),
                    format!(
                        "requires: unknown case fact {name:?}; expected one of {}",
                        FACTS.join(", ")
                    ),
                );
            }
        }
    }
    let mut shares = Vec::new();
    match &h.shares {
        Some(list) => {
            for item in list.get_ref() {
                match category(item.get_ref().trim()) {
                    Some(c) if !shares.contains(&c) => shares.push(c),
                    Some(_) => {}
                    None => lines.fail(
                        &item.span(),
                        format!("shares: unknown data category {:?}; expected summary, identity, incident, health, legal, documents", item.get_ref()),
                    ),
                }
            }
            if !shares.contains(&Category::Summary) {
                shares.insert(0, Category::Summary);
            }
        }
        None => shares.push(Category::Summary),
    }
    let hours = |lines: &mut Lines<'_>, value: &Option<Spanned<i64>>, key: &str, max: i64| {
        value
            .as_ref()
            .and_then(|v| match u32::try_from(*v.get_ref()) {
                Ok(n) if n >= 1 && i64::from(n) <= max => Some(n),
                _ => {
                    lines.fail(&v.span(), format!("{key} must be between 1 and {max}"));
                    None
                }
            })
    };
    let respond_within_hours = hours(
        lines,
        &h.respond_within_hours,
        "respond_within_hours",
        24 * 90,
    );
    let complete_within_days = hours(lines, &h.complete_within_days, "complete_within_days", 3650);
    let escalate_to = h.escalate_to.as_ref().and_then(|r| {
        Role::parse(r.get_ref().trim())
            .map_err(|e| lines.fail(&r.span(), format!("escalate_to: {}", e.message)))
            .ok()
    });
    if kind == Some(HandoffKind::Notice) {
        for (present, span, key) in [
            (
                h.respond_within_hours.is_some(),
                h.respond_within_hours.as_ref().map(Spanned::span),
                "respond_within_hours",
            ),
            (
                h.complete_within_days.is_some(),
                h.complete_within_days.as_ref().map(Spanned::span),
                "complete_within_days",
            ),
            (
                h.on_accept.is_some(),
                h.on_accept.as_ref().map(Spanned::span),
                "on_accept",
            ),
        ] {
            if present {
                lines.fail(
                    &span.unwrap_or(h.kind.span()),
                    format!("a notice is not accepted and has no deadline: remove {key}"),
                );
            }
        }
    }
    if escalate_to.is_some()
        && respond_within_hours.is_none()
        && complete_within_days.is_none()
        && let Some(e) = &h.escalate_to
    {
        lines.fail(
            &e.span(),
            "escalate_to needs respond_within_hours or complete_within_days",
        );
    }
    if kind == Some(HandoffKind::Transfer) && to.contains(&AgencyKind::Court) {
        lines.fail(
            &h.to.span(),
            "a case cannot be transferred to a court; use a notice",
        );
    }
    let on_accept = h.on_accept.as_ref().and_then(|o| {
        let o = o.get_ref();
        let track = o.track.get_ref().trim();
        let stage = o.stage.get_ref().trim();
        match cls::stages(track) {
            None => {
                lines.fail(
                    &o.track.span(),
                    "on_accept.track must be service, justice, protection or migrant_complaint",
                );
                None
            }
            Some(stages) if !stages.iter().any(|s| s.code == stage) => {
                lines.fail(
                    &o.stage.span(),
                    format!("on_accept.stage: {stage:?} is not a stage of the {track} track"),
                );
                None
            }
            Some(_) => Some((track.to_owned(), stage.to_owned())),
        }
    });
    if lines.problems.len() > before {
        return None;
    }
    Some(HandoffRule {
        id,
        kind: kind?,
        from,
        to,
        requires_consent,
        consent_override,
        requires,
        shares,
        respond_within_hours,
        complete_within_days,
        escalate_to,
        legal_basis: h
            .legal_basis
            .as_ref()
            .map(|l| l.get_ref().trim().to_owned()),
        on_accept,
        description: h
            .description
            .as_ref()
            .map(|d| d.get_ref().trim().to_owned()),
        receiver_records_consent,
    })
}

/// Reads every `*.toml` in `dir` (sorted), validates each and the set (no agreement id twice).
pub fn load_dir(dir: &Path, agencies: &KnownAgencies) -> Result<Vec<Agreement>, Vec<Problem>> {
    let mut problems = Vec::new();
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            return Err(vec![Problem {
                file: dir.to_path_buf(),
                line: 0,
                message: format!("cannot read the agreements folder: {e}"),
            }]);
        }
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    let mut agreements: Vec<Agreement> = Vec::new();
    for file in files {
        let text = match std::fs::read_to_string(&file) {
            Ok(text) => text,
            Err(e) => {
                problems.push(Problem {
                    file,
                    line: 0,
                    message: format!("cannot read: {e}"),
                });
                continue;
            }
        };
        match parse_file(&file, &text, Some(agencies)) {
            Ok(agreement) => {
                if let Some(first) = agreements.iter().find(|a| a.id == agreement.id) {
                    problems.push(Problem {
                        file: file.clone(),
                        line: 1,
                        message: format!(
                            "agreement id {:?} is also defined in {}",
                            agreement.id,
                            first.source.display()
                        ),
                    });
                }
                agreements.push(agreement);
            }
            Err(mut found) => problems.append(&mut found),
        }
    }
    if problems.is_empty() {
        Ok(agreements)
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agencies() -> KnownAgencies {
        [
            ("UPTD-PPA-X", AgencyKind::ServiceUnit),
            ("POLRES-X", AgencyKind::Police),
            ("PN-X", AgencyKind::Court),
        ]
        .into_iter()
        .map(|(c, k)| (c.to_owned(), k))
        .collect()
    }

    const GOOD: &str = r#"id = "test-mou"
version = 1
title = "Test"
effective_from = 2025-01-01
parties = ["UPTD-PPA-X", "POLRES-X", "PN-X"]

[[handoff]]
id = "report-to-police"
kind = "referral"
from = ["service_unit"]
to = ["police"]
requires_consent = "police_report"
consent_override = true
requires = ["incident.date"]
shares = ["summary", "incident"]
respond_within_hours = 24
escalate_to = "supervisor"
on_accept = { track = "justice", stage = "reported_to_police" }

[[handoff]]
id = "notify-court"
kind = "notice"
from = ["police"]
to = ["court"]
"#;

    #[test]
    fn a_good_file_parses() {
        let a = parse_file(Path::new("good.toml"), GOOD, Some(&agencies()))
            .unwrap_or_else(|p| panic!("{p:?}"));
        assert_eq!(
            (a.id.as_str(), a.version, a.handoffs.len()),
            ("test-mou", 1, 2)
        );
        let rule = a
            .rule("report-to-police")
            .map(|r| r.shares.clone())
            .unwrap_or_default();
        assert_eq!(rule, [Category::Summary, Category::Incident]);
    }

    fn problems_of(text: &str) -> Vec<String> {
        match parse_file(Path::new("f.toml"), text, Some(&agencies())) {
            Ok(_) => Vec::new(),
            Err(problems) => problems.iter().map(ToString::to_string).collect(),
        }
    }

    #[test]
    fn each_problem_names_its_line() {
        let cases = [
            (
                GOOD.replace(
                    "requires_consent = \"police_report\"",
                    "requires_consent = \"gossip\"",
                ),
                12,
                "unknown consent purpose",
            ),
            (
                GOOD.replace(
                    "requires_consent = \"police_report\"",
                    "requires_consent = \"police_report\"\nreceiver_records_consent = [\"gossip\"]",
                ),
                13,
                "receiver_records_consent: unknown consent purpose",
            ),
            (
                GOOD.replace(
                    "\"UPTD-PPA-X\", \"POLRES-X\"",
                    "\"UPTD-PPA-X\", \"POLRES-Y\"",
                ),
                5,
                "unknown agency code \"POLRES-Y\"",
            ),
            (
                GOOD.replace("to = [\"police\"]", "to = [\"army\"]"),
                11,
                "to: unknown value",
            ),
            (
                GOOD.replace(
                    "shares = [\"summary\", \"incident\"]",
                    "shares = [\"summary\", \"gossip\"]",
                ),
                15,
                "unknown data category",
            ),
            (
                GOOD.replace(
                    "escalate_to = \"supervisor\"",
                    "escalat_to = \"supervisor\"",
                ),
                17,
                "unknown field",
            ),
            (
                GOOD.replace("id = \"notify-court\"", "id = \"report-to-police\""),
                21,
                "defined twice",
            ),
            (
                GOOD.replace(
                    "to = [\"court\"]",
                    "to = [\"court\"]\nrespond_within_hours = 4",
                ),
                25,
                "a notice is not accepted",
            ),
            (
                GOOD.replace("stage = \"reported_to_police\"", "stage = \"nowhere\""),
                18,
                "not a stage of the justice track",
            ),
            (
                GOOD.replace("version = 1", "version = 0"),
                2,
                "version must be",
            ),
            (
                GOOD.replace(
                    "requires = [\"incident.date\"]",
                    "requires = [\"incident.mood\"]",
                ),
                14,
                "unknown case fact",
            ),
            (
                GOOD.replace("effective_from = 2025-01-01", "effective_from = \"soon\""),
                4,
                "expected a TOML datetime",
            ),
            ("id = \"x\"\nversion = \n".to_owned(), 2, ""),
        ];
        for (text, line, message) in cases {
            let problems = problems_of(&text);
            assert!(
                problems
                    .iter()
                    .any(|p| p.starts_with(&format!("f.toml:{line}: ")) && p.contains(message)),
                "expected line {line} with {message:?}, got {problems:?}"
            );
        }
    }
}
