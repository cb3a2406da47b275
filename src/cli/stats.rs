//! `rujukan stats rebuild`.

use clap::Subcommand;

use super::{DatabaseOnlyArgs, apply_database_url, one_line, open, say};
use crate::config::Settings;

/// `rujukan stats …`
#[derive(Debug, Subcommand)]
pub enum StatsCommand {
    /// Recompute every statistics count from the cases, handoffs and deadline steps (for data from
    /// before the statistics existed); prints how many counts it wrote and whether the kept counts
    /// agreed.
    Rebuild(DatabaseOnlyArgs),
}

/// `stats rebuild`: every count recomputed from the records.
pub(super) fn rebuild(mut settings: Settings, args: DatabaseOnlyArgs) -> anyhow::Result<()> {
    apply_database_url(&mut settings, args.database)?;
    let rules =
        crate::deadlines::load_checked(&settings.deadlines.dir, &settings.deadlines.holidays_dir)?;
    let mut conn = open(&settings)?;
    let kept = crate::db::stats::all(&mut conn)?;
    let started = std::time::Instant::now();
    let written = crate::services::stats_upkeep::rebuild(&mut conn, &rules).map_err(one_line)?;
    let agreed = crate::db::stats::all(&mut conn)? == kept;
    say(&format!(
        "statistics rebuilt: {written} counts in {:.1} s; the kept counts {}",
        started.elapsed().as_secs_f64(),
        if agreed {
            "agreed"
        } else {
            "differed and were replaced"
        }
    ));
    Ok(())
}
