//! Statistics speed: every indicator answered from the kept counts of a database (give it with
//! `RUJUKAN_BENCH_DATABASE_URL`, e.g. one filled by `rujukan demo seed --cases 1000000`), and the
//! suppression of large tables. With `RUJUKAN_BENCH_SYNTHETIC_CASES=N` the (empty, migrated) database
//! first gets the counts of N synthetic cases spread over 36 months, 2 provinces, 120 agencies, 60
//! districts and every classification value: far more count rows than the demo data, which all
//! comes from one province, two agencies and sixty days. Run with `cargo bench --bench stats`; scripts/bench-stats.sh seeds
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

/// Writes the counts of `n` synthetic cases into an empty `stats_rollup`; returns the rows written.
fn synthetic(conn: &mut rujukan::db::DbConnection, n: usize) -> usize {
    use rujukan::domain::classification as cls;
    use rujukan::stats::facts::{CaseFacts, of_case};
    let mut state = 42_u64;
    let mut next = move |m: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        usize::try_from(state % m as u64).unwrap()
    };
    let pick = |list: &cls::List, i: usize| list.terms[i % list.terms.len()].code.to_owned();
    let start = chrono::NaiveDate::from_ymd_opt(2024, 1, 1)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap();
    let mut counts: std::collections::BTreeMap<_, i64> = Default::default();
    for _ in 0..n {
        let province = if next(4) == 0 { "52" } else { "33" };
        let c = CaseFacts {
            created_at: start + chrono::Duration::hours(i64::try_from(next(36 * 30 * 24)).unwrap()),
            province: province.into(),
            agency_id: i64::try_from(1 + next(120)).unwrap(),
            district: Some(format!("{province}{:02}", 1 + next(30))),
            forms: vec![
                pick(&cls::VIOLENCE_FORM, next(50)),
                pick(&cls::VIOLENCE_FORM, next(50)),
            ],
            gbvims_types: vec![pick(&cls::GBVIMS_TYPE, next(50))],
            gbvims_contexts: vec![pick(&cls::GBVIMS_CONTEXT, next(50))],
            legal_basis: vec![["TPKS", "PKDRT", "TPPO"][next(3)].into()],
            migration_stage: Some(pick(&cls::MIGRATION_STAGE, next(50))),
            placement_channel: Some(pick(&cls::PLACEMENT_CHANNEL, next(50))),
            destination_country: Some(
                ["MY", "SA", "HK", "TW", "SG", "AE", "KR", "JP"][next(8)].into(),
            ),
            sector: Some(pick(&cls::SECTOR, next(50))),
            age_band: Some(pick(&cls::AGE_BAND, next(50))),
            disabilities: vec![pick(&cls::DISABILITY, next(50))],
            risk_level: Some(pick(&cls::RISK_LEVEL, next(50))),
            intake_channel: Some(pick(&cls::INTAKE_CHANNEL, next(50))),
            debarkation_point: Some(pick(&cls::DEBARKATION_POINT, next(50))),
            tracks: cls::TRACKS
                .iter()
                .map(|(t, stages)| {
                    (
                        t.code.to_owned(),
                        stages[next(stages.len())].code.to_owned(),
                    )
                })
                .collect(),
        };
        for f in of_case(&c) {
            *counts.entry(f).or_default() += 1;
        }
    }
    let rows: Vec<_> = counts.into_iter().collect();
    diesel::Connection::transaction(conn, |conn| rujukan::db::stats::insert_all(conn, &rows))
        .unwrap();
    rows.len()
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
    if let Some(n) = std::env::var("RUJUKAN_BENCH_SYNTHETIC_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
    {
        let started = Instant::now();
        let rows = synthetic(&mut conn, n);
        println!(
            "synthetic counts of {n} cases: {rows} count rows written in {:.1?}",
            started.elapsed()
        );
    }
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
