//! Working out an answer: the breakdown and period checked, the stored counts of the caller's
//! scope summed into the cells of the breakdown, and the table protected by suppression.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, Months, NaiveDate};

use super::scope::scope;
use super::{ALL_SUPPRESSED, Figure, Grid, StatsQuery};
use crate::audit::Ctx;
use crate::authz::{self, Action, Resource};
use crate::db::{DbConnection, agencies, stats as db};
use crate::domain::Invalid;
use crate::error::AppError;
use crate::stats::catalog::{self, Breakdown, BreakdownError, Dimension, Indicator, Values};
use crate::stats::suppress::{self, Protected, Shown, Table};

/// Months `from..=to` as `YYYY-MM`.
fn months(from: NaiveDate, to: NaiveDate) -> Vec<String> {
    let mut out = Vec::new();
    let mut m = from;
    while m <= to && out.len() < 240 {
        out.push(m.format("%Y-%m").to_string());
        m = m + Months::new(1);
    }
    out
}

/// A month written `YYYY-MM`, or the month of a date written `YYYY-MM-DD`.
fn month(field: &'static str, text: &str) -> Result<NaiveDate, Invalid> {
    let date = match text.len() {
        7 => crate::domain::parse_date(&format!("{text}-01")),
        10 => crate::domain::parse_date(text),
        _ => None,
    };
    date.and_then(|d| d.with_day(1)).ok_or_else(|| {
        Invalid::new(
            field,
            "must be a month written YYYY-MM (or a date YYYY-MM-DD)",
        )
    })
}

/// The values a dimension's rows or columns take: every term of a list (with `unknown` when
/// counted), every month of the period, or the values found.
fn axis(dim: &Dimension, months_of_period: &[String], found: &BTreeSet<String>) -> Vec<String> {
    match dim.values {
        Values::Month => months_of_period.to_vec(),
        Values::List(list) => {
            let mut out: Vec<String> = list.terms.iter().map(|t| t.code.to_owned()).collect();
            for extra in found {
                if !out.contains(extra) {
                    out.push(extra.clone());
                }
            }
            out
        }
        _ => found.iter().cloned().collect(),
    }
}

/// The key of a stored count along a dimension.
fn key_of(
    dim: &Dimension,
    count: &db::Count,
    value: &str,
    agency_codes: &BTreeMap<i64, String>,
) -> String {
    match dim.values {
        Values::Month => count.month.clone(),
        Values::Province => count.province.clone(),
        Values::Agency => agency_codes
            .get(&count.agency_id)
            .cloned()
            .unwrap_or_else(|| count.agency_id.to_string()),
        _ => value.to_owned(),
    }
}

fn figure(shown: Shown) -> Figure {
    Figure {
        value: shown.value(),
        suppressed: shown.value().is_none(),
        median_hours: None,
        p90_hours: None,
    }
}

/// The hours at the `share` quantile of a histogram of `(bucket hours, count)`.
fn quantile(histogram: &BTreeMap<i64, u64>, share: f64) -> Option<i64> {
    let total: u64 = histogram.values().sum();
    if total == 0 {
        return None;
    }
    let wanted = ((total as f64) * share).ceil().max(1.0) as u64;
    let mut seen = 0;
    for (hours, n) in histogram {
        seen += n;
        if seen >= wanted {
            return Some(*hours);
        }
    }
    histogram.keys().last().copied()
}

/// Answers `indicator` for the caller. Unknown indicators are 404; unknown or too many dimensions,
/// bad months, a period ending before it starts, unknown agencies are 422; so is a breakdown that
/// would show nothing but suppressed cells ([`ALL_SUPPRESSED`], field `by`).
pub fn answer(
    conn: &mut DbConnection,
    ctx: &Ctx,
    threshold: u64,
    code: &str,
    query: &StatsQuery,
) -> Result<Grid, AppError> {
    authz::can(
        crate::services::actor(ctx)?,
        Action::StatsView,
        Resource::System,
    )?;
    let indicator: &Indicator = catalog::indicator(code).ok_or(AppError::NotFound)?;
    let breakdown = breakdown_of(indicator, query)?;
    let (from, to) = period_of(ctx.now.date(), query)?;
    let (province, agency_id, agency_code) = scope(conn, ctx, query)?;
    let period = months(from, to);
    let (from_text, to_text) = (
        from.format("%Y-%m").to_string(),
        to.format("%Y-%m").to_string(),
    );
    let counts = db::counts(
        conn,
        indicator.code,
        breakdown.attribute(),
        &from_text,
        &to_text,
        province.as_deref(),
        agency_id.as_ref().map(std::slice::from_ref),
    )?;
    let mut agency_codes = BTreeMap::new();
    for id in counts.iter().map(|c| c.agency_id).collect::<BTreeSet<_>>() {
        if let Some(a) = agencies::by_id(conn, id)? {
            agency_codes.insert(id, a.code);
        }
    }
    let tally = Tally::of(indicator, &breakdown, &counts, &agency_codes, &period);
    let table = tally.table();
    if tally.rows.is_empty() || tally.cols.is_empty() || table.cells.iter().all(|n| *n == 0) {
        return Ok(empty_answer(
            indicator,
            &breakdown,
            from_text,
            to_text,
            province,
            agency_code,
            threshold,
            tally.rows,
            tally.cols,
        ));
    }
    let protected = suppress::protect(&table, threshold).map_err(|e| match e {
        suppress::Error::AllSuppressed => Invalid::new("by", ALL_SUPPRESSED).into(),
        other => AppError::internal(anyhow::anyhow!("suppression failed: {other}")),
    })?;
    let shown = tally.shown(&protected, indicator.durations, threshold);
    Ok(Grid {
        indicator: indicator.code.to_owned(),
        definition_en: indicator.counts_en.to_owned(),
        definition_id: indicator.counts_id.to_owned(),
        from: from_text,
        to: to_text,
        province,
        agency: agency_code,
        by: breakdown.dims.iter().map(|d| d.code.to_owned()).collect(),
        threshold,
        rows: tally.rows,
        cols: tally.cols,
        cells: shown.cells,
        row_totals: shown.row_totals,
        col_totals: shown.col_totals,
        total: shown.total,
        suppressed: shown.suppressed,
    })
}

/// The breakdown `by` asks for; an unknown dimension, a bad shape or a missing attribute is a
/// problem of `by`.
fn breakdown_of(indicator: &Indicator, query: &StatsQuery) -> Result<Breakdown, Invalid> {
    Breakdown::parse(indicator, query.by.as_deref().unwrap_or_default()).map_err(|e| match e {
        BreakdownError::Unknown(d) => Invalid::new(
            "by",
            format!(
                "unknown dimension {d:?}; {} has {}",
                indicator.code,
                indicator.dimension_codes().join(", ")
            ),
        ),
        BreakdownError::Shape(why) => Invalid::new("by", why),
        BreakdownError::AttributeRequired => Invalid::new(
            "by",
            format!(
                "{} needs one of {}",
                indicator.code,
                indicator
                    .attributes
                    .iter()
                    .map(|d| d.code)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ),
    })
}

/// The first and last month asked for (by default the twelve months up to this one), at most
/// 120 months, with the export format checked too; every problem at once.
fn period_of(today: NaiveDate, query: &StatsQuery) -> Result<(NaiveDate, NaiveDate), AppError> {
    let this_month = NaiveDate::from_ymd_opt(today.year(), today.month(), 1).unwrap_or(today);
    let mut problems = Vec::new();
    let to = match query.to.as_deref() {
        Some(t) => month("to", t).map_err(|e| problems.push(e)).ok(),
        None => Some(this_month),
    };
    let from = match query.from.as_deref() {
        Some(f) => month("from", f).map_err(|e| problems.push(e)).ok(),
        None => to.map(|t| t - Months::new(11)),
    };
    if let (Some(f), Some(t)) = (from, to) {
        if t < f {
            problems.push(Invalid::new("to", "the period ends before it starts"));
        } else if months(f, t).len() > 120 {
            problems.push(Invalid::new("from", "at most 120 months at a time"));
        }
    }
    if let Some(format) = query.format.as_deref()
        && !matches!(format, "json" | "csv")
    {
        problems.push(Invalid::new("format", "must be json or csv"));
    }
    if !problems.is_empty() {
        return Err(problems.into());
    }
    Ok((from.unwrap_or(this_month), to.unwrap_or(this_month)))
}

/// The stored counts summed into the cells of the breakdown (`all` along a missing dimension),
/// with a histogram of hours per cell for duration indicators.
struct Tally {
    /// Row labels.
    rows: Vec<String>,
    /// Column labels.
    cols: Vec<String>,
    /// Count per (row, column).
    cells: BTreeMap<(String, String), u64>,
    /// Hours bucket → count, per (row, column).
    histograms: BTreeMap<(String, String), BTreeMap<i64, u64>>,
}

impl Tally {
    fn of(
        indicator: &Indicator,
        breakdown: &Breakdown,
        counts: &[db::Count],
        agency_codes: &BTreeMap<i64, String>,
        period: &[String],
    ) -> Self {
        // Duration indicators keep `[attribute value|]bucket`; split the bucket off.
        let split = |value: &str| -> (String, Option<i64>) {
            if !indicator.durations {
                return (value.to_owned(), None);
            }
            match value.rsplit_once('|') {
                Some((v, bucket)) => (v.to_owned(), bucket.parse().ok()),
                None => ("all".to_owned(), value.parse().ok()),
            }
        };
        let (row_dim, col_dim) = (
            breakdown.dims.first().copied(),
            breakdown.dims.get(1).copied(),
        );
        let mut found_rows = BTreeSet::new();
        let mut found_cols = BTreeSet::new();
        let mut cells: BTreeMap<(String, String), u64> = BTreeMap::new();
        let mut histograms: BTreeMap<(String, String), BTreeMap<i64, u64>> = BTreeMap::new();
        for count in counts {
            let (value, bucket) = split(&count.value);
            let key = |dim: Option<Dimension>| {
                dim.map_or_else(
                    || "all".to_owned(),
                    |d| key_of(&d, count, &value, agency_codes),
                )
            };
            let (r, c) = (key(row_dim), key(col_dim));
            let n = u64::try_from(count.n).unwrap_or(0);
            found_rows.insert(r.clone());
            found_cols.insert(c.clone());
            *cells.entry((r.clone(), c.clone())).or_default() += n;
            if let Some(bucket) = bucket {
                *histograms
                    .entry((r, c))
                    .or_default()
                    .entry(bucket)
                    .or_default() += n;
            }
        }
        let labels = |dim: Option<Dimension>, found: &BTreeSet<String>| {
            dim.map_or_else(|| vec!["all".to_owned()], |d| axis(&d, period, found))
        };
        Tally {
            rows: labels(row_dim, &found_rows),
            cols: labels(col_dim, &found_cols),
            cells,
            histograms,
        }
    }

    /// The table to protect: every cell, row by row (0 where nothing was counted).
    fn table(&self) -> Table {
        Table {
            rows: self.rows.len().max(1),
            cols: self.cols.len().max(1),
            cells: self
                .rows
                .iter()
                .flat_map(|r| {
                    self.cols.iter().map(|c| {
                        self.cells
                            .get(&(r.clone(), c.clone()))
                            .copied()
                            .unwrap_or(0)
                    })
                })
                .collect(),
        }
    }

    /// The figures as shown once protected, with the labels of the suppressed ones; a duration
    /// cell shown at or above the threshold gets its median and 90th percentile.
    fn shown(&self, protected: &Protected, durations: bool, threshold: u64) -> ShownFigures {
        let (rows, cols) = (&self.rows, &self.cols);
        let mut suppressed = Vec::new();
        let mut cells = Vec::new();
        for (i, r) in rows.iter().enumerate() {
            let mut line = Vec::new();
            for (j, c) in cols.iter().enumerate() {
                let mut f = figure(protected.cells[i * cols.len() + j]);
                if f.suppressed {
                    suppressed.push(format!("{r}/{c}"));
                } else if durations && f.value.is_some_and(|n| n >= threshold) {
                    let h = self.histograms.get(&(r.clone(), c.clone()));
                    f.median_hours = h.and_then(|h| quantile(h, 0.5));
                    f.p90_hours = h.and_then(|h| quantile(h, 0.9));
                }
                line.push(f);
            }
            cells.push(line);
        }
        let row_totals: Vec<Figure> = protected.row_totals.iter().map(|s| figure(*s)).collect();
        let col_totals: Vec<Figure> = protected.col_totals.iter().map(|s| figure(*s)).collect();
        for (r, f) in rows.iter().zip(&row_totals) {
            if f.suppressed {
                suppressed.push(format!("{r}/total"));
            }
        }
        for (c, f) in cols.iter().zip(&col_totals) {
            if f.suppressed {
                suppressed.push(format!("total/{c}"));
            }
        }
        let total = figure(protected.grand_total);
        if total.suppressed {
            suppressed.push("total".to_owned());
        }
        ShownFigures {
            cells,
            row_totals,
            col_totals,
            total,
            suppressed,
        }
    }
}

/// The protected figures of a [`Tally`], as a [`Grid`] holds them.
struct ShownFigures {
    cells: Vec<Vec<Figure>>,
    row_totals: Vec<Figure>,
    col_totals: Vec<Figure>,
    total: Figure,
    suppressed: Vec<String>,
}

/// The answer when nothing was counted: every figure 0 (shown: a zero reveals no one).
#[allow(clippy::too_many_arguments)]
fn empty_answer(
    indicator: &Indicator,
    breakdown: &Breakdown,
    from: String,
    to: String,
    province: Option<String>,
    agency: Option<String>,
    threshold: u64,
    rows: Vec<String>,
    cols: Vec<String>,
) -> Grid {
    let zero = || Figure {
        value: Some(0),
        suppressed: false,
        median_hours: None,
        p90_hours: None,
    };
    Grid {
        indicator: indicator.code.to_owned(),
        definition_en: indicator.counts_en.to_owned(),
        definition_id: indicator.counts_id.to_owned(),
        from,
        to,
        province,
        agency,
        by: breakdown.dims.iter().map(|d| d.code.to_owned()).collect(),
        threshold,
        cells: rows
            .iter()
            .map(|_| cols.iter().map(|_| zero()).collect())
            .collect(),
        row_totals: rows.iter().map(|_| zero()).collect(),
        col_totals: cols.iter().map(|_| zero()).collect(),
        total: zero(),
        rows,
        cols,
        suppressed: Vec::new(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_read_the_histogram() {
        let h: BTreeMap<i64, u64> = [(1, 5), (3, 4), (48, 1)].into_iter().collect();
        assert_eq!(quantile(&h, 0.5), Some(1));
        assert_eq!(quantile(&h, 0.9), Some(3));
        assert_eq!(quantile(&BTreeMap::new(), 0.5), None);
    }

    #[test]
    fn periods_are_whole_months() {
        let f = NaiveDate::from_ymd_opt(2025, 11, 1).unwrap();
        let t = NaiveDate::from_ymd_opt(2026, 2, 1).unwrap();
        assert_eq!(months(f, t), ["2025-11", "2025-12", "2026-01", "2026-02"]);
        assert!(month("from", "2026-13").is_err() && month("from", "2026-1").is_err());
        assert_eq!(
            month("to", "2026-02-17").unwrap(),
            NaiveDate::from_ymd_opt(2026, 2, 1).unwrap()
        );
        assert!(month("to", "2026-02-30").is_err());
    }
}
