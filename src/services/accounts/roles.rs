//! Who may grant, take away and confirm which roles, and how a role granted now is stored (in
//! force at once, or waiting for someone else's confirmation).

use diesel::Connection;
use serde_json::json;

use super::allow;
use super::users::{UserView, view};
use crate::audit::{self, AuditAction, Ctx, Event};
use crate::authz::{self, Action, Resource};
use crate::db::{DbConnection, agencies, users};
use crate::domain::Invalid;
use crate::domain::agency::AgencyKind;
use crate::domain::user::{Role, role_fits};
use crate::error::AppError;
use crate::error::ErrorCode;

/// Each role may be granted (or taken away) by the actor at the agency.
pub(super) fn check_role_grants(ctx: &Ctx, agency_id: i64, roles: &[Role]) -> Result<(), AppError> {
    for role in roles {
        allow(ctx, Action::RoleAssign(*role), Resource::Agency(agency_id))?;
    }
    Ok(())
}

/// Each role fits the agency: investigators at the police, prosecutors at prosecutors' offices,
/// court clerks at courts, auditors at agencies designated to audit.
pub(super) fn check_role_fit(agency: &agencies::AgencyRow, roles: &[Role]) -> Vec<Invalid> {
    let Ok(kind) = AgencyKind::parse(&agency.kind) else {
        return vec![Invalid::new("agency", "has an unknown kind")];
    };
    roles
        .iter()
        .filter_map(|role| role_fits(*role, kind, agency.audits).err())
        .collect()
}

/// Whether a user's id may be answered at all: to a caller whose roles administer no users, a
/// user that exists is as unknown as one that does not (404 for both).
pub(super) fn user_visible(
    ctx: &Ctx,
    action: Action,
    user: &users::UserRow,
) -> Result<(), AppError> {
    match &ctx.actor {
        None => Ok(()),
        Some(actor) if !actor.roles.iter().any(|r| authz::role_permits(*r, action)) => {
            Err(AppError::NotFound)
        }
        Some(actor) => Ok(authz::can(actor, action, Resource::Agency(user.agency_id))?),
    }
}

/// Another user's account is managed only by someone who could grant every role it holds (in
/// force or waiting): an agency administrator does not change, reset or disable a system
/// administrator.
pub(super) fn may_manage(
    conn: &mut DbConnection,
    ctx: &Ctx,
    user: &users::UserRow,
) -> Result<(), AppError> {
    user_visible(ctx, Action::UserManage, user)?;
    let held: Vec<Role> = users::grants(conn, user.id)?
        .iter()
        .filter_map(|g| Role::parse(&g.role).ok())
        .collect();
    check_role_grants(ctx, user.agency_id, &held)
}

/// How a role granted now is stored: by whom, and whether it is in force at once. A role that
/// reads cases waits for someone else's confirmation when the granter set the account's password
/// (it could sign in as that user).
pub(super) fn grant(ctx: &Ctx, role: Role, password_set_by: Option<i64>) -> users::RoleGrant {
    let granter = ctx.actor.as_ref().map(|a| a.user_id);
    users::RoleGrant {
        role: role.as_str().to_owned(),
        granted_by: granter,
        confirmed: !(authz::reads_cases(role) && granter.is_some() && granter == password_set_by),
    }
}

/// The granting actor's username for the record (`operator` for the command line).
pub(super) fn granter_name(ctx: &Ctx) -> String {
    ctx.actor
        .as_ref()
        .map_or_else(|| "operator".to_owned(), |a| a.username.clone())
}

/// The roles of `grants` that wait for confirmation.
pub(super) fn pending_names(grants: &[users::RoleGrant]) -> Vec<String> {
    grants
        .iter()
        .filter(|g| !g.confirmed)
        .map(|g| g.role.clone())
        .collect()
}

/// Confirms the roles of a user that wait for confirmation. The confirmer is someone else: not
/// the user, not the person who set the user's password; a supervisor of the user's agency, or an
/// administrator who could grant the roles.
pub fn confirm_roles(conn: &mut DbConnection, ctx: &Ctx, id: i64) -> Result<UserView, AppError> {
    let actor = crate::services::actor(ctx)?.clone();
    let user = users::by_id(conn, id)?.ok_or(AppError::NotFound)?;
    user_visible(ctx, Action::RoleConfirm, &user)?;
    if actor.user_id == id || user.password_set_by == Some(actor.user_id) {
        return Err(AppError::AccessRefused {
            code: ErrorCode::RoleSeparationOfDuties,
        });
    }
    let pending: Vec<Role> = users::grants(conn, id)?
        .iter()
        .filter(|g| !g.confirmed)
        .filter_map(|g| Role::parse(&g.role).ok())
        .collect();
    if !actor.has(Role::Supervisor) || actor.agency_id != user.agency_id {
        check_role_grants(ctx, user.agency_id, &pending)?;
    }
    conn.transaction(|conn| {
        let names: Vec<&str> = pending.iter().map(|r| r.as_str()).collect();
        users::set_confirmed(conn, id, &names, true)?;
        if !names.is_empty() {
            audit::record(
                conn,
                ctx,
                Event::new(AuditAction::RolesConfirmed)
                    .subject("user", id)
                    .details(json!({"username": user.username, "roles": names})),
            )?;
        }
        let user = users::by_id(conn, id)?.ok_or(AppError::NotFound)?;
        view(conn, user)
    })
}
