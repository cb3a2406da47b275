//! Whose figures a caller sees: a supervisor its agency's, an auditor its province's (a national
//! auditor any), and nothing outside that even when asked for.

use super::StatsQuery;
use crate::audit::Ctx;
use crate::authz::{self, Action, Resource};
use crate::db::{DbConnection, agencies};
use crate::domain::Invalid;
use crate::domain::user::Role;
use crate::error::AppError;

/// The scope of an answer: the province, agency id and agency code the figures are limited to.
pub(super) type Scope = (Option<String>, Option<i64>, Option<String>);

/// The caller's scope: supervisors their agency, auditors their province (national: any).
pub(super) fn scope(
    conn: &mut DbConnection,
    ctx: &Ctx,
    query: &StatsQuery,
) -> Result<Scope, AppError> {
    let actor = crate::services::actor(ctx)?;
    authz::can(actor, Action::StatsView, Resource::System)?;
    let asked_agency = match query
        .agency
        .as_deref()
        .map(str::trim)
        .filter(|a| !a.is_empty())
    {
        Some(code) => Some(
            agencies::by_code(conn, code)?
                .ok_or_else(|| Invalid::new("agency", format!("unknown agency {code:?}")))?,
        ),
        None => None,
    };
    let asked_province = match query
        .province
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        Some(p) => Some(
            crate::domain::agency::ProvinceCode::parse(p)
                .map_err(|e| Invalid::new("province", e.message))?
                .as_string(),
        ),
        None => None,
    };
    if actor.has(Role::Auditor) {
        // National auditors see everything; provincial auditors their province.
        let province = match (&actor.province, asked_province) {
            (Some(own), Some(asked)) if *own != asked => return Err(AppError::Forbidden),
            (Some(own), _) => Some(own.clone()),
            (None, asked) => asked,
        };
        if let (Some(p), Some(a)) = (&province, &asked_agency)
            && a.province.as_ref().is_some_and(|ap| ap != p)
        {
            return Err(AppError::Forbidden);
        }
        return Ok((
            province,
            asked_agency.as_ref().map(|a| a.id),
            asked_agency.map(|a| a.code),
        ));
    }
    // Supervisors: their own agency's figures.
    if asked_agency
        .as_ref()
        .is_some_and(|a| a.id != actor.agency_id)
    {
        return Err(AppError::Forbidden);
    }
    Ok((
        asked_province,
        Some(actor.agency_id),
        Some(actor.agency_code.clone()),
    ))
}
