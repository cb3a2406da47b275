//! The identities a web session revealed with a purpose (`session_reveals`): the case page shows
//! them again for the rest of the visit, until hidden or the session ends.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::session_reveals;

/// Remembers that `session_id` revealed the identity of `case_id` for `purpose`.
pub fn remember(
    conn: &mut DbConnection,
    session_id: &str,
    case_id: i64,
    purpose: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    forget(conn, session_id, case_id)?;
    diesel::insert_into(session_reveals::table)
        .values((
            session_reveals::session_id.eq(session_id),
            session_reveals::case_id.eq(case_id),
            session_reveals::purpose.eq(purpose),
            session_reveals::revealed_at.eq(now),
        ))
        .execute(conn)
        .map(|_| ())
}

/// The purpose and time of the session's reveal of a case's identity, if it revealed it.
pub fn of(
    conn: &mut DbConnection,
    session_id: &str,
    case_id: i64,
) -> QueryResult<Option<(String, NaiveDateTime)>> {
    session_reveals::table
        .find((session_id, case_id))
        .select((session_reveals::purpose, session_reveals::revealed_at))
        .first(conn)
        .optional()
}

/// Forgets the session's reveal of a case's identity (hidden again).
pub fn forget(conn: &mut DbConnection, session_id: &str, case_id: i64) -> QueryResult<()> {
    diesel::delete(session_reveals::table.find((session_id, case_id)))
        .execute(conn)
        .map(|_| ())
}

/// Forgets every reveal of a session (it ended).
pub fn forget_session(conn: &mut DbConnection, session_id: &str) -> QueryResult<()> {
    diesel::delete(session_reveals::table.filter(session_reveals::session_id.eq(session_id)))
        .execute(conn)
        .map(|_| ())
}
