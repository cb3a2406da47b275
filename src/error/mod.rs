//! [`AppError`], the one error type at the boundary, and its answer: an
//! `application/problem+json` body (RFC 9457) with a stable `code` that clients and the
//! translated UI rely on (catalogue in `docs/API.md`).

use std::fmt;

use actix_web::http::{Method, StatusCode, header};
use actix_web::{HttpResponse, ResponseError};
use diesel::result::DatabaseErrorKind;
use serde::Serialize;

mod code;
mod storage;
pub use code::ErrorCode;
pub use storage::is_storage_failure;

/// Media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// Seconds a client should wait before retrying while the database does not answer.
pub const UNAVAILABLE_RETRY_SECS: u32 = 5;

/// Seconds a client should wait before retrying while storage cannot be written (a full disk or a
/// read-only database needs an operator, so this is longer).
pub const STORAGE_RETRY_SECS: u32 = 60;

/// One invalid field of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    /// Dotted path of the field, e.g. `survivor.date_of_birth`; empty when unknown.
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

/// Everything a request can fail with. The variant decides the status and the `code`.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// No valid credentials: missing, expired, tampered or revoked token, or a wrong password.
    #[error("unauthenticated: {code}")]
    Unauthenticated {
        /// Stable code (`auth.invalid_credentials`, `auth.invalid_token`, `auth.required`).
        code: ErrorCode,
    },
    /// The caller sees the resource but may not do this.
    #[error("forbidden")]
    Forbidden,
    /// The caller's agency sees the case but does not hold what the action needs: the part of
    /// the case it touches (`access.not_held`), or an accepted handoff (`access.pending`).
    #[error("access refused: {code}")]
    AccessRefused {
        /// Stable code.
        code: ErrorCode,
    },
    /// A cookie-authenticated change without the session's CSRF token.
    #[error("CSRF token missing or wrong")]
    CsrfRejected,
    /// The account is locked after repeated failed logins.
    #[error("account locked")]
    Locked {
        /// Seconds until the lock ends.
        retry_after: u64,
    },
    /// Too many requests from this address.
    #[error("rate limited")]
    RateLimited {
        /// Seconds until a new attempt is accepted.
        retry_after: u64,
    },
    /// A resource that does not exist, or that the caller may not see.
    #[error("not found")]
    NotFound,
    /// No route matches the path.
    #[error("no such route")]
    RouteNotFound,
    /// The route exists, but not for this method.
    #[error("method not allowed")]
    MethodNotAllowed {
        /// Methods the route accepts.
        allow: Vec<Method>,
    },
    /// A body that is not JSON at all, or a bad path or query parameter.
    #[error("bad request: {detail}")]
    BadRequest {
        /// Stable code.
        code: ErrorCode,
        /// Explanation.
        detail: String,
    },
    /// Well-formed input that breaks the rules (unknown field, wrong type, bad value).
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    /// A body over the size limit.
    #[error("request body larger than {limit} bytes")]
    PayloadTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// A body that is not `application/json` where JSON is expected.
    #[error("unsupported media type")]
    UnsupportedMediaType,
    /// Content whose type is not the one declared (an upload whose bytes are not what its
    /// `Content-Type` says).
    #[error("content does not match its media type: {0}")]
    ContentMismatch(String),
    /// A request target longer than the limit.
    #[error("URI longer than {limit} bytes")]
    UriTooLong {
        /// The limit in bytes.
        limit: usize,
    },
    /// Request headers larger than the limit.
    #[error("headers larger than {limit} bytes")]
    HeadersTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// A request body that stopped arriving.
    #[error("request body stalled")]
    RequestTimeout {
        /// Seconds without data after which the body was cut.
        after_secs: u64,
    },
    /// A change that conflicts with the current state (duplicate, already decided…).
    #[error("conflict: {code}")]
    Conflict {
        /// Stable code.
        code: ErrorCode,
        /// Explanation.
        detail: String,
    },
    /// A handoff the agreements do not allow: each unmet condition is listed.
    #[error("handoff not allowed")]
    HandoffNotAllowed(Vec<Violation>),
    /// The database does not answer; the client may retry.
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// Storage cannot be written: the database is read-only or its disk is full, or the data
    /// folder is. An outage for an operator to fix, not a bug; the client may retry later.
    #[error("storage cannot be written: {0}")]
    StorageUnavailable(String),
    /// Anything else: logged in full, answered without details.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl AppError {
    /// The stable machine-readable code.
    pub fn code(&self) -> ErrorCode {
        match self {
            AppError::Unauthenticated { code } => *code,
            AppError::Forbidden => ErrorCode::AuthForbidden,
            AppError::AccessRefused { code } => *code,
            AppError::CsrfRejected => ErrorCode::AuthCsrfFailed,
            AppError::Locked { .. } => ErrorCode::AuthLocked,
            AppError::RateLimited { .. } => ErrorCode::AuthRateLimited,
            AppError::NotFound => ErrorCode::NotFound,
            AppError::RouteNotFound => ErrorCode::RouteNotFound,
            AppError::MethodNotAllowed { .. } => ErrorCode::MethodNotAllowed,
            AppError::BadRequest { code, .. } => *code,
            AppError::Validation(_) => ErrorCode::ValidationFailed,
            AppError::PayloadTooLarge { .. } => ErrorCode::RequestTooLarge,
            AppError::UnsupportedMediaType | AppError::ContentMismatch(_) => {
                ErrorCode::RequestUnsupportedMediaType
            }
            AppError::UriTooLong { .. } => ErrorCode::RequestUriTooLong,
            AppError::HeadersTooLarge { .. } => ErrorCode::RequestHeadersTooLarge,
            AppError::RequestTimeout { .. } => ErrorCode::RequestTimeout,
            AppError::Conflict { code, .. } => *code,
            AppError::HandoffNotAllowed(_) => ErrorCode::HandoffNotAllowed,
            AppError::Unavailable(_) => ErrorCode::ServiceUnavailable,
            AppError::StorageUnavailable(_) => ErrorCode::StorageUnavailable,
            AppError::Internal(_) => ErrorCode::Internal,
        }
    }

    fn title(&self) -> &'static str {
        match self {
            AppError::Unauthenticated { .. } => "Authentication required",
            AppError::Forbidden | AppError::AccessRefused { .. } => "Forbidden",
            AppError::CsrfRejected => "CSRF check failed",
            AppError::Locked { .. } => "Account locked",
            AppError::RateLimited { .. } => "Too many requests",
            AppError::NotFound => "Not found",
            AppError::RouteNotFound => "No such route",
            AppError::MethodNotAllowed { .. } => "Method not allowed",
            AppError::BadRequest { .. } => "Bad request",
            AppError::Validation(_) => "Validation failed",
            AppError::PayloadTooLarge { .. } => "Request body too large",
            AppError::UnsupportedMediaType | AppError::ContentMismatch(_) => {
                "Unsupported media type"
            }
            AppError::UriTooLong { .. } => "URI too long",
            AppError::HeadersTooLarge { .. } => "Request headers too large",
            AppError::RequestTimeout { .. } => "Request timeout",
            AppError::Conflict { .. } => "Conflict",
            AppError::HandoffNotAllowed(_) => "Handoff not allowed",
            AppError::Unavailable(_) => "Service unavailable",
            AppError::StorageUnavailable(_) => "Storage unavailable",
            AppError::Internal(_) => "Internal error",
        }
    }

    fn detail(&self) -> String {
        match self {
            AppError::Unauthenticated { code } => unauthenticated_detail(*code).to_owned(),
            AppError::Forbidden => "Your role does not allow this.".to_owned(),
            AppError::AccessRefused { code } => access_refused_detail(*code).to_owned(),
            AppError::CsrfRejected => {
                "Send the session's CSRF token in the X-CSRF-Token header or the csrf_token field."
                    .to_owned()
            }
            AppError::Locked { retry_after } => format!(
                "Too many failed logins: the account is locked. Try again in {} minute(s).",
                retry_after.div_ceil(60)
            ),
            AppError::RateLimited { retry_after } => {
                format!(
                    "Too many attempts from this address. Try again in {retry_after} second(s)."
                )
            }
            AppError::NotFound => {
                "The resource does not exist or is not visible to you.".to_owned()
            }
            AppError::RouteNotFound => "No route matches this path.".to_owned(),
            AppError::MethodNotAllowed { allow } => format!(
                "This route accepts {}.",
                allow
                    .iter()
                    .map(Method::as_str)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            AppError::BadRequest { detail, .. } | AppError::Conflict { detail, .. } => {
                detail.clone()
            }
            AppError::Validation(errors) => match errors.as_slice() {
                [one] if one.field.is_empty() => one.message.clone(),
                [one] => format!("{}: {}", one.field, one.message),
                _ => format!("{} fields are invalid.", errors.len()),
            },
            AppError::PayloadTooLarge { limit } => {
                format!("The request body is larger than the limit of {limit} bytes.")
            }
            AppError::UnsupportedMediaType => "Send the body as application/json.".to_owned(),
            AppError::ContentMismatch(detail) => detail.clone(),
            AppError::UriTooLong { limit } => {
                format!("The request URI is longer than the limit of {limit} bytes.")
            }
            AppError::HeadersTooLarge { limit } => {
                format!("The request headers are larger than the limit of {limit} bytes.")
            }
            AppError::RequestTimeout { after_secs } => format!(
                "The request body stopped arriving for {after_secs} seconds; send it again."
            ),
            AppError::HandoffNotAllowed(violations) => format!(
                "The agreements do not allow this handoff: {}.",
                violations
                    .iter()
                    .map(|v| v.message.as_str())
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
            AppError::Unavailable(_) => {
                format!(
                    "The database is not answering. Try again in {UNAVAILABLE_RETRY_SECS} seconds."
                )
            }
            AppError::StorageUnavailable(_) => format!(
                "Rujukan cannot store anything right now (its storage is full or read-only); nothing was changed. Try again in {} minute(s).",
                STORAGE_RETRY_SECS.div_ceil(60)
            ),
            AppError::Internal(_) => {
                "Something went wrong on our side; it has been logged with the request id."
                    .to_owned()
            }
        }
    }
}

/// One unmet condition of a refused handoff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Violation {
    /// Agreement id.
    pub agreement: String,
    /// Agreement version.
    pub version: i32,
    /// Handoff id in the agreement.
    pub handoff: String,
    /// Stable condition code, e.g. `consent_missing`.
    pub condition: String,
    /// The condition in words.
    pub message: String,
}

/// The `application/problem+json` body.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// `urn:rujukan:problem:<code>`.
    #[serde(rename = "type")]
    pub type_: String,
    /// Short summary of the kind of problem.
    pub title: String,
    /// HTTP status.
    pub status: u16,
    /// Explanation of this occurrence.
    pub detail: String,
    /// Stable code, e.g. `validation.failed`.
    pub code: ErrorCode,
    /// The request id, also sent as `X-Request-Id`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// For `validation.failed`: each invalid field.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// For `handoff.not_allowed`: each unmet condition, naming agreement, version and handoff.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub violations: Vec<Violation>,
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::Unauthenticated { .. } => StatusCode::UNAUTHORIZED,
            AppError::Forbidden | AppError::AccessRefused { .. } | AppError::CsrfRejected => {
                StatusCode::FORBIDDEN
            }
            AppError::Locked { .. } => StatusCode::LOCKED,
            AppError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::NotFound | AppError::RouteNotFound => StatusCode::NOT_FOUND,
            AppError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            AppError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            AppError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedMediaType | AppError::ContentMismatch(_) => {
                StatusCode::UNSUPPORTED_MEDIA_TYPE
            }
            AppError::UriTooLong { .. } => StatusCode::URI_TOO_LONG,
            AppError::HeadersTooLarge { .. } => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            AppError::RequestTimeout { .. } => StatusCode::REQUEST_TIMEOUT,
            AppError::Conflict { .. } => StatusCode::CONFLICT,
            AppError::HandoffNotAllowed(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Unavailable(_) | AppError::StorageUnavailable(_) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        match self {
            AppError::Internal(cause) => {
                tracing::error!(error = %ErrorChain(cause), "request failed")
            }
            AppError::Unavailable(cause) => tracing::warn!(error = %cause, "database unavailable"),
            AppError::StorageUnavailable(cause) => tracing::error!(
                error = %cause,
                "storage cannot be written (disk full or read-only): writes answer 503 until an operator frees space or makes it writable"
            ),
            _ => {}
        }
        let problem = Problem {
            type_: format!("urn:rujukan:problem:{}", self.code()),
            title: self.title().to_owned(),
            status: status.as_u16(),
            detail: self.detail(),
            code: self.code(),
            request_id: crate::telemetry::request_id(),
            errors: match self {
                AppError::Validation(errors) => errors.clone(),
                _ => Vec::new(),
            },
            violations: match self {
                AppError::HandoffNotAllowed(violations) => violations.clone(),
                _ => Vec::new(),
            },
        };
        let mut response = HttpResponse::build(status);
        response.content_type(PROBLEM_JSON);
        match self {
            AppError::Unavailable(_) => {
                response.insert_header((header::RETRY_AFTER, UNAVAILABLE_RETRY_SECS.to_string()));
            }
            AppError::StorageUnavailable(_) => {
                response.insert_header((header::RETRY_AFTER, STORAGE_RETRY_SECS.to_string()));
            }
            AppError::Locked { retry_after } | AppError::RateLimited { retry_after } => {
                response.insert_header((header::RETRY_AFTER, (*retry_after).max(1).to_string()));
            }
            AppError::Unauthenticated { .. } => {
                response.insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"rujukan\""));
            }
            AppError::MethodNotAllowed { allow } => {
                let list = allow
                    .iter()
                    .map(Method::as_str)
                    .collect::<Vec<_>>()
                    .join(", ");
                response.insert_header((header::ALLOW, list));
            }
            _ => {}
        }
        response.json(problem)
    }
}

/// Prints an error with its causes on one line.
struct ErrorChain<'a>(&'a anyhow::Error);

impl fmt::Display for ErrorChain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#}", self.0)
    }
}

impl AppError {
    /// An internal error from anything printable (logged in full, answered without details).
    pub fn internal(error: impl fmt::Display) -> Self {
        AppError::Internal(anyhow::anyhow!("{error}"))
    }

    /// A failed file write: [`AppError::StorageUnavailable`] when the disk is full, over quota,
    /// read-only or refuses writing; an internal error otherwise.
    pub fn file_write(error: std::io::Error) -> Self {
        use std::io::ErrorKind as K;
        match error.kind() {
            K::StorageFull | K::QuotaExceeded | K::ReadOnlyFilesystem | K::PermissionDenied => {
                AppError::StorageUnavailable(format!("data folder: {error}"))
            }
            _ => AppError::internal(error),
        }
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(error: diesel::result::Error) -> Self {
        use diesel::result::Error as E;
        match error {
            E::NotFound => AppError::NotFound,
            E::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => AppError::Conflict {
                code: ErrorCode::ConflictDuplicate,
                detail: format!(
                    "A record with the same {} exists already.",
                    info.constraint_name().unwrap_or("key")
                ),
            },
            E::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _) => AppError::Conflict {
                code: ErrorCode::ConflictReference,
                detail:
                    "The record refers to something that does not exist, or is still referred to."
                        .to_owned(),
            },
            E::DatabaseError(DatabaseErrorKind::ClosedConnection, info) => {
                AppError::Unavailable(info.message().to_owned())
            }
            E::BrokenTransactionManager => {
                AppError::Unavailable("broken transaction manager".to_owned())
            }
            ref e if is_storage_failure(e) => {
                AppError::StorageUnavailable(format!("database: {e}"))
            }
            other => AppError::Internal(anyhow::Error::new(other)),
        }
    }
}

impl From<r2d2::Error> for AppError {
    fn from(error: r2d2::Error) -> Self {
        AppError::Unavailable(error.to_string())
    }
}

/// Why an authenticated caller is refused a part of a case or a duty.
fn access_refused_detail(code: ErrorCode) -> &'static str {
    match code {
        ErrorCode::AccessPending => {
            "Your agency has not accepted this handoff yet: accept it before acting on the case or sending it on."
        }
        ErrorCode::RoleSeparationOfDuties => {
            "Someone else must do this: nobody changes their own roles, and a role that reads cases is confirmed by someone other than the person who set the account's password."
        }
        _ => "Your agency does not hold this part of the case under its agreements.",
    }
}

/// Why a caller is not authenticated.
fn unauthenticated_detail(code: ErrorCode) -> &'static str {
    match code {
        ErrorCode::AuthInvalidCredentials => "The username or password is wrong.",
        _ => "Log in again: the token is missing, invalid, expired or revoked.",
    }
}

impl From<crate::authz::Denial> for AppError {
    fn from(denial: crate::authz::Denial) -> Self {
        match denial {
            crate::authz::Denial::Hidden => AppError::NotFound,
            crate::authz::Denial::Forbidden => AppError::Forbidden,
            crate::authz::Denial::NotHeld => AppError::AccessRefused {
                code: ErrorCode::AccessNotHeld,
            },
            crate::authz::Denial::Pending => AppError::AccessRefused {
                code: ErrorCode::AccessPending,
            },
        }
    }
}

impl From<Vec<crate::domain::Invalid>> for AppError {
    fn from(problems: Vec<crate::domain::Invalid>) -> Self {
        AppError::Validation(
            problems
                .into_iter()
                .map(|p| FieldError {
                    field: p.field.into_owned(),
                    message: p.message,
                })
                .collect(),
        )
    }
}

impl From<crate::domain::Invalid> for AppError {
    fn from(problem: crate::domain::Invalid) -> Self {
        AppError::from(vec![problem])
    }
}
