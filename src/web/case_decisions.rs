//! The receiver's and sender's decisions on a handoff, taken on the case page where the case is
//! read: accept, decline with a reason, complete with an outcome (the receiver), withdraw with a
//! reason (the sender). A missing reason or outcome is a message next to the form; a handoff
//! decided meanwhile (a stale page, a second click) is said plainly at the top of the fresh page.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, post, web};

use super::cases::{Extra, case_page};
use super::{SignedForm, see_other};
use crate::crypto::Vault;
use crate::db::Db;
use crate::error::AppError;
use crate::services::handoffs::{self, AgreementSet, Decision};

pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(decide);
}

/// What a decision form needs written, if anything: (field, text key of the message).
fn required(decision: &str) -> Option<(&'static str, &'static str)> {
    match decision {
        "decline" => Some(("reason", "inbox.reason_required")),
        "withdraw" => Some(("reason", "inbox.reason_required")),
        "complete" => Some(("outcome", "receive.outcome_required")),
        _ => None,
    }
}

/// `/cases/{id}/handoffs/{handoff}/{accept|decline|complete|withdraw}`.
#[post("/cases/{id}/handoffs/{handoff}/{decision}")]
async fn decide(
    req: HttpRequest,
    db: web::Data<Db>,
    vault: web::Data<Vault>,
    set: web::Data<AgreementSet>,
    path: web::Path<(i64, i64, String)>,
    SignedForm { v, f }: SignedForm,
) -> HttpResponse {
    let (case_id, handoff_id, decision) = path.into_inner();
    let text = required(&decision).and_then(|(field, _)| f.one(field));
    let text = text.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty());
    let chosen = match (decision.as_str(), text) {
        ("accept", _) => Decision::Accept,
        ("decline", Some(reason)) => Decision::Decline(reason),
        ("withdraw", Some(reason)) => Decision::Withdraw(reason),
        ("complete", Some(outcome)) => Decision::Complete(outcome),
        (other, None) if required(other).is_some() => {
            let key = required(other).map_or("form.has_errors", |(_, key)| key);
            let extra = Extra {
                decision_error: Some((handoff_id, decision.clone(), v.t.get(key))),
                banner: Some(v.t.get("form.has_errors")),
                ..Default::default()
            };
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return case_page(&req, &db, &vault, &set, v, case_id, extra, status).await;
        }
        _ => return crate::web::failed(v, AppError::NotFound, "case"),
    };
    let ctx = v.ctx(&req);
    let vlt = vault.clone();
    let decided = db
        .run(move |conn| handoffs::decide(conn, &ctx, &vlt, handoff_id, chosen))
        .await;
    match decided {
        Ok(h) if h.case_id == case_id => {
            let done = h.status.as_str();
            see_other(&format!(
                "/cases/{case_id}?done={done}&h={handoff_id}#handoffs"
            ))
        }
        Ok(h) => see_other(&format!("/cases/{}#handoffs", h.case_id)),
        Err(AppError::Conflict { .. }) => {
            let extra = Extra {
                banner: Some(v.t.get("receive.already_decided")),
                ..Default::default()
            };
            case_page(
                &req,
                &db,
                &vault,
                &set,
                v,
                case_id,
                extra,
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(e) => crate::web::failed(v, e, "case"),
    }
}
