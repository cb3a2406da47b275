//! `rujukan deadlines sweep`.

use clap::{Args, Subcommand};

use super::{DatabaseArgs, apply_database_url, now, one_line, open, say};
use crate::config::Settings;

/// `rujukan deadlines …`
#[derive(Debug, Subcommand)]
pub enum DeadlinesCommand {
    /// Run one sweep: reminders before due times, breaches and escalations after; each happens once.
    Sweep(SweepArgs),
}

/// Options of `deadlines sweep`.
#[derive(Debug, Args)]
pub struct SweepArgs {
    /// Evaluate the clocks as of this RFC 3339 instant instead of now (e.g. 2026-11-29T08:00:00Z).
    #[arg(long, value_name = "TIMESTAMP")]
    pub at: Option<String>,
    /// Database options.
    #[command(flatten)]
    pub database: DatabaseArgs,
}

/// `deadlines sweep`: one sweep as of now or `--at`, then the due e-mail.
pub(super) fn sweep(mut settings: Settings, args: SweepArgs) -> anyhow::Result<()> {
    let at = match &args.at {
        Some(text) => chrono::DateTime::parse_from_rfc3339(text)
            .map_err(|e| {
                anyhow::anyhow!(
                    "--at {text:?} is not an RFC 3339 instant (e.g. 2026-11-29T08:00:00Z): {e}"
                )
            })?
            .naive_utc(),
        None => now(),
    };
    apply_database_url(&mut settings, args.database)?;
    let rules =
        crate::deadlines::load_checked(&settings.deadlines.dir, &settings.deadlines.holidays_dir)?;
    let mailer = crate::notify::Mailer::from_settings(&settings.email, &settings.storage.data_dir)?;
    let mut conn = open(&settings)?;
    let report =
        crate::services::deadlines::sweep(&mut conn, &rules, at, now()).map_err(one_line)?;
    let delivered = crate::notify::deliver_due(&mut conn, &mailer, &settings.email, now())?;
    say(&format!(
        "deadline sweep as of {}: {} reminded, {} breached, {} escalated; {} e-mail(s) sent, {} to retry, {} given up",
        crate::domain::utc(at).to_rfc3339(),
        report.reminded,
        report.breached,
        report.escalated,
        delivered.sent,
        delivered.retrying,
        delivered.dead
    ));
    Ok(())
}
