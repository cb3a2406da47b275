//! The demo cases made in memory, row for row as the services write them (intake, consent,
//! handoff sent and answered, court notice, letter numbers, audit entries chained per case), so
//! that `demo::bulk` can write them many at a time. The random draws are those of
//! [`super::seed_cases`]: the same seed gives the same cases either way.

use std::collections::{BTreeSet, HashMap};

use chrono::{Duration, NaiveDate, NaiveDateTime};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;

use super::rows::{case_row, incident};
use super::{Cast, ctx_for, synthetic_intake};
use crate::agreements::engine::{self, Party, Request};
use crate::audit::chain::{self, Fields};
use crate::audit::{AuditAction, Ctx, Event};
use crate::authz::{Actor, Category};
use crate::crypto::Vault;
use crate::db::agencies::AgencyRow;
use crate::db::bulk::{
    AssignmentBulk, AuditBulk, CaseBulk, ConsentBulk, HeadBulk, NameTokenBulk, NextIds, PhoneBulk,
    Rows, StageChangeBulk, TrackBulk,
};
use crate::domain::agency::AgencyKind;
use crate::domain::case::{self as domain, NewCase};
use crate::domain::classification as cls;
use crate::error::AppError;
use crate::services::agreements::AgreementSet;
use crate::services::cases;

/// What a rule of the agreements in force gives a handoff, as the sending service works it out.
#[derive(Debug, Clone)]
pub(super) struct RuleGrant {
    /// `referral`, `notice`…
    pub kind: String,
    /// The rule's id.
    pub rule_id: String,
    /// The agreement and its version.
    pub agreement: (String, i32),
    /// The stored agreement version's row id.
    pub version_id: i64,
    /// What the receiver holds.
    pub shares: Vec<&'static str>,
    /// What the rule names that the sender could not pass on.
    pub withheld: Vec<&'static str>,
    /// The consent purpose required.
    pub requires_consent: Option<String>,
    /// Answer within (referrals).
    pub respond_within_hours: Option<u32>,
    /// Complete within, once accepted.
    pub complete_within_days: Option<u32>,
    /// The stage an acceptance moves a track to.
    pub on_accept: Option<(String, String)>,
    /// The rule's `receiver_records_consent`, JSON.
    pub receiver_records_consent: String,
}

/// The agencies the demo cases travel between.
#[derive(Debug, Clone)]
pub(super) struct Places {
    /// The caseworkers' and supervisor's agency (UPTD-PPA-JATENG).
    pub service_unit: AgencyRow,
    /// POLDA-JATENG.
    pub police: AgencyRow,
    /// PN-SEMARANG.
    pub court: AgencyRow,
}

/// One case's audit stream, chained as `crate::db::audit::append` chains it.
pub(super) struct Stream {
    name: String,
    case_id: i64,
    seq: i64,
    prev: String,
}

impl Stream {
    fn new(case_id: i64) -> Self {
        Self {
            name: format!("case:{case_id}"),
            case_id,
            seq: 0,
            prev: String::new(),
        }
    }

    /// Appends `event` as `crate::audit::record` would, with the next id.
    pub(super) fn push(&mut self, rows: &mut Rows, next_id: &mut i64, ctx: &Ctx, event: Event) {
        let row = crate::audit::row_of(ctx, event.case(self.case_id));
        let occurred_at = chain::to_micros(row.occurred_at);
        self.seq += 1;
        let hash = chain::hash(&Fields {
            stream: &self.name,
            seq: self.seq,
            prev_hash: &self.prev,
            occurred_at,
            action: &row.action,
            actor_user_id: row.actor_user_id,
            actor_username: row.actor_username.as_deref(),
            actor_agency_id: row.actor_agency_id,
            actor_roles: row.actor_roles.as_deref(),
            subject_type: row.subject_type.as_deref(),
            subject_id: row.subject_id.as_deref(),
            case_id: row.case_id,
            request_id: row.request_id.as_deref(),
            client_ip: row.client_ip.as_deref(),
            details: &row.details,
        });
        rows.audit.push(AuditBulk {
            id: *next_id,
            occurred_at,
            stream: self.name.clone(),
            action: row.action,
            actor_user_id: row.actor_user_id,
            actor_username: row.actor_username,
            actor_agency_id: row.actor_agency_id,
            actor_roles: row.actor_roles,
            subject_type: row.subject_type,
            subject_id: row.subject_id,
            case_id: row.case_id,
            request_id: row.request_id,
            client_ip: row.client_ip,
            details: row.details,
            seq: self.seq,
            prev_hash: std::mem::replace(&mut self.prev, hash.clone()),
            hash,
        });
        *next_id += 1;
    }

    /// The stream's head, as the appends leave it.
    fn finish(self, rows: &mut Rows) {
        rows.heads.push(HeadBulk {
            stream: self.name,
            seq: self.seq,
            hash: self.prev,
        });
    }
}

/// Makes the demo cases, batch by batch, with ids from `ids` on.
pub(super) struct Planner<'a> {
    pub(super) vault: &'a Vault,
    set: &'a AgreementSet,
    pub(super) cast: Cast,
    pub(super) places: Places,
    pub(super) rng: StdRng,
    base: NaiveDateTime,
    pub(super) ids: NextIds,
    counters: HashMap<(String, i32), i64>,
    grants: HashMap<(BTreeSet<String>, &'static str, NaiveDate), Option<RuleGrant>>,
    /// Handoffs made so far.
    pub handoffs: usize,
}

impl<'a> Planner<'a> {
    /// A planner from the stored counters `(prefix, year, last number)` and the first free ids.
    pub(super) fn new(
        vault: &'a Vault,
        set: &'a AgreementSet,
        (cast, places): (Cast, Places),
        seed: u64,
        ids: NextIds,
        counters: Vec<(String, i32, i64)>,
    ) -> Self {
        Self {
            vault,
            set,
            cast,
            places,
            rng: StdRng::seed_from_u64(seed),
            base: super::now(),
            ids,
            counters: counters
                .into_iter()
                .map(|(prefix, year, last)| ((prefix, year), last))
                .collect(),
            grants: HashMap::new(),
            handoffs: 0,
        }
    }

    /// The counters as the seed leaves them.
    pub(super) fn counters(&self) -> Vec<(String, i32, i64)> {
        self.counters
            .iter()
            .map(|((prefix, year), last)| (prefix.clone(), *year, *last))
            .collect()
    }

    /// The next number of a counter.
    pub(super) fn next_number(&mut self, prefix: &str, year: i32) -> i64 {
        let last = self.counters.entry((prefix.to_owned(), year)).or_insert(0);
        *last += 1;
        *last
    }

    /// The rows of the next `count` cases.
    pub(super) fn batch(&mut self, count: usize) -> Result<Rows, AppError> {
        let mut rows = Rows::default();
        for _ in 0..count {
            self.one_case(&mut rows)?;
        }
        Ok(rows)
    }

    /// One case, as `super::one_case` makes it through the services.
    fn one_case(&mut self, rows: &mut Rows) -> Result<(), AppError> {
        let by_caseworker = self.rng.random_bool(0.8);
        let taker = if by_caseworker {
            self.cast.caseworker.clone()
        } else {
            self.cast.bp3mi.clone()
        };
        let (taken_at, input) = synthetic_intake(&mut self.rng, self.base)?;
        let (case, new) = self.intake(rows, &ctx_for(&taker, taken_at), input)?;
        let mut stream = Stream::new(case.id);
        self.intake_audit(rows, &mut stream, &case, &new, &taker, taken_at);
        let owner_ctx = ctx_for(&taker, taken_at + Duration::minutes(30));
        if self.rng.random_bool(0.7) && by_caseworker {
            self.report(rows, &mut stream, case, &new, &owner_ctx, taken_at)?;
        } else {
            rows.cases.push(case);
        }
        stream.finish(rows);
        Ok(())
    }

    /// Consent for a police report, the report sent and answered, and for half of the reports
    /// completed a notice to the court.
    fn report(
        &mut self,
        rows: &mut Rows,
        stream: &mut Stream,
        mut case: CaseBulk,
        new: &NewCase,
        owner_ctx: &Ctx,
        taken_at: NaiveDateTime,
    ) -> Result<(), AppError> {
        let consent_id = self.consent(rows, stream, &mut case, owner_ctx);
        let facts = facts(&case, new);
        let grant = self
            .grant(&facts, "report-to-police", owner_ctx.now.date(), false)
            .ok_or_else(|| AppError::internal("the agreements do not allow report-to-police"))?;
        let police = self.cast.police.clone();
        let police_ctx = ctx_for(
            &police,
            taken_at + Duration::hours(self.rng.random_range(1..40)),
        );
        let to = self.places.police.clone();
        let mut handoff = self.send(
            rows,
            stream,
            &case,
            owner_ctx,
            &grant,
            &to,
            Some(consent_id),
        )?;
        let completed = self.answer(rows, stream, &mut handoff, &grant, (owner_ctx, &police_ctx));
        rows.handoffs.push(handoff);
        if completed && self.rng.random_bool(0.5) {
            let supervisor_ctx = ctx_for(&self.cast.supervisor, taken_at + Duration::days(3));
            let at = supervisor_ctx.now.date();
            if let Some(grant) = self.grant(&facts, "court-notice", at, true) {
                let to = self.places.court.clone();
                let notice = self.send(rows, stream, &case, &supervisor_ctx, &grant, &to, None)?;
                rows.handoffs.push(notice);
            }
        }
        rows.cases.push(case);
        Ok(())
    }

    /// The intake's rows (case, tracks, assignment, incidents, search indexes) and the parsed
    /// intake; the case row is returned, not pushed, for the consent to bump its version.
    fn intake(
        &mut self,
        rows: &mut Rows,
        ctx: &Ctx,
        input: domain::CaseInput,
    ) -> Result<(CaseBulk, NewCase), AppError> {
        let actor = crate::services::actor(ctx)?.clone();
        let new = NewCase::parse(input, ctx.now.date())?;
        let province = match (&new.province, &actor.province) {
            (Some(p), _) => p.as_string(),
            (None, Some(p)) => p.clone(),
            (None, None) => return Err(AppError::internal("the demo taker has no province")),
        };
        let values = cases::case_values(self.vault, &new)?;
        let prefix = domain::case_number_prefix(&province);
        let year = chrono::Datelike::year(&ctx.now.date());
        let number = self.next_number(&prefix, year);
        let id = self.ids.case;
        self.ids.case += 1;
        for (track, stages) in cls::TRACKS {
            if let Some(first) = stages.first() {
                rows.tracks.push(TrackBulk {
                    case_id: id,
                    track: track.code.to_owned(),
                    stage: first.code.to_owned(),
                });
            }
        }
        rows.assignments.push(AssignmentBulk {
            case_id: id,
            user_id: actor.user_id,
            assigned_at: ctx.now,
            assigned_by: actor.user_id,
        });
        for inc in cases::incident_rows(&new.incidents) {
            rows.incidents.push(incident(self.ids.incident, id, inc));
            self.ids.incident += 1;
        }
        self.search_indexes(rows, id, &new);
        let case = case_row(
            id,
            domain::format_case_number(&prefix, year, number),
            province,
            &actor,
            values,
            ctx.now,
        );
        Ok((case, new))
    }

    /// The blind indexes of the name's words (each once) and of the phone.
    fn search_indexes(&self, rows: &mut Rows, case_id: i64, new: &NewCase) {
        let mut seen: Vec<String> = Vec::new();
        for index in cases::name_indexes(self.vault, &new.identity.full_name) {
            if !seen.contains(&index) {
                seen.push(index);
            }
        }
        rows.name_tokens
            .extend(seen.into_iter().map(|token_index| NameTokenBulk {
                case_id,
                token_index,
            }));
        if let Some(phone_index) = cases::phone_index(self.vault, new.identity.phone.as_deref()) {
            rows.phones.push(PhoneBulk {
                case_id,
                phone_index,
            });
        }
    }

    /// `case.created`.
    fn intake_audit(
        &mut self,
        rows: &mut Rows,
        stream: &mut Stream,
        case: &CaseBulk,
        new: &NewCase,
        taker: &Actor,
        at: NaiveDateTime,
    ) {
        let details =
            cases::created_details(new, &case.case_number, &case.province, 0, &taker.username);
        let event = Event::new(AuditAction::CaseCreated)
            .subject("case", case.id)
            .details(details);
        stream.push(rows, &mut self.ids.audit, &ctx_for(taker, at), event);
    }

    /// The written consent to report to the police, recorded by the case's owner; bumps the
    /// case's version. Returns the consent's id.
    fn consent(
        &mut self,
        rows: &mut Rows,
        stream: &mut Stream,
        case: &mut CaseBulk,
        ctx: &Ctx,
    ) -> i64 {
        let child = case.age_band.as_deref().is_some_and(domain::is_child_band);
        let given_by = if child { "guardian" } else { "survivor" };
        let id = self.ids.consent;
        self.ids.consent += 1;
        let actor = &self.cast.caseworker;
        rows.consents.push(ConsentBulk {
            id,
            case_id: case.id,
            purpose: "police_report".to_owned(),
            recipient_agency_id: None,
            given: true,
            method: "written".to_owned(),
            given_by: given_by.to_owned(),
            legal_basis: None,
            recorded_by: actor.user_id,
            agency_id: actor.agency_id,
            recorded_at: ctx.now,
        });
        case.version += 1;
        case.updated_at = ctx.now;
        let event = Event::new(AuditAction::ConsentRecorded)
            .subject("consent", id)
            .details(json!({
                "purpose": "police_report",
                "given": true,
                "recipient_agency": None::<String>,
                "method": "written",
                "given_by": given_by,
            }));
        stream.push(rows, &mut self.ids.audit, ctx, event);
        id
    }

    /// What the agreements in force give handoff `rule` from the service unit to its receiver
    /// for a case with `facts`, worked out by the rules engine as the send does (once per facts,
    /// rule and day); `None` when they do not allow it.
    fn grant(
        &mut self,
        facts: &BTreeSet<String>,
        rule: &'static str,
        today: NaiveDate,
        supervisor: bool,
    ) -> Option<RuleGrant> {
        let key = (facts.clone(), rule, today);
        if let Some(found) = self.grants.get(&key) {
            return found.clone();
        }
        let receiver = if rule == "court-notice" {
            &self.places.court
        } else {
            &self.places.police
        };
        let found = evaluate(
            self.set,
            (&self.places.service_unit, receiver),
            facts,
            rule,
            today,
            supervisor,
        );
        self.grants.insert(key, found.clone());
        found
    }
}

/// The rules engine's answer for one handoff from the case's owner, holding everything.
fn evaluate(
    set: &AgreementSet,
    (sender, receiver): (&AgencyRow, &AgencyRow),
    facts: &BTreeSet<String>,
    rule: &str,
    today: NaiveDate,
    supervisor: bool,
) -> Option<RuleGrant> {
    let held: BTreeSet<Category> = Category::ALL.iter().copied().collect();
    let given = |purpose: &str| purpose == "police_report";
    let request = Request {
        handoff: rule,
        agreement: None,
        sender: Party {
            code: &sender.code,
            kind: AgencyKind::parse(&sender.kind).ok()?,
        },
        receiver: Party {
            code: &receiver.code,
            kind: AgencyKind::parse(&receiver.kind).ok()?,
        },
        facts,
        consent_given: &given,
        override_requested: false,
        actor_is_supervisor: supervisor,
        case_open: true,
        sender_owns: true,
        sender_holds: &held,
        today,
    };
    let allowed = engine::evaluate(&set.agreements, &request).ok()?;
    let r = allowed.rule;
    Some(RuleGrant {
        kind: r.kind.as_str().to_owned(),
        rule_id: r.id.clone(),
        agreement: (allowed.agreement.id.clone(), allowed.agreement.version),
        version_id: set.version_id(allowed.agreement)?,
        shares: allowed.shares.iter().map(|c| c.as_str()).collect(),
        withheld: r
            .shares
            .iter()
            .filter(|c| !allowed.shares.contains(c))
            .map(|c| c.as_str())
            .collect(),
        requires_consent: r.requires_consent.clone(),
        respond_within_hours: r.respond_within_hours,
        complete_within_days: r.complete_within_days,
        on_accept: r.on_accept.clone(),
        receiver_records_consent: serde_json::to_string(&r.receiver_records_consent).ok()?,
    })
}

/// The facts the rules engine sees of a case (as `services::handoffs` reads them from its rows).
fn facts(case: &CaseBulk, new: &NewCase) -> BTreeSet<String> {
    let any = |f: &dyn Fn(&domain::Incident) -> bool| new.incidents.iter().any(f);
    [
        (any(&|i| i.date.is_some()), "incident.date"),
        (any(&|i| !i.forms.is_empty()), "incident.forms"),
        (any(&|i| i.country.is_some()), "incident.country"),
        (
            any(&|i| i.perpetrator_relation.is_some()),
            "incident.perpetrator_relation",
        ),
        (case.age_band.is_some(), "survivor.age_band"),
        (case.nik_index.is_some(), "identity.nik"),
        (
            case.destination_country.is_some(),
            "migrant.destination_country",
        ),
        (case.migration_stage.is_some(), "migrant.migration_stage"),
        (case.legal_basis != "[]", "legal_basis"),
        (case.risk_level.is_some(), "risk_level"),
        (
            new.identity.date_of_birth.is_some(),
            "survivor.date_of_birth",
        ),
        (new.identity.phone.is_some(), "identity.phone"),
    ]
    .into_iter()
    .filter(|(present, _)| *present)
    .map(|(_, fact)| fact.to_owned())
    .collect()
}

/// A stage change row.
pub(super) fn stage_change(
    id: i64,
    case_id: i64,
    (track, from, to): (&str, &str, &str),
    by: &Actor,
    at: NaiveDateTime,
) -> StageChangeBulk {
    StageChangeBulk {
        id,
        case_id,
        track: track.to_owned(),
        from_stage: from.to_owned(),
        to_stage: to.to_owned(),
        changed_by: by.user_id,
        agency_id: by.agency_id,
        changed_at: at,
    }
}
