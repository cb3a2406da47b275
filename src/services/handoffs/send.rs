//! Sending a handoff: the rules, the duplicate check and the insert in one transaction that holds
//! the case row; an onward handoff shares at most what its sender holds.

use chrono::Duration;
use diesel::Connection;
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use super::{HandoffView, decide::record_documents_shared, facts, load_case, view, violations};
use crate::agreements::engine::{self, Party, Request};
use crate::audit::{self, AuditAction, Ctx, Event};
use crate::authz::{Action, Category};
use crate::crypto::Vault;
use crate::db::cases::{self as case_db};
use crate::db::handoffs::{self as db, NewHandoff};
use crate::db::{DbConnection, agencies};
use crate::domain::Invalid;
use crate::domain::agency::AgencyKind;
use crate::domain::consent::{self, ConsentFacts};
use crate::domain::handoff::{HandoffKind, HandoffStatus};
use crate::domain::user::Role;
use crate::error::AppError;
use crate::error::ErrorCode;
use crate::services::agreements::AgreementSet;

/// A consent override: a supervisor's legal basis and reason.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OverrideInput {
    /// The legal basis relied on.
    pub legal_basis: String,
    /// Why consent cannot be obtained or is not needed.
    pub reason: String,
}

/// `POST /api/v1/cases/{id}/handoffs`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HandoffInput {
    /// The agreement's handoff id, e.g. `report-to-police`.
    pub handoff: String,
    /// Receiving agency code.
    pub to_agency: String,
    /// Only under this agreement.
    #[serde(default)]
    pub agreement: Option<String>,
    /// A message to the receiver (encrypted at rest).
    #[serde(default)]
    pub message: Option<String>,
    /// Override a missing consent (supervisors, where the agreement allows).
    #[serde(default)]
    pub consent_override: Option<OverrideInput>,
}

/// Sends a handoff from the actor's agency, if an agreement in force allows it. The rules are
/// evaluated, the duplicate check made and the handoff inserted in one transaction that holds
/// the case row, so a consent withdrawn meanwhile cannot slip between the check and the write.
pub fn create(
    conn: &mut DbConnection,
    ctx: &Ctx,
    set: &AgreementSet,
    vault: &Vault,
    case_id: i64,
    input: HandoffInput,
) -> Result<HandoffView, AppError> {
    let actor = crate::services::actor(ctx)?.clone();
    let id = conn.transaction(|conn| -> Result<i64, AppError> {
        crate::db::stats::lock_case(conn, case_id)?;
        let (case, scope) = load_case(conn, &actor, case_id, Action::HandoffSend)?;
        let holding = scope
            .holding_of(actor.agency_id)
            .ok_or(AppError::NotFound)?;
        let receiver = agencies::by_code(conn, input.to_agency.trim())?.ok_or_else(|| {
            Invalid::new(
                "to_agency",
                format!("unknown agency {:?}", input.to_agency.trim()),
            )
        })?;
        let sender = agencies::by_id(conn, actor.agency_id)?.ok_or(AppError::NotFound)?;
        let (sender_kind, receiver_kind) = (
            AgencyKind::parse(&sender.kind).map_err(AppError::internal)?,
            AgencyKind::parse(&receiver.kind).map_err(AppError::internal)?,
        );
        check_override(input.consent_override.as_ref())?;
        let message = input
            .message
            .as_deref()
            .map(str::trim)
            .filter(|m| !m.is_empty());
        if message.is_some_and(|m| m.chars().count() > 4000) {
            return Err(Invalid::new("message", "must be at most 4000 characters").into());
        }
        let facts = facts(conn, vault, &case)?;
        let consents: Vec<ConsentFacts> = case_db::consents(conn, case_id)?
            .iter()
            .map(case_db::ConsentRow::facts)
            .collect();
        let given = |purpose: &str| consent::in_force(&consents, purpose, receiver.id).is_some();
        let held = holding.active();
        let request = Request {
            handoff: input.handoff.trim(),
            agreement: input.agreement.as_deref(),
            sender: Party {
                code: &sender.code,
                kind: sender_kind,
            },
            receiver: Party {
                code: &receiver.code,
                kind: receiver_kind,
            },
            facts: &facts,
            consent_given: &given,
            override_requested: input.consent_override.is_some(),
            actor_is_supervisor: actor.has(Role::Supervisor),
            case_open: case.status.is_open(),
            sender_owns: holding.is_owner(),
            sender_holds: &held,
            today: ctx.now.date(),
        };
        let allowed = engine::evaluate(&set.agreements, &request)
            .map_err(|unmet| AppError::HandoffNotAllowed(violations(unmet)))?;
        let rule = allowed.rule;
        let version_id = set
            .version_id(allowed.agreement)
            .ok_or_else(|| AppError::internal("agreement version not stored"))?;
        if db::of_case(conn, case_id)?.iter().any(|h| {
            h.rule_id == rule.id
                && h.to_agency_id == receiver.id
                && h.access_ended_at.is_none()
                && h.status.is_open()
        }) {
            return Err(AppError::Conflict {
                code: ErrorCode::HandoffDuplicate,
                detail: format!(
                    "This case already has an open {} handoff to {}.",
                    rule.id, receiver.code
                ),
            });
        }
        let consent_id = rule
            .requires_consent
            .as_deref()
            .and_then(|p| consent::in_force(&consents, p, receiver.id));
        let (override_basis, override_reason) =
            match (&input.consent_override, allowed.consent_overridden) {
                (Some(o), true) => (
                    Some(o.legal_basis.trim().to_owned()),
                    Some(o.reason.trim().to_owned()),
                ),
                _ => (None, None),
            };
        let sealed = match message {
            Some(m) => Some(vault.seal(m.as_bytes()).map_err(AppError::internal)?),
            None => None,
        };
        let shares: Vec<&str> = allowed.shares.iter().map(|c| c.as_str()).collect();
        let new = NewHandoff {
            case_id,
            kind: rule.kind.as_str().to_owned(),
            rule_id: rule.id.clone(),
            agreement_version_id: version_id,
            from_agency_id: sender.id,
            to_agency_id: receiver.id,
            owner_agency_id: case.owner_agency_id,
            created_by: actor.user_id,
            status: if rule.kind == HandoffKind::Notice {
                HandoffStatus::Delivered
            } else {
                HandoffStatus::Pending
            }
            .as_str()
            .to_owned(),
            shares: serde_json::to_string(&shares).map_err(AppError::internal)?,
            consent_purpose: rule.requires_consent.clone(),
            consent_id,
            override_legal_basis: override_basis.clone(),
            override_reason: override_reason.clone(),
            message_ciphertext: sealed,
            key_id: message.map(|_| vault.key_id().to_owned()),
            respond_by: rule
                .respond_within_hours
                .filter(|_| rule.kind != HandoffKind::Notice)
                .map(|h| ctx.now + Duration::hours(i64::from(h))),
            created_at: ctx.now,
            updated_at: ctx.now,
            receiver_records_consent: serde_json::to_string(&rule.receiver_records_consent)
                .map_err(AppError::internal)?,
        };
        let id = db::insert(conn, &new)?;
        crate::services::stats_upkeep::Watch::new_handoff(id).done(conn)?;
        let withheld: Vec<&str> = rule
            .shares
            .iter()
            .filter(|c| !allowed.shares.contains(c))
            .map(|c| c.as_str())
            .collect();
        audit::record(
            conn,
            ctx,
            Event::new(AuditAction::HandoffCreated)
                .case(case_id)
                .subject("handoff", id)
                .details(json!({
                    "kind": rule.kind.as_str(),
                    "handoff": rule.id,
                    "agreement": allowed.agreement.id,
                    "version": allowed.agreement.version,
                    "from_agency": sender.code,
                    "to_agency": receiver.code,
                    "consent_id": consent_id,
                    "respond_by": new.respond_by.map(crate::domain::utc),
                    "shares": shares,
                    "withheld": withheld,
                    "onward": !holding.is_owner(),
                })),
        )?;
        let inserted = db::by_id(conn, id)?.ok_or(AppError::NotFound)?;
        if rule.kind == HandoffKind::Notice && allowed.shares.contains(&Category::Documents) {
            record_documents_shared(conn, ctx, &inserted)?;
        }
        crate::services::notifications::notify_sent(conn, &inserted, ctx.now)?;
        if let (Some(basis), Some(reason)) = (&override_basis, &override_reason) {
            audit::record(
                conn,
                ctx,
                Event::new(AuditAction::ConsentOverridden)
                    .case(case_id)
                    .subject("handoff", id)
                    .details(json!({
                        "purpose": rule.requires_consent,
                        "legal_basis": basis,
                        "reason": reason,
                    })),
            )?;
        }
        Ok(id)
    })?;
    let row = db::by_id(conn, id)?.ok_or(AppError::NotFound)?;
    view(conn, vault, actor.agency_id, row)
}

/// A consent override needs a legal basis and a reason of some substance.
pub(super) fn check_override(input: Option<&OverrideInput>) -> Result<(), AppError> {
    let Some(o) = input else {
        return Ok(());
    };
    let mut problems = Vec::new();
    if o.legal_basis.trim().len() < 3 {
        problems.push(Invalid::new(
            "consent_override.legal_basis",
            "state the legal basis",
        ));
    }
    if o.reason.trim().len() < 10 {
        problems.push(Invalid::new(
            "consent_override.reason",
            "state why consent is overridden (10 characters or more)",
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.into())
    }
}
