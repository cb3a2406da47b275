//! Exports of a case's audit trail as JSON or CSV, each recorded in the trail it exports.

use chrono::{DateTime, Utc};
use diesel::Connection;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::{AuditEntry, agency_codes, entry_of, entry_visible, handoff_ends, load, viewer_of};
use crate::audit::{self, AuditAction, Ctx, Event};
use crate::authz::Action;
use crate::db::DbConnection;
use crate::domain::utc;
use crate::error::AppError;

/// Export formats of a case's audit trail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    /// `{"case_id", "case_number", "exported_at", "entries": [AuditEntry…]}`.
    Json,
    /// One row per entry, the columns of [`AuditEntry`]; formula-like cells neutralised.
    Csv,
}

/// The JSON export of a case's audit trail.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AuditExport {
    /// Case id.
    pub case_id: i64,
    /// Case number.
    pub case_number: String,
    /// When the export was made (its own record is among the entries).
    pub exported_at: DateTime<Utc>,
    /// The entries the caller may export, oldest first.
    pub entries: Vec<AuditEntry>,
}

/// An export ready to send.
#[derive(Debug)]
pub struct Export {
    /// Media type.
    pub content_type: &'static str,
    /// File name offered to the browser (case id only: no case content in names).
    pub filename: String,
    /// The file.
    pub body: Vec<u8>,
}

/// A case's full audit trail for supervisors and auditors. The export is recorded first, in the
/// same transaction, so the file contains the record of its own making.
pub fn export(
    conn: &mut DbConnection,
    ctx: &Ctx,
    id: i64,
    format: ExportFormat,
) -> Result<Export, AppError> {
    let actor = crate::services::actor(ctx)?;
    let (row, scope) = load(conn, actor, id, Action::AccessLogView)?;
    let viewer = viewer_of(actor, &scope);
    let ends = handoff_ends(conn, id)?;
    let rows = conn.transaction(|conn| {
        audit::record(
            conn,
            ctx,
            Event::new(AuditAction::AuditExported)
                .case(id)
                .subject("case", id)
                .details(json!({"format": match format { ExportFormat::Json => "json", ExportFormat::Csv => "csv" }})),
        )?;
        crate::db::audit::stream(conn, &format!("case:{id}"))
    })?;
    let codes = agency_codes(conn)?;
    let entries: Vec<AuditEntry> = rows
        .into_iter()
        .filter(|r| entry_visible(&viewer, r, &ends))
        .map(|r| entry_of(r, &codes))
        .collect();
    match format {
        ExportFormat::Json => Ok(Export {
            content_type: "application/json",
            filename: format!("rujukan-case-{id}-audit.json"),
            body: serde_json::to_vec_pretty(&AuditExport {
                case_id: row.id,
                case_number: row.case_number,
                exported_at: utc(ctx.now),
                entries,
            })
            .map_err(AppError::internal)?,
        }),
        ExportFormat::Csv => Ok(Export {
            content_type: "text/csv; charset=utf-8",
            filename: format!("rujukan-case-{id}-audit.csv"),
            body: csv_of(&entries).map_err(AppError::internal)?,
        }),
    }
}

/// Neutralises a cell a spreadsheet would read as a formula (OWASP CSV injection): a leading
/// `=`, `+`, `-`, `@`, tab or carriage return gets a `'` in front.
pub fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

fn csv_of(entries: &[AuditEntry]) -> Result<Vec<u8>, csv::Error> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record([
        "id",
        "occurred_at",
        "stream",
        "seq",
        "action",
        "actor_user_id",
        "actor_username",
        "actor_agency_id",
        "actor_agency",
        "actor_roles",
        "subject_type",
        "subject_id",
        "case_id",
        "request_id",
        "client_ip",
        "details",
        "prev_hash",
        "hash",
    ])?;
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let number = |v: Option<i64>| v.map(|n| n.to_string()).unwrap_or_default();
    for e in entries {
        let cells = [
            e.id.to_string(),
            e.occurred_at.clone(),
            e.stream.clone(),
            e.seq.to_string(),
            e.action.clone(),
            number(e.actor_user_id),
            text(&e.actor_username),
            number(e.actor_agency_id),
            text(&e.actor_agency),
            text(&e.actor_roles),
            text(&e.subject_type),
            text(&e.subject_id),
            number(e.case_id),
            text(&e.request_id),
            text(&e.client_ip),
            e.details.clone(),
            e.prev_hash.clone(),
            e.hash.clone(),
        ];
        out.write_record(cells.iter().map(|c| neutralise(c).into_owned()))?;
    }
    out.into_inner()
        .map_err(|e| csv::Error::from(e.into_error()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_like_cells_are_neutralised() {
        for cell in ["=HYPERLINK(\"x\")", "+1", "-2", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(neutralise(cell), format!("'{cell}"));
        }
        for cell in ["case.viewed", "{\"a\":1}", "", "1-2"] {
            assert_eq!(neutralise(cell), cell);
        }
    }
}
