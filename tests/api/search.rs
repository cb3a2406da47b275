//! Finding a survivor through blind indexes on both backends: by one word of her name, NIK,
//! passport or phone, only among the cases the caller's agency may see, with nothing stored in the
//! clear, each search audited by its kind of key and never its value, and indexes rebuilt by
//! `keys reindex` for cases whose indexes are missing.

use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::*;

async fn setup(backend: Backend) -> TestApp {
    let app = TestApp::spawn(backend).await;
    app.agency("UPTD-PPA-JATENG", "service_unit", "33");
    app.agency("POLDA-NTB", "police", "52");
    app.user("siti.cw", "UPTD-PPA-JATENG", &["caseworker"]);
    app.user("inv.ntb", "POLDA-NTB", &["investigator", "caseworker"]);
    app
}

fn survivor(name: &str, nik: &str, passport: &str, phone: &str) -> Value {
    json!({"survivor": {
        "full_name": name, "nik": nik, "passport_number": passport, "phone": phone
    }})
}

/// The case numbers a search answers, or its status when it is not 200.
async fn found(app: &TestApp, token: &str, query: &str) -> Result<Vec<String>, u16> {
    let response = app.get_as(&format!("/api/v1/cases?{query}"), token).await;
    let status = response.status().as_u16();
    if status != 200 {
        return Err(status);
    }
    let body: Value = response.json().await.unwrap();
    let items = body["items"].as_array().unwrap();
    for item in items {
        let text = item.to_string().to_lowercase();
        assert!(!text.contains("rahmawati") && !text.contains("full_name"));
    }
    Ok(items
        .iter()
        .map(|i| i["case_number"].as_str().unwrap().to_owned())
        .collect())
}

async fn number_of(app: &TestApp, token: &str, body: Value) -> String {
    let created: Value = app
        .post_json("/api/v1/cases", Some(token), body)
        .await
        .json()
        .await
        .unwrap();
    created["case_number"].as_str().unwrap().to_owned()
}

async fn each_key_finds_exactly_the_visible_cases(backend: Backend) {
    let app = setup(backend).await;
    let token = app.token("siti.cw").await;
    let other = app.token("inv.ntb").await;
    let siti = number_of(
        &app,
        &token,
        survivor(
            "Siti Rahmawati Kusumaningrum",
            "3374015703940001",
            "C1234567",
            "+62 812-3456-7890",
        ),
    )
    .await;
    let dewi = number_of(
        &app,
        &token,
        survivor(
            "Dewi Rahmawati",
            "3374015703940002",
            "C7654321",
            "0813 1111 2222",
        ),
    )
    .await;
    // The same survivor taken in by another agency: never found by this one.
    let theirs = number_of(
        &app,
        &other,
        survivor(
            "Siti Rahmawati",
            "3374015703940001",
            "C1234567",
            "081234567890",
        ),
    )
    .await;

    assert_eq!(
        found(&app, &token, "name=rahmawati").await,
        Ok(vec![dewi.clone(), siti.clone()])
    );
    assert_eq!(
        found(&app, &token, "name=KUSUMANINGRUM").await,
        Ok(vec![siti.clone()])
    );
    assert_eq!(
        found(&app, &token, "name=Siti").await,
        Ok(vec![siti.clone()])
    );
    assert_eq!(
        found(&app, &token, "name=Rahma").await,
        Ok(vec![]),
        "whole words only"
    );
    assert_eq!(
        found(&app, &token, "nik=3374%200157%200394%200001").await,
        Ok(vec![siti.clone()])
    );
    assert_eq!(
        found(&app, &token, "passport=c7654321").await,
        Ok(vec![dewi.clone()])
    );
    assert_eq!(
        found(&app, &token, "phone=6281234567890").await,
        Ok(vec![siti.clone()])
    );
    assert_eq!(
        found(&app, &token, "phone=%2B62%20813-1111-2222").await,
        Ok(vec![dewi.clone()])
    );
    // Another filter still applies to the matches.
    assert_eq!(
        found(&app, &token, "name=rahmawati&status=closed").await,
        Ok(vec![])
    );
    // The other agency finds only its own case.
    assert_eq!(
        found(&app, &other, "name=rahmawati").await,
        Ok(vec![theirs.clone()])
    );
    assert_eq!(
        found(&app, &other, "nik=3374015703940001").await,
        Ok(vec![theirs])
    );

    // A name word under 3 letters, a bad NIK and two keys at once are refused.
    assert_eq!(found(&app, &token, "name=si").await, Err(422));
    assert_eq!(found(&app, &token, "name=Siti%20Rahmawati").await, Err(422));
    assert_eq!(found(&app, &token, "nik=12").await, Err(422));
    assert_eq!(
        found(&app, &token, "name=siti&nik=3374015703940001").await,
        Err(422)
    );
    let problem = problem(app.get_as("/api/v1/cases?name=ab", &token).await).await;
    assert_eq!(problem["errors"][0]["field"], "name", "{problem}");
}
both_backends!(each_key_finds_exactly_the_visible_cases);

async fn searches_are_audited_by_kind_never_by_value(backend: Backend) {
    let app = setup(backend).await;
    let token = app.token("siti.cw").await;
    number_of(
        &app,
        &token,
        survivor(
            "Siti Rahmawati",
            "3374015703940001",
            "C1234567",
            "081234567890",
        ),
    )
    .await;
    for query in [
        "name=rahmawati",
        "nik=3374015703940001",
        "passport=C1234567",
        "phone=081234567890",
        "name=nobody",
    ] {
        assert!(found(&app, &token, query).await.is_ok());
    }
    assert_eq!(found(&app, &token, "name=xy").await, Err(422));
    let searched: Vec<Value> = app
        .system_audit()
        .into_iter()
        .filter(|e| e.action == "case.searched")
        .map(|e| {
            assert_eq!(e.actor_username.as_deref(), Some("siti.cw"));
            serde_json::from_str(&e.details).unwrap()
        })
        .collect();
    assert_eq!(
        searched,
        [
            json!({"key": "name", "found": 1}),
            json!({"key": "nik", "found": 1}),
            json!({"key": "passport", "found": 1}),
            json!({"key": "phone", "found": 1}),
            json!({"key": "name", "found": 0}),
        ]
    );
    let all = serde_json::to_string(
        &app.system_audit()
            .iter()
            .map(|e| e.details.clone())
            .collect::<Vec<_>>(),
    )
    .unwrap()
    .to_lowercase();
    for secret in [
        "rahmawati",
        "3374015703940001",
        "c1234567",
        "081234567890",
        "nobody",
    ] {
        assert!(!all.contains(secret), "{secret} in the audit");
    }
}
both_backends!(searches_are_audited_by_kind_never_by_value);

/// The raw text of the index tables.
fn index_tables(app: &TestApp) -> Vec<String> {
    use diesel::prelude::*;
    use rujukan::db::schema::{case_name_tokens, case_phone_indexes};
    let mut conn = app.conn();
    let mut out: Vec<String> = case_name_tokens::table
        .select(case_name_tokens::token_index)
        .load(&mut conn)
        .unwrap();
    out.extend(
        case_phone_indexes::table
            .select(case_phone_indexes::phone_index)
            .load::<String>(&mut conn)
            .unwrap(),
    );
    out
}

async fn indexes_hold_no_plaintext_and_follow_changes(backend: Backend) {
    let app = setup(backend).await;
    let token = app.token("siti.cw").await;
    let id = app
        .intake(
            "siti.cw",
            survivor(
                "Siti Rahmawati",
                "3374015703940001",
                "C1234567",
                "081234567890",
            ),
        )
        .await;
    let stored = index_tables(&app);
    assert_eq!(stored.len(), 3, "two name words and the phone");
    for index in &stored {
        assert!(index.len() == 64 && index.chars().all(|c| c.is_ascii_hexdigit()));
        for secret in ["siti", "rahmawati", "081234567890", "81234567890"] {
            assert!(!index.to_lowercase().contains(secret));
        }
    }
    // A changed name and phone are found by their new words only.
    let case: Value = app
        .get_as(&format!("/api/v1/cases/{id}"), &token)
        .await
        .json()
        .await
        .unwrap();
    let patched = app
        .client
        .patch(format!("{}/api/v1/cases/{id}", app.address))
        .bearer_auth(&token)
        .json(&json!({
            "version": case["version"],
            "survivor": {"full_name": "Wulan Sari", "phone": "+62 857 0000 1111"}
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(patched.status(), 200);
    assert_eq!(found(&app, &token, "name=rahmawati").await, Ok(vec![]));
    assert_eq!(
        found(&app, &token, "name=wulan").await.map(|v| v.len()),
        Ok(1)
    );
    assert_eq!(found(&app, &token, "phone=081234567890").await, Ok(vec![]));
    assert_eq!(
        found(&app, &token, "phone=085700001111")
            .await
            .map(|v| v.len()),
        Ok(1)
    );

    // Cases whose indexes are missing (taken in before they existed) get them from `keys reindex`.
    {
        use diesel::prelude::*;
        use rujukan::db::schema::{case_name_tokens, case_phone_indexes};
        let mut conn = app.conn();
        diesel::delete(case_name_tokens::table)
            .execute(&mut conn)
            .unwrap();
        diesel::delete(case_phone_indexes::table)
            .execute(&mut conn)
            .unwrap();
    }
    assert_eq!(found(&app, &token, "name=wulan").await, Ok(vec![]));
    let key = std::fs::read_to_string(app.db.dir().join("data/secrets/data_key")).unwrap();
    let vault =
        rujukan::crypto::Vault::new(&rujukan::config::secrets::parse_data_key(&key).unwrap());
    let indexed = rujukan::services::keys::reindex(
        &mut app.conn(),
        &operator(),
        &vault,
        std::num::NonZeroU32::new(10).unwrap(),
    )
    .unwrap();
    assert_eq!(indexed, 1);
    assert_eq!(
        found(&app, &token, "name=wulan").await.map(|v| v.len()),
        Ok(1)
    );
    assert_eq!(
        found(&app, &token, "phone=085700001111")
            .await
            .map(|v| v.len()),
        Ok(1)
    );
    assert!(
        app.system_audit()
            .iter()
            .any(|e| e.action == "keys.reindexed")
    );
}
both_backends!(indexes_hold_no_plaintext_and_follow_changes);

async fn the_case_list_page_finds_a_survivor_and_says_not_found(backend: Backend) {
    let app = setup(backend).await;
    let token = app.token("siti.cw").await;
    let number = number_of(
        &app,
        &token,
        survivor(
            "Siti Rahmawati",
            "3374015703940001",
            "C1234567",
            "081234567890",
        ),
    )
    .await;
    let (session, _) = crate::pages::web_session(&app, "siti.cw").await;
    let (status, page) =
        crate::pages::web_get(&app, &session, "/cases?kind=name&q=Rahmawati").await;
    assert_eq!(status, 200);
    assert!(
        page.contains("id=\"find-form\"") && page.contains(&number),
        "{page}"
    );
    assert!(!page.contains("Rahmawati\"") || page.contains("value=\"Rahmawati\""));
    let (_, page) =
        crate::pages::web_get(&app, &session, "/cases?kind=nik&q=3374015703940001").await;
    assert!(page.contains(&number));
    let (status, page) = crate::pages::web_get(&app, &session, "/cases?kind=name&q=Wulan").await;
    assert_eq!(status, 200);
    assert!(
        page.contains("Tidak ditemukan.") && !page.contains("Belum ada kasus"),
        "{page}"
    );
    let (status, page) = crate::pages::web_get(&app, &session, "/cases?kind=name&q=Al").await;
    assert_eq!(status, 422);
    assert!(page.contains("paling sedikit 3 huruf") && page.contains("aria-invalid=\"true\""));
}
both_backends!(the_case_list_page_finds_a_survivor_and_says_not_found);
