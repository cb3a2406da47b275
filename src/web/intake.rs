//! The intake form: a new case with the classification lists as select lists and check boxes.
//! A refused form comes back with each message next to its field, in the user's language, and
//! with everything the user typed still in place.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;

use super::forms::{self, Choice, Errors, Fields};
use super::i18n::Texts;
use super::{Chrome, SignedForm, Viewer, render, see_other};
use crate::authz::{self, Action, Resource};
use crate::crypto::Vault;
use crate::db::Db;
use crate::domain::case::{
    CaseInput, IncidentInput, MigrantInput, PerpetratorInput, RepatriationInput, SurvivorInput,
};
use crate::domain::classification as cls;
use crate::domain::places;
use crate::services::auth::AuthDeps;

pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(form).service(submit);
}

/// The choices of every list on the form (and on the case page's edit forms).
pub(super) struct Lists {
    pub(super) age_band: Vec<Choice>,
    pub(super) sex: Vec<Choice>,
    pub(super) disability: Vec<Choice>,
    pub(super) migration_stage: Vec<Choice>,
    pub(super) placement_channel: Vec<Choice>,
    pub(super) sector: Vec<Choice>,
    pub(super) place: Vec<Choice>,
    pub(super) forms: Vec<Choice>,
    pub(super) gbvims_type: Vec<Choice>,
    pub(super) relation: Vec<Choice>,
    pub(super) legal_basis: Vec<Choice>,
    pub(super) risk_level: Vec<Choice>,
    pub(super) intake_channel: Vec<Choice>,
    pub(super) debarkation_point: Vec<Choice>,
    pub(super) perpetrator_role: Vec<Choice>,
    pub(super) provinces: Vec<Choice>,
    /// Regencies and cities, each with its province.
    pub(super) districts: Vec<Choice>,
    pub(super) countries: Vec<Choice>,
}

impl Lists {
    /// Every list, labelled in the user's language.
    pub(super) fn new(t: &Texts) -> Self {
        Self {
            age_band: forms::choices(t, &cls::AGE_BAND),
            sex: forms::choices(t, &cls::SEX),
            disability: forms::choices(t, &cls::DISABILITY),
            migration_stage: forms::choices(t, &cls::MIGRATION_STAGE),
            placement_channel: forms::choices(t, &cls::PLACEMENT_CHANNEL),
            sector: forms::choices(t, &cls::SECTOR),
            place: forms::choices(t, &cls::INCIDENT_PLACE),
            forms: forms::choices(t, &cls::VIOLENCE_FORM),
            gbvims_type: forms::choices(t, &cls::GBVIMS_TYPE),
            relation: forms::choices(t, &cls::PERPETRATOR_RELATION),
            legal_basis: forms::choices(t, &cls::LEGAL_BASIS),
            risk_level: forms::choices(t, &cls::RISK_LEVEL),
            intake_channel: forms::choices(t, &cls::INTAKE_CHANNEL),
            debarkation_point: forms::choices(t, &cls::DEBARKATION_POINT),
            perpetrator_role: forms::choices(t, &cls::PERPETRATOR_ROLE),
            provinces: places(t, places::PROVINCES),
            districts: places::REGENCIES
                .iter()
                .map(|r| Choice {
                    code: r.code,
                    label: format!("{} ({})", r.id, t.place(&r.code[..2])),
                })
                .collect(),
            countries: places(t, places::COUNTRIES),
        }
    }
}

/// Places as choices, named in the user's language.
fn places(t: &Texts, list: &'static [places::Place]) -> Vec<Choice> {
    list.iter()
        .map(|p| Choice {
            code: p.code,
            label: t.place(p.code),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "intake.html")]
struct IntakePage {
    t: Texts,
    c: Chrome,
    f: Fields,
    errors: Errors,
    lists: Lists,
}

fn page(v: Viewer, f: Fields, errors: Errors, status: StatusCode) -> HttpResponse {
    let lists = Lists::new(&v.t);
    render(
        status,
        &IntakePage {
            t: v.t,
            c: v.chrome,
            f,
            errors,
            lists,
        },
    )
}

#[get("/cases/new")]
async fn form(
    _req: HttpRequest,
    _db: web::Data<Db>,
    _deps: web::Data<AuthDeps>,
    v: Viewer,
) -> HttpResponse {
    if authz::can(&v.actor, Action::CaseCreate, Resource::System).is_err() {
        return super::message(v, StatusCode::FORBIDDEN, "error.title", "error.forbidden");
    }
    page(v, Fields::default(), Errors::default(), StatusCode::OK)
}

/// The intake as the service takes it. The form takes one incident.
fn input_of(f: &Fields) -> CaseInput {
    let migrant = MigrantInput {
        migration_stage: f.one("migrant.migration_stage"),
        placement_channel: f.one("migrant.placement_channel"),
        destination_country: f
            .one("migrant.destination_country")
            .map(|c| c.to_uppercase()),
        sector: f.one("migrant.sector"),
        ..Default::default()
    };
    let incident = IncidentInput {
        date: f.one("incident.date"),
        place: f.one("incident.place"),
        country: f.one("incident.country").map(|c| c.to_uppercase()),
        forms: f.all("incident.forms"),
        gbvims_type: f.one("incident.gbvims_type"),
        perpetrator_relation: f.one("incident.perpetrator_relation"),
        ..Default::default()
    };
    let has_incident = incident.date.is_some()
        || incident.place.is_some()
        || incident.country.is_some()
        || !incident.forms.is_empty()
        || incident.gbvims_type.is_some()
        || incident.perpetrator_relation.is_some();
    let has_migrant = migrant.migration_stage.is_some()
        || migrant.placement_channel.is_some()
        || migrant.destination_country.is_some()
        || migrant.sector.is_some();
    CaseInput {
        survivor: SurvivorInput {
            full_name: f.one("survivor.full_name").unwrap_or_default(),
            nik: f.one("survivor.nik"),
            passport_number: f.one("survivor.passport_number"),
            phone: f.one("survivor.phone"),
            date_of_birth: f.one("survivor.date_of_birth"),
            age_band: f.one("survivor.age_band"),
            sex: f.one("survivor.sex"),
            disabilities: f.all("survivor.disabilities"),
            home_province: f.one("survivor.home_province"),
            home_district: f.one("survivor.home_district"),
            ..Default::default()
        },
        migrant: has_migrant.then_some(migrant),
        incidents: if has_incident {
            vec![incident]
        } else {
            Vec::new()
        },
        risk_level: f.one("risk_level"),
        legal_basis: f.all("legal_basis"),
        intake_channel: f.one("intake_channel"),
        repatriation: repatriation_of(f),
        chronology: f.one("chronology"),
        perpetrators: perpetrator_of(f).into_iter().collect(),
        ..Default::default()
    }
}

/// The repatriation facts, if the form gives any.
fn repatriation_of(f: &Fields) -> Option<RepatriationInput> {
    let r = RepatriationInput {
        return_date: f.one("repatriation.return_date"),
        debarkation_point: f.one("repatriation.debarkation_point"),
    };
    (r.return_date.is_some() || r.debarkation_point.is_some()).then_some(r)
}

/// The form's one perpetrator row, if either of its fields is filled.
fn perpetrator_of(f: &Fields) -> Option<PerpetratorInput> {
    let (role, name) = (f.one("perpetrators.role"), f.one("perpetrators.name"));
    (role.is_some() || name.is_some()).then(|| PerpetratorInput {
        role: role.unwrap_or_default(),
        name: name.unwrap_or_default(),
    })
}

#[post("/cases/new")]
async fn submit(
    req: HttpRequest,
    db: web::Data<Db>,
    vault: web::Data<Vault>,
    SignedForm { v, f }: SignedForm,
) -> HttpResponse {
    let input = input_of(&f);
    let ctx = v.ctx(&req);
    let vlt = vault.clone();
    let created = db
        .run(move |conn| crate::services::cases::create(conn, &ctx, &vlt, input))
        .await;
    match created {
        Ok(case) if case.duplicates.is_empty() => see_other(&format!("/cases/{}", case.id)),
        Ok(case) => created_page(v, &case),
        Err(e) => match forms::field_errors(&v.t, &e) {
            Some(errors) => page(v, f, errors, StatusCode::UNPROCESSABLE_ENTITY),
            None => super::failed(v, e, "intake"),
        },
    }
}

/// The page after an intake that found the same NIK or passport number on cases the user's
/// agency may see: the new case's number, each earlier case with a link, and the way on.
#[derive(Template)]
#[template(path = "case_created.html")]
struct CreatedPage {
    t: Texts,
    c: Chrome,
    id: i64,
    number: String,
    /// (case id, case number, text key of what matched).
    duplicates: Vec<(i64, String, String)>,
}

fn created_page(v: Viewer, case: &crate::services::cases::Created) -> HttpResponse {
    render(
        StatusCode::OK,
        &CreatedPage {
            id: case.id,
            number: case.case_number.clone(),
            duplicates: case
                .duplicates
                .iter()
                .map(|d| {
                    (
                        d.id,
                        d.case_number.clone(),
                        format!("intake.duplicate.{}", d.matched),
                    )
                })
                .collect(),
            t: v.t,
            c: v.chrome,
        },
    )
}
