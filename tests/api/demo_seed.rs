//! The bulk demo seed (`rujukan demo seed`, issue 18) on both backends: it writes the rows the
//! services write (the same seed through the services gives the same tables, counts and
//! statistics), its audit chains verify, and the application works on what it wrote: lists,
//! a case read and its identity revealed, a new handoff sent and accepted on a seeded case.

use std::collections::BTreeMap;
use std::path::PathBuf;

use diesel::prelude::*;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::*;
use rujukan::config::Settings;
use rujukan::crypto::Vault;
use rujukan::db::DbConnection;
use rujukan::db::schema::{audit_events, cases, handoffs};

/// What a seed needs besides the connection: the vault, the agreements and deadline rules.
struct Kit {
    vault: Vault,
    set: rujukan::services::handoffs::AgreementSet,
    rules: rujukan::deadlines::DeadlineRules,
    trusted: Vec<ed25519_dalek::VerifyingKey>,
}

fn kit(settings: &Settings, conn: &mut DbConnection) -> Kit {
    let secrets = rujukan::config::Secrets::resolve(settings).unwrap();
    let repo = repo_dir();
    let at = |p: &PathBuf| repo.join(p);
    let set = rujukan::services::handoffs::load(
        conn,
        &at(&settings.agreements.dir),
        &at(&settings.agreements.known_agencies_file),
        chrono::Utc::now().naive_utc(),
    )
    .unwrap();
    Kit {
        vault: Vault::with_retired(&secrets.data_key, &secrets.retired_data_keys),
        set,
        rules: rujukan::deadlines::load_checked(
            &at(&settings.deadlines.dir),
            &at(&settings.deadlines.holidays_dir),
        )
        .unwrap(),
        trusted: secrets.audit_trusted_keys,
    }
}

/// The demo agencies and users; their passwords by username.
fn people(settings: &Settings, conn: &mut DbConnection) -> BTreeMap<String, String> {
    let hasher = rujukan::auth::password::PasswordHasher::new(&settings.auth).unwrap();
    let file = repo_dir().join(&settings.agreements.known_agencies_file);
    rujukan::demo::seed_people(conn, &hasher, &file)
        .unwrap()
        .into_iter()
        .collect()
}

/// Row counts of every table a seed writes, the audit entries by action and the handoffs by
/// status: what must agree between the services' seed and the bulk seed.
fn shape(conn: &mut DbConnection) -> BTreeMap<String, i64> {
    let mut out = BTreeMap::new();
    for table in [
        "cases",
        "case_tracks",
        "case_assignments",
        "case_incidents",
        "case_name_tokens",
        "case_phone_indexes",
        "case_stage_changes",
        "case_trafficking",
        "case_perpetrators",
        "consents",
        "handoffs",
        "handoff_letters",
        "audit_events",
        "audit_stream_heads",
        "case_number_counters",
    ] {
        #[derive(QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let n: N = diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}"))
            .get_result(conn)
            .unwrap();
        out.insert(table.to_owned(), n.n);
    }
    let actions: Vec<(String, i64)> = audit_events::table
        .group_by(audit_events::action)
        .select((audit_events::action, diesel::dsl::count_star()))
        .load(conn)
        .unwrap();
    let statuses: Vec<(String, i64)> = handoffs::table
        .group_by(handoffs::status)
        .select((handoffs::status, diesel::dsl::count_star()))
        .load(conn)
        .unwrap();
    for (key, n) in actions.into_iter().chain(statuses) {
        out.insert(key, n);
    }
    out
}

fn verify(conn: &mut DbConnection, kit: &Kit) -> rujukan::audit::chain::Summary {
    rujukan::audit::verify(conn, &kit.trusted, &[])
        .unwrap()
        .unwrap_or_else(|broken| panic!("audit verify: {broken}"))
}

async fn the_bulk_seed_writes_what_the_services_write(backend: Backend) {
    let (by_services, bulk) = (TestDb::new(backend), TestDb::new(backend));
    let mut shapes = Vec::new();
    let mut stats = Vec::new();
    for (db, fast) in [(&by_services, false), (&bulk, true)] {
        let settings = db.settings();
        let mut conn = db.migrated();
        std::fs::create_dir_all(&settings.storage.data_dir).unwrap();
        let kit = kit(&settings, &mut conn);
        people(&settings, &mut conn);
        if fast {
            let seeded = rujukan::demo::bulk::seed_cases_bulk(
                &mut conn, &kit.vault, &kit.set, &kit.rules, 150, 11,
            )
            .unwrap();
            assert_eq!(seeded.cases, 150);
        } else {
            rujukan::demo::seed_cases(&mut conn, &kit.vault, &kit.set, 150, 11).unwrap();
        }
        verify(&mut conn, &kit);
        shapes.push(shape(&mut conn));
        stats.push(rujukan::db::stats::all(&mut conn).unwrap());
    }
    assert_eq!(
        shapes[0], shapes[1],
        "the same seed through the services and in bulk"
    );
    assert!(shapes[1]["handoff.completed"] > 0 && shapes[1]["delivered"] > 0);
    assert_eq!(
        stats[0], stats[1],
        "the statistics kept by the services are those the bulk seed rebuilt"
    );
}
both_backends!(the_bulk_seed_writes_what_the_services_write);

/// Walks a list through its cursors; answers how many items it held.
async fn count_all(app: &TestApp, token: &str, path: &str) -> usize {
    let mut total = 0;
    let mut cursor: Option<String> = None;
    loop {
        let url = match &cursor {
            Some(c) => format!("{path}&cursor={c}"),
            None => path.to_owned(),
        };
        let response = app.get_as(&url, token).await;
        assert_eq!(response.status(), 200, "{url}");
        let body: Value = response.json().await.unwrap();
        total += body["items"].as_array().unwrap().len();
        match body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return total,
        }
    }
}

async fn the_application_works_on_two_thousand_seeded_cases(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let settings = app.db.settings();
    let mut conn = app.conn();
    let kit = kit(&settings, &mut conn);
    let passwords = people(&settings, &mut conn);
    let seeded =
        rujukan::demo::bulk::seed_cases_bulk(&mut conn, &kit.vault, &kit.set, &kit.rules, 2000, 3)
            .unwrap();
    assert_eq!(seeded.cases, 2000);
    let summary = verify(&mut conn, &kit);
    assert!(summary.streams > 2000, "{summary:?}");
    let kept = rujukan::db::stats::all(&mut conn).unwrap();
    let recount = rujukan::services::stats_upkeep::recount(&mut conn, &kit.rules).unwrap();
    let recounted: Vec<rujukan::db::stats::Row> = recount
        .into_iter()
        .filter(|(_, n)| *n != 0)
        .map(|(f, n)| {
            let (i, d) = (f.indicator.to_owned(), f.dim.to_owned());
            (i, d, f.month, f.province, f.agency_id, f.value, n)
        })
        .collect();
    let mut sorted = recounted.clone();
    sorted.sort();
    assert!(!kept.is_empty());
    assert_eq!(kept, sorted, "the recount agrees with the kept counts");

    let mut tokens = Vec::new();
    for user in ["demo.caseworker", "demo.investigator"] {
        let pair = app.login(user, &passwords[user]).await;
        tokens.push(pair["access_token"].as_str().unwrap().to_owned());
    }
    let (cw, police) = (tokens[0].clone(), tokens[1].clone());
    let police_id = rujukan::db::agencies::by_code(&mut conn, "POLDA-JATENG")
        .unwrap()
        .unwrap()
        .id;
    let uptd = rujukan::db::agencies::by_code(&mut conn, "UPTD-PPA-JATENG")
        .unwrap()
        .unwrap()
        .id;
    let to_police: i64 = handoffs::table
        .filter(handoffs::to_agency_id.eq(police_id))
        .count()
        .get_result(&mut conn)
        .unwrap();
    let inbox = count_all(&app, &police, "/api/v1/handoffs?box=incoming&limit=100").await;
    assert_eq!(inbox as i64, to_police, "the investigator's inbox");
    let owned: i64 = cases::table
        .filter(cases::owner_agency_id.eq(uptd))
        .count()
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(
        count_all(&app, &cw, "/api/v1/cases?limit=100").await as i64,
        owned,
        "the caseworker's case list"
    );
    let police_cases = count_all(&app, &police, "/api/v1/cases?limit=100").await;
    assert!(police_cases > 0 && police_cases as i64 <= to_police);

    // A case whose report the police declined: read, revealed, reported again and accepted.
    let (case_id, number, key_id, sealed): (i64, String, String, String) = handoffs::table
        .inner_join(cases::table)
        .filter(handoffs::status.eq("declined"))
        .select((
            cases::id,
            cases::case_number,
            cases::identity_key_id,
            cases::identity_ciphertext,
        ))
        .first(&mut conn)
        .unwrap();
    let read = app.get_as(&format!("/api/v1/cases/{case_id}"), &cw).await;
    assert_eq!(read.status(), 200);
    let body: Value = read.json().await.unwrap();
    assert_eq!(body["case_number"], number.as_str());
    let identity: Value =
        serde_json::from_slice(&kit.vault.open(&key_id, &sealed).unwrap()).unwrap();
    let revealed = app
        .post_json(
            &format!("/api/v1/cases/{case_id}/reveal-identity"),
            Some(&cw),
            json!({"purpose": "schedule the interview"}),
        )
        .await;
    assert_eq!(revealed.status(), 200);
    let revealed = revealed.text().await.unwrap();
    let name = identity["full_name"].as_str().unwrap();
    assert!(revealed.contains(name), "{name} in {revealed}");

    let sent = app
        .post_json(
            &format!("/api/v1/cases/{case_id}/handoffs"),
            Some(&cw),
            json!({"handoff": "report-to-police", "to_agency": "POLDA-JATENG"}),
        )
        .await;
    let status = sent.status();
    let sent: Value = sent.json().await.unwrap();
    assert_eq!(status, 201, "{sent}");
    let id = sent["id"].as_i64().unwrap();
    let accepted = app
        .post_json(
            &format!("/api/v1/handoffs/{id}/accept"),
            Some(&police),
            json!({}),
        )
        .await;
    assert_eq!(accepted.status(), 200);
    let after = verify(&mut conn, &kit);
    assert!(after.entries > summary.entries, "the services chain on");
}
both_backends!(the_application_works_on_two_thousand_seeded_cases);
