//! Which audit events belong in a case's timeline and which party may see each one. Pure: the
//! service gives it the event, the viewer and the case's handoffs.
//!
//! The timeline tells the case's story: reads (case detail, identity reveal, document download,
//! export) and refused accesses are not part of it; they are in the access log. Auditors see the
//! whole story. The owning agency sees everything except notes other agencies wrote. Any other
//! party sees the case's progress (intake, changes, stages, closure), the handoffs it sent or
//! received, the consents recorded for it (or for a purpose its agreement lets it record), and
//! documents only when it holds the `documents` category.
//!
//! The same rules shape every other view a party has of the case: the handoffs of the case
//! ([`handoff_visible`]), its consents ([`consent_visible`]), the access log ([`read_visible`])
//! and the export of its audit trail.

use std::collections::{BTreeSet, HashMap};

use crate::domain::category::Category;
use crate::domain::holding::Holding;

/// Action codes of reads of sensitive data and of refused accesses: the access log, never the
/// timeline.
pub const READ_ACTIONS: [&str; 5] = [
    "case.viewed",
    "identity.revealed",
    "document.viewed",
    "audit.exported",
    "access.denied",
];

/// Who is looking.
#[derive(Debug, Clone)]
pub enum Viewer {
    /// An auditor in scope: sees every event.
    Auditor,
    /// A party to the case.
    Party {
        /// The viewer's agency.
        agency_id: i64,
        /// Its code (consents name their recipient by code).
        agency_code: String,
        /// Whether it owns the case.
        owner: bool,
        /// The categories it holds.
        held: BTreeSet<Category>,
        /// Consent purposes its agreements let it record.
        records_consent: BTreeSet<String>,
    },
}

impl Viewer {
    /// The viewer for an agency's holding of a case.
    pub fn party(agency_id: i64, agency_code: &str, holding: &Holding) -> Self {
        Viewer::Party {
            agency_id,
            agency_code: agency_code.to_owned(),
            owner: holding.is_owner(),
            held: holding.categories(),
            records_consent: holding
                .grants
                .iter()
                .flat_map(|g| g.records_consent.iter().cloned())
                .collect(),
        }
    }
}

/// Whether a party sees a handoff of the case: the owner sees every one, another party those it
/// sent or received.
pub fn handoff_visible(owner: bool, agency_id: i64, from: i64, to: i64) -> bool {
    owner || from == agency_id || to == agency_id
}

/// Whether a party sees a consent decision: the owner sees every one; another party those
/// limited to it and those for a purpose its agreement lets it record.
pub fn consent_visible(viewer: &Viewer, recipient_code: Option<&str>, purpose: &str) -> bool {
    match viewer {
        Viewer::Auditor => true,
        Viewer::Party {
            agency_code,
            owner,
            records_consent,
            ..
        } => {
            *owner
                || recipient_code == Some(agency_code.as_str())
                || records_consent.contains(purpose)
        }
    }
}

/// Whether an entry of the access log (a read or a refused access) is shown: auditors and the
/// owner see every one, another party only its own agency's (not the owner's reveals and their
/// purposes).
pub fn read_visible(viewer: &Viewer, actor_agency_id: Option<i64>) -> bool {
    match viewer {
        Viewer::Auditor => true,
        Viewer::Party {
            agency_id, owner, ..
        } => *owner || actor_agency_id == Some(*agency_id),
    }
}

/// The facts about one event the rule needs.
#[derive(Debug, Clone, Copy)]
pub struct EventFacts<'a> {
    /// Action code.
    pub action: &'a str,
    /// Agency of the actor.
    pub actor_agency_id: Option<i64>,
    /// Subject kind and id.
    pub subject: Option<(&'a str, &'a str)>,
    /// Details.
    pub details: &'a serde_json::Value,
}

/// Whether `event` is shown to `viewer`; `handoffs` maps a handoff id to its sender and receiver.
pub fn visible(
    viewer: &Viewer,
    event: EventFacts<'_>,
    handoffs: &HashMap<i64, (i64, i64)>,
) -> bool {
    if READ_ACTIONS.contains(&event.action) {
        return false;
    }
    let Viewer::Party {
        agency_id,
        owner,
        held,
        ..
    } = viewer
    else {
        return true;
    };
    let own_act = event.actor_agency_id == Some(*agency_id);
    if event.action == "note.added" {
        return own_act;
    }
    if *owner || own_act {
        return true;
    }
    let handoff_involves_viewer = |id: Option<i64>| {
        id.and_then(|id| handoffs.get(&id))
            .is_some_and(|(from, to)| handoff_visible(false, *agency_id, *from, *to))
    };
    let subject_id = event.subject.and_then(|(_, id)| id.parse::<i64>().ok());
    match event.action {
        "case.created" | "case.updated" | "case.stage_changed" | "case.closed"
        | "case.reopened" | "case.assigned" => true,
        "consent.recorded" => consent_visible(
            viewer,
            event
                .details
                .get("recipient_agency")
                .and_then(|v| v.as_str()),
            event
                .details
                .get("purpose")
                .and_then(|v| v.as_str())
                .unwrap_or_default(),
        ),
        "document.uploaded" | "document.shared" => held.contains(&Category::Documents),
        // Statutory deadline steps concern the whole case.
        action if action.starts_with("deadline.") && matches!(event.subject, Some(("case", _))) => {
            true
        }
        action
            if action.starts_with("handoff.")
                || action.starts_with("deadline.")
                || action == "consent.overridden" =>
        {
            matches!(event.subject, Some(("handoff", _))) && handoff_involves_viewer(subject_id)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn party(agency_id: i64, owner: bool, held: &[Category]) -> Viewer {
        Viewer::Party {
            agency_id,
            agency_code: format!("A{agency_id}"),
            owner,
            held: held.iter().copied().collect(),
            records_consent: BTreeSet::new(),
        }
    }

    #[test]
    fn each_party_sees_its_part_of_the_story() {
        let handoffs: HashMap<i64, (i64, i64)> = [(7, (1, 2)), (8, (1, 3))].into_iter().collect();
        let none = json!({});
        let event = |action, actor, subject| EventFacts {
            action,
            actor_agency_id: Some(actor),
            subject,
            details: &none,
        };
        let owner = party(1, true, Category::ALL);
        let police = party(2, false, &[Category::Summary]);
        let lawyer = party(3, false, &[Category::Summary, Category::Documents]);
        let cases = [
            // (event, owner, police, lawyer, auditor)
            (
                event("case.created", 1, Some(("case", "9"))),
                true,
                true,
                true,
                true,
            ),
            (
                event("case.stage_changed", 2, Some(("case", "9"))),
                true,
                true,
                true,
                true,
            ),
            (
                event("handoff.created", 1, Some(("handoff", "7"))),
                true,
                true,
                false,
                true,
            ),
            (
                event("handoff.accepted", 3, Some(("handoff", "8"))),
                true,
                false,
                true,
                true,
            ),
            (
                event("consent.overridden", 1, Some(("handoff", "8"))),
                true,
                false,
                true,
                true,
            ),
            (
                event("note.added", 1, Some(("note", "4"))),
                true,
                false,
                false,
                true,
            ),
            (
                event("note.added", 2, Some(("note", "5"))),
                false,
                true,
                false,
                true,
            ),
            (
                event("document.uploaded", 1, Some(("document", "3"))),
                true,
                false,
                true,
                true,
            ),
            (
                event("case.viewed", 1, Some(("case", "9"))),
                false,
                false,
                false,
                false,
            ),
            (
                event("identity.revealed", 2, Some(("case", "9"))),
                false,
                false,
                false,
                false,
            ),
        ];
        for (facts, o, p, l, a) in cases {
            let seen = [&owner, &police, &lawyer, &Viewer::Auditor]
                .map(|viewer| visible(viewer, facts, &handoffs));
            assert_eq!(seen, [o, p, l, a], "{}", facts.action);
        }
        let consent = json!({"recipient_agency": "A2"});
        let to_police = EventFacts {
            action: "consent.recorded",
            actor_agency_id: Some(1),
            subject: Some(("consent", "1")),
            details: &consent,
        };
        assert!(visible(&police, to_police, &handoffs));
        assert!(!visible(&lawyer, to_police, &handoffs));
    }
}
