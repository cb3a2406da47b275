//! `/api/v1/auth/*` and `/api/v1/me`: login, refresh, logout, the web session, who am I.

use std::time::Instant;

use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};

use super::dto::{
    AgencyRef, LoginBody, Me, PasswordBody, RefreshBody, TokenResponse, WebSessionResponse, utc,
};
use crate::auth::limiter::LoginLimiter;
use crate::db::{Db, agencies, users};
use crate::error::{AppError, Problem};
use crate::http::session::{self, CurrentUser, PublicCtx, RequestCtx};
use crate::services::{accounts, auth as service};

fn limit(req: &HttpRequest, limiter: &LoginLimiter) -> Result<(), AppError> {
    match crate::http::client::address(req) {
        Some(ip) => limiter
            .check(ip, Instant::now())
            .map_err(|retry_after| AppError::RateLimited { retry_after }),
        None => Ok(()),
    }
}

/// Log in with a username and password; answers a token pair.
#[utoipa::path(
    post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginBody,
    responses(
        (status = 200, description = "Logged in", body = TokenResponse),
        (status = 401, description = "`auth.invalid_credentials`: wrong username or password (the same answer for unknown users and disabled accounts)", body = Problem, content_type = "application/problem+json"),
        (status = 423, description = "`auth.locked`: the account is locked after repeated failures; see Retry-After", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`auth.rate_limited`: too many attempts from this address; see Retry-After", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api/v1/auth/login")]
pub async fn login(
    req: HttpRequest,
    PublicCtx(ctx): PublicCtx,
    db: web::Data<Db>,
    deps: web::Data<service::AuthDeps>,
    limiter: web::Data<LoginLimiter>,
    body: web::Json<LoginBody>,
) -> Result<web::Json<TokenResponse>, AppError> {
    limit(&req, &limiter)?;
    let body = body.into_inner();
    let outcome = db
        .run(move |conn| {
            service::login(
                conn,
                &ctx,
                &deps,
                &body.username,
                &body.password,
                service::SessionKind::Api,
            )
        })
        .await?;
    match outcome {
        service::LoginOutcome::Api(pair) => Ok(web::Json(TokenResponse {
            access_token: pair.access_token,
            refresh_token: pair.refresh_token,
            token_type: "Bearer",
            expires_in: pair.expires_in,
        })),
        service::LoginOutcome::Web(_) => Err(AppError::Internal(anyhow::anyhow!(
            "web session from API login"
        ))),
    }
}

/// Exchange a refresh token for a new pair; the used token stops working, and presenting it
/// again ends the session.
#[utoipa::path(
    post, path = "/api/v1/auth/refresh", tag = "auth", request_body = RefreshBody,
    responses(
        (status = 200, description = "New pair", body = TokenResponse),
        (status = 401, description = "`auth.invalid_token`: an unknown, used, expired or revoked refresh token", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api/v1/auth/refresh")]
pub async fn refresh(
    PublicCtx(ctx): PublicCtx,
    db: web::Data<Db>,
    deps: web::Data<service::AuthDeps>,
    body: web::Json<RefreshBody>,
) -> Result<web::Json<TokenResponse>, AppError> {
    let token = body.into_inner().refresh_token;
    let pair = db
        .run(move |conn| service::refresh(conn, &ctx, &deps, &token))
        .await?;
    Ok(web::Json(TokenResponse {
        access_token: pair.access_token,
        refresh_token: pair.refresh_token,
        token_type: "Bearer",
        expires_in: pair.expires_in,
    }))
}

/// End the session: its access and refresh tokens stop working at once.
#[utoipa::path(
    post, path = "/api/v1/auth/logout", tag = "auth", security(("bearer" = [])),
    responses(
        (status = 204, description = "Logged out"),
    )
)]
#[post("/api/v1/auth/logout")]
pub async fn logout(
    db: web::Data<Db>,
    user: CurrentUser,
    RequestCtx(ctx): RequestCtx,
) -> Result<HttpResponse, AppError> {
    let id = user.session_id;
    db.run(move |conn| service::logout(conn, &ctx, &id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Open a web session: sets the HttpOnly session cookie and answers its CSRF token.
#[utoipa::path(
    post, path = "/api/v1/auth/session", tag = "auth", request_body = LoginBody,
    responses(
        (status = 200, description = "Cookie set", body = WebSessionResponse),
        (status = 401, description = "`auth.invalid_credentials`: wrong username or password", body = Problem, content_type = "application/problem+json"),
        (status = 423, description = "`auth.locked`: the account is locked after repeated failures; see Retry-After", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`auth.rate_limited`: too many attempts from this address; see Retry-After", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api/v1/auth/session")]
pub async fn open_web_session(
    req: HttpRequest,
    PublicCtx(ctx): PublicCtx,
    db: web::Data<Db>,
    deps: web::Data<service::AuthDeps>,
    limiter: web::Data<LoginLimiter>,
    body: web::Json<LoginBody>,
) -> Result<HttpResponse, AppError> {
    limit(&req, &limiter)?;
    let body = body.into_inner();
    let d = deps.clone();
    let outcome = db
        .run(move |conn| {
            service::login(
                conn,
                &ctx,
                &d,
                &body.username,
                &body.password,
                service::SessionKind::Web,
            )
        })
        .await?;
    let service::LoginOutcome::Web(web_session) = outcome else {
        return Err(AppError::Internal(anyhow::anyhow!(
            "API tokens from web login"
        )));
    };
    let cookie = session::web_session_cookie(&req, &deps, web_session.cookie_value);
    Ok(HttpResponse::Ok().cookie(cookie).json(WebSessionResponse {
        csrf_token: web_session.csrf_token,
        expires_at: utc(web_session.expires_at),
    }))
}

/// End the web session (needs the CSRF token) and remove the cookie.
#[utoipa::path(
    delete, path = "/api/v1/auth/session", tag = "auth", security(("session" = []), ("bearer" = [])),
    responses(
        (status = 204, description = "Logged out; the cookie is removed"),
    )
)]
#[delete("/api/v1/auth/session")]
pub async fn close_web_session(
    req: HttpRequest,
    db: web::Data<Db>,
    deps: web::Data<service::AuthDeps>,
    user: CurrentUser,
    RequestCtx(ctx): RequestCtx,
) -> Result<HttpResponse, AppError> {
    let id = user.session_id;
    db.run(move |conn| service::logout(conn, &ctx, &id)).await?;
    Ok(HttpResponse::NoContent()
        .cookie(session::expired_session_cookie(
            &req,
            deps.settings.secure_cookies,
        ))
        .finish())
}

/// The caller: user, agency and roles.
#[utoipa::path(
    get, path = "/api/v1/me", tag = "auth", security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller", body = Me),
    )
)]
#[get("/api/v1/me")]
pub async fn me(db: web::Data<Db>, user: CurrentUser) -> Result<web::Json<Me>, AppError> {
    let actor = user.actor;
    let me = db
        .run(move |conn| {
            let row = users::by_id(conn, actor.user_id)?.ok_or(AppError::NotFound)?;
            let agency = agencies::by_id(conn, actor.agency_id)?.ok_or(AppError::NotFound)?;
            Ok(Me {
                id: row.id,
                username: row.username,
                display_name: row.display_name,
                agency: AgencyRef {
                    code: agency.code,
                    name: agency.name,
                    kind: agency.kind,
                },
                roles: actor.roles.iter().map(|r| r.as_str().to_owned()).collect(),
                pending_roles: users::grants(conn, row.id)?
                    .into_iter()
                    .filter(|g| !g.confirmed)
                    .map(|g| g.role)
                    .collect(),
                language: row.language,
            })
        })
        .await?;
    Ok(web::Json(me))
}

/// Change one's own password (the current one is required); every session ends, this one too.
#[utoipa::path(
    post, path = "/api/v1/me/password", tag = "auth", request_body = PasswordBody, security(("bearer" = [])),
    responses(
        (status = 204, description = "Changed; log in again"),
        (status = 422, description = "`validation.failed`: the current password is missing or wrong, or the new one is too weak", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api/v1/me/password")]
pub async fn change_password(
    db: web::Data<Db>,
    deps: web::Data<service::AuthDeps>,
    user: CurrentUser,
    RequestCtx(ctx): RequestCtx,
    body: web::Json<PasswordBody>,
) -> Result<HttpResponse, AppError> {
    let id = user.actor.user_id;
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
