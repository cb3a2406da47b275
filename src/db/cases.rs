//! Queries on `cases` needed for need-to-know scoping (the case issue adds the rest).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::cases;
use crate::authz::CaseScope;

/// The core of a case.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = cases)]
pub struct CaseCoreRow {
    /// Id.
    pub id: i64,
    /// Number.
    pub case_number: String,
    /// Province.
    pub province: String,
    /// Owner.
    pub owner_agency_id: i64,
    /// Creator.
    pub created_by: i64,
    /// Created.
    pub created_at: NaiveDateTime,
    /// Changed.
    pub updated_at: NaiveDateTime,
}

/// Inserts a case core; returns its id.
pub fn insert(
    conn: &mut DbConnection,
    case_number: &str,
    province: &str,
    owner_agency_id: i64,
    created_by: i64,
    now: NaiveDateTime,
) -> QueryResult<i64> {
    diesel::insert_into(cases::table)
        .values((
            cases::case_number.eq(case_number),
            cases::province.eq(province),
            cases::owner_agency_id.eq(owner_agency_id),
            cases::created_by.eq(created_by),
            cases::created_at.eq(now),
            cases::updated_at.eq(now),
        ))
        .returning(cases::id)
        .get_result(conn)
}

/// One case core by id.
pub fn by_id(conn: &mut DbConnection, id: i64) -> QueryResult<Option<CaseCoreRow>> {
    cases::table
        .find(id)
        .select(CaseCoreRow::as_select())
        .first(conn)
        .optional()
}

/// Who is party to a case, for the policy. Today: the owner (handoff receivers come with the
/// handoff issue, added here).
pub fn scope(conn: &mut DbConnection, id: i64) -> QueryResult<Option<(CaseCoreRow, CaseScope)>> {
    Ok(by_id(conn, id)?.map(|row| {
        let scope = CaseScope {
            case_id: row.id,
            province: row.province.clone(),
            owner_agency_id: row.owner_agency_id,
            parties: Vec::new(),
        };
        (row, scope)
    }))
}

/// Cases visible to an agency (as a party), newest first, before `before`, at most `limit`.
pub fn visible_to(
    conn: &mut DbConnection,
    agency_id: i64,
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<CaseCoreRow>> {
    let mut query = cases::table
        .filter(cases::owner_agency_id.eq(agency_id))
        .select(CaseCoreRow::as_select())
        .order(cases::id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(before) = before {
        query = query.filter(cases::id.lt(before));
    }
    query.load(conn)
}
