//! Recording the ends of access that the holdings found: a consent withdrawn, or the end of what
//! an onward handoff derived from.

use serde_json::json;

use crate::audit::{self, AuditAction, Ctx, Event};
use crate::db::DbConnection;
use crate::db::cases::{self as case_db};
use crate::db::handoffs::{self as db};
use crate::error::AppError;

/// Records the end of every handoff's access that has ended without being recorded: a consent
/// withdrawn, or the end of the access an onward handoff derived from (a decline, a withdrawal,
/// a consent withdrawn further up). Each end is an event on the timeline and a message to the
/// receiving agency. Call inside the transaction of the change that ended them.
pub fn record_ended_access(
    conn: &mut DbConnection,
    ctx: &Ctx,
    case_id: i64,
) -> Result<usize, AppError> {
    let (_, scope) = case_db::scope(conn, case_id)?.ok_or(AppError::NotFound)?;
    record_ended_access_in(conn, ctx, case_id, &scope)
}

/// [`record_ended_access`] with the case's scope as the change left it in hand.
pub fn record_ended_access_in(
    conn: &mut DbConnection,
    ctx: &Ctx,
    case_id: i64,
    scope: &crate::authz::CaseScope,
) -> Result<usize, AppError> {
    let mut ended = 0;
    for (handoff_id, why) in scope.holdings.unrecorded_ends() {
        if !db::end_access(conn, handoff_id, why.reason(), ctx.now)? {
            continue;
        }
        let row = db::by_id(conn, handoff_id)?.ok_or(AppError::NotFound)?;
        let derived_from = scope
            .holdings
            .standing(handoff_id)
            .map(|s| s.derived_from.clone())
            .unwrap_or_default();
        audit::record(
            conn,
            ctx,
            Event::new(AuditAction::HandoffAccessEnded)
                .case(case_id)
                .subject("handoff", handoff_id)
                .details(json!({
                    "reason": why.reason(),
                    "purpose": row.consent_purpose,
                    "derived_from": derived_from,
                })),
        )?;
        crate::services::notifications::notify_access_ended(conn, &row, why, ctx.now)?;
        ended += 1;
    }
    Ok(ended)
}
