//! `rujukan demo seed --cases N` at the machine's speed: the cases made in memory on one thread
//! ([`super::plan`]), written in batches on the other (`crate::db::bulk`: multi-row inserts on
//! SQLite, `COPY` on PostgreSQL), one transaction a batch; then the counters and sequences moved
//! past what was written and the statistics rebuilt once, as `rujukan stats rebuild` does.

use std::sync::mpsc;

use diesel::Connection;

use super::plan::{Places, Planner};
use super::{Cast, actor};
use crate::crypto::Vault;
use crate::db::{self, DbConnection, agencies};
use crate::deadlines::DeadlineRules;
use crate::error::AppError;
use crate::services::agreements::AgreementSet;

/// Cases made and written per transaction.
const BATCH: usize = 5_000;

/// What a bulk seed added.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seeded {
    /// Cases added.
    pub cases: usize,
    /// Handoffs added.
    pub handoffs: usize,
    /// Statistics count rows written by the rebuild.
    pub counts: usize,
}

/// Adds `count` demo cases as [`super::seed_cases`] does through the services, with the same
/// random draws for the same `seed`, but made in memory and written in batches; the statistics
/// are rebuilt from the records once at the end. The demo users must exist
/// ([`super::seed_people`]).
pub fn seed_cases_bulk(
    conn: &mut DbConnection,
    vault: &Vault,
    set: &AgreementSet,
    rules: &DeadlineRules,
    count: usize,
    seed: u64,
) -> Result<Seeded, AppError> {
    let cast = Cast::load(conn)?;
    let places = places(conn)?;
    let ids = db::bulk::next_ids(conn)?;
    db::bulk::for_loading(conn)?;
    let counters = db::bulk::counters(conn)?;
    let planner = Planner::new(vault, set, (cast, places), seed, ids, counters);
    let (counters, handoffs) = make_and_write(conn, planner, count)?;
    conn.transaction(|conn| db::bulk::set_counters(conn, &counters))?;
    db::bulk::advance_sequences(conn)?;
    db::bulk::analyze(conn)?;
    let counts = crate::services::stats_upkeep::rebuild(conn, rules)?;
    Ok(Seeded {
        cases: count,
        handoffs,
        counts,
    })
}

/// Makes the batches on a second thread while this one writes them; answers the counters as the
/// planner left them and the number of handoffs made.
fn make_and_write(
    conn: &mut DbConnection,
    mut planner: Planner<'_>,
    count: usize,
) -> Result<(Vec<db::bulk::Counter>, usize), AppError> {
    std::thread::scope(|scope| {
        let (tx, rx) = mpsc::sync_channel(1);
        let maker = scope.spawn(move || {
            let mut done = 0;
            while done < count {
                let n = (count - done).min(BATCH);
                let batch = planner.batch(n);
                let failed = batch.is_err();
                if tx.send(batch).is_err() || failed {
                    break;
                }
                done += n;
            }
            (planner.counters(), planner.handoffs)
        });
        let per_transaction = db::bulk::batches_per_transaction(conn);
        let written = write_all(conn, &rx, per_transaction);
        drop(rx);
        let made = maker
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        written.map(|()| made)
    })
}

/// Writes the batches as they come, `per_transaction` of them in each transaction.
fn write_all(
    conn: &mut DbConnection,
    rx: &mpsc::Receiver<Result<db::bulk::Rows, AppError>>,
    per_transaction: usize,
) -> Result<(), AppError> {
    let mut ended = false;
    while !ended {
        conn.transaction(|conn| -> Result<(), AppError> {
            for _ in 0..per_transaction {
                let Ok(batch) = rx.recv() else {
                    ended = true;
                    break;
                };
                db::bulk::write(conn, &batch?)?;
            }
            Ok(())
        })?;
    }
    Ok(())
}

/// The service unit, police and court the demo cases travel between.
fn places(conn: &mut DbConnection) -> Result<Places, AppError> {
    let mut get = |code: &str| -> Result<agencies::AgencyRow, AppError> {
        agencies::by_code(conn, code)?
            .ok_or_else(|| AppError::internal(format!("demo agency {code} is missing")))
    };
    Ok(Places {
        service_unit: get("UPTD-PPA-JATENG")?,
        police: get("POLDA-JATENG")?,
        court: get("PN-SEMARANG")?,
    })
}

impl Cast {
    /// The demo users who take, report and answer the demo cases.
    pub(super) fn load(conn: &mut DbConnection) -> Result<Self, AppError> {
        Ok(Self {
            caseworker: actor(conn, "demo.caseworker")?,
            supervisor: actor(conn, "demo.supervisor")?,
            bp3mi: actor(conn, "demo.bp3mi")?,
            police: actor(conn, "demo.investigator")?,
        })
    }
}
