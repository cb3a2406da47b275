//! A caseworker's own work on both backends: every case is worked by one person of the owning
//! agency (set at intake, changed by a supervisor, moved to whoever accepts a transfer), "my
//! cases" lists hers, closing and reopening with reasons, the identity that stays revealed for
//! the visit with one access-log entry per reveal, the edit forms of the case page, the duplicate
//! warning after an intake, and the supervisor's caseload per person.

use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::*;
use crate::pages::{web_get, web_post, web_session};

async fn setup(backend: Backend) -> TestApp {
    let app = TestApp::spawn(backend).await;
    app.agency("UPTD-PPA-JATENG", "service_unit", "33");
    app.agency("UPTD-PPA-NTB", "service_unit", "52");
    app.agency("POLDA-JATENG", "police", "33");
    app.user("siti.cw", "UPTD-PPA-JATENG", &["caseworker"]);
    app.user("rina.cw", "UPTD-PPA-JATENG", &["caseworker"]);
    app.user("ani.sup", "UPTD-PPA-JATENG", &["supervisor"]);
    app.user("admin.jt", "UPTD-PPA-JATENG", &["agency_admin"]);
    app.user("dewi.cw", "UPTD-PPA-NTB", &["caseworker"]);
    app.user("inv.jt", "POLDA-JATENG", &["investigator"]);
    app
}

async fn read(app: &TestApp, token: &str, id: i64) -> Value {
    app.get_as(&format!("/api/v1/cases/{id}"), token)
        .await
        .json()
        .await
        .unwrap()
}

/// The case numbers of a list query.
async fn numbers(app: &TestApp, token: &str, query: &str) -> Result<Vec<i64>, u16> {
    let response = app.get_as(&format!("/api/v1/cases?{query}"), token).await;
    if response.status() != 200 {
        return Err(response.status().as_u16());
    }
    let body: Value = response.json().await.unwrap();
    Ok(body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_i64().unwrap())
        .collect())
}

async fn timeline_kinds(app: &TestApp, token: &str, id: i64) -> Vec<(String, Value)> {
    let body: Value = app
        .get_as(&format!("/api/v1/cases/{id}/timeline"), token)
        .await
        .json()
        .await
        .unwrap();
    body["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["type"].as_str().unwrap().to_owned(), e["details"].clone()))
        .collect()
}

async fn a_case_is_worked_by_one_person_that_a_supervisor_may_change(backend: Backend) {
    let app = setup(backend).await;
    let (siti, rina, sup) = (
        app.token("siti.cw").await,
        app.token("rina.cw").await,
        app.token("ani.sup").await,
    );
    let id = app
        .intake("siti.cw", json!({"survivor": {"full_name": "Siti Aminah"}}))
        .await;
    let other = app
        .intake("rina.cw", json!({"survivor": {"full_name": "Rina"}}))
        .await;
    let case = read(&app, &siti, id).await;
    assert_eq!(
        case["assigned_to"], "siti.cw",
        "whoever takes it in works it"
    );
    assert_eq!(
        case["actions"]["assign"], false,
        "a caseworker does not assign"
    );
    assert_eq!(numbers(&app, &siti, "assigned=me").await, Ok(vec![id]));
    assert_eq!(numbers(&app, &rina, "assigned=me").await, Ok(vec![other]));
    assert_eq!(numbers(&app, &sup, "assigned=siti.cw").await, Ok(vec![id]));
    assert_eq!(numbers(&app, &sup, "assigned=dewi.cw").await, Err(422));

    let refused = app
        .post_json(
            &format!("/api/v1/cases/{id}/assign"),
            Some(&siti),
            json!({"username": "rina.cw"}),
        )
        .await;
    assert_eq!(refused.status(), 403);
    for wrong in ["dewi.cw", "inv.jt", "admin.jt", "nobody"] {
        let answer = app
            .post_json(
                &format!("/api/v1/cases/{id}/assign"),
                Some(&sup),
                json!({"username": wrong}),
            )
            .await;
        assert_eq!(
            answer.status(),
            422,
            "{wrong} does not work this agency's cases"
        );
        assert_eq!(problem(answer).await["errors"][0]["field"], "username");
    }
    let unknown = app
        .post_json(
            &format!("/api/v1/cases/{id}/assign"),
            Some(&sup),
            json!({"username": "rina.cw", "note": "x"}),
        )
        .await;
    assert_eq!(unknown.status(), 422, "an unknown field is refused");
    assert_eq!(
        read(&app, &siti, id).await["assigned_to"],
        "siti.cw",
        "nothing changed"
    );

    let assigned: Value = app
        .post_json(
            &format!("/api/v1/cases/{id}/assign"),
            Some(&sup),
            json!({"username": "Rina.CW"}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(assigned["assigned_to"], "rina.cw");
    assert_eq!(numbers(&app, &siti, "assigned=me").await, Ok(vec![]));
    assert_eq!(
        numbers(&app, &rina, "assigned=me").await,
        Ok(vec![other, id])
    );
    let events = timeline_kinds(&app, &siti, id).await;
    let change = events
        .iter()
        .find(|(kind, _)| kind == "case.assigned")
        .expect("the change is on the record");
    assert_eq!(change.1, json!({"from": "siti.cw", "to": "rina.cw"}));

    // Another agency's supervisor, or anyone who may not see the case, learns nothing.
    app.user("nia.sup", "UPTD-PPA-NTB", &["supervisor"]);
    let ntb = app.token("nia.sup").await;
    let hidden = app
        .post_json(
            &format!("/api/v1/cases/{id}/assign"),
            Some(&ntb),
            json!({"username": "dewi.cw"}),
        )
        .await;
    assert_eq!(hidden.status(), 404);
}
both_backends!(a_case_is_worked_by_one_person_that_a_supervisor_may_change);

async fn a_closed_case_reopens_for_a_reason_where_allowed(backend: Backend) {
    let app = setup(backend).await;
    let siti = app.token("siti.cw").await;
    let id = app
        .intake("siti.cw", json!({"survivor": {"full_name": "Siti"}}))
        .await;
    let path = |what: &str| format!("/api/v1/cases/{id}/{what}");
    let open_again = app
        .post_json(
            &path("reopen"),
            Some(&siti),
            json!({"reason": "new_incident"}),
        )
        .await;
    assert_eq!(open_again.status(), 409);
    assert_eq!(problem(open_again).await["code"], "case.open");

    let closed: Value = app
        .post_json(&path("close"), Some(&siti), json!({"reason": "goals_met"}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(closed["status"], "closed");
    assert_eq!(closed["actions"]["reopen"], true);
    assert_eq!(closed["actions"]["close"], false);
    for bad in [json!({"reason": "because"}), json!({"reason": ""})] {
        let answer = app.post_json(&path("reopen"), Some(&siti), bad).await;
        assert_eq!(answer.status(), 422);
    }
    let investigator = app.token("inv.jt").await;
    let outsider = app
        .post_json(
            &path("reopen"),
            Some(&investigator),
            json!({"reason": "new_incident"}),
        )
        .await;
    assert_eq!(outsider.status(), 404);
    assert_eq!(
        read(&app, &siti, id).await["status"],
        "closed",
        "nothing changed"
    );

    let reopened: Value = app
        .post_json(
            &path("reopen"),
            Some(&siti),
            json!({"reason": "survivor_returned"}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(reopened["status"], "open");
    assert_eq!(reopened["closure_reason"], Value::Null);
    let events = timeline_kinds(&app, &siti, id).await;
    assert!(events.iter().any(|(kind, details)| kind == "case.reopened"
        && details["reason"] == "survivor_returned"
        && details["closed_as"] == "goals_met"));

    // A case closed as a duplicate stays closed.
    app.post_json(&path("close"), Some(&siti), json!({"reason": "duplicate"}))
        .await;
    let refused = app
        .post_json(
            &path("reopen"),
            Some(&siti),
            json!({"reason": "closed_in_error"}),
        )
        .await;
    assert_eq!(refused.status(), 422);
    let case = read(&app, &siti, id).await;
    assert_eq!(case["status"], "closed");
    assert_eq!(case["actions"]["reopen"], false);
}
both_backends!(a_closed_case_reopens_for_a_reason_where_allowed);

async fn the_identity_stays_for_the_visit_and_is_recorded_once(backend: Backend) {
    let app = setup(backend).await;
    let id = app
        .intake(
            "siti.cw",
            json!({"survivor": {"full_name": "Siti Aminah Kusuma", "nik": "3374015703940001"}}),
        )
        .await;
    let (session, csrf) = web_session(&app, "siti.cw").await;
    let page = format!("/cases/{id}");
    let (_, before) = web_get(&app, &session, &page).await;
    assert!(!before.contains("Siti Aminah Kusuma"));
    let (status, _, location) = web_post(
        &app,
        &session,
        &format!("/cases/{id}/identity"),
        &[
            ("csrf_token", &csrf),
            ("purpose", "Menghubungi korban untuk jadwal visum"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    assert!(location.unwrap().starts_with(&page));
    for _ in 0..3 {
        let (status, html) = web_get(&app, &session, &page).await;
        assert_eq!(status, 200);
        assert!(
            html.contains("Siti Aminah Kusuma"),
            "shown for the rest of the visit"
        );
        assert!(html.contains("id=\"identity-shown\""));
        assert!(html.contains("Menghubungi korban untuk jadwal visum"));
    }
    // Another session of the same user (another visit) does not see it.
    let (other_session, _) = web_session(&app, "siti.cw").await;
    let (_, elsewhere) = web_get(&app, &other_session, &page).await;
    assert!(!elsewhere.contains("Siti Aminah Kusuma"));

    let sup = app.token("ani.sup").await;
    let log: Value = app
        .get_as(&format!("/api/v1/cases/{id}/access-log"), &sup)
        .await
        .json()
        .await
        .unwrap();
    let reveals = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["action"] == "identity.revealed")
        .count();
    assert_eq!(reveals, 1, "one entry per reveal, not per page view");
    let (sup_session, _) = web_session(&app, "ani.sup").await;
    let (_, audit) = web_get(&app, &sup_session, &format!("/cases/{id}/audit")).await;
    assert!(
        audit.contains("Menghubungi korban untuk jadwal visum"),
        "the access log says why the identity was revealed"
    );

    let (status, _, _) = web_post(
        &app,
        &session,
        &format!("/cases/{id}/identity/hide"),
        &[("csrf_token", &csrf)],
    )
    .await;
    assert_eq!(status, 303);
    let (_, hidden) = web_get(&app, &session, &page).await;
    assert!(!hidden.contains("Siti Aminah Kusuma"), "hidden again");
    assert!(hidden.contains("id=\"identity-reveal\""));

    // Revealed again, then signed out: the next visit starts hidden.
    web_post(
        &app,
        &session,
        &format!("/cases/{id}/identity"),
        &[
            ("csrf_token", &csrf),
            ("purpose", "Menyiapkan surat rujukan"),
        ],
    )
    .await;
    web_post(&app, &session, "/logout", &[("csrf_token", &csrf)]).await;
    let (next_session, _) = web_session(&app, "siti.cw").await;
    let (_, next) = web_get(&app, &next_session, &page).await;
    assert!(!next.contains("Siti Aminah Kusuma"));
}
both_backends!(the_identity_stays_for_the_visit_and_is_recorded_once);

async fn the_case_page_edits_closes_reopens_and_assigns(backend: Backend) {
    let app = setup(backend).await;
    let id = app
        .intake("siti.cw", json!({"survivor": {"full_name": "Siti"}}))
        .await;
    let (session, csrf) = web_session(&app, "siti.cw").await;
    let page = format!("/cases/{id}");
    let (_, html) = web_get(&app, &session, &page).await;
    assert!(html.contains("id=\"edit-migrant\""));
    assert!(
        !html.contains("id=\"assign-form\""),
        "a caseworker does not assign"
    );
    let version = |html: &str| {
        html.split("name=\"version\" value=\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .unwrap()
            .to_owned()
    };
    let v1 = version(&html);
    let edit = |v: String, country: &'static str| {
        vec![
            ("csrf_token".to_owned(), csrf.clone()),
            ("version".to_owned(), v),
            ("section".to_owned(), "migrant".to_owned()),
            ("migrant.destination_country".to_owned(), country.to_owned()),
            ("migrant.p3mi".to_owned(), "PT Maju Jaya".to_owned()),
            ("risk_level".to_owned(), "high".to_owned()),
        ]
    };
    let as_refs = |pairs: &Vec<(String, String)>| -> Vec<(String, String)> { pairs.clone() };
    let post = |path: String, pairs: Vec<(String, String)>| {
        let app = &app;
        let session = session.clone();
        async move {
            let refs: Vec<(&str, &str)> = pairs
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            web_post(app, &session, &path, &refs).await
        }
    };
    let (status, _, _) = post(
        format!("/cases/{id}/edit"),
        as_refs(&edit(v1.clone(), "MY")),
    )
    .await;
    assert_eq!(status, 303);
    let siti = app.token("siti.cw").await;
    let case = read(&app, &siti, id).await;
    assert_eq!(case["migrant"]["destination_country"], "MY");
    assert_eq!(case["migrant"]["p3mi"], "PT Maju Jaya");
    assert_eq!(case["risk_level"], "high");
    // The same form again, from the old version: the case changed meanwhile.
    let (status, stale, _) = post(format!("/cases/{id}/edit"), edit(v1, "SA")).await;
    assert_eq!(status, 409);
    assert!(stale.contains("PT Maju Jaya"));
    assert_eq!(
        read(&app, &siti, id).await["migrant"]["destination_country"],
        "MY"
    );
    // A bad value is named next to its field and changes nothing.
    let (_, html) = web_get(&app, &session, &page).await;
    let (status, refused, _) = post(
        format!("/cases/{id}/edit"),
        edit(version(&html), "Malaysia"),
    )
    .await;
    assert_eq!(status, 422);
    assert!(refused.contains("err-migrant.destination_country"));
    // An incident is added to the ones recorded.
    let (_, html) = web_get(&app, &session, &page).await;
    let added = vec![
        ("csrf_token".to_owned(), csrf.clone()),
        ("version".to_owned(), version(&html)),
        ("section".to_owned(), "incident".to_owned()),
        ("incident.country".to_owned(), "MY".to_owned()),
        ("incident.forms".to_owned(), "physical".to_owned()),
    ];
    let (status, _, _) = post(format!("/cases/{id}/edit"), added).await;
    assert_eq!(status, 303);
    assert_eq!(
        read(&app, &siti, id).await["incidents"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // The supervisor gives it to Rina; the list and the supervision page say so.
    let (sup_session, sup_csrf) = web_session(&app, "ani.sup").await;
    let (_, sup_page) = web_get(&app, &sup_session, &page).await;
    assert!(sup_page.contains("id=\"assign-form\""));
    let (status, _, _) = web_post(
        &app,
        &sup_session,
        &format!("/cases/{id}/assign"),
        &[("csrf_token", &sup_csrf), ("username", "rina.cw")],
    )
    .await;
    assert_eq!(status, 303);
    assert_eq!(read(&app, &siti, id).await["assigned_to"], "rina.cw");
    let (_, supervision) = web_get(&app, &sup_session, "/supervision").await;
    assert!(supervision.contains("id=\"caseload-people\""));
    assert!(supervision.contains("rina.cw"));
    let (rina_session, rina_csrf) = web_session(&app, "rina.cw").await;
    let (_, mine) = web_get(&app, &rina_session, "/cases").await;
    assert!(
        mine.contains(&format!("href=\"/cases/{id}\"")),
        "her cases by default"
    );
    let (_, siti_mine) = web_get(&app, &session, "/cases").await;
    assert!(!siti_mine.contains(&format!("href=\"/cases/{id}\"")));
    let (_, siti_all) = web_get(&app, &session, "/cases?scope=all").await;
    assert!(siti_all.contains(&format!("href=\"/cases/{id}\"")));

    // Closing as mediation an adult TPKS case is refused with the rule in words.
    let tpks = app
        .intake(
            "rina.cw",
            json!({"survivor": {"full_name": "Ayu", "age_band": "age_25_44"}, "legal_basis": ["TPKS"]}),
        )
        .await;
    let (_, tpks_page) = web_get(&app, &rina_session, &format!("/cases/{tpks}")).await;
    assert!(tpks_page.contains("id=\"mediation-barred\""));
    let v = version(&tpks_page);
    let (status, refused, _) = web_post(
        &app,
        &rina_session,
        &format!("/cases/{tpks}/close"),
        &[
            ("csrf_token", &rina_csrf),
            ("version", &v),
            ("reason", "settled_by_mediation"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(refused.contains("err-close-reason"));
    let rina = app.token("rina.cw").await;
    assert_eq!(read(&app, &rina, tpks).await["status"], "open");
    let (status, _, _) = web_post(
        &app,
        &rina_session,
        &format!("/cases/{tpks}/close"),
        &[
            ("csrf_token", &rina_csrf),
            ("version", &v),
            ("reason", "goals_met"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let (_, closed) = web_get(&app, &rina_session, &format!("/cases/{tpks}")).await;
    assert!(closed.contains("id=\"reopen-form\""));
    let (status, _, _) = web_post(
        &app,
        &rina_session,
        &format!("/cases/{tpks}/reopen"),
        &[("csrf_token", &rina_csrf), ("reason", "new_information")],
    )
    .await;
    assert_eq!(status, 303);
    assert_eq!(read(&app, &rina, tpks).await["status"], "open");
}
both_backends!(the_case_page_edits_closes_reopens_and_assigns);

async fn the_intake_shows_the_duplicate_it_found_with_a_way_to_it(backend: Backend) {
    let app = setup(backend).await;
    let first = app
        .intake(
            "siti.cw",
            json!({"survivor": {"full_name": "Siti", "nik": "3374015703940001"}}),
        )
        .await;
    let (session, csrf) = web_session(&app, "rina.cw").await;
    let (status, html, _) = web_post(
        &app,
        &session,
        "/cases/new",
        &[
            ("csrf_token", csrf.as_str()),
            ("survivor.full_name", "Siti A."),
            ("survivor.nik", "3374015703940001"),
        ],
    )
    .await;
    assert_eq!(status, 200);
    assert!(html.contains("NIK ini sudah ada pada kasus"));
    assert!(html.contains(&format!("href=\"/cases/{first}\"")));
    assert!(html.contains("JT-"));
    // Without a duplicate the intake goes straight to the new case.
    let (status, _, location) = web_post(
        &app,
        &session,
        "/cases/new",
        &[
            ("csrf_token", csrf.as_str()),
            ("survivor.full_name", "Rahma"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    assert!(location.unwrap().starts_with("/cases/"));
}
both_backends!(the_intake_shows_the_duplicate_it_found_with_a_way_to_it);

async fn an_accepted_transfer_is_worked_by_whoever_accepted_it(backend: Backend) {
    let w = crate::holding::world(backend).await;
    let read = |user: &'static str| {
        let w = &w;
        async move {
            w.app
                .get_as(&format!("/api/v1/cases/{}", w.case), w.t(user))
                .await
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    assert_eq!(read("alpha.cw").await["assigned_to"], "alpha.cw");
    w.consent(w.case, "alpha.cw", "services", None, true).await;
    let transfer = w.sent(w.case, "alpha.cw", "transfer-cm", "SU-OMEGA").await;
    assert_eq!(
        read("alpha.cw").await["assigned_to"],
        "alpha.cw",
        "not before it is accepted"
    );
    let accepted = w.act("omega.cw", transfer, "accept", json!({})).await;
    assert_eq!(accepted.status(), 200);
    let case = read("omega.cw").await;
    assert_eq!(case["owner_agency"], "SU-OMEGA");
    assert_eq!(case["assigned_to"], "omega.cw");
    let mine = w
        .app
        .get_as("/api/v1/cases?assigned=me", w.t("omega.cw"))
        .await
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(mine["items"][0]["id"], w.case);
    let events = timeline_kinds(&w.app, w.t("omega.cw"), w.case).await;
    assert!(events.iter().any(|(kind, details)| kind == "case.assigned"
        && details["to"] == "omega.cw"
        && details["reason"] == "transfer"));
}
both_backends!(an_accepted_transfer_is_worked_by_whoever_accepted_it);

async fn high_risk_stands_out_in_the_inbox_and_the_sent_list(backend: Backend) {
    let w = crate::holding::world(backend).await;
    let case: Value = w
        .app
        .get_as(&format!("/api/v1/cases/{}", w.case), w.t("alpha.cw"))
        .await
        .json()
        .await
        .unwrap();
    let patched = w
        .app
        .client
        .patch(format!("{}/api/v1/cases/{}", w.app.address, w.case))
        .bearer_auth(w.t("alpha.cw"))
        .json(&json!({"version": case["version"], "risk_level": "critical"}))
        .send()
        .await
        .unwrap();
    assert_eq!(patched.status(), 200);
    w.consent(w.case, "alpha.cw", "police_report", Some("POL-BETA"), true)
        .await;
    let report = w.sent(w.case, "alpha.cw", "report", "POL-BETA").await;
    let view: Value = w
        .app
        .get_as(&format!("/api/v1/handoffs/{report}"), w.t("beta.inv"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(view["risk_level"], "critical");
    for (user, page) in [("beta.inv", "/inbox"), ("alpha.cw", "/sent")] {
        let (session, _) = web_session(&w.app, user).await;
        let (_, html) = web_get(&w.app, &session, page).await;
        assert!(
            html.contains("risk-urgent"),
            "{page} marks the critical case"
        );
    }
    // Once declined, the receiver reads nothing of the case, its risk included.
    w.act(
        "beta.inv",
        report,
        "decline",
        json!({"reason": "Bukan wilayah kami"}),
    )
    .await;
    let view: Value = w
        .app
        .get_as(&format!("/api/v1/handoffs/{report}"), w.t("beta.inv"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(view["risk_level"], Value::Null);
}
both_backends!(high_risk_stands_out_in_the_inbox_and_the_sent_list);

/// The `case.viewed` entries of a case's access log, by username.
async fn views(app: &TestApp, token: &str, id: i64) -> Vec<String> {
    let log: Value = app
        .get_as(&format!("/api/v1/cases/{id}/access-log"), token)
        .await
        .json()
        .await
        .unwrap();
    log["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["action"] == "case.viewed")
        .map(|i| i["username"].as_str().unwrap_or_default().to_owned())
        .collect()
}

async fn repeated_reads_within_the_window_are_one_access_log_entry(backend: Backend) {
    let app = setup(backend).await;
    let id = app
        .intake("siti.cw", json!({"survivor": {"full_name": "Siti"}}))
        .await;
    let (siti, sup) = (app.token("siti.cw").await, app.token("ani.sup").await);
    for _ in 0..3 {
        read(&app, &siti, id).await;
    }
    assert_eq!(
        views(&app, &sup, id).await,
        ["siti.cw"],
        "one entry for three reads"
    );
    read(&app, &sup, id).await;
    let mut seen = views(&app, &sup, id).await;
    seen.sort();
    assert_eq!(
        seen,
        ["ani.sup", "siti.cw"],
        "each reader has her own entry"
    );

    // With `audit.view_record_minutes = 0` every read is recorded.
    let db = TestDb::new(backend);
    let mut settings = db.settings();
    settings.audit.view_record_minutes = 0;
    let every = TestApp::spawn_with(db, settings).await;
    every.agency("UPTD-PPA-JATENG", "service_unit", "33");
    every.user("siti.cw", "UPTD-PPA-JATENG", &["caseworker"]);
    every.user("ani.sup", "UPTD-PPA-JATENG", &["supervisor"]);
    let id = every
        .intake("siti.cw", json!({"survivor": {"full_name": "Siti"}}))
        .await;
    let (siti, sup) = (every.token("siti.cw").await, every.token("ani.sup").await);
    for _ in 0..3 {
        read(&every, &siti, id).await;
    }
    assert_eq!(views(&every, &sup, id).await.len(), 3);
}
both_backends!(repeated_reads_within_the_window_are_one_access_log_entry);
