//! The supervisor's page: the agency's open caseload, the clocks that are overdue or due soon, the
//! escalations of missed deadlines; and, for supervisors and auditors, a case's full timeline with
//! its access log. (The consent override is on the case page, in the form that sends a handoff.)

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, web};
use askama::Template;

use super::i18n::{Lang, Texts};
use super::inbox::state_of;
use super::{Chrome, Viewer, render};
use crate::authz::Action;
use crate::db::Db;
use crate::error::AppError;
use crate::services::audit_trail;
use crate::services::cases::{self as case_service, CaseListItem, CaseQuery, Caseload};
use crate::services::deadlines::{self, Escalation, WorkItem, WorklistQuery};

pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(supervision).service(case_audit);
}

/// A case of the caseload.
struct LoadRow {
    id: i64,
    number: String,
    stages: String,
    /// Who works it.
    assigned: String,
    /// Risk level in words.
    risk: String,
    /// High or critical: marked.
    urgent: bool,
    created: String,
}

/// One person's open cases.
struct PersonRow {
    name: String,
    username: String,
    open: i64,
    high_risk: i64,
}

/// A clock of the worklist.
struct ClockRow {
    case_id: i64,
    case_number: String,
    title: String,
    responsible: String,
    due: String,
    state_key: &'static str,
    state_class: &'static str,
}

/// An escalation.
struct EscalationRow {
    case_id: i64,
    case_number: String,
    what: String,
    at: String,
}

#[derive(Template)]
#[template(path = "supervision.html")]
struct SupervisionPage {
    t: Texts,
    c: Chrome,
    caseload: Vec<LoadRow>,
    people: Vec<PersonRow>,
    clocks: Vec<ClockRow>,
    escalations: Vec<EscalationRow>,
}

#[get("/supervision")]
async fn supervision(req: HttpRequest, db: web::Data<Db>, v: Viewer) -> HttpResponse {
    if !super::may(&v.actor, Action::Supervise) {
        return super::forbidden(v);
    }
    let (cases, people, clocks, escalations) = match load(&req, &db, &v).await {
        Ok(found) => found,
        Err(e) => return super::failed(v, e, "supervision"),
    };
    let caseload = cases.into_iter().map(|c| LoadRow::new(&v, c)).collect();
    let people = people
        .into_iter()
        .map(|p| PersonRow {
            name: p.assignee.display_name,
            username: p.assignee.username,
            open: p.open,
            high_risk: p.high_risk,
        })
        .collect();
    let clocks = clocks.into_iter().map(|i| ClockRow::new(&v, i)).collect();
    let escalations = escalations
        .into_iter()
        .map(|e| EscalationRow::new(&v, e))
        .collect();
    render(
        StatusCode::OK,
        &SupervisionPage {
            t: v.t,
            c: v.chrome,
            caseload,
            people,
            clocks,
            escalations,
        },
    )
}

/// The open cases, the worklist's clocks and the escalations, in one transaction.
async fn load(req: &HttpRequest, db: &Db, v: &Viewer) -> Result<Loaded, AppError> {
    let ctx = v.ctx(req);
    db.run(move |conn| {
        let open = CaseQuery {
            status: Some("open".to_owned()),
            ..Default::default()
        };
        let cases = case_service::list(conn, &ctx, &open, None, 100)?;
        let people = case_service::caseload(conn, &ctx)?;
        let clocks = deadlines::worklist(conn, &ctx, &WorklistQuery::default())?;
        let escalations = deadlines::escalations(conn, &ctx, 100)?;
        Ok((cases, people, clocks, escalations))
    })
    .await
}

/// Open cases, the caseload per person, clocks and escalations.
type Loaded = (
    Vec<CaseListItem>,
    Vec<Caseload>,
    Vec<WorkItem>,
    Vec<Escalation>,
);

impl LoadRow {
    /// An open case with the stage of each of its tracks.
    fn new(v: &Viewer, c: CaseListItem) -> Self {
        let t = &v.t;
        LoadRow {
            id: c.id,
            number: c.case_number,
            stages: crate::domain::classification::TRACKS
                .iter()
                .filter_map(|(track, stages)| {
                    let code = c.tracks.get(track.code)?;
                    let stage = stages.iter().find(|s| s.code == code)?;
                    Some(format!(
                        "{}: {}",
                        super::label(t, track),
                        super::label(t, stage)
                    ))
                })
                .collect::<Vec<_>>()
                .join(" · "),
            assigned: c.assigned_to_name.clone().unwrap_or_default(),
            urgent: matches!(c.risk_level.as_deref(), Some("high" | "critical")),
            risk: c
                .risk_level
                .as_deref()
                .map(|r| super::label_of(t, &crate::domain::classification::RISK_LEVEL, r))
                .unwrap_or_default(),
            created: v.time(c.created_at.naive_utc()),
        }
    }
}

impl ClockRow {
    /// A clock of the worklist, its title in the user's language.
    fn new(v: &Viewer, item: WorkItem) -> Self {
        let (state_key, state_class) = state_of(item.deadline.state.as_str());
        ClockRow {
            case_id: item.case_id,
            case_number: item.case_number,
            title: match v.t.lang {
                Lang::Id => item.deadline.title_id,
                Lang::En => item.deadline.title_en,
            },
            responsible: item.deadline.responsible,
            due: v.time(item.deadline.due_at),
            state_key,
            state_class,
        }
    }
}

impl EscalationRow {
    /// An escalation: which deadline was missed (an answer, a completion or a statutory one).
    fn new(v: &Viewer, e: Escalation) -> Self {
        let t = &v.t;
        EscalationRow {
            case_id: e.case_id,
            case_number: e.case_number,
            what: if e.deadline_key.ends_with(":respond") {
                t.get("supervision.missed_answer")
            } else if e.deadline_key.ends_with(":complete") {
                t.get("supervision.missed_completion")
            } else {
                t.get("supervision.missed_statutory")
            },
            at: v.time(e.at),
        }
    }
}

/// A line of the timeline or the access log.
struct AuditLine {
    at: String,
    label_key: String,
    /// The event's details in words (to whom a handoff went, the purpose of a reveal …).
    detail: String,
    who: String,
    from: String,
}

#[derive(Template)]
#[template(path = "case_audit.html")]
struct CaseAuditPage {
    t: Texts,
    c: Chrome,
    number: String,
    events: Vec<AuditLine>,
    reads: Vec<AuditLine>,
}

/// A case's full timeline and its access log, for the supervisors of its parties and auditors.
#[get("/cases/{id}/audit")]
async fn case_audit(
    req: HttpRequest,
    db: web::Data<Db>,
    id: web::Path<i64>,
    v: Viewer,
) -> HttpResponse {
    let ctx = v.ctx(&req);
    let id = id.into_inner();
    let loaded = db
        .run(move |conn| {
            let log = audit_trail::access_log(conn, &ctx, id)?;
            let timeline = audit_trail::timeline(conn, &ctx, id)?;
            Ok((timeline, log))
        })
        .await;
    let (timeline, log) = match loaded {
        Ok(found) => found,
        Err(e) => return super::failed(v, e, "case audit"),
    };
    let events = timeline
        .events
        .into_iter()
        .map(|e| AuditLine {
            at: v.time(e.at.naive_utc()),
            detail: super::cases::event_detail(&v.t, &e.kind, &e.details),
            label_key: format!("event.{}", e.kind),
            who: super::who(e.actor.username, e.actor.agency),
            from: String::new(),
        })
        .collect();
    let reads = log
        .items
        .into_iter()
        .map(|e| AuditLine {
            at: v.time(e.at.naive_utc()),
            detail: super::cases::event_detail(&v.t, &e.action, &e.details),
            label_key: format!("event.{}", e.action),
            who: super::who(e.username, e.agency),
            from: e.client_ip.unwrap_or_default(),
        })
        .collect();
    render(
        StatusCode::OK,
        &CaseAuditPage {
            t: v.t,
            c: v.chrome,
            number: timeline.case_number,
            events,
            reads,
        },
    )
}
