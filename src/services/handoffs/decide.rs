//! Deciding a handoff: accept, decline, withdraw, complete, read; race-safe, and re-checked
//! against what the handoff rests on under the case row's lock.

use std::collections::{BTreeMap, HashMap};

use chrono::Duration;
use serde_json::json;

use super::super::agreements::rule_and_version_of;
use super::{HandoffView, Known};
use crate::agreements::HandoffRule;
use crate::audit::{self, AuditAction, Ctx, Event};
use crate::authz::{self, Action, Actor, Resource};
use crate::crypto::Vault;
use crate::db::DbConnection;
use crate::db::agencies::AgencyRow;
use crate::db::cases::{self as case_db};
use crate::db::handoffs::{self as db, HandoffRow};
use crate::domain::Invalid;
use crate::domain::handoff::{HandoffKind, HandoffStatus};
use crate::domain::holding::Ended;
use crate::error::AppError;
use crate::error::ErrorCode;
use crate::services::stats_upkeep::{CaseCounts, HandoffCounts};

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

pub(super) fn already_decided(row: &HandoffRow) -> AppError {
    AppError::Conflict {
        code: ErrorCode::HandoffAlreadyDecided,
        detail: format!("The handoff is {} already.", row.status),
    }
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
    let actor = crate::services::actor(ctx)?.clone();
    let action = match decision {
        Decision::Withdraw(_) => Action::HandoffSend,
        _ => Action::HandoffDecide,
    };
    let text = |field: &'static str, value: &str| -> Result<String, AppError> {
        let v = value.trim();
        if v.chars().count() < 3 || v.chars().count() > 2000 {
            Err(Invalid::new(field, "must be 3–2000 characters").into())
        } else {
            Ok(v.to_owned())
        }
    };
    crate::db::write_transaction(conn, |conn| -> Result<HandoffView, AppError> {
        // The case held first, then everything read under it once.
        let (mut parts, _) =
            case_db::parts(conn, case_db::Held::CaseOfHandoff(id))?.ok_or(AppError::NotFound)?;
        let current = parts
            .handoffs
            .iter()
            .find(|h| h.id == id)
            .cloned()
            .ok_or(AppError::NotFound)?;
        authz::can(&actor, action, Resource::Handoff(current.scope()))?;
        let (rule, agreement) = rule_and_version_of(conn, &current)?;
        let case_id = current.case_id;
        let mut case_counts = if changes_case(&decision, &current, &rule) {
            Some(CaseCounts::of(conn, case_id)?.ok_or(AppError::NotFound)?)
        } else {
            None
        };
        let (agencies, handoff_counts) = agencies_and_counts(conn, &parts.row, &current)?;
        let scope = parts.scope();
        let change = Change {
            ctx,
            actor: &actor,
            row: &current,
            rule: &rule,
            scope: &scope,
        };
        let (after, action, details) =
            apply_decision(conn, &change, &decision, &text, case_counts.as_mut())?;
        let Some(after) = after else {
            return Err(already_decided(&current));
        };
        let mut moves = handoff_counts.moves(&after);
        moves.extend(case_counts.map(|c| c.moves()).unwrap_or_default());
        crate::services::stats_upkeep::apply_together(conn, moves)?;
        audit::record(
            conn,
            ctx,
            Event::new(action)
                .case(case_id)
                .subject("handoff", id)
                .details(details),
        )?;
        let known = Known {
            case_number: parts.row.case_number.clone(),
            risk_level: parts.row.risk_level.clone(),
            agencies,
            attached: super::attached_documents(conn, vault, id)?,
        };
        crate::services::notifications::notify_decided_with(
            conn,
            &after,
            known.params(&after),
            ctx.now,
        )?;
        ended_by(conn, ctx, &mut parts, &after)?;
        known.view(vault, actor.agency_id, after, agreement)
    })
}

/// The agencies of a handoff and of its case's owner, and the handoff's counts as it stands, in
/// one statement.
fn agencies_and_counts(
    conn: &mut DbConnection,
    case: &case_db::CaseRow,
    current: &HandoffRow,
) -> Result<(HashMap<i64, AgencyRow>, HandoffCounts), AppError> {
    let ids = [
        current.from_agency_id,
        current.to_agency_id,
        case.owner_agency_id,
    ];
    let agencies: HashMap<i64, AgencyRow> = crate::db::agencies::rows_of(conn, &ids)?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    let kind = |id: i64| {
        agencies
            .get(&id)
            .map(|a| a.kind.clone())
            .unwrap_or_default()
    };
    let counts = HandoffCounts::new(
        &case.province,
        &kind(current.from_agency_id),
        &kind(current.to_agency_id),
    )
    .from(current);
    Ok((agencies, counts))
}

/// Records what the decision ended (onward access), from the case as it now stands: `parts` as
/// read before the decision, with the decided handoff and a transferred owner put in (nothing
/// read again).
fn ended_by(
    conn: &mut DbConnection,
    ctx: &Ctx,
    parts: &mut case_db::CaseParts,
    after: &HandoffRow,
) -> Result<(), AppError> {
    if let Some(h) = parts.handoffs.iter_mut().find(|h| h.id == after.id) {
        *h = after.clone();
    }
    if after.kind == HandoffKind::Transfer && after.status == HandoffStatus::Accepted {
        parts.row.owner_agency_id = after.to_agency_id;
    }
    super::access::record_ended_access_in(conn, ctx, after.case_id, &parts.scope())?;
    Ok(())
}

/// Whether a decision changes what the case counts under (a transfer accepted moves the case to
/// its receiver; an acceptance may move a track to the stage the agreement names).
fn changes_case(decision: &Decision, row: &HandoffRow, rule: &HandoffRule) -> bool {
    matches!(decision, Decision::Accept)
        && (row.kind == HandoffKind::Transfer || rule.on_accept.is_some())
}

/// One decision being applied: who, on which handoff (as read in the transaction), under which
/// rule.
pub(super) struct Change<'a> {
    /// The request.
    pub ctx: &'a Ctx,
    /// Who decides.
    pub actor: &'a Actor,
    /// The handoff as it stands.
    pub row: &'a HandoffRow,
    /// The agreement's rule it was sent under.
    pub rule: &'a HandoffRule,
    /// Who holds what of the case, before the decision.
    pub scope: &'a crate::authz::CaseScope,
}

/// Refuses an answer that relies on the handoff's access when that access is no longer in force.
pub(super) fn still_in_force(
    scope: &crate::authz::CaseScope,
    row: &HandoffRow,
) -> Result<(), AppError> {
    let ended = scope.holdings.standing(row.id).and_then(|s| s.ended);
    let consent_withdrawn = ended == Some(Ended::ConsentWithdrawn)
        || (ended == Some(Ended::Recorded)
            && row.access_ended_reason.as_deref() == Some(Ended::ConsentWithdrawn.reason()));
    match ended {
        None | Some(Ended::Closed) => Ok(()),
        Some(_) if consent_withdrawn => Err(AppError::Conflict {
            code: ErrorCode::HandoffConsentWithdrawn,
            detail: "The consent this handoff rests on has been withdrawn; it can no longer be accepted or completed.".to_owned(),
        }),
        Some(ended) => Err(AppError::Conflict {
            code: ErrorCode::HandoffAccessEnded,
            detail: format!(
                "The access this handoff gave has ended ({}); it can no longer be accepted or completed.",
                row.access_ended_reason.as_deref().unwrap_or(ended.reason())
            ),
        }),
    }
}

impl Decision {
    /// The decision in words, for a refusal.
    fn verb(&self) -> &'static str {
        match self {
            Decision::Accept => "accepted",
            Decision::Decline(_) => "declined",
            Decision::Withdraw(_) => "withdrawn",
            Decision::Complete(_) => "completed",
            Decision::Read => "marked read",
        }
    }

    /// The status it moves a handoff of `kind` from and to, and the event it is; `None` when the
    /// decision does not apply to the kind (a notice is not accepted, a referral not read).
    fn transition(&self, kind: HandoffKind) -> Option<(HandoffStatus, HandoffStatus, AuditAction)> {
        use HandoffStatus as S;
        let notice = kind == HandoffKind::Notice;
        Some(match (self, notice) {
            (Decision::Accept, false) => (S::Pending, S::Accepted, AuditAction::HandoffAccepted),
            (Decision::Decline(_), false) => {
                (S::Pending, S::Declined, AuditAction::HandoffDeclined)
            }
            (Decision::Withdraw(_), true) => {
                (S::Delivered, S::Withdrawn, AuditAction::HandoffWithdrawn)
            }
            (Decision::Withdraw(_), false) => {
                (S::Pending, S::Withdrawn, AuditAction::HandoffWithdrawn)
            }
            (Decision::Complete(_), false) => {
                (S::Accepted, S::Completed, AuditAction::HandoffCompleted)
            }
            (Decision::Read, true) => (S::Delivered, S::Read, AuditAction::HandoffRead),
            _ => return None,
        })
    }

    /// Whether the decision acts on the access the handoff gives (so it must still be in force).
    fn needs_access(&self) -> bool {
        matches!(
            self,
            Decision::Accept | Decision::Complete(_) | Decision::Read
        )
    }
}

/// The decision's own change, inside the transaction: the handoff as changed (`None` when it was
/// no longer in the state the decision moves it from), the event and its details. A case change
/// an acceptance makes is applied to `case_counts` as well, when given.
pub(super) fn apply_decision(
    conn: &mut DbConnection,
    change: &Change<'_>,
    decision: &Decision,
    text: &dyn Fn(&'static str, &str) -> Result<String, AppError>,
    case_counts: Option<&mut CaseCounts>,
) -> Result<(Option<HandoffRow>, AuditAction, serde_json::Value), AppError> {
    let Change {
        ctx,
        actor,
        row,
        rule,
        scope,
    } = *change;
    let (from, to, action) = decision
        .transition(row.kind)
        .ok_or_else(|| AppError::Conflict {
            code: ErrorCode::HandoffWrongKind,
            detail: format!("A {} cannot be {}.", row.kind, decision.verb()),
        })?;
    // An answer to a handoff already answered is a conflict whatever else holds.
    if decision.needs_access() && row.status == from {
        still_in_force(scope, row)?;
    }
    let (after, details) = match decision {
        Decision::Accept => {
            let complete_by = rule
                .complete_within_days
                .map(|d| ctx.now + Duration::days(i64::from(d)));
            let after = db::decide(
                conn,
                row.id,
                from,
                to,
                actor.user_id,
                None,
                complete_by,
                ctx.now,
            )?;
            if after.is_some() {
                accepted(conn, change, case_counts)?;
            }
            let moved = row.kind == HandoffKind::Transfer;
            (
                after,
                json!({"complete_by": complete_by.map(crate::domain::utc), "ownership_moved": moved}),
            )
        }
        Decision::Decline(reason) | Decision::Withdraw(reason) => {
            let reason = text("reason", reason)?;
            let after = db::decide(
                conn,
                row.id,
                from,
                to,
                actor.user_id,
                Some(&reason),
                None,
                ctx.now,
            )?;
            (after, json!({"reason": reason}))
        }
        Decision::Complete(outcome) => {
            let outcome = text("outcome", outcome)?;
            let after = db::complete(conn, row.id, &outcome, ctx.now)?;
            (after, json!({"outcome": outcome}))
        }
        Decision::Read => (
            db::mark_read(conn, row.id, actor.user_id, ctx.now)?,
            json!({}),
        ),
    };
    Ok((after, action, details))
}

/// What an acceptance changes besides the handoff: ownership for a transfer, the stage the
/// agreement names, and the custody log of documents now shared.
pub(super) fn accepted(
    conn: &mut DbConnection,
    change: &Change<'_>,
    mut case_counts: Option<&mut CaseCounts>,
) -> Result<(), AppError> {
    let Change {
        ctx,
        actor,
        row,
        rule,
        ..
    } = *change;
    if row.kind == HandoffKind::Transfer {
        case_db::set_owner(conn, row.case_id, row.to_agency_id, ctx.now)?;
        if let Some(counts) = case_counts.as_deref_mut() {
            counts.owner(row.to_agency_id);
        }
        // Whoever accepted the transfer works the case for the new owner.
        let before = case_db::assignee(conn, row.case_id)?;
        case_db::assign(conn, row.case_id, actor.user_id, actor.user_id, ctx.now)?;
        audit::record(
            conn,
            ctx,
            Event::new(AuditAction::CaseAssigned)
                .case(row.case_id)
                .subject("case", row.case_id)
                .details(json!({
                    "from": before.map(|b| b.username),
                    "to": actor.username,
                    "reason": "transfer",
                })),
        )?;
    }
    if let Some((track, stage)) = &rule.on_accept {
        let current: BTreeMap<String, String> = match case_counts.as_deref() {
            Some(counts) => counts.tracks().iter().cloned().collect(),
            None => case_db::tracks(conn, row.case_id)?.into_iter().collect(),
        };
        let from = current.get(track).cloned().unwrap_or_default();
        if &from != stage {
            let moved = case_db::change_stage(
                conn,
                row.case_id,
                track,
                &from,
                stage,
                actor.user_id,
                actor.agency_id,
                ctx.now,
            )?;
            if let (true, Some(counts)) = (moved, case_counts) {
                counts.stage(track, stage);
            }
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
    if row.kind == HandoffKind::Transfer {
        // The new owner reads every document; those attached were recorded when sent.
        let attached: Vec<i64> = crate::db::attachments::attached(conn, row.id)?
            .iter()
            .map(|d| d.id)
            .collect();
        let rest: Vec<_> = case_db::documents(conn, row.case_id)?
            .into_iter()
            .filter(|d| !attached.contains(&d.id))
            .collect();
        record_documents_shared(conn, ctx, row, &rest)?;
    }
    Ok(())
}

/// Writes `document.shared` into the custody log of each of `documents` that a handoff makes
/// readable to its receiver (attached when sent, or every document when a transfer is accepted).
pub(super) fn record_documents_shared(
    conn: &mut DbConnection,
    ctx: &Ctx,
    row: &HandoffRow,
    documents: &[case_db::DocumentRow],
) -> Result<(), AppError> {
    for doc in documents {
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
