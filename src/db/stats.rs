//! Queries on `stats_rollup`: moving counts (in the caller's transaction), reading them for one
//! indicator and dimension, and clearing them before a rebuild.

use diesel::prelude::*;

use super::DbConnection;
use super::schema::stats_rollup;
use crate::stats::facts::Fact;

/// Moves each fact's count by its change, creating rows as needed. Safe under concurrency on both
/// backends: the UPDATE takes the row; a row two writers create at once is retried as an update.
pub fn apply(conn: &mut DbConnection, moves: &[(Fact, i64)]) -> QueryResult<()> {
    for (fact, delta) in moves {
        let key = stats_rollup::table
            .filter(stats_rollup::indicator.eq(fact.indicator))
            .filter(stats_rollup::dim.eq(fact.dim))
            .filter(stats_rollup::month.eq(&fact.month))
            .filter(stats_rollup::province.eq(&fact.province))
            .filter(stats_rollup::agency_id.eq(fact.agency_id))
            .filter(stats_rollup::value.eq(&fact.value));
        let mut done = false;
        for _ in 0..3 {
            let updated = diesel::update(key)
                .set(stats_rollup::n.eq(stats_rollup::n + *delta))
                .execute(conn)?;
            if updated > 0 {
                done = true;
                break;
            }
            let inserted = conn.transaction(|conn| {
                diesel::insert_into(stats_rollup::table)
                    .values((
                        stats_rollup::indicator.eq(fact.indicator),
                        stats_rollup::dim.eq(fact.dim),
                        stats_rollup::month.eq(&fact.month),
                        stats_rollup::province.eq(&fact.province),
                        stats_rollup::agency_id.eq(fact.agency_id),
                        stats_rollup::value.eq(&fact.value),
                        stats_rollup::n.eq(*delta),
                    ))
                    .execute(conn)
            });
            match inserted {
                Ok(_) => {
                    done = true;
                    break;
                }
                Err(diesel::result::Error::DatabaseError(
                    diesel::result::DatabaseErrorKind::UniqueViolation,
                    _,
                )) => continue,
                Err(e) => return Err(e),
            }
        }
        if !done {
            return Err(diesel::result::Error::RollbackTransaction);
        }
    }
    Ok(())
}

/// Holds the case row against concurrent changes until the transaction ends (PostgreSQL: a row
/// lock; SQLite: the write lock, taken by a write statement before anything is read), so that what
/// is read before a change is what the change starts from.
pub fn lock_case(conn: &mut DbConnection, id: i64) -> QueryResult<()> {
    lock(conn, "cases", id)
}

/// Holds the handoff row, as [`lock_case`] does the case.
pub fn lock_handoff(conn: &mut DbConnection, id: i64) -> QueryResult<()> {
    lock(conn, "handoffs", id)
}

/// `table` is a constant of this module and `id` a number: nothing from outside reaches the text.
fn lock(conn: &mut DbConnection, table: &str, id: i64) -> QueryResult<()> {
    use diesel::connection::SimpleConnection;
    let sql = match conn {
        DbConnection::Pg(_) => format!("SELECT 1 FROM {table} WHERE id = {id} FOR UPDATE;"),
        DbConnection::Sqlite(_) => format!("UPDATE {table} SET id = id WHERE 0 = 1;"),
    };
    conn.batch_execute(&sql)
}

/// One stored count.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct Count {
    /// Local month.
    pub month: String,
    /// Province.
    pub province: String,
    /// Agency.
    pub agency_id: i64,
    /// Value of the dimension.
    pub value: String,
    /// Count.
    pub n: i64,
}

/// The counts of one indicator under one dimension in the months `from..=to`, optionally of one
/// province and of some agencies. Zero rows (left by changes) are skipped.
pub fn counts(
    conn: &mut DbConnection,
    indicator: &str,
    dim: &str,
    from: &str,
    to: &str,
    province: Option<&str>,
    agencies: Option<&[i64]>,
) -> QueryResult<Vec<Count>> {
    let mut query = stats_rollup::table
        .filter(stats_rollup::indicator.eq(indicator))
        .filter(stats_rollup::dim.eq(dim))
        .filter(stats_rollup::month.ge(from))
        .filter(stats_rollup::month.le(to))
        .filter(stats_rollup::n.ne(0))
        .select((
            stats_rollup::month,
            stats_rollup::province,
            stats_rollup::agency_id,
            stats_rollup::value,
            stats_rollup::n,
        ))
        .into_boxed();
    if let Some(province) = province {
        query = query.filter(stats_rollup::province.eq(province.to_owned()));
    }
    if let Some(agencies) = agencies {
        query = query.filter(stats_rollup::agency_id.eq_any(agencies.to_vec()));
    }
    query.load(conn)
}

/// A stored count with its whole key: `(indicator, dim, month, province, agency, value, n)`.
pub type Row = (String, String, String, String, i64, String, i64);

/// Every stored count, for comparing the kept counts with a rebuild.
pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<Row>> {
    stats_rollup::table
        .filter(stats_rollup::n.ne(0))
        .order((
            stats_rollup::indicator,
            stats_rollup::dim,
            stats_rollup::month,
            stats_rollup::province,
            stats_rollup::agency_id,
            stats_rollup::value,
        ))
        .select((
            stats_rollup::indicator,
            stats_rollup::dim,
            stats_rollup::month,
            stats_rollup::province,
            stats_rollup::agency_id,
            stats_rollup::value,
            stats_rollup::n,
        ))
        .load(conn)
}

/// Removes every count (before a rebuild, in its transaction).
pub fn clear(conn: &mut DbConnection) -> QueryResult<usize> {
    diesel::delete(stats_rollup::table).execute(conn)
}

/// Writes counts into an empty table (a rebuild), row by row (batch inserts are not available
/// on both backends through one connection type).
pub fn insert_all(conn: &mut DbConnection, counts: &[(Fact, i64)]) -> QueryResult<()> {
    for (f, n) in counts {
        diesel::insert_into(stats_rollup::table)
            .values((
                stats_rollup::indicator.eq(f.indicator),
                stats_rollup::dim.eq(f.dim),
                stats_rollup::month.eq(&f.month),
                stats_rollup::province.eq(&f.province),
                stats_rollup::agency_id.eq(f.agency_id),
                stats_rollup::value.eq(&f.value),
                stats_rollup::n.eq(*n),
            ))
            .execute(conn)?;
    }
    Ok(())
}
