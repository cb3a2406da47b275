//! `rujukan serve` and `migrate`.

use clap::Args;

use super::open_migrated;
use super::{DatabaseArgs, apply_database_url};
use crate::config::Settings;
use crate::db::DatabaseUrl;
use crate::startup::Application;
use crate::telemetry;

/// Options of `serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Listen address, HOST:PORT (overrides server.bind).
    #[arg(long, value_name = "ADDR")]
    pub bind: Option<String>,
    /// On an empty SQLite database, first add the demo agencies, users (passwords printed once) and cases.
    #[arg(long)]
    pub demo: bool,
    /// Database options.
    #[command(flatten)]
    pub database: DatabaseArgs,
}

fn run(settings: Settings) -> anyhow::Result<()> {
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

fn report_migrations(settings: &Settings) -> anyhow::Result<()> {
    use secrecy::ExposeSecret;
    let url = DatabaseUrl::parse(settings.database.url.expose_secret())?;
    let (_, applied) = open_migrated(settings)?;
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

/// `serve`: applies migrations, loads the agreements, serves until SIGINT or SIGTERM.
pub(super) fn serve(mut settings: Settings, args: ServeArgs) -> anyhow::Result<()> {
    if let Some(bind) = args.bind {
        settings.server.bind = bind;
    }
    apply_database_url(&mut settings, args.database)?;
    telemetry::init(&settings.log);
    if args.demo {
        super::demo::before_serving(&settings)?;
    }
    run(settings)
}

/// `migrate`: applies pending migrations and says which.
pub(super) fn migrate(mut settings: Settings, args: DatabaseArgs) -> anyhow::Result<()> {
    apply_database_url(&mut settings, args)?;
    telemetry::init(&settings.log);
    report_migrations(&settings)
}
