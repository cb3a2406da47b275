//! Trafficking (TPPO) intake on both backends: the channel, repatriation, chronology and
//! perpetrators read back through the API; the chronology and names sealed at rest, read only by
//! agencies holding the incident, never in an audit event; bad codes, dates and fields refused
//! naming the field; other agencies see nothing; the statistics count the intake channel and the
//! debarkation point as a rebuild does; `keys rotate` reseals them; the pages show them in words.

use std::num::NonZeroU32;

use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::*;
use crate::pages::{web_get, web_post, web_session};

const CHRONOLOGY: &str =
    "Direkrut Pak Udin di Lombok Timur pada Maret 2025, dijanjikan kerja di Malaysia";
const SPONSOR: &str = "Udin Saparudin";
const EMPLOYER: &str = "Tan Ah Kow";

fn tppo_intake() -> Value {
    json!({
        "survivor": {"full_name": "Baiq Nurhayati", "home_province": "52"},
        "incidents": [{"date": "2026-03-02", "forms": ["economic"], "tppo_elements": []}],
        "legal_basis": ["TPPO"],
        "intake_channel": "bp3mi",
        "repatriation": {"return_date": "2026-09-14", "debarkation_point": "lop_zainuddin_abdul_madjid"},
        "chronology": CHRONOLOGY,
        "perpetrators": [
            {"role": "sponsor", "name": SPONSOR},
            {"role": "employer", "name": EMPLOYER}
        ]
    })
}

async fn setup(backend: Backend) -> TestApp {
    let app = TestApp::spawn_with_agreement(backend, TEST_AGREEMENT).await;
    app.user("alpha.cw", "SU-ALPHA", &["caseworker"]);
    app.user("beta.inv", "POL-BETA", &["investigator"]);
    app.user("eps.cw", "SHELTER-EPS", &["caseworker"]);
    app
}

async fn case_of(app: &TestApp, token: &str, id: i64) -> (u16, Value) {
    let answer = app.get_as(&format!("/api/v1/cases/{id}"), token).await;
    let status = answer.status().as_u16();
    (status, answer.json().await.unwrap_or(Value::Null))
}

async fn patch(app: &TestApp, token: &str, id: i64, body: Value) -> (u16, Value) {
    let answer = app
        .client
        .patch(format!("{}/api/v1/cases/{id}", app.address))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = answer.status().as_u16();
    (status, answer.json().await.unwrap_or(Value::Null))
}

/// Every audit event's details of the case's stream, as stored.
fn case_details(app: &TestApp, id: i64) -> Vec<(String, String)> {
    rujukan::db::audit::stream(&mut app.conn(), &format!("case:{id}"))
        .unwrap()
        .into_iter()
        .map(|e| (e.action, e.details))
        .collect()
}

async fn trafficking_facts_round_trip_and_audit_names_only(backend: Backend) {
    let app = setup(backend).await;
    let token = app.token("alpha.cw").await;
    let id = app.intake("alpha.cw", tppo_intake()).await;
    let (status, case) = case_of(&app, &token, id).await;
    assert_eq!(status, 200);
    assert_eq!(case["intake_channel"], "bp3mi");
    assert_eq!(
        case["repatriation"],
        json!({"return_date": "2026-09-14", "debarkation_point": "lop_zainuddin_abdul_madjid"})
    );
    assert_eq!(case["chronology"], CHRONOLOGY);
    let names: Vec<(&str, &str)> = case["perpetrators"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["role"].as_str().unwrap(), p["name"].as_str().unwrap()))
        .collect();
    assert_eq!(names, [("sponsor", SPONSOR), ("employer", EMPLOYER)]);

    // A change: the channel and the chronology replaced, the list of perpetrators replaced.
    let version = case["version"].as_i64().unwrap();
    let (status, changed) = patch(
        &app,
        &token,
        id,
        json!({
            "version": version, "intake_channel": "sapa_129", "chronology": "Kronologi baru",
            "perpetrators": [{"role": "p3mi", "name": "PT Maju Mundur"}]
        }),
    )
    .await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(changed["intake_channel"], "sapa_129");
    assert_eq!(changed["chronology"], "Kronologi baru");
    assert_eq!(changed["perpetrators"][0]["name"], "PT Maju Mundur");
    assert_eq!(changed["perpetrators"].as_array().unwrap().len(), 1);
    assert_eq!(
        changed["repatriation"]["debarkation_point"], "lop_zainuddin_abdul_madjid",
        "what the change does not give is kept"
    );
    // The same version again is stale and writes nothing.
    let (status, stale) = patch(
        &app,
        &token,
        id,
        json!({"version": version, "chronology": "x"}),
    )
    .await;
    assert_eq!(
        (status, stale["code"].as_str()),
        (409, Some("case.stale_version"))
    );

    // One more perpetrator; the version moves.
    let added = app
        .post_json(
            &format!("/api/v1/cases/{id}/perpetrators"),
            Some(&token),
            json!({"role": "family", "name": "Paman Sahrul"}),
        )
        .await;
    assert_eq!(added.status(), 201);
    let (_, now) = case_of(&app, &token, id).await;
    assert_eq!(now["perpetrators"].as_array().unwrap().len(), 2);
    assert_eq!(now["version"].as_i64(), Some(version + 2));
    // Clearing: an empty chronology and channel.
    let (status, cleared) = patch(
        &app,
        &token,
        id,
        json!({"version": version + 2, "chronology": "", "intake_channel": ""}),
    )
    .await;
    assert_eq!(status, 200, "{cleared}");
    assert!(cleared.get("chronology").is_none() && cleared["intake_channel"].is_null());

    // The events name the fields, never the chronology or a name.
    let details = case_details(&app, id);
    let created = details.iter().find(|(a, _)| a == "case.created").unwrap();
    let created: Value = serde_json::from_str(&created.1).unwrap();
    assert_eq!(
        created["trafficking"],
        json!([
            "intake_channel",
            "repatriation",
            "chronology",
            "perpetrators"
        ])
    );
    assert_eq!(created["perpetrators"], 2);
    let updated: Vec<Value> = details
        .iter()
        .filter(|(a, _)| a == "case.updated")
        .map(|(_, d)| serde_json::from_str(d).unwrap())
        .collect();
    assert_eq!(
        updated[0]["sections"],
        json!(["intake_channel", "chronology", "perpetrators"])
    );
    assert_eq!(updated[1]["sections"], json!(["perpetrators"]));
    for (_, text) in &details {
        for secret in [
            CHRONOLOGY,
            "Kronologi baru",
            SPONSOR,
            EMPLOYER,
            "Maju Mundur",
            "Sahrul",
        ] {
            assert!(!text.contains(secret), "{secret} in an audit event: {text}");
        }
    }
}
both_backends!(trafficking_facts_round_trip_and_audit_names_only);

async fn the_chronology_and_names_are_sealed_at_rest(backend: Backend) {
    let app = setup(backend).await;
    let id = app.intake("alpha.cw", tppo_intake()).await;
    assert!(id > 0);
    let raw: Vec<u8> = match backend {
        Backend::Sqlite => {
            let mut bytes = Vec::new();
            for entry in std::fs::read_dir(app.db.dir()).unwrap() {
                let path = entry.unwrap().path();
                let name = path.file_name().unwrap().to_string_lossy().into_owned();
                if name.starts_with("rujukan.db") {
                    bytes.extend(std::fs::read(&path).unwrap());
                }
            }
            bytes
        }
        Backend::Postgres => crate::cases::dump_postgres(&app).into_bytes(),
    };
    let haystack = String::from_utf8_lossy(&raw);
    assert!(
        haystack.contains("lop_zainuddin_abdul_madjid"),
        "the dump holds the trafficking row"
    );
    for secret in ["Direkrut Pak Udin", "Lombok Timur", SPONSOR, EMPLOYER] {
        assert!(!haystack.contains(secret), "{secret} stored in the clear");
    }
}
both_backends!(the_chronology_and_names_are_sealed_at_rest);

async fn bad_trafficking_input_is_refused_naming_the_field(backend: Backend) {
    let app = setup(backend).await;
    let token = app.token("alpha.cw").await;
    let tomorrow = (chrono::Utc::now().date_naive() + chrono::Duration::days(2)).to_string();
    let name = json!({"full_name": "A"});
    let cases = [
        (
            json!({"survivor": name, "intake_channel": "carrier_pigeon"}),
            "intake_channel",
        ),
        (
            json!({"survivor": name, "perpetrators": [{"role": "boss", "name": "B"}]}),
            "perpetrators[0].role",
        ),
        (
            json!({"survivor": name, "perpetrators": [{"role": "sponsor", "name": " "}]}),
            "perpetrators[0].name",
        ),
        (
            json!({"survivor": name, "repatriation": {"return_date": tomorrow}}),
            "repatriation.return_date",
        ),
        (
            json!({"survivor": name, "repatriation": {"return_date": "1989-12-31"}}),
            "repatriation.return_date",
        ),
        (
            json!({"survivor": name, "repatriation": {"debarkation_point": "Bali"}}),
            "repatriation.debarkation_point",
        ),
        (
            json!({"survivor": name, "repatriation": {"port": "Batam"}}),
            "port",
        ),
        (
            json!({"survivor": name, "perpetrators": [{"role": "sponsor", "name": "B", "phone": "1"}]}),
            "phone",
        ),
    ];
    for (body, field) in cases {
        let response = app
            .post_json("/api/v1/cases", Some(&token), body.clone())
            .await;
        assert_eq!(response.status(), 422, "{body}");
        let problem = problem(response).await;
        let fields: Vec<String> = problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap().to_owned())
            .collect();
        assert!(
            fields.iter().any(|f| f.contains(field)),
            "{field} in {fields:?}"
        );
    }
    // The same rules on a change and on adding a perpetrator; nothing is written.
    let id = app.intake("alpha.cw", json!({"survivor": name})).await;
    let (status, refused) = patch(
        &app,
        &token,
        id,
        json!({"version": 1, "repatriation": {"return_date": tomorrow}}),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(refused["errors"][0]["field"], "repatriation.return_date");
    let (status, _) = patch(&app, &token, id, json!({"version": 1, "chronicle": "x"})).await;
    assert_eq!(status, 422, "an unknown field");
    let bad_role = app
        .post_json(
            &format!("/api/v1/cases/{id}/perpetrators"),
            Some(&token),
            json!({"role": "boss", "name": "B"}),
        )
        .await;
    assert_eq!(bad_role.status(), 422);
    assert_eq!(problem(bad_role).await["errors"][0]["field"], "role");
    let (_, case) = case_of(&app, &token, id).await;
    assert_eq!(case["version"], 1);
    assert_eq!(case["perpetrators"], json!([]));
}
both_backends!(bad_trafficking_input_is_refused_naming_the_field);

async fn other_agencies_get_404_and_a_summary_holder_no_chronology(backend: Backend) {
    let app = setup(backend).await;
    let alpha = app.token("alpha.cw").await;
    let id = app.intake("alpha.cw", tppo_intake()).await;
    let beta = app.token("beta.inv").await;
    let (status, _) = case_of(&app, &beta, id).await;
    assert_eq!(status, 404);
    let add = app
        .post_json(
            &format!("/api/v1/cases/{id}/perpetrators"),
            Some(&beta),
            json!({"role": "sponsor", "name": "X"}),
        )
        .await;
    assert_eq!(add.status(), 404);
    let (status, _) = patch(&app, &beta, id, json!({"version": 1, "chronology": "x"})).await;
    assert_eq!(status, 404);
    // A shelter referral shares the summary only: the channel and the return, not the story.
    let r = app
        .post_json(
            &format!("/api/v1/cases/{id}/consents"),
            Some(&alpha),
            json!({"purpose": "shelter", "given": true, "recipient_agency": "SHELTER-EPS"}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let r = app
        .post_json(
            &format!("/api/v1/cases/{id}/handoffs"),
            Some(&alpha),
            json!({"handoff": "shelter", "to_agency": "SHELTER-EPS"}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let eps = app.token("eps.cw").await;
    let (status, case) = case_of(&app, &eps, id).await;
    assert_eq!(status, 200);
    assert_eq!(case["intake_channel"], "bp3mi");
    assert_eq!(case["repatriation"]["return_date"], "2026-09-14");
    assert!(case.get("chronology").is_none(), "{case}");
    assert!(case.get("perpetrators").is_none(), "{case}");
    let add = app
        .post_json(
            &format!("/api/v1/cases/{id}/perpetrators"),
            Some(&eps),
            json!({"role": "sponsor", "name": "X"}),
        )
        .await;
    assert_eq!(add.status(), 403);
}
both_backends!(other_agencies_get_404_and_a_summary_holder_no_chronology);

async fn statistics_count_the_channel_and_debarkation_point_as_a_rebuild(backend: Backend) {
    // Every figure shown, however small: this checks the counts, not the suppression.
    let app = TestApp::spawn_with_agreement_and(backend, TEST_AGREEMENT, |s| {
        s.stats.min_count = std::num::NonZeroU64::new(1).unwrap();
    })
    .await;
    app.user("alpha.cw", "SU-ALPHA", &["caseworker"]);
    let token = app.token("alpha.cw").await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(app.intake("alpha.cw", tppo_intake()).await);
    }
    app.intake("alpha.cw", json!({"survivor": {"full_name": "C"}}))
        .await;
    let (status, _) = patch(
        &app,
        &token,
        ids[0],
        json!({"version": 1, "intake_channel": "online", "repatriation": {"debarkation_point": "nunukan"}}),
    )
    .await;
    assert_eq!(status, 200);
    let kept = rujukan::db::stats::all(&mut app.conn()).unwrap();
    let count = |dim: &str, value: &str| {
        kept.iter()
            .filter(|r| r.0 == "cases" && r.1 == dim && r.5 == value)
            .map(|r| r.6)
            .sum::<i64>()
    };
    assert_eq!(count("intake_channel", "bp3mi"), 2);
    assert_eq!(count("intake_channel", "online"), 1);
    assert_eq!(count("intake_channel", "unknown"), 1);
    assert_eq!(count("debarkation_point", "lop_zainuddin_abdul_madjid"), 2);
    assert_eq!(count("debarkation_point", "nunukan"), 1);
    let rules = rujukan::deadlines::load_checked(
        &repo_dir().join("config/deadlines"),
        &repo_dir().join("config/holidays"),
    )
    .unwrap();
    assert_eq!(
        rujukan::services::stats_upkeep::rebuild(&mut app.conn(), &rules).unwrap(),
        kept.len()
    );
    assert_eq!(
        rujukan::db::stats::all(&mut app.conn()).unwrap(),
        kept,
        "a rebuild agrees with the counts kept"
    );
    app.user("alpha.sup", "SU-ALPHA", &["supervisor"]);
    let sup = app.token("alpha.sup").await;
    for by in ["intake_channel", "debarkation_point"] {
        let answer = app
            .get_as(&format!("/api/v1/stats/cases?by={by}"), &sup)
            .await;
        assert_eq!(answer.status(), 200, "by={by}");
        let body = answer.text().await.unwrap();
        let expected = if by == "intake_channel" {
            "bp3mi"
        } else {
            "nunukan"
        };
        assert!(body.contains(expected), "{body}");
    }
}
both_backends!(statistics_count_the_channel_and_debarkation_point_as_a_rebuild);

async fn keys_rotate_reseals_the_chronology_and_names(backend: Backend) {
    use diesel::prelude::*;
    use rujukan::db::schema::{case_perpetrators, case_trafficking};
    let app = setup(backend).await;
    let id = app.intake("alpha.cw", tppo_intake()).await;
    let old = std::fs::read_to_string(app.db.dir().join("data/secrets/data_key")).unwrap();
    let parse = |k: &str| rujukan::config::secrets::parse_data_key(k).unwrap();
    let mut fresh = [7u8; 32];
    fresh[0] = 1;
    let fresh = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, fresh);
    let vault = rujukan::crypto::Vault::with_retired(&parse(&fresh), &[parse(old.trim())]);
    let rotation = rujukan::services::keys::rotate(
        &mut app.conn(),
        &operator(),
        &vault,
        &app.db.dir().join("data"),
        NonZeroU32::new(1).unwrap(),
        &mut |_, _| {},
    )
    .unwrap();
    use rujukan::services::keys::Sealed;
    assert_eq!(rotation.of(Sealed::Chronology), 1);
    assert_eq!(rotation.of(Sealed::PerpetratorName), 2);
    let mut conn = app.conn();
    let (sealed, key): (Option<String>, Option<String>) = case_trafficking::table
        .find(id)
        .select((
            case_trafficking::chronology_ciphertext,
            case_trafficking::chronology_key_id,
        ))
        .first(&mut conn)
        .unwrap();
    let key = key.unwrap();
    assert_eq!(key, vault.key_id());
    let text = vault.open(&key, &sealed.unwrap()).unwrap();
    assert_eq!(String::from_utf8(text).unwrap(), CHRONOLOGY);
    let names: Vec<(String, String)> = case_perpetrators::table
        .filter(case_perpetrators::case_id.eq(id))
        .order(case_perpetrators::id)
        .select((
            case_perpetrators::name_ciphertext,
            case_perpetrators::key_id,
        ))
        .load(&mut conn)
        .unwrap();
    let opened: Vec<String> = names
        .iter()
        .map(|(c, k)| {
            assert_eq!(k, vault.key_id());
            String::from_utf8(vault.open(k, c).unwrap()).unwrap()
        })
        .collect();
    assert_eq!(opened, [SPONSOR, EMPLOYER]);
}
both_backends!(keys_rotate_reseals_the_chronology_and_names);

async fn the_pages_take_and_show_the_trafficking_facts_in_words(backend: Backend) {
    let app = setup(backend).await;
    let (session, csrf) = web_session(&app, "alpha.cw").await;
    let (status, form) = web_get(&app, &session, "/cases/new").await;
    assert_eq!(status, 200);
    assert!(form.contains("name=\"intake_channel\"") && form.contains("Rujukan dari BP3MI"));
    let (status, refused, _) = web_post(
        &app,
        &session,
        "/cases/new",
        &[
            ("csrf_token", csrf.as_str()),
            ("survivor.full_name", "Baiq Nurhayati"),
            ("repatriation.return_date", "1980-01-01"),
            ("perpetrators.role", "sponsor"),
            ("perpetrators.name", SPONSOR),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(
        refused.contains("tidak sebelum tahun 1990"),
        "the message next to the date"
    );
    assert!(refused.contains(SPONSOR), "what was typed stays");
    let (status, _, location) = web_post(
        &app,
        &session,
        "/cases/new",
        &[
            ("csrf_token", csrf.as_str()),
            ("survivor.full_name", "Baiq Nurhayati"),
            ("intake_channel", "bp3mi"),
            ("repatriation.return_date", "2026-09-14"),
            (
                "repatriation.debarkation_point",
                "lop_zainuddin_abdul_madjid",
            ),
            ("chronology", CHRONOLOGY),
            ("perpetrators.role", "sponsor"),
            ("perpetrators.name", SPONSOR),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let case = location.unwrap();
    let (_, page) = web_get(&app, &session, &case).await;
    let section = page
        .split("id=\"trafficking\"")
        .nth(1)
        .unwrap()
        .split("</details>")
        .next()
        .unwrap();
    for shown in [
        "Kronologi dan pelaku",
        "Rujukan dari BP3MI",
        "14-09-2026",
        "Bandara Zainuddin Abdul Madjid, Lombok",
        "Direkrut Pak Udin",
        SPONSOR,
        "Sponsor atau calo",
    ] {
        assert!(section.contains(shown), "{shown} in {section}");
    }
    // Adding a perpetrator on the case page; a bad one is refused next to its field.
    let id = case.trim_start_matches("/cases/");
    let path = format!("/cases/{id}/perpetrators");
    let (status, refused, _) = web_post(
        &app,
        &session,
        &path,
        &[
            ("csrf_token", csrf.as_str()),
            ("role", ""),
            ("name", "Paman Sahrul"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(refused.contains("Pilih peran pelaku dari daftar."));
    let (status, _, _) = web_post(
        &app,
        &session,
        &path,
        &[
            ("csrf_token", csrf.as_str()),
            ("role", "family"),
            ("name", "Paman Sahrul"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    // The facts form: a stale version is refused, the current one saved.
    let fpath = format!("/cases/{id}/trafficking");
    let facts = |version: &'static str| {
        vec![
            ("csrf_token", csrf.clone()),
            ("version", version.to_owned()),
            ("intake_channel", "online".to_owned()),
            ("repatriation.return_date", "2026-09-15".to_owned()),
            ("repatriation.debarkation_point", "entikong".to_owned()),
            ("chronology_shown", "1".to_owned()),
            ("chronology", "Kronologi diperbarui".to_owned()),
        ]
    };
    let as_refs = |f: &[(&'static str, String)]| -> Vec<(&'static str, String)> { f.to_vec() };
    let stale = as_refs(&facts("1"));
    let stale: Vec<(&str, &str)> = stale.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, _, _) = web_post(&app, &session, &fpath, &stale).await;
    assert_eq!(
        status, 409,
        "the version moved when the perpetrator was added"
    );
    let current = as_refs(&facts("2"));
    let current: Vec<(&str, &str)> = current.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, _, _) = web_post(&app, &session, &fpath, &current).await;
    assert_eq!(status, 303);
    let (_, page) = web_get(&app, &session, &case).await;
    for shown in [
        "Pengaduan daring",
        "PLBN Entikong",
        "Kronologi diperbarui",
        "Paman Sahrul",
    ] {
        assert!(page.contains(shown), "{shown}");
    }
}
both_backends!(the_pages_take_and_show_the_trafficking_facts_in_words);
