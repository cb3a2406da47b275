//! Queries on `system_meta`, the readiness check, and which database errors mean that storage
//! cannot be written (a full disk or a read-only database: an outage, not a bug).

use chrono::NaiveDateTime;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::result::Error as DieselError;

use super::DbConnection;
use super::schema::system_meta;

/// Below this many free bytes on the file system that holds a SQLite database, the database
/// counts as full: a write of a few pages may already fail.
pub const MIN_FREE_BYTES: u64 = 1024 * 1024;

/// Why the database is not ready.
#[derive(Debug, thiserror::Error)]
pub enum NotReady {
    /// The database does not answer or lacks Rujukan's schema.
    #[error("{0}")]
    Unreachable(#[from] DieselError),
    /// The database answers but cannot be written (read-only, a standby, or a full disk).
    #[error("the database cannot be written: {0}")]
    ReadOnly(String),
}

pub use crate::error::is_storage_failure;

/// Ready when the database answers, holds Rujukan's schema and can be written. SQLite: a write
/// that is rolled back (refused at once on a read-only file) and the free space of the file
/// system that holds the file; PostgreSQL: `pg_is_in_recovery()` and `transaction_read_only`.
pub fn check_writable_ready(conn: &mut DbConnection) -> Result<(), NotReady> {
    check_ready(conn)?;
    match conn {
        DbConnection::Sqlite(sqlite) => {
            let probe = sqlite
                .batch_execute("BEGIN; UPDATE system_meta SET value = value WHERE key = 'schema';");
            let _ = sqlite.batch_execute("ROLLBACK");
            match probe {
                Err(e) if is_storage_failure(&e) => return Err(NotReady::ReadOnly(e.to_string())),
                // Another writer holds the lock: busy, but writable.
                Err(DieselError::DatabaseError(_, ref info))
                    if info.message().contains("database is locked") => {}
                Err(e) => return Err(NotReady::Unreachable(e)),
                Ok(()) => {}
            }
            let file = diesel::sql_query(
                "SELECT file AS value FROM pragma_database_list WHERE name = 'main'",
            )
            .get_result::<TextValue>(sqlite)?
            .value;
            match free_bytes(std::path::Path::new(&file)) {
                Some(free) if free < MIN_FREE_BYTES => Err(NotReady::ReadOnly(format!(
                    "{free} bytes free on the disk of the database file (less than {MIN_FREE_BYTES})"
                ))),
                _ => Ok(()),
            }
        }
        DbConnection::Pg(pg) => {
            let state = diesel::sql_query(
                "SELECT CASE WHEN pg_is_in_recovery() THEN 'a standby (in recovery)' \
                 WHEN current_setting('transaction_read_only') = 'on' THEN 'read-only transactions' \
                 ELSE '' END AS value",
            )
            .get_result::<TextValue>(pg)?
            .value;
            if state.is_empty() {
                Ok(())
            } else {
                Err(NotReady::ReadOnly(state))
            }
        }
    }
}

/// One text column named `value`.
#[derive(QueryableByName)]
struct TextValue {
    #[diesel(sql_type = diesel::sql_types::Text)]
    value: String,
}

/// Free bytes (for unprivileged writers) on the file system that holds `file`; `None` when unknown
/// (an in-memory database, or a platform without `statvfs`).
fn free_bytes(file: &std::path::Path) -> Option<u64> {
    let folder = file.parent().filter(|p| !p.as_os_str().is_empty())?;
    #[cfg(unix)]
    {
        let stat = rustix::fs::statvfs(folder).ok()?;
        Some(stat.f_bavail.saturating_mul(stat.f_frsize))
    }
    #[cfg(not(unix))]
    {
        let _ = folder;
        None
    }
}

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
