//! Statistics over HTTP on both backends: the kept counts always equal a rebuild from the records;
//! each role sees its scope; small counts are hidden and cannot be recovered from the totals; bad
//! requests are clear 4xx; exports are audited, neutralised and carry no identity.

use chrono::Duration;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::*;

fn rules() -> rujukan::deadlines::DeadlineRules {
    let dir = repo_dir().join("config");
    rujukan::deadlines::load_checked(&dir.join("deadlines"), &dir.join("holidays")).unwrap()
}

/// Cases of SU-ALPHA: `sexual` for the first `sexual` ones, `physical` for the rest.
async fn cases(app: &TestApp, sexual: usize, physical: usize) -> Vec<i64> {
    let mut ids = Vec::new();
    for i in 0..sexual + physical {
        let form = if i < sexual { "sexual" } else { "physical" };
        ids.push(app.intake("alpha.cw", json!({
            "survivor": {"full_name": format!("Survivor Number{i}"), "age_band": "age_25_44"},
            "incidents": [{"date": "2026-10-02", "forms": [form]}],
            "legal_basis": ["TPKS"],
        })).await);
    }
    ids
}

async fn stats(app: &TestApp, token: &str, path: &str) -> (u16, Value) {
    let answer = app.get_as(path, token).await;
    let status = answer.status().as_u16();
    (status, answer.json().await.unwrap_or(Value::Null))
}

async fn the_kept_counts_always_equal_a_rebuild_from_the_records(backend: Backend) {
    let app = TestApp::spawn_with_agreement(backend, TEST_AGREEMENT).await;
    app.user("alpha.cw", "SU-ALPHA", &["caseworker"]);
    app.user("beta.inv", "POL-BETA", &["investigator"]);
    let ids = cases(&app, 2, 2).await;
    let alpha = app.token("alpha.cw").await;
    let beta = app.token("beta.inv").await;
    // A change of profile and incidents, a stage change, handoffs accepted, declined, completed.
    let version = app
        .get_as(&format!("/api/v1/cases/{}", ids[0]), &alpha)
        .await
        .json::<Value>()
        .await
        .unwrap()["version"]
        .as_i64()
        .unwrap();
    assert_eq!(
        app.client
            .patch(format!("{}/api/v1/cases/{}", app.address, ids[0]))
            .bearer_auth(&alpha)
            .json(&json!({
                "version": version,
                "incidents": [{"date": "2026-09-01", "forms": ["economic", "psychological"]}],
                "migrant": {"sector": "domestic_work"},
            }))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        app.post_json(
            &format!("/api/v1/cases/{}/stages", ids[1]),
            Some(&alpha),
            json!({"track": "protection", "stage": "police_temp_protection"})
        )
        .await
        .status()
        .as_u16()
            / 100,
        2
    );
    let mut handoffs = Vec::new();
    for id in &ids[..3] {
        app.post_json(
            &format!("/api/v1/cases/{id}/consents"),
            Some(&alpha),
            json!({"purpose": "police_report", "given": true, "recipient_agency": "POL-BETA"}),
        )
        .await;
        let sent = app
            .post_json(
                &format!("/api/v1/cases/{id}/handoffs"),
                Some(&alpha),
                json!({"handoff": "report", "to_agency": "POL-BETA"}),
            )
            .await;
        assert_eq!(sent.status(), 201);
        handoffs.push(sent.json::<Value>().await.unwrap()["id"].as_i64().unwrap());
    }
    assert_eq!(
        app.post_json(
            &format!("/api/v1/handoffs/{}/accept", handoffs[0]),
            Some(&beta),
            json!({})
        )
        .await
        .status(),
        200
    );
    assert_eq!(
        app.post_json(
            &format!("/api/v1/handoffs/{}/complete", handoffs[0]),
            Some(&beta),
            json!({"outcome": "Registered"})
        )
        .await
        .status(),
        200
    );
    assert_eq!(
        app.post_json(
            &format!("/api/v1/handoffs/{}/decline", handoffs[1]),
            Some(&beta),
            json!({"reason": "Outside our area"})
        )
        .await
        .status(),
        200
    );
    // The third stays pending: a sweep a month later breaches and escalates its answer clock.
    let rules = rules();
    let later = chrono::Utc::now().naive_utc() + Duration::days(30);
    let report =
        rujukan::services::deadlines::sweep(&mut app.conn(), &rules, later, later).unwrap();
    assert!(report.breached >= 1, "{report:?}");
    // The escalation reaches the sending agency's supervisor's page.
    app.user("alpha.sup", "SU-ALPHA", &["supervisor"]);
    let (sup, _) = crate::pages::web_session(&app, "alpha.sup").await;
    let (status, page) = crate::pages::web_get(&app, &sup, "/supervision").await;
    assert_eq!(status, 200);
    let escalated = page
        .split("id=\"escalations\"")
        .nth(1)
        .unwrap()
        .split("</section>")
        .next()
        .unwrap();
    assert!(
        escalated.contains(&format!("href=\"/cases/{}\"", ids[2]))
            && escalated.contains("tidak dijawab tepat waktu"),
        "{escalated}"
    );

    let kept = rujukan::db::stats::all(&mut app.conn()).unwrap();
    let recounted: Vec<_> = rujukan::services::stats_upkeep::recount(&mut app.conn(), &rules)
        .unwrap()
        .into_iter()
        .map(|(f, n)| {
            (
                f.indicator.to_owned(),
                f.dim.to_owned(),
                f.month,
                f.province,
                f.agency_id,
                f.value,
                n,
            )
        })
        .collect();
    assert_eq!(
        kept, recounted,
        "the counts kept with each change equal a recount"
    );
    assert!(
        kept.iter().any(|r| r.0 == "deadlines" && r.5 == "breached"),
        "the breach is counted"
    );

    // Each change appended its count changes; folding them into the kept counts, in small
    // batches and from two connections at once, changes no figure and leaves none behind.
    let pending = deltas(&app);
    assert!(pending > 0, "changes append count changes");
    assert_eq!(rujukan::db::stats::fold(&mut app.conn(), 5).unwrap(), 5);
    assert_eq!(deltas(&app), pending - 5);
    assert_eq!(rujukan::db::stats::all(&mut app.conn()).unwrap(), kept);
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                let mut conn = app.conn();
                while rujukan::db::stats::fold(&mut conn, 3).unwrap() > 0 {}
            });
        }
    });
    assert_eq!(deltas(&app), 0, "every change folded");
    assert_eq!(
        rujukan::db::stats::all(&mut app.conn()).unwrap(),
        kept,
        "folded once each"
    );
    assert!(
        kept.iter()
            .any(|r| r.0 == "cases" && r.1 == "form" && r.5 == "economic"),
        "the changed incident is counted"
    );
    assert!(
        !kept
            .iter()
            .any(|r| r.0 == "cases" && r.1 == "form" && r.5 == "sexual" && r.6 != 1),
        "the old one is not"
    );
    assert_eq!(
        rujukan::services::stats_upkeep::rebuild(&mut app.conn(), &rules).unwrap(),
        kept.len()
    );
    assert_eq!(
        rujukan::db::stats::all(&mut app.conn()).unwrap(),
        kept,
        "a rebuild changes nothing"
    );
}
both_backends!(the_kept_counts_always_equal_a_rebuild_from_the_records);

/// Count changes not folded yet.
fn deltas(app: &TestApp) -> i64 {
    use diesel::prelude::*;
    rujukan::db::schema::stats_deltas::table
        .count()
        .get_result(&mut app.conn())
        .unwrap()
}

async fn the_server_folds_count_changes_in_the_background(backend: Backend) {
    let app = TestApp::spawn_with_agreement_and(backend, TEST_AGREEMENT, |s| {
        s.stats.fold_interval_secs = std::num::NonZeroU64::new(1).unwrap();
    })
    .await;
    app.user("alpha.cw", "SU-ALPHA", &["caseworker"]);
    let before = rujukan::db::stats::all(&mut app.conn()).unwrap();
    cases(&app, 1, 1).await;
    let kept = rujukan::db::stats::all(&mut app.conn()).unwrap();
    assert_ne!(kept, before, "the new cases count at once");
    let mut waited = 0;
    while deltas(&app) > 0 && waited < 100 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        waited += 1;
    }
    assert_eq!(deltas(&app), 0, "folded within ten seconds");
    assert_eq!(rujukan::db::stats::all(&mut app.conn()).unwrap(), kept);
}
both_backends!(the_server_folds_count_changes_in_the_background);

async fn small_counts_are_hidden_and_each_role_sees_its_scope(backend: Backend) {
    let app = TestApp::spawn_with_agreement(backend, TEST_AGREEMENT).await;
    app.agency("SU-NTB", "service_unit", "52");
    app.user("alpha.cw", "SU-ALPHA", &["caseworker"]);
    app.user("alpha.sup", "SU-ALPHA", &["supervisor"]);
    app.user("omega.sup", "SU-OMEGA", &["supervisor"]);
    app.designate_audits("SU-OMEGA");
    app.designate_audits("SU-NTB");
    app.user("jateng.aud", "SU-OMEGA", &["auditor"]);
    app.user("ntb.aud", "SU-NTB", &["auditor"]);
    cases(&app, 3, 9).await;
    let (sup, omega, aud, ntb, cw) = (
        app.token("alpha.sup").await,
        app.token("omega.sup").await,
        app.token("jateng.aud").await,
        app.token("ntb.aud").await,
        app.token("alpha.cw").await,
    );

    let (status, answer) = stats(&app, &sup, "/api/v1/stats/cases?by=form").await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["agency"], "SU-ALPHA");
    assert_eq!(answer["threshold"], 5);
    let at = |code: &str| {
        answer["cells"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["key"]["form"] == code)
            .unwrap()
            .clone()
    };
    assert_eq!(at("sexual")["value"], Value::Null, "3 is below 5");
    assert_eq!(at("sexual")["suppressed"], true);
    assert_eq!(
        at("physical")["suppressed"],
        true,
        "9 is hidden too, or 3 = 12 - 9"
    );
    assert_eq!(at("economic")["value"], 0, "zeros are shown");
    assert_eq!(answer["code"], "cases");
    assert_eq!(answer["total"], 12);
    assert!(
        answer["suppressed"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s == "sexual/all")
    );
    let text = answer.to_string();
    assert!(!text.contains("Survivor"), "no identity");
    // Nothing shown below the threshold, anywhere (CONTRACT.md: a shown value is 0 or at least the
    // threshold).
    for cell in answer["cells"]
        .as_array()
        .unwrap()
        .iter()
        .chain(answer["margins"].as_array().unwrap())
    {
        assert!(
            cell["value"].as_u64().is_none_or(|v| v == 0 || v >= 5),
            "{cell}"
        );
    }
    let (_, two_way) = stats(&app, &sup, "/api/v1/stats/cases?by=form,month").await;
    assert!(
        two_way["cells"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["key"]["form"].is_string() && c["key"]["month"].is_string())
    );
    for cell in two_way["cells"]
        .as_array()
        .unwrap()
        .iter()
        .chain(two_way["margins"].as_array().unwrap())
    {
        assert!(
            cell["value"].as_u64().is_none_or(|v| v == 0 || v >= 5),
            "{cell}"
        );
    }
    let (status, by_date) = stats(
        &app,
        &sup,
        "/api/v1/stats/cases?from=2026-01-01&to=2026-12-31",
    )
    .await;
    assert_eq!(
        (status, by_date["from"].as_str(), by_date["to"].as_str()),
        (200, Some("2026-01"), Some("2026-12")),
        "dates are read as their months"
    );

    // Another agency's supervisor sees only their own (empty) figures; the province's auditor
    // sees the province; an auditor of another province sees none of it; a caseworker nothing.
    let (_, theirs) = stats(&app, &omega, "/api/v1/stats/cases").await;
    assert_eq!(theirs["total"], 0);
    assert_eq!(
        stats(&app, &omega, "/api/v1/stats/cases?agency=SU-ALPHA")
            .await
            .0,
        403
    );
    let (_, province) = stats(&app, &aud, "/api/v1/stats/cases?by=agency").await;
    assert_eq!(province["province"], "33");
    assert_eq!(province["total"], 12);
    assert_eq!(
        stats(&app, &ntb, "/api/v1/stats/cases?province=33").await.0,
        403
    );
    assert_eq!(stats(&app, &ntb, "/api/v1/stats/cases").await.1["total"], 0);
    assert_eq!(stats(&app, &cw, "/api/v1/stats/cases").await.0, 403);
    assert_eq!(
        stats(&app, &cw, "/api/v1/stats").await.1["items"]
            .as_array()
            .unwrap()
            .len(),
        0,
        "no indicator a caseworker may read"
    );

    // Bad requests: clear 4xx, never a 500.
    for (path, status) in [
        ("/api/v1/stats/no_such", 404),
        ("/api/v1/stats/cases?colour=red", 400),
        ("/api/v1/stats/cases?by=colour", 422),
        ("/api/v1/stats/cases?by=form,age_band", 422),
        ("/api/v1/stats/cases?by=month,agency,province", 422),
        ("/api/v1/stats/stages?by=month", 422),
        ("/api/v1/stats/cases?from=2026-13", 422),
        ("/api/v1/stats/cases?from=2026-10&to=2026-01", 422),
        ("/api/v1/stats/cases?agency=NOPE", 422),
        ("/api/v1/stats/cases?province=99x", 422),
    ] {
        let (got, body) = stats(&app, &aud, path).await;
        assert_eq!(got, status, "{path}: {body}");
    }
    let (_, list) = stats(&app, &aud, "/api/v1/stats").await;
    assert!(
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["code"] == "time_to_decide" && i["title"].is_string())
    );
}
both_backends!(small_counts_are_hidden_and_each_role_sees_its_scope);

async fn a_breakdown_of_only_hidden_figures_is_refused(backend: Backend) {
    let app = TestApp::spawn_with_agreement_and(backend, TEST_AGREEMENT, |s| {
        s.stats.min_count = std::num::NonZeroU64::new(50).unwrap();
    })
    .await;
    app.user("alpha.cw", "SU-ALPHA", &["caseworker"]);
    app.user("alpha.sup", "SU-ALPHA", &["supervisor"]);
    cases(&app, 3, 4).await;
    let sup = app.token("alpha.sup").await;
    let (status, body) = stats(&app, &sup, "/api/v1/stats/cases?by=form").await;
    assert_eq!(status, 422, "{body}");
    assert!(body.to_string().contains("only suppressed"), "{body}");
    assert!(!body.to_string().contains("\"value\":3") && !body.to_string().contains("\"value\":4"));
}
both_backends!(a_breakdown_of_only_hidden_figures_is_refused);

async fn exports_are_audited_neutralised_and_carry_no_identity(backend: Backend) {
    let app = TestApp::spawn_with_agreement(backend, TEST_AGREEMENT).await;
    app.user("alpha.cw", "SU-ALPHA", &["caseworker"]);
    app.user("alpha.sup", "SU-ALPHA", &["supervisor"]);
    cases(&app, 6, 7).await;
    let sup = app.token("alpha.sup").await;
    let before = rujukan::db::audit::stream(&mut app.conn(), "system")
        .unwrap()
        .iter()
        .filter(|e| e.action == "stats.exported")
        .count();
    let csv = app
        .get_as("/api/v1/stats/cases/export?format=csv&by=form", &sup)
        .await;
    assert_eq!(csv.status(), 200);
    assert!(
        csv.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("attachment")
    );
    let text = csv.text().await.unwrap();
    insta::assert_snapshot!("cases_by_form_export_csv", redact_year(&text));
    assert!(
        text.starts_with("indicator,from,to,province,agency,form,all,value,suppressed\n"),
        "{text}"
    );
    assert!(
        text.contains(",sexual,all,6,") && text.contains(",physical,all,7,"),
        "{text}"
    );
    assert!(text.contains(",total,total,13,"));
    assert!(!text.contains("Survivor"));
    let json = app
        .get_as("/api/v1/stats/deadlines/export?format=json", &sup)
        .await;
    assert_eq!(json.status(), 200);
    let json: Value = json.json().await.unwrap();
    insta::assert_json_snapshot!("deadlines_export_json", redact_value(&json));
    let simfoni = app.get_as("/api/v1/stats/simfoni/export", &sup).await;
    assert_eq!(simfoni.status(), 200);
    let sheet = simfoni.text().await.unwrap();
    insta::assert_snapshot!("simfoni_export_csv", redact_year(&sheet));
    assert!(
        sheet.starts_with("Periode,Provinsi,Lembaga,Kelompok,Kode,Kategori,Jumlah,Disembunyikan\n"),
        "{sheet}"
    );
    assert!(
        sheet.contains("Bentuk kekerasan,sexual,")
            && sheet.contains("Kelompok umur korban,age_25_44,"),
        "{sheet}"
    );
    for line in sheet.lines().skip(1) {
        let cells: Vec<&str> = line.split(',').collect();
        assert_eq!(cells.len(), 8, "{line}");
        assert!(
            !cells
                .iter()
                .any(|c| c.starts_with('=') || c.starts_with('+') || c.starts_with('@')),
            "{line}"
        );
        assert!(
            cells[6].is_empty() || cells[6] == "0" || cells[6].parse::<u64>().unwrap() >= 5,
            "{line}"
        );
    }
    let exported: Vec<Value> = rujukan::db::audit::stream(&mut app.conn(), "system")
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "stats.exported")
        .map(|e| serde_json::from_str(&e.details).unwrap())
        .collect();
    assert_eq!(exported.len() - before, 3, "each export is on the record");
    assert!(
        exported.iter().any(|d| d["format"] == "simfoni")
            && exported.iter().any(|d| d["format"] == "csv")
    );
    assert!(
        !exported.iter().any(|d| d.to_string().contains("\"value\"")),
        "no figure in the trail"
    );
    assert_eq!(
        app.get_as("/api/v1/stats/simfoni/export?from=bad", &sup)
            .await
            .status(),
        422
    );
}
both_backends!(exports_are_audited_neutralised_and_carry_no_identity);

async fn the_statistics_page_shows_a_chart_and_its_table(backend: Backend) {
    let app = TestApp::spawn_with_agreement(backend, TEST_AGREEMENT).await;
    app.user("alpha.cw", "SU-ALPHA", &["caseworker"]);
    app.user("alpha.sup", "SU-ALPHA", &["supervisor"]);
    cases(&app, 3, 9).await;
    let (sup, _) = crate::pages::web_session(&app, "alpha.sup").await;
    let (status, html) = crate::pages::web_get(&app, &sup, "/stats?indicator=cases&by=form").await;
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains("<svg") && html.contains("id=\"stats-table\""),
        "a chart and its table"
    );
    assert!(
        html.contains("Bentuk kekerasan") && html.contains("Kekerasan seksual"),
        "in Indonesian"
    );
    assert!(
        html.contains("class=\"suppressed\""),
        "the hidden figures are marked"
    );
    assert!(!html.contains("<script") && !html.contains("Survivor"));
    let (status, html) = crate::pages::web_get(&app, &sup, "/stats?indicator=time_to_decide").await;
    assert_eq!(status, 200, "{html}");
    let (status, html) =
        crate::pages::web_get(&app, &sup, "/stats?indicator=cases&from=2026-10&to=2026-01").await;
    assert_eq!(status, 422);
    assert!(html.contains("err-to"), "{html}");
    let (cw, _) = crate::pages::web_session(&app, "alpha.cw").await;
    assert_eq!(crate::pages::web_get(&app, &cw, "/stats").await.0, 403);
}
both_backends!(the_statistics_page_shows_a_chart_and_its_table);
