//! Access control over HTTP: the role table on the endpoints that exist, agency scoping of user
//! administration, and need-to-know on cases (404 for another agency's case), on both backends.

use serde_json::{Value, json};

use crate::helpers::*;
use crate::{assert_problem_snapshot, both_backends};

const ROLES: [&str; 8] = [
    "caseworker",
    "supervisor",
    "investigator",
    "prosecutor",
    "court_clerk",
    "agency_admin",
    "auditor",
    "sysadmin",
];

/// Agencies of Central Java where each role fits (the UPTD PPA is designated to audit; the
/// police, prosecutor and court hold their own roles), a user of each role in the agency where
/// it fits, a case owned by each of those agencies, and a police agency of NTB with its own case.
struct World {
    app: TestApp,
    case_a: i64,
    case_b: i64,
    /// The case each home agency owns.
    own_cases: std::collections::HashMap<&'static str, i64>,
}

/// The agency where a user of `role` works in these tests.
fn home(role: &str) -> &'static str {
    match role {
        "investigator" => "POLDA-JATENG",
        "prosecutor" => "KEJATI-JATENG",
        "court_clerk" => "PN-SEMARANG",
        _ => "UPTD-PPA-JATENG",
    }
}

async fn world(backend: Backend) -> World {
    let app = TestApp::spawn(backend).await;
    app.agency("UPTD-PPA-JATENG", "service_unit", "33");
    app.designate_audits("UPTD-PPA-JATENG");
    app.agency("POLDA-JATENG", "police", "33");
    app.agency("KEJATI-JATENG", "prosecutor", "33");
    app.agency("PN-SEMARANG", "court", "33");
    app.agency("POLDA-NTB", "police", "52");
    for role in ROLES {
        app.user(&format!("a.{role}"), home(role), &[role]);
    }
    app.user("b.caseworker", "POLDA-NTB", &["caseworker"]);
    let mut own_cases = std::collections::HashMap::new();
    for agency in [
        "UPTD-PPA-JATENG",
        "POLDA-JATENG",
        "KEJATI-JATENG",
        "PN-SEMARANG",
    ] {
        let owner = format!("owner.{}", agency.to_lowercase());
        app.user(&owner, agency, &["caseworker"]);
        let case = app
            .intake(&owner, json!({"survivor": {"full_name": "Siti Rahmawati"}}))
            .await;
        own_cases.insert(agency, case);
    }
    let case_b = app
        .intake(
            "b.caseworker",
            json!({"survivor": {"full_name": "Wulan Sari"}}),
        )
        .await;
    World {
        case_a: own_cases["UPTD-PPA-JATENG"],
        app,
        case_b,
        own_cases,
    }
}

/// What each role gets from each endpoint in its home agency: the HTTP status, in ROLES order.
fn expected(endpoint: &str) -> [u16; 8] {
    match endpoint {
        //                               cw   sup  inv  pro  clerk aadm aud  sys
        "GET agencies" => [200, 200, 200, 200, 200, 200, 200, 200],
        "POST agencies" => [403, 403, 403, 403, 403, 403, 403, 201],
        "GET users" => [403, 403, 403, 403, 403, 200, 403, 200],
        "POST users (own agency)" => [403, 403, 403, 403, 403, 201, 403, 201],
        "POST users (other agency)" => [403, 403, 403, 403, 403, 404, 403, 201],
        "GET own case" => [200, 200, 200, 200, 200, 404, 404, 404],
        "GET other agency's case" => [404, 404, 404, 404, 404, 404, 404, 404],
        "GET no such case" => [404, 404, 404, 404, 404, 404, 404, 404],
        other => panic!("no row for {other}"),
    }
}

async fn call(w: &World, token: &str, endpoint: &str, n: usize) -> reqwest::Response {
    let app = &w.app;
    let own = home(ROLES[n]);
    let user = |agency: &str| {
        json!({
            "username": format!("new.{n}.{}", agency.to_lowercase()),
            "agency": agency,
            "roles": ["caseworker"],
            "password": PASSWORD,
        })
    };
    match endpoint {
        "GET agencies" => app.get_as("/api/v1/agencies", token).await,
        "POST agencies" => {
            app.post_json(
                "/api/v1/agencies",
                Some(token),
                json!({
                    "code": format!("NEW-{n}"),
                    "name": "Shelter",
                    "kind": "shelter",
                    "province": "33",
                }),
            )
            .await
        }
        "GET users" => app.get_as("/api/v1/users", token).await,
        "POST users (own agency)" => app.post_json("/api/v1/users", Some(token), user(own)).await,
        "POST users (other agency)" => {
            app.post_json("/api/v1/users", Some(token), user("POLDA-NTB"))
                .await
        }
        "GET own case" => {
            app.get_as(&format!("/api/v1/cases/{}", w.own_cases[own]), token)
                .await
        }
        "GET other agency's case" => {
            app.get_as(&format!("/api/v1/cases/{}", w.case_b), token)
                .await
        }
        "GET no such case" => app.get_as("/api/v1/cases/999999", token).await,
        other => panic!("unknown endpoint {other}"),
    }
}

async fn every_role_gets_what_the_matrix_says(backend: Backend) {
    let w = world(backend).await;
    let endpoints = [
        "GET agencies",
        "POST agencies",
        "GET users",
        "POST users (own agency)",
        "POST users (other agency)",
        "GET own case",
        "GET other agency's case",
        "GET no such case",
    ];
    let mut mismatches = Vec::new();
    for (i, role) in ROLES.iter().enumerate() {
        let token = w.app.token(&format!("a.{role}")).await;
        for endpoint in endpoints {
            let status = call(&w, &token, endpoint, i).await.status().as_u16();
            if status != expected(endpoint)[i] {
                mismatches.push(format!(
                    "{role} {endpoint}: got {status}, expected {}",
                    expected(endpoint)[i]
                ));
            }
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}
both_backends!(every_role_gets_what_the_matrix_says);

async fn another_agencys_case_is_indistinguishable_from_a_missing_one(backend: Backend) {
    let w = world(backend).await;
    let token = w.app.token("b.caseworker").await;
    let hidden = w
        .app
        .get_as(&format!("/api/v1/cases/{}", w.case_a), &token)
        .await;
    let missing = w.app.get_as("/api/v1/cases/424242", &token).await;
    assert_eq!(
        (hidden.status().as_u16(), missing.status().as_u16()),
        (404, 404)
    );
    let mut hidden = problem(hidden).await;
    let mut missing = problem(missing).await;
    hidden["request_id"] = Value::Null;
    missing["request_id"] = Value::Null;
    assert_eq!(hidden, missing);
    assert_problem_snapshot!("case_not_found", hidden);

    let own = w
        .app
        .get_as(&format!("/api/v1/cases/{}", w.case_b), &token)
        .await;
    assert_eq!(own.status(), 200);
    let own: Value = own.json().await.unwrap();
    assert!(own["case_number"].as_str().unwrap().starts_with("NB-"));
    assert_eq!(own["owner_agency"], "POLDA-NTB");

    let list: Value = w
        .app
        .get_as("/api/v1/cases", &token)
        .await
        .json()
        .await
        .unwrap();
    let ids: Vec<i64> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [w.case_b], "only the agency's own cases are listed");
}
both_backends!(another_agencys_case_is_indistinguishable_from_a_missing_one);

async fn agency_administrators_manage_only_their_own_agency(backend: Backend) {
    let w = world(backend).await;
    let app = &w.app;
    let admin = app.token("a.agency_admin").await;

    let listed: Value = app
        .get_as("/api/v1/users", &admin)
        .await
        .json()
        .await
        .unwrap();
    let agencies: Vec<&str> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["agency"].as_str().unwrap())
        .collect();
    assert!(
        !agencies.is_empty() && agencies.iter().all(|a| *a == "UPTD-PPA-JATENG"),
        "{agencies:?}"
    );
    assert_eq!(
        app.get_as("/api/v1/users?agency=POLDA-NTB", &admin)
            .await
            .status(),
        404
    );

    let users: Value = app
        .get_as(
            "/api/v1/users?agency=POLDA-NTB",
            &app.token("a.sysadmin").await,
        )
        .await
        .json()
        .await
        .unwrap();
    let other_id = users["items"][0]["id"].as_i64().unwrap();
    assert_eq!(
        app.get_as(&format!("/api/v1/users/{other_id}"), &admin)
            .await
            .status(),
        404
    );
    let patch = app
        .client
        .patch(format!("{}/api/v1/users/{other_id}", app.address))
        .bearer_auth(&admin)
        .json(&json!({"active": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(patch.status(), 404);

    let escalate = app
        .post_json(
            "/api/v1/users",
            Some(&admin),
            json!({
                "username": "mallory",
                "agency": "UPTD-PPA-JATENG",
                "roles": ["sysadmin"],
                "password": PASSWORD,
            }),
        )
        .await;
    assert_eq!(
        escalate.status(),
        403,
        "agency admins cannot make system administrators"
    );
    let me_id: i64 = app
        .get_as("/api/v1/me", &admin)
        .await
        .json::<Value>()
        .await
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let self_escalate = app
        .client
        .patch(format!("{}/api/v1/users/{me_id}", app.address))
        .bearer_auth(&admin)
        .json(&json!({"roles": ["agency_admin", "sysadmin"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(self_escalate.status(), 403);

    let created = app
        .post_json(
            "/api/v1/users",
            Some(&admin),
            json!({
                "username": "Dewi",
                "agency": "UPTD-PPA-JATENG",
                "roles": ["caseworker"],
                "password": PASSWORD,
                "language": "en",
            }),
        )
        .await;
    assert_eq!(created.status(), 201);
    let created: Value = created.json().await.unwrap();
    assert_eq!(created["username"], "dewi");
    assert_eq!(created["language"], "en");
    assert!(
        created.get("password_hash").is_none() && !created.to_string().contains("argon2"),
        "no hash in answers"
    );

    let duplicate = app
        .post_json(
            "/api/v1/users",
            Some(&admin),
            json!({
                "username": "dewi",
                "agency": "UPTD-PPA-JATENG",
                "roles": ["caseworker"],
                "password": PASSWORD,
            }),
        )
        .await;
    assert_eq!(duplicate.status(), 409);
    let invalid = app
        .post_json(
            "/api/v1/users",
            Some(&admin),
            json!({
                "username": "x",
                "agency": "UPTD-PPA-JATENG",
                "roles": ["chief"],
                "password": "short",
            }),
        )
        .await;
    assert_eq!(invalid.status(), 422);
    let invalid = problem(invalid).await;
    assert_problem_snapshot!("user_invalid", invalid);
    let fields: Vec<String> = invalid["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        fields,
        ["username", "roles"],
        "each invalid field is listed"
    );
    let weak = app
        .post_json(
            "/api/v1/users",
            Some(&admin),
            json!({
                "username": "wati",
                "agency": "UPTD-PPA-JATENG",
                "roles": ["caseworker"],
                "password": "wati12345678",
            }),
        )
        .await;
    assert_eq!(weak.status(), 422);
    assert_eq!(problem(weak).await["errors"][0]["field"], "password");

    let actions: Vec<String> = app.system_audit().into_iter().map(|e| e.action).collect();
    assert_eq!(
        actions.iter().filter(|a| *a == "user.created").count(),
        14,
        "only the created users are on the record"
    );
}
both_backends!(agency_administrators_manage_only_their_own_agency);

async fn agencies_are_listed_with_pages_and_created_by_system_administrators(backend: Backend) {
    let w = world(backend).await;
    let app = &w.app;
    assert_eq!(app.get("/api/v1/agencies").await.status(), 401);
    let sysadmin = app.token("a.sysadmin").await;
    let bad = app
        .post_json(
            "/api/v1/agencies",
            Some(&sysadmin),
            json!({"code": "lbh semarang", "name": "", "kind": "lawyers", "province": "33"}),
        )
        .await;
    assert_eq!(bad.status(), 422);
    let fields: Vec<String> = problem(bad).await["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(fields, ["code", "name", "kind"]);
    let orphan = app
        .post_json(
            "/api/v1/agencies",
            Some(&sysadmin),
            json!({
                "code": "PN-MATARAM",
                "name": "PN Mataram",
                "kind": "court",
                "province": "52",
                "parent": "PT-NTB",
            }),
        )
        .await;
    assert_eq!(orphan.status(), 422, "unknown parent");
    let created = app
        .post_json(
            "/api/v1/agencies",
            Some(&sysadmin),
            json!({
                "code": "PN-MATARAM",
                "name": "PN Mataram",
                "kind": "court",
                "province": "52",
                "level": "regency",
                "region": "5271",
                "parent": "POLDA-NTB",
            }),
        )
        .await;
    assert_eq!(created.status(), 201);
    let duplicate = app
        .post_json(
            "/api/v1/agencies",
            Some(&sysadmin),
            json!({"code": "PN-MATARAM", "name": "PN Mataram", "kind": "court", "province": "52"}),
        )
        .await;
    assert_eq!(duplicate.status(), 409);

    let page1: Value = app
        .get_as("/api/v1/agencies?limit=4", &sysadmin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page1["items"].as_array().unwrap().len(), 4);
    let cursor = page1["next_cursor"].as_str().unwrap().to_owned();
    let page2: Value = app
        .get_as(
            &format!("/api/v1/agencies?limit=4&cursor={cursor}"),
            &sysadmin,
        )
        .await
        .json()
        .await
        .unwrap();
    let codes: Vec<&str> = page1["items"]
        .as_array()
        .unwrap()
        .iter()
        .chain(page2["items"].as_array().unwrap())
        .map(|a| a["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        [
            "KEJATI-JATENG",
            "PN-MATARAM",
            "PN-SEMARANG",
            "POLDA-JATENG",
            "POLDA-NTB",
            "UPTD-PPA-JATENG"
        ]
    );
    assert!(page2["next_cursor"].is_null());
    let court = &page1["items"][1];
    assert_eq!(court["parent"], "POLDA-NTB");
    assert_eq!(court["province"], "52");
    assert_eq!(court["kind"], "court");
    assert_eq!(
        app.get_as("/api/v1/agencies?limit=x", &sysadmin)
            .await
            .status(),
        400
    );
}
both_backends!(agencies_are_listed_with_pages_and_created_by_system_administrators);

async fn the_seed_file_loads_every_agency(backend: Backend) {
    let db = TestDb::new(backend);
    let mut conn = db.migrated();
    let entries =
        rujukan::seed::read_agencies(&repo_dir().join("config/seed/agencies.toml")).unwrap();
    let total = entries.len();
    assert!(total >= 40, "{total}");
    let added = rujukan::seed::import_agencies(&mut conn, &operator(), entries.clone()).unwrap();
    assert_eq!(added, total);
    assert_eq!(
        rujukan::seed::import_agencies(&mut conn, &operator(), entries).unwrap(),
        0,
        "importing twice adds nothing"
    );
    for code in [
        "UPTD-PPA-JATENG",
        "POLDA-JATENG",
        "BP3MI-JATENG",
        "KEJATI-JATENG",
        "PN-SEMARANG",
        "POLDA-NTB",
        "LPSK",
    ] {
        assert!(
            rujukan::db::agencies::by_code(&mut conn, code)
                .unwrap()
                .is_some(),
            "{code}"
        );
    }
}
both_backends!(the_seed_file_loads_every_agency);
