//! Embedded migrations, one tree per backend with the same directory names
//! (`migrations/postgres`, `migrations/sqlite`), applied on the inner connection.

use diesel::connection::SimpleConnection;
use diesel::migration::MigrationVersion;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use super::DbConnection;

/// PostgreSQL migrations.
pub const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");
/// SQLite migrations.
pub const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");

/// Advisory-lock key that serialises migrations when several instances start at once.
const PG_MIGRATION_LOCK: i64 = 0x52_554A_554B_414E; // "RUJUKAN"

/// A migration failure, as diesel reports it.
pub type MigrationError = Box<dyn std::error::Error + Send + Sync>;

/// Applies every pending migration; returns the versions applied, oldest first.
pub fn run_pending(conn: &mut DbConnection) -> Result<Vec<String>, MigrationError> {
    let applied = match conn {
        DbConnection::Pg(pg) => {
            pg.batch_execute(&format!("SELECT pg_advisory_lock({PG_MIGRATION_LOCK})"))?;
            let result = pg.run_pending_migrations(POSTGRES).map(versions);
            pg.batch_execute(&format!("SELECT pg_advisory_unlock({PG_MIGRATION_LOCK})"))?;
            result?
        }
        DbConnection::Sqlite(sqlite) => sqlite.run_pending_migrations(SQLITE).map(versions)?,
    };
    Ok(applied)
}

/// Reverts every applied migration, newest first (used by the reversibility test and by
/// operators rebuilding a scratch database).
pub fn revert_all(conn: &mut DbConnection) -> Result<Vec<String>, MigrationError> {
    let reverted = match conn {
        DbConnection::Pg(pg) => pg.revert_all_migrations(POSTGRES).map(versions)?,
        DbConnection::Sqlite(sqlite) => sqlite.revert_all_migrations(SQLITE).map(versions)?,
    };
    Ok(reverted)
}

/// Versions already applied, oldest first.
pub fn applied(conn: &mut DbConnection) -> Result<Vec<String>, MigrationError> {
    let mut list = match conn {
        DbConnection::Pg(pg) => versions(pg.applied_migrations()?),
        DbConnection::Sqlite(sqlite) => versions(sqlite.applied_migrations()?),
    };
    list.sort();
    Ok(list)
}

fn versions(list: Vec<MigrationVersion<'_>>) -> Vec<String> {
    list.into_iter().map(|v| v.to_string()).collect()
}
