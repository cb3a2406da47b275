//! Reading the audit trail on both backends: a case's timeline for each of its parties, the access
//! log of reads, the auditors' search, and exports of a case's trail (JSON and CSV).

use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::*;

struct Story {
    app: TestApp,
    case: i64,
    number: String,
    alpha: String,
    alpha_sup: String,
    beta: String,
    auditor: String,
}

/// A case taken in by SU-ALPHA, with consents, a police report accepted by POL-BETA (which moves
/// the justice track), a shelter referral, and a service stage change.
async fn story(backend: Backend) -> Story {
    let app = TestApp::spawn_with_agreement(backend, TEST_AGREEMENT).await;
    app.user("alpha.cw", "SU-ALPHA", &["caseworker"]);
    app.user("alpha.sup", "SU-ALPHA", &["supervisor"]);
    app.user("beta.inv", "POL-BETA", &["investigator"]);
    app.user("beta.sup", "POL-BETA", &["supervisor"]);
    app.user("out.sup", "SU-OUTSIDER", &["supervisor"]);
    app.designate_audits("SU-OUTSIDER");
    app.user("audit.33", "SU-OUTSIDER", &["auditor"]);
    app.agency("INSPEKTORAT-NTB", "service_unit", "52");
    app.designate_audits("INSPEKTORAT-NTB");
    app.user("audit.52", "INSPEKTORAT-NTB", &["auditor"]);
    let case = app
        .intake(
            "alpha.cw",
            json!({
                "survivor": {"full_name": "Ratna Dewi", "nik": "3374015703940001"},
                "incidents": [{"date": "2026-10-02", "forms": ["sexual"]}]
            }),
        )
        .await;
    let alpha = app.token("alpha.cw").await;
    let beta = app.token("beta.inv").await;
    for (purpose, to) in [("police_report", "POL-BETA"), ("shelter", "SHELTER-EPS")] {
        let r = app
            .post_json(
                &format!("/api/v1/cases/{case}/consents"),
                Some(&alpha),
                json!({"purpose": purpose, "given": true, "recipient_agency": to}),
            )
            .await;
        assert_eq!(r.status(), 201);
    }
    let sent: Value = app
        .post_json(
            &format!("/api/v1/cases/{case}/handoffs"),
            Some(&alpha),
            json!({"handoff": "report", "to_agency": "POL-BETA"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let report = sent["id"].as_i64().unwrap();
    let accepted = app
        .post_json(
            &format!("/api/v1/handoffs/{report}/accept"),
            Some(&beta),
            json!({}),
        )
        .await;
    assert_eq!(accepted.status(), 200);
    let shelter = app
        .post_json(
            &format!("/api/v1/cases/{case}/handoffs"),
            Some(&alpha),
            json!({"handoff": "shelter", "to_agency": "SHELTER-EPS"}),
        )
        .await;
    assert_eq!(shelter.status(), 201);
    let stage = rujukan::domain::classification::stages("service").unwrap()[1].code;
    let moved = app
        .post_json(
            &format!("/api/v1/cases/{case}/stages"),
            Some(&alpha),
            json!({"track": "service", "stage": stage}),
        )
        .await;
    assert_eq!(moved.status(), 200);
    let detail: Value = app
        .get_as(&format!("/api/v1/cases/{case}"), &alpha)
        .await
        .json()
        .await
        .unwrap();
    Story {
        number: detail["case_number"].as_str().unwrap().to_owned(),
        alpha_sup: app.token("alpha.sup").await,
        auditor: app.token("audit.33").await,
        app,
        case,
        alpha,
        beta,
    }
}

impl Story {
    async fn timeline(&self, token: &str) -> reqwest::Response {
        self.app
            .get_as(&format!("/api/v1/cases/{}/timeline", self.case), token)
            .await
    }

    async fn types(&self, token: &str) -> Vec<String> {
        let r = self.timeline(token).await;
        assert_eq!(r.status(), 200);
        let body: Value = r.json().await.unwrap();
        body["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["type"].as_str().unwrap().to_owned())
            .collect()
    }
}

async fn a_case_story_shows_in_order_to_each_party_as_far_as_it_may_see(backend: Backend) {
    let s = story(backend).await;
    let owner = s.types(&s.alpha).await;
    assert_eq!(
        owner,
        [
            "case.created",
            "consent.recorded",
            "consent.recorded",
            "handoff.created",
            "case.stage_changed",
            "handoff.accepted",
            "handoff.created",
            "case.stage_changed"
        ],
        "intake, two consents, the report and its acceptance (which moved the justice track), the shelter referral, the service stage"
    );
    let body: Value = s.timeline(&s.alpha).await.json().await.unwrap();
    assert_eq!(body["case_number"], s.number.as_str());
    let created = &body["events"][3];
    assert_eq!(created["actor"]["username"], "alpha.cw");
    assert_eq!(created["actor"]["agency"], "SU-ALPHA");
    assert_eq!(created["clock"]["to_agency"], "POL-BETA");
    assert_eq!(created["clock"]["status"], "accepted");
    assert!(
        created["clock"]["respond_by"].is_string() && created["clock"]["complete_by"].is_string(),
        "{created}"
    );
    assert_eq!(created["clock"]["overdue"], false);
    let accepted = &body["events"][5];
    assert_eq!(
        (
            accepted["actor"]["username"].as_str(),
            accepted["actor"]["agency"].as_str()
        ),
        (Some("beta.inv"), Some("POL-BETA"))
    );
    let text = body.to_string();
    assert!(
        !text.contains("Ratna") && !text.contains("3374015703940001"),
        "no identity in a timeline"
    );
    assert!(
        !owner.contains(&"case.viewed".to_owned()),
        "reads belong to the access log"
    );

    // The police see the case's progress and their own handoff, not the shelter's.
    let police = s.types(&s.beta).await;
    assert_eq!(
        police,
        [
            "case.created",
            "consent.recorded",
            "handoff.created",
            "case.stage_changed",
            "handoff.accepted",
            "case.stage_changed"
        ]
    );

    // An auditor of the province sees everything; others learn nothing.
    assert_eq!(s.types(&s.auditor).await, owner);
    let outsider = s.app.token("out.sup").await;
    assert_eq!(s.timeline(&outsider).await.status(), 404);
    let far_auditor = s.app.token("audit.52").await;
    assert_eq!(s.timeline(&far_auditor).await.status(), 404);
    assert_eq!(
        s.app
            .get_as("/api/v1/cases/999999/timeline", &s.alpha)
            .await
            .status(),
        404
    );
}
both_backends!(a_case_story_shows_in_order_to_each_party_as_far_as_it_may_see);

async fn the_access_log_shows_each_read_of_the_case(backend: Backend) {
    let s = story(backend).await;
    let path = format!("/api/v1/cases/{}", s.case);
    assert_eq!(s.app.get_as(&path, &s.beta).await.status(), 200);
    let revealed = s
        .app
        .post_json(
            &format!("{path}/reveal-identity"),
            Some(&s.alpha),
            json!({"purpose": "Call her about the hearing"}),
        )
        .await;
    assert_eq!(revealed.status(), 200);

    let log = s
        .app
        .get_as(&format!("{path}/access-log"), &s.alpha_sup)
        .await;
    assert_eq!(log.status(), 200);
    let log: Value = log.json().await.unwrap();
    let items = log["items"].as_array().unwrap();
    let seen: Vec<(String, String, String)> = items
        .iter()
        .map(|i| {
            (
                i["action"].as_str().unwrap().into(),
                i["username"].as_str().unwrap().into(),
                i["agency"].as_str().unwrap().into(),
            )
        })
        .collect();
    let expect = |a: &str, u: &str, g: &str| (a.to_owned(), u.to_owned(), g.to_owned());
    assert_eq!(
        seen,
        [
            expect("identity.revealed", "alpha.cw", "SU-ALPHA"),
            expect("case.viewed", "beta.inv", "POL-BETA"),
            expect("case.viewed", "alpha.cw", "SU-ALPHA")
        ],
        "newest first, one entry per read"
    );
    assert_eq!(items[0]["details"]["purpose"], "Call her about the hearing");
    assert!(items.iter().all(|i| i["at"].is_string()));

    // The supervisor of a receiving party and the province's auditor read it too.
    let beta_sup = s.app.token("beta.sup").await;
    assert_eq!(
        s.app
            .get_as(&format!("{path}/access-log"), &beta_sup)
            .await
            .status(),
        200
    );
    assert_eq!(
        s.app
            .get_as(&format!("{path}/access-log"), &s.auditor)
            .await
            .status(),
        200
    );
    // Caseworkers do not; outsiders do not even learn the case exists.
    let refused = s.app.get_as(&format!("{path}/access-log"), &s.alpha).await;
    assert_eq!(refused.status(), 403);
    assert_eq!(
        refused.headers()["content-type"],
        "application/problem+json"
    );
    let outsider = s.app.token("out.sup").await;
    assert_eq!(
        s.app
            .get_as(&format!("{path}/access-log"), &outsider)
            .await
            .status(),
        404
    );
}
both_backends!(the_access_log_shows_each_read_of_the_case);

async fn auditors_search_the_trail_with_filters_and_cursors(backend: Backend) {
    let s = story(backend).await;
    let search = |query: String| {
        let app = &s.app;
        let token = s.auditor.clone();
        async move {
            app.get_as(&format!("/api/v1/audit/events{query}"), &token)
                .await
        }
    };
    let by_case: Value = search(format!("?case={}", s.number))
        .await
        .json()
        .await
        .unwrap();
    let items = by_case["items"].as_array().unwrap();
    assert!(items.len() >= 9, "{by_case}");
    assert!(items.iter().all(|i| i["case_id"] == s.case));
    assert!(
        items
            .windows(2)
            .all(|w| w[0]["id"].as_i64() > w[1]["id"].as_i64()),
        "newest first"
    );
    assert_eq!(items.last().unwrap()["action"], "case.created");
    assert!(items[0]["hash"].as_str().is_some_and(|h| h.len() == 64));

    let accepted: Value = search(format!("?case={}&action=handoff.accepted", s.case))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(accepted["items"].as_array().unwrap().len(), 1);
    assert_eq!(accepted["items"][0]["actor_agency"], "POL-BETA");
    let by_user: Value = search("?user=beta.inv&agency=POL-BETA".into())
        .await
        .json()
        .await
        .unwrap();
    assert!(
        !by_user["items"].as_array().unwrap().is_empty()
            && by_user["items"]
                .as_array()
                .unwrap()
                .iter()
                .all(|i| i["actor_username"] == "beta.inv")
    );
    let today = chrono::Utc::now().date_naive();
    let dated: Value = search(format!("?case={}&from={today}&to={today}", s.case))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(dated["items"].as_array().unwrap().len(), items.len());
    let future: Value = search(format!(
        "?case={}&from={}",
        s.case,
        today.succ_opt().unwrap()
    ))
    .await
    .json()
    .await
    .unwrap();
    assert!(future["items"].as_array().unwrap().is_empty());

    // Cursor pagination walks the same entries, two at a time.
    let mut paged = Vec::new();
    let mut cursor = String::new();
    loop {
        let page: Value = search(format!("?case={}&limit=2{cursor}", s.case))
            .await
            .json()
            .await
            .unwrap();
        paged.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["id"].clone()),
        );
        match page["next_cursor"].as_str() {
            Some(c) => cursor = format!("&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(
        paged,
        items.iter().map(|i| i["id"].clone()).collect::<Vec<_>>()
    );

    // Bad input: precise problems, nothing found that should not be.
    assert_eq!(search("?colour=red".into()).await.status(), 400);
    assert_eq!(search("?cursor=abc".into()).await.status(), 400);
    for (query, field) in [
        ("?action=case.teleported", "action"),
        ("?agency=NOPE", "agency"),
        ("?from=2026-13-01", "from"),
        ("?from=2026-11-02&to=2026-11-01", "to"),
    ] {
        let r = search(query.into()).await;
        assert_eq!(r.status(), 422, "{query}");
        let problem: Value = r.json().await.unwrap();
        assert_eq!(problem["errors"][0]["field"], field, "{problem}");
    }
    assert_eq!(search("?case=JT-1999-000001".into()).await.status(), 404);
    assert_eq!(
        s.app
            .get_as("/api/v1/audit/events", &s.alpha_sup)
            .await
            .status(),
        403,
        "auditors only"
    );

    // An auditor of another province sees nothing of this one.
    let far = s.app.token("audit.52").await;
    assert_eq!(
        s.app
            .get_as(&format!("/api/v1/audit/events?case={}", s.case), &far)
            .await
            .status(),
        404
    );
    let everything: Value = s
        .app
        .get_as("/api/v1/audit/events?limit=200", &far)
        .await
        .json()
        .await
        .unwrap();
    assert!(
        everything["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["case_id"].is_null() && i["actor_agency"] != "SU-ALPHA"),
        "{everything}"
    );
}
both_backends!(auditors_search_the_trail_with_filters_and_cursors);

async fn a_case_trail_exports_as_json_and_csv_and_the_export_is_recorded(backend: Backend) {
    let s = story(backend).await;
    // A request id chosen by the client that a spreadsheet would take for a formula (on a note:
    // a read of the case the user read a moment ago is not recorded again).
    let read = s
        .app
        .client
        .post(format!("{}/api/v1/cases/{}/notes", s.app.address, s.case))
        .bearer_auth(&s.alpha)
        .header("X-Request-Id", "-2-3")
        .json(&serde_json::json!({"body": "Korban dihubungi lewat telepon."}))
        .send()
        .await
        .unwrap();
    assert_eq!(read.status(), 201);
    let path = format!("/api/v1/cases/{}/audit-export", s.case);

    let json_export = s
        .app
        .get_as(&format!("{path}?format=json"), &s.alpha_sup)
        .await;
    assert_eq!(json_export.status(), 200);
    assert!(
        json_export.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    let body: Value = json_export.json().await.unwrap();
    let mut redacted = redact_value(&body);
    redacted["entries"] = body["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(redact_audit_entry)
        .collect();
    insta::assert_json_snapshot!("case_trail_export_json", redacted);
    let entries = body["entries"].as_array().unwrap();
    assert_eq!(
        entries.last().unwrap()["action"],
        "audit.exported",
        "the export records itself"
    );
    assert_eq!(entries.last().unwrap()["actor_username"], "alpha.sup");
    // An independent tool can recompute every hash from the exported fields.
    for e in entries {
        let text = |k: &str| e[k].as_str();
        let fields = rujukan::audit::chain::Fields {
            stream: text("stream").unwrap(),
            seq: e["seq"].as_i64().unwrap(),
            prev_hash: text("prev_hash").unwrap(),
            occurred_at: chrono::NaiveDateTime::parse_from_str(
                text("occurred_at").unwrap(),
                "%Y-%m-%dT%H:%M:%S%.6f",
            )
            .unwrap(),
            action: text("action").unwrap(),
            actor_user_id: e["actor_user_id"].as_i64(),
            actor_username: text("actor_username"),
            actor_agency_id: e["actor_agency_id"].as_i64(),
            actor_roles: text("actor_roles"),
            subject_type: text("subject_type"),
            subject_id: text("subject_id"),
            case_id: e["case_id"].as_i64(),
            request_id: text("request_id"),
            client_ip: text("client_ip"),
            details: text("details").unwrap(),
        };
        assert_eq!(rujukan::audit::chain::hash(&fields), text("hash").unwrap());
    }
    assert!(
        !body.to_string().contains("Ratna"),
        "no identity in an export"
    );

    let csv_export = s
        .app
        .get_as(&format!("{path}?format=csv"), &s.auditor)
        .await;
    assert_eq!(csv_export.status(), 200);
    assert!(
        csv_export.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let text = csv_export.text().await.unwrap();
    insta::assert_snapshot!("case_trail_export_csv", redact_audit_csv(&text));
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader.headers().unwrap().clone();
    assert_eq!(&header[4], "action");
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(
        rows.len(),
        entries.len() + 1,
        "one more export since the JSON one"
    );
    assert!(
        rows.iter().any(|r| &r[13] == "'-2-3"),
        "a formula-like cell is neutralised"
    );
    assert!(
        rows.iter()
            .all(|r| !r.iter().any(|cell| cell.starts_with(['=', '+', '-', '@'])))
    );
    assert!(!text.contains("Ratna"));

    let log: Value = s
        .app
        .get_as(
            &format!("/api/v1/cases/{}/access-log", s.case),
            &s.alpha_sup,
        )
        .await
        .json()
        .await
        .unwrap();
    let exports: Vec<&Value> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["action"] == "audit.exported")
        .collect();
    assert_eq!(exports.len(), 2);
    assert_eq!(exports[0]["details"]["format"], "csv");

    // Refusals export nothing; each refused request leaves only its trace.
    let before = body["entries"].as_array().unwrap().len();
    assert_eq!(
        s.app
            .get_as(&format!("{path}?format=xlsx"), &s.alpha_sup)
            .await
            .status(),
        400
    );
    assert_eq!(s.app.get_as(&path, &s.alpha_sup).await.status(), 400);
    assert_eq!(
        s.app
            .get_as(&format!("{path}?format=json"), &s.alpha)
            .await
            .status(),
        403
    );
    let outsider = s.app.token("out.sup").await;
    assert_eq!(
        s.app
            .get_as(&format!("{path}?format=json"), &outsider)
            .await
            .status(),
        404
    );
    let stream =
        rujukan::db::audit::stream(&mut s.app.conn(), &format!("case:{}", s.case)).unwrap();
    let added: Vec<&str> = stream[before..].iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        added,
        ["audit.exported", "access.denied", "access.denied"],
        "the CSV export, then the 403 and the 404 as refusals"
    );
}
both_backends!(a_case_trail_exports_as_json_and_csv_and_the_export_is_recorded);
