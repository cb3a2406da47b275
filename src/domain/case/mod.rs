//! Case intake: what a survivor tells once, validated against the classification lists, with
//! identity kept apart so it can be encrypted. Pure: the caller passes today's date.
//!
//! This module holds what an intake is and the case rules (closure, case numbers); `intake`
//! validates one ([`NewCase::parse`]); `trafficking` the channel, repatriation, chronology and
//! perpetrators of trafficking (TPPO) cases.

mod intake;
pub mod trafficking;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::agency::ProvinceCode;
use super::classification as cls;
use super::{Invalid, vocabulary};

pub use intake::{age_band_for, age_on, parse_nik, parse_passport};
pub use trafficking::{
    Perpetrator, PerpetratorInput, Repatriation, RepatriationInput, Trafficking,
};

vocabulary! {
    /// Whether a case is being worked.
    CaseStatus, "status" {
        /// Open: agencies work it.
        Open = "open",
        /// Closed, with a reason; it may be reopened where allowed.
        Closed = "closed",
    }
}

impl CaseStatus {
    /// Whether agencies work the case (handoffs, edits); a closed case only reopens.
    pub fn is_open(self) -> bool {
        self == CaseStatus::Open
    }
}

/// Identifying fields: encrypted at rest, never listed, logged or exported in the clear.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Identity {
    /// Full name.
    pub full_name: String,
    /// NIK: 16 digits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nik: Option<String>,
    /// Passport number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub passport_number: Option<String>,
    /// Phone number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// Date of birth.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_of_birth: Option<NaiveDate>,
}

/// `survivor` of an intake.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SurvivorInput {
    /// Full name (required; encrypted).
    pub full_name: String,
    /// NIK, 16 digits (encrypted; a keyed hash finds duplicates).
    #[serde(default)]
    pub nik: Option<String>,
    /// Passport number (encrypted; a keyed hash finds duplicates).
    #[serde(default)]
    pub passport_number: Option<String>,
    /// Phone (encrypted).
    #[serde(default)]
    pub phone: Option<String>,
    /// Address (encrypted).
    #[serde(default)]
    pub address: Option<String>,
    /// `YYYY-MM-DD` (encrypted; the age band is derived from it).
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Date, example = "1994-03-17")]
    pub date_of_birth: Option<String>,
    /// Age band code, when the date of birth is unknown.
    #[serde(default)]
    pub age_band: Option<String>,
    /// Sex code.
    #[serde(default)]
    pub sex: Option<String>,
    /// Disability codes.
    #[serde(default)]
    pub disabilities: Vec<String>,
    /// ISO 3166 alpha-2 nationality, e.g. `ID`.
    #[serde(default)]
    pub nationality: Option<String>,
    /// Home province code.
    #[serde(default)]
    pub home_province: Option<String>,
    /// Home kabupaten/kota code.
    #[serde(default)]
    pub home_district: Option<String>,
}

/// `migrant` of an intake.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MigrantInput {
    /// Migration stage code.
    #[serde(default)]
    pub migration_stage: Option<String>,
    /// Placement channel code.
    #[serde(default)]
    pub placement_channel: Option<String>,
    /// ISO 3166 alpha-2 destination country, e.g. `MY`.
    #[serde(default)]
    pub destination_country: Option<String>,
    /// Sector code.
    #[serde(default)]
    pub sector: Option<String>,
    /// Placement company (P3MI).
    #[serde(default)]
    pub p3mi: Option<String>,
    /// Employer abroad.
    #[serde(default)]
    pub employer_abroad: Option<String>,
    /// BP2MI complaint number.
    #[serde(default)]
    pub bp2mi_complaint_number: Option<String>,
}

/// One incident of an intake.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IncidentInput {
    /// `YYYY-MM-DD`, not after today.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Date)]
    pub date: Option<String>,
    /// Kind of place (code of `incident.place`, e.g. `household`, `workplace`, `abroad`).
    #[serde(default)]
    pub place: Option<String>,
    /// ISO 3166 alpha-2 country.
    #[serde(default)]
    pub country: Option<String>,
    /// SIMFONI-PPA forms of violence.
    #[serde(default)]
    pub forms: Vec<String>,
    /// TPKS forms (UU 12/2022).
    #[serde(default)]
    pub tpks_forms: Vec<String>,
    /// PKDRT forms (UU 23/2004).
    #[serde(default)]
    pub pkdrt_forms: Vec<String>,
    /// TPPO elements (UU 21/2007).
    #[serde(default)]
    pub tppo_elements: Vec<String>,
    /// GBVIMS type.
    #[serde(default)]
    pub gbvims_type: Option<String>,
    /// GBVIMS contexts.
    #[serde(default)]
    pub gbvims_contexts: Vec<String>,
    /// Relation of the alleged perpetrator to the survivor.
    #[serde(default)]
    pub perpetrator_relation: Option<String>,
}

/// `POST /api/v1/cases`: only `survivor.full_name` is required.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseInput {
    /// The survivor.
    pub survivor: SurvivorInput,
    /// Migrant-worker facts.
    #[serde(default)]
    pub migrant: Option<MigrantInput>,
    /// Incidents.
    #[serde(default)]
    pub incidents: Vec<IncidentInput>,
    /// Risk level code.
    #[serde(default)]
    pub risk_level: Option<String>,
    /// Safety plan.
    #[serde(default)]
    pub safety_plan: Option<String>,
    /// Legal basis codes (`TPKS`, `PKDRT`, `TPPO`, `PMI_18_2017`, …).
    #[serde(default)]
    pub legal_basis: Vec<String>,
    /// `KUHAP_1981` or `KUHAP_2025`.
    #[serde(default)]
    pub procedural_regime: Option<String>,
    /// Province of the case (default: the taking agency's province).
    #[serde(default)]
    pub province: Option<String>,
    /// How the complaint came in (code of `intake_channel`).
    #[serde(default)]
    pub intake_channel: Option<String>,
    /// When and where the survivor came home.
    #[serde(default)]
    pub repatriation: Option<RepatriationInput>,
    /// The chronology, in the survivor's words as recorded (encrypted; at most 20000 characters).
    #[serde(default)]
    pub chronology: Option<String>,
    /// Perpetrators and intermediaries: role code and name (the name encrypted).
    #[serde(default)]
    pub perpetrators: Vec<PerpetratorInput>,
}

/// The non-identifying survivor profile.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Profile {
    /// Age band code.
    pub age_band: Option<String>,
    /// Sex code.
    pub sex: Option<String>,
    /// Disability codes.
    pub disabilities: Vec<String>,
    /// Nationality.
    pub nationality: Option<String>,
    /// Home province.
    pub home_province: Option<String>,
    /// Home kabupaten/kota.
    pub home_district: Option<String>,
}

/// Migrant-worker facts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MigrantFacts {
    /// Migration stage code.
    pub migration_stage: Option<String>,
    /// Placement channel code.
    pub placement_channel: Option<String>,
    /// Destination country.
    pub destination_country: Option<String>,
    /// Sector code.
    pub sector: Option<String>,
    /// Placement company.
    pub p3mi: Option<String>,
    /// Employer abroad.
    pub employer_abroad: Option<String>,
    /// BP2MI complaint number.
    pub bp2mi_complaint_number: Option<String>,
}

/// A validated incident.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Incident {
    /// Date.
    pub date: Option<NaiveDate>,
    /// Place.
    pub place: Option<String>,
    /// Country.
    pub country: Option<String>,
    /// SIMFONI-PPA forms.
    pub forms: Vec<String>,
    /// TPKS forms.
    pub tpks_forms: Vec<String>,
    /// PKDRT forms.
    pub pkdrt_forms: Vec<String>,
    /// TPPO elements.
    pub tppo_elements: Vec<String>,
    /// GBVIMS type.
    pub gbvims_type: Option<String>,
    /// GBVIMS contexts.
    pub gbvims_contexts: Vec<String>,
    /// Perpetrator relation.
    pub perpetrator_relation: Option<String>,
}

/// A validated intake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCase {
    /// Identity (to be encrypted).
    pub identity: Identity,
    /// Profile.
    pub profile: Profile,
    /// Migrant facts.
    pub migrant: MigrantFacts,
    /// Incidents.
    pub incidents: Vec<Incident>,
    /// Risk level.
    pub risk_level: Option<String>,
    /// Safety plan.
    pub safety_plan: Option<String>,
    /// Legal basis codes.
    pub legal_basis: Vec<String>,
    /// Procedural regime.
    pub procedural_regime: Option<String>,
    /// Province, if given.
    pub province: Option<ProvinceCode>,
    /// Trafficking facts: channel, repatriation, chronology, perpetrators.
    pub trafficking: Trafficking,
}

/// Whether an age band is a child's (under 18).
pub fn is_child_band(band: &str) -> bool {
    cls::is_child_band(band)
}

/// The closure rule of DOMAIN.md §2.1: an adult TPKS case cannot be closed as settled by
/// mediation (UU 12/2022 Ps 23 excludes restorative settlement outside the law's exceptions).
pub fn check_closure(
    reason: &str,
    legal_basis: &[String],
    age_band: Option<&str>,
) -> Result<(), Invalid> {
    if !cls::CLOSURE_REASON.contains(reason) {
        return Err(Invalid::new(
            "reason",
            format!(
                "unknown code {reason:?}; expected one of {}",
                cls::CLOSURE_REASON.codes().join(", ")
            ),
        ));
    }
    let tpks = legal_basis.iter().any(|b| b == "TPKS");
    let child = age_band.is_some_and(is_child_band);
    if reason == "settled_by_mediation" && tpks && !child {
        return Err(Invalid::new(
            "reason",
            "an adult TPKS case cannot be closed as settled by mediation (UU 12/2022 Ps 23)",
        ));
    }
    Ok(())
}

/// Checks a reason code for reopening a case closed for `closed_as`: a known code of
/// [`cls::REOPEN_REASON`], and not a case closed because the survivor died or because it was
/// registered twice (the work goes on in the other case).
pub fn check_reopen(reason: &str, closed_as: Option<&str>) -> Result<(), Invalid> {
    if !cls::REOPEN_REASON.contains(reason) {
        return Err(Invalid::new(
            "reason",
            format!(
                "unknown code {reason:?}; expected one of {}",
                cls::REOPEN_REASON.codes().join(", ")
            ),
        ));
    }
    match closed_as {
        Some("deceased") => Err(Invalid::new(
            "reason",
            "a case closed because the survivor died is not reopened",
        )),
        Some("duplicate") => Err(Invalid::new(
            "reason",
            "a case closed as a duplicate is not reopened; work on the case it duplicates",
        )),
        _ => Ok(()),
    }
}

/// Whether a case closed for `closed_as` may be reopened at all (the page offers the form only
/// then).
pub fn may_reopen(closed_as: Option<&str>) -> bool {
    !matches!(closed_as, Some("deceased" | "duplicate"))
}

/// Prefix of case numbers in a province: `JT` (Jawa Tengah), `NB` (NTB), else `P<code>`.
pub fn case_number_prefix(province: &str) -> String {
    match province {
        "33" => "JT".to_owned(),
        "52" => "NB".to_owned(),
        "31" => "JK".to_owned(),
        other => format!("P{other}"),
    }
}

/// `JT-2026-000123`.
pub fn format_case_number(prefix: &str, year: i32, number: i64) -> String {
    format!("{prefix}-{year}-{number:06}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 28).unwrap_or_default()
    }

    fn minimal() -> CaseInput {
        CaseInput {
            survivor: SurvivorInput {
                full_name: "Siti Rahmawati".into(),
                ..Default::default()
            },
            ..Default::default()
        }
    }

    #[test]
    fn a_case_reopens_for_a_known_reason_unless_the_survivor_died_or_it_was_a_duplicate() {
        assert!(check_reopen("new_incident", Some("goals_met")).is_ok());
        assert!(check_reopen("closed_in_error", None).is_ok());
        assert!(check_reopen("because", Some("goals_met")).is_err());
        assert!(check_reopen("new_incident", Some("deceased")).is_err());
        assert!(check_reopen("closed_in_error", Some("duplicate")).is_err());
        assert!(!may_reopen(Some("duplicate")));
        assert!(may_reopen(Some("unreachable")));
    }

    #[test]
    fn the_minimal_intake_is_a_name() {
        let case = NewCase::parse(minimal(), today()).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(case.identity.full_name, "Siti Rahmawati");
        assert!(case.incidents.is_empty());
    }

    #[test]
    fn bad_fields_are_all_named() {
        let mut input = minimal();
        input.survivor.nik = Some("12345".into());
        input.survivor.date_of_birth = Some("2030-01-01".into());
        input.incidents = vec![IncidentInput {
            date: Some("2026-02-30".into()),
            forms: vec!["telepathy".into()],
            ..Default::default()
        }];
        input.legal_basis = vec!["tpks".into()];
        let problems = NewCase::parse(input, today()).err().unwrap_or_default();
        let fields: Vec<&str> = problems.iter().map(|p| p.field.as_ref()).collect();
        assert_eq!(
            fields,
            [
                "survivor.nik",
                "survivor.date_of_birth",
                "incidents[0].date",
                "incidents[0].forms[0]",
                "legal_basis[0]"
            ],
            "{problems:?}"
        );
    }

    #[test]
    fn incident_before_birth_is_refused() {
        let mut input = minimal();
        input.survivor.date_of_birth = Some("2000-05-01".into());
        input.incidents = vec![IncidentInput {
            date: Some("1999-01-01".into()),
            ..Default::default()
        }];
        let problems = NewCase::parse(input, today()).err().unwrap_or_default();
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].field, "incidents[0].date");
    }

    #[test]
    fn age_band_comes_from_the_date_of_birth() {
        let mut input = minimal();
        input.survivor.date_of_birth = Some("2010-12-01".into());
        let case = NewCase::parse(input, today()).unwrap_or_else(|e| panic!("{e:?}"));
        let band = case.profile.age_band.unwrap_or_default();
        assert!(is_child_band(&band), "a 15-year-old is a child: {band}");
        assert_eq!(
            age_on(
                NaiveDate::from_ymd_opt(2000, 11, 29).unwrap_or_default(),
                today()
            ),
            25
        );
    }

    #[test]
    fn adult_tpks_cases_cannot_close_by_mediation() {
        let tpks = vec!["TPKS".to_owned()];
        let adult = age_band_for(30);
        let child = age_band_for(12);
        assert!(check_closure("settled_by_mediation", &tpks, adult).is_err());
        assert!(
            check_closure("settled_by_mediation", &tpks, None).is_err(),
            "unknown age counts as adult"
        );
        assert!(check_closure("settled_by_mediation", &tpks, child).is_ok());
        assert!(check_closure("settled_by_mediation", &["PKDRT".to_owned()], adult).is_ok());
        assert!(check_closure("no_such_reason", &tpks, adult).is_err());
    }

    #[test]
    fn case_numbers() {
        assert_eq!(
            format_case_number(&case_number_prefix("33"), 2026, 123),
            "JT-2026-000123"
        );
        assert_eq!(case_number_prefix("52"), "NB");
    }

    #[test]
    fn nik_and_passport_normalise() {
        assert_eq!(
            parse_nik("3374 0101 0190 0001").ok().as_deref(),
            Some("3374010101900001")
        );
        assert!(parse_nik("0074010101900001").is_err());
        assert_eq!(
            parse_passport(" c 1234567 ").ok().as_deref(),
            Some("C1234567")
        );
    }
}
