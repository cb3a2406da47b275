//! Access that holds, on both backends: what a party to a case holds follows from the case's
//! owner, handoffs and consents (docs/ACCESS.md), and every read, write, export and onward
//! handoff asks that one answer. Each test reproduces a way parties used to get further than
//! their agreement let them.

use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::*;

/// An agreement for these tests: a summary-only referral and a full report to the police, the
/// police's case file to the prosecutor, a notice to the court, a case-management transfer and a
/// shelter referral.
pub const HOLDING_AGREEMENT: &str = r#"id = "holding-mou"
version = 1
title = "Agreement for the access tests"
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
from = ["service_unit"]
to = ["police"]
requires_consent = "police_report"
shares = ["summary", "incident", "identity"]
receiver_records_consent = ["lpsk_application"]

[[handoff]]
id = "case-file"
kind = "referral"
from = ["police"]
to = ["prosecutor"]
shares = ["summary", "incident", "identity", "legal"]

[[handoff]]
id = "court-notice"
kind = "notice"
from = ["prosecutor", "police", "service_unit"]
to = ["court"]
shares = ["summary", "legal"]

[[handoff]]
id = "transfer-cm"
kind = "transfer"
from = ["service_unit"]
to = ["service_unit"]
requires_consent = "services"
shares = ["summary", "identity", "incident", "health", "legal", "documents"]

[[handoff]]
id = "shelter"
kind = "referral"
from = ["service_unit", "police"]
to = ["shelter"]
requires_consent = "shelter"
shares = ["summary", "incident", "documents"]
"#;

pub struct World {
    pub app: TestApp,
    pub case: i64,
    /// Tokens by username.
    tokens: std::collections::HashMap<&'static str, String>,
}

pub const USERS: [(&str, &str, &str); 10] = [
    ("alpha.cw", "SU-ALPHA", "caseworker"),
    ("alpha.sup", "SU-ALPHA", "supervisor"),
    ("beta.inv", "POL-BETA", "investigator"),
    ("beta.sup", "POL-BETA", "supervisor"),
    ("beta.admin", "POL-BETA", "agency_admin"),
    ("gamma.pros", "PROS-GAMMA", "prosecutor"),
    ("delta.clerk", "COURT-DELTA", "court_clerk"),
    ("omega.cw", "SU-OMEGA", "caseworker"),
    ("eps.cw", "SHELTER-EPS", "caseworker"),
    ("out.cw", "SU-OUTSIDER", "caseworker"),
];

pub async fn world(backend: Backend) -> World {
    world_with(backend, HOLDING_AGREEMENT).await
}

/// The same agencies and users under another agreement.
pub async fn world_with(backend: Backend, agreement: &str) -> World {
    let app = TestApp::spawn_with_agreement(backend, agreement).await;
    for (name, agency, role) in USERS {
        app.user(name, agency, &[role]);
    }
    let mut tokens = std::collections::HashMap::new();
    for (name, ..) in USERS {
        tokens.insert(name, app.token(name).await);
    }
    let mut w = World {
        app,
        case: 0,
        tokens,
    };
    w.case = w.new_case().await;
    w
}

impl World {
    pub fn t(&self, user: &str) -> &str {
        self.tokens
            .get(user)
            .map(String::as_str)
            .unwrap_or_default()
    }

    /// A new case owned by SU-ALPHA with an incident, a NIK and a legal basis.
    pub async fn new_case(&self) -> i64 {
        self.app
            .intake(
                "alpha.cw",
                json!({
                    "survivor": {
                        "full_name": "Sri Wahyuni",
                        "nik": "3374015703940001",
                        "phone": "081234567890",
                    },
                    "incidents": [{"date": "2026-10-02", "forms": ["sexual"]}],
                    "legal_basis": ["TPKS"],
                    "safety_plan": "Shelter address kept by the caseworker"
                }),
            )
            .await
    }

    pub async fn request(
        &self,
        method: reqwest::Method,
        user: &str,
        path: &str,
        body: Option<Value>,
    ) -> reqwest::Response {
        let mut request = self
            .app
            .client
            .request(method, format!("{}{path}", self.app.address))
            .bearer_auth(self.t(user));
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.expect("request sent")
    }

    pub async fn get(&self, user: &str, path: &str) -> reqwest::Response {
        self.request(reqwest::Method::GET, user, path, None).await
    }

    pub async fn post(&self, user: &str, path: &str, body: Value) -> reqwest::Response {
        self.request(reqwest::Method::POST, user, path, Some(body))
            .await
    }

    pub async fn consent(
        &self,
        case: i64,
        user: &str,
        purpose: &str,
        to: Option<&str>,
        given: bool,
    ) -> reqwest::Response {
        let mut body = json!({"purpose": purpose, "given": given});
        if let Some(to) = to {
            body["recipient_agency"] = json!(to);
        }
        self.post(user, &format!("/api/v1/cases/{case}/consents"), body)
            .await
    }

    pub async fn send(&self, case: i64, user: &str, handoff: &str, to: &str) -> reqwest::Response {
        self.post(
            user,
            &format!("/api/v1/cases/{case}/handoffs"),
            json!({"handoff": handoff, "to_agency": to, "message": "Mohon ditindaklanjuti"}),
        )
        .await
    }

    /// Sends and returns the new handoff's id (201 expected).
    pub async fn sent(&self, case: i64, user: &str, handoff: &str, to: &str) -> i64 {
        let r = self.send(case, user, handoff, to).await;
        let status = r.status();
        let body: Value = r.json().await.unwrap();
        assert_eq!(status, 201, "{handoff} to {to} by {user}: {body}");
        body["id"].as_i64().unwrap()
    }

    pub async fn act(&self, user: &str, id: i64, action: &str, body: Value) -> reqwest::Response {
        self.post(user, &format!("/api/v1/handoffs/{id}/{action}"), body)
            .await
    }

    pub async fn accept(&self, user: &str, id: i64) {
        let r = self.act(user, id, "accept", json!({})).await;
        assert_eq!(r.status(), 200, "accept {id} by {user}");
    }

    /// The case as `user` reads it, or the status.
    pub async fn read(&self, case: i64, user: &str) -> Result<Value, u16> {
        let r = self.get(user, &format!("/api/v1/cases/{case}")).await;
        match r.status().as_u16() {
            200 => Ok(r.json().await.unwrap()),
            other => Err(other),
        }
    }

    pub async fn categories(&self, case: i64, user: &str) -> Vec<String> {
        match self.read(case, user).await {
            Ok(body) => body["categories"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c.as_str().unwrap().to_owned())
                .collect(),
            Err(_) => Vec::new(),
        }
    }

    pub fn events(&self, case: i64) -> Vec<(String, Value)> {
        rujukan::db::audit::stream(&mut self.app.conn(), &format!("case:{case}"))
            .unwrap()
            .into_iter()
            .map(|e| (e.action, serde_json::from_str(&e.details).unwrap()))
            .collect()
    }

    pub fn owner_of(&self, case: i64) -> i64 {
        rujukan::db::cases::by_id(&mut self.app.conn(), case)
            .unwrap()
            .unwrap()
            .owner_agency_id
    }
}

/// The code of a problem answer, with its status.
async fn refusal(r: reqwest::Response) -> (u16, String) {
    let status = r.status().as_u16();
    let body = problem(r).await;
    (status, body["code"].as_str().unwrap().to_owned())
}

async fn a_pending_transfer_cannot_be_accepted_after_consent_is_withdrawn(backend: Backend) {
    let w = world(backend).await;
    assert_eq!(
        w.consent(w.case, "alpha.cw", "services", None, true)
            .await
            .status(),
        201
    );
    let transfer = w.sent(w.case, "alpha.cw", "transfer-cm", "SU-OMEGA").await;
    assert_eq!(
        w.consent(w.case, "alpha.cw", "services", None, false)
            .await
            .status(),
        201
    );

    let (status, code) = refusal(w.act("omega.cw", transfer, "accept", json!({})).await).await;
    assert_eq!((status, code.as_str()), (409, "handoff.consent_withdrawn"));
    let alpha = rujukan::db::agencies::by_code(&mut w.app.conn(), "SU-ALPHA")
        .unwrap()
        .unwrap();
    assert_eq!(w.owner_of(w.case), alpha.id, "ownership did not move");
    assert_eq!(
        w.read(w.case, "omega.cw").await.err(),
        Some(404),
        "the receiver holds nothing"
    );
    let h: Value = w
        .get("alpha.cw", &format!("/api/v1/handoffs/{transfer}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(h["status"], "pending");
    assert!(
        h["access_ended"]
            .as_str()
            .unwrap()
            .contains("consent_withdrawn"),
        "{h}"
    );
    // Declining what can no longer be accepted is still possible, to close it.
    assert_eq!(
        w.act(
            "omega.cw",
            transfer,
            "decline",
            json!({"reason": "Persetujuan dicabut"})
        )
        .await
        .status(),
        200
    );
}
both_backends!(a_pending_transfer_cannot_be_accepted_after_consent_is_withdrawn);

async fn a_pending_receiver_reads_the_summary_and_does_nothing_else(backend: Backend) {
    let w = world(backend).await;
    w.consent(w.case, "alpha.cw", "police_report", Some("POL-BETA"), true)
        .await;
    let referral = w.sent(w.case, "alpha.cw", "report", "POL-BETA").await;

    let case = w.read(w.case, "beta.inv").await.unwrap();
    assert_eq!(case["categories"], json!(["summary"]));
    assert_eq!(case["actions"]["pending"], true);
    assert_eq!(case["actions"]["send"], false);
    assert_eq!(case["actions"]["edit"], json!([]));
    assert!(case.get("incidents").is_none() && case.get("safety_plan").is_none());

    // It sends nothing onward, and the options say so.
    let (status, code) = refusal(w.send(w.case, "beta.inv", "case-file", "PROS-GAMMA").await).await;
    assert_eq!((status, code.as_str()), (403, "access.pending"));
    let (status, code) = refusal(
        w.get(
            "beta.inv",
            &format!("/api/v1/cases/{}/handoff-options", w.case),
        )
        .await,
    )
    .await;
    assert_eq!((status, code.as_str()), (403, "access.pending"));
    // It does not overwrite the survivor's name and NIK, nor any other part.
    let version = case["version"].as_i64().unwrap();
    for patch in [
        json!({
            "version": version,
            "survivor": {"full_name": "Nama Palsu", "nik": "3374010101900009"},
        }),
        json!({"version": version, "incidents": []}),
        json!({"version": version, "risk_level": "low"}),
        json!({"version": version, "legal_basis": []}),
    ] {
        let r = w
            .request(
                reqwest::Method::PATCH,
                "beta.inv",
                &format!("/api/v1/cases/{}", w.case),
                Some(patch.clone()),
            )
            .await;
        let (status, code) = refusal(r).await;
        assert_eq!((status, code.as_str()), (403, "access.pending"), "{patch}");
    }
    // Nor records or withdraws consent, adds notes, uploads, moves stages or closes.
    let (status, code) = refusal(
        w.consent(w.case, "beta.sup", "police_report", None, false)
            .await,
    )
    .await;
    assert_eq!(
        (status, code.as_str()),
        (403, "access.pending"),
        "a supervisor of the receiver neither"
    );
    let (status, _) = refusal(
        w.post(
            "beta.inv",
            &format!("/api/v1/cases/{}/notes", w.case),
            json!({"body": "catatan"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 403);
    let (status, _) = refusal(
        w.post(
            "beta.inv",
            &format!("/api/v1/cases/{}/close", w.case),
            json!({"reason": "goals_met"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 403);
    // The identity stays hidden, and nothing changed.
    assert_eq!(
        w.post(
            "beta.inv",
            &format!("/api/v1/cases/{}/reveal-identity", w.case),
            json!({"purpose": "Pemeriksaan awal"})
        )
        .await
        .status(),
        404
    );
    let identity: Value = w
        .post(
            "alpha.cw",
            &format!("/api/v1/cases/{}/reveal-identity", w.case),
            json!({"purpose": "Memeriksa data"}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(identity["full_name"], "Sri Wahyuni");
    assert_eq!(identity["nik"], "3374015703940001");
    let consents: Value = w
        .get("alpha.cw", &format!("/api/v1/cases/{}/consents", w.case))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        consents["history"].as_array().unwrap().len(),
        1,
        "no consent recorded by the receiver"
    );

    // Once accepted it acts on what the handoff shares, and only that.
    w.accept("beta.inv", referral).await;
    let case = w.read(w.case, "beta.inv").await.unwrap();
    assert_eq!(
        case["categories"],
        json!(["summary", "identity", "incident"])
    );
    assert_eq!(
        case["actions"]["edit"],
        json!(["summary", "identity", "incident"])
    );
    let version = case["version"].as_i64().unwrap();
    let r = w
        .request(
            reqwest::Method::PATCH,
            "beta.inv",
            &format!("/api/v1/cases/{}", w.case),
            Some(json!({"version": version, "legal_basis": ["TPKS", "TPPO"]})),
        )
        .await;
    assert_eq!(
        refusal(r).await,
        (403, "access.not_held".to_owned()),
        "legal facts are not shared"
    );
    let r = w
        .request(
            reqwest::Method::PATCH,
            "beta.inv",
            &format!("/api/v1/cases/{}", w.case),
            Some(json!({
                "version": version,
                "incidents": [{"date": "2026-10-03", "forms": ["sexual", "physical"]}],
            })),
        )
        .await;
    assert_eq!(r.status(), 200, "incidents are shared");
    assert_eq!(
        refusal(
            w.post(
                "beta.sup",
                &format!("/api/v1/cases/{}/close", w.case),
                json!({"reason": "goals_met"})
            )
            .await
        )
        .await,
        (403, "access.not_held".to_owned()),
        "closing is the owner's act"
    );
}
both_backends!(a_pending_receiver_reads_the_summary_and_does_nothing_else);

async fn consent_is_recorded_by_the_owner_or_by_a_receiver_its_agreement_names(backend: Backend) {
    let w = world(backend).await;
    w.consent(w.case, "alpha.cw", "police_report", Some("POL-BETA"), true)
        .await;
    w.consent(w.case, "alpha.cw", "shelter", Some("SHELTER-EPS"), true)
        .await;
    let report = w.sent(w.case, "alpha.cw", "report", "POL-BETA").await;
    let shelter = w.sent(w.case, "alpha.cw", "shelter", "SHELTER-EPS").await;
    w.accept("beta.sup", report).await;
    w.accept("eps.cw", shelter).await;

    // The shelter's agreement names no purpose: it records none, not even the police's.
    let (status, code) = refusal(
        w.consent(w.case, "eps.cw", "police_report", None, false)
            .await,
    )
    .await;
    assert_eq!((status, code.as_str()), (403, "access.not_held"));
    // The police's agreement lets it record the LPSK application, and nothing else.
    assert_eq!(
        w.consent(w.case, "beta.sup", "lpsk_application", None, true)
            .await
            .status(),
        201
    );
    let (status, code) = refusal(
        w.consent(w.case, "beta.sup", "police_report", None, false)
            .await,
    )
    .await;
    assert_eq!((status, code.as_str()), (403, "access.not_held"));
    let case = w.read(w.case, "beta.sup").await.unwrap();
    assert_eq!(
        case["actions"]["record_consent"],
        json!(["lpsk_application"])
    );

    // Each party reads the consents meant for it: the shelter does not learn of the police report.
    let seen = |v: Value| -> Vec<String> {
        v["history"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["purpose"].as_str().unwrap().to_owned())
            .collect()
    };
    let shelter_view: Value = w
        .get("eps.cw", &format!("/api/v1/cases/{}/consents", w.case))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(seen(shelter_view), ["shelter"]);
    let police_view: Value = w
        .get("beta.sup", &format!("/api/v1/cases/{}/consents", w.case))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(seen(police_view), ["police_report", "lpsk_application"]);
    let owner_view: Value = w
        .get("alpha.cw", &format!("/api/v1/cases/{}/consents", w.case))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(seen(owner_view).len(), 3);
}
both_backends!(consent_is_recorded_by_the_owner_or_by_a_receiver_its_agreement_names);

async fn a_party_passes_on_only_what_it_holds_and_loses_it_when_its_own_access_ends(
    backend: Backend,
) {
    let w = world(backend).await;
    w.consent(w.case, "alpha.cw", "police_report", Some("POL-BETA"), true)
        .await;
    let referral = w.sent(w.case, "alpha.cw", "summary-only", "POL-BETA").await;
    w.accept("beta.inv", referral).await;

    // The case file would share identity, incident and legal facts: the police hold only the
    // summary.
    let options: Value = w
        .get(
            "beta.inv",
            &format!("/api/v1/cases/{}/handoff-options", w.case),
        )
        .await
        .json()
        .await
        .unwrap();
    let file = options
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["handoff"] == "case-file")
        .unwrap();
    assert_eq!(file["allowed"], true, "{file}");
    assert_eq!(file["shares"], json!(["summary"]));
    assert_eq!(file["withheld"], json!(["incident", "identity", "legal"]));
    assert!(
        options
            .as_array()
            .unwrap()
            .iter()
            .all(|o| o["handoff"] != "transfer-cm"),
        "the police cannot transfer"
    );
    let onward = w.sent(w.case, "beta.inv", "case-file", "PROS-GAMMA").await;
    let h: Value = w
        .get("gamma.pros", &format!("/api/v1/handoffs/{onward}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(h["shares"], json!(["summary"]));
    w.accept("gamma.pros", onward).await;
    assert_eq!(w.categories(w.case, "gamma.pros").await, ["summary"]);
    assert_eq!(
        w.post(
            "gamma.pros",
            &format!("/api/v1/cases/{}/reveal-identity", w.case),
            json!({"purpose": "Penuntutan perkara"})
        )
        .await
        .status(),
        404,
        "the prosecutor cannot reveal what the police never held"
    );
    // The prosecutor sends a notice on; it rests on the prosecutor's access in turn.
    let notice = w
        .sent(w.case, "gamma.pros", "court-notice", "COURT-DELTA")
        .await;
    assert_eq!(
        w.categories(w.case, "delta.clerk").await,
        ["summary"],
        "legal is not held upstream"
    );

    // The survivor withdraws the police report consent: the police lose access, and so does
    // everyone the case was passed on to from there, each with an event on the timeline.
    assert_eq!(
        w.consent(w.case, "alpha.cw", "police_report", Some("POL-BETA"), false)
            .await
            .status(),
        201
    );
    for user in ["beta.inv", "gamma.pros", "delta.clerk"] {
        assert_eq!(w.read(w.case, user).await.err(), Some(404), "{user}");
    }
    let ended: Vec<(i64, String)> = w
        .events(w.case)
        .into_iter()
        .filter(|(a, _)| a == "handoff.access_ended")
        .map(|(_, d)| {
            (
                d["derived_from"].as_array().map_or(0, Vec::len) as i64,
                d["reason"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        ended,
        [
            (0, "consent_withdrawn".to_owned()),
            (1, "derived_access_ended".to_owned()),
            (1, "derived_access_ended".to_owned())
        ]
    );
    let timeline: Value = w
        .get("alpha.sup", &format!("/api/v1/cases/{}/timeline", w.case))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        timeline["events"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["type"] == "handoff.access_ended")
            .count(),
        3
    );
    // The receivers are told.
    let kinds: Vec<String> = {
        use diesel::prelude::*;
        use rujukan::db::schema::outbox;
        outbox::table
            .select(outbox::kind)
            .load(&mut w.app.conn())
            .unwrap()
    };
    assert!(
        kinds.iter().filter(|k| *k == "access.ended").count() >= 2,
        "{kinds:?}"
    );
    // Nothing that ended can be answered any more.
    let h: Value = w
        .get("delta.clerk", &format!("/api/v1/handoffs/{notice}"))
        .await
        .json()
        .await
        .unwrap();
    assert!(
        h["access_ended"]
            .as_str()
            .unwrap()
            .contains("derived_access_ended")
    );
    assert!(
        h.get("message").is_none(),
        "the message went with the access"
    );
    let (status, code) = refusal(w.act("delta.clerk", notice, "read", json!({})).await).await;
    assert_eq!((status, code.as_str()), (409, "handoff.access_ended"));
}
both_backends!(a_party_passes_on_only_what_it_holds_and_loses_it_when_its_own_access_ends);

async fn every_view_of_a_party_follows_the_same_rule(backend: Backend) {
    let w = world(backend).await;
    w.consent(w.case, "alpha.cw", "police_report", Some("POL-BETA"), true)
        .await;
    let referral = w.sent(w.case, "alpha.cw", "summary-only", "POL-BETA").await;
    w.accept("beta.inv", referral).await;
    // The owner's own work: a note, a document, a reveal with its purpose.
    assert_eq!(
        w.post(
            "alpha.cw",
            &format!("/api/v1/cases/{}/notes", w.case),
            json!({"body": "Catatan pendamping"})
        )
        .await
        .status(),
        201
    );
    let uploaded = w
        .app
        .client
        .post(format!(
            "{}/api/v1/cases/{}/documents?filename=surat.txt",
            w.app.address, w.case
        ))
        .bearer_auth(w.t("alpha.cw"))
        .header("content-type", "text/plain")
        .body(b"surat keterangan".to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(uploaded.status(), 201);
    w.post(
        "alpha.cw",
        &format!("/api/v1/cases/{}/reveal-identity", w.case),
        json!({"purpose": "Rahasia: alamat rumah aman"}),
    )
    .await;
    // The police read the case once.
    w.read(w.case, "beta.sup").await.unwrap();

    let timeline: Value = w
        .get("beta.sup", &format!("/api/v1/cases/{}/timeline", w.case))
        .await
        .json()
        .await
        .unwrap();
    let timeline_ids: Vec<i64> = timeline["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_i64().unwrap())
        .collect();
    let export: Value = w
        .get(
            "beta.sup",
            &format!("/api/v1/cases/{}/audit-export?format=json", w.case),
        )
        .await
        .json()
        .await
        .unwrap();
    let exported: Vec<&Value> = export["entries"].as_array().unwrap().iter().collect();
    let police = rujukan::db::agencies::by_code(&mut w.app.conn(), "POL-BETA")
        .unwrap()
        .unwrap()
        .id;
    for e in &exported {
        let action = e["action"].as_str().unwrap();
        let own_read = e["actor_agency_id"].as_i64() == Some(police);
        assert!(
            timeline_ids.contains(&e["id"].as_i64().unwrap()) || own_read,
            "the export shows the police more than the timeline: {e}"
        );
        assert!(
            !["note.added", "document.uploaded", "identity.revealed"].contains(&action) || own_read,
            "{action}"
        );
        assert!(
            !e["details"].as_str().unwrap().contains("Rahasia"),
            "the purpose of the owner's reveal"
        );
    }
    let log: Value = w
        .get("beta.sup", &format!("/api/v1/cases/{}/access-log", w.case))
        .await
        .json()
        .await
        .unwrap();
    assert!(!log["items"].as_array().unwrap().is_empty());
    assert!(
        log["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["agency"] == "POL-BETA"),
        "{log}"
    );
    let owner_log: Value = w
        .get("alpha.sup", &format!("/api/v1/cases/{}/access-log", w.case))
        .await
        .json()
        .await
        .unwrap();
    assert!(
        owner_log["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["action"] == "identity.revealed")
    );
    assert!(
        owner_log["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["agency"] == "POL-BETA")
    );

    // A handoff and its message are read only by users whose role reads cases.
    assert_eq!(
        w.get("beta.admin", &format!("/api/v1/handoffs/{referral}"))
            .await
            .status(),
        404
    );
    assert_eq!(
        w.get("beta.admin", "/api/v1/handoffs?box=incoming")
            .await
            .status(),
        403
    );
    let h: Value = w
        .get("beta.inv", &format!("/api/v1/handoffs/{referral}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(h["message"], "Mohon ditindaklanjuti");
    assert_eq!(
        w.get("out.cw", &format!("/api/v1/handoffs/{referral}"))
            .await
            .status(),
        404
    );
    // Handoffs of the case: another party sees those it sent or received.
    w.consent(w.case, "alpha.cw", "shelter", Some("SHELTER-EPS"), true)
        .await;
    w.sent(w.case, "alpha.cw", "shelter", "SHELTER-EPS").await;
    let theirs: Value = w
        .get("beta.inv", &format!("/api/v1/cases/{}/handoffs", w.case))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        theirs.as_array().unwrap().len(),
        1,
        "the police do not learn of the shelter"
    );
    let all: Value = w
        .get("alpha.cw", &format!("/api/v1/cases/{}/handoffs", w.case))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(all.as_array().unwrap().len(), 2);
}
both_backends!(every_view_of_a_party_follows_the_same_rule);

async fn a_consent_withdrawal_racing_an_accept_never_leaves_live_access(backend: Backend) {
    let w = world(backend).await;
    for round in 0..8 {
        let case = w.new_case().await;
        w.consent(case, "alpha.cw", "police_report", Some("POL-BETA"), true)
            .await;
        let referral = w.sent(case, "alpha.cw", "report", "POL-BETA").await;
        let (withdrawn, accepted) = futures_util::future::join(
            w.consent(case, "alpha.cw", "police_report", Some("POL-BETA"), false),
            w.act("beta.inv", referral, "accept", json!({})),
        )
        .await;
        assert_eq!(withdrawn.status(), 201, "round {round}");
        assert!(
            matches!(accepted.status().as_u16(), 200 | 409),
            "round {round}: {}",
            accepted.status()
        );
        // Whichever came first, the police hold nothing now, and the trail shows an order
        // in which no acceptance follows the withdrawal.
        assert_eq!(
            w.read(case, "beta.inv").await.err(),
            Some(404),
            "round {round}"
        );
        let order: Vec<String> = w
            .events(case)
            .into_iter()
            .map(|(a, d)| {
                if a == "consent.recorded" && d["given"] == false {
                    "withdrawn".to_owned()
                } else {
                    a
                }
            })
            .collect();
        let withdrawal = order.iter().position(|a| a == "withdrawn").unwrap();
        assert!(
            !order[withdrawal..].contains(&"handoff.accepted".to_owned()),
            "round {round}: {order:?}"
        );
        if order.contains(&"handoff.accepted".to_owned()) {
            assert!(
                order[withdrawal..].contains(&"handoff.access_ended".to_owned()),
                "round {round}: {order:?}"
            );
        }
    }
}
both_backends!(a_consent_withdrawal_racing_an_accept_never_leaves_live_access);

async fn a_consent_withdrawal_racing_a_send_never_leaves_a_live_handoff(backend: Backend) {
    let w = world(backend).await;
    for round in 0..8 {
        let case = w.new_case().await;
        w.consent(case, "alpha.cw", "police_report", Some("POL-BETA"), true)
            .await;
        let (withdrawn, sent) = futures_util::future::join(
            w.consent(case, "alpha.cw", "police_report", Some("POL-BETA"), false),
            w.send(case, "alpha.cw", "report", "POL-BETA"),
        )
        .await;
        assert_eq!(withdrawn.status(), 201, "round {round}");
        match sent.status().as_u16() {
            201 => {
                let id = sent.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
                let h = rujukan::db::handoffs::by_id(&mut w.app.conn(), id)
                    .unwrap()
                    .unwrap();
                assert!(
                    h.access_ended_at.is_some(),
                    "round {round}: a handoff live on a withdrawn consent"
                );
            }
            422 => {
                let body = problem(sent).await;
                assert_eq!(
                    body["violations"][0]["condition"], "consent_missing",
                    "round {round}"
                );
            }
            other => panic!("round {round}: {other}"),
        }
        assert_eq!(
            w.read(case, "beta.inv").await.err(),
            Some(404),
            "round {round}"
        );
    }
}
both_backends!(a_consent_withdrawal_racing_a_send_never_leaves_a_live_handoff);

async fn refused_access_leaves_a_trace_that_a_scan_cannot_flood(backend: Backend) {
    let w = world(backend).await;
    w.app.agency("INSPEKTORAT-33", "service_unit", "33");
    w.app.designate_audits("INSPEKTORAT-33");
    w.app.user("audit.33", "INSPEKTORAT-33", &["auditor"]);
    w.consent(w.case, "alpha.cw", "police_report", Some("POL-BETA"), true)
        .await;
    let referral = w.sent(w.case, "alpha.cw", "report", "POL-BETA").await;

    // An outsider tries the case (twice), its handoff and its page; the pending police try a
    // change.
    for _ in 0..2 {
        assert_eq!(
            w.get("out.cw", &format!("/api/v1/cases/{}", w.case))
                .await
                .status(),
            404
        );
    }
    assert_eq!(
        w.get("out.cw", &format!("/api/v1/handoffs/{referral}"))
            .await
            .status(),
        404
    );
    let r = w
        .request(
            reqwest::Method::PATCH,
            "beta.inv",
            &format!("/api/v1/cases/{}", w.case),
            Some(json!({"version": 1, "risk_level": "low"})),
        )
        .await;
    assert_eq!(r.status(), 403);
    let denied: Vec<Value> = w
        .events(w.case)
        .into_iter()
        .filter(|(a, _)| a == "access.denied")
        .map(|(_, d)| d)
        .collect();
    assert_eq!(
        denied.len(),
        3,
        "once per user, subject and route: {denied:?}"
    );
    assert_eq!(denied[0]["route"], "/api/v1/cases/{id}");
    assert_eq!(denied[0]["status"], 404);
    assert_eq!(
        denied[1]["subject"],
        json!({"type": "handoff", "id": referral})
    );
    assert_eq!(
        (denied[2]["status"].as_u64(), denied[2]["method"].as_str()),
        (Some(403), Some("PATCH"))
    );

    // The owner's supervisors see who was refused; the police see only their own.
    let log: Value = w
        .get("alpha.sup", &format!("/api/v1/cases/{}/access-log", w.case))
        .await
        .json()
        .await
        .unwrap();
    let refused: Vec<(String, String)> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["action"] == "access.denied")
        .map(|i| {
            (
                i["username"].as_str().unwrap().to_owned(),
                i["agency"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        refused,
        [
            ("beta.inv".to_owned(), "POL-BETA".to_owned()),
            ("out.cw".to_owned(), "SU-OUTSIDER".to_owned()),
            ("out.cw".to_owned(), "SU-OUTSIDER".to_owned())
        ]
    );
    let police_log: Value = w
        .get("beta.sup", &format!("/api/v1/cases/{}/access-log", w.case))
        .await
        .json()
        .await
        .unwrap();
    assert!(
        police_log["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["agency"] == "POL-BETA")
    );
    // Auditors find them in the search.
    let auditor = w.app.token("audit.33").await;
    let found: Value = w
        .app
        .get_as("/api/v1/audit/events?action=access.denied", &auditor)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(found["items"].as_array().unwrap().len(), 3);

    // A scan of a hundred case numbers leaves at most twenty entries, and is counted.
    for id in 0..100 {
        w.get("out.cw", &format!("/api/v1/cases/{}", 50_000 + id))
            .await;
    }
    let scans = w
        .app
        .system_audit()
        .into_iter()
        .filter(|e| e.action == "access.denied")
        .count();
    assert_eq!(
        scans, 18,
        "twenty a minute for one user, two of them recorded before the scan"
    );
    let metrics = w.app.get("/metrics").await.text().await.unwrap();
    let value = |name: &str| -> f64 {
        metrics
            .lines()
            .filter(|l| l.starts_with(name))
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .sum()
    };
    assert!(value("rujukan_access_denied_total") >= 104.0, "{metrics}");
    assert!(value("rujukan_access_denied_unrecorded_total") >= 80.0);
}
both_backends!(refused_access_leaves_a_trace_that_a_scan_cannot_flood);
