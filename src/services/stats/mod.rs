//! Statistics answers: an indicator, broken down by at most two dimensions, over a period of
//! months, within the caller's scope (supervisors: their agency; auditors: their province, or
//! everything for national auditors), with every small count suppressed and enough others that
//! none can be recovered from the totals (`stats::suppress`). Only aggregates leave this module.
//!
//! This module holds what an answer is; `answer` works one out, `scope` limits it to the
//! caller's, `export` writes answers as CSV and in the SIMFONI-PPA shape.

mod answer;
mod export;
mod scope;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::audit::{self, AuditAction, Ctx, Event};
use crate::db::DbConnection;
use crate::error::AppError;

pub use answer::answer;
pub use export::{simfoni, to_csv};

/// `?from=&to=&province=&agency=&by=` of a statistics request.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct StatsQuery {
    /// First month, `YYYY-MM` (default: eleven months before `to`).
    pub from: Option<String>,
    /// Last month, `YYYY-MM` (default: this month).
    pub to: Option<String>,
    /// Only this province (two-digit code).
    pub province: Option<String>,
    /// Only this agency (code).
    pub agency: Option<String>,
    /// Up to two dimensions, comma-separated: rows, then columns (`form,month`).
    pub by: Option<String>,
    /// `json` (default) or `csv`, for exports.
    pub format: Option<String>,
}

/// One figure of a [`Grid`]: its value, or `None` and `suppressed`.
#[derive(Debug, Clone)]
pub struct Figure {
    /// The count (`None` when suppressed).
    pub value: Option<u64>,
    /// Hidden to protect survivors (small, or needed to protect a small one).
    pub suppressed: bool,
    /// Median hours (duration indicators; `None` when suppressed or too few).
    pub median_hours: Option<i64>,
    /// 90th percentile hours (duration indicators).
    pub p90_hours: Option<i64>,
}

/// A protected table of figures: what the page and the CSV show, and what [`StatsAnswer`] is made
/// from.
#[derive(Debug, Clone)]
pub struct Grid {
    /// Indicator code (its definition is in docs/STATISTICS.md under this code).
    pub indicator: String,
    /// What is counted (English).
    pub definition_en: String,
    /// What is counted (Indonesian).
    pub definition_id: String,
    /// First month.
    pub from: String,
    /// Last month.
    pub to: String,
    /// Province filter applied (the caller's scope included).
    pub province: Option<String>,
    /// Agency filter applied (the caller's scope included).
    pub agency: Option<String>,
    /// Dimensions: rows, then columns.
    pub by: Vec<String>,
    /// Cells below this are suppressed.
    pub threshold: u64,
    /// Row labels (codes).
    pub rows: Vec<String>,
    /// Column labels (codes; one `all` column for a one-dimensional breakdown).
    pub cols: Vec<String>,
    /// Cells, row by row.
    pub cells: Vec<Vec<Figure>>,
    /// Row totals.
    pub row_totals: Vec<Figure>,
    /// Column totals.
    pub col_totals: Vec<Figure>,
    /// Grand total.
    pub total: Figure,
    /// The suppressed cells, as `row/col` codes (totals as `row/total`, `total/col`, `total`).
    pub suppressed: Vec<String>,
}

/// The message of a breakdown that would show only suppressed figures (422, field `by`).
pub const ALL_SUPPRESSED: &str = "this breakdown would show only suppressed figures; choose fewer dimensions, a longer period or a wider scope";

/// One figure of an answer, keyed by the values of its dimensions (CONTRACT.md).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Cell {
    /// Dimension code → value code, e.g. `{"form": "sexual", "month": "2026-10"}`.
    pub key: BTreeMap<String, String>,
    /// The count, `null` when suppressed; a shown value is 0 or at least the threshold.
    pub value: Option<u64>,
    /// Hidden to protect survivors.
    pub suppressed: bool,
    /// Median hours (duration indicators, when the count is shown and at least the threshold).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub median_hours: Option<i64>,
    /// 90th percentile hours (duration indicators).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p90_hours: Option<i64>,
}

/// A statistics answer (CONTRACT.md: `code`, `threshold`, `cells`, `total`; the rest extends it).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StatsAnswer {
    /// Indicator code (its definition is in docs/STATISTICS.md under this code).
    pub code: String,
    /// What is counted (English).
    pub definition_en: String,
    /// What is counted (Indonesian).
    pub definition_id: String,
    /// First month.
    pub from: String,
    /// Last month.
    pub to: String,
    /// Province the figures are limited to (the caller's scope included).
    pub province: Option<String>,
    /// Agency the figures are limited to (the caller's scope included).
    pub agency: Option<String>,
    /// Dimensions of the breakdown.
    pub by: Vec<String>,
    /// Counts from 1 to below this are never shown.
    pub threshold: u64,
    /// The figures of the breakdown (none without one).
    pub cells: Vec<Cell>,
    /// The totals of each row and column of a two-way breakdown, keyed by one dimension.
    pub margins: Vec<Cell>,
    /// The grand total, `null` when suppressed.
    pub total: Option<u64>,
    /// Whether the grand total is hidden.
    pub total_suppressed: bool,
    /// Every hidden figure, as `row/column` codes (`row/total`, `total/column`, `total`).
    pub suppressed: Vec<String>,
}

impl From<&Grid> for StatsAnswer {
    fn from(g: &Grid) -> Self {
        let cell = |key: Vec<(&String, &String)>, f: &Figure| Cell {
            key: key
                .into_iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            value: f.value,
            suppressed: f.suppressed,
            median_hours: f.median_hours,
            p90_hours: f.p90_hours,
        };
        let mut cells = Vec::new();
        let mut margins = Vec::new();
        match g.by.as_slice() {
            [row] => {
                for (i, r) in g.rows.iter().enumerate() {
                    cells.push(cell(vec![(row, r)], &g.cells[i][0]));
                }
            }
            [row, col] => {
                for (i, r) in g.rows.iter().enumerate() {
                    for (j, c) in g.cols.iter().enumerate() {
                        cells.push(cell(vec![(row, r), (col, c)], &g.cells[i][j]));
                    }
                    margins.push(cell(vec![(row, r)], &g.row_totals[i]));
                }
                for (j, c) in g.cols.iter().enumerate() {
                    margins.push(cell(vec![(col, c)], &g.col_totals[j]));
                }
            }
            _ => {}
        }
        Self {
            code: g.indicator.clone(),
            definition_en: g.definition_en.clone(),
            definition_id: g.definition_id.clone(),
            from: g.from.clone(),
            to: g.to.clone(),
            province: g.province.clone(),
            agency: g.agency.clone(),
            by: g.by.clone(),
            threshold: g.threshold,
            cells,
            margins,
            total: g.total.value,
            total_suppressed: g.total.suppressed,
            suppressed: g.suppressed.clone(),
        }
    }
}

/// Records an export of statistics (`stats.exported`), with what was exported but no figure.
pub fn record_export(
    conn: &mut DbConnection,
    ctx: &Ctx,
    answer: &Grid,
    format: &str,
) -> Result<(), AppError> {
    audit::record(
        conn,
        ctx,
        Event::new(AuditAction::StatsExported).details(serde_json::json!({
            "indicator": answer.indicator,
            "format": format,
            "from": answer.from,
            "to": answer.to,
            "province": answer.province,
            "agency": answer.agency,
            "by": answer.by,
            "suppressed_cells": answer.suppressed.len(),
        })),
    )?;
    Ok(())
}
