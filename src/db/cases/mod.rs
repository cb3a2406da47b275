//! Queries on cases and what hangs off them: tracks, incidents, stage history, consents, notes,
//! documents, and the per-province case number counters.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::DbConnection;
use super::schema::{
    case_incidents, case_notes, case_number_counters, case_stage_changes, case_tracks, cases,
    consents, documents,
};
use crate::authz::CaseScope;
use crate::domain::case::CaseStatus;
use crate::domain::handoff::{HandoffKind, HandoffStatus};

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

/// One case.
pub fn by_id(conn: &mut DbConnection, id: i64) -> QueryResult<Option<CaseRow>> {
    cases::table
        .find(id)
        .select(CaseRow::as_select())
        .first(conn)
        .optional()
}

/// A case's stage changes, oldest first: `(track, stage, when)`.
pub fn stage_changes(
    conn: &mut DbConnection,
    case_id: i64,
) -> QueryResult<Vec<(String, String, NaiveDateTime)>> {
    use super::schema::case_stage_changes as c;
    c::table
        .filter(c::case_id.eq(case_id))
        .order(c::id.asc())
        .select((c::track, c::to_stage, c::changed_at))
        .load(conn)
}

/// When consents of a case were withdrawn, oldest first.
pub fn consent_withdrawals(
    conn: &mut DbConnection,
    case_id: i64,
) -> QueryResult<Vec<NaiveDateTime>> {
    use super::schema::consents as c;
    c::table
        .filter(c::case_id.eq(case_id))
        .filter(c::given.eq(false))
        .order(c::id.asc())
        .select(c::recorded_at)
        .load(conn)
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

/// Who is party to a case, for the policy: its owner, and the agencies its handoffs make parties
/// (see [`super::handoffs::parties`]).
pub fn scope_of(conn: &mut DbConnection, row: &CaseRow) -> QueryResult<CaseScope> {
    let handoffs = super::handoffs::of_case(conn, row.id)?;
    let consents = consents(conn, row.id)?;
    Ok(scope_from(row, &handoffs, &consents))
}

/// A case's scope from its rows: who holds what ([`crate::domain::holding`]).
pub fn scope_from(
    row: &CaseRow,
    handoffs: &[super::handoffs::HandoffRow],
    consents: &[ConsentRow],
) -> CaseScope {
    // Owned since intake, or since the transfer that made the owner the owner was accepted.
    let owned_since = handoffs
        .iter()
        .filter(|h| {
            h.kind == HandoffKind::Transfer
                && h.to_agency_id == row.owner_agency_id
                && matches!(h.status, HandoffStatus::Accepted | HandoffStatus::Completed)
        })
        .filter_map(|h| h.decided_at)
        .max()
        .or(Some(row.created_at));
    let facts: Vec<_> = handoffs
        .iter()
        .map(super::handoffs::HandoffRow::facts)
        .collect();
    let consents: Vec<_> = consents.iter().map(ConsentRow::facts).collect();
    CaseScope {
        case_id: row.id,
        province: row.province.clone(),
        owner_agency_id: row.owner_agency_id,
        holdings: crate::domain::holding::CaseHoldings::compute(
            row.owner_agency_id,
            owned_since,
            &facts,
            &consents,
        ),
    }
}

/// A case and its scope.
pub fn scope(conn: &mut DbConnection, id: i64) -> QueryResult<Option<(CaseRow, CaseScope)>> {
    match by_id(conn, id)? {
        Some(row) => {
            let scope = scope_of(conn, &row)?;
            Ok(Some((row, scope)))
        }
        None => Ok(None),
    }
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
}

/// Cases visible to an agency (as a party), newest first, with id below `before`.
pub fn visible_to(
    conn: &mut DbConnection,
    agency_id: i64,
    filter: &CaseFilter,
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<CaseRow>> {
    let through_handoffs = super::handoffs::party_case_ids(conn, agency_id)?;
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

/// Sets the stage of each track.
pub fn insert_tracks(
    conn: &mut DbConnection,
    case_id: i64,
    tracks: &[(&str, &str)],
) -> QueryResult<()> {
    for (track, stage) in tracks {
        diesel::insert_into(case_tracks::table)
            .values((
                case_tracks::case_id.eq(case_id),
                case_tracks::track.eq(*track),
                case_tracks::stage.eq(*stage),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The stage of each track, `(track, stage)`.
pub fn tracks(conn: &mut DbConnection, case_id: i64) -> QueryResult<Vec<(String, String)>> {
    case_tracks::table
        .filter(case_tracks::case_id.eq(case_id))
        .select((case_tracks::track, case_tracks::stage))
        .order(case_tracks::track.asc())
        .load(conn)
}

/// Moves a track from `from` to `to`, only if it is still at `from`; records the change.
#[expect(
    clippy::too_many_arguments,
    reason = "one value per column of the history row"
)]
pub fn change_stage(
    conn: &mut DbConnection,
    case_id: i64,
    track: &str,
    from: &str,
    to: &str,
    user_id: i64,
    agency_id: i64,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let changed = diesel::update(
        case_tracks::table
            .find((case_id, track))
            .filter(case_tracks::stage.eq(from)),
    )
    .set(case_tracks::stage.eq(to))
    .execute(conn)?;
    if changed == 1 {
        diesel::insert_into(case_stage_changes::table)
            .values((
                case_stage_changes::case_id.eq(case_id),
                case_stage_changes::track.eq(track),
                case_stage_changes::from_stage.eq(from),
                case_stage_changes::to_stage.eq(to),
                case_stage_changes::changed_by.eq(user_id),
                case_stage_changes::agency_id.eq(agency_id),
                case_stage_changes::changed_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(changed == 1)
}

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

/// The incidents of a case, in order.
pub fn incidents(conn: &mut DbConnection, case_id: i64) -> QueryResult<Vec<IncidentRow>> {
    case_incidents::table
        .filter(case_incidents::case_id.eq(case_id))
        .order(case_incidents::position.asc())
        .select(IncidentRow::as_select())
        .load(conn)
}

/// A consent record.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = consents)]
pub struct ConsentRow {
    /// Id.
    pub id: i64,
    /// Case.
    pub case_id: i64,
    /// Purpose.
    pub purpose: String,
    /// Receiving agency.
    pub recipient_agency_id: Option<i64>,
    /// Given or withdrawn.
    pub given: bool,
    /// Method.
    pub method: String,
    /// `survivor`, `guardian`, `legal_basis`.
    pub given_by: String,
    /// Legal basis.
    pub legal_basis: Option<String>,
    /// Recorder.
    pub recorded_by: i64,
    /// Recorder's agency.
    pub agency_id: i64,
    /// When.
    pub recorded_at: NaiveDateTime,
}

impl ConsentRow {
    /// The decision as the rules read it.
    pub fn facts(&self) -> crate::domain::consent::ConsentFacts {
        crate::domain::consent::ConsentFacts {
            id: self.id,
            purpose: self.purpose.clone(),
            recipient_agency_id: self.recipient_agency_id,
            given: self.given,
        }
    }
}

/// Records a consent decision; returns its id.
#[expect(
    clippy::too_many_arguments,
    reason = "one value per column of the consent row"
)]
pub fn insert_consent(
    conn: &mut DbConnection,
    case_id: i64,
    purpose: &str,
    recipient_agency_id: Option<i64>,
    given: bool,
    method: &str,
    given_by: &str,
    legal_basis: Option<&str>,
    recorded_by: i64,
    agency_id: i64,
    now: NaiveDateTime,
) -> QueryResult<i64> {
    diesel::insert_into(consents::table)
        .values((
            consents::case_id.eq(case_id),
            consents::purpose.eq(purpose),
            consents::recipient_agency_id.eq(recipient_agency_id),
            consents::given.eq(given),
            consents::method.eq(method),
            consents::given_by.eq(given_by),
            consents::legal_basis.eq(legal_basis),
            consents::recorded_by.eq(recorded_by),
            consents::agency_id.eq(agency_id),
            consents::recorded_at.eq(now),
        ))
        .returning(consents::id)
        .get_result(conn)
}

/// Every consent record of a case, oldest first.
pub fn consents(conn: &mut DbConnection, case_id: i64) -> QueryResult<Vec<ConsentRow>> {
    consents::table
        .filter(consents::case_id.eq(case_id))
        .order(consents::id.asc())
        .select(ConsentRow::as_select())
        .load(conn)
}

/// A note row.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = case_notes)]
pub struct NoteRow {
    /// Id.
    pub id: i64,
    /// Case.
    pub case_id: i64,
    /// Agency.
    pub agency_id: i64,
    /// Author.
    pub author_id: i64,
    /// Encrypted text.
    pub body_ciphertext: String,
    /// Key id.
    pub key_id: String,
    /// When.
    pub created_at: NaiveDateTime,
}

/// Adds a note; returns its id.
pub fn insert_note(
    conn: &mut DbConnection,
    case_id: i64,
    agency_id: i64,
    author_id: i64,
    sealed: &str,
    key_id: &str,
    now: NaiveDateTime,
) -> QueryResult<i64> {
    diesel::insert_into(case_notes::table)
        .values((
            case_notes::case_id.eq(case_id),
            case_notes::agency_id.eq(agency_id),
            case_notes::author_id.eq(author_id),
            case_notes::body_ciphertext.eq(sealed),
            case_notes::key_id.eq(key_id),
            case_notes::created_at.eq(now),
        ))
        .returning(case_notes::id)
        .get_result(conn)
}

/// The notes one agency wrote on a case, oldest first.
pub fn notes_of_agency(
    conn: &mut DbConnection,
    case_id: i64,
    agency_id: i64,
) -> QueryResult<Vec<NoteRow>> {
    case_notes::table
        .filter(case_notes::case_id.eq(case_id))
        .filter(case_notes::agency_id.eq(agency_id))
        .order(case_notes::id.asc())
        .select(NoteRow::as_select())
        .load(conn)
}

/// A document row.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = documents)]
pub struct DocumentRow {
    /// Id.
    pub id: i64,
    /// Case.
    pub case_id: i64,
    /// Agency.
    pub agency_id: i64,
    /// Uploader.
    pub uploaded_by: i64,
    /// Encrypted file name.
    pub filename_ciphertext: String,
    /// Id of the key that sealed the file name (the content file opens under any configured key).
    pub key_id: String,
    /// Media type.
    pub content_type: String,
    /// Size.
    pub size_bytes: i64,
    /// SHA-256, hex.
    pub sha256: String,
    /// When.
    pub created_at: NaiveDateTime,
}

/// Records an uploaded document; returns its id.
#[expect(
    clippy::too_many_arguments,
    reason = "one value per column of the document row"
)]
pub fn insert_document(
    conn: &mut DbConnection,
    case_id: i64,
    agency_id: i64,
    uploaded_by: i64,
    sealed_name: &str,
    key_id: &str,
    content_type: &str,
    size_bytes: i64,
    sha256: &str,
    now: NaiveDateTime,
) -> QueryResult<i64> {
    diesel::insert_into(documents::table)
        .values((
            documents::case_id.eq(case_id),
            documents::agency_id.eq(agency_id),
            documents::uploaded_by.eq(uploaded_by),
            documents::filename_ciphertext.eq(sealed_name),
            documents::key_id.eq(key_id),
            documents::content_type.eq(content_type),
            documents::size_bytes.eq(size_bytes),
            documents::sha256.eq(sha256),
            documents::created_at.eq(now),
        ))
        .returning(documents::id)
        .get_result(conn)
}

/// The documents of a case, oldest first.
pub fn documents(conn: &mut DbConnection, case_id: i64) -> QueryResult<Vec<DocumentRow>> {
    documents::table
        .filter(documents::case_id.eq(case_id))
        .order(documents::id.asc())
        .select(DocumentRow::as_select())
        .load(conn)
}

/// One document of a case.
pub fn document(
    conn: &mut DbConnection,
    case_id: i64,
    id: i64,
) -> QueryResult<Option<DocumentRow>> {
    documents::table
        .filter(documents::case_id.eq(case_id))
        .filter(documents::id.eq(id))
        .select(DocumentRow::as_select())
        .first(conn)
        .optional()
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

/// The tracks of several cases, by case.
pub fn tracks_of(
    conn: &mut DbConnection,
    ids: &[i64],
) -> QueryResult<std::collections::BTreeMap<i64, Vec<(String, String)>>> {
    let rows: Vec<(i64, String, String)> = case_tracks::table
        .filter(case_tracks::case_id.eq_any(ids.to_vec()))
        .select((case_tracks::case_id, case_tracks::track, case_tracks::stage))
        .load(conn)?;
    let mut out: std::collections::BTreeMap<i64, Vec<(String, String)>> = Default::default();
    for (id, track, stage) in rows {
        out.entry(id).or_default().push((track, stage));
    }
    Ok(out)
}

/// A sealed value awaiting re-encryption: its row id, the ciphertext and the key id it names.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct SealedRow {
    /// Row id.
    pub id: i64,
    /// Ciphertext as stored.
    pub ciphertext: String,
    /// Key id as stored.
    pub key_id: String,
}

/// Case identities with ids above `after` sealed under another key than `key_id`, in id order.
pub fn identities_not_under(
    conn: &mut DbConnection,
    key_id: &str,
    after: i64,
    limit: i64,
) -> QueryResult<Vec<SealedRow>> {
    cases::table
        .filter(cases::id.gt(after))
        .filter(cases::identity_key_id.ne(key_id))
        .order(cases::id.asc())
        .limit(limit)
        .select((
            cases::id,
            cases::identity_ciphertext,
            cases::identity_key_id,
        ))
        .load(conn)
}

/// Replaces a case's sealed identity and its blind indexes, provided the identity is still
/// `old` (a change in between wins); neither the version nor the change time moves, since the
/// identity itself is the same. Returns whether it was replaced.
pub fn reseal_identity(
    conn: &mut DbConnection,
    id: i64,
    old: &str,
    sealed: &SealedIdentity<'_>,
) -> QueryResult<bool> {
    let changed = diesel::update(
        cases::table
            .find(id)
            .filter(cases::identity_ciphertext.eq(old)),
    )
    .set((
        cases::identity_ciphertext.eq(sealed.ciphertext),
        cases::identity_key_id.eq(sealed.key_id),
        cases::nik_index.eq(sealed.nik_index),
        cases::passport_index.eq(sealed.passport_index),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// A case identity sealed again, with its blind indexes under the same key.
#[derive(Debug, Clone, Copy)]
pub struct SealedIdentity<'a> {
    /// The new ciphertext.
    pub ciphertext: &'a str,
    /// The key it is sealed under.
    pub key_id: &'a str,
    /// NIK blind index under that key.
    pub nik_index: Option<&'a str>,
    /// Passport blind index under that key.
    pub passport_index: Option<&'a str>,
}

/// Notes with ids above `after` sealed under another key than `key_id`, in id order.
pub fn notes_not_under(
    conn: &mut DbConnection,
    key_id: &str,
    after: i64,
    limit: i64,
) -> QueryResult<Vec<SealedRow>> {
    case_notes::table
        .filter(case_notes::id.gt(after))
        .filter(case_notes::key_id.ne(key_id))
        .order(case_notes::id.asc())
        .limit(limit)
        .select((
            case_notes::id,
            case_notes::body_ciphertext,
            case_notes::key_id,
        ))
        .load(conn)
}

/// Replaces a note's sealed text, provided it is still `old`; returns whether it was replaced.
pub fn reseal_note(
    conn: &mut DbConnection,
    id: i64,
    old: &str,
    ciphertext: &str,
    key_id: &str,
) -> QueryResult<bool> {
    let changed = diesel::update(
        case_notes::table
            .find(id)
            .filter(case_notes::body_ciphertext.eq(old)),
    )
    .set((
        case_notes::body_ciphertext.eq(ciphertext),
        case_notes::key_id.eq(key_id),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Document file names with ids above `after` sealed under another key than `key_id`, in id order.
pub fn document_names_not_under(
    conn: &mut DbConnection,
    key_id: &str,
    after: i64,
    limit: i64,
) -> QueryResult<Vec<SealedRow>> {
    documents::table
        .filter(documents::id.gt(after))
        .filter(documents::key_id.ne(key_id))
        .order(documents::id.asc())
        .limit(limit)
        .select((
            documents::id,
            documents::filename_ciphertext,
            documents::key_id,
        ))
        .load(conn)
}

/// Replaces a document's sealed file name, provided it is still `old`; returns whether it was.
pub fn reseal_document_name(
    conn: &mut DbConnection,
    id: i64,
    old: &str,
    ciphertext: &str,
    key_id: &str,
) -> QueryResult<bool> {
    let changed = diesel::update(
        documents::table
            .find(id)
            .filter(documents::filename_ciphertext.eq(old)),
    )
    .set((
        documents::filename_ciphertext.eq(ciphertext),
        documents::key_id.eq(key_id),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// The distinct SHA-256 of stored documents above `after`, in order, at most `limit` (each names
/// one content file).
pub fn document_hashes_after(
    conn: &mut DbConnection,
    after: &str,
    limit: i64,
) -> QueryResult<Vec<String>> {
    documents::table
        .filter(documents::sha256.gt(after))
        .select(documents::sha256)
        .distinct()
        .order(documents::sha256.asc())
        .limit(limit)
        .load(conn)
}
