//! Sending a handoff: the rules, the duplicate check and the insert in one transaction that holds
//! the case row; an onward handoff shares at most what its sender holds.

use std::collections::BTreeSet;

use chrono::Duration;
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use super::{
    HandoffView, Known, attach, authorize_case, decide::record_documents_shared, facts_of, view,
    violations,
};
use crate::agreements::HandoffRule;
use crate::agreements::engine::{self, Allowed, Party, Request};
use crate::audit::{self, AuditAction, Ctx, Event};
use crate::authz::{Action, Actor};
use crate::crypto::Vault;
use crate::db::DbConnection;
use crate::db::agencies::{self, AgencyRow};
use crate::db::cases::{self as case_db, CaseRow};
use crate::db::handoffs::{self as db, NewHandoff};
use crate::domain::Invalid;
use crate::domain::agency::AgencyKind;
use crate::domain::consent::{self, ConsentFacts};
use crate::domain::handoff::{HandoffKind, HandoffStatus};
use crate::domain::holding::Holding;
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
    /// Documents of the case to attach: the receiver reads exactly these. Only where the rule
    /// shares `documents`.
    #[serde(default)]
    pub documents: Vec<i64>,
    /// A key of the client's choosing (16–100 letters, digits, `-`, `_`): a second request with
    /// the same key answers with the handoff the first created instead of sending again.
    #[serde(default)]
    pub idempotency_key: Option<String>,
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
    create_once(conn, ctx, set, vault, case_id, input).map(|sent| sent.handoff)
}

/// A handoff sent, or found: the one an earlier request with the same idempotency key created.
#[derive(Debug, Clone)]
pub struct Sent {
    /// The handoff.
    pub handoff: HandoffView,
    /// Whether this request created it (false: an earlier one with the same key did).
    pub created: bool,
}

/// [`create`], telling whether this request created the handoff or an earlier one with the same
/// idempotency key had (a second submit of the same form).
pub fn create_once(
    conn: &mut DbConnection,
    ctx: &Ctx,
    set: &AgreementSet,
    vault: &Vault,
    case_id: i64,
    input: HandoffInput,
) -> Result<Sent, AppError> {
    let actor = crate::services::actor(ctx)?.clone();
    let sent = crate::db::write_transaction(conn, |conn| -> Result<Sent, AppError> {
        let (parts, incidents) =
            case_db::parts(conn, case_db::Held::Case(case_id))?.ok_or(AppError::NotFound)?;
        let scope = parts.scope();
        authorize_case(&actor, &scope, Action::HandoffSend)?;
        let case = &parts.row;
        let key = attach::check_key(input.idempotency_key.as_deref())?;
        if let Some(earlier) = attach::earlier(conn, key, case_id, actor.agency_id)? {
            let row = db::by_id(conn, earlier)?.ok_or(AppError::NotFound)?;
            return Ok(Sent {
                handoff: view(conn, vault, actor.agency_id, row)?,
                created: false,
            });
        }
        let holding = scope
            .holding_of(actor.agency_id)
            .ok_or(AppError::NotFound)?;
        let sending = Sending::new(conn, ctx, &actor, case, holding, &input)?;
        check_override(input.consent_override.as_ref())?;
        let message = message_of(&input)?;
        let facts = facts_of(vault, case, incidents)?;
        let consents: Vec<ConsentFacts> = parts
            .consents
            .iter()
            .map(case_db::ConsentRow::facts)
            .collect();
        let allowed = sending.allowed(set, &facts, &consents)?;
        let version_id = set
            .version_id(allowed.agreement)
            .ok_or_else(|| AppError::internal("agreement version not stored"))?;
        let documents =
            attach::documents_to_attach(conn, &actor, &scope, &input.documents, &allowed)?;
        sending.refuse_duplicate(&parts.handoffs, allowed.rule)?;
        let consent_id = allowed
            .rule
            .requires_consent
            .as_deref()
            .and_then(|p| consent::in_force(&consents, p, sending.receiver.id));
        let new = sending.new_handoff(vault, &allowed, version_id, consent_id, message)?;
        let inserted = db::insert_returning(conn, &new)?;
        let id = inserted.id;
        sending.count(conn, &inserted)?;
        let ids: Vec<i64> = documents.iter().map(|d| d.id).collect();
        crate::db::attachments::attach(conn, id, &ids)?;
        if let Some(key) = key {
            crate::db::attachments::record_submission(conn, key, id)?;
        }
        sending.record_created(conn, id, &allowed, &new, &ids)?;
        record_documents_shared(conn, ctx, &inserted, &documents)?;
        let known = sending.known(conn, vault, &documents)?;
        crate::services::notifications::notify_sent_with(
            conn,
            &inserted,
            &known.params(&inserted),
            ctx.now,
        )?;
        sending.record_override(conn, id, allowed.rule, &new)?;
        // Last, so that the sender's letter counter is held only until the commit that follows.
        super::letter::number_new(conn, &inserted, &sending.sender, ctx.now)?;
        let agreement = (allowed.agreement.id.clone(), allowed.agreement.version);
        let handoff = known.view(vault, actor.agency_id, inserted, agreement)?;
        Ok(Sent {
            handoff,
            created: true,
        })
    })?;
    Ok(sent)
}

/// The message to the receiver, trimmed (none when empty): at most 4000 characters.
fn message_of(input: &HandoffInput) -> Result<Option<&str>, AppError> {
    let message = input
        .message
        .as_deref()
        .map(str::trim)
        .filter(|m| !m.is_empty());
    if message.is_some_and(|m| m.chars().count() > 4000) {
        return Err(Invalid::new("message", "must be at most 4000 characters").into());
    }
    Ok(message)
}

/// One handoff being sent: from the actor's agency, holding the case as it does, to the
/// receiver the input names.
struct Sending<'a> {
    ctx: &'a Ctx,
    actor: &'a Actor,
    case: &'a CaseRow,
    holding: &'a Holding,
    input: &'a HandoffInput,
    sender: AgencyRow,
    sender_kind: AgencyKind,
    receiver: AgencyRow,
    receiver_kind: AgencyKind,
}

impl<'a> Sending<'a> {
    /// The sending and receiving agencies; an unknown receiver is a field problem.
    fn new(
        conn: &mut DbConnection,
        ctx: &'a Ctx,
        actor: &'a Actor,
        case: &'a CaseRow,
        holding: &'a Holding,
        input: &'a HandoffInput,
    ) -> Result<Self, AppError> {
        let code = input.to_agency.trim();
        let found = agencies::by_code_or_id(conn, code, actor.agency_id)?;
        let receiver = found
            .iter()
            .find(|a| a.code == code)
            .cloned()
            .ok_or_else(|| Invalid::new("to_agency", format!("unknown agency {code:?}")))?;
        let sender = found
            .into_iter()
            .find(|a| a.id == actor.agency_id)
            .ok_or(AppError::NotFound)?;
        Ok(Sending {
            ctx,
            actor,
            case,
            holding,
            input,
            sender_kind: AgencyKind::parse(&sender.kind).map_err(AppError::internal)?,
            receiver_kind: AgencyKind::parse(&receiver.kind).map_err(AppError::internal)?,
            sender,
            receiver,
        })
    }

    /// Counts the new handoff, from its row and the agencies in hand.
    fn count(&self, conn: &mut DbConnection, inserted: &db::HandoffRow) -> Result<(), AppError> {
        let counts = crate::services::stats_upkeep::HandoffCounts::new(
            &self.case.province,
            &self.sender.kind,
            &self.receiver.kind,
        );
        Ok(crate::db::stats::apply(conn, &counts.moves(inserted))?)
    }

    /// What the send holds already for its answer and its e-mail: the case, the agencies (the
    /// owner read when it is neither sender nor receiver: a handoff sent onward), the documents.
    fn known(
        &self,
        conn: &mut DbConnection,
        vault: &Vault,
        documents: &[case_db::DocumentRow],
    ) -> Result<Known, AppError> {
        let mut agencies: std::collections::HashMap<i64, AgencyRow> =
            [&self.sender, &self.receiver]
                .into_iter()
                .map(|a| (a.id, a.clone()))
                .collect();
        let owner = self.case.owner_agency_id;
        if let std::collections::hash_map::Entry::Vacant(slot) = agencies.entry(owner) {
            slot.insert(agencies::by_id(conn, owner)?.ok_or(AppError::NotFound)?);
        }
        Ok(Known {
            case_number: self.case.case_number.clone(),
            risk_level: self.case.risk_level.clone(),
            agencies,
            attached: Known::attached_of(vault, documents)?,
        })
    }

    /// The agreement and rule that allow the handoff, or 422 with every unmet condition.
    fn allowed<'s>(
        &self,
        set: &'s AgreementSet,
        facts: &BTreeSet<String>,
        consents: &[ConsentFacts],
    ) -> Result<Allowed<'s>, AppError> {
        let given =
            |purpose: &str| consent::in_force(consents, purpose, self.receiver.id).is_some();
        let held = self.holding.active();
        let request = Request {
            handoff: self.input.handoff.trim(),
            agreement: self.input.agreement.as_deref(),
            sender: Party {
                code: &self.sender.code,
                kind: self.sender_kind,
            },
            receiver: Party {
                code: &self.receiver.code,
                kind: self.receiver_kind,
            },
            facts,
            consent_given: &given,
            override_requested: self.input.consent_override.is_some(),
            actor_is_supervisor: self.actor.has(Role::Supervisor),
            case_open: self.case.status.is_open(),
            sender_owns: self.holding.is_owner(),
            sender_holds: &held,
            today: self.ctx.now.date(),
        };
        engine::evaluate(&set.agreements, &request)
            .map_err(|unmet| AppError::HandoffNotAllowed(violations(unmet)))
    }

    /// 409 `handoff.duplicate` when the case has an open handoff of the rule to the receiver.
    fn refuse_duplicate(
        &self,
        handoffs: &[db::HandoffRow],
        rule: &HandoffRule,
    ) -> Result<(), AppError> {
        if handoffs.iter().any(|h| {
            h.rule_id == rule.id
                && h.to_agency_id == self.receiver.id
                && h.access_ended_at.is_none()
                && h.status.is_open()
        }) {
            return Err(AppError::Conflict {
                code: ErrorCode::HandoffDuplicate,
                detail: format!(
                    "This case already has an open {} handoff to {}.",
                    rule.id, self.receiver.code
                ),
            });
        }
        Ok(())
    }

    /// The row to insert: a notice is delivered at once and has no answer deadline; the message
    /// is sealed; an override is kept only when the rules relied on it.
    fn new_handoff(
        &self,
        vault: &Vault,
        allowed: &Allowed<'_>,
        version_id: i64,
        consent_id: Option<i64>,
        message: Option<&str>,
    ) -> Result<NewHandoff, AppError> {
        let (rule, now) = (allowed.rule, self.ctx.now);
        let (override_basis, override_reason) =
            match (&self.input.consent_override, allowed.consent_overridden) {
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
        Ok(NewHandoff {
            case_id: self.case.id,
            kind: rule.kind.as_str().to_owned(),
            rule_id: rule.id.clone(),
            agreement_version_id: version_id,
            from_agency_id: self.sender.id,
            to_agency_id: self.receiver.id,
            owner_agency_id: self.case.owner_agency_id,
            created_by: self.actor.user_id,
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
            override_legal_basis: override_basis,
            override_reason,
            message_ciphertext: sealed,
            key_id: message.map(|_| vault.key_id().to_owned()),
            respond_by: rule
                .respond_within_hours
                .filter(|_| rule.kind != HandoffKind::Notice)
                .map(|h| now + Duration::hours(i64::from(h))),
            created_at: now,
            updated_at: now,
            receiver_records_consent: serde_json::to_string(&rule.receiver_records_consent)
                .map_err(AppError::internal)?,
        })
    }

    /// `handoff.created`: the rule and agreement version, the agencies, the consent relied on,
    /// what is shared and what the sender could not pass on, and whether it is sent onward.
    fn record_created(
        &self,
        conn: &mut DbConnection,
        id: i64,
        allowed: &Allowed<'_>,
        new: &NewHandoff,
        documents: &[i64],
    ) -> Result<(), AppError> {
        let rule = allowed.rule;
        let shares: Vec<&str> = allowed.shares.iter().map(|c| c.as_str()).collect();
        let withheld: Vec<&str> = rule
            .shares
            .iter()
            .filter(|c| !allowed.shares.contains(c))
            .map(|c| c.as_str())
            .collect();
        audit::record(
            conn,
            self.ctx,
            Event::new(AuditAction::HandoffCreated)
                .case(self.case.id)
                .subject("handoff", id)
                .details(json!({
                    "kind": rule.kind.as_str(),
                    "handoff": rule.id,
                    "agreement": allowed.agreement.id,
                    "version": allowed.agreement.version,
                    "from_agency": self.sender.code,
                    "to_agency": self.receiver.code,
                    "consent_id": new.consent_id,
                    "respond_by": new.respond_by.map(crate::domain::utc),
                    "shares": shares,
                    "withheld": withheld,
                    "onward": !self.holding.is_owner(),
                    "documents": documents,
                })),
        )?;
        Ok(())
    }

    /// `consent.overridden`, when the handoff rests on a supervisor's override.
    fn record_override(
        &self,
        conn: &mut DbConnection,
        id: i64,
        rule: &HandoffRule,
        new: &NewHandoff,
    ) -> Result<(), AppError> {
        if let (Some(basis), Some(reason)) = (&new.override_legal_basis, &new.override_reason) {
            audit::record(
                conn,
                self.ctx,
                Event::new(AuditAction::ConsentOverridden)
                    .case(self.case.id)
                    .subject("handoff", id)
                    .details(json!({
                        "purpose": rule.requires_consent,
                        "legal_basis": basis,
                        "reason": reason,
                    })),
            )?;
        }
        Ok(())
    }
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
