//! Reading the audit trail: a case's timeline for its parties, its access log for supervisors and
//! auditors, the audit search for auditors, and exports of a case's trail as JSON or CSV (each
//! export itself recorded). Nothing here writes anything but the `audit.exported` event.
//!
//! This module holds what is answered and the one per-party rule of what is shown, and reads
//! the timeline and the access log; `search` is the audit search, `export` the exports.

mod export;
mod search;

pub use export::{AuditExport, Export, ExportFormat, export, neutralise};
pub use search::{AuditQuery, search};

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use crate::audit::Ctx;
use crate::authz::{self, Action, Actor, Resource};
use crate::db::DbConnection;
use crate::db::audit::AuditRow;
use crate::db::cases::{self as case_db, CaseRow};
use crate::db::handoffs::{self as handoff_db, HandoffRow};
use crate::domain::handoff::{HandoffKind, HandoffStatus};
use crate::domain::timeline::{self, EventFacts, READ_ACTIONS, Viewer};
use crate::domain::utc;
use crate::error::AppError;

/// Who acted.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EventActor {
    /// Username (for failed logins: as typed; `operator` for the command line).
    pub username: Option<String>,
    /// Agency code.
    pub agency: Option<String>,
    /// Roles held when acting.
    pub roles: Vec<String>,
}

/// What an event is about.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EventSubject {
    /// `case`, `handoff`, `consent`, `note`, `document`, `user`, `agency`, `session`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Its id.
    pub id: String,
}

/// The clock of the handoff an event is about, as it stands now.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HandoffClock {
    /// Handoff id.
    pub handoff: i64,
    /// `referral`, `transfer`, `notice`.
    pub kind: HandoffKind,
    /// Sending agency code.
    pub from_agency: String,
    /// Receiving agency code.
    pub to_agency: String,
    /// Current status.
    pub status: HandoffStatus,
    /// Answer due (agreement `respond_within_hours`).
    pub respond_by: Option<DateTime<Utc>>,
    /// Completion due (agreement `complete_within_days`).
    pub complete_by: Option<DateTime<Utc>>,
    /// Accepted, declined or read at.
    pub decided_at: Option<DateTime<Utc>>,
    /// Completed at.
    pub completed_at: Option<DateTime<Utc>>,
    /// A due time has passed without the answer or completion it asks for.
    pub overdue: bool,
}

/// One step of a case's story.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TimelineEvent {
    /// Audit entry id.
    pub id: i64,
    /// When.
    pub at: DateTime<Utc>,
    /// Action code (see `docs/AUDIT.md`).
    #[serde(rename = "type")]
    pub kind: String,
    /// Who.
    pub actor: EventActor,
    /// About what.
    pub subject: Option<EventSubject>,
    /// What changed (never identity).
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
    /// For handoff events: the handoff's clock.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clock: Option<HandoffClock>,
}

/// A case's timeline, oldest first.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Timeline {
    /// Case id.
    pub case_id: i64,
    /// Case number.
    pub case_number: String,
    /// Events the caller may see.
    pub events: Vec<TimelineEvent>,
}

/// One read of a case's sensitive data.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AccessLogItem {
    /// When.
    pub at: DateTime<Utc>,
    /// Who.
    pub username: Option<String>,
    /// Their agency code.
    pub agency: Option<String>,
    /// Their roles.
    pub roles: Vec<String>,
    /// `case.viewed`, `identity.revealed`, `document.viewed`, `audit.exported`.
    pub action: String,
    /// The purpose given, the document read, the export format.
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
    /// Client address.
    pub client_ip: Option<String>,
}

/// Who read a case, newest first.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AccessLog {
    /// Case id.
    pub case_id: i64,
    /// Case number.
    pub case_number: String,
    /// Reads.
    pub items: Vec<AccessLogItem>,
}

/// An audit entry as auditors search and export it: every stored field, so that an independent
/// tool can recompute its hash (`details` is the exact JSON text that was hashed).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AuditEntry {
    /// Id (the order of appends).
    pub id: i64,
    /// When, UTC, microseconds.
    pub occurred_at: String,
    /// `system` or `case:<id>`.
    pub stream: String,
    /// Position in the stream.
    pub seq: i64,
    /// Action code.
    pub action: String,
    /// Acting user id.
    pub actor_user_id: Option<i64>,
    /// Acting or attempted username.
    pub actor_username: Option<String>,
    /// Acting agency id.
    pub actor_agency_id: Option<i64>,
    /// Acting agency code.
    pub actor_agency: Option<String>,
    /// Acting roles, comma-separated.
    pub actor_roles: Option<String>,
    /// Subject kind.
    pub subject_type: Option<String>,
    /// Subject id.
    pub subject_id: Option<String>,
    /// Case id.
    pub case_id: Option<i64>,
    /// Request id.
    pub request_id: Option<String>,
    /// Client address.
    pub client_ip: Option<String>,
    /// What changed, compact JSON text.
    pub details: String,
    /// Hash of the previous entry of the stream.
    pub prev_hash: String,
    /// This entry's hash.
    pub hash: String,
}

/// Agency codes by id.
fn agency_codes(conn: &mut DbConnection) -> QueryResult<HashMap<i64, String>> {
    Ok(crate::db::agencies::all(conn)?
        .into_iter()
        .map(|a| (a.id, a.code))
        .collect())
}

fn actor_of(row: &AuditRow, codes: &HashMap<i64, String>) -> EventActor {
    EventActor {
        username: row.actor_username.clone(),
        agency: row.actor_agency_id.and_then(|id| codes.get(&id).cloned()),
        roles: row
            .actor_roles
            .as_deref()
            .map(|r| r.split(',').map(str::to_owned).collect())
            .unwrap_or_default(),
    }
}

fn details_of(row: &AuditRow) -> serde_json::Value {
    serde_json::from_str(&row.details).unwrap_or(serde_json::Value::Null)
}

/// How the actor looks at the case: as a party (its holding), or as an auditor in scope (the
/// policy let it in without a holding).
fn viewer_of(actor: &Actor, scope: &crate::authz::CaseScope) -> Viewer {
    match scope.holding_of(actor.agency_id) {
        Some(holding) => Viewer::party(actor.agency_id, &actor.agency_code, holding),
        None => Viewer::Auditor,
    }
}

/// Whether an audit entry of the case is shown to `viewer` at all (timeline or access log): the
/// one per-party rule behind the timeline, the access log and the export.
fn entry_visible(viewer: &Viewer, row: &AuditRow, ends: &HashMap<i64, (i64, i64)>) -> bool {
    if READ_ACTIONS.contains(&row.action.as_str()) {
        return timeline::read_visible(viewer, row.actor_agency_id);
    }
    let details = details_of(row);
    timeline::visible(
        viewer,
        EventFacts {
            action: &row.action,
            actor_agency_id: row.actor_agency_id,
            subject: row.subject_type.as_deref().zip(row.subject_id.as_deref()),
            details: &details,
        },
        ends,
    )
}

/// Each handoff of the case with its sender and receiver.
fn handoff_ends(conn: &mut DbConnection, case_id: i64) -> QueryResult<HashMap<i64, (i64, i64)>> {
    Ok(handoff_db::of_case(conn, case_id)?
        .into_iter()
        .map(|h| (h.id, (h.from_agency_id, h.to_agency_id)))
        .collect())
}

/// Loads a case for an audit read (`TimelineView`, `AccessLogView`): parties and auditors in scope.
fn load(
    conn: &mut DbConnection,
    actor: &Actor,
    id: i64,
    action: Action,
) -> Result<(CaseRow, crate::authz::CaseScope), AppError> {
    let (row, scope) = case_db::scope(conn, id)?.ok_or(AppError::NotFound)?;
    authz::can(actor, action, Resource::Case(&scope))?;
    Ok((row, scope))
}

fn clock_of(h: &HandoffRow, codes: &HashMap<i64, String>, now: NaiveDateTime) -> HandoffClock {
    let answered = h.decided_at.is_some() || h.status.is_answered();
    let finished = h.completed_at.is_some()
        || !matches!(h.status, HandoffStatus::Pending | HandoffStatus::Accepted);
    let overdue = (!answered && h.respond_by.is_some_and(|due| due < now))
        || (!finished && h.complete_by.is_some_and(|due| due < now));
    HandoffClock {
        handoff: h.id,
        kind: h.kind,
        from_agency: codes.get(&h.from_agency_id).cloned().unwrap_or_default(),
        to_agency: codes.get(&h.to_agency_id).cloned().unwrap_or_default(),
        status: h.status,
        respond_by: h.respond_by.map(utc),
        complete_by: h.complete_by.map(utc),
        decided_at: h.decided_at.map(utc),
        completed_at: h.completed_at.map(utc),
        overdue,
    }
}

/// The case's story for the caller: each party sees the events about what it may see
/// ([`crate::domain::timeline`]); auditors in scope see all of it.
pub fn timeline(conn: &mut DbConnection, ctx: &Ctx, id: i64) -> Result<Timeline, AppError> {
    let actor = super::actor(ctx)?;
    let (row, scope) = load(conn, actor, id, Action::TimelineView)?;
    let viewer = viewer_of(actor, &scope);
    let codes = agency_codes(conn)?;
    let handoffs: HashMap<i64, HandoffRow> = handoff_db::of_case(conn, id)?
        .into_iter()
        .map(|h| (h.id, h))
        .collect();
    let ends: HashMap<i64, (i64, i64)> = handoffs
        .values()
        .map(|h| (h.id, (h.from_agency_id, h.to_agency_id)))
        .collect();
    let rows = crate::db::audit::stream(conn, &format!("case:{id}"))?;
    let mut events = Vec::new();
    for r in &rows {
        let details = details_of(r);
        let facts = EventFacts {
            action: &r.action,
            actor_agency_id: r.actor_agency_id,
            subject: r.subject_type.as_deref().zip(r.subject_id.as_deref()),
            details: &details,
        };
        if !timeline::visible(&viewer, facts, &ends) {
            continue;
        }
        let clock = match facts.subject {
            Some(("handoff", hid)) => hid
                .parse::<i64>()
                .ok()
                .and_then(|hid| handoffs.get(&hid))
                .map(|h| clock_of(h, &codes, ctx.now)),
            _ => None,
        };
        events.push(TimelineEvent {
            id: r.id,
            at: utc(r.occurred_at),
            kind: r.action.clone(),
            actor: actor_of(r, &codes),
            subject: r
                .subject_type
                .clone()
                .zip(r.subject_id.clone())
                .map(|(kind, id)| EventSubject { kind, id }),
            details,
            clock,
        });
    }
    Ok(Timeline {
        case_id: row.id,
        case_number: row.case_number,
        events,
    })
}

/// Who read the case's sensitive data: supervisors of its parties and auditors in scope.
pub fn access_log(conn: &mut DbConnection, ctx: &Ctx, id: i64) -> Result<AccessLog, AppError> {
    let actor = super::actor(ctx)?;
    let (row, scope) = load(conn, actor, id, Action::AccessLogView)?;
    let viewer = viewer_of(actor, &scope);
    let codes = agency_codes(conn)?;
    let mut items: Vec<AccessLogItem> = crate::db::audit::stream(conn, &format!("case:{id}"))?
        .iter()
        .filter(|r| READ_ACTIONS.contains(&r.action.as_str()))
        .filter(|r| timeline::read_visible(&viewer, r.actor_agency_id))
        .map(|r| {
            let who = actor_of(r, &codes);
            AccessLogItem {
                at: utc(r.occurred_at),
                username: who.username,
                agency: who.agency,
                roles: who.roles,
                action: r.action.clone(),
                details: details_of(r),
                client_ip: r.client_ip.clone(),
            }
        })
        .collect();
    items.reverse();
    Ok(AccessLog {
        case_id: row.id,
        case_number: row.case_number,
        items,
    })
}

fn entry_of(row: AuditRow, codes: &HashMap<i64, String>) -> AuditEntry {
    AuditEntry {
        id: row.id,
        occurred_at: crate::audit::chain::to_micros(row.occurred_at)
            .format("%Y-%m-%dT%H:%M:%S%.6f")
            .to_string(),
        actor_agency: row.actor_agency_id.and_then(|id| codes.get(&id).cloned()),
        stream: row.stream,
        seq: row.seq,
        action: row.action,
        actor_user_id: row.actor_user_id,
        actor_username: row.actor_username,
        actor_agency_id: row.actor_agency_id,
        actor_roles: row.actor_roles,
        subject_type: row.subject_type,
        subject_id: row.subject_id,
        case_id: row.case_id,
        request_id: row.request_id,
        client_ip: row.client_ip,
        details: row.details,
        prev_hash: row.prev_hash,
        hash: row.hash,
    }
}
