//! Intake: a case taken in once, numbered per province and year, with duplicate warnings for
//! earlier cases of the same person that the caller may see.

use chrono::{DateTime, Datelike, Utc};
use diesel::Connection;
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use super::json_list;
use crate::audit::{self, AuditAction, Ctx, Event};
use crate::authz::{self, Action, Actor, Resource};
use crate::crypto::Vault;
use crate::db::cases::{self as db, CaseValues, IncidentRow};
use crate::db::{DbConnection, agencies};
use crate::domain::Invalid;
use crate::domain::case::{self as domain, CaseInput, Identity, Incident, NewCase};
use crate::domain::classification as cls;
use crate::error::AppError;

/// An earlier case with the same NIK or passport number, visible to the caller.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DuplicateWarning {
    /// The earlier case's id (the caller's agency may see it: others are not listed).
    pub id: i64,
    /// The earlier case's number.
    pub case_number: String,
    /// `nik` or `passport_number`.
    pub matched: &'static str,
}

/// Answer of an intake.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Created {
    /// Id.
    pub id: i64,
    /// `JT-2026-000123`.
    pub case_number: String,
    /// Owner agency code.
    pub owner_agency: String,
    /// When.
    pub created_at: DateTime<Utc>,
    /// Version for the next `PATCH`.
    pub version: i32,
    /// Earlier cases of the same person that the caller may see.
    pub duplicates: Vec<DuplicateWarning>,
}

pub(crate) fn case_values(vault: &Vault, case: &NewCase) -> Result<CaseValues, AppError> {
    let identity = serde_json::to_vec(&case.identity).map_err(AppError::internal)?;
    Ok(CaseValues {
        identity_ciphertext: vault.seal(&identity).map_err(AppError::internal)?,
        identity_key_id: vault.key_id().to_owned(),
        nik_index: case
            .identity
            .nik
            .as_deref()
            .map(|n| vault.blind_index("nik", n)),
        passport_index: case
            .identity
            .passport_number
            .as_deref()
            .map(|p| vault.blind_index("passport", p)),
        age_band: case.profile.age_band.clone(),
        sex: case.profile.sex.clone(),
        disabilities: json_list(&case.profile.disabilities),
        nationality: case.profile.nationality.clone(),
        home_province: case.profile.home_province.clone(),
        home_district: case.profile.home_district.clone(),
        migration_stage: case.migrant.migration_stage.clone(),
        placement_channel: case.migrant.placement_channel.clone(),
        destination_country: case.migrant.destination_country.clone(),
        sector: case.migrant.sector.clone(),
        p3mi: case.migrant.p3mi.clone(),
        employer_abroad: case.migrant.employer_abroad.clone(),
        bp2mi_complaint_number: case.migrant.bp2mi_complaint_number.clone(),
        risk_level: case.risk_level.clone(),
        safety_plan: case.safety_plan.clone(),
        legal_basis: json_list(&case.legal_basis),
        procedural_regime: case.procedural_regime.clone(),
    })
}

/// The blind index of a phone number under the current key (see [`crate::crypto::phone_key`]).
pub(crate) fn phone_index(vault: &Vault, phone: Option<&str>) -> Option<String> {
    phone
        .and_then(crate::crypto::phone_key)
        .map(|p| vault.blind_index("phone", &p))
}

/// The blind indexes of the words of a name under the current key (see
/// [`crate::crypto::name_tokens`]).
pub(crate) fn name_indexes(vault: &Vault, name: &str) -> Vec<String> {
    crate::crypto::name_tokens(name)
        .iter()
        .map(|t| vault.blind_index("name", t))
        .collect()
}

pub(crate) fn incident_rows(incidents: &[Incident]) -> Vec<IncidentRow> {
    incidents
        .iter()
        .enumerate()
        .map(|(i, inc)| IncidentRow {
            position: i32::try_from(i).unwrap_or(i32::MAX),
            occurred_on: inc.date,
            place: inc.place.clone(),
            country: inc.country.clone(),
            forms: json_list(&inc.forms),
            tpks_forms: json_list(&inc.tpks_forms),
            pkdrt_forms: json_list(&inc.pkdrt_forms),
            tppo_elements: json_list(&inc.tppo_elements),
            gbvims_type: inc.gbvims_type.clone(),
            gbvims_contexts: json_list(&inc.gbvims_contexts),
            perpetrator_relation: inc.perpetrator_relation.clone(),
        })
        .collect()
}

/// Earlier cases of the same NIK or passport number, matched under every configured key: stored
/// blind indexes may still follow a retired key until `rujukan keys rotate` has rebuilt them.
pub(super) fn visible_duplicates(
    conn: &mut DbConnection,
    actor: &Actor,
    vault: &Vault,
    identity: &Identity,
    except: Option<i64>,
) -> Result<Vec<DuplicateWarning>, AppError> {
    let indexes = |kind: &str, value: &Option<String>| {
        value
            .as_deref()
            .map(|v| vault.blind_indexes(kind, v))
            .unwrap_or_default()
    };
    let found = db::duplicates(
        conn,
        &indexes("nik", &identity.nik),
        &indexes("passport", &identity.passport_number),
    )?;
    let mut out = Vec::new();
    for (row, matched) in found {
        if Some(row.id) == except {
            continue;
        }
        let scope = db::scope_of(conn, &row)?;
        if authz::can(actor, Action::CaseView, Resource::Case(&scope)).is_ok() {
            out.push(DuplicateWarning {
                id: row.id,
                case_number: row.case_number,
                matched,
            });
        }
    }
    Ok(out)
}

/// What `case.created` records: counts and which fields were given, never a value that could
/// identify the survivor or a perpetrator (the trafficking fields only when any was given).
pub(crate) fn created_details(
    case: &NewCase,
    case_number: &str,
    province: &str,
    duplicates: usize,
    assigned_to: &str,
) -> serde_json::Value {
    let mut details = json!({
        "case_number": case_number,
        "province": province,
        "incidents": case.incidents.len(),
        "has_nik": case.identity.nik.is_some(),
        "has_passport": case.identity.passport_number.is_some(),
        "duplicate_warnings": duplicates,
        "assigned_to": assigned_to,
    });
    let given = case.trafficking.given();
    if let (false, Some(map)) = (given.is_empty(), details.as_object_mut()) {
        map.insert("trafficking".to_owned(), json!(given));
        map.insert(
            "perpetrators".to_owned(),
            json!(case.trafficking.perpetrators.len()),
        );
    }
    details
}

/// Takes a case in. The caller's agency owns it; its number is allocated per province and year.
pub fn create(
    conn: &mut DbConnection,
    ctx: &Ctx,
    vault: &Vault,
    input: CaseInput,
) -> Result<Created, AppError> {
    let actor = crate::services::actor(ctx)?.clone();
    authz::can(&actor, Action::CaseCreate, Resource::System)?;
    let case = NewCase::parse(input, ctx.now.date())?;
    let province = match (&case.province, &actor.province) {
        (Some(p), _) => p.as_string(),
        (None, Some(p)) => p.clone(),
        (None, None) => {
            return Err(Invalid::new(
                "province",
                "is required when a national agency takes a case in",
            )
            .into());
        }
    };
    let values = case_values(vault, &case)?;
    let duplicates = visible_duplicates(conn, &actor, vault, &case.identity, None)?;
    let prefix = domain::case_number_prefix(&province);
    let year = ctx.now.date().year();
    let owner = agencies::by_id(conn, actor.agency_id)?.ok_or(AppError::NotFound)?;
    let (id, case_number) = conn.transaction(|conn| -> Result<(i64, String), AppError> {
        let number = db::next_number(conn, &prefix, year)?;
        let case_number = domain::format_case_number(&prefix, year, number);
        let id = db::insert(
            conn,
            &case_number,
            &province,
            actor.agency_id,
            actor.user_id,
            &values,
            ctx.now,
        )?;
        let tracks: Vec<(&str, &str)> = cls::TRACKS
            .iter()
            .filter_map(|(track, stages)| stages.first().map(|first| (track.code, first.code)))
            .collect();
        db::insert_tracks(conn, id, &tracks)?;
        db::assign(conn, id, actor.user_id, actor.user_id, ctx.now)?;
        db::insert_incidents(conn, id, &incident_rows(&case.incidents))?;
        let trafficking = super::trafficking::prepare_new(vault, id, &case.trafficking, ctx.now)?;
        super::trafficking::write(conn, id, actor.user_id, &trafficking, ctx.now)?;
        db::replace_search_indexes(
            conn,
            id,
            &name_indexes(vault, &case.identity.full_name),
            phone_index(vault, case.identity.phone.as_deref()).as_deref(),
        )?;
        crate::services::stats_upkeep::Watch::new_case(id).done(conn)?;
        audit::record(
            conn,
            ctx,
            Event::new(AuditAction::CaseCreated)
                .case(id)
                .subject("case", id)
                .details(created_details(
                    &case,
                    &case_number,
                    &province,
                    duplicates.len(),
                    &actor.username,
                )),
        )?;
        Ok((id, case_number))
    })?;
    Ok(Created {
        id,
        case_number,
        owner_agency: owner.code,
        created_at: crate::domain::utc(ctx.now),
        version: 1,
        duplicates,
    })
}
