//! Reading cases under need-to-know scoping (the case issue adds intake and the full record).

use crate::audit::Ctx;
use crate::authz::{self, Action, Resource};
use crate::db::{DbConnection, agencies, cases};
use crate::error::AppError;

/// The part of a case every party may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseSummary {
    /// The case.
    pub case: cases::CaseCoreRow,
    /// Owner agency code.
    pub owner_agency: String,
}

/// One case, if the actor's agency is a party and the actor's role reads case content;
/// otherwise 404, so existence is not revealed.
pub fn get(conn: &mut DbConnection, ctx: &Ctx, id: i64) -> Result<CaseSummary, AppError> {
    let actor = super::actor(ctx)?;
    let (case, scope) = cases::scope(conn, id)?.ok_or(AppError::NotFound)?;
    authz::can(actor, Action::CaseView, Resource::Case(&scope))?;
    let owner = agencies::by_id(conn, case.owner_agency_id)?.ok_or(AppError::NotFound)?;
    Ok(CaseSummary {
        case,
        owner_agency: owner.code,
    })
}

/// The cases the actor's agency is party to, newest first.
pub fn list(
    conn: &mut DbConnection,
    ctx: &Ctx,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<CaseSummary>, AppError> {
    let actor = super::actor(ctx)?;
    let rows = cases::visible_to(conn, actor.agency_id, before, limit)?;
    let mut out = Vec::with_capacity(rows.len());
    for case in rows {
        let Some((_, scope)) = cases::scope(conn, case.id)? else {
            continue;
        };
        if authz::can(actor, Action::CaseView, Resource::Case(&scope)).is_err() {
            continue;
        }
        let owner = agencies::by_id(conn, case.owner_agency_id)?
            .map(|a| a.code)
            .unwrap_or_default();
        out.push(CaseSummary {
            case,
            owner_agency: owner,
        });
    }
    Ok(out)
}
