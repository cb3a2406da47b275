//! `/api/v1/agencies`.

use actix_web::{get, patch, post, web};

use super::Page;
use super::dto::{AgencyView, List};
use crate::db::{Db, agencies};
use crate::domain::agency::AgencyInput;
use crate::error::{AppError, Problem};
use crate::http::session::RequestCtx;
use crate::services::accounts::{self, AgencyPatch};

fn parent_code(
    conn: &mut crate::db::DbConnection,
    row: &agencies::AgencyRow,
) -> Result<Option<String>, AppError> {
    Ok(match row.parent_id {
        Some(id) => agencies::by_id(conn, id)?.map(|p| p.code),
        None => None,
    })
}

/// The agencies of the network, by code.
#[utoipa::path(
    operation_id = "agencies_list",
    get, path = "/api/v1/agencies", tag = "agencies", params(Page), security(("bearer" = [])),
    responses(
        (status = 200, description = "Agencies", body = List<AgencyView>),
        (status = 400, description = "`request.invalid_query`: `limit` below 1", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`auth.forbidden`: your account holds no role in force yet", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/agencies")]
pub async fn list(
    db: web::Data<Db>,
    RequestCtx(ctx): RequestCtx,
    page: web::Query<Page>,
) -> Result<web::Json<List<AgencyView>>, AppError> {
    let page = page.into_inner();
    let limit = page.limit()?;
    let list = db
        .run(move |conn| {
            let rows = accounts::list_agencies(conn, &ctx, page.cursor.as_deref(), limit)?;
            let mut with_parents = Vec::with_capacity(rows.len());
            for row in rows {
                let parent = parent_code(conn, &row)?;
                with_parents.push((row, parent));
            }
            Ok(List::page(
                with_parents,
                limit,
                |(r, _)| r.code.clone(),
                |(r, p)| AgencyView::new(r, p),
            ))
        })
        .await?;
    Ok(web::Json(list))
}

/// Create an agency (system administrators).
#[utoipa::path(
    operation_id = "agencies_create",
    post, path = "/api/v1/agencies", tag = "agencies", request_body = AgencyInput, security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = AgencyView),
        (status = 403, description = "`auth.forbidden`: not a system administrator", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`conflict.duplicate`: the code is taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation.failed`: an invalid field or an unknown parent", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api/v1/agencies")]
pub async fn create(
    db: web::Data<Db>,
    RequestCtx(ctx): RequestCtx,
    body: web::Json<AgencyInput>,
) -> Result<actix_web::HttpResponse, AppError> {
    let input = body.into_inner();
    let view = db
        .run(move |conn| {
            let row = accounts::create_agency(conn, &ctx, input)?;
            let parent = parent_code(conn, &row)?;
            Ok(AgencyView::new(row, parent))
        })
        .await?;
    Ok(actix_web::HttpResponse::Created().json(view))
}

/// Change an agency (system administrators): designate it to audit, so that its users may hold
/// the `auditor` role.
#[utoipa::path(
    operation_id = "agencies_update",
    patch, path = "/api/v1/agencies/{code}", tag = "agencies", request_body = AgencyPatch,
    params(("code" = String, Path, description = "Agency code")), security(("bearer" = [])),
    responses(
        (status = 200, description = "Changed", body = AgencyView),
        (status = 403, description = "`auth.forbidden`: not a system administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`: no such agency", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`agency.auditors_remain`: users of the agency still hold the auditor role", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/api/v1/agencies/{code}")]
pub async fn update(
    db: web::Data<Db>,
    RequestCtx(ctx): RequestCtx,
    code: web::Path<String>,
    body: web::Json<AgencyPatch>,
) -> Result<web::Json<AgencyView>, AppError> {
    let (code, patch) = (code.into_inner(), body.into_inner());
    let view = db
        .run(move |conn| {
            let row = accounts::update_agency(conn, &ctx, &code, patch)?;
            let parent = parent_code(conn, &row)?;
            Ok(AgencyView::new(row, parent))
        })
        .await?;
    Ok(web::Json(view))
}
