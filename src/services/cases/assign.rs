//! Who works a case: set at intake to the person taking it in, changed by a supervisor of the
//! owning agency (`case.assigned`, with both usernames), moved to the accepting user when a
//! transfer gives the case to another agency (`services::handoffs`); and the caseload per person for supervision.

use diesel::Connection;
use serde_json::json;

use super::{CaseDetail, load, read::detail};
use crate::audit::{self, AuditAction, Ctx, Event};
use crate::authz::{self, Action, Resource};
use crate::db::DbConnection;
use crate::db::cases as db;
pub use crate::db::cases::{Assignee, Caseload};
use crate::domain::Invalid;
use crate::error::AppError;

/// Assigns the case to `username`, an active caseworker or supervisor of the owning agency: a
/// supervisor's act (403 for other roles; 422 on `username` for anyone else).
pub fn assign(
    conn: &mut DbConnection,
    ctx: &Ctx,
    id: i64,
    username: &str,
) -> Result<CaseDetail, AppError> {
    let actor = crate::services::actor(ctx)?.clone();
    let (_, scope) = load(conn, &actor, id, Action::CaseAssign)?;
    let wanted = username.trim().to_lowercase();
    let Some(to) = db::workers_of(conn, scope.owner_agency_id)?
        .into_iter()
        .find(|w| w.username == wanted)
    else {
        return Err(Invalid::new(
            "username",
            "must be an active caseworker or supervisor of the agency that owns the case",
        )
        .into());
    };
    conn.transaction(|conn| -> Result<(), AppError> {
        // Holds the case first (on SQLite the write lock: a read before the first write could
        // not be upgraded while another writer waits).
        crate::db::stats::lock_case(conn, id)?;
        let from = db::assignee(conn, id)?;
        if from.as_ref().is_some_and(|f| f.user_id == to.user_id) {
            return Ok(());
        }
        db::assign(conn, id, to.user_id, actor.user_id, ctx.now)?;
        db::touch(conn, id, ctx.now)?;
        audit::record(
            conn,
            ctx,
            Event::new(AuditAction::CaseAssigned)
                .case(id)
                .subject("case", id)
                .details(json!({
                    "from": from.map(|f| f.username),
                    "to": to.username,
                })),
        )?;
        Ok(())
    })?;
    detail(conn, ctx, id)
}

/// The people a supervisor may assign the case to (empty for anyone who may not assign).
pub fn assignable(conn: &mut DbConnection, ctx: &Ctx, id: i64) -> Result<Vec<Assignee>, AppError> {
    let actor = crate::services::actor(ctx)?.clone();
    let Some((_, scope)) = db::scope(conn, id)? else {
        return Ok(Vec::new());
    };
    if authz::can(&actor, Action::CaseAssign, Resource::Case(&scope)).is_err() {
        return Ok(Vec::new());
    }
    Ok(db::workers_of(conn, scope.owner_agency_id)?)
}

/// The open cases of the supervisor's agency per person (the supervision page).
pub fn caseload(conn: &mut DbConnection, ctx: &Ctx) -> Result<Vec<Caseload>, AppError> {
    let actor = crate::services::actor(ctx)?;
    authz::can(actor, Action::Supervise, Resource::System)?;
    Ok(db::caseload(conn, actor.agency_id)?)
}
