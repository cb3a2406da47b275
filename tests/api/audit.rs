//! The tamper-evident audit trail on both backends: chains stay intact under concurrent appends,
//! the database refuses updates and deletes, and `rujukan audit verify` finds a modified, deleted,
//! inserted or reordered entry once the triggers are dropped.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use rujukan::db::DbConnection;
use rujukan::db::schema::audit_events;
use serde_json::json;

use crate::both_backends;
use crate::helpers::*;

/// What `rujukan audit verify` computes, run in-process: (intact?, report).
fn verify(db: &TestDb) -> (bool, String) {
    match rujukan::audit::verify(&mut db.connect()).unwrap() {
        Ok((entries, streams)) => (
            true,
            format!("audit trail intact: {entries} entries in {streams} streams"),
        ),
        Err(broken) => (false, broken.to_string()),
    }
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

both_backends! {
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
}

both_backends! {
    async fn the_database_refuses_to_change_audit_rows(backend: Backend) {
        let (app, case) = busy_app(backend).await;
        let mut conn = app.conn();
        let first = case_rows(&mut conn, case)[0].id;
        let update = diesel::update(audit_events::table.find(first)).set(audit_events::details.eq("{}")).execute(&mut conn);
        assert!(update.is_err_and(|e| e.to_string().contains("append-only")));
        let delete = diesel::delete(audit_events::table.find(first)).execute(&mut conn);
        assert!(delete.is_err_and(|e| e.to_string().contains("append-only")));
        assert!(verify(&app.db).0);
    }
}

both_backends! {
    async fn verify_finds_a_modified_entry(backend: Backend) {
        let (app, case) = busy_app(backend).await;
        let mut conn = app.conn();
        drop_triggers(&mut conn);
        let target = case_rows(&mut conn, case)[5].id;
        diesel::update(audit_events::table.find(target)).set(audit_events::details.eq("{\"given\":true}")).execute(&mut conn).unwrap();
        let (ok, text) = verify(&app.db);
        assert!(!ok);
        assert!(text.contains(&format!("audit entry {target} ")) && text.contains("modified"), "{text}");
    }
}

both_backends! {
    async fn verify_finds_deleted_entries(backend: Backend) {
        let (app, case) = busy_app(backend).await;
        let mut conn = app.conn();
        drop_triggers(&mut conn);
        let rows = case_rows(&mut conn, case);
        diesel::delete(audit_events::table.find(rows[7].id)).execute(&mut conn).unwrap();
        let (ok, text) = verify(&app.db);
        assert!(!ok);
        assert!(text.contains(&format!("audit entry {} ", rows[8].id)) && text.contains("deleted"), "{text}");

        let (app2, case2) = busy_app(backend).await;
        let mut conn2 = app2.conn();
        drop_triggers(&mut conn2);
        let last = case_rows(&mut conn2, case2).last().unwrap().id;
        diesel::delete(audit_events::table.find(last)).execute(&mut conn2).unwrap();
        let (ok, text) = verify(&app2.db);
        assert!(!ok && text.contains("head records 21"), "deleting the newest entry is found too: {text}");
    }
}

both_backends! {
    async fn verify_finds_inserted_and_reordered_entries(backend: Backend) {
        let (app, case) = busy_app(backend).await;
        let mut conn = app.conn();
        drop_triggers(&mut conn);
        let rows = case_rows(&mut conn, case);
        let last = rows.last().unwrap().clone();
        // A forged entry that links correctly to the last one, added behind Rujukan's back.
        let forged = rujukan::audit_chain::Fields { seq: last.seq + 1, prev_hash: &last.hash, details: "{\"given\":true}", ..last.fields() };
        let hash = rujukan::audit_chain::hash(&forged);
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
        assert!(!ok && text.contains("head records 21"), "an appended forgery is found: {text}");

        let (app2, case2) = busy_app(backend).await;
        let mut conn2 = app2.conn();
        drop_triggers(&mut conn2);
        let rows = case_rows(&mut conn2, case2);
        let (a, b) = (rows[3].clone(), rows[4].clone());
        // Swap the two entries' contents (a temporary position keeps the (stream, seq) key unique).
        diesel::update(audit_events::table.find(a.id)).set(audit_events::seq.eq(-1_i64)).execute(&mut conn2).unwrap();
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
        assert!(text.contains(&format!("audit entry {} ", a.id)) && text.contains("reordered"), "{text}");
    }
}
