//! The forms of the case page: reveal the identity (with a purpose), record consent, move a track
//! to another stage, send a referral, transfer or notice that the agreements allow (a supervisor
//! may override a missing consent with a legal basis where the agreement allows it), and add a
//! note. Every form carries the session's CSRF token; the forms that change the case carry the
//! version the user saw, and a case changed since then is answered with the fresh page, what the
//! user typed still in the form, and a message saying so.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, post, web};

use super::cases::{Extra, case_page};
use super::forms::{self, Errors, Fields};
use super::{SignedForm, Viewer, csrf_ok, see_other};
use crate::crypto::Vault;
use crate::db::Db;
use crate::domain::text::forbidden_control;
use crate::error::AppError;
use crate::services::auth::AuthDeps;
use crate::services::cases::{self as case_service, ConsentInput};
use crate::services::handoffs::{self, AgreementSet, HandoffInput, OverrideInput};

pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(identity)
        .service(consent)
        .service(stage)
        .service(note)
        .service(send)
        .service(upload);
}

/// A document sent from the case page (`multipart/form-data`: `csrf_token`, then `file`).
struct Sent {
    csrf: String,
    filename: String,
    content_type: String,
    content: Vec<u8>,
}

/// Reads the upload form, refusing a file above `limit` bytes as it arrives, and a file name or
/// field with a control character (the rule of every text input, `domain::text`).
async fn read_upload(
    mut form: actix_multipart::Multipart,
    limit: usize,
) -> Result<Sent, &'static str> {
    use futures_util::StreamExt;
    let mut sent = Sent {
        csrf: String::new(),
        filename: String::new(),
        content_type: String::new(),
        content: Vec::new(),
    };
    while let Some(field) = form.next().await {
        let mut field = field.map_err(|_| "document.unreadable")?;
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            sent.filename = field
                .content_disposition()
                .and_then(|d| d.get_filename())
                .unwrap_or_default()
                .to_owned();
            if forbidden_control(&sent.filename).is_some() {
                return Err("document.control_characters");
            }
            sent.content_type = field
                .content_type()
                .map(ToString::to_string)
                .unwrap_or_default();
        }
        let mut value = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|_| "document.unreadable")?;
            if value.len() + chunk.len() > limit {
                return Err("document.too_large");
            }
            value.extend_from_slice(&chunk);
        }
        if name != "file" && forbidden_control(&String::from_utf8_lossy(&value)).is_some() {
            return Err("document.control_characters");
        }
        match name.as_str() {
            "csrf_token" => sent.csrf = String::from_utf8_lossy(&value).into_owned(),
            "file" => sent.content = value,
            _ => {}
        }
    }
    Ok(sent)
}

/// Uploads a document to the case (encrypted at rest; the file name too).
#[post("/cases/{id}/documents")]
#[allow(clippy::too_many_arguments)]
async fn upload(
    req: HttpRequest,
    db: web::Data<Db>,
    deps: web::Data<AuthDeps>,
    vault: web::Data<Vault>,
    set: web::Data<AgreementSet>,
    storage: web::Data<crate::http::api::cases::Storage>,
    id: web::Path<i64>,
    v: Viewer,
    payload: actix_multipart::Multipart,
) -> HttpResponse {
    let id = id.into_inner();
    let form = Form {
        req,
        db,
        vault,
        set,
        v,
        id,
        f: Fields::default(),
    };
    let sent = match read_upload(payload, storage.max_document_bytes).await {
        Ok(sent) => sent,
        Err(key) => {
            return form
                .document_refused(key, StatusCode::UNPROCESSABLE_ENTITY)
                .await;
        }
    };
    // A multipart form: its CSRF token is one of its parts.
    if !csrf_ok(&deps, &form.v, &sent.csrf) {
        return super::stale_form(form.v);
    }
    match store_document(&form, &storage, sent).await {
        Ok(()) => see_other(&format!("/cases/{id}?open=documents#documents")),
        Err(AppError::ContentMismatch(_)) => {
            form.document_refused("document.type_mismatch", StatusCode::UNSUPPORTED_MEDIA_TYPE)
                .await
        }
        Err(e) => form.refused("document", e).await,
    }
}

/// Stores the sent document with the case of `form` (encrypted, under the data directory).
async fn store_document(
    form: &Form,
    storage: &crate::http::api::cases::Storage,
    sent: Sent,
) -> Result<(), AppError> {
    let (ctx, vlt, dir, id) = (
        form.v.ctx(&form.req),
        form.vault.clone(),
        storage.data_dir.clone(),
        form.id,
    );
    form.db
        .run(move |conn| {
            case_service::upload_document(
                conn,
                &ctx,
                &vlt,
                &dir,
                id,
                case_service::Upload {
                    filename: &sent.filename,
                    content_type: &sent.content_type,
                    content: &sent.content,
                },
            )
        })
        .await
        .map(|_| ())
}

/// What every form handler of the case page needs.
pub(super) struct Form {
    pub(super) req: HttpRequest,
    pub(super) db: web::Data<Db>,
    pub(super) vault: web::Data<Vault>,
    pub(super) set: web::Data<AgreementSet>,
    pub(super) v: Viewer,
    pub(super) id: i64,
    pub(super) f: Fields,
}

impl Form {
    /// The case page again, with `extra`.
    pub(super) async fn again(self, extra: Extra, status: StatusCode) -> HttpResponse {
        case_page(
            &self.req,
            &self.db,
            &self.vault,
            &self.set,
            self.v,
            self.id,
            extra,
            status,
        )
        .await
    }

    /// The case page with the message `key` next to the document form's file field.
    async fn document_refused(self, key: &str, status: StatusCode) -> HttpResponse {
        let t = self.v.t;
        let mut errors = Errors::default();
        errors.add("document.file", t.get(key));
        self.again(
            Extra {
                banner: Some(t.get("form.has_errors")),
                form: Some(("document", Fields::default(), errors)),
                ..Default::default()
            },
            status,
        )
        .await
    }

    /// The case page with the refused form `name`: field messages next to its fields, agreement
    /// refusals and conflicts at the top, what the user typed kept.
    pub(super) async fn refused(self, name: &'static str, e: AppError) -> HttpResponse {
        let t = self.v.t;
        let (banner, errors, status) = match &e {
            AppError::Validation(problems) => {
                let mut errors = Errors::default();
                let localized = forms::localize(&t, problems);
                for problem in problems {
                    let field = forms::form_field(&problem.field);
                    if let Some(message) = localized.at(&field) {
                        errors.add(&format!("{name}.{field}"), message.clone());
                    }
                }
                (
                    Some(t.get("form.has_errors")),
                    errors,
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
            }
            AppError::HandoffNotAllowed(violations) => {
                let reasons: Vec<String> = violations
                    .iter()
                    .map(|u| {
                        let key = format!("condition.{}", u.condition);
                        let text = t.get(&key);
                        if text == key { u.message.clone() } else { text }
                    })
                    .collect();
                (
                    Some(format!("{} {}", t.get("send.refused"), reasons.join("; "))),
                    Errors::default(),
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
            }
            AppError::Conflict { .. } => (
                Some(t.get("form.conflict")),
                Errors::default(),
                StatusCode::CONFLICT,
            ),
            AppError::Forbidden => (
                Some(t.get("error.forbidden")),
                Errors::default(),
                StatusCode::FORBIDDEN,
            ),
            _ => return super::failed(self.v, e, name),
        };
        let f = self.f.clone();
        self.again(
            Extra {
                banner,
                form: Some((name, f, errors)),
                ..Default::default()
            },
            status,
        )
        .await
    }

    /// `Ok` when the form may go ahead; else the answer when the case changed since the form
    /// was shown (checked when `versioned`). The CSRF token was checked on the way in
    /// ([`SignedForm`]).
    pub(super) async fn check(
        self,
        name: &'static str,
        versioned: bool,
    ) -> Result<Self, HttpResponse> {
        let t = self.v.t;
        if !versioned {
            return Ok(self);
        }
        let ctx = self.v.ctx(&self.req);
        let id = self.id;
        let current = self
            .db
            .run(move |conn| case_service::current_version(conn, &ctx, id))
            .await;
        let shown: Option<i32> = self.f.one("version").and_then(|v| v.parse().ok());
        match current {
            Ok(version) if Some(version) == shown => Ok(self),
            Ok(_) => {
                let f = self.f.clone();
                Err(self
                    .again(
                        Extra {
                            banner: Some(t.get("form.stale")),
                            stale: true,
                            form: Some((name, f, Errors::default())),
                            ..Default::default()
                        },
                        StatusCode::CONFLICT,
                    )
                    .await)
            }
            Err(e) => Err(super::failed(self.v, e, name)),
        }
    }
}

macro_rules! case_form {
    ($name:ident, $path:literal, $doc:literal) => {
        #[doc = $doc]
        #[post($path)]
        async fn $name(
            req: HttpRequest,
            db: web::Data<Db>,
            vault: web::Data<Vault>,
            set: web::Data<AgreementSet>,
            id: web::Path<i64>,
            SignedForm { v, f }: SignedForm,
        ) -> HttpResponse {
            let form = Form {
                req,
                db,
                vault,
                set,
                v,
                id: id.into_inner(),
                f,
            };
            handle::$name(form).await
        }
    };
}

case_form!(
    identity,
    "/cases/{id}/identity",
    "Shows the survivor's identity on the case page, once, for the purpose given (recorded)."
);
case_form!(
    consent,
    "/cases/{id}/consent",
    "Records consent given or withdrawn."
);
case_form!(
    stage,
    "/cases/{id}/stage",
    "Moves a track to another stage."
);
case_form!(
    note,
    "/cases/{id}/notes",
    "Adds a note for the user's agency."
);
case_form!(
    send,
    "/cases/{id}/send",
    "Sends a referral, transfer or notice the agreements allow."
);

mod handle {
    use super::*;

    pub(super) async fn identity(form: Form) -> HttpResponse {
        let form = match form.check("identity", false).await {
            Ok(form) => form,
            Err(answer) => return answer,
        };
        let purpose = form.f.val("purpose");
        let (ctx, vault, id) = (form.v.ctx(&form.req), form.vault.clone(), form.id);
        let session = form.v.session_id.clone();
        let revealed = form
            .db
            .run(move |conn| {
                case_service::reveal_for_visit(conn, &ctx, &vault, id, &purpose, &session)
            })
            .await;
        match revealed {
            Ok(_) => see_other(&format!("/cases/{id}#identity")),
            Err(e) => form.refused("identity", e).await,
        }
    }

    pub(super) async fn consent(form: Form) -> HttpResponse {
        let form = match form.check("consent", true).await {
            Ok(form) => form,
            Err(answer) => return answer,
        };
        let f = &form.f;
        let input = ConsentInput {
            purpose: f.val("purpose"),
            given: f.val("given") != "no",
            recipient_agency: f.one("recipient_agency"),
            method: f.one("method"),
            given_by: f.one("given_by"),
            legal_basis: f.one("legal_basis"),
        };
        let (ctx, id) = (form.v.ctx(&form.req), form.id);
        let recorded = form
            .db
            .run(move |conn| case_service::record_consent(conn, &ctx, id, input))
            .await;
        match recorded {
            Ok(_) => see_other(&format!("/cases/{id}?open=consents#consents")),
            Err(e) => form.refused("consent", e).await,
        }
    }

    pub(super) async fn stage(form: Form) -> HttpResponse {
        let form = match form.check("stage", true).await {
            Ok(form) => form,
            Err(answer) => return answer,
        };
        let (track, stage) = (form.f.val("track"), form.f.val("stage"));
        let (ctx, id) = (form.v.ctx(&form.req), form.id);
        let changed = form
            .db
            .run(move |conn| case_service::change_stage(conn, &ctx, id, &track, &stage))
            .await;
        match changed {
            Ok(_) => see_other(&format!("/cases/{id}#tracks")),
            Err(e) => form.refused("stage", e).await,
        }
    }

    pub(super) async fn note(form: Form) -> HttpResponse {
        let form = match form.check("note", false).await {
            Ok(form) => form,
            Err(answer) => return answer,
        };
        let body = form.f.val("body");
        let (ctx, vault, id) = (form.v.ctx(&form.req), form.vault.clone(), form.id);
        let added = form
            .db
            .run(move |conn| case_service::add_note(conn, &ctx, &vault, id, &body))
            .await;
        match added {
            Ok(_) => see_other(&format!("/cases/{id}?open=notes#notes")),
            Err(e) => form.refused("note", e).await,
        }
    }

    pub(super) async fn send(form: Form) -> HttpResponse {
        // Not versioned: the service re-checks every rule under the case's lock, and the form's
        // one-time token turns a second submit into the handoff the first one sent.
        let form = match form.check("send", false).await {
            Ok(form) => form,
            Err(answer) => return answer,
        };
        let f = &form.f;
        let consent_override = match (f.one("override_legal_basis"), f.one("override_reason")) {
            (None, None) => None,
            (basis, reason) => Some(OverrideInput {
                legal_basis: basis.unwrap_or_default(),
                reason: reason.unwrap_or_default(),
            }),
        };
        let input = HandoffInput {
            handoff: f.val("handoff"),
            to_agency: f.val("to_agency"),
            agreement: f.one("agreement"),
            message: f.one("message"),
            consent_override,
            documents: f
                .all("documents")
                .iter()
                .filter_map(|d| d.parse().ok())
                .collect(),
            idempotency_key: f.one("form_token"),
        };
        let (ctx, vault, set, id) = (
            form.v.ctx(&form.req),
            form.vault.clone(),
            form.set.clone(),
            form.id,
        );
        let sent = form
            .db
            .run(move |conn| handoffs::create_once(conn, &ctx, &set, &vault, id, input))
            .await;
        match sent {
            Ok(sent) => {
                let done = if sent.created { "sent" } else { "resent" };
                see_other(&format!(
                    "/cases/{id}?done={done}&h={}#handoffs",
                    sent.handoff.id
                ))
            }
            Err(e) => form.refused("send", e).await,
        }
    }
}
