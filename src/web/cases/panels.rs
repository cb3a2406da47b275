//! The handoff parts of the case page: the receiver's panel for each handoff it has to answer or
//! is working on (the sender's message, what it shares, the attached documents, the clock and
//! the forms), the lines of the handoff list with their message, reason and outcome, and the
//! words of what a receiver holds.

use crate::services::handoffs::HandoffView;
use crate::web::Viewer;
use crate::web::i18n::Texts;
use crate::web::inbox::{kind_key, state_of};

/// Categories in the user's words, joined: "ringkasan kasus, kejadian, identitas korban".
pub(in crate::web) fn shares_words(t: &Texts, shares: &[String]) -> String {
    shares
        .iter()
        .map(|c| t.get(&format!("category.{c}")))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A handoff the viewer's agency received and still has to answer (pending) or is working on
/// (accepted).
pub(super) struct Panel {
    pub(super) id: i64,
    pub(super) kind_key: &'static str,
    pub(super) from: String,
    pub(super) pending: bool,
    pub(super) message: Option<String>,
    pub(super) shares: String,
    pub(super) documents: Vec<(i64, String)>,
    /// `receive.answer_by` or `receive.complete_by`.
    pub(super) due_key: &'static str,
    pub(super) due: String,
    pub(super) state_key: Option<&'static str>,
    pub(super) state_class: &'static str,
    /// The decision form that was refused here and its message.
    pub(super) error: Option<(String, String)>,
}

impl Panel {
    /// The panels of the handoffs the viewer's agency received and has to answer or work on.
    pub(super) fn of(
        v: &Viewer,
        handoffs: &[HandoffView],
        error: Option<&(i64, String, String)>,
    ) -> Vec<Panel> {
        handoffs
            .iter()
            .filter(|h| h.to_agency == v.actor.agency_code && h.status.is_open())
            .filter(|h| h.kind != crate::domain::handoff::HandoffKind::Notice)
            .map(|h| {
                let pending = !h.status.is_answered();
                let rule = if pending {
                    "sla.respond"
                } else {
                    "sla.complete"
                };
                let clock = h.deadlines.iter().find(|d| d.rule == rule);
                let state = clock.map(|d| state_of(d.state.as_str()));
                Panel {
                    id: h.id,
                    kind_key: kind_key(h.kind.as_str()),
                    from: format!("{} ({})", h.from_agency_name, h.from_agency),
                    pending,
                    message: h.message.clone(),
                    shares: shares_words(&v.t, &h.shares),
                    documents: h
                        .documents
                        .iter()
                        .map(|d| (d.id, d.filename.clone()))
                        .collect(),
                    due_key: if pending {
                        "receive.answer_by"
                    } else {
                        "receive.complete_by"
                    },
                    due: clock.map(|d| v.time(d.due_at)).unwrap_or_default(),
                    state_key: state.map(|s| s.0),
                    state_class: state.map_or("upcoming", |s| s.1),
                    error: error
                        .filter(|(id, _, _)| *id == h.id)
                        .map(|(_, form, message)| (form.clone(), message.clone())),
                }
            })
            .collect()
    }

    /// The refused form's message, if it was `form`.
    pub(super) fn error_of(&self, form: &str) -> Option<&String> {
        self.error
            .as_ref()
            .filter(|(f, _)| f == form)
            .map(|(_, m)| m)
    }
}
