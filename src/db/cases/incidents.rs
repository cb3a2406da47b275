//! The incidents of a case.

use chrono::NaiveDate;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::case_incidents;

/// An incident row.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = case_incidents)]
pub struct IncidentRow {
    /// Position.
    pub position: i32,
    /// Date.
    pub occurred_on: Option<NaiveDate>,
    /// Place.
    pub place: Option<String>,
    /// Country.
    pub country: Option<String>,
    /// Forms, JSON.
    pub forms: String,
    /// TPKS forms, JSON.
    pub tpks_forms: String,
    /// PKDRT forms, JSON.
    pub pkdrt_forms: String,
    /// TPPO elements, JSON.
    pub tppo_elements: String,
    /// GBVIMS type.
    pub gbvims_type: Option<String>,
    /// GBVIMS contexts, JSON.
    pub gbvims_contexts: String,
    /// Perpetrator relation.
    pub perpetrator_relation: Option<String>,
}

/// Inserts the incidents of a case.
pub fn insert_incidents(
    conn: &mut DbConnection,
    case_id: i64,
    rows: &[IncidentRow],
) -> QueryResult<()> {
    for row in rows {
        diesel::insert_into(case_incidents::table)
            .values((case_incidents::case_id.eq(case_id), row))
            .execute(conn)?;
    }
    Ok(())
}

/// The incidents of a case, in order (kept inside a read snapshot, [`crate::db::snapshot`]).
pub fn incidents(conn: &mut DbConnection, case_id: i64) -> QueryResult<Vec<IncidentRow>> {
    crate::db::snapshot::kept("case incidents", case_id, || {
        case_incidents::table
            .filter(case_incidents::case_id.eq(case_id))
            .order(case_incidents::position.asc())
            .select(IncidentRow::as_select())
            .load(conn)
    })
}

/// The incidents of several cases, by case.
pub fn incidents_of(
    conn: &mut DbConnection,
    ids: &[i64],
) -> QueryResult<std::collections::BTreeMap<i64, Vec<IncidentRow>>> {
    let rows: Vec<(i64, IncidentRow)> = case_incidents::table
        .filter(case_incidents::case_id.eq_any(ids.to_vec()))
        .order((case_incidents::case_id, case_incidents::position))
        .select((case_incidents::case_id, IncidentRow::as_select()))
        .load(conn)?;
    let mut out: std::collections::BTreeMap<i64, Vec<IncidentRow>> = Default::default();
    for (id, row) in rows {
        out.entry(id).or_default().push(row);
    }
    Ok(out)
}
