//! Appending to `audit_events`. There is no update or delete function, by design.

use chrono::NaiveDateTime;
use diesel::Connection;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::{audit_events, audit_stream_heads};
use crate::audit::chain::{self as audit_chain, Fields};

/// One audit row to append (its position and hashes are added by [`append`]).
#[derive(Debug, Clone)]
pub struct NewAuditRow {
    /// When.
    pub occurred_at: NaiveDateTime,
    /// `system` or `case:<id>`.
    pub stream: String,
    /// Action code.
    pub action: String,
    /// Acting user.
    pub actor_user_id: Option<i64>,
    /// Acting or attempted username.
    pub actor_username: Option<String>,
    /// Acting agency.
    pub actor_agency_id: Option<i64>,
    /// Acting roles, comma-separated.
    pub actor_roles: Option<String>,
    /// Subject kind.
    pub subject_type: Option<String>,
    /// Subject id.
    pub subject_id: Option<String>,
    /// Case.
    pub case_id: Option<i64>,
    /// Request id.
    pub request_id: Option<String>,
    /// Client address.
    pub client_ip: Option<String>,
    /// Compact JSON.
    pub details: String,
}

/// A stored audit row.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = audit_events)]
pub struct AuditRow {
    /// Position.
    pub id: i64,
    /// When.
    pub occurred_at: NaiveDateTime,
    /// Stream.
    pub stream: String,
    /// Action code.
    pub action: String,
    /// Acting user.
    pub actor_user_id: Option<i64>,
    /// Acting or attempted username.
    pub actor_username: Option<String>,
    /// Acting agency.
    pub actor_agency_id: Option<i64>,
    /// Acting roles.
    pub actor_roles: Option<String>,
    /// Subject kind.
    pub subject_type: Option<String>,
    /// Subject id.
    pub subject_id: Option<String>,
    /// Case.
    pub case_id: Option<i64>,
    /// Request id.
    pub request_id: Option<String>,
    /// Client address.
    pub client_ip: Option<String>,
    /// Compact JSON.
    pub details: String,
    /// Position in its stream.
    pub seq: i64,
    /// Hash of the previous entry.
    pub prev_hash: String,
    /// This entry's hash.
    pub hash: String,
}

/// Takes the next position of a stream, holding its head row until the transaction ends (a row
/// lock on PostgreSQL, the write lock on SQLite), so appends to one stream never fork.
fn next_position(conn: &mut DbConnection, stream: &str) -> QueryResult<(i64, String)> {
    for _ in 0..3 {
        let bumped = diesel::update(audit_stream_heads::table.find(stream))
            .set(audit_stream_heads::seq.eq(audit_stream_heads::seq + 1))
            .returning((audit_stream_heads::seq, audit_stream_heads::hash))
            .get_result::<(i64, String)>(conn)
            .optional()?;
        if let Some(position) = bumped {
            return Ok(position);
        }
        let created = conn.transaction(|conn| {
            diesel::insert_into(audit_stream_heads::table)
                .values((
                    audit_stream_heads::stream.eq(stream),
                    audit_stream_heads::seq.eq(1_i64),
                    audit_stream_heads::hash.eq(""),
                ))
                .execute(conn)
        });
        match created {
            Ok(_) => return Ok((1, String::new())),
            Err(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            )) => {}
            Err(e) => return Err(e),
        }
    }
    Err(diesel::result::Error::RollbackTransaction)
}

/// Appends one event to its stream's hash chain; returns its id. Call inside a transaction.
pub fn append(conn: &mut DbConnection, row: &NewAuditRow) -> QueryResult<i64> {
    let (seq, prev_hash) = next_position(conn, &row.stream)?;
    let occurred_at = audit_chain::to_micros(row.occurred_at);
    let hash = audit_chain::hash(&Fields {
        stream: &row.stream,
        seq,
        prev_hash: &prev_hash,
        occurred_at,
        action: &row.action,
        actor_user_id: row.actor_user_id,
        actor_username: row.actor_username.as_deref(),
        actor_agency_id: row.actor_agency_id,
        actor_roles: row.actor_roles.as_deref(),
        subject_type: row.subject_type.as_deref(),
        subject_id: row.subject_id.as_deref(),
        case_id: row.case_id,
        request_id: row.request_id.as_deref(),
        client_ip: row.client_ip.as_deref(),
        details: &row.details,
    });
    let id = diesel::insert_into(audit_events::table)
        .values((
            audit_events::occurred_at.eq(occurred_at),
            audit_events::stream.eq(&row.stream),
            audit_events::action.eq(&row.action),
            audit_events::actor_user_id.eq(row.actor_user_id),
            audit_events::actor_username.eq(&row.actor_username),
            audit_events::actor_agency_id.eq(row.actor_agency_id),
            audit_events::actor_roles.eq(&row.actor_roles),
            audit_events::subject_type.eq(&row.subject_type),
            audit_events::subject_id.eq(&row.subject_id),
            audit_events::case_id.eq(row.case_id),
            audit_events::request_id.eq(&row.request_id),
            audit_events::client_ip.eq(&row.client_ip),
            audit_events::details.eq(&row.details),
            audit_events::seq.eq(seq),
            audit_events::prev_hash.eq(&prev_hash),
            audit_events::hash.eq(&hash),
        ))
        .returning(audit_events::id)
        .get_result(conn)?;
    diesel::update(audit_stream_heads::table.find(&row.stream))
        .set(audit_stream_heads::hash.eq(&hash))
        .execute(conn)?;
    Ok(id)
}

/// A page of entries in id order after `after`, for verification.
pub fn page_after(conn: &mut DbConnection, after: i64, limit: i64) -> QueryResult<Vec<AuditRow>> {
    audit_events::table
        .filter(audit_events::id.gt(after))
        .order(audit_events::id.asc())
        .limit(limit)
        .select(AuditRow::as_select())
        .load(conn)
}

/// Every stream head: `(stream, seq, hash)`.
pub fn heads(conn: &mut DbConnection) -> QueryResult<Vec<(String, i64, String)>> {
    audit_stream_heads::table
        .select((
            audit_stream_heads::stream,
            audit_stream_heads::seq,
            audit_stream_heads::hash,
        ))
        .load(conn)
}

impl AuditRow {
    /// The fields its hash covers.
    pub fn fields(&self) -> Fields<'_> {
        Fields {
            stream: &self.stream,
            seq: self.seq,
            prev_hash: &self.prev_hash,
            occurred_at: self.occurred_at,
            action: &self.action,
            actor_user_id: self.actor_user_id,
            actor_username: self.actor_username.as_deref(),
            actor_agency_id: self.actor_agency_id,
            actor_roles: self.actor_roles.as_deref(),
            subject_type: self.subject_type.as_deref(),
            subject_id: self.subject_id.as_deref(),
            case_id: self.case_id,
            request_id: self.request_id.as_deref(),
            client_ip: self.client_ip.as_deref(),
            details: &self.details,
        }
    }
}

/// Events of a stream, oldest first.
pub fn stream(conn: &mut DbConnection, stream: &str) -> QueryResult<Vec<AuditRow>> {
    audit_events::table
        .filter(audit_events::stream.eq(stream))
        .order(audit_events::id.asc())
        .select(AuditRow::as_select())
        .load(conn)
}

/// Whether `user_id` has a `case.viewed` entry on case `case_id` at or after `since` with these
/// `details` (one statement on the case's index).
pub fn viewed_since(
    conn: &mut DbConnection,
    case_id: i64,
    user_id: i64,
    details: &str,
    since: NaiveDateTime,
) -> QueryResult<bool> {
    use diesel::dsl::exists;
    diesel::select(exists(
        audit_events::table
            .filter(audit_events::case_id.eq(case_id))
            .filter(audit_events::action.eq("case.viewed"))
            .filter(audit_events::actor_user_id.eq(user_id))
            .filter(audit_events::details.eq(details))
            .filter(audit_events::occurred_at.ge(since)),
    ))
    .get_result(conn)
}

/// Filters of the audit search (already validated).
#[derive(Debug, Clone, Default)]
pub struct SearchFilter {
    /// One case.
    pub case_id: Option<i64>,
    /// Acting (or attempted) username.
    pub username: Option<String>,
    /// Acting agency.
    pub agency_id: Option<i64>,
    /// Action code.
    pub action: Option<String>,
    /// On or after.
    pub from: Option<NaiveDateTime>,
    /// Before.
    pub to: Option<NaiveDateTime>,
    /// Only events of cases in this province or of agencies in it (provincial auditors).
    pub province: Option<String>,
}

/// Audit entries matching `filter`, newest first, with id below `before`, at most `limit`.
pub fn search(
    conn: &mut DbConnection,
    filter: &SearchFilter,
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<AuditRow>> {
    use super::schema::agencies;
    let mut query = audit_events::table
        .select(AuditRow::as_select())
        .order(audit_events::id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(before) = before {
        query = query.filter(audit_events::id.lt(before));
    }
    if let Some(case_id) = filter.case_id {
        query = query.filter(audit_events::case_id.eq(case_id));
    }
    if let Some(username) = &filter.username {
        query = query.filter(audit_events::actor_username.eq(username.clone()));
    }
    if let Some(agency_id) = filter.agency_id {
        query = query.filter(audit_events::actor_agency_id.eq(agency_id));
    }
    if let Some(action) = &filter.action {
        query = query.filter(audit_events::action.eq(action.clone()));
    }
    if let Some(from) = filter.from {
        query = query.filter(audit_events::occurred_at.ge(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(audit_events::occurred_at.lt(to));
    }
    if let Some(province) = &filter.province {
        // The entry's own case, looked up by its primary key: `case_id IN (SELECT id FROM cases
        // WHERE province = …)` made PostgreSQL rescan every case of the province for each entry
        // once they no longer fitted in a hash (38 s at a million cases; docs/PERFORMANCE.md).
        // Diesel's DSL has no correlated subquery, hence the fragment; the province is bound.
        let case_in = diesel::dsl::sql::<diesel::sql_types::Bool>(
            "EXISTS (SELECT 1 FROM cases WHERE cases.id = audit_events.case_id \
             AND cases.province = ",
        )
        .bind::<diesel::sql_types::Text, _>(province.clone())
        .sql(")");
        let agencies_in = agencies::table
            .filter(agencies::province.eq(province.clone()))
            .select(agencies::id.nullable());
        query = query.filter(case_in.or(audit_events::actor_agency_id.eq_any(agencies_in)));
    }
    query.load(conn)
}
