//! Deciding a handoff: accept, decline, withdraw, complete, read; race-safe, and re-checked
//! against what the handoff rests on under the case row's lock.

use std::collections::BTreeMap;

use chrono::Duration;
use diesel::Connection;
use serde_json::json;

use super::super::agreements::rule_of;
use super::{HandoffView, record_ended_access, view};
use crate::agreements::HandoffRule;
use crate::audit::{self, AuditAction, Ctx, Event};
use crate::authz::{self, Action, Actor, Resource};
use crate::crypto::Vault;
use crate::db::DbConnection;
use crate::db::cases::{self as case_db};
use crate::db::handoffs::{self as db, HandoffRow};
use crate::domain::Invalid;
use crate::domain::handoff::{HandoffKind, HandoffStatus};
use crate::domain::holding::Ended;
use crate::error::AppError;
use crate::error::ErrorCode;

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
        let handoff_watch = crate::services::stats_upkeep::Watch::handoff(conn, id)?;
        let case_watch = crate::services::stats_upkeep::Watch::case(conn, row.case_id)?;
        let current = db::by_id(conn, id)?.ok_or(AppError::NotFound)?;
        let (changed, action, details) =
            apply_decision(conn, ctx, &actor, &current, &rule, &decision, &text)?;
        if !changed {
            let now = db::by_id(conn, id)?.ok_or(AppError::NotFound)?;
            return Err(already_decided(&now));
        }
        let mut moves = handoff_watch.moves(conn)?;
        moves.extend(case_watch.moves(conn)?);
        crate::services::stats_upkeep::apply_together(conn, moves)?;
        audit::record(
            conn,
            ctx,
            Event::new(action)
                .case(row.case_id)
                .subject("handoff", id)
                .details(details),
        )?;
        let decided = db::by_id(conn, id)?.ok_or(AppError::NotFound)?;
        crate::services::notifications::notify_decided(conn, &decided, ctx.now)?;
        record_ended_access(conn, ctx, row.case_id)?;
        Ok(())
    })?;
    let row = db::by_id(conn, id)?.ok_or(AppError::NotFound)?;
    view(conn, vault, actor.agency_id, row)
}

/// Refuses an answer that relies on the handoff's access when that access is no longer in force.
pub(super) fn still_in_force(conn: &mut DbConnection, row: &HandoffRow) -> Result<(), AppError> {
    let (_, scope) = case_db::scope(conn, row.case_id)?.ok_or(AppError::NotFound)?;
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

/// The decision's own change, inside the transaction: whether a row changed, the event and its
/// details.
pub(super) fn apply_decision(
    conn: &mut DbConnection,
    ctx: &Ctx,
    actor: &Actor,
    row: &HandoffRow,
    rule: &HandoffRule,
    decision: &Decision,
    text: &dyn Fn(&'static str, &str) -> Result<String, AppError>,
) -> Result<(bool, AuditAction, serde_json::Value), AppError> {
    let (from, to, action) = decision
        .transition(row.kind)
        .ok_or_else(|| AppError::Conflict {
            code: ErrorCode::HandoffWrongKind,
            detail: format!("A {} cannot be {}.", row.kind, decision.verb()),
        })?;
    // An answer to a handoff already answered is a conflict whatever else holds.
    if decision.needs_access() && row.status == from {
        still_in_force(conn, row)?;
    }
    let (changed, details) = match decision {
        Decision::Accept => {
            let complete_by = rule
                .complete_within_days
                .map(|d| ctx.now + Duration::days(i64::from(d)));
            let changed = db::decide(
                conn,
                row.id,
                from,
                to,
                actor.user_id,
                None,
                complete_by,
                ctx.now,
            )?;
            if changed {
                accepted(conn, ctx, actor, row, rule)?;
            }
            let moved = row.kind == HandoffKind::Transfer;
            (
                changed,
                json!({"complete_by": complete_by.map(crate::domain::utc), "ownership_moved": moved}),
            )
        }
        Decision::Decline(reason) | Decision::Withdraw(reason) => {
            let reason = text("reason", reason)?;
            let changed = db::decide(
                conn,
                row.id,
                from,
                to,
                actor.user_id,
                Some(&reason),
                None,
                ctx.now,
            )?;
            (changed, json!({"reason": reason}))
        }
        Decision::Complete(outcome) => {
            let outcome = text("outcome", outcome)?;
            let changed = db::complete(conn, row.id, &outcome, ctx.now)?;
            (changed, json!({"outcome": outcome}))
        }
        Decision::Read => (
            db::mark_read(conn, row.id, actor.user_id, ctx.now)?,
            json!({}),
        ),
    };
    Ok((changed, action, details))
}

/// What an acceptance changes besides the handoff: ownership for a transfer, the stage the
/// agreement names, and the custody log of documents now shared.
pub(super) fn accepted(
    conn: &mut DbConnection,
    ctx: &Ctx,
    actor: &Actor,
    row: &HandoffRow,
    rule: &HandoffRule,
) -> Result<(), AppError> {
    if row.kind == HandoffKind::Transfer {
        case_db::set_owner(conn, row.case_id, row.to_agency_id, ctx.now)?;
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
