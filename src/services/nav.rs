//! What the menu tells a user on every page: incoming handoffs waiting for an answer (and how
//! many of them are overdue), outgoing ones answered since the user last opened "Sent"; and the
//! mark that opening "Sent" leaves. Read-only counts of the user's own agency; no audit event
//! (marking a page as seen is not a change to any record).

use chrono::NaiveDateTime;

use crate::authz::{self, Action, Actor, Resource};
use crate::db::DbConnection;
use crate::db::nav_counts::{self, NavCounts};
use crate::error::AppError;

/// Whether the actor's roles see incoming handoffs or send them.
fn sees_or_sends(actor: &Actor) -> bool {
    authz::can(actor, Action::HandoffView, Resource::System).is_ok()
        || authz::can(actor, Action::HandoffSend, Resource::System).is_ok()
}

/// What the menu shows of the counts read for `actor`: the inbox counts when the actor's roles
/// see handoffs, the answered count when they may send; `None` when neither.
pub fn shown(actor: &Actor, mut counts: NavCounts) -> Option<NavCounts> {
    if !sees_or_sends(actor) {
        return None;
    }
    if authz::can(actor, Action::HandoffView, Resource::System).is_err() {
        counts.pending = 0;
        counts.overdue = 0;
    }
    if authz::can(actor, Action::HandoffSend, Resource::System).is_err() {
        counts.answered = 0;
    }
    Some(counts)
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
