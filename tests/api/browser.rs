//! Journeys in a real headless browser (Debian's chromium, driven through chromedriver's
//! WebDriver protocol), on both backends. Without chromedriver they are skipped with a message,
//! unless `CI` is set, where they fail. With `RUJUKAN_SCREENSHOTS=1` they save screenshots into
//! `docs/screenshots/`.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::*;

/// The WebDriver element key.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

pub(crate) struct Browser {
    driver: Child,
    base: String,
    session: String,
    http: reqwest::Client,
}

impl Browser {
    /// Starts chromedriver and a headless chromium window of `width` × `height`; `None` to skip.
    pub(crate) async fn start(width: u32, height: u32) -> Option<Self> {
        let found = Command::new("chromedriver")
            .arg("--version")
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !found {
            assert!(
                std::env::var_os("CI").is_none(),
                "chromedriver is required in CI: apt-get install chromium chromium-driver"
            );
            eprintln!(
                "skipped: the browser journeys need chromium and chromedriver (apt-get install chromium chromium-driver)"
            );
            return None;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let base = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        for _ in 0..100 {
            if http.get(format!("{base}/status")).send().await.is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        // Element lookups wait up to ten seconds for a page still loading (a loaded machine).
        // A headless window cannot be narrower than about 500 px: phone widths are emulated through
        // the DevTools protocol once the session exists (the page lays out at 360 px).
        let chrome = json!({
            "binary": "/usr/bin/chromium",
            "args": [
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                format!("--window-size={},{}", width.max(600), height),
            ],
        });
        let created: Value = http
            .post(format!("{base}/session"))
            .json(&json!({"capabilities": {"alwaysMatch": {
                "browserName": "chrome",
                "timeouts": {"implicit": 10000},
                "goog:chromeOptions": chrome,
            }}}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let session = created["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("a browser session: {created}"))
            .to_owned();
        let browser = Self {
            driver,
            base,
            session,
            http,
        };
        if width < 600 {
            browser
                .call(
                    reqwest::Method::POST,
                    "/goog/cdp/execute",
                    Some(json!({"cmd": "Emulation.setDeviceMetricsOverride", "params": {
                        "width": width, "height": height, "deviceScaleFactor": 1, "mobile": false,
                    }})),
                )
                .await;
        }
        Some(browser)
    }

    pub(crate) async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Value {
        let answer = self.answer(method, path, body).await;
        assert!(answer["value"].get("error").is_none(), "{path}: {answer}");
        answer["value"].clone()
    }

    /// The driver's whole answer, error or not.
    pub(crate) async fn answer(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Value {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        let mut request = self.http.request(method, url);
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.unwrap().json().await.unwrap()
    }

    pub(crate) async fn goto(&self, url: &str) {
        self.call(reqwest::Method::POST, "/url", Some(json!({"url": url})))
            .await;
    }

    pub(crate) async fn element(&self, css: &str) -> String {
        let found = self
            .call(
                reqwest::Method::POST,
                "/element",
                Some(json!({"using": "css selector", "value": css})),
            )
            .await;
        found[ELEMENT]
            .as_str()
            .unwrap_or_else(|| panic!("{css}: {found}"))
            .to_owned()
    }

    pub(crate) async fn type_into(&self, css: &str, text: &str) {
        let id = self.element(css).await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{id}/value"),
            Some(json!({"text": text})),
        )
        .await;
    }

    /// Clicks `css`. An element found on the page that was still being replaced (a form just
    /// sent) goes stale: it is looked up again on the new page.
    pub(crate) async fn click(&self, css: &str) {
        for _ in 0..50 {
            let id = self.element(css).await;
            let path = format!("/element/{id}/click");
            let answer = self
                .answer(reqwest::Method::POST, &path, Some(json!({})))
                .await;
            match answer["value"]["error"].as_str() {
                None => return,
                Some("stale element reference") => {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Some(_) => panic!("{path}: {answer}"),
            }
        }
        panic!("{css} stayed stale");
    }

    /// Sets a field's value directly (a date field, whose typing order depends on the browser's
    /// locale).
    pub(crate) async fn set_value(&self, css: &str, value: &str) {
        let id = self.element(css).await;
        self.call(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({
                "script": "arguments[0].value = arguments[1];",
                "args": [{ELEMENT: id}, value],
            })),
        )
        .await;
    }

    /// Asserts the page needs no sideways scrolling at the window's width.
    pub(crate) async fn assert_fits(&self, what: &str) {
        let widths = self
            .call(
                reqwest::Method::POST,
                "/execute/sync",
                Some(json!({
                    "script": "var w = window.innerWidth, worst = ''; document.querySelectorAll('body *').forEach(function (e) { var r = e.getBoundingClientRect(); if (r.right > w + 1 && !worst) { worst = e.tagName + '#' + e.id + '.' + e.className; } }); return [document.documentElement.scrollWidth, w, worst];",
                    "args": [],
                })),
            )
            .await;
        let (content, window) = (widths[0].as_i64().unwrap(), widths[1].as_i64().unwrap());
        assert!(
            content <= window,
            "{what} is {content} px wide in a {window} px window (first too wide: {})",
            widths[2]
        );
    }

    /// Signs out (if signed in) and signs in as `username`, waiting for the inbox.
    pub(crate) async fn sign_in_as(&self, address: &str, username: &str, inbox_title: &str) {
        self.goto(&format!("{address}/login")).await;
        self.type_into("#username", username).await;
        self.type_into("#password", PASSWORD).await;
        self.click("button[type=submit].primary").await;
        self.wait_for(inbox_title).await;
    }

    /// Opens the header's menu where it is folded (a phone), as a user taps "Menu".
    pub(crate) async fn open_menu(&self) {
        let folded = self
            .call(
                reqwest::Method::POST,
                "/execute/sync",
                Some(json!({
                    "script": "var t = document.getElementById('menu-toggle'), b = document.querySelector('.menu-button'); return !!t && !t.checked && getComputedStyle(b).display !== 'none';",
                    "args": [],
                })),
            )
            .await;
        if folded.as_bool() == Some(true) {
            self.click(".menu-button").await;
        }
    }

    /// The header's height in CSS pixels (one line is about 70, two lines over 100).
    pub(crate) async fn header_height(&self) -> f64 {
        self.call(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({"script": "return document.querySelector('header').getBoundingClientRect().height;", "args": []})),
        )
        .await
        .as_f64()
        .unwrap_or(f64::MAX)
    }

    /// The id of the element that has the focus.
    pub(crate) async fn focused(&self) -> String {
        self.call(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({"script": "return document.activeElement ? document.activeElement.id : '';", "args": []})),
        )
        .await
        .as_str()
        .unwrap_or_default()
        .to_owned()
    }

    /// Signs out through the header's button.
    pub(crate) async fn sign_out(&self, login_title: &str) {
        self.open_menu().await;
        self.click("header form button[type=submit]").await;
        self.wait_for(login_title).await;
    }

    pub(crate) async fn source(&self) -> String {
        self.call(reqwest::Method::GET, "/source", None)
            .await
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// The page source once it contains `text` (navigation after a click is not awaited by
    /// WebDriver); fails after fifteen seconds (the tests share two cores with the browsers).
    pub(crate) async fn wait_for(&self, text: &str) -> String {
        let mut source = String::new();
        for _ in 0..300 {
            source = self.source().await;
            if source.contains(text) {
                return source;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the page never showed {text:?}: {source}");
    }

    pub(crate) async fn url(&self) -> String {
        self.call(reqwest::Method::GET, "/url", None)
            .await
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// Saves a screenshot into docs/screenshots/ when `RUJUKAN_SCREENSHOTS` is set.
    pub(crate) async fn screenshot(&self, name: &str) {
        if std::env::var_os("RUJUKAN_SCREENSHOTS").is_none() {
            return;
        }
        use base64::Engine;
        let png = self.call(reqwest::Method::GET, "/screenshot", None).await;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(png.as_str().unwrap())
            .unwrap();
        let dir = repo_dir().join("docs/screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{name}.png")), bytes).unwrap();
    }

    pub(crate) async fn quit(mut self) {
        let _ = self
            .http
            .delete(format!("{}/session/{}", self.base, self.session))
            .send()
            .await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// SU-ALPHA refers a case to POL-BETA through the API; returns (case id, case number).
async fn referred_case(app: &TestApp) -> (i64, String) {
    app.user("alpha.cw", "SU-ALPHA", &["caseworker"]);
    app.user("beta.inv", "POL-BETA", &["investigator"]);
    app.user("alpha.sup", "SU-ALPHA", &["supervisor"]);
    app.user("out.cw", "SU-OUTSIDER", &["caseworker"]);
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
    let detail: Value = app
        .get_as(&format!("/api/v1/cases/{case}"), &alpha)
        .await
        .json()
        .await
        .unwrap();
    (case, detail["case_number"].as_str().unwrap().to_owned())
}

async fn an_investigator_accepts_a_referral_in_english(backend: Backend) {
    let Some(browser) = Browser::start(1280, 900).await else {
        return;
    };
    let app = TestApp::spawn_with_agreement(backend, TEST_AGREEMENT).await;
    let (case, number) = referred_case(&app).await;

    browser.goto(&format!("{}/lang/en", app.address)).await;
    browser.wait_for("Sign in").await;
    assert!(
        browser.url().await.ends_with("/login"),
        "signed out: the inbox sends to the login page"
    );
    browser.screenshot("login-en").await;
    browser.type_into("#username", "beta.inv").await;
    browser.type_into("#password", PASSWORD).await;
    browser.click("button[type=submit].primary").await;
    let inbox = browser.wait_for(&number).await;
    assert!(browser.url().await.ends_with("/inbox"));
    assert!(
        inbox.contains(&number) && inbox.contains("Within time") && inbox.contains("WIB"),
        "the referral with its clock"
    );
    assert!(!inbox.contains("Ratna"), "no identity in the inbox");
    browser.screenshot("inbox-en").await;

    let handoff = rujukan::db::handoffs::of_case(&mut app.conn(), case).unwrap()[0].id;
    browser.click(&format!("#accept-{handoff}")).await;
    browser
        .wait_for("No handoffs are waiting for an answer.")
        .await;
    assert_eq!(
        rujukan::db::handoffs::by_id(&mut app.conn(), handoff)
            .unwrap()
            .unwrap()
            .status
            .as_str(),
        "accepted"
    );
    let steps: Vec<String> = rujukan::db::audit::stream(&mut app.conn(), &format!("case:{case}"))
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "handoff.accepted")
        .map(|e| e.actor_username.unwrap_or_default())
        .collect();
    assert_eq!(steps, ["beta.inv"], "the acceptance is on the record");

    // A supervisor of the sending agency opens the case's timeline and sees both steps.
    browser.open_menu().await;
    browser.click("header form button[type=submit]").await;
    browser.wait_for("Sign in").await;
    browser.type_into("#username", "alpha.sup").await;
    browser.type_into("#password", PASSWORD).await;
    browser.click("button[type=submit].primary").await;
    browser.wait_for("Inbox").await;
    browser.goto(&format!("{}/cases/{case}", app.address)).await;
    let page = browser.wait_for("Timeline").await;
    assert!(
        page.contains("Handoff sent")
            && page.contains("Handoff accepted")
            && page.contains("beta.inv (POL-BETA)"),
        "{page}"
    );
    assert!(!page.contains("Ratna"), "identity stays hidden");
    browser.screenshot("case-timeline-en").await;

    // Someone of an unrelated agency cannot open it.
    browser.open_menu().await;
    browser.click("header form button[type=submit]").await;
    browser.wait_for("Sign in").await;
    browser.type_into("#username", "out.cw").await;
    browser.type_into("#password", PASSWORD).await;
    browser.click("button[type=submit].primary").await;
    browser.wait_for("Inbox").await;
    browser.goto(&format!("{}/cases/{case}", app.address)).await;
    let refused = browser
        .wait_for("No such case, or you may not see it.")
        .await;
    assert!(!refused.contains(&number));
    browser.quit().await;
}
both_backends!(an_investigator_accepts_a_referral_in_english);

async fn a_phone_user_signs_in_in_indonesian_after_a_typo(backend: Backend) {
    let Some(browser) = Browser::start(360, 740).await else {
        return;
    };
    let app = TestApp::spawn_with_agreement(backend, TEST_AGREEMENT).await;
    let (_, number) = referred_case(&app).await;

    browser.goto(&format!("{}/login", app.address)).await;
    browser.type_into("#username", "beta.inv").await;
    browser.type_into("#password", "salah ketik").await;
    browser.click("button[type=submit].primary").await;
    let page = browser
        .wait_for("Nama pengguna atau kata sandi salah.")
        .await;
    assert!(
        page.contains("value=\"beta.inv\""),
        "what the user typed is kept"
    );
    browser.screenshot("login-error-id").await;
    browser.type_into("#password", PASSWORD).await;
    browser.click("button[type=submit].primary").await;
    let inbox = browser.wait_for(&number).await;
    assert!(inbox.contains("Jawab sebelum") && inbox.contains("Dalam batas waktu"));
    browser.screenshot("inbox-id-phone").await;
    browser.quit().await;
}
both_backends!(a_phone_user_signs_in_in_indonesian_after_a_typo);

/// What the full journey expects to read, in one language.
struct Words {
    lang: &'static str,
    inbox: &'static str,
    login: &'static str,
    nik_hint: &'static str,
    timeline: &'static str,
    consent_recorded: &'static str,
    waiting: &'static str,
    inbox_empty: &'static str,
    sent: &'static str,
    accepted: &'static str,
    not_found: &'static str,
    stale: &'static str,
}

/// The whole chain in a real browser: a caseworker takes a case in (after a refused NIK, shown next
/// to its field with what she typed kept), records consent and refers it to the police; an
/// investigator accepts it from the inbox; a supervisor opens the case's timeline and sees both
/// steps; a user of an unrelated agency gets the 404 page; a form older than the case is refused as
/// stale, keeping what was typed.
async fn journey(backend: Backend, words: Words, width: u32, height: u32, shots: &str) {
    let Some(browser) = Browser::start(width, height).await else {
        return;
    };
    let app = TestApp::spawn_with_agreement(backend, TEST_AGREEMENT).await;
    app.user("alpha.cw", "SU-ALPHA", &["caseworker"]);
    app.user("beta.inv", "POL-BETA", &["investigator"]);
    app.user("alpha.sup", "SU-ALPHA", &["supervisor"]);
    app.user("out.cw", "SU-OUTSIDER", &["caseworker"]);
    let address = app.address.clone();

    browser
        .goto(&format!("{address}/lang/{}", words.lang))
        .await;
    browser.wait_for(words.login).await;
    browser.sign_in_as(&address, "alpha.cw", words.inbox).await;
    browser.open_menu().await;
    browser.click("#nav-intake").await;
    browser.wait_for("intake-submit").await;
    browser.assert_fits("the intake form").await;
    browser
        .type_into("[name='survivor.full_name']", "Ratna Dewi")
        .await;
    browser.type_into("[name='survivor.nik']", "12345").await;
    browser
        .click("[name='survivor.sex'] option[value='female']")
        .await;
    browser
        .set_value("[name='incident.date']", "2026-10-02")
        .await;
    browser
        .click("[name='incident.forms'][value='sexual']")
        .await;
    browser.click("[name='legal_basis'][value='TPKS']").await;
    browser.click("#intake-submit").await;
    let refused = browser.wait_for("err-survivor.nik").await;
    assert!(
        refused.contains(words.nik_hint),
        "the NIK message, in the user's language"
    );
    assert_eq!(
        browser.focused().await,
        "form-error",
        "the focus moves to the error summary"
    );
    assert!(
        refused.contains("value=\"Ratna Dewi\"") && refused.contains("value=\"sexual\" checked"),
        "what she typed is kept"
    );
    {
        use diesel::prelude::*;
        let cases: i64 = rujukan::db::schema::cases::table
            .count()
            .get_result(&mut app.conn())
            .unwrap();
        assert_eq!(cases, 0, "nothing half-written");
    }
    browser.click("#form-error a[href='#survivor.nik']").await;
    browser.screenshot(&format!("intake-error-{shots}")).await;
    let nik = browser.element("[name='survivor.nik']").await;
    browser
        .call(
            reqwest::Method::POST,
            &format!("/element/{nik}/clear"),
            Some(json!({})),
        )
        .await;
    browser
        .type_into("[name='survivor.nik']", "3374015203900001")
        .await;
    browser.click("#intake-submit").await;
    let page = browser.wait_for("case-number").await;
    assert!(
        !page.contains("Ratna Dewi"),
        "identity hidden until revealed"
    );
    let url = browser.url().await;
    let case: i64 = url.rsplit('/').next().unwrap().parse().unwrap();
    let number = rujukan::db::cases::by_id(&mut app.conn(), case)
        .unwrap()
        .unwrap()
        .case_number;
    assert!(
        !browser.source().await.contains(&format!("<title>{number}")),
        "no case content in the title"
    );

    // Consent for the police report, then the referral the agreement now opens.
    browser.click("#consents > summary").await;
    browser.click("#consents details summary").await;
    browser
        .click("#consent-purpose option[value='police_report']")
        .await;
    browser
        .click("#consent-recipient option[value='POL-BETA']")
        .await;
    browser.click("#consent-submit").await;
    browser.wait_for(words.consent_recorded).await;
    browser.assert_fits("the case page").await;
    browser.screenshot(&format!("case-{shots}")).await;
    browser.click("#send-report-POL-BETA").await;
    let sent = browser.wait_for(words.waiting).await;
    assert!(
        sent.contains("Agency SU-ALPHA → Agency POL-BETA"),
        "the agencies by name"
    );

    // A stale form: the stage form of a page shown before someone else changed the case.
    let old_version = rujukan::db::cases::by_id(&mut app.conn(), case)
        .unwrap()
        .unwrap()
        .version;
    rujukan::db::cases::touch(&mut app.conn(), case, chrono::Utc::now().naive_utc()).unwrap();
    browser.click("#tracks form button[type=submit]").await;
    let stale = browser.wait_for(words.stale).await;
    assert!(
        stale.contains(&format!("href=\"/cases/{case}\"")),
        "it offers to reload"
    );
    assert!(
        rujukan::db::cases::by_id(&mut app.conn(), case)
            .unwrap()
            .unwrap()
            .version
            == old_version + 1,
        "nothing changed"
    );
    browser.sign_out(words.login).await;

    // The investigator accepts it from the inbox.
    browser.sign_in_as(&address, "beta.inv", &number).await;
    browser.screenshot(&format!("inbox-{shots}")).await;
    let handoff = rujukan::db::handoffs::of_case(&mut app.conn(), case).unwrap()[0].id;
    browser.click(&format!("#accept-{handoff}")).await;
    browser.wait_for(words.inbox_empty).await;
    assert_eq!(
        rujukan::db::handoffs::by_id(&mut app.conn(), handoff)
            .unwrap()
            .unwrap()
            .status
            .as_str(),
        "accepted"
    );
    browser.sign_out(words.login).await;

    // The supervisor sees both steps on the timeline, and the access log.
    browser.sign_in_as(&address, "alpha.sup", words.inbox).await;
    browser.goto(&format!("{address}/cases/{case}/audit")).await;
    let timeline = browser.wait_for(words.timeline).await;
    assert!(
        timeline.contains(words.sent)
            && timeline.contains(words.accepted)
            && timeline.contains("beta.inv (POL-BETA)"),
        "{timeline}"
    );
    assert!(timeline.contains("alpha.cw (SU-ALPHA)"));
    assert!(!timeline.contains("Ratna"));
    browser.screenshot(&format!("timeline-{shots}")).await;
    browser.sign_out(words.login).await;

    // Someone of an unrelated agency cannot open the case.
    browser.sign_in_as(&address, "out.cw", words.inbox).await;
    browser.goto(&format!("{address}/cases/{case}")).await;
    let refused = browser.wait_for(words.not_found).await;
    assert!(!refused.contains(&number));
    browser.quit().await;
}

async fn a_case_goes_from_intake_to_an_accepted_police_referral_in_english(backend: Backend) {
    journey(
        backend,
        Words {
            lang: "en",
            inbox: "Inbox",
            login: "Sign in",
            nik_hint: "A NIK has 16 digits",
            timeline: "Timeline",
            consent_recorded: "Report to the police",
            waiting: "Waiting for an answer",
            inbox_empty: "No handoffs are waiting for an answer.",
            sent: "Handoff sent",
            accepted: "Handoff accepted",
            not_found: "No such case, or you may not see it.",
            stale: "Someone else changed this case",
        },
        1280,
        900,
        "en",
    )
    .await;
}
both_backends!(a_case_goes_from_intake_to_an_accepted_police_referral_in_english);

async fn a_case_goes_from_intake_to_an_accepted_police_referral_in_indonesian_on_a_phone(
    backend: Backend,
) {
    journey(
        backend,
        Words {
            lang: "id",
            inbox: "Kotak masuk",
            login: "Masuk",
            nik_hint: "NIK terdiri dari 16 angka",
            timeline: "Kronologi",
            consent_recorded: "Pelaporan ke kepolisian",
            waiting: "Menunggu jawaban",
            inbox_empty: "Tidak ada rujukan yang menunggu jawaban.",
            sent: "Rujukan dikirim",
            accepted: "Rujukan diterima",
            not_found: "Kasus tidak ditemukan",
            stale: "Orang lain telah mengubah kasus ini",
        },
        360,
        740,
        "id-phone",
    )
    .await;
}
both_backends!(a_case_goes_from_intake_to_an_accepted_police_referral_in_indonesian_on_a_phone);

async fn the_supervision_audit_and_administration_pages_work_in_a_browser(backend: Backend) {
    let Some(browser) = Browser::start(1280, 900).await else {
        return;
    };
    let app = TestApp::spawn_with_agreement(backend, TEST_AGREEMENT).await;
    let (case, number) = referred_case(&app).await;
    for i in 0..14 {
        let form = ["physical", "psychological", "sexual"][i % 3];
        app.intake(
            "alpha.cw",
            json!({
                "survivor": {"full_name": format!("Survivor {i}")},
                "incidents": [{"date": "2026-10-02", "forms": [form]}],
            }),
        )
        .await;
    }
    app.designate_audits("SU-OMEGA");
    app.user("omega.auditor", "SU-OMEGA", &["auditor"]);
    app.user("alpha.admin", "SU-ALPHA", &["agency_admin"]);
    let address = app.address.clone();
    browser.goto(&format!("{address}/lang/en")).await;

    browser.sign_in_as(&address, "alpha.sup", "Inbox").await;
    browser.click("a[href='/stats']").await;
    let figures = browser.wait_for("stats-table").await;
    assert!(figures.contains("<svg") && figures.contains("Cases taken in"));
    browser.click("#by option[value='form']").await;
    browser.click("#stats-submit").await;
    browser.wait_for("Form of violence (SIMFONI-PPA)").await;
    browser.assert_fits("the statistics page").await;
    browser.screenshot("stats-en").await;
    browser.click("a[href='/supervision']").await;
    let page = browser.wait_for("Open cases").await;
    assert!(page.contains(&number) && page.contains(&format!("/cases/{case}/audit")));
    browser.assert_fits("the supervision page").await;
    browser.screenshot("supervision-en").await;
    browser.sign_out("Sign in").await;

    browser.sign_in_as(&address, "omega.auditor", "Inbox").await;
    browser.click("a[href='/audit']").await;
    browser.wait_for("Search the audit trail").await;
    browser.click("#verify").await;
    let verdict = browser.wait_for("Intact:").await;
    assert!(!verdict.contains("BROKEN"));
    browser.type_into("#action", "handoff.created").await;
    browser.click("#search-submit").await;
    let found = browser.wait_for("audit-results").await;
    assert!(found.contains("alpha.cw (SU-ALPHA)") && found.contains("handoff.created"));
    browser.assert_fits("the audit page").await;
    browser.screenshot("audit-en").await;
    browser.sign_out("Sign in").await;

    browser.sign_in_as(&address, "alpha.admin", "Inbox").await;
    browser.click("a[href='/admin']").await;
    let admin = browser.wait_for("Agreements in force").await;
    assert!(admin.contains("Test agreement") && admin.contains("alpha.cw"));
    browser.screenshot("admin-en").await;
    browser.quit().await;
}
both_backends!(the_supervision_audit_and_administration_pages_work_in_a_browser);
