//! What an administrator does to one user on the administration page: deactivate and reactivate
//! the account, reset its password. Each goes through the same service as the API (`PATCH
//! /api/v1/users/{id}`, `POST /api/v1/users/{id}/password`): the policy decides, the service
//! writes the audit event, deactivating and resetting end the user's sessions at once.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, post, web};

use super::admin::{Shown, page};
use super::forms::{Errors, Fields};
use super::{SignedForm, Viewer, see_other};
use crate::db::Db;
use crate::error::AppError;
use crate::services::accounts::{self, UserPatch};
use crate::services::auth::AuthDeps;
use crate::services::handoffs::AgreementSet;

pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(set_active).service(reset_password);
}

/// Back to the user list, saying what was done to whom.
fn done(what: &str, username: &str) -> HttpResponse {
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("done", what)
        .append_pair("user", username)
        .finish();
    see_other(&format!("/admin?{query}#users"))
}

/// The administration page again with one message above the user list (a refusal, in words).
async fn refused(
    req: &HttpRequest,
    db: &Db,
    set: &AgreementSet,
    v: Viewer,
    key: &str,
    status: StatusCode,
) -> HttpResponse {
    let mut errors = Errors::default();
    errors.add("form", v.t.get(key));
    page(
        req,
        db,
        set,
        v,
        Fields::default(),
        errors,
        Shown::default(),
        status,
    )
    .await
}

/// Deactivates (`active=false`) or reactivates (`active=true`) a user. Nobody deactivates their
/// own account; an agency administrator manages only their agency's users and no system
/// administrator.
#[post("/admin/users/{id}/active")]
async fn set_active(
    req: HttpRequest,
    db: web::Data<Db>,
    set: web::Data<AgreementSet>,
    id: web::Path<i64>,
    SignedForm { v, f }: SignedForm,
) -> HttpResponse {
    let active = f.one("active").as_deref() == Some("true");
    let ctx = v.ctx(&req);
    let id = id.into_inner();
    let patch = UserPatch {
        active: Some(active),
        ..UserPatch::default()
    };
    match db
        .run(move |conn| accounts::update_user(conn, &ctx, id, patch))
        .await
    {
        Ok(user) => done(
            if active { "reactivated" } else { "deactivated" },
            &user.user.username,
        ),
        Err(AppError::Validation(_)) => {
            let key = "admin.own_account";
            refused(&req, &db, &set, v, key, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(AppError::Forbidden | AppError::AccessRefused { .. }) => {
            let key = "admin.manage_refused";
            refused(&req, &db, &set, v, key, StatusCode::FORBIDDEN).await
        }
        Err(e) => super::failed(v, e, "activate user"),
    }
}

/// Resets a user's password to the temporary one the administrator typed (told to the user in
/// person; the user changes it on the account page). Their sessions end; the roles of the
/// account that read cases wait for someone else's confirmation.
#[post("/admin/users/{id}/password")]
async fn reset_password(
    req: HttpRequest,
    db: web::Data<Db>,
    deps: web::Data<AuthDeps>,
    set: web::Data<AgreementSet>,
    id: web::Path<i64>,
    SignedForm { v, f }: SignedForm,
) -> HttpResponse {
    let id = id.into_inner();
    if id == v.actor.user_id {
        // One's own password is changed with the current one, on the account page.
        return see_other("/account/password");
    }
    let password = f.val("new_password");
    let ctx = v.ctx(&req);
    let d = deps.clone();
    let reset = db
        .run(move |conn| {
            accounts::set_password(conn, &ctx, &d.hasher, id, None, &password)?;
            accounts::get_user(conn, &ctx, id)
        })
        .await;
    match reset {
        Ok(user) => done("reset", &user.user.username),
        Err(AppError::Validation(_)) => {
            let mut errors = Errors::default();
            errors.add("reset_password", v.t.get("field.password"));
            let shown = Shown {
                reset_for: Some(id),
                ..Shown::default()
            };
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            page(&req, &db, &set, v, Fields::default(), errors, shown, status).await
        }
        Err(AppError::Forbidden | AppError::AccessRefused { .. }) => {
            let key = "admin.manage_refused";
            refused(&req, &db, &set, v, key, StatusCode::FORBIDDEN).await
        }
        Err(e) => super::failed(v, e, "reset password"),
    }
}
