//! PostgreSQL databases for tests: one database per test, cloned from a template that holds
//! every migration.
//!
//! The template is named after a hash of `migrations/postgres` (`rujukan_tpl_<hash>`), so a change
//! to any migration makes a new one. It is built once for all of nextest's processes: the first
//! process to get an advisory lock on the base database (`TEST_DATABASE_URL`) creates and migrates
//! it, marks it a template (and closed to connections), and the others wait for the lock and find
//! it ready. Each test then gets `CREATE DATABASE rujukan_tmp_<unix time>_<uuid> TEMPLATE …`,
//! dropped when the test ends; the ones left behind by crashed runs are swept after two hours.

use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use sha2::{Digest, Sha256};

use super::{loopback, repo_dir, unix_now};

/// Prefix of the per-test databases (followed by the creation time in Unix seconds and a UUID).
const TEST_DATABASE_PREFIX: &str = "rujukan_tmp_";

/// Prefix of the migrated templates (followed by the hash of the migrations).
const TEMPLATE_PREFIX: &str = "rujukan_tpl_";

/// Test databases older than this are left over from crashed runs and are dropped.
const STALE_SECS: u64 = 2 * 60 * 60;

/// Advisory-lock key (on the base database) that lets one test process build the template.
const TEMPLATE_LOCK: i64 = 0x0052_4A4B_5450_4C00; // "RJKTPL"

/// How long a process waits for a template that another test run (on another base database of
/// the same server) is building.
const TEMPLATE_WAIT: Duration = Duration::from_secs(120);

/// The URL of database `name` on the server of `url` (same user, host, port and parameters).
pub fn with_database(url: &str, name: &str) -> String {
    let (head, query) = match url.split_once('?') {
        Some((head, query)) => (head, Some(query)),
        None => (url, None),
    };
    let server = match head.split_once("://") {
        Some((scheme, rest)) => match rest.split_once('/') {
            Some((authority, _database)) => format!("{scheme}://{authority}"),
            None => head.to_owned(),
        },
        None => head.to_owned(),
    };
    match query {
        Some(query) => format!("{server}/{name}?{query}"),
        None => format!("{server}/{name}"),
    }
}

/// Connects to the base database, creating it when missing.
pub fn connect_base(url: &str) -> Result<PgConnection, String> {
    match PgConnection::establish(&loopback(url)) {
        Ok(conn) => Ok(conn),
        Err(first) => {
            // The test database may not exist yet: create it from the server's `postgres` database.
            let name = url
                .split('?')
                .next()
                .and_then(|head| head.rsplit_once('/'))
                .map(|(_, name)| name.to_owned())
                .ok_or_else(|| format!("{url} names no database"))?;
            let mut admin = PgConnection::establish(&loopback(&with_database(url, "postgres")))
                .map_err(|e| format!("cannot connect to {url}: {first}; nor to its server: {e}"))?;
            // Two test processes may race to create it: ignore "already exists".
            let _ = admin.batch_execute(&format!("CREATE DATABASE \"{name}\""));
            PgConnection::establish(&loopback(url))
                .map_err(|e| format!("cannot connect to {url}: {e}"))
        }
    }
}

/// The template's name: `rujukan_tpl_` and the first 16 hex digits of a SHA-256 over the
/// migrations' relative paths and contents.
pub fn template_name() -> Result<String, String> {
    let root = repo_dir().join("migrations/postgres");
    let mut files = Vec::new();
    collect_files(&root, &mut files).map_err(|e| format!("reading {}: {e}", root.display()))?;
    files.sort();
    let mut hasher = Sha256::new();
    for path in files {
        let relative = path.strip_prefix(&root).unwrap_or(&path);
        let contents =
            std::fs::read(&path).map_err(|e| format!("reading {}: {e}", path.display()))?;
        hasher.update(relative.to_string_lossy().as_bytes());
        hasher.update([0]);
        hasher.update((contents.len() as u64).to_le_bytes());
        hasher.update(&contents);
    }
    let digest = hex::encode(hasher.finalize());
    Ok(format!("{TEMPLATE_PREFIX}{}", &digest[..16]))
}

fn collect_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect_files(&path, out)?;
        } else if path.file_name().is_none_or(|n| n != ".diesel_lock") {
            out.push(path);
        }
    }
    Ok(())
}

#[derive(QueryableByName)]
struct DatabaseRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    datname: String,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    datistemplate: bool,
}

/// Whether database `name` exists, and if so whether it is marked a template.
fn database_state(conn: &mut PgConnection, name: &str) -> Result<Option<bool>, String> {
    diesel::sql_query(
        "SELECT datname::text AS datname, datistemplate FROM pg_database WHERE datname = $1",
    )
    .bind::<diesel::sql_types::Text, _>(name)
    .load::<DatabaseRow>(conn)
    .map(|rows| rows.first().map(|row| row.datistemplate))
    .map_err(|e| format!("cannot read pg_database: {e}"))
}

/// Makes sure the migrated template for the current migrations exists; returns its name.
pub fn ensure_template(base: &mut PgConnection, base_url: &str) -> Result<String, String> {
    let name = template_name()?;
    if database_state(base, &name)? == Some(true) {
        return Ok(name);
    }
    base.batch_execute(&format!("SELECT pg_advisory_lock({TEMPLATE_LOCK})"))
        .map_err(|e| format!("cannot take the template lock: {e}"))?;
    let built = build_template(base, base_url, &name);
    let _ = base.batch_execute(&format!("SELECT pg_advisory_unlock({TEMPLATE_LOCK})"));
    built.map(|()| name)
}

/// Under the template lock: builds the template unless another process did.
fn build_template(base: &mut PgConnection, base_url: &str, name: &str) -> Result<(), String> {
    match database_state(base, name)? {
        Some(true) => return Ok(()),
        // Being built by a run on another base database of this server (which holds another
        // lock): wait for it.
        Some(false) if has_sessions(base, name)? => return wait_for_template(base, name),
        // Left half-built by a process that crashed while migrating it.
        Some(false) => drop_database(base, name)?,
        None => {}
    }
    if let Err(error) = base.batch_execute(&format!("CREATE DATABASE \"{name}\"")) {
        return match database_state(base, name)? {
            // Created meanwhile by a run on another base database: wait for it.
            Some(_) => wait_for_template(base, name),
            None => Err(format!("cannot create the template {name}: {error}")),
        };
    }
    let url = with_database(base_url, name);
    let migrated = (|| {
        let parsed = rujukan::db::DatabaseUrl::parse(&loopback(&url)).map_err(|e| e.to_string())?;
        let mut conn = rujukan::db::pool::ConnectionManager::new(parsed, 5000)
            .establish()
            .map_err(|e| format!("cannot connect to the new template {name}: {e}"))?;
        rujukan::db::migrate::run_pending(&mut conn)
            .map_err(|e| format!("migrating the template {name}: {e}"))?;
        Ok::<(), String>(())
    })();
    if let Err(error) = migrated {
        let _ = drop_database(base, name);
        return Err(error);
    }
    base.batch_execute(&format!(
        "ALTER DATABASE \"{name}\" WITH IS_TEMPLATE true ALLOW_CONNECTIONS false"
    ))
    .map_err(|e| format!("cannot mark {name} a template: {e}"))
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// Whether anyone is connected to database `name`.
fn has_sessions(conn: &mut PgConnection, name: &str) -> Result<bool, String> {
    diesel::sql_query("SELECT COUNT(*) AS n FROM pg_stat_activity WHERE datname = $1")
        .bind::<diesel::sql_types::Text, _>(name)
        .get_result::<Count>(conn)
        .map(|count| count.n > 0)
        .map_err(|e| format!("cannot read pg_stat_activity: {e}"))
}

fn wait_for_template(base: &mut PgConnection, name: &str) -> Result<(), String> {
    let deadline = Instant::now() + TEMPLATE_WAIT;
    while Instant::now() < deadline {
        if database_state(base, name)? == Some(true) {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    Err(format!("the template {name} was not ready in time"))
}

/// A fresh name for a test database.
pub fn new_test_database_name() -> String {
    format!(
        "{TEST_DATABASE_PREFIX}{}_{}",
        unix_now(),
        uuid::Uuid::new_v4().simple()
    )
}

/// Creates database `name`, a copy of `template` (or an empty one from the server's default).
pub fn create_database(
    base: &mut PgConnection,
    name: &str,
    template: Option<&str>,
) -> Result<(), String> {
    let sql = match template {
        Some(template) => format!("CREATE DATABASE \"{name}\" TEMPLATE \"{template}\""),
        None => format!("CREATE DATABASE \"{name}\""),
    };
    base.batch_execute(&sql)
        .map_err(|e| format!("cannot create the test database {name}: {e}"))
}

/// Drops database `name`, ending its sessions first (the app under test may still hold some).
/// A template is unmarked first.
pub fn drop_database(base: &mut PgConnection, name: &str) -> Result<(), String> {
    if name.starts_with(TEMPLATE_PREFIX) {
        let _ = base.batch_execute(&format!("ALTER DATABASE \"{name}\" WITH IS_TEMPLATE false"));
    }
    base.batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .map_err(|e| format!("cannot drop {name}: {e}"))
}

/// Drops the test databases that crashed runs left behind (older than two hours).
pub fn sweep_stale_test_databases(base: &mut PgConnection) {
    let Ok(rows) = diesel::sql_query(format!(
        "SELECT datname::text AS datname, datistemplate FROM pg_database \
         WHERE datname LIKE '{}%'",
        TEST_DATABASE_PREFIX.replace('_', "\\_")
    ))
    .load::<DatabaseRow>(base) else {
        return;
    };
    let now = unix_now();
    for row in rows {
        let created = row
            .datname
            .strip_prefix(TEST_DATABASE_PREFIX)
            .and_then(|rest| rest.split('_').next())
            .and_then(|secs| secs.parse::<u64>().ok());
        if created.is_some_and(|t| now.saturating_sub(t) > STALE_SECS) {
            let _ = drop_database(base, &row.datname);
        }
    }
}

#[test]
fn with_database_replaces_only_the_database() {
    assert_eq!(
        with_database("postgres://postgres@127.0.0.1:5432/rujukan_test", "x"),
        "postgres://postgres@127.0.0.1:5432/x"
    );
    assert_eq!(
        with_database(
            "postgres://u:p@db:5433/rujukan_ci?sslmode=disable&gssencmode=disable",
            "rujukan_tmp_1_a"
        ),
        "postgres://u:p@db:5433/rujukan_tmp_1_a?sslmode=disable&gssencmode=disable"
    );
    assert_eq!(
        with_database("postgresql://localhost", "x"),
        "postgresql://localhost/x"
    );
}

#[test]
fn the_template_name_follows_the_migrations() {
    let name = template_name().unwrap();
    assert!(name.starts_with(TEMPLATE_PREFIX) && name.len() == TEMPLATE_PREFIX.len() + 16);
    assert_eq!(template_name().unwrap(), name, "stable across calls");
}
