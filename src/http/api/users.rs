//! `/api/v1/users`: administration by system and agency administrators.

use actix_web::{HttpResponse, get, patch, post, web};
use serde::Deserialize;

use super::Page;
use super::dto::{List, PasswordBody, UserDto};
use crate::db::Db;
use crate::error::{AppError, Problem};
use crate::http::session::{CurrentUser, RequestCtx};
use crate::services::accounts::{self, UserInput, UserPatch};
use crate::services::auth::AuthDeps;

/// Filters of the user list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct UserQuery {
    /// Only this agency's users (agency administrators always see only their own).
    pub agency: Option<String>,
    /// Items per page.
    pub limit: Option<i64>,
    /// Cursor.
    pub cursor: Option<String>,
}

/// Users the caller administers.
#[utoipa::path(
    operation_id = "users_list",
    get, path = "/api/v1/users", tag = "users", params(UserQuery), security(("bearer" = [])),
    responses(
        (status = 200, description = "Users", body = List<UserDto>),
        (status = 400, description = "`request.invalid_query`: `limit` below 1 or a cursor that is not one of this list", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`auth.forbidden`: not an administrator, or another agency's users", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`: the `agency` filter names no agency", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/users")]
pub async fn list(
    db: web::Data<Db>,
    _user: CurrentUser,
    RequestCtx(ctx): RequestCtx,
    query: web::Query<UserQuery>,
) -> Result<web::Json<List<UserDto>>, AppError> {
    let query = query.into_inner();
    let page = Page {
        limit: query.limit,
        cursor: query.cursor,
    };
    let after = page.numeric_cursor()?;
    let limit = page.limit()?;
    let rows = db
        .run(move |conn| accounts::list_users(conn, &ctx, query.agency.as_deref(), after, limit))
        .await?;
    Ok(web::Json(List::page(
        rows,
        limit,
        |r| r.user.id.to_string(),
        UserDto::from,
    )))
}

/// Create a user.
#[utoipa::path(
    operation_id = "users_create",
    post, path = "/api/v1/users", tag = "users", request_body = UserInput, security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = UserDto),
        (status = 403, description = "`auth.forbidden`: not an administrator of the agency, or a role you may not give", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`conflict.duplicate`: the username is taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation.failed`: an invalid field, an unknown agency, a role that does not fit the agency, or a weak password", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api/v1/users")]
pub async fn create(
    db: web::Data<Db>,
    deps: web::Data<AuthDeps>,
    RequestCtx(ctx): RequestCtx,
    body: web::Json<UserInput>,
) -> Result<HttpResponse, AppError> {
    let input = body.into_inner();
    let view = db
        .run(move |conn| accounts::create_user(conn, &ctx, &deps.hasher, input))
        .await?;
    Ok(HttpResponse::Created().json(UserDto::from(view)))
}

/// One user.
#[utoipa::path(
    operation_id = "users_get",
    get, path = "/api/v1/users/{id}", tag = "users", params(("id" = i64, Path, description = "User id")), security(("bearer" = [])),
    responses(
        (status = 200, description = "The user", body = UserDto),
        (status = 403, description = "`auth.forbidden`: your role does not administer this agency's users", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`: no such user in your scope", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/users/{id}")]
pub async fn get(
    db: web::Data<Db>,
    RequestCtx(ctx): RequestCtx,
    id: web::Path<i64>,
) -> Result<web::Json<UserDto>, AppError> {
    let id = id.into_inner();
    let view = db
        .run(move |conn| accounts::get_user(conn, &ctx, id))
        .await?;
    Ok(web::Json(view.into()))
}

/// Change a user: profile, roles, active flag (disabling ends their sessions at once).
#[utoipa::path(
    operation_id = "users_update",
    patch, path = "/api/v1/users/{id}", tag = "users", request_body = UserPatch,
    params(("id" = i64, Path, description = "User id")), security(("bearer" = [])),
    responses(
        (status = 200, description = "Changed", body = UserDto),
        (status = 403, description = "`auth.forbidden`: your role does not administer this agency's users or may not grant a role the user holds; `role.separation_of_duties`: nobody changes their own roles", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`: no such user in your scope", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation.failed`: an invalid field, a role that does not fit the agency, or disabling your own account", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/api/v1/users/{id}")]
pub async fn update(
    db: web::Data<Db>,
    RequestCtx(ctx): RequestCtx,
    id: web::Path<i64>,
    body: web::Json<UserPatch>,
) -> Result<web::Json<UserDto>, AppError> {
    let id = id.into_inner();
    let patch = body.into_inner();
    let view = db
        .run(move |conn| accounts::update_user(conn, &ctx, id, patch))
        .await?;
    Ok(web::Json(view.into()))
}

/// Reset a user's password (administrators); their sessions end at once.
#[utoipa::path(
    operation_id = "users_reset_password",
    post, path = "/api/v1/users/{id}/password", tag = "users", request_body = PasswordBody,
    params(("id" = i64, Path, description = "User id")), security(("bearer" = [])),
    responses(
        (status = 204, description = "Reset"),
        (status = 403, description = "`auth.forbidden`: your role does not administer this agency's users or may not grant a role the user holds", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`: no such user in your scope", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation.failed`: a weak password, or your own current password missing or wrong", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api/v1/users/{id}/password")]
pub async fn reset_password(
    db: web::Data<Db>,
    deps: web::Data<AuthDeps>,
    RequestCtx(ctx): RequestCtx,
    id: web::Path<i64>,
    body: web::Json<PasswordBody>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let body = body.into_inner();
    db.run(move |conn| {
        accounts::set_password(
            conn,
            &ctx,
            &deps.hasher,
            id,
            body.current_password.as_deref(),
            &body.new_password,
        )
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Confirm the roles of a user that wait for confirmation: roles that read cases, granted by the
/// person who set the account's password. Someone else confirms: a supervisor of the user's
/// agency or an administrator who could grant the roles, never the user or whoever set the
/// user's password.
#[utoipa::path(
    operation_id = "users_confirm_roles",
    post, path = "/api/v1/users/{id}/roles/confirm", tag = "users",
    params(("id" = i64, Path, description = "User id")), security(("bearer" = [])),
    responses(
        (status = 200, description = "Confirmed; the user with their roles", body = UserDto),
        (status = 403, description = "`role.separation_of_duties`: you set this user's password, or you are the user; `auth.forbidden`: you may not grant the roles", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`: no such user in your scope", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api/v1/users/{id}/roles/confirm")]
pub async fn confirm_roles(
    db: web::Data<Db>,
    RequestCtx(ctx): RequestCtx,
    id: web::Path<i64>,
) -> Result<web::Json<UserDto>, AppError> {
    let id = id.into_inner();
    let view = db
        .run(move |conn| accounts::confirm_roles(conn, &ctx, id))
        .await?;
    Ok(web::Json(view.into()))
}
