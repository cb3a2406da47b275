//! The case list (cases an agency is party to, filtered) and the duplicate search by blind index.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::CaseRow;
use crate::db::DbConnection;
use crate::db::schema::{case_assignments, case_incidents, case_tracks, cases};
use crate::domain::case::CaseStatus;

/// Filters of the case list.
#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    /// Only cases whose number contains this (upper case letters, digits and `-` only).
    pub number: Option<String>,
    /// Only cases with a track at this stage (`track`, `stage`).
    pub stage: Option<(String, String)>,
    /// Only cases whose province is this.
    pub province: Option<String>,
    /// Only cases with an incident of this SIMFONI-PPA form.
    pub form: Option<String>,
    /// Created on or after.
    pub from: Option<NaiveDateTime>,
    /// Created before.
    pub to: Option<NaiveDateTime>,
    /// Risk level.
    pub risk_level: Option<String>,
    /// `open` or `closed`.
    pub status: Option<CaseStatus>,
    /// Only these cases (the matches of a search).
    pub ids: Option<Vec<i64>>,
    /// Only the cases assigned to this user.
    pub assigned_to: Option<i64>,
}

/// Cases visible to an agency (as a party), newest first, with id below `before`.
pub fn visible_to(
    conn: &mut DbConnection,
    agency_id: i64,
    filter: &CaseFilter,
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<CaseRow>> {
    let through_handoffs = crate::db::handoffs::party_case_ids(conn, agency_id)?;
    let mut query = cases::table
        .filter(
            cases::owner_agency_id
                .eq(agency_id)
                .or(cases::id.eq_any(through_handoffs)),
        )
        .select(CaseRow::as_select())
        .order(cases::id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(before) = before {
        query = query.filter(cases::id.lt(before));
    }
    if let Some(ids) = &filter.ids {
        query = query.filter(cases::id.eq_any(ids.clone()));
    }
    if let Some(user_id) = filter.assigned_to {
        let ids = case_assignments::table
            .filter(case_assignments::user_id.eq(user_id))
            .select(case_assignments::case_id);
        query = query.filter(cases::id.eq_any(ids));
    }
    if let Some(province) = &filter.province {
        query = query.filter(cases::province.eq(province.clone()));
    }
    if let Some(number) = &filter.number {
        query = query.filter(cases::case_number.like(format!("%{number}%")));
    }
    if let Some(risk) = &filter.risk_level {
        query = query.filter(cases::risk_level.eq(risk.clone()));
    }
    if let Some(status) = &filter.status {
        query = query.filter(cases::status.eq(status.as_str()));
    }
    if let Some(from) = filter.from {
        query = query.filter(cases::created_at.ge(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(cases::created_at.lt(to));
    }
    if let Some((track, stage)) = &filter.stage {
        let ids = case_tracks::table
            .filter(case_tracks::track.eq(track.clone()))
            .filter(case_tracks::stage.eq(stage.clone()))
            .select(case_tracks::case_id);
        query = query.filter(cases::id.eq_any(ids));
    }
    if let Some(form) = &filter.form {
        // Codes are checked against the list before they get here; JSON arrays are stored compact.
        let ids = case_incidents::table
            .filter(case_incidents::forms.like(format!("%\"{form}\"%")))
            .select(case_incidents::case_id);
        query = query.filter(cases::id.eq_any(ids));
    }
    query.load(conn)
}

/// Earlier cases whose NIK or passport blind index is one of the given ones (the indexes of one
/// identifier under each configured key): `(case, matched field)`.
pub fn duplicates(
    conn: &mut DbConnection,
    nik_indexes: &[String],
    passport_indexes: &[String],
) -> QueryResult<Vec<(CaseRow, &'static str)>> {
    let mut out = Vec::new();
    if !nik_indexes.is_empty() {
        for row in cases::table
            .filter(cases::nik_index.eq_any(nik_indexes))
            .order(cases::id.asc())
            .select(CaseRow::as_select())
            .load(conn)?
        {
            out.push((row, "nik"));
        }
    }
    if !passport_indexes.is_empty() {
        for row in cases::table
            .filter(cases::passport_index.eq_any(passport_indexes))
            .order(cases::id.asc())
            .select(CaseRow::as_select())
            .load::<CaseRow>(conn)?
        {
            if !out.iter().any(|(r, _)| r.id == row.id) {
                out.push((row, "passport_number"));
            }
        }
    }
    Ok(out)
}
