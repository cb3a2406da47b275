//! Signing in and out, the language switch, the home redirect and the embedded stylesheet.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

use super::i18n::{Lang, Texts};
use super::{
    Chrome, LANG_COOKIE, NEXT_COOKIE, SignedForm, lang_of, render, see_other, see_other_with,
};
use crate::auth::limiter::LoginLimiter;
use crate::db::Db;
use crate::error::AppError;
use crate::http::session::{self, SESSION_COOKIE};
use crate::services::auth::{self as auth_service, AuthDeps, LoginOutcome, SessionKind};

/// Cookie that carries the login form's CSRF token (double submit: no session exists yet).
const LOGIN_CSRF_COOKIE: &str = "rujukan_login_csrf";

pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(home)
        .service(stylesheet)
        .service(language)
        .service(login_page)
        .service(login_submit)
        .service(logout);
}

/// Where to go after login: the remembered page if it is a local path (not the login page), else
/// the inbox.
fn after_login(req: &HttpRequest) -> String {
    req.cookie(NEXT_COOKIE)
        .and_then(|c| local_path(c.value()).map(str::to_owned))
        .filter(|p| !p.starts_with("/login"))
        .unwrap_or_else(|| "/inbox".to_owned())
}

/// `candidate` when it is a path on this site, the only kind of place Rujukan redirects to from
/// user input: one `/` followed by a path character, printable ASCII only (no spaces, no
/// backslash), and the same once percent-decoded (no control character, no backslash, no second
/// slash at the start). Browsers read `//host`, `/\host` and `/<tab>/host` as other sites.
pub(super) fn local_path(candidate: &str) -> Option<&str> {
    let printable = |c: char| c.is_ascii_graphic() && c != '\\';
    let decoded = percent_encoding::percent_decode_str(candidate).decode_utf8_lossy();
    let mut after_slash = decoded.strip_prefix('/')?.chars();
    let starts_well = after_slash.next().is_some_and(|c| printable(c) && c != '/');
    let raw_ok = candidate.starts_with('/') && candidate.chars().all(printable);
    let decoded_ok = !decoded.chars().any(|c| c.is_control() || c == '\\');
    (starts_well && raw_ok && decoded_ok).then_some(candidate)
}

#[get("/")]
async fn home() -> HttpResponse {
    see_other("/inbox")
}

#[get("/static/app.css")]
async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .body(include_str!("../../static/app.css"))
}

/// `?back=` of the language switch.
#[derive(Debug, Deserialize)]
struct Back {
    back: Option<String>,
}

/// `/lang/{id|en}?back=/path`: remembers the language and goes back to the page (a local path only;
/// the inbox otherwise).
#[get("/lang/{code}")]
async fn language(code: web::Path<String>, back: web::Query<Back>) -> HttpResponse {
    let lang = Lang::parse(&code);
    let cookie = Cookie::build(LANG_COOKIE, lang.code())
        .path("/")
        .same_site(SameSite::Lax)
        .max_age(actix_web::cookie::time::Duration::days(365))
        .finish();
    let to = back
        .into_inner()
        .back
        .and_then(|p| local_path(&p).map(str::to_owned))
        .unwrap_or_else(|| "/inbox".to_owned());
    see_other_with(&to, cookie)
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    t: Texts,
    c: Chrome,
    username: String,
    error: Option<String>,
    /// A confirmation: the password was changed, sign in with the new one.
    notice: Option<String>,
}

fn login_form(
    lang: Lang,
    username: String,
    error: Option<String>,
    status: StatusCode,
) -> HttpResponse {
    login_form_with(lang, username, error, None, status)
}

fn login_form_with(
    lang: Lang,
    username: String,
    error: Option<String>,
    notice: Option<String>,
    status: StatusCode,
) -> HttpResponse {
    let csrf = uuid::Uuid::new_v4().simple().to_string();
    let mut chrome = Chrome::signed_out();
    chrome.csrf.clone_from(&csrf);
    let mut response = render(
        status,
        &LoginPage {
            t: Texts::new(lang),
            c: chrome,
            username,
            error,
            notice,
        },
    );
    let cookie = Cookie::build(LOGIN_CSRF_COOKIE, csrf)
        .path("/login")
        .http_only(true)
        .same_site(SameSite::Strict)
        .finish();
    let _ = response.add_cookie(&cookie);
    response
}

/// The login page; after a password change (`?changed=password`) it says so.
#[get("/login")]
async fn login_page(req: HttpRequest) -> HttpResponse {
    let lang = lang_of(&req);
    let notice =
        (req.query_string() == "changed=password").then(|| Texts::new(lang).get("account.changed"));
    login_form_with(lang, String::new(), None, notice, StatusCode::OK)
}

/// The login form.
#[derive(Debug, Deserialize)]
struct LoginForm {
    csrf_token: String,
    username: String,
    password: String,
}

#[post("/login")]
async fn login_submit(
    req: HttpRequest,
    db: web::Data<Db>,
    deps: web::Data<AuthDeps>,
    limiter: web::Data<LoginLimiter>,
    form: web::Form<LoginForm>,
) -> HttpResponse {
    let lang = lang_of(&req);
    let t = Texts::new(lang);
    let form = form.into_inner();
    let expected = req.cookie(LOGIN_CSRF_COOKIE).map(|c| c.value().to_owned());
    if expected.as_deref() != Some(form.csrf_token.as_str()) {
        return login_form(
            lang,
            form.username,
            Some(t.get("login.stale_form")),
            StatusCode::FORBIDDEN,
        );
    }
    if let Some(ip) = crate::http::client::address(&req)
        && limiter.check(ip, std::time::Instant::now()).is_err()
    {
        return login_form(
            lang,
            form.username,
            Some(t.get("login.rate_limited")),
            StatusCode::TOO_MANY_REQUESTS,
        );
    }
    let ctx = session::ctx(&req, None);
    let (username, password) = (form.username.clone(), form.password);
    let d = deps.clone();
    let outcome = db
        .run(move |conn| {
            auth_service::login(conn, &ctx, &d, &username, &password, SessionKind::Web)
        })
        .await;
    match outcome {
        Ok(LoginOutcome::Web(web_session)) => {
            let cookie = session::web_session_cookie(&req, &deps, web_session.cookie_value);
            let mut response = see_other_with(&after_login(&req), cookie);
            let mut used = Cookie::build(NEXT_COOKIE, "").path("/login").finish();
            used.make_removal();
            let _ = response.add_cookie(&used);
            response
        }
        Ok(LoginOutcome::Api(_)) => HttpResponse::InternalServerError().finish(),
        Err(AppError::Locked { retry_after }) => {
            let minutes = retry_after.div_ceil(60).max(1);
            let message = t
                .get("login.locked")
                .replace("{minutes}", &minutes.to_string());
            login_form(lang, form.username, Some(message), StatusCode::LOCKED)
        }
        Err(AppError::RateLimited { .. }) => login_form(
            lang,
            form.username,
            Some(t.get("login.rate_limited")),
            StatusCode::TOO_MANY_REQUESTS,
        ),
        Err(AppError::Unauthenticated { .. }) => login_form(
            lang,
            form.username,
            Some(t.get("login.failed")),
            StatusCode::UNAUTHORIZED,
        ),
        Err(e) => {
            tracing::error!(error = %e, "web login failed");
            HttpResponse::ServiceUnavailable().finish()
        }
    }
}

#[post("/logout")]
async fn logout(
    req: HttpRequest,
    db: web::Data<Db>,
    SignedForm { v, .. }: SignedForm,
) -> HttpResponse {
    let ctx = v.ctx(&req);
    let session_id = v.session_id.clone();
    let _ = db
        .run(move |conn| auth_service::logout(conn, &ctx, &session_id))
        .await;
    let mut gone = Cookie::build(SESSION_COOKIE, "").path("/").finish();
    gone.make_removal();
    see_other_with("/login", gone)
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn only_paths_of_this_site_are_local() {
        for good in [
            "/inbox",
            "/cases/12",
            "/cases?status=open&number=JT-2026",
            "/cases/12#documents",
            "/audit/events?from=2026-01-01",
        ] {
            assert_eq!(local_path(good), Some(good), "{good}");
        }
        for nasty in [
            "",
            "/",
            "//evil.example",
            "/\\evil.example",
            "/\tevil.example",
            "/\t/evil.example",
            "/%09/evil.example",
            "/%2F/evil.example",
            "/%5Cevil.example",
            "https://evil.example",
            "evil.example",
            " /inbox",
            "/in box",
            "/inbox\r\nSet-Cookie: x=1",
            "/inbox%0d%0aSet-Cookie:%20x=1",
            "/inbox%00",
            "/\u{202E}cases",
            "\\\\evil.example",
        ] {
            assert_eq!(local_path(nasty), None, "{nasty:?}");
        }
    }
}
