//! Write transactions that hold their lock from the first statement: SQLite's `BEGIN IMMEDIATE`
//! takes the write lock at the start (so the change may read before it writes, with no separate
//! locking statement and no "database is locked" when it later writes); PostgreSQL starts an
//! ordinary transaction and the change locks the rows it reads (`FOR UPDATE`).

use diesel::Connection;
use diesel::connection::{AnsiTransactionManager, TransactionManager};

use super::DbConnection;

/// Runs `change` in a write transaction (committed when it answers `Ok`, rolled back otherwise).
/// Inside a transaction already, it runs in a savepoint of that transaction as
/// `Connection::transaction` does.
pub fn write_transaction<T, E>(
    conn: &mut DbConnection,
    change: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    let immediate = match conn {
        DbConnection::Sqlite(c) => {
            let idle = AnsiTransactionManager::transaction_manager_status_mut(c)
                .transaction_depth()
                .map_err(E::from)?
                .is_none();
            if idle {
                AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")
                    .map_err(E::from)?;
            }
            idle
        }
        DbConnection::Pg(_) => false,
    };
    if !immediate {
        return conn.transaction(change);
    }
    // As `TransactionManager::transaction` does once the transaction has begun.
    match change(conn) {
        Ok(value) => {
            <DbConnection as Connection>::TransactionManager::commit_transaction(conn)
                .map_err(E::from)?;
            Ok(value)
        }
        Err(error) => {
            match <DbConnection as Connection>::TransactionManager::rollback_transaction(conn) {
                Ok(()) | Err(diesel::result::Error::BrokenTransactionManager) => Err(error),
                Err(rollback) => Err(rollback.into()),
            }
        }
    }
}
