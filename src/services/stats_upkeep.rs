//! Keeping the statistics counts in step with the cases and handoffs: each service that changes
//! what the statistics count appends the difference between the facts before and after its change
//! to the count changes (`stats_deltas`), in its own transaction. A handoff's facts come from the
//! rows the change reads and writes ([`HandoffCounts`], [`CaseCounts`]); an edit of a case reads
//! the case before and after ([`Watch`]).
//! [`rebuild`] recomputes every count from the records (for data from before the statistics
//! existed, and to check the kept counts).

use std::collections::BTreeMap;

use diesel::Connection;

use crate::db::cases::{self as case_db, CaseRow, IncidentRow, TraffickingRow};
use crate::db::handoffs::{self as handoff_db, HandoffRow};
use crate::db::{DbConnection, agencies, stats as db};
use crate::deadlines::DeadlineRules;
use crate::error::AppError;
use crate::stats::facts::{self, CaseFacts, Fact, HandoffFacts};

fn list(json: &str) -> Vec<String> {
    serde_json::from_str(json).unwrap_or_default()
}

fn case_facts_of(
    row: &CaseRow,
    incidents: &[IncidentRow],
    trafficking: Option<&TraffickingRow>,
    tracks: Vec<(String, String)>,
) -> CaseFacts {
    let mut forms = Vec::new();
    let mut types = Vec::new();
    let mut contexts = Vec::new();
    for i in incidents {
        forms.extend(list(&i.forms));
        types.extend(i.gbvims_type.clone());
        contexts.extend(list(&i.gbvims_contexts));
    }
    CaseFacts {
        created_at: row.created_at,
        province: row.province.clone(),
        agency_id: row.owner_agency_id,
        district: row.home_district.clone(),
        forms,
        gbvims_types: types,
        gbvims_contexts: contexts,
        legal_basis: list(&row.legal_basis),
        migration_stage: row.migration_stage.clone(),
        placement_channel: row.placement_channel.clone(),
        destination_country: row.destination_country.clone(),
        sector: row.sector.clone(),
        age_band: row.age_band.clone(),
        disabilities: list(&row.disabilities),
        risk_level: row.risk_level.clone(),
        intake_channel: trafficking.and_then(|t| t.intake_channel.clone()),
        debarkation_point: trafficking.and_then(|t| t.debarkation_point.clone()),
        tracks,
    }
}

/// The facts a case contributes now (none if it does not exist).
pub fn case_facts(conn: &mut DbConnection, id: i64) -> Result<Vec<Fact>, AppError> {
    let Some(row) = case_db::by_id(conn, id)? else {
        return Ok(Vec::new());
    };
    let incidents = case_db::incidents(conn, id)?;
    let trafficking = case_db::trafficking(conn, id)?;
    let tracks = case_db::tracks(conn, id)?;
    Ok(facts::of_case(&case_facts_of(
        &row,
        &incidents,
        trafficking.as_ref(),
        tracks,
    )))
}

/// Agency kinds by id, loaded once per use.
#[derive(Default)]
struct Kinds(BTreeMap<i64, String>);

impl Kinds {
    fn of(&mut self, conn: &mut DbConnection, id: i64) -> Result<String, AppError> {
        if let Some(kind) = self.0.get(&id) {
            return Ok(kind.clone());
        }
        let kind = agencies::by_id(conn, id)?
            .map(|a| a.kind)
            .unwrap_or_default();
        self.0.insert(id, kind.clone());
        Ok(kind)
    }
}

fn handoff_facts_of(
    conn: &mut DbConnection,
    kinds: &mut Kinds,
    row: &HandoffRow,
    province: String,
) -> Result<Vec<Fact>, AppError> {
    let sender = kinds.of(conn, row.from_agency_id)?;
    let receiver = kinds.of(conn, row.to_agency_id)?;
    Ok(HandoffCounts::new(&province, &sender, &receiver).facts(row))
}

/// The counts a handoff moves, from its rows themselves: what the facts need besides the row (the
/// case's province, the agencies' kinds) is read once, and the row after a change is the one the
/// change wrote, not read again.
pub struct HandoffCounts {
    province: String,
    sender_kind: String,
    receiver_kind: String,
    before: Vec<Fact>,
}

impl HandoffCounts {
    /// A handoff not counted yet (being sent), between agencies of these kinds, of a case in
    /// `province`.
    pub fn new(province: &str, sender_kind: &str, receiver_kind: &str) -> Self {
        Self {
            province: province.to_owned(),
            sender_kind: sender_kind.to_owned(),
            receiver_kind: receiver_kind.to_owned(),
            before: Vec::new(),
        }
    }

    /// These counts for a handoff as it stands (`row`, read in the change's transaction).
    pub fn from(mut self, row: &HandoffRow) -> Self {
        self.before = self.facts(row);
        self
    }

    /// A handoff as it stands (`row`, read in the change's transaction), of a case in
    /// `province`: reads the kinds of its two agencies in one statement.
    pub fn of(conn: &mut DbConnection, row: &HandoffRow, province: &str) -> Result<Self, AppError> {
        let kinds = agencies::kinds_of(conn, &[row.from_agency_id, row.to_agency_id])?;
        let kind = |id: i64| kinds.get(&id).cloned().unwrap_or_default();
        let mut counts = Self::new(province, &kind(row.from_agency_id), &kind(row.to_agency_id));
        counts.before = counts.facts(row);
        Ok(counts)
    }

    fn facts(&self, row: &HandoffRow) -> Vec<Fact> {
        facts::of_handoff(&HandoffFacts {
            created_at: row.created_at,
            province: self.province.clone(),
            from_agency_id: row.from_agency_id,
            to_agency_id: row.to_agency_id,
            kind: row.kind,
            status: row.status,
            sender_kind: self.sender_kind.clone(),
            receiver_kind: self.receiver_kind.clone(),
            rule_id: row.rule_id.clone(),
            overridden: row.override_legal_basis.is_some(),
            respond_by: row.respond_by,
            complete_by: row.complete_by,
            decided_at: row.decided_at,
            completed_at: row.completed_at,
        })
    }

    /// How the counts move when the handoff becomes `after`.
    pub fn moves(&self, after: &HandoffRow) -> Vec<(Fact, i64)> {
        facts::diff(&self.before, &self.facts(after))
    }
}

/// The counts a case moves when a change of its own making (a transfer, a stage) is applied to
/// its facts in memory: the case is read once, before the change.
pub struct CaseCounts {
    now: CaseFacts,
    before: Vec<Fact>,
}

impl CaseCounts {
    /// The case's facts as they stand (four statements: row, incidents, trafficking, tracks);
    /// `None` if there is no such case.
    pub fn of(conn: &mut DbConnection, id: i64) -> Result<Option<Self>, AppError> {
        let Some(row) = case_db::by_id(conn, id)? else {
            return Ok(None);
        };
        let incidents = case_db::incidents(conn, id)?;
        let trafficking = case_db::trafficking(conn, id)?;
        let tracks = case_db::tracks(conn, id)?;
        let now = case_facts_of(&row, &incidents, trafficking.as_ref(), tracks);
        Ok(Some(Self {
            before: facts::of_case(&now),
            now,
        }))
    }

    /// The case's province.
    pub fn province(&self) -> &str {
        &self.now.province
    }

    /// The case's tracks and their stages, as changed so far.
    pub fn tracks(&self) -> &[(String, String)] {
        &self.now.tracks
    }

    /// The case now held by another agency.
    pub fn owner(&mut self, agency_id: i64) {
        self.now.agency_id = agency_id;
    }

    /// A track of the case now at another stage.
    pub fn stage(&mut self, track: &str, stage: &str) {
        for (t, s) in &mut self.now.tracks {
            if t == track {
                *s = stage.to_owned();
            }
        }
    }

    /// How the counts move from the case as read to the case as changed.
    pub fn moves(&self) -> Vec<(Fact, i64)> {
        facts::diff(&self.before, &facts::of_case(&self.now))
    }
}

/// The facts of a case before a change; [`Watch::done`] moves the counts by what the change did
/// (for changes of many parts of a case: an edit, a closure; the handoff decisions use
/// [`HandoffCounts`] and [`CaseCounts`], which do not read the case again).
pub struct Watch {
    id: i64,
    before: Vec<Fact>,
}

impl Watch {
    /// Holds the case against concurrent changes and reads its facts (call first in the change's
    /// transaction).
    pub fn case(conn: &mut DbConnection, id: i64) -> Result<Self, AppError> {
        db::lock_case(conn, id)?;
        Ok(Self {
            before: case_facts(conn, id)?,
            id,
        })
    }

    /// A case that did not exist before the change.
    pub fn new_case(id: i64) -> Self {
        Self {
            id,
            before: Vec::new(),
        }
    }

    /// Moves the counts by what the change did.
    pub fn done(self, conn: &mut DbConnection) -> Result<(), AppError> {
        let moves = self.moves(conn)?;
        Ok(db::apply(conn, &moves)?)
    }

    /// What the change did to the counts, not yet applied.
    pub fn moves(self, conn: &mut DbConnection) -> Result<Vec<(Fact, i64)>, AppError> {
        let after = case_facts(conn, self.id)?;
        Ok(facts::diff(&self.before, &after))
    }
}

/// Applies the moves of several watches of one change at once, in key order (so that concurrent
/// changes take the count rows in the same order).
pub fn apply_together(
    conn: &mut DbConnection,
    mut moves: Vec<(Fact, i64)>,
) -> Result<(), AppError> {
    moves.sort();
    Ok(db::apply(conn, &moves)?)
}

/// The outcome a missed deadline counts as: `breached` under a verified statutory rule or an
/// agreement clock, `missed_unverified` under a statutory rule not yet verified.
pub fn missed_outcome(rules: &DeadlineRules, rule: &str) -> &'static str {
    let verified = rule.starts_with("sla.")
        || rules
            .rules
            .iter()
            .any(|r| r.id == rule && r.status == crate::deadlines::Verification::Verified);
    if verified {
        "breached"
    } else {
        "missed_unverified"
    }
}

/// Counts one step of a deadline sweep (`breached` or `escalated`) of a deadline, for its
/// responsible agency, in the month it happened. Call in the sweep's transaction, only for a step
/// that is new.
pub fn deadline_step(
    conn: &mut DbConnection,
    deadline: &crate::deadlines::engine::Deadline,
    case_id: i64,
    step: &str,
    at: chrono::NaiveDateTime,
) -> Result<(), AppError> {
    let outcome = match step {
        "breached" if deadline.verification == "verified" => "breached",
        "breached" => "missed_unverified",
        "escalated" => "escalated",
        _ => return Ok(()),
    };
    let Some(case) = case_db::by_id(conn, case_id)? else {
        return Ok(());
    };
    let agency_id = deadline
        .responsible_agency_id
        .unwrap_or(case.owner_agency_id);
    crate::db::outbox::classify_step(
        conn,
        &deadline.key,
        step,
        &deadline.rule,
        outcome,
        agency_id,
    )?;
    let month = facts::local_month(at, &case.province);
    let moves: Vec<(Fact, i64)> =
        facts::deadline_facts(&deadline.rule, outcome, agency_id, &month, &case.province)
            .into_iter()
            .map(|f| (f, 1))
            .collect();
    Ok(db::apply(conn, &moves)?)
}

/// Recomputes every count from the cases, handoffs and deadline steps, replacing the kept counts
/// in one transaction. Returns the number of count rows written.
pub fn rebuild(conn: &mut DbConnection, rules: &DeadlineRules) -> Result<usize, AppError> {
    let counts = recount(conn, rules)?;
    let rows: Vec<(Fact, i64)> = counts.into_iter().collect();
    conn.transaction(|conn| -> Result<(), AppError> {
        db::clear(conn)?;
        db::insert_all(conn, &rows)?;
        Ok(())
    })?;
    Ok(rows.len())
}

/// Every count as the records say it should be.
pub fn recount(
    conn: &mut DbConnection,
    rules: &DeadlineRules,
) -> Result<BTreeMap<Fact, i64>, AppError> {
    let mut counts: BTreeMap<Fact, i64> = BTreeMap::new();
    let mut add = |facts: Vec<Fact>| {
        for f in facts {
            *counts.entry(f).or_default() += 1;
        }
    };
    let mut provinces: BTreeMap<i64, String> = BTreeMap::new();
    let mut after = 0_i64;
    loop {
        let page = case_db::page_after(conn, after, 2000)?;
        let Some(last) = page.last() else { break };
        after = last.id;
        let ids: Vec<i64> = page.iter().map(|c| c.id).collect();
        let mut incidents = case_db::incidents_of(conn, &ids)?;
        let mut tracks = case_db::tracks_of(conn, &ids)?;
        let trafficking = case_db::trafficking_of(conn, &ids)?;
        for row in page {
            let inc = incidents.remove(&row.id).unwrap_or_default();
            let tr = tracks.remove(&row.id).unwrap_or_default();
            provinces.insert(row.id, row.province.clone());
            let t = trafficking.get(&row.id);
            add(facts::of_case(&case_facts_of(&row, &inc, t, tr)));
        }
    }
    let mut kinds = Kinds::default();
    let mut after = 0_i64;
    loop {
        let page = handoff_db::page_after(conn, after, 2000)?;
        let Some(last) = page.last() else { break };
        after = last.id;
        for row in page {
            let province = provinces.get(&row.case_id).cloned().unwrap_or_default();
            add(handoff_facts_of(conn, &mut kinds, &row, province)?);
        }
    }
    for (key, kind, case_id, at, rule, outcome, agency) in crate::db::outbox::deadline_steps(conn)?
    {
        let province = provinces.get(&case_id).cloned().unwrap_or_default();
        let (rule, outcome, agency_id) = match (rule, outcome, agency) {
            (Some(rule), Some(outcome), Some(agency)) => (rule, outcome, agency),
            // Steps taken before the statistics existed: the rule from the key, the holder of the
            // case or the receiver of the handoff as the responsible agency.
            _ => {
                let Some((rule, agency)) = step_rule(conn, &key, case_id)? else {
                    continue;
                };
                let outcome = match kind.as_str() {
                    "breached" => missed_outcome(rules, &rule).to_owned(),
                    "escalated" => "escalated".to_owned(),
                    _ => continue,
                };
                (rule, outcome, agency)
            }
        };
        if kind == "reminded" {
            continue;
        }
        let month = facts::local_month(at, &province);
        add(facts::deadline_facts(
            &rule, &outcome, agency_id, &month, &province,
        ));
    }
    counts.retain(|_, n| *n != 0);
    Ok(counts)
}

/// The rule and responsible agency of a deadline step's key: `handoff:<id>:respond|complete` is the
/// receiver's agreement clock; `case:<id>:<rule>` is the case holder's statutory clock.
fn step_rule(
    conn: &mut DbConnection,
    key: &str,
    case_id: i64,
) -> Result<Option<(String, i64)>, AppError> {
    let parts: Vec<&str> = key.split(':').collect();
    match parts.as_slice() {
        ["handoff", id, which] => {
            let Ok(id) = id.parse::<i64>() else {
                return Ok(None);
            };
            let Some(row) = handoff_db::by_id(conn, id)? else {
                return Ok(None);
            };
            Ok(Some((format!("sla.{which}"), row.to_agency_id)))
        }
        ["case", _, rule] => {
            let Some(row) = case_db::by_id(conn, case_id)? else {
                return Ok(None);
            };
            Ok(Some(((*rule).to_owned(), row.owner_agency_id)))
        }
        _ => Ok(None),
    }
}
