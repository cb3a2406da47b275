//! Accounts in a real browser on both backends, in Indonesian at phone width (360 px) and in
//! English at desktop width: a caseworker changes her own password (a wrong current password
//! first) and signs in with the new one; her agency's administrator deactivates her account (she
//! cannot sign in, and the pages say so in words), reactivates it and resets her password to a
//! temporary one (a weak one first), with which she signs in. No page scrolls sideways. Also:
//! the statistics page's default chart draws visible bars.

use serde_json::json;

use crate::both_backends;
use crate::browser::Browser;
use crate::helpers::*;

/// What the pages say, in the journey's language.
struct Words {
    lang: &'static str,
    login: &'static str,
    inbox: &'static str,
    password_page: &'static str,
    current_wrong: &'static str,
    changed: &'static str,
    admin: &'static str,
    deactivated: &'static str,
    inactive: &'static str,
    cannot_sign_in: &'static str,
    reactivated: &'static str,
    weak: &'static str,
    reset: &'static str,
}

/// Her new password, and the temporary one the administrator gives.
const NEW_PASSWORD: &str = "Teh-Poci-Slawi-2026";
const TEMPORARY: &str = "Sementara-Batik-Lasem-77";

/// Signs in through the login form as `username` with `password` (whoever was signed in is
/// signed out first by the new session).
async fn sign_in(browser: &Browser, address: &str, username: &str, password: &str) {
    browser.goto(&format!("{address}/login")).await;
    browser.type_into("#username", username).await;
    browser.type_into("#password", password).await;
    browser.click("button[type=submit].primary").await;
}

/// The status of an API login.
async fn api_login(app: &TestApp, username: &str, password: &str) -> u16 {
    app.post_json(
        "/api/v1/auth/login",
        None,
        json!({"username": username, "password": password}),
    )
    .await
    .status()
    .as_u16()
}

async fn journey(backend: Backend, words: Words, width: u32, height: u32, shots: &str) {
    let Some(browser) = Browser::start(width, height).await else {
        return;
    };
    let app = TestApp::spawn_with_agreement(backend, TEST_AGREEMENT).await;
    let cw = app.user("alpha.cw", "SU-ALPHA", &["caseworker"]);
    let admin = app.user("alpha.admin", "SU-ALPHA", &["agency_admin"]);
    let root = app.user("alpha.root", "SU-ALPHA", &["sysadmin"]);
    app.user("omega.cw", "SU-OMEGA", &["caseworker"]);
    let address = app.address.clone();
    browser
        .goto(&format!("{address}/lang/{}", words.lang))
        .await;
    browser.wait_for(words.login).await;

    // She changes her own password from the menu: a wrong current one first.
    browser.sign_in_as(&address, "alpha.cw", words.inbox).await;
    browser.open_menu().await;
    browser.click("#nav-password").await;
    browser.wait_for(words.password_page).await;
    browser.assert_fits("the password page").await;
    browser
        .screenshot(&format!("account-password-{shots}"))
        .await;
    browser
        .type_into("#current_password", "bukan-ini-sandinya")
        .await;
    browser.type_into("#new_password", NEW_PASSWORD).await;
    browser.type_into("#new_password_again", NEW_PASSWORD).await;
    browser.click("#password-submit").await;
    browser.wait_for(words.current_wrong).await;
    assert_eq!(
        browser.focused().await,
        "form-error",
        "focus on the summary"
    );
    browser
        .assert_fits("the password page with its errors")
        .await;
    browser.type_into("#current_password", PASSWORD).await;
    browser.type_into("#new_password", NEW_PASSWORD).await;
    browser.type_into("#new_password_again", NEW_PASSWORD).await;
    browser.click("#password-submit").await;
    browser.wait_for(words.changed).await;
    assert!(
        browser.url().await.contains("/login"),
        "every session ended"
    );
    assert_eq!(api_login(&app, "alpha.cw", PASSWORD).await, 401);
    sign_in(&browser, &address, "alpha.cw", NEW_PASSWORD).await;
    browser.wait_for(words.inbox).await;
    browser.sign_out(words.login).await;

    // Her administrator sees her agency's users, with forms only where the policy allows.
    browser
        .sign_in_as(&address, "alpha.admin", words.inbox)
        .await;
    browser.goto(&format!("{address}/admin")).await;
    let page = browser.wait_for(words.admin).await;
    browser.assert_fits("the administration page").await;
    assert!(page.contains(&format!("id=\"deactivate-{cw}\"")));
    assert!(
        !page.contains(&format!("id=\"deactivate-{root}\"")),
        "an agency administrator does not manage a system administrator"
    );
    assert!(
        !page.contains(&format!("id=\"deactivate-{admin}\"")),
        "nobody deactivates themselves"
    );
    assert!(!page.contains("omega.cw"), "only her own agency's users");

    // Deactivates the caseworker: she cannot sign in, and the pages say so.
    browser.click(&format!("#deactivate-{cw}")).await;
    let page = browser.wait_for(words.deactivated).await;
    assert!(page.contains(words.inactive));
    browser
        .assert_fits("the administration page after deactivating")
        .await;
    browser.screenshot(&format!("admin-users-{shots}")).await;
    assert_eq!(api_login(&app, "alpha.cw", NEW_PASSWORD).await, 401);
    sign_in(&browser, &address, "alpha.cw", NEW_PASSWORD).await;
    browser.wait_for(words.cannot_sign_in).await;
    browser.assert_fits("the login page").await;

    // Reactivates her, then resets her password: a weak temporary one first.
    browser
        .sign_in_as(&address, "alpha.admin", words.inbox)
        .await;
    browser.goto(&format!("{address}/admin")).await;
    browser.click(&format!("#reactivate-{cw}")).await;
    browser.wait_for(words.reactivated).await;
    assert_eq!(api_login(&app, "alpha.cw", NEW_PASSWORD).await, 200);
    browser.click(&format!("#reset-{cw} > summary")).await;
    browser
        .type_into(&format!("#reset-password-{cw}"), "pendek")
        .await;
    browser.click(&format!("#reset-submit-{cw}")).await;
    browser.wait_for(words.weak).await;
    assert_eq!(browser.focused().await, format!("err-reset-{cw}"));
    browser.assert_fits("the reset form with its error").await;
    browser
        .type_into(&format!("#reset-password-{cw}"), TEMPORARY)
        .await;
    browser.click(&format!("#reset-submit-{cw}")).await;
    browser.wait_for(words.reset).await;
    let actions: Vec<String> =
        rujukan::db::audit::stream(&mut app.conn(), rujukan::audit::SYSTEM_STREAM)
            .unwrap_or_default()
            .into_iter()
            .filter(|e| e.actor_username.as_deref() == Some("alpha.admin"))
            .map(|e| e.action)
            .collect();
    assert!(
        actions.iter().filter(|a| *a == "user.updated").count() == 2
            && actions.iter().any(|a| a == "user.password_changed"),
        "on the record: {actions:?}"
    );
    sign_in(&browser, &address, "alpha.cw", TEMPORARY).await;
    browser.wait_for(words.inbox).await;
    browser.quit().await;
}

async fn accounts_are_managed_in_english_on_a_desktop(backend: Backend) {
    journey(
        backend,
        Words {
            lang: "en",
            login: "Sign in",
            inbox: "Inbox",
            password_page: "Current password",
            current_wrong: "The current password is wrong.",
            changed: "Your password was changed.",
            admin: "Administration",
            deactivated: "Account deactivated: alpha.cw",
            inactive: "Deactivated: cannot sign in",
            cannot_sign_in: "A deactivated account cannot sign in either.",
            reactivated: "Account reactivated: alpha.cw",
            weak: "At least 12 characters",
            reset: "Password reset: alpha.cw",
        },
        1280,
        900,
        "en",
    )
    .await;
}
both_backends!(accounts_are_managed_in_english_on_a_desktop);

async fn accounts_are_managed_in_indonesian_on_a_phone(backend: Backend) {
    journey(
        backend,
        Words {
            lang: "id",
            login: "Masuk",
            inbox: "Kotak masuk",
            password_page: "Kata sandi saat ini",
            current_wrong: "Kata sandi saat ini salah.",
            changed: "Kata sandi Anda sudah diubah.",
            admin: "Administrasi",
            deactivated: "Akun dinonaktifkan: alpha.cw",
            inactive: "Nonaktif: tidak dapat masuk",
            cannot_sign_in: "Akun yang dinonaktifkan juga tidak dapat masuk.",
            reactivated: "Akun diaktifkan kembali: alpha.cw",
            weak: "Paling sedikit 12 karakter",
            reset: "Kata sandi diatur ulang: alpha.cw",
        },
        360,
        740,
        "id-phone",
    )
    .await;
}
both_backends!(accounts_are_managed_in_indonesian_on_a_phone);

/// The `(width, height)` in CSS pixels of every bar of the page's chart.
async fn bar_sizes(browser: &Browser) -> Vec<(f64, f64)> {
    let sizes = browser
        .call(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({
                "script": "return Array.from(document.querySelectorAll('figure.chart svg rect')).filter(function (r) { return (r.getAttribute('fill') || '').toUpperCase() === '#0B5CAD'; }).map(function (r) { var b = r.getBoundingClientRect(); return [b.width, b.height]; });",
                "args": [],
            })),
        )
        .await;
    sizes
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s[0].as_f64().unwrap(), s[1].as_f64().unwrap()))
        .collect()
}

async fn the_default_statistics_chart_shows_its_bars_on_a_phone(backend: Backend) {
    let Some(browser) = Browser::start(360, 740).await else {
        return;
    };
    let app = TestApp::spawn_with_agreement(backend, TEST_AGREEMENT).await;
    app.user("alpha.cw", "SU-ALPHA", &["caseworker"]);
    app.user("alpha.sup", "SU-ALPHA", &["supervisor"]);
    for _ in 0..6 {
        app.intake(
            "alpha.cw",
            json!({
                "survivor": {"full_name": "Sri Lestari", "home_province": "33", "home_district": "3374"},
                "incidents": [{"date": "2026-10-05", "forms": ["sexual"]}],
            }),
        )
        .await;
    }
    browser.goto(&format!("{}/lang/id", app.address)).await;
    browser.wait_for("Masuk").await;
    browser
        .sign_in_as(&app.address, "alpha.sup", "Kotak masuk")
        .await;
    for (path, what) in [
        ("/stats", "the default chart"),
        ("/stats?indicator=cases&by=month", "the chart by month"),
        ("/stats?indicator=cases&by=district", "the chart by regency"),
    ] {
        browser.goto(&format!("{}{path}", app.address)).await;
        browser.wait_for("stats-table").await;
        browser.assert_fits(what).await;
        let bars = bar_sizes(&browser).await;
        assert!(
            bars.iter().any(|(w, h)| *w >= 1.0 && *h >= 4.0),
            "{what} shows a visible bar: {bars:?}"
        );
    }
    let page = browser.source().await;
    assert!(page.contains("Kota Semarang"), "regencies by name");
    browser
        .call(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({"script": "document.querySelector('figure.chart').scrollIntoView();", "args": []})),
        )
        .await;
    browser.screenshot("stats-district-id-phone").await;
    browser.quit().await;
}
both_backends!(the_default_statistics_chart_shows_its_bars_on_a_phone);
