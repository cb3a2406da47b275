//! Queries on `system_meta`, and the readiness check.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::system_meta;

/// One fact about the installation.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = system_meta)]
pub struct MetaRow {
    /// Fact name.
    pub key: String,
    /// Fact value.
    pub value: String,
    /// Last change, UTC.
    pub updated_at: NaiveDateTime,
}

/// Answers when the database answers and holds Rujukan's schema: reads one row.
pub fn check_ready(conn: &mut DbConnection) -> QueryResult<()> {
    system_meta::table
        .filter(system_meta::key.eq("schema"))
        .select(system_meta::value)
        .first::<String>(conn)
        .map(|_| ())
}

/// Reads one fact.
pub fn get(conn: &mut DbConnection, key: &str) -> QueryResult<Option<MetaRow>> {
    system_meta::table
        .filter(system_meta::key.eq(key))
        .select(MetaRow::as_select())
        .first(conn)
        .optional()
}

/// Records a new fact; a key that exists already is a unique violation.
pub fn insert(
    conn: &mut DbConnection,
    key: &str,
    value: &str,
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(system_meta::table)
        .values((
            system_meta::key.eq(key),
            system_meta::value.eq(value),
            system_meta::updated_at.eq(at),
        ))
        .execute(conn)
        .map(|_| ())
}
