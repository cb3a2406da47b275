//! The web interface: server-rendered pages (askama templates checked at compile time), in Bahasa
//! Indonesia by default and English, with the stylesheet compiled into the binary. Every page is
//! sent with a Content-Security-Policy that allows no inline script, `frame-ancestors 'none'`,
//! `no-referrer` and `nosniff`. Pages use the cookie session of the identity issue; every form
//! carries the session's CSRF token. No case content appears in titles or URLs.
//!
//! The pages call the same service functions as the API, so the policy module decides what each
//! user sees; this module only turns answers into pages and form errors into messages next to
//! their fields, in the user's language.

mod account;
mod admin;
mod admin_users;
mod audit_pages;
mod case_decisions;
mod case_forms;
mod case_manage;
mod case_trafficking;
mod cases;
mod chart;
mod forms;
mod handoff_page;
pub mod i18n;
mod inbox;
mod intake;
mod letter;
mod sent;
mod session_pages;
mod stats;
mod supervision;

use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::Payload;
use actix_web::error::InternalError;
use actix_web::http::Method;
use actix_web::http::{StatusCode, header};
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use askama::Template;
use futures_util::future::LocalBoxFuture;

use crate::audit::Ctx;
use crate::authz::{self, Action, Actor, Resource};
use crate::db::Db;
use crate::db::nav_counts::NavCounts;
use crate::http::session::{self, SESSION_COOKIE};
use crate::services::auth::{self as auth_service, AuthDeps};
use i18n::{Lang, Texts};

/// Cookie that remembers the chosen language.
const LANG_COOKIE: &str = "rujukan_lang";
/// Cookie that remembers the page a signed-out (or expired) user asked for, to return after login.
const NEXT_COOKIE: &str = "rujukan_next";

/// Registers the pages and the stylesheet.
pub fn configure(cfg: &mut web::ServiceConfig) {
    session_pages::configure(cfg);
    inbox::configure(cfg);
    sent::configure(cfg);
    handoff_page::configure(cfg);
    intake::configure(cfg);
    cases::configure(cfg);
    case_forms::configure(cfg);
    case_manage::configure(cfg);
    case_trafficking::configure(cfg);
    case_decisions::configure(cfg);
    supervision::configure(cfg);
    audit_pages::configure(cfg);
    admin::configure(cfg);
    admin_users::configure(cfg);
    account::configure(cfg);
    stats::configure(cfg);
    letter::configure(cfg);
}

/// What every page's frame needs: whether someone is signed in, the CSRF token of the session
/// (for the logout form and every other form), and which menu entries the user's roles open.
pub struct Chrome {
    /// Someone is signed in.
    pub signed_in: bool,
    /// The session's CSRF token.
    pub csrf: String,
    /// `username (AGENCY)`.
    pub user: String,
    /// May take cases in.
    pub intake: bool,
    /// Is a supervisor.
    pub supervision: bool,
    /// Is an auditor.
    pub audit: bool,
    /// Administers users or agencies.
    pub admin: bool,
    /// Reads statistics.
    pub stats: bool,
    /// The page's path, for the language links to come back to.
    pub here: String,
    /// May send handoffs: the "Sent" entry.
    pub sent: bool,
    /// The counts next to the menu entries (none when the database did not answer, or for a
    /// role that neither sees nor sends handoffs).
    pub nav: Option<NavCounts>,
}

impl Chrome {
    /// The frame of a page for nobody signed in.
    fn signed_out() -> Self {
        Self {
            signed_in: false,
            csrf: String::new(),
            user: String::new(),
            intake: false,
            supervision: false,
            audit: false,
            admin: false,
            stats: false,
            here: "/login".to_owned(),
            sent: false,
            nav: None,
        }
    }

    fn of(actor: &Actor, csrf: String, here: &str) -> Self {
        Self {
            here: here.to_owned(),
            signed_in: true,
            csrf,
            user: format!("{} ({})", actor.username, actor.agency_code),
            intake: may(actor, Action::CaseCreate),
            supervision: may(actor, Action::Supervise),
            audit: may(actor, Action::AuditSearch),
            admin: may(actor, Action::UserList),
            stats: may(actor, Action::StatsView),
            sent: may(actor, Action::HandoffSend),
            nav: None,
        }
    }
}

/// Whether the policy lets `actor`'s roles do `action` at all (menus, page guards).
fn may(actor: &Actor, action: Action) -> bool {
    authz::can(actor, action, Resource::System).is_ok()
}

/// The signed-in user of a page request.
pub struct Viewer {
    /// Who.
    pub actor: Actor,
    /// The session, for CSRF checks.
    pub session_id: String,
    /// The interface texts in the user's language.
    pub t: Texts,
    /// The page frame.
    pub chrome: Chrome,
}

impl Viewer {
    /// The audit context of this request.
    fn ctx(&self, req: &HttpRequest) -> Ctx {
        session::ctx(req, Some(self.actor.clone()))
    }

    /// The province whose clock (WIB or WITA) the user reads.
    fn province(&self) -> Option<&str> {
        self.actor.province.as_deref()
    }

    /// A UTC time in the user's zone, Indonesian style.
    fn time(&self, at: chrono::NaiveDateTime) -> String {
        crate::domain::local_time(at, self.province())
    }
}

/// A page handler taking a [`Viewer`] requires a signed-in user: anyone else is sent to the login
/// page, and back afterwards (see [`to_login`]).
impl FromRequest for Viewer {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, actix_web::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let deps = req.app_data::<web::Data<AuthDeps>>().cloned();
            let db = req.app_data::<web::Data<Db>>().cloned();
            let viewer = match (db, deps) {
                (Some(db), Some(deps)) => viewer(&req, &db, &deps).await,
                _ => Ok(None),
            };
            match viewer {
                Ok(Some(v)) => Ok(v),
                Ok(None) => Err(InternalError::from_response("signed out", to_login(&req)).into()),
                Err(e) => {
                    tracing::error!(error = %e, "a page could not check its session");
                    Err(InternalError::from_response("unavailable", unavailable(&req)).into())
                }
            }
        })
    }
}

/// A submitted form of a signed-in user whose CSRF token belongs to the user's session. Every
/// page form is read through it; a form from another (earlier) session gets one answer: a 403
/// page saying nothing was saved (the browser's Back keeps what was typed).
pub struct SignedForm {
    /// Who sent it.
    pub v: Viewer,
    /// Its fields.
    pub f: forms::Fields,
}

impl FromRequest for SignedForm {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, actix_web::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let viewer = Viewer::from_request(req, payload);
        let body = web::Bytes::from_request(req, payload);
        let deps = req.app_data::<web::Data<AuthDeps>>().cloned();
        Box::pin(async move {
            let v = viewer.await?;
            let f = forms::Fields::parse(&body.await?);
            match deps {
                Some(deps) if csrf_ok(&deps, &v, &f.csrf()) => Ok(SignedForm { v, f }),
                _ => Err(InternalError::from_response("stale form", stale_form(v)).into()),
            }
        })
    }
}

/// The one answer to a form whose CSRF token is not its session's: 403, nothing saved.
fn stale_form(v: Viewer) -> HttpResponse {
    message(
        v,
        StatusCode::FORBIDDEN,
        "error.title",
        "form.stale_session",
    )
}

/// The signed-in user of a page request, or `None` (no cookie, expired or revoked session).
async fn viewer(
    req: &HttpRequest,
    db: &Db,
    deps: &web::Data<AuthDeps>,
) -> Result<Option<Viewer>, crate::error::AppError> {
    use crate::error::AppError as E;
    let Some(cookie) = req.cookie(SESSION_COOKIE).map(|c| c.value().to_owned()) else {
        return Ok(None);
    };
    let d = deps.clone();
    let now = chrono::Utc::now().naive_utc();
    // One statement: the session, its user, and the menu's counts.
    let found = db
        .run(move |conn| auth_service::authenticate_page(conn, &d, &cookie, now))
        .await;
    let (actor, session_id, counts) = match found {
        Ok(found) => found,
        // The database did not answer (or failed): not a reason to sign the user out.
        Err(e @ (E::Unavailable(_) | E::StorageUnavailable(_) | E::Internal(_))) => return Err(e),
        Err(_) => return Ok(None),
    };
    let csrf = deps.keys.csrf_token(&session_id);
    let mut chrome = Chrome::of(&actor, csrf, req.path());
    chrome.nav = crate::services::nav::shown(&actor, counts);
    // The actor, for the trace a refused page leaves (`http::denials`).
    actix_web::HttpMessage::extensions_mut(req).insert(actor.clone());
    Ok(Some(Viewer {
        chrome,
        actor,
        session_id,
        t: Texts::new(lang_of(req)),
    }))
}

/// The page for a request whose session could not be checked because the database did not
/// answer: 503 with `Retry-After`, in the user's language; the session stays as it was.
fn unavailable(req: &HttpRequest) -> HttpResponse {
    let t = Texts::new(lang_of(req));
    let lang = match t.lang {
        Lang::Id => "id",
        Lang::En => "en",
    };
    HttpResponse::ServiceUnavailable()
        .insert_header(("Retry-After", "1"))
        .content_type("text/html; charset=utf-8")
        .body(format!(
            "<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <title>{}</title></head><body><h1>{}</h1><p>{}</p></body></html>",
            t.get("error.title"),
            t.get("error.title"),
            t.get("error.unavailable")
        ))
}

/// Whether a form's CSRF token belongs to the viewer's session.
fn csrf_ok(deps: &AuthDeps, viewer: &Viewer, token: &str) -> bool {
    deps.keys.csrf_matches(&viewer.session_id, token)
}

/// To the login page, remembering where to return: the page asked for, or, for a form sent after
/// the session ended, the nearest page above the form's address (`/cases/7/notes` returns to
/// `/cases/7`, `/inbox/3/accept` to `/inbox`).
fn to_login(req: &HttpRequest) -> HttpResponse {
    if matches!(*req.method(), Method::GET | Method::HEAD) {
        return to_login_then(req.path());
    }
    let map = req.resource_map();
    let mut path = req.path().trim_end_matches('/');
    while let Some((parent, _)) = path.rsplit_once('/') {
        path = parent;
        if !path.is_empty() && map.has_resource(path) {
            return to_login_then(path);
        }
    }
    see_other("/login")
}

/// To the login page, then back to `path` (a form sent after the session expired returns to its
/// page).
fn to_login_then(path: &str) -> HttpResponse {
    let cookie = Cookie::build(NEXT_COOKIE, path.to_owned())
        .path("/login")
        .http_only(true)
        .same_site(SameSite::Lax)
        .finish();
    see_other_with("/login", cookie)
}

/// A page with its Content-Security-Policy (the other security headers every response gets from
/// `http::security_headers`).
fn page(status: StatusCode, html: String) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ))
        .body(html)
}

fn render(status: StatusCode, template: &impl Template) -> HttpResponse {
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

/// A page with one message: not found, refused, or the database not answering.
#[derive(Template)]
#[template(path = "message.html")]
struct MessagePage {
    t: Texts,
    c: Chrome,
    title_key: &'static str,
    message_key: &'static str,
}

/// The refusal page (403): the policy does not let the viewer's roles open this page.
fn forbidden(v: Viewer) -> HttpResponse {
    message(v, StatusCode::FORBIDDEN, "error.title", "error.forbidden")
}

/// The 404 page: no such thing, or the user may not know it exists.
fn not_found(v: Viewer) -> HttpResponse {
    message(v, StatusCode::NOT_FOUND, "case.title", "case.not_found")
}

/// A page with one message.
fn message(
    v: Viewer,
    status: StatusCode,
    title_key: &'static str,
    message_key: &'static str,
) -> HttpResponse {
    render(
        status,
        &MessagePage {
            t: v.t,
            c: v.chrome,
            title_key,
            message_key,
        },
    )
}

/// The answer to a failed read: 404 for what the user may not see, 503 when the database does not
/// answer (logged), a refusal page otherwise.
fn failed(v: Viewer, e: crate::error::AppError, what: &str) -> HttpResponse {
    use crate::error::AppError as E;
    match e {
        E::NotFound => not_found(v),
        E::Forbidden => forbidden(v),
        other => {
            tracing::error!(error = %other, page = what, "a page could not be loaded");
            message(
                v,
                StatusCode::SERVICE_UNAVAILABLE,
                "error.title",
                "error.unavailable",
            )
        }
    }
}

/// Who did something, as pages show it: `username (AGENCY)`.
fn who(username: Option<String>, agency: Option<String>) -> String {
    match (username, agency) {
        (Some(user), Some(agency)) => format!("{user} ({agency})"),
        (Some(user), None) => user,
        _ => String::new(),
    }
}

/// The label of a classification term in the user's language.
fn label(t: &Texts, term: &crate::domain::classification::Term) -> String {
    match t.lang {
        Lang::Id => term.id.to_owned(),
        Lang::En => term.en.to_owned(),
    }
}

/// The label of `code` in `list`, or the code itself.
fn label_of(t: &Texts, list: &crate::domain::classification::List, code: &str) -> String {
    list.get(code)
        .map_or_else(|| code.to_owned(), |term| label(t, term))
}
