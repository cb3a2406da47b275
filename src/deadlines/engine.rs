//! The deadline engine, pure: given a case's facts (its events, its handoffs) and the rules, the
//! deadlines it has with their due time, responsible agency, legal basis and state.

use crate::domain::handoff::HandoffStatus;
use chrono::{Duration, NaiveDateTime};
use serde::Serialize;
use utoipa::ToSchema;

use super::{DeadlineRules, Responsible, Rule, State, Trigger, Verification, clock};
use crate::domain::agency::AgencyKind;

/// What the statutory rules look at.
#[derive(Debug, Clone, Default)]
pub struct CaseFacts {
    /// Taken in at.
    pub created_at: NaiveDateTime,
    /// Legal bases (`TPKS`, `PKDRT`, …).
    pub legal_basis: Vec<String>,
    /// Procedural regime (`KUHAP_1981`, `KUHAP_2025`), if recorded.
    pub procedural_regime: Option<String>,
    /// Owning agency.
    pub owner_agency_id: i64,
    /// The case's parties (owner included) and their kinds.
    pub parties: Vec<(i64, AgencyKind)>,
    /// Stage changes: track, stage, when; oldest first.
    pub stage_changes: Vec<(String, String, NaiveDateTime)>,
    /// When consents were withdrawn; oldest first.
    pub consent_withdrawals: Vec<NaiveDateTime>,
}

/// The clock facts of one handoff (its agreement SLA).
#[derive(Debug, Clone)]
pub struct HandoffFacts {
    /// Handoff id.
    pub id: i64,
    /// Sender and receiver agencies.
    pub from_agency_id: i64,
    /// Receiver.
    pub to_agency_id: i64,
    /// Status now.
    pub status: HandoffStatus,
    /// Sent at.
    pub created_at: NaiveDateTime,
    /// Answer due.
    pub respond_by: Option<NaiveDateTime>,
    /// Accepted, declined, withdrawn or read at.
    pub decided_at: Option<NaiveDateTime>,
    /// Completion due.
    pub complete_by: Option<NaiveDateTime>,
    /// Completed at.
    pub completed_at: Option<NaiveDateTime>,
    /// Agreement id and version, for the legal basis.
    pub agreement: String,
}

/// One deadline of a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Deadline {
    /// Stable key: `handoff:<id>:respond`, `handoff:<id>:complete` or `case:<id>:<rule>`.
    pub key: String,
    /// Rule id (`sla.respond`, `sla.complete` or a statutory id such as `D4`).
    pub rule: String,
    /// Title in Indonesian.
    pub title_id: String,
    /// Title in English.
    pub title_en: String,
    /// Legal basis (the agreement for SLAs).
    pub legal_basis: String,
    /// `verified`, `secondary`, `unverified` (SLAs of a signed agreement are `verified`).
    pub verification: String,
    /// The handoff, for SLAs.
    pub handoff_id: Option<i64>,
    /// The clock started at (UTC).
    #[schema(value_type = String, format = DateTime)]
    #[serde(serialize_with = "as_utc")]
    pub started_at: NaiveDateTime,
    /// Due at (UTC).
    #[schema(value_type = String, format = DateTime)]
    #[serde(serialize_with = "as_utc")]
    pub due_at: NaiveDateTime,
    /// Responsible agency, when the case has one of the responsible kind.
    pub responsible_agency_id: Option<i64>,
    /// Responsible kind (`owner`, `police`, … or `receiver` for SLAs).
    pub responsible: String,
    /// State at the instant asked about.
    pub state: State,
    /// Whether being overdue counts as a breach (never for unverified or alert-only rules).
    pub counts_as_breach: bool,
    /// Met at (UTC).
    #[schema(value_type = Option<String>, format = DateTime)]
    #[serde(serialize_with = "as_utc_opt")]
    pub met_at: Option<NaiveDateTime>,
}

fn as_utc<S: serde::Serializer>(at: &NaiveDateTime, s: S) -> Result<S::Ok, S::Error> {
    serde::Serialize::serialize(&at.and_utc(), s)
}

fn as_utc_opt<S: serde::Serializer>(at: &Option<NaiveDateTime>, s: S) -> Result<S::Ok, S::Error> {
    serde::Serialize::serialize(&at.map(|t| t.and_utc()), s)
}

fn occurrences(trigger: &Trigger, facts: &CaseFacts) -> Vec<NaiveDateTime> {
    match trigger {
        Trigger::CaseCreated => vec![facts.created_at],
        Trigger::ConsentWithdrawn => facts.consent_withdrawals.clone(),
        Trigger::Stage { track, stage } => facts
            .stage_changes
            .iter()
            .filter(|(t, s, _)| t == track && s == stage)
            .map(|(_, _, at)| *at)
            .collect(),
    }
}

fn responsible_agency(rule: &Rule, facts: &CaseFacts) -> (Option<i64>, String) {
    match rule.responsible {
        Responsible::Owner => (Some(facts.owner_agency_id), "owner".to_owned()),
        Responsible::Kind(kind) => (
            facts
                .parties
                .iter()
                .find(|(_, k)| *k == kind)
                .map(|(id, _)| *id),
            kind.as_str().to_owned(),
        ),
    }
}

/// The statutory deadlines of a case as of `at`: one per applicable rule (legal basis and, for rules
/// of one procedural regime, the case's regime) whose trigger happened,
/// counted from its first occurrence; met by the first `met_by` event after it.
pub fn statutory(
    rules: &DeadlineRules,
    case_id: i64,
    facts: &CaseFacts,
    at: NaiveDateTime,
) -> Vec<Deadline> {
    let mut out = Vec::new();
    for rule in &rules.rules {
        let applies = (rule.applies_to.is_empty()
            || rule
                .applies_to
                .iter()
                .any(|b| facts.legal_basis.contains(b)))
            && rule
                .procedural_regime
                .as_ref()
                .is_none_or(|regime| facts.procedural_regime.as_ref() == Some(regime));
        if !applies {
            continue;
        }
        let Some(start) = occurrences(&rule.trigger, facts)
            .into_iter()
            .filter(|t| *t <= at)
            .min()
        else {
            continue;
        };
        let met_at = rule
            .met_by
            .iter()
            .flat_map(|t| occurrences(t, facts))
            .filter(|t| *t >= start && *t <= at)
            .min();
        let due_at = rule.period.due(start, &rules.holidays);
        let (responsible_agency_id, responsible) = responsible_agency(rule, facts);
        out.push(Deadline {
            key: format!("case:{case_id}:{}", rule.id),
            rule: rule.id.clone(),
            title_id: rule.title_id.clone(),
            title_en: rule.title_en.clone(),
            legal_basis: rule.legal_basis.clone(),
            verification: rule.status.as_str().to_owned(),
            handoff_id: None,
            started_at: start,
            due_at,
            responsible_agency_id,
            responsible,
            state: clock::state(due_at, rule.period.length(), met_at.is_some(), at),
            counts_as_breach: rule.can_breach(),
            met_at,
        });
    }
    out
}

/// The agreement SLAs of a handoff as of `at`: answering (from sending until accepted, declined or
/// withdrawn) and completing (from acceptance until completed or withdrawn).
pub fn handoff_slas(h: &HandoffFacts, at: NaiveDateTime) -> Vec<Deadline> {
    let mut out = Vec::new();
    let sla = |rule: &str,
               title_id: &str,
               title_en: &str,
               start,
               due: NaiveDateTime,
               met_at: Option<NaiveDateTime>| Deadline {
        key: format!("handoff:{}:{}", h.id, rule.trim_start_matches("sla.")),
        rule: rule.to_owned(),
        title_id: title_id.to_owned(),
        title_en: title_en.to_owned(),
        legal_basis: format!("Agreement {}", h.agreement),
        verification: Verification::Verified.as_str().to_owned(),
        handoff_id: Some(h.id),
        started_at: start,
        due_at: due,
        responsible_agency_id: Some(h.to_agency_id),
        responsible: "receiver".to_owned(),
        state: clock::state(due, due - start, met_at.is_some(), at),
        counts_as_breach: true,
        met_at,
    };
    if let Some(due) = h.respond_by {
        let answered = if h.status == HandoffStatus::Pending {
            None
        } else {
            Some(h.decided_at.unwrap_or(h.created_at))
        };
        out.push(sla(
            "sla.respond",
            "Menjawab rujukan",
            "Answer the handoff",
            h.created_at,
            due,
            answered,
        ));
    }
    if let (Some(due), Some(accepted)) = (h.complete_by, h.decided_at) {
        let finished = match h.status {
            HandoffStatus::Accepted => None,
            _ => Some(h.completed_at.or(h.decided_at).unwrap_or(accepted)),
        };
        out.push(sla(
            "sla.complete",
            "Menyelesaikan rujukan",
            "Complete the handoff",
            accepted,
            due,
            finished,
        ));
    }
    out
}

/// The reminder instant of a deadline: the start of its "due soon" window.
pub fn remind_at(d: &Deadline) -> NaiveDateTime {
    d.due_at - clock::due_soon_window(d.due_at - d.started_at).max(Duration::zero())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deadlines::Period;

    fn at(h: i64) -> NaiveDateTime {
        chrono::DateTime::from_timestamp(1_800_000_000 + h * 3600, 0)
            .map(|d| d.naive_utc())
            .unwrap_or_default()
    }

    fn rule(id: &str, trigger: Trigger, met_by: Vec<Trigger>, status: Verification) -> Rule {
        Rule {
            id: id.into(),
            title_id: "t".into(),
            title_en: "t".into(),
            trigger,
            applies_to: vec!["TPKS".into()],
            period: Period::Hours(24),
            responsible: Responsible::Kind(AgencyKind::Police),
            met_by,
            legal_basis: "UU".into(),
            status,
            procedural_regime: None,
            alert_only: false,
            escalate_to: None,
            source: "x".into(),
        }
    }

    fn stage(s: &str) -> Trigger {
        Trigger::Stage {
            track: "protection".into(),
            stage: s.into(),
        }
    }

    #[test]
    fn statutory_deadlines_start_run_and_are_met_by_events() {
        let rules = DeadlineRules {
            rules: vec![
                rule(
                    "D4",
                    stage("police_temp_protection"),
                    vec![stage("lpsk_requested")],
                    Verification::Verified,
                ),
                rule("DX", Trigger::CaseCreated, vec![], Verification::Unverified),
                rule(
                    "DY",
                    stage("shelter_placement"),
                    vec![],
                    Verification::Verified,
                ),
            ],
            holidays: Default::default(),
        };
        let mut facts = CaseFacts {
            created_at: at(0),
            legal_basis: vec!["TPKS".into()],
            procedural_regime: None,
            owner_agency_id: 1,
            parties: vec![(1, AgencyKind::ServiceUnit), (2, AgencyKind::Police)],
            stage_changes: vec![("protection".into(), "police_temp_protection".into(), at(2))],
            consent_withdrawals: vec![],
        };
        let found = statutory(&rules, 9, &facts, at(10));
        assert_eq!(found.len(), 2, "DY's trigger has not happened");
        let d4 = &found[0];
        assert_eq!(
            (d4.key.as_str(), d4.due_at, d4.state),
            ("case:9:D4", at(26), State::Upcoming)
        );
        assert_eq!(d4.responsible_agency_id, Some(2), "the case's police party");
        assert!(d4.counts_as_breach);
        assert!(!found[1].counts_as_breach, "unverified rules never breach");
        assert_eq!(
            statutory(&rules, 9, &facts, at(21))[0].state,
            State::DueSoon
        );
        assert_eq!(
            statutory(&rules, 9, &facts, at(27))[0].state,
            State::Overdue
        );
        facts
            .stage_changes
            .push(("protection".into(), "lpsk_requested".into(), at(25)));
        let met = &statutory(&rules, 9, &facts, at(27))[0];
        assert_eq!((met.state, met.met_at), (State::Met, Some(at(25))));
        let mut kuhap = rules.clone();
        kuhap.rules[0].procedural_regime = Some("KUHAP_1981".into());
        assert!(
            statutory(&kuhap, 9, &facts, at(27))
                .iter()
                .all(|d| d.rule != "D4"),
            "an old-KUHAP rule needs an old-KUHAP case"
        );
        facts.procedural_regime = Some("KUHAP_1981".into());
        assert!(
            statutory(&kuhap, 9, &facts, at(27))
                .iter()
                .any(|d| d.rule == "D4")
        );
        facts.legal_basis = vec!["PKDRT".into()];
        assert!(
            statutory(&rules, 9, &facts, at(27)).is_empty(),
            "TPKS rules do not apply to a PKDRT-only case"
        );
    }

    #[test]
    fn handoff_slas_follow_the_handoff() {
        let mut h = HandoffFacts {
            id: 5,
            from_agency_id: 1,
            to_agency_id: 2,
            status: HandoffStatus::Pending,
            created_at: at(0),
            respond_by: Some(at(24)),
            decided_at: None,
            complete_by: None,
            completed_at: None,
            agreement: "jateng-pmi v1".into(),
        };
        let states = |h: &HandoffFacts, t| {
            handoff_slas(h, at(t))
                .iter()
                .map(|d| d.state)
                .collect::<Vec<_>>()
        };
        assert_eq!(states(&h, 10), [State::Upcoming]);
        assert_eq!(states(&h, 20), [State::DueSoon]);
        assert_eq!(states(&h, 25), [State::Overdue]);
        assert_eq!(remind_at(&handoff_slas(&h, at(0))[0]), at(18));
        h.status = HandoffStatus::Accepted;
        h.decided_at = Some(at(30));
        h.complete_by = Some(at(30 + 14 * 24));
        assert_eq!(states(&h, 40), [State::Met, State::Upcoming]);
        h.status = HandoffStatus::Completed;
        h.completed_at = Some(at(50));
        assert_eq!(states(&h, 400), [State::Met, State::Met]);
    }
}
