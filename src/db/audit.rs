//! Appending to `audit_events`. There is no update or delete function, by design.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::audit_events;

/// One audit row to append.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = audit_events)]
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
}

/// Appends one event; returns its id.
pub fn append(conn: &mut DbConnection, row: &NewAuditRow) -> QueryResult<i64> {
    diesel::insert_into(audit_events::table)
        .values(row)
        .returning(audit_events::id)
        .get_result(conn)
}

/// Events of a stream, oldest first.
pub fn stream(conn: &mut DbConnection, stream: &str) -> QueryResult<Vec<AuditRow>> {
    audit_events::table
        .filter(audit_events::stream.eq(stream))
        .order(audit_events::id.asc())
        .select(AuditRow::as_select())
        .load(conn)
}
