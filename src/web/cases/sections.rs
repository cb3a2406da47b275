//! The lines of each section of the case page, built from what the services answered: the
//! profile's facts, the identity on request, tracks, consents, handoffs, what may be sent (and why
//! the rest is closed), notes, documents and the timeline.

use crate::domain::case::Identity;
use crate::domain::classification as cls;
use crate::services::audit_trail::TimelineEvent;
use crate::services::cases::{CaseDetail, ConsentView, DocumentView, NoteView};
use crate::services::handoffs::{HandoffOption, HandoffView};
use crate::web::Viewer;
use crate::web::forms::Choice;
use crate::web::i18n::Texts;
use crate::web::inbox::{kind_key, state_of};
use crate::web::{label, label_of, who};

/// A labelled fact of the case.
pub(super) struct Fact {
    pub(super) label_key: &'static str,
    pub(super) value: String,
}

/// A track with its stage and the stages it may move to.
pub(super) struct TrackLine {
    pub(super) code: &'static str,
    pub(super) label: String,
    pub(super) stage: String,
    pub(super) stage_code: String,
    pub(super) stages: Vec<Choice>,
}

/// A consent in force.
pub(super) struct ConsentLine {
    pub(super) purpose: String,
    pub(super) recipient: String,
    pub(super) given: bool,
    pub(super) given_by: String,
    pub(super) recorded: String,
}

/// A handoff of the case.
pub(super) struct HandoffLine {
    pub(super) id: i64,
    pub(super) message: Option<String>,
    pub(super) reason: Option<String>,
    pub(super) outcome: Option<String>,
    /// The viewer's agency sent it and it waits for an answer: it may withdraw it.
    pub(super) withdrawable: bool,
    pub(super) kind_key: &'static str,
    pub(super) from: String,
    pub(super) to: String,
    pub(super) status: String,
    pub(super) due: String,
    pub(super) state_key: Option<&'static str>,
    pub(super) state_class: &'static str,
    pub(super) sent: String,
}

/// One thing the user could send, or why it is closed.
pub(super) struct OptionLine {
    /// What the receiver would hold, in words.
    pub(super) holds: String,
    /// Documents may be attached.
    pub(super) attach: bool,
    pub(super) handoff: String,
    pub(super) agreement_id: String,
    pub(super) kind_key: &'static str,
    pub(super) description: String,
    pub(super) legal_basis: String,
    pub(super) to_agency: String,
    pub(super) to_name: String,
    pub(super) allowed: bool,
    pub(super) override_possible: bool,
    pub(super) reasons: Vec<String>,
}

/// A note of the user's agency.
pub(super) struct NoteLine {
    pub(super) author: String,
    pub(super) at: String,
    pub(super) body: String,
}

/// A document of the case.
pub(super) struct DocumentLine {
    pub(super) id: i64,
    pub(super) filename: String,
    pub(super) size: String,
    pub(super) agency: String,
}

/// A line of the timeline.
pub(super) struct TimelineLine {
    pub(super) at: String,
    pub(super) label_key: String,
    /// What the event did, in words: to whom a handoff went, which stage a track reached.
    pub(super) detail: String,
    pub(super) who: String,
}

/// A code's label in `list`, or nothing without a code.
fn label_or_empty(t: &Texts, list: &cls::List, code: Option<&str>) -> String {
    code.map(|c| label_of(t, list, c)).unwrap_or_default()
}

/// The profile's facts that have a value: province, survivor, migration, risk, the forms of
/// violence (agencies holding the incidents) and the legal basis (agencies holding the legal
/// section).
pub(super) fn facts(t: &Texts, detail: &CaseDetail) -> Vec<Fact> {
    let survivor = &detail.survivor;
    let migrant = &detail.migrant;
    let disabilities = survivor
        .disabilities
        .iter()
        .map(|c| label_of(t, &cls::DISABILITY, c))
        .collect::<Vec<_>>()
        .join(", ");
    let mut facts = vec![
        ("case.province", t.place(&detail.province)),
        (
            "label.survivor.age_band",
            label_or_empty(t, &cls::AGE_BAND, survivor.age_band.as_deref()),
        ),
        (
            "label.survivor.sex",
            label_or_empty(t, &cls::SEX, survivor.sex.as_deref()),
        ),
        ("label.survivor.disabilities", disabilities),
        (
            "label.migrant.migration_stage",
            label_or_empty(t, &cls::MIGRATION_STAGE, migrant.migration_stage.as_deref()),
        ),
        (
            "label.migrant.destination_country",
            migrant
                .destination_country
                .as_deref()
                .map(|c| t.place(c))
                .unwrap_or_default(),
        ),
        (
            "label.survivor.home_province",
            survivor
                .home_province
                .as_deref()
                .map(|c| t.place(c))
                .unwrap_or_default(),
        ),
        (
            "label.survivor.home_district",
            survivor
                .home_district
                .as_deref()
                .map(|c| t.place(c))
                .unwrap_or_default(),
        ),
        (
            "label.risk_level",
            label_or_empty(t, &cls::RISK_LEVEL, detail.risk_level.as_deref()),
        ),
    ];
    facts.extend(migrant_facts(t, migrant));
    if let Some(incidents) = &detail.incidents {
        let forms: Vec<String> = incidents
            .iter()
            .flat_map(|i| i.forms.iter())
            .map(|c| label_of(t, &cls::VIOLENCE_FORM, c))
            .collect();
        facts.push(("label.incident.forms", forms.join(", ")));
    }
    if let Some(legal) = &detail.legal {
        let bases: Vec<String> = legal
            .legal_basis
            .iter()
            .map(|c| label_of(t, &cls::LEGAL_BASIS, c))
            .collect();
        facts.push(("label.legal_basis", bases.join("; ")));
    }
    facts
        .into_iter()
        .filter(|(_, value)| !value.is_empty())
        .map(|(label_key, value)| Fact { label_key, value })
        .collect()
}

/// The placement facts of a migrant worker, labelled.
fn migrant_facts(
    t: &Texts,
    migrant: &crate::domain::case::MigrantFacts,
) -> Vec<(&'static str, String)> {
    vec![
        (
            "label.migrant.placement_channel",
            label_or_empty(
                t,
                &cls::PLACEMENT_CHANNEL,
                migrant.placement_channel.as_deref(),
            ),
        ),
        (
            "label.migrant.sector",
            label_or_empty(t, &cls::SECTOR, migrant.sector.as_deref()),
        ),
        (
            "label.migrant.p3mi",
            migrant.p3mi.clone().unwrap_or_default(),
        ),
        (
            "label.migrant.employer_abroad",
            migrant.employer_abroad.clone().unwrap_or_default(),
        ),
        (
            "label.migrant.bp2mi_complaint_number",
            migrant.bp2mi_complaint_number.clone().unwrap_or_default(),
        ),
    ]
}

/// The revealed identity: the full name, then each part that is recorded.
pub(super) fn identity_facts(i: Identity) -> Vec<Fact> {
    let mut out = vec![Fact {
        label_key: "label.survivor.full_name",
        value: i.full_name,
    }];
    for (key, value) in [
        ("label.survivor.nik", i.nik),
        ("label.survivor.passport_number", i.passport_number),
        ("label.survivor.phone", i.phone),
        ("label.survivor.address", i.address),
        (
            "label.survivor.date_of_birth",
            i.date_of_birth.map(|d| d.format("%d-%m-%Y").to_string()),
        ),
    ] {
        if let Some(value) = value {
            out.push(Fact {
                label_key: key,
                value,
            });
        }
    }
    out
}

/// The case's tracks, in the order of the classification, with their stages.
pub(super) fn track_lines(t: &Texts, detail: &CaseDetail) -> Vec<TrackLine> {
    cls::TRACKS
        .iter()
        .filter_map(|(track, stages)| {
            let code = detail.tracks.get(track.code)?;
            let stage = stages.iter().find(|s| s.code == code)?;
            let recordable = detail.actions.stages.get(track.code);
            Some(TrackLine {
                code: track.code,
                label: label(t, track),
                stage: label(t, stage),
                stage_code: code.clone(),
                stages: stages
                    .iter()
                    .filter(|s| recordable.is_some_and(|r| r.iter().any(|c| c == s.code)))
                    .map(|s| Choice {
                        code: s.code,
                        label: label(t, s),
                    })
                    .collect(),
            })
        })
        .collect()
}

impl ConsentLine {
    /// A consent in force, in the viewer's words and time zone.
    pub(super) fn new(v: &Viewer, c: ConsentView) -> Self {
        let t = &v.t;
        ConsentLine {
            purpose: label_of(t, &cls::CONSENT_PURPOSE, &c.purpose),
            recipient: c
                .recipient_agency
                .unwrap_or_else(|| t.get("consent.everyone")),
            given: c.given,
            given_by: t.get(&format!("consent.by.{}", c.given_by)),
            recorded: v.time(c.recorded_at.naive_utc()),
        }
    }
}

impl HandoffLine {
    /// A handoff with its first clock that is not met (else its first clock).
    pub(super) fn new(v: &Viewer, h: HandoffView) -> Self {
        let clock = h
            .deadlines
            .iter()
            .find(|d| d.state.as_str() != "met")
            .or_else(|| h.deadlines.first());
        let state = clock.map(|d| state_of(d.state.as_str()));
        HandoffLine {
            id: h.id,
            withdrawable: h.from_agency == v.actor.agency_code
                && h.status == crate::domain::handoff::HandoffStatus::Pending,
            message: h.message,
            reason: h.reason,
            outcome: h.outcome,
            kind_key: kind_key(h.kind.as_str()),
            from: h.from_agency_name,
            to: h.to_agency_name,
            status: v.t.get(&format!("handoff.status.{}", h.status)),
            due: clock.map(|d| v.time(d.due_at)).unwrap_or_default(),
            state_key: state.map(|s| s.0),
            state_class: state.map_or("upcoming", |s| s.1),
            sent: v.time(h.created_at.naive_utc()),
        }
    }
}

/// The send form's parts: what may be sent (allowed, or with an override), what is closed and
/// why, and the receiving agencies (code, name) in the order the options name them.
pub(super) struct Sending {
    pub(super) sendable: Vec<OptionLine>,
    pub(super) closed: Vec<OptionLine>,
    pub(super) recipients: Vec<(String, String)>,
}

impl Sending {
    /// Sorts the handoff options into sendable and closed, collecting their receivers.
    pub(super) fn new(t: &Texts, options: Vec<HandoffOption>) -> Self {
        let mut recipients: Vec<(String, String)> = Vec::new();
        for o in &options {
            if !recipients.iter().any(|(code, _)| *code == o.to_agency) {
                recipients.push((o.to_agency.clone(), o.to_agency_name.clone()));
            }
        }
        let (sendable, closed) = options
            .into_iter()
            .map(|o| OptionLine::new(t, o))
            .partition(|o: &OptionLine| o.allowed || o.override_possible);
        Sending {
            sendable,
            closed,
            recipients,
        }
    }
}

impl OptionLine {
    /// An option with the reasons it is closed, in words.
    fn new(t: &Texts, o: HandoffOption) -> Self {
        OptionLine {
            holds: super::panels::shares_words(t, &o.shares),
            attach: o.shares.iter().any(|c| c == "documents"),
            reasons: o.unmet.iter().map(|u| unmet_reason(t, u)).collect(),
            handoff: o.handoff,
            agreement_id: o.agreement.id,
            kind_key: kind_key(&o.kind),
            description: in_language(t, &o.description.unwrap_or_default()),
            legal_basis: o.legal_basis.unwrap_or_default(),
            to_agency: o.to_agency,
            to_name: o.to_agency_name,
            allowed: o.allowed,
            override_possible: o.override_possible,
        }
    }
}

/// An agreement's description in the user's language: agreements write "Indonesian / English"
/// (docs/AGREEMENTS.md); a description without the separator is shown as written.
fn in_language(t: &Texts, description: &str) -> String {
    crate::domain::text::description_in(description, t.lang.code() == "en").to_owned()
}

/// An unmet condition in words: its text, with what it names (the consent's purpose, the agency
/// kind, the missing fact) in words too. Agency codes stand as they are; English details do not.
fn unmet_reason(t: &Texts, u: &crate::error::Violation) -> String {
    let key = format!("condition.{}", u.condition);
    let text = t.get(&key);
    let text = if text == key {
        t.get("condition.no_such_handoff")
    } else {
        text
    };
    match unmet_detail(t, u) {
        Some(detail) => format!("{text} ({detail})"),
        None => text,
    }
}

/// What an unmet condition names, in words, read from the engine's message.
fn unmet_detail(t: &Texts, u: &crate::error::Violation) -> Option<String> {
    let message = u.message.as_str();
    let between = |start: &str, end: &str| -> Option<String> {
        let rest = &message[message.find(start)? + start.len()..];
        Some(rest[..rest.find(end).unwrap_or(rest.len())].to_owned())
    };
    match u.condition.as_str() {
        "consent_missing" => between("consent for ", " is not").map(|p| {
            t.get("condition.consent_for")
                .replace("{purpose}", &label_of(t, &cls::CONSENT_PURPOSE, &p))
        }),
        "sender_kind_not_allowed" | "receiver_kind_not_allowed" => {
            between("of kind ", " may").map(|k| {
                t.get("condition.kind")
                    .replace("{kind}", &t.agency_kind(&k))
            })
        }
        "fact_missing" => {
            let fact = message.split("has no ").nth(1)?;
            let key = format!("label.{fact}");
            let label = t.get(&key);
            (label != key).then(|| t.get("condition.fact").replace("{fact}", &label))
        }
        "sender_not_party" | "receiver_not_party" => between("", " is not"),
        _ => None,
    }
}

impl NoteLine {
    /// A note, its time in the viewer's zone.
    pub(super) fn new(v: &Viewer, n: NoteView) -> Self {
        NoteLine {
            author: n.author,
            at: v.time(n.created_at.naive_utc()),
            body: n.body,
        }
    }
}

impl From<DocumentView> for DocumentLine {
    fn from(d: DocumentView) -> Self {
        DocumentLine {
            id: d.id,
            filename: d.filename,
            size: size_text(d.size_bytes),
            agency: d.agency,
        }
    }
}

/// A size in kB (rounded up), or in MB from one MB.
fn size_text(bytes: i64) -> String {
    if bytes >= 1_048_576 {
        format!("{:.1} MB", bytes as f64 / 1_048_576.0)
    } else {
        format!("{} kB", (bytes + 1023) / 1024)
    }
}

impl TimelineLine {
    /// An event of the timeline, its time in the viewer's zone.
    pub(super) fn new(v: &Viewer, e: TimelineEvent) -> Self {
        TimelineLine {
            at: v.time(e.at.naive_utc()),
            label_key: format!("event.{}", e.kind),
            detail: event_detail(&v.t, &e.kind, &e.details),
            who: who(e.actor.username, e.actor.agency),
        }
    }
}

/// An event's details in words, where a reader needs them: the receiver of a handoff, the stage a
/// track reached. Nothing else of the details is shown (they never carry identity, but they are
/// written for the record, not for reading).
pub(in crate::web) fn event_detail(t: &Texts, kind: &str, details: &serde_json::Value) -> String {
    let text = |key: &str| {
        details
            .get(key)
            .and_then(|v| v.as_str())
            .unwrap_or_default()
    };
    match kind {
        "handoff.created" if !text("to_agency").is_empty() => format!("→ {}", text("to_agency")),
        "case.assigned" if !text("to").is_empty() => format!("→ {}", text("to")),
        "identity.revealed" if !text("purpose").is_empty() => {
            format!(
                "{}: {}",
                t.get("case.identity_purpose_was"),
                text("purpose")
            )
        }
        "case.closed" => label_or_empty(t, &cls::CLOSURE_REASON, Some(text("reason"))),
        "case.reopened" => label_or_empty(t, &cls::REOPEN_REASON, Some(text("reason"))),
        "case.stage_changed" => {
            let track = text("track");
            let stage = cls::stages(track)
                .and_then(|stages| stages.iter().find(|s| s.code == text("to")))
                .map(|s| label(t, s))
                .unwrap_or_default();
            let track = cls::TRACKS
                .iter()
                .find(|(tr, _)| tr.code == track)
                .map(|(tr, _)| label(t, tr))
                .unwrap_or_default();
            if stage.is_empty() {
                String::new()
            } else {
                format!("{track}: {stage}")
            }
        }
        _ => String::new(),
    }
}
