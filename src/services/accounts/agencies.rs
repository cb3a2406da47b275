//! Agencies: created and designated to audit by system administrators, listed for everyone.

use diesel::Connection;
use serde_json::json;

use super::allow;
use crate::audit::{self, AuditAction, Ctx, Event};
use crate::authz::{Action, Resource};
use crate::db::{DbConnection, agencies, users};
use crate::domain::Invalid;
use crate::domain::agency::{AgencyInput, NewAgency};
use crate::domain::user::Role;
use crate::error::AppError;
use crate::error::ErrorCode;

/// Creates an agency; an unknown parent, a duplicate code or an invalid field is refused.
pub fn create_agency(
    conn: &mut DbConnection,
    ctx: &Ctx,
    input: AgencyInput,
) -> Result<agencies::AgencyRow, AppError> {
    allow(ctx, Action::AgencyManage, Resource::System)?;
    let agency = NewAgency::parse(input)?;
    conn.transaction(|conn| {
        if agencies::by_code(conn, agency.code.as_str())?.is_some() {
            return Err(AppError::Conflict {
                code: ErrorCode::ConflictDuplicate,
                detail: format!(
                    "An agency with code {} exists already.",
                    agency.code.as_str()
                ),
            });
        }
        let parent_id = match &agency.parent {
            Some(code) => Some(
                agencies::by_code(conn, code.as_str())?
                    .ok_or_else(|| {
                        Invalid::new("parent", format!("unknown agency {}", code.as_str()))
                    })?
                    .id,
            ),
            None => None,
        };
        let id = agencies::insert(conn, &agency, parent_id, ctx.now)?;
        audit::record(
            conn,
            ctx,
            Event::new(AuditAction::AgencyCreated)
                .subject("agency", id)
                .details(json!({"code": agency.code.as_str(), "kind": agency.kind.as_str(), "audits": agency.audits})),
        )?;
        agencies::by_id(conn, id)?.ok_or(AppError::NotFound)
    })
}

/// Changes to an agency (system administrators).
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgencyPatch {
    /// Designate the agency to audit (its users may hold the `auditor` role), or not. Taking the
    /// designation away is refused while a user of the agency holds the role.
    #[serde(default)]
    pub audits: Option<bool>,
    /// Postal address for the letterhead of its referral letters (lines separated by line
    /// breaks, at most 500 characters); an empty text removes it.
    #[serde(default)]
    pub address: Option<String>,
}

/// Changes an agency; only system administrators.
pub fn update_agency(
    conn: &mut DbConnection,
    ctx: &Ctx,
    code: &str,
    patch: AgencyPatch,
) -> Result<agencies::AgencyRow, AppError> {
    allow(ctx, Action::AgencyManage, Resource::System)?;
    let agency = agencies::by_code(conn, code.trim())?.ok_or(AppError::NotFound)?;
    let address = patch
        .address
        .as_deref()
        .map(crate::domain::agency::parse_address)
        .transpose()?;
    if patch.audits.is_none() && address.is_none() {
        return Ok(agency);
    }
    conn.transaction(|conn| {
        let mut details = json!({"code": agency.code});
        if let Some(audits) = patch.audits {
            if !audits && users::holders_of(conn, agency.id, Role::Auditor.as_str())? > 0 {
                return Err(AppError::Conflict {
                    code: ErrorCode::AgencyAuditorsRemain,
                    detail: format!(
                        "Users of {} hold the auditor role; take it away before ending the designation.",
                        agency.code
                    ),
                });
            }
            agencies::set_audits(conn, agency.id, audits, ctx.now)?;
            details["audits"] = json!(audits);
        }
        if let Some(address) = &address {
            agencies::set_address(conn, agency.id, address.as_deref(), ctx.now)?;
            details["address"] = json!(address.is_some());
        }
        audit::record(
            conn,
            ctx,
            Event::new(AuditAction::AgencyUpdated)
                .subject("agency", agency.id)
                .details(details),
        )?;
        agencies::by_id(conn, agency.id)?.ok_or(AppError::NotFound)
    })
}

/// Lists agencies (every authenticated user may: the refer dialog needs them).
pub fn list_agencies(
    conn: &mut DbConnection,
    ctx: &Ctx,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<agencies::AgencyRow>, AppError> {
    allow(ctx, Action::AgencyList, Resource::System)?;
    Ok(agencies::list(conn, after, limit)?)
}
