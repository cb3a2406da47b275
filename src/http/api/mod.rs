//! The JSON API under `/api/v1`: one file per resource, thin handlers.

pub mod agencies;
pub mod audit;
pub mod auth;
pub mod case_work;
pub mod cases;
pub mod deadlines;
pub mod dto;
pub mod handoffs;
pub mod stats;
pub mod users;

use serde::Deserialize;

use crate::error::ErrorCode;

/// Default page size of lists.
pub const DEFAULT_LIMIT: i64 = 50;
/// Largest page size of lists.
pub const MAX_LIMIT: i64 = 200;

/// `?limit=&cursor=` of every list.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct Page {
    /// Items per page (1–200, default 50; above 200 reads as 200; 0 or less is 400).
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl Page {
    /// The page size: the default when not given, at most [`MAX_LIMIT`]; 0 or less is a 400
    /// problem naming `limit` (not silently one item).
    pub fn limit(&self) -> Result<i64, crate::error::AppError> {
        match self.limit {
            None => Ok(DEFAULT_LIMIT),
            Some(n) if n >= 1 => Ok(n.min(MAX_LIMIT)),
            Some(n) => Err(crate::error::AppError::BadRequest {
                code: ErrorCode::RequestInvalidQuery,
                detail: format!("limit: must be between 1 and {MAX_LIMIT}, not {n}"),
            }),
        }
    }

    /// `(before, limit)` from a list's `limit` and `cursor` parameters: the numeric cursor (400 when it
    /// is not one) and the page size (400 when 0 or less).
    pub fn of(
        limit: Option<i64>,
        cursor: Option<&str>,
    ) -> Result<(Option<i64>, i64), crate::error::AppError> {
        let page = Page {
            limit,
            cursor: cursor.map(str::to_owned),
        };
        Ok((page.numeric_cursor()?, page.limit()?))
    }

    /// The cursor as a number (ids), or a 400 problem.
    pub fn numeric_cursor(&self) -> Result<Option<i64>, crate::error::AppError> {
        self.cursor
            .as_deref()
            .map(|c| {
                c.parse::<i64>()
                    .map_err(|_| crate::error::AppError::BadRequest {
                        code: ErrorCode::RequestInvalidQuery,
                        detail: "cursor: not a cursor of this list".to_owned(),
                    })
            })
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_below_one_are_refused_and_large_ones_capped() {
        let page = |limit| Page {
            limit,
            cursor: None,
        };
        assert_eq!(page(None).limit().ok(), Some(DEFAULT_LIMIT));
        assert_eq!(page(Some(1)).limit().ok(), Some(1));
        assert_eq!(page(Some(5000)).limit().ok(), Some(MAX_LIMIT));
        for bad in [0, -1, i64::MIN] {
            let refused = page(Some(bad)).limit().err();
            assert_eq!(
                refused.as_ref().map(crate::error::AppError::code),
                Some(ErrorCode::RequestInvalidQuery)
            );
            assert!(refused.is_some_and(|e| e.to_string().contains("limit")));
        }
    }
}
