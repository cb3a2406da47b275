//! Statistics: the indicators, an indicator's figures (aggregates only, small counts suppressed),
//! and exports (CSV, JSON, the SIMFONI-PPA-shaped file), each export recorded in the audit trail.

use actix_web::http::header;
use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::config::StatsSettings;
use crate::db::Db;
use crate::error::{AppError, Problem};
use crate::http::session::{CurrentUser, RequestCtx};
use crate::services::stats::{self, StatsAnswer, StatsQuery};
use crate::stats::catalog;

/// One indicator of the catalogue.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IndicatorInfo {
    /// Stable code.
    pub code: String,
    /// Its name (English).
    pub title: String,
    /// Its name (Indonesian).
    pub title_id: String,
    /// What is counted (English).
    pub definition_en: String,
    /// What is counted (Indonesian).
    pub definition_id: String,
    /// Which agency a figure belongs to.
    pub agency_is: String,
    /// Dimensions for `by` (month, province, agency, and at most one of the others).
    pub dimensions: Vec<String>,
    /// Cells are durations (median and 90th percentile hours, with their counts).
    pub durations: bool,
}

/// `{"items": [...]}` of the indicator list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IndicatorList {
    /// The indicators the caller may read (none for roles without statistics).
    pub items: Vec<IndicatorInfo>,
}

/// The indicators the caller may read, with their definitions and dimensions (docs/STATISTICS.md).
#[utoipa::path(
    operation_id = "stats_indicators",
    get, path = "/api/v1/stats", tag = "stats", security(("bearer" = [])),
    responses((status = 200, description = "Indicators (none for roles without statistics)", body = IndicatorList))
)]
#[get("/api/v1/stats")]
pub async fn indicators(user: CurrentUser) -> web::Json<IndicatorList> {
    let may = user
        .actor
        .roles
        .iter()
        .any(|r| crate::authz::role_permits(*r, crate::authz::Action::StatsView));
    let items = catalog::INDICATORS
        .iter()
        .filter(|_| may)
        .map(|i| IndicatorInfo {
            code: i.code.to_owned(),
            title: i.title_en.to_owned(),
            title_id: i.title_id.to_owned(),
            definition_en: i.counts_en.to_owned(),
            definition_id: i.counts_id.to_owned(),
            agency_is: i.agency_is.to_owned(),
            dimensions: i.dimension_codes().into_iter().map(str::to_owned).collect(),
            durations: i.durations,
        })
        .collect();
    web::Json(IndicatorList { items })
}

/// An indicator's figures for your scope (supervisors: your agency; auditors: your province, or
/// everything for national auditors), broken down by up to two dimensions, over whole months.
/// Counts below `stats.min_count` are suppressed, and enough others that none can be recovered
/// from the totals; the answer lists every suppressed cell.
#[utoipa::path(
    operation_id = "stats_get",
    get, path = "/api/v1/stats/{indicator}", tag = "stats",
    params(("indicator" = String, Path, description = "Indicator code"), StatsQuery), security(("bearer" = [])),
    responses(
        (status = 200, description = "Figures", body = StatsAnswer),
        (status = 400, description = "`request.invalid_query`: an unknown parameter", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`auth.forbidden`: your role does not read statistics, or a province or agency outside your scope", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`: no such indicator", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation.failed`: an unknown dimension, a bad month, a period ending before it starts, an unknown agency, or a breakdown that would show only suppressed figures", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/stats/{indicator}")]
pub async fn figures(
    db: web::Data<Db>,
    settings: web::Data<StatsSettings>,
    RequestCtx(ctx): RequestCtx,
    indicator: web::Path<String>,
    query: web::Query<StatsQuery>,
) -> Result<web::Json<StatsAnswer>, AppError> {
    let (code, query) = (indicator.into_inner(), query.into_inner());
    let threshold = settings.min_count.get();
    let grid = db
        .run(move |conn| stats::answer(conn, &ctx, threshold, &code, &query))
        .await?;
    Ok(web::Json(StatsAnswer::from(&grid)))
}

/// Exports an indicator's figures as `format=csv` (default) or `json`, or, for the indicator
/// `simfoni`, the SIMFONI-PPA-shaped CSV (docs/STATISTICS.md). Recorded as `stats.exported`.
#[utoipa::path(
    operation_id = "stats_export",
    get, path = "/api/v1/stats/{indicator}/export", tag = "stats",
    params(("indicator" = String, Path, description = "Indicator code, or `simfoni`"), StatsQuery), security(("bearer" = [])),
    responses(
        (status = 200, description = "The file as a download (`Content-Disposition: attachment`): CSV, or JSON for `format=json`", content(
            (String = "text/csv"),
            (StatsAnswer = "application/json"),
        )),
        (status = 400, description = "`request.invalid_query`: an unknown parameter", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`auth.forbidden`: your role does not read statistics, or a province or agency outside your scope", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`: no such indicator", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation.failed`: bad parameters (as for the figures), or a `format` other than csv or json", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/stats/{indicator}/export")]
pub async fn export(
    db: web::Data<Db>,
    settings: web::Data<StatsSettings>,
    RequestCtx(ctx): RequestCtx,
    indicator: web::Path<String>,
    query: web::Query<StatsQuery>,
) -> Result<HttpResponse, AppError> {
    let (code, query) = (indicator.into_inner(), query.into_inner());
    let threshold = settings.min_count.get();
    let (body, content_type, name) = db
        .run(move |conn| export_file(conn, &ctx, threshold, &code, &query))
        .await?;
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body))
}

/// The export file: `(body, media type, file name)`.
pub fn export_file(
    conn: &mut crate::db::DbConnection,
    ctx: &crate::audit::Ctx,
    threshold: u64,
    code: &str,
    query: &StatsQuery,
) -> Result<(String, &'static str, String), AppError> {
    if code == "simfoni" {
        let body = stats::simfoni(conn, ctx, threshold, query)?;
        return Ok((
            body,
            "text/csv; charset=utf-8",
            "rujukan-simfoni-ppa.csv".to_owned(),
        ));
    }
    let answer = stats::answer(conn, ctx, threshold, code, query)?;
    let format = query.format.as_deref().unwrap_or("csv");
    stats::record_export(conn, ctx, &answer, format)?;
    let name = format!(
        "rujukan-{}-{}-{}.{format}",
        answer.indicator, answer.from, answer.to
    );
    if format == "json" {
        let body = serde_json::to_string_pretty(&StatsAnswer::from(&answer))
            .map_err(AppError::internal)?;
        Ok((body, "application/json", name))
    } else {
        Ok((stats::to_csv(&answer), "text/csv; charset=utf-8", name))
    }
}
