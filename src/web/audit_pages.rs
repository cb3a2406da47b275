//! The auditor's page: audit search (case, user, agency, action, period), the state of the hash
//! chains and signed checkpoints (verified on request, as `rujukan audit verify` does), and links
//! to each case's timeline and access log.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;

use super::forms::{self, Errors, Fields};
use super::i18n::Texts;
use super::{Chrome, SignedForm, Viewer, render};
use crate::audit::TrustedKeys;
use crate::audit::checkpoint::Checkpoint;
use crate::authz::Action;
use crate::db::Db;
use crate::error::AppError;
use crate::services::audit_trail::{self, AuditEntry, AuditQuery};

pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(audit_page).service(verify);
}

/// A found audit entry.
struct EntryRow {
    id: i64,
    at: String,
    action: String,
    who: String,
    case_id: Option<i64>,
    details: String,
}

/// A stored checkpoint.
struct CheckpointRow {
    number: i64,
    at: String,
    up_to: i64,
    entries: i64,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    t: Texts,
    c: Chrome,
    f: Fields,
    errors: Errors,
    searched: bool,
    rows: Vec<EntryRow>,
    checkpoints: Vec<CheckpointRow>,
    verdict: Option<(bool, String)>,
}

/// The audit page; `?case=&user=&agency=&action=&from=&to=` searches.
#[get("/audit")]
async fn audit_page(req: HttpRequest, db: web::Data<Db>, v: Viewer) -> HttpResponse {
    let f = Fields::parse(req.query_string().as_bytes());
    let search = AuditQuery {
        case: f.one("case"),
        user: f.one("user"),
        agency: f.one("agency"),
        action: f.one("action"),
        from: f.one("from"),
        to: f.one("to"),
        ..Default::default()
    };
    page(&req, &db, v, f, search, None).await
}

/// The audit page: the search's results (when the query asked) and the latest checkpoints, with
/// the verdict of a verification when there is one.
async fn page(
    req: &HttpRequest,
    db: &Db,
    v: Viewer,
    f: Fields,
    search: AuditQuery,
    verdict: Option<(bool, String)>,
) -> HttpResponse {
    if !super::may(&v.actor, Action::AuditSearch) {
        return super::forbidden(v);
    }
    let searched = !req.query_string().is_empty();
    let (found, stored) = match load(req, db, &v, searched, search).await {
        Ok(found) => found,
        Err(e) => return super::failed(v, e, "audit"),
    };
    let (entries, errors) = match found {
        None => (Vec::new(), Errors::default()),
        Some(Ok(entries)) => (entries, Errors::default()),
        Some(Err(e)) => match search_errors(&v.t, &e) {
            Some(errors) => (Vec::new(), errors),
            None => return super::failed(v, e, "audit search"),
        },
    };
    let rows = entries.into_iter().map(|e| EntryRow::new(&v, e)).collect();
    let checkpoints = stored
        .into_iter()
        .rev()
        .take(10)
        .map(|cp| CheckpointRow::new(&v, cp))
        .collect();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    render(
        status,
        &AuditPage {
            t: v.t,
            c: v.chrome,
            f,
            errors,
            searched,
            rows,
            checkpoints,
            verdict,
        },
    )
}

/// The search's outcome (when `searched`) and the stored checkpoints, in one transaction.
async fn load(
    req: &HttpRequest,
    db: &Db,
    v: &Viewer,
    searched: bool,
    search: AuditQuery,
) -> Result<Loaded, AppError> {
    let ctx = v.ctx(req);
    db.run(move |conn| {
        let found = if searched {
            Some(audit_trail::search(conn, &ctx, &search, None, 100))
        } else {
            None
        };
        let checkpoints = crate::db::checkpoints::all(conn)?;
        Ok((found, checkpoints))
    })
    .await
}

/// The search's outcome, if any, and the stored checkpoints.
type Loaded = (Option<Result<Vec<AuditEntry>, AppError>>, Vec<Checkpoint>);

/// The messages next to the form for a refused search (an unknown case among them); `None` when
/// the failure is not the form's.
fn search_errors(t: &Texts, e: &AppError) -> Option<Errors> {
    match forms::field_errors(t, e) {
        Some(errors) => Some(errors),
        None if matches!(e, AppError::NotFound) => {
            let mut errors = Errors::default();
            errors.add("case", t.get("audit.case_unknown"));
            Some(errors)
        }
        None => None,
    }
}

/// A stored instant (UTC, `YYYY-MM-DDTHH:MM:SS.ffffff` or RFC 3339) in the viewer's zone (WIB, WITA); as stored, to the second,
/// when it does not parse.
fn local(v: &Viewer, at: &str) -> String {
    let naive = chrono::NaiveDateTime::parse_from_str(at, "%Y-%m-%dT%H:%M:%S%.f")
        .ok()
        .or_else(|| {
            chrono::DateTime::parse_from_rfc3339(at)
                .ok()
                .map(|when| when.naive_utc())
        });
    match naive {
        Some(when) => v.time(when),
        None => at.get(..19).unwrap_or(at).replace('T', " "),
    }
}

impl EntryRow {
    /// A found entry, its time in the viewer's zone, its action in words where it has a text.
    fn new(v: &Viewer, e: AuditEntry) -> Self {
        EntryRow {
            id: e.id,
            at: local(v, &e.occurred_at),
            action: {
                let key = format!("event.{}", e.action);
                let text = v.t.get(&key);
                if text == key { e.action } else { text }
            },
            who: super::who(e.actor_username, e.actor_agency),
            case_id: e.case_id,
            details: details_in_words(&v.t, &e.details),
        }
    }
}

/// An entry's details in words: each field by its name, yes/no for flags, places and consent
/// purposes by name; details that are not a JSON object stand as stored.
fn details_in_words(t: &Texts, details: &str) -> String {
    let Ok(serde_json::Value::Object(fields)) = serde_json::from_str(details) else {
        return details.to_owned();
    };
    fields
        .iter()
        .map(|(key, value)| {
            let name = t.get(&format!("audit.field.{key}"));
            let name = if name.starts_with("audit.field.") {
                key.replace('_', " ")
            } else {
                name
            };
            format!("{name}: {}", value_in_words(t, key, value))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// One detail's value in words.
fn value_in_words(t: &Texts, key: &str, value: &serde_json::Value) -> String {
    use serde_json::Value;
    match value {
        Value::Null => "—".to_owned(),
        Value::Bool(true) => t.get("admin.yes"),
        Value::Bool(false) => t.get("admin.no"),
        Value::String(s) if key == "province" => t.place(s),
        Value::String(s) if key == "purpose" => {
            super::label_of(t, &crate::domain::classification::CONSENT_PURPOSE, s)
        }
        Value::String(s) if key == "given_by" => t.get(&format!("consent.by.{s}")),
        Value::String(s) => s.clone(),
        Value::Array(items) => items
            .iter()
            .map(|v| match v {
                Value::String(s) if key == "categories" => t.get(&format!("category.{s}")),
                Value::String(s) if key == "trafficking" || key == "sections" => {
                    let part = t.get(&format!("audit.part.{s}"));
                    if part.starts_with("audit.part.") {
                        s.clone()
                    } else {
                        part
                    }
                }
                other => value_in_words(t, key, other),
            })
            .collect::<Vec<_>>()
            .join(", "),
        other => other.to_string(),
    }
}

impl CheckpointRow {
    /// A stored checkpoint, its time in the viewer's zone.
    fn new(v: &Viewer, cp: Checkpoint) -> Self {
        CheckpointRow {
            number: cp.number,
            at: local(v, &cp.created_at),
            up_to: cp.up_to_id,
            entries: cp.entries,
        }
    }
}

/// Verifies every hash chain and signed checkpoint now and shows the verdict.
#[post("/audit/verify")]
async fn verify(
    req: HttpRequest,
    db: web::Data<Db>,
    trusted: web::Data<TrustedKeys>,
    SignedForm { v, f: _ }: SignedForm,
) -> HttpResponse {
    if !super::may(&v.actor, Action::AuditSearch) {
        return super::forbidden(v);
    }
    let keys = trusted.clone();
    let outcome = db
        .run(move |conn| Ok(crate::audit::verify(conn, &keys.0, &[])?))
        .await;
    let verdict = match outcome {
        Ok(Ok(summary)) => (
            true,
            v.t.get("audit.intact")
                .replace("{entries}", &summary.entries.to_string())
                .replace("{streams}", &summary.streams.to_string())
                .replace("{checkpoints}", &summary.checkpoints.to_string()),
        ),
        Ok(Err(broken)) => (
            false,
            format!(
                "{} {}: {}",
                v.t.get("audit.broken"),
                broken.at,
                broken.problem
            ),
        ),
        Err(e) => return super::failed(v, e, "audit verify"),
    };
    page(
        &req,
        &db,
        v,
        Fields::default(),
        AuditQuery::default(),
        Some(verdict),
    )
    .await
}
