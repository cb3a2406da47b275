//! Statistics answers: an indicator, broken down by at most two dimensions, over a period of
//! months, within the caller's scope (supervisors: their agency; auditors: their province, or
//! everything for national auditors), with every small count suppressed and enough others that
//! none can be recovered from the totals (`stats::suppress`). Only aggregates leave this module.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::audit::{self, AuditAction, Ctx, Event};
use crate::authz::{self, Action, Resource};
use crate::db::{DbConnection, agencies, stats as db};
use crate::domain::Invalid;
use crate::domain::user::Role;
use crate::error::AppError;
use crate::stats::catalog::{self, Breakdown, BreakdownError, Dimension, Indicator, Values};
use crate::stats::facts::UNKNOWN;
use crate::stats::suppress::{self, Shown, Table};

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

/// The scope of an answer: the province, agency id and agency code the figures are limited to.
type Scope = (Option<String>, Option<i64>, Option<String>);

/// The caller's scope: supervisors their agency, auditors their province (national: any).
fn scope(conn: &mut DbConnection, ctx: &Ctx, query: &StatsQuery) -> Result<Scope, AppError> {
    let actor = super::actor(ctx)?;
    authz::can(actor, Action::StatsView, Resource::System)?;
    let asked_agency = match query
        .agency
        .as_deref()
        .map(str::trim)
        .filter(|a| !a.is_empty())
    {
        Some(code) => Some(
            agencies::by_code(conn, code)?
                .ok_or_else(|| Invalid::new("agency", format!("unknown agency {code:?}")))?,
        ),
        None => None,
    };
    let asked_province = match query
        .province
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        Some(p) => Some(
            crate::domain::agency::ProvinceCode::parse(p)
                .map_err(|e| Invalid::new("province", e.message))?
                .as_string(),
        ),
        None => None,
    };
    if actor.has(Role::Auditor) {
        // National auditors see everything; provincial auditors their province.
        let province = match (&actor.province, asked_province) {
            (Some(own), Some(asked)) if *own != asked => return Err(AppError::Forbidden),
            (Some(own), _) => Some(own.clone()),
            (None, asked) => asked,
        };
        if let (Some(p), Some(a)) = (&province, &asked_agency)
            && a.province.as_ref().is_some_and(|ap| ap != p)
        {
            return Err(AppError::Forbidden);
        }
        return Ok((
            province,
            asked_agency.as_ref().map(|a| a.id),
            asked_agency.map(|a| a.code),
        ));
    }
    // Supervisors: their own agency's figures.
    if asked_agency
        .as_ref()
        .is_some_and(|a| a.id != actor.agency_id)
    {
        return Err(AppError::Forbidden);
    }
    Ok((
        asked_province,
        Some(actor.agency_id),
        Some(actor.agency_code.clone()),
    ))
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
    authz::can(super::actor(ctx)?, Action::StatsView, Resource::System)?;
    let indicator: &Indicator = catalog::indicator(code).ok_or(AppError::NotFound)?;
    let breakdown = Breakdown::parse(indicator, query.by.as_deref().unwrap_or_default()).map_err(
        |e| match e {
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
        },
    )?;
    let today = ctx.now.date();
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
    let (from, to) = (from.unwrap_or(this_month), to.unwrap_or(this_month));
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
    for count in &counts {
        let (value, bucket) = split(&count.value);
        let r = row_dim.map_or_else(
            || "all".to_owned(),
            |d| key_of(&d, count, &value, &agency_codes),
        );
        let c = col_dim.map_or_else(
            || "all".to_owned(),
            |d| key_of(&d, count, &value, &agency_codes),
        );
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
    let rows = row_dim.map_or_else(
        || vec!["all".to_owned()],
        |d| axis(&d, &period, &found_rows),
    );
    let cols = col_dim.map_or_else(
        || vec!["all".to_owned()],
        |d| axis(&d, &period, &found_cols),
    );
    let table = Table {
        rows: rows.len().max(1),
        cols: cols.len().max(1),
        cells: rows
            .iter()
            .flat_map(|r| {
                cols.iter()
                    .map(|c| cells.get(&(r.clone(), c.clone())).copied().unwrap_or(0))
            })
            .collect(),
    };
    if rows.is_empty() || cols.is_empty() || table.cells.iter().all(|n| *n == 0) {
        return Ok(empty_answer(
            indicator,
            &breakdown,
            from_text,
            to_text,
            province,
            agency_code,
            threshold,
            rows,
            cols,
        ));
    }
    let protected = suppress::protect(&table, threshold).map_err(|e| match e {
        suppress::Error::AllSuppressed => Invalid::new("by", ALL_SUPPRESSED).into(),
        other => AppError::internal(anyhow::anyhow!("suppression failed: {other}")),
    })?;
    let mut suppressed = Vec::new();
    let mut out_cells = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        let mut line = Vec::new();
        for (j, c) in cols.iter().enumerate() {
            let mut f = figure(protected.cells[i * cols.len() + j]);
            if f.suppressed {
                suppressed.push(format!("{r}/{c}"));
            } else if indicator.durations && f.value.is_some_and(|n| n >= threshold) {
                let h = histograms.get(&(r.clone(), c.clone()));
                f.median_hours = h.and_then(|h| quantile(h, 0.5));
                f.p90_hours = h.and_then(|h| quantile(h, 0.9));
            }
            line.push(f);
        }
        out_cells.push(line);
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
        rows,
        cols,
        cells: out_cells,
        row_totals,
        col_totals,
        total,
        suppressed,
    })
}

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

/// The answer as CSV: one line per cell (`row,column,value`), suppressed cells empty with a
/// `suppressed` flag, totals last; every text cell neutralised against spreadsheet formulas.
pub fn to_csv(answer: &Grid) -> String {
    use super::audit_trail::neutralise;
    let esc = |s: &str| {
        let s = neutralise(s);
        if s.contains([',', '"', '\n']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.into_owned()
        }
    };
    let by = |i: usize| {
        answer
            .by
            .get(i)
            .cloned()
            .unwrap_or_else(|| "all".to_owned())
    };
    let mut out = format!(
        "indicator,from,to,province,agency,{},{},value,suppressed\n",
        esc(&by(0)),
        esc(&by(1))
    );
    let head = format!(
        "{},{},{},{},{}",
        esc(&answer.indicator),
        answer.from,
        answer.to,
        esc(answer.province.as_deref().unwrap_or("")),
        esc(answer.agency.as_deref().unwrap_or(""))
    );
    let line = |out: &mut String, r: &str, c: &str, f: &Figure| {
        out.push_str(&format!(
            "{head},{},{},{},{}\n",
            esc(r),
            esc(c),
            f.value.map(|v| v.to_string()).unwrap_or_default(),
            if f.suppressed { "yes" } else { "" }
        ));
    };
    for (i, r) in answer.rows.iter().enumerate() {
        for (j, c) in answer.cols.iter().enumerate() {
            line(&mut out, r, c, &answer.cells[i][j]);
        }
    }
    for (r, f) in answer.rows.iter().zip(&answer.row_totals) {
        line(&mut out, r, "total", f);
    }
    for (c, f) in answer.cols.iter().zip(&answer.col_totals) {
        line(&mut out, "total", c, f);
    }
    line(&mut out, "total", "total", &answer.total);
    out
}

/// The SIMFONI-PPA-shaped export: for the period and scope, one protected table per SIMFONI group
/// (form of violence, age band, disability), each line `Periode;Provinsi;Kelompok;Kode;Kategori;
/// Jumlah` as docs/STATISTICS.md maps them. Recorded as an export.
pub fn simfoni(
    conn: &mut DbConnection,
    ctx: &Ctx,
    threshold: u64,
    query: &StatsQuery,
) -> Result<String, AppError> {
    use super::audit_trail::neutralise;
    let groups: [(&str, &str, &crate::domain::classification::List); 3] = [
        (
            "form",
            "Bentuk kekerasan",
            &crate::domain::classification::VIOLENCE_FORM,
        ),
        (
            "age_band",
            "Kelompok umur korban",
            &crate::domain::classification::AGE_BAND,
        ),
        (
            "disability",
            "Disabilitas korban",
            &crate::domain::classification::DISABILITY,
        ),
    ];
    let mut out =
        String::from("Periode,Provinsi,Lembaga,Kelompok,Kode,Kategori,Jumlah,Disembunyikan\n");
    let mut answers = Vec::new();
    for (dim, group, list) in groups {
        let q = StatsQuery {
            by: Some(dim.to_owned()),
            format: None,
            ..query.clone()
        };
        let a = match answer(conn, ctx, threshold, "cases", &q) {
            Err(AppError::Validation(problems))
                if problems.iter().any(|p| p.message == ALL_SUPPRESSED) =>
            {
                continue;
            }
            other => other?,
        };
        for (i, code) in a.rows.iter().enumerate() {
            let f = &a.cells[i][0];
            let label = list.get(code).map_or(
                if code == UNKNOWN {
                    "Tidak diketahui"
                } else {
                    code.as_str()
                },
                |t| t.id,
            );
            out.push_str(&format!(
                "{} s.d. {},{},{},{},{},{},{},{}\n",
                a.from,
                a.to,
                neutralise(a.province.as_deref().unwrap_or("")),
                neutralise(a.agency.as_deref().unwrap_or("")),
                group,
                neutralise(code),
                neutralise(label).replace(',', ";"),
                f.value.map(|v| v.to_string()).unwrap_or_default(),
                if f.suppressed { "ya" } else { "" }
            ));
        }
        answers.push(a);
    }
    if let Some(first) = answers.first() {
        record_export(conn, ctx, first, "simfoni")?;
    }
    Ok(out)
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
