//! `/api/v1/cases`: intake, reading under need-to-know, changes, identity reveal, consents,
//! stages, closure, notes and documents, perpetrators of trafficking cases.

use actix_web::{HttpRequest, HttpResponse, get, http::header, patch, post, web};
use futures_util::StreamExt;
use serde::Deserialize;
use utoipa::ToSchema;

use super::Page;
use super::dto::List;
use crate::crypto::Vault;
use crate::db::Db;
use crate::domain::case::{CaseInput, Identity};
use crate::error::{AppError, Problem};
use crate::http::openapi::Binary;
use crate::http::session::RequestCtx;
use crate::services::cases::{
    self, CaseDetail, CaseListItem, CasePatch, CaseQuery, ConsentInput, ConsentView, Consents,
    Created, DocumentView, NoteView, PerpetratorAdd, PerpetratorView,
};

/// Where documents are kept and how large they may be.
#[derive(Debug, Clone)]
pub struct Storage {
    /// Data folder.
    pub data_dir: std::path::PathBuf,
    /// Largest upload.
    pub max_document_bytes: usize,
}

/// The cases the caller's agency is party to, newest first, with filters.
#[utoipa::path(
    operation_id = "cases_list",
    get, path = "/api/v1/cases", tag = "cases", params(CaseQuery), security(("bearer" = [])),
    responses(
        (status = 200, description = "Visible cases", body = List<CaseListItem>),
        (status = 400, description = "`request.invalid_query`: an unknown parameter, `limit` below 1 or a cursor that is not one of this list", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`auth.forbidden`: your role does not read cases", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation.failed`: an unknown filter code, a bad date, a name word under 3 letters, a malformed NIK, passport or phone, or more than one search key", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/cases")]
pub async fn list(
    db: web::Data<Db>,
    vault: web::Data<Vault>,
    RequestCtx(ctx): RequestCtx,
    query: web::Query<CaseQuery>,
) -> Result<web::Json<List<CaseListItem>>, AppError> {
    let query = query.into_inner();
    let (before, limit) = Page::of(query.limit, query.cursor.as_deref())?;
    let rows = db
        .run(move |conn| cases::search(conn, &ctx, &vault, &query, before, limit))
        .await?;
    Ok(web::Json(List::page(
        rows,
        limit,
        |r| r.id.to_string(),
        |r| r,
    )))
}

/// Take a case in. Only `survivor.full_name` is required. Identity is encrypted; a NIK or passport
/// number seen before in a case you may see comes back as a duplicate warning.
#[utoipa::path(
    operation_id = "cases_create",
    post, path = "/api/v1/cases", tag = "cases", security(("bearer" = [])),
    request_body(content = CaseInput, example = json!({
        "survivor": {"full_name": "Siti Rahmawati", "nik": "3374015703940001", "date_of_birth": "1994-03-17", "sex": "female"},
        "migrant": {"migration_stage": "during_work", "destination_country": "MY", "sector": "domestic_work"},
        "incidents": [{"date": "2026-10-02", "country": "MY", "forms": ["physical", "sexual"], "perpetrator_relation": "employer"}],
        "risk_level": "high",
        "legal_basis": ["TPKS", "PMI_18_2017"]
    })),
    responses(
        (status = 201, description = "Taken in", body = Created),
        (status = 403, description = "`auth.forbidden`: your role does not take cases in", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation.failed`: invalid fields (each listed)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api/v1/cases")]
pub async fn create(
    db: web::Data<Db>,
    vault: web::Data<Vault>,
    RequestCtx(ctx): RequestCtx,
    body: web::Json<CaseInput>,
) -> Result<HttpResponse, AppError> {
    let input = body.into_inner();
    let created = db
        .run(move |conn| cases::create(conn, &ctx, &vault, input))
        .await?;
    Ok(HttpResponse::Created().json(created))
}

/// One case as the caller may see it; 404 when the caller's agency is not a party. The intake
/// channel and repatriation are always there; the chronology and the perpetrators (with their
/// names) only for an agency holding the case's `incident` category.
#[utoipa::path(
    operation_id = "cases_get",
    get, path = "/api/v1/cases/{id}", tag = "cases", params(("id" = i64, Path, description = "Case id")), security(("bearer" = [])),
    responses(
        (status = 200, description = "The case", body = CaseDetail),
        (status = 404, description = "`not_found`: no such case, or not visible to you", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/cases/{id}")]
pub async fn get(
    db: web::Data<Db>,
    vault: web::Data<Vault>,
    audit: web::Data<crate::config::AuditSettings>,
    RequestCtx(ctx): RequestCtx,
    id: web::Path<i64>,
) -> Result<web::Json<CaseDetail>, AppError> {
    let id = id.into_inner();
    let minutes = audit.view_record_minutes;
    Ok(web::Json(
        db.run(move |conn| cases::get(conn, &ctx, &vault, id, minutes))
            .await?,
    ))
}

/// Change a case. Send the `version` you read; if someone changed it since, the answer is 409
/// `case.stale_version` and nothing is written.
#[utoipa::path(
    operation_id = "cases_update",
    patch, path = "/api/v1/cases/{id}", tag = "cases", params(("id" = i64, Path, description = "Case id")), security(("bearer" = [])),
    request_body(content = CasePatch, example = json!({"version": 3, "risk_level": "critical"})),
    responses(
        (status = 200, description = "Changed", body = CaseDetail),
        (status = 403, description = "`auth.forbidden`: your role does not allow this; `access.not_held`, `access.pending`: your agency does not hold the part of the case this touches, or has not accepted its handoff yet", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`: no such case, or not visible to you", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`case.stale_version`: the case changed since you read it; `case.closed`: the case is closed", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation.failed`: invalid fields (each listed)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/api/v1/cases/{id}")]
pub async fn update(
    db: web::Data<Db>,
    vault: web::Data<Vault>,
    RequestCtx(ctx): RequestCtx,
    id: web::Path<i64>,
    body: web::Json<CasePatch>,
) -> Result<web::Json<CaseDetail>, AppError> {
    let id = id.into_inner();
    let patch = body.into_inner();
    Ok(web::Json(
        db.run(move |conn| cases::update(conn, &ctx, &vault, id, patch))
            .await?,
    ))
}

/// Add a perpetrator or intermediary (role code and name; the name is encrypted). Needs the
/// `incident` category; moves the case's version. `PATCH` with `perpetrators` replaces the list.
#[utoipa::path(
    operation_id = "cases_add_perpetrator",
    post, path = "/api/v1/cases/{id}/perpetrators", tag = "cases", params(("id" = i64, Path, description = "Case id")), security(("bearer" = [])),
    request_body(content = PerpetratorAdd, example = json!({"role": "sponsor", "name": "Pak Udin"})),
    responses(
        (status = 201, description = "Added", body = PerpetratorView),
        (status = 403, description = "`auth.forbidden`: your role does not allow this; `access.not_held`, `access.pending`: your agency does not hold the part of the case this touches, or has not accepted its handoff yet", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`: no such case, or not visible to you", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`case.closed`: the case is closed", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation.failed`: an unknown role, a name missing or longer than 200 characters, or 20 perpetrators already", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api/v1/cases/{id}/perpetrators")]
pub async fn add_perpetrator(
    db: web::Data<Db>,
    vault: web::Data<Vault>,
    RequestCtx(ctx): RequestCtx,
    id: web::Path<i64>,
    body: web::Json<PerpetratorAdd>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let input = body.into_inner();
    let added = db
        .run(move |conn| cases::add_perpetrator(conn, &ctx, &vault, id, input))
        .await?;
    Ok(HttpResponse::Created().json(added))
}

/// Why identity is revealed.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevealBody {
    /// The purpose, recorded in the case's audit trail.
    pub purpose: String,
}

/// Reveal the survivor's identity for a stated purpose (recorded as an event).
#[utoipa::path(
    operation_id = "cases_reveal_identity",
    post, path = "/api/v1/cases/{id}/reveal-identity", tag = "cases", params(("id" = i64, Path, description = "Case id")),
    security(("bearer" = [])), request_body(content = RevealBody, example = json!({"purpose": "Contact the survivor to schedule the BAP interview"})),
    responses(
        (status = 200, description = "The identity", body = Identity),
        (status = 403, description = "`auth.forbidden`: your role does not allow this; `access.not_held`, `access.pending`: your agency does not hold the part of the case this touches, or has not accepted its handoff yet", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`: no such case, or not visible to you", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation.failed`: no purpose of 5–500 characters", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api/v1/cases/{id}/reveal-identity")]
pub async fn reveal_identity(
    db: web::Data<Db>,
    vault: web::Data<Vault>,
    RequestCtx(ctx): RequestCtx,
    id: web::Path<i64>,
    body: web::Json<RevealBody>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let purpose = body.into_inner().purpose;
    let identity = db
        .run(move |conn| cases::reveal_identity(conn, &ctx, &vault, id, &purpose))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(identity))
}

/// Record consent given or withdrawn, per purpose and optionally for one receiving agency.
#[utoipa::path(
    operation_id = "cases_record_consent",
    post, path = "/api/v1/cases/{id}/consents", tag = "cases", params(("id" = i64, Path, description = "Case id")), security(("bearer" = [])),
    request_body(content = ConsentInput, example = json!({"purpose": "police_report", "given": true, "recipient_agency": "POLDA-JATENG", "method": "written"})),
    responses(
        (status = 201, description = "Recorded", body = ConsentView),
        (status = 403, description = "`auth.forbidden`: your role does not allow this; `access.not_held`, `access.pending`: your agency does not hold the part of the case this touches, or has not accepted its handoff yet", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`: no such case, or not visible to you", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation.failed`: an unknown purpose, method or agency; a child's consent without guardian or legal basis", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api/v1/cases/{id}/consents")]
pub async fn record_consent(
    db: web::Data<Db>,
    RequestCtx(ctx): RequestCtx,
    id: web::Path<i64>,
    body: web::Json<ConsentInput>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let input = body.into_inner();
    let view = db
        .run(move |conn| cases::record_consent(conn, &ctx, id, input))
        .await?;
    Ok(HttpResponse::Created().json(view))
}

/// The consent in force per purpose and recipient, and the history.
#[utoipa::path(
    operation_id = "cases_consents",
    get, path = "/api/v1/cases/{id}/consents", tag = "cases", params(("id" = i64, Path, description = "Case id")), security(("bearer" = [])),
    responses(
        (status = 200, description = "Consents", body = Consents),
        (status = 404, description = "`not_found`: no such case, or not visible to you", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/cases/{id}/consents")]
pub async fn consents(
    db: web::Data<Db>,
    RequestCtx(ctx): RequestCtx,
    id: web::Path<i64>,
) -> Result<web::Json<Consents>, AppError> {
    let id = id.into_inner();
    Ok(web::Json(
        db.run(move |conn| cases::consents(conn, &ctx, id)).await?,
    ))
}

/// A stage change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StageBody {
    /// `service`, `justice`, `protection` or `migrant_complaint`.
    pub track: String,
    /// Stage code of that track.
    pub stage: String,
}

/// Move a track to another stage.
#[utoipa::path(
    operation_id = "cases_change_stage",
    post, path = "/api/v1/cases/{id}/stages", tag = "cases", params(("id" = i64, Path, description = "Case id")), security(("bearer" = [])),
    request_body(content = StageBody, example = json!({"track": "justice", "stage": "reported_to_police"})),
    responses(
        (status = 200, description = "Moved", body = CaseDetail),
        (status = 403, description = "`auth.forbidden`: your role does not allow this; `access.not_held`, `access.pending`: your agency does not hold the part of the case this touches, or has not accepted its handoff yet", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`: no such case, or not visible to you", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`case.closed`: the case is closed; `case.stale_version`: the stage changed meanwhile", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation.failed`: an unknown track or stage, or the track is at that stage already", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api/v1/cases/{id}/stages")]
pub async fn change_stage(
    db: web::Data<Db>,
    RequestCtx(ctx): RequestCtx,
    id: web::Path<i64>,
    body: web::Json<StageBody>,
) -> Result<web::Json<CaseDetail>, AppError> {
    let id = id.into_inner();
    let body = body.into_inner();
    Ok(web::Json(
        db.run(move |conn| cases::change_stage(conn, &ctx, id, &body.track, &body.stage))
            .await?,
    ))
}

/// A closure.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseBody {
    /// Closure reason code.
    pub reason: String,
}

/// Close a case with a reason (an adult TPKS case cannot be closed as settled by mediation).
#[utoipa::path(
    operation_id = "cases_close",
    post, path = "/api/v1/cases/{id}/close", tag = "cases", params(("id" = i64, Path, description = "Case id")), security(("bearer" = [])),
    request_body(content = CloseBody, example = json!({"reason": "goals_met"})),
    responses(
        (status = 200, description = "Closed", body = CaseDetail),
        (status = 403, description = "`auth.forbidden`: your role does not allow this; `access.not_held`, `access.pending`: your agency does not hold the part of the case this touches, or has not accepted its handoff yet", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`: no such case, or not visible to you", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`case.closed`: the case is closed already", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation.failed`: an unknown reason, or mediation for an adult TPKS case", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api/v1/cases/{id}/close")]
pub async fn close(
    db: web::Data<Db>,
    RequestCtx(ctx): RequestCtx,
    id: web::Path<i64>,
    body: web::Json<CloseBody>,
) -> Result<web::Json<CaseDetail>, AppError> {
    let id = id.into_inner();
    let reason = body.into_inner().reason;
    Ok(web::Json(
        db.run(move |conn| cases::close(conn, &ctx, id, &reason))
            .await?,
    ))
}

/// A note.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteBody {
    /// Text (encrypted at rest; only your agency reads it).
    pub body: String,
}

/// Add a note, private to your agency.
#[utoipa::path(
    operation_id = "cases_add_note",
    post, path = "/api/v1/cases/{id}/notes", tag = "cases", params(("id" = i64, Path, description = "Case id")), security(("bearer" = [])),
    request_body = NoteBody,
    responses(
        (status = 201, description = "Added", body = NoteView),
        (status = 403, description = "`auth.forbidden`: your role does not allow this; `access.not_held`, `access.pending`: your agency does not hold the part of the case this touches, or has not accepted its handoff yet", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`: no such case, or not visible to you", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation.failed`: the note is empty or longer than 20000 characters", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api/v1/cases/{id}/notes")]
pub async fn add_note(
    db: web::Data<Db>,
    vault: web::Data<Vault>,
    RequestCtx(ctx): RequestCtx,
    id: web::Path<i64>,
    body: web::Json<NoteBody>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let text = body.into_inner().body;
    let note = db
        .run(move |conn| cases::add_note(conn, &ctx, &vault, id, &text))
        .await?;
    Ok(HttpResponse::Created().json(note))
}

/// Your agency's notes on a case.
#[utoipa::path(
    operation_id = "cases_notes",
    get, path = "/api/v1/cases/{id}/notes", tag = "cases", params(("id" = i64, Path, description = "Case id")), security(("bearer" = [])),
    responses(
        (status = 200, description = "Notes", body = Vec<NoteView>),
        (status = 404, description = "`not_found`: no such case, or not visible to you", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/cases/{id}/notes")]
pub async fn notes(
    db: web::Data<Db>,
    vault: web::Data<Vault>,
    RequestCtx(ctx): RequestCtx,
    id: web::Path<i64>,
) -> Result<web::Json<Vec<NoteView>>, AppError> {
    let id = id.into_inner();
    Ok(web::Json(
        db.run(move |conn| cases::notes(conn, &ctx, &vault, id))
            .await?,
    ))
}

/// `?filename=` of an upload.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct UploadQuery {
    /// File name (encrypted at rest).
    pub filename: String,
}

/// Upload a document: the raw content as the body, its media type as `Content-Type`
/// (PDF, JPEG, PNG, plain text, MP3, `.docx`, `.xlsx`, `.odt`), at most
/// `storage.max_document_bytes`. The content must be what the media type says (415 otherwise);
/// direction and control characters are removed from the file name.
#[utoipa::path(
    operation_id = "cases_upload_document",
    post, path = "/api/v1/cases/{id}/documents", tag = "cases", params(("id" = i64, Path, description = "Case id"), UploadQuery),
    security(("bearer" = [])),
    request_body(description = "The document's bytes, sent with its media type", content(
        (Binary = "application/pdf"), (Binary = "image/jpeg"), (Binary = "image/png"), (String = "text/plain"), (Binary = "audio/mpeg"),
        (Binary = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        (Binary = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (Binary = "application/vnd.oasis.opendocument.text"),
    )),
    responses(
        (status = 201, description = "Stored", body = DocumentView),
        (status = 400, description = "`request.invalid_query`: no `filename`, or an unknown parameter; `request.unreadable_body`: the body could not be read", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`auth.forbidden`: your role does not allow this; `access.not_held`, `access.pending`: your agency does not hold the part of the case this touches, or has not accepted its handoff yet", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`: no such case, or not visible to you", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "`request.too_large`: larger than `storage.max_document_bytes`", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "`request.unsupported_media_type`: the content is not what its media type says", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation.failed`: a media type that is not accepted, empty content or a bad file name", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`storage.unavailable`: the data folder is full or read-only", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api/v1/cases/{id}/documents")]
#[expect(clippy::too_many_arguments, reason = "one actix extractor each")]
pub async fn upload_document(
    req: HttpRequest,
    db: web::Data<Db>,
    vault: web::Data<Vault>,
    storage: web::Data<Storage>,
    RequestCtx(ctx): RequestCtx,
    id: web::Path<i64>,
    query: web::Query<UploadQuery>,
    mut payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let limit = storage.max_document_bytes;
    let mut content = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(crate::http::input::payload_failure)?;
        if content.len() + chunk.len() > limit {
            return Err(AppError::PayloadTooLarge { limit });
        }
        content.extend_from_slice(&chunk);
    }
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let id = id.into_inner();
    let filename = query.into_inner().filename;
    let view = db
        .run(move |conn| {
            cases::upload_document(
                conn,
                &ctx,
                &vault,
                &storage.data_dir,
                id,
                cases::Upload {
                    filename: &filename,
                    content_type: &content_type,
                    content: &content,
                },
            )
        })
        .await?;
    Ok(HttpResponse::Created().json(view))
}

/// The documents of a case.
#[utoipa::path(
    operation_id = "cases_documents",
    get, path = "/api/v1/cases/{id}/documents", tag = "cases", params(("id" = i64, Path, description = "Case id")), security(("bearer" = [])),
    responses(
        (status = 200, description = "Documents", body = Vec<DocumentView>),
        (status = 403, description = "`auth.forbidden`: your role does not allow this; `access.not_held`, `access.pending`: your agency does not hold the part of the case this touches, or has not accepted its handoff yet", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`: no such case, or not visible to you", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/cases/{id}/documents")]
pub async fn documents(
    db: web::Data<Db>,
    vault: web::Data<Vault>,
    RequestCtx(ctx): RequestCtx,
    id: web::Path<i64>,
) -> Result<web::Json<Vec<DocumentView>>, AppError> {
    let id = id.into_inner();
    Ok(web::Json(
        db.run(move |conn| cases::documents(conn, &ctx, &vault, id))
            .await?,
    ))
}

/// Download a document (recorded in its custody log).
#[utoipa::path(
    operation_id = "cases_download_document",
    get, path = "/api/v1/cases/{id}/documents/{document_id}", tag = "cases",
    params(("id" = i64, Path, description = "Case id"), ("document_id" = i64, Path, description = "Document id")), security(("bearer" = [])),
    responses(
        (status = 200, description = "The content, with the media type it was stored with (`Content-Disposition: attachment`)", content(
            (Binary = "application/pdf"), (Binary = "image/jpeg"), (Binary = "image/png"), (String = "text/plain"), (Binary = "audio/mpeg"),
            (Binary = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
            (Binary = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            (Binary = "application/vnd.oasis.opendocument.text"),
        )),
        (status = 403, description = "`auth.forbidden`: your role does not allow this; `access.not_held`, `access.pending`: your agency does not hold the part of the case this touches, or has not accepted its handoff yet", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`: no such case or document, or not visible to you", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/cases/{id}/documents/{document_id}")]
pub async fn download_document(
    db: web::Data<Db>,
    vault: web::Data<Vault>,
    storage: web::Data<Storage>,
    RequestCtx(ctx): RequestCtx,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, AppError> {
    let (id, document_id) = path.into_inner();
    let (view, content) = db
        .run(move |conn| {
            cases::download_document(conn, &ctx, &vault, &storage.data_dir, id, document_id)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .content_type(view.content_type)
        .insert_header((header::CONTENT_DISPOSITION, "attachment"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .body(content))
}
