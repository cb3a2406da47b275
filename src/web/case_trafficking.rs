//! The forms of the case page's "Kronologi dan pelaku" section (built by `cases::trafficking`):
//! the facts (channel, return date, debarkation point, chronology; versioned like the other
//! changes of the case) and one more perpetrator. A refused form comes back with its messages
//! next to its fields and what was typed.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, post, web};

use super::cases::{Extra, case_page};
use super::forms::{self, Errors, Fields};
use super::i18n::Texts;
use super::{SignedForm, Viewer, see_other};
use crate::crypto::Vault;
use crate::db::Db;
use crate::domain::case::RepatriationInput;
use crate::error::{AppError, FieldError};
use crate::services::cases::{self as case_service, CasePatch, PerpetratorAdd};
use crate::services::handoffs::AgreementSet;

pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(save_facts).service(add_perpetrator);
}

/// What both form handlers need.
struct Form {
    req: HttpRequest,
    db: web::Data<Db>,
    vault: web::Data<Vault>,
    set: web::Data<AgreementSet>,
    v: Viewer,
    id: i64,
    f: Fields,
}

impl Form {
    /// The case page with the refused form `name` (`trafficking` or `perpetrator`): field
    /// messages next to its fields, a conflict or refusal at the top, what was typed kept.
    async fn refused(self, name: &'static str, e: AppError) -> HttpResponse {
        let t = self.v.t;
        let (banner, errors, status) = match &e {
            AppError::Validation(problems) => (
                Some(t.get("form.has_errors")),
                messages(&t, name, problems),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            AppError::Conflict { .. } => (
                Some(t.get(if name == "trafficking" {
                    "form.stale"
                } else {
                    "form.conflict"
                })),
                Errors::default(),
                StatusCode::CONFLICT,
            ),
            AppError::Forbidden | AppError::AccessRefused { .. } => (
                Some(t.get("error.forbidden")),
                Errors::default(),
                StatusCode::FORBIDDEN,
            ),
            _ => return super::failed(self.v, e, name),
        };
        let f = self.f.clone();
        case_page(
            &self.req,
            &self.db,
            &self.vault,
            &self.set,
            self.v,
            self.id,
            Extra {
                banner,
                form: Some((name, f, errors)),
                ..Default::default()
            },
            status,
        )
        .await
    }
}

/// The service's field errors as messages next to the form `name`'s fields (`name.<field>`),
/// each in the user's language. The add form's `role` and `name` read as a perpetrator's.
fn messages(t: &Texts, name: &str, problems: &[FieldError]) -> Errors {
    let mut errors = Errors::default();
    for problem in problems {
        let field = forms::form_field(&problem.field);
        let key = match field.as_str() {
            "role" | "name" => format!("field.perpetrators.{field}"),
            other => format!("field.{other}"),
        };
        let text = t.get(&key);
        let message = if text == key {
            t.get("field.generic")
        } else {
            text
        };
        errors.add(&format!("{name}.{field}"), message);
    }
    errors
}

/// Sets the intake channel, the repatriation facts and (for an agency holding `incident`) the
/// chronology, as a change of the version the user saw.
#[post("/cases/{id}/trafficking")]
async fn save_facts(
    req: HttpRequest,
    db: web::Data<Db>,
    vault: web::Data<Vault>,
    set: web::Data<AgreementSet>,
    id: web::Path<i64>,
    SignedForm { v, f }: SignedForm,
) -> HttpResponse {
    let id = id.into_inner();
    let version: i32 = f.one("version").and_then(|v| v.parse().ok()).unwrap_or(0);
    // The chronology box is on the form only for an agency that writes it.
    let chronology = f
        .one("chronology_shown")
        .is_some()
        .then(|| f.val("chronology"));
    let patch = CasePatch {
        version,
        survivor: None,
        migrant: None,
        incidents: None,
        risk_level: None,
        safety_plan: None,
        legal_basis: None,
        procedural_regime: None,
        intake_channel: Some(f.val("intake_channel")),
        repatriation: Some(RepatriationInput {
            return_date: f.one("repatriation.return_date"),
            debarkation_point: f.one("repatriation.debarkation_point"),
        }),
        chronology,
        perpetrators: None,
    };
    let (ctx, vlt) = (v.ctx(&req), vault.clone());
    let changed = db
        .run(move |conn| case_service::update(conn, &ctx, &vlt, id, patch))
        .await;
    match changed {
        Ok(_) => see_other(&format!("/cases/{id}?open=trafficking#trafficking")),
        Err(e) => {
            let form = Form {
                req,
                db,
                vault,
                set,
                v,
                id,
                f,
            };
            form.refused("trafficking", e).await
        }
    }
}

/// Adds one perpetrator or intermediary (role and name).
#[post("/cases/{id}/perpetrators")]
async fn add_perpetrator(
    req: HttpRequest,
    db: web::Data<Db>,
    vault: web::Data<Vault>,
    set: web::Data<AgreementSet>,
    id: web::Path<i64>,
    SignedForm { v, f }: SignedForm,
) -> HttpResponse {
    let id = id.into_inner();
    let input = PerpetratorAdd {
        role: f.val("role"),
        name: f.val("name"),
    };
    let (ctx, vlt) = (v.ctx(&req), vault.clone());
    let added = db
        .run(move |conn| case_service::add_perpetrator(conn, &ctx, &vlt, id, input))
        .await;
    match added {
        Ok(_) => see_other(&format!("/cases/{id}?open=trafficking#trafficking")),
        Err(e) => {
            let form = Form {
                req,
                db,
                vault,
                set,
                v,
                id,
                f,
            };
            form.refused("perpetrator", e).await
        }
    }
}
