//! Rotating the data key on both backends: documents and duplicate warnings keep working while
//! old and new keys are both configured, and `rujukan keys rotate` moves every sealed value to the
//! new key (resumably, audited), after which the old key can be removed.

use std::collections::BTreeMap;

use base64::Engine;
use diesel::prelude::*;
use rand::RngCore;
use rujukan::config::Settings;
use rujukan::crypto::Vault;
use rujukan::db::schema::{case_notes, cases, documents, handoffs};
use secrecy::SecretString;
use serde_json::{Value, json};

use crate::both_backends;
use crate::cli::{assert_one_line_failure, rujukan};
use crate::helpers::*;

const NIK: &str = "3374015703940001";
const PASSPORT: &str = "C1234567";
const PDF: &[u8] = b"%PDF-1.4\n% visum et repertum of the survivor\n%%EOF\n";
const PHOTO: &[u8] = b"\x89PNG\r\n\x1a\n a photograph of the injuries";

/// A new data key, as an operator makes one (`head -c 32 /dev/urandom | base64`).
fn fresh_key() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// A vault holding only `key`.
fn only(key: &str) -> Vault {
    Vault::new(&rujukan::config::secrets::parse_data_key(key).unwrap())
}

/// The key the app generated for itself on its first start.
fn generated_key(db: &TestDb) -> String {
    std::fs::read_to_string(db.dir().join("data/secrets/data_key")).unwrap()
}

fn set_keys(settings: &mut Settings, current: &str, retired: &[&str]) {
    settings.security.data_key = Some(SecretString::from(current.to_owned()));
    settings.security.retired_data_keys = retired
        .iter()
        .map(|k| SecretString::from((*k).to_owned()))
        .collect();
}

/// Stops `app` and starts Rujukan again on its database and data folder (and its test agreement,
/// if any) with `current` as the data key and `retired` as the retired ones.
async fn restart(app: TestApp, current: &str, retired: &[&str]) -> TestApp {
    let db = app.stopped().await;
    let mut settings = db.settings();
    let agreements = db.dir().join("agreements");
    if agreements.is_dir() {
        settings.agreements.dir = agreements;
        settings.agreements.known_agencies_file = db.dir().join("no-seed-file.toml");
    }
    set_keys(&mut settings, current, retired);
    TestApp::spawn_with(db, settings).await
}

async fn upload(app: &TestApp, token: &str, case: i64, name: &str, content: &[u8]) -> Value {
    let media = if name.ends_with(".png") {
        "image/png"
    } else {
        "application/pdf"
    };
    let response = app
        .client
        .post(format!(
            "{}/api/v1/cases/{case}/documents?filename={name}",
            app.address
        ))
        .bearer_auth(token)
        .header("content-type", media)
        .body(content.to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201, "upload of {name}");
    response.json().await.unwrap()
}

/// Downloads a document: its status and bytes.
async fn download(app: &TestApp, token: &str, case: i64, document: &Value) -> (u16, Vec<u8>) {
    let response = app
        .get_as(
            &format!("/api/v1/cases/{case}/documents/{}", document["id"]),
            token,
        )
        .await;
    let status = response.status().as_u16();
    (status, response.bytes().await.unwrap().to_vec())
}

async fn intake(app: &TestApp, token: &str, survivor: Value) -> Value {
    let body =
        json!({"survivor": survivor, "incidents": [{"date": "2026-10-02", "forms": ["sexual"]}]});
    let response = app.post_json("/api/v1/cases", Some(token), body).await;
    assert_eq!(response.status(), 201);
    response.json().await.unwrap()
}

async fn documents_and_duplicate_warnings_hold_across_a_key_change(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.agency("UPTD-PPA-JATENG", "service_unit", "33");
    app.user("siti.cw", "UPTD-PPA-JATENG", &["caseworker"]);
    let token = app.token("siti.cw").await;
    let first = intake(
        &app,
        &token,
        json!({"full_name": "Siti Rahmawati", "nik": NIK, "passport_number": PASSPORT}),
    )
    .await;
    let first_id = first["id"].as_i64().unwrap();
    let before = upload(&app, &token, first_id, "visum.pdf", PDF).await;

    // The operator makes a new key and keeps the old one as retired.
    let old = generated_key(&app.db);
    let new = fresh_key();
    let app = restart(app, &new, &[&old]).await;
    let token = app.token("siti.cw").await;

    let second = intake(&app, &token, json!({"full_name": "Siti R.", "nik": NIK})).await;
    assert_eq!(
        second["duplicates"],
        json!([{"id": first["id"], "case_number": first["case_number"], "matched": "nik"}]),
        "the NIK indexed under the old key still warns"
    );
    let third = intake(
        &app,
        &token,
        json!({"full_name": "S. Rahmawati", "passport_number": PASSPORT}),
    )
    .await;
    assert_eq!(
        third["duplicates"],
        json!([{"id": first["id"], "case_number": first["case_number"], "matched": "passport_number"}])
    );
    let second_id = second["id"].as_i64().unwrap();
    let fourth = intake(&app, &token, json!({"full_name": "Siti Rahma", "nik": NIK})).await;
    let warned: Vec<&str> = fourth["duplicates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["case_number"].as_str().unwrap())
        .collect();
    assert_eq!(
        warned,
        [
            first["case_number"].as_str().unwrap(),
            second["case_number"].as_str().unwrap()
        ],
        "indexes under either key match"
    );

    // The same bytes again: the stored file is still sealed under the old key.
    let again = upload(&app, &token, second_id, "visum-copy.pdf", PDF).await;
    assert_eq!(again["sha256"], before["sha256"]);
    assert_eq!(again["filename"], "visum-copy.pdf");
    let rows: Vec<String> = documents::table
        .order(documents::id)
        .select(documents::key_id)
        .load(&mut app.conn())
        .unwrap();
    assert_eq!(rows, [only(&old).key_id(), only(&new).key_id()]);
    let file = rujukan::services::cases::document_path(
        &app.db.dir().join("data"),
        before["sha256"].as_str().unwrap(),
    );
    let sealed = std::fs::read_to_string(&file).unwrap();
    assert!(
        only(&old).open_any(&sealed).is_ok() && only(&new).open_any(&sealed).is_err(),
        "one file, under the old key"
    );
    assert_eq!(
        download(&app, &token, first_id, &before).await,
        (200, PDF.to_vec())
    );
    assert_eq!(
        download(&app, &token, second_id, &again).await,
        (200, PDF.to_vec())
    );

    // New content goes under the new key and reads back too.
    let photo = upload(&app, &token, second_id, "injuries.png", PHOTO).await;
    assert_eq!(
        download(&app, &token, second_id, &photo).await,
        (200, PHOTO.to_vec())
    );
}
both_backends!(documents_and_duplicate_warnings_hold_across_a_key_change);

/// Every key id found in the sealed columns, with how many values carry it.
fn key_ids(conn: &mut rujukan::db::DbConnection) -> BTreeMap<String, usize> {
    let mut all: Vec<String> = cases::table
        .select(cases::identity_key_id)
        .load(conn)
        .unwrap();
    all.extend(
        case_notes::table
            .select(case_notes::key_id)
            .load::<String>(conn)
            .unwrap(),
    );
    all.extend(
        documents::table
            .select(documents::key_id)
            .load::<String>(conn)
            .unwrap(),
    );
    all.extend(
        handoffs::table
            .filter(handoffs::message_ciphertext.is_not_null())
            .select(handoffs::key_id)
            .load::<Option<String>>(conn)
            .unwrap()
            .into_iter()
            .map(Option::unwrap_or_default),
    );
    let mut counted = BTreeMap::new();
    for id in all {
        *counted.entry(id).or_default() += 1;
    }
    counted
}

/// `keys.rotated` events: `(kind, count, key_id)`.
fn rotation_events(app: &TestApp) -> Vec<(String, i64, String)> {
    app.system_audit()
        .into_iter()
        .filter(|e| e.action == "keys.rotated")
        .map(|e| {
            let details: Value = serde_json::from_str(&e.details).unwrap();
            (
                details["kind"].as_str().unwrap().to_owned(),
                details["count"].as_i64().unwrap(),
                details["key_id"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// `rujukan keys rotate` on `db` with `current` as the data key and `retired` as the retired ones.
fn rotate(db: &TestDb, current: &str, retired: &[&str], extra: &[&str]) -> std::process::Output {
    let retired = serde_json::to_string(retired).unwrap();
    rujukan(db.dir())
        .env("RUJUKAN_SECURITY__DATA_KEY", current)
        .env("RUJUKAN_SECURITY__RETIRED_DATA_KEYS", retired)
        .env("RUJUKAN_STORAGE__DATA_DIR", db.dir().join("data"))
        .args(["keys", "rotate", "--database-url", db.url()])
        .args(extra)
        .output()
        .unwrap()
}

/// Reads everything sealed through the API: identities, notes, documents and the message.
async fn read_everything(
    app: &TestApp,
    cases: &[i64],
    documents: &[(i64, &Value, &[u8])],
    handoff: i64,
) {
    let token = app.token("alpha.cw").await;
    for (i, case) in cases.iter().enumerate() {
        let identity: Value = app
            .post_json(
                &format!("/api/v1/cases/{case}/reveal-identity"),
                Some(&token),
                json!({"purpose": "check the key rotation"}),
            )
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(identity["nik"], NIK, "{identity}");
        assert_eq!(identity["full_name"], format!("Ratna Dewi {i}"));
        let notes: Value = app
            .get_as(&format!("/api/v1/cases/{case}/notes"), &token)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(notes[0]["body"], format!("Needs an interpreter ({i})"));
        let listed = app
            .get_as(&format!("/api/v1/cases/{case}/documents"), &token)
            .await;
        assert_eq!(listed.status(), 200, "document names open");
    }
    for (case, document, content) in documents {
        assert_eq!(
            download(app, &token, *case, document).await,
            (200, content.to_vec())
        );
    }
    let handoff: Value = app
        .get_as(&format!("/api/v1/handoffs/{handoff}"), &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        handoff["message"],
        "Ready to report; she prefers a female investigator"
    );
}

async fn keys_rotate_moves_every_sealed_value_to_the_new_key(backend: Backend) {
    // Key A: the first case, its note, a document and a handoff with a message.
    let app = TestApp::spawn_with_agreement(backend, TEST_AGREEMENT).await;
    app.user("alpha.cw", "SU-ALPHA", &["caseworker"]);
    let token = app.token("alpha.cw").await;
    let first = intake(
        &app,
        &token,
        json!({"full_name": "Ratna Dewi 0", "nik": NIK, "passport_number": PASSPORT}),
    )
    .await;
    let case1 = first["id"].as_i64().unwrap();
    let note = app
        .post_json(
            &format!("/api/v1/cases/{case1}/notes"),
            Some(&token),
            json!({"body": "Needs an interpreter (0)"}),
        )
        .await;
    assert_eq!(note.status(), 201);
    let pdf1 = upload(&app, &token, case1, "visum.pdf", PDF).await;
    let consent = app
        .post_json(
            &format!("/api/v1/cases/{case1}/consents"),
            Some(&token),
            json!({"purpose": "police_report", "given": true, "recipient_agency": "POL-BETA"}),
        )
        .await;
    assert_eq!(consent.status(), 201);
    let sent = app
        .post_json(
            &format!("/api/v1/cases/{case1}/handoffs"),
            Some(&token),
            json!({
                "handoff": "report",
                "to_agency": "POL-BETA",
                "message": "Ready to report; she prefers a female investigator",
            }),
        )
        .await;
    assert_eq!(sent.status(), 201);
    let handoff = sent.json::<Value>().await.unwrap()["id"].as_i64().unwrap();

    // Key B, A retired: a second case of the same person, its note, the same file again and a
    // photo.
    let a = generated_key(&app.db);
    let b = fresh_key();
    let app = restart(app, &b, &[&a]).await;
    let token = app.token("alpha.cw").await;
    let second = intake(
        &app,
        &token,
        json!({"full_name": "Ratna Dewi 1", "nik": NIK}),
    )
    .await;
    assert_eq!(second["duplicates"][0]["case_number"], first["case_number"]);
    let case2 = second["id"].as_i64().unwrap();
    let note = app
        .post_json(
            &format!("/api/v1/cases/{case2}/notes"),
            Some(&token),
            json!({"body": "Needs an interpreter (1)"}),
        )
        .await;
    assert_eq!(note.status(), 201);
    let pdf2 = upload(&app, &token, case2, "visum.pdf", PDF).await;
    let png2 = upload(&app, &token, case2, "injuries.png", PHOTO).await;
    let db = app.stopped().await;
    let (a_id, b_id) = (only(&a).key_id().to_owned(), only(&b).key_id().to_owned());
    assert_eq!(
        key_ids(&mut db.connect()),
        BTreeMap::from([(a_id.clone(), 4), (b_id.clone(), 4)])
    );

    // Key C, but the operator forgot key B: what B sealed stays as it was, the rest moves.
    let c = fresh_key();
    let c_id = only(&c).key_id().to_owned();
    let versions: Vec<i32> = cases::table
        .order(cases::id)
        .select(cases::version)
        .load(&mut db.connect())
        .unwrap();
    let case2_before: String = cases::table
        .find(case2)
        .select(cases::identity_ciphertext)
        .first(&mut db.connect())
        .unwrap();
    let partial = rotate(&db, &c, &[&a], &["--batch-size", "1"]);
    let stderr = assert_one_line_failure(
        &partial,
        "sealed value(s) could not be re-encrypted and stay as they were",
    );
    assert!(
        stderr.contains(&format!("sealed under key {b_id}, which is not configured")),
        "{stderr}"
    );
    assert!(
        stderr.contains("error: 5 sealed value(s)"),
        "case 2, its note and its two document names, and the photo's file: {stderr}"
    );
    let stdout = String::from_utf8_lossy(&partial.stdout);
    assert!(
        stdout.contains("case identities and their blind indexes: 1 re-encrypted"),
        "{stdout}"
    );
    assert!(
        stdout.contains("document files: 1 re-encrypted")
            && stdout.contains("handoff messages: 1 re-encrypted"),
        "{stdout}"
    );
    let mut conn = db.connect();
    assert_eq!(
        cases::table
            .find(case2)
            .select(cases::identity_ciphertext)
            .first::<String>(&mut conn)
            .unwrap(),
        case2_before,
        "left untouched"
    );
    assert_eq!(
        key_ids(&mut conn),
        BTreeMap::from([(b_id.clone(), 4), (c_id.clone(), 4)])
    );

    // Halfway: with every key configured, everything reads.
    let app = restart_db(db, &c, &[&a, &b]).await;
    let docs: [(i64, &Value, &[u8]); 3] = [
        (case1, &pdf1, PDF),
        (case2, &pdf2, PDF),
        (case2, &png2, PHOTO),
    ];
    read_everything(&app, &[case1, case2], &docs, handoff).await;
    let db = app.stopped().await;

    // The next run with B listed finishes the job.
    let finished = rotate(&db, &c, &[&a, &b], &["--batch-size", "1"]);
    let stdout = String::from_utf8_lossy(&finished.stdout);
    assert!(
        finished.status.success(),
        "{}",
        String::from_utf8_lossy(&finished.stderr)
    );
    for line in [
        "case identities and their blind indexes: 1 re-encrypted",
        "notes: 1 re-encrypted",
        "document file names: 2 re-encrypted",
        "document files: 1 re-encrypted",
        "handoff messages: 0 re-encrypted",
        &format!("every sealed value is now under data key {c_id}"),
    ] {
        assert!(stdout.contains(line), "{line:?} in {stdout}");
    }
    let mut conn = db.connect();
    assert_eq!(key_ids(&mut conn), BTreeMap::from([(c_id.clone(), 8)]));
    let versions_after: Vec<i32> = cases::table
        .order(cases::id)
        .select(cases::version)
        .load(&mut conn)
        .unwrap();
    assert_eq!(
        versions_after, versions,
        "a rotation does not change the versions clients hold"
    );
    let indexes: Vec<(Option<String>, Option<String>)> = cases::table
        .order(cases::id)
        .select((cases::nik_index, cases::passport_index))
        .load(&mut conn)
        .unwrap();
    let nik = only(&c).blind_index("nik", NIK);
    assert_eq!(
        indexes,
        [
            (
                Some(nik.clone()),
                Some(only(&c).blind_index("passport", PASSPORT))
            ),
            (Some(nik), None)
        ]
    );
    let data = db.dir().join("data");
    for sha in [
        pdf1["sha256"].as_str().unwrap(),
        png2["sha256"].as_str().unwrap(),
    ] {
        let sealed =
            std::fs::read_to_string(rujukan::services::cases::document_path(&data, sha)).unwrap();
        assert!(
            only(&c).open_any(&sealed).is_ok(),
            "file {sha} under the new key"
        );
    }
    let leftovers: Vec<_> = walk(&data.join("documents"))
        .into_iter()
        .filter(|p| p.ends_with(".partial"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // A third run has nothing to do and records nothing.
    let app = restart_db(db, &c, &[&a, &b]).await;
    let events = rotation_events(&app);
    let total = |kind: &str| {
        events
            .iter()
            .filter(|(k, ..)| k == kind)
            .map(|(_, n, _)| n)
            .sum::<i64>()
    };
    assert_eq!(
        (
            total("case_identity"),
            total("note"),
            total("document_name"),
            total("document_file"),
            total("handoff_message")
        ),
        (2, 2, 3, 2, 1)
    );
    assert!(
        events.iter().all(|(_, n, key)| *n == 1 && *key == c_id),
        "one event per batch of one: {events:?}"
    );
    for event in app
        .system_audit()
        .into_iter()
        .filter(|e| e.action == "keys.rotated")
    {
        for secret in [NIK, PASSPORT, "Ratna", "interpreter", "visum", &a, &b, &c] {
            assert!(
                !event.details.contains(secret),
                "{secret} in {}",
                event.details
            );
        }
        assert_eq!(event.request_id.as_deref(), Some("cli"));
    }
    let db = app.stopped().await;
    let idle = rotate(&db, &c, &[&a, &b], &[]);
    assert!(
        idle.status.success(),
        "{}",
        String::from_utf8_lossy(&idle.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&idle.stdout).trim(),
        format!("nothing to re-encrypt: every sealed value is under data key {c_id}")
    );

    // The old keys removed: everything reads, and the rebuilt indexes warn of both cases.
    let app = restart_db(db, &c, &[]).await;
    assert_eq!(
        rotation_events(&app).len(),
        events.len(),
        "the idle run recorded nothing"
    );
    read_everything(&app, &[case1, case2], &docs, handoff).await;
    let token = app.token("alpha.cw").await;
    let third = intake(&app, &token, json!({"full_name": "Ratna D.", "nik": NIK})).await;
    let warned: Vec<&Value> = third["duplicates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| &d["case_number"])
        .collect();
    assert_eq!(warned, [&first["case_number"], &second["case_number"]]);
    let verified = rujukan(app.db.dir())
        .args(["audit", "verify", "--database-url", app.db.url()])
        .output()
        .unwrap();
    assert!(
        verified.status.success(),
        "{}",
        String::from_utf8_lossy(&verified.stderr)
    );
}
both_backends!(keys_rotate_moves_every_sealed_value_to_the_new_key);

/// Starts Rujukan on a stopped app's database with the given keys.
async fn restart_db(db: TestDb, current: &str, retired: &[&str]) -> TestApp {
    let mut settings = db.settings();
    settings.agreements.dir = db.dir().join("agreements");
    settings.agreements.known_agencies_file = db.dir().join("no-seed-file.toml");
    set_keys(&mut settings, current, retired);
    TestApp::spawn_with(db, settings).await
}

/// Every file under `dir`.
fn walk(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path.display().to_string());
        }
    }
    out
}

async fn keys_rotate_refuses_bad_input_with_one_line(backend: Backend) {
    let db = TestDb::new(backend);
    let key = fresh_key();
    let output = rujukan(db.dir())
        .env("RUJUKAN_SECURITY__DATA_KEY", &key)
        .args([
            "keys",
            "rotate",
            "--database-url",
            "mysql://root@localhost/rujukan",
        ])
        .output()
        .unwrap();
    assert_one_line_failure(&output, "unsupported scheme \"mysql\"");
    let output = rujukan(db.dir())
        .env("RUJUKAN_SECURITY__DATA_KEY", &key)
        .env("RUJUKAN_SECURITY__RETIRED_DATA_KEYS", "[\"c2hvcnQ=\"]")
        .args(["keys", "rotate", "--database-url", db.url()])
        .output()
        .unwrap();
    let stderr = assert_one_line_failure(
        &output,
        "security.retired_data_keys: must decode to 32 bytes, not 5",
    );
    assert!(
        !stderr.contains("c2hvcnQ="),
        "the value is never shown: {stderr}"
    );
    let zero = rujukan(db.dir())
        .args([
            "keys",
            "rotate",
            "--batch-size",
            "0",
            "--database-url",
            db.url(),
        ])
        .output()
        .unwrap();
    assert_eq!(zero.status.code(), Some(2), "a usage mistake");
    assert_eq!(
        String::from_utf8_lossy(&zero.stderr)
            .trim_end()
            .lines()
            .count(),
        1
    );

    // An empty database: nothing to do, and nothing recorded.
    let empty = rotate(&db, &key, &[], &[]);
    assert!(
        empty.status.success(),
        "{}",
        String::from_utf8_lossy(&empty.stderr)
    );
    assert!(String::from_utf8_lossy(&empty.stdout).starts_with("nothing to re-encrypt"));
    let events: i64 = rujukan::db::schema::audit_events::table
        .count()
        .get_result(&mut db.connect())
        .unwrap();
    assert_eq!(events, 0);
}
both_backends!(keys_rotate_refuses_bad_input_with_one_line);

async fn a_rotation_never_overwrites_a_change_made_meanwhile(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.agency("UPTD-PPA-JATENG", "service_unit", "33");
    app.user("siti.cw", "UPTD-PPA-JATENG", &["caseworker"]);
    let token = app.token("siti.cw").await;
    let case = intake(
        &app,
        &token,
        json!({"full_name": "Siti Rahmawati", "nik": NIK}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let old = generated_key(&app.db);
    let new = fresh_key();
    let app = restart(app, &new, &[&old]).await;
    let token = app.token("siti.cw").await;

    // The rotation has read the identity sealed under the old key…
    let mut conn = app.conn();
    let read =
        rujukan::db::cases::identities_not_under(&mut conn, only(&new).key_id(), 0, 10).unwrap();
    assert_eq!(read.len(), 1);
    // …when a caseworker corrects the name (sealed under the new key).
    let patched = app
        .client
        .patch(format!("{}/api/v1/cases/{case}", app.address))
        .bearer_auth(&token)
        .json(&json!({"version": 1, "survivor": {"full_name": "Siti R. Kusuma"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(patched.status(), 200);
    // The rotation's write, from what it read, does not replace the correction.
    let stale = only(&new)
        .seal(b"{\"full_name\":\"Siti Rahmawati\"}")
        .unwrap();
    let written = rujukan::db::cases::reseal_identity(
        &mut conn,
        case,
        &read[0].ciphertext,
        &rujukan::db::cases::SealedIdentity {
            ciphertext: &stale,
            key_id: only(&new).key_id(),
            nik_index: None,
            passport_index: None,
        },
    )
    .unwrap();
    assert!(!written);
    let identity: Value = app
        .post_json(
            &format!("/api/v1/cases/{case}/reveal-identity"),
            Some(&token),
            json!({"purpose": "check the corrected name"}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (identity["full_name"].as_str(), identity["nik"].as_str()),
        (Some("Siti R. Kusuma"), Some(NIK))
    );
    let version: i32 = cases::table
        .find(case)
        .select(cases::version)
        .first(&mut conn)
        .unwrap();
    assert_eq!(version, 2);
    let db = app.stopped().await;
    let output = rotate(&db, &new, &[&old], &[]);
    assert!(output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stdout).starts_with("nothing to re-encrypt"),
        "the correction is under the new key already"
    );
}
both_backends!(a_rotation_never_overwrites_a_change_made_meanwhile);
