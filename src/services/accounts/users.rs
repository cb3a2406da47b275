//! Users: created with their roles (each fitting the agency and grantable by the actor),
//! listed, read and changed by those who administer their agency.

use diesel::Connection;
use serde_json::json;

use super::allow;
use super::roles::{
    check_role_fit, check_role_grants, grant, granter_name, may_manage, pending_names, user_visible,
};
use crate::audit::{self, AuditAction, Ctx, Event};
use crate::auth::password::PasswordHasher;
use crate::authz::{self, Action, Resource};
use crate::db::{DbConnection, agencies, sessions, users};
use crate::domain::Invalid;
use crate::domain::password_policy;
use crate::domain::user::{
    EmailAddress, Language, Role, Username, parse_display_name, parse_roles,
};
use crate::error::AppError;
use crate::error::ErrorCode;

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

/// A user as answered: with their agency code, and roles in force and waiting.
pub(super) fn view(conn: &mut DbConnection, user: users::UserRow) -> Result<UserView, AppError> {
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

/// A new user's fields, checked.
struct NewUser {
    username: Username,
    display_name: String,
    email: Option<EmailAddress>,
    roles: Vec<Role>,
    language: Language,
    agency: agencies::AgencyRow,
}

/// Creates a user (hashing the password on the calling thread: call from the blocking pool).
pub fn create_user(
    conn: &mut DbConnection,
    ctx: &Ctx,
    hasher: &PasswordHasher,
    input: UserInput,
) -> Result<UserView, AppError> {
    let new = check_new_user(conn, ctx, &input)?;
    let agency = &new.agency;
    allow(ctx, Action::UserManage, Resource::Agency(agency.id))?;
    check_role_grants(ctx, agency.id, &new.roles)?;
    let hash = hasher
        .hash(&input.password)
        .map_err(|e| AppError::Internal(anyhow::anyhow!(e)))?;
    let set_by = ctx.actor.as_ref().map(|a| a.user_id);
    let grants: Vec<users::RoleGrant> = new.roles.iter().map(|r| grant(ctx, *r, set_by)).collect();
    conn.transaction(|conn| {
        if users::by_username(conn, new.username.as_str())?.is_some() {
            return Err(AppError::Conflict {
                code: ErrorCode::ConflictDuplicate,
                detail: format!("The username {} is taken.", new.username.as_str()),
            });
        }
        let role_names: Vec<&str> = new.roles.iter().map(|r| r.as_str()).collect();
        let id = users::insert(
            conn,
            &users::NewUserRow {
                username: new.username.as_str(),
                display_name: &new.display_name,
                email: new.email.as_ref().map(EmailAddress::as_str),
                agency_id: agency.id,
                language: new.language.as_str(),
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
                    "username": new.username.as_str(),
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

/// Checks every field of a new user (roles fitting the agency, the password against the policy
/// and what is known of the user), with every problem found; to someone who may not manage users
/// at all, 403 rather than the problems.
fn check_new_user(
    conn: &mut DbConnection,
    ctx: &Ctx,
    input: &UserInput,
) -> Result<NewUser, AppError> {
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
    Ok(NewUser {
        username,
        display_name,
        email,
        roles,
        language,
        agency,
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
    let actor = crate::services::actor(ctx)?;
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
    crate::services::actor(ctx)?;
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

/// A user patch, checked: `None` leaves a field as it is; `email: Some(None)` removes it.
struct CheckedPatch {
    display_name: Option<String>,
    email: Option<Option<EmailAddress>>,
    language: Option<Language>,
    roles: Option<Vec<Role>>,
}

/// What a new set of roles changes: the roles granted and taken away, and the grants to store.
#[derive(Default)]
struct RoleChange {
    granted: Vec<Role>,
    removed: Vec<Role>,
    grants: Option<Vec<users::RoleGrant>>,
}

/// Applies a patch to a user.
pub fn update_user(
    conn: &mut DbConnection,
    ctx: &Ctx,
    id: i64,
    patch: UserPatch,
) -> Result<UserView, AppError> {
    let actor = crate::services::actor(ctx)?.clone();
    let user = users::by_id(conn, id)?.ok_or(AppError::NotFound)?;
    may_manage(conn, ctx, &user)?;
    if actor.user_id == id && patch.roles.is_some() {
        return Err(AppError::AccessRefused {
            code: ErrorCode::RoleSeparationOfDuties,
        });
    }
    let checked = check_patch(conn, &user, &patch)?;
    let change = role_change(conn, ctx, &user, checked.roles.as_deref())?;
    if actor.user_id == id && patch.active == Some(false) {
        return Err(Invalid::new("active", "you cannot disable your own account").into());
    }
    conn.transaction(|conn| {
        let email_ref = checked
            .email
            .as_ref()
            .map(|e| e.as_ref().map(EmailAddress::as_str));
        users::update_profile(
            conn,
            id,
            checked.display_name.as_deref(),
            email_ref,
            checked.language.map(Language::as_str),
            patch.active,
            ctx.now,
        )?;
        if let Some(grants) = &change.grants {
            users::set_roles(conn, id, grants)?;
        }
        let mut ended = 0;
        if patch.active == Some(false) {
            ended = sessions::revoke_all_of_user(conn, id, "user_disabled", ctx.now)?;
        }
        audit::record(
            conn,
            ctx,
            Event::new(AuditAction::UserUpdated)
                .subject("user", id)
                .details(update_details(ctx, &checked, patch.active, &change, ended)),
        )?;
        let user = users::by_id(conn, id)?.ok_or(AppError::NotFound)?;
        view(conn, user)
    })
}

/// Checks each field the patch gives (new roles fitting the user's agency), with every problem
/// found.
fn check_patch(
    conn: &mut DbConnection,
    user: &users::UserRow,
    patch: &UserPatch,
) -> Result<CheckedPatch, AppError> {
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
    Ok(CheckedPatch {
        display_name,
        email,
        language,
        roles,
    })
}

/// What setting `roles` (if given) changes for the user; the actor must be able to grant each
/// role given and to take away each role removed (taking a role away needs the same right as
/// giving it).
fn role_change(
    conn: &mut DbConnection,
    ctx: &Ctx,
    user: &users::UserRow,
    roles: Option<&[Role]>,
) -> Result<RoleChange, AppError> {
    let current: Vec<Role> = users::grants(conn, user.id)?
        .iter()
        .filter_map(|g| Role::parse(&g.role).ok())
        .collect();
    let Some(roles) = roles else {
        return Ok(RoleChange::default());
    };
    check_role_grants(ctx, user.agency_id, roles)?;
    let granted = roles
        .iter()
        .filter(|r| !current.contains(r))
        .copied()
        .collect();
    let removed: Vec<Role> = current
        .iter()
        .filter(|r| !roles.contains(r))
        .copied()
        .collect();
    check_role_grants(ctx, user.agency_id, &removed)?;
    let grants = roles
        .iter()
        .map(|r| grant(ctx, *r, user.password_set_by))
        .collect();
    Ok(RoleChange {
        granted,
        removed,
        grants: Some(grants),
    })
}

/// The `user.updated` event's details: which fields changed, the roles granted and taken away
/// (and which of those granted wait for confirmation), and the sessions ended.
fn update_details(
    ctx: &Ctx,
    checked: &CheckedPatch,
    active: Option<bool>,
    change: &RoleChange,
    sessions_ended: usize,
) -> serde_json::Value {
    let names = |roles: &[Role]| roles.iter().map(|r| r.as_str()).collect::<Vec<_>>();
    json!({
        "display_name": checked.display_name.is_some(),
        "email": checked.email.is_some(),
        "language": checked.language.map(Language::as_str),
        "active": active,
        "roles": checked.roles.as_deref().map(names),
        "roles_granted": names(&change.granted),
        "roles_removed": names(&change.removed),
        "granted_by": granter_name(ctx),
        "pending_confirmation": change.grants.as_deref().map(pending_names).unwrap_or_default()
            .into_iter()
            .filter(|r| change.granted.iter().any(|g| g.as_str() == r))
            .collect::<Vec<_>>(),
        "sessions_ended": sessions_ended,
    })
}
