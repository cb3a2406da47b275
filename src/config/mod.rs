//! Settings: `config/default.toml`, then `config/<RUJUKAN_ENV>.toml`, then `RUJUKAN_<SECTION>__<KEY>`
//! environment variables (CONTRACT.md "Configuration").
//!
//! Every key is known: an unknown key or a value of the wrong type is refused with one line that
//! names the key and where it came from. Secrets are [`SecretString`]s, which print as
//! `[REDACTED]`, so they cannot reach a log by accident.

pub mod secrets;

use std::fmt;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Toml};
use secrecy::SecretString;
use serde::Deserialize;

pub use secrets::{DataKey, Secrets};

/// Name of the environment variable that selects the configuration environment.
pub const ENV_VAR: &str = "RUJUKAN_ENV";
/// Prefix of the environment variables that override single keys.
pub const ENV_PREFIX: &str = "RUJUKAN_";

/// Which configuration environment is running (`development`, `test`, `production`, or any
/// other name that has its own `config/<name>.toml`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Environment(String);

impl Environment {
    /// The environment named by `RUJUKAN_ENV`, `development` when unset or empty.
    pub fn from_process() -> Self {
        match std::env::var(ENV_VAR) {
            Ok(name) if !name.trim().is_empty() => Self(name.trim().to_lowercase()),
            _ => Self("development".to_owned()),
        }
    }

    /// An environment by name.
    pub fn named(name: &str) -> Self {
        Self(name.to_lowercase())
    }

    /// The environment's name.
    pub fn name(&self) -> &str {
        &self.0
    }

    /// Production refuses generated secrets and demo data.
    pub fn is_production(&self) -> bool {
        self.0 == "production"
    }
}

impl fmt::Display for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// All of Rujukan's settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// HTTP server.
    pub server: ServerSettings,
    /// Database connection and pool.
    pub database: DatabaseSettings,
    /// Agreement files.
    pub agreements: AgreementsSettings,
    /// Login, tokens, sessions, passwords.
    pub auth: AuthSettings,
    /// Secrets (optional outside production).
    #[serde(default)]
    pub security: SecuritySettings,
    /// Audit trail.
    pub audit: AuditSettings,
    /// Statistics.
    #[serde(default)]
    pub stats: StatsSettings,
    /// Deadline rules, holidays and sweeps.
    pub deadlines: DeadlineSettings,
    /// Data folder.
    pub storage: StorageSettings,
    /// Outgoing e-mail.
    pub email: EmailSettings,
    /// Logging.
    pub log: LogSettings,
    /// The environment these settings were loaded for (not a key in the files).
    #[serde(skip, default = "default_environment")]
    pub environment: Environment,
}

fn default_environment() -> Environment {
    Environment::named("development")
}

/// `[server]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSettings {
    /// Listen address, `HOST:PORT`.
    pub bind: String,
    /// Largest accepted request body in bytes.
    pub max_body_bytes: usize,
    /// Grace period for in-flight requests at shutdown.
    pub shutdown_timeout_secs: u64,
    /// Worker threads; 0 = one per core.
    pub workers: usize,
    /// Seconds a client may take to send a request's head, and at most between two parts of its
    /// body; a request that stalls longer is cut (408).
    pub client_request_timeout_secs: std::num::NonZeroU64,
    /// Reverse proxies (addresses or CIDR ranges) whose `X-Forwarded-For` names the client;
    /// from any other peer the header is ignored.
    #[serde(default, deserialize_with = "proxy_list")]
    pub trusted_proxies: Vec<ipnet::IpNet>,
}

/// Reads `server.trusted_proxies`: each entry an address (`10.0.8.2`, `::1`) or a CIDR range
/// (`10.0.8.0/24`).
fn proxy_list<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<ipnet::IpNet>, D::Error> {
    use serde::de::Error;
    Vec::<String>::deserialize(d)?
        .iter()
        .map(|text| {
            parse_proxy(text).ok_or_else(|| {
                D::Error::custom(format!(
                    "{text:?} is not an IP address or a CIDR range such as 10.0.8.0/24"
                ))
            })
        })
        .collect()
}

/// An address (a range of one) or a CIDR range.
pub fn parse_proxy(text: &str) -> Option<ipnet::IpNet> {
    let text = text.trim();
    text.parse::<ipnet::IpNet>().ok().or_else(|| {
        text.parse::<std::net::IpAddr>()
            .ok()
            .map(ipnet::IpNet::from)
    })
}

/// `[database]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSettings {
    /// `sqlite://PATH` or `postgres://…`; may hold a password, so it is secret.
    pub url: SecretString,
    /// Largest pool size.
    pub pool_size: u32,
    /// Wait for a pooled connection before answering 503.
    pub pool_timeout_ms: u64,
    /// SQLite lock wait.
    pub sqlite_busy_timeout_ms: u32,
}

/// `[agreements]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgreementsSettings {
    /// Folder of agreement files.
    pub dir: PathBuf,
    /// Agencies that party codes may name besides those in the database (the seed file).
    pub known_agencies_file: PathBuf,
}

/// `[auth]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthSettings {
    /// Lifetime of an access token.
    pub access_token_minutes: u32,
    /// Absolute lifetime of a session (refresh tokens and web cookies).
    pub session_hours: u32,
    /// A web session unused this long ends.
    pub web_idle_minutes: u32,
    /// Failed logins within the window that lock an account.
    pub lockout_failures: u32,
    /// Window for counting failed logins.
    pub lockout_window_minutes: u32,
    /// How long a locked account stays locked.
    pub lockout_minutes: u32,
    /// Login attempts accepted per client address per minute.
    pub login_per_ip_per_minute: u32,
    /// argon2id memory cost in KiB.
    pub argon2_memory_kib: u32,
    /// argon2id iterations.
    pub argon2_iterations: u32,
    /// argon2id lanes.
    pub argon2_parallelism: u32,
    /// Mark cookies `Secure` even when the request did not arrive over TLS (behind a proxy).
    pub secure_cookies: bool,
}

/// `[security]`
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecuritySettings {
    /// Signs access tokens.
    pub jwt_secret: Option<SecretString>,
    /// 32 bytes, base64: encrypts survivors' identifying fields.
    pub data_key: Option<SecretString>,
    /// Earlier data keys, still accepted for reading data they encrypted (key rotation).
    #[serde(default)]
    pub retired_data_keys: Vec<SecretString>,
    /// 32 bytes, base64: the Ed25519 seed that signs audit checkpoints.
    pub audit_signing_key: Option<SecretString>,
    /// Public keys (base64) of earlier audit signing keys, whose checkpoints still verify.
    #[serde(default)]
    pub audit_trusted_keys: Vec<String>,
}

/// `[deadlines]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeadlineSettings {
    /// Folder of statutory deadline rule files, *.toml.
    pub dir: PathBuf,
    /// Folder of public-holiday files, *.toml (for working-day rules).
    pub holidays_dir: PathBuf,
    /// Seconds between deadline sweeps taken by `serve` (at least 1).
    pub sweep_interval_secs: std::num::NonZeroU64,
}

/// `[audit]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditSettings {
    /// Seconds between signed checkpoints taken by `serve` (at least 1).
    pub checkpoint_interval_secs: std::num::NonZeroU64,
    /// A user's reads of one case within this many minutes of the read last recorded are one
    /// `case.viewed` entry (0: every read is recorded).
    #[serde(default = "default_view_record_minutes")]
    pub view_record_minutes: u32,
}

fn default_view_record_minutes() -> u32 {
    15
}

/// `[stats]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatsSettings {
    /// Counts below this are suppressed, with enough others that none can be recovered from the
    /// totals (at least 1; default 5).
    #[serde(default = "default_min_count")]
    pub min_count: std::num::NonZeroU64,
    /// How often `serve` folds the count changes of recent writes into the kept counts, in
    /// seconds (default 2). Answers add what is not folded yet, so this bounds only the table of
    /// pending changes, never the figures.
    #[serde(default = "default_fold_interval_secs")]
    pub fold_interval_secs: std::num::NonZeroU64,
}

fn default_fold_interval_secs() -> std::num::NonZeroU64 {
    std::num::NonZeroU64::new(2).unwrap_or(std::num::NonZeroU64::MIN)
}

fn default_min_count() -> std::num::NonZeroU64 {
    std::num::NonZeroU64::new(5).unwrap_or(std::num::NonZeroU64::MIN)
}

impl Default for StatsSettings {
    fn default() -> Self {
        Self {
            min_count: default_min_count(),
            fold_interval_secs: default_fold_interval_secs(),
        }
    }
}

/// `[storage]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StorageSettings {
    /// Data folder, relative to the working directory unless absolute.
    pub data_dir: PathBuf,
    /// Largest document upload, in bytes.
    pub max_document_bytes: usize,
}

/// How e-mail leaves Rujukan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EmailTransport {
    /// `.eml` files under `<data_dir>/outbox-mail/`.
    File,
    /// SMTP through `email.smtp_url`.
    Smtp,
}

/// `[email]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailSettings {
    /// Transport.
    pub transport: EmailTransport,
    /// SMTP server URL, with credentials: secret.
    pub smtp_url: Option<SecretString>,
    /// Sender address.
    pub from: String,
    /// Address of Rujukan as users reach it, for links in e-mails (`<link_base>/cases/<id>`).
    pub link_base: String,
    /// Delivery attempts before a notification becomes a dead letter.
    pub max_attempts: u8,
    /// Seconds between delivery runs of `serve` (at least 1).
    pub deliver_interval_secs: std::num::NonZeroU64,
}

/// Log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    Pretty,
    /// One JSON object per line.
    Json,
}

/// `[log]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogSettings {
    /// Line format.
    pub format: LogFormat,
    /// `tracing` filter directives.
    pub filter: String,
}

/// A configuration that cannot be used; its `Display` is one line naming the key.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// `config/default.toml` is missing.
    #[error("configuration file {0} not found (run from the project folder or pass --config-dir)")]
    MissingDefault(PathBuf),
    /// A key is unknown, missing or has the wrong type, or a file does not parse.
    #[error("configuration: {0}")]
    Invalid(String),
}

impl Settings {
    /// Loads the settings for `environment` from `config_dir` and the process environment.
    pub fn load(config_dir: &Path, environment: &Environment) -> Result<Self, ConfigError> {
        let default_file = config_dir.join("default.toml");
        if !default_file.is_file() {
            return Err(ConfigError::MissingDefault(default_file));
        }
        let env_file = config_dir.join(format!("{}.toml", environment.name()));
        let figment = Figment::new()
            .merge(Toml::file_exact(&default_file))
            .merge(Toml::file(&env_file))
            .merge(
                Env::prefixed(ENV_PREFIX)
                    .filter(|key| key.as_str().contains("__"))
                    .split("__"),
            );
        let mut settings: Settings = figment
            .extract()
            .map_err(|e| ConfigError::Invalid(one_line(e)))?;
        settings.environment = environment.clone();
        Ok(settings)
    }
}

/// Joins figment's errors into one line: `unknown field `urll` for key "database.urll" in …`.
fn one_line(error: figment::Error) -> String {
    error
        .into_iter()
        .map(|e| e.to_string().replace('\n', " "))
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
#[expect(
    clippy::result_large_err,
    reason = "figment::Jail's closures return figment::Error"
)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    fn write_default(jail: &mut figment::Jail) -> figment::error::Result<()> {
        let text =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/config/default.toml"))
                .map_err(|e| e.to_string())?;
        jail.create_file("default.toml", &text)?;
        Ok(())
    }

    #[test]
    fn layers_apply_in_order_default_then_environment_file_then_variables() {
        figment::Jail::expect_with(|jail| {
            write_default(jail)?;
            jail.create_file(
                "staging.toml",
                "[server]\nbind = \"0.0.0.0:9000\"\n[database]\npool_size = 3\n",
            )?;
            jail.set_env("RUJUKAN_DATABASE__POOL_SIZE", "5");
            jail.set_env("RUJUKAN_DATABASE__URL", "postgres://postgres@127.0.0.1/x");
            let s = Settings::load(jail.directory(), &Environment::named("staging"))
                .map_err(|e| e.to_string())?;
            assert_eq!(
                s.server.bind, "0.0.0.0:9000",
                "environment file overrides default"
            );
            assert_eq!(
                s.database.pool_size, 5,
                "variable overrides environment file"
            );
            assert_eq!(
                s.database.url.expose_secret(),
                "postgres://postgres@127.0.0.1/x"
            );
            assert_eq!(
                s.agreements.dir,
                PathBuf::from("config/agreements"),
                "default kept"
            );
            assert_eq!(s.environment.name(), "staging");
            Ok(())
        });
    }

    #[test]
    fn typo_in_a_file_names_the_key() {
        figment::Jail::expect_with(|jail| {
            write_default(jail)?;
            jail.create_file("development.toml", "[database]\nurll = \"sqlite://x.db\"\n")?;
            let err = Settings::load(jail.directory(), &Environment::named("development"))
                .err()
                .ok_or("typo accepted")?
                .to_string();
            assert!(err.contains("urll"), "{err}");
            assert!(err.contains("development.toml"), "{err}");
            assert!(!err.contains('\n'));
            Ok(())
        });
    }

    #[test]
    fn trusted_proxies_take_addresses_and_ranges_and_refuse_anything_else() {
        figment::Jail::expect_with(|jail| {
            write_default(jail)?;
            let s = Settings::load(jail.directory(), &Environment::named("development"))
                .map_err(|e| e.to_string())?;
            assert!(s.server.trusted_proxies.is_empty(), "none by default");
            assert_eq!(s.server.client_request_timeout_secs.get(), 30);
            jail.set_env(
                "RUJUKAN_SERVER__TRUSTED_PROXIES",
                r#"["127.0.0.1", "10.0.8.0/24", "fd00::/64"]"#,
            );
            let s = Settings::load(jail.directory(), &Environment::named("development"))
                .map_err(|e| e.to_string())?;
            let shown: Vec<String> = s
                .server
                .trusted_proxies
                .iter()
                .map(ToString::to_string)
                .collect();
            assert_eq!(shown, ["127.0.0.1/32", "10.0.8.0/24", "fd00::/64"]);
            jail.set_env("RUJUKAN_SERVER__TRUSTED_PROXIES", r#"["proxy.local"]"#);
            let err = Settings::load(jail.directory(), &Environment::named("development"))
                .err()
                .ok_or("a host name accepted")?
                .to_string();
            assert!(
                err.contains("proxy.local") && err.to_lowercase().contains("trusted_proxies"),
                "{err}"
            );
            Ok(())
        });
    }

    #[test]
    fn typo_in_a_variable_names_the_key() {
        figment::Jail::expect_with(|jail| {
            write_default(jail)?;
            jail.set_env("RUJUKAN_DATABSE__URL", "sqlite://x.db");
            let err = Settings::load(jail.directory(), &Environment::named("development"))
                .err()
                .ok_or("typo accepted")?
                .to_string();
            assert!(err.contains("databse"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn wrong_type_names_the_key() {
        figment::Jail::expect_with(|jail| {
            write_default(jail)?;
            jail.set_env("RUJUKAN_DATABASE__POOL_SIZE", "many");
            let err = Settings::load(jail.directory(), &Environment::named("development"))
                .err()
                .ok_or("wrong type accepted")?
                .to_string();
            assert!(err.to_lowercase().contains("database.pool_size"), "{err}");
            assert!(err.contains("many"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn malformed_file_is_one_line_naming_the_file() {
        figment::Jail::expect_with(|jail| {
            write_default(jail)?;
            jail.create_file("development.toml", "[server\nbind = 1\n")?;
            let err = Settings::load(jail.directory(), &Environment::named("development"))
                .err()
                .ok_or("broken file accepted")?
                .to_string();
            assert!(err.contains("development.toml"), "{err}");
            assert!(!err.contains('\n'), "{err}");
            Ok(())
        });
    }

    #[test]
    fn missing_default_file_is_reported() {
        figment::Jail::expect_with(|jail| {
            let err = Settings::load(jail.directory(), &Environment::named("development"))
                .err()
                .ok_or("loaded without default.toml")?;
            assert!(matches!(err, ConfigError::MissingDefault(_)));
            Ok(())
        });
    }

    #[test]
    fn rujukan_env_itself_is_not_taken_for_a_key() {
        figment::Jail::expect_with(|jail| {
            write_default(jail)?;
            jail.set_env("RUJUKAN_ENV", "development");
            Settings::load(jail.directory(), &Environment::named("development"))
                .map_err(|e| e.to_string())?;
            Ok(())
        });
    }

    #[test]
    fn secrets_do_not_print() {
        figment::Jail::expect_with(|jail| {
            write_default(jail)?;
            jail.set_env(
                "RUJUKAN_SECURITY__JWT_SECRET",
                "very-secret-value-that-must-not-leak",
            );
            let s = Settings::load(jail.directory(), &Environment::named("development"))
                .map_err(|e| e.to_string())?;
            let printed = format!("{s:?}");
            assert!(!printed.contains("very-secret-value"), "{printed}");
            Ok(())
        });
    }
}
