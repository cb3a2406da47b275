//! The OpenAPI description, generated from the handlers' `#[utoipa::path]` annotations, and the
//! offline API browser at `/api/docs/` (Swagger UI compiled into the binary, no CDN).

use std::collections::HashMap;

use actix_web::http::Method;
use utoipa::OpenApi;
use utoipa::openapi::PathItem;

use crate::error::{FieldError, Problem};

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

/// Declares the `bearer` security scheme used by the endpoints.
struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
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
