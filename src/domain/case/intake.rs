//! Validating an intake: each part of what the survivor tells (identity, profile, migrant
//! facts, incidents, the case's own fields) checked in turn, every problem named with its field
//! in the order of the form.

use chrono::{Datelike, NaiveDate};

use super::{
    CaseInput, Identity, Incident, IncidentInput, MigrantFacts, MigrantInput, NewCase, Profile,
    SurvivorInput,
};
use crate::domain::Invalid;
use crate::domain::agency::{ProvinceCode, parse_region};
use crate::domain::classification::{self as cls, List};

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
        match crate::domain::parse_date(value).ok_or(()) {
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
        let identity = identity(&mut c, &input.survivor, today);
        let profile = profile(&mut c, &input.survivor, identity.date_of_birth, today);
        let migrant = migrant(&mut c, &input.migrant.clone().unwrap_or_default());
        if input.incidents.len() > 50 {
            c.fail("incidents", "at most 50 incidents");
        }
        let incidents: Vec<Incident> = input
            .incidents
            .iter()
            .take(50)
            .enumerate()
            .map(|(i, inc)| incident(&mut c, i, inc, identity.date_of_birth, today))
            .collect();
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

        let trafficking = super::trafficking::parse(
            input.intake_channel.as_deref(),
            input.repatriation.as_ref(),
            input.chronology.as_deref(),
            &input.perpetrators,
            today,
            &mut c.0,
        );

        if !c.0.is_empty() {
            return Err(c.0);
        }
        Ok(Self {
            identity,
            profile,
            migrant,
            incidents,
            risk_level,
            safety_plan,
            legal_basis,
            procedural_regime,
            province,
            trafficking,
        })
    }
}

/// The survivor's identifying fields: a name, and NIK, passport, phone, address and date of
/// birth where given.
fn identity(c: &mut Check, s: &SurvivorInput, today: NaiveDate) -> Identity {
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
    Identity {
        full_name,
        nik,
        passport_number,
        phone,
        address,
        date_of_birth,
    }
}

/// The survivor's profile: the age band (from the date of birth when known, which a given band
/// must match), sex, disabilities, nationality and home region.
fn profile(
    c: &mut Check,
    s: &SurvivorInput,
    date_of_birth: Option<NaiveDate>,
    today: NaiveDate,
) -> Profile {
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
        Some(text) => parse_region(text, home_province)
            .map_err(|_| {
                c.fail(
                    "survivor.home_district",
                    "must be a four-digit kabupaten/kota code inside survivor.home_province",
                )
            })
            .ok(),
    };
    Profile {
        age_band: derived_band.or(given_band),
        sex: c.code(&cls::SEX, "survivor.sex", s.sex.as_deref()),
        disabilities: c.codes(&cls::DISABILITY, "survivor.disabilities", &s.disabilities),
        nationality: c.country("survivor.nationality", s.nationality.as_deref()),
        home_province: home_province.map(ProvinceCode::as_string),
        home_district,
    }
}

/// The migrant-worker facts.
fn migrant(c: &mut Check, m: &MigrantInput) -> MigrantFacts {
    MigrantFacts {
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
    }
}

/// Incident `i`: its date (not before the survivor's birth) and its classifications.
fn incident(
    c: &mut Check,
    i: usize,
    inc: &IncidentInput,
    date_of_birth: Option<NaiveDate>,
    today: NaiveDate,
) -> Incident {
    let f = |name: &str| format!("incidents[{i}].{name}");
    let date = c.date(&f("date"), inc.date.as_deref(), today);
    if let (Some(date), Some(dob)) = (date, date_of_birth)
        && date < dob
    {
        c.fail(f("date"), "is before the survivor's date of birth");
    }
    Incident {
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
    }
}
