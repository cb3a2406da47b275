//! The OpenAPI description, generated from the handlers' `#[utoipa::path]` annotations, and the
//! offline API browser at `/api/docs/` (Swagger UI compiled into the binary, no CDN).

use std::collections::HashMap;

use actix_web::http::Method;
use utoipa::openapi::{
    Content, HeaderBuilder, PathItem, Ref, RefOr, Response, ResponseBuilder, path::Operation,
    security::SecurityRequirement,
};
use utoipa::{Modify, OpenApi};

use crate::error::{FieldError, PROBLEM_JSON, Problem};

/// Where the document is served.
pub const DOCUMENT_PATH: &str = "/api/v1/openapi.json";
/// Where the browsable page is served.
pub const BROWSER_PATH: &str = "/api/docs/";

/// Top-level information; paths are added by the route table.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Rujukan API",
        description = "Case referral and coordination for SPPT-PKKTP. Errors are application/problem+json with a stable `code`; see docs/API.md.",
        license(name = "AGPL-3.0-or-later")
    ),
    tags(
        (name = "operations", description = "Health, readiness and metrics"),
        (name = "auth", description = "Login, tokens, web session, the caller"),
        (name = "agencies", description = "Agencies of the referral network"),
        (name = "users", description = "User administration"),
        (name = "cases", description = "Cases, under need-to-know"),
        (name = "handoffs", description = "Handoffs between agencies under the agreements"),
        (name = "deadlines", description = "Deadlines, the worklist and the notification outbox"),
        (name = "stats", description = "Statistics: aggregates only, small counts suppressed"),
        (name = "audit", description = "Timelines, access logs, audit search, exports and signed checkpoints"),
    ),
    components(schemas(Problem, FieldError, crate::error::Violation)),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

/// The raw bytes of a file (an uploaded or downloaded document, a referral letter), as the
/// document describes them.
#[derive(utoipa::ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct Binary(pub Vec<u8>);

/// Name of the access token security scheme.
pub const BEARER: &str = "bearer";
/// Name of the web session cookie security scheme.
pub const SESSION: &str = "session";

/// Declares the security schemes: the `bearer` access token, and the `session` cookie of the web
/// interface (whose changes also need the session's CSRF token).
struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{
            ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme,
        };
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            BEARER,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
        components.add_security_scheme(
            SESSION,
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                crate::http::session::SESSION_COOKIE,
                "The web session cookie (POST /api/v1/auth/session); a change made with it must carry the session's CSRF token in X-CSRF-Token.",
            ))),
        );
    }
}

/// The answers every operation shares, added to the generated document once the route table
/// has put the operations in (`http::openapi_document`), so that no annotation repeats them:
///
/// - every operation: 400, 408, 413, 414, 422 and 431 from the screening of every request
///   (`http::input`) and the HTTP layer;
/// - every operation under `/api/v1` reads the database: 503;
/// - every operation that needs a signed-in caller: 401, and for a change 403 (the CSRF check of
///   cookie sessions); the session cookie is listed as the other way to sign in;
/// - every operation with a JSON body: 415.
///
/// Each is an `application/problem+json` [`Problem`]. A status an annotation declares keeps its
/// description, completed with the shared cause.
pub struct SharedResponses;

const BAD_REQUEST: &str = "`request.invalid_path`, `request.invalid_query`: a path or query parameter of the wrong form, an unknown query parameter, or a control character in the path or the query";
const BAD_JSON: &str = "`request.malformed_json`, `request.unreadable_body`: the body is not JSON, or could not be read";
const TIMEOUT: &str = "`request.timeout`: the body stopped arriving for `server.client_request_timeout_secs` (a stalled request head gets the HTTP layer's bare 408)";
const TOO_LARGE: &str = "`request.too_large`: the body is larger than `server.max_body_bytes`";
const URI_TOO_LONG: &str = "`request.uri_too_long`: the request target is longer than 8 KiB";
const CONTROL_CHARACTER: &str = "`validation.failed`: a text of the JSON or form body holds a control character (`errors` names the field)";
const WRONG_SHAPE: &str = "`validation.failed`: the JSON has the wrong shape (unknown or missing field, wrong type) or an invalid value; `errors` lists the fields";
const HEADERS_TOO_LARGE: &str = "`request.headers_too_large`: the request headers are larger than 32 KiB in all (above 128 KiB or 96 header lines the HTTP layer answers a bare 431)";
const UNAUTHENTICATED: &str = "`auth.required`, `auth.invalid_token`: no access token or session cookie, or an expired, tampered or revoked one";
const CSRF: &str =
    "`auth.csrf_failed`: a change made with the session cookie lacks the session's CSRF token";
const NOT_JSON: &str =
    "`request.unsupported_media_type`: the body is not sent as `application/json`";
const UNAVAILABLE: &str = "`service.unavailable`: the database does not answer (`Retry-After: 5`); `storage.unavailable`: storage is full or read-only and nothing was changed (`Retry-After: 60`)";

impl Modify for SharedResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for (path, item) in openapi.paths.paths.iter_mut() {
            let database = path.starts_with("/api/v1/");
            for (method, operation) in operations_mut(item) {
                share(operation, &method, database);
            }
        }
    }
}

/// The operations of a path with their methods.
fn operations_mut(item: &mut PathItem) -> Vec<(Method, &mut Operation)> {
    [
        (Method::GET, item.get.as_mut()),
        (Method::POST, item.post.as_mut()),
        (Method::PUT, item.put.as_mut()),
        (Method::PATCH, item.patch.as_mut()),
        (Method::DELETE, item.delete.as_mut()),
    ]
    .into_iter()
    .filter_map(|(method, op)| op.map(|op| (method, op)))
    .collect()
}

fn share(operation: &mut Operation, method: &Method, database: bool) {
    let json_body = operation
        .request_body
        .as_ref()
        .is_some_and(|body| match body {
            RefOr::T(body) => body.content.contains_key("application/json"),
            RefOr::Ref(_) => false,
        });
    let bearer = SecurityRequirement::new(BEARER, Vec::<String>::new());
    let session = SecurityRequirement::new(SESSION, Vec::<String>::new());
    let signed_in = operation
        .security
        .as_ref()
        .is_some_and(|s| s.contains(&bearer) || s.contains(&session));
    if signed_in && let Some(security) = operation.security.as_mut() {
        for scheme in [bearer, session] {
            if !security.contains(&scheme) {
                security.push(scheme);
            }
        }
    }
    let changes = !matches!(*method, Method::GET | Method::HEAD);

    let mut shared: Vec<(u16, String)> = vec![
        (
            400,
            if json_body {
                format!("{BAD_REQUEST}; {BAD_JSON}")
            } else {
                BAD_REQUEST.to_owned()
            },
        ),
        (408, TIMEOUT.to_owned()),
        (413, TOO_LARGE.to_owned()),
        (414, URI_TOO_LONG.to_owned()),
        (
            422,
            if json_body {
                format!("{WRONG_SHAPE}; {CONTROL_CHARACTER}")
            } else {
                CONTROL_CHARACTER.to_owned()
            },
        ),
        (431, HEADERS_TOO_LARGE.to_owned()),
    ];
    if json_body {
        shared.push((415, NOT_JSON.to_owned()));
    }
    if signed_in {
        shared.push((401, UNAUTHENTICATED.to_owned()));
        if changes {
            shared.push((403, CSRF.to_owned()));
        }
    }
    if database {
        shared.push((503, UNAVAILABLE.to_owned()));
    }
    for (status, cause) in shared {
        let key = status.to_string();
        match operation.responses.responses.get_mut(&key) {
            Some(RefOr::T(declared)) => complete(declared, &cause),
            Some(RefOr::Ref(_)) => {}
            None => {
                operation
                    .responses
                    .responses
                    .insert(key, RefOr::T(problem_response(status, cause)));
            }
        }
    }
}

/// A declared answer, completed with a shared cause and given the problem body when it has none.
fn complete(declared: &mut Response, cause: &str) {
    if !declared.description.contains(cause) {
        declared.description = format!(
            "{}. Also {cause}",
            declared.description.trim_end_matches('.')
        );
    }
    if declared.content.is_empty() {
        declared
            .content
            .insert(PROBLEM_JSON.to_owned(), RefOr::T(problem_content()));
    }
}

fn problem_content() -> Content {
    Content::new(Some(Ref::from_schema_name("Problem")))
}

fn problem_response(status: u16, description: String) -> Response {
    let mut response = ResponseBuilder::new()
        .description(description)
        .content(PROBLEM_JSON, problem_content());
    let header = |text: &str| {
        HeaderBuilder::new()
            .schema(Some(
                utoipa::openapi::ObjectBuilder::new().schema_type(utoipa::openapi::Type::String),
            ))
            .description(Some(text))
            .build()
    };
    match status {
        401 => {
            response = response.header("WWW-Authenticate", header("`Bearer realm=\"rujukan\"`"));
        }
        503 => {
            response =
                response.header("Retry-After", header("Seconds to wait before trying again"));
        }
        _ => {}
    }
    response.build()
}

/// Methods each documented path accepts, for `405 Method Not Allowed` with an `Allow` header.
#[derive(Debug, Clone, Default)]
pub struct RouteMethods(HashMap<String, Vec<Method>>);

impl RouteMethods {
    /// Reads the methods from the generated document.
    pub fn from_document(doc: &utoipa::openapi::OpenApi) -> Self {
        let map = doc
            .paths
            .paths
            .iter()
            .map(|(path, item)| (path.clone(), methods_of(item)))
            .collect();
        Self(map)
    }

    /// The methods of a route pattern, if it is documented.
    pub fn allowed(&self, pattern: &str) -> Option<&[Method]> {
        self.0.get(pattern).map(Vec::as_slice)
    }
}

fn methods_of(item: &PathItem) -> Vec<Method> {
    [
        (&item.get, Method::GET),
        (&item.post, Method::POST),
        (&item.put, Method::PUT),
        (&item.patch, Method::PATCH),
        (&item.delete, Method::DELETE),
    ]
    .into_iter()
    .filter(|(op, _)| op.is_some())
    .map(|(_, method)| method)
    .collect()
}
