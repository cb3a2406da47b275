//! Statistics speed: every indicator answered from the kept counts of a database (give it with
//! `RUJUKAN_BENCH_DATABASE_URL`, e.g. one filled by `rujukan demo seed --cases 1000000`), and the
//! suppression of large tables. Run with `cargo bench --bench stats`; scripts/bench-stats.sh seeds
//! the databases and runs it. Prints one line per measurement (best and median of several runs).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::time::{Duration, Instant};

use rujukan::audit::Ctx;
use rujukan::authz::Actor;
use rujukan::domain::user::Role;
use rujukan::services::stats::{self, StatsQuery};
use rujukan::stats::catalog::INDICATORS;
use rujukan::stats::suppress::{Table, protect};

fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, Duration) {
    let mut all: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(f());
            start.elapsed()
        })
        .collect();
    all.sort();
    (all[0], all[all.len() / 2])
}

fn table(rows: usize, cols: usize, small_pct: u64, seed: u64) -> Table {
    let mut state = seed;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let cells = (0..rows * cols)
        .map(|_| {
            if next() % 100 < small_pct {
                next() % 5
            } else {
                5 + next() % 60
            }
        })
        .collect();
    Table { rows, cols, cells }
}

fn main() {
    for (rows, cols, pct) in [(40, 40, 30), (40, 40, 90), (12, 30, 30)] {
        let t = table(rows, cols, pct, 7);
        let (best, median) = time(9, || protect(&t, 5));
        println!("suppress {rows}x{cols} {pct}% small: best {best:.2?}, median {median:.2?}");
    }
    let Ok(url) = std::env::var("RUJUKAN_BENCH_DATABASE_URL") else {
        println!("RUJUKAN_BENCH_DATABASE_URL not set: indicator timings skipped");
        return;
    };
    let parsed = rujukan::db::url::DatabaseUrl::parse(&url).unwrap();
    let mut conn = rujukan::db::pool::ConnectionManager::new(parsed, 5000)
        .establish()
        .unwrap();
    let auditor = Actor {
        user_id: 0,
        username: "bench.auditor".into(),
        agency_id: 0,
        agency_code: "BENCH".into(),
        province: None,
        roles: [Role::Auditor].into_iter().collect(),
    };
    let ctx = Ctx {
        actor: Some(auditor),
        request_id: None,
        client_ip: None,
        now: chrono::Utc::now().naive_utc(),
    };
    for indicator in INDICATORS {
        let mut breakdowns: Vec<String> =
            vec![String::new(), "month".into(), "agency,month".into()];
        breakdowns.extend(
            indicator
                .attributes
                .iter()
                .map(|d| format!("{},month", d.code)),
        );
        if indicator.attribute_required {
            breakdowns.retain(|b| indicator.attributes.iter().any(|d| b.contains(d.code)));
        }
        let mut worst = Duration::ZERO;
        let mut worst_by = String::new();
        for by in &breakdowns {
            let query = StatsQuery {
                from: Some("2024-01".into()),
                by: Some(by.clone()),
                ..Default::default()
            };
            let (_, median) = time(5, || {
                stats::answer(&mut conn, &ctx, 5, indicator.code, &query)
            });
            if median > worst {
                worst = median;
                worst_by = by.clone();
            }
        }
        println!(
            "indicator {:<18} {} breakdowns, slowest median {worst:.2?} (by={worst_by})",
            indicator.code,
            breakdowns.len()
        );
    }
}
