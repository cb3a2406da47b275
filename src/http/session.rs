//! Who is calling: the [`CurrentUser`] extractor (bearer access token or web session cookie,
//! with the CSRF check for cookie-authenticated changes), and the audit context of a request.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::Payload;
use actix_web::http::Method;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use chrono::{NaiveDateTime, Utc};
use futures_util::future::LocalBoxFuture;

use crate::audit::Ctx;
use crate::authz::Actor;
use crate::db::Db;
use crate::error::AppError;
use crate::error::ErrorCode;
use crate::services::auth::{self as auth_service, AuthDeps};

/// Name of the web session cookie.
pub const SESSION_COOKIE: &str = "rujukan_session";
/// Header carrying the CSRF token of a cookie session.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// How the caller authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// `Authorization: Bearer` access token.
    Bearer,
    /// Web session cookie.
    Cookie,
}

/// The authenticated caller. Having it in a handler's arguments makes the route require login.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    /// The actor for the policy.
    pub actor: Actor,
    /// The session.
    pub session_id: String,
    /// How.
    pub via: Via,
}

/// The current instant, as stored (UTC).
pub fn now() -> NaiveDateTime {
    Utc::now().naive_utc()
}

/// The audit context of a signed-in caller's request: who, from where, which request, when.
/// Having it in a handler's arguments makes the route require login (it extracts
/// [`CurrentUser`], once per request).
pub struct RequestCtx(pub Ctx);

impl FromRequest for RequestCtx {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let user = CurrentUser::from_request(req, payload);
        let req = req.clone();
        Box::pin(async move {
            let user = user.await?;
            Ok(RequestCtx(ctx(&req, Some(user.actor))))
        })
    }
}

/// The audit context of a request by nobody signed in yet (login, token refresh).
pub struct PublicCtx(pub Ctx);

impl FromRequest for PublicCtx {
    type Error = AppError;
    type Future = std::future::Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(Ok(PublicCtx(ctx(req, None))))
    }
}

/// The audit context of a request.
pub fn ctx(req: &HttpRequest, actor: Option<Actor>) -> Ctx {
    Ctx {
        actor,
        request_id: super::request_id::current(),
        client_ip: super::client::address(req).map(|ip| ip.to_string()),
        now: now(),
    }
}

fn bearer(req: &HttpRequest) -> Option<String> {
    let value = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
}

impl FromRequest for CurrentUser {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        // A second extractor of the same request (a handler taking both this and a
        // `RequestCtx`) gets the user already authenticated.
        if let Some(user) = req.extensions().get::<CurrentUser>() {
            let user = user.clone();
            return Box::pin(async move { Ok(user) });
        }
        let db = req.app_data::<web::Data<Db>>().cloned();
        let deps = req.app_data::<web::Data<AuthDeps>>().cloned();
        let token = bearer(req);
        let cookie = req.cookie(SESSION_COOKIE).map(|c| c.value().to_owned());
        let changes = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
        let csrf = req
            .headers()
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let request = req.clone();
        // The actor, for the trace a refused request leaves (`http::denials`).
        let remember = move |user: &CurrentUser| {
            request.extensions_mut().insert(user.actor.clone());
            request.extensions_mut().insert(user.clone());
        };
        Box::pin(async move {
            let (Some(db), Some(deps)) = (db, deps) else {
                return Err(AppError::Internal(anyhow::anyhow!(
                    "authentication is not configured"
                )));
            };
            let now = now();
            if let Some(token) = token {
                let d = deps.clone();
                let (actor, session_id) = db
                    .run(move |conn| auth_service::authenticate_bearer(conn, &d, &token, now))
                    .await?;
                let user = CurrentUser {
                    actor,
                    session_id,
                    via: Via::Bearer,
                };
                remember(&user);
                return Ok(user);
            }
            if let Some(cookie) = cookie {
                let d = deps.clone();
                let (actor, session_id) = db
                    .run(move |conn| auth_service::authenticate_cookie(conn, &d, &cookie, now))
                    .await?;
                if changes && !csrf.is_some_and(|t| deps.keys.csrf_matches(&session_id, &t)) {
                    return Err(AppError::CsrfRejected);
                }
                let user = CurrentUser {
                    actor,
                    session_id,
                    via: Via::Cookie,
                };
                remember(&user);
                return Ok(user);
            }
            Err(AppError::Unauthenticated {
                code: ErrorCode::AuthRequired,
            })
        })
    }
}

/// The session cookie of a new web session, for as long as `auth.session_hours`.
pub fn web_session_cookie(req: &HttpRequest, deps: &AuthDeps, value: String) -> Cookie<'static> {
    let max_age = i64::from(deps.settings.session_hours) * 3600;
    session_cookie(req, value, max_age, deps.settings.secure_cookies)
}

/// The session cookie: HttpOnly, SameSite=Lax, `Secure` over TLS or when configured, path `/`.
pub fn session_cookie(
    req: &HttpRequest,
    value: String,
    max_age_secs: i64,
    force_secure: bool,
) -> Cookie<'static> {
    let secure = force_secure || req.connection_info().scheme() == "https";
    Cookie::build(SESSION_COOKIE, value)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .max_age(actix_web::cookie::time::Duration::seconds(max_age_secs))
        .finish()
}

/// A cookie that removes the session cookie.
pub fn expired_session_cookie(req: &HttpRequest, force_secure: bool) -> Cookie<'static> {
    let mut cookie = session_cookie(req, String::new(), 0, force_secure);
    cookie.make_removal();
    cookie
}
