//! `rujukan demo seed`, and the demo data of `serve --demo`.

use clap::{Args, Subcommand};

use super::{DatabaseArgs, apply_database_url, now, one_line, open, say};
use crate::auth::password::PasswordHasher;
use crate::config::Settings;
use crate::db::{self, DatabaseUrl};

/// `rujukan demo …`
#[derive(Debug, Subcommand)]
pub enum DemoCommand {
    /// Add N realistic synthetic cases with consents and handoffs (adds the demo agencies and users if missing).
    Seed(DemoSeedArgs),
}

/// Options of `demo seed`.
#[derive(Debug, Args)]
pub struct DemoSeedArgs {
    /// How many cases.
    #[arg(long, default_value_t = 100)]
    pub cases: usize,
    /// Random seed, for repeatable data sets.
    #[arg(long, default_value_t = 2026)]
    pub seed: u64,
    /// Database options.
    #[command(flatten)]
    pub database: DatabaseArgs,
}

fn refuse_demo_in_production(settings: &Settings) -> anyhow::Result<()> {
    if settings.environment.is_production() {
        anyhow::bail!("demo data is refused when RUJUKAN_ENV=production");
    }
    Ok(())
}

/// Opens the database with migrations, the vault and the agreements in force.
fn open_for_demo(
    settings: &Settings,
) -> anyhow::Result<(
    db::DbConnection,
    crate::crypto::Vault,
    crate::services::handoffs::AgreementSet,
)> {
    let secrets = crate::config::Secrets::resolve(settings)?;
    let vault = crate::crypto::Vault::with_retired(&secrets.data_key, &secrets.retired_data_keys);
    let mut conn = open(settings)?;
    let set = crate::services::handoffs::load(
        &mut conn,
        &settings.agreements.dir,
        &settings.agreements.known_agencies_file,
        now(),
    )
    .map_err(|problems| anyhow::anyhow!("invalid agreements: {}", problems.join("; ")))?;
    Ok((conn, vault, set))
}

fn print_passwords(created: &[(String, String)]) {
    if created.is_empty() {
        return;
    }
    say("Demo users (passwords are shown only now):");
    for (username, password) in created {
        let (agency, roles) = crate::demo::DEMO_USERS
            .iter()
            .find(|(name, ..)| name == username)
            .map(|(_, agency, roles)| (*agency, roles.join(", ")))
            .unwrap_or_default();
        say(&format!(
            "  {username:<20} {password:<44} {agency} ({roles})"
        ));
    }
    say(
        "To walk a case: sign in as demo.caseworker, take a case in under \"New case\" (give an incident date), record consent for a police report, refer it to POLDA-JATENG; then sign in as demo.investigator and accept it in the inbox.",
    );
}

/// `serve --demo`: SQLite only, never in production; seeds only an empty database.
pub(super) fn before_serving(settings: &Settings) -> anyhow::Result<()> {
    use secrecy::ExposeSecret;
    refuse_demo_in_production(settings)?;
    if DatabaseUrl::parse(settings.database.url.expose_secret())?.backend() != db::Backend::Sqlite {
        anyhow::bail!(
            "--demo is refused on PostgreSQL; use rujukan demo seed on a scratch database instead"
        );
    }
    let (mut conn, vault, set) = open_for_demo(settings)?;
    if !crate::demo::is_empty(&mut conn).map_err(one_line)? {
        tracing::info!("the database has data already: no demo data added");
        return Ok(());
    }
    let hasher = PasswordHasher::new(&settings.auth)?;
    let created =
        crate::demo::seed_people(&mut conn, &hasher, &settings.agreements.known_agencies_file)
            .map_err(one_line)?;
    crate::demo::seed_cases(&mut conn, &vault, &set, 24, 2026).map_err(one_line)?;
    print_passwords(&created);
    Ok(())
}

/// `demo seed`: the demo agencies and users if missing, then N synthetic cases written in bulk.
pub(super) fn seed(mut settings: Settings, args: DemoSeedArgs) -> anyhow::Result<()> {
    apply_database_url(&mut settings, args.database)?;
    refuse_demo_in_production(&settings)?;
    let started = std::time::Instant::now();
    let (mut conn, vault, set) = open_for_demo(&settings)?;
    let hasher = PasswordHasher::new(&settings.auth)?;
    let created =
        crate::demo::seed_people(&mut conn, &hasher, &settings.agreements.known_agencies_file)
            .map_err(one_line)?;
    print_passwords(&created);
    let rules =
        crate::deadlines::load_checked(&settings.deadlines.dir, &settings.deadlines.holidays_dir)?;
    let seeded =
        crate::demo::bulk::seed_cases_bulk(&mut conn, &vault, &set, &rules, args.cases, args.seed)
            .map_err(one_line)?;
    say(&format!(
        "{} cases and {} handoffs added in {:.1} s (statistics rebuilt: {} counts)",
        seeded.cases,
        seeded.handoffs,
        started.elapsed().as_secs_f64(),
        seeded.counts
    ));
    Ok(())
}
