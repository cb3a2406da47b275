//! Test harness: every database or HTTP test is written once and runs on both backends.
//!
//! - SQLite: a fresh file in a temporary folder per test.
//! - PostgreSQL: a fresh database per test on the server of `TEST_DATABASE_URL` (default
//!   `postgres://postgres@127.0.0.1:5432/rujukan_test`, created when missing), a copy of a
//!   migrated template ([`pg_databases`]), dropped when the test ends. When PostgreSQL cannot be
//!   reached the PostgreSQL variant fails if `CI` is set and is skipped with a message otherwise.
//!
//! [`TestDb::new`] has every migration applied on both backends; [`TestDb::empty`] has none.

#![allow(dead_code)]

mod pg_databases;
mod redact;

pub use redact::*;

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Once, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use diesel::prelude::*;
use rujukan::config::{Environment, Settings};
use rujukan::db::pool::ConnectionManager;
use rujukan::db::{DatabaseUrl, DbConnection};
use rujukan::startup::Application;
use secrecy::SecretString;

/// Default PostgreSQL for tests on our machines.
pub const DEFAULT_TEST_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/rujukan_test";

/// Which backend a test variant runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Registers a test written once as `async fn NAME(backend: Backend)` on both backends:
/// `both_backends!(NAME);` generates `mod NAME { sqlite(), postgres() }`, two tests that call
/// `NAME` with [`Backend::Sqlite`] and [`Backend::Postgres`]. Attributes before the name
/// (`both_backends!(#[should_panic] NAME);`) go on both. The PostgreSQL variant is skipped (or
/// fails when `CI` is set) without a reachable server: see [`postgres_available`].
#[macro_export]
macro_rules! both_backends {
    ($(#[$meta:meta])* $name:ident) => {
        mod $name {
            $(#[$meta])*
            #[actix_web::test]
            async fn sqlite() {
                super::$name($crate::helpers::Backend::Sqlite).await;
            }

            $(#[$meta])*
            #[actix_web::test]
            async fn postgres() {
                if !$crate::helpers::postgres_available() {
                    return;
                }
                super::$name($crate::helpers::Backend::Postgres).await;
            }
        }
    };
}

/// Compares a problem body with the snapshot `tests/api/snapshots/api__<file>__<name>.snap`, the
/// same one on both backends. The request id, new with each request, is redacted. A mismatch fails
/// the test; outside CI it also writes `<snapshot>.snap.new` to review with `cargo insta review`.
#[macro_export]
macro_rules! assert_problem_snapshot {
    ($name:expr, $body:expr) => {
        insta::assert_json_snapshot!($name, $body, {".request_id" => "[request_id]"})
    };
}

/// The repository's folder.
pub fn repo_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The PostgreSQL base database of the tests: the server they create their databases on, and
/// where the template is built under an advisory lock.
pub fn postgres_base_url() -> String {
    std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| DEFAULT_TEST_DATABASE_URL.to_owned())
}

/// Whether the PostgreSQL variants can run. In CI an unreachable server fails the test.
pub fn postgres_available() -> bool {
    match postgres_template() {
        Ok(_) => true,
        Err(error) if std::env::var_os("CI").is_some() => {
            panic!("PostgreSQL is required when CI is set, but {error}")
        }
        Err(error) => {
            eprintln!("skipping the PostgreSQL variant: {error} (set TEST_DATABASE_URL)");
            false
        }
    }
}

/// Once per process: reaches the server, sweeps stale test databases and makes sure the migrated
/// template exists; its name, or why PostgreSQL cannot be used.
fn postgres_template() -> &'static Result<String, String> {
    static STATE: OnceLock<Result<String, String>> = OnceLock::new();
    STATE.get_or_init(|| {
        let url = postgres_base_url();
        let mut base = pg_databases::connect_base(&url)?;
        pg_databases::sweep_stale_test_databases(&mut base);
        pg_databases::ensure_template(&mut base, &url)
    })
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// Test connections stay on loopback without TLS (`sslmode=disable`, unless the URL says
/// otherwise) and without the GSSAPI probe. With TLS, OpenSSL's clean-up at process exit races the
/// pool's threads that still hold TLS connections, and the test process crashes after its test
/// passed (SIGSEGV/SIGABRT).
pub fn loopback(url: &str) -> String {
    let url = rujukan::db::url::libpq_url(url);
    if url.contains("sslmode=") {
        url
    } else {
        format!("{url}&sslmode=disable")
    }
}

/// A fresh database for one test, removed when dropped.
pub struct TestDb {
    pub backend: Backend,
    url: String,
    dir: tempfile::TempDir,
    pg_database: Option<String>,
}

impl TestDb {
    /// A fresh database on `backend` with every migration applied (PostgreSQL: a copy of the
    /// migrated template). Rujukan's start-up then finds nothing pending. For PostgreSQL call
    /// [`postgres_available`] first (`both_backends!` does).
    pub fn new(backend: Backend) -> Self {
        match backend {
            Backend::Sqlite => {
                let db = Self::empty(backend);
                drop(db.migrated());
                db
            }
            Backend::Postgres => {
                let template = postgres_template().as_ref().expect("PostgreSQL for tests");
                Self::postgres(Some(template))
            }
        }
    }

    /// A fresh database on `backend` with no migrations applied, for tests of the migrations
    /// and of start-up on a new installation.
    pub fn empty(backend: Backend) -> Self {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temporary folder");
                let url = format!("sqlite://{}", dir.path().join("rujukan.db").display());
                Self {
                    backend,
                    url,
                    dir,
                    pg_database: None,
                }
            }
            Backend::Postgres => {
                postgres_template().as_ref().expect("PostgreSQL for tests");
                Self::postgres(None)
            }
        }
    }

    fn postgres(template: Option<&str>) -> Self {
        let name = pg_databases::new_test_database_name();
        let base = postgres_base_url();
        let mut admin = PgConnection::establish(&loopback(&base)).expect("PostgreSQL for tests");
        pg_databases::create_database(&mut admin, &name, template).expect("test database");
        Self {
            backend: Backend::Postgres,
            url: loopback(&pg_databases::with_database(&base, &name)),
            dir: tempfile::tempdir().expect("temporary folder"),
            pg_database: Some(name),
        }
    }

    /// The database URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// A scratch folder that lives as long as the database (data folder for apps).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The PostgreSQL database's name, if any.
    pub fn pg_database(&self) -> Option<&str> {
        self.pg_database.as_deref()
    }

    /// One raw connection, made the way the server makes them.
    pub fn connect(&self) -> DbConnection {
        let url = DatabaseUrl::parse(&self.url).expect("test URL parses");
        ConnectionManager::new(url, 5000)
            .establish()
            .expect("test database connects")
    }

    /// One raw connection with every migration applied.
    pub fn migrated(&self) -> DbConnection {
        let mut conn = self.connect();
        rujukan::db::migrate::run_pending(&mut conn).expect("migrations apply");
        conn
    }

    /// Settings for an app on this database: `config/test.toml`, port 0, data folder here.
    pub fn settings(&self) -> Settings {
        let mut settings = Settings::load(&repo_dir().join("config"), &Environment::named("test"))
            .expect("test settings");
        settings.database.url = SecretString::from(self.url.clone());
        settings.storage.data_dir = self.dir.path().join("data");
        settings.server.bind = "127.0.0.1:0".to_owned();
        settings
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(name) = &self.pg_database
            && let Ok(mut admin) = PgConnection::establish(&loopback(&postgres_base_url()))
        {
            let _ = pg_databases::drop_database(&mut admin, name);
        }
    }
}

/// With `TEST_LOG` set (`TEST_LOG=1 cargo nextest run NAME`), shows the server's logs in the test's
/// output: a subscriber filtered by `RUST_LOG` (default `info`), installed once per process.
pub fn init_test_log() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        if std::env::var_os("TEST_LOG").is_none() {
            return;
        }
        let filter = tracing_subscriber::EnvFilter::try_from_default_env()
            .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
        let _ = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .with_test_writer()
            .try_init();
    });
}

/// A running Rujukan on a random port, with its own database.
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub db: TestDb,
    handle: actix_web::dev::ServerHandle,
}

impl TestApp {
    /// Starts Rujukan on a fresh (migrated) database of `backend`.
    pub async fn spawn(backend: Backend) -> Self {
        let db = TestDb::new(backend);
        let settings = db.settings();
        Self::spawn_with(db, settings).await
    }

    /// Starts Rujukan with the given settings (whose database is `db`'s or points through a proxy).
    pub async fn spawn_with(db: TestDb, settings: Settings) -> Self {
        init_test_log();
        let app = Application::build(&settings).expect("application builds");
        let address = format!("http://127.0.0.1:{}", app.port());
        let handle = app.handle();
        actix_web::rt::spawn(app.run_until_stopped());
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            // Under the server's keep-alive (5 s): a connection idle through a long step of a
            // test (a bulk insert) is never reused just as the server closes it.
            .pool_idle_timeout(Duration::from_secs(2))
            .timeout(Duration::from_secs(20))
            .build()
            .expect("HTTP client");
        Self {
            address,
            client,
            db,
            handle,
        }
    }

    /// `GET path`.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .expect("request sent")
    }

    /// Stops the server, letting in-flight requests finish.
    pub async fn stop(&self) {
        self.handle.stop(true).await;
    }

    /// Stops the server and hands back its database (and data folder), to start Rujukan again
    /// on them.
    pub async fn stopped(self) -> TestDb {
        self.stop().await;
        self.db
    }
}

/// Reads a response that must be a problem: checks the media type and returns the body.
pub async fn problem(response: reqwest::Response) -> serde_json::Value {
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert_eq!(
        content_type, "application/problem+json",
        "problem media type"
    );
    let status = response.status().as_u16();
    let body: serde_json::Value = response.json().await.expect("problem body is JSON");
    assert_eq!(
        body["status"], status,
        "status in body matches the response"
    );
    for key in ["type", "title", "detail", "code"] {
        assert!(body[key].is_string(), "problem has {key}: {body}");
    }
    body
}

/// A TCP relay in front of PostgreSQL that a test can cut and restore, to see how Rujukan
/// behaves when its database stops answering.
pub struct DbProxy {
    port: u16,
    up: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
    open: Arc<Mutex<Vec<TcpStream>>>,
}

impl DbProxy {
    /// Relays a local port to `upstream` (`host:port`).
    pub fn start(upstream: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("proxy binds");
        let port = listener.local_addr().expect("proxy address").port();
        let up = Arc::new(AtomicBool::new(true));
        let stop = Arc::new(AtomicBool::new(false));
        let open: Arc<Mutex<Vec<TcpStream>>> = Arc::default();
        let (up2, stop2, open2) = (up.clone(), stop.clone(), open.clone());
        std::thread::spawn(move || {
            for client in listener.incoming() {
                if stop2.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(client) = client else { continue };
                if !up2.load(Ordering::SeqCst) {
                    let _ = client.shutdown(Shutdown::Both);
                    continue;
                }
                let Ok(server) = TcpStream::connect(&upstream) else {
                    continue;
                };
                if let (Ok(c), Ok(s)) = (client.try_clone(), server.try_clone())
                    && let Ok(mut list) = open2.lock()
                {
                    list.push(c);
                    list.push(s);
                }
                relay(client, server);
            }
        });
        Self {
            port,
            up,
            stop,
            open,
        }
    }

    /// The local port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Drops every open connection and refuses new ones, as a stopped server would.
    pub fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        if let Ok(mut list) = self.open.lock() {
            for stream in list.drain(..) {
                let _ = stream.shutdown(Shutdown::Both);
            }
        }
    }

    /// Relays again.
    pub fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

impl Drop for DbProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        self.cut();
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn relay(client: TcpStream, server: TcpStream) {
    let pairs = [
        (client.try_clone(), server.try_clone()),
        (server.try_clone(), client.try_clone()),
    ];
    for pair in pairs {
        if let (Ok(mut from), Ok(mut to)) = pair {
            std::thread::spawn(move || {
                let mut buffer = [0u8; 16 * 1024];
                loop {
                    match from.read(&mut buffer) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => {
                            if to.write_all(&buffer[..n]).is_err() {
                                break;
                            }
                        }
                    }
                }
                let _ = to.shutdown(Shutdown::Both);
                let _ = from.shutdown(Shutdown::Both);
            });
        }
    }
}

/// `host:port` of a PostgreSQL URL (port 5432 when not given).
pub fn postgres_authority(url: &str) -> String {
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    let authority = rest.split('/').next().unwrap_or(rest);
    let host = authority
        .rsplit_once('@')
        .map(|(_, h)| h)
        .unwrap_or(authority);
    if host.contains(':') {
        host.to_owned()
    } else {
        format!("{host}:5432")
    }
}

/// The same URL with its host and port replaced by `authority`.
pub fn with_authority(url: &str, authority: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (auth, tail) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    match auth.rsplit_once('@') {
        Some((user, _)) => format!("{scheme}://{user}@{authority}{tail}"),
        None => format!("{scheme}://{authority}{tail}"),
    }
}

/// A password that satisfies the policy, for test users.
pub const PASSWORD: &str = "kopi tubruk di pelabuhan tanjung emas";

impl TestApp {
    /// A connection to the app's database (already migrated by the app).
    pub fn conn(&self) -> DbConnection {
        self.db.connect()
    }

    /// Creates an agency as an operator would (`rujukan agency add`).
    pub fn agency(&self, code: &str, kind: &str, province: &str) -> i64 {
        let mut conn = self.conn();
        let input = rujukan::domain::agency::AgencyInput {
            code: code.into(),
            name: format!("Agency {code}"),
            kind: kind.into(),
            province: Some(province.into()),
            ..Default::default()
        };
        rujukan::services::accounts::create_agency(&mut conn, &operator(), input)
            .expect("agency created")
            .id
    }

    /// Designates an agency to audit, as a system administrator would (`PATCH
    /// /api/v1/agencies/{code}`): its users may hold the auditor role.
    pub fn designate_audits(&self, code: &str) {
        rujukan::services::accounts::update_agency(
            &mut self.conn(),
            &operator(),
            code,
            rujukan::services::accounts::AgencyPatch {
                audits: Some(true),
                ..Default::default()
            },
        )
        .expect("agency designated to audit");
    }

    /// Creates a user with [`PASSWORD`]; returns the user id.
    pub fn user(&self, username: &str, agency: &str, roles: &[&str]) -> i64 {
        self.user_with_email(username, agency, roles, None)
    }

    /// Creates a user with an e-mail address (or none).
    pub fn user_with_email(
        &self,
        username: &str,
        agency: &str,
        roles: &[&str],
        email: Option<&str>,
    ) -> i64 {
        let mut conn = self.conn();
        let settings = self.db.settings();
        let hasher = rujukan::auth::password::PasswordHasher::new(&settings.auth).expect("hasher");
        let input = rujukan::services::accounts::UserInput {
            username: username.into(),
            agency: agency.into(),
            roles: roles.iter().map(|r| (*r).to_owned()).collect(),
            password: PASSWORD.into(),
            email: email.map(Into::into),
            ..Default::default()
        };
        rujukan::services::accounts::create_user(&mut conn, &operator(), &hasher, input)
            .expect("user created")
            .user
            .id
    }

    /// `POST path` with a JSON body and an optional bearer token.
    pub async fn post_json(
        &self,
        path: &str,
        token: Option<&str>,
        body: serde_json::Value,
    ) -> reqwest::Response {
        let mut request = self
            .client
            .post(format!("{}{path}", self.address))
            .json(&body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.expect("request sent")
    }

    /// `GET path` with a bearer token.
    pub async fn get_as(&self, path: &str, token: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.address))
            .bearer_auth(token)
            .send()
            .await
            .expect("request sent")
    }

    /// Takes a case in as `username`; returns its id.
    pub async fn intake(&self, username: &str, body: serde_json::Value) -> i64 {
        let token = self.token(username).await;
        let response = self.post_json("/api/v1/cases", Some(&token), body).await;
        assert_eq!(response.status(), 201, "intake by {username}");
        response.json::<serde_json::Value>().await.expect("JSON")["id"]
            .as_i64()
            .expect("id")
    }

    /// Logs in; returns the token pair as JSON.
    pub async fn login(&self, username: &str, password: &str) -> serde_json::Value {
        let response = self
            .post_json(
                "/api/v1/auth/login",
                None,
                serde_json::json!({"username": username, "password": password}),
            )
            .await;
        assert_eq!(response.status(), 200, "login of {username}");
        response.json().await.expect("token JSON")
    }

    /// Logs in; returns the access token.
    pub async fn token(&self, username: &str) -> String {
        self.login(username, PASSWORD).await["access_token"]
            .as_str()
            .expect("access token")
            .to_owned()
    }

    /// The JWT secret the app generated in its data folder.
    pub fn jwt_secret(&self) -> String {
        std::fs::read_to_string(self.db.dir().join("data/secrets/jwt_secret"))
            .expect("generated secret")
    }

    /// Audit actions of the system stream, oldest first.
    pub fn system_audit(&self) -> Vec<rujukan::db::audit::AuditRow> {
        rujukan::db::audit::stream(&mut self.conn(), "system").expect("audit rows")
    }
}

/// The command-line operator's audit context.
pub fn operator() -> rujukan::audit::Ctx {
    rujukan::audit::Ctx::operator(chrono::Utc::now().naive_utc())
}

/// An agreement and agencies written only for tests (not the demo ones).
pub const TEST_AGREEMENT: &str = r#"id = "test-mou"
version = 1
title = "Test agreement"
effective_from = 2025-01-01
parties = ["SU-ALPHA", "SU-OMEGA", "POL-BETA", "PROS-GAMMA", "COURT-DELTA", "SHELTER-EPS"]

[[handoff]]
id = "report"
kind = "referral"
from = ["service_unit"]
to = ["police"]
requires_consent = "police_report"
consent_override = true
requires = ["incident.date"]
shares = ["summary", "incident"]
respond_within_hours = 24
complete_within_days = 14
escalate_to = "supervisor"
on_accept = { track = "justice", stage = "reported_to_police" }

[[handoff]]
id = "shelter"
kind = "referral"
from = ["service_unit"]
to = ["shelter"]
requires_consent = "shelter"
shares = ["summary"]

[[handoff]]
id = "transfer-cm"
kind = "transfer"
from = ["service_unit"]
to = ["service_unit"]
requires_consent = "services"
shares = ["summary", "identity", "incident", "health", "legal", "documents"]
respond_within_hours = 72

[[handoff]]
id = "court-notice"
kind = "notice"
from = ["service_unit", "police"]
to = ["court"]
shares = ["summary", "legal"]
"#;

/// The agencies of [`TEST_AGREEMENT`] plus one outsider.
pub const TEST_AGENCIES: [(&str, &str); 7] = [
    ("SU-ALPHA", "service_unit"),
    ("SU-OMEGA", "service_unit"),
    ("POL-BETA", "police"),
    ("PROS-GAMMA", "prosecutor"),
    ("COURT-DELTA", "court"),
    ("SHELTER-EPS", "shelter"),
    ("SU-OUTSIDER", "service_unit"),
];

impl TestApp {
    /// Starts Rujukan with the test agencies in the database and `agreement` as the only
    /// agreement file (the demo agreements and seed agencies are not used).
    pub async fn spawn_with_agreement(backend: Backend, agreement: &str) -> Self {
        Self::spawn_with_agreement_and(backend, agreement, |_| {}).await
    }

    /// As [`TestApp::spawn_with_agreement`], with `change` applied to the settings first.
    pub async fn spawn_with_agreement_and(
        backend: Backend,
        agreement: &str,
        change: impl FnOnce(&mut Settings),
    ) -> Self {
        let db = TestDb::new(backend);
        {
            let mut conn = db.migrated();
            for (code, kind) in TEST_AGENCIES {
                let input = rujukan::domain::agency::AgencyInput {
                    code: code.into(),
                    name: format!("Agency {code}"),
                    kind: kind.into(),
                    province: Some("33".into()),
                    ..Default::default()
                };
                rujukan::services::accounts::create_agency(&mut conn, &operator(), input)
                    .expect("test agency");
            }
        }
        let dir = db.dir().join("agreements");
        std::fs::create_dir_all(&dir).expect("agreements folder");
        std::fs::write(dir.join("test.toml"), agreement).expect("agreement file");
        let mut settings = db.settings();
        settings.agreements.dir = dir;
        settings.agreements.known_agencies_file = db.dir().join("no-seed-file.toml");
        change(&mut settings);
        Self::spawn_with(db, settings).await
    }
}
