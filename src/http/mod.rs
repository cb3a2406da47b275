//! The HTTP layer: the one route table, extractor settings, the fallback for unknown routes,
//! and the per-request middleware. Handlers are thin: they parse, call a service or a query
//! function through [`Db::run`](crate::db::Db::run), and map the result.

pub mod api;
pub mod client;
pub mod denials;
pub mod extract;
pub mod input;
pub mod metrics;
pub mod openapi;
pub mod ops;
pub mod request_id;
pub mod session;

use actix_web::{HttpRequest, HttpResponse, http::header, web};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::error::AppError;
use openapi::RouteMethods;

/// THE route table: every documented endpoint is registered here (and so appears in the
/// OpenAPI document). Later issues add their `/api/v1` scopes below.
pub fn configure(cfg: &mut ServiceConfig<'_>) {
    cfg.service(ops::healthz)
        .service(ops::readyz)
        .service(ops::metrics);
    cfg.service(api::auth::login)
        .service(api::auth::refresh)
        .service(api::auth::logout)
        .service(api::auth::open_web_session)
        .service(api::auth::close_web_session)
        .service(api::auth::me)
        .service(api::auth::change_password);
    cfg.service(api::agencies::list)
        .service(api::agencies::create)
        .service(api::agencies::update);
    cfg.service(api::users::list)
        .service(api::users::create)
        .service(api::users::get)
        .service(api::users::update)
        .service(api::users::reset_password)
        .service(api::users::confirm_roles);
    cfg.service(api::cases::list)
        .service(api::cases::create)
        .service(api::cases::get)
        .service(api::cases::update)
        .service(api::cases::add_perpetrator)
        .service(api::cases::reveal_identity)
        .service(api::cases::record_consent)
        .service(api::cases::consents)
        .service(api::cases::change_stage)
        .service(api::cases::close)
        .service(api::case_work::reopen)
        .service(api::case_work::assign)
        .service(api::cases::add_note)
        .service(api::cases::notes)
        .service(api::cases::upload_document)
        .service(api::cases::documents)
        .service(api::cases::download_document);
    cfg.service(api::audit::timeline)
        .service(api::audit::access_log)
        .service(api::audit::export)
        .service(api::audit::search)
        .service(api::audit::checkpoints);
    cfg.service(api::stats::indicators)
        .service(api::stats::export)
        .service(api::stats::figures);
    cfg.service(api::deadlines::worklist)
        .service(api::deadlines::of_case)
        .service(api::deadlines::outbox);
    cfg.service(api::handoffs::create)
        .service(api::handoffs::of_case)
        .service(api::handoffs::options)
        .service(api::handoffs::list)
        .service(api::handoffs::get)
        .service(api::handoffs::letter_pdf)
        .service(api::handoffs::accept)
        .service(api::handoffs::decline)
        .service(api::handoffs::withdraw)
        .service(api::handoffs::complete)
        .service(api::handoffs::read);
}

/// The OpenAPI document of everything [`configure`] registers, with the answers every
/// operation shares ([`openapi::SharedResponses`]).
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    use utoipa::{Modify, OpenApi};
    use utoipa_actix_web::AppExt;
    let (_app, mut doc) = actix_web::App::new()
        .into_utoipa_app()
        .openapi(openapi::ApiDoc::openapi())
        .configure(configure)
        .split_for_parts();
    openapi::SharedResponses.modify(&mut doc);
    doc
}

/// The API document at `/api/v1/openapi.json` and, with the `api-browser` cargo feature (on by
/// default), the interactive browser at `/api/docs/` (Swagger UI, served offline).
pub fn api_docs(cfg: &mut web::ServiceConfig, document: utoipa::openapi::OpenApi) {
    #[cfg(feature = "api-browser")]
    {
        cfg.service(
            utoipa_swagger_ui::SwaggerUi::new("/api/docs/{_:.*}")
                .url(openapi::DOCUMENT_PATH, document),
        )
        .route("/api/docs", web::get().to(docs_redirect));
    }
    #[cfg(not(feature = "api-browser"))]
    {
        let document = web::Data::new(document);
        cfg.app_data(document.clone()).route(
            openapi::DOCUMENT_PATH,
            web::get().to(|document: web::Data<utoipa::openapi::OpenApi>| async move {
                HttpResponse::Ok().json(document.get_ref())
            }),
        );
    }
}

/// `/api/docs` → `/api/docs/`, where the browser lives.
pub async fn docs_redirect() -> HttpResponse {
    HttpResponse::PermanentRedirect()
        .insert_header((header::LOCATION, openapi::BROWSER_PATH))
        .finish()
}

/// Fallback for every request no route took: 405 with `Allow` when the path exists for other
/// methods, else 404 — both as problems.
pub async fn fallback(
    req: HttpRequest,
    routes: web::Data<RouteMethods>,
) -> Result<HttpResponse, AppError> {
    let allowed = req
        .match_pattern()
        .and_then(|pattern| routes.allowed(&pattern).map(<[_]>::to_vec));
    match allowed {
        Some(allow) if !allow.is_empty() => Err(AppError::MethodNotAllowed { allow }),
        _ => Err(AppError::RouteNotFound),
    }
}

/// Headers every response carries, API and pages alike, unless the response sets its own: no
/// content sniffing, no referrer, no framing, and nothing kept in caches (the stylesheet sets
/// its own caching). Pages add their Content-Security-Policy (`web::page`).
pub fn security_headers() -> actix_web::middleware::DefaultHeaders {
    use actix_web::http::header;
    actix_web::middleware::DefaultHeaders::new()
        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .add((header::REFERRER_POLICY, "no-referrer"))
        .add((header::X_FRAME_OPTIONS, "DENY"))
        .add((header::CACHE_CONTROL, "no-store"))
}
