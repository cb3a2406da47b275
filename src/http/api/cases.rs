//! `/api/v1/cases` (reading, under need-to-know; intake arrives with the case issue).

use actix_web::{HttpRequest, get, web};

use super::Page;
use super::dto::{CaseSummaryDto, List};
use crate::db::Db;
use crate::error::{AppError, Problem};
use crate::http::session::{self, CurrentUser};
use crate::services::cases;

/// The cases the caller's agency is party to, newest first.
#[utoipa::path(
    get, path = "/api/v1/cases", tag = "cases", params(Page), security(("bearer" = [])),
    responses((status = 200, description = "Visible cases", body = List<CaseSummaryDto>))
)]
#[get("/api/v1/cases")]
pub async fn list(
    req: HttpRequest,
    db: web::Data<Db>,
    user: CurrentUser,
    page: web::Query<Page>,
) -> Result<web::Json<List<CaseSummaryDto>>, AppError> {
    let ctx = session::ctx(&req, Some(user.actor));
    let page = page.into_inner();
    let before = page.numeric_cursor()?;
    let limit = page.limit();
    let rows = db
        .run(move |conn| cases::list(conn, &ctx, before, limit))
        .await?;
    Ok(web::Json(List::page(
        rows,
        limit,
        |r| r.case.id.to_string(),
        CaseSummaryDto::from,
    )))
}

/// One case as the caller may see it; 404 when the caller's agency is not a party.
#[utoipa::path(
    get, path = "/api/v1/cases/{id}", tag = "cases", params(("id" = i64, Path, description = "Case id")), security(("bearer" = [])),
    responses(
        (status = 200, description = "The case", body = CaseSummaryDto),
        (status = 404, description = "No such case, or not visible to you", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/cases/{id}")]
pub async fn get(
    req: HttpRequest,
    db: web::Data<Db>,
    user: CurrentUser,
    id: web::Path<i64>,
) -> Result<web::Json<CaseSummaryDto>, AppError> {
    let ctx = session::ctx(&req, Some(user.actor));
    let id = id.into_inner();
    let case = db.run(move |conn| cases::get(conn, &ctx, id)).await?;
    Ok(web::Json(case.into()))
}
