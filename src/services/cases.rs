//! Cases: intake, reading under need-to-know, changes with optimistic concurrency, identity
//! reveal, consent, stages and closure, notes and documents. Every change writes its audit event
//! in its transaction; identity never appears in an event, a log line or a list.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use chrono::{DateTime, Datelike, Utc};
use diesel::Connection;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::audit::{self, AuditAction, Ctx, Event};
use crate::authz::{self, Action, Actor, CaseScope, Category, Resource};
use crate::crypto::Vault;
use crate::db::cases::{self as db, CaseFilter, CaseRow, CaseValues, IncidentRow};
use crate::db::{DbConnection, agencies};
use crate::domain::Invalid;
use crate::domain::case::{
    self as domain, CaseInput, Identity, Incident, IncidentInput, MigrantFacts, MigrantInput,
    NewCase, Profile, SurvivorInput,
};
use crate::domain::classification as cls;
use crate::domain::timeline::{Viewer, consent_visible};
use crate::error::AppError;

fn json_list(values: &[String]) -> String {
    serde_json::to_string(values).unwrap_or_else(|_| "[]".to_owned())
}

fn parse_list(text: &str) -> Vec<String> {
    serde_json::from_str(text).unwrap_or_default()
}

/// An earlier case with the same NIK or passport number, visible to the caller.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DuplicateWarning {
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

fn case_values(vault: &Vault, case: &NewCase) -> Result<CaseValues, AppError> {
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

fn incident_rows(incidents: &[Incident]) -> Vec<IncidentRow> {
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
fn visible_duplicates(
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
                case_number: row.case_number,
                matched,
            });
        }
    }
    Ok(out)
}

/// Takes a case in. The caller's agency owns it; its number is allocated per province and year.
pub fn create(
    conn: &mut DbConnection,
    ctx: &Ctx,
    vault: &Vault,
    input: CaseInput,
) -> Result<Created, AppError> {
    let actor = super::actor(ctx)?.clone();
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
        db::insert_incidents(conn, id, &incident_rows(&case.incidents))?;
        super::stats_upkeep::Watch::new_case(id).done(conn)?;
        audit::record(
            conn,
            ctx,
            Event::new(AuditAction::CaseCreated)
                .case(id)
                .subject("case", id)
                .details(json!({
                    "case_number": case_number,
                    "province": province,
                    "incidents": case.incidents.len(),
                    "has_nik": case.identity.nik.is_some(),
                    "has_passport": case.identity.passport_number.is_some(),
                    "duplicate_warnings": duplicates.len(),
                })),
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

/// Legal qualification, shown to parties holding the `legal` category.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Legal {
    /// Legal basis codes.
    pub legal_basis: Vec<String>,
    /// Procedural regime.
    pub procedural_regime: Option<String>,
}

/// A case as the caller may see it: sections the caller's agency does not hold are absent.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CaseDetail {
    /// Id.
    pub id: i64,
    /// Number.
    pub case_number: String,
    /// Province.
    pub province: String,
    /// Owner agency code.
    pub owner_agency: String,
    /// `open` or `closed`.
    pub status: String,
    /// Why closed.
    pub closure_reason: Option<String>,
    /// Send with the next `PATCH`.
    pub version: i32,
    /// Stage of each track.
    pub tracks: BTreeMap<String, String>,
    /// Non-identifying survivor profile.
    pub survivor: Profile,
    /// Identity is never in this answer; reveal it with a purpose.
    pub identity_hidden: bool,
    /// Migrant-worker facts.
    pub migrant: MigrantFacts,
    /// Risk level.
    pub risk_level: Option<String>,
    /// Safety plan (agencies holding identity only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub safety_plan: Option<String>,
    /// Incidents (agencies holding `incident`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incidents: Option<Vec<Incident>>,
    /// Legal qualification (agencies holding `legal`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub legal: Option<Legal>,
    /// The data categories the caller's agency holds.
    pub categories: Vec<String>,
    /// What the caller may do with the case, as the policy answers it.
    pub actions: CaseActions,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Changed.
    pub updated_at: DateTime<Utc>,
}

/// What the caller may do with a case: the policy's answers, so that clients offer only what
/// works (docs/ACCESS.md).
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct CaseActions {
    /// Categories whose part of the case the caller may change (`summary` also covers stages
    /// and the agency's own notes; `documents` uploads).
    pub edit: Vec<String>,
    /// May close or reopen the case (the owner).
    pub close: bool,
    /// Consent purposes the caller may record or withdraw.
    pub record_consent: Vec<String>,
    /// May send the case on (see `handoff-options`).
    pub send: bool,
    /// May reveal the survivor's identity, with a purpose.
    pub reveal_identity: bool,
    /// May list and download the case's documents.
    pub read_documents: bool,
    /// The caller's agency has only a pending handoff of the case: it reads the summary to
    /// decide, and acts only after accepting.
    pub pending: bool,
}

impl CaseActions {
    /// The policy's answers for `actor` on the case of `scope`.
    pub fn of(actor: &Actor, scope: &CaseScope) -> Self {
        let may = |action| authz::can(actor, action, Resource::Case(scope)).is_ok();
        CaseActions {
            edit: Category::ALL
                .into_iter()
                .filter(|c| may(Action::CaseEdit(*c)))
                .map(|c| c.as_str().to_owned())
                .collect(),
            close: may(Action::CaseClose),
            record_consent: cls::CONSENT_PURPOSE
                .codes()
                .into_iter()
                .filter(|p| {
                    authz::can(
                        actor,
                        Action::ConsentRecord,
                        Resource::CaseConsent(scope, p),
                    )
                    .is_ok()
                })
                .map(str::to_owned)
                .collect(),
            send: may(Action::HandoffSend),
            reveal_identity: may(Action::IdentityReveal),
            read_documents: may(Action::DocumentRead),
            pending: scope
                .holding_of(actor.agency_id)
                .is_some_and(crate::domain::holding::Holding::is_pending_only),
        }
    }
}

fn profile_of(row: &CaseRow) -> Profile {
    Profile {
        age_band: row.age_band.clone(),
        sex: row.sex.clone(),
        disabilities: parse_list(&row.disabilities),
        nationality: row.nationality.clone(),
        home_province: row.home_province.clone(),
        home_district: row.home_district.clone(),
    }
}

fn migrant_of(row: &CaseRow) -> MigrantFacts {
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

fn incidents_of(rows: Vec<IncidentRow>) -> Vec<Incident> {
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

/// Loads a case the actor may act on with `action`; everything else is 404 or 403.
fn load(
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

/// One case, shaped by the categories the actor's agency holds; the read is recorded
/// (`case.viewed`) for the case's access log.
pub fn get(conn: &mut DbConnection, ctx: &Ctx, id: i64) -> Result<CaseDetail, AppError> {
    let detail = detail(conn, ctx, id)?;
    conn.transaction(|conn| {
        audit::record(
            conn,
            ctx,
            Event::new(AuditAction::CaseViewed)
                .case(id)
                .subject("case", id)
                .details(json!({"categories": detail.categories})),
        )
    })?;
    Ok(detail)
}

/// The case as answered after a change the actor just made (not a separate read).
/// The case's current version, for a form that must notice a change made since it was shown.
/// Not a read of the case's content, so not recorded.
pub fn current_version(conn: &mut DbConnection, ctx: &Ctx, id: i64) -> Result<i32, AppError> {
    let actor = super::actor(ctx)?;
    let (row, _) = load(conn, actor, id, Action::CaseView)?;
    Ok(row.version)
}

fn detail(conn: &mut DbConnection, ctx: &Ctx, id: i64) -> Result<CaseDetail, AppError> {
    let actor = super::actor(ctx)?;
    let (row, scope) = load(conn, actor, id, Action::CaseView)?;
    let held: BTreeSet<Category> = scope.categories_of(actor.agency_id).unwrap_or_default();
    let owner = agencies::by_id(conn, row.owner_agency_id)?.ok_or(AppError::NotFound)?;
    let tracks: BTreeMap<String, String> = db::tracks(conn, id)?.into_iter().collect();
    let incidents = if held.contains(&Category::Incident) {
        Some(incidents_of(db::incidents(conn, id)?))
    } else {
        None
    };
    let categories: Vec<String> = held.iter().map(|c| c.as_str().to_owned()).collect();
    Ok(CaseDetail {
        id: row.id,
        case_number: row.case_number.clone(),
        province: row.province.clone(),
        owner_agency: owner.code,
        status: row.status.clone(),
        closure_reason: row.closure_reason.clone(),
        version: row.version,
        tracks,
        survivor: profile_of(&row),
        identity_hidden: true,
        migrant: migrant_of(&row),
        risk_level: row.risk_level.clone(),
        safety_plan: if held.contains(&Category::Identity) {
            row.safety_plan.clone()
        } else {
            None
        },
        incidents,
        legal: held.contains(&Category::Legal).then(|| Legal {
            legal_basis: parse_list(&row.legal_basis),
            procedural_regime: row.procedural_regime.clone(),
        }),
        categories,
        actions: CaseActions::of(actor, &scope),
        created_at: crate::domain::utc(row.created_at),
        updated_at: crate::domain::utc(row.updated_at),
    })
}

/// A case in a list: no identity, no incidents.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CaseListItem {
    /// Id.
    pub id: i64,
    /// Number.
    pub case_number: String,
    /// Owner agency code.
    pub owner_agency: String,
    /// Province.
    pub province: String,
    /// `open` / `closed`.
    pub status: String,
    /// Risk level.
    pub risk_level: Option<String>,
    /// Age band.
    pub age_band: Option<String>,
    /// Stage of each track.
    pub tracks: BTreeMap<String, String>,
    /// Created.
    pub created_at: DateTime<Utc>,
}

/// Query filters, as received.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CaseQuery {
    /// Case number or a part of it, e.g. `2026-0001` (letters and digits and `-`).
    pub number: Option<String>,
    /// `track:stage`, e.g. `justice:reported_to_police`.
    pub stage: Option<String>,
    /// Only cases whose track has left its first stage.
    pub track: Option<String>,
    /// Province code.
    pub province: Option<String>,
    /// SIMFONI-PPA form of violence code.
    pub form: Option<String>,
    /// Created on or after (`YYYY-MM-DD`).
    pub from: Option<String>,
    /// Created on or before (`YYYY-MM-DD`).
    pub to: Option<String>,
    /// Risk level code.
    pub risk: Option<String>,
    /// `open` or `closed`.
    pub status: Option<String>,
    /// Items per page (1–200).
    pub limit: Option<i64>,
    /// Cursor from the previous page.
    pub cursor: Option<String>,
}

fn parse_filter(query: &CaseQuery) -> Result<(CaseFilter, Option<String>), AppError> {
    let mut problems = Vec::new();
    let mut filter = CaseFilter::default();
    if let Some(stage) = query.stage.as_deref() {
        match stage.split_once(':') {
            Some((track, code))
                if cls::stages(track).is_some_and(|s| s.iter().any(|t| t.code == code)) =>
            {
                filter.stage = Some((track.to_owned(), code.to_owned()));
            }
            _ => problems.push(Invalid::new(
                "stage",
                "must be TRACK:STAGE with a known track and stage, e.g. justice:reported_to_police",
            )),
        }
    }
    let track = match query.track.as_deref() {
        Some(track) if cls::stages(track).is_some() => Some(track.to_owned()),
        Some(_) => {
            problems.push(Invalid::new(
                "track",
                "must be service, justice, protection or migrant_complaint",
            ));
            None
        }
        None => None,
    };
    if let Some(province) = query.province.as_deref() {
        match crate::domain::agency::ProvinceCode::parse(province) {
            Ok(p) => filter.province = Some(p.as_string()),
            Err(e) => problems.push(e),
        }
    }
    if let Some(form) = query.form.as_deref() {
        if cls::VIOLENCE_FORM.contains(form) {
            filter.form = Some(form.to_owned());
        } else {
            problems.push(Invalid::new(
                "form",
                format!(
                    "unknown code; expected one of {}",
                    cls::VIOLENCE_FORM.codes().join(", ")
                ),
            ));
        }
    }
    if let Some(risk) = query.risk.as_deref() {
        if cls::RISK_LEVEL.contains(risk) {
            filter.risk_level = Some(risk.to_owned());
        } else {
            problems.push(Invalid::new(
                "risk",
                format!(
                    "unknown code; expected one of {}",
                    cls::RISK_LEVEL.codes().join(", ")
                ),
            ));
        }
    }
    if let Some(status) = query.status.as_deref() {
        if matches!(status, "open" | "closed") {
            filter.status = Some(status.to_owned());
        } else {
            problems.push(Invalid::new("status", "must be open or closed"));
        }
    }
    if let Some(number) = query.number.as_deref().map(str::trim) {
        if !number.is_empty()
            && number.len() <= 32
            && number
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            filter.number = Some(number.to_ascii_uppercase());
        } else {
            problems.push(Invalid::new(
                "number",
                "must be a case number or part of one (letters, digits and -)",
            ));
        }
    }
    let date = |field: &'static str, text: &str, problems: &mut Vec<Invalid>| {
        crate::domain::parse_date(text)
            .ok_or(())
            .map_err(|_| problems.push(Invalid::new(field, "must be a date written YYYY-MM-DD")))
            .ok()
    };
    if let Some(from) = query.from.as_deref() {
        filter.from = date("from", from, &mut problems).and_then(|d| d.and_hms_opt(0, 0, 0));
    }
    if let Some(to) = query.to.as_deref() {
        filter.to = date("to", to, &mut problems)
            .and_then(|d| d.succ_opt())
            .and_then(|d| d.and_hms_opt(0, 0, 0));
    }
    if problems.is_empty() {
        Ok((filter, track))
    } else {
        Err(problems.into())
    }
}

/// The cases the actor's agency is party to, newest first, filtered.
pub fn list(
    conn: &mut DbConnection,
    ctx: &Ctx,
    query: &CaseQuery,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<CaseListItem>, AppError> {
    let actor = super::actor(ctx)?;
    authz::can(actor, Action::CaseView, Resource::System)?;
    let (filter, track) = parse_filter(query)?;
    let mut out = Vec::new();
    let mut cursor = before;
    // A track filter is applied here (on the first stage), so keep reading until the page is full.
    loop {
        let rows = db::visible_to(conn, actor.agency_id, &filter, cursor, limit)?;
        let exhausted = i64::try_from(rows.len()).is_ok_and(|n| n < limit);
        for row in rows {
            cursor = Some(row.id);
            let scope = db::scope_of(conn, &row)?;
            if authz::can(actor, Action::CaseView, Resource::Case(&scope)).is_err() {
                continue;
            }
            let tracks: BTreeMap<String, String> = db::tracks(conn, row.id)?.into_iter().collect();
            if let Some(track) = &track {
                let first = cls::stages(track).and_then(|s| s.first()).map(|t| t.code);
                if tracks.get(track).map(String::as_str) == first {
                    continue;
                }
            }
            let owner = agencies::by_id(conn, row.owner_agency_id)?
                .map(|a| a.code)
                .unwrap_or_default();
            out.push(CaseListItem {
                id: row.id,
                case_number: row.case_number,
                owner_agency: owner,
                province: row.province,
                status: row.status,
                risk_level: row.risk_level,
                age_band: row.age_band,
                tracks,
                created_at: crate::domain::utc(row.created_at),
            });
            if i64::try_from(out.len()).is_ok_and(|n| n == limit) {
                return Ok(out);
            }
        }
        if exhausted {
            return Ok(out);
        }
    }
}

/// `PATCH /cases/{id}`: sections given replace the stored ones; `version` must be current.
#[derive(Debug, Clone, Deserialize, ToSchema)]
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
}

impl CasePatch {
    /// The data categories the patch touches: each needs the caller's agency to hold it
    /// (identity and the safety plan: `identity`; incidents: `incident`; legal basis and regime:
    /// `legal`; the profile, migrant facts and risk level: `summary`).
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
        if self.incidents.is_some() {
            out.insert(Category::Incident);
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

fn open_identity(vault: &Vault, row: &CaseRow) -> Result<Identity, AppError> {
    let bytes = vault
        .open(&row.identity_key_id, &row.identity_ciphertext)
        .map_err(AppError::internal)?;
    serde_json::from_slice(&bytes).map_err(AppError::internal)
}

fn incident_input(inc: Incident) -> IncidentInput {
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

/// Applies a patch; a stale version is 409 `case.stale_version` and changes nothing.
pub fn update(
    conn: &mut DbConnection,
    ctx: &Ctx,
    vault: &Vault,
    id: i64,
    patch: CasePatch,
) -> Result<CaseDetail, AppError> {
    let actor = super::actor(ctx)?.clone();
    let (row, scope) = load(conn, &actor, id, Action::CaseView)?;
    for category in patch.categories() {
        authz::can(&actor, Action::CaseEdit(category), Resource::Case(&scope))?;
    }
    if row.status == "closed" {
        return Err(AppError::Conflict {
            code: "case.closed",
            detail: "The case is closed.".to_owned(),
        });
    }
    let identity = open_identity(vault, &row)?;
    let profile = profile_of(&row);
    let s = patch.survivor.clone().unwrap_or_default();
    let keep = |new: Option<String>, old: Option<String>| new.or(old);
    let dob_changed = s.date_of_birth.is_some();
    let survivor = SurvivorInput {
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
    };
    let m = migrant_of(&row);
    let input = CaseInput {
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
            None => incidents_of(db::incidents(conn, id)?)
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
    };
    let case = NewCase::parse(input, ctx.now.date())?;
    let values = case_values(vault, &case)?;
    let sections: Vec<&str> = [
        ("survivor", patch.survivor.is_some()),
        ("migrant", patch.migrant.is_some()),
        ("incidents", patch.incidents.is_some()),
        ("risk_level", patch.risk_level.is_some()),
        ("safety_plan", patch.safety_plan.is_some()),
        ("legal_basis", patch.legal_basis.is_some()),
        ("procedural_regime", patch.procedural_regime.is_some()),
    ]
    .into_iter()
    .filter_map(|(name, given)| given.then_some(name))
    .collect();
    conn.transaction(|conn| -> Result<(), AppError> {
        let watch = super::stats_upkeep::Watch::case(conn, id)?;
        if !db::update_if_version(conn, id, patch.version, &values, ctx.now)? {
            return Err(AppError::Conflict {
                code: "case.stale_version",
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
    detail(conn, ctx, id)
}

/// Reveals the survivor's identity for a stated purpose; recorded as an event.
pub fn reveal_identity(
    conn: &mut DbConnection,
    ctx: &Ctx,
    vault: &Vault,
    id: i64,
    purpose: &str,
) -> Result<Identity, AppError> {
    let actor = super::actor(ctx)?;
    let purpose = purpose.trim();
    if purpose.chars().count() < 5 || purpose.chars().count() > 500 {
        return Err(Invalid::new(
            "purpose",
            "state why you need the identity (5–500 characters)",
        )
        .into());
    }
    let (row, _) = load(conn, actor, id, Action::IdentityReveal)?;
    let identity = open_identity(vault, &row)?;
    conn.transaction(|conn| {
        audit::record(
            conn,
            ctx,
            Event::new(AuditAction::IdentityRevealed)
                .case(id)
                .subject("case", id)
                .details(json!({"purpose": purpose})),
        )
    })?;
    Ok(identity)
}

/// `POST /cases/{id}/consents`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentInput {
    /// Purpose code.
    pub purpose: String,
    /// Given (`true`) or withdrawn (`false`).
    pub given: bool,
    /// Only for this receiving agency (code).
    #[serde(default)]
    pub recipient_agency: Option<String>,
    /// Method code (default `written`).
    #[serde(default)]
    pub method: Option<String>,
    /// `survivor` (default for adults), `guardian`, or `legal_basis` (a child whose guardian is the alleged perpetrator).
    #[serde(default)]
    pub given_by: Option<String>,
    /// The legal basis relied on when `given_by` is `legal_basis`.
    #[serde(default)]
    pub legal_basis: Option<String>,
}

/// A consent record as shown.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ConsentView {
    /// Id.
    pub id: i64,
    /// Purpose.
    pub purpose: String,
    /// Receiving agency code, if limited to one.
    pub recipient_agency: Option<String>,
    /// Given or withdrawn.
    pub given: bool,
    /// Method.
    pub method: String,
    /// Who decided.
    pub given_by: String,
    /// Legal basis when not the survivor's or guardian's decision.
    pub legal_basis: Option<String>,
    /// Recorder's username.
    pub recorded_by: String,
    /// When.
    pub recorded_at: DateTime<Utc>,
}

fn consent_view(conn: &mut DbConnection, row: db::ConsentRow) -> Result<ConsentView, AppError> {
    let recipient = match row.recipient_agency_id {
        Some(id) => agencies::by_id(conn, id)?.map(|a| a.code),
        None => None,
    };
    let recorder = crate::db::users::by_id(conn, row.recorded_by)?
        .map(|u| u.username)
        .unwrap_or_default();
    Ok(ConsentView {
        id: row.id,
        purpose: row.purpose,
        recipient_agency: recipient,
        given: row.given,
        method: row.method,
        given_by: row.given_by,
        legal_basis: row.legal_basis,
        recorded_by: recorder,
        recorded_at: crate::domain::utc(row.recorded_at),
    })
}

/// Records consent given or withdrawn.
pub fn record_consent(
    conn: &mut DbConnection,
    ctx: &Ctx,
    id: i64,
    input: ConsentInput,
) -> Result<ConsentView, AppError> {
    let actor = super::actor(ctx)?.clone();
    let (row, scope) = load(conn, &actor, id, Action::CaseView)?;
    authz::can(
        &actor,
        Action::ConsentRecord,
        Resource::CaseConsent(&scope, input.purpose.trim()),
    )?;
    let mut problems = Vec::new();
    if !cls::CONSENT_PURPOSE.contains(&input.purpose) {
        problems.push(Invalid::new(
            "purpose",
            format!(
                "unknown code; expected one of {}",
                cls::CONSENT_PURPOSE.codes().join(", ")
            ),
        ));
    }
    let method = input.method.clone().unwrap_or_else(|| "written".to_owned());
    if !cls::CONSENT_METHOD.contains(&method) {
        problems.push(Invalid::new(
            "method",
            format!(
                "unknown code; expected one of {}",
                cls::CONSENT_METHOD.codes().join(", ")
            ),
        ));
    }
    let child = row.age_band.as_deref().is_some_and(domain::is_child_band);
    let given_by = input
        .given_by
        .clone()
        .unwrap_or_else(|| if child { "guardian" } else { "survivor" }.to_owned());
    match given_by.as_str() {
        "survivor" if child => problems.push(Invalid::new(
            "given_by",
            "for a child, record the guardian's consent, or the legal basis when the guardian is the alleged perpetrator",
        )),
        "survivor" | "guardian" => {}
        "legal_basis" => {
            if input.legal_basis.as_deref().map(str::trim).is_none_or(str::is_empty) {
                problems.push(Invalid::new("legal_basis", "is required when given_by is legal_basis"));
            }
        }
        _ => problems.push(Invalid::new("given_by", "must be survivor, guardian or legal_basis")),
    }
    let recipient = match input.recipient_agency.as_deref() {
        Some(code) => match agencies::by_code(conn, code.trim())? {
            Some(agency) => Some(agency.id),
            None => {
                problems.push(Invalid::new(
                    "recipient_agency",
                    format!("unknown agency {code:?}"),
                ));
                None
            }
        },
        None => None,
    };
    if !problems.is_empty() {
        return Err(problems.into());
    }
    let legal_basis = input
        .legal_basis
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let consent_id = conn.transaction(|conn| -> Result<i64, AppError> {
        // Handoffs are sent and answered holding the case row: a withdrawal waits for them, and
        // they see it.
        crate::db::stats::lock_case(conn, id)?;
        let consent_id = db::insert_consent(
            conn,
            id,
            &input.purpose,
            recipient,
            input.given,
            &method,
            &given_by,
            legal_basis,
            actor.user_id,
            actor.agency_id,
            ctx.now,
        )?;
        db::touch(conn, id, ctx.now)?;
        audit::record(
            conn,
            ctx,
            Event::new(AuditAction::ConsentRecorded)
                .case(id)
                .subject("consent", consent_id)
                .details(json!({
                    "purpose": input.purpose,
                    "given": input.given,
                    "recipient_agency": input.recipient_agency,
                    "method": method,
                    "given_by": given_by,
                })),
        )?;
        if !input.given {
            super::handoffs::record_ended_access(conn, ctx, id)?;
        }
        Ok(consent_id)
    })?;
    let row = db::consents(conn, id)?
        .into_iter()
        .find(|c| c.id == consent_id)
        .ok_or(AppError::NotFound)?;
    consent_view(conn, row)
}

/// The consent in force for each purpose and recipient, and the full history.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Consents {
    /// The latest decision per purpose and recipient.
    pub current: Vec<ConsentView>,
    /// Every decision, oldest first.
    pub history: Vec<ConsentView>,
}

/// A case's consents.
pub fn consents(conn: &mut DbConnection, ctx: &Ctx, id: i64) -> Result<Consents, AppError> {
    let actor = super::actor(ctx)?;
    let (_, scope) = load(conn, actor, id, Action::CaseView)?;
    let viewer = scope
        .holding_of(actor.agency_id)
        .map(|h| Viewer::party(actor.agency_id, &actor.agency_code, h))
        .ok_or(AppError::NotFound)?;
    let codes: BTreeMap<i64, String> = agencies::list(conn, None, i64::MAX)?
        .into_iter()
        .map(|a| (a.id, a.code))
        .collect();
    let rows: Vec<db::ConsentRow> = db::consents(conn, id)?
        .into_iter()
        .filter(|r| {
            let recipient = r.recipient_agency_id.and_then(|a| codes.get(&a));
            consent_visible(&viewer, recipient.map(String::as_str), &r.purpose)
        })
        .collect();
    let mut latest: BTreeMap<(String, Option<i64>), db::ConsentRow> = BTreeMap::new();
    for row in &rows {
        latest.insert((row.purpose.clone(), row.recipient_agency_id), row.clone());
    }
    let current = latest
        .into_values()
        .map(|r| consent_view(conn, r))
        .collect::<Result<Vec<_>, _>>()?;
    let history = rows
        .into_iter()
        .map(|r| consent_view(conn, r))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Consents { current, history })
}

/// Moves a track to another stage.
pub fn change_stage(
    conn: &mut DbConnection,
    ctx: &Ctx,
    id: i64,
    track: &str,
    stage: &str,
) -> Result<CaseDetail, AppError> {
    let actor = super::actor(ctx)?.clone();
    let (row, _) = load(conn, &actor, id, Action::CaseEdit(Category::Summary))?;
    let Some(stages) = cls::stages(track) else {
        return Err(Invalid::new(
            "track",
            "must be service, justice, protection or migrant_complaint",
        )
        .into());
    };
    if !stages.iter().any(|t| t.code == stage) {
        let codes: Vec<&str> = stages.iter().map(|t| t.code).collect();
        return Err(Invalid::new(
            "stage",
            format!(
                "unknown stage of {track}; expected one of {}",
                codes.join(", ")
            ),
        )
        .into());
    }
    if row.status == "closed" {
        return Err(AppError::Conflict {
            code: "case.closed",
            detail: "The case is closed.".to_owned(),
        });
    }
    let tracks: BTreeMap<String, String> = db::tracks(conn, id)?.into_iter().collect();
    let from = tracks.get(track).cloned().unwrap_or_default();
    if from == stage {
        return Err(
            Invalid::new("stage", format!("the {track} track is already at {stage}")).into(),
        );
    }
    conn.transaction(|conn| -> Result<(), AppError> {
        let watch = super::stats_upkeep::Watch::case(conn, id)?;
        if !db::change_stage(
            conn,
            id,
            track,
            &from,
            stage,
            actor.user_id,
            actor.agency_id,
            ctx.now,
        )? {
            return Err(AppError::Conflict {
                code: "case.stale_version",
                detail: "The stage changed meanwhile; reload the case.".to_owned(),
            });
        }
        watch.done(conn)?;
        db::touch(conn, id, ctx.now)?;
        audit::record(
            conn,
            ctx,
            Event::new(AuditAction::CaseStageChanged)
                .case(id)
                .subject("case", id)
                .details(json!({"track": track, "from": from, "to": stage})),
        )?;
        Ok(())
    })?;
    detail(conn, ctx, id)
}

/// Closes a case with a reason code (an adult TPKS case cannot be settled by mediation).
pub fn close(
    conn: &mut DbConnection,
    ctx: &Ctx,
    id: i64,
    reason: &str,
) -> Result<CaseDetail, AppError> {
    let actor = super::actor(ctx)?.clone();
    let (row, _) = load(conn, &actor, id, Action::CaseClose)?;
    domain::check_closure(
        reason,
        &parse_list(&row.legal_basis),
        row.age_band.as_deref(),
    )?;
    if row.status == "closed" {
        return Err(AppError::Conflict {
            code: "case.closed",
            detail: "The case is closed already.".to_owned(),
        });
    }
    conn.transaction(|conn| -> Result<(), AppError> {
        db::close(conn, id, reason, ctx.now)?;
        audit::record(
            conn,
            ctx,
            Event::new(AuditAction::CaseClosed)
                .case(id)
                .subject("case", id)
                .details(json!({"reason": reason})),
        )?;
        Ok(())
    })?;
    detail(conn, ctx, id)
}

/// A note as shown to its agency.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NoteView {
    /// Id.
    pub id: i64,
    /// Author's username.
    pub author: String,
    /// Text.
    pub body: String,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// Adds a note, visible only to the writer's agency.
pub fn add_note(
    conn: &mut DbConnection,
    ctx: &Ctx,
    vault: &Vault,
    id: i64,
    body: &str,
) -> Result<NoteView, AppError> {
    let actor = super::actor(ctx)?.clone();
    load(conn, &actor, id, Action::CaseEdit(Category::Summary))?;
    let body = body.trim();
    if body.is_empty() || body.chars().count() > 20_000 {
        return Err(Invalid::new("body", "must be 1–20000 characters").into());
    }
    let sealed = vault.seal(body.as_bytes()).map_err(AppError::internal)?;
    let note_id = conn.transaction(|conn| -> Result<i64, AppError> {
        let note_id = db::insert_note(
            conn,
            id,
            actor.agency_id,
            actor.user_id,
            &sealed,
            vault.key_id(),
            ctx.now,
        )?;
        audit::record(
            conn,
            ctx,
            Event::new(AuditAction::NoteAdded)
                .case(id)
                .subject("note", note_id)
                .details(json!({"length": body.chars().count()})),
        )?;
        Ok(note_id)
    })?;
    Ok(NoteView {
        id: note_id,
        author: actor.username,
        body: body.to_owned(),
        created_at: crate::domain::utc(ctx.now),
    })
}

/// The notes the actor's agency wrote on a case.
pub fn notes(
    conn: &mut DbConnection,
    ctx: &Ctx,
    vault: &Vault,
    id: i64,
) -> Result<Vec<NoteView>, AppError> {
    let actor = super::actor(ctx)?;
    load(conn, actor, id, Action::CaseView)?;
    db::notes_of_agency(conn, id, actor.agency_id)?
        .into_iter()
        .map(|row| {
            let body = vault
                .open(&row.key_id, &row.body_ciphertext)
                .map_err(AppError::internal)?;
            let author = crate::db::users::by_id(conn, row.author_id)?
                .map(|u| u.username)
                .unwrap_or_default();
            Ok(NoteView {
                id: row.id,
                author,
                body: String::from_utf8_lossy(&body).into_owned(),
                created_at: crate::domain::utc(row.created_at),
            })
        })
        .collect()
}

/// Media types accepted for documents.
pub const DOCUMENT_TYPES: [&str; 8] = crate::domain::document::ACCEPTED;

/// A document as listed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DocumentView {
    /// Id.
    pub id: i64,
    /// File name.
    pub filename: String,
    /// Media type.
    pub content_type: String,
    /// Size in bytes.
    pub size_bytes: i64,
    /// SHA-256 of the content, hex.
    pub sha256: String,
    /// Uploading agency code.
    pub agency: String,
    /// When.
    pub created_at: DateTime<Utc>,
}

fn document_view(
    conn: &mut DbConnection,
    vault: &Vault,
    row: db::DocumentRow,
) -> Result<DocumentView, AppError> {
    let name = vault
        .open(&row.key_id, &row.filename_ciphertext)
        .map_err(AppError::internal)?;
    let agency = agencies::by_id(conn, row.agency_id)?
        .map(|a| a.code)
        .unwrap_or_default();
    Ok(DocumentView {
        id: row.id,
        filename: String::from_utf8_lossy(&name).into_owned(),
        content_type: row.content_type,
        size_bytes: row.size_bytes,
        sha256: row.sha256,
        agency,
        created_at: crate::domain::utc(row.created_at),
    })
}

/// Where a document's encrypted content lives.
pub fn document_path(data_dir: &Path, sha256: &str) -> std::path::PathBuf {
    data_dir
        .join("documents")
        .join(sha256.get(..2).unwrap_or("00"))
        .join(sha256)
}

/// An uploaded file.
#[derive(Debug, Clone, Copy)]
pub struct Upload<'a> {
    /// File name as given.
    pub filename: &'a str,
    /// `Content-Type` as given.
    pub content_type: &'a str,
    /// The bytes.
    pub content: &'a [u8],
}

/// Stores an uploaded document (encrypted, named by the SHA-256 of its content) and records it.
pub fn upload_document(
    conn: &mut DbConnection,
    ctx: &Ctx,
    vault: &Vault,
    data_dir: &Path,
    id: i64,
    upload: Upload<'_>,
) -> Result<DocumentView, AppError> {
    let Upload {
        filename,
        content_type,
        content,
    } = upload;
    let actor = super::actor(ctx)?.clone();
    load(conn, &actor, id, Action::CaseEdit(Category::Documents))?;
    let media = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    if !DOCUMENT_TYPES.contains(&media.as_str()) {
        return Err(Invalid::new(
            "content_type",
            format!("documents may be {}", DOCUMENT_TYPES.join(", ")),
        )
        .into());
    }
    let filename = crate::domain::text::clean_file_name(filename);
    if filename.is_empty() || filename.chars().count() > 200 || filename.contains(['/', '\\']) {
        return Err(
            Invalid::new("filename", "must be a plain file name of 1–200 characters").into(),
        );
    }
    if content.is_empty() {
        return Err(Invalid::new("content", "the document is empty").into());
    }
    crate::domain::document::check_content(&media, content).map_err(AppError::ContentMismatch)?;
    let sha256 = hex::encode(Sha256::digest(content));
    let path = document_path(data_dir, &sha256);
    super::document_files::store(vault, &path, &sha256, content)?;
    let sealed_name = vault
        .seal(filename.as_bytes())
        .map_err(AppError::internal)?;
    let size = i64::try_from(content.len()).unwrap_or(i64::MAX);
    let doc_id = conn.transaction(|conn| -> Result<i64, AppError> {
        let doc_id = db::insert_document(
            conn,
            id,
            actor.agency_id,
            actor.user_id,
            &sealed_name,
            vault.key_id(),
            &media,
            size,
            &sha256,
            ctx.now,
        )?;
        audit::record(
            conn,
            ctx,
            Event::new(AuditAction::DocumentUploaded)
                .case(id)
                .subject("document", doc_id)
                .details(json!({"sha256": sha256, "size_bytes": size, "content_type": media})),
        )?;
        Ok(doc_id)
    })?;
    let row = db::document(conn, id, doc_id)?.ok_or(AppError::NotFound)?;
    document_view(conn, vault, row)
}

/// The documents of a case (agencies holding the `documents` category).
pub fn documents(
    conn: &mut DbConnection,
    ctx: &Ctx,
    vault: &Vault,
    id: i64,
) -> Result<Vec<DocumentView>, AppError> {
    let actor = super::actor(ctx)?;
    load(conn, actor, id, Action::DocumentRead)?;
    db::documents(conn, id)?
        .into_iter()
        .map(|row| document_view(conn, vault, row))
        .collect()
}

/// Reads a document's content for download; recorded in its custody log.
pub fn download_document(
    conn: &mut DbConnection,
    ctx: &Ctx,
    vault: &Vault,
    data_dir: &Path,
    id: i64,
    doc_id: i64,
) -> Result<(DocumentView, Vec<u8>), AppError> {
    let actor = super::actor(ctx)?;
    load(conn, actor, id, Action::DocumentRead)?;
    let row = db::document(conn, id, doc_id)?.ok_or(AppError::NotFound)?;
    let path = document_path(data_dir, &row.sha256);
    let content = super::document_files::read(vault, &path, &row.sha256)?;
    conn.transaction(|conn| {
        audit::record(
            conn,
            ctx,
            Event::new(AuditAction::DocumentViewed)
                .case(id)
                .subject("document", doc_id)
                .details(json!({"sha256": row.sha256})),
        )
    })?;
    let view = document_view(conn, vault, row)?;
    Ok((view, content))
}
