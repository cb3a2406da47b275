//! Login, tokens, sessions, lockout and the web cookie, on both backends.

use std::process::{Command, Stdio};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Utc;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::{assert_problem_snapshot, both_backends};

async fn status_of_me(app: &TestApp, token: &str) -> u16 {
    app.get_as("/api/v1/me", token).await.status().as_u16()
}

async fn refresh(app: &TestApp, refresh_token: &Value) -> reqwest::Response {
    app.post_json(
        "/api/v1/auth/refresh",
        None,
        json!({"refresh_token": refresh_token}),
    )
    .await
}

async fn a_user_added_on_the_command_line_logs_in_refreshes_and_logs_out(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.agency("UPTD-PPA-JATENG", "service_unit", "33");
    let mut child = Command::new(env!("CARGO_BIN_EXE_rujukan"))
        .env("RUJUKAN_ENV", "test")
        .args([
            "--config-dir",
            &repo_dir().join("config").to_string_lossy(),
            "user",
            "add",
            "--username",
            "Siti.Rahma",
            "--agency",
            "UPTD-PPA-JATENG",
            "--role",
            "caseworker",
            "--role",
            "supervisor",
            "--email",
            "siti@ppa.jatengprov.go.id",
            "--database-url",
            app.db.url(),
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{PASSWORD}\n").as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    let pair = app.login("siti.rahma", PASSWORD).await;
    assert_eq!(pair["token_type"], "Bearer");
    assert_eq!(pair["expires_in"], 900);
    let access = pair["access_token"].as_str().unwrap().to_owned();

    let me: Value = app
        .get_as("/api/v1/me", &access)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["username"], "siti.rahma");
    assert_eq!(
        me["agency"],
        json!({"code": "UPTD-PPA-JATENG", "name": "Agency UPTD-PPA-JATENG", "kind": "service_unit"})
    );
    assert_eq!(me["roles"], json!(["caseworker", "supervisor"]));

    let renewed = refresh(&app, &pair["refresh_token"]).await;
    assert_eq!(renewed.status(), 200);
    let renewed: Value = renewed.json().await.unwrap();
    assert_ne!(renewed["refresh_token"], pair["refresh_token"], "rotated");
    let access2 = renewed["access_token"].as_str().unwrap().to_owned();
    assert_eq!(status_of_me(&app, &access2).await, 200);

    let out = app
        .client
        .post(format!("{}/api/v1/auth/logout", app.address))
        .bearer_auth(&access2)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 204);
    assert_eq!(
        status_of_me(&app, &access2).await,
        401,
        "access token dead after logout"
    );
    assert_eq!(
        status_of_me(&app, &access).await,
        401,
        "first access token dead too"
    );
    assert_eq!(
        refresh(&app, &renewed["refresh_token"]).await.status(),
        401,
        "refresh token dead after logout"
    );

    let actions: Vec<String> = app.system_audit().into_iter().map(|e| e.action).collect();
    for expected in [
        "user.created",
        "auth.login",
        "auth.refreshed",
        "auth.logout",
    ] {
        assert!(
            actions.iter().any(|a| a == expected),
            "{expected} in {actions:?}"
        );
    }
}
both_backends!(a_user_added_on_the_command_line_logs_in_refreshes_and_logs_out);

async fn a_reused_refresh_token_ends_the_session(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.agency("POLDA-JATENG", "police", "33");
    app.user("bayu", "POLDA-JATENG", &["investigator"]);
    let first = app.login("bayu", PASSWORD).await;
    let second: Value = refresh(&app, &first["refresh_token"])
        .await
        .json()
        .await
        .unwrap();
    let again = refresh(&app, &first["refresh_token"]).await;
    assert_eq!(again.status(), 401);
    assert_eq!(problem(again).await["code"], "auth.invalid_token");
    assert_eq!(
        status_of_me(&app, second["access_token"].as_str().unwrap()).await,
        401,
        "whole session revoked"
    );
    assert_eq!(refresh(&app, &second["refresh_token"]).await.status(), 401);
    assert!(
        app.system_audit()
            .iter()
            .any(|e| e.action == "auth.refresh_reused")
    );
}
both_backends!(a_reused_refresh_token_ends_the_session);

async fn wrong_password_and_unknown_user_get_the_same_answer(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.agency("POLDA-JATENG", "police", "33");
    app.user("bayu", "POLDA-JATENG", &["investigator"]);
    let wrong = app
        .post_json(
            "/api/v1/auth/login",
            None,
            json!({"username": "bayu", "password": "not the password at all"}),
        )
        .await;
    let unknown = app
        .post_json(
            "/api/v1/auth/login",
            None,
            json!({"username": "nobody", "password": "not the password at all"}),
        )
        .await;
    assert_eq!(
        (wrong.status().as_u16(), unknown.status().as_u16()),
        (401, 401)
    );
    let mut wrong = problem(wrong).await;
    let mut unknown = problem(unknown).await;
    wrong["request_id"] = Value::Null;
    unknown["request_id"] = Value::Null;
    assert_eq!(wrong, unknown);
    assert_eq!(wrong["code"], "auth.invalid_credentials");
    assert_problem_snapshot!("invalid_credentials", wrong);
    let failed: Vec<_> = app
        .system_audit()
        .into_iter()
        .filter(|e| e.action == "auth.login_failed")
        .collect();
    assert_eq!(failed.len(), 2);
    assert!(
        failed
            .iter()
            .all(|e| e.request_id.is_some() && e.client_ip.is_some())
    );
    assert!(
        failed
            .iter()
            .all(|e| !e.details.contains("not the password")),
        "no password in the audit"
    );
}
both_backends!(wrong_password_and_unknown_user_get_the_same_answer);

async fn repeated_failures_lock_the_account_even_for_the_right_password(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.agency("POLDA-JATENG", "police", "33");
    app.user("bayu", "POLDA-JATENG", &["investigator"]);
    let wrong = json!({"username": "bayu", "password": "not the password at all"});
    for attempt in 1..=5 {
        let response = app
            .post_json("/api/v1/auth/login", None, wrong.clone())
            .await;
        assert_eq!(response.status(), 401, "attempt {attempt}");
    }
    let sixth = app
        .post_json("/api/v1/auth/login", None, wrong.clone())
        .await;
    assert_eq!(sixth.status(), 423);
    let retry: u64 = sixth.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((60..=900).contains(&retry), "retry after {retry}");
    let locked = problem(sixth).await;
    assert_eq!(locked["code"], "auth.locked");
    assert_problem_snapshot!("auth_locked", locked);

    let right = app
        .post_json(
            "/api/v1/auth/login",
            None,
            json!({"username": "bayu", "password": PASSWORD}),
        )
        .await;
    assert_eq!(right.status(), 423, "locked even with the right password");
    assert!(right.headers().contains_key("retry-after"));

    // Unknown usernames lock the same way, so a lock reveals nothing.
    for _ in 0..5 {
        app.post_json(
            "/api/v1/auth/login",
            None,
            json!({"username": "ghost", "password": "x"}),
        )
        .await;
    }
    assert_eq!(
        app.post_json(
            "/api/v1/auth/login",
            None,
            json!({"username": "ghost", "password": "x"})
        )
        .await
        .status(),
        423
    );

    // When the lock ends, the right password works again.
    use diesel::prelude::*;
    use rujukan::db::schema::login_throttle;
    let past = Utc::now().naive_utc() - chrono::Duration::minutes(1);
    diesel::update(login_throttle::table.find("bayu"))
        .set(login_throttle::locked_until.eq(past))
        .execute(&mut app.conn())
        .unwrap();
    assert_eq!(
        app.post_json(
            "/api/v1/auth/login",
            None,
            json!({"username": "bayu", "password": PASSWORD})
        )
        .await
        .status(),
        200
    );
    let actions: Vec<String> = app.system_audit().into_iter().map(|e| e.action).collect();
    assert!(
        actions.contains(&"auth.locked".to_owned())
            && actions.contains(&"auth.login_refused_locked".to_owned())
    );
}
both_backends!(repeated_failures_lock_the_account_even_for_the_right_password);

async fn concurrent_failed_logins_are_each_answered_and_counted(backend: Backend) {
    let db = TestDb::new(backend);
    let mut settings = db.settings();
    settings.auth.lockout_failures = 1000;
    settings.auth.login_per_ip_per_minute = 1000;
    let app = TestApp::spawn_with(db, settings).await;
    // Half of them on one name, the others each on its own (new) name, all at once.
    let names: Vec<String> = (0..24)
        .map(|i| {
            if i % 2 == 0 {
                "ghost".to_owned()
            } else {
                format!("ghost{i}")
            }
        })
        .collect();
    let attempts = names.iter().map(|name| {
        app.post_json(
            "/api/v1/auth/login",
            None,
            json!({"username": name, "password": "x"}),
        )
    });
    let statuses: Vec<u16> = futures_util::future::join_all(attempts)
        .await
        .iter()
        .map(|r| r.status().as_u16())
        .collect();
    assert!(
        statuses.iter().all(|s| *s == 401),
        "every failure is a 401: {statuses:?}"
    );
    use diesel::prelude::*;
    use rujukan::db::schema::login_throttle;
    let failures: i32 = login_throttle::table
        .find("ghost")
        .select(login_throttle::failures)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(failures, 12, "no failure is lost");
}
both_backends!(concurrent_failed_logins_are_each_answered_and_counted);

async fn logins_from_one_address_are_rate_limited(backend: Backend) {
    let db = TestDb::new(backend);
    let mut settings = db.settings();
    settings.auth.login_per_ip_per_minute = 3;
    let app = TestApp::spawn_with(db, settings).await;
    for _ in 0..3 {
        let r = app
            .post_json(
                "/api/v1/auth/login",
                None,
                json!({"username": "a", "password": "b"}),
            )
            .await;
        assert_eq!(r.status(), 401);
    }
    let limited = app
        .post_json(
            "/api/v1/auth/login",
            None,
            json!({"username": "a", "password": "b"}),
        )
        .await;
    assert_eq!(limited.status(), 429);
    assert!(limited.headers().contains_key("retry-after"));
    let limited = problem(limited).await;
    assert_eq!(limited["code"], "auth.rate_limited");
    // The wait left depends on how fast the attempts came.
    insta::assert_json_snapshot!("login_rate_limited", limited, {
        ".request_id" => "[request_id]",
        ".detail" => insta::dynamic_redaction(|value, _| {
            let detail = value.as_str().unwrap_or_default();
            let digits: String = detail.chars().filter(char::is_ascii_digit).collect();
            detail.replacen(&digits, "[seconds]", 1)
        }),
    });
}
both_backends!(logins_from_one_address_are_rate_limited);

fn forge(secret: &str, claims: Value, alg: jsonwebtoken::Algorithm) -> String {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(alg),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

async fn bad_tokens_are_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.agency("POLDA-JATENG", "police", "33");
    let id = app.user("bayu", "POLDA-JATENG", &["investigator"]);
    let good = app.token("bayu").await;
    assert_eq!(status_of_me(&app, &good).await, 200);
    let parts: Vec<&str> = good.split('.').collect();
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    let secret = app.jwt_secret();
    let now = Utc::now().timestamp();
    let hs = jsonwebtoken::Algorithm::HS256;

    let mut expired = claims.clone();
    expired["exp"] = json!(now - 120);
    let mut audience = claims.clone();
    audience["aud"] = json!("another-system");
    let mut issuer = claims.clone();
    issuer["iss"] = json!("another-issuer");
    let mut other_session = claims.clone();
    other_session["sid"] = json!("00000000-0000-0000-0000-000000000000");
    let mut other_user = claims.clone();
    other_user["sub"] = json!((id + 1).to_string());
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(other_user.to_string()),
        parts[2]
    );
    let alg_none = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#),
        parts[1]
    );

    let cases = [
        ("expired", forge(&secret, expired, hs)),
        ("wrong audience", forge(&secret, audience, hs)),
        ("wrong issuer", forge(&secret, issuer, hs)),
        (
            "wrong key",
            forge(
                "some-other-secret-that-is-long-enough-0123",
                claims.clone(),
                hs,
            ),
        ),
        (
            "HS512 instead of HS256",
            forge(&secret, claims.clone(), jsonwebtoken::Algorithm::HS512),
        ),
        ("unknown session", forge(&secret, other_session, hs)),
        ("session of another user", forge(&secret, other_user, hs)),
        ("tampered payload", tampered),
        ("alg none", alg_none),
        ("garbage", "not-a-token".to_owned()),
    ];
    for (name, token) in cases {
        let response = app.get_as("/api/v1/me", &token).await;
        assert_eq!(response.status(), 401, "{name}");
        assert_eq!(
            problem(response).await["code"],
            "auth.invalid_token",
            "{name}"
        );
    }
    let missing = app.get("/api/v1/me").await;
    assert_eq!(missing.status(), 401);
    assert!(missing.headers().contains_key("www-authenticate"));
    assert_eq!(problem(missing).await["code"], "auth.required");
}
both_backends!(bad_tokens_are_refused);

async fn disabling_a_user_or_changing_a_password_ends_access_at_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.agency("POLDA-JATENG", "police", "33");
    let bayu = app.user("bayu", "POLDA-JATENG", &["investigator"]);
    app.user("ani", "POLDA-JATENG", &["investigator"]);
    app.user("admin.polda", "POLDA-JATENG", &["agency_admin"]);
    let admin = app.token("admin.polda").await;

    let bayu_token = app.token("bayu").await;
    let disable = app
        .client
        .patch(format!("{}/api/v1/users/{bayu}", app.address))
        .bearer_auth(&admin)
        .json(&json!({"active": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(disable.status(), 200);
    assert_eq!(
        status_of_me(&app, &bayu_token).await,
        401,
        "disabled user's token dead"
    );
    let again = app
        .post_json(
            "/api/v1/auth/login",
            None,
            json!({"username": "bayu", "password": PASSWORD}),
        )
        .await;
    assert_eq!(again.status(), 401);
    assert_eq!(
        problem(again).await["code"],
        "auth.invalid_credentials",
        "disabled looks like a wrong password"
    );

    let ani = app.token("ani").await;
    let weak = app
        .post_json(
            "/api/v1/me/password",
            Some(&ani),
            json!({"current_password": PASSWORD, "new_password": "password1234"}),
        )
        .await;
    assert_eq!(weak.status(), 422);
    let wrong_current = app
        .post_json(
            "/api/v1/me/password",
            Some(&ani),
            json!({
                "current_password": "nope nope nope",
                "new_password": "sambal terasi dan nasi jagung hangat",
            }),
        )
        .await;
    assert_eq!(wrong_current.status(), 422);
    assert_eq!(
        status_of_me(&app, &ani).await,
        200,
        "failed changes change nothing"
    );
    let changed = app
        .post_json(
            "/api/v1/me/password",
            Some(&ani),
            json!({
                "current_password": PASSWORD,
                "new_password": "sambal terasi dan nasi jagung hangat",
            }),
        )
        .await;
    assert_eq!(changed.status(), 204);
    assert_eq!(
        status_of_me(&app, &ani).await,
        401,
        "sessions end with a password change"
    );
    app.login("ani", "sambal terasi dan nasi jagung hangat")
        .await;
}
both_backends!(disabling_a_user_or_changing_a_password_ends_access_at_once);

async fn the_web_session_cookie_needs_its_csrf_token_for_changes(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.agency("UPTD-PPA-JATENG", "service_unit", "33");
    app.user("siti", "UPTD-PPA-JATENG", &["caseworker"]);
    let response = app
        .post_json(
            "/api/v1/auth/session",
            None,
            json!({"username": "siti", "password": PASSWORD}),
        )
        .await;
    assert_eq!(response.status(), 200);
    let set_cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(set_cookie.starts_with("rujukan_session="), "{set_cookie}");
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(
            set_cookie.contains(attribute),
            "{attribute} in {set_cookie}"
        );
    }
    assert!(!set_cookie.contains("Secure"), "plain HTTP in tests");
    let body: Value = response.json().await.unwrap();
    let csrf = body["csrf_token"].as_str().unwrap().to_owned();
    let cookie = set_cookie.split(';').next().unwrap().to_owned();

    let me = app
        .client
        .get(format!("{}/api/v1/me", app.address))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);

    let url = format!("{}/api/v1/auth/session", app.address);
    let without = app
        .client
        .delete(&url)
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(without.status(), 403);
    assert_eq!(problem(without).await["code"], "auth.csrf_failed");
    let forged = app
        .client
        .delete(&url)
        .header("cookie", &cookie)
        .header("x-csrf-token", "AAAA")
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    let still = app
        .client
        .get(format!("{}/api/v1/me", app.address))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(still.status(), 200, "refused logouts changed nothing");

    let out = app
        .client
        .delete(&url)
        .header("cookie", &cookie)
        .header("x-csrf-token", &csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 204);
    assert!(
        out.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    let after = app
        .client
        .get(format!("{}/api/v1/me", app.address))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), 401);
}
both_backends!(the_web_session_cookie_needs_its_csrf_token_for_changes);

async fn login_bodies_are_checked(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let extra = app
        .post_json(
            "/api/v1/auth/login",
            None,
            json!({"username": "a", "password": "b", "remember": true}),
        )
        .await;
    assert_eq!(extra.status(), 422);
    assert_eq!(problem(extra).await["errors"][0]["field"], "remember");
    let broken = app
        .client
        .post(format!("{}/api/v1/auth/login", app.address))
        .header("content-type", "application/json")
        .body("{\"username\":")
        .send()
        .await
        .unwrap();
    assert_eq!(broken.status(), 400);
    let huge = app
        .post_json(
            "/api/v1/auth/login",
            None,
            json!({"username": "a", "password": "x".repeat(2_000_000)}),
        )
        .await;
    assert_eq!(huge.status(), 413);
    assert!(
        app.system_audit().is_empty(),
        "refused requests record nothing"
    );
}
both_backends!(login_bodies_are_checked);
