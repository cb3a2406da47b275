//! Queries on cases and what hangs off them: tracks, incidents, stage history, consents, notes,
//! documents, and the per-province case number counters.
//!
//! `assignments` says who works each case. This module holds the case row itself (numbers, insert, versioned update, owner, the candidates
//! of a statutory rule); `scope` who holds what, `list` the case list and the duplicate search; `search` the blind
//! index search and the name word indexes;
//! `tracks`, `incidents`, `consents`, `notes`, `documents` and `trafficking` (channel,
//! repatriation, sealed chronology and perpetrators) what hangs off a case; `reseal` the
//! batches that `keys rotate` re-encrypts.

mod assignments;
mod consents;
mod documents;
mod incidents;
mod list;
mod notes;
mod reseal;
mod scope;
mod search;
mod tracks;
mod trafficking;

pub use assignments::*;
pub use consents::*;
pub use documents::*;
pub use incidents::*;
pub use list::*;
pub use notes::*;
pub use reseal::*;
pub use scope::*;
pub use search::*;
pub use tracks::*;
pub use trafficking::*;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::{case_number_counters, cases};
use crate::domain::case::CaseStatus;

/// A case row (identity only as ciphertext).
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = cases)]
pub struct CaseRow {
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
    /// `open` / `closed`.
    pub status: CaseStatus,
    /// Why closed.
    pub closure_reason: Option<String>,
    /// When closed.
    pub closed_at: Option<NaiveDateTime>,
    /// Version.
    pub version: i32,
    /// Encrypted identity.
    pub identity_ciphertext: String,
    /// Key id.
    pub identity_key_id: String,
    /// NIK blind index.
    pub nik_index: Option<String>,
    /// Passport blind index.
    pub passport_index: Option<String>,
    /// Age band.
    pub age_band: Option<String>,
    /// Sex.
    pub sex: Option<String>,
    /// Disabilities, JSON.
    pub disabilities: String,
    /// Nationality.
    pub nationality: Option<String>,
    /// Home province.
    pub home_province: Option<String>,
    /// Home district.
    pub home_district: Option<String>,
    /// Migration stage.
    pub migration_stage: Option<String>,
    /// Placement channel.
    pub placement_channel: Option<String>,
    /// Destination country.
    pub destination_country: Option<String>,
    /// Sector.
    pub sector: Option<String>,
    /// P3MI.
    pub p3mi: Option<String>,
    /// Employer abroad.
    pub employer_abroad: Option<String>,
    /// BP2MI complaint number.
    pub bp2mi_complaint_number: Option<String>,
    /// Risk level.
    pub risk_level: Option<String>,
    /// Safety plan.
    pub safety_plan: Option<String>,
    /// Legal basis, JSON.
    pub legal_basis: String,
    /// Procedural regime.
    pub procedural_regime: Option<String>,
    /// Created.
    pub created_at: NaiveDateTime,
    /// Changed.
    pub updated_at: NaiveDateTime,
}

/// Columns of a new case.
#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = cases, treat_none_as_null = true)]
pub struct CaseValues {
    /// Encrypted identity.
    pub identity_ciphertext: String,
    /// Key id.
    pub identity_key_id: String,
    /// NIK blind index.
    pub nik_index: Option<String>,
    /// Passport blind index.
    pub passport_index: Option<String>,
    /// Age band.
    pub age_band: Option<String>,
    /// Sex.
    pub sex: Option<String>,
    /// Disabilities, JSON.
    pub disabilities: String,
    /// Nationality.
    pub nationality: Option<String>,
    /// Home province.
    pub home_province: Option<String>,
    /// Home district.
    pub home_district: Option<String>,
    /// Migration stage.
    pub migration_stage: Option<String>,
    /// Placement channel.
    pub placement_channel: Option<String>,
    /// Destination country.
    pub destination_country: Option<String>,
    /// Sector.
    pub sector: Option<String>,
    /// P3MI.
    pub p3mi: Option<String>,
    /// Employer abroad.
    pub employer_abroad: Option<String>,
    /// BP2MI complaint number.
    pub bp2mi_complaint_number: Option<String>,
    /// Risk level.
    pub risk_level: Option<String>,
    /// Safety plan.
    pub safety_plan: Option<String>,
    /// Legal basis, JSON.
    pub legal_basis: String,
    /// Procedural regime.
    pub procedural_regime: Option<String>,
}

/// The next number of a counter, safe under concurrency on both backends: the UPDATE takes the
/// row (PostgreSQL row lock, SQLite write lock) until the surrounding transaction ends.
pub fn next_number(conn: &mut DbConnection, prefix: &str, year: i32) -> QueryResult<i64> {
    for _ in 0..3 {
        let bumped = diesel::update(case_number_counters::table.find((prefix, year)))
            .set(case_number_counters::last_number.eq(case_number_counters::last_number + 1))
            .returning(case_number_counters::last_number)
            .get_result::<i64>(conn)
            .optional()?;
        if let Some(number) = bumped {
            return Ok(number);
        }
        // In a savepoint: on PostgreSQL a failed statement would otherwise abort the transaction.
        let inserted = conn.transaction(|conn| {
            diesel::insert_into(case_number_counters::table)
                .values((
                    case_number_counters::prefix.eq(prefix),
                    case_number_counters::year.eq(year),
                    case_number_counters::last_number.eq(1_i64),
                ))
                .execute(conn)
        });
        match inserted {
            Ok(_) => return Ok(1),
            // Someone created the counter at the same moment: bump theirs.
            Err(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            )) => {}
            Err(e) => return Err(e),
        }
    }
    Err(diesel::result::Error::RollbackTransaction)
}

/// Inserts a case; returns its id.
pub fn insert(
    conn: &mut DbConnection,
    case_number: &str,
    province: &str,
    owner_agency_id: i64,
    created_by: i64,
    values: &CaseValues,
    now: NaiveDateTime,
) -> QueryResult<i64> {
    diesel::insert_into(cases::table)
        .values((
            cases::case_number.eq(case_number),
            cases::province.eq(province),
            cases::owner_agency_id.eq(owner_agency_id),
            cases::created_by.eq(created_by),
            cases::status.eq(CaseStatus::Open.as_str()),
            cases::version.eq(1),
            values,
            cases::created_at.eq(now),
            cases::updated_at.eq(now),
        ))
        .returning(cases::id)
        .get_result(conn)
}

/// Writes new values when the stored version is `expected`; returns whether it was. No stored
/// version is the largest number (it could not have been bumped), so that one is never current.
pub fn update_if_version(
    conn: &mut DbConnection,
    id: i64,
    expected: i32,
    values: &CaseValues,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let Some(next) = expected.checked_add(1) else {
        return Ok(false);
    };
    let changed = diesel::update(cases::table.find(id).filter(cases::version.eq(expected)))
        .set((values, cases::version.eq(next), cases::updated_at.eq(now)))
        .execute(conn)?;
    Ok(changed == 1)
}

/// Bumps the version (for changes kept in other tables: stages, closure).
pub fn touch(conn: &mut DbConnection, id: i64, now: NaiveDateTime) -> QueryResult<()> {
    diesel::update(cases::table.find(id))
        .set((
            cases::version.eq(cases::version + 1),
            cases::updated_at.eq(now),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Closes a case.
pub fn close(
    conn: &mut DbConnection,
    id: i64,
    reason: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(cases::table.find(id))
        .set((
            cases::status.eq(CaseStatus::Closed.as_str()),
            cases::closure_reason.eq(reason),
            cases::closed_at.eq(now),
            cases::version.eq(cases::version + 1),
            cases::updated_at.eq(now),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Opens a closed case again: open, no closure reason or time, a new version.
pub fn reopen(conn: &mut DbConnection, id: i64, now: NaiveDateTime) -> QueryResult<()> {
    diesel::update(cases::table.find(id))
        .set((
            cases::status.eq(CaseStatus::Open.as_str()),
            cases::closure_reason.eq(None::<String>),
            cases::closed_at.eq(None::<NaiveDateTime>),
            cases::version.eq(cases::version + 1),
            cases::updated_at.eq(now),
        ))
        .execute(conn)
        .map(|_| ())
}

/// One case.
pub fn by_id(conn: &mut DbConnection, id: i64) -> QueryResult<Option<CaseRow>> {
    cases::table
        .find(id)
        .select(CaseRow::as_select())
        .first(conn)
        .optional()
}

/// The province of one case.
pub fn province_of(conn: &mut DbConnection, id: i64) -> QueryResult<Option<String>> {
    cases::table
        .find(id)
        .select(cases::province)
        .first(conn)
        .optional()
}

/// Open cases in which `trigger` happened between `from` and `to` (the candidates of a statutory rule).
pub fn triggered_between(
    conn: &mut DbConnection,
    trigger: &crate::deadlines::Trigger,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> QueryResult<Vec<i64>> {
    use super::schema::{case_stage_changes as sc, consents as co};
    use crate::deadlines::Trigger;
    let open = cases::table
        .filter(cases::status.eq(CaseStatus::Open.as_str()))
        .select(cases::id);
    match trigger {
        Trigger::CaseCreated => cases::table
            .filter(cases::status.eq(CaseStatus::Open.as_str()))
            .filter(cases::created_at.between(from, to))
            .select(cases::id)
            .load(conn),
        Trigger::Stage { track, stage } => sc::table
            .filter(sc::track.eq(track))
            .filter(sc::to_stage.eq(stage))
            .filter(sc::changed_at.between(from, to))
            .filter(sc::case_id.eq_any(open))
            .select(sc::case_id)
            .distinct()
            .load(conn),
        Trigger::ConsentWithdrawn => co::table
            .filter(co::given.eq(false))
            .filter(co::recorded_at.between(from, to))
            .filter(co::case_id.eq_any(open))
            .select(co::case_id)
            .distinct()
            .load(conn),
    }
}

/// One case by its number.
pub fn by_number(conn: &mut DbConnection, number: &str) -> QueryResult<Option<CaseRow>> {
    cases::table
        .filter(cases::case_number.eq(number))
        .select(CaseRow::as_select())
        .first(conn)
        .optional()
}

/// Makes `agency_id` the owner (an accepted transfer).
pub fn set_owner(
    conn: &mut DbConnection,
    id: i64,
    agency_id: i64,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(cases::table.find(id))
        .set((
            cases::owner_agency_id.eq(agency_id),
            cases::version.eq(cases::version + 1),
            cases::updated_at.eq(now),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Cases with ids above `after`, in id order, at most `limit` (for statistics rebuilds).
pub fn page_after(conn: &mut DbConnection, after: i64, limit: i64) -> QueryResult<Vec<CaseRow>> {
    cases::table
        .filter(cases::id.gt(after))
        .order(cases::id.asc())
        .limit(limit)
        .select(CaseRow::as_select())
        .load(conn)
}

/// The numbers and risk levels of the cases `ids` (a page's worth), in one statement.
pub fn numbers_and_risks(
    conn: &mut DbConnection,
    ids: &[i64],
) -> QueryResult<std::collections::HashMap<i64, (String, Option<String>)>> {
    // Inside a read snapshot, the cases whose scope was read are at hand.
    let kept: Vec<CaseRow> = ids.iter().filter_map(|id| scope::kept_row(*id)).collect();
    if !ids.is_empty() && kept.len() == ids.len() {
        return Ok(kept
            .into_iter()
            .map(|r| (r.id, (r.case_number, r.risk_level)))
            .collect());
    }
    Ok(cases::table
        .filter(cases::id.eq_any(ids.to_vec()))
        .select((cases::id, cases::case_number, cases::risk_level))
        .load::<(i64, String, Option<String>)>(conn)?
        .into_iter()
        .map(|(id, number, risk)| (id, (number, risk)))
        .collect())
}
