//! Authorization in one place: [`can`]`(actor, action, resource)`, a pure function called at
//! the top of every service function. The role × action matrix ([`role_permits`]) is printed in
//! `docs/ACCESS.md`, and a test keeps the two identical.
//!
//! Need-to-know: a case is visible to the agencies that are party to it (its owner; the
//! handoff issue adds the receivers of pending and accepted handoffs to [`CaseScope::parties`]),
//! and each party sees only the data categories it holds. Whatever an actor may not see is
//! [`Denial::Hidden`] (404), so existence is not leaked; [`Denial::Forbidden`] (403) is only
//! for things the actor can see but not do.

use std::collections::BTreeSet;

use crate::domain::user::Role;

/// Data categories a party may hold (CONTRACT.md vocabulary).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Category {
    /// Case summary.
    Summary,
    /// Survivor identity.
    Identity,
    /// Incident details.
    Incident,
    /// Health information.
    Health,
    /// Legal process.
    Legal,
    /// Documents.
    Documents,
}

impl Category {
    /// The name used in agreements and answers.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Summary => "summary",
            Category::Identity => "identity",
            Category::Incident => "incident",
            Category::Health => "health",
            Category::Legal => "legal",
            Category::Documents => "documents",
        }
    }

    /// Parses a name.
    pub fn parse(text: &str) -> Option<Self> {
        Category::ALL.into_iter().find(|c| c.as_str() == text)
    }

    /// Every category: what an owning agency holds.
    pub const ALL: [Category; 6] = [
        Category::Summary,
        Category::Identity,
        Category::Incident,
        Category::Health,
        Category::Legal,
        Category::Documents,
    ];
}

/// Who is acting: the authenticated user with their agency and roles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// User id.
    pub user_id: i64,
    /// Username.
    pub username: String,
    /// Agency id.
    pub agency_id: i64,
    /// Agency code.
    pub agency_code: String,
    /// Agency's province; none for national agencies.
    pub province: Option<String>,
    /// Roles held.
    pub roles: BTreeSet<Role>,
}

impl Actor {
    /// Whether the actor holds `role`.
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }
}

/// Everything an actor can ask to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// List the agencies of the network.
    AgencyList,
    /// Create or change agencies.
    AgencyManage,
    /// List users (scoped to an agency).
    UserList,
    /// Create, change or disable users (scoped to an agency).
    UserManage,
    /// Give a user this role.
    RoleAssign(Role),
    /// Take a new case in.
    CaseCreate,
    /// Read a case's content.
    CaseView,
    /// Change a case.
    CaseEdit,
    /// Reveal the survivor's identity, with a purpose.
    IdentityReveal,
    /// Read or download a case's documents.
    DocumentRead,
    /// Record or withdraw consent.
    ConsentRecord,
    /// Override a missing consent with a legal basis.
    ConsentOverride,
    /// Send a referral, transfer or notice.
    HandoffSend,
    /// Accept, decline or complete a handoff received.
    HandoffDecide,
    /// Read a case's timeline.
    TimelineView,
    /// Read who accessed a case.
    AccessLogView,
    /// Search the audit trail.
    AuditSearch,
    /// Read statistics.
    StatsView,
}

impl Action {
    /// Every action, for the matrix (role assignment shown once, as "assign roles").
    pub const MATRIX: [Action; 18] = [
        Action::AgencyList,
        Action::AgencyManage,
        Action::UserList,
        Action::UserManage,
        Action::RoleAssign(Role::Caseworker),
        Action::CaseCreate,
        Action::CaseView,
        Action::CaseEdit,
        Action::IdentityReveal,
        Action::DocumentRead,
        Action::ConsentRecord,
        Action::ConsentOverride,
        Action::HandoffSend,
        Action::HandoffDecide,
        Action::TimelineView,
        Action::AccessLogView,
        Action::AuditSearch,
        Action::StatsView,
    ];

    /// Name in the matrix and in logs.
    pub fn name(self) -> &'static str {
        match self {
            Action::AgencyList => "agency.list",
            Action::AgencyManage => "agency.manage",
            Action::UserList => "user.list",
            Action::UserManage => "user.manage",
            Action::RoleAssign(_) => "role.assign",
            Action::CaseCreate => "case.create",
            Action::CaseView => "case.view",
            Action::CaseEdit => "case.edit",
            Action::IdentityReveal => "identity.reveal",
            Action::DocumentRead => "document.read",
            Action::ConsentRecord => "consent.record",
            Action::ConsentOverride => "consent.override",
            Action::HandoffSend => "handoff.send",
            Action::HandoffDecide => "handoff.decide",
            Action::TimelineView => "timeline.view",
            Action::AccessLogView => "access_log.view",
            Action::AuditSearch => "audit.search",
            Action::StatsView => "stats.view",
        }
    }

    /// The data category a case action needs the actor's agency to hold.
    pub fn category(self) -> Option<Category> {
        match self {
            Action::IdentityReveal => Some(Category::Identity),
            Action::DocumentRead => Some(Category::Documents),
            Action::CaseView | Action::TimelineView => Some(Category::Summary),
            _ => None,
        }
    }

    /// Actions an auditor may take on a case outside their own agency's cases.
    fn is_audit_read(self) -> bool {
        matches!(self, Action::TimelineView | Action::AccessLogView)
    }
}

/// The role × action matrix: whether holding `role` permits `action` at all. Scope (which
/// agency, which case) is checked separately by [`can`].
pub fn role_permits(role: Role, action: Action) -> bool {
    use Action as A;
    use Role as R;
    match action {
        A::AgencyList => true,
        A::AgencyManage => role == R::Sysadmin,
        A::UserList | A::UserManage => matches!(role, R::Sysadmin | R::AgencyAdmin),
        A::RoleAssign(target) => {
            role == R::Sysadmin || (role == R::AgencyAdmin && target != R::Sysadmin)
        }
        A::CaseCreate | A::ConsentRecord => matches!(role, R::Caseworker | R::Supervisor),
        A::CaseView | A::DocumentRead | A::HandoffDecide => {
            matches!(
                role,
                R::Caseworker | R::Supervisor | R::Investigator | R::Prosecutor | R::CourtClerk
            )
        }
        A::CaseEdit | A::IdentityReveal | A::HandoffSend => {
            matches!(
                role,
                R::Caseworker | R::Supervisor | R::Investigator | R::Prosecutor
            )
        }
        A::ConsentOverride => role == R::Supervisor,
        A::TimelineView => matches!(
            role,
            R::Caseworker
                | R::Supervisor
                | R::Investigator
                | R::Prosecutor
                | R::CourtClerk
                | R::Auditor
        ),
        A::AccessLogView | A::StatsView => matches!(role, R::Supervisor | R::Auditor),
        A::AuditSearch => role == R::Auditor,
    }
}

/// What a case looks like to the policy: who is party to it and what each party holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseScope {
    /// Case id.
    pub case_id: i64,
    /// Province of the case.
    pub province: String,
    /// Owning agency (holds every category).
    pub owner_agency_id: i64,
    /// Other parties and the categories they hold (filled by the handoff issue).
    pub parties: Vec<(i64, BTreeSet<Category>)>,
}

impl CaseScope {
    /// The categories `agency_id` holds, if it is a party.
    pub fn categories_of(&self, agency_id: i64) -> Option<BTreeSet<Category>> {
        if agency_id == self.owner_agency_id {
            return Some(Category::ALL.into_iter().collect());
        }
        let held: BTreeSet<Category> = self
            .parties
            .iter()
            .filter(|(party, _)| *party == agency_id)
            .flat_map(|(_, categories)| categories.iter().copied())
            .collect();
        (!held.is_empty()).then_some(held)
    }
}

/// What an action is applied to.
#[derive(Debug, Clone, Copy)]
pub enum Resource<'a> {
    /// Nothing in particular (lists, creation of agencies).
    System,
    /// Something belonging to one agency (its users, its user list).
    Agency(i64),
    /// A case.
    Case(&'a CaseScope),
}

/// Why an action is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Denial {
    /// The actor may not know the resource exists: answered as 404.
    #[error("not visible")]
    Hidden,
    /// The actor sees the resource but may not do this: answered as 403.
    #[error("not permitted")]
    Forbidden,
}

/// The policy. Pure: everything it needs is in its arguments.
pub fn can(actor: &Actor, action: Action, resource: Resource<'_>) -> Result<(), Denial> {
    let permitted = actor.roles.iter().any(|role| role_permits(*role, action));
    match resource {
        Resource::System => permitted.then_some(()).ok_or(Denial::Forbidden),
        Resource::Agency(agency_id) => {
            if !permitted {
                return Err(Denial::Forbidden);
            }
            if actor.has(Role::Sysadmin) {
                return Ok(());
            }
            let own = agency_id == actor.agency_id;
            match (own, permitted) {
                (true, true) if actor.has(Role::AgencyAdmin) || action == Action::AgencyList => {
                    Ok(())
                }
                (true, _) => Err(Denial::Forbidden),
                (false, _) => Err(Denial::Hidden),
            }
        }
        Resource::Case(scope) => match scope.categories_of(actor.agency_id) {
            Some(held) => {
                if !permitted {
                    // Roles that never read case content do not learn the case exists.
                    let reads_content = actor
                        .roles
                        .iter()
                        .any(|r| role_permits(*r, Action::CaseView));
                    return Err(if reads_content {
                        Denial::Forbidden
                    } else {
                        Denial::Hidden
                    });
                }
                match action.category() {
                    Some(needed) if !held.contains(&needed) => Err(Denial::Hidden),
                    _ => Ok(()),
                }
            }
            None => {
                let auditor_in_scope = actor.has(Role::Auditor)
                    && action.is_audit_read()
                    && actor.province.as_ref().is_none_or(|p| *p == scope.province);
                auditor_in_scope.then_some(()).ok_or(Denial::Hidden)
            }
        },
    }
}

/// The matrix as a Markdown table (rows: actions; columns: roles), as in `docs/ACCESS.md`.
pub fn matrix_markdown() -> String {
    let mut out = String::from("| action |");
    for role in Role::ALL {
        out.push_str(&format!(" {} |", role.as_str()));
    }
    out.push_str("\n|---|");
    for _ in Role::ALL {
        out.push_str(":-:|");
    }
    out.push('\n');
    for action in Action::MATRIX {
        out.push_str(&format!("| `{}` |", action.name()));
        for role in Role::ALL {
            let mark = match action {
                Action::RoleAssign(_) if *role == Role::AgencyAdmin => "own agency, not sysadmin",
                Action::UserList | Action::UserManage if *role == Role::AgencyAdmin => "own agency",
                _ if role_permits(*role, action) => "yes",
                _ => "",
            };
            out.push_str(&format!(" {mark} |"));
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(agency_id: i64, province: Option<&str>, roles: &[Role]) -> Actor {
        Actor {
            user_id: 1,
            username: "u".into(),
            agency_id,
            agency_code: "A".into(),
            province: province.map(Into::into),
            roles: roles.iter().copied().collect(),
        }
    }

    fn case(owner: i64) -> CaseScope {
        CaseScope {
            case_id: 9,
            province: "33".into(),
            owner_agency_id: owner,
            parties: vec![(
                2,
                [Category::Summary, Category::Incident]
                    .into_iter()
                    .collect(),
            )],
        }
    }

    /// Every role × every case action, for the owner, a party holding only summary and
    /// incident, an outsider in the same province and one elsewhere.
    #[test]
    fn case_matrix() {
        let scope = case(1);
        for role in Role::ALL {
            for action in Action::MATRIX {
                let owner = can(
                    &actor(1, Some("33"), &[*role]),
                    action,
                    Resource::Case(&scope),
                );
                let party = can(
                    &actor(2, Some("33"), &[*role]),
                    action,
                    Resource::Case(&scope),
                );
                let outsider = can(
                    &actor(3, Some("33"), &[*role]),
                    action,
                    Resource::Case(&scope),
                );
                let elsewhere = can(
                    &actor(4, Some("52"), &[*role]),
                    action,
                    Resource::Case(&scope),
                );
                let permits = role_permits(*role, action);
                let content_role = role_permits(*role, Action::CaseView);

                let expected_owner = match (permits, content_role) {
                    (true, _) => Ok(()),
                    (false, true) => Err(Denial::Forbidden),
                    (false, false) => Err(Denial::Hidden),
                };
                assert_eq!(owner, expected_owner, "owner {role} {}", action.name());

                let expected_party =
                    if matches!(action, Action::IdentityReveal | Action::DocumentRead) && permits {
                        Err(Denial::Hidden)
                    } else {
                        expected_owner
                    };
                assert_eq!(party, expected_party, "party {role} {}", action.name());

                let audit = *role == Role::Auditor
                    && matches!(action, Action::TimelineView | Action::AccessLogView);
                let expected_outsider = if audit { Ok(()) } else { Err(Denial::Hidden) };
                assert_eq!(
                    outsider,
                    expected_outsider,
                    "outsider {role} {}",
                    action.name()
                );
                assert_eq!(
                    elsewhere,
                    Err(Denial::Hidden),
                    "other province {role} {}",
                    action.name()
                );
            }
        }
    }

    #[test]
    fn administrators_never_see_case_content() {
        let scope = case(1);
        for role in [Role::Sysadmin, Role::AgencyAdmin] {
            for action in [
                Action::CaseView,
                Action::IdentityReveal,
                Action::TimelineView,
                Action::CaseEdit,
            ] {
                assert_eq!(
                    can(
                        &actor(1, Some("33"), &[role]),
                        action,
                        Resource::Case(&scope)
                    ),
                    Err(Denial::Hidden)
                );
            }
        }
    }

    #[test]
    fn user_administration_is_scoped_to_the_agency() {
        let admin = actor(1, Some("33"), &[Role::AgencyAdmin]);
        assert_eq!(can(&admin, Action::UserManage, Resource::Agency(1)), Ok(()));
        assert_eq!(
            can(&admin, Action::UserManage, Resource::Agency(2)),
            Err(Denial::Hidden)
        );
        assert_eq!(
            can(
                &admin,
                Action::RoleAssign(Role::Supervisor),
                Resource::Agency(1)
            ),
            Ok(())
        );
        assert_eq!(
            can(
                &admin,
                Action::RoleAssign(Role::Sysadmin),
                Resource::Agency(1)
            ),
            Err(Denial::Forbidden)
        );
        assert_eq!(
            can(&admin, Action::AgencyManage, Resource::System),
            Err(Denial::Forbidden)
        );

        let sysadmin = actor(1, None, &[Role::Sysadmin]);
        assert_eq!(
            can(&sysadmin, Action::UserManage, Resource::Agency(7)),
            Ok(())
        );
        assert_eq!(
            can(
                &sysadmin,
                Action::RoleAssign(Role::Sysadmin),
                Resource::Agency(7)
            ),
            Ok(())
        );
        assert_eq!(
            can(&sysadmin, Action::AgencyManage, Resource::System),
            Ok(())
        );

        let caseworker = actor(1, Some("33"), &[Role::Caseworker]);
        assert_eq!(
            can(&caseworker, Action::UserManage, Resource::Agency(1)),
            Err(Denial::Forbidden)
        );
        assert_eq!(
            can(&caseworker, Action::UserList, Resource::Agency(2)),
            Err(Denial::Forbidden),
            "a role without the right learns nothing from 403 vs 404"
        );
        assert_eq!(
            can(&caseworker, Action::AgencyList, Resource::System),
            Ok(())
        );
    }

    #[test]
    fn national_auditors_audit_every_province() {
        let auditor = actor(5, None, &[Role::Auditor]);
        assert_eq!(
            can(&auditor, Action::AccessLogView, Resource::Case(&case(1))),
            Ok(())
        );
        assert_eq!(
            can(&auditor, Action::CaseView, Resource::Case(&case(1))),
            Err(Denial::Hidden)
        );
    }

    #[test]
    fn access_doc_shows_the_matrix() {
        let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/ACCESS.md"))
            .unwrap_or_default();
        assert!(
            doc.contains(&matrix_markdown()),
            "docs/ACCESS.md is out of date; paste this table:\n{}",
            matrix_markdown()
        );
    }
}
