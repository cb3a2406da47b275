//! The `rujukan` command line (CONTRACT.md): one binary, one subcommand per job. Every failure
//! is one line on standard error and exit code 1; usage mistakes exit with 2.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use secrecy::SecretString;

use crate::audit::Ctx;
use crate::auth::password::PasswordHasher;
use crate::config::{Environment, Settings};
use crate::db::{self, DatabaseUrl};
use crate::domain::agency::AgencyInput;
use crate::error::AppError;
use crate::services::accounts::{self, UserInput};
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

/// `rujukan keys …`
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Re-encrypt everything still sealed under a retired data key with security.data_key and
    /// rebuild the NIK and passport blind indexes; resumable, safe while serve runs (restart serve
    /// with the new configuration first). Prints the counts per kind.
    Rotate(KeysRotateArgs),
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

/// `rujukan stats …`
#[derive(Debug, Subcommand)]
pub enum StatsCommand {
    /// Recompute every statistics count from the cases, handoffs and deadline steps (for data from
    /// before the statistics existed); prints how many counts it wrote and whether the kept counts
    /// agreed.
    Rebuild(DatabaseOnlyArgs),
}

/// Options of commands that only need the database.
#[derive(Debug, Args)]
pub struct DatabaseOnlyArgs {
    /// Database options.
    #[command(flatten)]
    pub database: DatabaseArgs,
}

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

/// `rujukan agency …`
#[derive(Debug, Subcommand)]
pub enum AgencyCommand {
    /// Create an agency.
    Add(AgencyAddArgs),
    /// Add the agencies of a seed file that do not exist yet (default: config/seed/agencies.toml).
    Import(AgencyImportArgs),
}

/// Options of `agency add`.
#[derive(Debug, Args)]
pub struct AgencyAddArgs {
    /// Stable code, e.g. POLDA-JATENG.
    #[arg(long)]
    pub code: String,
    /// Name.
    #[arg(long)]
    pub name: String,
    /// Kind: service_unit, disnaker, bp3mi, police, prosecutor, court, health, shelter, legal_aid, lpsk, social_affairs, ngo, mission_abroad.
    #[arg(long)]
    pub kind: String,
    /// Kemendagri province code, e.g. 33 (Jawa Tengah), 52 (NTB); omit for national agencies.
    #[arg(long)]
    pub province: Option<String>,
    /// national, province (default) or regency.
    #[arg(long)]
    pub level: Option<String>,
    /// Kemendagri kabupaten/kota code (regency level).
    #[arg(long)]
    pub region: Option<String>,
    /// Parent agency code.
    #[arg(long)]
    pub parent: Option<String>,
    /// Contact e-mail.
    #[arg(long)]
    pub email: Option<String>,
    /// Designate the agency to audit: its users may hold the auditor role.
    #[arg(long)]
    pub audits: bool,
    /// Database options.
    #[command(flatten)]
    pub database: DatabaseArgs,
}

/// Options of `agency import`.
#[derive(Debug, Args)]
pub struct AgencyImportArgs {
    /// Seed file (default: <config dir>/seed/agencies.toml).
    pub file: Option<PathBuf>,
    /// Database options.
    #[command(flatten)]
    pub database: DatabaseArgs,
}

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

/// `rujukan agreements …`
#[derive(Debug, Subcommand)]
pub enum AgreementsCommand {
    /// Validate every agreement file without touching the database; prints FILE:LINE: message per problem.
    Check(AgreementsCheckArgs),
}

/// Options of `agreements check`.
#[derive(Debug, Args)]
pub struct AgreementsCheckArgs {
    /// Folder of agreement files (default: agreements.dir).
    pub dir: Option<PathBuf>,
}

/// `rujukan user …`
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user; the password is read as one line from standard input.
    Add(UserAddArgs),
}

/// Options of `user add`.
#[derive(Debug, Args)]
pub struct UserAddArgs {
    /// Login name.
    #[arg(long)]
    pub username: String,
    /// Agency code.
    #[arg(long)]
    pub agency: String,
    /// Role (repeat for several): caseworker, supervisor, investigator, prosecutor, court_clerk, agency_admin, auditor, sysadmin.
    #[arg(long = "role", required = true)]
    pub roles: Vec<String>,
    /// E-mail.
    #[arg(long)]
    pub email: Option<String>,
    /// Display name (default: the username).
    #[arg(long)]
    pub display_name: Option<String>,
    /// Language: id (default) or en.
    #[arg(long)]
    pub language: Option<String>,
    /// Database options.
    #[command(flatten)]
    pub database: DatabaseArgs,
}

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
    let mut settings = Settings::load(&cli.config_dir, &environment)?;
    let cli_config_dir = cli.config_dir.clone();
    match cli.command {
        Command::Serve(args) => {
            if let Some(bind) = args.bind {
                settings.server.bind = bind;
            }
            apply_database_url(&mut settings, args.database)?;
            telemetry::init(&settings.log);
            if args.demo {
                demo_before_serving(&settings)?;
            }
            serve(settings)
        }
        Command::Migrate(args) => {
            apply_database_url(&mut settings, args)?;
            telemetry::init(&settings.log);
            migrate(&settings)
        }
        Command::Agency(AgencyCommand::Add(args)) => {
            apply_database_url(
                &mut settings,
                DatabaseArgs {
                    database_url: args.database.database_url.clone(),
                },
            )?;
            let input = AgencyInput {
                code: args.code,
                name: args.name,
                kind: args.kind,
                level: args.level,
                province: args.province,
                region: args.region,
                parent: args.parent,
                email: args.email,
                unverified: false,
                audits: args.audits,
            };
            let mut conn = open(&settings)?;
            let row = accounts::create_agency(&mut conn, &Ctx::operator(now()), input)
                .map_err(one_line)?;
            say(&format!("agency {} created (id {})", row.code, row.id));
            Ok(())
        }
        Command::Agency(AgencyCommand::Import(args)) => {
            apply_database_url(&mut settings, args.database)?;
            let file = args
                .file
                .unwrap_or_else(|| cli_config_dir.join(crate::seed::AGENCIES_FILE));
            let entries = crate::seed::read_agencies(&file)?;
            let total = entries.len();
            let mut conn = open(&settings)?;
            let added = crate::seed::import_agencies(&mut conn, &Ctx::operator(now()), entries)
                .map_err(one_line)?;
            say(&format!(
                "{}: {added} agencies added, {} already present",
                file.display(),
                total - added
            ));
            Ok(())
        }
        Command::Audit(AuditCommand::Verify(args)) => {
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
        Command::Audit(AuditCommand::Checkpoint(args)) => {
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
        Command::Stats(StatsCommand::Rebuild(args)) => {
            apply_database_url(&mut settings, args.database)?;
            let rules = crate::deadlines::load_checked(
                &settings.deadlines.dir,
                &settings.deadlines.holidays_dir,
            )?;
            let mut conn = open(&settings)?;
            let kept = crate::db::stats::all(&mut conn)?;
            let started = std::time::Instant::now();
            let written =
                crate::services::stats_upkeep::rebuild(&mut conn, &rules).map_err(one_line)?;
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
        Command::Keys(KeysCommand::Rotate(args)) => {
            apply_database_url(&mut settings, args.database)?;
            rotate_keys(&settings, args.batch_size)
        }
        Command::Deadlines(DeadlinesCommand::Sweep(args)) => {
            let at = match &args.at {
                Some(text) => chrono::DateTime::parse_from_rfc3339(text)
                    .map_err(|e| anyhow::anyhow!("--at {text:?} is not an RFC 3339 instant (e.g. 2026-11-29T08:00:00Z): {e}"))?
                    .naive_utc(),
                None => now(),
            };
            apply_database_url(&mut settings, args.database)?;
            let rules = crate::deadlines::load_checked(
                &settings.deadlines.dir,
                &settings.deadlines.holidays_dir,
            )?;
            let mailer =
                crate::notify::Mailer::from_settings(&settings.email, &settings.storage.data_dir)?;
            let mut conn = open(&settings)?;
            let report = crate::services::deadlines::sweep(&mut conn, &rules, at, now())
                .map_err(one_line)?;
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
        Command::Demo(DemoCommand::Seed(args)) => {
            apply_database_url(&mut settings, args.database)?;
            refuse_demo_in_production(&settings)?;
            let started = std::time::Instant::now();
            let (mut conn, vault, set) = open_for_demo(&settings)?;
            let hasher = PasswordHasher::new(&settings.auth)?;
            let created = crate::demo::seed_people(
                &mut conn,
                &hasher,
                &settings.agreements.known_agencies_file,
            )
            .map_err(one_line)?;
            print_passwords(&created);
            let handoffs = crate::demo::seed_cases(&mut conn, &vault, &set, args.cases, args.seed)
                .map_err(one_line)?;
            say(&format!(
                "{} cases and {handoffs} handoffs added in {:.1} s",
                args.cases,
                started.elapsed().as_secs_f64()
            ));
            Ok(())
        }
        Command::Agreements(AgreementsCommand::Check(args)) => {
            let dir = args.dir.unwrap_or_else(|| settings.agreements.dir.clone());
            let known = crate::services::handoffs::known_agencies(
                None,
                &settings.agreements.known_agencies_file,
            )
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            let mut problems = Vec::new();
            match crate::agreements::load_dir(&dir, &known) {
                Ok(agreements) => {
                    for a in &agreements {
                        say(&format!(
                            "{}: {} version {} ({} handoffs, {} parties) valid",
                            a.source.display(),
                            a.id,
                            a.version,
                            a.handoffs.len(),
                            a.parties.len()
                        ));
                    }
                    say(&format!("{} agreement file(s) valid", agreements.len()));
                }
                Err(found) => problems.extend(found),
            }
            match crate::deadlines::load(&settings.deadlines.dir, &settings.deadlines.holidays_dir)
            {
                Ok(rules) => say(&format!(
                    "{}: {} deadline rule(s) valid; {}: {} holiday(s)",
                    settings.deadlines.dir.display(),
                    rules.rules.len(),
                    settings.deadlines.holidays_dir.display(),
                    rules.holidays.len()
                )),
                Err(found) => problems.extend(found),
            }
            if problems.is_empty() {
                Ok(())
            } else {
                for problem in &problems {
                    eprintln!("{problem}");
                }
                Err(CheckFailed(problems.len()).into())
            }
        }
        Command::User(UserCommand::Add(args)) => {
            apply_database_url(
                &mut settings,
                DatabaseArgs {
                    database_url: args.database.database_url.clone(),
                },
            )?;
            let mut password = String::new();
            std::io::stdin().read_line(&mut password).map_err(|e| {
                anyhow::anyhow!("cannot read the password from standard input: {e}")
            })?;
            let password = password.trim_end_matches(['\n', '\r']).to_owned();
            if password.is_empty() {
                anyhow::bail!("password: give it as one line on standard input");
            }
            let hasher = PasswordHasher::new(&settings.auth)?;
            let input = UserInput {
                username: args.username,
                display_name: args.display_name,
                email: args.email,
                agency: args.agency,
                roles: args.roles,
                language: args.language,
                password,
            };
            let mut conn = open(&settings)?;
            let view = accounts::create_user(&mut conn, &Ctx::operator(now()), &hasher, input)
                .map_err(one_line)?;
            say(&format!(
                "user {} created (id {}, agency {}, roles {})",
                view.user.username,
                view.user.id,
                view.agency_code,
                view.roles.join(",")
            ));
            Ok(())
        }
    }
}

/// `keys rotate`: progress per batch, the counts per kind, then whether anything stays behind.
fn rotate_keys(settings: &Settings, batch: std::num::NonZeroU32) -> anyhow::Result<()> {
    use crate::services::keys::{self, Sealed};
    let secrets = crate::config::Secrets::resolve(settings)?;
    let vault = crate::crypto::Vault::with_retired(&secrets.data_key, &secrets.retired_data_keys);
    let mut conn = open(settings)?;
    let started = std::time::Instant::now();
    let rotation = keys::rotate(
        &mut conn,
        &Ctx::operator(now()),
        &vault,
        &settings.storage.data_dir,
        batch,
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

fn refuse_demo_in_production(settings: &Settings) -> anyhow::Result<()> {
    if settings.environment.is_production() {
        anyhow::bail!("demo data is refused when RUJUKAN_ENV=production");
    }
    Ok(())
}

/// Reads checkpoints kept outside Rujukan: one JSON object per line.
fn read_checkpoints(path: &Path) -> anyhow::Result<Vec<crate::audit_checkpoint::Checkpoint>> {
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
fn demo_before_serving(settings: &Settings) -> anyhow::Result<()> {
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

/// `agreements check` found problems (already printed, one per line).
#[derive(Debug, thiserror::Error)]
#[error("{0} problem(s) in the agreement files")]
pub struct CheckFailed(usize);

fn now() -> chrono::NaiveDateTime {
    chrono::Utc::now().naive_utc()
}

/// Opens the database and applies pending migrations.
fn open(settings: &Settings) -> anyhow::Result<db::DbConnection> {
    open_migrated(settings).map(|(conn, _)| conn)
}

/// Opens the database and applies pending migrations; also returns the versions applied now.
fn open_migrated(settings: &Settings) -> anyhow::Result<(db::DbConnection, Vec<String>)> {
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
fn one_line(error: AppError) -> anyhow::Error {
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
fn say(line: &str) {
    println!("{line}");
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
