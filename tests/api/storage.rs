//! A full disk or a read-only database is an outage, not a bug: writes answer 503
//! `storage.unavailable` with `Retry-After` and change nothing, `/readyz` says not ready, and both
//! recover by themselves once storage can be written again. On both backends.

use std::path::{Path, PathBuf};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use rujukan::db::{DbConnection, meta};
use rujukan::error::AppError;
use serde_json::json;

use crate::helpers::*;
use crate::pages::count;
use crate::{assert_problem_snapshot, both_backends};

/// The error a write gets, as a request would answer it.
fn answered(error: diesel::result::Error) -> (String, u16) {
    let error = AppError::from(error);
    let status = actix_web::ResponseError::status_code(&error).as_u16();
    (error.code().as_str().to_owned(), status)
}

async fn writes_refused_by_storage_are_503_and_the_database_not_ready(backend: Backend) {
    let db = TestDb::new(backend);
    let mut conn = db.migrated();
    let now = chrono::Utc::now().naive_utc();
    meta::check_writable_ready(&mut conn).expect("a writable database is ready");
    match backend {
        Backend::Sqlite => {
            // A database opened read-only, as on a read-only file or file system.
            let path = db.dir().join("rujukan.db");
            let read_only = diesel::sqlite::SqliteConnection::establish(&format!(
                "file:{}?mode=ro",
                path.display()
            ))
            .unwrap();
            let mut read_only = DbConnection::Sqlite(read_only);
            let refused = meta::insert(&mut read_only, "probe", "x", now).unwrap_err();
            assert!(refused.to_string().contains("readonly"), "{refused}");
            assert_eq!(answered(refused), ("storage.unavailable".to_owned(), 503));
            let not_ready = meta::check_writable_ready(&mut read_only).unwrap_err();
            assert!(
                matches!(not_ready, meta::NotReady::ReadOnly(_)),
                "{not_ready}"
            );

            // A full database: SQLite's own "database or disk is full".
            conn.batch_execute("PRAGMA max_page_count = 1")
                .unwrap_or(());
            let full = meta::insert(&mut conn, "probe", &"x".repeat(100_000), now).unwrap_err();
            assert!(full.to_string().contains("full"), "{full}");
            assert_eq!(answered(full), ("storage.unavailable".to_owned(), 503));
        }
        Backend::Postgres => {
            conn.batch_execute("SET default_transaction_read_only = on")
                .unwrap();
            let refused = meta::insert(&mut conn, "probe", "x", now).unwrap_err();
            assert!(refused.to_string().contains("read-only"), "{refused}");
            assert_eq!(answered(refused), ("storage.unavailable".to_owned(), 503));
            let not_ready = meta::check_writable_ready(&mut conn).unwrap_err();
            assert!(
                matches!(not_ready, meta::NotReady::ReadOnly(_)),
                "{not_ready}"
            );
            conn.batch_execute("SET default_transaction_read_only = off")
                .unwrap();
            meta::check_writable_ready(&mut conn).expect("writable again");
        }
    }
    assert!(
        meta::get(&mut db.migrated(), "probe").unwrap().is_none(),
        "nothing was written"
    );

    // The answer: 503, the stable code, a Retry-After, no internal detail.
    let response = actix_web::ResponseError::error_response(&AppError::StorageUnavailable(
        "database: disk full at /var/lib".into(),
    ));
    assert_eq!(response.status(), 503);
    assert_eq!(response.headers().get("retry-after").unwrap(), "60");
}
both_backends!(writes_refused_by_storage_are_503_and_the_database_not_ready);

async fn a_document_that_finds_no_space_is_503_and_stores_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.agency("UPTD-PPA-JATENG", "service_unit", "33");
    app.user("siti.cw", "UPTD-PPA-JATENG", &["caseworker"]);
    let token = app.token("siti.cw").await;
    let case = app
        .intake("siti.cw", json!({"survivor": {"full_name": "Ratna Dewi"}}))
        .await;
    // The documents folder of this file is on a small disk that is full.
    let Some(disk) = Tmpfs::mount(1) else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI runs as root and mounts a tmpfs"
        );
        eprintln!("skipping: mounting a tmpfs needs root");
        return;
    };
    let filler = disk.path().join("filler");
    fill(&filler);
    let content = b"%PDF-1.4\n% berita acara\n%%EOF\n".to_vec();
    use sha2::Digest;
    let sha = hex::encode(sha2::Sha256::digest(&content));
    let target = rujukan::services::cases::document_path(&app.db.dir().join("data"), &sha);
    std::fs::create_dir_all(target.parent().unwrap().parent().unwrap()).unwrap();
    std::os::unix::fs::symlink(disk.path(), target.parent().unwrap()).unwrap();
    let upload = || {
        app.client
            .post(format!(
                "{}/api/v1/cases/{case}/documents?filename=ba.pdf",
                app.address
            ))
            .bearer_auth(&token)
            .header("content-type", "application/pdf")
            .body(content.clone())
            .send()
    };
    let refused = upload().await.unwrap();
    assert_eq!(refused.status(), 503);
    assert_eq!(refused.headers()["retry-after"], "60");
    let refused = problem(refused).await;
    assert_eq!(refused["code"], "storage.unavailable");
    assert_problem_snapshot!("storage_unavailable", refused);
    assert_eq!(count(&app, "documents"), 0);
    assert!(!target.exists(), "no document file");
    assert_eq!(
        std::fs::read_dir(disk.path()).unwrap().count(),
        1,
        "no partial file left behind"
    );
    // Space again: the same upload is stored.
    std::fs::remove_file(&filler).unwrap();
    assert_eq!(upload().await.unwrap().status(), 201);
    assert!(target.exists());
}
both_backends!(a_document_that_finds_no_space_is_503_and_stores_nothing);

/// A small tmpfs mounted for one test (root only), unmounted when dropped (before its folder).
struct Tmpfs {
    point: PathBuf,
    _folder: tempfile::TempDir,
}

impl Tmpfs {
    /// `None` when this process may not mount (not root): the caller skips, or fails under CI.
    fn mount(megabytes: u32) -> Option<Self> {
        let dir = tempfile::tempdir().unwrap();
        let point = dir.path().join("disk");
        std::fs::create_dir_all(&point).unwrap();
        let mounted = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={megabytes}m"), "tmpfs"])
            .arg(&point)
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false);
        mounted.then(|| Self {
            point,
            _folder: dir,
        })
    }

    fn path(&self) -> &Path {
        &self.point
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(&self.point)
            .status();
    }
}

/// Writes zeros into `file` until the disk refuses (no space left).
fn fill(file: &Path) {
    use std::io::Write;
    let mut out = std::fs::File::create(file).unwrap();
    let block = vec![0u8; 64 * 1024];
    while out.write_all(&block).is_ok() {}
    let _ = out.sync_all();
}

/// A PostgreSQL role for one test, dropped with its sessions at the end.
struct Role(String);

impl Drop for Role {
    fn drop(&mut self) {
        if let Ok(mut admin) = PgConnection::establish(&loopback(&postgres_base_url())) {
            let _ = admin.batch_execute(&format!(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{0}'; DROP ROLE IF EXISTS \"{0}\"",
                self.0
            ));
        }
    }
}

/// Applies `sql` as the PostgreSQL administrator, then ends the role's sessions so that the app's
/// pool reconnects under the new setting.
fn as_admin_then_reconnect(role: &str, sql: &str) {
    let mut admin = PgConnection::establish(&loopback(&postgres_base_url())).unwrap();
    admin.batch_execute(sql).unwrap();
    admin
        .batch_execute(&format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{role}'"
        ))
        .unwrap();
}

async fn a_database_that_cannot_write_is_an_outage_until_it_can(backend: Backend) {
    let db = TestDb::new(backend);
    let mut settings = db.settings();
    // SQLite on a small disk of its own; PostgreSQL as a role whose transactions turn read-only.
    let _guards: (Option<Tmpfs>, Option<Role>) = match backend {
        Backend::Sqlite => {
            let Some(disk) = Tmpfs::mount(16) else {
                assert!(
                    std::env::var_os("CI").is_none(),
                    "CI runs as root and mounts a tmpfs"
                );
                eprintln!("skipping: mounting a tmpfs needs root");
                return;
            };
            settings.database.url = secrecy::SecretString::from(format!(
                "sqlite://{}",
                disk.path().join("rujukan.db").display()
            ));
            settings.storage.data_dir = disk.path().join("data");
            (Some(disk), None)
        }
        Backend::Postgres => {
            let role = format!("rj_ro_{}", uuid::Uuid::new_v4().simple());
            let mut admin = PgConnection::establish(&loopback(&postgres_base_url())).unwrap();
            admin
                .batch_execute(&format!("CREATE ROLE \"{role}\" LOGIN SUPERUSER"))
                .unwrap();
            let url = db.url().replacen("://postgres@", &format!("://{role}@"), 1);
            assert_ne!(url, db.url(), "the test URL names its user");
            settings.database.url = secrecy::SecretString::from(url);
            (None, Some(Role(role)))
        }
    };
    let app = TestApp::spawn_with(db, settings).await;
    // The agency and the user, written through the app's own database.
    let mut conn = {
        let url = rujukan::db::DatabaseUrl::parse(secrecy::ExposeSecret::expose_secret(&app_url(
            &app, backend, &_guards,
        )))
        .unwrap();
        rujukan::db::pool::ConnectionManager::new(url, 5000)
            .establish()
            .unwrap()
    };
    let input = rujukan::domain::agency::AgencyInput {
        code: "UPTD-PPA-JATENG".into(),
        name: "UPTD PPA".into(),
        kind: "service_unit".into(),
        province: Some("33".into()),
        ..Default::default()
    };
    rujukan::services::accounts::create_agency(&mut conn, &operator(), input).unwrap();
    let hasher = rujukan::auth::password::PasswordHasher::new(&app.db.settings().auth).unwrap();
    rujukan::services::accounts::create_user(
        &mut conn,
        &operator(),
        &hasher,
        rujukan::services::accounts::UserInput {
            username: "siti.cw".into(),
            agency: "UPTD-PPA-JATENG".into(),
            roles: vec!["caseworker".into()],
            password: PASSWORD.into(),
            ..Default::default()
        },
    )
    .unwrap();
    drop(conn);
    let token = app.token("siti.cw").await;
    assert_eq!(app.get("/readyz").await.status(), 200);

    // Storage stops taking writes.
    match (backend, &_guards) {
        (Backend::Sqlite, (Some(disk), _)) => fill(&disk.path().join("filler")),
        (Backend::Postgres, (_, Some(role))) => as_admin_then_reconnect(
            &role.0,
            &format!(
                "ALTER ROLE \"{0}\" SET default_transaction_read_only = on",
                role.0
            ),
        ),
        _ => unreachable!(),
    }
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status(), 503);
    assert_eq!(problem(ready).await["code"], "storage.unavailable");
    let refused = app
        .post_json(
            "/api/v1/cases",
            Some(&token),
            json!({"survivor": {"full_name": "Ratna Dewi"}}),
        )
        .await;
    assert_eq!(refused.status(), 503);
    assert_eq!(refused.headers()["retry-after"], "60");
    assert_eq!(problem(refused).await["code"], "storage.unavailable");

    // Storage is back: ready again, and the same write goes through.
    match (backend, &_guards) {
        (Backend::Sqlite, (Some(disk), _)) => {
            std::fs::remove_file(disk.path().join("filler")).unwrap()
        }
        (Backend::Postgres, (_, Some(role))) => as_admin_then_reconnect(
            &role.0,
            &format!(
                "ALTER ROLE \"{0}\" RESET default_transaction_read_only",
                role.0
            ),
        ),
        _ => unreachable!(),
    }
    assert_eq!(app.get("/readyz").await.status(), 200);
    let stored = app
        .post_json(
            "/api/v1/cases",
            Some(&token),
            json!({"survivor": {"full_name": "Ratna Dewi"}}),
        )
        .await;
    assert_eq!(stored.status(), 201);
    assert_eq!(
        count_through(&app, backend, &_guards),
        1,
        "only the case taken in after the outage"
    );
    app.stop().await;
}
both_backends!(a_database_that_cannot_write_is_an_outage_until_it_can);

/// The database URL the app was started with.
fn app_url(
    app: &TestApp,
    backend: Backend,
    guards: &(Option<Tmpfs>, Option<Role>),
) -> secrecy::SecretString {
    match (backend, guards) {
        (Backend::Sqlite, (Some(disk), _)) => secrecy::SecretString::from(format!(
            "sqlite://{}",
            disk.path().join("rujukan.db").display()
        )),
        (Backend::Postgres, (_, Some(role))) => secrecy::SecretString::from(app.db.url().replacen(
            "://postgres@",
            &format!("://{}@", role.0),
            1,
        )),
        _ => secrecy::SecretString::from(app.db.url().to_owned()),
    }
}

/// Cases in the app's own database.
fn count_through(app: &TestApp, backend: Backend, guards: &(Option<Tmpfs>, Option<Role>)) -> i64 {
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let url = rujukan::db::DatabaseUrl::parse(secrecy::ExposeSecret::expose_secret(&app_url(
        app, backend, guards,
    )))
    .unwrap();
    let mut conn = rujukan::db::pool::ConnectionManager::new(url, 5000)
        .establish()
        .unwrap();
    diesel::sql_query("SELECT COUNT(*) AS n FROM cases")
        .get_result::<N>(&mut conn)
        .unwrap()
        .n
}
