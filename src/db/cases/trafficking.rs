//! The trafficking (TPPO) facts of a case: one row of channel, repatriation and sealed chronology,
//! and the perpetrators with their sealed names. Also the batches `keys rotate` re-encrypts.

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::SealedRow;
use crate::db::schema::{case_perpetrators, case_trafficking};

/// A case's trafficking row (the chronology only as ciphertext).
#[derive(Debug, Clone, Default, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = case_trafficking, treat_none_as_null = true)]
pub struct TraffickingRow {
    /// The case.
    pub case_id: i64,
    /// Intake channel code.
    pub intake_channel: Option<String>,
    /// Return date.
    pub return_date: Option<NaiveDate>,
    /// Debarkation point code.
    pub debarkation_point: Option<String>,
    /// Sealed chronology.
    pub chronology_ciphertext: Option<String>,
    /// Its key id.
    pub chronology_key_id: Option<String>,
    /// Last change.
    pub updated_at: NaiveDateTime,
}

/// A perpetrator row (the name only as ciphertext).
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = case_perpetrators)]
pub struct PerpetratorRow {
    /// Id.
    pub id: i64,
    /// The case.
    pub case_id: i64,
    /// Role code.
    pub role: String,
    /// Sealed name.
    pub name_ciphertext: String,
    /// Its key id.
    pub key_id: String,
    /// When recorded.
    pub created_at: NaiveDateTime,
    /// Who recorded it.
    pub created_by: i64,
}

/// A perpetrator to insert: role and sealed name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPerpetrator {
    /// Role code.
    pub role: String,
    /// Sealed name.
    pub name_ciphertext: String,
    /// Its key id.
    pub key_id: String,
}

/// The trafficking row of a case, if any.
pub fn trafficking(conn: &mut DbConnection, case_id: i64) -> QueryResult<Option<TraffickingRow>> {
    case_trafficking::table
        .find(case_id)
        .select(TraffickingRow::as_select())
        .first(conn)
        .optional()
}

/// The trafficking row of a case and its perpetrators, in ONE statement (the case left-joined to
/// both: a row per perpetrator).
pub fn trafficking_with_perpetrators(
    conn: &mut DbConnection,
    case_id: i64,
) -> QueryResult<(Option<TraffickingRow>, Vec<PerpetratorRow>)> {
    use crate::db::schema::cases;
    let rows: Vec<(Option<TraffickingRow>, Option<PerpetratorRow>)> = cases::table
        .left_join(case_trafficking::table)
        .left_join(case_perpetrators::table)
        .filter(cases::id.eq(case_id))
        .order(case_perpetrators::id.asc())
        .select((
            Option::<TraffickingRow>::as_select(),
            Option::<PerpetratorRow>::as_select(),
        ))
        .load(conn)?;
    let facts = rows.first().and_then(|(t, _)| t.clone());
    Ok((facts, rows.into_iter().filter_map(|(_, p)| p).collect()))
}

/// The trafficking rows of several cases, by case.
pub fn trafficking_of(
    conn: &mut DbConnection,
    ids: &[i64],
) -> QueryResult<BTreeMap<i64, TraffickingRow>> {
    let rows: Vec<TraffickingRow> = case_trafficking::table
        .filter(case_trafficking::case_id.eq_any(ids.to_vec()))
        .select(TraffickingRow::as_select())
        .load(conn)?;
    Ok(rows.into_iter().map(|r| (r.case_id, r)).collect())
}

/// Writes the trafficking row of a case (replacing the stored one). Call inside the change's
/// transaction, which holds the case row.
pub fn save_trafficking(conn: &mut DbConnection, row: &TraffickingRow) -> QueryResult<()> {
    let changed = diesel::update(case_trafficking::table.find(row.case_id))
        .set(row)
        .execute(conn)?;
    if changed == 0 {
        diesel::insert_into(case_trafficking::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(())
}

/// The perpetrators of a case, in the order recorded.
pub fn perpetrators(conn: &mut DbConnection, case_id: i64) -> QueryResult<Vec<PerpetratorRow>> {
    case_perpetrators::table
        .filter(case_perpetrators::case_id.eq(case_id))
        .order(case_perpetrators::id.asc())
        .select(PerpetratorRow::as_select())
        .load(conn)
}

/// Adds perpetrators to a case; returns their ids.
pub fn insert_perpetrators(
    conn: &mut DbConnection,
    case_id: i64,
    rows: &[NewPerpetrator],
    by: i64,
    now: NaiveDateTime,
) -> QueryResult<Vec<i64>> {
    let mut ids = Vec::with_capacity(rows.len());
    for row in rows {
        let id = diesel::insert_into(case_perpetrators::table)
            .values((
                case_perpetrators::case_id.eq(case_id),
                case_perpetrators::role.eq(&row.role),
                case_perpetrators::name_ciphertext.eq(&row.name_ciphertext),
                case_perpetrators::key_id.eq(&row.key_id),
                case_perpetrators::created_at.eq(now),
                case_perpetrators::created_by.eq(by),
            ))
            .returning(case_perpetrators::id)
            .get_result(conn)?;
        ids.push(id);
    }
    Ok(ids)
}

/// Removes every perpetrator of a case (before the list is replaced).
pub fn delete_perpetrators(conn: &mut DbConnection, case_id: i64) -> QueryResult<usize> {
    diesel::delete(case_perpetrators::table.filter(case_perpetrators::case_id.eq(case_id)))
        .execute(conn)
}

/// Chronologies of cases with ids above `after` sealed under another key than `key_id`, in case id
/// order (the row id of each is its case id).
pub fn chronologies_not_under(
    conn: &mut DbConnection,
    key_id: &str,
    after: i64,
    limit: i64,
) -> QueryResult<Vec<SealedRow>> {
    case_trafficking::table
        .filter(case_trafficking::case_id.gt(after))
        .filter(case_trafficking::chronology_key_id.is_not_null())
        .filter(case_trafficking::chronology_ciphertext.is_not_null())
        .filter(case_trafficking::chronology_key_id.ne(key_id))
        .order(case_trafficking::case_id.asc())
        .limit(limit)
        .select((
            case_trafficking::case_id,
            case_trafficking::chronology_ciphertext.assume_not_null(),
            case_trafficking::chronology_key_id.assume_not_null(),
        ))
        .load(conn)
}

/// Replaces a case's sealed chronology, provided it is still `old`; returns whether it was.
pub fn reseal_chronology(
    conn: &mut DbConnection,
    case_id: i64,
    old: &str,
    ciphertext: &str,
    key_id: &str,
) -> QueryResult<bool> {
    let changed = diesel::update(
        case_trafficking::table
            .find(case_id)
            .filter(case_trafficking::chronology_ciphertext.eq(old)),
    )
    .set((
        case_trafficking::chronology_ciphertext.eq(ciphertext),
        case_trafficking::chronology_key_id.eq(key_id),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Perpetrator names with ids above `after` sealed under another key than `key_id`, in id order.
pub fn perpetrator_names_not_under(
    conn: &mut DbConnection,
    key_id: &str,
    after: i64,
    limit: i64,
) -> QueryResult<Vec<SealedRow>> {
    case_perpetrators::table
        .filter(case_perpetrators::id.gt(after))
        .filter(case_perpetrators::key_id.ne(key_id))
        .order(case_perpetrators::id.asc())
        .limit(limit)
        .select((
            case_perpetrators::id,
            case_perpetrators::name_ciphertext,
            case_perpetrators::key_id,
        ))
        .load(conn)
}

/// Replaces a perpetrator's sealed name, provided it is still `old`; returns whether it was.
pub fn reseal_perpetrator_name(
    conn: &mut DbConnection,
    id: i64,
    old: &str,
    ciphertext: &str,
    key_id: &str,
) -> QueryResult<bool> {
    let changed = diesel::update(
        case_perpetrators::table
            .find(id)
            .filter(case_perpetrators::name_ciphertext.eq(old)),
    )
    .set((
        case_perpetrators::name_ciphertext.eq(ciphertext),
        case_perpetrators::key_id.eq(key_id),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}
