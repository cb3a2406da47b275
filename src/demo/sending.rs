//! The demo handoffs made in memory: sent (with their letter number and `handoff.created`), then
//! answered as `super::answer_report` answers them through the services.

use chrono::{Duration, NaiveDateTime};
use rand::Rng;
use serde_json::json;

use super::demo_message;
use super::plan::{Planner, RuleGrant, Stream, stage_change};
use crate::audit::{AuditAction, Ctx, Event};
use crate::db::agencies::AgencyRow;
use crate::db::bulk::{CaseBulk, HandoffBulk, LetterBulk, Rows};
use crate::domain::classification as cls;
use crate::domain::letter::CounterKey;
use crate::error::AppError;

impl Planner<'_> {
    /// A handoff of the case under `grant` from the actor of `ctx` to `to`, as the send writes
    /// it: pending (a notice delivered), its message sealed, `handoff.created` and its letter
    /// number from the sender's counter.
    #[expect(
        clippy::too_many_arguments,
        reason = "the case, the send and where rows go"
    )]
    pub(super) fn send(
        &mut self,
        rows: &mut Rows,
        stream: &mut Stream,
        case: &CaseBulk,
        ctx: &Ctx,
        grant: &RuleGrant,
        to: &AgencyRow,
        consent_id: Option<i64>,
    ) -> Result<HandoffBulk, AppError> {
        let actor = crate::services::actor(ctx)?.clone();
        let sender = self.places.service_unit.clone();
        let now = ctx.now;
        let id = self.ids.handoff;
        self.ids.handoff += 1;
        self.handoffs += 1;
        let notice = grant.kind == "notice";
        let message = demo_message(&grant.rule_id).trim();
        let consent_id = grant.requires_consent.as_ref().and(consent_id);
        let respond_by = grant
            .respond_within_hours
            .filter(|_| !notice)
            .map(|h| now + Duration::hours(i64::from(h)));
        let handoff = HandoffBulk {
            id,
            case_id: case.id,
            kind: grant.kind.clone(),
            rule_id: grant.rule_id.clone(),
            agreement_version_id: grant.version_id,
            from_agency_id: sender.id,
            to_agency_id: to.id,
            owner_agency_id: case.owner_agency_id,
            created_by: actor.user_id,
            status: if notice { "delivered" } else { "pending" }.to_owned(),
            shares: serde_json::to_string(&grant.shares).map_err(AppError::internal)?,
            consent_purpose: grant.requires_consent.clone(),
            consent_id,
            override_legal_basis: None,
            override_reason: None,
            message_ciphertext: Some(
                self.vault
                    .seal(message.as_bytes())
                    .map_err(AppError::internal)?,
            ),
            key_id: Some(self.vault.key_id().to_owned()),
            respond_by,
            complete_by: None,
            decided_by: None,
            decided_at: None,
            decision_reason: None,
            completed_at: None,
            outcome: None,
            access_ended_at: None,
            access_ended_reason: None,
            created_at: now,
            updated_at: now,
            receiver_records_consent: grant.receiver_records_consent.clone(),
        };
        self.created(rows, stream, ctx, grant, &handoff, (&sender, to));
        Ok(handoff)
    }

    /// `handoff.created` of a handoff just sent, and its letter number from the sender's counter.
    fn created(
        &mut self,
        rows: &mut Rows,
        stream: &mut Stream,
        ctx: &Ctx,
        grant: &RuleGrant,
        handoff: &HandoffBulk,
        (sender, to): (&AgencyRow, &AgencyRow),
    ) {
        let (id, now, consent_id, respond_by) =
            (handoff.id, ctx.now, handoff.consent_id, handoff.respond_by);
        let event = Event::new(AuditAction::HandoffCreated)
            .subject("handoff", id)
            .details(json!({
                "kind": grant.kind,
                "handoff": grant.rule_id,
                "agreement": grant.agreement.0,
                "version": grant.agreement.1,
                "from_agency": sender.code,
                "to_agency": to.code,
                "consent_id": consent_id,
                "respond_by": respond_by.map(crate::domain::utc),
                "shares": grant.shares,
                "withheld": grant.withheld,
                "onward": false,
                "documents": Vec::<i64>::new(),
            }));
        stream.push(rows, &mut self.ids.audit, ctx, event);
        let key = CounterKey::of(sender.id, now, sender.province.as_deref());
        let seq = self.next_number(&format!("letter:{}", sender.id), key.year);
        rows.letters.push(LetterBulk {
            handoff_id: id,
            number: key.number(seq, &sender.code),
            agency_id: key.agency_id,
            year: key.year,
            seq,
            created_at: now,
        });
    }

    /// What becomes of a report to the police: left pending, declined, withdrawn by the owner,
    /// accepted, or accepted and completed. Returns whether it was completed.
    pub(super) fn answer(
        &mut self,
        rows: &mut Rows,
        stream: &mut Stream,
        handoff: &mut HandoffBulk,
        grant: &RuleGrant,
        (owner_ctx, police_ctx): (&Ctx, &Ctx),
    ) -> bool {
        let draw = self.rng.random_range(0..10);
        let reason = |text: &str| json!({"reason": text});
        match draw {
            0..=1 => return false,
            2 => {
                let why = "Incident outside Polda Jawa Tengah jurisdiction";
                decided(handoff, "declined", police_ctx, Some(why), None);
                let event = Event::new(AuditAction::HandoffDeclined).details(reason(why));
                self.push(rows, stream, police_ctx, event, handoff.id);
                return false;
            }
            3 => {
                let why = "Survivor chose not to report for now";
                decided(handoff, "withdrawn", owner_ctx, Some(why), None);
                let event = Event::new(AuditAction::HandoffWithdrawn).details(reason(why));
                self.push(rows, stream, owner_ctx, event, handoff.id);
                return false;
            }
            _ => {}
        }
        self.accept(rows, stream, handoff, grant, police_ctx);
        if draw <= 6 {
            return false;
        }
        let outcome = "Laporan polisi diterima dan diregistrasi";
        handoff.status = "completed".to_owned();
        handoff.completed_at = Some(police_ctx.now);
        handoff.outcome = Some(outcome.to_owned());
        handoff.updated_at = police_ctx.now;
        let event = Event::new(AuditAction::HandoffCompleted).details(json!({"outcome": outcome}));
        self.push(rows, stream, police_ctx, event, handoff.id);
        true
    }

    /// An acceptance: the stage the rule names (`case.stage_changed`), then `handoff.accepted`.
    fn accept(
        &mut self,
        rows: &mut Rows,
        stream: &mut Stream,
        handoff: &mut HandoffBulk,
        grant: &RuleGrant,
        ctx: &Ctx,
    ) {
        let complete_by = grant
            .complete_within_days
            .map(|d| ctx.now + Duration::days(i64::from(d)));
        decided(handoff, "accepted", ctx, None, complete_by);
        if let Some((track, stage)) = &grant.on_accept {
            let from = rows
                .tracks
                .iter_mut()
                .rev()
                .find(|t| t.case_id == handoff.case_id && &t.track == track);
            let first = cls::TRACKS
                .iter()
                .find(|(t, _)| t.code == track)
                .and_then(|(_, stages)| stages.first())
                .map(|s| s.code.to_owned())
                .unwrap_or_default();
            let from_stage = from.as_ref().map_or(first, |t| t.stage.clone());
            if &from_stage != stage {
                let moved = from.is_some();
                if let Some(t) = from {
                    t.stage.clone_from(stage);
                }
                if moved {
                    let id = self.ids.stage_change;
                    self.ids.stage_change += 1;
                    let by = &self.cast.police;
                    let change = (track.as_str(), from_stage.as_str(), stage.as_str());
                    rows.stage_changes
                        .push(stage_change(id, handoff.case_id, change, by, ctx.now));
                }
                let event = Event::new(AuditAction::CaseStageChanged)
                    .subject("case", handoff.case_id)
                    .details(json!({"track": track, "from": from_stage, "to": stage, "by_handoff": handoff.id}));
                stream.push(rows, &mut self.ids.audit, ctx, event);
            }
        }
        let event = Event::new(AuditAction::HandoffAccepted).details(json!({
            "complete_by": complete_by.map(crate::domain::utc),
            "ownership_moved": grant.kind == "transfer",
        }));
        self.push(rows, stream, ctx, event, handoff.id);
    }

    /// Appends a decision's event on handoff `id`.
    fn push(&mut self, rows: &mut Rows, stream: &mut Stream, ctx: &Ctx, event: Event, id: i64) {
        stream.push(rows, &mut self.ids.audit, ctx, event.subject("handoff", id));
    }
}

/// The decision's columns, as `crate::db::handoffs::decide` sets them.
fn decided(
    handoff: &mut HandoffBulk,
    status: &str,
    ctx: &Ctx,
    reason: Option<&str>,
    complete_by: Option<NaiveDateTime>,
) {
    handoff.status = status.to_owned();
    handoff.decided_by = ctx.actor.as_ref().map(|a| a.user_id);
    handoff.decided_at = Some(ctx.now);
    handoff.decision_reason = reason.map(str::to_owned);
    handoff.complete_by = complete_by;
    handoff.updated_at = ctx.now;
}
