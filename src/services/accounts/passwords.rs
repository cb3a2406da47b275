//! Setting a password: by the user (with the current one) or an administrator; every session
//! ends, and an administrator's setting suspends the roles that read cases until confirmed.

use diesel::Connection;
use serde_json::json;

use super::roles::may_manage;
use crate::audit::{self, AuditAction, Ctx, Event};
use crate::auth::password::PasswordHasher;
use crate::authz;
use crate::db::{DbConnection, sessions, users};
use crate::domain::Invalid;
use crate::domain::password_policy;
use crate::domain::user::Role;
use crate::error::AppError;

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
