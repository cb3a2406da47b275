//! Case intake: what a survivor tells once, validated against the classification lists, with
//! identity kept apart so it can be encrypted. Pure: the caller passes today's date.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::agency::ProvinceCode;
use super::classification::{self as cls, List};
use super::{Invalid, vocabulary};

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
}

/// Collects problems while parsing.
struct Check(Vec<Invalid>);

impl Check {
    fn fail(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(Invalid::new(field.into(), message));
    }

    /// An optional code from `list`.
    fn code(&mut self, list: &List, field: &str, value: Option<&str>) -> Option<String> {
        let value = value.map(str::trim).filter(|v| !v.is_empty())?;
        if list.contains(value) {
            Some(value.to_owned())
        } else {
            self.fail(
                field,
                format!(
                    "unknown code {value:?}; expected one of {}",
                    list.codes().join(", ")
                ),
            );
            None
        }
    }

    /// A list of codes from `list`, without duplicates.
    fn codes(&mut self, list: &List, field: &str, values: &[String]) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for (i, value) in values.iter().enumerate() {
            if let Some(code) = self.code(list, &format!("{field}[{i}]"), Some(value))
                && !out.contains(&code)
            {
                out.push(code);
            }
        }
        out
    }

    fn text(&mut self, field: &str, value: Option<&str>, max: usize) -> Option<String> {
        let value = value.map(str::trim).filter(|v| !v.is_empty())?;
        if value.chars().count() > max {
            self.fail(field, format!("must be at most {max} characters"));
            return None;
        }
        Some(value.to_owned())
    }

    fn date(&mut self, field: &str, value: Option<&str>, today: NaiveDate) -> Option<NaiveDate> {
        let value = value.map(str::trim).filter(|v| !v.is_empty())?;
        match super::parse_date(value).ok_or(()) {
            Ok(date) if date > today => {
                self.fail(field, "cannot be in the future");
                None
            }
            Ok(date) if date.year() < 1900 => {
                self.fail(field, "is before 1900");
                None
            }
            Ok(date) => Some(date),
            Err(_) => {
                self.fail(field, "must be a real date written YYYY-MM-DD");
                None
            }
        }
    }

    fn country(&mut self, field: &str, value: Option<&str>) -> Option<String> {
        let value = value.map(str::trim).filter(|v| !v.is_empty())?;
        let upper = value.to_ascii_uppercase();
        if upper.len() == 2 && upper.bytes().all(|b| b.is_ascii_uppercase()) {
            Some(upper)
        } else {
            self.fail(
                field,
                "must be an ISO 3166 two-letter country code, e.g. ID, MY, SA",
            );
            None
        }
    }
}

/// Checks a NIK: 16 digits, a plausible province code at the start.
pub fn parse_nik(text: &str) -> Result<String, Invalid> {
    let nik: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let digits = nik.len() == 16 && nik.bytes().all(|b| b.is_ascii_digit());
    let province_ok = nik
        .get(..2)
        .and_then(|p| p.parse::<u8>().ok())
        .is_some_and(|p| (11..=96).contains(&p));
    if digits && province_ok {
        Ok(nik)
    } else {
        Err(Invalid::new(
            "survivor.nik",
            "must be 16 digits starting with a province code",
        ))
    }
}

/// Normalises a passport number (upper case, no spaces); 5–20 letters and digits.
pub fn parse_passport(text: &str) -> Result<String, Invalid> {
    let number: String = text
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_uppercase();
    if (5..=20).contains(&number.len()) && number.bytes().all(|b| b.is_ascii_alphanumeric()) {
        Ok(number)
    } else {
        Err(Invalid::new(
            "survivor.passport_number",
            "must be 5–20 letters and digits",
        ))
    }
}

fn parse_phone(text: &str) -> Result<String, Invalid> {
    let phone = text.trim();
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    let allowed = phone
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '-' | '(' | ')'));
    if allowed && (8..=15).contains(&digits) {
        Ok(phone.to_owned())
    } else {
        Err(Invalid::new(
            "survivor.phone",
            "must be a phone number of 8–15 digits",
        ))
    }
}

/// Whole years between `birth` and `on`.
pub fn age_on(birth: NaiveDate, on: NaiveDate) -> u32 {
    let mut years = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    u32::try_from(years.max(0)).unwrap_or(0)
}

/// The age band (code of [`cls::AGE_BAND`]) an age falls in.
pub fn age_band_for(age: u32) -> Option<&'static str> {
    cls::age_band_of(age)
}

impl NewCase {
    /// Validates an intake as of `today`; every problem is reported with its field.
    pub fn parse(input: CaseInput, today: NaiveDate) -> Result<Self, Vec<Invalid>> {
        let mut c = Check(Vec::new());
        let s = &input.survivor;

        let full_name = s.full_name.trim().to_owned();
        if full_name.is_empty() || full_name.chars().count() > 200 {
            c.fail("survivor.full_name", "is required (1–200 characters)");
        }
        let nik = s
            .nik
            .as_deref()
            .filter(|v| !v.trim().is_empty())
            .and_then(|v| parse_nik(v).map_err(|e| c.0.push(e)).ok());
        let passport_number = s
            .passport_number
            .as_deref()
            .filter(|v| !v.trim().is_empty())
            .and_then(|v| parse_passport(v).map_err(|e| c.0.push(e)).ok());
        let phone = s
            .phone
            .as_deref()
            .filter(|v| !v.trim().is_empty())
            .and_then(|v| parse_phone(v).map_err(|e| c.0.push(e)).ok());
        let address = c.text("survivor.address", s.address.as_deref(), 500);
        let date_of_birth = c.date("survivor.date_of_birth", s.date_of_birth.as_deref(), today);

        let given_band = c.code(&cls::AGE_BAND, "survivor.age_band", s.age_band.as_deref());
        let derived_band = date_of_birth
            .and_then(|dob| age_band_for(age_on(dob, today)))
            .map(str::to_owned);
        if let (Some(given), Some(derived)) = (&given_band, &derived_band)
            && given != derived
        {
            c.fail(
                "survivor.age_band",
                format!("does not match the date of birth (which gives {derived})"),
            );
        }
        let home_province = s
            .home_province
            .as_deref()
            .filter(|v| !v.trim().is_empty())
            .and_then(|v| {
                ProvinceCode::parse(v)
                    .map_err(|e| c.fail("survivor.home_province", e.message))
                    .ok()
            });
        let home_district = match s
            .home_district
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
        {
            None => None,
            Some(text) => super::agency::parse_region(text, home_province)
                .map_err(|_| {
                    c.fail(
                        "survivor.home_district",
                        "must be a four-digit kabupaten/kota code inside survivor.home_province",
                    )
                })
                .ok(),
        };
        let profile = Profile {
            age_band: derived_band.or(given_band),
            sex: c.code(&cls::SEX, "survivor.sex", s.sex.as_deref()),
            disabilities: c.codes(&cls::DISABILITY, "survivor.disabilities", &s.disabilities),
            nationality: c.country("survivor.nationality", s.nationality.as_deref()),
            home_province: home_province.map(ProvinceCode::as_string),
            home_district,
        };

        let m = input.migrant.clone().unwrap_or_default();
        let migrant = MigrantFacts {
            migration_stage: c.code(
                &cls::MIGRATION_STAGE,
                "migrant.migration_stage",
                m.migration_stage.as_deref(),
            ),
            placement_channel: c.code(
                &cls::PLACEMENT_CHANNEL,
                "migrant.placement_channel",
                m.placement_channel.as_deref(),
            ),
            destination_country: c.country(
                "migrant.destination_country",
                m.destination_country.as_deref(),
            ),
            sector: c.code(&cls::SECTOR, "migrant.sector", m.sector.as_deref()),
            p3mi: c.text("migrant.p3mi", m.p3mi.as_deref(), 200),
            employer_abroad: c.text("migrant.employer_abroad", m.employer_abroad.as_deref(), 200),
            bp2mi_complaint_number: c.text(
                "migrant.bp2mi_complaint_number",
                m.bp2mi_complaint_number.as_deref(),
                100,
            ),
        };

        if input.incidents.len() > 50 {
            c.fail("incidents", "at most 50 incidents");
        }
        let mut incidents = Vec::new();
        for (i, inc) in input.incidents.iter().take(50).enumerate() {
            let f = |name: &str| format!("incidents[{i}].{name}");
            let date = c.date(&f("date"), inc.date.as_deref(), today);
            if let (Some(date), Some(dob)) = (date, date_of_birth)
                && date < dob
            {
                c.fail(f("date"), "is before the survivor's date of birth");
            }
            incidents.push(Incident {
                date,
                place: c.code(&cls::INCIDENT_PLACE, &f("place"), inc.place.as_deref()),
                country: c.country(&f("country"), inc.country.as_deref()),
                forms: c.codes(&cls::VIOLENCE_FORM, &f("forms"), &inc.forms),
                tpks_forms: c.codes(&cls::TPKS_FORM, &f("tpks_forms"), &inc.tpks_forms),
                pkdrt_forms: c.codes(&cls::PKDRT_FORM, &f("pkdrt_forms"), &inc.pkdrt_forms),
                tppo_elements: c.codes(&cls::TPPO_ELEMENT, &f("tppo_elements"), &inc.tppo_elements),
                gbvims_type: c.code(
                    &cls::GBVIMS_TYPE,
                    &f("gbvims_type"),
                    inc.gbvims_type.as_deref(),
                ),
                gbvims_contexts: c.codes(
                    &cls::GBVIMS_CONTEXT,
                    &f("gbvims_contexts"),
                    &inc.gbvims_contexts,
                ),
                perpetrator_relation: c.code(
                    &cls::PERPETRATOR_RELATION,
                    &f("perpetrator_relation"),
                    inc.perpetrator_relation.as_deref(),
                ),
            });
        }

        let risk_level = c.code(&cls::RISK_LEVEL, "risk_level", input.risk_level.as_deref());
        let safety_plan = c.text("safety_plan", input.safety_plan.as_deref(), 4000);
        let legal_basis = c.codes(&cls::LEGAL_BASIS, "legal_basis", &input.legal_basis);
        let procedural_regime = c.code(
            &cls::PROCEDURAL_REGIME,
            "procedural_regime",
            input.procedural_regime.as_deref(),
        );
        let province = input
            .province
            .as_deref()
            .filter(|v| !v.trim().is_empty())
            .and_then(|v| ProvinceCode::parse(v).map_err(|e| c.0.push(e)).ok());

        if !c.0.is_empty() {
            return Err(c.0);
        }
        Ok(Self {
            identity: Identity {
                full_name,
                nik,
                passport_number,
                phone,
                address,
                date_of_birth,
            },
            profile,
            migrant,
            incidents,
            risk_level,
            safety_plan,
            legal_basis,
            procedural_regime,
            province,
        })
    }
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
