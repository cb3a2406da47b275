//! Changing a case with optimistic concurrency: each section needs the category that holds it.

use std::collections::BTreeSet;

use diesel::Connection;
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use super::{
    CaseDetail, incidents_of, intake::case_values, intake::incident_rows, load, migrant_of,
    open_identity, parse_list, profile_of, read::detail_with, trafficking,
};
use crate::audit::{self, AuditAction, Ctx, Event};
use crate::authz::{self, Action, Category, Resource};
use crate::crypto::Vault;
use crate::db::DbConnection;
use crate::db::cases::{self as db, CaseRow};
use crate::domain::case::{
    CaseInput, Incident, IncidentInput, MigrantInput, NewCase, PerpetratorInput, RepatriationInput,
    SurvivorInput,
};
use crate::error::AppError;
use crate::error::ErrorCode;

/// `PATCH /cases/{id}`: sections given replace the stored ones; `version` must be current.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CasePatch {
    /// The version read last; a newer stored version is a 409.
    pub version: i32,
    /// Replaces the survivor section (identity included; omitted identity fields are kept).
    #[serde(default)]
    pub survivor: Option<SurvivorPatch>,
    /// Replaces the migrant facts.
    #[serde(default)]
    pub migrant: Option<MigrantInput>,
    /// Replaces the incidents.
    #[serde(default)]
    pub incidents: Option<Vec<IncidentInput>>,
    /// New risk level.
    #[serde(default)]
    pub risk_level: Option<String>,
    /// New safety plan.
    #[serde(default)]
    pub safety_plan: Option<String>,
    /// New legal basis.
    #[serde(default)]
    pub legal_basis: Option<Vec<String>>,
    /// New procedural regime.
    #[serde(default)]
    pub procedural_regime: Option<String>,
    /// New intake channel code (`""` clears it).
    #[serde(default)]
    pub intake_channel: Option<String>,
    /// Replaces the repatriation facts (both fields; an omitted one is cleared).
    #[serde(default)]
    pub repatriation: Option<RepatriationInput>,
    /// Replaces the chronology (`""` clears it; encrypted).
    #[serde(default)]
    pub chronology: Option<String>,
    /// Replaces the list of perpetrators and intermediaries (`[]` empties it). To add one, use
    /// `POST /api/v1/cases/{id}/perpetrators`.
    #[serde(default)]
    pub perpetrators: Option<Vec<PerpetratorInput>>,
}

impl CasePatch {
    /// A patch of no section, from `version` (sections are set one by one).
    pub fn empty(version: i32) -> Self {
        CasePatch {
            version,
            ..Default::default()
        }
    }

    /// The data categories the patch touches: each needs the caller's agency to hold it
    /// (identity and the safety plan: `identity`; incidents, the chronology and the perpetrators:
    /// `incident`; legal basis and regime: `legal`; the profile, migrant facts, risk level, intake
    /// channel and repatriation: `summary`).
    pub fn categories(&self) -> BTreeSet<Category> {
        let mut out = BTreeSet::new();
        if let Some(s) = &self.survivor {
            let identity = [
                s.full_name.is_some(),
                s.nik.is_some(),
                s.passport_number.is_some(),
                s.phone.is_some(),
                s.address.is_some(),
                s.date_of_birth.is_some(),
            ];
            let profile = [
                s.age_band.is_some(),
                s.sex.is_some(),
                s.disabilities.is_some(),
                s.nationality.is_some(),
                s.home_province.is_some(),
                s.home_district.is_some(),
            ];
            if identity.contains(&true) {
                out.insert(Category::Identity);
            }
            if profile.contains(&true) {
                out.insert(Category::Summary);
            }
        }
        if self.safety_plan.is_some() {
            out.insert(Category::Identity);
        }
        if self.incidents.is_some() || self.chronology.is_some() || self.perpetrators.is_some() {
            out.insert(Category::Incident);
        }
        if self.intake_channel.is_some() || self.repatriation.is_some() {
            out.insert(Category::Summary);
        }
        if self.legal_basis.is_some() || self.procedural_regime.is_some() {
            out.insert(Category::Legal);
        }
        if self.migrant.is_some() || self.risk_level.is_some() || out.is_empty() {
            out.insert(Category::Summary);
        }
        out
    }
}

/// The survivor section of a patch: every field optional.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SurvivorPatch {
    /// Full name.
    pub full_name: Option<String>,
    /// NIK.
    pub nik: Option<String>,
    /// Passport number.
    pub passport_number: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// Address.
    pub address: Option<String>,
    /// Date of birth.
    pub date_of_birth: Option<String>,
    /// Age band.
    pub age_band: Option<String>,
    /// Sex.
    pub sex: Option<String>,
    /// Disabilities.
    pub disabilities: Option<Vec<String>>,
    /// Nationality.
    pub nationality: Option<String>,
    /// Home province.
    pub home_province: Option<String>,
    /// Home district.
    pub home_district: Option<String>,
}

pub(super) fn incident_input(inc: Incident) -> IncidentInput {
    IncidentInput {
        date: inc.date.map(|d| d.to_string()),
        place: inc.place,
        country: inc.country,
        forms: inc.forms,
        tpks_forms: inc.tpks_forms,
        pkdrt_forms: inc.pkdrt_forms,
        tppo_elements: inc.tppo_elements,
        gbvims_type: inc.gbvims_type,
        gbvims_contexts: inc.gbvims_contexts,
        perpetrator_relation: inc.perpetrator_relation,
    }
}

/// The case's incidents as a patch would give them (to add one to the list): the caller's
/// agency must hold the `incident` category to change them.
pub fn incident_inputs(
    conn: &mut DbConnection,
    ctx: &Ctx,
    id: i64,
) -> Result<Vec<IncidentInput>, AppError> {
    let actor = crate::services::actor(ctx)?;
    load(conn, actor, id, Action::CaseEdit(Category::Incident))?;
    Ok(incidents_of(db::incidents(conn, id)?)
        .into_iter()
        .map(incident_input)
        .collect())
}

/// Applies a patch; a stale version is 409 `case.stale_version` and changes nothing.
pub fn update(
    conn: &mut DbConnection,
    ctx: &Ctx,
    vault: &Vault,
    id: i64,
    patch: CasePatch,
) -> Result<CaseDetail, AppError> {
    let actor = crate::services::actor(ctx)?.clone();
    let (row, scope) = load(conn, &actor, id, Action::CaseView)?;
    for category in patch.categories() {
        authz::can(&actor, Action::CaseEdit(category), Resource::Case(&scope))?;
    }
    if !row.status.is_open() {
        return Err(AppError::Conflict {
            code: ErrorCode::CaseClosed,
            detail: "The case is closed.".to_owned(),
        });
    }
    let input = patched_input(conn, vault, &row, &patch)?;
    let case = NewCase::parse(input, ctx.now.date())?;
    let values = case_values(vault, &case)?;
    let trafficking = trafficking::prepare_change(conn, vault, id, &patch.trafficking(), ctx)?;
    let sections = patch.sections();
    conn.transaction(|conn| -> Result<(), AppError> {
        let watch = crate::services::stats_upkeep::Watch::case(conn, id)?;
        if !db::update_if_version(conn, id, patch.version, &values, ctx.now)? {
            return Err(AppError::Conflict {
                code: ErrorCode::CaseStaleVersion,
                detail:
                    "The case changed since you read it; reload it and apply your change again."
                        .to_owned(),
            });
        }
        if patch.incidents.is_some() {
            use crate::db::schema::case_incidents;
            use diesel::prelude::*;
            diesel::delete(case_incidents::table.filter(case_incidents::case_id.eq(id)))
                .execute(conn)?;
            db::insert_incidents(conn, id, &incident_rows(&case.incidents))?;
        }
        trafficking::write(conn, id, actor.user_id, &trafficking, ctx.now)?;
        if patch.survivor.is_some() {
            let names = super::intake::name_indexes(vault, &case.identity.full_name);
            let phone = super::intake::phone_index(vault, case.identity.phone.as_deref());
            db::replace_search_indexes(conn, id, &names, phone.as_deref())?;
        }
        watch.done(conn)?;
        audit::record(
            conn,
            ctx,
            Event::new(AuditAction::CaseUpdated)
                .case(id)
                .subject("case", id)
                // The update above bumped the version, so it is below the largest.
                .details(json!({"sections": sections, "version": patch.version.saturating_add(1)})),
        )?;
        Ok(())
    })?;
    detail_with(conn, ctx, Some(vault), id)
}

impl CasePatch {
    /// The trafficking fields the patch gives.
    fn trafficking(&self) -> trafficking::Change<'_> {
        trafficking::Change {
            intake_channel: self.intake_channel.as_deref(),
            repatriation: self.repatriation.as_ref(),
            chronology: self.chronology.as_deref(),
            perpetrators: self.perpetrators.as_deref(),
        }
    }

    /// The names of the sections the patch gives, as recorded in `case.updated`.
    fn sections(&self) -> Vec<&'static str> {
        [
            ("survivor", self.survivor.is_some()),
            ("migrant", self.migrant.is_some()),
            ("incidents", self.incidents.is_some()),
            ("risk_level", self.risk_level.is_some()),
            ("safety_plan", self.safety_plan.is_some()),
            ("legal_basis", self.legal_basis.is_some()),
            ("procedural_regime", self.procedural_regime.is_some()),
            ("intake_channel", self.intake_channel.is_some()),
            ("repatriation", self.repatriation.is_some()),
            ("chronology", self.chronology.is_some()),
            ("perpetrators", self.perpetrators.is_some()),
        ]
        .into_iter()
        .filter_map(|(name, given)| given.then_some(name))
        .collect()
    }
}

/// The whole intake as it would be after the patch: each section the patch gives replaces the
/// stored one, the rest is read back from the case, so that the result is validated as a whole.
fn patched_input(
    conn: &mut DbConnection,
    vault: &Vault,
    row: &CaseRow,
    patch: &CasePatch,
) -> Result<CaseInput, AppError> {
    let keep = |new: Option<String>, old: Option<String>| new.or(old);
    let survivor = patched_survivor(vault, row, patch.survivor.clone().unwrap_or_default())?;
    let m = migrant_of(row);
    Ok(CaseInput {
        survivor,
        migrant: Some(patch.migrant.clone().unwrap_or(MigrantInput {
            migration_stage: m.migration_stage,
            placement_channel: m.placement_channel,
            destination_country: m.destination_country,
            sector: m.sector,
            p3mi: m.p3mi,
            employer_abroad: m.employer_abroad,
            bp2mi_complaint_number: m.bp2mi_complaint_number,
        })),
        incidents: match patch.incidents.clone() {
            Some(list) => list,
            None => incidents_of(db::incidents(conn, row.id)?)
                .into_iter()
                .map(incident_input)
                .collect(),
        },
        risk_level: keep(patch.risk_level.clone(), row.risk_level.clone()),
        safety_plan: keep(patch.safety_plan.clone(), row.safety_plan.clone()),
        legal_basis: patch
            .legal_basis
            .clone()
            .unwrap_or_else(|| parse_list(&row.legal_basis)),
        procedural_regime: keep(
            patch.procedural_regime.clone(),
            row.procedural_regime.clone(),
        ),
        province: None,
        ..CaseInput::default()
    })
}

/// The survivor section after the patch: each field given replaces the stored one (identity
/// opened from the vault).
fn patched_survivor(
    vault: &Vault,
    row: &CaseRow,
    s: SurvivorPatch,
) -> Result<SurvivorInput, AppError> {
    let identity = open_identity(vault, row)?;
    let profile = profile_of(row);
    let keep = |new: Option<String>, old: Option<String>| new.or(old);
    let dob_changed = s.date_of_birth.is_some();
    Ok(SurvivorInput {
        full_name: s.full_name.unwrap_or(identity.full_name),
        nik: keep(s.nik, identity.nik),
        passport_number: keep(s.passport_number, identity.passport_number),
        phone: keep(s.phone, identity.phone),
        address: keep(s.address, identity.address),
        date_of_birth: keep(
            s.date_of_birth,
            identity.date_of_birth.map(|d| d.to_string()),
        ),
        // A stored band derived from the date of birth is derived again, not checked against itself.
        age_band: if dob_changed || identity.date_of_birth.is_some() {
            s.age_band
        } else {
            keep(s.age_band, profile.age_band)
        },
        sex: keep(s.sex, profile.sex),
        disabilities: s.disabilities.unwrap_or(profile.disabilities),
        nationality: keep(s.nationality, profile.nationality),
        home_province: keep(s.home_province, profile.home_province),
        home_district: keep(s.home_district, profile.home_district),
    })
}
