//! Connecting: the r2d2 connection manager that picks the backend from the URL, SQLite's
//! per-connection settings, and [`Db`], the one place where async handlers meet blocking diesel.

use std::path::Path;
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::R2D2Connection;
use diesel::{pg::PgConnection, sqlite::SqliteConnection};
use secrecy::ExposeSecret;

use super::{Backend, DatabaseUrl, DbConnection, UrlError, migrate};
use crate::config::DatabaseSettings;
use crate::error::AppError;

/// Largest SQLite pool: SQLite has one writer at a time, more connections only wait.
pub const SQLITE_MAX_POOL: u32 = 8;

/// A pool of [`DbConnection`]s.
pub type DbPool = r2d2::Pool<ConnectionManager>;

/// Why a connection could not be made. Messages are the backend's own, with no password.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// The URL is unusable.
    #[error(transparent)]
    Url(#[from] UrlError),
    /// The SQLite file's folder cannot be created.
    #[error("cannot create the folder {path} for the SQLite database: {source}")]
    SqliteFolder {
        /// Folder.
        path: String,
        /// I/O error.
        source: std::io::Error,
    },
    /// The backend refused the connection.
    #[error("cannot connect to {url}: {message}")]
    Connect {
        /// Redacted URL.
        url: String,
        /// The backend's message, on one line.
        message: String,
    },
    /// A connection-setup or health statement failed.
    #[error("database error: {0}")]
    Query(#[from] diesel::result::Error),
    /// Migrations could not be applied.
    #[error("cannot apply migrations to {url}: {message}")]
    Migration {
        /// Redacted URL.
        url: String,
        /// What failed.
        message: String,
    },
    /// The pool gave up waiting for its first connections.
    #[error("cannot open the connection pool for {url}: {message}")]
    Pool {
        /// Redacted URL.
        url: String,
        /// r2d2's message.
        message: String,
    },
}

/// Makes connections for r2d2, choosing the backend from the URL (never by trial).
#[derive(Debug, Clone)]
pub struct ConnectionManager {
    url: DatabaseUrl,
    sqlite_busy_timeout_ms: u32,
}

impl ConnectionManager {
    /// A manager for `url`.
    pub fn new(url: DatabaseUrl, sqlite_busy_timeout_ms: u32) -> Self {
        Self {
            url,
            sqlite_busy_timeout_ms,
        }
    }

    /// Opens one connection, with SQLite's settings applied.
    pub fn establish(&self) -> Result<DbConnection, ConnectError> {
        let failed = |e: ConnectionError| ConnectError::Connect {
            url: self.url.to_string(),
            message: e.to_string().trim().replace('\n', " "),
        };
        match &self.url {
            DatabaseUrl::Postgres(url) => PgConnection::establish(&super::url::libpq_url(url))
                .map(DbConnection::Pg)
                .map_err(failed),
            DatabaseUrl::Sqlite(path) => {
                ensure_parent_folder(path)?;
                let text = path.to_string_lossy();
                let mut conn = SqliteConnection::establish(&text).map_err(failed)?;
                conn.batch_execute(&format!(
                    "PRAGMA busy_timeout = {}; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
                    self.sqlite_busy_timeout_ms
                ))
                .map_err(|e| ConnectError::Connect {
                    url: self.url.to_string(),
                    message: e.to_string(),
                })?;
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }
}

fn ensure_parent_folder(path: &Path) -> Result<(), ConnectError> {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => {
            std::fs::create_dir_all(parent).map_err(|source| ConnectError::SqliteFolder {
                path: parent.display().to_string(),
                source,
            })
        }
        _ => Ok(()),
    }
}

impl r2d2::ManageConnection for ConnectionManager {
    type Connection = DbConnection;
    type Error = ConnectError;

    fn connect(&self) -> Result<DbConnection, ConnectError> {
        self.establish()
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), ConnectError> {
        conn.ping().map_err(ConnectError::Query)
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        BROKEN.with(|b| b.replace(false)) || conn.is_broken()
    }
}

thread_local! {
    /// Set by [`Db::run`] when the connection it used turned out dead: r2d2 then drops it
    /// instead of handing it out again (connections are not pinged on every check-out).
    static BROKEN: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Drops every idle pooled connection that no longer answers a ping.
fn drop_dead_idle(pool: &DbPool) {
    let mut live = Vec::new();
    while let Some(mut conn) = pool.try_get() {
        if conn.ping().is_ok() {
            live.push(conn);
        } else {
            BROKEN.with(|b| b.set(true));
            drop(conn);
        }
    }
}

/// Sends r2d2's background connection errors to the log (without the URL's password).
#[derive(Debug)]
struct LogPoolErrors;

impl r2d2::HandleError<ConnectError> for LogPoolErrors {
    fn handle_error(&self, error: ConnectError) {
        tracing::warn!(error = %error, "database connection failed");
    }
}

/// The shared database handle: the pool and what it connects to.
#[derive(Clone)]
pub struct Db {
    pool: DbPool,
    backend: Backend,
}

impl Db {
    /// Connects, applies pending migrations, and opens the pool.
    ///
    /// The first connection is made directly, so that a refused connection is reported with
    /// the backend's own message rather than a pool time-out.
    pub fn open(settings: &DatabaseSettings) -> Result<Self, ConnectError> {
        let url = DatabaseUrl::parse(settings.url.expose_secret())?;
        let manager = ConnectionManager::new(url.clone(), settings.sqlite_busy_timeout_ms);
        let mut first = manager.establish()?;
        migrate::run_pending(&mut first).map_err(|e| ConnectError::Migration {
            url: url.to_string(),
            message: e.to_string().replace('\n', " "),
        })?;
        drop(first);

        let size = match url.backend() {
            Backend::Sqlite => settings.pool_size.clamp(1, SQLITE_MAX_POOL),
            Backend::Postgres => settings.pool_size.max(1),
        };
        let pool = r2d2::Pool::builder()
            .max_size(size)
            .min_idle(Some(1))
            .connection_timeout(Duration::from_millis(settings.pool_timeout_ms.max(1)))
            // No ping per check-out (a statement per request): a connection found dead when a
            // request fails is dropped instead (`Db::run`), and the pool makes a new one.
            .test_on_check_out(false)
            .error_handler(Box::new(LogPoolErrors))
            .build(manager)
            .map_err(|e| ConnectError::Pool {
                url: url.to_string(),
                message: e.to_string(),
            })?;
        Ok(Self {
            pool,
            backend: url.backend(),
        })
    }

    /// A connection for start-up work outside requests (blocks; not for async code).
    pub fn get(&self) -> Result<r2d2::PooledConnection<ConnectionManager>, r2d2::Error> {
        self.pool.get()
    }

    /// The backend in use.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The pool's current state, for metrics.
    pub fn state(&self) -> r2d2::State {
        self.pool.state()
    }

    /// The pool's configured maximum size.
    pub fn max_size(&self) -> u32 {
        self.pool.max_size()
    }

    /// Runs `f` with a pooled connection on the blocking thread pool, inside the caller's
    /// tracing span. A pool time-out (database not answering) becomes a 503.
    pub async fn run<T, F>(&self, f: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection) -> Result<T, AppError> + Send + 'static,
    {
        self.run_with_timeout(self.pool.connection_timeout(), f)
            .await
    }

    /// Like [`Db::run_with_timeout`], on a connection that answers a ping: those found dead
    /// (the database restarted, the network dropped them) are dropped until a live one comes or
    /// the pool has none (readiness probes, which must not report an outage that is over).
    pub async fn run_live<T, F>(&self, timeout: Duration, f: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection) -> Result<T, AppError> + Send + 'static,
    {
        let pool = self.pool.clone();
        let tries = self.pool.max_size() + 1;
        tokio::task::spawn_blocking(move || {
            for _ in 0..tries {
                let mut conn = pool.get_timeout(timeout)?;
                if conn.ping().is_ok() {
                    return f(&mut conn);
                }
                BROKEN.with(|b| b.set(true));
                drop(conn);
                drop_dead_idle(&pool);
            }
            Err(AppError::Unavailable(
                "no database connection answers".to_owned(),
            ))
        })
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("database task failed: {e}")))?
    }

    /// Like [`Db::run`], but waits at most `timeout` for a connection.
    pub async fn run_with_timeout<T, F>(&self, timeout: Duration, f: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection) -> Result<T, AppError> + Send + 'static,
    {
        let pool = self.pool.clone();
        let span = tracing::Span::current();
        tokio::task::spawn_blocking(move || {
            let _entered = span.enter();
            let mut conn = pool.get_timeout(timeout)?;
            let result = f(&mut conn);
            if let Err(e) = &result {
                // Only on a failure that may come from the connection itself (the database
                // restarted, the network dropped it): if it no longer answers, it is dropped with
                // every idle one that no longer answers either, and the request is answered as
                // an outage. The next requests get live connections.
                let suspect = matches!(e, AppError::Internal(_) | AppError::Unavailable(_));
                if suspect && conn.ping().is_err() {
                    BROKEN.with(|b| b.set(true));
                    drop(conn);
                    drop_dead_idle(&pool);
                    return Err(AppError::Unavailable(
                        "the database connection was lost".to_owned(),
                    ));
                }
            }
            result
        })
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("database task failed: {e}")))?
    }
}
