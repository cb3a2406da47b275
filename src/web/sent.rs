//! "Terkirim" / "Sent": the handoffs the user's agency sent, newest first, with the receiver, the
//! status and clock, and the answer (reason of a decline or withdrawal, outcome of a completion);
//! filtered by status, paged by id. Opening it marks the answers as seen (the menu's count).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, web};
use askama::Template;
use serde::Deserialize;

use super::handoff_page::{Clock, agency_label, clocks, kind_key, names_of, shorten, status_key};
use super::i18n::Texts;
use super::{Chrome, Viewer, render};
use crate::authz::Action;
use crate::crypto::Vault;
use crate::db::Db;
use crate::domain::handoff::HandoffStatus;
use crate::services::handoffs::{self, HandoffView};

/// Rows per page.
const PAGE: i64 = 100;

pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(sent);
}

/// The page's query: `?status=declined&before=123`.
#[derive(Deserialize)]
struct SentQuery {
    status: Option<String>,
    before: Option<i64>,
}

/// One row of the "Sent" page.
struct SentRow {
    id: i64,
    case_id: i64,
    case_number: String,
    to: String,
    kind_key: &'static str,
    status_key: String,
    sent: String,
    /// The clock still running, or the last one.
    clock: Option<Clock>,
    /// Reason of a decline or withdrawal.
    reason: Option<String>,
    /// Outcome of a completion.
    outcome: Option<String>,
    /// The sender's message, shortened.
    message: Option<String>,
    /// High or critical risk in words, marked in the list.
    urgent_risk: Option<String>,
}

/// One status filter link.
struct Filter {
    /// `?status=…` value, empty for all.
    code: &'static str,
    /// Its text key.
    key: String,
    /// The one shown now.
    current: bool,
}

#[derive(Template)]
#[template(path = "sent.html")]
struct SentPage {
    t: Texts,
    c: Chrome,
    rows: Vec<SentRow>,
    filters: Vec<Filter>,
    /// `?status=…&before=…` of the next (older) page, if there may be one.
    older: Option<String>,
}

fn row(v: &Viewer, names: &std::collections::BTreeMap<String, String>, h: HandoffView) -> SentRow {
    let mut all = clocks(v, &h);
    let clock = if all.is_empty() {
        None
    } else {
        Some(all.remove(all.len() - 1))
    };
    SentRow {
        id: h.id,
        case_id: h.case_id,
        case_number: h.case_number.clone(),
        to: agency_label(names, &h.to_agency),
        kind_key: kind_key(h.kind.as_str()),
        status_key: status_key(h.status),
        sent: v.time(h.created_at.naive_utc()),
        clock,
        reason: h
            .reason
            .filter(|_| matches!(h.status, HandoffStatus::Declined | HandoffStatus::Withdrawn)),
        outcome: h.outcome.filter(|_| h.status == HandoffStatus::Completed),
        message: h.message.as_deref().map(|m| shorten(m, 120)),
        urgent_risk: h
            .risk_level
            .as_deref()
            .filter(|r| matches!(*r, "high" | "critical"))
            .map(|r| crate::web::label_of(&v.t, &crate::domain::classification::RISK_LEVEL, r)),
    }
}

#[get("/sent")]
async fn sent(
    req: HttpRequest,
    db: web::Data<Db>,
    vault: web::Data<Vault>,
    query: web::Query<SentQuery>,
    mut v: Viewer,
) -> HttpResponse {
    if !super::may(&v.actor, Action::HandoffSend) {
        return super::forbidden(v);
    }
    let SentQuery { status, before } = query.into_inner();
    let status = status
        .filter(|s| !s.is_empty())
        .and_then(|s| HandoffStatus::parse(&s).ok());
    let ctx = v.ctx(&req);
    let vault = vault.clone();
    let actor = v.actor.clone();
    let listed = db
        .run(move |conn| {
            let now = chrono::Utc::now().naive_utc();
            crate::services::nav::mark_sent_seen(conn, &actor, now)?;
            let views = handoffs::list(conn, &ctx, &vault, false, status, before, PAGE)?;
            let names = names_of(&views);
            Ok((views, names))
        })
        .await;
    let (views, names) = match listed {
        Ok(listed) => listed,
        Err(e) => return super::failed(v, e, "sent"),
    };
    // Everything answered so far is seen now.
    if let Some(nav) = v.chrome.nav.as_mut() {
        nav.answered = 0;
    }
    let code = status.map_or("", |s| s.as_str());
    let older = match views.last() {
        Some(last) if views.len() == usize::try_from(PAGE).unwrap_or(usize::MAX) => {
            Some(format!("?status={code}&before={}", last.id))
        }
        _ => None,
    };
    let rows = views.into_iter().map(|h| row(&v, &names, h)).collect();
    let filters = std::iter::once(("", "sent.all".to_owned()))
        .chain(
            HandoffStatus::ALL
                .iter()
                .map(|s| (s.as_str(), status_key(*s))),
        )
        .map(|(c, key)| Filter {
            code: c,
            current: c == code,
            key,
        })
        .collect();
    render(
        StatusCode::OK,
        &SentPage {
            t: v.t,
            c: v.chrome,
            rows,
            filters,
            older,
        },
    )
}
