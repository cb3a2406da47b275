//! The web interface: server-rendered pages (askama templates checked at compile time), in Bahasa
//! Indonesia by default and English, with the stylesheet compiled into the binary. Every page is
//! sent with a Content-Security-Policy that allows no inline script, `frame-ancestors 'none'`,
//! `no-referrer` and `nosniff`. Pages use the cookie session of the identity issue; forms carry the
//! session's CSRF token. No case content appears in titles or URLs.

pub mod i18n;

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;

use serde::Deserialize;

use crate::auth::limiter::LoginLimiter;
use crate::crypto::Vault;
use crate::db::Db;
use crate::domain::local_time;
use crate::error::AppError;
use crate::http::session::{self, SESSION_COOKIE};
use crate::services::auth::{self as auth_service, AuthDeps, LoginOutcome, SessionKind};
use i18n::{Lang, Texts};

/// Cookie that remembers the chosen language.
const LANG_COOKIE: &str = "rujukan_lang";
/// Cookie that carries the login form's CSRF token (double submit: no session exists yet).
const LOGIN_CSRF_COOKIE: &str = "rujukan_login_csrf";
/// Cookie that remembers the page a signed-out (or expired) user asked for, to return after login.
const NEXT_COOKIE: &str = "rujukan_next";

/// To the login page, remembering the page asked for (a local path only).
fn to_login(req: &HttpRequest) -> HttpResponse {
    let cookie = Cookie::build(NEXT_COOKIE, req.path().to_owned())
        .path("/login")
        .http_only(true)
        .same_site(SameSite::Lax)
        .finish();
    see_other_with("/login", cookie)
}

/// Where to go after login: the remembered page if it is a local path, else the inbox.
fn after_login(req: &HttpRequest) -> String {
    req.cookie(NEXT_COOKIE)
        .map(|c| c.value().to_owned())
        .filter(|p| p.starts_with('/') && !p.starts_with("//") && !p.starts_with("/login"))
        .unwrap_or_else(|| "/inbox".to_owned())
}

/// Registers the pages and the stylesheet.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(home)
        .service(stylesheet)
        .service(language)
        .service(login_page)
        .service(login_submit)
        .service(logout)
        .service(inbox)
        .service(decide)
        .service(cases)
        .service(case_page);
}

/// A page with the security headers every page carries.
fn page(status: actix_web::http::StatusCode, html: String) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::X_FRAME_OPTIONS, "DENY"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(html)
}

fn render(status: actix_web::http::StatusCode, template: &impl Template) -> HttpResponse {
    match template.render() {
        Ok(html) => page(status, html),
        Err(e) => {
            tracing::error!(error = %e, "a page failed to render");
            HttpResponse::InternalServerError().finish()
        }
    }
}

fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location.to_owned()))
        .finish()
}

/// A redirect that also sets (or removes) a cookie.
fn see_other_with(location: &str, cookie: Cookie<'_>) -> HttpResponse {
    HttpResponse::SeeOther()
        .cookie(cookie)
        .insert_header((header::LOCATION, location.to_owned()))
        .finish()
}

/// The language: the cookie if set, else Indonesian.
fn lang_of(req: &HttpRequest) -> Lang {
    req.cookie(LANG_COOKIE)
        .map_or(Lang::Id, |c| Lang::parse(c.value()))
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

/// `/lang/{id|en}`: remembers the language and goes back to the page the user came from.
#[get("/lang/{code}")]
async fn language(code: web::Path<String>) -> HttpResponse {
    let lang = Lang::parse(&code);
    let cookie = Cookie::build(LANG_COOKIE, lang.code())
        .path("/")
        .same_site(SameSite::Lax)
        .max_age(actix_web::cookie::time::Duration::days(365))
        .finish();
    see_other_with("/inbox", cookie)
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    t: Texts,
    signed_in: bool,
    csrf: String,
    username: String,
    error: Option<String>,
}

fn login_form(
    lang: Lang,
    username: String,
    error: Option<String>,
    status: actix_web::http::StatusCode,
) -> HttpResponse {
    let csrf = uuid::Uuid::new_v4().simple().to_string();
    let mut response = render(
        status,
        &LoginPage {
            t: Texts::new(lang),
            signed_in: false,
            csrf: csrf.clone(),
            username,
            error,
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

#[get("/login")]
async fn login_page(req: HttpRequest) -> HttpResponse {
    login_form(
        lang_of(&req),
        String::new(),
        None,
        actix_web::http::StatusCode::OK,
    )
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
            actix_web::http::StatusCode::FORBIDDEN,
        );
    }
    if let Some(addr) = req.peer_addr()
        && limiter.check(addr.ip(), std::time::Instant::now()).is_err()
    {
        return login_form(
            lang,
            form.username,
            Some(t.get("login.rate_limited")),
            actix_web::http::StatusCode::TOO_MANY_REQUESTS,
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
            login_form(
                lang,
                form.username,
                Some(message),
                actix_web::http::StatusCode::LOCKED,
            )
        }
        Err(AppError::RateLimited { .. }) => login_form(
            lang,
            form.username,
            Some(t.get("login.rate_limited")),
            actix_web::http::StatusCode::TOO_MANY_REQUESTS,
        ),
        Err(AppError::Unauthenticated { .. }) => login_form(
            lang,
            form.username,
            Some(t.get("login.failed")),
            actix_web::http::StatusCode::UNAUTHORIZED,
        ),
        Err(e) => {
            tracing::error!(error = %e, "web login failed");
            HttpResponse::ServiceUnavailable().finish()
        }
    }
}

/// The signed-in user of a page request and their session's CSRF token, or `None`.
async fn signed_in(
    req: &HttpRequest,
    db: &Db,
    deps: &web::Data<AuthDeps>,
) -> Option<(crate::authz::Actor, String, String)> {
    let cookie = req.cookie(SESSION_COOKIE)?.value().to_owned();
    let d = deps.clone();
    let now = chrono::Utc::now().naive_utc();
    let (actor, session_id) = db
        .run(move |conn| auth_service::authenticate_cookie(conn, &d, &cookie, now))
        .await
        .ok()?;
    let csrf = deps.keys.csrf_token(&session_id);
    Some((actor, session_id, csrf))
}

/// The logout form.
#[derive(Debug, Deserialize)]
struct LogoutForm {
    csrf_token: String,
}

#[post("/logout")]
async fn logout(
    req: HttpRequest,
    db: web::Data<Db>,
    deps: web::Data<AuthDeps>,
    form: web::Form<LogoutForm>,
) -> HttpResponse {
    let Some((actor, session_id, _)) = signed_in(&req, &db, &deps).await else {
        return see_other("/login");
    };
    if !deps.keys.csrf_matches(&session_id, &form.csrf_token) {
        return HttpResponse::Forbidden().finish();
    }
    let ctx = session::ctx(&req, Some(actor));
    let _ = db
        .run(move |conn| auth_service::logout(conn, &ctx, &session_id))
        .await;
    let mut gone = Cookie::build(SESSION_COOKIE, "").path("/").finish();
    gone.make_removal();
    see_other_with("/login", gone)
}

/// One row of the inbox.
struct InboxRow {
    id: i64,
    case_number: String,
    from_agency: String,
    kind_key: &'static str,
    received: String,
    due: String,
    state_key: Option<&'static str>,
    state_class: &'static str,
}

#[derive(Template)]
#[template(path = "inbox.html")]
struct InboxPage {
    t: Texts,
    signed_in: bool,
    csrf: String,
    rows: Vec<InboxRow>,
    error: Option<String>,
}

#[get("/inbox")]
async fn inbox(
    req: HttpRequest,
    db: web::Data<Db>,
    deps: web::Data<AuthDeps>,
    vault: web::Data<Vault>,
) -> HttpResponse {
    let Some((actor, _, csrf)) = signed_in(&req, &db, &deps).await else {
        return to_login(&req);
    };
    inbox_page(
        &req,
        &db,
        &vault,
        actor,
        csrf,
        None,
        actix_web::http::StatusCode::OK,
    )
    .await
}

/// An accept or decline form of the inbox.
#[derive(Debug, Deserialize)]
struct DecisionForm {
    csrf_token: String,
    #[serde(default)]
    reason: Option<String>,
}

/// `/inbox/{id}/accept` and `/inbox/{id}/decline`: the receiver's decision, then back to the inbox.
#[post("/inbox/{id}/{decision}")]
async fn decide(
    req: HttpRequest,
    db: web::Data<Db>,
    deps: web::Data<AuthDeps>,
    vault: web::Data<Vault>,
    path: web::Path<(i64, String)>,
    form: web::Form<DecisionForm>,
) -> HttpResponse {
    let Some((actor, session_id, csrf)) = signed_in(&req, &db, &deps).await else {
        return see_other("/login");
    };
    if !deps.keys.csrf_matches(&session_id, &form.csrf_token) {
        return HttpResponse::Forbidden().finish();
    }
    let t = Texts::new(lang_of(&req));
    let (id, decision) = path.into_inner();
    let decision = match (decision.as_str(), form.into_inner().reason) {
        ("accept", _) => crate::services::handoffs::Decision::Accept,
        ("decline", Some(reason)) if !reason.trim().is_empty() => {
            crate::services::handoffs::Decision::Decline(reason)
        }
        ("decline", _) => {
            return inbox_page(
                &req,
                &db,
                &vault,
                actor,
                csrf,
                Some(t.get("inbox.reason_required")),
                actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
        _ => return HttpResponse::NotFound().finish(),
    };
    let ctx = session::ctx(&req, Some(actor.clone()));
    let v = vault.clone();
    let decided = db
        .run(move |conn| crate::services::handoffs::decide(conn, &ctx, &v, id, decision))
        .await;
    match decided {
        Ok(_) => see_other("/inbox"),
        Err(e) => {
            tracing::info!(error = %e, handoff = id, "a decision from the inbox was refused");
            inbox_page(
                &req,
                &db,
                &vault,
                actor,
                csrf,
                Some(t.get("inbox.decision_failed")),
                actix_web::http::StatusCode::CONFLICT,
            )
            .await
        }
    }
}

/// Renders the inbox of `actor`, with an optional message at the top.
async fn inbox_page(
    req: &HttpRequest,
    db: &Db,
    vault: &web::Data<Vault>,
    actor: crate::authz::Actor,
    csrf: String,
    error: Option<String>,
    status: actix_web::http::StatusCode,
) -> HttpResponse {
    let province = actor.province.clone();
    let ctx = session::ctx(req, Some(actor));
    let vault = vault.clone();
    let listed = db
        .run(move |conn| {
            crate::services::handoffs::list(conn, &ctx, &vault, true, Some("pending"), None, 100)
        })
        .await;
    let Ok(handoffs) = listed else {
        return HttpResponse::ServiceUnavailable().finish();
    };
    let rows = handoffs
        .into_iter()
        .map(|h| {
            let answer = h.deadlines.iter().find(|d| d.rule == "sla.respond");
            let state = answer.map(|d| d.state.as_str());
            InboxRow {
                id: h.id,
                case_number: h.case_number,
                from_agency: h.from_agency,
                kind_key: match h.kind.as_str() {
                    "transfer" => "kind.transfer",
                    "notice" => "kind.notice",
                    _ => "kind.referral",
                },
                received: local_time(h.created_at.naive_utc(), province.as_deref()),
                due: answer
                    .map(|d| local_time(d.due_at, province.as_deref()))
                    .unwrap_or_default(),
                state_key: state.map(|s| match s {
                    "due_soon" => "state.due_soon",
                    "overdue" => "state.overdue",
                    "met" => "state.met",
                    _ => "state.upcoming",
                }),
                state_class: match state {
                    Some("due_soon") => "due_soon",
                    Some("overdue") => "overdue",
                    Some("met") => "met",
                    _ => "upcoming",
                },
            }
        })
        .collect();
    render(
        status,
        &InboxPage {
            t: Texts::new(lang_of(req)),
            signed_in: true,
            csrf,
            rows,
            error,
        },
    )
}

/// One row of the case list.
struct CaseRow {
    id: i64,
    number: String,
    owner: String,
    status_key: &'static str,
    created: String,
}

#[derive(Template)]
#[template(path = "cases.html")]
struct CasesPage {
    t: Texts,
    signed_in: bool,
    csrf: String,
    rows: Vec<CaseRow>,
}

fn status_key(status: &str) -> &'static str {
    if status == "closed" {
        "status.closed"
    } else {
        "status.open"
    }
}

/// The cases the user's agency is party to, newest first.
#[get("/cases")]
async fn cases(req: HttpRequest, db: web::Data<Db>, deps: web::Data<AuthDeps>) -> HttpResponse {
    let Some((actor, _, csrf)) = signed_in(&req, &db, &deps).await else {
        return to_login(&req);
    };
    let province = actor.province.clone();
    let ctx = session::ctx(&req, Some(actor));
    let listed = db
        .run(move |conn| crate::services::cases::list(conn, &ctx, &Default::default(), None, 50))
        .await;
    let Ok(items) = listed else {
        return HttpResponse::ServiceUnavailable().finish();
    };
    let rows = items
        .into_iter()
        .map(|c| CaseRow {
            id: c.id,
            number: c.case_number,
            owner: c.owner_agency,
            status_key: status_key(&c.status),
            created: local_time(c.created_at.naive_utc(), province.as_deref()),
        })
        .collect();
    render(
        actix_web::http::StatusCode::OK,
        &CasesPage {
            t: Texts::new(lang_of(&req)),
            signed_in: true,
            csrf,
            rows,
        },
    )
}

/// One line of a case's timeline.
struct TimelineLine {
    at: String,
    label_key: String,
    who: String,
}

#[derive(Template)]
#[template(path = "case.html")]
struct CasePage {
    t: Texts,
    signed_in: bool,
    csrf: String,
    number: String,
    owner: String,
    status_key: &'static str,
    tracks: Vec<(String, String)>,
    events: Vec<TimelineLine>,
}

#[derive(Template)]
#[template(path = "not_found.html")]
struct NotFoundPage {
    t: Texts,
    signed_in: bool,
    csrf: String,
}

/// A case as the user's agency may see it, with its timeline. Reading it is recorded
/// (`case.viewed`), as through the API. A case the user may not see is a 404 page.
#[get("/cases/{id}")]
async fn case_page(
    req: HttpRequest,
    db: web::Data<Db>,
    deps: web::Data<AuthDeps>,
    id: web::Path<i64>,
) -> HttpResponse {
    let Some((actor, _, csrf)) = signed_in(&req, &db, &deps).await else {
        return to_login(&req);
    };
    let t = Texts::new(lang_of(&req));
    let province = actor.province.clone();
    let ctx = session::ctx(&req, Some(actor));
    let id = id.into_inner();
    let loaded = db
        .run(move |conn| {
            let detail = crate::services::cases::get(conn, &ctx, id)?;
            let timeline = crate::services::audit_trail::timeline(conn, &ctx, id)?;
            Ok((detail, timeline))
        })
        .await;
    let (detail, timeline) = match loaded {
        Ok(found) => found,
        Err(AppError::NotFound | AppError::Forbidden) => {
            return render(
                actix_web::http::StatusCode::NOT_FOUND,
                &NotFoundPage {
                    t,
                    signed_in: true,
                    csrf,
                },
            );
        }
        Err(e) => {
            tracing::error!(error = %e, "case page failed");
            return HttpResponse::ServiceUnavailable().finish();
        }
    };
    let label = |term: &crate::domain::classification::Term| match t.lang {
        Lang::Id => term.id.to_owned(),
        Lang::En => term.en.to_owned(),
    };
    let tracks = crate::domain::classification::TRACKS
        .iter()
        .filter_map(|(track, stages)| {
            let code = detail.tracks.get(track.code)?;
            let stage = stages.iter().find(|s| s.code == code)?;
            Some((label(track), label(stage)))
        })
        .collect();
    let events = timeline
        .events
        .into_iter()
        .map(|e| TimelineLine {
            at: local_time(e.at.naive_utc(), province.as_deref()),
            label_key: format!("event.{}", e.kind),
            who: match (e.actor.username, e.actor.agency) {
                (Some(user), Some(agency)) => format!("{user} ({agency})"),
                (Some(user), None) => user,
                _ => String::new(),
            },
        })
        .collect();
    render(
        actix_web::http::StatusCode::OK,
        &CasePage {
            t,
            signed_in: true,
            csrf,
            number: detail.case_number,
            owner: detail.owner_agency,
            status_key: status_key(&detail.status),
            tracks,
            events,
        },
    )
}
