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

/// What one synthetic case of [`party_mix`] is to SU-OMEGA.
#[derive(Clone, Copy, PartialEq)]
enum Party {
    /// SU-OMEGA owns it.
    Owns,
    /// SU-ALPHA referred it to SU-OMEGA, pending.
    Pending,
    /// Referred to SU-OMEGA, declined: no access.
    Declined,
    /// Referred, accepted, the access ended since: no access.
    Ended,
    /// Referred twice (one pending, one accepted): one case in the list.
    Twice,
    /// SU-OMEGA transferred it to SU-ALPHA, accepted.
    TransferredAway,
    /// SU-ALPHA transferred it to SU-OMEGA, accepted: owned and received.
    TransferredIn,
    /// Not SU-OMEGA's at all.
    None,
}

/// Adds cases of every kind of party, interleaved, each a copy of the world's case with
/// handoffs copied from its referral; returns each new case with its kind.
fn party_mix(app: &TestApp, case: i64, handoff: i64, alpha: i64, omega: i64) -> Vec<(i64, Party)> {
    use Party::*;
    let kinds = [
        Owns,
        Pending,
        Declined,
        Twice,
        TransferredAway,
        Ended,
        None,
        TransferredIn,
        Pending,
        Owns,
        Twice,
        Owns,
        TransferredAway,
        Declined,
        Pending,
        Ended,
        Twice,
        TransferredIn,
        Owns,
        None,
        Pending,
        TransferredAway,
        Owns,
        Twice,
        Pending,
        Declined,
        Owns,
        TransferredIn,
        Pending,
    ];
    let mut conn = app.conn();
    let mut made = Vec::new();
    for (i, kind) in kinds.into_iter().enumerate() {
        let owner = if matches!(kind, Owns | TransferredIn) {
            omega
        } else {
            alpha
        };
        diesel::sql_query(format!(
            "INSERT INTO cases (case_number, province, owner_agency_id, created_by, status, \
             closure_reason, version, identity_ciphertext, identity_key_id, disabilities, \
             legal_basis, created_at, updated_at) SELECT 'MIX-{i}', province, {owner}, \
             created_by, CASE WHEN {i} % 3 = 0 THEN 'closed' ELSE 'open' END, \
             CASE WHEN {i} % 3 = 0 THEN 'services_completed' END, version, \
             identity_ciphertext, identity_key_id, disabilities, legal_basis, created_at, \
             updated_at FROM cases WHERE id = {case}"
        ))
        .execute(&mut conn)
        .unwrap();
        let id: i64 = rujukan::db::cases::by_number(&mut conn, &format!("MIX-{i}"))
            .unwrap()
            .unwrap()
            .id;
        let handoffs: &[(&str, i64, i64, &str, bool)] = match kind {
            Pending => &[("referral", alpha, omega, "pending", false)],
            Declined => &[("referral", alpha, omega, "declined", false)],
            Ended => &[("referral", alpha, omega, "accepted", true)],
            Twice => &[
                ("referral", alpha, omega, "accepted", false),
                ("referral", alpha, omega, "pending", false),
            ],
            TransferredAway => &[("transfer", omega, alpha, "accepted", false)],
            TransferredIn => &[("transfer", alpha, omega, "accepted", false)],
            Owns | None => &[],
        };
        for (kind, from, to, status, ended) in handoffs {
            let ended = if *ended { "h.updated_at" } else { "NULL" };
            diesel::sql_query(format!(
                "INSERT INTO handoffs (case_id, kind, rule_id, agreement_version_id, \
                 from_agency_id, to_agency_id, owner_agency_id, created_by, status, shares, \
                 respond_by, complete_by, created_at, updated_at, receiver_records_consent, \
                 decided_at, access_ended_at) \
                 SELECT {id}, '{kind}', h.rule_id, h.agreement_version_id, {from}, {to}, \
                 {from}, h.created_by, '{status}', h.shares, h.respond_by, h.complete_by, \
                 h.created_at, h.updated_at, h.receiver_records_consent, \
                 CASE WHEN '{status}' = 'pending' THEN NULL ELSE h.created_at END, {ended} \
                 FROM handoffs h WHERE h.id = {handoff}"
            ))
            .execute(&mut conn)
            .unwrap();
        }
        made.push((id, kind));
    }
    made
}

/// Every case of the list, page after page of `limit`.
async fn all_pages(w: &crate::holding::World, user: &str, query: &str, limit: usize) -> Vec<i64> {
    let mut ids = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut path = format!("/api/v1/cases?limit={limit}{query}");
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let response = w.app.get_as(&path, w.t(user)).await;
        assert_eq!(response.status(), 200, "{path}");
        let body: Value = response.json().await.unwrap();
        let items = body["items"].as_array().unwrap();
        assert!(items.len() <= limit);
        ids.extend(items.iter().map(|c| c["id"].as_i64().unwrap()));
        match body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    ids
}

/// The case list merges the cases an agency owns, received and transferred away: page after
/// page, whatever the page size, every case it is party to comes once, newest first, and no
/// case whose handoff was declined or whose access ended; a filter applies to each kind.
async fn the_case_list_merges_every_kind_of_party_once(backend: Backend) {
    let w = world(backend).await;
    w.consent(w.case, "alpha.cw", "police_report", Some("POL-BETA"), true)
        .await;
    let first = w.sent(w.case, "alpha.cw", "report", "POL-BETA").await;
    let mut conn = w.app.conn();
    let agency = |code: &str, conn: &mut rujukan::db::DbConnection| {
        rujukan::db::agencies::by_code(conn, code)
            .unwrap()
            .unwrap()
            .id
    };
    let (alpha, omega) = (agency("SU-ALPHA", &mut conn), agency("SU-OMEGA", &mut conn));
    let made = party_mix(&w.app, w.case, first, alpha, omega);
    let party = |p: &Party| {
        matches!(
            p,
            Party::Owns
                | Party::Pending
                | Party::Twice
                | Party::TransferredAway
                | Party::TransferredIn
        )
    };
    let mut expected: Vec<i64> = made
        .iter()
        .filter(|(_, p)| party(p))
        .map(|(id, _)| *id)
        .collect();
    expected.sort_unstable_by(|a, b| b.cmp(a));
    for limit in [1, 2, 3, 7, 50] {
        let listed = all_pages(&w, "omega.cw", "", limit).await;
        assert_eq!(listed, expected, "pages of {limit}");
    }
    let open: Vec<i64> = made
        .iter()
        .enumerate()
        .filter(|(i, (_, p))| party(p) && i % 3 != 0)
        .map(|(_, (id, _))| *id)
        .rev()
        .collect();
    for limit in [2, 5] {
        let listed = all_pages(&w, "omega.cw", "&status=open", limit).await;
        assert_eq!(listed, open, "open cases, pages of {limit}");
    }
}
both_backends!(the_case_list_merges_every_kind_of_party_once);
