//! The case page's "Kronologi dan pelaku" section: the intake channel, the repatriation facts, the
//! chronology and the perpetrators in words, and its two forms: the facts (channel, return date,
//! debarkation point, chronology; versioned like the other changes of the case) and one more
//! perpetrator. A refused form comes back with its messages next to its fields and what was typed.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, post, web};

use super::cases::{Extra, case_page};
use super::forms::{self, Errors, Fields};
use super::i18n::Texts;
use super::{SignedForm, Viewer, label, label_of, see_other};
use crate::crypto::Vault;
use crate::domain::case::RepatriationInput;
use crate::domain::classification::{self as cls, List};
use crate::db::Db;
use crate::error::{AppError, FieldError};
use crate::services::cases::{self as case_service, CaseDetail, CasePatch, PerpetratorAdd};
use crate::services::handoffs::AgreementSet;

pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(save_facts).service(add_perpetrator);
}

/// One option of a select list, marked when chosen.
pub(in crate::web) struct Pick {
    pub(in crate::web) code: &'static str,
    pub(in crate::web) label: String,
    pub(in crate::web) selected: bool,
}

fn picks(t: &Texts, list: &List, chosen: &str) -> Vec<Pick> {
    list.terms
        .iter()
        .map(|term| Pick {
            code: term.code,
            label: label(t, term),
            selected: term.code == chosen,
        })
        .collect()
}

/// What the section shows and offers.
pub(in crate::web) struct TraffickingSection {
    /// `(label key, value in words)` of the facts that have a value.
    pub(in crate::web) facts: Vec<(&'static str, String)>,
    /// The viewer's agency reads the chronology and the names (it holds `incident`).
    pub(in crate::web) reads: bool,
    /// The chronology, when read.
    pub(in crate::web) chronology: Option<String>,
    /// `(role in words, name)` of each perpetrator, when read.
    pub(in crate::web) perpetrators: Vec<(String, String)>,
    /// May set the channel and the repatriation (`summary`).
    pub(in crate::web) edit_facts: bool,
    /// May write the chronology and add perpetrators (`incident`).
    pub(in crate::web) edit_story: bool,
    /// The form's values: as typed when it was refused, else as stored.
    pub(in crate::web) channels: Vec<Pick>,
    pub(in crate::web) points: Vec<Pick>,
    pub(in crate::web) roles: Vec<Pick>,
    pub(in crate::web) return_date: String,
    pub(in crate::web) chronology_text: String,
    pub(in crate::web) name_text: String,
    /// One of its forms was refused: the section shows open.
    pub(in crate::web) refused: bool,
}

impl TraffickingSection {
    /// The section of `detail` for the viewer; `form` and `f` are the refused form, if any.
    pub(in crate::web) fn new(t: &Texts, detail: &CaseDetail, form: &str, f: &Fields) -> Self {
        let open = detail.status.is_open();
        let may = |c: &str| open && detail.actions.edit.iter().any(|e| e == c);
        let r = &detail.repatriation;
        let mut facts = vec![
            (
                "label.intake_channel",
                detail
                    .intake_channel
                    .as_deref()
                    .map(|c| label_of(t, &cls::INTAKE_CHANNEL, c))
                    .unwrap_or_default(),
            ),
            (
                "label.repatriation.return_date",
                r.return_date
                    .map(|d| d.format("%d-%m-%Y").to_string())
                    .unwrap_or_default(),
            ),
            (
                "label.repatriation.debarkation_point",
                r.debarkation_point
                    .as_deref()
                    .map(|c| label_of(t, &cls::DEBARKATION_POINT, c))
                    .unwrap_or_default(),
            ),
        ];
        facts.retain(|(_, v)| !v.is_empty());
        let typed = form == "trafficking";
        let value = |name: &str, stored: String| if typed { f.val(name) } else { stored };
        let channel = value(
            "intake_channel",
            detail.intake_channel.clone().unwrap_or_default(),
        );
        let point = value(
            "repatriation.debarkation_point",
            r.debarkation_point.clone().unwrap_or_default(),
        );
        let added = form == "perpetrator";
        TraffickingSection {
            facts,
            reads: detail.perpetrators.is_some(),
            chronology: detail.chronology.clone(),
            perpetrators: detail
                .perpetrators
                .iter()
                .flatten()
                .map(|p| (label_of(t, &cls::PERPETRATOR_ROLE, &p.role), p.name.clone()))
                .collect(),
            edit_facts: may("summary"),
            edit_story: may("incident") && detail.perpetrators.is_some(),
            channels: picks(t, &cls::INTAKE_CHANNEL, &channel),
            points: picks(t, &cls::DEBARKATION_POINT, &point),
            roles: picks(
                t,
                &cls::PERPETRATOR_ROLE,
                &if added { f.val("role") } else { String::new() },
            ),
            return_date: value(
                "repatriation.return_date",
                r.return_date.map(|d| d.to_string()).unwrap_or_default(),
            ),
            chronology_text: value("chronology", detail.chronology.clone().unwrap_or_default()),
            name_text: if added { f.val("name") } else { String::new() },
            refused: typed || added,
        }
    }
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
