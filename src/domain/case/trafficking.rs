//! The trafficking (TPPO) part of an intake: how the complaint came in, the repatriation facts
//! (return date, debarkation point), the chronology and the perpetrators and intermediaries.
//! The chronology and the perpetrators' names are sealed at rest by the services.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::Invalid;
use crate::domain::classification::{self as cls, List};

/// The longest chronology, in characters (as a note).
pub const CHRONOLOGY_MAX: usize = 20_000;
/// The longest perpetrator name, in characters.
pub const NAME_MAX: usize = 200;
/// The most perpetrators a case records.
pub const PERPETRATORS_MAX: usize = 20;
/// The earliest return date accepted.
pub const EARLIEST_RETURN_YEAR: i32 = 1990;

/// `repatriation` of an intake or a change: when and where the survivor came home.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RepatriationInput {
    /// `YYYY-MM-DD`, not after today and not before 1990.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Date, example = "2026-09-14")]
    pub return_date: Option<String>,
    /// Debarkation point code (`repatriation.debarkation_point`, e.g. `lop_zainuddin_abdul_madjid`).
    #[serde(default)]
    pub debarkation_point: Option<String>,
}

/// One perpetrator or intermediary as given.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PerpetratorInput {
    /// Role code (`perpetrators.role`: `sponsor`, `p3mi`, `employer`, `family`, `other`).
    pub role: String,
    /// Name as the survivor knows it (1–200 characters; encrypted).
    pub name: String,
}

/// When and where the survivor came home.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Repatriation {
    /// Return date.
    pub return_date: Option<NaiveDate>,
    /// Debarkation point code.
    pub debarkation_point: Option<String>,
}

/// A validated perpetrator or intermediary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Perpetrator {
    /// Role code.
    pub role: String,
    /// Name (to be encrypted).
    pub name: String,
}

/// The validated trafficking facts of an intake.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Trafficking {
    /// Intake channel code.
    pub intake_channel: Option<String>,
    /// Repatriation.
    pub repatriation: Repatriation,
    /// Chronology (to be encrypted).
    pub chronology: Option<String>,
    /// Perpetrators and intermediaries.
    pub perpetrators: Vec<Perpetrator>,
}

impl Trafficking {
    /// The names of the fields given, as recorded in audit events (never their values).
    pub fn given(&self) -> Vec<&'static str> {
        [
            ("intake_channel", self.intake_channel.is_some()),
            (
                "repatriation",
                self.repatriation.return_date.is_some()
                    || self.repatriation.debarkation_point.is_some(),
            ),
            ("chronology", self.chronology.is_some()),
            ("perpetrators", !self.perpetrators.is_empty()),
        ]
        .into_iter()
        .filter_map(|(name, given)| given.then_some(name))
        .collect()
    }
}

fn code(list: &List, field: &str, value: Option<&str>, out: &mut Vec<Invalid>) -> Option<String> {
    let value = value.map(str::trim).filter(|v| !v.is_empty())?;
    if list.contains(value) {
        Some(value.to_owned())
    } else {
        out.push(Invalid::new(
            field.to_owned(),
            format!(
                "unknown code {value:?}; expected one of {}",
                list.codes().join(", ")
            ),
        ));
        None
    }
}

/// An intake channel code (empty: none).
pub fn parse_channel(value: Option<&str>, out: &mut Vec<Invalid>) -> Option<String> {
    code(&cls::INTAKE_CHANNEL, "intake_channel", value, out)
}

/// The repatriation facts: a real date not after `today` nor before 1990, a known point.
pub fn parse_repatriation(
    input: &RepatriationInput,
    today: NaiveDate,
    out: &mut Vec<Invalid>,
) -> Repatriation {
    let field = "repatriation.return_date";
    let return_date = match input
        .return_date
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
    {
        None => None,
        Some(text) => match crate::domain::parse_date(text) {
            None => {
                out.push(Invalid::new(
                    field,
                    "must be a real date written YYYY-MM-DD",
                ));
                None
            }
            Some(date) if date > today => {
                out.push(Invalid::new(field, "cannot be in the future"));
                None
            }
            Some(date) if date.year() < EARLIEST_RETURN_YEAR => {
                out.push(Invalid::new(field, "is before 1990"));
                None
            }
            Some(date) => Some(date),
        },
    };
    Repatriation {
        return_date,
        debarkation_point: code(
            &cls::DEBARKATION_POINT,
            "repatriation.debarkation_point",
            input.debarkation_point.as_deref(),
            out,
        ),
    }
}

/// The chronology: free text of at most [`CHRONOLOGY_MAX`] characters (empty: none).
pub fn parse_chronology(value: Option<&str>, out: &mut Vec<Invalid>) -> Option<String> {
    let value = value.map(str::trim).filter(|v| !v.is_empty())?;
    if value.chars().count() > CHRONOLOGY_MAX {
        out.push(Invalid::new(
            "chronology",
            format!("must be at most {CHRONOLOGY_MAX} characters"),
        ));
        return None;
    }
    Some(value.to_owned())
}

/// Perpetrators: each a known role and a name; at most [`PERPETRATORS_MAX`]. `first` is the
/// position of the first one in the case's list (for the field names of problems).
pub fn parse_perpetrators(
    list: &[PerpetratorInput],
    first: usize,
    out: &mut Vec<Invalid>,
) -> Vec<Perpetrator> {
    if first + list.len() > PERPETRATORS_MAX {
        out.push(Invalid::new(
            "perpetrators",
            format!("at most {PERPETRATORS_MAX} perpetrators"),
        ));
        return Vec::new();
    }
    let mut found = Vec::new();
    for (i, p) in list.iter().enumerate() {
        let at = first + i;
        let role_field = format!("perpetrators[{at}].role");
        let role = if p.role.trim().is_empty() {
            out.push(Invalid::new(role_field, "is required"));
            None
        } else {
            code(&cls::PERPETRATOR_ROLE, &role_field, Some(&p.role), out)
        };
        let name = p.name.trim();
        let name_ok = !name.is_empty() && name.chars().count() <= NAME_MAX;
        if !name_ok {
            out.push(Invalid::new(
                format!("perpetrators[{at}].name"),
                format!("is required (1–{NAME_MAX} characters)"),
            ));
        }
        if let (Some(role), true) = (role, name_ok) {
            found.push(Perpetrator {
                role,
                name: name.to_owned(),
            });
        }
    }
    found
}

/// Every trafficking fact of an intake.
pub fn parse(
    intake_channel: Option<&str>,
    repatriation: Option<&RepatriationInput>,
    chronology: Option<&str>,
    perpetrators: &[PerpetratorInput],
    today: NaiveDate,
    out: &mut Vec<Invalid>,
) -> Trafficking {
    Trafficking {
        intake_channel: parse_channel(intake_channel, out),
        repatriation: repatriation
            .map(|r| parse_repatriation(r, today, out))
            .unwrap_or_default(),
        chronology: parse_chronology(chronology, out),
        perpetrators: parse_perpetrators(perpetrators, 0, out),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 28).unwrap_or_default()
    }

    fn fields(out: &[Invalid]) -> Vec<String> {
        out.iter().map(|p| p.field.to_string()).collect()
    }

    #[test]
    fn a_full_trafficking_intake_parses() {
        let mut out = Vec::new();
        let t = parse(
            Some("bp3mi"),
            Some(&RepatriationInput {
                return_date: Some("2026-09-14".into()),
                debarkation_point: Some("lop_zainuddin_abdul_madjid".into()),
            }),
            Some("  Direkrut calo pada 2025. "),
            &[PerpetratorInput {
                role: "sponsor".into(),
                name: "Pak Udin".into(),
            }],
            today(),
            &mut out,
        );
        assert!(out.is_empty(), "{out:?}");
        assert_eq!(t.chronology.as_deref(), Some("Direkrut calo pada 2025."));
        assert_eq!(
            t.given(),
            [
                "intake_channel",
                "repatriation",
                "chronology",
                "perpetrators"
            ]
        );
    }

    #[test]
    fn bad_codes_and_dates_are_named() {
        let mut out = Vec::new();
        parse(
            Some("pigeon"),
            Some(&RepatriationInput {
                return_date: Some("2030-01-01".into()),
                debarkation_point: Some("moon".into()),
            }),
            None,
            &[PerpetratorInput {
                role: "boss".into(),
                name: String::new(),
            }],
            today(),
            &mut out,
        );
        assert_eq!(
            fields(&out),
            [
                "intake_channel",
                "repatriation.return_date",
                "repatriation.debarkation_point",
                "perpetrators[0].role",
                "perpetrators[0].name"
            ]
        );
        let mut out = Vec::new();
        let r = RepatriationInput {
            return_date: Some("1989-12-31".into()),
            debarkation_point: None,
        };
        parse_repatriation(&r, today(), &mut out);
        assert_eq!(fields(&out), ["repatriation.return_date"]);
    }
}
