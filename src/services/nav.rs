//! What the menu tells a user on every page: incoming handoffs waiting for an answer (and how
//! many of them are overdue), outgoing ones answered since the user last opened "Sent"; and the
//! mark that opening "Sent" leaves. Read-only counts of the user's own agency; no audit event
//! (marking a page as seen is not a change to any record).

use chrono::NaiveDateTime;

use crate::authz::{self, Action, Actor, Resource};
use crate::db::DbConnection;
use crate::db::nav_counts::{self, NavCounts};
use crate::error::AppError;

/// The menu counts of `actor` at `now`: the inbox counts when the actor's roles see handoffs,
/// the answered count when they may send; `None` when neither (nothing is read then).
pub fn counts(
    conn: &mut DbConnection,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<Option<NavCounts>, AppError> {
    let sees = authz::can(actor, Action::HandoffView, Resource::System).is_ok();
    let sends = authz::can(actor, Action::HandoffSend, Resource::System).is_ok();
    if !sees && !sends {
        return Ok(None);
    }
    let mut counts = nav_counts::counts(conn, actor.agency_id, actor.user_id, now)?;
    if !sees {
        counts.pending = 0;
        counts.overdue = 0;
    }
    if !sends {
        counts.answered = 0;
    }
    Ok(Some(counts))
}

/// Records that `actor` opened the "Sent" page at `now`: the answered count starts again from
/// zero.
pub fn mark_sent_seen(
    conn: &mut DbConnection,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    authz::can(actor, Action::HandoffSend, Resource::System)?;
    nav_counts::mark_sent_seen(conn, actor.user_id, now)?;
    Ok(())
}
