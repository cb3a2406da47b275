//! Deadline rules as data (`config/deadlines/*.toml`) and Indonesian public holidays
//! (`config/holidays/*.toml`), parsed and validated like the agreement files: every problem is
//! `FILE:LINE: message`. Pure: no database, no HTTP. See `docs/DEADLINES.md`.

pub mod clock;
pub mod engine;
mod rule_file;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::Deserialize;
use toml::Spanned;

use crate::agreements::{Lines, Problem};
use crate::domain::agency::AgencyKind;
use crate::domain::classification as cls;
use crate::domain::user::Role;
pub use clock::{Period, State};
pub use rule_file::parse_rules;

/// What starts (or meets) a statutory deadline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trigger {
    /// A case was taken in.
    CaseCreated,
    /// A track moved to a stage.
    Stage {
        /// Track.
        track: String,
        /// Stage.
        stage: String,
    },
    /// A consent was withdrawn.
    ConsentWithdrawn,
}

impl Trigger {
    /// Parses `case.created`, `stage:TRACK:STAGE` or `consent.withdrawn`.
    pub fn parse(text: &str) -> Result<Self, String> {
        match text {
            "case.created" => return Ok(Trigger::CaseCreated),
            "consent.withdrawn" => return Ok(Trigger::ConsentWithdrawn),
            _ => {}
        }
        let Some(rest) = text.strip_prefix("stage:") else {
            return Err(format!(
                "unknown trigger {text:?}; expected case.created, consent.withdrawn or stage:TRACK:STAGE"
            ));
        };
        let (track, stage) = rest
            .split_once(':')
            .ok_or_else(|| format!("trigger {text:?} must be stage:TRACK:STAGE"))?;
        let stages = cls::stages(track).ok_or_else(|| {
            format!("trigger {text:?}: unknown track {track:?}; expected service, justice, protection or migrant_complaint")
        })?;
        if !stages.iter().any(|s| s.code == stage) {
            return Err(format!(
                "trigger {text:?}: track {track} has no stage {stage:?}; expected one of {}",
                stages.iter().map(|s| s.code).collect::<Vec<_>>().join(", ")
            ));
        }
        Ok(Trigger::Stage {
            track: track.to_owned(),
            stage: stage.to_owned(),
        })
    }
}

/// How sure we are of a rule's legal basis (DOMAIN.md: V, S, U).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verification {
    /// The statute's own text.
    Verified,
    /// Quoted by a secondary source.
    Secondary,
    /// Not found in any text: reminds only, never a breach.
    Unverified,
}

impl Verification {
    /// The code in rule files and answers.
    pub fn as_str(self) -> &'static str {
        match self {
            Verification::Verified => "verified",
            Verification::Secondary => "secondary",
            Verification::Unverified => "unverified",
        }
    }
}

/// Who must act.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Responsible {
    /// The agency that owns the case.
    Owner,
    /// The case's party of this kind (if it has one).
    Kind(AgencyKind),
}

/// One statutory rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// Stable id (DOMAIN.md §7.4, e.g. `D2`).
    pub id: String,
    /// Title in Indonesian.
    pub title_id: String,
    /// Title in English.
    pub title_en: String,
    /// What starts the clock.
    pub trigger: Trigger,
    /// Legal bases the case must have one of (empty: every case).
    pub applies_to: Vec<String>,
    /// How long.
    pub period: Period,
    /// Who must act.
    pub responsible: Responsible,
    /// What fulfils it.
    pub met_by: Vec<Trigger>,
    /// Legal basis, as shown.
    pub legal_basis: String,
    /// Verification status.
    pub status: Verification,
    /// Procedural regime it belongs to.
    pub procedural_regime: Option<String>,
    /// Reminds only ("may" rules, windows).
    pub alert_only: bool,
    /// Role told on a breach.
    pub escalate_to: Option<Role>,
    /// The file it came from.
    pub source: PathBuf,
}

impl Rule {
    /// Whether an overdue deadline of this rule counts as a breach (verified or secondary, not an alert).
    pub fn can_breach(&self) -> bool {
        !self.alert_only && self.status != Verification::Unverified
    }
}

/// The rules and holidays in force.
#[derive(Debug, Clone, Default)]
pub struct DeadlineRules {
    /// Statutory rules.
    pub rules: Vec<Rule>,
    /// Public holidays, for working-day rules.
    pub holidays: BTreeSet<NaiveDate>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHolidays {
    #[serde(default)]
    holiday: Vec<Spanned<RawHoliday>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHoliday {
    date: Spanned<toml::value::Datetime>,
    name: Spanned<String>,
}

/// Parses and validates one holiday file.
pub fn parse_holidays(path: &Path, text: &str) -> Result<BTreeSet<NaiveDate>, Vec<Problem>> {
    let mut lines = Lines {
        file: path,
        text,
        problems: Vec::new(),
    };
    let raw: RawHolidays = match toml::from_str(text) {
        Ok(raw) => raw,
        Err(e) => {
            lines.fail(&e.span().unwrap_or(0..0), e.message().replace('\n', " "));
            return Err(lines.problems);
        }
    };
    let mut dates = BTreeSet::new();
    for h in &raw.holiday {
        let h = h.get_ref();
        match crate::agreements::date(h.date.get_ref()) {
            Some(d) => {
                dates.insert(d);
            }
            None => lines.fail(&h.date.span(), "date must be a date, e.g. 2026-08-17"),
        }
        if h.name.get_ref().trim().is_empty() {
            lines.fail(&h.name.span(), "name must not be empty");
        }
    }
    if lines.problems.is_empty() {
        Ok(dates)
    } else {
        Err(lines.problems)
    }
}

/// The `.toml` files of a folder, sorted; a missing folder has none.
fn toml_files(dir: &Path) -> Result<Vec<PathBuf>, Problem> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(Problem {
                file: dir.to_path_buf(),
                line: 0,
                message: format!("cannot read the folder: {e}"),
            });
        }
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    Ok(files)
}

/// Loads every rule file of `rules_dir` and holiday file of `holidays_dir`, with every problem found.
pub fn load(rules_dir: &Path, holidays_dir: &Path) -> Result<DeadlineRules, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut out = DeadlineRules::default();
    let read = |file: &Path, problems: &mut Vec<Problem>| match std::fs::read_to_string(file) {
        Ok(text) => Some(text),
        Err(e) => {
            problems.push(Problem {
                file: file.to_path_buf(),
                line: 0,
                message: format!("cannot read: {e}"),
            });
            None
        }
    };
    match toml_files(rules_dir) {
        Ok(files) => {
            for file in files {
                let Some(text) = read(&file, &mut problems) else {
                    continue;
                };
                match parse_rules(&file, &text) {
                    Ok(rules) => {
                        for rule in rules {
                            if let Some(first) = out.rules.iter().find(|r| r.id == rule.id) {
                                problems.push(Problem {
                                    file: file.clone(),
                                    line: 1,
                                    message: format!(
                                        "rule id {:?} is also defined in {}",
                                        rule.id,
                                        first.source.display()
                                    ),
                                });
                            } else {
                                out.rules.push(rule);
                            }
                        }
                    }
                    Err(found) => problems.extend(found),
                }
            }
        }
        Err(problem) => problems.push(problem),
    }
    match toml_files(holidays_dir) {
        Ok(files) => {
            for file in files {
                let Some(text) = read(&file, &mut problems) else {
                    continue;
                };
                match parse_holidays(&file, &text) {
                    Ok(dates) => out.holidays.extend(dates),
                    Err(found) => problems.extend(found),
                }
            }
        }
        Err(problem) => problems.push(problem),
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

/// [`load`], with every problem joined into one line (for start-up and the command line).
pub fn load_checked(rules_dir: &Path, holidays_dir: &Path) -> anyhow::Result<DeadlineRules> {
    load(rules_dir, holidays_dir).map_err(|problems| {
        anyhow::anyhow!(
            "invalid deadline rules: {}",
            problems
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
[[rule]]
id = "D4"
title_id = "Permohonan ke LPSK"
title_en = "Request to LPSK"
trigger = "stage:protection:police_temp_protection"
applies_to = ["TPKS"]
period = { hours = 24 }
responsible = "police"
met_by = ["stage:protection:lpsk_requested"]
legal_basis = "UU 12/2022 Ps 43"
status = "verified"
escalate_to = "supervisor"
"#;

    #[test]
    fn a_good_rule_parses() {
        let rules = parse_rules(Path::new("d.toml"), GOOD).unwrap_or_default();
        assert_eq!(rules.len(), 1);
        assert_eq!(rules[0].period, Period::Hours(24));
        assert!(rules[0].can_breach());
        assert_eq!(rules[0].met_by.len(), 1);
    }

    #[test]
    fn every_bad_value_is_named_with_its_line() {
        let bad = GOOD
            .replace(
                "stage:protection:police_temp_protection",
                "stage:protection:teleported",
            )
            .replace("{ hours = 24 }", "{ hours = -3 }")
            .replace("\"police\"", "\"wizard\"")
            .replace("\"verified\"", "\"probably\"")
            .replace("\"supervisor\"", "\"king\"")
            .replace("[\"TPKS\"]", "[\"XYZ\"]");
        let problems = parse_rules(Path::new("d.toml"), &bad)
            .err()
            .unwrap_or_default();
        let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
        for (line, needle) in [
            (6, "teleported"),
            (8, "period must be"),
            (9, "wizard"),
            (12, "probably"),
            (13, "king"),
            (7, "XYZ"),
        ] {
            assert!(
                text.iter()
                    .any(|t| t.starts_with(&format!("d.toml:{line}:")) && t.contains(needle)),
                "{needle} at line {line} in {text:?}"
            );
        }
        let never_met = GOOD.replace("met_by = [\"stage:protection:lpsk_requested\"]\n", "");
        let problems = parse_rules(Path::new("d.toml"), &never_met)
            .err()
            .unwrap_or_default();
        assert!(problems[0].to_string().contains("met_by"), "{problems:?}");
        let reminder = never_met.replace("status = ", "alert_only = true\nstatus = ");
        assert!(parse_rules(Path::new("d.toml"), &reminder).is_ok());
        let unknown_key = GOOD.replace("status = ", "statsu = ");
        let problems = parse_rules(Path::new("d.toml"), &unknown_key)
            .err()
            .unwrap_or_default();
        assert!(problems[0].to_string().contains("statsu"), "{problems:?}");
        let two_periods = GOOD.replace("{ hours = 24 }", "{ hours = 24, calendar_days = 1 }");
        assert!(parse_rules(Path::new("d.toml"), &two_periods).is_err());
    }

    #[test]
    fn holidays_parse_or_say_where_not() {
        let dates = parse_holidays(
            Path::new("h.toml"),
            "[[holiday]]\ndate = 2026-08-17\nname = \"HUT RI\"\n",
        )
        .unwrap_or_default();
        assert!(dates.contains(&NaiveDate::from_ymd_opt(2026, 8, 17).unwrap_or_default()));
        let bad = parse_holidays(
            Path::new("h.toml"),
            "[[holiday]]\ndate = 2026-08-17T10:00:00\nname = \"HUT RI\"\n",
        )
        .err()
        .unwrap_or_default();
        assert!(bad[0].to_string().starts_with("h.toml:2:"), "{bad:?}");
    }

    #[test]
    fn the_shipped_rules_and_holidays_are_valid() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let loaded = load(
            &root.join("config/deadlines"),
            &root.join("config/holidays"),
        );
        assert!(
            loaded
                .as_ref()
                .is_ok_and(|d| !d.rules.is_empty() && !d.holidays.is_empty()),
            "{:?}",
            loaded.err()
        );
    }
}
