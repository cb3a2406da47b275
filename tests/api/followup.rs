//! The sender follows up, on both backends: the menu counts (pending and overdue incoming
//! handoffs, outgoing ones answered since the user last opened "Sent", read in one statement),
//! the "Sent" page, the handoff page with its answers (a second answer is a message, not an
//! error; another agency gets the 404 page), the withdrawal, and the e-mails that say what to do
//! (a new handoff names its sender, kind and deadline in the receiver's zone; a decline carries
//! its reason) through a real SMTP server.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use serde_json::json;

use crate::both_backends;
use crate::helpers::*;
use crate::pages::{client, web_get, web_session};
use rujukan::db::schema::{agencies, handoffs, users};

/// SU-ALPHA's caseworker sends POL-BETA a police report with a message; returns (case, handoff).
async fn send_report(app: &TestApp, name: &str) -> (i64, i64) {
    let case = app
        .intake(
            "alpha.cw",
            json!({
                "survivor": {"full_name": name, "nik": "5201015703940001"},
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
    let sent = app
        .post_json(
            &format!("/api/v1/cases/{case}/handoffs"),
            Some(&alpha),
            json!({
                "handoff": "report",
                "to_agency": "POL-BETA",
                "message": "Mohon segera dihubungi; pendamping hukum sudah siap di kantor kami.",
            }),
        )
        .await;
    assert_eq!(sent.status(), 201);
    let id = sent.json::<serde_json::Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap();
    (case, id)
}

fn people(app: &TestApp) -> (i64, i64) {
    let alpha = app.user_with_email(
        "alpha.cw",
        "SU-ALPHA",
        &["caseworker"],
        Some("alpha.cw@example.org"),
    );
    app.user_with_email(
        "beta.inv",
        "POL-BETA",
        &["investigator"],
        Some("beta.inv@example.org"),
    );
    app.user("omega.cw", "SU-OMEGA", &["caseworker"]);
    (alpha, agency_id(app, "SU-ALPHA"))
}

fn agency_id(app: &TestApp, code: &str) -> i64 {
    agencies::table
        .filter(agencies::code.eq(code))
        .select(agencies::id)
        .first(&mut app.conn())
        .unwrap()
}

async fn web_post(
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

/// The menu of a page: the part of `html` inside its first `<nav`.
fn menu(html: &str) -> &str {
    let start = html.find("<nav").unwrap_or(0);
    let end = html[start..]
        .find("</nav>")
        .map_or(html.len(), |e| start + e);
    &html[start..end]
}

async fn followup_counts_in_the_menu_and_the_sent_page(backend: Backend) {
    let app = TestApp::spawn_with_agreement(backend, TEST_AGREEMENT).await;
    let (alpha_user, alpha_agency) = people(&app);
    let (case, id) = send_report(&app, "Ratna Dewi").await;
    let (beta, _) = web_session(&app, "beta.inv").await;
    let (alpha, _) = web_session(&app, "alpha.cw").await;

    // The receiver's menu: one pending, none overdue; the row links the handoff page and shows
    // the sender's message.
    let (status, inbox) = web_get(&app, &beta, "/inbox").await;
    assert_eq!(status, 200);
    assert!(
        menu(&inbox).contains(
            "<span class=\"badge count\">1<span class=\"sr-only\"> menunggu jawaban</span></span>"
        ),
        "{}",
        menu(&inbox)
    );
    assert!(!menu(&inbox).contains("terlambat"), "nothing overdue yet");
    assert!(inbox.contains(&format!("href=\"/handoffs/{id}\"")));
    assert!(
        inbox.contains("Mohon segera dihubungi") && inbox.contains("Agency SU-ALPHA (SU-ALPHA)")
    );
    assert!(!inbox.contains("Ratna"));

    // The answer clock passes: the overdue badge appears on every page.
    diesel::update(handoffs::table.find(id))
        .set(handoffs::respond_by.eq(Some(chrono::Utc::now().naive_utc() - Duration::hours(1))))
        .execute(&mut app.conn())
        .unwrap();
    let (_, cases) = web_get(&app, &beta, "/cases").await;
    assert!(
        menu(&cases).contains("badge count overdue\">1<span class=\"sr-only\"> terlambat dijawab"),
        "{}",
        menu(&cases)
    );

    // The sender's Sent page: the receiver by name, the status in words, the message.
    let (status, sent) = web_get(&app, &alpha, "/sent").await;
    assert_eq!(status, 200);
    assert!(
        sent.contains("Agency POL-BETA (POL-BETA)")
            && sent.contains("Menunggu jawaban")
            && sent.contains("Mohon segera dihubungi")
            && sent.contains(&format!("href=\"/cases/{case}\""))
            && sent.contains(&format!("href=\"/handoffs/{id}\"")),
        "{sent}"
    );
    assert!(sent.contains("<title>Terkirim · Rujukan</title>"));
    assert!(menu(&sent).contains("id=\"nav-sent\""));

    // The receiver declines from the handoff page, and comes back to it.
    let (_, page) = web_get(&app, &beta, &format!("/handoffs/{id}")).await;
    let csrf = crate::pages::hidden_csrf(&page);
    let (status, _, location) = web_post(
        &app,
        &beta,
        &format!("/inbox/{id}/decline"),
        &[
            ("csrf_token", &csrf),
            ("back", "handoff"),
            (
                "reason",
                "Bukan wilayah hukum kami; silakan ke Polres setempat",
            ),
        ],
    )
    .await;
    assert_eq!(
        (status, location.as_deref()),
        (303, Some(&*format!("/handoffs/{id}")))
    );

    // The sender sees one answer in the menu until opening Sent.
    let (_, cases) = web_get(&app, &alpha, "/cases").await;
    assert!(
        menu(&cases).contains("badge count answered\">1<span class=\"sr-only\"> baru dijawab"),
        "{}",
        menu(&cases)
    );
    let mut conn = app.conn();
    let now = chrono::Utc::now().naive_utc();
    let counts = rujukan::db::nav_counts::counts(&mut conn, alpha_agency, alpha_user, now).unwrap();
    assert_eq!((counts.pending, counts.overdue, counts.answered), (0, 0, 1));
    let (_, sent) = web_get(&app, &alpha, "/sent").await;
    assert!(
        sent.contains("Ditolak") && sent.contains("Bukan wilayah hukum kami"),
        "the reason on the Sent page: {sent}"
    );
    assert!(!menu(&sent).contains("baru dijawab"), "seen now");
    let (_, cases) = web_get(&app, &alpha, "/cases").await;
    assert!(!menu(&cases).contains("baru dijawab"), "and stays seen");
    let counts = rujukan::db::nav_counts::counts(&mut conn, alpha_agency, alpha_user, now).unwrap();
    assert_eq!(counts.answered, 0);

    // Filters and the receiver's inbox count after the answer.
    let (_, declined) = web_get(&app, &alpha, "/sent?status=declined").await;
    assert!(declined.contains(&format!("id=\"sent-{id}\"")));
    let (_, accepted) = web_get(&app, &alpha, "/sent?status=accepted").await;
    assert!(!accepted.contains(&format!("id=\"sent-{id}\"")));
    let (_, inbox) = web_get(&app, &beta, "/inbox").await;
    assert!(!menu(&inbox).contains("badge count"), "{}", menu(&inbox));
    // A court clerk reads what the court receives but sends nothing: no Sent entry, no page.
    app.user("delta.clerk", "COURT-DELTA", &["court_clerk"]);
    let (clerk, _) = web_session(&app, "delta.clerk").await;
    let (status, html) = web_get(&app, &clerk, "/sent").await;
    assert_eq!(status, 403, "who may not send has no Sent page");
    assert!(!menu(&html).contains("nav-sent") && menu(&html).contains("nav-inbox"));
}
both_backends!(followup_counts_in_the_menu_and_the_sent_page);

async fn followup_counts_take_one_statement(backend: Backend) {
    let app = TestApp::spawn_with_agreement(backend, TEST_AGREEMENT).await;
    let (alpha_user, alpha_agency) = people(&app);
    send_report(&app, "Sri").await;
    let beta_agency = agency_id(&app, "POL-BETA");
    let beta_user: i64 = users::table
        .filter(users::username.eq("beta.inv"))
        .select(users::id)
        .first(&mut app.conn())
        .unwrap();
    let mut conn = app.conn();
    let statements = Arc::new(AtomicUsize::new(0));
    let seen = statements.clone();
    conn.set_instrumentation(move |event: diesel::connection::InstrumentationEvent<'_>| {
        if matches!(
            event,
            diesel::connection::InstrumentationEvent::StartQuery { .. }
        ) {
            seen.fetch_add(1, Ordering::SeqCst);
        }
    });
    let now = chrono::Utc::now().naive_utc();
    let beta = rujukan::db::nav_counts::counts(&mut conn, beta_agency, beta_user, now).unwrap();
    assert_eq!((beta.pending, beta.overdue, beta.answered), (1, 0, 0));
    assert_eq!(
        statements.load(Ordering::SeqCst),
        1,
        "one statement per page"
    );
    let later = now + Duration::days(2);
    let beta = rujukan::db::nav_counts::counts(&mut conn, beta_agency, beta_user, later).unwrap();
    assert_eq!(beta.overdue, 1, "past its answer clock");
    let alpha = rujukan::db::nav_counts::counts(&mut conn, alpha_agency, alpha_user, now).unwrap();
    assert_eq!((alpha.pending, alpha.answered), (0, 0));
    assert_eq!(statements.load(Ordering::SeqCst), 3);
}
both_backends!(followup_counts_take_one_statement);

async fn followup_handoff_page_answers_once_and_hides_from_others(backend: Backend) {
    let app = TestApp::spawn_with_agreement(backend, TEST_AGREEMENT).await;
    people(&app);
    let (case, id) = send_report(&app, "Ratna Dewi").await;
    let (beta, _) = web_session(&app, "beta.inv").await;
    let (alpha, _) = web_session(&app, "alpha.cw").await;
    let (omega, _) = web_session(&app, "omega.cw").await;

    let (status, page) = web_get(&app, &beta, &format!("/handoffs/{id}")).await;
    assert_eq!(status, 200);
    for part in [
        format!("href=\"/cases/{case}\""),
        "Agency SU-ALPHA (SU-ALPHA)".to_owned(),
        "Agency POL-BETA (POL-BETA)".to_owned(),
        "test-mou v1".to_owned(),
        "<code>report</code>".to_owned(),
        "ringkasan kasus, rincian kejadian".to_owned(),
        "Mohon segera dihubungi; pendamping hukum sudah siap di kantor kami.".to_owned(),
        "Jawab sebelum".to_owned(),
        format!("href=\"/handoffs/{id}/letter\""),
        format!("action=\"/inbox/{id}/accept\""),
        "name=\"back\" value=\"handoff\"".to_owned(),
    ] {
        assert!(page.contains(&part), "{part} in {page}");
    }
    assert!(!page.contains("Ratna") && !page.contains("5201015703940001"));
    assert!(
        !page.contains("/withdraw"),
        "the receiver does not withdraw"
    );
    let csrf = crate::pages::hidden_csrf(&page);

    // A decline without a reason: the message next to the field, nothing decided.
    let (status, html, _) = web_post(
        &app,
        &beta,
        &format!("/inbox/{id}/decline"),
        &[("csrf_token", &csrf), ("back", "handoff"), ("reason", " ")],
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("id=\"err-decline\"") && html.contains("Menunggu jawaban"));

    // Accepted; the same form again (a double submit) is a message on the page.
    let accept = [("csrf_token", csrf.as_str()), ("back", "handoff")];
    let path = format!("/inbox/{id}/accept");
    let (status, _, location) = web_post(&app, &beta, &path, &accept).await;
    assert_eq!((status, location), (303, Some(format!("/handoffs/{id}"))));
    let (status, html, _) = web_post(&app, &beta, &path, &accept).await;
    assert_eq!(status, 409);
    assert!(
        html.contains("Rujukan ini sudah diputuskan") && html.contains("id=\"status\">Diterima"),
        "{html}"
    );
    // The inbox keeps its own behaviour: back to the inbox, message there.
    let (status, html, _) = web_post(&app, &beta, &path, &[("csrf_token", &csrf)]).await;
    assert_eq!(status, 409);
    assert!(html.contains("<title>Kotak masuk · Rujukan</title>"));

    // Another agency, or an unknown id: the 404 page.
    let (status, html) = web_get(&app, &omega, &format!("/handoffs/{id}")).await;
    assert_eq!(status, 404);
    assert!(!html.contains("Agency POL-BETA"));
    let (status, _) = web_get(&app, &alpha, "/handoffs/999999").await;
    assert_eq!(status, 404);

    // The sender withdraws a pending handoff, with a reason.
    let (_, second) = send_report(&app, "Wulan").await;
    let (_, page) = web_get(&app, &alpha, &format!("/handoffs/{second}")).await;
    assert!(page.contains(&format!("action=\"/handoffs/{second}/withdraw\"")));
    assert!(!page.contains("/accept\""), "the sender does not accept");
    let csrf = crate::pages::hidden_csrf(&page);
    let path = format!("/handoffs/{second}/withdraw");
    let (status, html, _) = web_post(
        &app,
        &alpha,
        &path,
        &[("csrf_token", &csrf), ("reason", "")],
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("Tuliskan alasan penarikan.") && html.contains("id=\"err-withdraw\""));
    let (status, _, location) = web_post(
        &app,
        &alpha,
        &path,
        &[
            ("csrf_token", &csrf),
            ("reason", "Penyintas memilih layanan lain"),
        ],
    )
    .await;
    assert_eq!(
        (status, location),
        (303, Some(format!("/handoffs/{second}")))
    );
    let (_, page) = web_get(&app, &alpha, &format!("/handoffs/{second}")).await;
    assert!(page.contains("Ditarik") && page.contains("Penyintas memilih layanan lain"));
    let (status, _, _) = web_post(
        &app,
        &omega,
        &path,
        &[("csrf_token", &csrf), ("reason", "bukan urusan kami")],
    )
    .await;
    assert_eq!(
        status, 403,
        "another session's form is refused before anything"
    );

    // English.
    let english = client()
        .get(format!("{}/handoffs/{id}", app.address))
        .header("cookie", format!("{beta}; rujukan_lang=en"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        english.contains("case summary, incident details") && english.contains("Referral letter"),
        "{english}"
    );
}
both_backends!(followup_handoff_page_answers_once_and_hides_from_others);

/// A real SMTP server (aiosmtpd, `tests/smtp/server.py`) on a loopback port.
struct Smtp {
    child: Child,
}

impl Smtp {
    /// Starts it, or `None` where aiosmtpd is missing (a failure when `CI` is set).
    fn start(folder: &Path) -> Option<(Self, u16)> {
        let available = Command::new("python3")
            .args(["-c", "import aiosmtpd"])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !available {
            assert!(std::env::var_os("CI").is_none(), "pip install aiosmtpd");
            eprintln!("skipped: the SMTP tests need aiosmtpd");
            return None;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut child = Command::new("python3")
            .arg(repo_dir().join("tests/smtp/server.py"))
            .arg(port.to_string())
            .arg(folder)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut ready = String::new();
        std::io::BufRead::read_line(
            &mut std::io::BufReader::new(child.stdout.as_mut().unwrap()),
            &mut ready,
        )
        .unwrap();
        assert_eq!(ready.trim(), "ready");
        Some((Self { child }, port))
    }
}

impl Drop for Smtp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The mails received so far, headers unfolded and quoted-printable decoded.
fn received(folder: &Path) -> Vec<String> {
    let mut files: Vec<_> = std::fs::read_dir(folder)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "eml"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|p| {
            let raw = std::fs::read_to_string(p).unwrap();
            let raw = raw.replace("\r\n ", " ").replace("=\r\n", "");
            let mut out = Vec::new();
            let bytes = raw.as_bytes();
            let mut i = 0;
            while i < bytes.len() {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match (bytes[i], hex) {
                    (b'=', Some(byte)) => {
                        out.push(byte);
                        i += 3;
                    }
                    (b, _) => {
                        out.push(b);
                        i += 1;
                    }
                }
            }
            String::from_utf8_lossy(&out).into_owned()
        })
        .collect()
}

async fn followup_mail_names_sender_kind_deadline_and_the_decline_reason(backend: Backend) {
    let app = TestApp::spawn_with_agreement(backend, TEST_AGREEMENT).await;
    people(&app);
    // The receiver is in Nusa Tenggara Barat: its clock reads WITA.
    diesel::update(agencies::table.filter(agencies::code.eq("POL-BETA")))
        .set(agencies::province.eq(Some("52")))
        .execute(&mut app.conn())
        .unwrap();
    let (_, id) = send_report(&app, "Ratna Dewi").await;
    let respond_by: Option<NaiveDateTime> = handoffs::table
        .find(id)
        .select(handoffs::respond_by)
        .first(&mut app.conn())
        .unwrap();
    let due = rujukan::domain::local_time(respond_by.unwrap(), Some("52"));
    assert!(due.ends_with("WITA"));
    let beta = app.token("beta.inv").await;
    let declined = app
        .post_json(
            &format!("/api/v1/handoffs/{id}/decline"),
            Some(&beta),
            json!({"reason": "Di luar wilayah hukum Polda NTB"}),
        )
        .await;
    assert_eq!(declined.status(), 200, "{}", declined.text().await.unwrap());

    let folder = app.db.dir().join("smtp-followup");
    let Some((_server, port)) = Smtp::start(&folder) else {
        return;
    };
    let mut settings = app.db.settings();
    settings.email.transport = rujukan::config::EmailTransport::Smtp;
    settings.email.smtp_url = Some(secrecy::SecretString::from(format!(
        "smtp://127.0.0.1:{port}"
    )));
    let mailer =
        rujukan::notify::Mailer::from_settings(&settings.email, &settings.storage.data_dir)
            .unwrap();
    let now = chrono::Utc::now().naive_utc();
    let done =
        rujukan::notify::deliver_due(&mut app.conn(), &mailer, &settings.email, now).unwrap();
    assert_eq!((done.sent, done.dead), (2, 0), "{done:?}");
    let mails = received(&folder);
    let to_beta = mails
        .iter()
        .find(|m| m.contains("To: beta.inv@example.org"))
        .unwrap();
    assert!(
        to_beta.contains("Subject: [Rujukan] Rujukan baru untuk kasus ")
            && to_beta.contains(&format!("dari Agency SU-ALPHA: jawab sebelum {due}")),
        "{to_beta}"
    );
    assert!(
        to_beta.contains("Agency SU-ALPHA (SU-ALPHA) mengirim rujukan untuk kasus")
            && to_beta.contains(&format!("Mohon dijawab sebelum {due}")),
        "{to_beta}"
    );
    let to_alpha = mails
        .iter()
        .find(|m| m.contains("To: alpha.cw@example.org"))
        .unwrap();
    assert!(
        to_alpha.contains("ditolak")
            && to_alpha.contains("Alasan penolakan: Di luar wilayah hukum Polda NTB"),
        "{to_alpha}"
    );
    assert!(
        mails
            .iter()
            .all(|m| !m.contains("Ratna") && !m.contains("5201015703940001")),
        "no identity in e-mail"
    );
}
both_backends!(followup_mail_names_sender_kind_deadline_and_the_decline_reason);
