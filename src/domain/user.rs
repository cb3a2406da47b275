//! Users: roles, usernames, languages, e-mail addresses.

use super::{Invalid, vocabulary};

vocabulary! {
    /// What a user may do (CONTRACT.md vocabulary). A user holds one or more.
    Role, "role" {
        /// Takes cases in, records consent, refers cases on.
        Caseworker = "caseworker",
        /// Oversees the agency's caseload; overrides consent with a legal basis.
        Supervisor = "supervisor",
        /// Police investigator.
        Investigator = "investigator",
        /// Public prosecutor.
        Prosecutor = "prosecutor",
        /// Court clerk: receives notices.
        CourtClerk = "court_clerk",
        /// Manages the users of their own agency; reads no case content.
        AgencyAdmin = "agency_admin",
        /// Verifies the audit trail, reads timelines, access logs and statistics.
        Auditor = "auditor",
        /// Manages agencies and all users; reads no case content.
        Sysadmin = "sysadmin",
    }
}

vocabulary! {
    /// Language of the interface and of e-mails.
    Language, "language" {
        /// Bahasa Indonesia (default).
        Id = "id",
        /// English.
        En = "en",
    }
}

/// A login name: 3–64 characters of lower-case letters, digits, `.`, `_` and `-`, starting
/// with a letter or digit. Input is lower-cased, so names are case-insensitive.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Username(String);

impl Username {
    /// Parses a username.
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        let name = text.trim().to_lowercase();
        let valid = (3..=64).contains(&name.len())
            && name.bytes().all(|b| {
                b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-')
            })
            && name
                .bytes()
                .next()
                .is_some_and(|b| b.is_ascii_alphanumeric());
        if valid {
            Ok(Self(name))
        } else {
            Err(Invalid::new(
                "username",
                "must be 3–64 letters, digits, '.', '_' or '-', starting with a letter or digit",
            ))
        }
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

pub use super::email::EmailAddress;

/// Parses a display name: 1–200 characters after trimming.
pub fn parse_display_name(text: &str) -> Result<String, Invalid> {
    let name = text.trim();
    if name.is_empty() || name.chars().count() > 200 || name.chars().any(char::is_control) {
        Err(Invalid::new("display_name", "must be 1–200 characters"))
    } else {
        Ok(name.to_owned())
    }
}

/// Parses a non-empty list of roles, without duplicates, in a stable order.
pub fn parse_roles(texts: &[String]) -> Result<Vec<Role>, Invalid> {
    let mut roles = Vec::new();
    for text in texts {
        let role = Role::parse(text.trim()).map_err(|e| Invalid::new("roles", e.message))?;
        if !roles.contains(&role) {
            roles.push(role);
        }
    }
    if roles.is_empty() {
        return Err(Invalid::new("roles", "at least one role is required"));
    }
    roles.sort();
    Ok(roles)
}

/// Where a role may be held: the agency kind it needs, or an agency designated to audit. A role
/// without a requirement fits every agency.
pub fn role_requirement(role: Role) -> Option<RoleRequirement> {
    use super::agency::AgencyKind as K;
    match role {
        Role::Investigator => Some(RoleRequirement::Kind(K::Police)),
        Role::Prosecutor => Some(RoleRequirement::Kind(K::Prosecutor)),
        Role::CourtClerk => Some(RoleRequirement::Kind(K::Court)),
        Role::Auditor => Some(RoleRequirement::Audits),
        Role::Caseworker | Role::Supervisor | Role::AgencyAdmin | Role::Sysadmin => None,
    }
}

/// What an agency must be for a role to be held there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleRequirement {
    /// An agency of this kind.
    Kind(super::agency::AgencyKind),
    /// An agency designated to audit (`audits = true`).
    Audits,
}

/// Whether `role` may be held in an agency of `kind` (designated to audit or not): investigators
/// only at the police, prosecutors only at prosecutors' offices, court clerks only at courts,
/// auditors only at agencies designated to audit.
pub fn role_fits(role: Role, kind: super::agency::AgencyKind, audits: bool) -> Result<(), Invalid> {
    match role_requirement(role) {
        Some(RoleRequirement::Kind(needed)) if needed != kind => Err(Invalid::new(
            "roles",
            format!("the role {role} is held only in an agency of kind {needed}, not {kind}"),
        )),
        Some(RoleRequirement::Audits) if !audits => Err(Invalid::new(
            "roles",
            format!("the role {role} is held only in an agency designated to audit"),
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::agency::AgencyKind;

    #[test]
    fn roles_fit_the_agency_kind() {
        assert!(role_fits(Role::Investigator, AgencyKind::Police, false).is_ok());
        assert!(role_fits(Role::Investigator, AgencyKind::ServiceUnit, false).is_err());
        assert!(role_fits(Role::Prosecutor, AgencyKind::Prosecutor, false).is_ok());
        assert!(role_fits(Role::Prosecutor, AgencyKind::Police, false).is_err());
        assert!(role_fits(Role::CourtClerk, AgencyKind::Court, false).is_ok());
        assert!(role_fits(Role::CourtClerk, AgencyKind::LegalAid, false).is_err());
        assert!(
            role_fits(Role::Auditor, AgencyKind::LegalAid, false).is_err(),
            "an NGO's admin makes no auditors"
        );
        assert!(role_fits(Role::Auditor, AgencyKind::ServiceUnit, true).is_ok());
        for role in [
            Role::Caseworker,
            Role::Supervisor,
            Role::AgencyAdmin,
            Role::Sysadmin,
        ] {
            for kind in AgencyKind::ALL {
                assert!(role_fits(role, *kind, false).is_ok(), "{role} at {kind}");
            }
        }
    }

    #[test]
    fn usernames_are_case_insensitive_and_plain() {
        assert_eq!(
            Username::parse(" Siti.Rahma ").map(|u| u.as_str().to_owned()),
            Ok("siti.rahma".to_owned())
        );
        for bad in ["ab", "-abc", "siti rahma", "siti@polda", &"a".repeat(65)] {
            assert!(Username::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn roles_parse_deduplicated_and_sorted() {
        let roles = parse_roles(&[
            "supervisor".into(),
            "caseworker".into(),
            "supervisor".into(),
        ]);
        assert_eq!(roles, Ok(vec![Role::Caseworker, Role::Supervisor]));
        assert!(parse_roles(&[]).is_err());
        let err = parse_roles(&["admin".into()])
            .err()
            .map(|e| e.message)
            .unwrap_or_default();
        assert!(err.contains("sysadmin"), "{err}");
    }

    #[test]
    fn email_shape() {
        assert!(EmailAddress::parse("ppa@jatengprov.go.id").is_ok());
        for bad in ["ppa", "ppa@", "@x.id", "a b@x.id", "a@x", "a@@x.id"] {
            assert!(EmailAddress::parse(bad).is_err(), "{bad}");
        }
    }
}
