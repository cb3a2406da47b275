//! Cases: intake, reading under need-to-know, changes with optimistic concurrency, identity
//! reveal, consent, stages and closure, notes and documents, the trafficking (TPPO) facts. Every change writes its audit event
//! in its transaction; identity never appears in an event, a log line or a list.

mod assign;
mod consent;
mod documents;
mod intake;
mod lifecycle;
mod list;
mod notes;
mod read;
mod reveal;
mod trafficking;
mod update;

pub use assign::*;
pub use consent::*;
pub use documents::*;
pub use intake::*;
pub use lifecycle::*;
pub use list::*;
pub use notes::*;
pub use read::*;
pub use reveal::*;
pub use trafficking::{PerpetratorAdd, PerpetratorView, add_perpetrator};
pub use update::*;

use crate::authz::{self, Action, Actor, CaseScope, Resource};
use crate::crypto::Vault;
use crate::db::DbConnection;
use crate::db::cases::{self as db, CaseRow, IncidentRow};
use crate::domain::case::{Identity, Incident, MigrantFacts, Profile};
use crate::error::AppError;

pub(super) fn json_list(values: &[String]) -> String {
    serde_json::to_string(values).unwrap_or_else(|_| "[]".to_owned())
}

pub(super) fn parse_list(text: &str) -> Vec<String> {
    serde_json::from_str(text).unwrap_or_default()
}

/// Loads a case the actor may act on with `action`; everything else is 404 or 403.
pub(super) fn load(
    conn: &mut DbConnection,
    actor: &Actor,
    id: i64,
    action: Action,
) -> Result<(CaseRow, CaseScope), AppError> {
    let (row, scope) = db::scope(conn, id)?.ok_or(AppError::NotFound)?;
    // Whoever may not even see the case learns nothing more than "not found".
    authz::can(actor, Action::CaseView, Resource::Case(&scope)).map_err(|_| AppError::NotFound)?;
    authz::can(actor, action, Resource::Case(&scope))?;
    Ok((row, scope))
}

/// The kind of the agency `agency_id`.
pub(super) fn agency_kind(
    conn: &mut DbConnection,
    agency_id: i64,
) -> Result<crate::domain::agency::AgencyKind, AppError> {
    let agency = crate::db::agencies::by_id(conn, agency_id)?.ok_or(AppError::NotFound)?;
    crate::domain::agency::AgencyKind::parse(&agency.kind).map_err(AppError::internal)
}

pub(super) fn profile_of(row: &CaseRow) -> Profile {
    Profile {
        age_band: row.age_band.clone(),
        sex: row.sex.clone(),
        disabilities: parse_list(&row.disabilities),
        nationality: row.nationality.clone(),
        home_province: row.home_province.clone(),
        home_district: row.home_district.clone(),
    }
}

pub(super) fn migrant_of(row: &CaseRow) -> MigrantFacts {
    MigrantFacts {
        migration_stage: row.migration_stage.clone(),
        placement_channel: row.placement_channel.clone(),
        destination_country: row.destination_country.clone(),
        sector: row.sector.clone(),
        p3mi: row.p3mi.clone(),
        employer_abroad: row.employer_abroad.clone(),
        bp2mi_complaint_number: row.bp2mi_complaint_number.clone(),
    }
}

pub(super) fn incidents_of(rows: Vec<IncidentRow>) -> Vec<Incident> {
    rows.into_iter()
        .map(|r| Incident {
            date: r.occurred_on,
            place: r.place,
            country: r.country,
            forms: parse_list(&r.forms),
            tpks_forms: parse_list(&r.tpks_forms),
            pkdrt_forms: parse_list(&r.pkdrt_forms),
            tppo_elements: parse_list(&r.tppo_elements),
            gbvims_type: r.gbvims_type,
            gbvims_contexts: parse_list(&r.gbvims_contexts),
            perpetrator_relation: r.perpetrator_relation,
        })
        .collect()
}

pub(super) fn open_identity(vault: &Vault, row: &CaseRow) -> Result<Identity, AppError> {
    let bytes = vault
        .open(&row.identity_key_id, &row.identity_ciphertext)
        .map_err(AppError::internal)?;
    serde_json::from_slice(&bytes).map_err(AppError::internal)
}
