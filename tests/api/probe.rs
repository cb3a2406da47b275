//! The probe matrix, on both backends: every operation of the served OpenAPI document that takes
//! a case, handoff, document or user id is called by every role of (a) an unrelated agency, (b) a
//! receiver whose handoff is still pending, (c) a receiver that declined, and (d) agency
//! administrators, and each gets only what docs/ACCESS.md says. The operations come from the
//! document, so a new endpoint is probed without editing this test.

use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::*;
use crate::holding::world;

/// Texts of the case that no prober may read.
const SECRETS: [&str; 7] = [
    "Sri Wahyuni",
    "3374015703940001",
    "081234567890",
    "Shelter address kept by the caseworker",
    "Catatan rahasia pendamping",
    "surat visum rahasia",
    "visum-rahasia.txt",
];
/// The purpose the owner gave for revealing the identity: only the owner and auditors read it.
const REVEAL_PURPOSE: &str = "Tujuan rahasia pengungkapan";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Party {
    Unrelated,
    Pending,
    Declined,
    Admin,
}

/// What a resolved schema asks for, filled with the plainest values that satisfy it.
fn sample(schema: &Value, doc: &Value) -> Value {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let name = reference.rsplit('/').next().unwrap_or_default();
        return sample(&doc["components"]["schemas"][name], doc);
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        if let Some(first) = schema
            .get(key)
            .and_then(|v| v.as_array())
            .and_then(|a| a.iter().find(|s| s.get("type") != Some(&json!("null"))))
        {
            return sample(first, doc);
        }
    }
    if let Some(first) = schema
        .get("enum")
        .and_then(|e| e.as_array())
        .and_then(|e| e.first())
    {
        return first.clone();
    }
    let kind = match schema.get("type") {
        Some(Value::String(t)) => t.clone(),
        Some(Value::Array(types)) => types
            .iter()
            .filter_map(Value::as_str)
            .find(|t| *t != "null")
            .unwrap_or("null")
            .to_owned(),
        _ if schema.get("properties").is_some() => "object".to_owned(),
        _ => "string".to_owned(),
    };
    match kind.as_str() {
        "object" => {
            let mut out = serde_json::Map::new();
            for name in schema["required"].as_array().into_iter().flatten() {
                let name = name.as_str().unwrap_or_default();
                out.insert(name.to_owned(), sample(&schema["properties"][name], doc));
            }
            Value::Object(out)
        }
        "array" => json!([]),
        "integer" | "number" => json!(1),
        "boolean" => json!(true),
        _ => json!("nilai percobaan"),
    }
}

struct Operation {
    method: reqwest::Method,
    path: String,
    tag: String,
    body: Option<(String, Vec<u8>)>,
    query: String,
}

/// Every operation of the served document whose path takes a case, handoff, document or user id.
async fn operations(app: &TestApp) -> Vec<Operation> {
    let doc: Value = app.get("/api/v1/openapi.json").await.json().await.unwrap();
    let mut out = Vec::new();
    for (path, ops) in doc["paths"].as_object().unwrap() {
        let takes_id = [
            "/api/v1/cases/{id}",
            "/api/v1/handoffs/{id}",
            "/api/v1/users/{id}",
        ]
        .iter()
        .any(|p| path.starts_with(p));
        if !takes_id {
            continue;
        }
        for (method, op) in ops.as_object().unwrap() {
            let Ok(method) = method.to_uppercase().parse::<reqwest::Method>() else {
                continue;
            };
            let body = op["requestBody"]["content"]
                .as_object()
                .and_then(|content| {
                    let (media, spec) = content.iter().next()?;
                    Some(if media == "application/json" {
                        (
                            media.clone(),
                            serde_json::to_vec(&sample(&spec["schema"], &doc)).unwrap(),
                        )
                    } else {
                        (media.clone(), b"%PDF-1.4\n% percobaan\n%%EOF\n".to_vec())
                    })
                });
            let query = op["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|p| p["in"] == "query" && p["required"] == true)
                .map(|p| {
                    let value = sample(&p["schema"], &doc);
                    let value = value
                        .as_str()
                        .map_or_else(|| value.to_string(), str::to_owned);
                    let value = if p["name"] == "filename" {
                        "percobaan.pdf".to_owned()
                    } else {
                        value
                    };
                    format!("{}={value}", p["name"].as_str().unwrap())
                })
                .collect::<Vec<_>>()
                .join("&");
            out.push(Operation {
                method,
                path: path.clone(),
                tag: op["tags"][0].as_str().unwrap_or_default().to_owned(),
                body,
                query,
            });
        }
    }
    assert!(
        out.len() >= 25,
        "the document lists the id operations ({})",
        out.len()
    );
    out
}

/// What the state of the case and its people is, to see that no probe changed it.
fn snapshot(app: &TestApp, case: i64, user: i64) -> String {
    use diesel::prelude::*;
    use rujukan::db::schema::{case_notes, consents, documents, handoffs, users};
    let mut conn = app.conn();
    let row = rujukan::db::cases::by_id(&mut conn, case).unwrap().unwrap();
    let statuses: Vec<(i64, String, Option<chrono::NaiveDateTime>)> = handoffs::table
        .select((handoffs::id, handoffs::status, handoffs::access_ended_at))
        .order(handoffs::id)
        .load(&mut conn)
        .unwrap();
    let counts: (i64, i64, i64) = (
        consents::table.count().get_result(&mut conn).unwrap(),
        case_notes::table.count().get_result(&mut conn).unwrap(),
        documents::table.count().get_result(&mut conn).unwrap(),
    );
    let person: (bool, String, String) = users::table
        .find(user)
        .select((users::active, users::password_hash, users::display_name))
        .first(&mut conn)
        .unwrap();
    let roles = rujukan::db::users::grants(&mut conn, user).unwrap();
    format!(
        "{} {} {} {:?} {statuses:?} {counts:?} {person:?} {roles:?}",
        row.version,
        row.status,
        row.owner_agency_id,
        row.identity_ciphertext.len()
    )
}

async fn every_id_operation_gives_each_prober_only_what_the_access_rules_say(backend: Backend) {
    let w = world(backend).await;
    let app = &w.app;
    for (name, agency, role) in [
        ("alpha.admin", "SU-ALPHA", "agency_admin"),
        ("beta.cw", "POL-BETA", "caseworker"),
        ("eps.sup", "SHELTER-EPS", "supervisor"),
        ("eps.admin", "SHELTER-EPS", "agency_admin"),
        ("out.sup", "SU-OUTSIDER", "supervisor"),
        ("out.admin", "SU-OUTSIDER", "agency_admin"),
    ] {
        app.user(name, agency, &[role]);
    }
    app.designate_audits("SU-OUTSIDER");
    app.user("out.aud", "SU-OUTSIDER", &["auditor"]);

    // The owner's work on the case: a note, a document, a reveal; a pending referral to the
    // police and a shelter referral the shelter declined.
    let case = w.case;
    assert_eq!(
        w.post(
            "alpha.cw",
            &format!("/api/v1/cases/{case}/notes"),
            json!({"body": "Catatan rahasia pendamping"})
        )
        .await
        .status(),
        201
    );
    let uploaded = app
        .client
        .post(format!(
            "{}/api/v1/cases/{case}/documents?filename=visum-rahasia.txt",
            app.address
        ))
        .bearer_auth(w.t("alpha.cw"))
        .header("content-type", "text/plain")
        .body("surat visum rahasia")
        .send()
        .await
        .unwrap();
    assert_eq!(uploaded.status(), 201);
    let document = uploaded.json::<Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap();
    w.post(
        "alpha.cw",
        &format!("/api/v1/cases/{case}/reveal-identity"),
        json!({"purpose": REVEAL_PURPOSE}),
    )
    .await;
    w.consent(case, "alpha.cw", "police_report", Some("POL-BETA"), true)
        .await;
    w.consent(case, "alpha.cw", "shelter", Some("SHELTER-EPS"), true)
        .await;
    let pending = w.sent(case, "alpha.cw", "report", "POL-BETA").await;
    let declined = w.sent(case, "alpha.cw", "shelter", "SHELTER-EPS").await;
    assert_eq!(
        w.act(
            "eps.cw",
            declined,
            "decline",
            json!({"reason": "Tidak ada tempat"})
        )
        .await
        .status(),
        200
    );
    let owner_user: i64 = {
        use diesel::prelude::*;
        rujukan::db::schema::users::table
            .filter(rujukan::db::schema::users::username.eq("alpha.cw"))
            .select(rujukan::db::schema::users::id)
            .first(&mut app.conn())
            .unwrap()
    };

    let probers: Vec<(&str, Party)> = vec![
        ("out.cw", Party::Unrelated),
        ("out.sup", Party::Unrelated),
        ("out.aud", Party::Unrelated),
        ("beta.inv", Party::Pending),
        ("beta.sup", Party::Pending),
        ("beta.cw", Party::Pending),
        ("eps.cw", Party::Declined),
        ("eps.sup", Party::Declined),
        ("alpha.admin", Party::Admin),
        ("beta.admin", Party::Admin),
        ("eps.admin", Party::Admin),
        ("out.admin", Party::Admin),
    ];
    let mut tokens = std::collections::HashMap::new();
    for (name, _) in &probers {
        tokens.insert(*name, app.token(name).await);
    }
    let before = snapshot(app, case, owner_user);
    let operations = operations(app).await;
    let mut wrong = Vec::new();
    let mut probes = 0;
    for (name, party) in &probers {
        let auditor = *name == "out.aud";
        for op in &operations {
            let handoff = if *party == Party::Unrelated || *party == Party::Admin {
                pending
            } else {
                declined
            };
            let path = op
                .path
                .replace("{document_id}", &document.to_string())
                .replacen(
                    "{id}",
                    &if op.path.starts_with("/api/v1/cases/") {
                        case
                    } else if op.path.starts_with("/api/v1/handoffs/") {
                        handoff
                    } else {
                        owner_user
                    }
                    .to_string(),
                    1,
                );
            if op.path.starts_with("/api/v1/users/") && *name == "alpha.admin" {
                continue; // administers the owner's users: its own agency, as it may
            }
            let url = if op.query.is_empty() {
                format!("{}{path}", app.address)
            } else {
                format!("{}{path}?{}", app.address, op.query)
            };
            let mut request = app
                .client
                .request(op.method.clone(), url)
                .bearer_auth(&tokens[name]);
            if let Some((media, bytes)) = &op.body {
                request = request.header("content-type", media).body(bytes.clone());
            }
            let response = request.send().await.unwrap();
            probes += 1;
            let status = response.status().as_u16();
            let body = response.text().await.unwrap_or_default();
            let read = op.method == reqwest::Method::GET;
            let own_handoff = op.path.starts_with("/api/v1/handoffs/") && *party == Party::Declined;
            let allowed: &[u16] = match party {
                // An auditor of the province reads the timeline and access log of any case.
                Party::Unrelated if auditor && read && op.tag == "audit" => &[200],
                Party::Unrelated | Party::Admin => &[404],
                // A declined handoff stays on the receiver's record; it answers nothing more.
                Party::Declined if own_handoff && read => &[200],
                Party::Declined if own_handoff => &[403, 409],
                Party::Declined => &[404],
                // A pending receiver reads the summary, and nothing it does changes the case.
                Party::Pending if op.path.starts_with("/api/v1/handoffs/") => &[404],
                Party::Pending if read => &[200, 403, 404],
                Party::Pending => &[403, 404],
            };
            if !allowed.contains(&status) {
                wrong.push(format!(
                    "{name} {} {path}: {status}, expected one of {allowed:?}",
                    op.method
                ));
            }
            for secret in SECRETS {
                if body.contains(secret) {
                    wrong.push(format!("{name} {} {path} read {secret:?}", op.method));
                }
            }
            if !auditor && body.contains(REVEAL_PURPOSE) {
                wrong.push(format!(
                    "{name} {} {path} read the purpose of the owner's reveal",
                    op.method
                ));
            }
            if *party != Party::Pending && body.contains("Mohon ditindaklanjuti") && !own_handoff {
                wrong.push(format!(
                    "{name} {} {path} read a handoff's message",
                    op.method
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {probes} probes got more than docs/ACCESS.md says:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    assert_eq!(
        snapshot(app, case, owner_user),
        before,
        "no probe changed anything"
    );
    // The declined shelter's record of its handoff keeps no message.
    let own: Value = w
        .get("eps.cw", &format!("/api/v1/handoffs/{declined}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (own["status"].as_str(), own.get("message")),
        (Some("declined"), None)
    );
}
both_backends!(every_id_operation_gives_each_prober_only_what_the_access_rules_say);
