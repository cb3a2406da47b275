//! Statements per request, counted on both backends with diesel's instrumentation (every
//! statement the server sends: authentication, pool checks, `BEGIN`/`COMMIT` included): each
//! endpoint and page has a ceiling it must not exceed, with pages of 5 and of 20 items to show
//! what grows with the page. The ceilings only go down; the targets (every read at most 10,
//! handoff create and accept at most 15 each) and the counts measured are in docs/PERFORMANCE.md.

use std::sync::atomic::{AtomicUsize, Ordering};

use diesel::connection::{Instrumentation, InstrumentationEvent, set_default_instrumentation};
use serde_json::json;

use crate::both_backends;
use crate::helpers::*;
use crate::holding::{World, world};
use crate::pages::web_session;

/// Statements started by every connection of this test process.
static STATEMENTS: AtomicUsize = AtomicUsize::new(0);

fn counting() -> Option<Box<dyn Instrumentation>> {
    Some(Box::new(|event: InstrumentationEvent<'_>| {
        if let InstrumentationEvent::StartQuery { query, .. } = event {
            STATEMENTS.fetch_add(1, Ordering::SeqCst);
            if std::env::var_os("RUJUKAN_SHOW_STATEMENTS").is_some() {
                eprintln!("SQL {query}");
            }
        }
    }))
}

/// The statements one request sends: the fewest of three tries (a background sweep may run
/// during one of them).
async fn statements(request: impl Fn() -> reqwest::RequestBuilder) -> usize {
    let mut fewest = usize::MAX;
    for _ in 0..3 {
        if std::env::var_os("RUJUKAN_SHOW_STATEMENTS").is_some() {
            eprintln!(
                "=== {}",
                request()
                    .build()
                    .map(|r| r.url().path().to_owned())
                    .unwrap_or_default()
            );
        }
        let before = STATEMENTS.load(Ordering::SeqCst);
        let response = request().send().await.unwrap();
        assert!(response.status().is_success(), "{}", response.status());
        let _ = response.bytes().await;
        fewest = fewest.min(STATEMENTS.load(Ordering::SeqCst) - before);
    }
    fewest
}

/// Names the request whose statements follow, with `RUJUKAN_SHOW_STATEMENTS`.
fn show(name: &str) {
    if std::env::var_os("RUJUKAN_SHOW_STATEMENTS").is_some() {
        eprintln!("=== {name}");
    }
}

/// A new case taken in by the world's caseworker (with her token: no new login).
async fn new_case(w: &World) -> i64 {
    let body = json!({
        "survivor": {"full_name": "Sri Wahyuni"},
        "incidents": [{"date": "2026-10-02", "forms": ["sexual"]}],
        "legal_basis": ["TPKS"],
        "risk_level": "high"
    });
    let created: serde_json::Value = w
        .post("alpha.cw", "/api/v1/cases", body)
        .await
        .json()
        .await
        .unwrap();
    created["id"].as_i64().unwrap()
}

/// `n` more cases of the world, each referred to the police, the referrals pending.
async fn referred(w: &World, n: usize) -> Vec<i64> {
    let mut handoffs = Vec::new();
    for _ in 0..n {
        let case = new_case(w).await;
        w.consent(case, "alpha.cw", "police_report", Some("POL-BETA"), true)
            .await;
        handoffs.push(w.sent(case, "alpha.cw", "report", "POL-BETA").await);
    }
    handoffs
}

/// `n` more notes and consent records on the world's case, by two people, so that the case page
/// shows more of each between the two measurements.
async fn enrich(w: &World, n: usize) {
    for i in 0..n {
        let user = if i % 2 == 0 { "alpha.cw" } else { "alpha.sup" };
        let note = w
            .post(
                user,
                &format!("/api/v1/cases/{}/notes", w.case),
                json!({"body": format!("Called the survivor's sister ({i})")}),
            )
            .await;
        assert_eq!(note.status(), 201);
        let consent = w.consent(w.case, user, "shelter", None, i % 3 != 0).await;
        assert!(consent.status().is_success(), "{}", consent.status());
    }
}

/// (what, statements with 5 items, with 20 items, ceiling).
type Line = (&'static str, usize, usize, usize);

/// The reads' statements, in the order of `NAMES`.
async fn measure(w: &World, beta_web: &str, alpha_web: &str) -> Vec<usize> {
    let (app, inv, cw) = (
        &w.app,
        w.t("beta.inv").to_owned(),
        w.t("alpha.cw").to_owned(),
    );
    let (beta_web, alpha_web) = (beta_web.to_owned(), alpha_web.to_owned());
    let api = |path: String, token: String| {
        let (client, address) = (app.client.clone(), app.address.clone());
        move || client.get(format!("{address}{path}")).bearer_auth(&token)
    };
    let page = |path: String, cookie: String| {
        let (client, address) = (app.client.clone(), app.address.clone());
        move || {
            client
                .get(format!("{address}{path}"))
                .header("cookie", &cookie)
        }
    };
    let case = format!("/cases/{}", w.case);
    vec![
        statements(api(format!("/api/v1{case}"), cw.clone())).await,
        statements(api("/api/v1/cases?limit=50".into(), inv.clone())).await,
        statements(api("/api/v1/handoffs?limit=50".into(), inv.clone())).await,
        statements(page("/inbox".into(), beta_web.clone())).await,
        statements(page("/cases".into(), beta_web.clone())).await,
        statements(page(case.clone(), alpha_web.clone())).await,
        statements(page("/sent".into(), alpha_web.clone())).await,
        statements(api("/api/v1/deadlines?state=upcoming".into(), inv.clone())).await,
    ]
}

async fn each_request_stays_within_its_statement_ceiling(backend: Backend) {
    set_default_instrumentation(counting).unwrap();
    let w = world(backend).await;
    let (beta_web, _) = web_session(&w.app, "beta.inv").await;
    let (alpha_web, _) = web_session(&w.app, "alpha.cw").await;
    // The case page's case: referred to the police, with notes and consents that grow.
    w.consent(w.case, "alpha.cw", "police_report", Some("POL-BETA"), true)
        .await;
    w.sent(w.case, "alpha.cw", "report", "POL-BETA").await;
    referred(&w, 5).await;
    enrich(&w, 2).await;
    let five = measure(&w, &beta_web, &alpha_web).await;
    referred(&w, 15).await;
    enrich(&w, 6).await;
    let twenty = measure(&w, &beta_web, &alpha_web).await;

    // A handoff sent and accepted.
    let case = new_case(&w).await;
    w.consent(case, "alpha.cw", "police_report", Some("POL-BETA"), true)
        .await;
    show("POST /api/v1/cases/{id}/handoffs");
    let before = STATEMENTS.load(Ordering::SeqCst);
    let sent = w.sent(case, "alpha.cw", "report", "POL-BETA").await;
    let create = STATEMENTS.load(Ordering::SeqCst) - before;
    show("POST /api/v1/handoffs/{id}/accept");
    let before = STATEMENTS.load(Ordering::SeqCst);
    w.accept("beta.inv", sent).await;
    let accept = STATEMENTS.load(Ordering::SeqCst) - before;

    let names = [
        "GET /api/v1/cases/{id}",
        "GET /api/v1/cases (police)",
        "GET /api/v1/handoffs (inbox)",
        "page /inbox",
        "page /cases (police)",
        "page /cases/{id} (owner)",
        "page /sent",
        "GET /api/v1/deadlines (police, upcoming)",
    ];
    let ceilings = [
        CASE_READ, CASE_LIST, INBOX, WEB_INBOX, WEB_CASES, CASE_PAGE, WEB_SENT, WORKLIST,
    ];
    let mut lines: Vec<Line> = names
        .iter()
        .zip(five.iter().zip(twenty.iter()))
        .zip(ceilings)
        .map(|((name, (a, b)), c)| (*name, *a, *b, c))
        .collect();
    lines.push((
        "POST /api/v1/cases/{id}/handoffs",
        create,
        create,
        HANDOFF_CREATE,
    ));
    lines.push((
        "POST /api/v1/handoffs/{id}/accept",
        accept,
        accept,
        HANDOFF_ACCEPT,
    ));
    let table: Vec<String> = lines
        .iter()
        .map(|(name, a, b, c)| format!("| {name} | {a} | {b} | {c} |"))
        .collect();
    eprintln!(
        "| request | 5 items | 20 items | ceiling |\n{}",
        table.join("\n")
    );
    for (name, a, b, ceiling) in &lines {
        assert!(
            *a <= *ceiling && *b <= *ceiling,
            "{name}: {a} / {b} statements, ceiling {ceiling}\n{}",
            table.join("\n")
        );
    }
}
both_backends!(each_request_stays_within_its_statement_ceiling);

// Ceilings (statements per request, with 20 items on the page). They only go down, except where
// a list traded statements for a bounded plan: the case list reads the cases an agency owns,
// received and transferred away as three index-ordered streams (7 -> 9, page /cases 8 -> 10)
// instead of one statement that walked every case the agency is party to.
const CASE_READ: usize = 10;
const CASE_LIST: usize = 9;
const INBOX: usize = 6;
const WEB_INBOX: usize = 6;
const WEB_CASES: usize = 9;
const CASE_PAGE: usize = 19;
const WEB_SENT: usize = 7;
const WORKLIST: usize = 3;
const HANDOFF_CREATE: usize = 15;
const HANDOFF_ACCEPT: usize = 15;
