//! Administration of agencies and users. System administrators manage agencies and every
//! user; agency administrators manage their own agency's users. Neither reads case content.

use diesel::Connection;
use serde_json::json;

use crate::audit::{self, AuditAction, Ctx, Event};
use crate::auth::password::PasswordHasher;
use crate::authz::{self, Action, Resource};
use crate::db::{DbConnection, agencies, sessions, users};
use crate::domain::Invalid;
use crate::domain::agency::AgencyKind;
use crate::domain::agency::{AgencyInput, NewAgency};
use crate::domain::password_policy;
use crate::domain::user::{
    EmailAddress, Language, Role, Username, parse_display_name, parse_roles, role_fits,
};
use crate::error::AppError;

/// Checks `action` for the actor, or allows it for the command line (no actor).
fn allow(ctx: &Ctx, action: Action, resource: Resource<'_>) -> Result<(), AppError> {
    match &ctx.actor {
        Some(actor) => authz::can(actor, action, resource).map_err(AppError::from),
        None => Ok(()),
    }
}

/// Creates an agency; an unknown parent, a duplicate code or an invalid field is refused.
pub fn create_agency(
    conn: &mut DbConnection,
    ctx: &Ctx,
    input: AgencyInput,
) -> Result<agencies::AgencyRow, AppError> {
    allow(ctx, Action::AgencyManage, Resource::System)?;
    let agency = NewAgency::parse(input)?;
    conn.transaction(|conn| {
        if agencies::by_code(conn, agency.code.as_str())?.is_some() {
            return Err(AppError::Conflict {
                code: "conflict.duplicate",
                detail: format!(
                    "An agency with code {} exists already.",
                    agency.code.as_str()
                ),
            });
        }
        let parent_id = match &agency.parent {
            Some(code) => Some(
                agencies::by_code(conn, code.as_str())?
                    .ok_or_else(|| {
                        Invalid::new("parent", format!("unknown agency {}", code.as_str()))
                    })?
                    .id,
            ),
            None => None,
        };
        let id = agencies::insert(conn, &agency, parent_id, ctx.now)?;
        audit::record(
            conn,
            ctx,
            Event::new(AuditAction::AgencyCreated)
                .subject("agency", id)
                .details(json!({"code": agency.code.as_str(), "kind": agency.kind.as_str(), "audits": agency.audits})),
        )?;
        agencies::by_id(conn, id)?.ok_or(AppError::NotFound)
    })
}

/// Changes to an agency (system administrators).
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgencyPatch {
    /// Designate the agency to audit (its users may hold the `auditor` role), or not. Taking the
    /// designation away is refused while a user of the agency holds the role.
    #[serde(default)]
    pub audits: Option<bool>,
}

/// Changes an agency; only system administrators.
pub fn update_agency(
    conn: &mut DbConnection,
    ctx: &Ctx,
    code: &str,
    patch: AgencyPatch,
) -> Result<agencies::AgencyRow, AppError> {
    allow(ctx, Action::AgencyManage, Resource::System)?;
    let agency = agencies::by_code(conn, code.trim())?.ok_or(AppError::NotFound)?;
    let Some(audits) = patch.audits else {
        return Ok(agency);
    };
    conn.transaction(|conn| {
        if !audits && users::holders_of(conn, agency.id, Role::Auditor.as_str())? > 0 {
            return Err(AppError::Conflict {
                code: "agency.auditors_remain",
                detail: format!(
                    "Users of {} hold the auditor role; take it away before ending the designation.",
                    agency.code
                ),
            });
        }
        agencies::set_audits(conn, agency.id, audits, ctx.now)?;
        audit::record(
            conn,
            ctx,
            Event::new(AuditAction::AgencyUpdated)
                .subject("agency", agency.id)
                .details(json!({"code": agency.code, "audits": audits})),
        )?;
        agencies::by_id(conn, agency.id)?.ok_or(AppError::NotFound)
    })
}

/// Lists agencies (every authenticated user may: the refer dialog needs them).
pub fn list_agencies(
    conn: &mut DbConnection,
    ctx: &Ctx,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<agencies::AgencyRow>, AppError> {
    allow(ctx, Action::AgencyList, Resource::System)?;
    Ok(agencies::list(conn, after, limit)?)
}

/// Raw fields of a new user.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserInput {
    /// Login name.
    pub username: String,
    /// Name shown to others; defaults to the username.
    #[serde(default)]
    pub display_name: Option<String>,
    /// E-mail.
    #[serde(default)]
    pub email: Option<String>,
    /// Agency code.
    pub agency: String,
    /// Roles.
    pub roles: Vec<String>,
    /// `id` (default) or `en`.
    #[serde(default)]
    pub language: Option<String>,
    /// Initial password (checked against the password policy).
    #[schema(value_type = String, format = Password)]
    pub password: String,
}

/// A user with their agency code and roles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserView {
    /// The row.
    pub user: users::UserRow,
    /// Agency code.
    pub agency_code: String,
    /// Roles in force.
    pub roles: Vec<String>,
    /// Roles that read cases, granted by the person who set the account's password, waiting for
    /// someone else's confirmation.
    pub pending_roles: Vec<String>,
}

fn view(conn: &mut DbConnection, user: users::UserRow) -> Result<UserView, AppError> {
    let (confirmed, pending): (Vec<users::RoleGrant>, Vec<users::RoleGrant>) =
        users::grants(conn, user.id)?
            .into_iter()
            .partition(|g| g.confirmed);
    let (agency_code, ..) = users::agency_of(conn, user.agency_id)?;
    Ok(UserView {
        user,
        agency_code,
        roles: confirmed.into_iter().map(|g| g.role).collect(),
        pending_roles: pending.into_iter().map(|g| g.role).collect(),
    })
}

fn check_role_grants(ctx: &Ctx, agency_id: i64, roles: &[Role]) -> Result<(), AppError> {
    for role in roles {
        allow(ctx, Action::RoleAssign(*role), Resource::Agency(agency_id))?;
    }
    Ok(())
}

/// Each role fits the agency: investigators at the police, prosecutors at prosecutors' offices,
/// court clerks at courts, auditors at agencies designated to audit.
fn check_role_fit(agency: &agencies::AgencyRow, roles: &[Role]) -> Vec<Invalid> {
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
fn user_visible(ctx: &Ctx, action: Action, user: &users::UserRow) -> Result<(), AppError> {
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
fn may_manage(conn: &mut DbConnection, ctx: &Ctx, user: &users::UserRow) -> Result<(), AppError> {
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
fn grant(ctx: &Ctx, role: Role, password_set_by: Option<i64>) -> users::RoleGrant {
    let granter = ctx.actor.as_ref().map(|a| a.user_id);
    users::RoleGrant {
        role: role.as_str().to_owned(),
        granted_by: granter,
        confirmed: !(authz::reads_cases(role) && granter.is_some() && granter == password_set_by),
    }
}

/// Creates a user (hashing the password on the calling thread: call from the blocking pool).
pub fn create_user(
    conn: &mut DbConnection,
    ctx: &Ctx,
    hasher: &PasswordHasher,
    input: UserInput,
) -> Result<UserView, AppError> {
    let mut problems = Vec::new();
    let username = Username::parse(&input.username)
        .map_err(|e| problems.push(e))
        .ok();
    let display_name = match input.display_name.as_deref() {
        Some(name) => parse_display_name(name).map_err(|e| problems.push(e)).ok(),
        None => username.as_ref().map(|u| u.as_str().to_owned()),
    };
    let email = match input.email.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => EmailAddress::parse(text).map_err(|e| problems.push(e)).ok(),
    };
    let roles = parse_roles(&input.roles).map_err(|e| problems.push(e)).ok();
    let language = match input.language.as_deref() {
        None => Some(Language::Id),
        Some(text) => Language::parse(text.trim())
            .map_err(|e| problems.push(e))
            .ok(),
    };
    let agency = agencies::by_code(conn, input.agency.trim())?;
    match (&agency, &roles) {
        (None, _) => problems.push(Invalid::new(
            "agency",
            format!("unknown agency {:?}", input.agency.trim()),
        )),
        (Some(agency), Some(roles)) => problems.extend(check_role_fit(agency, roles)),
        (Some(_), None) => {}
    }
    if let (Some(username), Some(agency)) = (&username, &agency)
        && let Err(problem) = password_policy::check(
            &input.password,
            username.as_str(),
            &[
                display_name.as_deref().unwrap_or_default(),
                &agency.code,
                email.as_ref().map(EmailAddress::as_str).unwrap_or_default(),
            ],
        )
    {
        problems.push(problem);
    }
    let (Some(username), Some(display_name), Some(roles), Some(language), Some(agency), true) = (
        username,
        display_name,
        roles,
        language,
        agency,
        problems.is_empty(),
    ) else {
        // Someone who may not manage users at all learns nothing about the input: 403 first.
        if let Some(actor) = &ctx.actor
            && !actor
                .roles
                .iter()
                .any(|r| authz::role_permits(*r, Action::UserManage))
        {
            return Err(AppError::Forbidden);
        }
        return Err(AppError::from(problems));
    };
    allow(ctx, Action::UserManage, Resource::Agency(agency.id))?;
    check_role_grants(ctx, agency.id, &roles)?;
    let hash = hasher
        .hash(&input.password)
        .map_err(|e| AppError::Internal(anyhow::anyhow!(e)))?;
    let set_by = ctx.actor.as_ref().map(|a| a.user_id);
    let grants: Vec<users::RoleGrant> = roles.iter().map(|r| grant(ctx, *r, set_by)).collect();
    conn.transaction(|conn| {
        if users::by_username(conn, username.as_str())?.is_some() {
            return Err(AppError::Conflict {
                code: "conflict.duplicate",
                detail: format!("The username {} is taken.", username.as_str()),
            });
        }
        let role_names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
        let id = users::insert(
            conn,
            &users::NewUserRow {
                username: username.as_str(),
                display_name: &display_name,
                email: email.as_ref().map(EmailAddress::as_str),
                agency_id: agency.id,
                language: language.as_str(),
                active: true,
                password_hash: &hash,
                password_changed_at: ctx.now,
                created_at: ctx.now,
                updated_at: ctx.now,
                password_set_by: set_by,
            },
            &grants,
        )?;
        audit::record(
            conn,
            ctx,
            Event::new(AuditAction::UserCreated)
                .subject("user", id)
                .details(json!({
                    "username": username.as_str(),
                    "agency": agency.code,
                    "roles": role_names,
                    "granted_by": granter_name(ctx),
                    "pending_confirmation": pending_names(&grants),
                })),
        )?;
        let user = users::by_id(conn, id)?.ok_or(AppError::NotFound)?;
        view(conn, user)
    })
}

/// Lists users: a system administrator sees all (or one agency's), an agency administrator
/// only their own agency's.
pub fn list_users(
    conn: &mut DbConnection,
    ctx: &Ctx,
    agency_code: Option<&str>,
    after: Option<i64>,
    limit: i64,
) -> Result<Vec<UserView>, AppError> {
    let actor = super::actor(ctx)?;
    let agency_id = match agency_code {
        Some(code) => Some(agencies::by_code(conn, code)?.ok_or(AppError::NotFound)?.id),
        None if actor.has(Role::Sysadmin) => None,
        None => Some(actor.agency_id),
    };
    authz::can(
        actor,
        Action::UserList,
        Resource::Agency(agency_id.unwrap_or(actor.agency_id)),
    )?;
    if agency_id.is_none() {
        authz::can(actor, Action::UserList, Resource::System)?;
    }
    users::list(conn, agency_id, after, limit)?
        .into_iter()
        .map(|u| view(conn, u))
        .collect()
}

/// One user, if the actor may administer their agency.
pub fn get_user(conn: &mut DbConnection, ctx: &Ctx, id: i64) -> Result<UserView, AppError> {
    super::actor(ctx)?;
    let user = users::by_id(conn, id)?.ok_or(AppError::NotFound)?;
    user_visible(ctx, Action::UserList, &user)?;
    view(conn, user)
}

/// Changes to a user; absent fields stay as they are.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    /// New display name.
    #[serde(default)]
    pub display_name: Option<String>,
    /// New e-mail (empty string removes it).
    #[serde(default)]
    pub email: Option<String>,
    /// New language.
    #[serde(default)]
    pub language: Option<String>,
    /// Enable or disable; disabling ends every session at once.
    #[serde(default)]
    pub active: Option<bool>,
    /// New set of roles.
    #[serde(default)]
    pub roles: Option<Vec<String>>,
}

/// Applies a patch to a user.
pub fn update_user(
    conn: &mut DbConnection,
    ctx: &Ctx,
    id: i64,
    patch: UserPatch,
) -> Result<UserView, AppError> {
    let actor = super::actor(ctx)?.clone();
    let user = users::by_id(conn, id)?.ok_or(AppError::NotFound)?;
    may_manage(conn, ctx, &user)?;
    if actor.user_id == id && patch.roles.is_some() {
        return Err(AppError::AccessRefused {
            code: crate::error::ROLE_SEPARATION,
        });
    }
    let mut problems = Vec::new();
    let display_name = patch
        .display_name
        .as_deref()
        .and_then(|n| parse_display_name(n).map_err(|e| problems.push(e)).ok());
    let email = match patch.email.as_deref().map(str::trim) {
        None => None,
        Some("") => Some(None),
        Some(text) => EmailAddress::parse(text)
            .map_err(|e| problems.push(e))
            .ok()
            .map(Some),
    };
    let language = patch
        .language
        .as_deref()
        .and_then(|l| Language::parse(l.trim()).map_err(|e| problems.push(e)).ok());
    let roles = patch
        .roles
        .as_ref()
        .and_then(|r| parse_roles(r).map_err(|e| problems.push(e)).ok());
    let agency = agencies::by_id(conn, user.agency_id)?.ok_or(AppError::NotFound)?;
    if let Some(roles) = &roles {
        problems.extend(check_role_fit(&agency, roles));
    }
    if !problems.is_empty() {
        return Err(AppError::from(problems));
    }
    let current: Vec<Role> = users::grants(conn, id)?
        .iter()
        .filter_map(|g| Role::parse(&g.role).ok())
        .collect();
    let mut granted: Vec<Role> = Vec::new();
    let mut removed: Vec<Role> = Vec::new();
    if let Some(roles) = &roles {
        check_role_grants(ctx, user.agency_id, roles)?;
        granted = roles
            .iter()
            .filter(|r| !current.contains(r))
            .copied()
            .collect();
        // Taking a role away needs the same right as giving it.
        removed = current
            .iter()
            .filter(|r| !roles.contains(r))
            .copied()
            .collect();
        check_role_grants(ctx, user.agency_id, &removed)?;
    }
    let grants: Option<Vec<users::RoleGrant>> = roles.as_ref().map(|roles| {
        roles
            .iter()
            .map(|r| grant(ctx, *r, user.password_set_by))
            .collect()
    });
    if actor.user_id == id && patch.active == Some(false) {
        return Err(Invalid::new("active", "you cannot disable your own account").into());
    }
    conn.transaction(|conn| {
        let email_ref = email.as_ref().map(|e| e.as_ref().map(EmailAddress::as_str));
        users::update_profile(
            conn,
            id,
            display_name.as_deref(),
            email_ref,
            language.map(Language::as_str),
            patch.active,
            ctx.now,
        )?;
        if let Some(grants) = &grants {
            users::set_roles(conn, id, grants)?;
        }
        let mut ended = 0;
        if patch.active == Some(false) {
            ended = sessions::revoke_all_of_user(conn, id, "user_disabled", ctx.now)?;
        }
        audit::record(
            conn,
            ctx,
            Event::new(AuditAction::UserUpdated).subject("user", id).details(json!({
                "display_name": display_name.is_some(),
                "email": email.is_some(),
                "language": language.map(Language::as_str),
                "active": patch.active,
                "roles": roles.as_ref().map(|r| r.iter().map(|x| x.as_str()).collect::<Vec<_>>()),
                "roles_granted": granted.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
                "roles_removed": removed.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
                "granted_by": granter_name(ctx),
                "pending_confirmation": grants.as_deref().map(pending_names).unwrap_or_default()
                    .into_iter()
                    .filter(|r| granted.iter().any(|g| g.as_str() == r))
                    .collect::<Vec<_>>(),
                "sessions_ended": ended,
            })),
        )?;
        let user = users::by_id(conn, id)?.ok_or(AppError::NotFound)?;
        view(conn, user)
    })
}

/// Sets a new password: by the user themself (with the current password) or by an
/// administrator of their agency. Every session of the user ends at once.
pub fn set_password(
    conn: &mut DbConnection,
    ctx: &Ctx,
    hasher: &PasswordHasher,
    id: i64,
    current: Option<&str>,
    new_password: &str,
) -> Result<(), AppError> {
    let user = users::by_id(conn, id)?.ok_or(AppError::NotFound)?;
    let by_self = ctx.actor.as_ref().is_some_and(|a| a.user_id == id);
    if by_self {
        let current = current.ok_or_else(|| Invalid::new("current_password", "is required"))?;
        if !hasher.verify(current, Some(&user.password_hash)) {
            return Err(Invalid::new("current_password", "is wrong").into());
        }
    } else {
        may_manage(conn, ctx, &user)?;
    }
    // An administrator who sets another user's password could sign in as them: the roles of the
    // account that read cases wait for someone else's confirmation again.
    let suspended: Vec<String> = if by_self || ctx.actor.is_none() {
        Vec::new()
    } else {
        users::grants(conn, id)?
            .into_iter()
            .filter(|g| g.confirmed && Role::parse(&g.role).is_ok_and(authz::reads_cases))
            .map(|g| g.role)
            .collect()
    };
    let (agency_code, ..) = users::agency_of(conn, user.agency_id)?;
    password_policy::check(
        new_password,
        &user.username,
        &[&user.display_name, &agency_code],
    )?;
    let hash = hasher
        .hash(new_password)
        .map_err(|e| AppError::Internal(anyhow::anyhow!(e)))?;
    conn.transaction(|conn| {
        let set_by = ctx.actor.as_ref().map(|a| a.user_id);
        users::set_password(conn, id, &hash, set_by, ctx.now)?;
        let names: Vec<&str> = suspended.iter().map(String::as_str).collect();
        users::set_confirmed(conn, id, &names, false)?;
        let ended = sessions::revoke_all_of_user(conn, id, "password_changed", ctx.now)?;
        audit::record(
            conn,
            ctx,
            Event::new(AuditAction::PasswordChanged)
                .subject("user", id)
                .details(json!({"sessions_ended": ended, "by_self": by_self, "roles_suspended": suspended})),
        )?;
        Ok(())
    })
}

/// The granting actor's username for the record (`operator` for the command line).
fn granter_name(ctx: &Ctx) -> String {
    ctx.actor
        .as_ref()
        .map_or_else(|| "operator".to_owned(), |a| a.username.clone())
}

fn pending_names(grants: &[users::RoleGrant]) -> Vec<String> {
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
    let actor = super::actor(ctx)?.clone();
    let user = users::by_id(conn, id)?.ok_or(AppError::NotFound)?;
    user_visible(ctx, Action::RoleConfirm, &user)?;
    if actor.user_id == id || user.password_set_by == Some(actor.user_id) {
        return Err(AppError::AccessRefused {
            code: crate::error::ROLE_SEPARATION,
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
