//! Telling a storage outage (read-only database, full disk) from other database errors.

use diesel::result::{DatabaseErrorKind, Error as DieselError};

/// Whether a database error says that storage cannot be written: SQLite's "attempt to write a
/// readonly database", "database or disk is full" and disk I/O errors; PostgreSQL's read-only
/// transaction (a standby or `default_transaction_read_only`), disk full and out-of-space errors.
pub fn is_storage_failure(error: &DieselError) -> bool {
    let DieselError::DatabaseError(kind, info) = error else {
        return false;
    };
    if matches!(kind, DatabaseErrorKind::ReadOnlyTransaction) {
        return true;
    }
    let message = info.message().to_ascii_lowercase();
    [
        // SQLite (its messages are fixed English texts).
        "attempt to write a readonly database",
        "database or disk is full",
        "disk i/o error",
        // PostgreSQL (SQLSTATE 25006, 53100, 53000 …).
        "read-only transaction",
        "no space left on device",
        "could not extend file",
        "disk full",
        "out of disk space",
    ]
    .iter()
    .any(|needle| message.contains(needle))
}
