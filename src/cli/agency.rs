//! `rujukan agency add` and `agency import`.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};

use super::{DatabaseArgs, apply_database_url, now, one_line, open, say};
use crate::audit::Ctx;
use crate::config::Settings;
use crate::domain::agency::AgencyInput;
use crate::services::accounts::{self};

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
    /// Postal address for the letterhead of its referral letters (use \n between lines).
    #[arg(long)]
    pub address: Option<String>,
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

/// `agency add`: creates an agency.
pub(super) fn add(mut settings: Settings, args: AgencyAddArgs) -> anyhow::Result<()> {
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
        address: args.address.map(|a| a.replace("\\n", "\n")),
    };
    let mut conn = open(&settings)?;
    let row = accounts::create_agency(&mut conn, &Ctx::operator(now()), input).map_err(one_line)?;
    say(&format!("agency {} created (id {})", row.code, row.id));
    Ok(())
}

/// `agency import`: adds the agencies of a seed file not yet present.
pub(super) fn import(
    mut settings: Settings,
    config_dir: &Path,
    args: AgencyImportArgs,
) -> anyhow::Result<()> {
    apply_database_url(&mut settings, args.database)?;
    let file = args
        .file
        .unwrap_or_else(|| config_dir.join(crate::seed::AGENCIES_FILE));
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
