//! The audit search for auditors: filters checked (every problem at once), a case outside the
//! auditor's province as unknown as one that does not exist.

use chrono::{DateTime, NaiveDateTime};
use serde::Deserialize;

use super::{AuditEntry, agency_codes, entry_of};
use crate::audit::{AuditAction, Ctx};
use crate::authz::{self, Action, Resource};
use crate::db::DbConnection;
use crate::db::audit::SearchFilter;
use crate::db::cases as case_db;
use crate::domain::Invalid;
use crate::error::AppError;

/// Filters of the audit search, as received.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// Case id or case number (`JT-2026-000123`).
    pub case: Option<String>,
    /// Acting (or attempted) username.
    pub user: Option<String>,
    /// Acting agency code.
    pub agency: Option<String>,
    /// Action code (see `docs/AUDIT.md`).
    pub action: Option<String>,
    /// On or after: `YYYY-MM-DD` or an RFC 3339 instant.
    pub from: Option<String>,
    /// Before: `YYYY-MM-DD` (that whole day included) or an RFC 3339 instant.
    pub to: Option<String>,
    /// Items per page (1–200).
    pub limit: Option<i64>,
    /// Cursor from the previous page.
    pub cursor: Option<String>,
}

/// Parses a `from`/`to` bound; a plain date as `to` includes that whole day.
fn parse_bound(field: &'static str, text: &str, end: bool) -> Result<NaiveDateTime, Invalid> {
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Ok(at.naive_utc());
    }
    crate::domain::parse_date(text)
        .and_then(|d| if end { d.succ_opt() } else { Some(d) })
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .ok_or_else(|| {
            Invalid::new(
                field,
                "must be a date written YYYY-MM-DD or an RFC 3339 instant",
            )
        })
}

/// Audit entries for auditors, newest first: national auditors search everything, provincial
/// auditors the cases and agencies of their province.
pub fn search(
    conn: &mut DbConnection,
    ctx: &Ctx,
    query: &AuditQuery,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<AuditEntry>, AppError> {
    let actor = crate::services::actor(ctx)?;
    authz::can(actor, Action::AuditSearch, Resource::System)?;
    let mut problems = Vec::new();
    let mut filter = SearchFilter {
        username: query.user.clone(),
        province: actor.province.clone(),
        ..SearchFilter::default()
    };
    if let Some(action) = query.action.as_deref() {
        if AuditAction::ALL.iter().any(|a| a.as_str() == action) {
            filter.action = Some(action.to_owned());
        } else {
            problems.push(Invalid::new(
                "action",
                "unknown action code; docs/AUDIT.md lists them",
            ));
        }
    }
    if let Some(code) = query.agency.as_deref() {
        match crate::db::agencies::by_code(conn, code)? {
            Some(agency) => filter.agency_id = Some(agency.id),
            None => problems.push(Invalid::new(
                "agency",
                format!("no agency has the code {code}"),
            )),
        }
    }
    match query.from.as_deref().map(|t| parse_bound("from", t, false)) {
        Some(Ok(at)) => filter.from = Some(at),
        Some(Err(e)) => problems.push(e),
        None => {}
    }
    match query.to.as_deref().map(|t| parse_bound("to", t, true)) {
        Some(Ok(at)) => filter.to = Some(at),
        Some(Err(e)) => problems.push(e),
        None => {}
    }
    if let (Some(from), Some(to)) = (filter.from, filter.to)
        && to <= from
    {
        problems.push(Invalid::new("to", "must be later than from"));
    }
    if !problems.is_empty() {
        return Err(problems.into());
    }
    if let Some(case) = query.case.as_deref() {
        // A case outside the auditor's scope is as unknown as one that does not exist.
        let row = match case.parse::<i64>() {
            Ok(id) => case_db::by_id(conn, id)?,
            Err(_) => case_db::by_number(conn, case)?,
        }
        .ok_or(AppError::NotFound)?;
        if actor.province.as_ref().is_some_and(|p| *p != row.province) {
            return Err(AppError::NotFound);
        }
        filter.case_id = Some(row.id);
    }
    let codes = agency_codes(conn)?;
    Ok(crate::db::audit::search(conn, &filter, before, limit)?
        .into_iter()
        .map(|row| entry_of(row, &codes))
        .collect())
}
