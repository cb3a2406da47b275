//! Case intake and records on both backends: reading back every field, identity never stored in
//! the clear, duplicate warnings, filters and pages, bad input refused without writing, stale
//! versions, consent, stages, closure, notes and documents.

use serde_json::{Value, json};

use crate::helpers::*;
use crate::{assert_problem_snapshot, both_backends};

const NAME: &str = "Siti Rahmawati Kusumaningrum";
const NIK: &str = "3374015703940001";
const PHONE: &str = "+62 812 3456 7890";

fn full_intake() -> Value {
    json!({
        "survivor": {
            "full_name": NAME, "nik": NIK, "passport_number": "C1234567", "phone": PHONE,
            "address": "Jl. Puspowarno IV No. 11, Semarang", "date_of_birth": "1994-03-17",
            "sex": "female", "disabilities": ["none"], "nationality": "ID",
            "home_province": "33", "home_district": "3374"
        },
        "migrant": {
            "migration_stage": "during_work", "placement_channel": "procedural_p3mi",
            "destination_country": "MY", "sector": "domestic_work", "p3mi": "PT Sentosa Jaya",
            "employer_abroad": "Tan family", "bp2mi_complaint_number": "ADU-2026-0042"
        },
        "incidents": [{
            "date": "2026-10-02", "place": "workplace", "country": "MY",
            "forms": ["physical", "sexual"], "tpks_forms": [], "pkdrt_forms": [],
            "tppo_elements": [], "gbvims_type": "sexual_assault", "gbvims_contexts": [],
            "perpetrator_relation": "employer"
        }],
        "risk_level": "high",
        "safety_plan": "Stays at the provincial shelter",
        "legal_basis": ["TPKS", "PMI_18_2017"],
        "procedural_regime": "KUHAP_1981"
    })
}

async fn setup(backend: Backend) -> TestApp {
    let app = TestApp::spawn(backend).await;
    app.agency("UPTD-PPA-JATENG", "service_unit", "33");
    app.agency("POLDA-NTB", "police", "52");
    app.user("siti.cw", "UPTD-PPA-JATENG", &["caseworker"]);
    app.user("sup.jateng", "UPTD-PPA-JATENG", &["supervisor"]);
    app.user("inv.ntb", "POLDA-NTB", &["investigator", "caseworker"]);
    app
}

fn valid_codes_used_in(body: &Value) {
    // Every code in the full intake must be in the classification lists; guards the fixture.
    use rujukan::domain::classification as cls;
    assert!(cls::MIGRATION_STAGE.contains(body["migrant"]["migration_stage"].as_str().unwrap()));
    assert!(cls::SECTOR.contains(body["migrant"]["sector"].as_str().unwrap()));
    assert!(
        cls::PLACEMENT_CHANNEL.contains(body["migrant"]["placement_channel"].as_str().unwrap())
    );
    assert!(
        cls::GBVIMS_TYPE.contains("sexual_assault")
            && cls::PERPETRATOR_RELATION.contains("employer")
    );
}

async fn a_full_intake_reads_back_with_every_field(backend: Backend) {
    let app = setup(backend).await;
    valid_codes_used_in(&full_intake());
    let token = app.token("siti.cw").await;
    let created = app
        .post_json("/api/v1/cases", Some(&token), full_intake())
        .await;
    assert_eq!(created.status(), 201);
    let created: Value = created.json().await.unwrap();
    let number = created["case_number"].as_str().unwrap();
    assert!(
        number.starts_with("JT-") && number.len() == "JT-2026-000001".len(),
        "{number}"
    );
    assert_eq!(created["owner_agency"], "UPTD-PPA-JATENG");
    assert_eq!(created["version"], 1);
    assert!(created["created_at"].as_str().unwrap().ends_with('Z'));
    let id = created["id"].as_i64().unwrap();

    let case: Value = app
        .get_as(&format!("/api/v1/cases/{id}"), &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        case["survivor"]["age_band"], "age_25_44",
        "derived from the date of birth"
    );
    assert_eq!(case["survivor"]["sex"], "female");
    assert_eq!(case["survivor"]["home_district"], "3374");
    assert_eq!(case["migrant"]["destination_country"], "MY");
    assert_eq!(case["migrant"]["p3mi"], "PT Sentosa Jaya");
    assert_eq!(case["migrant"]["bp2mi_complaint_number"], "ADU-2026-0042");
    assert_eq!(case["incidents"][0]["forms"], json!(["physical", "sexual"]));
    assert_eq!(case["incidents"][0]["date"], "2026-10-02");
    assert_eq!(case["incidents"][0]["perpetrator_relation"], "employer");
    assert_eq!(case["incidents"][0]["place"], "workplace");
    assert_eq!(case["risk_level"], "high");
    assert_eq!(case["safety_plan"], "Stays at the provincial shelter");
    assert_eq!(case["legal"]["legal_basis"], json!(["TPKS", "PMI_18_2017"]));
    assert_eq!(case["legal"]["procedural_regime"], "KUHAP_1981");
    assert_eq!(
        case["tracks"]["justice"],
        rujukan::domain::classification::stages("justice").unwrap()[0].code
    );
    assert_eq!(case["status"], "open");
    assert_eq!(case["identity_hidden"], true);
    let text = case.to_string();
    for secret in [
        NAME,
        NIK,
        "C1234567",
        "812 3456",
        "Puspowarno",
        "1994-03-17",
    ] {
        assert!(!text.contains(secret), "{secret} shown in the case");
    }

    let no_purpose = app
        .post_json(
            &format!("/api/v1/cases/{id}/reveal-identity"),
            Some(&token),
            json!({"purpose": ""}),
        )
        .await;
    assert_eq!(no_purpose.status(), 422);
    let revealed = app
        .post_json(
            &format!("/api/v1/cases/{id}/reveal-identity"),
            Some(&token),
            json!({"purpose": "Call her about the hearing date"}),
        )
        .await;
    assert_eq!(revealed.status(), 200);
    assert_eq!(revealed.headers()["cache-control"], "no-store");
    let identity: Value = revealed.json().await.unwrap();
    assert_eq!(identity["full_name"], NAME);
    assert_eq!(identity["nik"], NIK);
    assert_eq!(identity["phone"], PHONE);
    assert_eq!(identity["date_of_birth"], "1994-03-17");

    let stream = rujukan::db::audit::stream(&mut app.conn(), &format!("case:{id}")).unwrap();
    let actions: Vec<&str> = stream.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        ["case.created", "case.viewed", "identity.revealed"],
        "the read of the case is recorded too"
    );
    assert!(
        stream[2].details.contains("hearing date"),
        "the purpose is recorded"
    );
    assert!(
        stream
            .iter()
            .all(|e| !e.details.contains(NAME) && !e.details.contains(NIK)),
        "no identity in the audit"
    );
}
both_backends!(a_full_intake_reads_back_with_every_field);

/// Every text of every row of every table, for grepping the raw storage.
pub(crate) fn dump_postgres(app: &TestApp) -> String {
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct Text {
        #[diesel(sql_type = diesel::sql_types::Text)]
        text: String,
    }
    #[derive(QueryableByName)]
    struct Name {
        #[diesel(sql_type = diesel::sql_types::Text)]
        name: String,
    }
    let mut conn = app.conn();
    let tables: Vec<Name> = diesel::sql_query(
        "SELECT table_name::text AS name FROM information_schema.tables \
         WHERE table_schema = current_schema()",
    )
    .load(&mut conn)
    .unwrap();
    let mut out = String::new();
    for table in tables {
        let rows: Vec<Text> = diesel::sql_query(format!(
            "SELECT coalesce(string_agg(t::text, '|'), '') AS text FROM \"{}\" t",
            table.name
        ))
        .load(&mut conn)
        .unwrap();
        for row in rows {
            out.push_str(&row.text);
        }
    }
    out
}

async fn the_raw_storage_holds_no_plaintext_identity(backend: Backend) {
    let app = setup(backend).await;
    let token = app.token("siti.cw").await;
    let created: Value = app
        .post_json("/api/v1/cases", Some(&token), full_intake())
        .await
        .json()
        .await
        .unwrap();
    let id = created["id"].as_i64().unwrap();
    let note = app
        .post_json(
            &format!("/api/v1/cases/{id}/notes"),
            Some(&token),
            json!({"body": format!("Spoke with {NAME} by phone")}),
        )
        .await;
    assert_eq!(note.status(), 201);
    let raw: Vec<u8> = match backend {
        Backend::Sqlite => {
            // The database file and its write-ahead log, as they are on disk.
            let dir = app.db.dir();
            let mut bytes = Vec::new();
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path
                    .file_name()
                    .unwrap()
                    .to_string_lossy()
                    .starts_with("rujukan.db")
                {
                    bytes.extend(std::fs::read(&path).unwrap());
                }
            }
            assert!(bytes.len() > 10_000, "read the database files");
            bytes
        }
        Backend::Postgres => dump_postgres(&app).into_bytes(),
    };
    let haystack = String::from_utf8_lossy(&raw);
    assert!(
        haystack.contains(created["case_number"].as_str().unwrap()),
        "the dump holds the case"
    );
    for secret in [
        NAME,
        "Rahmawati",
        NIK,
        "C1234567",
        "3456 7890",
        "Puspowarno",
    ] {
        assert!(!haystack.contains(secret), "{secret} stored in the clear");
    }
}
both_backends!(the_raw_storage_holds_no_plaintext_identity);

async fn a_second_intake_with_the_same_nik_warns_with_the_earlier_number(backend: Backend) {
    let app = setup(backend).await;
    let token = app.token("siti.cw").await;
    let first: Value = app
        .post_json(
            "/api/v1/cases",
            Some(&token),
            json!({"survivor": {"full_name": "Siti R.", "nik": NIK}}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(first["duplicates"], json!([]));
    let second: Value = app
        .post_json(
            "/api/v1/cases",
            Some(&token),
            json!({"survivor": {"full_name": "S. Rahmawati", "nik": "3374 0157 0394 0001"}}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        second["duplicates"],
        json!([{"id": first["id"], "case_number": first["case_number"], "matched": "nik"}])
    );
    let by_passport: Value = app
        .post_json(
            "/api/v1/cases",
            Some(&token),
            json!({"survivor": {"full_name": "X", "passport_number": "c1234567"}}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(by_passport["duplicates"], json!([]));
    let again: Value = app
        .post_json(
            "/api/v1/cases",
            Some(&token),
            json!({"survivor": {"full_name": "Y", "passport_number": "C 1234567"}}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again["duplicates"][0]["matched"], "passport_number");

    // Another agency is not told about cases it cannot see.
    let other = app.token("inv.ntb").await;
    let elsewhere: Value = app
        .post_json(
            "/api/v1/cases",
            Some(&other),
            json!({"survivor": {"full_name": "Siti", "nik": NIK}}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(elsewhere["duplicates"], json!([]));
    assert!(
        elsewhere["case_number"]
            .as_str()
            .unwrap()
            .starts_with("NB-"),
        "numbered in the agency's province"
    );
}
both_backends!(a_second_intake_with_the_same_nik_warns_with_the_earlier_number);

async fn filters_and_pages_return_exactly_the_visible_cases(backend: Backend) {
    let app = setup(backend).await;
    let token = app.token("siti.cw").await;
    let other = app.token("inv.ntb").await;
    let mut mine = Vec::new();
    for i in 0..7 {
        let risk = if i % 2 == 0 { "high" } else { "low" };
        let forms = if i % 3 == 0 {
            json!(["sexual"])
        } else {
            json!(["physical"])
        };
        let body = json!({
            "survivor": {"full_name": format!("Survivor {i}")},
            "risk_level": risk,
            "incidents": [{"forms": forms}],
        });
        let created: Value = app
            .post_json("/api/v1/cases", Some(&token), body)
            .await
            .json()
            .await
            .unwrap();
        mine.push(created["id"].as_i64().unwrap());
    }
    for i in 0..3 {
        app.post_json(
            "/api/v1/cases",
            Some(&other),
            json!({"survivor": {"full_name": format!("Other {i}")}, "risk_level": "high"}),
        )
        .await;
    }
    let justice_stage = rujukan::domain::classification::stages("justice").unwrap()[1].code;
    let moved = app
        .post_json(
            &format!("/api/v1/cases/{}/stages", mine[2]),
            Some(&token),
            json!({"track": "justice", "stage": justice_stage}),
        )
        .await;
    assert_eq!(moved.status(), 200);

    async fn ids(app: &TestApp, token: &str, query: &str) -> Vec<i64> {
        let mut out = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let url = match &cursor {
                Some(c) => format!("/api/v1/cases?limit=2&cursor={c}{query}"),
                None => format!("/api/v1/cases?limit=2{query}"),
            };
            let page: Value = app.get_as(&url, token).await.json().await.unwrap();
            out.extend(
                page["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| c["id"].as_i64().unwrap()),
            );
            match page["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => return out,
            }
        }
    }
    let mut newest_first = mine.clone();
    newest_first.reverse();
    assert_eq!(
        ids(&app, &token, "").await,
        newest_first,
        "all of mine, in pages, none of theirs"
    );
    let high: Vec<i64> = newest_first
        .iter()
        .copied()
        .filter(|id| (id - mine[0]) % 2 == 0)
        .collect();
    assert_eq!(ids(&app, &token, "&risk=high").await, high);
    let sexual: Vec<i64> = newest_first
        .iter()
        .copied()
        .filter(|id| (id - mine[0]) % 3 == 0)
        .collect();
    assert_eq!(ids(&app, &token, "&form=sexual").await, sexual);
    assert_eq!(
        ids(&app, &token, &format!("&stage=justice:{justice_stage}")).await,
        vec![mine[2]]
    );
    assert_eq!(ids(&app, &token, "&track=justice").await, vec![mine[2]]);
    assert_eq!(ids(&app, &token, "&province=52").await, Vec::<i64>::new());
    let today = chrono::Utc::now().date_naive();
    assert_eq!(
        ids(&app, &token, &format!("&from={today}&to={today}"))
            .await
            .len(),
        7
    );
    assert_eq!(ids(&app, &token, "&to=2000-01-01").await, Vec::<i64>::new());
    assert_eq!(ids(&app, &other, "").await.len(), 3);

    for bad in [
        "risk=extreme",
        "form=telepathy",
        "stage=justice:nowhere",
        "from=2026-13-01",
        "status=maybe",
    ] {
        let response = app.get_as(&format!("/api/v1/cases?{bad}"), &token).await;
        assert_eq!(response.status(), 422, "{bad}");
    }
    assert_eq!(
        app.get_as("/api/v1/cases?colour=red", &token)
            .await
            .status(),
        400,
        "unknown parameter"
    );
}
both_backends!(filters_and_pages_return_exactly_the_visible_cases);

async fn bad_intakes_are_refused_naming_the_field_and_write_nothing(backend: Backend) {
    let app = setup(backend).await;
    let token = app.token("siti.cw").await;
    let tomorrow = (chrono::Utc::now().date_naive() + chrono::Duration::days(2)).to_string();
    let cases = [
        (
            json!({"survivor": {"full_name": "A", "nik": "12345"}}),
            "survivor.nik",
        ),
        (
            json!({"survivor": {"full_name": "A", "sex": "unknown-code"}}),
            "survivor.sex",
        ),
        (
            json!({"survivor": {"full_name": "A"}, "incidents": [{"forms": ["telepathy"]}]}),
            "incidents[0].forms[0]",
        ),
        (
            json!({"survivor": {"full_name": "A"}, "incidents": [{"date": tomorrow}]}),
            "incidents[0].date",
        ),
        (
            json!({
                "survivor": {"full_name": "A", "date_of_birth": "2001-01-01"},
                "incidents": [{"date": "1999-05-05"}],
            }),
            "incidents[0].date",
        ),
        (
            json!({"survivor": {"full_name": "A", "date_of_birth": "1990-02-30"}}),
            "survivor.date_of_birth",
        ),
        (
            json!({"survivor": {"full_name": "A"}, "legal_basis": ["TPKS", "MAGIC"]}),
            "legal_basis[1]",
        ),
        (
            json!({"survivor": {"full_name": "  "}}),
            "survivor.full_name",
        ),
        (
            json!({"survivor": {"full_name": "A"}, "migrant": {"destination_country": "Malaysia"}}),
            "migrant.destination_country",
        ),
        (
            json!({"survivor": {"full_name": "A", "nickname": "B"}}),
            "nickname",
        ),
    ];
    for (body, field) in cases {
        let response = app
            .post_json("/api/v1/cases", Some(&token), body.clone())
            .await;
        assert_eq!(response.status(), 422, "{body}");
        let problem = problem(response).await;
        let fields: Vec<&str> = problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert!(fields.contains(&field), "{field} in {fields:?}");
    }
    let missing_name = app
        .post_json("/api/v1/cases", Some(&token), json!({"survivor": {}}))
        .await;
    assert_eq!(missing_name.status(), 422);
    let list: Value = app
        .get_as("/api/v1/cases", &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"], json!([]), "nothing was written");
    let events = rujukan::db::audit::stream(&mut app.conn(), "system").unwrap();
    assert!(
        events.iter().all(|e| !e.action.starts_with("case.")),
        "no case events"
    );
    assert_eq!(case_rows(&app), 0, "no case rows");
}
both_backends!(bad_intakes_are_refused_naming_the_field_and_write_nothing);

fn case_rows(app: &TestApp) -> i64 {
    use diesel::prelude::*;
    rujukan::db::schema::cases::table
        .count()
        .get_result(&mut app.conn())
        .unwrap()
}

async fn changes_need_the_current_version(backend: Backend) {
    let app = setup(backend).await;
    let token = app.token("siti.cw").await;
    let id = app
        .intake(
            "siti.cw",
            json!({"survivor": {"full_name": NAME, "nik": NIK}, "risk_level": "low"}),
        )
        .await;
    let url = format!("{}/api/v1/cases/{id}", app.address);
    let patch = |body: Value| {
        app.client
            .patch(&url)
            .bearer_auth(&token)
            .json(&body)
            .send()
    };
    let first = patch(
        json!({"version": 1, "risk_level": "high", "migrant": {"destination_country": "SA"}}),
    )
    .await
    .unwrap();
    assert_eq!(first.status(), 200);
    let first: Value = first.json().await.unwrap();
    assert_eq!(
        (first["version"].as_i64(), first["risk_level"].as_str()),
        (Some(2), Some("high"))
    );
    assert_eq!(first["migrant"]["destination_country"], "SA");
    let stale = patch(json!({"version": 1, "risk_level": "critical"}))
        .await
        .unwrap();
    assert_eq!(stale.status(), 409);
    let stale = problem(stale).await;
    assert_eq!(stale["code"], "case.stale_version");
    assert_problem_snapshot!("case_stale_version", stale);
    let largest = patch(json!({"version": i32::MAX, "risk_level": "critical"}))
        .await
        .unwrap();
    assert_eq!(
        largest.status(),
        409,
        "the largest version is never current (no overflow)"
    );
    assert_eq!(problem(largest).await["code"], "case.stale_version");
    let invalid = patch(json!({"version": 2, "risk_level": "apocalyptic"}))
        .await
        .unwrap();
    assert_eq!(invalid.status(), 422);
    let now: Value = app
        .get_as(&format!("/api/v1/cases/{id}"), &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (now["version"].as_i64(), now["risk_level"].as_str()),
        (Some(2), Some("high")),
        "refused changes wrote nothing"
    );
    let renamed = patch(json!({"version": 2, "survivor": {"full_name": "Siti R. Kusuma"}}))
        .await
        .unwrap();
    assert_eq!(renamed.status(), 200);
    let identity: Value = app
        .post_json(
            &format!("/api/v1/cases/{id}/reveal-identity"),
            Some(&token),
            json!({"purpose": "check the corrected name"}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(identity["full_name"], "Siti R. Kusuma");
    assert_eq!(
        identity["nik"], NIK,
        "identity fields not in the patch are kept"
    );
    let other = app.token("inv.ntb").await;
    let hidden = app
        .client
        .patch(&url)
        .bearer_auth(&other)
        .json(&json!({"version": 3, "risk_level": "low"}))
        .send()
        .await
        .unwrap();
    assert_eq!(hidden.status(), 404);
}
both_backends!(changes_need_the_current_version);

async fn consent_stages_and_closure(backend: Backend) {
    let app = setup(backend).await;
    let token = app.token("siti.cw").await;
    let adult = app
        .intake(
            "siti.cw",
            json!({
                "survivor": {"full_name": "A", "date_of_birth": "1990-01-01"},
                "legal_basis": ["TPKS"],
            }),
        )
        .await;
    let child = app
        .intake(
            "siti.cw",
            json!({"survivor": {"full_name": "B", "date_of_birth": "2012-06-01"}}),
        )
        .await;

    let given = app
        .post_json(
            &format!("/api/v1/cases/{adult}/consents"),
            Some(&token),
            json!({"purpose": "police_report", "given": true, "recipient_agency": "POLDA-NTB"}),
        )
        .await;
    assert_eq!(given.status(), 201);
    let given: Value = given.json().await.unwrap();
    assert_eq!(
        (
            given["given_by"].as_str(),
            given["method"].as_str(),
            given["recorded_by"].as_str()
        ),
        (Some("survivor"), Some("written"), Some("siti.cw"))
    );
    let withdrawn = app
        .post_json(
            &format!("/api/v1/cases/{adult}/consents"),
            Some(&token),
            json!({
                "purpose": "police_report",
                "given": false,
                "recipient_agency": "POLDA-NTB",
                "method": "recorded_verbal",
            }),
        )
        .await;
    assert_eq!(withdrawn.status(), 201);
    let state: Value = app
        .get_as(&format!("/api/v1/cases/{adult}/consents"), &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(state["history"].as_array().unwrap().len(), 2);
    assert_eq!(state["current"].as_array().unwrap().len(), 1);
    assert_eq!(
        state["current"][0]["given"], false,
        "the latest decision is in force"
    );

    for (body, field) in [
        (json!({"purpose": "gossip", "given": true}), "purpose"),
        (
            json!({"purpose": "police_report", "given": true, "method": "telepathy"}),
            "method",
        ),
        (
            json!({"purpose": "police_report", "given": true, "recipient_agency": "NOWHERE"}),
            "recipient_agency",
        ),
        (
            json!({"purpose": "police_report", "given": true, "given_by": "legal_basis"}),
            "legal_basis",
        ),
    ] {
        let r = app
            .post_json(
                &format!("/api/v1/cases/{adult}/consents"),
                Some(&token),
                body,
            )
            .await;
        assert_eq!(r.status(), 422);
        assert_eq!(problem(r).await["errors"][0]["field"], field);
    }
    let child_self = app
        .post_json(
            &format!("/api/v1/cases/{child}/consents"),
            Some(&token),
            json!({"purpose": "police_report", "given": true, "given_by": "survivor"}),
        )
        .await;
    assert_eq!(
        child_self.status(),
        422,
        "a child's consent is the guardian's"
    );
    let child_basis = app
        .post_json(
            &format!("/api/v1/cases/{child}/consents"),
            Some(&token),
            json!({
                "purpose": "police_report",
                "given": true,
                "given_by": "legal_basis",
                "legal_basis": "UU 35/2014 Ps 59A; guardian is the alleged perpetrator",
            }),
        )
        .await;
    assert_eq!(child_basis.status(), 201);

    let bad_stage = app
        .post_json(
            &format!("/api/v1/cases/{adult}/stages"),
            Some(&token),
            json!({"track": "justice", "stage": "finished"}),
        )
        .await;
    assert_eq!(bad_stage.status(), 422);
    let mediation = app
        .post_json(
            &format!("/api/v1/cases/{adult}/close"),
            Some(&token),
            json!({"reason": "settled_by_mediation"}),
        )
        .await;
    assert_eq!(
        mediation.status(),
        422,
        "adult TPKS cases are not settled by mediation"
    );
    let closed = app
        .post_json(
            &format!("/api/v1/cases/{adult}/close"),
            Some(&token),
            json!({"reason": "goals_met"}),
        )
        .await;
    assert_eq!(closed.status(), 200);
    let closed: Value = closed.json().await.unwrap();
    assert_eq!(
        (closed["status"].as_str(), closed["closure_reason"].as_str()),
        (Some("closed"), Some("goals_met"))
    );
    let again = app
        .post_json(
            &format!("/api/v1/cases/{adult}/close"),
            Some(&token),
            json!({"reason": "goals_met"}),
        )
        .await;
    assert_eq!(again.status(), 409);
    let child_mediation = app
        .post_json(
            &format!("/api/v1/cases/{child}/close"),
            Some(&token),
            json!({"reason": "settled_by_mediation"}),
        )
        .await;
    assert_eq!(
        child_mediation.status(),
        200,
        "the rule is for adult TPKS cases"
    );

    let actions: Vec<String> =
        rujukan::db::audit::stream(&mut app.conn(), &format!("case:{adult}"))
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .collect();
    assert_eq!(
        actions,
        [
            "case.created",
            "consent.recorded",
            "consent.recorded",
            "case.closed"
        ]
    );
}
both_backends!(consent_stages_and_closure);

async fn notes_and_documents(backend: Backend) {
    let app = setup(backend).await;
    let token = app.token("siti.cw").await;
    let sup = app.token("sup.jateng").await;
    let id = app
        .intake("siti.cw", json!({"survivor": {"full_name": NAME}}))
        .await;
    let note = app
        .post_json(
            &format!("/api/v1/cases/{id}/notes"),
            Some(&token),
            json!({"body": "Needs a Javanese interpreter"}),
        )
        .await;
    assert_eq!(note.status(), 201);
    let notes: Value = app
        .get_as(&format!("/api/v1/cases/{id}/notes"), &sup)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(notes[0]["body"], "Needs a Javanese interpreter");
    assert_eq!(notes[0]["author"], "siti.cw");

    let pdf = b"%PDF-1.4\n% statement of the survivor\n%%EOF\n".to_vec();
    let upload = |content_type: &str, body: Vec<u8>| {
        app.client
            .post(format!(
                "{}/api/v1/cases/{id}/documents?filename=statement.pdf",
                app.address
            ))
            .bearer_auth(&token)
            .header("content-type", content_type.to_owned())
            .body(body)
            .send()
    };
    let stored = upload("application/pdf", pdf.clone()).await.unwrap();
    assert_eq!(stored.status(), 201);
    let stored: Value = stored.json().await.unwrap();
    use sha2::Digest;
    assert_eq!(stored["sha256"], hex::encode(sha2::Sha256::digest(&pdf)));
    assert_eq!(stored["filename"], "statement.pdf");
    let on_disk = rujukan::services::cases::document_path(
        &app.db.dir().join("data"),
        stored["sha256"].as_str().unwrap(),
    );
    let raw = std::fs::read(&on_disk).unwrap();
    assert!(
        !String::from_utf8_lossy(&raw).contains("statement of the survivor"),
        "stored encrypted"
    );

    let exe = upload("application/x-msdownload", b"MZ".to_vec())
        .await
        .unwrap();
    assert_eq!(exe.status(), 422);
    assert_eq!(problem(exe).await["errors"][0]["field"], "content_type");
    let huge = upload("application/pdf", vec![b'x'; 10 * 1024 * 1024 + 1])
        .await
        .unwrap();
    assert_eq!(huge.status(), 413);

    let listed: Value = app
        .get_as(&format!("/api/v1/cases/{id}/documents"), &sup)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    let doc_id = stored["id"].as_i64().unwrap();
    let download = app
        .get_as(&format!("/api/v1/cases/{id}/documents/{doc_id}"), &sup)
        .await;
    assert_eq!(download.status(), 200);
    assert_eq!(download.headers()["content-type"], "application/pdf");
    assert_eq!(download.bytes().await.unwrap().to_vec(), pdf);
    let other = app.token("inv.ntb").await;
    assert_eq!(
        app.get_as(&format!("/api/v1/cases/{id}/documents/{doc_id}"), &other)
            .await
            .status(),
        404
    );
    let custody: Vec<String> = rujukan::db::audit::stream(&mut app.conn(), &format!("case:{id}"))
        .unwrap()
        .into_iter()
        .filter(|e| e.subject_type.as_deref() == Some("document"))
        .map(|e| e.action)
        .collect();
    assert_eq!(
        custody,
        ["document.uploaded", "document.viewed", "access.denied"],
        "the refused download is in the custody log too"
    );
}
both_backends!(notes_and_documents);

async fn case_numbers_stay_unique_under_concurrent_intake(backend: Backend) {
    let app = setup(backend).await;
    let token = app.token("siti.cw").await;
    let requests = (0..12).map(|i| {
        app.post_json(
            "/api/v1/cases",
            Some(&token),
            json!({"survivor": {"full_name": format!("Concurrent {i}")}}),
        )
    });
    let answers = futures_util::future::join_all(requests).await;
    let mut numbers = Vec::new();
    for answer in answers {
        assert_eq!(answer.status(), 201);
        let body: Value = answer.json().await.unwrap();
        numbers.push(body["case_number"].as_str().unwrap().to_owned());
    }
    numbers.sort();
    let year = chrono::Utc::now().format("%Y");
    let expected: Vec<String> = (1..=12).map(|n| format!("JT-{year}-{n:06}")).collect();
    assert_eq!(numbers, expected, "gap-free and unique");
}
both_backends!(case_numbers_stay_unique_under_concurrent_intake);
