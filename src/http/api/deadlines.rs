//! Deadlines: the worklist of overdue and due-soon clocks, a case's deadlines, and the outbox for
//! administrators.

use actix_web::{get, web};

use super::Page;
use super::dto::List;
use crate::db::Db;
use crate::deadlines::DeadlineRules;
use crate::deadlines::engine::Deadline;
use crate::error::{AppError, Problem};
use crate::http::session::RequestCtx;
use crate::services::deadlines::{self, OutboxItem, OutboxQuery, WorkItem, WorklistQuery};

/// The agreement clocks of handoffs your agency sent or received that are overdue or due soon
/// (`state=overdue|due_soon|upcoming` to choose), soonest first: the supervisor's worklist.
#[utoipa::path(
    operation_id = "deadlines_worklist",
    get, path = "/api/v1/deadlines", tag = "deadlines", params(WorklistQuery), security(("bearer" = [])),
    responses(
        (status = 200, description = "Deadlines", body = Vec<WorkItem>),
        (status = 403, description = "`auth.forbidden`: your role does not read cases", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation.failed`: an unknown state", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/deadlines")]
pub async fn worklist(
    db: web::Data<Db>,
    RequestCtx(ctx): RequestCtx,
    query: web::Query<WorklistQuery>,
) -> Result<web::Json<Vec<WorkItem>>, AppError> {
    let query = query.into_inner();
    Ok(web::Json(
        db.run(move |conn| deadlines::worklist(conn, &ctx, &query))
            .await?,
    ))
}

/// A case's deadlines: the statutory rules that apply to it (docs/DEADLINES.md) and the agreement
/// clocks of its handoffs that concern your agency, each with its state.
#[utoipa::path(
    operation_id = "cases_deadlines",
    get, path = "/api/v1/cases/{id}/deadlines", tag = "deadlines", params(("id" = i64, Path, description = "Case id")), security(("bearer" = [])),
    responses(
        (status = 200, description = "Deadlines, soonest first", body = Vec<Deadline>),
        (status = 404, description = "`not_found`: no such case, or not visible to you", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/cases/{id}/deadlines")]
pub async fn of_case(
    db: web::Data<Db>,
    rules: web::Data<DeadlineRules>,
    RequestCtx(ctx): RequestCtx,
    id: web::Path<i64>,
) -> Result<web::Json<Vec<Deadline>>, AppError> {
    let id = id.into_inner();
    Ok(web::Json(
        db.run(move |conn| deadlines::of_case(conn, &ctx, &rules, id))
            .await?,
    ))
}

/// Notifications and how their delivery went (administrators): dead letters, and users who get
/// nothing because they have no e-mail address (`no_address`).
#[utoipa::path(
    operation_id = "outbox_list",
    get, path = "/api/v1/outbox", tag = "deadlines", params(OutboxQuery), security(("bearer" = [])),
    responses(
        (status = 200, description = "Notifications, newest first", body = List<OutboxItem>),
        (status = 400, description = "`request.invalid_query`: an unknown parameter, `limit` below 1 or a cursor that is not one of this list", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`auth.forbidden`: administrators only", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation.failed`: an unknown status", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/outbox")]
pub async fn outbox(
    db: web::Data<Db>,
    RequestCtx(ctx): RequestCtx,
    query: web::Query<OutboxQuery>,
) -> Result<web::Json<List<OutboxItem>>, AppError> {
    let query = query.into_inner();
    let (before, limit) = Page::of(query.limit, query.cursor.as_deref())?;
    let rows = db
        .run(move |conn| deadlines::outbox_list(conn, &ctx, query.status.as_deref(), before, limit))
        .await?;
    Ok(web::Json(List::page(
        rows,
        limit,
        |r| r.id.to_string(),
        |r| r,
    )))
}
