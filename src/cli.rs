//! The `rujukan` command line (CONTRACT.md): one binary, one subcommand per job. Every failure
//! is one line on standard error and exit code 1; usage mistakes exit with 2.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use secrecy::SecretString;

use crate::config::{Environment, Settings};
use crate::db::{self, DatabaseUrl};
use crate::startup::Application;
use crate::telemetry;

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
}

/// Options of `serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Listen address, HOST:PORT (overrides server.bind).
    #[arg(long, value_name = "ADDR")]
    pub bind: Option<String>,
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
        Err(error) => {
            eprintln!("error: {}", format!("{error:#}").replace('\n', " "));
            ExitCode::FAILURE
        }
    }
}

/// Runs one parsed command.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    let environment = Environment::from_process();
    let mut settings = Settings::load(&cli.config_dir, &environment)?;
    match cli.command {
        Command::Serve(args) => {
            if let Some(bind) = args.bind {
                settings.server.bind = bind;
            }
            apply_database_url(&mut settings, args.database)?;
            telemetry::init(&settings.log);
            serve(settings)
        }
        Command::Migrate(args) => {
            apply_database_url(&mut settings, args)?;
            telemetry::init(&settings.log);
            migrate(&settings)
        }
    }
}

fn apply_database_url(settings: &mut Settings, args: DatabaseArgs) -> anyhow::Result<()> {
    if let Some(url) = args.database_url {
        DatabaseUrl::parse(&url)?;
        settings.database.url = SecretString::from(url);
    }
    Ok(())
}

fn serve(settings: Settings) -> anyhow::Result<()> {
    actix_web::rt::System::new().block_on(async move {
        let app = Application::build(&settings)?;
        tracing::info!(
            bind = %settings.server.bind,
            port = app.port(),
            database = app.db().backend().name(),
            environment = %settings.environment,
            "Rujukan is serving"
        );
        app.run_until_stopped().await?;
        tracing::info!("Rujukan stopped");
        Ok(())
    })
}

fn migrate(settings: &Settings) -> anyhow::Result<()> {
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
    #[expect(clippy::print_stdout, reason = "the command's own report")]
    {
        if applied.is_empty() {
            println!("{url}: up to date");
        } else {
            println!(
                "{url}: applied {} migration(s): {}",
                applied.len(),
                applied.join(", ")
            );
        }
    }
    Ok(())
}

/// A panic is a bug; report it in one line (no backtrace) and let the process exit non-zero.
fn install_panic_hook() {
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
