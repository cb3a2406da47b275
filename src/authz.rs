//! Authorization in one place: [`can`]`(actor, action, resource)`, a pure function called at
//! the top of every service function. The role × action matrix ([`role_permits`]) is printed in
//! `docs/ACCESS.md`, and a test keeps the two identical.
//!
//! Need-to-know: a case is visible to the agencies that hold a part of it, as worked out by
//! [`crate::domain::holding`] (its owner, the receivers of its handoffs, onward receivers while
//! what they derive from lasts), and each acts only on the categories it holds. Whatever an
//! actor may not see is [`Denial::Hidden`] (404), so existence is not leaked; the other denials
//! (403) are for things the actor can see but not do.

use std::collections::BTreeSet;

use crate::domain::holding::{Basis, CaseHoldings, Holding};
use crate::domain::user::Role;

pub use crate::domain::category::Category;

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
    /// Confirm a role that reads cases, granted by the person who set the account's password.
    RoleConfirm,
    /// Take a new case in.
    CaseCreate,
    /// Read a case's content.
    CaseView,
    /// Change the part of a case that holds this category (identity, incidents, legal facts,
    /// the summary: profile, migrant facts, risk, stages, the agency's own notes; documents).
    CaseEdit(Category),
    /// Close or reopen a case: the owner's act.
    CaseClose,
    /// Give the owner's case to one of its caseworkers: a supervisor of the owning agency.
    CaseAssign,
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
    /// Read a handoff (its sender's or receiver's users whose role reads cases).
    HandoffView,
    /// Read a case's timeline.
    TimelineView,
    /// Read who accessed a case.
    AccessLogView,
    /// Search the audit trail.
    AuditSearch,
    /// Read statistics.
    StatsView,
    /// Watch the agency's open cases, clocks and escalations (the supervision page).
    Supervise,
}

impl Action {
    /// Every action, for the matrix (role assignment shown once, as "assign roles").
    pub const MATRIX: [Action; 23] = [
        Action::AgencyList,
        Action::AgencyManage,
        Action::UserList,
        Action::UserManage,
        Action::RoleAssign(Role::Caseworker),
        Action::RoleConfirm,
        Action::CaseCreate,
        Action::CaseView,
        Action::CaseEdit(Category::Summary),
        Action::CaseClose,
        Action::CaseAssign,
        Action::IdentityReveal,
        Action::DocumentRead,
        Action::ConsentRecord,
        Action::ConsentOverride,
        Action::HandoffSend,
        Action::HandoffDecide,
        Action::HandoffView,
        Action::TimelineView,
        Action::AccessLogView,
        Action::AuditSearch,
        Action::StatsView,
        Action::Supervise,
    ];

    /// Name in the matrix and in logs.
    pub fn name(self) -> &'static str {
        match self {
            Action::AgencyList => "agency.list",
            Action::AgencyManage => "agency.manage",
            Action::UserList => "user.list",
            Action::UserManage => "user.manage",
            Action::RoleAssign(_) => "role.assign",
            Action::RoleConfirm => "role.confirm",
            Action::CaseCreate => "case.create",
            Action::CaseView => "case.view",
            Action::CaseEdit(_) => "case.edit",
            Action::CaseClose => "case.close",
            Action::CaseAssign => "case.assign",
            Action::IdentityReveal => "identity.reveal",
            Action::DocumentRead => "document.read",
            Action::ConsentRecord => "consent.record",
            Action::ConsentOverride => "consent.override",
            Action::HandoffSend => "handoff.send",
            Action::HandoffDecide => "handoff.decide",
            Action::HandoffView => "handoff.view",
            Action::TimelineView => "timeline.view",
            Action::AccessLogView => "access_log.view",
            Action::AuditSearch => "audit.search",
            Action::StatsView => "stats.view",
            Action::Supervise => "supervise",
        }
    }

    /// What a case action needs the actor's agency to hold.
    fn need(self) -> Option<Need> {
        match self {
            Action::CaseView | Action::TimelineView | Action::AccessLogView => {
                Some(Need::Read(Category::Summary))
            }
            Action::IdentityReveal => Some(Need::Read(Category::Identity)),
            Action::DocumentRead => Some(Need::Read(Category::Documents)),
            Action::CaseEdit(category) => Some(Need::Act(category)),
            Action::CaseClose | Action::CaseAssign | Action::ConsentRecord => Some(Need::Own),
            Action::HandoffSend => Some(Need::PassOn),
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
        A::RoleConfirm => matches!(role, R::Sysadmin | R::AgencyAdmin | R::Supervisor),
        A::CaseCreate | A::ConsentRecord | A::CaseClose => {
            matches!(role, R::Caseworker | R::Supervisor)
        }
        A::CaseView | A::DocumentRead | A::HandoffDecide | A::HandoffView => {
            matches!(
                role,
                R::Caseworker | R::Supervisor | R::Investigator | R::Prosecutor | R::CourtClerk
            )
        }
        A::CaseEdit(_) | A::IdentityReveal | A::HandoffSend => {
            matches!(
                role,
                R::Caseworker | R::Supervisor | R::Investigator | R::Prosecutor
            )
        }
        A::ConsentOverride | A::CaseAssign => role == R::Supervisor,
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
        A::Supervise => role == R::Supervisor,
    }
}

/// What must be held for a case action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Need {
    /// The category, through any grant (a pending receiver reads the summary).
    Read(Category),
    /// The category, through ownership or an accepted handoff.
    Act(Category),
    /// Ownership.
    Own,
    /// Ownership or an accepted handoff: what may be sent on.
    PassOn,
}

/// What a case looks like to the policy: its province and who holds what of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseScope {
    /// Case id.
    pub case_id: i64,
    /// Province of the case.
    pub province: String,
    /// Owning agency (holds every category).
    pub owner_agency_id: i64,
    /// Every agency's holding ([`crate::domain::holding`]).
    pub holdings: CaseHoldings,
}

impl CaseScope {
    /// What `agency_id` holds, if anything.
    pub fn holding_of(&self, agency_id: i64) -> Option<&Holding> {
        self.holdings.of(agency_id)
    }

    /// The categories `agency_id` may read, if it holds anything.
    pub fn categories_of(&self, agency_id: i64) -> Option<BTreeSet<Category>> {
        self.holding_of(agency_id).map(Holding::categories)
    }
}

/// A handoff as the policy sees it: its two agencies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HandoffScope {
    /// Sending agency.
    pub from_agency_id: i64,
    /// Receiving agency.
    pub to_agency_id: i64,
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
    /// A consent decision for a purpose on a case.
    CaseConsent(&'a CaseScope, &'a str),
    /// A handoff.
    Handoff(HandoffScope),
    /// One document of a case.
    Document(&'a CaseScope, &'a DocumentScope),
}

/// A document as the policy sees it: who uploaded it and which handoffs carry it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentScope {
    /// The agency that uploaded it.
    pub agency_id: i64,
    /// The handoffs it is attached to.
    pub attached_to: Vec<i64>,
}

/// Why an action is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Denial {
    /// The actor may not know the resource exists: answered as 404.
    #[error("not visible")]
    Hidden,
    /// The actor sees the resource but its role may not do this: answered as 403.
    #[error("not permitted")]
    Forbidden,
    /// The actor's agency sees the case but does not hold what the action touches (403
    /// `access.not_held`).
    #[error("not held")]
    NotHeld,
    /// The actor's agency has only a pending handoff of the case: it may read the summary to
    /// decide, and must accept before acting (403 `access.pending`).
    #[error("handoff not accepted yet")]
    Pending,
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
                (true, true)
                    if actor.has(Role::AgencyAdmin)
                        || matches!(action, Action::AgencyList | Action::RoleConfirm) =>
                {
                    Ok(())
                }
                (true, _) => Err(Denial::Forbidden),
                (false, _) => Err(Denial::Hidden),
            }
        }
        Resource::Case(scope) => case(actor, action, scope, permitted, None),
        Resource::CaseConsent(scope, purpose) => {
            case(actor, action, scope, permitted, Some(purpose))
        }
        Resource::Handoff(scope) => handoff(actor, action, &scope, permitted),
        Resource::Document(scope, document) => {
            case(actor, Action::CaseView, scope, permitted, None)?;
            document_readable(actor, scope, document)
                .then_some(())
                .ok_or(Denial::Hidden)
        }
    }
}

/// Whether the actor's agency reads one document of a case it sees: the owner reads every
/// document; another party reads those it uploaded itself and those attached to a handoff that
/// gives it something now (pending or accepted, its access not ended). Documents travel by
/// attachment: holding the `documents` category lets a party upload and attach, not read the
/// whole file of the case.
fn document_readable(actor: &Actor, scope: &CaseScope, document: &DocumentScope) -> bool {
    let Some(holding) = scope.holding_of(actor.agency_id) else {
        return false;
    };
    holding.is_owner()
        || document.agency_id == actor.agency_id
        || holding.grants.iter().any(|g| match g.basis {
            Basis::Pending(h) | Basis::Received(h) => document.attached_to.contains(&h),
            Basis::Owner | Basis::Retained(_) => false,
        })
}

/// Whether a role reads anything of cases (content, timelines or access logs): such a role is
/// granted only by someone who does not control the account (separation of duties).
pub fn reads_cases(role: Role) -> bool {
    role_permits(role, Action::CaseView) || role_permits(role, Action::TimelineView)
}

/// Whether the actor's roles read case content at all; those that do not (administrators,
/// auditors outside their audit reads) do not learn that a case or handoff exists.
fn reads_content(actor: &Actor) -> bool {
    actor
        .roles
        .iter()
        .any(|r| role_permits(*r, Action::CaseView))
}

fn case(
    actor: &Actor,
    action: Action,
    scope: &CaseScope,
    permitted: bool,
    consent_purpose: Option<&str>,
) -> Result<(), Denial> {
    let Some(holding) = scope
        .holding_of(actor.agency_id)
        .filter(|h| h.categories().contains(&Category::Summary))
    else {
        let auditor_in_scope = actor.has(Role::Auditor)
            && action.is_audit_read()
            && actor.province.as_ref().is_none_or(|p| *p == scope.province);
        return auditor_in_scope.then_some(()).ok_or(Denial::Hidden);
    };
    if !permitted {
        return Err(if reads_content(actor) {
            Denial::Forbidden
        } else {
            Denial::Hidden
        });
    }
    let refused = || {
        if holding.is_pending_only() {
            Denial::Pending
        } else {
            Denial::NotHeld
        }
    };
    match action.need() {
        None => Ok(()),
        Some(Need::Read(category)) => holding
            .categories()
            .contains(&category)
            .then_some(())
            .ok_or(Denial::Hidden),
        Some(Need::Act(category)) => holding
            .active()
            .contains(&category)
            .then_some(())
            .ok_or_else(refused),
        Some(Need::Own) => {
            let allowed = match consent_purpose {
                Some(purpose) => holding.may_record_consent(purpose),
                None => holding.is_owner(),
            };
            allowed.then_some(()).ok_or_else(refused)
        }
        Some(Need::PassOn) => holding.can_pass_on().then_some(()).ok_or_else(refused),
    }
}

fn handoff(
    actor: &Actor,
    action: Action,
    scope: &HandoffScope,
    permitted: bool,
) -> Result<(), Denial> {
    let (sender, receiver) = (
        scope.from_agency_id == actor.agency_id,
        scope.to_agency_id == actor.agency_id,
    );
    if !(sender || receiver) || !reads_content(actor) {
        return Err(Denial::Hidden);
    }
    let side = match action {
        Action::HandoffView => true,
        Action::HandoffDecide => receiver,
        Action::HandoffSend => sender,
        _ => false,
    };
    (permitted && side).then_some(()).ok_or(Denial::Forbidden)
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
                Action::UserList | Action::UserManage | Action::RoleConfirm
                    if matches!(*role, Role::AgencyAdmin | Role::Supervisor)
                        && role_permits(*role, action) =>
                {
                    "own agency"
                }
                _ if role_permits(*role, action) => "yes",
                _ => "",
            };
            out.push_str(&format!(" {mark} |"));
        }
        out.push('\n');
    }
    out
}

/// Where each role may be held and who grants it, as a Markdown table (docs/ACCESS.md).
pub fn roles_markdown() -> String {
    use crate::domain::user::{RoleRequirement, role_requirement};
    let mut out = String::from(
        "| role | held in | granted by | reads cases: confirmed by someone else when granted by the person who set the account's password |\n|---|---|---|:-:|\n",
    );
    for role in Role::ALL {
        let held = match role_requirement(*role) {
            Some(RoleRequirement::Kind(kind)) => format!("agencies of kind `{kind}`"),
            Some(RoleRequirement::Audits) => {
                "agencies designated to audit (`audits = true`)".to_owned()
            }
            None => "any agency".to_owned(),
        };
        let granted_by: Vec<&str> = Role::ALL
            .iter()
            .filter(|granter| role_permits(**granter, Action::RoleAssign(*role)))
            .map(|granter| granter.as_str())
            .collect();
        out.push_str(&format!(
            "| `{}` | {held} | {} | {} |\n",
            role.as_str(),
            granted_by.join(", "),
            if reads_cases(*role) { "yes" } else { "" }
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agreements::HandoffKind;
    use crate::domain::handoff::HandoffStatus;
    use crate::domain::holding::HandoffFacts;

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

    fn handoff(id: i64, to: i64, status: HandoffStatus, shares: &[Category]) -> HandoffFacts {
        HandoffFacts {
            id,
            kind: HandoffKind::Referral,
            status,
            from_agency_id: 1,
            to_agency_id: to,
            owner_agency_id: 1,
            shares: shares.iter().copied().collect(),
            consent_purpose: None,
            overridden: false,
            receiver_records_consent: BTreeSet::new(),
            access_ended: false,
            created_at: chrono::NaiveDateTime::default(),
            decided_at: None,
        }
    }

    /// Owned by agency 1; agency 2 accepted a referral sharing summary and incident; agency 6
    /// has a pending referral sharing the same.
    fn case(owner: i64) -> CaseScope {
        let handoffs = [
            handoff(
                1,
                2,
                HandoffStatus::Accepted,
                &[Category::Summary, Category::Incident],
            ),
            handoff(
                2,
                6,
                HandoffStatus::Pending,
                &[Category::Summary, Category::Incident],
            ),
        ];
        CaseScope {
            case_id: 9,
            province: "33".into(),
            owner_agency_id: owner,
            holdings: CaseHoldings::compute(owner, None, &handoffs, &[]),
        }
    }

    /// Every role × every case action, for the owner, a party holding only summary and
    /// incident, a pending receiver, an outsider in the same province and one elsewhere.
    #[test]
    fn case_matrix() {
        let scope = case(1);
        for role in Role::ALL {
            for action in Action::MATRIX {
                let at = |agency: i64, province: &str| {
                    can(
                        &actor(agency, Some(province), &[*role]),
                        action,
                        Resource::Case(&scope),
                    )
                };
                let (owner, party, pending, outsider, elsewhere) = (
                    at(1, "33"),
                    at(2, "33"),
                    at(6, "33"),
                    at(3, "33"),
                    at(4, "52"),
                );
                let permits = role_permits(*role, action);
                let content_role = role_permits(*role, Action::CaseView);

                let expected_owner = match (permits, content_role) {
                    (true, _) => Ok(()),
                    (false, true) => Err(Denial::Forbidden),
                    (false, false) => Err(Denial::Hidden),
                };
                assert_eq!(owner, expected_owner, "owner {role} {}", action.name());

                let expected_party = match action {
                    Action::IdentityReveal | Action::DocumentRead if permits => Err(Denial::Hidden),
                    Action::CaseClose | Action::CaseAssign | Action::ConsentRecord if permits => {
                        Err(Denial::NotHeld)
                    }
                    _ => expected_owner,
                };
                assert_eq!(party, expected_party, "party {role} {}", action.name());

                let expected_pending = match action {
                    Action::IdentityReveal | Action::DocumentRead if permits => Err(Denial::Hidden),
                    Action::CaseClose
                    | Action::CaseAssign
                    | Action::ConsentRecord
                    | Action::CaseEdit(_)
                    | Action::HandoffSend
                        if permits =>
                    {
                        Err(Denial::Pending)
                    }
                    _ => expected_owner,
                };
                assert_eq!(
                    pending,
                    expected_pending,
                    "pending {role} {}",
                    action.name()
                );

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
    fn writes_need_the_category_they_touch() {
        let scope = case(1);
        let police = actor(2, Some("33"), &[Role::Investigator]);
        let edit = |category| can(&police, Action::CaseEdit(category), Resource::Case(&scope));
        assert_eq!(edit(Category::Incident), Ok(()));
        assert_eq!(edit(Category::Summary), Ok(()));
        assert_eq!(edit(Category::Identity), Err(Denial::NotHeld));
        assert_eq!(edit(Category::Legal), Err(Denial::NotHeld));
        let pending = actor(6, Some("33"), &[Role::Investigator]);
        assert_eq!(
            can(
                &pending,
                Action::CaseEdit(Category::Incident),
                Resource::Case(&scope)
            ),
            Err(Denial::Pending),
            "a pending receiver holds the incident only once it accepts"
        );
    }

    #[test]
    fn handoffs_are_read_by_their_two_agencies_roles_that_read_cases() {
        let scope = HandoffScope {
            from_agency_id: 1,
            to_agency_id: 2,
        };
        let on = |agency, role, action| {
            can(
                &actor(agency, Some("33"), &[role]),
                action,
                Resource::Handoff(scope),
            )
        };
        assert_eq!(on(1, Role::Caseworker, Action::HandoffView), Ok(()));
        assert_eq!(on(2, Role::Investigator, Action::HandoffView), Ok(()));
        assert_eq!(
            on(2, Role::AgencyAdmin, Action::HandoffView),
            Err(Denial::Hidden)
        );
        assert_eq!(
            on(2, Role::Auditor, Action::HandoffView),
            Err(Denial::Hidden)
        );
        assert_eq!(
            on(3, Role::Caseworker, Action::HandoffView),
            Err(Denial::Hidden)
        );
        assert_eq!(on(2, Role::Investigator, Action::HandoffDecide), Ok(()));
        assert_eq!(
            on(1, Role::Caseworker, Action::HandoffDecide),
            Err(Denial::Forbidden)
        );
        assert_eq!(
            on(1, Role::Caseworker, Action::HandoffSend),
            Ok(()),
            "the sender withdraws"
        );
        assert_eq!(
            on(2, Role::Investigator, Action::HandoffSend),
            Err(Denial::Forbidden)
        );
        assert_eq!(on(2, Role::CourtClerk, Action::HandoffDecide), Ok(()));
    }

    #[test]
    fn administrators_never_see_case_content() {
        let scope = case(1);
        for role in [Role::Sysadmin, Role::AgencyAdmin] {
            for action in [
                Action::CaseView,
                Action::IdentityReveal,
                Action::TimelineView,
                Action::CaseEdit(Category::Identity),
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
        assert!(
            doc.contains(&roles_markdown()),
            "docs/ACCESS.md is out of date; paste this table:\n{}",
            roles_markdown()
        );
    }

    /// Documents travel by attachment: the owner reads all; the accepted (2) and the pending (6)
    /// receivers read what is attached to their own handoff and what they uploaded; nobody
    /// else reads anything, and an outsider learns nothing.
    #[test]
    fn a_party_reads_the_documents_attached_to_its_handoff_and_its_own() {
        let scope = case(1);
        let read = |agency: i64, uploader: i64, attached: &[i64]| {
            let document = DocumentScope {
                agency_id: uploader,
                attached_to: attached.to_vec(),
            };
            can(
                &actor(agency, Some("33"), &[Role::Caseworker]),
                Action::DocumentRead,
                Resource::Document(&scope, &document),
            )
        };
        assert_eq!(read(1, 1, &[]), Ok(()), "the owner reads every document");
        assert_eq!(read(2, 1, &[1]), Ok(()), "attached to its accepted handoff");
        assert_eq!(
            read(2, 1, &[2]),
            Err(Denial::Hidden),
            "attached to another's"
        );
        assert_eq!(read(2, 1, &[]), Err(Denial::Hidden), "not attached");
        assert_eq!(read(2, 2, &[]), Ok(()), "its own upload");
        assert_eq!(
            read(6, 1, &[2]),
            Ok(()),
            "pending: the attachments, to decide"
        );
        assert_eq!(read(6, 1, &[1]), Err(Denial::Hidden));
        assert_eq!(read(3, 1, &[1, 2]), Err(Denial::Hidden), "an outsider");
    }
}
