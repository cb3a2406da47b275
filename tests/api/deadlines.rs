//! Deadlines and notifications on both backends: a pending handoff is reminded, then breached and
//! escalated, once each (also with two sweepers at once); e-mails reach a real SMTP server exactly
//! once even when it is down for a while; a refused recipient becomes a dead letter.

use std::path::Path;
use std::process::{Child, Command, Stdio};

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::*;
use rujukan::db::schema::outbox;

struct World {
    app: TestApp,
    case: i64,
    handoff: i64,
    sent_at: NaiveDateTime,
}

/// SU-ALPHA sends a police report (24 h to answer, escalated to supervisors) to POL-BETA.
async fn world(backend: Backend) -> World {
    let app = TestApp::spawn_with_agreement(backend, TEST_AGREEMENT).await;
    app.user_with_email(
        "alpha.cw",
        "SU-ALPHA",
        &["caseworker"],
        Some("alpha.cw@example.org"),
    );
    app.user_with_email(
        "alpha.sup",
        "SU-ALPHA",
        &["supervisor"],
        Some("alpha.sup@example.org"),
    );
    app.user_with_email(
        "beta.inv",
        "POL-BETA",
        &["investigator"],
        Some("beta.inv@example.org"),
    );
    app.user_with_email(
        "beta.sup",
        "POL-BETA",
        &["supervisor"],
        Some("beta.sup@example.org"),
    );
    app.user("beta.new", "POL-BETA", &["investigator"]);
    let case = app
        .intake(
            "alpha.cw",
            json!({
                "survivor": {"full_name": "Ratna Dewi", "nik": "3374015703940001"},
                "incidents": [{"date": "2026-10-02", "forms": ["sexual"]}],
                "legal_basis": ["TPKS"],
            }),
        )
        .await;
    let alpha = app.token("alpha.cw").await;
    let consent = app
        .post_json(
            &format!("/api/v1/cases/{case}/consents"),
            Some(&alpha),
            json!({"purpose": "police_report", "given": true, "recipient_agency": "POL-BETA"}),
        )
        .await;
    assert_eq!(consent.status(), 201);
    let sent = app
        .post_json(
            &format!("/api/v1/cases/{case}/handoffs"),
            Some(&alpha),
            json!({"handoff": "report", "to_agency": "POL-BETA"}),
        )
        .await;
    assert_eq!(sent.status(), 201);
    let handoff = sent.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let sent_at = rujukan::db::handoffs::by_id(&mut app.conn(), handoff)
        .unwrap()
        .unwrap()
        .created_at;
    World {
        app,
        case,
        handoff,
        sent_at,
    }
}

fn mails(
    conn: &mut rujukan::db::DbConnection,
    kind: &str,
) -> Vec<(String, Option<String>, String)> {
    outbox::table
        .filter(outbox::kind.eq(kind))
        .order(outbox::id.asc())
        .select((outbox::status, outbox::recipient_email, outbox::message_id))
        .load(conn)
        .unwrap()
}

fn rfc3339(at: NaiveDateTime) -> String {
    at.and_utc().to_rfc3339()
}

fn sweep_cli(db: &TestDb, at: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_rujukan"))
        .current_dir(db.dir())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("RUJUKAN_ENV", "test")
        .env("RUJUKAN_STORAGE__DATA_DIR", db.dir().join("data"))
        .args(["--config-dir", &repo_dir().join("config").to_string_lossy()])
        .args(["deadlines", "sweep", "--at", at, "--database-url", db.url()])
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

async fn a_pending_handoff_is_reminded_then_breached_and_escalated_once(backend: Backend) {
    let w = world(backend).await;
    let mut conn = w.app.conn();
    let received = mails(&mut conn, "handoff.received");
    let to: Vec<Option<String>> = received.iter().map(|m| m.1.clone()).collect();
    assert_eq!(
        to,
        [
            Some("beta.inv@example.org".into()),
            Some("beta.sup@example.org".into()),
            None
        ],
        "the receiving agency is told; a user without an address is listed"
    );
    assert_eq!(received[2].0, "no_address");

    let early = sweep_cli(&w.app.db, &rfc3339(w.sent_at + Duration::hours(10)));
    assert!(
        early.status.success(),
        "{}",
        String::from_utf8_lossy(&early.stderr)
    );
    assert!(String::from_utf8_lossy(&early.stdout).contains("0 reminded, 0 breached, 0 escalated"));

    let soon = sweep_cli(&w.app.db, &rfc3339(w.sent_at + Duration::hours(20)));
    let text = String::from_utf8_lossy(&soon.stdout);
    assert!(
        soon.status.success() && text.contains("1 reminded, 0 breached, 0 escalated"),
        "{text}{}",
        String::from_utf8_lossy(&soon.stderr)
    );
    assert_eq!(
        mails(&mut conn, "deadline.reminder").len(),
        3,
        "to the receiving agency's users"
    );

    let late = sweep_cli(&w.app.db, &rfc3339(w.sent_at + Duration::hours(25)));
    let text = String::from_utf8_lossy(&late.stdout);
    assert!(
        late.status.success() && text.contains("0 reminded, 1 breached, 1 escalated"),
        "{text}"
    );
    let escalations: Vec<Option<String>> = mails(&mut conn, "deadline.escalation")
        .into_iter()
        .map(|m| m.1)
        .collect();
    assert_eq!(
        escalations,
        [
            Some("alpha.sup@example.org".into()),
            Some("beta.sup@example.org".into())
        ],
        "the supervisors of sender and receiver"
    );

    let again = sweep_cli(&w.app.db, &rfc3339(w.sent_at + Duration::hours(26)));
    assert!(
        String::from_utf8_lossy(&again.stdout).contains("0 reminded, 0 breached, 0 escalated"),
        "repeating sends nothing more"
    );
    assert_eq!(mails(&mut conn, "deadline.escalation").len(), 2);

    // The file transport wrote each pending mail once, naming the case number only.
    let files: Vec<String> = std::fs::read_dir(w.app.db.dir().join("data/outbox-mail"))
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    let pending_or_sent: i64 = outbox::table
        .filter(outbox::status.eq("sent"))
        .count()
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(files.len() as i64, pending_or_sent);
    assert!(
        files
            .iter()
            .all(|f| !f.contains("Ratna") && !f.contains("3374015703940001")),
        "no identity in e-mail"
    );
    assert!(
        files.iter().any(|f| f.contains("/cases/")),
        "a link to the case"
    );

    // The case timeline shows each step.
    let token = w.app.token("alpha.sup").await;
    let timeline: Value = w
        .app
        .get_as(&format!("/api/v1/cases/{}/timeline", w.case), &token)
        .await
        .json()
        .await
        .unwrap();
    let types: Vec<&str> = timeline["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    for step in [
        "handoff.created",
        "deadline.reminded",
        "deadline.breached",
        "handoff.escalated",
    ] {
        assert_eq!(
            types.iter().filter(|t| **t == step).count(),
            1,
            "{step} once in {types:?}"
        );
    }
    let escalated = timeline["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["type"] == "handoff.escalated")
        .unwrap();
    assert_eq!(escalated["details"]["escalated_to"], "supervisor");
    assert_eq!(escalated["clock"]["handoff"], w.handoff);

    // The worklist and the case show the clock as overdue now that it is (as of the real clock it
    // is not yet).
    let worklist: Value = w
        .app
        .get_as("/api/v1/deadlines?state=due_soon", &token)
        .await
        .json()
        .await
        .unwrap();
    assert!(worklist.as_array().unwrap().is_empty(), "{worklist}");
    let upcoming: Value = w
        .app
        .get_as("/api/v1/deadlines?state=upcoming", &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(upcoming[0]["rule"], "sla.respond");
    assert_eq!(upcoming[0]["handoff_id"], w.handoff);
    let number = rujukan::db::cases::by_id(&mut w.app.conn(), w.case)
        .unwrap()
        .unwrap()
        .case_number;
    assert_eq!(upcoming[0]["case_number"], number.as_str(), "{upcoming}");
    let deadlines: Value = w
        .app
        .get_as(&format!("/api/v1/cases/{}/deadlines", w.case), &token)
        .await
        .json()
        .await
        .unwrap();
    let rules: Vec<&str> = deadlines
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["rule"].as_str().unwrap())
        .collect();
    assert!(
        rules.contains(&"sla.respond") && rules.contains(&"D1"),
        "the SLA and the TPKS report rule (D1): {rules:?}"
    );
    assert_eq!(
        w.app
            .get_as("/api/v1/deadlines?state=late", &token)
            .await
            .status(),
        422
    );
    let beta = w.app.token("beta.inv").await;
    let handoff: Value = w
        .app
        .get_as(&format!("/api/v1/handoffs/{}", w.handoff), &beta)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(handoff["deadlines"][0]["rule"], "sla.respond", "{handoff}");
    assert_eq!(handoff["deadlines"][0]["state"], "upcoming");
    assert_eq!(handoff["deadlines"][0]["due_at"], handoff["respond_by"]);

    // Bad input on the command line: one readable line, nothing written.
    let before: i64 = outbox::table.count().get_result(&mut conn).unwrap();
    let bad = sweep_cli(&w.app.db, "tomorrow");
    assert_eq!(bad.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("--at") && stderr.contains("RFC 3339"),
        "{stderr}"
    );
    assert_eq!(
        outbox::table.count().get_result::<i64>(&mut conn).unwrap(),
        before
    );
}
both_backends!(a_pending_handoff_is_reminded_then_breached_and_escalated_once);

async fn two_sweepers_at_once_take_each_step_once(backend: Backend) {
    let w = world(backend).await;
    let rules = rujukan::deadlines::load(
        &repo_dir().join("config/deadlines"),
        &repo_dir().join("config/holidays"),
    )
    .unwrap();
    // Two sweepers at +20 h: one reminder between them.
    let soon = w.sent_at + Duration::hours(20);
    let reminders: Vec<_> = (0..2)
        .map(|_| {
            let mut conn = w.app.conn();
            let rules = rules.clone();
            std::thread::spawn(move || {
                rujukan::services::deadlines::sweep(
                    &mut conn,
                    &rules,
                    soon,
                    chrono::Utc::now().naive_utc(),
                )
                .unwrap()
                .reminded
            })
        })
        .collect();
    assert_eq!(
        reminders
            .into_iter()
            .map(|r| r.join().unwrap())
            .sum::<usize>(),
        1
    );
    assert_eq!(
        mails(&mut w.app.conn(), "deadline.reminder").len(),
        3,
        "one reminder per receiving user, not two"
    );
    let at = w.sent_at + Duration::hours(25);
    let runs: Vec<_> = (0..2)
        .map(|_| {
            let mut conn = w.app.conn();
            let rules = rujukan::deadlines::load(
                &repo_dir().join("config/deadlines"),
                &repo_dir().join("config/holidays"),
            )
            .unwrap();
            std::thread::spawn(move || {
                let mut total = rujukan::services::deadlines::SweepReport::default();
                for _ in 0..3 {
                    let r = rujukan::services::deadlines::sweep(
                        &mut conn,
                        &rules,
                        at,
                        chrono::Utc::now().naive_utc(),
                    )
                    .unwrap();
                    total.breached += r.breached;
                    total.escalated += r.escalated;
                    total.reminded += r.reminded;
                }
                total
            })
        })
        .collect();
    let totals: Vec<_> = runs.into_iter().map(|r| r.join().unwrap()).collect();
    assert_eq!(
        totals.iter().map(|t| t.breached).sum::<usize>(),
        1,
        "{totals:?}"
    );
    assert_eq!(
        totals.iter().map(|t| t.escalated).sum::<usize>(),
        1,
        "{totals:?}"
    );
    assert_eq!(
        mails(&mut w.app.conn(), "deadline.escalation").len(),
        2,
        "one e-mail per supervisor, not two"
    );
}
both_backends!(two_sweepers_at_once_take_each_step_once);

/// A real SMTP server (aiosmtpd) on a loopback port, writing what it accepts into a folder.
struct SmtpServer {
    child: Child,
}

/// Whether the SMTP server can run here. Without aiosmtpd the SMTP tests are skipped with a
/// message, unless `CI` is set, where they fail (like the PostgreSQL variants).
fn smtp_available() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import aiosmtpd"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "aiosmtpd is required in CI: pip install aiosmtpd"
        );
        eprintln!("skipped: the SMTP tests need aiosmtpd (pip install aiosmtpd)");
    }
    ok
}

impl SmtpServer {
    fn start(port: u16, folder: &Path) -> Self {
        let script = repo_dir().join("tests/smtp/server.py");
        let mut child = Command::new("python3")
            .arg(script)
            .arg(port.to_string())
            .arg(folder)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("python3 runs the SMTP server (pip install aiosmtpd)");
        let mut ready = String::new();
        std::io::BufRead::read_line(
            &mut std::io::BufReader::new(child.stdout.as_mut().unwrap()),
            &mut ready,
        )
        .unwrap();
        assert_eq!(
            ready.trim(),
            "ready",
            "the SMTP server started (is aiosmtpd installed?)"
        );
        Self { child }
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn smtp_settings(
    db: &TestDb,
    port: u16,
) -> (rujukan::notify::Mailer, rujukan::config::EmailSettings) {
    let mut settings = db.settings();
    settings.email.transport = rujukan::config::EmailTransport::Smtp;
    settings.email.smtp_url = Some(secrecy::SecretString::from(format!(
        "smtp://127.0.0.1:{port}"
    )));
    let mailer =
        rujukan::notify::Mailer::from_settings(&settings.email, &settings.storage.data_dir)
            .unwrap();
    (mailer, settings.email)
}

async fn mail_waits_for_the_smtp_server_and_arrives_exactly_once(backend: Backend) {
    if !smtp_available() {
        return;
    }
    let w = world(backend).await;
    let alpha = w.app.token("alpha.cw").await;
    // A burst of handoffs while the mail server is down.
    for i in 0..4 {
        let case = w
            .app
            .intake(
                "alpha.cw",
                json!({
                    "survivor": {"full_name": format!("Burst {i}")},
                    "incidents": [{"date": "2026-10-02", "forms": ["sexual"]}],
                }),
            )
            .await;
        w.app
            .post_json(
                &format!("/api/v1/cases/{case}/consents"),
                Some(&alpha),
                json!({"purpose": "police_report", "given": true, "recipient_agency": "POL-BETA"}),
            )
            .await;
        let sent = w
            .app
            .post_json(
                &format!("/api/v1/cases/{case}/handoffs"),
                Some(&alpha),
                json!({"handoff": "report", "to_agency": "POL-BETA"}),
            )
            .await;
        assert_eq!(sent.status(), 201);
    }
    let mut conn = w.app.conn();
    let expected: Vec<String> = outbox::table
        .filter(outbox::status.eq("pending"))
        .order(outbox::id.asc())
        .select(outbox::message_id)
        .load(&mut conn)
        .unwrap();
    assert_eq!(
        expected.len(),
        10,
        "5 handoffs × 2 receiving users with an address"
    );

    let port = free_port();
    let (mailer, email) = smtp_settings(&w.app.db, port);
    let now = chrono::Utc::now().naive_utc();
    let down = rujukan::notify::deliver_due(&mut conn, &mailer, &email, now).unwrap();
    assert_eq!(
        (down.sent, down.retrying, down.dead),
        (0, 10, 0),
        "the server is down: every mail waits"
    );
    let down = rujukan::notify::deliver_due(&mut conn, &mailer, &email, now + Duration::minutes(1))
        .unwrap();
    assert_eq!(down.retrying, 10, "and is tried again after its back-off");

    let folder = w.app.db.dir().join("smtp-received");
    let _server = SmtpServer::start(port, &folder);
    let early =
        rujukan::notify::deliver_due(&mut conn, &mailer, &email, now + Duration::minutes(1))
            .unwrap();
    assert_eq!(early.sent, 0, "nothing is sent before its back-off ends");
    let up =
        rujukan::notify::deliver_due(&mut conn, &mailer, &email, now + Duration::hours(1)).unwrap();
    assert_eq!((up.sent, up.retrying, up.dead), (10, 0, 0));
    let again =
        rujukan::notify::deliver_due(&mut conn, &mailer, &email, now + Duration::hours(2)).unwrap();
    assert_eq!(
        again,
        rujukan::notify::Delivered::default(),
        "nothing twice"
    );

    let received: Vec<String> = {
        let mut files: Vec<_> = std::fs::read_dir(&folder)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "eml"))
            .collect();
        files.sort();
        files
            .iter()
            .map(|p| std::fs::read_to_string(p).unwrap())
            .collect()
    };
    assert_eq!(received.len(), 10, "each notification arrived once");
    for id in &expected {
        assert_eq!(
            received.iter().filter(|m| m.contains(id.as_str())).count(),
            1,
            "{id} arrived once, with its stable Message-ID"
        );
    }
    assert!(
        received
            .iter()
            .all(|m| !m.contains("Burst") && !m.contains("Ratna")),
        "no identity in e-mail"
    );
    assert!(
        received
            .iter()
            .any(|m| m.contains("Rujukan baru untuk kasus")),
        "Indonesian by default"
    );
}
both_backends!(mail_waits_for_the_smtp_server_and_arrives_exactly_once);

async fn a_refused_recipient_becomes_a_dead_letter_that_administrators_see(backend: Backend) {
    if !smtp_available() {
        return;
    }
    let w = world(backend).await;
    w.app.user_with_email(
        "beta.gone",
        "POL-BETA",
        &["investigator"],
        Some("reject-me@example.org"),
    );
    w.app.user("admin", "SU-ALPHA", &["sysadmin"]);
    let alpha = w.app.token("alpha.cw").await;
    let case = w
        .app
        .intake(
            "alpha.cw",
            json!({
                "survivor": {"full_name": "Dewi"},
                "incidents": [{"date": "2026-10-02", "forms": ["sexual"]}],
            }),
        )
        .await;
    w.app
        .post_json(
            &format!("/api/v1/cases/{case}/consents"),
            Some(&alpha),
            json!({"purpose": "police_report", "given": true, "recipient_agency": "POL-BETA"}),
        )
        .await;
    assert_eq!(
        w.app
            .post_json(
                &format!("/api/v1/cases/{case}/handoffs"),
                Some(&alpha),
                json!({"handoff": "report", "to_agency": "POL-BETA"})
            )
            .await
            .status(),
        201
    );

    let port = free_port();
    let folder = w.app.db.dir().join("smtp-received");
    let _server = SmtpServer::start(port, &folder);
    let (mailer, email) = smtp_settings(&w.app.db, port);
    let mut conn = w.app.conn();
    let done =
        rujukan::notify::deliver_due(&mut conn, &mailer, &email, chrono::Utc::now().naive_utc())
            .unwrap();
    assert_eq!(
        (done.sent, done.dead),
        (4, 1),
        "the refused recipient is given up at once, the others arrive"
    );

    let admin = w.app.token("admin").await;
    let dead: Value = w
        .app
        .get_as("/api/v1/outbox?status=dead", &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(dead["items"].as_array().unwrap().len(), 1);
    assert_eq!(dead["items"][0]["recipient"], "beta.gone");
    assert!(
        dead["items"][0]["last_error"]
            .as_str()
            .unwrap()
            .contains("550"),
        "{dead}"
    );
    let unreachable: Value = w
        .app
        .get_as("/api/v1/outbox?status=no_address", &admin)
        .await
        .json()
        .await
        .unwrap();
    assert!(
        unreachable["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["recipient"] == "beta.new")
    );
    assert_eq!(
        w.app
            .get_as("/api/v1/outbox?status=lost", &admin)
            .await
            .status(),
        422
    );
    let caseworker = w.app.token("alpha.cw").await;
    assert_eq!(
        w.app.get_as("/api/v1/outbox", &caseworker).await.status(),
        403
    );
}
both_backends!(a_refused_recipient_becomes_a_dead_letter_that_administrators_see);

async fn statutory_deadlines_are_reminded_breached_and_escalated_unless_met(backend: Backend) {
    // D1 (UU 12/2022 Ps 41): a TPKS case taken in by a service unit must be reported to the police
    // within 72 hours; escalated to the owner's supervisors.
    let w = world(backend).await;
    let alpha = w.app.token("alpha.cw").await;
    let reported = w
        .app
        .intake(
            "alpha.cw",
            json!({"survivor": {"full_name": "Sari"}, "legal_basis": ["TPKS"]}),
        )
        .await;
    let moved = w
        .app
        .post_json(
            &format!("/api/v1/cases/{reported}/stages"),
            Some(&alpha),
            json!({"track": "justice", "stage": "reported_to_police"}),
        )
        .await;
    assert_eq!(moved.status(), 200);
    let pkdrt = w
        .app
        .intake(
            "alpha.cw",
            json!({"survivor": {"full_name": "Wati"}, "legal_basis": ["PKDRT"]}),
        )
        .await;
    let created = |id: i64| {
        rujukan::db::cases::by_id(&mut w.app.conn(), id)
            .unwrap()
            .unwrap()
            .created_at
    };
    let rules = rujukan::deadlines::load(
        &repo_dir().join("config/deadlines"),
        &repo_dir().join("config/holidays"),
    )
    .unwrap();
    let sweep = |hours: i64| {
        let at = created(w.case) + Duration::hours(hours);
        rujukan::services::deadlines::sweep(
            &mut w.app.conn(),
            &rules,
            at,
            chrono::Utc::now().naive_utc(),
        )
        .unwrap()
    };
    let d1_steps = |case: i64| -> Vec<String> {
        rujukan::db::audit::stream(&mut w.app.conn(), &format!("case:{case}"))
            .unwrap()
            .into_iter()
            .filter(|e| e.action.starts_with("deadline.") && e.details.contains("\"rule\":\"D1\""))
            .map(|e| e.action)
            .collect()
    };
    sweep(60);
    assert_eq!(
        d1_steps(w.case),
        ["deadline.reminded"],
        "due in 12 h: reminded"
    );
    assert!(
        d1_steps(reported).is_empty(),
        "reported to the police in time: met"
    );
    assert!(d1_steps(pkdrt).is_empty(), "D1 is a TPKS rule");
    sweep(73);
    sweep(74);
    assert_eq!(
        d1_steps(w.case),
        [
            "deadline.reminded",
            "deadline.breached",
            "deadline.escalated"
        ],
        "once each"
    );
    assert!(d1_steps(reported).is_empty());
    let escalations: Vec<Option<String>> = mails(&mut w.app.conn(), "deadline.escalation")
        .into_iter()
        .map(|m| m.1)
        .collect();
    assert!(
        escalations.contains(&Some("alpha.sup@example.org".into())),
        "the owner's supervisor: {escalations:?}"
    );

    let token = w.app.token("beta.inv").await;
    let timeline: Value = w
        .app
        .get_as(&format!("/api/v1/cases/{}/timeline", w.case), &token)
        .await
        .json()
        .await
        .unwrap();
    let types: Vec<&str> = timeline["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert!(
        types.contains(&"deadline.escalated"),
        "statutory steps concern every party: {types:?}"
    );

    // The supervision page lists the escalation for the owner's and a party's supervisors, and
    // not for an agency with no part in the case.
    w.app.user("omega.sup", "SU-OMEGA", &["supervisor"]);
    let number = rujukan::db::cases::by_id(&mut w.app.conn(), w.case)
        .unwrap()
        .unwrap()
        .case_number;
    for (user, listed) in [
        ("alpha.sup", true),
        ("beta.sup", true),
        ("omega.sup", false),
    ] {
        let (session, _) = crate::pages::web_session(&w.app, user).await;
        let (status, html) = crate::pages::web_get(&w.app, &session, "/supervision").await;
        assert_eq!(status, 200, "{user}");
        let section = html
            .split("<section id=\"escalations\">")
            .nth(1)
            .and_then(|rest| rest.split("</section>").next())
            .unwrap_or_default();
        assert_eq!(section.contains(&number), listed, "{user}: {section}");
    }
}
both_backends!(statutory_deadlines_are_reminded_breached_and_escalated_unless_met);

async fn a_withdrawn_consent_tells_the_receiver_in_each_users_language(backend: Backend) {
    let w = world(backend).await;
    let mut conn = w.app.conn();
    {
        use rujukan::db::schema::users;
        diesel::update(users::table.filter(users::username.eq("beta.inv")))
            .set(users::language.eq("en"))
            .execute(&mut conn)
            .unwrap();
    }
    let alpha = w.app.token("alpha.cw").await;
    let withdrawn = w
        .app
        .post_json(
            &format!("/api/v1/cases/{}/consents", w.case),
            Some(&alpha),
            json!({"purpose": "police_report", "given": false, "recipient_agency": "POL-BETA"}),
        )
        .await;
    assert_eq!(withdrawn.status(), 201);
    let told: Vec<Option<String>> = mails(&mut conn, "consent.withdrawn")
        .into_iter()
        .map(|m| m.1)
        .collect();
    assert_eq!(
        told,
        [
            Some("beta.inv@example.org".into()),
            Some("beta.sup@example.org".into()),
            None
        ]
    );

    let folder = w.app.db.dir().join("mail-files");
    let mailer = rujukan::notify::Mailer::File(folder.clone());
    let email = w.app.db.settings().email;
    let done =
        rujukan::notify::deliver_due(&mut conn, &mailer, &email, chrono::Utc::now().naive_utc())
            .unwrap();
    assert_eq!(done.sent, 4, "2 handoff.received + 2 consent.withdrawn");
    let files: Vec<String> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    let to = |addr: &str, needle: &str| {
        files
            .iter()
            .any(|f| f.contains(&format!("To: {addr}")) && f.contains(needle))
    };
    assert!(
        to("beta.inv@example.org", "Consent withdrawn"),
        "English for the English user"
    );
    assert!(
        to("beta.sup@example.org", "Persetujuan dicabut"),
        "Indonesian by default"
    );
    assert!(files.iter().all(|f| !f.contains("Ratna")));
}
both_backends!(a_withdrawn_consent_tells_the_receiver_in_each_users_language);
