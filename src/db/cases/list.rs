//! The case list (cases an agency is party to, filtered) and the duplicate search by blind index.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::CaseRow;
use super::SearchKey;
use crate::db::DbConnection;
use crate::db::schema::{
    case_assignments, case_incidents, case_name_tokens, case_phone_indexes, case_tracks, cases,
    handoffs,
};
use crate::domain::case::CaseStatus;
use crate::domain::handoff::{HandoffKind, HandoffStatus};

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
    /// Only the cases whose blind index of this key is one of these (a search: the value's
    /// index under each configured key), matched in SQL, never as a list of case ids.
    pub matching: Option<(SearchKey, Vec<String>)>,
    /// Only the cases assigned to this user.
    pub assigned_to: Option<i64>,
}

/// Cases visible to an agency (as a party), newest first, with id below `before`.
///
/// A selective filter (the cases assigned to one person, a search by blind index) drives the
/// statement from its few cases, with the party condition checked per case. Otherwise the
/// agency's cases come from three streams, each read in id order from an index and cut at
/// `limit`: the cases it owns, the cases it received and still reaches, the cases it transferred
/// away. Their merge is the page: no statement walks or sorts every case an agency is party to,
/// which at a million cases is tens of thousands.
pub fn visible_to(
    conn: &mut DbConnection,
    agency_id: i64,
    filter: &CaseFilter,
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<CaseRow>> {
    if filter.assigned_to.is_some() || filter.matching.is_some() {
        return selective(conn, agency_id, filter, before, limit);
    }
    let mut page: Vec<CaseRow> = Vec::new();
    let mut cursor = before;
    loop {
        let streams = [
            owned(conn, agency_id, filter, cursor, limit)?,
            received(conn, agency_id, filter, cursor, limit)?,
            transferred_away(conn, agency_id, filter, cursor, limit)?,
        ];
        let merged = Merged::of(streams, limit);
        for row in merged.rows {
            if !page.iter().any(|r| r.id == row.id) {
                page.push(row);
            }
        }
        match merged.complete_down_to {
            Some(boundary) if i64::try_from(page.len()).is_ok_and(|n| n < limit) => {
                cursor = Some(boundary);
            }
            _ => break,
        }
    }
    page.truncate(usize::try_from(limit).unwrap_or(0));
    Ok(page)
}

/// Streams of cases, each newest first and cut at a limit, merged.
struct Merged {
    /// The distinct cases of all streams down to where every stream is complete, newest first.
    rows: Vec<CaseRow>,
    /// The id down to which the merge is complete, when a stream was cut: a stream that filled
    /// its limit may hold more cases below its last (a case received twice is one case).
    complete_down_to: Option<i64>,
}

impl Merged {
    fn of(streams: [Vec<CaseRow>; 3], limit: i64) -> Merged {
        let full = |rows: &Vec<CaseRow>| i64::try_from(rows.len()).is_ok_and(|n| n >= limit);
        let complete_down_to = streams
            .iter()
            .filter(|rows| full(rows))
            .filter_map(|rows| rows.last().map(|r| r.id))
            .max();
        let mut rows: Vec<CaseRow> = streams.into_iter().flatten().collect();
        rows.sort_by_key(|r| std::cmp::Reverse(r.id));
        rows.dedup_by(|a, b| a.id == b.id);
        if let Some(boundary) = complete_down_to {
            rows.retain(|r| r.id >= boundary);
        }
        Merged {
            rows,
            complete_down_to,
        }
    }
}

/// Applies the case list's filters on `cases` columns to a boxed query (one over `cases` alone
/// or joined).
macro_rules! narrowed {
    ($query:expr, $filter:expr) => {{
        let filter: &CaseFilter = $filter;
        let mut query = $query;
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
            // Codes are checked against the list before they get here; JSON arrays are stored
            // compact.
            let ids = case_incidents::table
                .filter(case_incidents::forms.like(format!("%\"{form}\"%")))
                .select(case_incidents::case_id);
            query = query.filter(cases::id.eq_any(ids));
        }
        query
    }};
}

/// The cases the agency owns (`cases_owner_idx`).
fn owned(
    conn: &mut DbConnection,
    agency_id: i64,
    filter: &CaseFilter,
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<CaseRow>> {
    let mut query = cases::table
        .filter(cases::owner_agency_id.eq(agency_id))
        .select(CaseRow::as_select())
        .order(cases::id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(before) = before {
        query = query.filter(cases::id.lt(before));
    }
    narrowed!(query, filter).load(conn)
}

/// The cases of the handoffs the agency received that still give it access
/// (`handoffs_to_case_idx`).
fn received(
    conn: &mut DbConnection,
    agency_id: i64,
    filter: &CaseFilter,
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<CaseRow>> {
    let mut query = handoffs::table
        .inner_join(cases::table)
        .filter(handoffs::to_agency_id.eq(agency_id))
        .filter(handoffs::status.ne_all(ended()))
        .filter(handoffs::access_ended_at.is_null())
        .select(CaseRow::as_select())
        .order(handoffs::case_id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(before) = before {
        query = query.filter(handoffs::case_id.lt(before));
    }
    narrowed!(query, filter).load(conn)
}

/// The cases the agency transferred away, accepted (`handoffs_from_kind_case_idx`).
fn transferred_away(
    conn: &mut DbConnection,
    agency_id: i64,
    filter: &CaseFilter,
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<CaseRow>> {
    let mut query = handoffs::table
        .inner_join(cases::table)
        .filter(handoffs::from_agency_id.eq(agency_id))
        .filter(handoffs::kind.eq(HandoffKind::Transfer.as_str()))
        .filter(handoffs::status.eq_any(taken()))
        .select(CaseRow::as_select())
        .order(handoffs::case_id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(before) = before {
        query = query.filter(handoffs::case_id.lt(before));
    }
    narrowed!(query, filter).load(conn)
}

/// Received handoffs in these statuses give no access.
pub(crate) fn ended() -> [&'static str; 2] {
    [
        HandoffStatus::Declined.as_str(),
        HandoffStatus::Withdrawn.as_str(),
    ]
}

/// A transfer in these statuses moved the case.
pub(crate) fn taken() -> [&'static str; 2] {
    [
        HandoffStatus::Accepted.as_str(),
        HandoffStatus::Completed.as_str(),
    ]
}

/// The page when a selective filter names few cases: driven by them, each checked for the party
/// condition.
fn selective(
    conn: &mut DbConnection,
    agency_id: i64,
    filter: &CaseFilter,
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<CaseRow>> {
    let mut query = cases::table
        .filter(party_of(agency_id))
        .select(CaseRow::as_select())
        .order(cases::id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(before) = before {
        query = query.filter(cases::id.lt(before));
    }
    if let Some((key, indexes)) = &filter.matching {
        query = query.filter(matching(*key, indexes.clone()));
    }
    if let Some(user_id) = filter.assigned_to {
        let ids = case_assignments::table
            .filter(case_assignments::user_id.eq(user_id))
            .select(case_assignments::case_id);
        query = query.filter(cases::id.eq_any(ids));
    }
    narrowed!(query, filter).load(conn)
}

/// The backend of the case list's boxed conditions.
type Backend = <DbConnection as diesel::Connection>::Backend;

/// The condition "`agency_id` is party to the case", checked per case: it owns it, received a
/// handoff of it that still gives access, or transferred it away (correlated `EXISTS` on
/// `handoffs_case_idx`).
fn party_of(
    agency_id: i64,
) -> Box<dyn BoxableExpression<cases::table, Backend, SqlType = diesel::sql_types::Bool>> {
    Box::new(party_condition!(agency_id))
}

/// The condition "the agency is party to the case of `cases::id`" as an expression, for a
/// statement over `cases` or a join with it: it owns the case, received a handoff of it that
/// still gives access, or transferred it away (correlated `EXISTS` on `handoffs_case_idx`).
macro_rules! party_condition {
    ($agency:expr) => {{
        use diesel::prelude::*;
        use $crate::db::schema::{cases, handoffs};
        let agency_id: i64 = $agency;
        let received = handoffs::table
            .filter(handoffs::case_id.eq(cases::id))
            .filter(handoffs::to_agency_id.eq(agency_id))
            .filter(handoffs::status.ne_all($crate::db::cases::ended()))
            .filter(handoffs::access_ended_at.is_null());
        let transferred_away = handoffs::table
            .filter(handoffs::case_id.eq(cases::id))
            .filter(handoffs::from_agency_id.eq(agency_id))
            .filter(handoffs::kind.eq($crate::domain::handoff::HandoffKind::Transfer.as_str()))
            .filter(handoffs::status.eq_any($crate::db::cases::taken()));
        cases::owner_agency_id
            .eq(agency_id)
            .or(diesel::dsl::exists(received))
            .or(diesel::dsl::exists(transferred_away))
    }};
}
pub(crate) use party_condition;

/// The condition "the case's blind index of `key` is one of `indexes`", in SQL.
fn matching(
    key: SearchKey,
    indexes: Vec<String>,
) -> Box<dyn BoxableExpression<cases::table, Backend, SqlType = diesel::sql_types::Bool>> {
    match key {
        SearchKey::Name => Box::new(
            cases::id.eq_any(
                case_name_tokens::table
                    .filter(case_name_tokens::token_index.eq_any(indexes))
                    .select(case_name_tokens::case_id),
            ),
        ),
        SearchKey::Nik => Box::new(cases::nik_index.assume_not_null().eq_any(indexes)),
        SearchKey::Passport => Box::new(cases::passport_index.assume_not_null().eq_any(indexes)),
        SearchKey::Phone => Box::new(
            cases::id.eq_any(
                case_phone_indexes::table
                    .filter(case_phone_indexes::phone_index.eq_any(indexes))
                    .select(case_phone_indexes::case_id),
            ),
        ),
    }
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
