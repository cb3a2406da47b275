//! Lists of an agency that is party to very many cases, on both backends: the police's case list
//! and inbox with 50 000 cases referred to them answer their first page (a list of that many case
//! ids bound into one statement would exceed SQLite's limit of bound variables).

use diesel::RunQueryDsl;
use serde_json::Value;

use crate::both_backends;
use crate::helpers::*;
use crate::holding::world;
use crate::pages::{web_get, web_session};

const MANY: i64 = 50_000;

/// Copies the world's case `MANY` times, each with a pending referral to the police like the
/// world's first one (no consent involved), in two statements.
fn clone_cases(app: &TestApp, case: i64, handoff: i64) {
    let mut conn = app.conn();
    let numbers = format!(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {MANY}) \
         INSERT INTO cases (case_number, province, owner_agency_id, created_by, status, version, \
         identity_ciphertext, identity_key_id, disabilities, legal_basis, created_at, updated_at) \
         SELECT 'BULK-' || n.i, c.province, c.owner_agency_id, c.created_by, c.status, c.version, \
         c.identity_ciphertext, c.identity_key_id, c.disabilities, c.legal_basis, c.created_at, \
         c.updated_at FROM cases c, n WHERE c.id = {case}"
    );
    diesel::sql_query(numbers).execute(&mut conn).unwrap();
    let referrals = format!(
        "INSERT INTO handoffs (case_id, kind, rule_id, agreement_version_id, from_agency_id, \
         to_agency_id, owner_agency_id, created_by, status, shares, respond_by, complete_by, \
         created_at, updated_at, receiver_records_consent) \
         SELECT c.id, h.kind, h.rule_id, h.agreement_version_id, h.from_agency_id, h.to_agency_id, \
         h.owner_agency_id, h.created_by, h.status, h.shares, h.respond_by, h.complete_by, \
         h.created_at, h.updated_at, h.receiver_records_consent \
         FROM cases c, handoffs h WHERE h.id = {handoff} AND c.case_number LIKE 'BULK-%'"
    );
    let added = diesel::sql_query(referrals).execute(&mut conn).unwrap();
    assert_eq!(i64::try_from(added).unwrap(), MANY);
}

async fn an_agency_party_to_fifty_thousand_cases_lists_them(backend: Backend) {
    let w = world(backend).await;
    w.consent(w.case, "alpha.cw", "police_report", Some("POL-BETA"), true)
        .await;
    let first = w.sent(w.case, "alpha.cw", "report", "POL-BETA").await;
    clone_cases(&w.app, w.case, first);

    let list = w
        .app
        .get_as("/api/v1/cases?limit=50", w.t("beta.inv"))
        .await;
    assert_eq!(list.status(), 200, "the police's case list");
    let body: Value = list.json().await.unwrap();
    let items = body["items"].as_array().unwrap();
    assert_eq!(items.len(), 50);
    assert!(
        items[0]["case_number"]
            .as_str()
            .unwrap()
            .starts_with("BULK-")
    );
    let next = w
        .app
        .get_as(
            &format!(
                "/api/v1/cases?limit=50&cursor={}",
                body["next_cursor"].as_str().unwrap()
            ),
            w.t("beta.inv"),
        )
        .await;
    assert_eq!(next.status(), 200, "the next page");

    let inbox = w
        .app
        .get_as("/api/v1/handoffs?box=incoming&limit=50", w.t("beta.inv"))
        .await;
    assert_eq!(inbox.status(), 200, "the police's inbox");
    let body: Value = inbox.json().await.unwrap();
    assert_eq!(body["items"].as_array().unwrap().len(), 50);

    let (session, _) = web_session(&w.app, "beta.inv").await;
    for page in ["/cases", "/inbox"] {
        let (status, _) = web_get(&w.app, &session, page).await;
        assert_eq!(status, 200, "{page}");
    }
    // The owner's list is not slowed into failure by the police's share either.
    let own = w
        .app
        .get_as("/api/v1/cases?limit=10", w.t("alpha.cw"))
        .await;
    assert_eq!(own.status(), 200);
}
both_backends!(an_agency_party_to_fifty_thousand_cases_lists_them);
