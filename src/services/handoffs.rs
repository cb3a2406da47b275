//! Handoffs between agencies under the agreements: loading the agreements in force (each version
//! stored with its hash), sending, the decision lifecycle, inbox and outbox, and what the caller
//! may send from a case ("handoff options").

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use diesel::Connection;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::agreements::engine::{self, Party, Request};
use crate::agreements::{self, Agreement, HandoffKind, HandoffRule, KnownAgencies};
use crate::audit::{self, AuditAction, Ctx, Event};
use crate::authz::{self, Action, Actor, CaseScope, Category, Resource};
use crate::crypto::Vault;
use crate::db::cases::{self as case_db, CaseRow};
use crate::db::handoffs::{self as db, HandoffRow, NewHandoff};
use crate::db::{DbConnection, agencies};
use crate::domain::Invalid;
use crate::domain::agency::AgencyKind;
use crate::domain::consent::{self, ConsentFacts};
use crate::domain::handoff::HandoffStatus;
use crate::domain::holding::Ended;
use crate::domain::timeline;
use crate::domain::user::Role;
use crate::error::{AppError, Violation};

/// The agreements in force, each with the row id of its stored version.
#[derive(Debug, Clone, Default)]
pub struct AgreementSet {
    /// Current versions.
    pub agreements: Vec<Agreement>,
    /// `(agreement id, version)` → stored row id.
    pub version_ids: BTreeMap<(String, i32), i64>,
}

impl AgreementSet {
    /// The stored row id of an agreement's version.
    pub fn version_id(&self, agreement: &Agreement) -> Option<i64> {
        self.version_ids
            .get(&(agreement.id.clone(), agreement.version))
            .copied()
    }
}

/// Agencies party codes may name: the database's and those of the known-agencies file.
pub fn known_agencies(
    conn: Option<&mut DbConnection>,
    file: &Path,
) -> Result<KnownAgencies, String> {
    let mut known = KnownAgencies::new();
    if file.exists() {
        let entries = crate::seed::read_agencies(file).map_err(|e| e.to_string())?;
        for entry in entries {
            if let Ok(kind) = AgencyKind::parse(entry.kind.trim()) {
                known.insert(entry.code.trim().to_owned(), kind);
            }
        }
    }
    if let Some(conn) = conn {
        let rows = agencies::list(conn, None, i64::MAX).map_err(|e| e.to_string())?;
        for row in rows {
            if let Ok(kind) = AgencyKind::parse(&row.kind) {
                known.insert(row.code, kind);
            }
        }
    }
    Ok(known)
}

/// Stores each agreement version not stored yet. Refuses a version whose text changed without a
/// new version number, and a version lower than one already in force.
pub fn sync_versions(
    conn: &mut DbConnection,
    agreements: Vec<Agreement>,
    now: NaiveDateTime,
) -> Result<AgreementSet, Vec<String>> {
    let mut problems = Vec::new();
    let mut set = AgreementSet::default();
    let outcome = conn.transaction(|conn| -> Result<(), diesel::result::Error> {
        for agreement in &agreements {
            let stored = crate::db::handoffs::versions_of(conn, &agreement.id)?;
            let file = agreement.source.display();
            if let Some(same) = stored.iter().find(|v| v.version == agreement.version) {
                if same.content_hash != agreement.content_hash {
                    problems.push(format!(
                        "{file}:2: version {} of agreement {} was changed after it came into use; raise the version",
                        agreement.version, agreement.id
                    ));
                } else {
                    set.version_ids.insert((agreement.id.clone(), agreement.version), same.id);
                }
                continue;
            }
            if let Some(newest) = stored.first()
                && newest.version > agreement.version
            {
                problems.push(format!(
                    "{file}:2: version {} of agreement {} is lower than version {} already in force",
                    agreement.version, agreement.id, newest.version
                ));
                continue;
            }
            let id = crate::db::handoffs::insert_version(
                conn,
                &agreement.id,
                agreement.version,
                &agreement.title,
                &agreement.content_hash,
                &agreement.content,
                agreement.effective_from,
                now,
            )?;
            set.version_ids.insert((agreement.id.clone(), agreement.version), id);
        }
        if problems.is_empty() { Ok(()) } else { Err(diesel::result::Error::RollbackTransaction) }
    });
    match outcome {
        Ok(()) => {
            set.agreements = agreements;
            Ok(set)
        }
        Err(diesel::result::Error::RollbackTransaction) => Err(problems),
        Err(e) => Err(vec![format!("storing agreement versions: {e}")]),
    }
}

/// Loads the agreement folder against the known agencies and stores new versions.
pub fn load(
    conn: &mut DbConnection,
    dir: &Path,
    known_file: &Path,
    now: NaiveDateTime,
) -> Result<AgreementSet, Vec<String>> {
    let known = known_agencies(Some(conn), known_file).map_err(|e| vec![e])?;
    let agreements = agreements::load_dir(dir, &known)
        .map_err(|problems| problems.iter().map(ToString::to_string).collect::<Vec<_>>())?;
    sync_versions(conn, agreements, now)
}

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

/// Agreement and version a handoff was allowed by.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AgreementRef {
    /// Agreement id.
    pub id: String,
    /// Version.
    pub version: i32,
}

/// Consent or override a handoff rests on.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ConsentBasis {
    /// Purpose required.
    pub purpose: String,
    /// The consent record relied on.
    pub consent_id: Option<i64>,
    /// Overridden by a supervisor.
    pub overridden: bool,
    /// Override legal basis.
    pub legal_basis: Option<String>,
    /// Override reason.
    pub reason: Option<String>,
}

/// A handoff as its sender and receiver see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HandoffView {
    /// Id.
    pub id: i64,
    /// Case id.
    pub case_id: i64,
    /// Case number.
    pub case_number: String,
    /// `pending`, `accepted`, `declined`, `withdrawn`, `completed`; notices `delivered`, `read`.
    pub status: String,
    /// `referral`, `transfer`, `notice`.
    pub kind: String,
    /// The agreement's handoff id.
    pub handoff: String,
    /// Sender code.
    pub from_agency: String,
    /// Receiver code.
    pub to_agency: String,
    /// Case owner when sent.
    pub owner_agency: String,
    /// The agreement version that allowed it.
    pub agreement: AgreementRef,
    /// Data categories the receiver holds once it accepts.
    pub shares: Vec<String>,
    /// Consent basis.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consent: Option<ConsentBasis>,
    /// Message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Accept or decline by.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub respond_by: Option<DateTime<Utc>>,
    /// Complete by.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub complete_by: Option<DateTime<Utc>>,
    /// When decided.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decided_at: Option<DateTime<Utc>>,
    /// Decline or withdrawal reason.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Outcome on completion.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    /// When the access it gave ended, and why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_ended: Option<String>,
    /// Sent.
    pub created_at: DateTime<Utc>,
    /// Its agreement clocks (answer, completion) with their state now (docs/DEADLINES.md).
    pub deadlines: Vec<crate::deadlines::engine::Deadline>,
}

fn code_of(conn: &mut DbConnection, agency_id: i64) -> Result<String, AppError> {
    Ok(agencies::by_id(conn, agency_id)?
        .map(|a| a.code)
        .unwrap_or_default())
}

/// The handoff as `viewer` (an agency of the handoff) sees it. Its message is the sender's
/// words: shown to the sender, and to the receiver while the handoff gives it access.
fn view(
    conn: &mut DbConnection,
    vault: &Vault,
    viewer: i64,
    row: HandoffRow,
) -> Result<HandoffView, AppError> {
    let version = crate::db::handoffs::version_by_id(conn, row.agreement_version_id)?
        .ok_or(AppError::NotFound)?;
    let case_number = case_db::by_id(conn, row.case_id)?
        .map(|c| c.case_number)
        .unwrap_or_default();
    let receiver_holds = row.to_agency_id == viewer
        && row.access_ended_at.is_none()
        && HandoffStatus::parse(&row.status).is_ok_and(HandoffStatus::gives_access);
    let message_shown = row.from_agency_id == viewer || receiver_holds;
    let message = match (&row.message_ciphertext, &row.key_id) {
        (Some(sealed), Some(key)) if message_shown => Some(
            String::from_utf8_lossy(&vault.open(key, sealed).map_err(AppError::internal)?)
                .into_owned(),
        ),
        _ => None,
    };
    let shares: Vec<String> = serde_json::from_str(&row.shares).unwrap_or_default();
    let clocks = super::deadlines::clock_facts(
        &row,
        format!("{} v{}", version.agreement_id, version.version),
    );
    let deadlines = crate::deadlines::engine::handoff_slas(&clocks, chrono::Utc::now().naive_utc());
    Ok(HandoffView {
        id: row.id,
        case_id: row.case_id,
        case_number,
        status: row.status,
        kind: row.kind,
        handoff: row.rule_id,
        from_agency: code_of(conn, row.from_agency_id)?,
        to_agency: code_of(conn, row.to_agency_id)?,
        owner_agency: code_of(conn, row.owner_agency_id)?,
        agreement: AgreementRef {
            id: version.agreement_id,
            version: version.version,
        },
        shares,
        consent: row.consent_purpose.map(|purpose| ConsentBasis {
            purpose,
            consent_id: row.consent_id,
            overridden: row.override_legal_basis.is_some(),
            legal_basis: row.override_legal_basis,
            reason: row.override_reason,
        }),
        message,
        respond_by: row.respond_by.map(crate::domain::utc),
        complete_by: row.complete_by.map(crate::domain::utc),
        decided_at: row.decided_at.map(crate::domain::utc),
        reason: row.decision_reason,
        outcome: row.outcome,
        access_ended: row.access_ended_at.map(|at| {
            format!(
                "{} ({})",
                crate::domain::utc(at).to_rfc3339(),
                row.access_ended_reason.unwrap_or_default()
            )
        }),
        created_at: crate::domain::utc(row.created_at),
        deadlines,
    })
}

/// The case facts the agreements may require.
fn facts(
    conn: &mut DbConnection,
    vault: &Vault,
    case: &CaseRow,
) -> Result<BTreeSet<String>, AppError> {
    let mut out = BTreeSet::new();
    let mut add = |present: bool, fact: &str| {
        if present {
            out.insert(fact.to_owned());
        }
    };
    let incidents = case_db::incidents(conn, case.id)?;
    add(
        incidents.iter().any(|i| i.occurred_on.is_some()),
        "incident.date",
    );
    add(incidents.iter().any(|i| i.forms != "[]"), "incident.forms");
    add(
        incidents.iter().any(|i| i.country.is_some()),
        "incident.country",
    );
    add(
        incidents.iter().any(|i| i.perpetrator_relation.is_some()),
        "incident.perpetrator_relation",
    );
    add(case.age_band.is_some(), "survivor.age_band");
    add(case.nik_index.is_some(), "identity.nik");
    add(
        case.destination_country.is_some(),
        "migrant.destination_country",
    );
    add(case.migration_stage.is_some(), "migrant.migration_stage");
    add(case.legal_basis != "[]", "legal_basis");
    add(case.risk_level.is_some(), "risk_level");
    let identity = vault
        .open(&case.identity_key_id, &case.identity_ciphertext)
        .map_err(AppError::internal)?;
    let identity: crate::domain::case::Identity =
        serde_json::from_slice(&identity).map_err(AppError::internal)?;
    add(identity.date_of_birth.is_some(), "survivor.date_of_birth");
    add(identity.phone.is_some(), "identity.phone");
    Ok(out)
}

fn violations(unmet: Vec<engine::Unmet>) -> Vec<Violation> {
    unmet
        .into_iter()
        .map(|u| Violation {
            message: if u.agreement.is_empty() {
                format!("handoff {}: {}", u.handoff, u.condition)
            } else {
                format!(
                    "agreement {} v{} handoff {}: {}",
                    u.agreement, u.version, u.handoff, u.condition
                )
            },
            agreement: u.agreement,
            version: u.version,
            handoff: u.handoff,
            condition: u.condition.code().to_owned(),
        })
        .collect()
}

fn load_case(
    conn: &mut DbConnection,
    actor: &Actor,
    case_id: i64,
    action: Action,
) -> Result<(CaseRow, CaseScope), AppError> {
    let (row, scope) = case_db::scope(conn, case_id)?.ok_or(AppError::NotFound)?;
    authz::can(actor, Action::CaseView, Resource::Case(&scope)).map_err(|_| AppError::NotFound)?;
    authz::can(actor, action, Resource::Case(&scope))?;
    Ok((row, scope))
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
    let actor = super::actor(ctx)?.clone();
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
            case_open: case.status == "open",
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
                && matches!(h.status.as_str(), "pending" | "accepted" | "delivered")
        }) {
            return Err(AppError::Conflict {
                code: "handoff.duplicate",
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
                "delivered"
            } else {
                "pending"
            }
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
        super::stats_upkeep::Watch::new_handoff(id).done(conn)?;
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
        super::deadlines::notify_sent(conn, &inserted, ctx.now)?;
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
fn check_override(input: Option<&OverrideInput>) -> Result<(), AppError> {
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

/// A decision on a handoff.
#[derive(Debug, Clone)]
pub enum Decision {
    /// Receiver accepts.
    Accept,
    /// Receiver declines, with a reason.
    Decline(String),
    /// Sender withdraws, with a reason.
    Withdraw(String),
    /// Receiver completes, with an outcome.
    Complete(String),
    /// Receiver marks a notice read.
    Read,
}

fn already_decided(row: &HandoffRow) -> AppError {
    AppError::Conflict {
        code: "handoff.already_decided",
        detail: format!("The handoff is {} already.", row.status),
    }
}

/// The rule a handoff was sent under, from the stored agreement version (even if the file changed since).
pub(crate) fn rule_of(conn: &mut DbConnection, row: &HandoffRow) -> Result<HandoffRule, AppError> {
    let version = crate::db::handoffs::version_by_id(conn, row.agreement_version_id)?
        .ok_or(AppError::NotFound)?;
    let agreement =
        agreements::parse_file(Path::new(&version.agreement_id), &version.content, None)
            .map_err(|p| AppError::internal(format!("stored agreement no longer parses: {p:?}")))?;
    agreement
        .rule(&row.rule_id)
        .cloned()
        .ok_or_else(|| AppError::internal("stored agreement lacks the handoff"))
}

/// Decides a handoff. Of two people deciding at once, one wins and the other gets 409
/// `handoff.already_decided`; exactly one event is written. Accepting, completing or reading
/// re-checks, with the case row held, that the handoff still rests on what it was sent on: a
/// withdrawn consent is 409 `handoff.consent_withdrawn`, an ended access 409
/// `handoff.access_ended`. A decline or withdrawal ends what was sent on from it.
pub fn decide(
    conn: &mut DbConnection,
    ctx: &Ctx,
    vault: &Vault,
    id: i64,
    decision: Decision,
) -> Result<HandoffView, AppError> {
    let actor = super::actor(ctx)?.clone();
    let row = db::by_id(conn, id)?.ok_or(AppError::NotFound)?;
    let action = match decision {
        Decision::Withdraw(_) => Action::HandoffSend,
        _ => Action::HandoffDecide,
    };
    authz::can(&actor, action, Resource::Handoff(row.scope()))?;
    let text = |field: &'static str, value: &str| -> Result<String, AppError> {
        let v = value.trim();
        if v.chars().count() < 3 || v.chars().count() > 2000 {
            Err(Invalid::new(field, "must be 3–2000 characters").into())
        } else {
            Ok(v.to_owned())
        }
    };
    let rule = rule_of(conn, &row)?;
    conn.transaction(|conn| -> Result<(), AppError> {
        crate::db::stats::lock_case(conn, row.case_id)?;
        let handoff_watch = super::stats_upkeep::Watch::handoff(conn, id)?;
        let case_watch = super::stats_upkeep::Watch::case(conn, row.case_id)?;
        let current = db::by_id(conn, id)?.ok_or(AppError::NotFound)?;
        let (changed, action, details) =
            apply_decision(conn, ctx, &actor, &current, &rule, &decision, &text)?;
        if !changed {
            let now = db::by_id(conn, id)?.ok_or(AppError::NotFound)?;
            return Err(already_decided(&now));
        }
        let mut moves = handoff_watch.moves(conn)?;
        moves.extend(case_watch.moves(conn)?);
        super::stats_upkeep::apply_together(conn, moves)?;
        audit::record(
            conn,
            ctx,
            Event::new(action)
                .case(row.case_id)
                .subject("handoff", id)
                .details(details),
        )?;
        let decided = db::by_id(conn, id)?.ok_or(AppError::NotFound)?;
        super::deadlines::notify_decided(conn, &decided, ctx.now)?;
        record_ended_access(conn, ctx, row.case_id)?;
        Ok(())
    })?;
    let row = db::by_id(conn, id)?.ok_or(AppError::NotFound)?;
    view(conn, vault, actor.agency_id, row)
}

/// Refuses an answer that relies on the handoff's access when that access is no longer in force.
fn still_in_force(conn: &mut DbConnection, row: &HandoffRow) -> Result<(), AppError> {
    let (_, scope) = case_db::scope(conn, row.case_id)?.ok_or(AppError::NotFound)?;
    let ended = scope.holdings.standing(row.id).and_then(|s| s.ended);
    let consent_withdrawn = ended == Some(Ended::ConsentWithdrawn)
        || (ended == Some(Ended::Recorded)
            && row.access_ended_reason.as_deref() == Some(Ended::ConsentWithdrawn.reason()));
    match ended {
        None | Some(Ended::Closed) => Ok(()),
        Some(_) if consent_withdrawn => Err(AppError::Conflict {
            code: "handoff.consent_withdrawn",
            detail: "The consent this handoff rests on has been withdrawn; it can no longer be accepted or completed.".to_owned(),
        }),
        Some(ended) => Err(AppError::Conflict {
            code: "handoff.access_ended",
            detail: format!(
                "The access this handoff gave has ended ({}); it can no longer be accepted or completed.",
                row.access_ended_reason.as_deref().unwrap_or(ended.reason())
            ),
        }),
    }
}

/// The decision's own change, inside the transaction: whether a row changed, the event and its
/// details.
fn apply_decision(
    conn: &mut DbConnection,
    ctx: &Ctx,
    actor: &Actor,
    row: &HandoffRow,
    rule: &HandoffRule,
    decision: &Decision,
    text: &dyn Fn(&'static str, &str) -> Result<String, AppError>,
) -> Result<(bool, AuditAction, serde_json::Value), AppError> {
    let id = row.id;
    let notice = row.kind == "notice";
    let wrong_kind = |what: &str| AppError::Conflict {
        code: "handoff.wrong_kind",
        detail: format!("A {} cannot be {what}.", row.kind),
    };
    // Answers that act on the handoff's access need it to be in force; an answer to a handoff
    // already answered is a conflict whatever else holds.
    let needs_access = match decision {
        Decision::Accept => Some("pending"),
        Decision::Complete(_) => Some("accepted"),
        Decision::Read => Some("delivered"),
        Decision::Decline(_) | Decision::Withdraw(_) => None,
    };
    if let Some(expected) = needs_access
        && row.status == expected
    {
        still_in_force(conn, row)?;
    }
    Ok(match decision {
        Decision::Accept => {
            if notice {
                return Err(wrong_kind("accepted"));
            }
            let complete_by = rule
                .complete_within_days
                .map(|d| ctx.now + Duration::days(i64::from(d)));
            let changed = db::decide(
                conn,
                id,
                "pending",
                "accepted",
                actor.user_id,
                None,
                complete_by,
                ctx.now,
            )?;
            if changed {
                accepted(conn, ctx, actor, row, rule)?;
            }
            (
                changed,
                AuditAction::HandoffAccepted,
                json!({"complete_by": complete_by.map(crate::domain::utc), "ownership_moved": row.kind == "transfer"}),
            )
        }
        Decision::Decline(reason) => {
            if notice {
                return Err(wrong_kind("declined"));
            }
            let reason = text("reason", reason)?;
            (
                db::decide(
                    conn,
                    id,
                    "pending",
                    "declined",
                    actor.user_id,
                    Some(&reason),
                    None,
                    ctx.now,
                )?,
                AuditAction::HandoffDeclined,
                json!({"reason": reason}),
            )
        }
        Decision::Withdraw(reason) => {
            let reason = text("reason", reason)?;
            let from = if notice { "delivered" } else { "pending" };
            (
                db::decide(
                    conn,
                    id,
                    from,
                    "withdrawn",
                    actor.user_id,
                    Some(&reason),
                    None,
                    ctx.now,
                )?,
                AuditAction::HandoffWithdrawn,
                json!({"reason": reason}),
            )
        }
        Decision::Complete(outcome) => {
            if notice {
                return Err(wrong_kind("completed"));
            }
            let outcome = text("outcome", outcome)?;
            (
                db::complete(conn, id, &outcome, ctx.now)?,
                AuditAction::HandoffCompleted,
                json!({"outcome": outcome}),
            )
        }
        Decision::Read => {
            if !notice {
                return Err(wrong_kind("marked read"));
            }
            (
                db::mark_read(conn, id, actor.user_id, ctx.now)?,
                AuditAction::HandoffRead,
                json!({}),
            )
        }
    })
}

/// What an acceptance changes besides the handoff: ownership for a transfer, the stage the
/// agreement names, and the custody log of documents now shared.
fn accepted(
    conn: &mut DbConnection,
    ctx: &Ctx,
    actor: &Actor,
    row: &HandoffRow,
    rule: &HandoffRule,
) -> Result<(), AppError> {
    if row.kind == "transfer" {
        case_db::set_owner(conn, row.case_id, row.to_agency_id, ctx.now)?;
    }
    if let Some((track, stage)) = &rule.on_accept {
        let current: BTreeMap<String, String> =
            case_db::tracks(conn, row.case_id)?.into_iter().collect();
        let from = current.get(track).cloned().unwrap_or_default();
        if &from != stage {
            case_db::change_stage(
                conn,
                row.case_id,
                track,
                &from,
                stage,
                actor.user_id,
                actor.agency_id,
                ctx.now,
            )?;
            audit::record(
                conn,
                ctx,
                Event::new(AuditAction::CaseStageChanged)
                    .case(row.case_id)
                    .subject("case", row.case_id)
                    .details(
                        json!({"track": track, "from": from, "to": stage, "by_handoff": row.id}),
                    ),
            )?;
        }
    }
    if db::categories(&row.shares).contains(&Category::Documents) {
        record_documents_shared(conn, ctx, row)?;
    }
    Ok(())
}

/// Writes `document.shared` into the custody log of each document of the case that a handoff
/// now makes visible to its receiver.
fn record_documents_shared(
    conn: &mut DbConnection,
    ctx: &Ctx,
    row: &HandoffRow,
) -> Result<(), AppError> {
    for doc in case_db::documents(conn, row.case_id)? {
        audit::record(
            conn,
            ctx,
            Event::new(AuditAction::DocumentShared)
                .case(row.case_id)
                .subject("document", doc.id)
                .details(json!({"sha256": doc.sha256, "to_agency_id": row.to_agency_id, "handoff": row.id})),
        )?;
    }
    Ok(())
}

/// One handoff, for the users of its sender or receiver whose role reads cases.
pub fn get(
    conn: &mut DbConnection,
    ctx: &Ctx,
    vault: &Vault,
    id: i64,
) -> Result<HandoffView, AppError> {
    let actor = super::actor(ctx)?;
    let row = db::by_id(conn, id)?.ok_or(AppError::NotFound)?;
    authz::can(actor, Action::HandoffView, Resource::Handoff(row.scope()))?;
    view(conn, vault, actor.agency_id, row)
}

/// The actor's agency's incoming or outgoing handoffs.
pub fn list(
    conn: &mut DbConnection,
    ctx: &Ctx,
    vault: &Vault,
    incoming: bool,
    status: Option<&str>,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<HandoffView>, AppError> {
    let actor = super::actor(ctx)?;
    authz::can(actor, Action::HandoffView, Resource::System)?;
    if let Some(status) = status {
        HandoffStatus::parse(status).map_err(|_| {
            Invalid::new(
                "status",
                "must be pending, accepted, declined, withdrawn, completed, delivered or read",
            )
        })?;
    }
    db::boxed(conn, actor.agency_id, incoming, status, before, limit)?
        .into_iter()
        .map(|row| view(conn, vault, actor.agency_id, row))
        .collect()
}

/// The handoffs of a case the actor's agency may see: all of them for the owner, those it sent
/// or received for another party (the timeline's rule, [`timeline::handoff_visible`]).
pub fn of_case(
    conn: &mut DbConnection,
    ctx: &Ctx,
    vault: &Vault,
    case_id: i64,
) -> Result<Vec<HandoffView>, AppError> {
    let actor = super::actor(ctx)?;
    let (_, scope) = load_case(conn, actor, case_id, Action::CaseView)?;
    let owner = scope.owner_agency_id == actor.agency_id;
    db::of_case(conn, case_id)?
        .into_iter()
        .filter(|h| {
            timeline::handoff_visible(owner, actor.agency_id, h.from_agency_id, h.to_agency_id)
        })
        .map(|row| view(conn, vault, actor.agency_id, row))
        .collect()
}

/// A handoff the caller could send, to one receiver.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HandoffOption {
    /// Agreement and version.
    pub agreement: AgreementRef,
    /// The agreement's handoff id.
    pub handoff: String,
    /// `referral`, `transfer`, `notice`.
    pub kind: String,
    /// What it is for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Legal basis shown to users.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub legal_basis: Option<String>,
    /// Receiving agency code.
    pub to_agency: String,
    /// Its name.
    pub to_agency_name: String,
    /// What the receiver would hold: the agreement's `shares` that the caller's agency holds.
    pub shares: Vec<String>,
    /// Categories the agreement would share that the caller's agency does not hold, so cannot
    /// pass on.
    pub withheld: Vec<String>,
    /// Whether it can be sent now.
    pub allowed: bool,
    /// Whether a supervisor's consent override would open it.
    pub override_possible: bool,
    /// Why it is closed.
    pub unmet: Vec<Violation>,
}

/// What the actor may send from a case, to whom, what each receiver would hold, and why other
/// options are closed. A party that has not accepted its handoff sends nothing (403
/// `access.pending`).
pub fn options(
    conn: &mut DbConnection,
    ctx: &Ctx,
    set: &AgreementSet,
    vault: &Vault,
    case_id: i64,
) -> Result<Vec<HandoffOption>, AppError> {
    let actor = super::actor(ctx)?.clone();
    let (case, scope) = load_case(conn, &actor, case_id, Action::HandoffSend)?;
    let holding = scope
        .holding_of(actor.agency_id)
        .ok_or(AppError::NotFound)?;
    let held = holding.active();
    let sender = agencies::by_id(conn, actor.agency_id)?.ok_or(AppError::NotFound)?;
    let sender_kind = AgencyKind::parse(&sender.kind).map_err(AppError::internal)?;
    let facts = facts(conn, vault, &case)?;
    let consents: Vec<ConsentFacts> = case_db::consents(conn, case_id)?
        .iter()
        .map(case_db::ConsentRow::facts)
        .collect();
    let parties: BTreeMap<String, agencies::AgencyRow> = agencies::list(conn, None, i64::MAX)?
        .into_iter()
        .map(|a| (a.code.clone(), a))
        .collect();
    let mut out = Vec::new();
    for agreement in &set.agreements {
        if !agreement.parties.contains(&sender.code) {
            continue;
        }
        for rule in agreement
            .handoffs
            .iter()
            .filter(|r| r.from.contains(&sender_kind))
        {
            for party in agreement.parties.iter().filter(|p| **p != sender.code) {
                let Some(receiver) = parties.get(party) else {
                    continue;
                };
                let Ok(receiver_kind) = AgencyKind::parse(&receiver.kind) else {
                    continue;
                };
                if !rule.to.contains(&receiver_kind) {
                    continue;
                }
                let given =
                    |purpose: &str| consent::in_force(&consents, purpose, receiver.id).is_some();
                let mut request = Request {
                    handoff: &rule.id,
                    agreement: Some(&agreement.id),
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
                    override_requested: false,
                    actor_is_supervisor: actor.has(Role::Supervisor),
                    case_open: case.status == "open",
                    sender_owns: holding.is_owner(),
                    sender_holds: &held,
                    today: ctx.now.date(),
                };
                let outcome = engine::evaluate(std::slice::from_ref(agreement), &request);
                let override_possible = outcome.is_err() && {
                    request.override_requested = true;
                    engine::evaluate(std::slice::from_ref(agreement), &request).is_ok()
                };
                let shares = engine::shares_of(rule, &held);
                out.push(HandoffOption {
                    agreement: AgreementRef {
                        id: agreement.id.clone(),
                        version: agreement.version,
                    },
                    handoff: rule.id.clone(),
                    kind: rule.kind.as_str().to_owned(),
                    description: rule.description.clone(),
                    legal_basis: rule.legal_basis.clone(),
                    to_agency: receiver.code.clone(),
                    to_agency_name: receiver.name.clone(),
                    shares: shares.iter().map(|c| c.as_str().to_owned()).collect(),
                    withheld: rule
                        .shares
                        .iter()
                        .filter(|c| !shares.contains(c))
                        .map(|c| c.as_str().to_owned())
                        .collect(),
                    allowed: outcome.is_ok(),
                    override_possible,
                    unmet: outcome.err().map(violations).unwrap_or_default(),
                });
            }
        }
    }
    Ok(out)
}

/// Records the end of every handoff's access that has ended without being recorded: a consent
/// withdrawn, or the end of the access an onward handoff derived from (a decline, a withdrawal,
/// a consent withdrawn further up). Each end is an event on the timeline and a message to the
/// receiving agency. Call inside the transaction of the change that ended them.
pub fn record_ended_access(
    conn: &mut DbConnection,
    ctx: &Ctx,
    case_id: i64,
) -> Result<usize, AppError> {
    let (_, scope) = case_db::scope(conn, case_id)?.ok_or(AppError::NotFound)?;
    let mut ended = 0;
    for (handoff_id, why) in scope.holdings.unrecorded_ends() {
        if !db::end_access(conn, handoff_id, why.reason(), ctx.now)? {
            continue;
        }
        let row = db::by_id(conn, handoff_id)?.ok_or(AppError::NotFound)?;
        let derived_from = scope
            .holdings
            .standing(handoff_id)
            .map(|s| s.derived_from.clone())
            .unwrap_or_default();
        audit::record(
            conn,
            ctx,
            Event::new(AuditAction::HandoffAccessEnded)
                .case(case_id)
                .subject("handoff", handoff_id)
                .details(json!({
                    "reason": why.reason(),
                    "purpose": row.consent_purpose,
                    "derived_from": derived_from,
                })),
        )?;
        super::deadlines::notify_access_ended(conn, &row, why, ctx.now)?;
        ended += 1;
    }
    Ok(ended)
}
