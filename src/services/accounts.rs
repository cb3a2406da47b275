//! Administration of agencies and users. System administrators manage agencies and every
//! user; agency administrators manage their own agency's users. Neither reads case content.

use diesel::Connection;
use serde_json::json;

use crate::audit::{self, AuditAction, Ctx, Event};
use crate::auth::password::PasswordHasher;
use crate::authz::{self, Action, Resource};
use crate::db::{DbConnection, agencies, sessions, users};
use crate::domain::Invalid;
use crate::domain::agency::{AgencyInput, NewAgency};
use crate::domain::password_policy;
use crate::domain::user::{
    EmailAddress, Language, Role, Username, parse_display_name, parse_roles,
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
                .details(json!({"code": agency.code.as_str(), "kind": agency.kind.as_str()})),
        )?;
        agencies::by_id(conn, id)?.ok_or(AppError::NotFound)
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
    /// Roles.
    pub roles: Vec<String>,
}

fn view(conn: &mut DbConnection, user: users::UserRow) -> Result<UserView, AppError> {
    let roles = users::roles(conn, user.id)?;
    let (agency_code, ..) = users::agency_of(conn, user.agency_id)?;
    Ok(UserView {
        user,
        agency_code,
        roles,
    })
}

fn check_role_grants(ctx: &Ctx, agency_id: i64, roles: &[Role]) -> Result<(), AppError> {
    for role in roles {
        allow(ctx, Action::RoleAssign(*role), Resource::Agency(agency_id))?;
    }
    Ok(())
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
    if agency.is_none() {
        problems.push(Invalid::new(
            "agency",
            format!("unknown agency {:?}", input.agency.trim()),
        ));
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
            },
            &role_names,
        )?;
        audit::record(
            conn,
            ctx,
            Event::new(AuditAction::UserCreated)
                .subject("user", id)
                .details(json!({"username": username.as_str(), "agency": agency.code, "roles": role_names})),
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
    let actor = super::actor(ctx)?;
    let user = users::by_id(conn, id)?.ok_or(AppError::NotFound)?;
    authz::can(actor, Action::UserList, Resource::Agency(user.agency_id))?;
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
    authz::can(&actor, Action::UserManage, Resource::Agency(user.agency_id))?;
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
    if !problems.is_empty() {
        return Err(AppError::from(problems));
    }
    if let Some(roles) = &roles {
        check_role_grants(ctx, user.agency_id, roles)?;
        let current: Vec<Role> = users::roles(conn, id)?
            .iter()
            .filter_map(|r| Role::parse(r).ok())
            .collect();
        // Taking a role away needs the same right as giving it.
        let removed: Vec<Role> = current.into_iter().filter(|r| !roles.contains(r)).collect();
        check_role_grants(ctx, user.agency_id, &removed)?;
    }
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
        if let Some(roles) = &roles {
            let names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
            users::set_roles(conn, id, &names)?;
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
    match &ctx.actor {
        Some(actor) if actor.user_id == id => {
            let current = current.ok_or_else(|| Invalid::new("current_password", "is required"))?;
            if !hasher.verify(current, Some(&user.password_hash)) {
                return Err(Invalid::new("current_password", "is wrong").into());
            }
        }
        Some(actor) => authz::can(actor, Action::UserManage, Resource::Agency(user.agency_id))?,
        None => {}
    }
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
        users::set_password(conn, id, &hash, ctx.now)?;
        let ended = sessions::revoke_all_of_user(conn, id, "password_changed", ctx.now)?;
        audit::record(
            conn,
            ctx,
            Event::new(AuditAction::PasswordChanged)
                .subject("user", id)
                .details(json!({"sessions_ended": ended})),
        )?;
        Ok(())
    })
}
