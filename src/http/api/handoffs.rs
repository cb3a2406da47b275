//! Handoffs: sending from a case, the options the caller has, inbox and outbox, decisions.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::Deserialize;
use utoipa::ToSchema;

use super::Page;
use super::dto::List;
use crate::audit::Ctx;
use crate::crypto::Vault;
use crate::db::Db;
use crate::domain::handoff::HandoffStatus;
use crate::error::{AppError, Problem};
use crate::http::openapi::Binary;
use crate::http::session::RequestCtx;
use crate::services::handoffs::letter::LetterFormat;
use crate::services::handoffs::{
    self, AgreementSet, Decision, HandoffInput, HandoffOption, HandoffView,
};
use actix_web::http::header;

/// Send a handoff from a case. Allowed only when an agreement in force allows it; otherwise 422
/// `handoff.not_allowed` lists each unmet condition with its agreement, version and handoff id.
#[utoipa::path(
    operation_id = "handoffs_create",
    post, path = "/api/v1/cases/{id}/handoffs", tag = "handoffs", params(("id" = i64, Path, description = "Case id")),
    security(("bearer" = [])),
    request_body(content = HandoffInput, example = json!({"handoff": "report-to-police", "to_agency": "POLDA-JATENG", "message": "Survivor ready to report; interpreter needed"})),
    responses(
        (status = 201, description = "Sent", body = HandoffView),
        (status = 403, description = "`auth.forbidden`: your role does not allow this; `access.not_held`, `access.pending`: your agency does not hold the part of the case this touches, or has not accepted its handoff yet", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`: no such case, or not visible to you", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`handoff.duplicate`: an open handoff of this kind to this agency exists", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`handoff.not_allowed`: not allowed by the agreements (`violations` lists each unmet condition); `validation.failed`: an unknown agency or handoff, or an invalid field", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api/v1/cases/{id}/handoffs")]
pub async fn create(
    db: web::Data<Db>,
    set: web::Data<AgreementSet>,
    vault: web::Data<Vault>,
    RequestCtx(ctx): RequestCtx,
    id: web::Path<i64>,
    body: web::Json<HandoffInput>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let input = body.into_inner();
    let view = db
        .run(move |conn| handoffs::create(conn, &ctx, &set, &vault, id, input))
        .await?;
    Ok(HttpResponse::Created().json(view))
}

/// The handoffs of a case that concern the caller's agency.
#[utoipa::path(
    operation_id = "handoffs_of_case",
    get, path = "/api/v1/cases/{id}/handoffs", tag = "handoffs", params(("id" = i64, Path, description = "Case id")), security(("bearer" = [])),
    responses(
        (status = 200, description = "Handoffs", body = Vec<HandoffView>),
        (status = 404, description = "`not_found`: no such case, or not visible to you", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/cases/{id}/handoffs")]
pub async fn of_case(
    db: web::Data<Db>,
    vault: web::Data<Vault>,
    RequestCtx(ctx): RequestCtx,
    id: web::Path<i64>,
) -> Result<web::Json<Vec<HandoffView>>, AppError> {
    let id = id.into_inner();
    Ok(web::Json(
        db.run(move |conn| handoffs::of_case(conn, &ctx, &vault, id))
            .await?,
    ))
}

/// What the caller may send from this case, to whom, and for each closed option why.
#[utoipa::path(
    operation_id = "handoffs_options",
    get, path = "/api/v1/cases/{id}/handoff-options", tag = "handoffs", params(("id" = i64, Path, description = "Case id")), security(("bearer" = [])),
    responses(
        (status = 200, description = "Options", body = Vec<HandoffOption>),
        (status = 403, description = "`auth.forbidden`: your role does not send handoffs; `access.pending`: your agency has not accepted its handoff of the case", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`: no such case, or not visible to you", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/cases/{id}/handoff-options")]
pub async fn options(
    db: web::Data<Db>,
    set: web::Data<AgreementSet>,
    vault: web::Data<Vault>,
    RequestCtx(ctx): RequestCtx,
    id: web::Path<i64>,
) -> Result<web::Json<Vec<HandoffOption>>, AppError> {
    let id = id.into_inner();
    Ok(web::Json(
        db.run(move |conn| handoffs::options(conn, &ctx, &set, &vault, id))
            .await?,
    ))
}

/// `?box=&status=` of the handoff list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct BoxQuery {
    /// `incoming` (default) or `outgoing`.
    #[serde(rename = "box")]
    pub box_: Option<String>,
    /// Only this status.
    pub status: Option<String>,
    /// Items per page.
    pub limit: Option<i64>,
    /// Cursor.
    pub cursor: Option<String>,
}

/// The caller's agency's incoming or outgoing handoffs, newest first.
#[utoipa::path(
    operation_id = "handoffs_list",
    get, path = "/api/v1/handoffs", tag = "handoffs", params(BoxQuery), security(("bearer" = [])),
    responses(
        (status = 200, description = "Handoffs", body = List<HandoffView>),
        (status = 400, description = "`request.invalid_query`: an unknown parameter, `limit` below 1 or a cursor that is not one of this list", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`auth.forbidden`: your role does not read handoffs", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation.failed`: an unknown box or status", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/handoffs")]
pub async fn list(
    db: web::Data<Db>,
    vault: web::Data<Vault>,
    RequestCtx(ctx): RequestCtx,
    query: web::Query<BoxQuery>,
) -> Result<web::Json<List<HandoffView>>, AppError> {
    let query = query.into_inner();
    let incoming = match query.box_.as_deref() {
        None | Some("incoming") => true,
        Some("outgoing") => false,
        Some(_) => {
            return Err(crate::domain::Invalid::new("box", "must be incoming or outgoing").into());
        }
    };
    let page = Page {
        limit: query.limit,
        cursor: query.cursor,
    };
    let before = page.numeric_cursor()?;
    let limit = page.limit()?;
    let status = query
        .status
        .as_deref()
        .map(HandoffStatus::parse)
        .transpose()?;
    let rows = db
        .run(move |conn| handoffs::list(conn, &ctx, &vault, incoming, status, before, limit))
        .await?;
    Ok(web::Json(List::page(
        rows,
        limit,
        |h| h.id.to_string(),
        |h| h,
    )))
}

/// One handoff (its sender's or receiver's).
#[utoipa::path(
    operation_id = "handoffs_get",
    get, path = "/api/v1/handoffs/{id}", tag = "handoffs", params(("id" = i64, Path, description = "Handoff id")), security(("bearer" = [])),
    responses(
        (status = 200, description = "The handoff", body = HandoffView),
        (status = 403, description = "`auth.forbidden`: your role does not read handoffs", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`: no such handoff, or not your agency's", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/handoffs/{id}")]
pub async fn get(
    db: web::Data<Db>,
    vault: web::Data<Vault>,
    RequestCtx(ctx): RequestCtx,
    id: web::Path<i64>,
) -> Result<web::Json<HandoffView>, AppError> {
    let id = id.into_inner();
    Ok(web::Json(
        db.run(move |conn| handoffs::get(conn, &ctx, &vault, id))
            .await?,
    ))
}

/// `?lang=` of the referral letter.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct LetterQuery {
    /// `id` (Bahasa Indonesia, the default) or `en`; without it the `rujukan_lang` cookie decides.
    pub lang: Option<String>,
}

/// The referral letter (surat rujukan) of a handoff as an A4 PDF, fonts embedded: for the users of
/// its sender or receiver who may see it; a withdrawn or declined handoff prints marked. The first
/// print gives the letter its number; every print is recorded (`handoff.letter_printed`).
#[utoipa::path(
    operation_id = "handoffs_letter_pdf",
    get, path = "/api/v1/handoffs/{id}/letter.pdf", tag = "handoffs",
    params(("id" = i64, Path, description = "Handoff id"), LetterQuery), security(("bearer" = [])),
    responses(
        (status = 200, description = "The letter (`Content-Disposition: inline`)", content((Binary = "application/pdf"))),
        (status = 404, description = "`not_found`: no such handoff, or not your agency's", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation.failed`: `lang` is neither `id` nor `en`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/handoffs/{id}/letter.pdf")]
pub async fn letter_pdf(
    req: HttpRequest,
    db: web::Data<Db>,
    vault: web::Data<Vault>,
    RequestCtx(ctx): RequestCtx,
    id: web::Path<i64>,
    query: web::Query<LetterQuery>,
) -> Result<HttpResponse, AppError> {
    use crate::web::i18n::{Lang, Texts};
    let lang = match query.into_inner().lang.as_deref() {
        Some("id") => Lang::Id,
        Some("en") => Lang::En,
        Some(_) => return Err(crate::domain::Invalid::new("lang", "must be id or en").into()),
        None => req
            .cookie("rujukan_lang")
            .map_or(Lang::Id, |c| Lang::parse(c.value())),
    };
    let id = id.into_inner();
    let letter = db
        .run(move |conn| handoffs::letter::letter(conn, &ctx, &vault, id, LetterFormat::Pdf))
        .await?;
    let t = Texts::new(lang);
    let text = letter.text(&|key| t.get(key));
    let title = format!("{} {}", t.get("letter.document"), letter.number);
    let pdf = web::block(move || crate::letter_pdf::render(&text, lang.code(), &title))
        .await
        .map_err(AppError::internal)?
        .map_err(AppError::internal)?;
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("inline; filename=\"surat-rujukan-{id}.pdf\""),
        ))
        .body(pdf))
}

/// A reason (decline, withdraw).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonBody {
    /// Why.
    pub reason: String,
}

/// An outcome (complete).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutcomeBody {
    /// What was done.
    pub outcome: String,
}

async fn decide(
    db: web::Data<Db>,
    vault: web::Data<Vault>,
    ctx: Ctx,
    id: i64,
    decision: Decision,
) -> Result<web::Json<HandoffView>, AppError> {
    Ok(web::Json(
        db.run(move |conn| handoffs::decide(conn, &ctx, &vault, id, decision))
            .await?,
    ))
}

/// Accept a pending handoff (receiving agency). A transfer moves case ownership.
#[utoipa::path(
    operation_id = "handoffs_accept",
    post, path = "/api/v1/handoffs/{id}/accept", tag = "handoffs", params(("id" = i64, Path, description = "Handoff id")), security(("bearer" = [])),
    responses(
        (status = 200, description = "Accepted", body = HandoffView),
        (status = 403, description = "`auth.forbidden`: your role does not decide handoffs, or your agency is not on the side that does this", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`: no such handoff, or not your agency's", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`handoff.already_decided`: decided already; `handoff.wrong_kind`: a notice is not accepted; `handoff.consent_withdrawn`: the consent it rests on was withdrawn; `handoff.access_ended`: the access it gave has ended", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api/v1/handoffs/{id}/accept")]
pub async fn accept(
    db: web::Data<Db>,
    vault: web::Data<Vault>,
    RequestCtx(ctx): RequestCtx,
    id: web::Path<i64>,
) -> Result<web::Json<HandoffView>, AppError> {
    decide(db, vault, ctx, id.into_inner(), Decision::Accept).await
}

/// Decline a pending handoff with a reason (receiving agency).
#[utoipa::path(
    operation_id = "handoffs_decline",
    post, path = "/api/v1/handoffs/{id}/decline", tag = "handoffs", params(("id" = i64, Path, description = "Handoff id")), security(("bearer" = [])),
    request_body = ReasonBody,
    responses(
        (status = 200, description = "Declined", body = HandoffView),
        (status = 403, description = "`auth.forbidden`: your role does not decide handoffs, or your agency is not on the side that does this", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`: no such handoff, or not your agency's", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`handoff.already_decided`: decided already; `handoff.wrong_kind`: a notice is not declined", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation.failed`: a reason of 3–2000 characters is needed", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api/v1/handoffs/{id}/decline")]
pub async fn decline(
    db: web::Data<Db>,
    vault: web::Data<Vault>,
    RequestCtx(ctx): RequestCtx,
    id: web::Path<i64>,
    body: web::Json<ReasonBody>,
) -> Result<web::Json<HandoffView>, AppError> {
    decide(
        db,
        vault,
        ctx,
        id.into_inner(),
        Decision::Decline(body.into_inner().reason),
    )
    .await
}

/// Withdraw a pending handoff with a reason (sending agency).
#[utoipa::path(
    operation_id = "handoffs_withdraw",
    post, path = "/api/v1/handoffs/{id}/withdraw", tag = "handoffs", params(("id" = i64, Path, description = "Handoff id")), security(("bearer" = [])),
    request_body = ReasonBody,
    responses(
        (status = 200, description = "Withdrawn", body = HandoffView),
        (status = 403, description = "`auth.forbidden`: your role does not decide handoffs, or your agency is not on the side that does this", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`: no such handoff, or not your agency's", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`handoff.already_decided`: decided already", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation.failed`: a reason of 3–2000 characters is needed", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api/v1/handoffs/{id}/withdraw")]
pub async fn withdraw(
    db: web::Data<Db>,
    vault: web::Data<Vault>,
    RequestCtx(ctx): RequestCtx,
    id: web::Path<i64>,
    body: web::Json<ReasonBody>,
) -> Result<web::Json<HandoffView>, AppError> {
    decide(
        db,
        vault,
        ctx,
        id.into_inner(),
        Decision::Withdraw(body.into_inner().reason),
    )
    .await
}

/// Complete an accepted handoff with its outcome (receiving agency).
#[utoipa::path(
    operation_id = "handoffs_complete",
    post, path = "/api/v1/handoffs/{id}/complete", tag = "handoffs", params(("id" = i64, Path, description = "Handoff id")), security(("bearer" = [])),
    request_body = OutcomeBody,
    responses(
        (status = 200, description = "Completed", body = HandoffView),
        (status = 403, description = "`auth.forbidden`: your role does not decide handoffs, or your agency is not on the side that does this", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`: no such handoff, or not your agency's", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`handoff.already_decided`: not accepted, or completed already; `handoff.wrong_kind`: a notice is not completed; `handoff.consent_withdrawn`: the consent it rests on was withdrawn; `handoff.access_ended`: the access it gave has ended", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation.failed`: an outcome of 3–2000 characters is needed", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api/v1/handoffs/{id}/complete")]
pub async fn complete(
    db: web::Data<Db>,
    vault: web::Data<Vault>,
    RequestCtx(ctx): RequestCtx,
    id: web::Path<i64>,
    body: web::Json<OutcomeBody>,
) -> Result<web::Json<HandoffView>, AppError> {
    decide(
        db,
        vault,
        ctx,
        id.into_inner(),
        Decision::Complete(body.into_inner().outcome),
    )
    .await
}

/// Mark a notice read (receiving agency).
#[utoipa::path(
    operation_id = "handoffs_read",
    post, path = "/api/v1/handoffs/{id}/read", tag = "handoffs", params(("id" = i64, Path, description = "Handoff id")), security(("bearer" = [])),
    responses(
        (status = 200, description = "Read", body = HandoffView),
        (status = 403, description = "`auth.forbidden`: your role does not decide handoffs, or your agency is not on the side that does this", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`: no such handoff, or not your agency's", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`handoff.wrong_kind`: not a notice; `handoff.already_decided`: read already; `handoff.consent_withdrawn`: the consent it rests on was withdrawn; `handoff.access_ended`: the access it gave has ended", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api/v1/handoffs/{id}/read")]
pub async fn read(
    db: web::Data<Db>,
    vault: web::Data<Vault>,
    RequestCtx(ctx): RequestCtx,
    id: web::Path<i64>,
) -> Result<web::Json<HandoffView>, AppError> {
    decide(db, vault, ctx, id.into_inner(), Decision::Read).await
}
