//! Handoffs under an agreement written only for these tests: the allowed path end to end, every
//! disallowed variant named, visibility following the handoff, transfers, notices, consent
//! withdrawal, and fifty concurrent accepts, on both backends.

use serde_json::{Value, json};

use crate::helpers::*;
use crate::{assert_problem_snapshot, both_backends};

struct World {
    app: TestApp,
    alpha: String,
    alpha_sup: String,
    beta: String,
    case: i64,
}

async fn world(backend: Backend) -> World {
    let app = TestApp::spawn_with_agreement(backend, TEST_AGREEMENT).await;
    app.user("alpha.cw", "SU-ALPHA", &["caseworker"]);
    app.user("alpha.sup", "SU-ALPHA", &["supervisor"]);
    app.user("beta.inv", "POL-BETA", &["investigator"]);
    app.user("omega.cw", "SU-OMEGA", &["caseworker"]);
    app.user("delta.clerk", "COURT-DELTA", &["court_clerk"]);
    app.user("out.cw", "SU-OUTSIDER", &["caseworker"]);
    let case = app
        .intake(
            "alpha.cw",
            json!({
                "survivor": {"full_name": "Ratna Dewi", "nik": "3374015703940001"},
                "incidents": [{"date": "2026-10-02", "forms": ["sexual"]}],
                "legal_basis": ["TPKS"], "safety_plan": "Provincial shelter"
            }),
        )
        .await;
    World {
        alpha: app.token("alpha.cw").await,
        alpha_sup: app.token("alpha.sup").await,
        beta: app.token("beta.inv").await,
        app,
        case,
    }
}

impl World {
    async fn consent(&self, purpose: &str, recipient: Option<&str>, given: bool) {
        let mut body = json!({"purpose": purpose, "given": given});
        if let Some(r) = recipient {
            body["recipient_agency"] = json!(r);
        }
        let r = self
            .app
            .post_json(
                &format!("/api/v1/cases/{}/consents", self.case),
                Some(&self.alpha),
                body,
            )
            .await;
        assert_eq!(r.status(), 201);
    }

    async fn send(&self, token: &str, body: Value) -> reqwest::Response {
        self.app
            .post_json(
                &format!("/api/v1/cases/{}/handoffs", self.case),
                Some(token),
                body,
            )
            .await
    }

    async fn act(&self, token: &str, id: i64, action: &str, body: Value) -> reqwest::Response {
        self.app
            .post_json(
                &format!("/api/v1/handoffs/{id}/{action}"),
                Some(token),
                body,
            )
            .await
    }

    fn count(&self) -> i64 {
        use diesel::prelude::*;
        rujukan::db::schema::handoffs::table
            .count()
            .get_result(&mut self.app.conn())
            .unwrap()
    }

    fn case_events(&self) -> Vec<String> {
        rujukan::db::audit::stream(&mut self.app.conn(), &format!("case:{}", self.case))
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .collect()
    }
}

async fn an_allowed_handoff_is_sent_accepted_and_completed(backend: Backend) {
    let w = world(backend).await;
    w.consent("police_report", Some("POL-BETA"), true).await;

    let options: Value = w
        .app
        .get_as(
            &format!("/api/v1/cases/{}/handoff-options", w.case),
            &w.alpha,
        )
        .await
        .json()
        .await
        .unwrap();
    let report = options
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["handoff"] == "report" && o["to_agency"] == "POL-BETA")
        .unwrap();
    assert_eq!(report["allowed"], true, "{report}");
    let shelter = options
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["handoff"] == "shelter")
        .unwrap();
    assert_eq!(shelter["allowed"], false);
    assert_eq!(shelter["unmet"][0]["condition"], "consent_missing");

    assert_eq!(
        w.app
            .get_as(&format!("/api/v1/cases/{}", w.case), &w.beta)
            .await
            .status(),
        404,
        "not a party yet"
    );
    let sent = w
        .send(
            &w.alpha,
            json!({"handoff": "report", "to_agency": "POL-BETA", "message": "Ready to report"}),
        )
        .await;
    assert_eq!(sent.status(), 201);
    let sent: Value = sent.json().await.unwrap();
    assert_eq!(sent["status"], "pending");
    assert_eq!(sent["kind"], "referral");
    assert_eq!(
        (sent["from_agency"].as_str(), sent["to_agency"].as_str()),
        (Some("SU-ALPHA"), Some("POL-BETA"))
    );
    assert_eq!(sent["agreement"], json!({"id": "test-mou", "version": 1}));
    assert!(sent["respond_by"].is_string());
    assert_eq!(sent["consent"]["purpose"], "police_report");
    let id = sent["id"].as_i64().unwrap();

    let pending_view: Value = w
        .app
        .get_as(&format!("/api/v1/cases/{}", w.case), &w.beta)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        pending_view["categories"],
        json!(["summary"]),
        "pending: the summary needed to decide"
    );
    assert!(pending_view.get("incidents").is_none());
    let inbox: Value = w
        .app
        .get_as("/api/v1/handoffs?box=incoming&status=pending", &w.beta)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(inbox["items"][0]["id"], id);
    assert_eq!(inbox["items"][0]["message"], "Ready to report");
    let outbox: Value = w
        .app
        .get_as("/api/v1/handoffs?box=outgoing", &w.alpha)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(outbox["items"][0]["id"], id);

    let accepted = w.act(&w.beta, id, "accept", json!({})).await;
    assert_eq!(accepted.status(), 200);
    let accepted: Value = accepted.json().await.unwrap();
    assert_eq!(accepted["status"], "accepted");
    assert!(accepted["complete_by"].is_string());
    let shared: Value = w
        .app
        .get_as(&format!("/api/v1/cases/{}", w.case), &w.beta)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        shared["categories"],
        json!(["summary", "incident"]),
        "exactly the shared categories"
    );
    assert_eq!(shared["incidents"][0]["forms"], json!(["sexual"]));
    assert!(shared.get("legal").is_none() && shared.get("safety_plan").is_none());
    assert_eq!(
        shared["tracks"]["justice"], "reported_to_police",
        "acceptance moved the justice track"
    );
    let reveal = w
        .app
        .post_json(
            &format!("/api/v1/cases/{}/reveal-identity", w.case),
            Some(&w.beta),
            json!({"purpose": "contact her"}),
        )
        .await;
    assert_eq!(reveal.status(), 404, "identity was not shared");

    let done = w
        .act(
            &w.beta,
            id,
            "complete",
            json!({"outcome": "Report registered as LP/B/123/X/2026"}),
        )
        .await;
    assert_eq!(done.status(), 200);
    assert_eq!(done.json::<Value>().await.unwrap()["status"], "completed");
    let events = w.case_events();
    for expected in [
        "handoff.created",
        "handoff.accepted",
        "case.stage_changed",
        "handoff.completed",
    ] {
        assert!(
            events.iter().any(|e| e == expected),
            "{expected} in {events:?}"
        );
    }
}
both_backends!(an_allowed_handoff_is_sent_accepted_and_completed);

async fn every_disallowed_handoff_is_refused_with_its_reason_and_writes_nothing(backend: Backend) {
    let w = world(backend).await;
    let no_date = w
        .app
        .intake("alpha.cw", json!({"survivor": {"full_name": "X"}}))
        .await;
    let cases: Vec<(Value, &str, i64)> = vec![
        (
            json!({"handoff": "teleport", "to_agency": "POL-BETA"}),
            "no_such_handoff",
            w.case,
        ),
        (
            json!({"handoff": "shelter", "to_agency": "SU-OUTSIDER"}),
            "receiver_not_party",
            w.case,
        ),
        (
            json!({"handoff": "report", "to_agency": "SHELTER-EPS"}),
            "receiver_kind_not_allowed",
            w.case,
        ),
        (
            json!({"handoff": "report", "to_agency": "POL-BETA"}),
            "consent_missing",
            w.case,
        ),
        (
            json!({
                "handoff": "report",
                "to_agency": "POL-BETA",
                "consent_override": {
                    "legal_basis": "UU 12/2022 Ps 41",
                    "reason": "Survivor is a danger to herself",
                },
            }),
            "override_needs_supervisor",
            w.case,
        ),
        (
            json!({
                "handoff": "shelter",
                "to_agency": "SHELTER-EPS",
                "consent_override": {"legal_basis": "none", "reason": "trying anyway here"},
            }),
            "override_not_allowed",
            w.case,
        ),
        (
            json!({"handoff": "report", "to_agency": "POL-BETA", "agreement": "other-mou"}),
            "no_such_handoff",
            w.case,
        ),
    ];
    for (body, condition, case) in cases {
        let r = w
            .app
            .post_json(
                &format!("/api/v1/cases/{case}/handoffs"),
                Some(&w.alpha),
                body.clone(),
            )
            .await;
        assert_eq!(r.status(), 422, "{body}");
        let p = problem(r).await;
        assert_eq!(p["code"], "handoff.not_allowed");
        let conditions: Vec<&str> = p["violations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["condition"].as_str().unwrap())
            .collect();
        assert!(
            conditions.contains(&condition),
            "{condition} in {conditions:?}"
        );
        if condition != "no_such_handoff" {
            assert!(
                p["violations"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(|v| v["agreement"] == "test-mou" && v["version"] == 1)
            );
        }
    }
    w.consent("police_report", None, true).await;
    let app = &w.app;
    let missing_fact = app
        .post_json(
            &format!("/api/v1/cases/{no_date}/handoffs"),
            Some(&w.alpha),
            json!({"handoff": "report", "to_agency": "POL-BETA"}),
        )
        .await;
    let p = problem(missing_fact).await;
    assert_problem_snapshot!("handoff_missing_fact", p);
    assert!(
        p["violations"]
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v["condition"] == "fact_missing"
                && v["message"].as_str().unwrap().contains("incident.date")),
        "{p}"
    );
    let unknown_agency = w
        .send(
            &w.alpha,
            json!({"handoff": "report", "to_agency": "NOWHERE"}),
        )
        .await;
    assert_eq!(unknown_agency.status(), 422);
    assert_eq!(
        problem(unknown_agency).await["errors"][0]["field"],
        "to_agency"
    );
    let outsider = w
        .send(
            &app.token("out.cw").await,
            json!({"handoff": "report", "to_agency": "POL-BETA"}),
        )
        .await;
    assert_eq!(outsider.status(), 404, "a case the sender cannot see");
    assert_eq!(w.count(), 0, "nothing written");
    assert!(w.case_events().iter().all(|e| !e.starts_with("handoff.")));

    let first = w
        .send(
            &w.alpha,
            json!({"handoff": "report", "to_agency": "POL-BETA"}),
        )
        .await;
    assert_eq!(first.status(), 201);
    let again = w
        .send(
            &w.alpha,
            json!({"handoff": "report", "to_agency": "POL-BETA"}),
        )
        .await;
    assert_eq!(again.status(), 409);
    let again = problem(again).await;
    assert_eq!(again["code"], "handoff.duplicate");
    assert_problem_snapshot!("handoff_duplicate", again);
}
both_backends!(every_disallowed_handoff_is_refused_with_its_reason_and_writes_nothing);

async fn a_supervisor_may_override_consent_on_the_record(backend: Backend) {
    let w = world(backend).await;
    let weak = w
        .send(
            &w.alpha_sup,
            json!({
                "handoff": "report",
                "to_agency": "POL-BETA",
                "consent_override": {"legal_basis": "", "reason": "x"},
            }),
        )
        .await;
    assert_eq!(weak.status(), 422);
    let body = json!({
        "handoff": "report",
        "to_agency": "POL-BETA",
        "consent_override": {
            "legal_basis": "UU 12/2022 Ps 41",
            "reason": "Immediate danger to the survivor's life",
        },
    });
    let sent = w.send(&w.alpha_sup, body).await;
    assert_eq!(sent.status(), 201);
    let sent: Value = sent.json().await.unwrap();
    assert_eq!(sent["consent"]["overridden"], true);
    assert_eq!(sent["consent"]["legal_basis"], "UU 12/2022 Ps 41");
    let events =
        rujukan::db::audit::stream(&mut w.app.conn(), &format!("case:{}", w.case)).unwrap();
    let overridden = events
        .iter()
        .find(|e| e.action == "consent.overridden")
        .unwrap();
    assert!(overridden.details.contains("Immediate danger"));
}
both_backends!(a_supervisor_may_override_consent_on_the_record);

async fn declining_or_withdrawing_ends_access_and_only_the_right_side_decides(backend: Backend) {
    let w = world(backend).await;
    w.consent("police_report", Some("POL-BETA"), true).await;
    w.consent("shelter", None, true).await;
    let id = w
        .send(
            &w.alpha,
            json!({"handoff": "report", "to_agency": "POL-BETA"}),
        )
        .await
        .json::<Value>()
        .await
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    assert_eq!(
        w.act(&w.alpha, id, "accept", json!({})).await.status(),
        403,
        "the sender does not accept"
    );
    assert_eq!(
        w.act(&w.beta, id, "withdraw", json!({"reason": "not mine"}))
            .await
            .status(),
        403,
        "the receiver does not withdraw"
    );
    let outsider = w.app.token("out.cw").await;
    assert_eq!(
        w.app
            .get_as(&format!("/api/v1/handoffs/{id}"), &outsider)
            .await
            .status(),
        404
    );
    assert_eq!(
        w.act(&outsider, id, "accept", json!({})).await.status(),
        404
    );
    assert_eq!(
        w.act(&w.beta, id, "decline", json!({"reason": ""}))
            .await
            .status(),
        422,
        "a decline needs a reason"
    );
    let declined = w
        .act(
            &w.beta,
            id,
            "decline",
            json!({"reason": "Outside our jurisdiction: incident abroad"}),
        )
        .await;
    assert_eq!(declined.status(), 200);
    assert_eq!(
        w.app
            .get_as(&format!("/api/v1/cases/{}", w.case), &w.beta)
            .await
            .status(),
        404,
        "after decline, a 404"
    );
    let again = w.act(&w.beta, id, "accept", json!({})).await;
    assert_eq!(again.status(), 409);
    assert_eq!(problem(again).await["code"], "handoff.already_decided");

    let sid = w
        .send(
            &w.alpha,
            json!({"handoff": "shelter", "to_agency": "SHELTER-EPS"}),
        )
        .await
        .json::<Value>()
        .await
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let withdrawn = w
        .act(
            &w.alpha,
            sid,
            "withdraw",
            json!({"reason": "Survivor found family support"}),
        )
        .await;
    assert_eq!(withdrawn.status(), 200);
    assert_eq!(
        withdrawn.json::<Value>().await.unwrap()["status"],
        "withdrawn"
    );
}
both_backends!(declining_or_withdrawing_ends_access_and_only_the_right_side_decides);

async fn a_transfer_moves_ownership_on_acceptance(backend: Backend) {
    let w = world(backend).await;
    w.consent("services", None, true).await;
    let upload = w
        .app
        .client
        .post(format!(
            "{}/api/v1/cases/{}/documents?filename=visum.pdf",
            w.app.address, w.case
        ))
        .bearer_auth(&w.alpha)
        .header("content-type", "application/pdf")
        .body(b"%PDF-1.4 visum".to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(upload.status(), 201);
    let omega = w.app.token("omega.cw").await;
    let id = w
        .send(
            &w.alpha,
            json!({"handoff": "transfer-cm", "to_agency": "SU-OMEGA"}),
        )
        .await
        .json::<Value>()
        .await
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let before: Value = w
        .app
        .get_as(&format!("/api/v1/cases/{}", w.case), &w.alpha)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        before["owner_agency"], "SU-ALPHA",
        "a transfer moves nothing until accepted"
    );
    assert_eq!(w.act(&omega, id, "accept", json!({})).await.status(), 200);
    let now: Value = w
        .app
        .get_as(&format!("/api/v1/cases/{}", w.case), &omega)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(now["owner_agency"], "SU-OMEGA");
    assert_eq!(
        now["categories"].as_array().unwrap().len(),
        6,
        "the new owner holds everything"
    );
    let custody: Vec<String> =
        rujukan::db::audit::stream(&mut w.app.conn(), &format!("case:{}", w.case))
            .unwrap()
            .into_iter()
            .filter(|e| e.subject_type.as_deref() == Some("document"))
            .map(|e| e.action)
            .collect();
    assert_eq!(
        custody,
        ["document.uploaded", "document.shared"],
        "the transfer shared the document"
    );
    let old: Value = w
        .app
        .get_as(&format!("/api/v1/cases/{}", w.case), &w.alpha)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        old["categories"],
        json!(["summary"]),
        "the old owner keeps the summary"
    );
}
both_backends!(a_transfer_moves_ownership_on_acceptance);

async fn courts_get_notices_that_are_read_not_accepted(backend: Backend) {
    let w = world(backend).await;
    let clerk = w.app.token("delta.clerk").await;
    let sent = w
        .send(
            &w.alpha,
            json!({"handoff": "court-notice", "to_agency": "COURT-DELTA"}),
        )
        .await;
    assert_eq!(sent.status(), 201);
    let sent: Value = sent.json().await.unwrap();
    assert_eq!(
        (sent["status"].as_str(), sent["kind"].as_str()),
        (Some("delivered"), Some("notice"))
    );
    assert!(sent.get("respond_by").is_none(), "no deadline for courts");
    let id = sent["id"].as_i64().unwrap();
    assert_eq!(
        w.act(&clerk, id, "accept", json!({})).await.status(),
        409,
        "notices are not accepted"
    );
    let seen: Value = w
        .app
        .get_as(&format!("/api/v1/cases/{}", w.case), &clerk)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(seen["legal"]["legal_basis"], json!(["TPKS"]));
    let read = w.act(&clerk, id, "read", json!({})).await;
    assert_eq!(read.status(), 200);
    assert_eq!(read.json::<Value>().await.unwrap()["status"], "read");
}
both_backends!(courts_get_notices_that_are_read_not_accepted);

async fn withdrawing_consent_ends_the_access_that_rested_on_it(backend: Backend) {
    let w = world(backend).await;
    w.consent("police_report", Some("POL-BETA"), true).await;
    let id = w
        .send(
            &w.alpha,
            json!({"handoff": "report", "to_agency": "POL-BETA"}),
        )
        .await
        .json::<Value>()
        .await
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    assert_eq!(w.act(&w.beta, id, "accept", json!({})).await.status(), 200);
    assert_eq!(
        w.app
            .get_as(&format!("/api/v1/cases/{}", w.case), &w.beta)
            .await
            .status(),
        200
    );
    w.consent("police_report", Some("POL-BETA"), false).await;
    assert_eq!(
        w.app
            .get_as(&format!("/api/v1/cases/{}", w.case), &w.beta)
            .await
            .status(),
        404,
        "access ended with the consent"
    );
    let h: Value = w
        .app
        .get_as(&format!("/api/v1/handoffs/{id}"), &w.alpha)
        .await
        .json()
        .await
        .unwrap();
    assert!(
        h["access_ended"]
            .as_str()
            .unwrap()
            .contains("consent_withdrawn")
    );
    assert!(w.case_events().contains(&"handoff.access_ended".to_owned()));
    let blocked = w
        .send(
            &w.alpha,
            json!({"handoff": "report", "to_agency": "POL-BETA"}),
        )
        .await;
    assert_eq!(blocked.status(), 422, "new handoffs need the consent again");
}
both_backends!(withdrawing_consent_ends_the_access_that_rested_on_it);

async fn fifty_concurrent_accepts_yield_one_success(backend: Backend) {
    let w = world(backend).await;
    w.consent("police_report", Some("POL-BETA"), true).await;
    let id = w
        .send(
            &w.alpha,
            json!({"handoff": "report", "to_agency": "POL-BETA"}),
        )
        .await
        .json::<Value>()
        .await
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let url = format!("{}/api/v1/handoffs/{id}/accept", w.app.address);
    let attempts = (0..50).map(|_| {
        w.app
            .client
            .post(&url)
            .bearer_auth(&w.beta)
            .json(&json!({}))
            .send()
    });
    let statuses: Vec<u16> = futures_util::future::join_all(attempts)
        .await
        .into_iter()
        .map(|r| r.unwrap().status().as_u16())
        .collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 409).count(),
        49,
        "{statuses:?}"
    );
    let accepted = w
        .case_events()
        .iter()
        .filter(|e| *e == "handoff.accepted")
        .count();
    assert_eq!(accepted, 1, "one event");
}
both_backends!(fifty_concurrent_accepts_yield_one_success);

async fn agreement_versions_are_kept_and_cannot_be_rewritten_or_lowered(backend: Backend) {
    use rujukan::agreements::{KnownAgencies, parse_file};
    use rujukan::domain::agency::AgencyKind;
    use rujukan::services::handoffs::sync_versions;
    let db = TestDb::new(backend);
    let mut conn = db.migrated();
    let known: KnownAgencies = TEST_AGENCIES
        .iter()
        .map(|(c, k)| ((*c).to_owned(), AgencyKind::parse(k).unwrap()))
        .collect();
    let parse =
        |text: &str| parse_file(std::path::Path::new("test.toml"), text, Some(&known)).unwrap();
    let now = chrono::Utc::now().naive_utc();

    let first = sync_versions(&mut conn, vec![parse(TEST_AGREEMENT)], now).unwrap();
    let again = sync_versions(&mut conn, vec![parse(TEST_AGREEMENT)], now).unwrap();
    assert_eq!(
        first.version_ids, again.version_ids,
        "the same text is the same stored version"
    );

    let rewritten = TEST_AGREEMENT.replace("title = \"Test agreement\"", "title = \"Rewritten\"");
    let problems = sync_versions(&mut conn, vec![parse(&rewritten)], now).unwrap_err();
    assert!(
        problems[0].contains(
            "test.toml:2: version 1 of agreement test-mou was changed after it came into use"
        ),
        "{problems:?}"
    );

    let v2 = rewritten.replace("version = 1", "version = 2");
    sync_versions(&mut conn, vec![parse(&v2)], now).unwrap();
    let lowered = sync_versions(
        &mut conn,
        vec![parse(
            TEST_AGREEMENT
                .replace("title = \"Test agreement\"", "title = \"Other\"")
                .as_str(),
        )],
        now,
    )
    .unwrap_err();
    assert!(
        lowered[0].contains("version 1 of agreement test-mou"),
        "{lowered:?}"
    );
    let stored = rujukan::db::handoffs::versions_of(&mut conn, "test-mou").unwrap();
    assert_eq!(
        stored.iter().map(|v| v.version).collect::<Vec<_>>(),
        [2, 1],
        "both versions kept, with their text"
    );
    assert!(stored[0].content.contains("Rewritten") && !stored[1].content.contains("Rewritten"));
}
both_backends!(agreement_versions_are_kept_and_cannot_be_rewritten_or_lowered);
