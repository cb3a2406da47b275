//! One handoff's page (`/handoffs/{id}`) for the users of its two agencies: who sent what to whom
//! under which clause, the sender's message, the clocks, the answer; the receiver's accept and
//! decline forms (posted to the inbox's routes with `back=handoff`) and the sender's withdrawal.
//! A handoff the user may not see is the 404 page; a second answer to a decided handoff is a
//! message on this page. Also the pieces the inbox and the "Sent" page share with it: the
//! agencies' names, the clocks, shortened messages.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;

use super::i18n::Texts;
use super::{Chrome, SignedForm, Viewer, render, see_other};
use crate::authz::Action;
use crate::crypto::Vault;
use crate::db::Db;
use crate::domain::handoff::HandoffStatus;
use crate::error::{AppError, ErrorCode};
use crate::services::handoffs::{self, Decision, HandoffView};

pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(page).service(withdraw);
}

/// The text key of a handoff kind.
pub(super) fn kind_key(kind: &str) -> &'static str {
    match kind {
        "transfer" => "kind.transfer",
        "notice" => "kind.notice",
        _ => "kind.referral",
    }
}

/// The text key and CSS class of a clock state.
pub(super) fn state_of(state: &str) -> (&'static str, &'static str) {
    match state {
        "due_soon" => ("state.due_soon", "due_soon"),
        "overdue" => ("state.overdue", "overdue"),
        "breached" => ("state.overdue", "overdue"),
        "met" => ("state.met", "met"),
        _ => ("state.upcoming", "upcoming"),
    }
}

/// Agency names by code, for the codes of `views`, as the views carry them (no second read).
pub(super) fn names_of(views: &[HandoffView]) -> BTreeMap<String, String> {
    views
        .iter()
        .flat_map(|h| {
            [
                (h.from_agency.clone(), h.from_agency_name.clone()),
                (h.to_agency.clone(), h.to_agency_name.clone()),
            ]
        })
        .filter(|(_, name)| !name.is_empty())
        .collect()
}

/// `Name (CODE)` of an agency.
pub(super) fn agency_label(names: &BTreeMap<String, String>, code: &str) -> String {
    match names.get(code) {
        Some(name) if name != code => format!("{name} ({code})"),
        _ => code.to_owned(),
    }
}

/// At most `max` characters of `text` on one line, with `…` when cut.
pub(super) fn shorten(text: &str, max: usize) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() <= max {
        return line;
    }
    let cut: String = line.chars().take(max).collect();
    format!("{}…", cut.trim_end())
}

/// One clock of a handoff as pages show it.
pub(super) struct Clock {
    /// `handoff.clock.respond` or `handoff.clock.complete`.
    pub label_key: &'static str,
    /// Due, in the viewer's zone.
    pub due: String,
    /// Its state's text key.
    pub state_key: &'static str,
    /// Its state's CSS class.
    pub state_class: &'static str,
}

/// The clocks of a handoff (answer, completion), in the viewer's zone.
pub(super) fn clocks(v: &Viewer, h: &HandoffView) -> Vec<Clock> {
    h.deadlines
        .iter()
        .map(|d| {
            let (state_key, state_class) = state_of(d.state.as_str());
            Clock {
                label_key: if d.rule == "sla.complete" {
                    "handoff.page.clock_complete"
                } else {
                    "handoff.page.clock_respond"
                },
                due: v.time(d.due_at),
                state_key,
                state_class,
            }
        })
        .collect()
}

/// The text key of a handoff status.
pub(super) fn status_key(status: HandoffStatus) -> String {
    format!("handoff.status.{}", status.as_str())
}

/// A data category in words.
fn category_key(category: &str) -> String {
    format!("category.{category}")
}

/// What the page says after a refused or stale form, and which form it belongs to.
pub(super) struct Notice {
    /// The message.
    pub message: String,
    /// `decline` or `withdraw` when it is about that form's reason (shown next to it).
    pub field: Option<&'static str>,
    /// The reason as typed, kept.
    pub reason: String,
}

#[derive(Template)]
#[template(path = "handoff.html")]
struct HandoffPage {
    t: Texts,
    c: Chrome,
    h: HandoffView,
    from: String,
    to: String,
    kind_key: &'static str,
    status_key: String,
    shares: Vec<String>,
    clocks: Vec<Clock>,
    sent: String,
    decided: Option<String>,
    may_answer: bool,
    may_withdraw: bool,
    notice: Option<Notice>,
}

#[get("/handoffs/{id}")]
async fn page(
    req: HttpRequest,
    db: web::Data<Db>,
    vault: web::Data<Vault>,
    id: web::Path<i64>,
    v: Viewer,
) -> HttpResponse {
    show(&req, &db, &vault, v, id.into_inner(), None, StatusCode::OK).await
}

/// `/handoffs/{id}/withdraw`: the sender takes a pending handoff back, with a reason.
#[post("/handoffs/{id}/withdraw")]
async fn withdraw(
    req: HttpRequest,
    db: web::Data<Db>,
    vault: web::Data<Vault>,
    id: web::Path<i64>,
    SignedForm { v, f }: SignedForm,
) -> HttpResponse {
    let id = id.into_inner();
    let reason = f.one("reason").unwrap_or_default();
    if reason.trim().is_empty() {
        let notice = Notice {
            message: v.t.get("handoff.page.withdraw_reason_required"),
            field: Some("withdraw"),
            reason,
        };
        return show(
            &req,
            &db,
            &vault,
            v,
            id,
            Some(notice),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let attempt = Attempt {
        id,
        decision: Decision::Withdraw(reason.clone()),
        field: "withdraw",
        reason,
    };
    answer(&req, &db, &vault, v, attempt).await
}

/// A decision sent from the handoff page.
pub(super) struct Attempt {
    /// The handoff.
    pub id: i64,
    /// What was decided.
    pub decision: Decision,
    /// The form whose reason it carries (`decline`, `withdraw`; `accept` has none).
    pub field: &'static str,
    /// The reason as typed, kept if refused.
    pub reason: String,
}

/// Decides as `v` and returns to the handoff's page; a refusal is shown on the page, next to the
/// form's reason (`decline`, `withdraw`) when it is about the reason.
pub(super) async fn answer(
    req: &HttpRequest,
    db: &Db,
    vault: &web::Data<Vault>,
    v: Viewer,
    attempt: Attempt,
) -> HttpResponse {
    let Attempt {
        id,
        decision,
        field,
        reason,
    } = attempt;
    let ctx = v.ctx(req);
    let vlt = vault.clone();
    let decided = db
        .run(move |conn| handoffs::decide(conn, &ctx, &vlt, id, decision))
        .await;
    let (key, field, status) = match decided {
        Ok(_) => return see_other(&format!("/handoffs/{id}")),
        Err(AppError::NotFound) => return super::not_found(v),
        Err(AppError::Forbidden | AppError::AccessRefused { .. }) => return super::forbidden(v),
        Err(AppError::Conflict {
            code: ErrorCode::HandoffAlreadyDecided,
            ..
        }) => ("handoff.page.already_decided", None, StatusCode::CONFLICT),
        Err(AppError::Validation(_)) => (
            "handoff.page.reason_length",
            Some(field),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Err(e) => {
            tracing::info!(error = %e, handoff = id, "a decision on the handoff page was refused");
            ("handoff.page.decision_refused", None, StatusCode::CONFLICT)
        }
    };
    let notice = Notice {
        message: v.t.get(key),
        field,
        reason: if field.is_some() {
            reason
        } else {
            String::new()
        },
    };
    show(req, db, vault, v, id, Some(notice), status).await
}

/// Renders handoff `id` for `v` (the 404 page if `v` may not see it), with an optional notice.
pub(super) async fn show(
    req: &HttpRequest,
    db: &Db,
    vault: &web::Data<Vault>,
    v: Viewer,
    id: i64,
    notice: Option<Notice>,
    status: StatusCode,
) -> HttpResponse {
    let ctx = v.ctx(req);
    let vault = vault.clone();
    let loaded = db
        .run(move |conn| {
            let h = handoffs::get(conn, &ctx, &vault, id)?;
            let names = names_of(std::slice::from_ref(&h));
            Ok((h, names))
        })
        .await;
    let (h, names) = match loaded {
        Ok(loaded) => loaded,
        Err(AppError::Forbidden) => return super::not_found(v),
        Err(e) => return super::failed(v, e, "handoff"),
    };
    let pending = h.status == HandoffStatus::Pending;
    let ours = |code: &str| code == v.actor.agency_code;
    let shown = HandoffPage {
        from: agency_label(&names, &h.from_agency),
        to: agency_label(&names, &h.to_agency),
        kind_key: kind_key(h.kind.as_str()),
        status_key: status_key(h.status),
        shares: h.shares.iter().map(|s| v.t.get(&category_key(s))).collect(),
        clocks: clocks(&v, &h),
        sent: v.time(h.created_at.naive_utc()),
        decided: h.decided_at.map(|at| v.time(at.naive_utc())),
        may_answer: pending && ours(&h.to_agency) && super::may(&v.actor, Action::HandoffDecide),
        may_withdraw: pending && ours(&h.from_agency) && super::may(&v.actor, Action::HandoffSend),
        notice,
        h,
        t: v.t,
        c: v.chrome,
    };
    render(status, &shown)
}

impl HandoffPage {
    /// The message shown next to `field`'s reason, if the notice is about it.
    fn field_error(&self, field: &str) -> Option<&str> {
        self.notice
            .as_ref()
            .filter(|n| n.field == Some(field))
            .map(|n| n.message.as_str())
    }

    /// The reason typed into `field`'s form before it was refused.
    fn kept_reason(&self, field: &str) -> &str {
        self.notice
            .as_ref()
            .filter(|n| n.field == Some(field))
            .map_or("", |n| n.reason.as_str())
    }

    /// The notice shown at the top (not about a reason field).
    fn general_notice(&self) -> Option<&str> {
        self.notice
            .as_ref()
            .filter(|n| n.field.is_none())
            .map(|n| n.message.as_str())
    }
}
