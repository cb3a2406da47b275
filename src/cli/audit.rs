//! `rujukan audit verify` and `audit checkpoint`.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};

use super::{DatabaseArgs, apply_database_url, now, open, say};
use crate::config::Settings;
use crate::db::{self};

/// `rujukan audit …`
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Recompute every hash chain and signed checkpoint: prints the number of entries checked, or the first broken entry (exit 1).
    Verify(AuditVerifyArgs),
    /// Take a signed checkpoint of the audit trail now and print it as one JSON line, for an auditor to keep.
    Checkpoint(DatabaseArgs),
}

/// Options of `audit verify`.
#[derive(Debug, Args)]
pub struct AuditVerifyArgs {
    /// Checkpoints kept outside Rujukan (JSON lines, as printed by `audit checkpoint`): each must still be in the database, unchanged.
    #[arg(long, value_name = "FILE")]
    pub checkpoints: Option<PathBuf>,
    /// Database options.
    #[command(flatten)]
    pub database: DatabaseArgs,
}

/// Reads checkpoints kept outside Rujukan: one JSON object per line.
fn read_checkpoints(path: &Path) -> anyhow::Result<Vec<crate::audit::checkpoint::Checkpoint>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(n, line)| {
            serde_json::from_str(line)
                .map_err(|e| anyhow::anyhow!("{}:{}: not a checkpoint: {e}", path.display(), n + 1))
        })
        .collect()
}

/// `audit verify`: every chain and checkpoint, and the checkpoints kept outside.
pub(super) fn verify(mut settings: Settings, args: AuditVerifyArgs) -> anyhow::Result<()> {
    apply_database_url(&mut settings, args.database)?;
    let kept_outside = match &args.checkpoints {
        Some(path) => read_checkpoints(path)?,
        None => Vec::new(),
    };
    let secrets = crate::config::Secrets::resolve(&settings)?;
    let started = std::time::Instant::now();
    let mut conn = open(&settings)?;
    match crate::audit::verify(&mut conn, &secrets.audit_trusted_keys, &kept_outside)? {
        Ok(summary) => {
            say(&format!(
                "audit trail intact: {} entries in {} streams and {} signed checkpoints checked in {:.2} s",
                summary.entries,
                summary.streams,
                summary.checkpoints,
                started.elapsed().as_secs_f64()
            ));
            Ok(())
        }
        Err(broken) => Err(anyhow::anyhow!("audit trail broken: {broken}")),
    }
}

/// `audit checkpoint`: signs one now and prints it.
pub(super) fn checkpoint(mut settings: Settings, args: DatabaseArgs) -> anyhow::Result<()> {
    apply_database_url(&mut settings, args)?;
    let secrets = crate::config::Secrets::resolve(&settings)?;
    let mut conn = open(&settings)?;
    match db::checkpoints::take(&mut conn, &secrets.audit_signing_key, now())? {
        Some(checkpoint) => say(&serde_json::to_string(&checkpoint)?),
        None => match db::checkpoints::all(&mut conn)?.pop() {
            // Nothing new: the latest checkpoint still holds.
            Some(latest) => say(&serde_json::to_string(&latest)?),
            None => {
                anyhow::bail!("the audit trail is empty: there is nothing to checkpoint")
            }
        },
    }
    Ok(())
}
