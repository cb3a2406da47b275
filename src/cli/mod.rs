//! The `rujukan` command line (CONTRACT.md): one binary, one subcommand per job. Every failure
//! is one line on standard error and exit code 1; usage mistakes exit with 2.

mod agency;
mod agreements;
mod audit;
mod deadlines;
mod demo;
mod keys;
mod serve;
mod stats;
mod user;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

pub use agency::{AgencyAddArgs, AgencyCommand, AgencyImportArgs};
pub use agreements::{AgreementsCheckArgs, AgreementsCommand};
pub use audit::{AuditCommand, AuditVerifyArgs};
pub use deadlines::{DeadlinesCommand, SweepArgs};
pub use demo::{DemoCommand, DemoSeedArgs};
pub use keys::{KeysCommand, KeysRotateArgs};
use secrecy::SecretString;
pub use serve::ServeArgs;
pub use stats::StatsCommand;
pub use user::{UserAddArgs, UserCommand};

use crate::config::{Environment, Settings};
use crate::db::{self, DatabaseUrl};
use crate::error::AppError;

/// Rujukan: case referral and coordination for SPPT-PKKTP.
#[derive(Debug, Parser)]
#[command(name = "rujukan", version, about, long_about = None)]
pub struct Cli {
    /// Folder with default.toml and <RUJUKAN_ENV>.toml.
    #[arg(long, global = true, value_name = "DIR", default_value = "config")]
    pub config_dir: PathBuf,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply pending migrations, then serve the web UI and the API until SIGINT/SIGTERM.
    Serve(ServeArgs),
    /// Apply pending migrations and exit.
    Migrate(DatabaseArgs),
    /// Manage agencies.
    #[command(subcommand)]
    Agency(AgencyCommand),
    /// Check the audit trail.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Demo and benchmark data.
    #[command(subcommand)]
    Demo(DemoCommand),
    /// Work with agreement (MOU) files.
    #[command(subcommand)]
    Agreements(AgreementsCommand),
    /// Manage users.
    #[command(subcommand)]
    User(UserCommand),
    /// Deadline sweeps.
    #[command(subcommand)]
    Deadlines(DeadlinesCommand),
    /// Statistics.
    #[command(subcommand)]
    Stats(StatsCommand),
    /// Data keys.
    #[command(subcommand)]
    Keys(KeysCommand),
}

/// Options of commands that only need the database.
#[derive(Debug, Args)]
pub struct DatabaseOnlyArgs {
    /// Database options.
    #[command(flatten)]
    pub database: DatabaseArgs,
}

/// The database option shared by commands that open the database.
#[derive(Debug, Args)]
pub struct DatabaseArgs {
    /// sqlite://PATH or postgres://USER@HOST:PORT/DB (overrides database.url).
    #[arg(long, value_name = "URL")]
    pub database_url: Option<String>,
}

/// Parses the process arguments, runs the command, and turns any failure into one line.
pub fn main() -> ExitCode {
    install_panic_hook();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) if error.use_stderr() => {
            let text = error.to_string();
            let first = text.lines().next().unwrap_or("invalid arguments");
            eprintln!("{first} (see rujukan --help)");
            return ExitCode::from(2);
        }
        Err(help) => {
            let _ = help.print();
            return ExitCode::SUCCESS;
        }
    };
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) if error.is::<CheckFailed>() => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("error: {}", format!("{error:#}").replace('\n', " "));
            ExitCode::FAILURE
        }
    }
}

/// Runs one parsed command.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    let environment = Environment::from_process();
    let settings = Settings::load(&cli.config_dir, &environment)?;
    match cli.command {
        Command::Serve(args) => serve::serve(settings, args),
        Command::Migrate(args) => serve::migrate(settings, args),
        Command::Agency(AgencyCommand::Add(args)) => agency::add(settings, args),
        Command::Agency(AgencyCommand::Import(args)) => {
            agency::import(settings, &cli.config_dir, args)
        }
        Command::Audit(AuditCommand::Verify(args)) => audit::verify(settings, args),
        Command::Audit(AuditCommand::Checkpoint(args)) => audit::checkpoint(settings, args),
        Command::Stats(StatsCommand::Rebuild(args)) => stats::rebuild(settings, args),
        Command::Keys(KeysCommand::Rotate(args)) => keys::rotate(settings, args),
        Command::Keys(KeysCommand::Reindex(args)) => keys::reindex(settings, args),
        Command::Deadlines(DeadlinesCommand::Sweep(args)) => deadlines::sweep(settings, args),
        Command::Demo(DemoCommand::Seed(args)) => demo::seed(settings, args),
        Command::Agreements(AgreementsCommand::Check(args)) => agreements::check(settings, args),
        Command::User(UserCommand::Add(args)) => user::add(settings, args),
    }
}

/// `agreements check` found problems (already printed, one per line).
#[derive(Debug, thiserror::Error)]
#[error("{0} problem(s) in the agreement files")]
pub struct CheckFailed(pub usize);

/// The current instant, as stored (UTC).
pub(crate) fn now() -> chrono::NaiveDateTime {
    chrono::Utc::now().naive_utc()
}

/// Opens the database and applies pending migrations.
pub(crate) fn open(settings: &Settings) -> anyhow::Result<db::DbConnection> {
    open_migrated(settings).map(|(conn, _)| conn)
}

/// Opens the database and applies pending migrations; also returns the versions applied now.
pub(crate) fn open_migrated(
    settings: &Settings,
) -> anyhow::Result<(db::DbConnection, Vec<String>)> {
    use secrecy::ExposeSecret;
    let url = DatabaseUrl::parse(settings.database.url.expose_secret())?;
    let manager =
        db::pool::ConnectionManager::new(url.clone(), settings.database.sqlite_busy_timeout_ms);
    let mut conn = manager.establish()?;
    let applied = db::migrate::run_pending(&mut conn).map_err(|e| {
        anyhow::anyhow!(
            "cannot apply migrations to {url}: {}",
            e.to_string().replace('\n', " ")
        )
    })?;
    Ok((conn, applied))
}

/// A service error as one line: validation problems listed field by field.
pub(crate) fn one_line(error: AppError) -> anyhow::Error {
    match error {
        AppError::Validation(fields) => anyhow::anyhow!(
            "{}",
            fields
                .iter()
                .map(|f| format!("{}: {}", f.field, f.message))
                .collect::<Vec<_>>()
                .join("; ")
        ),
        AppError::Conflict { detail, .. } => anyhow::anyhow!("{detail}"),
        AppError::Internal(cause) => cause,
        other => anyhow::anyhow!("{other}"),
    }
}

#[expect(clippy::print_stdout, reason = "the command's own report")]
pub(crate) fn say(line: &str) {
    println!("{line}");
}

pub(crate) fn apply_database_url(
    settings: &mut Settings,
    args: DatabaseArgs,
) -> anyhow::Result<()> {
    if let Some(url) = args.database_url {
        DatabaseUrl::parse(&url)?;
        settings.database.url = SecretString::from(url);
    }
    Ok(())
}

/// A panic is a bug; report it in one line (no backtrace) and let the process exit non-zero.
pub(crate) fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown".to_owned());
        let place = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!(
            "error: internal failure{place}: {}",
            message.replace('\n', " ")
        );
    }));
}
