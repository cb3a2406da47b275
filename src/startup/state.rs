//! [`AppState`]: everything the request handlers share, built once from the settings and the
//! secrets, and handed to every worker's `App`.

use std::time::Duration;

use actix_web::web;
use anyhow::Context;

use crate::audit::TrustedKeys;
use crate::auth::limiter::LoginLimiter;
use crate::auth::password::PasswordHasher;
use crate::auth::token::TokenKeys;
use crate::config::{Secrets, Settings, StatsSettings};
use crate::crypto::Vault;
use crate::db::Db;
use crate::deadlines::DeadlineRules;
use crate::http::api::cases::Storage;
use crate::http::client::TrustedProxies;
use crate::http::denials::DenialLimiter;
use crate::http::input::InputLimits;
use crate::http::{metrics::Metrics, openapi::RouteMethods};
use crate::services::auth::AuthDeps;
use crate::services::handoffs::AgreementSet;

/// The shared data of the server. Each part is reference-counted (`web::Data`), so a worker's
/// copy is cheap; handlers take the part they use (`web::Data<Db>`, `web::Data<Vault>`…).
#[derive(Clone)]
pub struct AppState {
    /// The database pool.
    pub db: web::Data<Db>,
    /// Prometheus metrics.
    pub metrics: web::Data<Metrics>,
    /// The methods each route path accepts (for `Allow`).
    pub routes: web::Data<RouteMethods>,
    /// Password hashing, token keys and the auth settings.
    pub auth: web::Data<AuthDeps>,
    /// The per-address login limiter.
    pub limiter: web::Data<LoginLimiter>,
    /// Encryption of identity, notes and documents.
    pub vault: web::Data<Vault>,
    /// Where documents are stored.
    pub storage: web::Data<Storage>,
    /// The agreements in force.
    pub agreements: web::Data<AgreementSet>,
    /// Keys that audit checkpoints are checked against.
    pub trusted: web::Data<TrustedKeys>,
    /// Statistics settings (suppression).
    pub stats: web::Data<StatsSettings>,
    /// `[audit]`: how often a user's reads of a case are recorded.
    pub audit: web::Data<crate::config::AuditSettings>,
    /// Statutory deadline rules and holidays.
    pub deadline_rules: web::Data<DeadlineRules>,
    /// The per-user limit on recorded refusals.
    pub denials: web::Data<DenialLimiter>,
    /// Body size and stall limits.
    pub input_limits: web::Data<InputLimits>,
    /// Proxies whose `X-Forwarded-For` is believed.
    pub proxies: web::Data<TrustedProxies>,
}

impl AppState {
    /// Builds the shared data (the `Allow` headers from the served API `document`); fails on a bad password-hashing setting, deadline rule file or
    /// metrics registry.
    pub fn new(
        settings: &Settings,
        secrets: &Secrets,
        db: Db,
        agreements: AgreementSet,
        document: &utoipa::openapi::OpenApi,
    ) -> anyhow::Result<Self> {
        let metrics = Metrics::new(db.backend().name()).context("registering metrics")?;
        let auth = AuthDeps {
            hasher: PasswordHasher::new(&settings.auth)?,
            keys: TokenKeys::new(
                &secrets.jwt_secret,
                i64::from(settings.auth.access_token_minutes) * 60,
            ),
            settings: settings.auth.clone(),
        };
        let deadline_rules = crate::deadlines::load_checked(
            &settings.deadlines.dir,
            &settings.deadlines.holidays_dir,
        )?;
        Ok(Self {
            db: web::Data::new(db),
            metrics: web::Data::new(metrics),
            routes: web::Data::new(RouteMethods::from_document(document)),
            auth: web::Data::new(auth),
            limiter: web::Data::new(LoginLimiter::new(settings.auth.login_per_ip_per_minute)),
            vault: web::Data::new(Vault::with_retired(
                &secrets.data_key,
                &secrets.retired_data_keys,
            )),
            storage: web::Data::new(Storage {
                data_dir: settings.storage.data_dir.clone(),
                max_document_bytes: settings.storage.max_document_bytes,
            }),
            agreements: web::Data::new(agreements),
            trusted: web::Data::new(TrustedKeys(secrets.audit_trusted_keys.clone())),
            stats: web::Data::new(settings.stats.clone()),
            audit: web::Data::new(settings.audit.clone()),
            deadline_rules: web::Data::new(deadline_rules),
            denials: web::Data::new(DenialLimiter::default()),
            input_limits: web::Data::new(InputLimits {
                max_body_bytes: settings.server.max_body_bytes,
                stall: Duration::from_secs(settings.server.client_request_timeout_secs.get()),
            }),
            proxies: web::Data::new(TrustedProxies(settings.server.trusted_proxies.clone())),
        })
    }

    /// Hands every part to a worker's `App` (`App::configure`).
    pub fn register(&self, cfg: &mut web::ServiceConfig) {
        cfg.app_data(self.db.clone())
            .app_data(self.metrics.clone())
            .app_data(self.audit.clone())
            .app_data(self.routes.clone())
            .app_data(self.auth.clone())
            .app_data(self.limiter.clone())
            .app_data(self.vault.clone())
            .app_data(self.storage.clone())
            .app_data(self.agreements.clone())
            .app_data(self.trusted.clone())
            .app_data(self.stats.clone())
            .app_data(self.deadline_rules.clone())
            .app_data(self.denials.clone())
            .app_data(self.input_limits.clone())
            .app_data(self.proxies.clone());
    }
}
