//! The inbox: handoffs waiting for the user's agency to answer, with their clocks and the
//! sender's message (shortened; the whole on the handoff's page), and the accept and decline
//! forms (a decline needs its reason). The handoff page posts the same forms with `back=handoff`
//! and gets its answer there.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;

use std::collections::BTreeMap;

use super::handoff_page::{self, Attempt, Notice, agency_label, names_of, shorten};
/// Kept here for the pages that read them from the inbox.
pub(super) use super::handoff_page::{kind_key, state_of};
use super::i18n::Texts;
use super::{Chrome, SignedForm, Viewer, render, see_other};
use crate::crypto::Vault;
use crate::db::Db;
use crate::domain::handoff::HandoffStatus;
use crate::services::handoffs::{self, Decision, HandoffView};

pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(inbox).service(decide);
}

/// One row of the inbox.
struct InboxRow {
    id: i64,
    case_id: i64,
    case_number: String,
    from_agency: String,
    kind_key: &'static str,
    received: String,
    due: String,
    state_key: Option<&'static str>,
    state_class: &'static str,
    message: Option<String>,
    /// High or critical risk in words, marked in the list.
    urgent_risk: Option<String>,
}

#[derive(Template)]
#[template(path = "inbox.html")]
struct InboxPage {
    t: Texts,
    c: Chrome,
    rows: Vec<InboxRow>,
    error: Option<String>,
}

fn row(v: &Viewer, names: &BTreeMap<String, String>, h: HandoffView) -> InboxRow {
    let answer = h.deadlines.iter().find(|d| d.rule == "sla.respond");
    let state = answer.map(|d| state_of(d.state.as_str()));
    InboxRow {
        id: h.id,
        case_id: h.case_id,
        case_number: h.case_number,
        from_agency: agency_label(names, &h.from_agency),
        kind_key: kind_key(h.kind.as_str()),
        received: v.time(h.created_at.naive_utc()),
        due: answer.map(|d| v.time(d.due_at)).unwrap_or_default(),
        state_key: state.map(|s| s.0),
        state_class: state.map_or("upcoming", |s| s.1),
        message: h.message.as_deref().map(|m| shorten(m, 120)),
        urgent_risk: h
            .risk_level
            .as_deref()
            .filter(|r| matches!(*r, "high" | "critical"))
            .map(|r| crate::web::label_of(&v.t, &crate::domain::classification::RISK_LEVEL, r)),
    }
}

#[get("/inbox")]
async fn inbox(
    req: HttpRequest,
    db: web::Data<Db>,
    vault: web::Data<Vault>,
    v: Viewer,
) -> HttpResponse {
    inbox_page(&req, &db, &vault, v, None, StatusCode::OK).await
}

/// `/inbox/{id}/accept` and `/inbox/{id}/decline`: the receiver's decision, then back to the inbox
/// (to the handoff's page when the form carries `back=handoff`).
#[post("/inbox/{id}/{decision}")]
async fn decide(
    req: HttpRequest,
    db: web::Data<Db>,
    vault: web::Data<Vault>,
    path: web::Path<(i64, String)>,
    SignedForm { v, f }: SignedForm,
) -> HttpResponse {
    let (id, decision) = path.into_inner();
    if f.one("back").as_deref() == Some("handoff") {
        return from_handoff_page(&req, &db, &vault, v, id, &decision, f.one("reason")).await;
    }
    let decision = match (decision.as_str(), f.one("reason")) {
        ("accept", _) => Decision::Accept,
        ("decline", Some(reason)) if !reason.trim().is_empty() => Decision::Decline(reason),
        ("decline", _) => {
            let message = v.t.get("inbox.reason_required");
            return inbox_page(
                &req,
                &db,
                &vault,
                v,
                Some(message),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
        _ => return HttpResponse::NotFound().finish(),
    };
    let ctx = v.ctx(&req);
    let vlt = vault.clone();
    let decided = db
        .run(move |conn| handoffs::decide(conn, &ctx, &vlt, id, decision))
        .await;
    match decided {
        Ok(_) => see_other("/inbox"),
        Err(e) => {
            tracing::info!(error = %e, handoff = id, "a decision from the inbox was refused");
            let message = v.t.get("inbox.decision_failed");
            inbox_page(&req, &db, &vault, v, Some(message), StatusCode::CONFLICT).await
        }
    }
}

/// A decision sent from the handoff page: its answer is shown there.
async fn from_handoff_page(
    req: &HttpRequest,
    db: &Db,
    vault: &web::Data<Vault>,
    v: Viewer,
    id: i64,
    decision: &str,
    reason: Option<String>,
) -> HttpResponse {
    let reason = reason.unwrap_or_default();
    let (decision, field) = match decision {
        "accept" => (Decision::Accept, "accept"),
        "decline" if !reason.trim().is_empty() => (Decision::Decline(reason.clone()), "decline"),
        "decline" => {
            let notice = Notice {
                message: v.t.get("inbox.reason_required"),
                field: Some("decline"),
                reason,
            };
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return handoff_page::show(req, db, vault, v, id, Some(notice), status).await;
        }
        _ => return HttpResponse::NotFound().finish(),
    };
    let attempt = Attempt {
        id,
        decision,
        field,
        reason,
    };
    handoff_page::answer(req, db, vault, v, attempt).await
}

/// Renders the inbox of the viewer, with an optional message at the top.
async fn inbox_page(
    req: &HttpRequest,
    db: &Db,
    vault: &web::Data<Vault>,
    v: Viewer,
    error: Option<String>,
    status: StatusCode,
) -> HttpResponse {
    let ctx = v.ctx(req);
    let vault = vault.clone();
    let listed = db
        .run(move |conn| {
            let pending = Some(HandoffStatus::Pending);
            let views = handoffs::list(conn, &ctx, &vault, true, pending, None, 100)?;
            let names = names_of(&views);
            Ok((views, names))
        })
        .await;
    let (handoffs, names) = match listed {
        Ok(h) => h,
        Err(e) => return super::failed(v, e, "inbox"),
    };
    let rows = handoffs.into_iter().map(|h| row(&v, &names, h)).collect();
    render(
        status,
        &InboxPage {
            t: v.t,
            c: v.chrome,
            rows,
            error,
        },
    )
}
