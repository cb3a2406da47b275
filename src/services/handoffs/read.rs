//! Reading handoffs: one, an agency's inbox and outbox, and a case's (as far as the party sees).

use super::{HandoffView, load_case, view, views};
use crate::audit::Ctx;
use crate::authz::{self, Action, Resource};
use crate::crypto::Vault;
use crate::db::DbConnection;
use crate::db::handoffs::{self as db};
use crate::domain::handoff::HandoffStatus;
use crate::domain::timeline;
use crate::error::AppError;

/// One handoff, for the users of its sender or receiver whose role reads cases.
pub fn get(
    conn: &mut DbConnection,
    ctx: &Ctx,
    vault: &Vault,
    id: i64,
) -> Result<HandoffView, AppError> {
    let actor = crate::services::actor(ctx)?;
    let row = db::by_id(conn, id)?.ok_or(AppError::NotFound)?;
    authz::can(actor, Action::HandoffView, Resource::Handoff(row.scope()))?;
    view(conn, vault, actor.agency_id, row)
}

/// The actor's agency's incoming or outgoing handoffs.
pub fn list(
    conn: &mut DbConnection,
    ctx: &Ctx,
    vault: &Vault,
    incoming: bool,
    status: Option<HandoffStatus>,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<HandoffView>, AppError> {
    let actor = crate::services::actor(ctx)?;
    authz::can(actor, Action::HandoffView, Resource::System)?;
    let rows = db::boxed(conn, actor.agency_id, incoming, status, before, limit)?;
    views(conn, vault, actor.agency_id, rows)
}

/// The handoffs of a case the actor's agency may see: all of them for the owner, those it sent
/// or received for another party (the timeline's rule, [`timeline::handoff_visible`]).
pub fn of_case(
    conn: &mut DbConnection,
    ctx: &Ctx,
    vault: &Vault,
    case_id: i64,
) -> Result<Vec<HandoffView>, AppError> {
    let actor = crate::services::actor(ctx)?;
    let (_, scope) = load_case(conn, actor, case_id, Action::CaseView)?;
    let owner = scope.owner_agency_id == actor.agency_id;
    let rows: Vec<_> = db::of_case(conn, case_id)?
        .into_iter()
        .filter(|h| {
            timeline::handoff_visible(owner, actor.agency_id, h.from_agency_id, h.to_agency_id)
        })
        .collect();
    views(conn, vault, actor.agency_id, rows)
}
