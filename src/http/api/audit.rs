//! Reading the audit trail: case timelines, access logs, case trail exports, the audit search and
//! the signed checkpoints.

use actix_web::{HttpResponse, get, http::header, web};
use serde::Deserialize;

use super::Page;
use super::dto::List;
use crate::audit::checkpoint::Checkpoint;
use crate::authz::{self, Action, Resource};
use crate::db::Db;
use crate::error::{AppError, Problem};
use crate::http::session::{CurrentUser, RequestCtx};
use crate::services::audit_trail::{
    self, AccessLog, AuditEntry, AuditExport, AuditQuery, ExportFormat, Timeline,
};

/// A case's story, oldest first: intake, changes, consents, stages, handoffs with their clocks.
/// Each party sees the events about what it may see; auditors of the case's province see all.
#[utoipa::path(
    operation_id = "cases_timeline",
    get, path = "/api/v1/cases/{id}/timeline", tag = "audit", params(("id" = i64, Path, description = "Case id")), security(("bearer" = [])),
    responses(
        (status = 200, description = "The timeline", body = Timeline),
        (status = 403, description = "`auth.forbidden`: your role does not read timelines", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`: no such case, or not visible to you", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/cases/{id}/timeline")]
pub async fn timeline(
    db: web::Data<Db>,
    RequestCtx(ctx): RequestCtx,
    id: web::Path<i64>,
) -> Result<web::Json<Timeline>, AppError> {
    let id = id.into_inner();
    Ok(web::Json(
        db.run(move |conn| audit_trail::timeline(conn, &ctx, id))
            .await?,
    ))
}

/// Who read the case's details, revealed the identity, downloaded a document or exported the
/// trail, newest first. Supervisors of the case's parties and auditors.
#[utoipa::path(
    operation_id = "cases_access_log",
    get, path = "/api/v1/cases/{id}/access-log", tag = "audit", params(("id" = i64, Path, description = "Case id")), security(("bearer" = [])),
    responses(
        (status = 200, description = "The access log", body = AccessLog),
        (status = 403, description = "`auth.forbidden`: your role does not read access logs", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`: no such case, or not visible to you", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/cases/{id}/access-log")]
pub async fn access_log(
    db: web::Data<Db>,
    RequestCtx(ctx): RequestCtx,
    id: web::Path<i64>,
) -> Result<web::Json<AccessLog>, AppError> {
    let id = id.into_inner();
    Ok(web::Json(
        db.run(move |conn| audit_trail::access_log(conn, &ctx, id))
            .await?,
    ))
}

/// `?format=` of the export.
#[derive(Debug, Clone, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ExportQuery {
    /// `json` or `csv`.
    #[param(inline)]
    pub format: ExportFormat,
}

/// Download a case's whole audit trail (every field, with its hashes) as JSON or CSV. The export
/// is itself recorded, and the file contains that record.
#[utoipa::path(
    operation_id = "cases_audit_export",
    get, path = "/api/v1/cases/{id}/audit-export", tag = "audit",
    params(("id" = i64, Path, description = "Case id"), ExportQuery), security(("bearer" = [])),
    responses(
        (status = 200, description = "The trail as a download (`Content-Disposition: attachment`)", content(
            (AuditExport = "application/json"),
            (String = "text/csv"),
        )),
        (status = 400, description = "`request.invalid_query`: no `format`, an unknown format or an unknown parameter", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`auth.forbidden`: your role does not export audit trails", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`: no such case, or not visible to you", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/cases/{id}/audit-export")]
pub async fn export(
    db: web::Data<Db>,
    RequestCtx(ctx): RequestCtx,
    id: web::Path<i64>,
    query: web::Query<ExportQuery>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let format = query.into_inner().format;
    let file = db
        .run(move |conn| audit_trail::export(conn, &ctx, id, format))
        .await?;
    Ok(HttpResponse::Ok()
        .content_type(file.content_type)
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{}\"", file.filename),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(file.body))
}

/// Search the audit trail, newest first (auditors; provincial auditors see their province's cases
/// and agencies).
#[utoipa::path(
    operation_id = "audit_search",
    get, path = "/api/v1/audit/events", tag = "audit", params(AuditQuery), security(("bearer" = [])),
    responses(
        (status = 200, description = "Matching entries", body = List<AuditEntry>),
        (status = 400, description = "`request.invalid_query`: an unknown parameter, `limit` below 1 or a bad cursor", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`auth.forbidden`: only auditors search the trail", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`: the case filter names no case you may audit", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation.failed`: an unknown action or agency, bad dates, or `to` not after `from`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/audit/events")]
pub async fn search(
    db: web::Data<Db>,
    RequestCtx(ctx): RequestCtx,
    query: web::Query<AuditQuery>,
) -> Result<web::Json<List<AuditEntry>>, AppError> {
    let query = query.into_inner();
    let (before, limit) = Page::of(query.limit, query.cursor.as_deref())?;
    let rows = db
        .run(move |conn| audit_trail::search(conn, &ctx, &query, before, limit))
        .await?;
    Ok(web::Json(List::page(
        rows,
        limit,
        |r| r.id.to_string(),
        |r| r,
    )))
}

/// The signed checkpoints of the audit trail, oldest first: an auditor keeps them (one JSON object
/// per line) and checks them later with `rujukan audit verify --checkpoints FILE`.
#[utoipa::path(
    operation_id = "audit_checkpoints",
    get, path = "/api/v1/audit/checkpoints", tag = "audit", security(("bearer" = [])),
    responses(
        (status = 200, description = "Every checkpoint", body = Vec<Checkpoint>),
        (status = 403, description = "`auth.forbidden`: only auditors read checkpoints", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/audit/checkpoints")]
pub async fn checkpoints(
    db: web::Data<Db>,
    user: CurrentUser,
) -> Result<web::Json<Vec<Checkpoint>>, AppError> {
    authz::can(&user.actor, Action::AuditSearch, Resource::System)?;
    Ok(web::Json(
        db.run(|conn| Ok(crate::db::checkpoints::all(conn)?))
            .await?,
    ))
}
