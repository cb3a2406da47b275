//! Queries on the statistics counts: appending count changes (`stats_deltas`, in the caller's
//! transaction), folding them into `stats_rollup` (in the background), reading the counts of one
//! indicator and dimension (rollup plus what is not folded yet), and clearing both before a
//! rebuild.

use diesel::prelude::*;

use super::DbConnection;
use std::collections::BTreeMap;

use super::schema::{stats_deltas, stats_rollup};
use crate::stats::facts::Fact;

/// Appends each fact's change of count to `stats_deltas`, in one statement: a change of one agency
/// never waits on another's count rows. [`fold`] moves the deltas into `stats_rollup` later;
/// [`counts`] and [`all`] add what is not folded yet.
pub fn apply(conn: &mut DbConnection, moves: &[(Fact, i64)]) -> QueryResult<()> {
    let rows: Vec<_> = moves
        .iter()
        .filter(|(_, delta)| *delta != 0)
        .map(|(f, delta)| {
            (
                stats_deltas::indicator.eq(f.indicator),
                stats_deltas::dim.eq(f.dim),
                stats_deltas::month.eq(&f.month),
                stats_deltas::province.eq(&f.province),
                stats_deltas::agency_id.eq(f.agency_id),
                stats_deltas::value.eq(&f.value),
                stats_deltas::n.eq(*delta),
            )
        })
        .collect();
    // Seven bound values a row: 1 000 rows stay far under SQLite's limit of bound variables.
    for chunk in rows.chunks(1000) {
        let insert = diesel::insert_into(stats_deltas::table).values(chunk);
        match conn {
            DbConnection::Pg(c) => insert.execute(c)?,
            DbConnection::Sqlite(c) => insert.execute(c)?,
        };
    }
    Ok(())
}

/// Key of a count: `(indicator, dim, month, province, agency, value)`.
type Key = (String, String, String, String, i64, String);

/// Folds up to `limit` of the oldest deltas into `stats_rollup` and deletes them, in one
/// transaction; returns how many were folded. The deltas are taken by one `DELETE … RETURNING`,
/// so two folds at once (two instances) never fold a delta twice; the rollup rows are moved in
/// key order, one upsert each (`ON CONFLICT … DO UPDATE`).
pub fn fold(conn: &mut DbConnection, limit: i64) -> QueryResult<usize> {
    super::write_transaction(conn, |conn| {
        // The id of the `limit`-th oldest delta, or the newest when there are fewer.
        let nth: Option<i64> = stats_deltas::table
            .select(stats_deltas::id)
            .order(stats_deltas::id)
            .offset(limit.max(1) - 1)
            .limit(1)
            .first(conn)
            .optional()?;
        let upto = match nth {
            Some(id) => Some(id),
            None => stats_deltas::table
                .select(diesel::dsl::max(stats_deltas::id))
                .first::<Option<i64>>(conn)?,
        };
        let Some(upto) = upto else {
            return Ok(0);
        };
        // What this statement deletes is exactly what it returns: a delta another fold took
        // meanwhile is neither returned nor counted twice.
        let taken: Vec<(String, String, String, String, i64, String, i64)> =
            diesel::delete(stats_deltas::table.filter(stats_deltas::id.le(upto)))
                .returning((
                    stats_deltas::indicator,
                    stats_deltas::dim,
                    stats_deltas::month,
                    stats_deltas::province,
                    stats_deltas::agency_id,
                    stats_deltas::value,
                    stats_deltas::n,
                ))
                .get_results(conn)?;
        let mut sums: BTreeMap<Key, i64> = BTreeMap::new();
        for (indicator, dim, month, province, agency_id, value, n) in &taken {
            let key = (
                indicator.clone(),
                dim.clone(),
                month.clone(),
                province.clone(),
                *agency_id,
                value.clone(),
            );
            *sums.entry(key).or_default() += n;
        }
        for (key, n) in sums.into_iter().filter(|(_, n)| *n != 0) {
            upsert(conn, &key, n)?;
        }
        Ok(taken.len())
    })
}

/// Adds `n` to one rollup row, creating it if needed (both backends know `ON CONFLICT`).
fn upsert(conn: &mut DbConnection, key: &Key, n: i64) -> QueryResult<()> {
    use diesel::upsert::excluded;
    let (indicator, dim, month, province, agency_id, value) = key;
    let upsert = diesel::insert_into(stats_rollup::table)
        .values((
            stats_rollup::indicator.eq(indicator),
            stats_rollup::dim.eq(dim),
            stats_rollup::month.eq(month),
            stats_rollup::province.eq(province),
            stats_rollup::agency_id.eq(agency_id),
            stats_rollup::value.eq(value),
            stats_rollup::n.eq(n),
        ))
        .on_conflict((
            stats_rollup::indicator,
            stats_rollup::dim,
            stats_rollup::month,
            stats_rollup::province,
            stats_rollup::agency_id,
            stats_rollup::value,
        ))
        .do_update()
        .set(stats_rollup::n.eq(stats_rollup::n + excluded(stats_rollup::n)));
    // `ON CONFLICT` is written per backend: the two-backend connection does not carry it.
    match conn {
        DbConnection::Pg(c) => upsert.execute(c)?,
        DbConnection::Sqlite(c) => upsert.execute(c)?,
    };
    Ok(())
}

/// Folds every delta (`stats rebuild`'s comparison, tests): pages of 10 000 until none is left.
pub fn fold_all(conn: &mut DbConnection) -> QueryResult<usize> {
    let mut total = 0;
    loop {
        let n = fold(conn, 10_000)?;
        total += n;
        if n == 0 {
            return Ok(total);
        }
    }
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
/// province and of some agencies: the rollup plus the deltas not folded yet (two statements).
/// Zero counts (left by changes) are skipped.
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
    let mut pending = stats_deltas::table
        .filter(stats_deltas::indicator.eq(indicator))
        .filter(stats_deltas::dim.eq(dim))
        .filter(stats_deltas::month.ge(from))
        .filter(stats_deltas::month.le(to))
        .select((
            stats_deltas::month,
            stats_deltas::province,
            stats_deltas::agency_id,
            stats_deltas::value,
            stats_deltas::n,
        ))
        .into_boxed();
    if let Some(province) = province {
        query = query.filter(stats_rollup::province.eq(province.to_owned()));
        pending = pending.filter(stats_deltas::province.eq(province.to_owned()));
    }
    if let Some(agencies) = agencies {
        query = query.filter(stats_rollup::agency_id.eq_any(agencies.to_vec()));
        pending = pending.filter(stats_deltas::agency_id.eq_any(agencies.to_vec()));
    }
    let kept: Vec<Count> = query.load(conn)?;
    let pending: Vec<Count> = pending.load(conn)?;
    if pending.is_empty() {
        return Ok(kept);
    }
    let mut sums: BTreeMap<(String, String, i64, String), i64> = BTreeMap::new();
    for c in kept.into_iter().chain(pending) {
        *sums
            .entry((c.month, c.province, c.agency_id, c.value))
            .or_default() += c.n;
    }
    Ok(sums
        .into_iter()
        .filter(|(_, n)| *n != 0)
        .map(|((month, province, agency_id, value), n)| Count {
            month,
            province,
            agency_id,
            value,
            n,
        })
        .collect())
}

/// A stored count with its whole key: `(indicator, dim, month, province, agency, value, n)`.
pub type Row = (String, String, String, String, i64, String, i64);

/// Every count (the rollup plus the deltas not folded yet), in key order, for comparing the kept
/// counts with a rebuild.
pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<Row>> {
    let kept: Vec<Row> = stats_rollup::table
        .select((
            stats_rollup::indicator,
            stats_rollup::dim,
            stats_rollup::month,
            stats_rollup::province,
            stats_rollup::agency_id,
            stats_rollup::value,
            stats_rollup::n,
        ))
        .load(conn)?;
    let pending: Vec<Row> = stats_deltas::table
        .select((
            stats_deltas::indicator,
            stats_deltas::dim,
            stats_deltas::month,
            stats_deltas::province,
            stats_deltas::agency_id,
            stats_deltas::value,
            stats_deltas::n,
        ))
        .load(conn)?;
    let mut sums: BTreeMap<Key, i64> = BTreeMap::new();
    for (indicator, dim, month, province, agency_id, value, n) in kept.into_iter().chain(pending) {
        *sums
            .entry((indicator, dim, month, province, agency_id, value))
            .or_default() += n;
    }
    Ok(sums
        .into_iter()
        .filter(|(_, n)| *n != 0)
        .map(|((indicator, dim, month, province, agency_id, value), n)| {
            (indicator, dim, month, province, agency_id, value, n)
        })
        .collect())
}

/// Removes every count and every delta (before a rebuild, in its transaction).
pub fn clear(conn: &mut DbConnection) -> QueryResult<usize> {
    diesel::delete(stats_deltas::table).execute(conn)?;
    diesel::delete(stats_rollup::table).execute(conn)
}

/// Writes counts into an empty table (a rebuild), 1 000 rows a statement.
pub fn insert_all(conn: &mut DbConnection, counts: &[(Fact, i64)]) -> QueryResult<()> {
    let rows: Vec<_> = counts
        .iter()
        .map(|(f, n)| {
            (
                stats_rollup::indicator.eq(f.indicator),
                stats_rollup::dim.eq(f.dim),
                stats_rollup::month.eq(&f.month),
                stats_rollup::province.eq(&f.province),
                stats_rollup::agency_id.eq(f.agency_id),
                stats_rollup::value.eq(&f.value),
                stats_rollup::n.eq(*n),
            )
        })
        .collect();
    for chunk in rows.chunks(1000) {
        let insert = diesel::insert_into(stats_rollup::table).values(chunk);
        match conn {
            DbConnection::Pg(c) => insert.execute(c)?,
            DbConnection::Sqlite(c) => insert.execute(c)?,
        };
    }
    Ok(())
}
