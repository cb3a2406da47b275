//! Seed data: the agencies of Central Java, NTB and the national bodies
//! (`config/seed/agencies.toml`), loaded by `rujukan agency import` and by the demo.

use std::path::Path;

use serde::Deserialize;

use crate::audit::Ctx;
use crate::db::{DbConnection, agencies};
use crate::domain::agency::{AgencyInput, NewAgency};
use crate::error::AppError;
use crate::services::accounts;

/// Default location of the agency seed file, relative to the config folder.
pub const AGENCIES_FILE: &str = "seed/agencies.toml";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AgencyFile {
    agency: Vec<AgencyInput>,
}

/// A seed file that cannot be used: one line naming the file and the problem.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    /// Unreadable or not TOML of the expected shape.
    #[error("{path}: {message}")]
    File {
        /// File.
        path: String,
        /// Problem.
        message: String,
    },
    /// An entry is invalid.
    #[error("{path}: agency {index} ({code}): {message}")]
    Entry {
        /// File.
        path: String,
        /// 1-based position.
        index: usize,
        /// Its code as written.
        code: String,
        /// Problems.
        message: String,
    },
}

/// Reads and validates every entry of an agency seed file.
pub fn read_agencies(path: &Path) -> Result<Vec<AgencyInput>, SeedError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| SeedError::File {
        path: shown.clone(),
        message: e.to_string(),
    })?;
    let file: AgencyFile = toml_edit_free_parse(&text).map_err(|message| SeedError::File {
        path: shown.clone(),
        message,
    })?;
    for (index, input) in file.agency.iter().enumerate() {
        NewAgency::parse(input.clone()).map_err(|problems| SeedError::Entry {
            path: shown.clone(),
            index: index + 1,
            code: input.code.clone(),
            message: problems
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; "),
        })?;
    }
    Ok(file.agency)
}

fn toml_edit_free_parse(text: &str) -> Result<AgencyFile, String> {
    use figment::Figment;
    use figment::providers::{Format, Toml};
    Figment::from(Toml::string(text))
        .extract::<AgencyFile>()
        .map_err(|e| e.to_string().replace('\n', " "))
}

/// Inserts the agencies that do not exist yet, in file order (parents first), in one
/// transaction; returns how many were added.
pub fn import_agencies(
    conn: &mut DbConnection,
    ctx: &Ctx,
    entries: Vec<AgencyInput>,
) -> Result<usize, AppError> {
    use diesel::Connection;
    conn.transaction(|conn| {
        let mut added = 0;
        for entry in entries {
            if agencies::by_code(conn, entry.code.trim())?.is_some() {
                continue;
            }
            accounts::create_agency(conn, ctx, entry)?;
            added += 1;
        }
        Ok(added)
    })
}
