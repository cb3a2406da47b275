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
    ),
    components(schemas(Problem, FieldError))
)]
pub struct ApiDoc;

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
