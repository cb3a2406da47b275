//! Agencies: their kinds, levels, codes and province codes.

use super::{Invalid, vocabulary};

vocabulary! {
    /// What an agency is (CONTRACT.md vocabulary).
    AgencyKind, "kind" {
        /// UPTD PPA, P2TP2A.
        ServiceUnit = "service_unit",
        /// Manpower office.
        Disnaker = "disnaker",
        /// Migrant-worker protection office.
        Bp3mi = "bp3mi",
        /// Police.
        Police = "police",
        /// Prosecutor's office.
        Prosecutor = "prosecutor",
        /// Court (informed, not bound by a regional MOU).
        Court = "court",
        /// Hospital, health service.
        Health = "health",
        /// Shelter.
        Shelter = "shelter",
        /// Legal aid.
        LegalAid = "legal_aid",
        /// Witness and victim protection agency.
        Lpsk = "lpsk",
        /// Social affairs office.
        SocialAffairs = "social_affairs",
        /// Non-governmental organisation.
        Ngo = "ngo",
        /// Indonesian mission abroad.
        MissionAbroad = "mission_abroad",
    }
}

vocabulary! {
    /// Administrative level of an agency.
    AgencyLevel, "level" {
        /// National body (no province).
        National = "national",
        /// Province.
        Province = "province",
        /// Kabupaten or kota.
        Regency = "regency",
    }
}

/// A stable agency code: upper-case letters, digits and hyphens, 2–40 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AgencyCode(String);

impl AgencyCode {
    /// Parses a code; surrounding spaces are ignored.
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        let code = text.trim();
        let valid = (2..=40).contains(&code.len())
            && code
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-')
            && !code.starts_with('-')
            && !code.ends_with('-');
        if valid {
            Ok(Self(code.to_owned()))
        } else {
            Err(Invalid::new(
                "code",
                "must be 2–40 upper-case letters, digits and hyphens, e.g. POLDA-JATENG",
            ))
        }
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A Kemendagri province code (two digits, 11–96), e.g. `33` Jawa Tengah, `52` NTB.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProvinceCode(u8);

impl ProvinceCode {
    /// Parses a two-digit code.
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        let text = text.trim();
        match text.parse::<u8>() {
            Ok(n) if text.len() == 2 && (11..=96).contains(&n) => Ok(Self(n)),
            _ => Err(Invalid::new(
                "province",
                "must be a two-digit Kemendagri province code, e.g. 33 (Jawa Tengah) or 52 (NTB)",
            )),
        }
    }

    /// The code as stored.
    pub fn as_string(self) -> String {
        format!("{:02}", self.0)
    }
}

/// A Kemendagri kabupaten/kota code (four digits, starting with its province code).
pub fn parse_region(text: &str, province: Option<ProvinceCode>) -> Result<String, Invalid> {
    let text = text.trim();
    let digits = text.len() == 4 && text.bytes().all(|b| b.is_ascii_digit());
    let in_province = province.is_some_and(|p| text.starts_with(&p.as_string()));
    if digits && in_province {
        Ok(text.to_owned())
    } else {
        Err(Invalid::new(
            "region",
            "must be a four-digit Kemendagri kabupaten/kota code inside the agency's province",
        ))
    }
}

/// A validated new agency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAgency {
    /// Code.
    pub code: AgencyCode,
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: AgencyKind,
    /// Level.
    pub level: AgencyLevel,
    /// Province (none only for national agencies).
    pub province: Option<ProvinceCode>,
    /// Kabupaten/kota code.
    pub region: Option<String>,
    /// Parent agency code.
    pub parent: Option<AgencyCode>,
    /// Contact e-mail.
    pub email: Option<super::email::EmailAddress>,
    /// Marked unverified in the seed data.
    pub unverified: bool,
    /// Designated to audit: its users may hold the `auditor` role.
    pub audits: bool,
    /// Postal address for the letterhead of its referral letters.
    pub address: Option<String>,
}

/// Raw fields of a new agency, as they come from the command line, the API or the seed file.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgencyInput {
    /// Code, e.g. `POLDA-JATENG`.
    pub code: String,
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: String,
    /// `national`, `province` (default) or `regency`.
    #[serde(default)]
    pub level: Option<String>,
    /// Province code; required unless national.
    #[serde(default)]
    pub province: Option<String>,
    /// Kabupaten/kota code.
    #[serde(default)]
    pub region: Option<String>,
    /// Parent agency code.
    #[serde(default)]
    pub parent: Option<String>,
    /// Contact e-mail.
    #[serde(default)]
    pub email: Option<String>,
    /// Unverified seed entry.
    #[serde(default)]
    pub unverified: bool,
    /// Designated to audit (e.g. the provincial DP3AP2KB, KemenPPPA): only its users may hold
    /// the `auditor` role.
    #[serde(default)]
    pub audits: bool,
    /// Postal address for the letterhead of referral letters (lines separated by line breaks).
    #[serde(default)]
    pub address: Option<String>,
}

/// A postal address as stored: trimmed, at most 500 characters, no control characters but line
/// breaks; empty means none.
pub fn parse_address(text: &str) -> Result<Option<String>, Invalid> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    if let Some(c) = super::text::forbidden_control(text) {
        return Err(Invalid::new("address", super::text::control_message(c)));
    }
    if text.chars().count() > 500 {
        return Err(Invalid::new("address", "must be at most 500 characters"));
    }
    Ok(Some(text.replace("\r\n", "\n")))
}

/// The address of an agency input, its problem recorded.
fn address_of(text: Option<&str>, problems: &mut Vec<Invalid>) -> Option<String> {
    parse_address(text.unwrap_or_default()).unwrap_or_else(|e| {
        problems.push(e);
        None
    })
}

impl NewAgency {
    /// Validates every field; returns all problems at once.
    pub fn parse(input: AgencyInput) -> Result<Self, Vec<Invalid>> {
        let mut problems = Vec::new();
        let code = AgencyCode::parse(&input.code)
            .map_err(|e| problems.push(e))
            .ok();
        let name = input.name.trim().to_owned();
        if name.is_empty() || name.chars().count() > 200 {
            problems.push(Invalid::new("name", "must be 1–200 characters"));
        }
        let kind = AgencyKind::parse(input.kind.trim())
            .map_err(|e| problems.push(e))
            .ok();
        let level = match input.level.as_deref().map(str::trim) {
            None | Some("") => Some(AgencyLevel::Province),
            Some(text) => AgencyLevel::parse(text).map_err(|e| problems.push(e)).ok(),
        };
        let province = match input.province.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(text) => ProvinceCode::parse(text).map_err(|e| problems.push(e)).ok(),
        };
        match (level, &input.province) {
            (Some(AgencyLevel::National), Some(p)) if !p.trim().is_empty() => {
                problems.push(Invalid::new(
                    "province",
                    "a national agency has no province",
                ));
            }
            (Some(AgencyLevel::Province | AgencyLevel::Regency), None) => {
                problems.push(Invalid::new(
                    "province",
                    "is required for province and regency agencies",
                ));
            }
            _ => {}
        }
        let region = match input.region.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(_) if level != Some(AgencyLevel::Regency) => {
                problems.push(Invalid::new("region", "is only for regency-level agencies"));
                None
            }
            Some(text) => parse_region(text, province)
                .map_err(|e| problems.push(e))
                .ok(),
        };
        let parent = match input.parent.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(text) => AgencyCode::parse(text)
                .map_err(|e| problems.push(Invalid::new("parent", e.message)))
                .ok(),
        };
        if parent.is_some() && parent == code {
            problems.push(Invalid::new("parent", "an agency cannot be its own parent"));
        }
        let email = match input.email.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(text) => super::email::EmailAddress::parse(text)
                .map_err(|e| problems.push(e))
                .ok(),
        };
        let address = address_of(input.address.as_deref(), &mut problems);
        match (code, kind, level, problems.is_empty()) {
            (Some(code), Some(kind), Some(level), true) => Ok(Self {
                code,
                name,
                kind,
                level,
                province,
                region,
                parent,
                email,
                unverified: input.unverified,
                audits: input.audits,
                address,
            }),
            _ => Err(problems),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(code: &str, kind: &str, province: Option<&str>) -> AgencyInput {
        AgencyInput {
            code: code.into(),
            name: "Polda Jawa Tengah".into(),
            kind: kind.into(),
            province: province.map(Into::into),
            ..AgencyInput::default()
        }
    }

    #[test]
    fn a_province_agency_parses() {
        let agency = NewAgency::parse(input("POLDA-JATENG", "police", Some("33")))
            .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(agency.kind, AgencyKind::Police);
        assert_eq!(agency.level, AgencyLevel::Province);
        assert_eq!(
            agency.province.map(ProvinceCode::as_string).as_deref(),
            Some("33")
        );
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let problems = NewAgency::parse(input("polda jateng", "army", Some("3")))
            .err()
            .unwrap_or_default();
        let fields: Vec<_> = problems.iter().map(|p| p.field.as_ref()).collect();
        assert_eq!(fields, ["code", "kind", "province"], "{problems:?}");
        assert!(
            problems[1].message.contains("service_unit"),
            "lists the kinds"
        );
    }

    #[test]
    fn level_and_province_must_agree() {
        let mut national = input("LPSK", "lpsk", Some("31"));
        national.level = Some("national".into());
        assert!(NewAgency::parse(national.clone()).is_err());
        national.province = None;
        assert!(NewAgency::parse(national).is_ok());
        assert!(NewAgency::parse(input("POLDA-JATENG", "police", None)).is_err());
    }

    #[test]
    fn region_must_lie_in_the_province() {
        let mut regency = input("PN-SEMARANG", "court", Some("33"));
        regency.level = Some("regency".into());
        regency.region = Some("3374".into());
        assert!(NewAgency::parse(regency.clone()).is_ok());
        regency.region = Some("5271".into());
        assert!(NewAgency::parse(regency).is_err());
    }

    #[test]
    fn kinds_round_trip() {
        for kind in AgencyKind::ALL {
            assert_eq!(AgencyKind::parse(kind.as_str()), Ok(*kind));
        }
        assert_eq!(AgencyKind::ALL.len(), 13);
    }
}
