//! What one case or one handoff contributes to the statistics: a list of facts, each one unit of
//! one indicator under one dimension value, at a month, province and agency. The stored counts
//! are the sums of the facts of every case and handoff; a change moves the counts by the
//! difference between the facts before and after it ([`diff`]). Pure.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDateTime};

use crate::domain::handoff::{HandoffKind, HandoffStatus};

/// One unit of an indicator.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Fact {
    /// Indicator code.
    pub indicator: &'static str,
    /// Dimension code (`all` for the total).
    pub dim: &'static str,
    /// Local month `YYYY-MM`.
    pub month: String,
    /// Province code.
    pub province: String,
    /// Agency the figure belongs to.
    pub agency_id: i64,
    /// Value of the dimension.
    pub value: String,
}

/// The value of a missing single-valued attribute.
pub const UNKNOWN: &str = "unknown";

/// The local month of a UTC time in a province (WITA, UTC+8, for NTB; WIB, UTC+7, elsewhere).
pub fn local_month(at: NaiveDateTime, province: &str) -> String {
    let hours = if province == "52" { 8 } else { 7 };
    (at + Duration::hours(hours)).format("%Y-%m").to_string()
}

/// The statistics-relevant facts of a case.
#[derive(Debug, Clone, Default)]
pub struct CaseFacts {
    /// Created at (UTC).
    pub created_at: NaiveDateTime,
    /// Province of the case.
    pub province: String,
    /// Agency holding the case.
    pub agency_id: i64,
    /// Survivor's home kabupaten/kota code.
    pub district: Option<String>,
    /// SIMFONI-PPA forms over all incidents (distinct).
    pub forms: Vec<String>,
    /// GBVIMS types over all incidents (distinct).
    pub gbvims_types: Vec<String>,
    /// GBVIMS contexts over all incidents (distinct).
    pub gbvims_contexts: Vec<String>,
    /// Legal basis codes of the case.
    pub legal_basis: Vec<String>,
    /// Migration stage.
    pub migration_stage: Option<String>,
    /// Placement channel.
    pub placement_channel: Option<String>,
    /// Destination country.
    pub destination_country: Option<String>,
    /// Sector.
    pub sector: Option<String>,
    /// Age band.
    pub age_band: Option<String>,
    /// Disabilities.
    pub disabilities: Vec<String>,
    /// Risk level.
    pub risk_level: Option<String>,
    /// How the complaint came in.
    pub intake_channel: Option<String>,
    /// Where the survivor came home.
    pub debarkation_point: Option<String>,
    /// `(track, stage)` of each track.
    pub tracks: Vec<(String, String)>,
}

/// The qualifications of a case: which of TPKS, PKDRT and TPPO its legal basis names.
fn qualifications(legal_basis: &[String]) -> Vec<String> {
    ["TPKS", "PKDRT", "TPPO"]
        .iter()
        .filter(|q| legal_basis.iter().any(|b| b == *q))
        .map(|q| (*q).to_owned())
        .collect()
}

fn distinct(values: &[String]) -> Vec<String> {
    let mut out: Vec<String> = values.to_vec();
    out.sort();
    out.dedup();
    if out.is_empty() {
        out.push(UNKNOWN.to_owned());
    }
    out
}

/// The facts a case contributes: one `cases` unit under every attribute (unknown when missing,
/// one per value of a multi-valued attribute) and one `stages` unit per track.
pub fn of_case(c: &CaseFacts) -> Vec<Fact> {
    let month = local_month(c.created_at, &c.province);
    let fact = |indicator: &'static str, dim: &'static str, value: &str| Fact {
        indicator,
        dim,
        month: month.clone(),
        province: c.province.clone(),
        agency_id: c.agency_id,
        value: value.to_owned(),
    };
    let one = |v: &Option<String>| vec![v.clone().unwrap_or_else(|| UNKNOWN.to_owned())];
    let attributes: [(&'static str, Vec<String>); 14] = [
        ("district", one(&c.district)),
        ("form", distinct(&c.forms)),
        ("gbvims_type", distinct(&c.gbvims_types)),
        ("gbvims_context", distinct(&c.gbvims_contexts)),
        ("qualification", distinct(&qualifications(&c.legal_basis))),
        ("migration_stage", one(&c.migration_stage)),
        ("placement_channel", one(&c.placement_channel)),
        ("destination_country", one(&c.destination_country)),
        ("sector", one(&c.sector)),
        ("age_band", one(&c.age_band)),
        ("disability", distinct(&c.disabilities)),
        ("risk_level", one(&c.risk_level)),
        ("intake_channel", one(&c.intake_channel)),
        ("debarkation_point", one(&c.debarkation_point)),
    ];
    let mut out = vec![fact("cases", "all", "all")];
    for (dim, values) in attributes {
        out.extend(values.iter().map(|v| fact("cases", dim, v)));
    }
    for (track, stage) in &c.tracks {
        let dim = match track.as_str() {
            "service" => "stage.service",
            "justice" => "stage.justice",
            "protection" => "stage.protection",
            "migrant_complaint" => "stage.migrant_complaint",
            _ => continue,
        };
        out.push(fact("stages", dim, stage));
    }
    out
}

/// The statistics-relevant facts of a handoff.
#[derive(Debug, Clone, Default)]
pub struct HandoffFacts {
    /// Sent at (UTC).
    pub created_at: NaiveDateTime,
    /// Province of the case.
    pub province: String,
    /// Sender.
    pub from_agency_id: i64,
    /// Receiver.
    pub to_agency_id: i64,
    /// `referral`, `transfer`, `notice`.
    pub kind: HandoffKind,
    /// Status.
    pub status: HandoffStatus,
    /// Sender's agency kind.
    pub sender_kind: String,
    /// Receiver's agency kind.
    pub receiver_kind: String,
    /// The agreement's handoff id.
    pub rule_id: String,
    /// Sent on a consent override.
    pub overridden: bool,
    /// Answer due.
    pub respond_by: Option<NaiveDateTime>,
    /// Completion due.
    pub complete_by: Option<NaiveDateTime>,
    /// Accepted or declined at.
    pub decided_at: Option<NaiveDateTime>,
    /// Completed at.
    pub completed_at: Option<NaiveDateTime>,
}

/// The bucket of a duration: its hour up to 72 hours, then its day (as hours), 30 days and more
/// together; four digits, so that buckets sort as text.
pub fn hours_bucket(hours: i64) -> String {
    let bucket = match hours.max(0) {
        h if h < 72 => h,
        h if h < 720 => h / 24 * 24,
        _ => 720,
    };
    format!("{bucket:04}")
}

/// The facts a handoff contributes: `handoffs` (the sender's) and `handoffs_received` (the
/// receiver's) under each attribute; the times to decide and complete (the receiver's); the
/// agreement clocks met or late once decided or completed (the receiver's); a consent override
/// (the sender's).
pub fn of_handoff(h: &HandoffFacts) -> Vec<Fact> {
    let month = local_month(h.created_at, &h.province);
    let fact =
        |indicator: &'static str, dim: &'static str, agency_id: i64, month: &str, value: String| {
            Fact {
                indicator,
                dim,
                month: month.to_owned(),
                province: h.province.clone(),
                agency_id,
                value,
            }
        };
    let mut out = Vec::new();
    for (indicator, agency) in [
        ("handoffs", h.from_agency_id),
        ("handoffs_received", h.to_agency_id),
    ] {
        out.push(fact(indicator, "all", agency, &month, "all".into()));
        for (dim, value) in [
            ("kind", h.kind.as_str()),
            ("status", h.status.as_str()),
            ("sender_kind", &h.sender_kind),
            ("receiver_kind", &h.receiver_kind),
            ("handoff", &h.rule_id),
        ] {
            out.push(fact(indicator, dim, agency, &month, value.to_owned()));
        }
    }
    if h.overridden {
        for (dim, value) in [
            ("all", "all"),
            ("handoff", &h.rule_id),
            ("kind", h.kind.as_str()),
        ] {
            let value = value.to_owned();
            out.push(fact(
                "consent_overrides",
                dim,
                h.from_agency_id,
                &month,
                value,
            ));
        }
    }
    let decided = h.decided_at.filter(|_| h.status.is_decided());
    if let Some(at) = decided {
        out.extend(duration_facts(h, "time_to_decide", h.created_at, at));
        if let Some(due) = h.respond_by {
            let outcome = if at <= due { "met" } else { "late" };
            let when = local_month(at, &h.province);
            out.extend(deadline_facts(
                "sla.respond",
                outcome,
                h.to_agency_id,
                &when,
                &h.province,
            ));
        }
    }
    if let (Some(done), Some(accepted)) = (h.completed_at, h.decided_at) {
        out.extend(duration_facts(h, "time_to_complete", accepted, done));
        if let Some(due) = h.complete_by {
            let outcome = if done <= due { "met" } else { "late" };
            let when = local_month(done, &h.province);
            out.extend(deadline_facts(
                "sla.complete",
                outcome,
                h.to_agency_id,
                &when,
                &h.province,
            ));
        }
    }
    out
}

/// A duration of a handoff from `from` to `to`, for the receiver, in the month it ended: under
/// `all` (its bucket) and under `kind` and `receiver_kind` (`value|bucket`).
fn duration_facts(
    h: &HandoffFacts,
    indicator: &'static str,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> Vec<Fact> {
    let bucket = hours_bucket((to - from).num_hours());
    let month = local_month(to, &h.province);
    [
        ("all", None),
        ("kind", Some(h.kind.as_str())),
        ("receiver_kind", Some(h.receiver_kind.as_str())),
    ]
    .into_iter()
    .map(|(dim, prefix)| Fact {
        indicator,
        dim,
        month: month.clone(),
        province: h.province.clone(),
        agency_id: h.to_agency_id,
        value: prefix.map_or_else(|| bucket.clone(), |p| format!("{p}|{bucket}")),
    })
    .collect()
}

/// The `deadlines` facts of one outcome of one rule: under `all`, `rule`, `outcome`, and the
/// pair (`rule|outcome` under `rule_outcome`, for the per-rule table).
pub fn deadline_facts(
    rule: &str,
    outcome: &str,
    agency_id: i64,
    month: &str,
    province: &str,
) -> Vec<Fact> {
    let fact = |dim: &'static str, value: String| Fact {
        indicator: "deadlines",
        dim,
        month: month.to_owned(),
        province: province.to_owned(),
        agency_id,
        value,
    };
    vec![
        fact("all", "all".into()),
        fact("rule", rule.to_owned()),
        fact("outcome", outcome.to_owned()),
        fact("rule_outcome", format!("{rule}|{outcome}")),
    ]
}

/// How the counts move from `before` to `after`: each fact with its change (never zero).
pub fn diff(before: &[Fact], after: &[Fact]) -> Vec<(Fact, i64)> {
    let mut moves: BTreeMap<&Fact, i64> = BTreeMap::new();
    for f in before {
        *moves.entry(f).or_default() -= 1;
    }
    for f in after {
        *moves.entry(f).or_default() += 1;
    }
    moves
        .into_iter()
        .filter(|(_, n)| *n != 0)
        .map(|(f, n)| (f.clone(), n))
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn at(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap()
    }

    #[test]
    fn a_case_counts_once_per_attribute_and_once_per_value_of_a_multi_valued_one() {
        let c = CaseFacts {
            created_at: at("2026-10-31 18:00"),
            province: "33".into(),
            agency_id: 7,
            forms: vec!["sexual".into(), "physical".into(), "sexual".into()],
            legal_basis: vec!["TPKS".into(), "PMI_18_2017".into()],
            age_band: Some("age_25_44".into()),
            tracks: vec![("justice".into(), "reported_to_police".into())],
            ..Default::default()
        };
        let facts = of_case(&c);
        assert!(
            facts.iter().all(|f| f.month == "2026-11"),
            "18:00 UTC on 31 October is November in WIB"
        );
        let count = |dim: &str| {
            facts
                .iter()
                .filter(|f| f.indicator == "cases" && f.dim == dim)
                .count()
        };
        assert_eq!(count("all"), 1);
        assert_eq!(count("form"), 2, "sexual once, physical once");
        assert_eq!(count("sector"), 1, "unknown once");
        assert!(
            facts
                .iter()
                .any(|f| f.dim == "qualification" && f.value == "TPKS")
        );
        assert!(facts.iter().any(|f| f.indicator == "stages"
            && f.dim == "stage.justice"
            && f.value == "reported_to_police"));
    }

    #[test]
    fn a_decided_handoff_has_its_time_and_its_clock_outcome() {
        let mut h = HandoffFacts {
            created_at: at("2026-11-01 00:00"),
            province: "52".into(),
            from_agency_id: 1,
            to_agency_id: 2,
            kind: HandoffKind::Referral,
            status: HandoffStatus::Pending,
            respond_by: Some(at("2026-11-02 00:00")),
            ..Default::default()
        };
        let pending = of_handoff(&h);
        assert!(!pending.iter().any(|f| f.indicator == "time_to_decide"));
        h.status = HandoffStatus::Accepted;
        h.decided_at = Some(at("2026-11-02 05:00"));
        let accepted = of_handoff(&h);
        let moved = diff(&pending, &accepted);
        let pending_moves: Vec<i64> = moved
            .iter()
            .filter(|(f, _)| f.dim == "status" && f.value == "pending")
            .map(|(_, n)| *n)
            .collect();
        assert_eq!(pending_moves, [-1, -1], "sent and received");
        assert!(moved.iter().any(|(f, n)| f.indicator == "time_to_decide"
            && f.dim == "all"
            && f.value == "0029"
            && *n == 1));
        assert!(
            moved
                .iter()
                .any(|(f, _)| f.indicator == "deadlines" && f.value == "late" && f.agency_id == 2)
        );
        assert!(diff(&accepted, &accepted).is_empty());
    }

    #[test]
    fn durations_fall_in_hour_then_day_buckets() {
        assert_eq!(hours_bucket(0), "0000");
        assert_eq!(hours_bucket(71), "0071");
        assert_eq!(hours_bucket(73), "0072");
        assert_eq!(hours_bucket(100), "0096");
        assert_eq!(hours_bucket(10_000), "0720");
        assert_eq!(hours_bucket(-3), "0000");
    }
}
