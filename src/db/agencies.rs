//! Queries on `agencies`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::agencies;
use crate::domain::agency::NewAgency;

/// An agency as stored.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = agencies)]
pub struct AgencyRow {
    /// Row id.
    pub id: i64,
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: String,
    /// Level.
    pub level: String,
    /// Province code.
    pub province: Option<String>,
    /// Kabupaten/kota code.
    pub region: Option<String>,
    /// Parent id.
    pub parent_id: Option<i64>,
    /// Contact e-mail.
    pub email: Option<String>,
    /// Unverified seed entry.
    pub unverified: bool,
    /// Takes part.
    pub active: bool,
    /// Designated to audit.
    pub audits: bool,
    /// Created.
    pub created_at: NaiveDateTime,
    /// Changed.
    pub updated_at: NaiveDateTime,
    /// Postal address (letterhead of referral letters).
    pub address: Option<String>,
}

/// Inserts an agency whose parent (if any) has id `parent_id`; returns the new id.
pub fn insert(
    conn: &mut DbConnection,
    agency: &NewAgency,
    parent_id: Option<i64>,
    now: NaiveDateTime,
) -> QueryResult<i64> {
    diesel::insert_into(agencies::table)
        .values((
            agencies::code.eq(agency.code.as_str()),
            agencies::name.eq(&agency.name),
            agencies::kind.eq(agency.kind.as_str()),
            agencies::level.eq(agency.level.as_str()),
            agencies::province.eq(agency.province.map(|p| p.as_string())),
            agencies::region.eq(agency.region.as_deref()),
            agencies::parent_id.eq(parent_id),
            agencies::email.eq(agency.email.as_ref().map(|e| e.as_str())),
            agencies::unverified.eq(agency.unverified),
            agencies::active.eq(true),
            agencies::audits.eq(agency.audits),
            agencies::address.eq(agency.address.as_deref()),
            agencies::created_at.eq(now),
            agencies::updated_at.eq(now),
        ))
        .returning(agencies::id)
        .get_result(conn)
}

/// One agency by code.
pub fn by_code(conn: &mut DbConnection, code: &str) -> QueryResult<Option<AgencyRow>> {
    agencies::table
        .filter(agencies::code.eq(code))
        .select(AgencyRow::as_select())
        .first(conn)
        .optional()
}

/// The agency of `code` and the agency `id` (a sender and its receiver), in one statement.
pub fn by_code_or_id(conn: &mut DbConnection, code: &str, id: i64) -> QueryResult<Vec<AgencyRow>> {
    agencies::table
        .filter(agencies::code.eq(code).or(agencies::id.eq(id)))
        .select(AgencyRow::as_select())
        .load(conn)
}

/// Several agencies by id, in one statement (from [`all`] inside a read snapshot).
pub fn rows_of(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<AgencyRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    if crate::db::snapshot::active() {
        return Ok(all(conn)?
            .into_iter()
            .filter(|a| ids.contains(&a.id))
            .collect());
    }
    agencies::table
        .filter(agencies::id.eq_any(ids.to_vec()))
        .select(AgencyRow::as_select())
        .load(conn)
}

/// One agency by id (from [`all`] inside a read snapshot).
pub fn by_id(conn: &mut DbConnection, id: i64) -> QueryResult<Option<AgencyRow>> {
    if crate::db::snapshot::active() {
        return Ok(all(conn)?.into_iter().find(|a| a.id == id));
    }
    agencies::table
        .find(id)
        .select(AgencyRow::as_select())
        .first(conn)
        .optional()
}

/// Every agency, ordered by code (kept inside a read snapshot, [`crate::db::snapshot`]).
pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<AgencyRow>> {
    crate::db::snapshot::kept("agencies", 0, || {
        agencies::table
            .select(AgencyRow::as_select())
            .order(agencies::code.asc())
            .load(conn)
    })
}

/// Agencies ordered by code, after `after` (keyset pagination), at most `limit`.
pub fn list(
    conn: &mut DbConnection,
    after: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<AgencyRow>> {
    if after.is_none() && limit == i64::MAX {
        return all(conn);
    }
    let mut query = agencies::table
        .select(AgencyRow::as_select())
        .order(agencies::code.asc())
        .limit(limit)
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(agencies::code.gt(after.to_owned()));
    }
    query.load(conn)
}

/// Number of agencies.
pub fn count(conn: &mut DbConnection) -> QueryResult<i64> {
    agencies::table.count().get_result(conn)
}

/// Designates an agency to audit, or not.
pub fn set_audits(
    conn: &mut DbConnection,
    id: i64,
    audits: bool,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(agencies::table.find(id))
        .set((agencies::audits.eq(audits), agencies::updated_at.eq(now)))
        .execute(conn)
}

/// Sets (or clears) an agency's postal address.
pub fn set_address(
    conn: &mut DbConnection,
    id: i64,
    address: Option<&str>,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(agencies::table.find(id))
        .set((agencies::address.eq(address), agencies::updated_at.eq(now)))
        .execute(conn)
}

/// The kinds of the agencies `ids`, by id, in one statement.
pub fn kinds_of(
    conn: &mut DbConnection,
    ids: &[i64],
) -> QueryResult<std::collections::HashMap<i64, String>> {
    if crate::db::snapshot::active() {
        return Ok(rows_of(conn, ids)?
            .into_iter()
            .map(|a| (a.id, a.kind))
            .collect());
    }
    Ok(agencies::table
        .filter(agencies::id.eq_any(ids.to_vec()))
        .select((agencies::id, agencies::kind))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect())
}

/// The codes and names of the agencies `ids` (a page's worth), in one statement (from [`all`]
/// inside a read snapshot).
pub fn names_of(
    conn: &mut DbConnection,
    ids: &[i64],
) -> QueryResult<std::collections::HashMap<i64, (String, String)>> {
    if crate::db::snapshot::active() {
        return Ok(rows_of(conn, ids)?
            .into_iter()
            .map(|a| (a.id, (a.code, a.name)))
            .collect());
    }
    Ok(agencies::table
        .filter(agencies::id.eq_any(ids.to_vec()))
        .select((agencies::id, agencies::code, agencies::name))
        .load::<(i64, String, String)>(conn)?
        .into_iter()
        .map(|(id, code, name)| (id, (code, name)))
        .collect())
}
