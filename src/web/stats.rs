//! The statistics page: an indicator with filters (period, province for national auditors, up to
//! two dimensions), a chart drawn on the server as SVG, and the same figures as a table with their
//! totals; suppressed figures shown as "—" and explained. Links to the CSV, JSON and
//! SIMFONI-PPA-shaped exports (each recorded in the audit trail).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, web};
use askama::Template;

use super::chart::{self, Bar};
use super::forms::{self, Errors, Fields};
use super::i18n::{Lang, Texts};
use super::{Chrome, Viewer, label, render};
use crate::authz::{Action, role_permits};
use crate::config::StatsSettings;
use crate::db::Db;
use crate::error::AppError;
use crate::services::stats::{self, Figure, Grid, StatsQuery};
use crate::stats::catalog::{self, Dimension, Indicator, Values};
use crate::stats::facts::UNKNOWN;

pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(page);
}

/// A cell as shown.
struct CellText {
    text: String,
    suppressed: bool,
}

/// A row of the table.
struct RowText {
    label: String,
    cells: Vec<CellText>,
    total: CellText,
}

#[derive(Template)]
#[template(path = "stats.html")]
struct StatsPage {
    t: Texts,
    c: Chrome,
    f: Fields,
    errors: Errors,
    indicators: Vec<(&'static str, String)>,
    indicator: &'static str,
    definition: String,
    dims: Vec<(&'static str, String)>,
    places: Vec<(&'static str, String)>,
    scope: String,
    chart: Option<String>,
    caption: String,
    col_labels: Vec<String>,
    rows: Vec<RowText>,
    col_totals: Vec<CellText>,
    total: CellText,
    two_way: bool,
    durations: bool,
    suppressed: usize,
    threshold: u64,
    export_query: String,
}

fn dim_label(t: &Texts, code: &str) -> String {
    let key = format!("stats.dim.{code}");
    let text = t.get(&key);
    if text == key { code.to_owned() } else { text }
}

/// The label of one value along a dimension.
fn value_label(t: &Texts, dim: Option<Dimension>, code: &str) -> String {
    if code == UNKNOWN {
        return t.get("stats.unknown");
    }
    let named = match dim.map(|d| d.code) {
        Some("province" | "district" | "destination_country") => Some(t.place(code)),
        Some("sender_kind" | "receiver_kind") => Some(t.agency_kind(code)),
        Some("kind") => Some(t.get(&format!("kind.{code}"))),
        Some("status") => Some(t.get(&format!("handoff.status.{code}"))),
        _ => None,
    };
    if let Some(name) = named.filter(|n| !n.starts_with("kind.") && !n.starts_with("handoff.")) {
        return name;
    }
    match dim.map(|d| d.values) {
        Some(Values::List(list)) => list
            .get(code)
            .map_or_else(|| code.to_owned(), |term| label(t, term)),
        Some(Values::Month) => match code.split_once('-') {
            Some((y, m)) => format!("{m}/{y}"),
            None => code.to_owned(),
        },
        None if code == "all" => t.get("stats.all"),
        _ => {
            // Stage codes: the stage's label in the user's language.
            crate::domain::classification::TRACKS
                .iter()
                .flat_map(|(_, stages)| stages.iter())
                .find(|s| s.code == code)
                .map_or_else(|| code.to_owned(), |s| label(t, s))
        }
    }
}

fn cell_text(t: &Texts, f: &Figure, durations: bool) -> CellText {
    match (f.value, durations) {
        (None, _) => CellText {
            text: "—".to_owned(),
            suppressed: true,
        },
        (Some(n), true) => CellText {
            text: match (f.median_hours, f.p90_hours) {
                (Some(m), Some(p)) => format!("{n} · {} {m} h · p90 {p} h", t.get("stats.median")),
                _ => n.to_string(),
            },
            suppressed: false,
        },
        (Some(n), false) => CellText {
            text: n.to_string(),
            suppressed: false,
        },
    }
}

#[get("/stats")]
async fn page(
    req: HttpRequest,
    db: web::Data<Db>,
    settings: web::Data<StatsSettings>,
    v: Viewer,
) -> HttpResponse {
    if !v
        .actor
        .roles
        .iter()
        .any(|r| role_permits(*r, Action::StatsView))
    {
        return super::message(v, StatusCode::FORBIDDEN, "error.title", "error.forbidden");
    }
    let f = Fields::parse(req.query_string().as_bytes());
    let indicator = catalog::indicator(f.one("indicator").as_deref().unwrap_or("cases"))
        .unwrap_or(&catalog::INDICATORS[0]);
    let query = stats_query(&f, indicator);
    let threshold = settings.min_count.get();
    let ctx = v.ctx(&req);
    let code = indicator.code;
    let answered = db
        .run(move |conn| stats::answer(conn, &ctx, threshold, code, &query))
        .await;
    let (answer, errors): (Option<Grid>, Errors) = match answered {
        Ok(a) => (Some(a), Errors::default()),
        Err(e) => match answer_errors(&v.t, &e) {
            Some(errors) => (None, errors),
            None => return super::failed(v, e, "stats"),
        },
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut page = StatsPage::empty(v, indicator, threshold, f, errors);
    if let Some(a) = answer {
        page.show(indicator, &a);
    }
    render(status, &page)
}

/// The question the form asks: period, province and up to two dimensions (an indicator that
/// needs one is broken down by its first when none is chosen).
fn stats_query(f: &Fields, indicator: &Indicator) -> StatsQuery {
    let by: Vec<String> = [f.one("by"), f.one("by2")].into_iter().flatten().collect();
    let default_by = if indicator.attribute_required {
        indicator.attributes.first().map(|d| d.code)
    } else {
        None
    };
    StatsQuery {
        from: f.one("from"),
        to: f.one("to"),
        province: f.one("province"),
        agency: None,
        by: Some(if by.is_empty() {
            default_by.unwrap_or_default().to_owned()
        } else {
            by.join(",")
        }),
        format: None,
    }
}

/// The messages next to the form for a refused question (a province out of the user's scope
/// among them); `None` when the failure is not the form's.
fn answer_errors(t: &Texts, e: &AppError) -> Option<Errors> {
    match forms::field_errors(t, e) {
        Some(errors) => Some(errors),
        None if matches!(e, AppError::Forbidden) => {
            let mut errors = Errors::default();
            errors.add("province", t.get("stats.out_of_scope"));
            Some(errors)
        }
        None => None,
    }
}

impl StatsPage {
    /// The label of column `i` of a two-way table (named on each cell of a stacked row).
    fn col_label(&self, i: &usize) -> &str {
        self.col_labels.get(*i).map_or("", String::as_str)
    }

    /// The form for `indicator` without an answer yet.
    fn empty(v: Viewer, indicator: &Indicator, threshold: u64, f: Fields, errors: Errors) -> Self {
        let t = v.t;
        let indicators = catalog::INDICATORS
            .iter()
            .map(|i| (i.code, t.get(&format!("stats.ind.{}", i.code))))
            .collect();
        let dims = indicator
            .attributes
            .iter()
            .map(|d| (d.code, dim_label(&t, d.code)))
            .collect();
        let places = ["month", "province", "agency"]
            .into_iter()
            .map(|c| (c, dim_label(&t, c)))
            .collect();
        let definition = match t.lang {
            Lang::Id => indicator.counts_id.to_owned(),
            Lang::En => indicator.counts_en.to_owned(),
        };
        StatsPage {
            t,
            indicators,
            indicator: indicator.code,
            definition,
            dims,
            places,
            scope: String::new(),
            chart: None,
            caption: String::new(),
            col_labels: Vec::new(),
            rows: Vec::new(),
            col_totals: Vec::new(),
            total: CellText {
                text: String::new(),
                suppressed: false,
            },
            two_way: false,
            durations: indicator.durations,
            suppressed: 0,
            threshold,
            export_query: String::new(),
            f,
            errors,
            c: v.chrome,
        }
    }

    /// Shows the answer: its scope and caption, the table with its totals, the chart and the
    /// export links' query.
    fn show(&mut self, indicator: &Indicator, a: &Grid) {
        let t = self.t;
        self.two_way = a.by.len() == 2;
        self.scope = match (&a.agency, &a.province) {
            (Some(agency), _) => format!("{} {agency}", t.get("stats.scope_agency")),
            (None, Some(p)) => format!("{} {p}", t.get("stats.scope_province")),
            (None, None) => t.get("stats.scope_national"),
        };
        self.caption = format!(
            "{} · {} {} – {}",
            t.get(&format!("stats.ind.{}", a.indicator)),
            a.by.first()
                .map(|d| dim_label(&t, d))
                .unwrap_or_else(|| t.get("stats.all")),
            value_label(&t, Some(catalog::MONTH), &a.from),
            value_label(&t, Some(catalog::MONTH), &a.to)
        );
        self.table(indicator, a);
        self.chart = self.chart_of(indicator, a);
        self.export_query = export_query(a);
    }

    /// The table: column labels, rows with their totals, column totals and the grand total.
    fn table(&mut self, indicator: &Indicator, a: &Grid) {
        let t = self.t;
        let row_dim = a.by.first().and_then(|d| indicator.dimension(d));
        let col_dim = a.by.get(1).and_then(|d| indicator.dimension(d));
        self.col_labels = a.cols.iter().map(|c| value_label(&t, col_dim, c)).collect();
        self.rows = a
            .rows
            .iter()
            .enumerate()
            .map(|(i, r)| RowText {
                label: value_label(&t, row_dim, r),
                cells: a.cells[i]
                    .iter()
                    .map(|f| cell_text(&t, f, a.by.is_empty() || indicator.durations))
                    .collect(),
                total: cell_text(&t, &a.row_totals[i], false),
            })
            .collect();
        self.col_totals = a
            .col_totals
            .iter()
            .map(|f| cell_text(&t, f, false))
            .collect();
        self.total = cell_text(&t, &a.total, false);
        self.suppressed = a.suppressed.len();
    }

    /// The bar chart of the rows: their totals, or their median hours for a duration.
    fn chart_of(&self, indicator: &Indicator, a: &Grid) -> Option<String> {
        let t = self.t;
        let row_dim = a.by.first().and_then(|d| indicator.dimension(d));
        let chart_bars: Vec<Bar> = a
            .rows
            .iter()
            .enumerate()
            .map(|(i, r)| Bar {
                label: value_label(&t, row_dim, r),
                value: if indicator.durations {
                    a.cells[i]
                        .first()
                        .and_then(|f| f.median_hours)
                        .map(|h| h as f64)
                } else {
                    a.row_totals[i].value.map(|n| n as f64)
                },
            })
            .collect();
        let chart_title = if indicator.durations {
            format!("{} ({})", self.caption, t.get("stats.median_hours"))
        } else {
            self.caption.clone()
        };
        chart::bars(&chart_title, &chart_bars)
    }
}

/// The query of the export links: the answer's period, dimensions and province.
fn export_query(a: &Grid) -> String {
    let mut q = form_urlencoded::Serializer::new(String::new());
    q.append_pair("from", &a.from)
        .append_pair("to", &a.to)
        .append_pair("by", &a.by.join(","));
    if let Some(p) = &a.province {
        q.append_pair("province", p);
    }
    q.finish()
}
