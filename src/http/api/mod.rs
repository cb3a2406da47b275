//! The JSON API under `/api/v1`: one file per resource, thin handlers.

pub mod agencies;
pub mod audit;
pub mod auth;
pub mod cases;
pub mod deadlines;
pub mod dto;
pub mod handoffs;
pub mod stats;
pub mod users;

use serde::Deserialize;

/// Default page size of lists.
pub const DEFAULT_LIMIT: i64 = 50;
/// Largest page size of lists.
pub const MAX_LIMIT: i64 = 200;

/// `?limit=&cursor=` of every list.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct Page {
    /// Items per page (1–200, default 50).
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl Page {
    /// The page size, clamped.
    pub fn limit(&self) -> i64 {
        self.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT)
    }

    /// `(before, limit)` from a list's `limit` and `cursor` parameters: the numeric cursor (400 when it
    /// is not one) and the clamped page size.
    pub fn of(
        limit: Option<i64>,
        cursor: Option<&str>,
    ) -> Result<(Option<i64>, i64), crate::error::AppError> {
        let page = Page {
            limit,
            cursor: cursor.map(str::to_owned),
        };
        Ok((page.numeric_cursor()?, page.limit()))
    }

    /// The cursor as a number (ids), or a 400 problem.
    pub fn numeric_cursor(&self) -> Result<Option<i64>, crate::error::AppError> {
        self.cursor
            .as_deref()
            .map(|c| {
                c.parse::<i64>()
                    .map_err(|_| crate::error::AppError::BadRequest {
                        code: "request.invalid_query",
                        detail: "cursor: not a cursor of this list".to_owned(),
                    })
            })
            .transpose()
    }
}
