//! The signed-in user's own account: changing one's password with the current one, through the
//! same service as `POST /api/v1/me/password` (the same policy, audit event and ending of every
//! session, this one too: the user signs in again with the new password).

use actix_web::cookie::Cookie;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;

use super::forms::{Errors, localize};
use super::i18n::Texts;
use super::{Chrome, SignedForm, Viewer, render, see_other_with};
use crate::db::Db;
use crate::error::AppError;
use crate::http::session::SESSION_COOKIE;
use crate::services::accounts;
use crate::services::auth::AuthDeps;

pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(password_page).service(change_password);
}

#[derive(Template)]
#[template(path = "account.html")]
struct PasswordPage {
    t: Texts,
    c: Chrome,
    username: String,
    errors: Errors,
}

fn page(v: Viewer, errors: Errors, status: StatusCode) -> HttpResponse {
    render(
        status,
        &PasswordPage {
            username: v.actor.username.clone(),
            t: v.t,
            c: v.chrome,
            errors,
        },
    )
}

#[get("/account/password")]
async fn password_page(v: Viewer) -> HttpResponse {
    page(v, Errors::default(), StatusCode::OK)
}

/// The service's complaints as messages next to the page's fields: the current password missing
/// or wrong, the new one too weak (the service calls it `password`).
fn messages(t: &Texts, e: &AppError) -> Option<Errors> {
    let AppError::Validation(problems) = e else {
        return None;
    };
    let mut errors = Errors::default();
    for problem in problems {
        match problem.field.as_str() {
            "current_password" if problem.message.contains("wrong") => {
                errors.add("current_password", t.get("account.current_wrong"));
            }
            "current_password" => errors.add("current_password", t.get("account.current_missing")),
            "password" => errors.add("new_password", t.get("field.password")),
            _ => {
                let other = localize(t, std::slice::from_ref(problem));
                for (field, message) in other.entries() {
                    errors.add(field, message.clone());
                }
            }
        }
    }
    Some(errors)
}

/// Changes the viewer's password. Every session of the user ends, this one too (as through the
/// API): the browser goes to the login page, which says the password was changed.
#[post("/account/password")]
async fn change_password(
    req: HttpRequest,
    db: web::Data<Db>,
    deps: web::Data<AuthDeps>,
    SignedForm { v, f }: SignedForm,
) -> HttpResponse {
    let current = f.val("current_password");
    let new_password = f.val("new_password");
    let mut errors = Errors::default();
    if current.is_empty() {
        errors.add("current_password", v.t.get("account.current_missing"));
    }
    if new_password.is_empty() {
        errors.add("new_password", v.t.get("field.password"));
    } else if f.val("new_password_again") != new_password {
        errors.add("new_password_again", v.t.get("account.mismatch"));
    }
    if !errors.is_empty() {
        return page(v, errors, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let ctx = v.ctx(&req);
    let id = v.actor.user_id;
    let d = deps.clone();
    let changed = db
        .run(move |conn| {
            accounts::set_password(conn, &ctx, &d.hasher, id, Some(&current), &new_password)
        })
        .await;
    match changed {
        Ok(()) => {
            let mut gone = Cookie::build(SESSION_COOKIE, "").path("/").finish();
            gone.make_removal();
            see_other_with("/login?changed=password", gone)
        }
        Err(e) => match messages(&v.t, &e) {
            Some(errors) => page(v, errors, StatusCode::UNPROCESSABLE_ENTITY),
            None => super::failed(v, e, "change password"),
        },
    }
}
