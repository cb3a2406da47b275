//! The tamper-evident audit trail on both backends: chains stay intact under concurrent appends,
//! the database refuses updates and deletes, and `rujukan audit verify` finds a modified, deleted,
//! inserted or reordered entry once the triggers are dropped.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use rujukan::audit::checkpoint::{Checkpoint, Statement};
use rujukan::db::DbConnection;
use rujukan::db::schema::{audit_checkpoints, audit_events, audit_stream_heads};
use serde_json::json;

use crate::both_backends;
use crate::helpers::*;

/// What `rujukan audit verify` computes, run in-process: (intact?, report).
fn verify(db: &TestDb) -> (bool, String) {
    verify_with(db, &[])
}

/// Verification against checkpoints an auditor kept outside.
fn verify_with(db: &TestDb, kept_outside: &[Checkpoint]) -> (bool, String) {
    let trusted = secrets(db).audit_trusted_keys;
    match rujukan::audit::verify(&mut db.connect(), &trusted, kept_outside).unwrap() {
        Ok(s) => (
            true,
            format!(
                "audit trail intact: {} entries in {} streams and {} signed checkpoints",
                s.entries, s.streams, s.checkpoints
            ),
        ),
        Err(broken) => (false, broken.to_string()),
    }
}

/// The secrets the test server generated (the audit signing key among them).
fn secrets(db: &TestDb) -> rujukan::config::Secrets {
    rujukan::config::Secrets::resolve(&db.settings()).unwrap()
}

fn checkpoint(db: &TestDb) -> Option<Checkpoint> {
    let key = secrets(db).audit_signing_key;
    rujukan::db::checkpoints::take(&mut db.connect(), &key, chrono::Utc::now().naive_utc()).unwrap()
}

fn drop_checkpoint_triggers(conn: &mut DbConnection) {
    let sql = match conn {
        DbConnection::Pg(_) => {
            "DROP TRIGGER audit_checkpoints_no_update ON audit_checkpoints; DROP TRIGGER audit_checkpoints_no_delete ON audit_checkpoints;"
        }
        DbConnection::Sqlite(_) => {
            "DROP TRIGGER audit_checkpoints_no_update; DROP TRIGGER audit_checkpoints_no_delete;"
        }
    };
    conn.batch_execute(sql).unwrap();
}

async fn consent(app: &TestApp, case: i64) {
    let token = app.token("siti").await;
    let response = app
        .client
        .post(format!("{}/api/v1/cases/{case}/consents", app.address))
        .bearer_auth(&token)
        .json(&json!({"purpose": "referral", "given": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
}

async fn busy_app(backend: Backend) -> (TestApp, i64) {
    let app = TestApp::spawn(backend).await;
    app.agency("UPTD-PPA-JATENG", "service_unit", "33");
    app.user("siti", "UPTD-PPA-JATENG", &["caseworker"]);
    let case = app
        .intake("siti", json!({"survivor": {"full_name": "Wulan"}}))
        .await;
    let token = app.token("siti").await;
    let url = format!("{}/api/v1/cases/{case}/consents", app.address);
    let requests = (0..20).map(|i| {
        app.client
            .post(&url)
            .bearer_auth(&token)
            .json(&json!({"purpose": "referral", "given": i % 2 == 0}))
            .send()
    });
    for response in futures_util::future::join_all(requests).await {
        assert_eq!(response.unwrap().status(), 201);
    }
    (app, case)
}

fn drop_triggers(conn: &mut DbConnection) {
    let sql = match conn {
        DbConnection::Pg(_) => {
            "DROP TRIGGER audit_events_no_update ON audit_events; DROP TRIGGER audit_events_no_delete ON audit_events;"
        }
        DbConnection::Sqlite(_) => {
            "DROP TRIGGER audit_events_no_update; DROP TRIGGER audit_events_no_delete;"
        }
    };
    conn.batch_execute(sql).unwrap();
}

fn case_rows(conn: &mut DbConnection, case: i64) -> Vec<rujukan::db::audit::AuditRow> {
    rujukan::db::audit::stream(conn, &format!("case:{case}")).unwrap()
}

async fn concurrent_appends_keep_every_chain_intact(backend: Backend) {
    let (app, case) = busy_app(backend).await;
    let rows = case_rows(&mut app.conn(), case);
    assert_eq!(rows.len(), 21, "case.created and 20 consents");
    let seqs: Vec<i64> = rows.iter().map(|r| r.seq).collect();
    assert_eq!(seqs, (1..=21).collect::<Vec<_>>(), "no forks, no gaps");
    let (ok, text) = verify(&app.db);
    assert!(ok, "{text}");
    assert!(text.contains("audit trail intact"), "{text}");
}
both_backends!(concurrent_appends_keep_every_chain_intact);

async fn the_database_refuses_to_change_audit_rows(backend: Backend) {
    let (app, case) = busy_app(backend).await;
    let mut conn = app.conn();
    let first = case_rows(&mut conn, case)[0].id;
    let update = diesel::update(audit_events::table.find(first))
        .set(audit_events::details.eq("{}"))
        .execute(&mut conn);
    assert!(update.is_err_and(|e| e.to_string().contains("append-only")));
    let delete = diesel::delete(audit_events::table.find(first)).execute(&mut conn);
    assert!(delete.is_err_and(|e| e.to_string().contains("append-only")));
    assert!(verify(&app.db).0);
}
both_backends!(the_database_refuses_to_change_audit_rows);

async fn verify_finds_a_modified_entry(backend: Backend) {
    let (app, case) = busy_app(backend).await;
    let mut conn = app.conn();
    drop_triggers(&mut conn);
    let target = case_rows(&mut conn, case)[5].id;
    diesel::update(audit_events::table.find(target))
        .set(audit_events::details.eq("{\"given\":true}"))
        .execute(&mut conn)
        .unwrap();
    let (ok, text) = verify(&app.db);
    assert!(!ok);
    assert!(
        text.contains(&format!("audit entry {target} ")) && text.contains("modified"),
        "{text}"
    );
}
both_backends!(verify_finds_a_modified_entry);

async fn verify_finds_deleted_entries(backend: Backend) {
    let (app, case) = busy_app(backend).await;
    let mut conn = app.conn();
    drop_triggers(&mut conn);
    let rows = case_rows(&mut conn, case);
    diesel::delete(audit_events::table.find(rows[7].id))
        .execute(&mut conn)
        .unwrap();
    let (ok, text) = verify(&app.db);
    assert!(!ok);
    assert!(
        text.contains(&format!("audit entry {} ", rows[8].id)) && text.contains("deleted"),
        "{text}"
    );

    let (app2, case2) = busy_app(backend).await;
    let mut conn2 = app2.conn();
    drop_triggers(&mut conn2);
    let last = case_rows(&mut conn2, case2).last().unwrap().id;
    diesel::delete(audit_events::table.find(last))
        .execute(&mut conn2)
        .unwrap();
    let (ok, text) = verify(&app2.db);
    assert!(
        !ok && text.contains("head records 21"),
        "deleting the newest entry is found too: {text}"
    );
}
both_backends!(verify_finds_deleted_entries);

async fn verify_finds_inserted_and_reordered_entries(backend: Backend) {
    let (app, case) = busy_app(backend).await;
    let mut conn = app.conn();
    drop_triggers(&mut conn);
    let rows = case_rows(&mut conn, case);
    let last = rows.last().unwrap().clone();
    // A forged entry that links correctly to the last one, added behind Rujukan's back.
    let forged = rujukan::audit::chain::Fields {
        seq: last.seq + 1,
        prev_hash: &last.hash,
        details: "{\"given\":true}",
        ..last.fields()
    };
    let hash = rujukan::audit::chain::hash(&forged);
    diesel::insert_into(audit_events::table)
        .values((
            audit_events::occurred_at.eq(last.occurred_at),
            audit_events::stream.eq(&last.stream),
            audit_events::action.eq("consent.recorded"),
            audit_events::details.eq(forged.details),
            audit_events::seq.eq(forged.seq),
            audit_events::prev_hash.eq(&last.hash),
            audit_events::hash.eq(&hash),
            audit_events::actor_user_id.eq(last.actor_user_id),
            audit_events::actor_username.eq(&last.actor_username),
            audit_events::actor_agency_id.eq(last.actor_agency_id),
            audit_events::actor_roles.eq(&last.actor_roles),
            audit_events::subject_type.eq(&last.subject_type),
            audit_events::subject_id.eq(&last.subject_id),
            audit_events::case_id.eq(last.case_id),
            audit_events::request_id.eq(&last.request_id),
            audit_events::client_ip.eq(&last.client_ip),
        ))
        .execute(&mut conn)
        .unwrap();
    let (ok, text) = verify(&app.db);
    assert!(
        !ok && text.contains("head records 21"),
        "an appended forgery is found: {text}"
    );

    let (app2, case2) = busy_app(backend).await;
    let mut conn2 = app2.conn();
    drop_triggers(&mut conn2);
    let rows = case_rows(&mut conn2, case2);
    let (a, b) = (rows[3].clone(), rows[4].clone());
    // Swap the two entries' contents (a temporary position keeps the (stream, seq) key unique).
    diesel::update(audit_events::table.find(a.id))
        .set(audit_events::seq.eq(-1_i64))
        .execute(&mut conn2)
        .unwrap();
    for (target, source) in [(b.id, &a), (a.id, &b)] {
        diesel::update(audit_events::table.find(target))
            .set((
                audit_events::seq.eq(source.seq),
                audit_events::prev_hash.eq(&source.prev_hash),
                audit_events::hash.eq(&source.hash),
                audit_events::details.eq(&source.details),
                audit_events::occurred_at.eq(source.occurred_at),
                audit_events::request_id.eq(&source.request_id),
            ))
            .execute(&mut conn2)
            .unwrap();
    }
    let (ok, text) = verify(&app2.db);
    assert!(!ok, "{text}");
    assert!(
        text.contains(&format!("audit entry {} ", a.id)) && text.contains("reordered"),
        "{text}"
    );
}
both_backends!(verify_finds_inserted_and_reordered_entries);

async fn signed_checkpoints_cover_the_trail_and_verify(backend: Backend) {
    let (app, case) = busy_app(backend).await;
    let first = checkpoint(&app.db).expect("a first checkpoint");
    let total: i64 = audit_events::table
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!((first.number, first.entries), (1, total));
    assert!(checkpoint(&app.db).is_none(), "nothing new, no checkpoint");
    consent(&app, case).await;
    let second = checkpoint(&app.db).expect("a second checkpoint");
    assert_eq!(second.number, 2);
    assert_eq!(second.prev_hash, first.hash);
    assert!(
        second
            .heads
            .iter()
            .any(|h| h.stream == format!("case:{case}") && h.seq == 22),
        "{:?}",
        second.heads
    );
    let (ok, text) = verify_with(&app.db, &[first.clone(), second.clone()]);
    assert!(ok && text.contains("2 signed checkpoints"), "{text}");

    // The database refuses to change checkpoints.
    let mut conn = app.conn();
    let refused = diesel::delete(audit_checkpoints::table).execute(&mut conn);
    assert!(refused.is_err_and(|e| e.to_string().contains("append-only")));
}
both_backends!(signed_checkpoints_cover_the_trail_and_verify);

async fn a_checkpoint_catches_a_stream_rewritten_with_its_head(backend: Backend) {
    let (app, case) = busy_app(backend).await;
    checkpoint(&app.db).unwrap();
    let mut conn = app.conn();
    drop_triggers(&mut conn);
    // Someone with database access rewrites the newest entry of the case, recomputes its hash and
    // moves the stream head along: every chain still links.
    let last = case_rows(&mut conn, case).last().unwrap().clone();
    let rewritten = rujukan::audit::chain::Fields {
        details: "{\"given\":false}",
        ..last.fields()
    };
    let hash = rujukan::audit::chain::hash(&rewritten);
    diesel::update(audit_events::table.find(last.id))
        .set((
            audit_events::details.eq(rewritten.details),
            audit_events::hash.eq(&hash),
        ))
        .execute(&mut conn)
        .unwrap();
    diesel::update(audit_stream_heads::table.find(&last.stream))
        .set(audit_stream_heads::hash.eq(&hash))
        .execute(&mut conn)
        .unwrap();
    let (ok, text) = verify(&app.db);
    assert!(!ok, "{text}");
    assert!(
        text.contains("checkpoint 1: records stream") && text.contains("rewritten"),
        "{text}"
    );
}
both_backends!(a_checkpoint_catches_a_stream_rewritten_with_its_head);

async fn verify_finds_forged_replaced_and_deleted_checkpoints(backend: Backend) {
    let (app, case) = busy_app(backend).await;
    let first = checkpoint(&app.db).unwrap();
    consent(&app, case).await;
    let second = checkpoint(&app.db).unwrap();
    let mut conn = app.conn();
    drop_checkpoint_triggers(&mut conn);

    // Changing what a checkpoint says breaks its hash.
    diesel::update(audit_checkpoints::table.find(2_i64))
        .set(audit_checkpoints::entries.eq(second.entries - 1))
        .execute(&mut conn)
        .unwrap();
    let (ok, text) = verify(&app.db);
    assert!(
        !ok && text.contains("checkpoint 2: ") && text.contains("modified"),
        "{text}"
    );

    // A checkpoint re-signed with a key of the forger's own is not trusted.
    let forger = ed25519_dalek::SigningKey::from_bytes(&[9; 32]);
    let mut statement = second.statement().unwrap();
    statement.entries -= 1;
    let forged = statement.sign(&forger);
    diesel::update(audit_checkpoints::table.find(2_i64))
        .set((
            audit_checkpoints::entries.eq(forged.entries),
            audit_checkpoints::hash.eq(&forged.hash),
            audit_checkpoints::public_key.eq(&forged.public_key),
            audit_checkpoints::signature.eq(&forged.signature),
        ))
        .execute(&mut conn)
        .unwrap();
    let (ok, text) = verify(&app.db);
    assert!(
        !ok && text.contains("checkpoint 2: ") && text.contains("not a trusted"),
        "{text}"
    );

    // Deleting the newest checkpoint is invisible inside the database, but not to the auditor's
    // copy.
    diesel::delete(audit_checkpoints::table.find(2_i64))
        .execute(&mut conn)
        .unwrap();
    let (ok, text) = verify(&app.db);
    assert!(ok, "{text}");
    let (ok, text) = verify_with(&app.db, &[first.clone(), second.clone()]);
    assert!(
        !ok && text.contains("checkpoint 2: ") && text.contains("missing from the database"),
        "{text}"
    );

    // A checkpoint signed with the right key but not the one the auditor kept.
    let key = secrets(&app.db).audit_signing_key;
    let mut replacement: Statement = second.statement().unwrap();
    replacement.created_at += chrono::Duration::seconds(1);
    let replacement = replacement.sign(&key);
    insert_checkpoint(&mut conn, &replacement);
    let (ok, text) = verify(&app.db);
    assert!(ok, "{text}");
    let (ok, text) = verify_with(&app.db, &[first.clone(), second]);
    assert!(
        !ok && text.contains("checkpoint 2: ") && text.contains("replaced"),
        "{text}"
    );

    // Deleting a checkpoint in the middle leaves a gap in their numbers.
    diesel::delete(audit_checkpoints::table.find(1_i64))
        .execute(&mut conn)
        .unwrap();
    let (ok, text) = verify(&app.db);
    assert!(
        !ok && text.contains("checkpoint 2: comes after checkpoint 0"),
        "{text}"
    );
}
both_backends!(verify_finds_forged_replaced_and_deleted_checkpoints);

fn insert_checkpoint(conn: &mut DbConnection, cp: &Checkpoint) {
    diesel::insert_into(audit_checkpoints::table)
        .values((
            audit_checkpoints::number.eq(cp.number),
            audit_checkpoints::created_at
                .eq(rujukan::audit::checkpoint::parse_time(&cp.created_at).unwrap()),
            audit_checkpoints::up_to_id.eq(cp.up_to_id),
            audit_checkpoints::entries.eq(cp.entries),
            audit_checkpoints::prev_hash.eq(&cp.prev_hash),
            audit_checkpoints::heads.eq(serde_json::to_string(&cp.heads).unwrap()),
            audit_checkpoints::hash.eq(&cp.hash),
            audit_checkpoints::public_key.eq(&cp.public_key),
            audit_checkpoints::signature.eq(&cp.signature),
        ))
        .execute(conn)
        .unwrap();
}

async fn the_server_signs_checkpoints_by_itself(backend: Backend) {
    let db = TestDb::new(backend);
    let mut settings = db.settings();
    settings.audit.checkpoint_interval_secs = std::num::NonZeroU64::new(1).unwrap();
    let app = TestApp::spawn_with(db, settings).await;
    app.agency("UPTD-PPA-JATENG", "service_unit", "33");
    app.user("siti", "UPTD-PPA-JATENG", &["caseworker"]);
    app.intake("siti", json!({"survivor": {"full_name": "Wulan"}}))
        .await;
    let total: i64 = audit_events::table
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    let mut taken = Vec::new();
    for _ in 0..100 {
        taken = rujukan::db::checkpoints::all(&mut app.conn()).unwrap();
        if taken.last().is_some_and(|cp| cp.entries == total) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(
        taken.last().is_some_and(|cp| cp.entries == total),
        "a checkpoint of the whole trail within seconds: {taken:?}"
    );
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert_eq!(
        rujukan::db::checkpoints::all(&mut app.conn())
            .unwrap()
            .len(),
        taken.len(),
        "nothing changed, no new checkpoint"
    );
    let (ok, text) = verify(&app.db);
    assert!(
        ok && text.contains(&format!("{} signed checkpoints", taken.len())),
        "{text}"
    );
}
both_backends!(the_server_signs_checkpoints_by_itself);
