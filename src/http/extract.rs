//! How request bodies, paths and queries are read: size limits, and every failure answered as
//! a problem (413, 415, 400 for JSON that does not parse, 422 for JSON of the wrong shape),
//! never a 500.

use actix_web::error::{JsonPayloadError, PathError, PayloadError, QueryPayloadError};
use actix_web::web;

use crate::error::ErrorCode;
use crate::error::{AppError, FieldError};

/// JSON bodies: at most `limit` bytes; unknown fields are refused by each body type
/// (`#[serde(deny_unknown_fields)]`).
pub fn json_config(limit: usize) -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(limit)
        .error_handler(move |error, _req| json_error(error, limit).into())
}

/// Raw bodies (forms, uploads read as bytes): at most `limit` bytes.
pub fn payload_config(limit: usize) -> web::PayloadConfig {
    web::PayloadConfig::new(limit)
}

/// Path parameters of the wrong type.
pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|error: PathError, _req| {
        AppError::BadRequest {
            code: ErrorCode::RequestInvalidPath,
            detail: error.to_string(),
        }
        .into()
    })
}

/// Query parameters of the wrong type.
pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|error: QueryPayloadError, _req| {
        AppError::BadRequest {
            code: ErrorCode::RequestInvalidQuery,
            detail: error.to_string(),
        }
        .into()
    })
}

/// Classifies a JSON body failure.
pub fn json_error(error: JsonPayloadError, limit: usize) -> AppError {
    match error {
        JsonPayloadError::OverflowKnownLength { .. }
        | JsonPayloadError::Overflow { .. }
        | JsonPayloadError::Payload(PayloadError::Overflow) => AppError::PayloadTooLarge { limit },
        JsonPayloadError::ContentType => AppError::UnsupportedMediaType,
        JsonPayloadError::Deserialize(e) if e.is_data() => AppError::Validation(vec![FieldError {
            field: field_of(&e.to_string()).unwrap_or_default(),
            message: e.to_string(),
        }]),
        JsonPayloadError::Deserialize(e) => AppError::BadRequest {
            code: ErrorCode::RequestMalformedJson,
            detail: format!("The body is not valid JSON: {e}"),
        },
        other => AppError::BadRequest {
            code: ErrorCode::RequestUnreadableBody,
            detail: other.to_string(),
        },
    }
}

/// The field named in serde's "unknown field `x`" / "missing field `x`" messages.
fn field_of(message: &str) -> Option<String> {
    let rest = message
        .strip_prefix("unknown field `")
        .or_else(|| message.strip_prefix("missing field `"))?;
    rest.split('`').next().map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_messages_name_the_field() {
        assert_eq!(
            field_of("unknown field `nmae`, expected `name` at line 1 column 7"),
            Some("nmae".to_owned())
        );
        assert_eq!(
            field_of("missing field `name` at line 1 column 2"),
            Some("name".to_owned())
        );
        assert_eq!(
            field_of("invalid type: integer `1`, expected a string"),
            None
        );
    }
}
