//! The `rujukan` binary as an operator meets it: `migrate` and `serve` on both backends, and
//! every kind of bad start answered with one readable line on standard error and exit code 1.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::both_backends;
use crate::helpers::*;

/// The binary, run in `cwd` with the repository's configuration and a clean environment.
pub(crate) fn rujukan(cwd: &Path) -> Command {
    let mut command = rujukan_bare(cwd);
    command.arg("--config-dir").arg(repo_dir().join("config"));
    command
}

/// The binary without `--config-dir`, for tests that choose their own.
fn rujukan_bare(cwd: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_rujukan"));
    command
        .current_dir(cwd)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("RUJUKAN_ENV", "test")
        .env(
            "RUJUKAN_AGREEMENTS__DIR",
            repo_dir().join("config/agreements"),
        )
        .env(
            "RUJUKAN_AGREEMENTS__KNOWN_AGENCIES_FILE",
            repo_dir().join("config/seed/agencies.toml"),
        )
        .env(
            "RUJUKAN_DEADLINES__DIR",
            repo_dir().join("config/deadlines"),
        )
        .env(
            "RUJUKAN_DEADLINES__HOLIDAYS_DIR",
            repo_dir().join("config/holidays"),
        )
        .stdin(Stdio::null());
    command
}

/// Asserts a failed start: exit 1 and exactly one line on standard error, without a panic.
pub(crate) fn assert_one_line_failure(output: &Output, expected: &str) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(1), "exit code; stderr: {stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr:?}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(
        stderr.contains(expected),
        "expected {expected:?} in {stderr:?}"
    );
    for forbidden in [
        "panicked",
        "backtrace",
        "RUST_BACKTRACE",
        "internal failure",
    ] {
        assert!(!stderr.contains(forbidden), "{forbidden} in {stderr:?}");
    }
    stderr
}

/// Waits until a spawned server answers `/readyz`; returns that answer.
async fn wait_ready(address: &str) -> reqwest::Response {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(response) = reqwest::get(format!("{address}/readyz")).await {
            return response;
        }
        assert!(Instant::now() < deadline, "server did not come up");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Sends SIGTERM and waits for the exit; returns the exit status and what went to stderr.
async fn terminate(mut child: std::process::Child) -> (std::process::ExitStatus, String) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(20);
    let exit = loop {
        if let Some(exit) = child.try_wait().unwrap() {
            break exit;
        }
        assert!(Instant::now() < deadline, "did not stop on SIGTERM");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut stderr).unwrap();
    (exit, stderr)
}

#[test]
fn help_lists_the_commands() {
    let dir = tempfile::tempdir().unwrap();
    let output = rujukan(dir.path()).arg("--help").output().unwrap();
    assert!(output.status.success());
    let text = String::from_utf8_lossy(&output.stdout);
    for word in ["serve", "migrate", "--config-dir"] {
        assert!(text.contains(word), "{word} in {text}");
    }
    let serve = rujukan(dir.path())
        .args(["serve", "--help"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&serve.stdout);
    assert!(
        text.contains("--bind") && text.contains("--database-url"),
        "{text}"
    );
}

#[test]
fn unknown_command_is_one_line_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let output = rujukan(dir.path()).arg("frobnicate").output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("frobnicate"), "{stderr}");
}

#[test]
fn unsupported_database_scheme() {
    let dir = tempfile::tempdir().unwrap();
    let output = rujukan(dir.path())
        .args([
            "migrate",
            "--database-url",
            "mysql://root@localhost/rujukan",
        ])
        .output()
        .unwrap();
    assert_one_line_failure(&output, "unsupported scheme \"mysql\"");
}

#[test]
fn bad_database_url_from_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let output = rujukan(dir.path())
        .env("RUJUKAN_DATABASE__URL", "data/rujukan.db")
        .arg("migrate")
        .output()
        .unwrap();
    assert_one_line_failure(&output, "has no scheme");
}

#[test]
fn unreachable_postgres() {
    let dir = tempfile::tempdir().unwrap();
    let output = rujukan(dir.path())
        .args([
            "migrate",
            "--database-url",
            "postgres://postgres:hunter2@127.0.0.1:1/rujukan",
        ])
        .output()
        .unwrap();
    let stderr = assert_one_line_failure(
        &output,
        "cannot connect to postgres://postgres:***@127.0.0.1:1/rujukan",
    );
    assert!(!stderr.contains("hunter2"), "password leaked: {stderr}");
}

#[test]
fn missing_postgres_database_keeps_the_real_error() {
    if !postgres_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let base = postgres_base_url();
    let (server, _) = base.rsplit_once('/').unwrap();
    let url = format!("{server}/rujukan_no_such_database");
    let output = rujukan(dir.path())
        .args(["migrate", "--database-url", &url])
        .output()
        .unwrap();
    assert_one_line_failure(&output, "does not exist");
}

#[test]
fn unwritable_sqlite_path() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("not-a-folder");
    std::fs::write(&blocker, "a file where the data folder should be").unwrap();
    let url = format!("sqlite://{}/rujukan.db", blocker.display());
    let output = rujukan(dir.path())
        .args(["migrate", "--database-url", &url])
        .output()
        .unwrap();
    assert_one_line_failure(&output, "cannot create the folder");
}

#[test]
fn malformed_config_file() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    std::fs::create_dir(&config).unwrap();
    std::fs::copy(
        repo_dir().join("config/default.toml"),
        config.join("default.toml"),
    )
    .unwrap();
    std::fs::write(config.join("test.toml"), "[database\nurl = \n").unwrap();
    let output = rujukan_bare(dir.path())
        .args(["--config-dir", "config", "migrate"])
        .output()
        .unwrap();
    assert_one_line_failure(&output, "test.toml");
}

#[test]
fn typo_in_config_names_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let output = rujukan(dir.path())
        .env("RUJUKAN_SERVER__BIDN", "0.0.0.0:80")
        .arg("migrate")
        .output()
        .unwrap();
    assert_one_line_failure(&output, "bidn");
}

#[test]
fn missing_config_folder() {
    let dir = tempfile::tempdir().unwrap();
    let output = rujukan_bare(dir.path())
        .args(["--config-dir", "nowhere", "migrate"])
        .output()
        .unwrap();
    assert_one_line_failure(&output, "default.toml not found");
}

#[test]
fn production_refuses_to_start_without_real_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let output = rujukan(dir.path())
        .env("RUJUKAN_ENV", "production")
        .env(
            "RUJUKAN_DATABASE__URL",
            format!("sqlite://{}/r.db", dir.path().display()),
        )
        .args(["serve", "--bind", "127.0.0.1:0"])
        .output()
        .unwrap();
    assert_one_line_failure(&output, "security.jwt_secret is required in production");

    let output = rujukan(dir.path())
        .env("RUJUKAN_ENV", "production")
        .env(
            "RUJUKAN_SECURITY__JWT_SECRET",
            "a-real-signing-secret-of-enough-length-1234",
        )
        .env("RUJUKAN_SECURITY__DATA_KEY", "c2hvcnQ=")
        .args(["serve", "--bind", "127.0.0.1:0"])
        .output()
        .unwrap();
    let stderr = assert_one_line_failure(&output, "security.data_key: must decode to 32 bytes");
    assert!(
        !stderr.contains("c2hvcnQ") && !stderr.contains("a-real-signing"),
        "secret leaked: {stderr}"
    );

    let output = rujukan(dir.path())
        .env("RUJUKAN_ENV", "production")
        .env(
            "RUJUKAN_SECURITY__JWT_SECRET",
            "a-real-signing-secret-of-enough-length-1234",
        )
        .env(
            "RUJUKAN_SECURITY__DATA_KEY",
            "q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq8M=",
        )
        .args(["serve", "--bind", "127.0.0.1:0"])
        .output()
        .unwrap();
    let stderr = assert_one_line_failure(
        &output,
        "security.audit_signing_key is required in production",
    );
    assert!(
        !stderr.contains("c2hvcnQ") && !stderr.contains("a-real-signing"),
        "secret leaked: {stderr}"
    );
    assert!(
        !dir.path().join("data/secrets").exists(),
        "production never generates secrets"
    );
}

#[test]
fn port_in_use() {
    let dir = tempfile::tempdir().unwrap();
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap().to_string();
    let output = rujukan(dir.path())
        .env(
            "RUJUKAN_DATABASE__URL",
            format!("sqlite://{}/r.db", dir.path().display()),
        )
        .args(["serve", "--bind", &address])
        .output()
        .unwrap();
    assert_one_line_failure(&output, &format!("cannot listen on {address}"));
}

async fn serve_refuses_a_bad_smtp_url_or_broken_deadline_rules_at_start_up(backend: Backend) {
    let db = TestDb::new(backend);
    let serve = |envs: &[(&str, String)]| {
        let mut command = rujukan(db.dir());
        for (key, value) in envs {
            command.env(key, value);
        }
        command
            .args(["serve", "--bind", "127.0.0.1:0", "--database-url", db.url()])
            .output()
            .unwrap()
    };
    let bad_smtp = serve(&[
        ("RUJUKAN_EMAIL__TRANSPORT", "smtp".into()),
        (
            "RUJUKAN_EMAIL__SMTP_URL",
            "smtp://mail.example.go.id:port".into(),
        ),
    ]);
    assert_one_line_failure(&bad_smtp, "email.smtp_url does not parse");
    let no_url = serve(&[("RUJUKAN_EMAIL__TRANSPORT", "smtp".into())]);
    assert_one_line_failure(&no_url, "email.smtp_url is required");
    let rules = db.dir().join("rules");
    std::fs::create_dir(&rules).unwrap();
    std::fs::write(rules.join("r.toml"), "[[rule]]\nid = \"X\"\n").unwrap();
    let broken = serve(&[(
        "RUJUKAN_DEADLINES__DIR",
        rules.to_string_lossy().into_owned(),
    )]);
    let stderr = assert_one_line_failure(&broken, "invalid deadline rules: ");
    assert!(stderr.contains("r.toml:"), "{stderr}");
}
both_backends!(serve_refuses_a_bad_smtp_url_or_broken_deadline_rules_at_start_up);

async fn migrate_applies_then_reports_up_to_date(backend: Backend) {
    let db = TestDb::empty(backend);
    let first = rujukan(db.dir())
        .args(["migrate", "--database-url", db.url()])
        .output()
        .unwrap();
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(
        String::from_utf8_lossy(&first.stdout).contains(&format!(
            "applied {} migration",
            std::fs::read_dir(repo_dir().join("migrations/sqlite"))
                .unwrap()
                .count()
        )),
        "{}",
        String::from_utf8_lossy(&first.stdout)
    );
    let second = rujukan(db.dir())
        .args(["migrate", "--database-url", db.url()])
        .output()
        .unwrap();
    assert!(second.status.success());
    assert!(String::from_utf8_lossy(&second.stdout).contains("up to date"));
    let mut conn = db.connect();
    assert_eq!(
        rujukan::db::meta::get(&mut conn, "schema")
            .unwrap()
            .unwrap()
            .value,
        "rujukan"
    );
}
both_backends!(migrate_applies_then_reports_up_to_date);

async fn serve_answers_then_stops_cleanly_on_sigterm(backend: Backend) {
    // A new installation: serving applies every migration first.
    let db = TestDb::empty(backend);
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = rujukan(db.dir())
        .env("RUJUKAN_ENV", "development")
        .args([
            "serve",
            "--bind",
            &format!("127.0.0.1:{port}"),
            "--database-url",
            db.url(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let address = format!("http://127.0.0.1:{port}");
    let ready = wait_ready(&address).await;
    assert_eq!(ready.status(), 200);
    assert_eq!(
        reqwest::get(format!("{address}/healthz"))
            .await
            .unwrap()
            .status(),
        200
    );
    let doc: serde_json::Value = reqwest::get(format!("{address}/api/v1/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["paths"]["/readyz"].is_object());
    assert_eq!(
        rujukan::db::migrate::applied(&mut db.connect())
            .unwrap()
            .len(),
        std::fs::read_dir(repo_dir().join("migrations/sqlite"))
            .unwrap()
            .count(),
        "serve applied every migration to the new database"
    );
    if backend == Backend::Sqlite {
        assert!(
            db.dir().join("data/secrets/jwt_secret").exists(),
            "development secrets generated in the data folder"
        );
    }

    let (exit, stderr) = terminate(child).await;
    assert_eq!(exit.code(), Some(0), "clean exit on SIGTERM; log: {stderr}");
    assert!(
        stderr.contains("request_id="),
        "log lines carry the request id: {stderr}"
    );
}
both_backends!(serve_answers_then_stops_cleanly_on_sigterm);

async fn production_with_real_secrets_serves_and_logs_json(backend: Backend) {
    let db = TestDb::new(backend);
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = rujukan(db.dir())
        .env("RUJUKAN_ENV", "production")
        .env(
            "RUJUKAN_SECURITY__JWT_SECRET",
            "production-signing-secret-0123456789abcdef",
        )
        .env(
            "RUJUKAN_SECURITY__DATA_KEY",
            "q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq8M=",
        )
        .env(
            "RUJUKAN_SECURITY__AUDIT_SIGNING_KEY",
            "3q2+796tvu/erb7v3q2+796tvu/erb7v3q2+796tvu8=",
        )
        .env("RUJUKAN_STORAGE__DATA_DIR", db.dir().join("data"))
        .args([
            "serve",
            "--bind",
            &format!("127.0.0.1:{port}"),
            "--database-url",
            db.url(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let address = format!("http://127.0.0.1:{port}");
    let ready = wait_ready(&address).await;
    assert_eq!(ready.status(), 200);
    let request_id = ready.headers()["x-request-id"].to_str().unwrap().to_owned();
    let (exit, stderr) = terminate(child).await;
    assert_eq!(exit.code(), Some(0), "{stderr}");
    let lines: Vec<serde_json::Value> = stderr
        .lines()
        .map(|line| {
            serde_json::from_str(line).unwrap_or_else(|_| panic!("not a JSON log line: {line}"))
        })
        .collect();
    assert!(
        lines.iter().any(|l| l["span"]["request_id"] == request_id.as_str()
            && l["fields"]["status"] == 200),
        "the request's completion line carries its id: {stderr}"
    );
    assert!(
        !stderr.contains("production-signing-secret"),
        "secret in the log"
    );
    assert!(
        !db.dir().join("data/secrets").exists(),
        "production never generates secrets"
    );
}
both_backends!(production_with_real_secrets_serves_and_logs_json);

async fn agency_and_user_commands_refuse_bad_input_with_one_line(backend: Backend) {
    let db = TestDb::new(backend);
    let url = db.url().to_owned();
    let run = |args: &[&str], stdin: Option<&str>| {
        let mut command = rujukan(db.dir());
        command
            .args(args)
            .args(["--database-url", &url])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if stdin.is_some() {
            command.stdin(Stdio::piped());
        }
        let mut child = command.spawn().unwrap();
        if let Some(text) = stdin {
            use std::io::Write;
            child
                .stdin
                .take()
                .unwrap()
                .write_all(text.as_bytes())
                .unwrap();
        }
        child.wait_with_output().unwrap()
    };
    let ok = run(
        &[
            "agency",
            "add",
            "--code",
            "POLDA-JATENG",
            "--name",
            "Polda Jawa Tengah",
            "--kind",
            "police",
            "--province",
            "33",
        ],
        None,
    );
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert_one_line_failure(
        &run(
            &[
                "agency",
                "add",
                "--code",
                "POLDA-JATENG",
                "--name",
                "Again",
                "--kind",
                "police",
                "--province",
                "33",
            ],
            None,
        ),
        "exists already",
    );
    assert_one_line_failure(
        &run(
            &[
                "agency",
                "add",
                "--code",
                "TNI-AD",
                "--name",
                "Army",
                "--kind",
                "army",
                "--province",
                "33",
            ],
            None,
        ),
        "kind: unknown value \"army\"",
    );
    assert_one_line_failure(
        &run(
            &[
                "agency",
                "add",
                "--code",
                "PN-X",
                "--name",
                "PN",
                "--kind",
                "court",
                "--province",
                "99",
            ],
            None,
        ),
        "province",
    );

    let password = format!("{PASSWORD}\n");
    let created = run(
        &[
            "user",
            "add",
            "--username",
            "bayu",
            "--agency",
            "POLDA-JATENG",
            "--role",
            "investigator",
        ],
        Some(&password),
    );
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    assert!(String::from_utf8_lossy(&created.stdout).contains("user bayu created"));
    assert!(
        !String::from_utf8_lossy(&created.stdout).contains(PASSWORD),
        "password never echoed"
    );
    assert_one_line_failure(
        &run(
            &[
                "user",
                "add",
                "--username",
                "bayu",
                "--agency",
                "POLDA-JATENG",
                "--role",
                "investigator",
            ],
            Some(&password),
        ),
        "taken",
    );
    assert_one_line_failure(
        &run(
            &[
                "user",
                "add",
                "--username",
                "wati",
                "--agency",
                "POLDA-JATENG",
                "--role",
                "investigator",
            ],
            Some("password1234\n"),
        ),
        "password: is too weak",
    );
    assert_one_line_failure(
        &run(
            &[
                "user",
                "add",
                "--username",
                "wati",
                "--agency",
                "POLDA-JATENG",
                "--role",
                "boss",
            ],
            Some(&password),
        ),
        "roles: unknown value \"boss\"",
    );
    assert_one_line_failure(
        &run(
            &[
                "user",
                "add",
                "--username",
                "wati",
                "--agency",
                "NOWHERE",
                "--role",
                "caseworker",
            ],
            Some(&password),
        ),
        "agency: unknown agency",
    );
    assert_one_line_failure(
        &run(
            &[
                "user",
                "add",
                "--username",
                "wati",
                "--agency",
                "POLDA-JATENG",
                "--role",
                "caseworker",
            ],
            Some(""),
        ),
        "standard input",
    );
    assert_one_line_failure(
        &run(
            &[
                "user",
                "add",
                "--username",
                "wati",
                "--agency",
                "POLDA-JATENG",
                "--role",
                "prosecutor",
            ],
            Some(&password),
        ),
        "roles: the role prosecutor is held only in an agency of kind prosecutor",
    );
    assert_one_line_failure(
        &run(
            &[
                "user",
                "add",
                "--username",
                "wati",
                "--agency",
                "POLDA-JATENG",
                "--role",
                "auditor",
            ],
            Some(&password),
        ),
        "designated to audit",
    );
    let auditing = run(
        &[
            "agency",
            "add",
            "--code",
            "DP3AP2KB-JATENG",
            "--name",
            "DP3AP2KB Jawa Tengah",
            "--kind",
            "service_unit",
            "--province",
            "33",
            "--audits",
        ],
        None,
    );
    assert!(
        auditing.status.success(),
        "{}",
        String::from_utf8_lossy(&auditing.stderr)
    );
    let auditor = run(
        &[
            "user",
            "add",
            "--username",
            "wati",
            "--agency",
            "DP3AP2KB-JATENG",
            "--role",
            "auditor",
        ],
        Some(&password),
    );
    assert!(
        auditor.status.success(),
        "{}",
        String::from_utf8_lossy(&auditor.stderr)
    );

    let imported = run(&["agency", "import"], None);
    assert!(
        imported.status.success(),
        "{}",
        String::from_utf8_lossy(&imported.stderr)
    );
    assert!(
        String::from_utf8_lossy(&imported.stdout).contains("2 already present"),
        "{}",
        String::from_utf8_lossy(&imported.stdout)
    );
    let mut conn = db.connect();
    for (code, audits) in [
        ("KEMENPPPA", true),
        ("DP3AP2KB-NTB", true),
        ("UPTD-PPA-JATENG", false),
        ("LBH-SEMARANG", false),
    ] {
        assert_eq!(
            rujukan::db::agencies::by_code(&mut conn, code)
                .unwrap()
                .map(|a| a.audits),
            Some(audits),
            "{code} designated to audit as the seed file says"
        );
    }
    let broken = db.dir().join("broken.toml");
    std::fs::write(
        &broken,
        "[[agency]]\ncode = \"OK-1\"\nname = \"x\"\nkind = \"police\"\nprovince = \"33\"\n\
         [[agency]]\ncode = \"bad code\"\nname = \"y\"\nkind = \"police\"\nprovince = \"33\"\n",
    )
    .unwrap();
    assert_one_line_failure(
        &run(&["agency", "import", &broken.to_string_lossy()], None),
        "agency 2 (bad code)",
    );
    assert!(
        rujukan::db::agencies::by_code(&mut conn, "OK-1")
            .unwrap()
            .is_none(),
        "a broken file adds nothing"
    );
}
both_backends!(agency_and_user_commands_refuse_bad_input_with_one_line);

async fn survivor_identity_never_reaches_the_log(backend: Backend) {
    let db = TestDb::new(backend);
    let url = db.url().to_owned();
    let setup = |args: &[&str], stdin: Option<&str>| {
        let mut command = rujukan(db.dir());
        command
            .args(args)
            .args(["--database-url", &url])
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        command.stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        });
        let mut child = command.spawn().unwrap();
        if let Some(text) = stdin {
            use std::io::Write;
            child
                .stdin
                .take()
                .unwrap()
                .write_all(text.as_bytes())
                .unwrap();
        }
        assert!(child.wait_with_output().unwrap().status.success());
    };
    setup(
        &[
            "agency",
            "add",
            "--code",
            "UPTD-PPA-JATENG",
            "--name",
            "UPTD PPA Jawa Tengah",
            "--kind",
            "service_unit",
            "--province",
            "33",
        ],
        None,
    );
    setup(
        &[
            "user",
            "add",
            "--username",
            "siti",
            "--agency",
            "UPTD-PPA-JATENG",
            "--role",
            "caseworker",
        ],
        Some(&format!("{PASSWORD}\n")),
    );

    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = rujukan(db.dir())
        .env("RUJUKAN_ENV", "development")
        .env(
            "RUST_LOG",
            "trace,h2=info,hyper=info,mio=info,actix_server=info,actix_http=info",
        )
        .args([
            "serve",
            "--bind",
            &format!("127.0.0.1:{port}"),
            "--database-url",
            &url,
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let address = format!("http://127.0.0.1:{port}");
    assert_eq!(wait_ready(&address).await.status(), 200);
    let client = reqwest::Client::new();
    let login: serde_json::Value = client
        .post(format!("{address}/api/v1/auth/login"))
        .json(&serde_json::json!({"username": "siti", "password": PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login["access_token"].as_str().unwrap().to_owned();
    let body = serde_json::json!({
        "survivor": {
            "full_name": "Kartini Wulandari",
            "nik": "3374015703940001",
            "phone": "081234567890",
            "address": "Jl. Melati 7",
        },
    });
    let created = client
        .post(format!("{address}/api/v1/cases"))
        .bearer_auth(&token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let id = created.json::<serde_json::Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap();
    let bad = client
        .post(format!("{address}/api/v1/cases"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"survivor": {"full_name": "Kartini Wulandari", "nik": "123"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
    let revealed = client
        .post(format!("{address}/api/v1/cases/{id}/reveal-identity"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"purpose": "schedule the interview"}))
        .send()
        .await
        .unwrap();
    assert_eq!(revealed.status(), 200);

    let (exit, stderr) = terminate(child).await;
    assert_eq!(exit.code(), Some(0));
    assert!(
        stderr.contains("request completed"),
        "trace logging was on: {stderr}"
    );
    for secret in [
        "Kartini",
        "Wulandari",
        "3374015703940001",
        "081234567890",
        "Melati",
        PASSWORD,
        &token,
    ] {
        assert!(!stderr.contains(secret), "{secret} in the log");
    }
}
both_backends!(survivor_identity_never_reaches_the_log);

#[test]
fn agreements_check_passes_the_shipped_files_and_names_the_line_of_a_problem() {
    let dir = tempfile::tempdir().unwrap();
    let ok = rujukan(dir.path())
        .args(["agreements", "check"])
        .output()
        .unwrap();
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let text = String::from_utf8_lossy(&ok.stdout);
    assert!(
        text.contains("jateng-pmi version 2") && text.contains("ntb-pmi version 2"),
        "{text}"
    );

    let broken = dir.path().join("broken");
    std::fs::create_dir(&broken).unwrap();
    let shipped =
        std::fs::read_to_string(repo_dir().join("config/agreements/jateng-pmi.toml")).unwrap();
    let line = shipped
        .lines()
        .position(|l| l.contains("requires_consent = \"lpsk_application\""))
        .unwrap()
        + 1;
    std::fs::write(
        broken.join("jateng.toml"),
        shipped.replace(
            "requires_consent = \"lpsk_application\"",
            "requires_consent = \"lpsk_aplication\"",
        ),
    )
    .unwrap();
    std::fs::write(
        broken.join("typo.toml"),
        "id = \"typo\"\nversion = 1\ntitle = \"T\"\neffective_from = 2025-01-01\n\
         parties = [\"LPSK\", \"POLDA-NTB\"]\n\n[[handoff]]\nid = \"x\"\nkind = \"referral\"\n\
         from = [\"police\"]\nto = [\"lpsk\"]\nrespond_within_hour = 4\n",
    )
    .unwrap();
    let bad = rujukan(dir.path())
        .args(["agreements", "check", &broken.to_string_lossy()])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&bad.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 2, "one line per problem: {stderr}");
    assert!(
        lines[0].starts_with(&format!(
            "{}:{line}: ",
            broken.join("jateng.toml").display()
        )),
        "{stderr}"
    );
    assert!(lines[0].contains("lpsk_aplication"), "{stderr}");
    assert!(
        lines[1].starts_with(&format!("{}:12: ", broken.join("typo.toml").display()))
            && lines[1].contains("respond_within_hour"),
        "{stderr}"
    );
    assert!(
        text.contains("deadline rule(s) valid") && text.contains("holiday(s)"),
        "the deadline rules and holidays are checked too: {text}"
    );

    // A broken deadline rule and holiday are named with their lines, like agreements.
    let rules = dir.path().join("rules");
    let holidays = dir.path().join("holidays");
    std::fs::create_dir(&rules).unwrap();
    std::fs::create_dir(&holidays).unwrap();
    std::fs::write(
        rules.join("r.toml"),
        "[[rule]]\nid = \"X1\"\ntitle_id = \"a\"\ntitle_en = \"a\"\ntrigger = \"case.teleported\"\n\
         period = { hours = -1 }\nresponsible = \"owner\"\nmet_by = [\"case.created\"]\n\
         legal_basis = \"x\"\nstatus = \"verified\"\n",
    )
    .unwrap();
    std::fs::write(
        holidays.join("h.toml"),
        "[[holiday]]\ndate = \"17 Agustus\"\nname = \"HUT RI\"\n",
    )
    .unwrap();
    let bad = rujukan(dir.path())
        .env("RUJUKAN_DEADLINES__DIR", &rules)
        .env("RUJUKAN_DEADLINES__HOLIDAYS_DIR", &holidays)
        .args(["agreements", "check"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&bad.stderr);
    let r = rules.join("r.toml").display().to_string();
    assert!(
        stderr.contains(&format!("{r}:5: ")) && stderr.contains("case.teleported"),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("{r}:6: ")) && stderr.contains("period"),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("{}:2: ", holidays.join("h.toml").display())),
        "{stderr}"
    );
}

async fn serve_refuses_an_invalid_agreement(backend: Backend) {
    let db = TestDb::new(backend);
    let agreements = db.dir().join("agreements");
    std::fs::create_dir(&agreements).unwrap();
    let shipped =
        std::fs::read_to_string(repo_dir().join("config/agreements/ntb-pmi.toml")).unwrap();
    std::fs::write(
        agreements.join("ntb.toml"),
        shipped.replace("kind = \"notice\"", "kind = \"memo\""),
    )
    .unwrap();
    let output = rujukan(db.dir())
        .env("RUJUKAN_AGREEMENTS__DIR", &agreements)
        .args(["serve", "--bind", "127.0.0.1:0", "--database-url", db.url()])
        .output()
        .unwrap();
    let stderr = assert_one_line_failure(&output, "invalid agreements: ");
    let line = shipped
        .lines()
        .position(|l| l.contains("kind = \"notice\""))
        .unwrap()
        + 1;
    assert!(
        stderr.contains(&format!(
            "ntb.toml:{line}: kind must be referral, transfer or notice"
        )),
        "{stderr}"
    );
}
both_backends!(serve_refuses_an_invalid_agreement);

async fn demo_seed_adds_cases_with_handoffs_in_every_status(backend: Backend) {
    let db = TestDb::new(backend);
    let output = rujukan(db.dir())
        .args(["demo", "seed", "--cases", "60", "--database-url", db.url()])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("60 cases and"), "{stdout}");
    let password_line = stdout
        .lines()
        .find(|l| l.trim_start().starts_with("demo.caseworker"))
        .unwrap();
    assert!(
        password_line.split_whitespace().nth(1).unwrap().len() > 20,
        "a password is printed once"
    );
    use diesel::prelude::*;
    use rujukan::db::schema::{cases, handoffs};
    let mut conn = db.connect();
    assert_eq!(
        cases::table.count().get_result::<i64>(&mut conn).unwrap(),
        60
    );
    let statuses: Vec<String> = handoffs::table
        .select(handoffs::status)
        .distinct()
        .load(&mut conn)
        .unwrap();
    for status in [
        "pending",
        "accepted",
        "declined",
        "withdrawn",
        "completed",
        "delivered",
    ] {
        assert!(
            statuses.iter().any(|s| s == status),
            "{status} in {statuses:?}"
        );
    }
    let again = rujukan(db.dir())
        .args(["demo", "seed", "--cases", "5", "--database-url", db.url()])
        .output()
        .unwrap();
    assert!(again.status.success());
    assert!(
        !String::from_utf8_lossy(&again.stdout).contains("passwords are shown"),
        "users exist: no new passwords"
    );
    assert_eq!(
        cases::table.count().get_result::<i64>(&mut conn).unwrap(),
        65
    );
}
both_backends!(demo_seed_adds_cases_with_handoffs_in_every_status);

#[actix_web::test]
async fn serve_demo_gives_a_working_system_and_is_refused_where_it_must_be() {
    let db = TestDb::empty(Backend::Sqlite);
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = rujukan(db.dir())
        .env("RUJUKAN_ENV", "development")
        .args([
            "serve",
            "--demo",
            "--bind",
            &format!("127.0.0.1:{port}"),
            "--database-url",
            db.url(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let address = format!("http://127.0.0.1:{port}");
    assert_eq!(wait_ready(&address).await.status(), 200);
    let (exit, _) = terminate_with_stdout_check(child, &address).await;
    assert_eq!(exit.code(), Some(0));

    let production = rujukan(db.dir())
        .env("RUJUKAN_ENV", "production")
        .env(
            "RUJUKAN_SECURITY__JWT_SECRET",
            "production-signing-secret-0123456789abcdef",
        )
        .env(
            "RUJUKAN_SECURITY__DATA_KEY",
            "q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq8M=",
        )
        .args([
            "serve",
            "--demo",
            "--bind",
            "127.0.0.1:0",
            "--database-url",
            db.url(),
        ])
        .output()
        .unwrap();
    assert_one_line_failure(
        &production,
        "demo data is refused when RUJUKAN_ENV=production",
    );
    let postgres = rujukan(db.dir())
        .args([
            "serve",
            "--demo",
            "--bind",
            "127.0.0.1:0",
            "--database-url",
            &postgres_base_url(),
        ])
        .output()
        .unwrap();
    assert_one_line_failure(&postgres, "--demo is refused on PostgreSQL");
}

/// Logs in as the demo caseworker with the password the server printed, sees the demo cases,
/// then stops the server.
async fn terminate_with_stdout_check(
    mut child: std::process::Child,
    address: &str,
) -> (std::process::ExitStatus, String) {
    let mut stdout = child.stdout.take().unwrap();
    // The passwords are printed before serving starts, so they are in the pipe by now.
    let mut printed = vec![0u8; 8192];
    let n = std::io::Read::read(&mut stdout, &mut printed).unwrap();
    let printed = String::from_utf8_lossy(&printed[..n]).into_owned();
    let line = printed
        .lines()
        .find(|l| l.trim_start().starts_with("demo.caseworker"))
        .unwrap_or_else(|| panic!("{printed}"));
    let password = line.split_whitespace().nth(1).unwrap().to_owned();
    let client = reqwest::Client::new();
    let login: serde_json::Value = client
        .post(format!("{address}/api/v1/auth/login"))
        .json(&serde_json::json!({"username": "demo.caseworker", "password": password}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login["access_token"].as_str().unwrap();
    let cases: serde_json::Value = client
        .get(format!("{address}/api/v1/cases"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        !cases["items"].as_array().unwrap().is_empty(),
        "demo cases are there"
    );
    drop(client);
    terminate(child).await
}

async fn audit_verify_reports_intact_and_broken_trails(backend: Backend) {
    let db = TestDb::new(backend);
    let seeded = rujukan(db.dir())
        .args(["demo", "seed", "--cases", "20", "--database-url", db.url()])
        .output()
        .unwrap();
    assert!(
        seeded.status.success(),
        "{}",
        String::from_utf8_lossy(&seeded.stderr)
    );
    let intact = rujukan(db.dir())
        .args(["audit", "verify", "--database-url", db.url()])
        .output()
        .unwrap();
    assert!(
        intact.status.success(),
        "{}",
        String::from_utf8_lossy(&intact.stderr)
    );
    let report = String::from_utf8_lossy(&intact.stdout);
    assert!(
        report.contains("audit trail intact:") && report.contains("entries in"),
        "{report}"
    );

    // An auditor takes a checkpoint and keeps it outside; verification then checks it too.
    let taken = rujukan(db.dir())
        .args(["audit", "checkpoint", "--database-url", db.url()])
        .output()
        .unwrap();
    assert!(
        taken.status.success(),
        "{}",
        String::from_utf8_lossy(&taken.stderr)
    );
    let line = String::from_utf8_lossy(&taken.stdout).trim().to_owned();
    let checkpoint: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(checkpoint["number"], 1, "{line}");
    let kept = db.dir().join("kept.jsonl");
    std::fs::write(&kept, format!("{line}\n")).unwrap();
    let checked = rujukan(db.dir())
        .args([
            "audit",
            "verify",
            "--checkpoints",
            &kept.to_string_lossy(),
            "--database-url",
            db.url(),
        ])
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&checked.stdout);
    assert!(
        checked.status.success() && report.contains("and 1 signed checkpoints"),
        "{report}"
    );
    std::fs::write(&kept, "{\"number\": 1}\n").unwrap();
    let unreadable = rujukan(db.dir())
        .args([
            "audit",
            "verify",
            "--checkpoints",
            &kept.to_string_lossy(),
            "--database-url",
            db.url(),
        ])
        .output()
        .unwrap();
    assert_one_line_failure(&unreadable, "kept.jsonl:1: not a checkpoint");

    use diesel::connection::SimpleConnection;
    use diesel::prelude::*;
    use rujukan::db::schema::audit_events;
    let mut conn = db.connect();
    let drop = match conn {
        rujukan::db::DbConnection::Pg(_) => "DROP TRIGGER audit_events_no_update ON audit_events",
        rujukan::db::DbConnection::Sqlite(_) => "DROP TRIGGER audit_events_no_update",
    };
    conn.batch_execute(drop).unwrap();
    let target: i64 = audit_events::table
        .select(audit_events::id)
        .order(audit_events::id.asc())
        .offset(10)
        .first(&mut conn)
        .unwrap();
    diesel::update(audit_events::table.find(target))
        .set(audit_events::action.eq("case.closed"))
        .execute(&mut conn)
        .unwrap();
    let broken = rujukan(db.dir())
        .args(["audit", "verify", "--database-url", db.url()])
        .output()
        .unwrap();
    assert_one_line_failure(
        &broken,
        &format!("audit trail broken: audit entry {target} "),
    );
}
both_backends!(audit_verify_reports_intact_and_broken_trails);

async fn stats_rebuild_restores_counts_from_the_records(backend: Backend) {
    let app = TestApp::spawn_with_agreement(backend, TEST_AGREEMENT).await;
    app.user("alpha.cw", "SU-ALPHA", &["caseworker"]);
    app.intake(
        "alpha.cw",
        serde_json::json!({
            "survivor": {"full_name": "Ratna Dewi"},
            "incidents": [{"date": "2026-10-02", "forms": ["sexual"]}],
        }),
    )
    .await;
    let kept = rujukan::db::stats::all(&mut app.conn()).unwrap();
    assert!(!kept.is_empty());
    // Counts lost (a database from before the statistics): the rebuild restores them exactly.
    rujukan::db::stats::clear(&mut app.conn()).unwrap();
    let rebuilt = rujukan(app.db.dir())
        .args(["stats", "rebuild", "--database-url", app.db.url()])
        .output()
        .unwrap();
    assert!(
        rebuilt.status.success(),
        "{}",
        String::from_utf8_lossy(&rebuilt.stderr)
    );
    assert!(
        String::from_utf8_lossy(&rebuilt.stdout).contains("differed and were replaced"),
        "{}",
        String::from_utf8_lossy(&rebuilt.stdout)
    );
    assert_eq!(rujukan::db::stats::all(&mut app.conn()).unwrap(), kept);
    let again = rujukan(app.db.dir())
        .args(["stats", "rebuild", "--database-url", app.db.url()])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&again.stdout).contains("the kept counts agreed"));
    let bad = rujukan(app.db.dir())
        .args(["stats", "rebuild", "--database-url", "mysql://nowhere/x"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&bad.stderr).lines().count(),
        1,
        "one readable line"
    );
}
both_backends!(stats_rebuild_restores_counts_from_the_records);
