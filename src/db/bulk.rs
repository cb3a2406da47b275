//! Bulk writes for the demo seed (`rujukan demo seed`): rows made in memory, with their ids given,
//! written many at a time. SQLite takes multi-row `INSERT`s (under its limit of 32 766 bound
//! variables a statement), PostgreSQL `COPY … FROM STDIN` in the binary format (which also writes
//! the `GENERATED ALWAYS` ids); the sequences are moved past the ids written afterwards
//! ([`advance_sequences`]). Diesel's `MultiConnection` does neither, hence the match on the
//! backend here.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::DbConnection;
use super::schema::{
    audit_events, audit_stream_heads, case_assignments, case_incidents, case_name_tokens,
    case_number_counters, case_phone_indexes, case_stage_changes, case_tracks, cases, consents,
    handoff_letters, handoffs,
};

/// Bound variables per SQLite statement, under its limit of 32 766.
const SQLITE_VARIABLES: usize = 32_000;

/// A case as the intake writes it.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = cases, treat_none_as_default_value = false)]
#[allow(missing_docs)]
pub struct CaseBulk {
    pub id: i64,
    pub case_number: String,
    pub province: String,
    pub owner_agency_id: i64,
    pub created_by: i64,
    pub status: String,
    pub version: i32,
    pub identity_ciphertext: String,
    pub identity_key_id: String,
    pub nik_index: Option<String>,
    pub passport_index: Option<String>,
    pub age_band: Option<String>,
    pub sex: Option<String>,
    pub disabilities: String,
    pub nationality: Option<String>,
    pub home_province: Option<String>,
    pub home_district: Option<String>,
    pub migration_stage: Option<String>,
    pub placement_channel: Option<String>,
    pub destination_country: Option<String>,
    pub sector: Option<String>,
    pub p3mi: Option<String>,
    pub employer_abroad: Option<String>,
    pub bp2mi_complaint_number: Option<String>,
    pub risk_level: Option<String>,
    pub safety_plan: Option<String>,
    pub legal_basis: String,
    pub procedural_regime: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// The stage of one track of a case.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = case_tracks, treat_none_as_default_value = false)]
#[allow(missing_docs)]
pub struct TrackBulk {
    pub case_id: i64,
    pub track: String,
    pub stage: String,
}

/// Who works a case.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = case_assignments, treat_none_as_default_value = false)]
#[allow(missing_docs)]
pub struct AssignmentBulk {
    pub case_id: i64,
    pub user_id: i64,
    pub assigned_at: NaiveDateTime,
    pub assigned_by: i64,
}

/// An incident of a case.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = case_incidents, treat_none_as_default_value = false)]
#[allow(missing_docs)]
pub struct IncidentBulk {
    pub id: i64,
    pub case_id: i64,
    pub position: i32,
    pub occurred_on: Option<NaiveDate>,
    pub place: Option<String>,
    pub country: Option<String>,
    pub forms: String,
    pub tpks_forms: String,
    pub pkdrt_forms: String,
    pub tppo_elements: String,
    pub gbvims_type: Option<String>,
    pub gbvims_contexts: String,
    pub perpetrator_relation: Option<String>,
}

/// The blind index of one word of a survivor's name.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = case_name_tokens, treat_none_as_default_value = false)]
#[allow(missing_docs)]
pub struct NameTokenBulk {
    pub case_id: i64,
    pub token_index: String,
}

/// The blind index of a survivor's phone number.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = case_phone_indexes, treat_none_as_default_value = false)]
#[allow(missing_docs)]
pub struct PhoneBulk {
    pub case_id: i64,
    pub phone_index: String,
}

/// A consent record.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = consents, treat_none_as_default_value = false)]
#[allow(missing_docs)]
pub struct ConsentBulk {
    pub id: i64,
    pub case_id: i64,
    pub purpose: String,
    pub recipient_agency_id: Option<i64>,
    pub given: bool,
    pub method: String,
    pub given_by: String,
    pub legal_basis: Option<String>,
    pub recorded_by: i64,
    pub agency_id: i64,
    pub recorded_at: NaiveDateTime,
}

/// A handoff, in the state its decisions left it.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = handoffs, treat_none_as_default_value = false)]
#[allow(missing_docs)]
pub struct HandoffBulk {
    pub id: i64,
    pub case_id: i64,
    pub kind: String,
    pub rule_id: String,
    pub agreement_version_id: i64,
    pub from_agency_id: i64,
    pub to_agency_id: i64,
    pub owner_agency_id: i64,
    pub created_by: i64,
    pub status: String,
    pub shares: String,
    pub consent_purpose: Option<String>,
    pub consent_id: Option<i64>,
    pub override_legal_basis: Option<String>,
    pub override_reason: Option<String>,
    pub message_ciphertext: Option<String>,
    pub key_id: Option<String>,
    pub respond_by: Option<NaiveDateTime>,
    pub complete_by: Option<NaiveDateTime>,
    pub decided_by: Option<i64>,
    pub decided_at: Option<NaiveDateTime>,
    pub decision_reason: Option<String>,
    pub completed_at: Option<NaiveDateTime>,
    pub outcome: Option<String>,
    pub access_ended_at: Option<NaiveDateTime>,
    pub access_ended_reason: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub receiver_records_consent: String,
}

/// The number of a handoff's referral letter.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = handoff_letters, treat_none_as_default_value = false)]
#[allow(missing_docs)]
pub struct LetterBulk {
    pub handoff_id: i64,
    pub number: String,
    pub agency_id: i64,
    pub year: i32,
    pub seq: i64,
    pub created_at: NaiveDateTime,
}

/// A track's move to another stage.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = case_stage_changes, treat_none_as_default_value = false)]
#[allow(missing_docs)]
pub struct StageChangeBulk {
    pub id: i64,
    pub case_id: i64,
    pub track: String,
    pub from_stage: String,
    pub to_stage: String,
    pub changed_by: i64,
    pub agency_id: i64,
    pub changed_at: NaiveDateTime,
}

/// An audit entry with its position and hashes already computed.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = audit_events, treat_none_as_default_value = false)]
#[allow(missing_docs)]
pub struct AuditBulk {
    pub id: i64,
    pub occurred_at: NaiveDateTime,
    pub stream: String,
    pub action: String,
    pub actor_user_id: Option<i64>,
    pub actor_username: Option<String>,
    pub actor_agency_id: Option<i64>,
    pub actor_roles: Option<String>,
    pub subject_type: Option<String>,
    pub subject_id: Option<String>,
    pub case_id: Option<i64>,
    pub request_id: Option<String>,
    pub client_ip: Option<String>,
    pub details: String,
    pub seq: i64,
    pub prev_hash: String,
    pub hash: String,
}

/// The head of a new audit stream.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = audit_stream_heads, treat_none_as_default_value = false)]
#[allow(missing_docs)]
pub struct HeadBulk {
    pub stream: String,
    pub seq: i64,
    pub hash: String,
}

/// The rows of a batch of cases, in the order they are written.
#[derive(Debug, Default)]
#[allow(missing_docs)]
pub struct Rows {
    pub cases: Vec<CaseBulk>,
    pub tracks: Vec<TrackBulk>,
    pub assignments: Vec<AssignmentBulk>,
    pub incidents: Vec<IncidentBulk>,
    pub name_tokens: Vec<NameTokenBulk>,
    pub phones: Vec<PhoneBulk>,
    pub consents: Vec<ConsentBulk>,
    pub handoffs: Vec<HandoffBulk>,
    pub letters: Vec<LetterBulk>,
    pub stage_changes: Vec<StageChangeBulk>,
    pub audit: Vec<AuditBulk>,
    pub heads: Vec<HeadBulk>,
}

/// Writes `rows` of one table: COPY on PostgreSQL, multi-row INSERTs of at most
/// [`SQLITE_VARIABLES`] bound values on SQLite.
macro_rules! write_table {
    ($conn:expr, $table:path, $rows:expr, $columns:expr) => {{
        let rows = $rows;
        if !rows.is_empty() {
            match $conn {
                DbConnection::Pg(c) => {
                    diesel::copy_from($table).from_insertable(rows).execute(c)?;
                }
                DbConnection::Sqlite(c) => {
                    for chunk in rows.chunks((SQLITE_VARIABLES / $columns).max(1)) {
                        diesel::insert_into($table).values(chunk).execute(c)?;
                    }
                }
            }
        }
    }};
}

/// Writes a batch, parents before children; call inside a transaction.
pub fn write(conn: &mut DbConnection, rows: &Rows) -> QueryResult<()> {
    write_table!(conn, cases::table, &rows.cases, 30);
    write_table!(conn, case_tracks::table, &rows.tracks, 3);
    write_table!(conn, case_assignments::table, &rows.assignments, 4);
    write_table!(conn, case_incidents::table, &rows.incidents, 13);
    write_table!(conn, case_name_tokens::table, &rows.name_tokens, 2);
    write_table!(conn, case_phone_indexes::table, &rows.phones, 2);
    write_table!(conn, consents::table, &rows.consents, 11);
    write_table!(conn, handoffs::table, &rows.handoffs, 29);
    write_table!(conn, handoff_letters::table, &rows.letters, 6);
    write_table!(conn, case_stage_changes::table, &rows.stage_changes, 8);
    write_table!(conn, audit_events::table, &rows.audit, 17);
    write_table!(conn, audit_stream_heads::table, &rows.heads, 3);
    Ok(())
}

/// Pages SQLite keeps in memory during a bulk load, in KiB (a negative `cache_size`): the
/// indexes on random keys (blind indexes, hashes) otherwise spill a page to the write-ahead log
/// for nearly every row.
const SQLITE_LOAD_CACHE_KIB: i64 = 512 * 1024;

/// Readies the connection for a bulk load: on SQLite a page cache of
/// [`SQLITE_LOAD_CACHE_KIB`] for this connection (which the load then owns).
pub fn for_loading(conn: &mut DbConnection) -> QueryResult<()> {
    if let DbConnection::Sqlite(c) = conn {
        diesel::sql_query(format!("PRAGMA cache_size = -{SQLITE_LOAD_CACHE_KIB}")).execute(c)?;
    }
    Ok(())
}

/// How many batches of a bulk load go in one transaction: several on SQLite (each commit writes
/// every page the transaction changed to the log), one on PostgreSQL.
pub fn batches_per_transaction(conn: &DbConnection) -> usize {
    match conn {
        DbConnection::Pg(_) => 1,
        DbConnection::Sqlite(_) => 8,
    }
}

/// The first free id of each table the seed gives ids in.
#[derive(Debug, Clone, Copy, Default)]
#[allow(missing_docs)]
pub struct NextIds {
    pub case: i64,
    pub incident: i64,
    pub consent: i64,
    pub handoff: i64,
    pub stage_change: i64,
    pub audit: i64,
}

/// The first free ids (one past the largest stored).
pub fn next_ids(conn: &mut DbConnection) -> QueryResult<NextIds> {
    use diesel::dsl::max;
    let next = |m: Option<i64>| m.unwrap_or(0) + 1;
    Ok(NextIds {
        case: next(cases::table.select(max(cases::id)).first(conn)?),
        incident: next(
            case_incidents::table
                .select(max(case_incidents::id))
                .first(conn)?,
        ),
        consent: next(consents::table.select(max(consents::id)).first(conn)?),
        handoff: next(handoffs::table.select(max(handoffs::id)).first(conn)?),
        stage_change: next(
            case_stage_changes::table
                .select(max(case_stage_changes::id))
                .first(conn)?,
        ),
        audit: next(
            audit_events::table
                .select(max(audit_events::id))
                .first(conn)?,
        ),
    })
}

/// A counter: `(prefix, year, last number)`.
pub type Counter = (String, i32, i64);

/// Every counter (case numbers per province prefix and year, letter numbers per agency and
/// year): `(prefix, year, last number)`.
pub fn counters(conn: &mut DbConnection) -> QueryResult<Vec<Counter>> {
    case_number_counters::table
        .select((
            case_number_counters::prefix,
            case_number_counters::year,
            case_number_counters::last_number,
        ))
        .load(conn)
}

/// Stores counters where the seed left them (created when missing).
pub fn set_counters(conn: &mut DbConnection, counters: &[Counter]) -> QueryResult<()> {
    for (prefix, year, last) in counters {
        let changed = diesel::update(case_number_counters::table.find((prefix, year)))
            .set(case_number_counters::last_number.eq(last))
            .execute(conn)?;
        if changed == 0 {
            diesel::insert_into(case_number_counters::table)
                .values((
                    case_number_counters::prefix.eq(prefix),
                    case_number_counters::year.eq(year),
                    case_number_counters::last_number.eq(last),
                ))
                .execute(conn)?;
        }
    }
    Ok(())
}

/// On PostgreSQL, moves the identity sequences of the tables the seed gave ids in past the
/// largest id stored; SQLite needs nothing (its rowids follow the largest).
pub fn advance_sequences(conn: &mut DbConnection) -> QueryResult<()> {
    let DbConnection::Pg(c) = conn else {
        return Ok(());
    };
    for table in [
        "cases",
        "case_incidents",
        "consents",
        "handoffs",
        "case_stage_changes",
        "audit_events",
    ] {
        diesel::sql_query(format!(
            "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
             GREATEST((SELECT MAX(id) FROM {table}), 1))"
        ))
        .execute(c)?;
    }
    Ok(())
}

/// On PostgreSQL, after a bulk load: `VACUUM (ANALYZE)`, so the first queries on the seeded data
/// are planned for its size and the visibility map is set (without it the menu's counts, meant to
/// be answered from an index alone, read a heap page for every row: 0.5 s a page at a million
/// cases). Autovacuum would, later. SQLite's plans are left as the services' writes leave them.
pub fn analyze(conn: &mut DbConnection) -> QueryResult<()> {
    match conn {
        DbConnection::Pg(c) => diesel::sql_query("VACUUM (ANALYZE)").execute(c).map(|_| ()),
        DbConnection::Sqlite(_) => Ok(()),
    }
}
