//! Screening of every request before any handler reads it, at one place for the API and the pages:
//!
//! - a request target longer than [`MAX_URI_BYTES`] is 414 `request.uri_too_long`, headers larger
//!   than [`MAX_HEADER_BYTES`] are 431 `request.headers_too_large` (actix itself answers a bare 431
//!   only above 128 KiB or 96 header lines, before Rujukan sees the request);
//! - a control character (other than tab and line breaks, see [`forbidden_control`]) in a
//!   query parameter is 400 `request.invalid_query` naming the parameter; any control character in
//!   a path segment is 400 `request.invalid_path`;
//! - JSON and URL-encoded form bodies are read here (at most `server.max_body_bytes`) and a
//!   control character in any of their texts is 422 `validation.failed` naming the field
//!   (`survivor.full_name`, `incidents[0].description`, or the form field's name); multipart
//!   uploads are checked where they are read (`web::case_forms`);
//! - every body that stops arriving for `server.client_request_timeout_secs` is cut with 408
//!   `request.timeout`.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::HttpMessage;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::web::{self, Bytes, BytesMut};
use futures_util::{Stream, StreamExt};

use crate::domain::text::{control_message, forbidden_control};
use crate::error::ErrorCode;
use crate::error::{AppError, FieldError};

/// Longest request target (path and query) accepted, in bytes.
pub const MAX_URI_BYTES: usize = 8 * 1024;
/// Largest total of request header names and values accepted, in bytes.
pub const MAX_HEADER_BYTES: usize = 32 * 1024;

/// What the screening needs from the settings.
#[derive(Debug, Clone, Copy)]
pub struct InputLimits {
    /// Largest JSON or form body (`server.max_body_bytes`).
    pub max_body_bytes: usize,
    /// A body that sends nothing for this long is cut (`server.client_request_timeout_secs`).
    pub stall: Duration,
}

/// Middleware (inside the request id): refuses what no handler should see; see the module doc.
pub async fn screen(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if let Err(refusal) = check_head(&req) {
        return Ok(req.error_response(refusal));
    }
    let Some(limits) = req
        .app_data::<web::Data<InputLimits>>()
        .map(|l| *l.get_ref())
    else {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    };
    let payload = Stalling::new(req.take_payload(), limits.stall);
    match body_kind(&req) {
        Some(kind) => {
            let body = match read_limited(payload, limits.max_body_bytes).await {
                Ok(body) => body,
                Err(refusal) => return Ok(req.error_response(refusal)),
            };
            if let Some(problem) = kind.control_in(&body) {
                return Ok(req.error_response(AppError::Validation(vec![problem])));
            }
            req.set_payload(Payload::from(body));
        }
        None => req.set_payload(Payload::Stream {
            payload: Box::pin(payload),
        }),
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_boxed_body)
}

/// The request line and headers: size limits, control characters in the path and the query.
fn check_head(req: &ServiceRequest) -> Result<(), AppError> {
    let uri_len = req.uri().path_and_query().map_or(0, |pq| pq.as_str().len());
    if uri_len > MAX_URI_BYTES {
        return Err(AppError::UriTooLong {
            limit: MAX_URI_BYTES,
        });
    }
    let header_bytes: usize = req
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum();
    if header_bytes > MAX_HEADER_BYTES {
        return Err(AppError::HeadersTooLarge {
            limit: MAX_HEADER_BYTES,
        });
    }
    if let Some(detail) = path_control(req.path()) {
        return Err(AppError::BadRequest {
            code: ErrorCode::RequestInvalidPath,
            detail,
        });
    }
    if let Some(detail) = query_control(req.query_string()) {
        return Err(AppError::BadRequest {
            code: ErrorCode::RequestInvalidQuery,
            detail,
        });
    }
    Ok(())
}

/// A control character of any kind (tab and line breaks too) in a decoded path segment.
pub fn path_control(path: &str) -> Option<String> {
    path.split('/').enumerate().find_map(|(i, segment)| {
        let decoded = percent_encoding::percent_decode_str(segment).decode_utf8_lossy();
        decoded.chars().find(|c| c.is_control()).map(|c| {
            format!(
                "path segment {i} ({}) {}",
                decoded.escape_debug(),
                control_message(c)
            )
        })
    })
}

/// A forbidden control character in a decoded query parameter: `name: contains …`.
pub fn query_control(query: &str) -> Option<String> {
    form_urlencoded::parse(query.as_bytes()).find_map(|(name, value)| {
        let bad = forbidden_control(&name).or_else(|| forbidden_control(&value))?;
        Some(format!("{}: {}", name.escape_debug(), control_message(bad)))
    })
}

/// Bodies read and checked here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BodyKind {
    Json,
    Form,
}

impl BodyKind {
    /// The first field of `body` that carries a forbidden control character.
    fn control_in(self, body: &[u8]) -> Option<FieldError> {
        match self {
            BodyKind::Json => json_control(body),
            BodyKind::Form => form_control(body),
        }
    }
}

/// Which screened body a request declares, by its `Content-Type`.
fn body_kind(req: &ServiceRequest) -> Option<BodyKind> {
    let media = req
        .headers()
        .get(header::CONTENT_TYPE)?
        .to_str()
        .ok()?
        .split(';')
        .next()?
        .trim()
        .to_ascii_lowercase();
    if media == "application/json"
        || (media.starts_with("application/") && media.ends_with("+json"))
    {
        Some(BodyKind::Json)
    } else if media == "application/x-www-form-urlencoded" {
        Some(BodyKind::Form)
    } else {
        None
    }
}

/// The first string (or key) of a JSON body with a forbidden control character, named by its
/// dotted path. A body that is not JSON passes: the JSON extractor explains that.
pub fn json_control(body: &[u8]) -> Option<FieldError> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    let mut path = String::new();
    json_walk(&value, &mut path)
}

fn json_walk(value: &serde_json::Value, path: &mut String) -> Option<FieldError> {
    use serde_json::Value;
    match value {
        Value::String(text) => forbidden_control(text).map(|c| FieldError {
            field: path.clone(),
            message: control_message(c),
        }),
        Value::Array(items) => items.iter().enumerate().find_map(|(i, item)| {
            let len = path.len();
            path.push_str(&format!("[{i}]"));
            let found = json_walk(item, path);
            path.truncate(len);
            found
        }),
        Value::Object(fields) => fields.iter().find_map(|(key, item)| {
            let len = path.len();
            if !path.is_empty() {
                path.push('.');
            }
            if let Some(c) = forbidden_control(key) {
                path.push_str(&key.escape_debug().to_string());
                return Some(FieldError {
                    field: path.clone(),
                    message: format!("the field name {}", control_message(c)),
                });
            }
            path.push_str(key);
            let found = json_walk(item, path);
            path.truncate(len);
            found
        }),
        Value::Null | Value::Bool(_) | Value::Number(_) => None,
    }
}

/// The first field of a URL-encoded form with a forbidden control character.
pub fn form_control(body: &[u8]) -> Option<FieldError> {
    form_urlencoded::parse(body).find_map(|(name, value)| {
        let bad = forbidden_control(&name).or_else(|| forbidden_control(&value))?;
        Some(FieldError {
            field: name.escape_debug().to_string(),
            message: control_message(bad),
        })
    })
}

/// Reads a whole body of at most `limit` bytes.
async fn read_limited(mut payload: Stalling, limit: usize) -> Result<Bytes, AppError> {
    let mut body = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(payload_failure)?;
        if body.len() + chunk.len() > limit {
            return Err(AppError::PayloadTooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// Why a body was cut: it sent nothing for this long.
#[derive(Debug, thiserror::Error)]
#[error("the request body sent nothing for {after_secs} seconds")]
pub struct StalledBody {
    /// Seconds without data.
    pub after_secs: u64,
}

/// The answer to a body that could not be read: 408 when it stalled, else 400.
pub fn payload_failure(error: PayloadError) -> AppError {
    if let PayloadError::Io(io) = &error
        && let Some(stalled) = io.get_ref().and_then(|e| e.downcast_ref::<StalledBody>())
    {
        return AppError::RequestTimeout {
            after_secs: stalled.after_secs,
        };
    }
    AppError::BadRequest {
        code: ErrorCode::RequestUnreadableBody,
        detail: error.to_string(),
    }
}

/// A body that fails with [`StalledBody`] when its reader waits longer than `stall` for data.
struct Stalling {
    inner: Payload,
    stall: Duration,
    waiting: Option<Pin<Box<tokio::time::Sleep>>>,
    cut: bool,
}

impl Stalling {
    fn new(inner: Payload, stall: Duration) -> Self {
        Self {
            inner,
            stall,
            waiting: None,
            cut: false,
        }
    }
}

impl Stream for Stalling {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.cut {
            return Poll::Ready(None);
        }
        match Pin::new(&mut self.inner).poll_next(cx) {
            Poll::Ready(item) => {
                self.waiting = None;
                Poll::Ready(item)
            }
            Poll::Pending => {
                let stall = self.stall;
                let timer = self
                    .waiting
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep(stall)));
                if timer.as_mut().poll(cx).is_ready() {
                    self.cut = true;
                    let error = std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        StalledBody {
                            after_secs: stall.as_secs(),
                        },
                    );
                    Poll::Ready(Some(Err(PayloadError::Io(error))))
                } else {
                    Poll::Pending
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_fields_with_control_characters_are_named_by_path() {
        let named = |body: &str| json_control(body.as_bytes()).map(|e| e.field);
        assert_eq!(
            named(r#"{"survivor":{"full_name":"Siti\u0000"}}"#).as_deref(),
            Some("survivor.full_name")
        );
        assert_eq!(
            named(r#"{"incidents":[{"date":"2026-01-01"},{"description":"x\u001b"}]}"#).as_deref(),
            Some("incidents[1].description")
        );
        assert_eq!(named(r#"["a","\u0007"]"#).as_deref(), Some("[1]"));
        assert_eq!(
            named(r#"{"username":"\u0000"}"#).as_deref(),
            Some("username")
        );
        assert_eq!(
            named(r#"{"note":{"body":"line\r\n\tnext"}}"#),
            None,
            "tab and line breaks are text"
        );
        assert_eq!(named(r#"{"a\u0000":1}"#).as_deref(), Some("a\\0"));
        assert_eq!(
            named("not json \u{0}"),
            None,
            "the extractor explains bad JSON"
        );
    }

    #[test]
    fn form_fields_and_query_parameters_are_named() {
        let form = form_control(b"csrf_token=x&username=siti%00&password=p");
        assert_eq!(form.map(|e| e.field).as_deref(), Some("username"));
        assert!(form_control(b"body=line%0D%0Anext%09tab").is_none());
        let query = query_control("number=JT&from=2026-01-01%00");
        assert!(
            query
                .as_deref()
                .is_some_and(|d| d.starts_with("from: ") && d.contains("U+0000")),
            "{query:?}"
        );
        assert!(query_control("q=a+b&back=%2Fcases%09").is_none());
        assert!(path_control("/api/v1/stats/a%00b").is_some_and(|d| d.contains("U+0000")));
        assert!(path_control("/lang/en%09").is_some(), "no tab in a path");
        assert!(path_control("/api/v1/cases/12").is_none());
    }
}
