//! The case page's forms on the case as a whole: give it to another caseworker (supervisors),
//! close it with a reason, reopen it, hide the identity shown for the visit, and edit each
//! section the viewer's agency may change. Each calls the same service as the API, so the policy
//! module decides; a refused form comes back with its messages next to its fields.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, post, web};

use super::case_forms::Form;
use super::cases::Extra;
use super::forms::{self, Errors, Fields};
use super::{SignedForm, see_other};
use crate::crypto::Vault;
use crate::db::Db;
use crate::domain::case::{IncidentInput, MigrantInput};
use crate::error::AppError;
use crate::services::cases::{self as case_service, CasePatch, SurvivorPatch};
use crate::services::handoffs::AgreementSet;

pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(assign)
        .service(close)
        .service(reopen)
        .service(hide)
        .service(edit);
}

/// The case form of a request.
fn form(
    req: HttpRequest,
    db: web::Data<Db>,
    vault: web::Data<Vault>,
    set: web::Data<AgreementSet>,
    id: i64,
    signed: SignedForm,
) -> Form {
    Form {
        req,
        db,
        vault,
        set,
        v: signed.v,
        id,
        f: signed.f,
    }
}

/// The page again with the form `name` refused: `key`'s text next to its `field`.
async fn refused_with(form: Form, name: &'static str, field: &str, key: &str) -> HttpResponse {
    let t = form.v.t;
    let mut errors = Errors::default();
    errors.add(&format!("{name}.{field}"), t.get(key));
    let f = form.f.clone();
    form.again(
        Extra {
            banner: Some(t.get("form.has_errors")),
            form: Some((name, f, errors)),
            open: Some("manage".to_owned()),
            ..Default::default()
        },
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

/// Gives the case to another caseworker of the owning agency.
#[post("/cases/{id}/assign")]
async fn assign(
    req: HttpRequest,
    db: web::Data<Db>,
    vault: web::Data<Vault>,
    set: web::Data<AgreementSet>,
    id: web::Path<i64>,
    signed: SignedForm,
) -> HttpResponse {
    let form = form(req, db, vault, set, id.into_inner(), signed);
    let username = form.f.val("username");
    let (ctx, id) = (form.v.ctx(&form.req), form.id);
    let done = form
        .db
        .run(move |conn| case_service::assign(conn, &ctx, id, &username))
        .await;
    match done {
        Ok(_) => see_other(&format!("/cases/{id}?done=assigned&h=0#case-notice")),
        Err(AppError::Validation(_)) => {
            refused_with(form, "assign", "username", "assign.refused").await
        }
        Err(e) => form.refused("assign", e).await,
    }
}

/// Closes the case with a reason code.
#[post("/cases/{id}/close")]
async fn close(
    req: HttpRequest,
    db: web::Data<Db>,
    vault: web::Data<Vault>,
    set: web::Data<AgreementSet>,
    id: web::Path<i64>,
    signed: SignedForm,
) -> HttpResponse {
    let form = match form(req, db, vault, set, id.into_inner(), signed)
        .check("close", true)
        .await
    {
        Ok(form) => form,
        Err(answer) => return answer,
    };
    let reason = form.f.val("reason");
    let (ctx, id) = (form.v.ctx(&form.req), form.id);
    let mediation = reason == "settled_by_mediation";
    let done = form
        .db
        .run(move |conn| case_service::close(conn, &ctx, id, &reason))
        .await;
    match done {
        Ok(_) => see_other(&format!("/cases/{id}?done=closed&h=0#case-notice")),
        Err(AppError::Validation(_)) if mediation => {
            refused_with(form, "close", "reason", "close.mediation_barred").await
        }
        Err(AppError::Validation(_)) => {
            refused_with(form, "close", "reason", "close.choose_reason").await
        }
        Err(e) => form.refused("close", e).await,
    }
}

/// Reopens the case with a reason code.
#[post("/cases/{id}/reopen")]
async fn reopen(
    req: HttpRequest,
    db: web::Data<Db>,
    vault: web::Data<Vault>,
    set: web::Data<AgreementSet>,
    id: web::Path<i64>,
    signed: SignedForm,
) -> HttpResponse {
    let form = form(req, db, vault, set, id.into_inner(), signed);
    let reason = form.f.val("reason");
    let (ctx, id) = (form.v.ctx(&form.req), form.id);
    let done = form
        .db
        .run(move |conn| case_service::reopen(conn, &ctx, id, &reason))
        .await;
    match done {
        Ok(_) => see_other(&format!("/cases/{id}?done=reopened&h=0#case-notice")),
        Err(AppError::Validation(_)) => {
            refused_with(form, "reopen", "reason", "reopen.choose_reason").await
        }
        Err(e) => form.refused("reopen", e).await,
    }
}

/// Hides the identity shown for the visit.
#[post("/cases/{id}/identity/hide")]
async fn hide(
    req: HttpRequest,
    db: web::Data<Db>,
    vault: web::Data<Vault>,
    set: web::Data<AgreementSet>,
    id: web::Path<i64>,
    signed: SignedForm,
) -> HttpResponse {
    let form = form(req, db, vault, set, id.into_inner(), signed);
    let (ctx, id, session) = (form.v.ctx(&form.req), form.id, form.v.session_id.clone());
    let done = form
        .db
        .run(move |conn| case_service::hide_for_visit(conn, &ctx, id, &session))
        .await;
    match done {
        Ok(()) => see_other(&format!("/cases/{id}#profile")),
        Err(e) => super::failed(form.v, e, "case"),
    }
}

/// Changes one section of the case (`section`: profile, migrant, risk, incident, legal,
/// identity), with the version the form was filled from.
#[post("/cases/{id}/edit")]
async fn edit(
    req: HttpRequest,
    db: web::Data<Db>,
    vault: web::Data<Vault>,
    set: web::Data<AgreementSet>,
    id: web::Path<i64>,
    signed: SignedForm,
) -> HttpResponse {
    let form = match form(req, db, vault, set, id.into_inner(), signed)
        .check("edit", true)
        .await
    {
        Ok(form) => form,
        Err(answer) => return answer,
    };
    let (ctx, vault, id) = (form.v.ctx(&form.req), form.vault.clone(), form.id);
    let f = form.f.clone();
    let done = form
        .db
        .run(move |conn| {
            let existing = if f.val("section") == "incident" {
                case_service::incident_inputs(conn, &ctx, id)?
            } else {
                Vec::new()
            };
            let patch = patch_of(&f, existing)?;
            case_service::update(conn, &ctx, &vault, id, patch)
        })
        .await;
    match done {
        Ok(_) => see_other(&format!("/cases/{id}?done=edited&h=0#case-notice")),
        Err(e) => match forms::field_errors(&form.v.t, &e) {
            Some(errors) => {
                let (t, f) = (form.v.t, form.f.clone());
                form.again(
                    Extra {
                        banner: Some(t.get("form.has_errors")),
                        form: Some(("edit", f, errors)),
                        open: Some("edit".to_owned()),
                        ..Default::default()
                    },
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await
            }
            None => form.refused("edit", e).await,
        },
    }
}

/// The patch one edit form asks for; `existing` are the case's incidents (an added incident
/// goes after them).
fn patch_of(f: &Fields, existing: Vec<IncidentInput>) -> Result<CasePatch, AppError> {
    let version = f
        .one("version")
        .and_then(|v| v.parse().ok())
        .unwrap_or_default();
    let mut patch = CasePatch::empty(version);
    match f.val("section").as_str() {
        "profile" => {
            patch.survivor = Some(SurvivorPatch {
                age_band: f.one("survivor.age_band"),
                sex: f.one("survivor.sex"),
                disabilities: Some(f.all("survivor.disabilities")),
                home_province: f.one("survivor.home_province"),
                home_district: f.one("survivor.home_district"),
                ..Default::default()
            });
        }
        "migrant" => {
            patch.migrant = Some(MigrantInput {
                migration_stage: f.one("migrant.migration_stage"),
                placement_channel: f.one("migrant.placement_channel"),
                destination_country: f.one("migrant.destination_country"),
                sector: f.one("migrant.sector"),
                p3mi: f.one("migrant.p3mi"),
                employer_abroad: f.one("migrant.employer_abroad"),
                bp2mi_complaint_number: f.one("migrant.bp2mi_complaint_number"),
            });
            patch.risk_level = f.one("risk_level");
        }
        "incident" => {
            let mut incidents = existing;
            let added = IncidentInput {
                date: f.one("incident.date"),
                place: f.one("incident.place"),
                country: f.one("incident.country"),
                forms: f.all("incident.forms"),
                gbvims_type: f.one("incident.gbvims_type"),
                perpetrator_relation: f.one("incident.perpetrator_relation"),
                ..Default::default()
            };
            let described = added.date.is_some()
                || added.place.is_some()
                || added.country.is_some()
                || !added.forms.is_empty()
                || added.gbvims_type.is_some()
                || added.perpetrator_relation.is_some();
            if !described {
                return Err(crate::domain::Invalid::new(
                    "incident",
                    "describe the incident: its date, place, country or form",
                )
                .into());
            }
            incidents.push(added);
            patch.incidents = Some(incidents);
        }
        "legal" => {
            patch.legal_basis = Some(f.all("legal_basis"));
            patch.procedural_regime = f.one("procedural_regime");
        }
        "identity" => {
            patch.survivor = Some(SurvivorPatch {
                full_name: f.one("survivor.full_name"),
                nik: f.one("survivor.nik"),
                passport_number: f.one("survivor.passport_number"),
                phone: f.one("survivor.phone"),
                address: f.one("survivor.address"),
                date_of_birth: f.one("survivor.date_of_birth"),
                ..Default::default()
            });
            patch.safety_plan = f.one("safety_plan");
        }
        _ => {
            return Err(crate::domain::Invalid::new("section", "unknown section").into());
        }
    }
    Ok(patch)
}
