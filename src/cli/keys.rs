//! `rujukan keys rotate` and `rujukan keys reindex`.

use clap::{Args, Subcommand};

use super::{DatabaseArgs, apply_database_url, now, one_line, open, say};
use crate::audit::Ctx;
use crate::config::Settings;

/// `rujukan keys …`
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Re-encrypt everything still sealed under a retired data key with security.data_key and
    /// rebuild the NIK and passport blind indexes; resumable, safe while serve runs (restart serve
    /// with the new configuration first). Prints the counts per kind.
    Rotate(KeysRotateArgs),
    /// Rebuild the blind indexes (NIK, passport, phone, words of the name) of the case identities
    /// under security.data_key, for cases taken in before the search indexes existed; safe while
    /// serve runs. Prints how many identities were indexed.
    Reindex(KeysRotateArgs),
}

/// Options of `keys rotate`.
#[derive(Debug, Args)]
pub struct KeysRotateArgs {
    /// Values per transaction (smaller batches hold locks for less time).
    #[arg(long, value_name = "N", default_value = "500")]
    pub batch_size: std::num::NonZeroU32,
    /// Database options.
    #[command(flatten)]
    pub database: DatabaseArgs,
}

/// `keys rotate`: progress per batch, the counts per kind, then whether anything stays behind.
pub(super) fn rotate(mut settings: Settings, args: KeysRotateArgs) -> anyhow::Result<()> {
    apply_database_url(&mut settings, args.database)?;
    use crate::services::keys::{self, Sealed};
    let secrets = crate::config::Secrets::resolve(&settings)?;
    let vault = crate::crypto::Vault::with_retired(&secrets.data_key, &secrets.retired_data_keys);
    let mut conn = open(&settings)?;
    let started = std::time::Instant::now();
    let rotation = keys::rotate(
        &mut conn,
        &Ctx::operator(now()),
        &vault,
        &settings.storage.data_dir,
        args.batch_size,
        &mut |kind, done| say(&format!("{}: {done} re-encrypted so far", kind.label())),
    )
    .map_err(one_line)?;
    if rotation.total() > 0 {
        for kind in Sealed::ALL {
            say(&format!(
                "{}: {} re-encrypted",
                kind.label(),
                rotation.of(kind)
            ));
        }
    }
    if let Some(first) = rotation.left.first() {
        let more = rotation.left.len() - 1;
        anyhow::bail!(
            "{} sealed value(s) could not be re-encrypted and stay as they were; correct the cause and run keys rotate again: {first}{}",
            rotation.left.len(),
            if more > 0 {
                format!(" (and {more} more)")
            } else {
                String::new()
            }
        );
    }
    if rotation.total() == 0 {
        say(&format!(
            "nothing to re-encrypt: every sealed value is under data key {}",
            rotation.key_id
        ));
    } else {
        say(&format!(
            "every sealed value is now under data key {} ({} re-encrypted in {:.1} s)",
            rotation.key_id,
            rotation.total(),
            started.elapsed().as_secs_f64()
        ));
    }
    Ok(())
}

/// `keys reindex`: the number of case identities whose blind indexes were rebuilt.
pub(super) fn reindex(mut settings: Settings, args: KeysRotateArgs) -> anyhow::Result<()> {
    apply_database_url(&mut settings, args.database)?;
    let secrets = crate::config::Secrets::resolve(&settings)?;
    let vault = crate::crypto::Vault::with_retired(&secrets.data_key, &secrets.retired_data_keys);
    let mut conn = open(&settings)?;
    let done =
        crate::services::keys::reindex(&mut conn, &Ctx::operator(now()), &vault, args.batch_size)
            .map_err(one_line)?;
    say(&format!(
        "blind indexes rebuilt for {done} case identities under data key {}",
        vault.key_id()
    ));
    Ok(())
}
