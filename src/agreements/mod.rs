//! Agreements (MOUs) as data: the `config/agreements/*.toml` files, parsed and validated with
//! every problem reported as `FILE:LINE: message`. Pure apart from reading the files; the rules
//! engine is in [`engine`]. Keys are documented in `docs/AGREEMENTS.md`.
//!
//! `file` reads one agreement (its id, version, dates and parties), `rule` each of its
//! `[[handoff]]` rules; [`load_dir`] reads a folder of them.

pub mod engine;
mod file;
mod rule;

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use crate::authz::Category;
use crate::domain::agency::AgencyKind;
use crate::domain::user::Role;

pub use crate::domain::handoff::HandoffKind;
pub use file::parse_file;

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

/// Whether `id` is a usable id: lower-case letters, digits and hyphens, not empty.
fn is_slug(id: &str) -> bool {
    !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// The agencies known when checking: code → kind.
pub type KnownAgencies = BTreeMap<String, AgencyKind>;

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
