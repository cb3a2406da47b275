//! The identity on the case page for the rest of a visit: revealed once with a purpose (one
//! `identity.revealed` entry), shown again on every page of the case while the web session lasts
//! and the policy still lets the user reveal it, until the user hides it.

use chrono::{DateTime, Utc};
use diesel::Connection;

use super::{load, open_identity, read::reveal_identity};
use crate::audit::Ctx;
use crate::authz::Action;
use crate::crypto::Vault;
use crate::db::{DbConnection, reveals};
use crate::domain::case::Identity;
use crate::error::AppError;

/// An identity shown for the visit, with the purpose it was revealed for.
#[derive(Debug, Clone)]
pub struct ShownIdentity {
    /// The identity.
    pub identity: Identity,
    /// The purpose given when it was revealed.
    pub purpose: String,
    /// When it was revealed.
    pub revealed_at: DateTime<Utc>,
}

/// Reveals the identity for `purpose` ([`reveal_identity`], recorded) and remembers it for the
/// web session `session_id`, in one transaction.
pub fn reveal_for_visit(
    conn: &mut DbConnection,
    ctx: &Ctx,
    vault: &Vault,
    id: i64,
    purpose: &str,
    session_id: &str,
) -> Result<Identity, AppError> {
    conn.transaction(|conn| {
        // The write lock first on SQLite (see `db::stats::lock_case`).
        crate::db::stats::lock_case(conn, id)?;
        let identity = reveal_identity(conn, ctx, vault, id, purpose)?;
        reveals::remember(conn, session_id, id, purpose.trim(), ctx.now)?;
        Ok(identity)
    })
}

/// The identity the session revealed, if it did and the user may still reveal it (not
/// recorded again: the reveal was). A user who lost the right sees it hidden, and the session
/// forgets it.
pub fn shown_for_visit(
    conn: &mut DbConnection,
    ctx: &Ctx,
    vault: &Vault,
    id: i64,
    session_id: &str,
) -> Result<Option<ShownIdentity>, AppError> {
    let Some((purpose, at)) = reveals::of(conn, session_id, id)? else {
        return Ok(None);
    };
    let actor = crate::services::actor(ctx)?;
    match load(conn, actor, id, Action::IdentityReveal) {
        Ok((row, _)) => Ok(Some(ShownIdentity {
            identity: open_identity(vault, &row)?,
            purpose,
            revealed_at: crate::domain::utc(at),
        })),
        Err(AppError::NotFound | AppError::Forbidden | AppError::AccessRefused { .. }) => {
            reveals::forget(conn, session_id, id)?;
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// Hides the identity again for the session.
pub fn hide_for_visit(
    conn: &mut DbConnection,
    ctx: &Ctx,
    id: i64,
    session_id: &str,
) -> Result<(), AppError> {
    let actor = crate::services::actor(ctx)?;
    load(conn, actor, id, Action::CaseView)?;
    reveals::forget(conn, session_id, id)?;
    Ok(())
}
