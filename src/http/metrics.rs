//! Prometheus metrics: requests by method, route pattern and status, their latency, and the
//! database pool's state. Served as text at `GET /metrics`.

use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry,
    TextEncoder,
};

use crate::db::Db;

/// Latency buckets in seconds, from a cached page to a slow report.
const LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The process's metrics registry.
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    pool_connections: IntGauge,
    pool_idle: IntGauge,
    pool_max: IntGauge,
    denied: IntCounterVec,
    denied_unrecorded: prometheus::IntCounter,
}

impl Metrics {
    /// Registers Rujukan's metrics; `backend` is recorded in `rujukan_info`.
    pub fn new(backend: &str) -> Result<Self, prometheus::Error> {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new(
                "rujukan_http_requests_total",
                "HTTP requests answered, by method, route pattern and status",
            ),
            &["method", "route", "status"],
        )?;
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "rujukan_http_request_duration_seconds",
                "Time to answer HTTP requests, in seconds",
            )
            .buckets(LATENCY_BUCKETS.to_vec()),
            &["method", "route", "status"],
        )?;
        let pool_connections = IntGauge::new(
            "rujukan_db_pool_connections",
            "Open database connections in the pool",
        )?;
        let pool_idle = IntGauge::new(
            "rujukan_db_pool_idle_connections",
            "Idle database connections in the pool",
        )?;
        let pool_max = IntGauge::new(
            "rujukan_db_pool_max_connections",
            "Largest size of the database pool",
        )?;
        let info = IntGaugeVec::new(
            Opts::new("rujukan_info", "Version and database backend"),
            &["version", "backend"],
        )?;
        info.with_label_values(&[env!("CARGO_PKG_VERSION"), backend])
            .set(1);

        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(latency.clone()))?;
        registry.register(Box::new(pool_connections.clone()))?;
        registry.register(Box::new(pool_idle.clone()))?;
        registry.register(Box::new(pool_max.clone()))?;
        registry.register(Box::new(info))?;
        let denied = IntCounterVec::new(
            Opts::new(
                "rujukan_access_denied_total",
                "Refused reads and changes of cases, handoffs and documents (403 or 404), by subject",
            ),
            &["subject"],
        )?;
        let denied_unrecorded = prometheus::IntCounter::new(
            "rujukan_access_denied_unrecorded_total",
            "Refusals left out of the audit trail by the per-user limit: bursts of one user",
        )?;
        registry.register(Box::new(denied.clone()))?;
        registry.register(Box::new(denied_unrecorded.clone()))?;
        Ok(Self {
            denied,
            denied_unrecorded,
            registry,
            requests,
            latency,
            pool_connections,
            pool_idle,
            pool_max,
        })
    }

    /// Counts and times one answered request.
    pub fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let status = status.to_string();
        let labels = [method, route, status.as_str()];
        self.requests.with_label_values(&labels).inc();
        self.latency.with_label_values(&labels).observe(seconds);
    }

    /// Counts one refused access of a case, handoff or document.
    pub fn denied(&self, subject: &str) {
        self.denied.with_label_values(&[subject]).inc();
    }

    /// Counts one refusal left unrecorded by the per-user limit.
    pub fn denied_unrecorded(&self) {
        self.denied_unrecorded.inc();
    }

    /// The Prometheus text exposition, with the pool's state read now.
    pub fn render(&self, db: &Db) -> Result<String, prometheus::Error> {
        let state = db.state();
        self.pool_connections.set(i64::from(state.connections));
        self.pool_idle.set(i64::from(state.idle_connections));
        self.pool_max.set(i64::from(db.max_size()));
        let mut buffer = Vec::new();
        TextEncoder::new().encode(&self.registry.gather(), &mut buffer)?;
        String::from_utf8(buffer).map_err(|e| prometheus::Error::Msg(e.to_string()))
    }
}
