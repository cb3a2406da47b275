//! The request id and the per-request observation: every response carries `X-Request-Id`,
//! every log line written while serving the request carries `request_id`, and the request is
//! counted and timed for `/metrics`.
//!
//! Only the route pattern is logged, never the path or query: a path may one day hold
//! something about a case.

use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web;
use tracing::Instrument;

use super::metrics::Metrics;

/// Header that carries the request id, in and out.
pub const HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// Longest request id accepted from a client or load balancer.
const MAX_INCOMING_LEN: usize = 64;

/// The id of the request being served on this task, if any.
pub fn current() -> Option<String> {
    crate::telemetry::request_id()
}

/// Reuses a well-formed incoming id (from a load balancer), else makes a new one.
fn incoming_or_new(headers: &HeaderMap) -> String {
    headers
        .get(&HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= MAX_INCOMING_LEN
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        })
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::now_v7().to_string())
}

/// Middleware (outermost): request id, tracing span, completion log line, metrics.
pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let id = incoming_or_new(req.headers());
    let route = req
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_owned());
    let method = req.method().clone();
    let metrics = req.app_data::<web::Data<Metrics>>().cloned();
    let span = tracing::info_span!("request", request_id = %id, method = %method, route = %route);
    let started = Instant::now();

    // Handlers and extractors turn their errors into responses inside this scope, so problem
    // bodies carry the id too. (The request must not be cloned here: routing needs it unshared.)
    let served = crate::telemetry::REQUEST_ID
        .scope(id.clone(), next.call(req).instrument(span.clone()))
        .await;
    let elapsed = started.elapsed();
    let mut response = match served {
        Ok(response) => response.map_into_boxed_body(),
        Err(error) => {
            let status = error.as_response_error().status_code();
            if let Some(metrics) = metrics {
                metrics.observe(
                    method.as_str(),
                    &route,
                    status.as_u16(),
                    elapsed.as_secs_f64(),
                );
            }
            span.in_scope(|| tracing::warn!(status = status.as_u16(), error = %error, "request failed in middleware"));
            return Err(error);
        }
    };
    let status = response.status();
    if let Some(metrics) = metrics {
        metrics.observe(
            method.as_str(),
            &route,
            status.as_u16(),
            elapsed.as_secs_f64(),
        );
    }
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(HEADER, value);
    }
    span.in_scope(|| {
        let latency_ms = elapsed.as_secs_f64() * 1000.0;
        if status.is_server_error() {
            tracing::warn!(status = status.as_u16(), latency_ms, "request completed");
        } else {
            tracing::info!(status = status.as_u16(), latency_ms, "request completed");
        }
    });
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_well_formed_incoming_ids_are_reused() {
        let mut headers = HeaderMap::new();
        headers.insert(HEADER, HeaderValue::from_static("lb-1234.abc_DEF"));
        assert_eq!(incoming_or_new(&headers), "lb-1234.abc_DEF");

        headers.insert(HEADER, HeaderValue::from_static("<script>"));
        let fresh = incoming_or_new(&headers);
        assert_ne!(fresh, "<script>");
        assert!(uuid::Uuid::parse_str(&fresh).is_ok());

        let long = "a".repeat(MAX_INCOMING_LEN + 1);
        headers.insert(
            HEADER,
            HeaderValue::from_str(&long).unwrap_or(HeaderValue::from_static("x")),
        );
        assert_ne!(incoming_or_new(&headers), long);
    }
}
