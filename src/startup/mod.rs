//! Building and running the application: a library function that tests call with port 0
//! (zero-to-production's `Application::build`).

use std::net::TcpListener;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};
use anyhow::Context;
use utoipa_actix_web::AppExt;

use crate::config::{Secrets, Settings};
use crate::db::Db;
use crate::http;
use crate::services::handoffs::{self, AgreementSet};

mod state;
pub use state::AppState;

/// A bound, ready-to-run Rujukan server.
pub struct Application {
    port: u16,
    server: Server,
    db: Db,
    checkpoints: CheckpointTask,
    sweeps: SweepTask,
}

/// What the periodic audit checkpoint needs.
struct CheckpointTask {
    key: ed25519_dalek::SigningKey,
    every: Duration,
}

/// What the deadline sweeps and e-mail delivery need.
struct SweepTask {
    rules: web::Data<crate::deadlines::DeadlineRules>,
    mailer: std::sync::Arc<crate::notify::Mailer>,
    email: crate::config::EmailSettings,
    sweep_every: Duration,
    deliver_every: Duration,
    fold_every: Duration,
}

impl Application {
    /// Resolves secrets, connects to the database (applying migrations), binds the listener
    /// and builds the server. Nothing is served until [`Application::run_until_stopped`].
    pub fn build(settings: &Settings) -> anyhow::Result<Self> {
        let secrets = Secrets::resolve(settings)?;
        let db = Db::open(&settings.database)?;
        let agreements = {
            let mut conn = db.get().context("connecting to load the agreements")?;
            handoffs::load(
                &mut conn,
                &settings.agreements.dir,
                &settings.agreements.known_agencies_file,
                chrono::Utc::now().naive_utc(),
            )
            .map_err(|problems| anyhow::anyhow!("invalid agreements: {}", problems.join("; ")))?
        };
        let listener = TcpListener::bind(&settings.server.bind)
            .with_context(|| format!("cannot listen on {}", settings.server.bind))?;
        Self::build_with(settings, &secrets, db, agreements, listener)
    }

    /// Builds the server on an open database, the loaded agreements and a bound listener.
    pub fn build_with(
        settings: &Settings,
        secrets: &Secrets,
        db: Db,
        agreements: AgreementSet,
        listener: TcpListener,
    ) -> anyhow::Result<Self> {
        let port = listener
            .local_addr()
            .context("reading the listen address")?
            .port();

        let limit = settings.server.max_body_bytes;
        let request_timeout =
            Duration::from_secs(settings.server.client_request_timeout_secs.get());
        let document = http::openapi_document();
        let state = AppState::new(settings, secrets, db.clone(), agreements, &document)?;
        let sweep_rules = state.deadline_rules.clone();

        let mut server = HttpServer::new(move || {
            let (app, _) = App::new()
                .configure(|cfg| state.register(cfg))
                .into_utoipa_app()
                .app_data(http::extract::json_config(limit))
                .app_data(http::extract::payload_config(limit))
                .app_data(http::extract::path_config())
                .app_data(http::extract::query_config())
                .configure(http::configure)
                .split_for_parts();
            app.configure(|cfg| http::api_docs(cfg, document.clone()))
                .configure(crate::web::configure)
                .default_service(web::to(http::fallback))
                .wrap(from_fn(http::denials::record))
                .wrap(http::security_headers())
                .wrap(from_fn(http::input::screen))
                .wrap(from_fn(http::request_id::observe))
        })
        .shutdown_timeout(settings.server.shutdown_timeout_secs)
        .client_request_timeout(request_timeout);
        if settings.server.workers > 0 {
            server = server.workers(settings.server.workers);
        }
        let server = server
            .listen(listener)
            .context("starting the HTTP server")?
            .run();
        let checkpoints = CheckpointTask {
            key: secrets.audit_signing_key.clone(),
            every: Duration::from_secs(settings.audit.checkpoint_interval_secs.get()),
        };
        let sweeps = SweepTask {
            rules: sweep_rules,
            mailer: std::sync::Arc::new(crate::notify::Mailer::from_settings(
                &settings.email,
                &settings.storage.data_dir,
            )?),
            email: settings.email.clone(),
            sweep_every: Duration::from_secs(settings.deadlines.sweep_interval_secs.get()),
            deliver_every: Duration::from_secs(settings.email.deliver_interval_secs.get()),
            fold_every: Duration::from_secs(settings.stats.fold_interval_secs.get()),
        };
        Ok(Self {
            port,
            server,
            db,
            checkpoints,
            sweeps,
        })
    }

    /// The port actually bound (useful with port 0).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The database handle the server uses.
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// A handle to stop the server gracefully.
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// Serves until SIGINT/SIGTERM (or the handle) stops it, letting in-flight requests finish.
    /// Takes a signed audit checkpoint every `audit.checkpoint_interval_secs` meanwhile.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let tasks = [
            actix_web::rt::spawn(take_checkpoints(self.db.clone(), self.checkpoints)),
            actix_web::rt::spawn(sweep_deadlines(
                self.db.clone(),
                self.sweeps.rules.clone(),
                self.sweeps.sweep_every,
            )),
            actix_web::rt::spawn(fold_counts(self.db.clone(), self.sweeps.fold_every)),
            actix_web::rt::spawn(deliver_mail(self.db.clone(), self.sweeps)),
        ];
        let result = self.server.await;
        for task in tasks {
            task.abort();
        }
        result
    }
}

/// Sweeps the deadline clocks each period. Each step happens once even when several instances
/// sweep one database; failures are logged and retried at the next period.
async fn sweep_deadlines(
    db: Db,
    rules: web::Data<crate::deadlines::DeadlineRules>,
    every: Duration,
) {
    let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let rules = rules.clone();
        let swept = db
            .run(move |conn| {
                let now = chrono::Utc::now().naive_utc();
                crate::services::deadlines::sweep(conn, &rules, now, now)
            })
            .await;
        match swept {
            Ok(r) if r.reminded + r.breached + r.escalated > 0 => tracing::info!(
                reminded = r.reminded,
                breached = r.breached,
                escalated = r.escalated,
                "deadline sweep"
            ),
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "deadline sweep failed"),
        }
    }
}

/// Folds the count changes of recent writes into the kept statistics each period, up to 50 000
/// a period (several instances fold disjoint deltas). Failures are logged and retried.
async fn fold_counts(db: Db, every: Duration) {
    let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let folded = db
            .run(|conn| crate::db::stats::fold(conn, 50_000).map_err(crate::error::AppError::from))
            .await;
        if let Err(e) = folded {
            tracing::error!(error = %e, "folding the statistics counts failed");
        }
    }
}

/// Delivers due notifications each period (retries wait for their back-off).
async fn deliver_mail(db: Db, task: SweepTask) {
    let every = task.deliver_every;
    let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mailer = task.mailer;
    let email = std::sync::Arc::new(task.email);
    loop {
        ticks.tick().await;
        let (mailer, email) = (mailer.clone(), email.clone());
        let delivered = db
            .run(move |conn| {
                crate::notify::deliver_due(conn, &mailer, &email, chrono::Utc::now().naive_utc())
                    .map_err(crate::error::AppError::internal)
            })
            .await;
        if let Err(e) = delivered {
            tracing::error!(error = %e, "notification delivery failed");
        }
    }
}

/// Takes a checkpoint each period (none when the trail did not change). Failures are logged and
/// retried at the next period; several instances on one database queue on the checkpoint lock.
async fn take_checkpoints(db: Db, task: CheckpointTask) {
    let key = std::sync::Arc::new(task.key);
    let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + task.every, task.every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let key = key.clone();
        let taken = db
            .run(move |conn| {
                crate::db::checkpoints::take(conn, &key, chrono::Utc::now().naive_utc())
                    .map_err(crate::error::AppError::from)
            })
            .await;
        match taken {
            Ok(Some(cp)) => tracing::info!(
                number = cp.number,
                up_to_id = cp.up_to_id,
                entries = cp.entries,
                streams = cp.heads.len(),
                "audit checkpoint signed"
            ),
            Ok(None) => {}
            Err(e) => tracing::error!(error = %e, "audit checkpoint failed"),
        }
    }
}
