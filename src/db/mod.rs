//! The database layer: one diesel [`MultiConnection`](diesel::MultiConnection) over PostgreSQL
//! and SQLite, an r2d2 pool, embedded migrations per backend, and query functions on
//! `&mut DbConnection`.
//!
//! Code outside `db/` never matches on the backend; where SQL has to differ, the match lives
//! in a query function here (STYLE.md B10).

pub mod agencies;
pub mod attachments;
pub mod audit;
pub mod bulk;
pub mod cases;
pub mod checkpoints;
pub mod handoffs;
pub mod meta;
pub mod migrate;
pub mod nav_counts;
pub mod outbox;
pub mod pool;
pub mod reveals;
pub mod schema;
pub mod sessions;
pub mod snapshot;
pub mod stats;
pub mod types;
pub mod url;
pub mod users;
mod write_tx;

pub use write_tx::write_transaction;

use diesel::pg::PgConnection;
use diesel::sqlite::SqliteConnection;

pub use pool::{ConnectError, Db, DbPool};
pub use url::{Backend, DatabaseUrl, UrlError};

/// A sealed value awaiting re-encryption: its row id, the ciphertext and the key id it names.
#[derive(Debug, Clone, PartialEq, Eq, diesel::Queryable)]
pub struct SealedRow {
    /// Row id.
    pub id: i64,
    /// Ciphertext as stored.
    pub ciphertext: String,
    /// Key id as stored.
    pub key_id: String,
}

/// A connection to either backend; a `diesel::Connection` itself.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    /// PostgreSQL (province or national scale).
    Pg(PgConnection),
    /// SQLite (embedded default).
    Sqlite(SqliteConnection),
}

impl DbConnection {
    /// Which backend this connection talks to.
    pub fn backend(&self) -> Backend {
        match self {
            DbConnection::Pg(_) => Backend::Postgres,
            DbConnection::Sqlite(_) => Backend::Sqlite,
        }
    }
}
