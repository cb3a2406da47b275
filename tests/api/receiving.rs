//! The receiving agency's side of a handoff, on both backends: what travels with it (the
//! sender's message, the attached documents, the decision's reason and the completion's outcome)
//! reaches both parties; the receiver reads exactly the attached documents, works its own track
//! and sends on only what it may; a second submit of the same send creates nothing.

use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::*;
use crate::holding::{World, world_with};
use crate::pages::{web_get, web_post, web_session};

/// Reports to the police and case files to the prosecutor carry documents; a summary-only
/// referral does not.
pub(crate) const AGREEMENT: &str = r#"id = "receiving-mou"
version = 1
title = "Agreement for the receiving-side tests"
effective_from = 2025-01-01
parties = ["SU-ALPHA", "SU-OMEGA", "POL-BETA", "PROS-GAMMA", "COURT-DELTA", "SHELTER-EPS"]

[[handoff]]
id = "summary-only"
kind = "referral"
from = ["service_unit"]
to = ["police"]
requires_consent = "police_report"
shares = ["summary"]

[[handoff]]
id = "report"
kind = "referral"
description = "Laporan ke polisi / report to the police"
from = ["service_unit"]
to = ["police"]
requires_consent = "police_report"
shares = ["summary", "incident", "documents"]
respond_within_hours = 24
complete_within_days = 14

[[handoff]]
id = "case-file"
kind = "referral"
from = ["police"]
to = ["prosecutor"]
shares = ["summary", "incident", "documents"]
"#;

async fn upload(w: &World, user: &str, case: i64, name: &str, body: &str) -> Value {
    let r = w
        .app
        .client
        .post(format!(
            "{}/api/v1/cases/{case}/documents?filename={name}",
            w.app.address
        ))
        .bearer_auth(w.t(user))
        .header("content-type", "text/plain")
        .body(body.as_bytes().to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{user} uploads {name}");
    r.json().await.unwrap()
}

async fn document_names(w: &World, user: &str, case: i64) -> Vec<String> {
    let r = w
        .get(user, &format!("/api/v1/cases/{case}/documents"))
        .await;
    assert_eq!(r.status(), 200, "{user} lists the documents");
    let body: Value = r.json().await.unwrap();
    let items = body
        .get("items")
        .or(Some(&body))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut names: Vec<String> = items
        .iter()
        .map(|d| d["filename"].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    names
}

async fn download(w: &World, user: &str, case: i64, doc: i64) -> u16 {
    w.get(user, &format!("/api/v1/cases/{case}/documents/{doc}"))
        .await
        .status()
        .as_u16()
}

fn id_of(v: &Value) -> i64 {
    v["id"].as_i64().unwrap()
}

/// Sends `handoff` with a message and the documents `docs`; returns the answer.
async fn send_with(
    w: &World,
    user: &str,
    handoff: &str,
    to: &str,
    docs: &[i64],
) -> reqwest::Response {
    w.post(
        user,
        &format!("/api/v1/cases/{}/handoffs", w.case),
        json!({"handoff": handoff, "to_agency": to,
               "message": "Korban siap diperiksa hari Kamis", "documents": docs}),
    )
    .await
}

async fn documents_travel_with_a_handoff_and_each_receiver_reads_exactly_those(backend: Backend) {
    let w = world_with(backend, AGREEMENT).await;
    w.consent(w.case, "alpha.cw", "police_report", Some("POL-BETA"), true)
        .await;
    let visum = upload(&w, "alpha.cw", w.case, "visum.txt", "hasil visum").await;
    let statement = upload(&w, "alpha.cw", w.case, "kronologi.txt", "kronologi").await;
    let private = upload(&w, "alpha.cw", w.case, "asesmen.txt", "asesmen psikolog").await;

    let r = send_with(
        &w,
        "alpha.cw",
        "report",
        "POL-BETA",
        &[id_of(&visum), id_of(&statement)],
    )
    .await;
    assert_eq!(r.status(), 201);
    let sent: Value = r.json().await.unwrap();
    let handoff = id_of(&sent);

    // The investigator, before accepting: the message and exactly the two documents.
    let h: Value = w
        .get("beta.inv", &format!("/api/v1/handoffs/{handoff}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(h["message"], "Korban siap diperiksa hari Kamis");
    let attached: Vec<&str> = h["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["filename"].as_str().unwrap())
        .collect();
    assert_eq!(attached, ["visum.txt", "kronologi.txt"]);
    assert_eq!(h["documents"][0]["sha256"], visum["sha256"]);
    assert_eq!(
        document_names(&w, "beta.inv", w.case).await,
        ["kronologi.txt", "visum.txt"]
    );
    assert_eq!(download(&w, "beta.inv", w.case, id_of(&visum)).await, 200);
    assert_eq!(
        download(&w, "beta.inv", w.case, id_of(&statement)).await,
        200
    );
    assert_eq!(
        download(&w, "beta.inv", w.case, id_of(&private)).await,
        404,
        "a document not attached is not there for the receiver"
    );
    // The custody log: shared with the handoff, then each view.
    let events = w.events(w.case);
    let shared: Vec<&Value> = events
        .iter()
        .filter(|(a, _)| a == "document.shared")
        .map(|(_, d)| d)
        .collect();
    assert_eq!(shared.len(), 2, "{events:?}");
    assert!(shared.iter().all(|d| d["handoff"] == handoff));
    let viewed = events
        .iter()
        .filter(|(a, _)| a == "document.viewed")
        .count();
    assert_eq!(viewed, 2);

    // The referral letter lists the attached documents by name and SHA-256.
    let pdf = w
        .get(
            "beta.inv",
            &format!("/api/v1/handoffs/{handoff}/letter.pdf"),
        )
        .await;
    assert_eq!(pdf.status(), 200);
    let text = crate::letter::pdf_text(&pdf.bytes().await.unwrap()).unwrap();
    for part in [
        "visum.txt",
        "kronologi.txt",
        visum["sha256"].as_str().unwrap(),
    ] {
        assert!(text.contains(part), "{part} in the letter: {text}");
    }
    assert!(!text.contains("asesmen.txt"));

    // Accepted, the police add their own file and send it on with the visum.
    w.accept("beta.inv", handoff).await;
    let bap = upload(
        &w,
        "beta.inv",
        w.case,
        "bap.txt",
        "berita acara pemeriksaan",
    )
    .await;
    let refused = send_with(
        &w,
        "beta.inv",
        "case-file",
        "PROS-GAMMA",
        &[id_of(&private)],
    )
    .await;
    assert_eq!(
        refused.status(),
        422,
        "the police cannot pass on what they never got"
    );
    let onward = send_with(
        &w,
        "beta.inv",
        "case-file",
        "PROS-GAMMA",
        &[id_of(&bap), id_of(&visum)],
    )
    .await;
    assert_eq!(onward.status(), 201);
    assert_eq!(
        document_names(&w, "gamma.pros", w.case).await,
        ["bap.txt", "visum.txt"]
    );
    assert_eq!(
        download(&w, "gamma.pros", w.case, id_of(&statement)).await,
        404
    );
    // The owner reads every document, the police's too.
    assert_eq!(
        document_names(&w, "alpha.cw", w.case).await,
        ["asesmen.txt", "bap.txt", "kronologi.txt", "visum.txt"]
    );
}
both_backends!(documents_travel_with_a_handoff_and_each_receiver_reads_exactly_those);

async fn attaching_what_may_not_travel_is_refused_and_changes_nothing(backend: Backend) {
    let w = world_with(backend, AGREEMENT).await;
    w.consent(w.case, "alpha.cw", "police_report", Some("POL-BETA"), true)
        .await;
    let doc = upload(&w, "alpha.cw", w.case, "visum.txt", "hasil visum").await;
    let other_case = w.new_case().await;
    let elsewhere = upload(&w, "alpha.cw", other_case, "lain.txt", "kasus lain").await;
    let before = (
        crate::pages::count(&w.app, "handoffs"),
        crate::pages::count(&w.app, "audit_events"),
    );

    let r = send_with(&w, "alpha.cw", "summary-only", "POL-BETA", &[id_of(&doc)]).await;
    assert_eq!(r.status(), 422);
    let body = problem(r).await;
    let text = body.to_string();
    assert!(
        text.contains("receiving-mou")
            && text.contains("summary-only")
            && text.contains("does not share documents"),
        "{body}"
    );
    let r = send_with(&w, "alpha.cw", "report", "POL-BETA", &[id_of(&elsewhere)]).await;
    assert_eq!(r.status(), 422);
    let body = problem(r).await;
    assert!(
        body.to_string().contains("not a document of this case"),
        "{body}"
    );
    let r = send_with(&w, "alpha.cw", "report", "POL-BETA", &[987_654]).await;
    assert_eq!(r.status(), 422);
    let r = w
        .post(
            "alpha.cw",
            &format!("/api/v1/cases/{}/handoffs", w.case),
            json!({"handoff": "report", "to_agency": "POL-BETA", "documents": ["visum"]}),
        )
        .await;
    assert_eq!(r.status(), 422, "documents are ids");

    assert_eq!(
        (
            crate::pages::count(&w.app, "handoffs"),
            crate::pages::count(&w.app, "audit_events"),
        ),
        before,
        "nothing was written"
    );
}
both_backends!(attaching_what_may_not_travel_is_refused_and_changes_nothing);

async fn the_reason_and_the_outcome_reach_both_parties(backend: Backend) {
    let w = world_with(backend, AGREEMENT).await;
    w.consent(w.case, "alpha.cw", "police_report", Some("POL-BETA"), true)
        .await;
    let first = id_of(
        &send_with(&w, "alpha.cw", "report", "POL-BETA", &[])
            .await
            .json()
            .await
            .unwrap(),
    );
    let r = w
        .act(
            "beta.inv",
            first,
            "decline",
            json!({"reason": "Bukan wilayah hukum kami"}),
        )
        .await;
    assert_eq!(r.status(), 200);
    for user in ["alpha.cw", "beta.inv"] {
        let h: Value = w
            .get(user, &format!("/api/v1/handoffs/{first}"))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(h["reason"], "Bukan wilayah hukum kami", "{user}");
    }
    let second = id_of(
        &send_with(&w, "alpha.cw", "report", "POL-BETA", &[])
            .await
            .json()
            .await
            .unwrap(),
    );
    w.accept("beta.inv", second).await;
    let r = w
        .act(
            "beta.inv",
            second,
            "complete",
            json!({"outcome": "Laporan Polisi diterbitkan"}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let h: Value = w
        .get("alpha.cw", &format!("/api/v1/handoffs/{second}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (h["status"].as_str(), h["outcome"].as_str()),
        (Some("completed"), Some("Laporan Polisi diterbitkan"))
    );
    assert_eq!(h["message"], "Korban siap diperiksa hari Kamis");
}
both_backends!(the_reason_and_the_outcome_reach_both_parties);

async fn a_second_request_with_the_same_key_sends_nothing_more(backend: Backend) {
    let w = world_with(backend, AGREEMENT).await;
    w.consent(w.case, "alpha.cw", "police_report", Some("POL-BETA"), true)
        .await;
    let body = json!({"handoff": "report", "to_agency": "POL-BETA",
                      "idempotency_key": "form-0123456789abcdef"});
    let path = format!("/api/v1/cases/{}/handoffs", w.case);
    let first: Value = w
        .post("alpha.cw", &path, body.clone())
        .await
        .json()
        .await
        .unwrap();
    let again = w.post("alpha.cw", &path, body).await;
    assert!(again.status().is_success());
    let again: Value = again.json().await.unwrap();
    assert_eq!(first["id"], again["id"]);
    assert_eq!(crate::pages::count(&w.app, "handoffs"), 1);
    let short = w
        .post(
            "alpha.cw",
            &path,
            json!({"handoff": "report", "to_agency": "POL-BETA", "idempotency_key": "x"}),
        )
        .await;
    assert_eq!(short.status(), 422);
}
both_backends!(a_second_request_with_the_same_key_sends_nothing_more);

async fn each_party_records_the_stages_of_its_own_track(backend: Backend) {
    let w = world_with(backend, AGREEMENT).await;
    w.consent(w.case, "alpha.cw", "police_report", Some("POL-BETA"), true)
        .await;
    let h = id_of(
        &send_with(&w, "alpha.cw", "report", "POL-BETA", &[])
            .await
            .json()
            .await
            .unwrap(),
    );
    w.accept("beta.inv", h).await;
    let case = w.read(w.case, "beta.inv").await.unwrap();
    let stages = &case["actions"]["stages"];
    let justice: Vec<&str> = stages["justice"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert!(
        justice.contains(&"penyidikan") && !justice.contains(&"penuntutan"),
        "{stages}"
    );
    assert!(stages.get("service").is_none(), "{stages}");

    let stage = |user: &'static str, stage: &'static str| {
        let w = &w;
        async move {
            w.post(
                user,
                &format!("/api/v1/cases/{}/stages", w.case),
                json!({"track": "justice", "stage": stage}),
            )
            .await
        }
    };
    assert_eq!(stage("beta.inv", "penyidikan").await.status(), 200);
    let r = stage("beta.inv", "penuntutan").await;
    assert_eq!(r.status(), 422);
    let body = problem(r).await;
    assert!(body.to_string().contains("prosecutor"), "{body}");
    assert_eq!(
        stage("alpha.cw", "penuntutan").await.status(),
        200,
        "the owner records any stage"
    );
    // Each change is on the timeline with its agency.
    let timeline: Value = w
        .get("alpha.cw", &format!("/api/v1/cases/{}/timeline", w.case))
        .await
        .json()
        .await
        .unwrap();
    let by_police = timeline["events"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["type"] == "case.stage_changed" && e["actor"]["agency"] == "POL-BETA");
    assert!(by_police, "{timeline}");
    // The page's timeline says where the handoff went and which stage was reached, in words.
    let (session, _) = web_session(&w.app, "alpha.cw").await;
    let (_, html) = web_get(&w.app, &session, &format!("/cases/{}", w.case)).await;
    assert!(html.contains("→ POL-BETA"), "the receiver of the handoff");
    assert!(
        html.contains("Peradilan pidana: Penyidikan")
            && html.contains("Peradilan pidana: Penuntutan"),
        "the stages reached"
    );
}
both_backends!(each_party_records_the_stages_of_its_own_track);

async fn the_receiver_answers_on_the_case_page(backend: Backend) {
    let w = world_with(backend, AGREEMENT).await;
    w.consent(w.case, "alpha.cw", "police_report", Some("POL-BETA"), true)
        .await;
    let doc = upload(&w, "alpha.cw", w.case, "visum.txt", "hasil visum").await;
    let h = id_of(
        &send_with(&w, "alpha.cw", "report", "POL-BETA", &[id_of(&doc)])
            .await
            .json()
            .await
            .unwrap(),
    );
    let (session, csrf) = web_session(&w.app, "beta.inv").await;
    let page = format!("/cases/{}", w.case);
    let (status, html) = web_get(&w.app, &session, &page).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Korban siap diperiksa hari Kamis"),
        "the message is on the page"
    );
    assert!(html.contains("visum.txt") && html.contains(&format!("id=\"accept-{h}\"")));
    assert!(
        !html.contains("action=\"/cases/") || !html.contains("/send\""),
        "a pending receiver sends nothing"
    );

    // A decline without a reason: a message next to the form, nothing decided.
    let decline = format!("/cases/{}/handoffs/{h}/decline", w.case);
    let (status, html, _) = web_post(
        &w.app,
        &session,
        &decline,
        &[("csrf_token", &csrf), ("reason", " ")],
    )
    .await;
    assert_eq!(status, 422);
    assert!(
        html.contains(&format!("err-decline-{h}")),
        "the message is next to the form"
    );
    let stored: Value = w
        .get("alpha.cw", &format!("/api/v1/handoffs/{h}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(stored["status"], "pending");

    let accept = format!("/cases/{}/handoffs/{h}/accept", w.case);
    let (status, _, location) = web_post(&w.app, &session, &accept, &[("csrf_token", &csrf)]).await;
    assert_eq!(status, 303);
    assert!(location.unwrap().contains("done=accepted"));
    // The same form again (a stale page): said plainly, nothing changes.
    let (status, html, _) = web_post(&w.app, &session, &accept, &[("csrf_token", &csrf)]).await;
    assert_eq!(status, 409);
    assert!(html.contains("sudah diputuskan"), "{html}");
    // Accepted: the page offers the police's own stages and the case file to the prosecutor.
    let (_, html) = web_get(&w.app, &session, &page).await;
    assert!(html.contains("value=\"penyidikan\"") && !html.contains("value=\"penuntutan\""));
    assert!(html.contains("id=\"send-case-file-PROS-GAMMA\""));
    assert!(html.contains(&format!("id=\"complete-{h}\"")));
    assert!(
        !html.contains("receiving-mou v1"),
        "no internal ids in the send panel"
    );
}
both_backends!(the_receiver_answers_on_the_case_page);

async fn a_second_submit_of_the_send_form_shows_the_handoff_already_sent(backend: Backend) {
    let w = world_with(backend, AGREEMENT).await;
    w.consent(w.case, "alpha.cw", "police_report", Some("POL-BETA"), true)
        .await;
    let (session, csrf) = web_session(&w.app, "alpha.cw").await;
    let (_, html) = web_get(&w.app, &session, &format!("/cases/{}", w.case)).await;
    let marker = "name=\"form_token\" value=\"";
    let token = html
        .split(marker)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned();
    let send = format!("/cases/{}/send", w.case);
    let form = [
        ("csrf_token", csrf.as_str()),
        ("handoff", "report"),
        ("to_agency", "POL-BETA"),
        ("message", "Mohon segera"),
        ("form_token", token.as_str()),
    ];
    let (status, _, location) = web_post(&w.app, &session, &send, &form).await;
    assert_eq!(status, 303);
    let location = location.unwrap();
    assert!(location.contains("done=sent"), "{location}");
    let (_, page) = web_get(&w.app, &session, &location.replace("#handoffs", "")).await;
    assert!(page.contains("Rujukan terkirim ke"), "the page confirms");
    let (status, _, again) = web_post(&w.app, &session, &send, &form).await;
    assert_eq!(status, 303);
    assert!(again.unwrap().contains("done=resent"));
    assert_eq!(
        crate::pages::count(&w.app, "handoffs"),
        1,
        "nothing more was sent"
    );
}
both_backends!(a_second_submit_of_the_send_form_shows_the_handoff_already_sent);
