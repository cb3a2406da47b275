//! The web pages over HTTP on both backends: the login page in both languages with its security
//! headers, the login form's errors next to what the user typed, the cookie session, the inbox with
//! its clocks, and logout. (Journeys in a real browser come with the rest of the interface.)

use serde_json::json;

use crate::both_backends;
use crate::helpers::*;

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// `name=value` of a `Set-Cookie` header of `response`.
fn cookie(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(|v| v.split(';').next().unwrap_or_default().to_owned())
}

fn hidden_csrf(html: &str) -> String {
    html.split("name=\"csrf_token\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned()
}

both_backends! {
    async fn the_login_page_speaks_both_languages_with_strict_headers(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let page = client().get(format!("{}/login", app.address)).send().await.unwrap();
        assert_eq!(page.status(), 200);
        let headers = page.headers().clone();
        let csp = headers["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline") && csp.contains("frame-ancestors 'none'"), "{csp}");
        assert_eq!(headers["referrer-policy"], "no-referrer");
        assert_eq!(headers["x-content-type-options"], "nosniff");
        let html = page.text().await.unwrap();
        assert!(html.contains("<html lang=\"id\">") && html.contains("Kata sandi"), "Indonesian by default");
        assert!(html.contains("<label for=\"username\">") && html.contains("id=\"username\""), "labelled fields");
        assert!(!html.contains("<script"), "no script at all");

        let switched = client().get(format!("{}/lang/en", app.address)).send().await.unwrap();
        assert_eq!(switched.status(), 303);
        let lang = cookie(&switched, "rujukan_lang").unwrap();
        let english = client().get(format!("{}/login", app.address)).header("cookie", &lang).send().await.unwrap().text().await.unwrap();
        assert!(english.contains("<html lang=\"en\">") && english.contains("Password"), "English after the switch");

        let css = client().get(format!("{}/static/app.css", app.address)).send().await.unwrap();
        assert_eq!(css.status(), 200);
        assert!(css.headers()["content-type"].to_str().unwrap().starts_with("text/css"));
    }
}

both_backends! {
    async fn a_caseworker_signs_in_sees_the_inbox_with_its_clocks_and_signs_out(backend: Backend) {
        let app = TestApp::spawn_with_agreement(backend, TEST_AGREEMENT).await;
        app.user("alpha.cw", "SU-ALPHA", &["caseworker"]);
        app.user("beta.inv", "POL-BETA", &["investigator"]);
        let case = app.intake("alpha.cw", json!({"survivor": {"full_name": "Ratna Dewi"}, "incidents": [{"date": "2026-10-02", "forms": ["sexual"]}]})).await;
        let alpha = app.token("alpha.cw").await;
        app.post_json(&format!("/api/v1/cases/{case}/consents"), Some(&alpha), json!({"purpose": "police_report", "given": true, "recipient_agency": "POL-BETA"})).await;
        assert_eq!(app.post_json(&format!("/api/v1/cases/{case}/handoffs"), Some(&alpha), json!({"handoff": "report", "to_agency": "POL-BETA"})).await.status(), 201);

        let anonymous = client().get(format!("{}/inbox", app.address)).send().await.unwrap();
        assert_eq!(anonymous.status(), 303);
        assert_eq!(anonymous.headers()["location"], "/login");

        let form = client().get(format!("{}/login", app.address)).send().await.unwrap();
        let login_csrf = cookie(&form, "rujukan_login_csrf").unwrap();
        let token = hidden_csrf(&form.text().await.unwrap());

        // A wrong password: the message in the user's language, what they typed kept, no session.
        let wrong = client().post(format!("{}/login", app.address)).header("cookie", &login_csrf)
            .form(&[("csrf_token", token.as_str()), ("username", "beta.inv"), ("password", "not the password")]).send().await.unwrap();
        assert_eq!(wrong.status(), 401);
        assert!(cookie(&wrong, "rujukan_session").is_none());
        let html = wrong.text().await.unwrap();
        assert!(html.contains("Nama pengguna atau kata sandi salah.") && html.contains("value=\"beta.inv\""), "{html}");

        // A form without its CSRF cookie is refused.
        let forged = client().post(format!("{}/login", app.address))
            .form(&[("csrf_token", token.as_str()), ("username", "beta.inv"), ("password", PASSWORD)]).send().await.unwrap();
        assert_eq!(forged.status(), 403);

        let signed = client().post(format!("{}/login", app.address)).header("cookie", &login_csrf)
            .form(&[("csrf_token", token.as_str()), ("username", "beta.inv"), ("password", PASSWORD)]).send().await.unwrap();
        assert_eq!(signed.status(), 303);
        assert_eq!(signed.headers()["location"], "/inbox");
        let session = cookie(&signed, "rujukan_session").unwrap();

        let inbox = client().get(format!("{}/inbox", app.address)).header("cookie", &session).send().await.unwrap();
        assert_eq!(inbox.status(), 200);
        let html = inbox.text().await.unwrap();
        let number = app.get_as(&format!("/api/v1/cases/{case}"), &alpha).await.json::<serde_json::Value>().await.unwrap()["case_number"].as_str().unwrap().to_owned();
        assert!(html.contains(&number) && html.contains("SU-ALPHA") && html.contains("Rujukan"), "the pending handoff: {html}");
        assert!(html.contains("WIB") && html.contains("Berjalan"), "its answer clock in WIB and its state");
        assert!(!html.contains("Ratna"), "no identity in the inbox");
        assert!(html.contains("<title>Kotak masuk · Rujukan</title>"), "no case content in the title");

        // The case list and the case page with its timeline, in Indonesian.
        let cases = client().get(format!("{}/cases", app.address)).header("cookie", &session).send().await.unwrap().text().await.unwrap();
        assert!(cases.contains(&number) && cases.contains(&format!("href=\"/cases/{case}\"")), "{cases}");
        let page = client().get(format!("{}/cases/{case}", app.address)).header("cookie", &session).send().await.unwrap();
        assert_eq!(page.status(), 200);
        let page = page.text().await.unwrap();
        assert!(page.contains("Kronologi") && page.contains("Rujukan dikirim") && page.contains("alpha.cw (SU-ALPHA)"), "{page}");
        assert!(page.contains("<title>Kasus · Rujukan</title>"), "no case content in the title");
        // A signed-out visit to a case page returns there after login.
        let asked = client().get(format!("{}/cases/{case}", app.address)).send().await.unwrap();
        assert_eq!(asked.headers()["location"], "/login");
        let next = cookie(&asked, "rujukan_next").unwrap();
        let again = client().get(format!("{}/login", app.address)).send().await.unwrap();
        let again_csrf = cookie(&again, "rujukan_login_csrf").unwrap();
        let again_token = hidden_csrf(&again.text().await.unwrap());
        let back = client().post(format!("{}/login", app.address)).header("cookie", format!("{again_csrf}; {next}"))
            .form(&[("csrf_token", again_token.as_str()), ("username", "beta.inv"), ("password", PASSWORD)]).send().await.unwrap();
        assert_eq!(back.status(), 303);
        assert_eq!(back.headers()["location"], format!("/cases/{case}").as_str(), "back to the page asked for");

        let missing = client().get(format!("{}/cases/999999", app.address)).header("cookie", &session).send().await.unwrap();
        assert_eq!(missing.status(), 404);
        assert!(missing.text().await.unwrap().contains("Kasus tidak ditemukan"));

        // Logout needs the session's CSRF token, then ends the session.
        let csrf = hidden_csrf(&html);
        let refused = client().post(format!("{}/logout", app.address)).header("cookie", &session).form(&[("csrf_token", "wrong")]).send().await.unwrap();
        assert_eq!(refused.status(), 403);
        let out = client().post(format!("{}/logout", app.address)).header("cookie", &session).form(&[("csrf_token", csrf.as_str())]).send().await.unwrap();
        assert_eq!(out.status(), 303);
        let after = client().get(format!("{}/inbox", app.address)).header("cookie", &session).send().await.unwrap();
        assert_eq!(after.status(), 303, "the session ended");
    }
}
