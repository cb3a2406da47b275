//! Deadlines in use: the sweep that reminds before a clock runs out, marks the breach after it and
//! escalates; the supervisor worklist and a case's deadlines. Each sweep step is taken once (a `deadline_notices` row), even when several
//! instances sweep one database at the same time.

use chrono::{Duration, NaiveDateTime};
use diesel::Connection;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::audit::{self, AuditAction, Ctx, Event};
use crate::authz::{self, Action, Resource};
use crate::db::DbConnection;
use crate::db::cases::{self as case_db, CaseRow};
use crate::db::handoffs::{self as handoff_db, HandoffRow};
use crate::db::outbox;
use crate::deadlines::engine::{self, CaseFacts, Deadline, HandoffFacts};
use crate::deadlines::{DeadlineRules, State};
use crate::domain::Invalid;
use crate::domain::agency::AgencyKind;
use crate::domain::local_time;
use crate::domain::user::Role;
use crate::error::AppError;
use crate::notify::{self, HANDOFF_ROLES, templates::Params};

fn agency_province(conn: &mut DbConnection, id: i64) -> Result<Option<String>, AppError> {
    Ok(crate::db::agencies::by_id(conn, id)?.and_then(|a| a.province))
}

fn facts_of(conn: &mut DbConnection, row: &HandoffRow) -> Result<HandoffFacts, AppError> {
    let version = handoff_db::version_by_id(conn, row.agreement_version_id)?;
    Ok(row.clock_facts(version.map_or_else(String::new, |v| {
        format!("{} v{}", v.agreement_id, v.version)
    })))
}

/// What one sweep did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SweepReport {
    /// Reminders sent.
    pub reminded: usize,
    /// Breaches marked.
    pub breached: usize,
    /// Escalations sent.
    pub escalated: usize,
}

/// The widest "due soon" window: clocks due later than this after `at` need nothing yet.
const HORIZON_HOURS: i64 = 24;

/// Runs one sweep of the clocks as of `at`.
///
/// - Agreement clocks: a reminder to the receiver when one is due soon; once it has run out, a
///   `deadline.breached` event and an escalation (`handoff.escalated`) to the agreement's
///   `escalate_to` role at the sender and the receiver.
/// - Statutory clocks: a reminder to the responsible agency (the owner when the case has no party of
///   the responsible kind); once one has run out, if it counts as a breach, `deadline.breached`, then
///   `deadline.escalated` to the rule's `escalate_to` role at that agency.
pub fn sweep(
    conn: &mut DbConnection,
    rules: &DeadlineRules,
    at: NaiveDateTime,
    now: NaiveDateTime,
) -> Result<SweepReport, AppError> {
    let ctx = Ctx {
        actor: None,
        request_id: Some("deadline-sweep".to_owned()),
        client_ip: None,
        now,
    };
    let mut report = SweepReport::default();
    for row in handoff_db::clock_candidates(conn, at + Duration::hours(HORIZON_HOURS))? {
        let facts = facts_of(conn, &row)?;
        for d in engine::handoff_slas(&facts, at) {
            if d.state == State::Met || at < engine::remind_at(&d) {
                continue;
            }
            let row = &row;
            let clock = Clock {
                case_id: row.case_id,
                subject: ("handoff", row.id),
                remind: row.to_agency_id,
                targets: Box::new(move |conn: &mut DbConnection, d: &Deadline| {
                    let escalate = super::agreements::rule_of(conn, row)?
                        .escalate_to
                        .map(|role| {
                            (
                                role,
                                vec![row.from_agency_id, row.to_agency_id],
                                AuditAction::HandoffEscalated,
                            )
                        });
                    Ok(Targets {
                        params: deadline_params(
                            super::notifications::handoff_params(conn, row)?,
                            d,
                        ),
                        escalate,
                    })
                }),
                deadline: d,
            };
            conn.transaction(|conn| take_steps(conn, &ctx, &clock, at, &mut report))?;
        }
    }
    sweep_statutory(conn, &ctx, rules, at, &mut report)?;
    Ok(report)
}

/// How long after its due time a statutory clock is still looked at (a sweep missed while
/// Rujukan was down still records the breach within this week).
const LATE_SWEEP_DAYS: i64 = 7;

fn sweep_statutory(
    conn: &mut DbConnection,
    ctx: &Ctx,
    rules: &DeadlineRules,
    at: NaiveDateTime,
    report: &mut SweepReport,
) -> Result<(), AppError> {
    // Cases whose clock of a rule may be running: its trigger happened within (twice) its period,
    // plus a week for breaches a stopped server did not record in time.
    let mut candidates: std::collections::BTreeMap<i64, Vec<&str>> = Default::default();
    for rule in &rules.rules {
        let reach = rule.period.length() * 2 + Duration::days(LATE_SWEEP_DAYS);
        for case_id in case_db::triggered_between(conn, &rule.trigger, at - reach, at)? {
            candidates.entry(case_id).or_default().push(&rule.id);
        }
    }
    for (case_id, rule_ids) in candidates {
        let Some(row) = case_db::by_id(conn, case_id)? else {
            continue;
        };
        let handoffs = handoff_db::of_case(conn, case_id)?;
        let facts = case_facts(conn, &row, &handoffs)?;
        for d in engine::statutory(rules, case_id, &facts, at) {
            let too_late = at - d.due_at > Duration::days(LATE_SWEEP_DAYS);
            if d.state == State::Met
                || !rule_ids.contains(&d.rule.as_str())
                || at < engine::remind_at(&d)
                || too_late
            {
                continue;
            }
            let Some(rule) = rules.rules.iter().find(|r| r.id == d.rule) else {
                continue;
            };
            let agency = d.responsible_agency_id.unwrap_or(facts.owner_agency_id);
            let case_number = &row.case_number;
            let clock = Clock {
                case_id,
                subject: ("case", case_id),
                remind: agency,
                targets: Box::new(move |conn: &mut DbConnection, d: &Deadline| {
                    let params = Params {
                        case_number: case_number.clone(),
                        case_id,
                        province: agency_province(conn, agency)?,
                        ..Params::default()
                    };
                    Ok(Targets {
                        params: deadline_params(params, d),
                        escalate: rule
                            .escalate_to
                            .map(|role| (role, vec![agency], AuditAction::DeadlineEscalated)),
                    })
                }),
                deadline: d,
            };
            conn.transaction(|conn| take_steps(conn, ctx, &clock, at, report))?;
        }
    }
    Ok(())
}

/// Who a clock's steps are told to, worked out only once a step is actually taken.
struct Targets {
    /// The e-mail parameters.
    params: Params,
    /// The role told of a breach, the agencies it is told at, and the event that records it.
    escalate: Option<(Role, Vec<i64>, AuditAction)>,
}

/// Loads a clock's [`Targets`] (queries, so only when a step is new).
type ResolveTargets<'a> =
    Box<dyn Fn(&mut DbConnection, &Deadline) -> Result<Targets, AppError> + 'a>;

/// One running clock and where its steps go.
struct Clock<'a> {
    deadline: Deadline,
    case_id: i64,
    /// What the step events are about: the handoff (agreement clocks) or the case (statutory).
    subject: (&'static str, i64),
    /// The agency whose users get the reminder.
    remind: i64,
    /// Who is told, and with what parameters.
    targets: ResolveTargets<'a>,
}

/// Takes the step the clock is due for at `at`, once: the reminder while it is due soon; once it has
/// run out, the breach (if it counts as one) and the escalation. Call inside a transaction.
fn take_steps(
    conn: &mut DbConnection,
    ctx: &Ctx,
    clock: &Clock<'_>,
    at: NaiveDateTime,
    report: &mut SweepReport,
) -> Result<(), AppError> {
    let d = &clock.deadline;
    if at < d.due_at {
        if record_step(
            conn,
            ctx,
            clock,
            "reminded",
            AuditAction::DeadlineReminded,
            at,
            None,
        )? {
            let targets = (clock.targets)(conn, d)?;
            notify::tell_agency(
                conn,
                "deadline.reminder",
                clock.remind,
                &HANDOFF_ROLES,
                &targets.params,
                ctx.now,
            )?;
            report.reminded += 1;
        }
        return Ok(());
    }
    if !d.counts_as_breach
        || !record_step(
            conn,
            ctx,
            clock,
            "breached",
            AuditAction::DeadlineBreached,
            at,
            None,
        )?
    {
        return Ok(());
    }
    report.breached += 1;
    let targets = (clock.targets)(conn, d)?;
    if let Some((role, agencies, action)) = &targets.escalate
        && record_step(conn, ctx, clock, "escalated", *action, at, Some(*role))?
    {
        for agency in agencies {
            notify::tell_agency(
                conn,
                "deadline.escalation",
                *agency,
                &[role.as_str()],
                &targets.params,
                ctx.now,
            )?;
        }
        report.escalated += 1;
    }
    Ok(())
}

/// Records one step of a clock with its event; `false` when it was taken already.
fn record_step(
    conn: &mut DbConnection,
    ctx: &Ctx,
    clock: &Clock<'_>,
    kind: &str,
    action: AuditAction,
    at: NaiveDateTime,
    escalated_to: Option<Role>,
) -> Result<bool, AppError> {
    let d = &clock.deadline;
    if !outbox::take_step(conn, &d.key, kind, clock.case_id, ctx.now)? {
        return Ok(false);
    }
    super::stats_upkeep::deadline_step(conn, d, clock.case_id, kind, ctx.now)?;
    let mut details = json!({
        "deadline": d.key,
        "rule": d.rule,
        "due_at": crate::domain::utc(d.due_at),
        "as_of": crate::domain::utc(at),
        "legal_basis": d.legal_basis,
    });
    if let Some(role) = escalated_to {
        details["escalated_to"] = json!(role.as_str());
    }
    audit::record(
        conn,
        ctx,
        Event::new(action)
            .case(clock.case_id)
            .subject(clock.subject.0, clock.subject.1)
            .username("rujukan")
            .details(details),
    )?;
    Ok(true)
}

/// Adds a deadline's titles and due time (in the zone of `params.province`) to e-mail parameters.
fn deadline_params(mut params: Params, d: &Deadline) -> Params {
    params.deadline_id = Some(d.title_id.clone());
    params.deadline_en = Some(d.title_en.clone());
    params.due = Some(local_time(d.due_at, params.province.as_deref()));
    params
}

/// `?state=` of the worklist.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct WorklistQuery {
    /// `overdue`, `due_soon`, `upcoming` (default: overdue and due soon).
    pub state: Option<String>,
}

/// A deadline in the worklist, with its case number.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WorkItem {
    /// Case id.
    pub case_id: i64,
    /// Case number.
    pub case_number: String,
    /// The deadline.
    #[serde(flatten)]
    pub deadline: Deadline,
}

/// The agreement clocks of handoffs the caller's agency sent or received that are overdue or due
/// soon (or in `state`), soonest first.
pub fn worklist(
    conn: &mut DbConnection,
    ctx: &Ctx,
    query: &WorklistQuery,
) -> Result<Vec<WorkItem>, AppError> {
    let actor = super::actor(ctx)?;
    authz::can(actor, Action::CaseView, Resource::System)?;
    let wanted: Vec<State> = match query.state.as_deref() {
        None => vec![State::Overdue, State::DueSoon],
        Some("overdue") => vec![State::Overdue],
        Some("due_soon") => vec![State::DueSoon],
        Some("upcoming") => vec![State::Upcoming],
        Some(_) => {
            return Err(Invalid::new("state", "must be overdue, due_soon or upcoming").into());
        }
    };
    // Each clock with its case number, then the agreement versions of all of them at once.
    let rows = handoff_db::open_clocks_of_agency(conn, actor.agency_id)?;
    let mut version_ids: Vec<i64> = rows.iter().map(|(r, _)| r.agreement_version_id).collect();
    version_ids.sort_unstable();
    version_ids.dedup();
    let versions: std::collections::HashMap<i64, String> =
        handoff_db::versions_by_ids(conn, &version_ids)?
            .into_iter()
            .map(|v| (v.id, format!("{} v{}", v.agreement_id, v.version)))
            .collect();
    let mut items = Vec::new();
    for (row, case_number) in rows {
        let version = versions.get(&row.agreement_version_id).cloned();
        let facts = row.clock_facts(version.unwrap_or_default());
        for d in engine::handoff_slas(&facts, ctx.now) {
            if wanted.contains(&d.state) {
                items.push(WorkItem {
                    case_id: row.case_id,
                    case_number: case_number.clone(),
                    deadline: d,
                });
            }
        }
    }
    items.sort_by_key(|i| i.deadline.due_at);
    Ok(items)
}

/// What the statutory rules look at in a case: its legal bases, regime, parties and events.
fn case_facts(
    conn: &mut DbConnection,
    row: &CaseRow,
    handoffs: &[HandoffRow],
) -> Result<CaseFacts, AppError> {
    let mut parties: Vec<(i64, AgencyKind)> = Vec::new();
    for id in std::iter::once(row.owner_agency_id).chain(handoffs.iter().map(|h| h.to_agency_id)) {
        if let Some(agency) = crate::db::agencies::by_id(conn, id)?
            && let Ok(kind) = AgencyKind::parse(&agency.kind)
            && !parties.iter().any(|(p, _)| *p == id)
        {
            parties.push((id, kind));
        }
    }
    Ok(CaseFacts {
        created_at: row.created_at,
        legal_basis: serde_json::from_str(&row.legal_basis).unwrap_or_default(),
        procedural_regime: row.procedural_regime.clone(),
        owner_agency_id: row.owner_agency_id,
        parties,
        stage_changes: case_db::stage_changes(conn, row.id)?,
        consent_withdrawals: case_db::consent_withdrawals(conn, row.id)?,
    })
}

/// A case's deadlines as the caller may see them: the statutory ones and the agreement clocks of
/// the handoffs that concern the caller's agency.
pub fn of_case(
    conn: &mut DbConnection,
    ctx: &Ctx,
    rules: &DeadlineRules,
    case_id: i64,
) -> Result<Vec<Deadline>, AppError> {
    let actor = super::actor(ctx)?;
    let (row, scope) = case_db::scope(conn, case_id)?.ok_or(AppError::NotFound)?;
    authz::can(actor, Action::CaseView, Resource::Case(&scope)).map_err(|_| AppError::NotFound)?;
    let handoffs = handoff_db::of_case(conn, case_id)?;
    let facts = case_facts(conn, &row, &handoffs)?;
    let mut out = engine::statutory(rules, case_id, &facts, ctx.now);
    let owner = row.owner_agency_id == actor.agency_id;
    for h in handoffs.iter().filter(|h| {
        crate::domain::timeline::handoff_visible(
            owner,
            actor.agency_id,
            h.from_agency_id,
            h.to_agency_id,
        )
    }) {
        let facts = facts_of(conn, h)?;
        out.extend(engine::handoff_slas(&facts, ctx.now));
    }
    out.sort_by_key(|d| d.due_at);
    Ok(out)
}

/// A notification as administrators see it: who it was for and how delivery went, not what it says.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OutboxItem {
    /// Id.
    pub id: i64,
    /// Written at.
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// `handoff.received`, `handoff.decided`, `deadline.reminder`, `deadline.escalation`, `consent.withdrawn`.
    pub kind: String,
    /// Recipient's username.
    pub recipient: String,
    /// Address used (none: the user has no e-mail address; give them one).
    pub recipient_email: Option<String>,
    /// `pending`, `sent`, `dead`, `no_address`.
    pub status: String,
    /// Delivery attempts.
    pub attempts: i32,
    /// Last delivery error.
    pub last_error: Option<String>,
    /// Delivered at.
    pub sent_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// `?status=` of the outbox list.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct OutboxQuery {
    /// `pending`, `sent`, `dead` or `no_address`.
    pub status: Option<String>,
    /// Items per page (1–200).
    pub limit: Option<i64>,
    /// Cursor from the previous page.
    pub cursor: Option<String>,
}

/// Notifications for administrators, newest first: system administrators see all, agency
/// administrators those of their agency's users (dead letters, users without an address).
pub fn outbox_list(
    conn: &mut DbConnection,
    ctx: &Ctx,
    status: Option<&str>,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<OutboxItem>, AppError> {
    let actor = super::actor(ctx)?;
    let agency = if actor.has(crate::domain::user::Role::Sysadmin) {
        authz::can(actor, Action::UserList, Resource::System)?;
        None
    } else {
        authz::can(actor, Action::UserList, Resource::Agency(actor.agency_id))?;
        Some(actor.agency_id)
    };
    if let Some(status) = status
        && !["pending", "sent", "dead", "no_address"].contains(&status)
    {
        return Err(Invalid::new("status", "must be pending, sent, dead or no_address").into());
    }
    outbox::list(conn, status, agency, before, limit)?
        .into_iter()
        .map(|row| {
            let recipient = crate::db::users::by_id(conn, row.recipient_user_id)?
                .map(|u| u.username)
                .unwrap_or_default();
            Ok(OutboxItem {
                id: row.id,
                created_at: crate::domain::utc(row.created_at),
                kind: row.kind,
                recipient,
                recipient_email: row.recipient_email,
                status: row.status,
                attempts: row.attempts,
                last_error: row.last_error,
                sent_at: row.sent_at.map(crate::domain::utc),
            })
        })
        .collect()
}

/// A missed deadline escalated to supervisors, for the supervisor's page.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Escalation {
    /// Case id.
    pub case_id: i64,
    /// Case number.
    pub case_number: String,
    /// `handoff:<id>:respond`, `handoff:<id>:complete` or `case:<id>:<rule>`.
    pub deadline_key: String,
    /// When it was escalated (UTC).
    pub at: NaiveDateTime,
}

/// The escalations on cases the supervisor's agency owns or is party to, newest first.
pub fn escalations(
    conn: &mut DbConnection,
    ctx: &Ctx,
    limit: i64,
) -> Result<Vec<Escalation>, AppError> {
    let actor = super::actor(ctx)?;
    authz::can(actor, Action::AccessLogView, Resource::System)?;
    Ok(outbox::escalations(conn, actor.agency_id, limit)?
        .into_iter()
        .map(|(deadline_key, case_id, case_number, at)| Escalation {
            case_id,
            case_number,
            deadline_key,
            at,
        })
        .collect())
}
