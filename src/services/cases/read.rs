//! Reading a case under need-to-know: the parts the caller's agency holds, what the caller may
//! do (`actions`), and revealing the identity with a purpose (recorded).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use diesel::Connection;
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use super::{incidents_of, load, migrant_of, open_identity, parse_list, profile_of};
use crate::audit::{self, AuditAction, Ctx, Event};
use crate::authz::{self, Action, Actor, CaseScope, Category, Resource};
use crate::crypto::Vault;
use crate::db::cases as db;
use crate::db::{DbConnection, agencies};
use crate::domain::Invalid;
use crate::domain::case::CaseStatus;
use crate::domain::case::{Identity, Incident, MigrantFacts, Profile, Repatriation};
use crate::domain::classification as cls;
use crate::domain::stage_owner;
use crate::error::AppError;
use crate::services::cases::PerpetratorView;

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
    pub status: CaseStatus,
    /// Why closed.
    pub closure_reason: Option<String>,
    /// Send with the next `PATCH`.
    pub version: i32,
    /// Username of the caseworker of the owning agency who works the case.
    pub assigned_to: Option<String>,
    /// That caseworker's name.
    pub assigned_to_name: Option<String>,
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
    /// How the complaint came in (code of `intake_channel`).
    pub intake_channel: Option<String>,
    /// When and where the survivor came home.
    pub repatriation: Repatriation,
    /// The chronology (agencies holding `incident`, in `GET` and `PATCH` answers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chronology: Option<String>,
    /// Perpetrators and intermediaries with their names (agencies holding `incident`, in `GET`
    /// and `PATCH` answers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub perpetrators: Option<Vec<PerpetratorView>>,
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
    /// May close the case now: open, and the caller is of the owner with a role that closes.
    pub close: bool,
    /// May reopen it now: closed, by the owner, and not closed as `deceased` or `duplicate`.
    pub reopen: bool,
    /// May give the case to another caseworker of the owning agency (its supervisors).
    pub assign: bool,
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
    /// The stages the caller may record, by track: the owner any stage of an open case, another
    /// party those its kind of agency owns (police: penyelidikan, penyidikan, berkas …).
    pub stages: BTreeMap<String, Vec<String>>,
}

impl CaseActions {
    /// The policy's answers for `actor` on the case of `scope`.
    pub fn of(actor: &Actor, scope: &CaseScope) -> Self {
        let may = |action| authz::can(actor, action, Resource::Case(scope)).is_ok();
        CaseActions {
            edit: Category::ALL
                .iter()
                .filter(|c| may(Action::CaseEdit(**c)))
                .map(|c| c.as_str().to_owned())
                .collect(),
            close: may(Action::CaseClose),
            reopen: false,
            assign: may(Action::CaseAssign),
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
            stages: BTreeMap::new(),
        }
    }
}

/// One case, shaped by the categories the actor's agency holds (the chronology and the
/// perpetrators' names opened for an agency holding `incident`); the read is recorded
/// (`case.viewed`, with the categories read) for the case's access log, once per
/// `record_minutes` (`audit.view_record_minutes`): a user's reads of the same categories of one
/// case within that time of the entry are that entry (0 records every read).
pub fn get(
    conn: &mut DbConnection,
    ctx: &Ctx,
    vault: &Vault,
    id: i64,
    record_minutes: u32,
) -> Result<CaseDetail, AppError> {
    let detail = detail_with(conn, ctx, Some(vault), id)?;
    let details = json!({"categories": detail.categories});
    if record_minutes > 0 {
        let actor = crate::services::actor(ctx)?;
        let since = ctx.now - chrono::Duration::minutes(i64::from(record_minutes));
        let text = details.to_string();
        if crate::db::audit::viewed_since(conn, id, actor.user_id, &text, since)? {
            return Ok(detail);
        }
    }
    conn.transaction(|conn| {
        audit::record(
            conn,
            ctx,
            Event::new(AuditAction::CaseViewed)
                .case(id)
                .subject("case", id)
                .details(details),
        )
    })?;
    Ok(detail)
}

/// The case as answered after a change the actor just made (not a separate read).
/// The case's current version, for a form that must notice a change made since it was shown.
/// Not a read of the case's content, so not recorded.
pub fn current_version(conn: &mut DbConnection, ctx: &Ctx, id: i64) -> Result<i32, AppError> {
    let actor = crate::services::actor(ctx)?;
    let (row, _) = load(conn, actor, id, Action::CaseView)?;
    Ok(row.version)
}

/// The case as answered after a stage change, closure or reopening: without the chronology and
/// the perpetrators, which only `GET` and `PATCH` open.
pub(super) fn detail(conn: &mut DbConnection, ctx: &Ctx, id: i64) -> Result<CaseDetail, AppError> {
    detail_with(conn, ctx, None, id)
}

/// The case as the actor may see it; with a vault, the chronology and the perpetrators' names
/// are opened for an agency holding `incident`.
pub(super) fn detail_with(
    conn: &mut DbConnection,
    ctx: &Ctx,
    vault: Option<&Vault>,
    id: i64,
) -> Result<CaseDetail, AppError> {
    let actor = crate::services::actor(ctx)?;
    let (row, scope) = load(conn, actor, id, Action::CaseView)?;
    let held: BTreeSet<Category> = scope.categories_of(actor.agency_id).unwrap_or_default();
    let owner = agencies::by_id(conn, row.owner_agency_id)?.ok_or(AppError::NotFound)?;
    let tracks: BTreeMap<String, String> = db::tracks(conn, id)?.into_iter().collect();
    let incidents = if held.contains(&Category::Incident) {
        Some(incidents_of(db::incidents(conn, id)?))
    } else {
        None
    };
    let trafficking =
        super::trafficking::view(conn, vault, id, held.contains(&Category::Incident))?;
    let categories: Vec<String> = held.iter().map(|c| c.as_str().to_owned()).collect();
    let mut actions = CaseActions::of(actor, &scope);
    actions.reopen = actions.close
        && !row.status.is_open()
        && crate::domain::case::may_reopen(row.closure_reason.as_deref());
    actions.close &= row.status.is_open();
    let assignee = db::assignee(conn, id)?;
    if row.status.is_open() && actions.edit.iter().any(|c| c == "summary") {
        // The owner's kind is at hand already; another party's is read.
        let kind = if actor.agency_id == owner.id {
            crate::domain::agency::AgencyKind::parse(&owner.kind).map_err(AppError::internal)?
        } else {
            super::agency_kind(conn, actor.agency_id)?
        };
        actions.stages = stage_owner::recordable(scope.owner_agency_id == actor.agency_id, kind);
    }
    Ok(CaseDetail {
        id: row.id,
        case_number: row.case_number.clone(),
        province: row.province.clone(),
        owner_agency: owner.code,
        status: row.status,
        closure_reason: row.closure_reason.clone(),
        version: row.version,
        assigned_to: assignee.as_ref().map(|a| a.username.clone()),
        assigned_to_name: assignee.map(|a| a.display_name),
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
        intake_channel: trafficking.intake_channel,
        repatriation: trafficking.repatriation,
        chronology: trafficking.chronology,
        perpetrators: trafficking.perpetrators,
        categories,
        actions,
        created_at: crate::domain::utc(row.created_at),
        updated_at: crate::domain::utc(row.updated_at),
    })
}

/// Reveals the survivor's identity for a stated purpose; recorded as an event.
pub fn reveal_identity(
    conn: &mut DbConnection,
    ctx: &Ctx,
    vault: &Vault,
    id: i64,
    purpose: &str,
) -> Result<Identity, AppError> {
    let actor = crate::services::actor(ctx)?;
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
