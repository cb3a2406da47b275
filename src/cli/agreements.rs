//! `rujukan agreements check`.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::{CheckFailed, say};
use crate::config::Settings;

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

/// `agreements check`: every agreement and deadline file, without a database.
pub(super) fn check(settings: Settings, args: AgreementsCheckArgs) -> anyhow::Result<()> {
    let dir = args.dir.unwrap_or_else(|| settings.agreements.dir.clone());
    let known =
        crate::services::handoffs::known_agencies(None, &settings.agreements.known_agencies_file)
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
    match crate::deadlines::load(&settings.deadlines.dir, &settings.deadlines.holidays_dir) {
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
