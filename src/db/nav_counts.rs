//! The counts the menu shows on every page (pending and overdue incoming handoffs, outgoing ones
//! answered since the user last opened the "Sent" page), read in ONE statement of three scalar
//! subqueries over the handoff indexes, and the user's "last seen" mark (`user_marks`).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{Nullable, Timestamp};

use super::DbConnection;
use super::schema::{user_marks, users};

define_sql_function! {
    /// SQL `COALESCE` of two instants.
    fn coalesce(x: Nullable<Timestamp>, y: Nullable<Timestamp>) -> Nullable<Timestamp>;
}

/// What the menu counts for one user.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NavCounts {
    /// Incoming handoffs of the user's agency waiting for an answer.
    pub pending: i64,
    /// Of those, the ones whose answer clock (`respond_by`) has passed.
    pub overdue: i64,
    /// Outgoing handoffs of the user's agency the receiver answered (accepted, declined,
    /// completed) since the user last opened the "Sent" page (or since the account was created).
    pub answered: i64,
}

/// The statuses a receiver's answer leaves a handoff in.
pub(crate) const ANSWERED: [&str; 3] = ["accepted", "declined", "completed"];

/// The menu counts of `user_id` of `agency_id` at `now`, in one statement. The incoming counts
/// use `handoffs_to_respond_idx` (receiver, status, answer clock); the answered count
/// `handoffs_from_updated_cover_idx` (sender, last change, with the status and decision times),
/// since an answer changes the row: all three are counted from the indexes alone.
pub fn counts(
    conn: &mut DbConnection,
    agency_id: i64,
    user_id: i64,
    now: NaiveDateTime,
) -> QueryResult<NavCounts> {
    let counted: (Option<i64>, Option<i64>, Option<i64>) = diesel::select(nav_count_columns!(
        agency_id,
        user_id,
        users::table
            .find(user_id)
            .select(users::created_at)
            .single_value(),
        now
    ))
    .get_result(conn)?;
    Ok(NavCounts::from(counted))
}

impl From<(Option<i64>, Option<i64>, Option<i64>)> for NavCounts {
    /// The three counts as [`nav_count_columns!`] selects them.
    fn from((pending, overdue, answered): (Option<i64>, Option<i64>, Option<i64>)) -> Self {
        NavCounts {
            pending: pending.unwrap_or(0),
            overdue: overdue.unwrap_or(0),
            answered: answered.unwrap_or(0),
        }
    }
}

/// The menu's three counts as three scalar subqueries (pending, overdue, answered) for the
/// agency, the user and the user's creation time given as expressions: bound values
/// ([`counts`]) or the columns of a statement that reads the user (the web session's look-up,
/// `sessions::with_user_counted`).
macro_rules! nav_count_columns {
    ($agency:expr, $user:expr, $created:expr, $now:expr) => {{
        use diesel::prelude::*;
        use $crate::db::schema::{handoffs, user_marks};
        let now: chrono::NaiveDateTime = $now;
        let incoming = || {
            handoffs::table
                .filter(handoffs::to_agency_id.eq($agency))
                .filter(
                    handoffs::status.eq($crate::domain::handoff::HandoffStatus::Pending.as_str()),
                )
        };
        let pending = incoming().count().single_value();
        let overdue = incoming()
            .filter(handoffs::respond_by.lt(now))
            .count()
            .single_value();
        let seen = || {
            $crate::db::nav_counts::coalesce(
                user_marks::table
                    .filter(user_marks::user_id.eq($user))
                    .select(user_marks::sent_seen_at)
                    .single_value(),
                $created,
            )
        };
        let answered = handoffs::table
            .filter(handoffs::from_agency_id.eq($agency))
            .filter(handoffs::updated_at.nullable().gt(seen()))
            .filter(handoffs::status.eq_any($crate::db::nav_counts::ANSWERED))
            .filter(
                handoffs::decided_at
                    .gt(seen())
                    .or(handoffs::completed_at.gt(seen())),
            )
            .count()
            .single_value();
        (pending, overdue, answered)
    }};
}
pub(crate) use nav_count_columns;

/// Records that `user_id` opened the "Sent" page at `now`.
pub fn mark_sent_seen(
    conn: &mut DbConnection,
    user_id: i64,
    now: NaiveDateTime,
) -> QueryResult<()> {
    let update = || {
        diesel::update(user_marks::table.find(user_id)).set(user_marks::sent_seen_at.eq(Some(now)))
    };
    if update().execute(conn)? == 1 {
        return Ok(());
    }
    let inserted = diesel::insert_into(user_marks::table)
        .values((
            user_marks::user_id.eq(user_id),
            user_marks::sent_seen_at.eq(Some(now)),
        ))
        .execute(conn);
    match inserted {
        Ok(_) => Ok(()),
        // Another request of the same user inserted it first: set it again.
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => update().execute(conn).map(|_| ()),
        Err(e) => Err(e),
    }
}
