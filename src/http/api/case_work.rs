//! `/api/v1/cases/{id}/reopen` and `/assign`: the owner reopens a closed case with a reason, a
//! supervisor of the owning agency gives the case to another of its caseworkers.

use actix_web::{post, web};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::db::Db;
use crate::error::{AppError, Problem};
use crate::http::session::RequestCtx;
use crate::services::cases::{self, CaseDetail};

/// Reopen a closed case.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReopenBody {
    /// Reason code (`reopen.reason`).
    pub reason: String,
}

/// Reopen a closed case with a reason code (not one closed because the survivor died or as a
/// duplicate): the owner's act.
#[utoipa::path(
    operation_id = "cases_reopen",
    post, path = "/api/v1/cases/{id}/reopen", tag = "cases", params(("id" = i64, Path, description = "Case id")), security(("bearer" = [])),
    request_body(content = ReopenBody, example = json!({"reason": "new_incident"})),
    responses(
        (status = 200, description = "Open again", body = CaseDetail),
        (status = 403, description = "`auth.forbidden`: your role does not allow this; `access.not_held`, `access.pending`: your agency does not own the case", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`: no such case, or not visible to you", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`case.open`: the case is open", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation.failed`: an unknown reason, or a case closed because the survivor died or as a duplicate", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api/v1/cases/{id}/reopen")]
pub async fn reopen(
    db: web::Data<Db>,
    RequestCtx(ctx): RequestCtx,
    id: web::Path<i64>,
    body: web::Json<ReopenBody>,
) -> Result<web::Json<CaseDetail>, AppError> {
    let id = id.into_inner();
    let reason = body.into_inner().reason;
    Ok(web::Json(
        db.run(move |conn| cases::reopen(conn, &ctx, id, &reason))
            .await?,
    ))
}

/// Give a case to a caseworker.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignBody {
    /// Username of an active caseworker or supervisor of the agency that owns the case.
    pub username: String,
}

/// Give a case to another caseworker of the owning agency (its supervisors).
#[utoipa::path(
    operation_id = "cases_assign",
    post, path = "/api/v1/cases/{id}/assign", tag = "cases", params(("id" = i64, Path, description = "Case id")), security(("bearer" = [])),
    request_body(content = AssignBody, example = json!({"username": "sari.caseworker"})),
    responses(
        (status = 200, description = "Assigned (`assigned_to`)", body = CaseDetail),
        (status = 403, description = "`auth.forbidden`: only a supervisor assigns; `access.not_held`, `access.pending`: your agency does not own the case", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`: no such case, or not visible to you", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation.failed`: `username` is not an active caseworker or supervisor of the owning agency", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api/v1/cases/{id}/assign")]
pub async fn assign(
    db: web::Data<Db>,
    RequestCtx(ctx): RequestCtx,
    id: web::Path<i64>,
    body: web::Json<AssignBody>,
) -> Result<web::Json<CaseDetail>, AppError> {
    let id = id.into_inner();
    let username = body.into_inner().username;
    Ok(web::Json(
        db.run(move |conn| cases::assign(conn, &ctx, id, &username))
            .await?,
    ))
}
