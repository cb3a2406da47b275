//! The agreements in force: loaded from their folder against the known agencies, each version
//! stored with its hash (a changed text needs a new version), and the rule a handoff was sent
//! under, read back from the stored version.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::NaiveDateTime;
use diesel::Connection;

use crate::agreements::{self, Agreement, HandoffRule, KnownAgencies};
use crate::db::handoffs::HandoffRow;
use crate::db::{DbConnection, agencies};
use crate::domain::agency::AgencyKind;
use crate::error::AppError;

/// The agreements in force, each with the row id of its stored version.
#[derive(Debug, Clone, Default)]
pub struct AgreementSet {
    /// Current versions.
    pub agreements: Vec<Agreement>,
    /// `(agreement id, version)` → stored row id.
    pub version_ids: BTreeMap<(String, i32), i64>,
}

impl AgreementSet {
    /// The stored row id of an agreement's version.
    pub fn version_id(&self, agreement: &Agreement) -> Option<i64> {
        self.version_ids
            .get(&(agreement.id.clone(), agreement.version))
            .copied()
    }
}

/// Agencies party codes may name: the database's and those of the known-agencies file.
pub fn known_agencies(
    conn: Option<&mut DbConnection>,
    file: &Path,
) -> Result<KnownAgencies, String> {
    let mut known = KnownAgencies::new();
    if file.exists() {
        let entries = crate::seed::read_agencies(file).map_err(|e| e.to_string())?;
        for entry in entries {
            if let Ok(kind) = AgencyKind::parse(entry.kind.trim()) {
                known.insert(entry.code.trim().to_owned(), kind);
            }
        }
    }
    if let Some(conn) = conn {
        let rows = agencies::list(conn, None, i64::MAX).map_err(|e| e.to_string())?;
        for row in rows {
            if let Ok(kind) = AgencyKind::parse(&row.kind) {
                known.insert(row.code, kind);
            }
        }
    }
    Ok(known)
}

/// Stores each agreement version not stored yet. Refuses a version whose text changed without a
/// new version number, and a version lower than one already in force.
pub fn sync_versions(
    conn: &mut DbConnection,
    agreements: Vec<Agreement>,
    now: NaiveDateTime,
) -> Result<AgreementSet, Vec<String>> {
    let mut problems = Vec::new();
    let mut set = AgreementSet::default();
    let outcome = conn.transaction(|conn| -> Result<(), diesel::result::Error> {
        for agreement in &agreements {
            let stored = crate::db::handoffs::versions_of(conn, &agreement.id)?;
            let file = agreement.source.display();
            if let Some(same) = stored.iter().find(|v| v.version == agreement.version) {
                if same.content_hash != agreement.content_hash {
                    problems.push(format!(
                        "{file}:2: version {} of agreement {} was changed after it came into use; raise the version",
                        agreement.version, agreement.id
                    ));
                } else {
                    set.version_ids.insert((agreement.id.clone(), agreement.version), same.id);
                }
                continue;
            }
            if let Some(newest) = stored.first()
                && newest.version > agreement.version
            {
                problems.push(format!(
                    "{file}:2: version {} of agreement {} is lower than version {} already in force",
                    agreement.version, agreement.id, newest.version
                ));
                continue;
            }
            let id = crate::db::handoffs::insert_version(
                conn,
                &agreement.id,
                agreement.version,
                &agreement.title,
                &agreement.content_hash,
                &agreement.content,
                agreement.effective_from,
                now,
            )?;
            set.version_ids.insert((agreement.id.clone(), agreement.version), id);
        }
        if problems.is_empty() { Ok(()) } else { Err(diesel::result::Error::RollbackTransaction) }
    });
    match outcome {
        Ok(()) => {
            set.agreements = agreements;
            Ok(set)
        }
        Err(diesel::result::Error::RollbackTransaction) => Err(problems),
        Err(e) => Err(vec![format!("storing agreement versions: {e}")]),
    }
}

/// Loads the agreement folder against the known agencies and stores new versions.
pub fn load(
    conn: &mut DbConnection,
    dir: &Path,
    known_file: &Path,
    now: NaiveDateTime,
) -> Result<AgreementSet, Vec<String>> {
    let known = known_agencies(Some(conn), known_file).map_err(|e| vec![e])?;
    let agreements = agreements::load_dir(dir, &known)
        .map_err(|problems| problems.iter().map(ToString::to_string).collect::<Vec<_>>())?;
    sync_versions(conn, agreements, now)
}

/// The rule a handoff was sent under, from the stored agreement version (even if the file changed since).
pub(crate) fn rule_of(conn: &mut DbConnection, row: &HandoffRow) -> Result<HandoffRule, AppError> {
    rule_and_version_of(conn, row).map(|(rule, _)| rule)
}

/// [`rule_of`], with the agreement's id and version.
pub(crate) fn rule_and_version_of(
    conn: &mut DbConnection,
    row: &HandoffRow,
) -> Result<(HandoffRule, (String, i32)), AppError> {
    let version = crate::db::handoffs::version_by_id(conn, row.agreement_version_id)?
        .ok_or(AppError::NotFound)?;
    let agreement =
        agreements::parse_file(Path::new(&version.agreement_id), &version.content, None)
            .map_err(|p| AppError::internal(format!("stored agreement no longer parses: {p:?}")))?;
    let rule = agreement
        .rule(&row.rule_id)
        .cloned()
        .ok_or_else(|| AppError::internal("stored agreement lacks the handoff"))?;
    Ok((rule, (version.agreement_id, version.version)))
}
