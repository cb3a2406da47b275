//! The case list: the cases the user's agency is party to, with filters, search by number, and
//! search of the survivor by one word of her name, NIK, passport or phone (blind indexes). A
//! caseworker or supervisor starts from "my cases" (`?scope=mine`, the cases assigned to her); a
//! search, or `?scope=all`, looks through all the agency's cases.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, web};
use askama::Template;

use super::status_key;
use crate::crypto::Vault;
use crate::db::Db;
use crate::domain::classification as cls;
use crate::domain::user::Role;
use crate::services::auth::AuthDeps;
use crate::services::cases::{self as case_service, CaseQuery};
use crate::web::forms::{self, Choice, Errors, Fields};
use crate::web::i18n::Texts;
use crate::web::{Chrome, Viewer, label_of, render};

/// One row of the case list.
struct CaseRow {
    id: i64,
    number: String,
    owner: String,
    status_key: &'static str,
    risk: String,
    /// High or critical: the row stands out (a marked badge, not colour alone).
    urgent: bool,
    /// Who works it.
    assigned: String,
    created: String,
}

#[derive(Template)]
#[template(path = "cases.html")]
struct CasesPage {
    t: Texts,
    c: Chrome,
    f: Fields,
    rows: Vec<CaseRow>,
    errors: Errors,
    risk_levels: Vec<Choice>,
    forms_list: Vec<Choice>,
    next: Option<i64>,
    /// The kinds of search key, in the form's order.
    search_kinds: [&'static str; 4],
    /// Whether the list answers a search by identity (no match reads "not found").
    searched: bool,
    /// The user works cases (caseworker, supervisor): the page offers "my cases" and "all".
    works_cases: bool,
    /// The list shows only the cases assigned to the user.
    mine: bool,
}

/// The kinds of search key the page offers (`?kind=&q=`).
const SEARCH_KINDS: [&str; 4] = ["name", "nik", "passport", "phone"];

/// The field errors with a search key's problem under the search box (`q`), in the page's words.
fn search_errors(t: &Texts, errors: Errors) -> Errors {
    let mut out = Errors::default();
    for (field, message) in errors.entries() {
        match SEARCH_KINDS.iter().find(|k| *k == field) {
            Some(kind) => out.add("q", t.get(&format!("cases.search_invalid.{kind}"))),
            None => out.add(field, message.clone()),
        }
    }
    out
}

/// The service's query for the page's fields: the filters, and `q` under the chosen `kind`.
fn query_of(f: &Fields) -> CaseQuery {
    let q = f.one("q").filter(|q| !q.trim().is_empty());
    let kind = f.one("kind").unwrap_or_else(|| "name".to_owned());
    let under = |k: &str| q.clone().filter(|_| kind == k);
    CaseQuery {
        number: f.one("number"),
        status: f.one("status"),
        risk: f.one("risk"),
        form: f.one("form"),
        from: f.one("from"),
        to: f.one("to"),
        name: under("name"),
        nik: under("nik"),
        passport: under("passport"),
        phone: under("phone"),
        ..Default::default()
    }
}

/// Whether the user works cases (caseworker, supervisor), and whether the list shows only hers:
/// she starts from her own; a search, or `?scope=all`, looks through all the agency's cases.
fn scope_of(v: &Viewer, f: &Fields, searched: bool) -> (bool, bool) {
    let works_cases = v
        .actor
        .roles
        .iter()
        .any(|r| matches!(r, Role::Caseworker | Role::Supervisor));
    let mine = match f.one("scope").as_deref() {
        Some("mine") => works_cases,
        Some(_) => false,
        None => works_cases && !searched,
    };
    (works_cases, mine)
}

/// The cases the user's agency is party to, newest first, with filters (`?number=&status=&risk=
/// &form=&from=&to=`) and `?before=` for the next page.
#[get("/cases")]
pub(super) async fn list(
    req: HttpRequest,
    db: web::Data<Db>,
    vault: web::Data<Vault>,
    _deps: web::Data<AuthDeps>,
    v: Viewer,
) -> HttpResponse {
    let f = Fields::parse(req.query_string().as_bytes());
    let service_query = query_of(&f);
    let searched = [
        &service_query.name,
        &service_query.nik,
        &service_query.passport,
        &service_query.phone,
    ]
    .iter()
    .any(|k| k.is_some());
    let (works_cases, mine) = scope_of(&v, &f, searched);
    let mut service_query = service_query;
    service_query.assigned = mine.then(|| "me".to_owned());
    let ctx = v.ctx(&req);
    let before = f.one("before").and_then(|b| b.parse::<i64>().ok());
    let listed = db
        .run(move |conn| case_service::search(conn, &ctx, &vault, &service_query, before, 50))
        .await;
    let (items, errors) = match listed {
        Ok(items) => (items, Errors::default()),
        Err(e) => match forms::field_errors(&v.t, &e) {
            // A search key's problem is shown next to the search box.
            Some(errors) => (Vec::new(), search_errors(&v.t, errors)),
            None => return crate::web::failed(v, e, "cases"),
        },
    };
    let next = (items.len() == 50)
        .then(|| items.last().map(|c| c.id))
        .flatten();
    let rows = items
        .into_iter()
        .map(|c| CaseRow {
            id: c.id,
            number: c.case_number,
            owner: c.owner_agency,
            status_key: status_key(c.status),
            urgent: matches!(c.risk_level.as_deref(), Some("high" | "critical")),
            risk: c
                .risk_level
                .map(|r| label_of(&v.t, &cls::RISK_LEVEL, &r))
                .unwrap_or_default(),
            assigned: c.assigned_to_name.unwrap_or_default(),
            created: v.time(c.created_at.naive_utc()),
        })
        .collect();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    render(
        status,
        &CasesPage {
            risk_levels: forms::choices(&v.t, &cls::RISK_LEVEL),
            forms_list: forms::choices(&v.t, &cls::VIOLENCE_FORM),
            t: v.t,
            c: v.chrome,
            f,
            rows,
            errors,
            next,
            search_kinds: SEARCH_KINDS,
            searched,
            works_cases,
            mine,
        },
    )
}
