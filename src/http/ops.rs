//! Operations endpoints: liveness, readiness, metrics.

use std::time::Duration;

use actix_web::{HttpResponse, get, web};
use serde::Serialize;

use super::metrics::Metrics;
use crate::db::{Db, meta};
use crate::error::{AppError, Problem};

/// How long readiness waits for a database connection before answering 503.
pub const READY_TIMEOUT: Duration = Duration::from_secs(1);

/// Answer of `/healthz`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Health {
    /// Always `ok` while the process serves requests.
    pub status: &'static str,
    /// Rujukan's version.
    pub version: &'static str,
}

/// Answer of `/readyz`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Ready {
    /// `ready`.
    pub status: &'static str,
    /// `sqlite` or `postgres`.
    pub database: &'static str,
}

/// The process is alive (does not touch the database).
#[utoipa::path(
    get, path = "/healthz", tag = "operations",
    responses((status = 200, description = "Alive", body = Health))
)]
#[get("/healthz")]
pub async fn healthz() -> web::Json<Health> {
    web::Json(Health {
        status: "ok",
        version: env!("CARGO_PKG_VERSION"),
    })
}

/// The database answers, holds Rujukan's schema and can be written; 503 otherwise
/// (`service.unavailable` when it does not answer, `storage.unavailable` when it is read-only or
/// its disk is full), within about a second.
#[utoipa::path(
    get, path = "/readyz", tag = "operations",
    responses(
        (status = 200, description = "Ready to serve", body = Ready),
        (status = 503, description = "The database does not answer, or cannot be written", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/readyz")]
pub async fn readyz(db: web::Data<Db>) -> Result<web::Json<Ready>, AppError> {
    let check = |conn: &mut crate::db::DbConnection| {
        meta::check_writable_ready(conn).map_err(|e| match e {
            meta::NotReady::ReadOnly(why) => AppError::StorageUnavailable(why),
            meta::NotReady::Unreachable(e) => AppError::Unavailable(e.to_string()),
        })
    };
    // Requests do not ping pooled connections; the probe does, on a live one.
    db.run_live(READY_TIMEOUT, check).await?;
    Ok(web::Json(Ready {
        status: "ready",
        database: db.backend().name(),
    }))
}

/// Prometheus text exposition: request counts and latencies by route and status, pool state.
#[utoipa::path(
    get, path = "/metrics", tag = "operations",
    responses((status = 200, description = "Prometheus text format 0.0.4", body = String, content_type = "text/plain"))
)]
#[get("/metrics")]
pub async fn metrics(
    metrics: web::Data<Metrics>,
    db: web::Data<Db>,
) -> Result<HttpResponse, AppError> {
    let text = metrics
        .render(&db)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("rendering metrics: {e}")))?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(text))
}
