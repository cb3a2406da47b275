//! The web pages over HTTP on both backends: the login page in both languages with its security
//! headers, the login form's errors next to what the user typed, the cookie session, the inbox with
//! its clocks, and logout. (Journeys in a real browser come with the rest of the interface.)

use serde_json::json;

use crate::both_backends;
use crate::helpers::*;

pub(crate) fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// `name=value` of a `Set-Cookie` header of `response`.
pub(crate) fn cookie(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(|v| v.split(';').next().unwrap_or_default().to_owned())
}

pub(crate) fn hidden_csrf(html: &str) -> String {
    html.split("name=\"csrf_token\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned()
}

async fn the_login_page_speaks_both_languages_with_strict_headers(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let page = client()
        .get(format!("{}/login", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let headers = page.headers().clone();
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("script-src 'self'")
            && !csp.contains("unsafe-inline")
            && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    assert_eq!(headers["referrer-policy"], "no-referrer");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    let html = page.text().await.unwrap();
    assert!(
        html.contains("<html lang=\"id\">") && html.contains("Kata sandi"),
        "Indonesian by default"
    );
    assert!(
        html.contains("<label for=\"username\">") && html.contains("id=\"username\""),
        "labelled fields"
    );
    assert!(!html.contains("<script"), "no script at all");

    let switched = client()
        .get(format!("{}/lang/en", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(switched.status(), 303);
    let lang = cookie(&switched, "rujukan_lang").unwrap();
    for (back, to) in [
        ("/cases/7", "/cases/7"),
        ("//evil.example", "/inbox"),
        ("https://evil.example", "/inbox"),
    ] {
        let switched = client()
            .get(format!("{}/lang/en", app.address))
            .query(&[("back", back)])
            .send()
            .await
            .unwrap();
        assert_eq!(switched.headers()["location"], to, "back to {back}");
    }
    let english = client()
        .get(format!("{}/login", app.address))
        .header("cookie", &lang)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        english.contains("<html lang=\"en\">") && english.contains("Password"),
        "English after the switch"
    );

    let css = client()
        .get(format!("{}/static/app.css", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(css.status(), 200);
    assert!(
        css.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
}
both_backends!(the_login_page_speaks_both_languages_with_strict_headers);

async fn a_caseworker_signs_in_sees_the_inbox_with_its_clocks_and_signs_out(backend: Backend) {
    let app = TestApp::spawn_with_agreement(backend, TEST_AGREEMENT).await;
    app.user("alpha.cw", "SU-ALPHA", &["caseworker"]);
    app.user("beta.inv", "POL-BETA", &["investigator"]);
    let case = app
        .intake(
            "alpha.cw",
            json!({
                "survivor": {"full_name": "Ratna Dewi"},
                "incidents": [{"date": "2026-10-02", "forms": ["sexual"]}],
            }),
        )
        .await;
    let alpha = app.token("alpha.cw").await;
    app.post_json(
        &format!("/api/v1/cases/{case}/consents"),
        Some(&alpha),
        json!({"purpose": "police_report", "given": true, "recipient_agency": "POL-BETA"}),
    )
    .await;
    assert_eq!(
        app.post_json(
            &format!("/api/v1/cases/{case}/handoffs"),
            Some(&alpha),
            json!({"handoff": "report", "to_agency": "POL-BETA"})
        )
        .await
        .status(),
        201
    );

    let anonymous = client()
        .get(format!("{}/inbox", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 303);
    assert_eq!(anonymous.headers()["location"], "/login");

    let form = client()
        .get(format!("{}/login", app.address))
        .send()
        .await
        .unwrap();
    let login_csrf = cookie(&form, "rujukan_login_csrf").unwrap();
    let token = hidden_csrf(&form.text().await.unwrap());

    // A wrong password: the message in the user's language, what they typed kept, no session.
    let wrong = client()
        .post(format!("{}/login", app.address))
        .header("cookie", &login_csrf)
        .form(&[
            ("csrf_token", token.as_str()),
            ("username", "beta.inv"),
            ("password", "not the password"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    assert!(cookie(&wrong, "rujukan_session").is_none());
    let html = wrong.text().await.unwrap();
    assert!(
        html.contains("Nama pengguna atau kata sandi salah.")
            && html.contains("value=\"beta.inv\""),
        "{html}"
    );

    // A form without its CSRF cookie is refused.
    let forged = client()
        .post(format!("{}/login", app.address))
        .form(&[
            ("csrf_token", token.as_str()),
            ("username", "beta.inv"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);

    let signed = client()
        .post(format!("{}/login", app.address))
        .header("cookie", &login_csrf)
        .form(&[
            ("csrf_token", token.as_str()),
            ("username", "beta.inv"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(signed.status(), 303);
    assert_eq!(signed.headers()["location"], "/inbox");
    let session = cookie(&signed, "rujukan_session").unwrap();

    let inbox = client()
        .get(format!("{}/inbox", app.address))
        .header("cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(inbox.status(), 200);
    let html = inbox.text().await.unwrap();
    let number = app
        .get_as(&format!("/api/v1/cases/{case}"), &alpha)
        .await
        .json::<serde_json::Value>()
        .await
        .unwrap()["case_number"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        html.contains(&number) && html.contains("SU-ALPHA") && html.contains("Rujukan"),
        "the pending handoff: {html}"
    );
    assert!(
        html.contains("WIB") && html.contains("Dalam batas waktu"),
        "its answer clock in WIB and its state"
    );
    assert!(!html.contains("Ratna"), "no identity in the inbox");
    assert!(
        html.contains("<title>Kotak masuk · Rujukan</title>"),
        "no case content in the title"
    );

    // The case list and the case page with its timeline, in Indonesian.
    let cases = client()
        .get(format!("{}/cases", app.address))
        .header("cookie", &session)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        cases.contains(&number) && cases.contains(&format!("href=\"/cases/{case}\"")),
        "{cases}"
    );
    let page = client()
        .get(format!("{}/cases/{case}", app.address))
        .header("cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    assert!(
        page.contains("Kronologi")
            && page.contains("Rujukan dikirim")
            && page.contains("alpha.cw (SU-ALPHA)"),
        "{page}"
    );
    assert!(
        page.contains("<title>Kasus · Rujukan</title>"),
        "no case content in the title"
    );
    // A signed-out visit to a case page returns there after login.
    let asked = client()
        .get(format!("{}/cases/{case}", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(asked.headers()["location"], "/login");
    let next = cookie(&asked, "rujukan_next").unwrap();
    let again = client()
        .get(format!("{}/login", app.address))
        .send()
        .await
        .unwrap();
    let again_csrf = cookie(&again, "rujukan_login_csrf").unwrap();
    let again_token = hidden_csrf(&again.text().await.unwrap());
    let back = client()
        .post(format!("{}/login", app.address))
        .header("cookie", format!("{again_csrf}; {next}"))
        .form(&[
            ("csrf_token", again_token.as_str()),
            ("username", "beta.inv"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(back.status(), 303);
    assert_eq!(
        back.headers()["location"],
        format!("/cases/{case}").as_str(),
        "back to the page asked for"
    );

    let missing = client()
        .get(format!("{}/cases/999999", app.address))
        .header("cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    assert!(
        missing
            .text()
            .await
            .unwrap()
            .contains("Kasus tidak ditemukan")
    );

    // Logout needs the session's CSRF token, then ends the session.
    let csrf = hidden_csrf(&html);
    let refused = client()
        .post(format!("{}/logout", app.address))
        .header("cookie", &session)
        .form(&[("csrf_token", "wrong")])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    let out = client()
        .post(format!("{}/logout", app.address))
        .header("cookie", &session)
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 303);
    let after = client()
        .get(format!("{}/inbox", app.address))
        .header("cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), 303, "the session ended");
}
both_backends!(a_caseworker_signs_in_sees_the_inbox_with_its_clocks_and_signs_out);

/// Signs `username` in through the login form: `(session cookie, the session's CSRF token)`.
pub(crate) async fn web_session(app: &TestApp, username: &str) -> (String, String) {
    let form = client()
        .get(format!("{}/login", app.address))
        .send()
        .await
        .unwrap();
    let login_csrf = cookie(&form, "rujukan_login_csrf").unwrap();
    let token = hidden_csrf(&form.text().await.unwrap());
    let signed = client()
        .post(format!("{}/login", app.address))
        .header("cookie", &login_csrf)
        .form(&[
            ("csrf_token", token.as_str()),
            ("username", username),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(signed.status(), 303, "{username} signs in");
    let session = cookie(&signed, "rujukan_session").unwrap();
    let inbox = client()
        .get(format!("{}/inbox", app.address))
        .header("cookie", &session)
        .send()
        .await
        .unwrap();
    let csrf = hidden_csrf(&inbox.text().await.unwrap());
    (session, csrf)
}

pub(crate) async fn web_get(app: &TestApp, session: &str, path: &str) -> (u16, String) {
    let answer = client()
        .get(format!("{}{path}", app.address))
        .header("cookie", session)
        .send()
        .await
        .unwrap();
    (answer.status().as_u16(), answer.text().await.unwrap())
}

pub(crate) async fn web_post(
    app: &TestApp,
    session: &str,
    path: &str,
    form: &[(&str, &str)],
) -> (u16, String, Option<String>) {
    let answer = client()
        .post(format!("{}{path}", app.address))
        .header("cookie", session)
        .form(form)
        .send()
        .await
        .unwrap();
    let location = answer
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned());
    (
        answer.status().as_u16(),
        answer.text().await.unwrap(),
        location,
    )
}

pub(crate) fn count(app: &TestApp, table: &str) -> i64 {
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}"))
        .get_result::<N>(&mut app.conn())
        .unwrap()
        .n
}

async fn case_forms_refuse_bad_input_with_messages_next_to_fields_and_change_nothing(
    backend: Backend,
) {
    let app = TestApp::spawn_with_agreement(backend, TEST_AGREEMENT).await;
    app.user("alpha.cw", "SU-ALPHA", &["caseworker"]);
    app.user("out.cw", "SU-OUTSIDER", &["caseworker"]);
    let (session, csrf) = web_session(&app, "alpha.cw").await;

    // Intake: a forged token, then field errors in Indonesian with what was typed kept.
    let (status, _, _) = web_post(
        &app,
        &session,
        "/cases/new",
        &[
            ("csrf_token", "forged"),
            ("survivor.full_name", "Ratna Dewi"),
        ],
    )
    .await;
    assert_eq!(status, 403);
    let (status, html, _) = web_post(
        &app,
        &session,
        "/cases/new",
        &[
            ("csrf_token", &csrf),
            ("survivor.full_name", "Ratna Dewi"),
            ("survivor.nik", "12"),
            ("incident.date", "2031-02-30"),
            ("incident.forms", "sexual"),
            ("incident.forms", "no-such-form"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(
        html.contains("id=\"err-survivor.nik\"") && html.contains("NIK terdiri dari 16 angka"),
        "{html}"
    );
    assert!(
        html.contains("id=\"err-incident.date\"") && html.contains("id=\"err-incident.forms\""),
        "{html}"
    );
    assert!(
        html.contains("value=\"Ratna Dewi\"") && html.contains("value=\"sexual\" checked"),
        "typed values kept"
    );
    assert_eq!(count(&app, "cases"), 0, "nothing half-written");

    let (status, _, location) = web_post(
        &app,
        &session,
        "/cases/new",
        &[
            ("csrf_token", &csrf),
            ("survivor.full_name", "Ratna Dewi"),
            ("incident.date", "2026-10-02"),
            ("incident.forms", "sexual"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let location = location.unwrap();
    let case: i64 = location.rsplit('/').next().unwrap().parse().unwrap();
    let (_, page) = web_get(&app, &session, &location).await;
    assert!(!page.contains("Ratna Dewi"), "identity hidden");
    let version = page
        .split("name=\"version\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let audit_before = count(&app, "audit_events");

    // Consent: an unknown purpose, then a stale version; neither records anything.
    let (status, html, _) = web_post(
        &app,
        &session,
        &format!("/cases/{case}/consent"),
        &[
            ("csrf_token", &csrf),
            ("version", &version),
            ("purpose", "everything"),
            ("given", "yes"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("err-consent-purpose"), "{html}");
    let stale = (version.parse::<i32>().unwrap() - 1).to_string();
    let (status, html, _) = web_post(
        &app,
        &session,
        &format!("/cases/{case}/consent"),
        &[
            ("csrf_token", &csrf),
            ("version", &stale),
            ("purpose", "police_report"),
            ("given", "yes"),
            ("legal_basis", "typed text"),
        ],
    )
    .await;
    assert_eq!(status, 409);
    assert!(
        html.contains("Orang lain telah mengubah kasus ini")
            && html.contains(&format!("href=\"/cases/{case}\""))
            && html.contains("value=\"typed text\""),
        "{html}"
    );
    // A note without text; a reveal without a purpose; a referral the agreement does not open.
    let (status, html, _) = web_post(
        &app,
        &session,
        &format!("/cases/{case}/notes"),
        &[("csrf_token", &csrf), ("body", "   ")],
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("err-note-body"));
    let (status, html, _) = web_post(
        &app,
        &session,
        &format!("/cases/{case}/identity"),
        &[("csrf_token", &csrf), ("purpose", "x")],
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("err-identity-purpose") && !html.contains("Ratna Dewi"));
    let (status, html, _) = web_post(
        &app,
        &session,
        &format!("/cases/{case}/send"),
        &[
            ("csrf_token", &csrf),
            ("version", &version),
            ("handoff", "report"),
            ("to_agency", "POL-BETA"),
            ("agreement", "test-mou"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(
        html.contains("Perjanjian tidak mengizinkan serah terima ini sekarang")
            && html.contains("Persetujuan belum ada"),
        "{html}"
    );
    // An unknown agency in a forged form.
    let (status, _, _) = web_post(
        &app,
        &session,
        &format!("/cases/{case}/send"),
        &[
            ("csrf_token", &csrf),
            ("version", &version),
            ("handoff", "report"),
            ("to_agency", "NOPE"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(
        count(&app, "consents") + count(&app, "case_notes") + count(&app, "handoffs"),
        0
    );
    assert_eq!(
        count(
            &app,
            &format!("audit_events WHERE id > {audit_before} AND action <> 'case.viewed'")
        ),
        0,
        "nothing but the reads of the pages shown again is on the record"
    );

    // Documents: a file of a type not accepted, a forged token, then a text file that is listed.
    let upload = |token: &str, media: &str, body: &str| {
        let multipart = format!(
            "--XyZ\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{token}\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"visum.txt\"\r\nContent-Type: {media}\r\n\r\n{body}\r\n--XyZ--\r\n"
        );
        client()
            .post(format!("{}/cases/{case}/documents", app.address))
            .header("cookie", &session)
            .header("content-type", "multipart/form-data; boundary=XyZ")
            .body(multipart)
            .send()
    };
    let refused = upload(&csrf, "application/x-msdownload", "MZ")
        .await
        .unwrap();
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await.unwrap().contains("err-document-file"));
    assert_eq!(
        upload("forged", "text/plain", "hello")
            .await
            .unwrap()
            .status(),
        403
    );
    assert_eq!(count(&app, "documents"), 0);
    let stored = upload(&csrf, "text/plain", "Hasil visum, halaman 1")
        .await
        .unwrap();
    assert_eq!(stored.status(), 303);
    let (_, page) = web_get(&app, &session, &format!("/cases/{case}")).await;
    assert!(
        page.contains("visum.txt") && page.contains(&format!("/api/v1/cases/{case}/documents/")),
        "{page}"
    );
    let link = page
        .split(&format!("href=\"/api/v1/cases/{case}/documents/"))
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let (status, content) = web_get(
        &app,
        &session,
        &format!("/api/v1/cases/{case}/documents/{link}"),
    )
    .await;
    assert_eq!(
        (status, content.as_str()),
        (200, "Hasil visum, halaman 1"),
        "the cookie session downloads it"
    );

    // A form sent after the session ended goes to the login page, then back to the case.
    let expired = client()
        .post(format!("{}/cases/{case}/notes", app.address))
        .form(&[("csrf_token", csrf.as_str()), ("body", "late")])
        .send()
        .await
        .unwrap();
    assert_eq!(expired.status(), 303);
    assert_eq!(expired.headers()["location"], "/login");
    assert_eq!(
        cookie(&expired, "rujukan_next").unwrap(),
        format!("rujukan_next=/cases/{case}")
    );

    // Someone of an unrelated agency: every form is a 404 and changes nothing.
    let (outsider, outsider_csrf) = web_session(&app, "out.cw").await;
    for path in ["consent", "notes", "identity", "stage", "send"] {
        let (status, html, _) = web_post(
            &app,
            &outsider,
            &format!("/cases/{case}/{path}"),
            &[
                ("csrf_token", &outsider_csrf),
                ("version", &version),
                ("purpose", "police_report"),
                ("given", "yes"),
                ("body", "hello"),
                ("track", "justice"),
                ("stage", "reported_to_police"),
            ],
        )
        .await;
        assert_eq!(status, 404, "{path}: {html}");
    }
    assert_eq!(count(&app, "consents") + count(&app, "case_notes"), 0);
    let foreign_body = format!(
        "--XyZ\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{outsider_csrf}\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.txt\"\r\nContent-Type: text/plain\r\n\r\nx\r\n--XyZ--\r\n"
    );
    let foreign = client()
        .post(format!("{}/cases/{case}/documents", app.address))
        .header("cookie", &outsider)
        .header("content-type", "multipart/form-data; boundary=XyZ")
        .body(foreign_body)
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status(), 404);
    assert_eq!(count(&app, "documents"), 1);
    // Each refused page is on the case's record, once per route.
    let refused: Vec<String> = rujukan::db::audit::stream(&mut app.conn(), &format!("case:{case}"))
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "access.denied" && e.actor_username.as_deref() == Some("out.cw"))
        .map(|e| {
            serde_json::from_str::<serde_json::Value>(&e.details).unwrap()["route"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(refused.len(), 6, "{refused:?}");
    assert!(
        refused.iter().all(|r| r.starts_with("/cases/{id}")),
        "{refused:?}"
    );

    // The case list: search by number, a bad date next to its field.
    let (status, html) = web_get(&app, &session, "/cases?number=2026&status=open").await;
    assert_eq!(status, 200);
    assert!(html.contains(&format!("href=\"/cases/{case}\"")));
    let (status, html) = web_get(&app, &session, "/cases?number=ZZ-9999").await;
    assert_eq!(status, 200);
    assert!(!html.contains(&format!("href=\"/cases/{case}\"")));
    let (status, html) = web_get(&app, &session, "/cases?from=not-a-date").await;
    assert_eq!(status, 422);
    assert!(html.contains("field-error"));
}
both_backends!(case_forms_refuse_bad_input_with_messages_next_to_fields_and_change_nothing);

async fn supervisors_auditors_and_administrators_each_see_their_pages(backend: Backend) {
    let app = TestApp::spawn_with_agreement(backend, TEST_AGREEMENT).await;
    app.user("alpha.cw", "SU-ALPHA", &["caseworker"]);
    app.user("alpha.sup", "SU-ALPHA", &["supervisor"]);
    app.user("alpha.admin", "SU-ALPHA", &["agency_admin"]);
    app.user("omega.cw", "SU-OMEGA", &["caseworker"]);
    app.designate_audits("SU-OMEGA");
    app.user("prov.auditor", "SU-OMEGA", &["auditor"]);
    let case = app
        .intake(
            "alpha.cw",
            json!({
                "survivor": {"full_name": "Ratna Dewi"},
                "incidents": [{"date": "2026-10-02", "forms": ["sexual"]}],
            }),
        )
        .await;
    let alpha = app.token("alpha.cw").await;
    let number = app
        .get_as(&format!("/api/v1/cases/{case}"), &alpha)
        .await
        .json::<serde_json::Value>()
        .await
        .unwrap()["case_number"]
        .as_str()
        .unwrap()
        .to_owned();

    // A caseworker has none of these pages, and no menu entry for them.
    let (cw, _) = web_session(&app, "alpha.cw").await;
    for path in ["/supervision", "/audit", "/admin"] {
        assert_eq!(web_get(&app, &cw, path).await.0, 403, "{path}");
    }
    let (_, inbox) = web_get(&app, &cw, "/inbox").await;
    assert!(
        inbox.contains("href=\"/cases/new\"")
            && !inbox.contains("href=\"/supervision\"")
            && !inbox.contains("href=\"/audit\"")
    );

    // The supervisor: caseload, and the case's timeline with who read it.
    let (sup, _) = web_session(&app, "alpha.sup").await;
    let (status, html) = web_get(&app, &sup, "/supervision").await;
    assert_eq!(status, 200);
    assert!(
        html.contains(&number) && html.contains(&format!("href=\"/cases/{case}/audit\"")),
        "{html}"
    );
    let (status, html) = web_get(&app, &sup, &format!("/cases/{case}/audit")).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Kasus dicatat")
            && html.contains("Kasus dilihat")
            && html.contains("alpha.cw (SU-ALPHA)"),
        "{html}"
    );
    assert!(!html.contains("Ratna"));

    // The auditor: search, bad dates next to their field, the chain verified on request.
    let (aud, aud_csrf) = web_session(&app, "prov.auditor").await;
    let (status, html) = web_get(&app, &aud, "/audit?action=case.created").await;
    assert_eq!(status, 200);
    assert!(
        html.contains("audit-results") && html.contains("alpha.cw (SU-ALPHA)"),
        "{html}"
    );
    let (status, html) = web_get(&app, &aud, "/audit?from=2026-12-01&to=2026-01-01").await;
    assert_eq!(status, 422);
    assert!(html.contains("field-error"));
    let (status, html) = web_get(&app, &aud, "/audit?action=no.such").await;
    assert_eq!(status, 422);
    assert!(html.contains("field-error"));
    let (status, html, _) =
        web_post(&app, &aud, "/audit/verify", &[("csrf_token", &aud_csrf)]).await;
    assert_eq!(status, 200);
    assert!(html.contains("Utuh:"), "{html}");
    assert_eq!(
        web_post(&app, &aud, "/audit/verify", &[("csrf_token", "forged")])
            .await
            .0,
        403
    );
    assert_eq!(
        web_get(&app, &aud, &format!("/cases/{case}")).await.0,
        404,
        "an auditor reads no case content"
    );
    assert_eq!(
        web_get(&app, &aud, &format!("/cases/{case}/audit")).await.0,
        200,
        "but the timeline and access log"
    );

    // The agency administrator: own users, the agreement in force, a new user; a bad password
    // is refused without being sent back.
    let (adm, adm_csrf) = web_session(&app, "alpha.admin").await;
    let (status, html) = web_get(&app, &adm, "/admin").await;
    assert_eq!(status, 200);
    assert!(
        html.contains("alpha.cw") && !html.contains("omega.cw"),
        "own agency's users only"
    );
    assert!(
        html.contains("Test agreement")
            && html.contains("test-mou")
            && html.contains("jawab dalam 24 jam"),
        "the agreement, readably"
    );
    let (status, html, _) = web_post(
        &app,
        &adm,
        "/admin/users",
        &[
            ("csrf_token", &adm_csrf),
            ("username", "alpha.new"),
            ("roles", "caseworker"),
            ("password", "short"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(
        html.contains("value=\"alpha.new\"") && !html.contains("value=\"short\""),
        "{html}"
    );
    assert!(
        rujukan::db::users::by_username(&mut app.conn(), "alpha.new")
            .unwrap()
            .is_none()
    );
    let (status, _, _) = web_post(
        &app,
        &adm,
        "/admin/users",
        &[
            ("csrf_token", &adm_csrf),
            ("username", "alpha.other"),
            ("roles", "caseworker"),
            ("agency", "SU-OMEGA"),
            ("password", PASSWORD),
        ],
    )
    .await;
    assert!(
        status == 403 || status == 404,
        "another agency's user: {status}"
    );
    assert!(
        rujukan::db::users::by_username(&mut app.conn(), "alpha.other")
            .unwrap()
            .is_none()
    );
    let (status, _, location) = web_post(
        &app,
        &adm,
        "/admin/users",
        &[
            ("csrf_token", &adm_csrf),
            ("username", "alpha.new"),
            ("roles", "caseworker"),
            ("password", PASSWORD),
        ],
    )
    .await;
    assert_eq!(status, 303);
    assert_eq!(location.as_deref(), Some("/admin?added=alpha.new"));
    assert!(
        rujukan::db::users::by_username(&mut app.conn(), "alpha.new")
            .unwrap()
            .is_some()
    );
    assert_eq!(
        web_get(&app, &adm, &format!("/cases/{case}")).await.0,
        404,
        "administrators read no case content"
    );
}
both_backends!(supervisors_auditors_and_administrators_each_see_their_pages);

async fn high_and_critical_risk_stand_out_in_the_case_list(backend: Backend) {
    let app = TestApp::spawn_with_agreement(backend, TEST_AGREEMENT).await;
    app.user("alpha.cw", "SU-ALPHA", &["caseworker"]);
    for risk in ["low", "high", "critical"] {
        app.intake(
            "alpha.cw",
            serde_json::json!({"survivor": {"full_name": "Sari"}, "risk_level": risk}),
        )
        .await;
    }
    let (session, _) = web_session(&app, "alpha.cw").await;
    let (status, html) = web_get(&app, &session, "/cases").await;
    assert_eq!(status, 200);
    assert_eq!(
        html.matches("class=\"badge risk-urgent\"").count(),
        2,
        "high and critical are marked, low is not"
    );
    assert!(
        html.contains("⚠ Tinggi") && html.contains("⚠ Kritis"),
        "marked in words, not colour alone"
    );
}
both_backends!(high_and_critical_risk_stand_out_in_the_case_list);

/// The session's last use, as stored.
fn last_seen(app: &TestApp) -> Vec<chrono::NaiveDateTime> {
    use diesel::prelude::*;
    use rujukan::db::schema::sessions;
    sessions::table
        .filter(sessions::kind.eq("web"))
        .select(sessions::last_seen_at)
        .load(&mut app.conn())
        .unwrap()
}

async fn pages_read_within_a_minute_do_not_write_the_session(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.agency("UPTD-PPA-JATENG", "service_unit", "33");
    app.user("siti.cw", "UPTD-PPA-JATENG", &["caseworker"]);
    let (session, _) = web_session(&app, "siti.cw").await;
    let before = last_seen(&app);
    assert_eq!(before.len(), 1);
    for page in ["/inbox", "/cases", "/sent", "/inbox"] {
        let (status, _) = web_get(&app, &session, page).await;
        assert_eq!(status, 200);
    }
    assert_eq!(
        last_seen(&app),
        before,
        "the last use is written at most once a minute"
    );
    // A minute later, the next page records the use again.
    {
        use diesel::prelude::*;
        use rujukan::db::schema::sessions;
        let earlier = before[0] - chrono::Duration::minutes(2);
        diesel::update(sessions::table.filter(sessions::kind.eq("web")))
            .set(sessions::last_seen_at.eq(earlier))
            .execute(&mut app.conn())
            .unwrap();
    }
    let (status, _) = web_get(&app, &session, "/inbox").await;
    assert_eq!(status, 200);
    assert!(last_seen(&app)[0] > before[0] - chrono::Duration::minutes(1));
}
both_backends!(pages_read_within_a_minute_do_not_write_the_session);
