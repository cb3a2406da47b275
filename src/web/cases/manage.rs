//! The case page's work on the case itself: who works it (and, for a supervisor, the form to give
//! it to someone else), closing with a reason, reopening, the identity shown for the visit, and
//! the edit forms of each section the viewer's agency may change, filled with what is stored.

use crate::domain::classification as cls;
use crate::services::cases::{Assignee, CaseDetail, ShownIdentity};
use crate::web::forms::{self, Choice, Errors, Fields};
use crate::web::i18n::Texts;
use crate::web::intake::Lists;

/// Who works the case, and what the viewer may do with the case as a whole.
pub(super) struct Manage {
    /// The assigned caseworker's name, if any.
    pub(super) assigned: Option<String>,
    /// People the viewer may give the case to (empty: the viewer may not assign).
    pub(super) assignees: Vec<(String, String)>,
    /// The assignee's username (selected in the form).
    pub(super) assigned_username: String,
    /// Closure reasons, when the viewer may close the case now.
    pub(super) close_reasons: Vec<Choice>,
    /// An adult TPKS case: mediation is no reason to close it (shown as a message).
    pub(super) mediation_barred: bool,
    /// Reopen reasons, when the viewer may reopen it now.
    pub(super) reopen_reasons: Vec<Choice>,
    /// Why it was closed, in words.
    pub(super) closed_as: Option<String>,
}

impl Manage {
    pub(super) fn new(t: &Texts, detail: &CaseDetail, assignees: Vec<Assignee>) -> Self {
        let legal = detail
            .legal
            .as_ref()
            .map(|l| l.legal_basis.clone())
            .unwrap_or_default();
        let adult = detail
            .survivor
            .age_band
            .as_deref()
            .is_some_and(|band| !crate::domain::case::is_child_band(band));
        Manage {
            assigned: detail
                .assigned_to_name
                .clone()
                .or_else(|| detail.assigned_to.clone()),
            assigned_username: detail.assigned_to.clone().unwrap_or_default(),
            assignees: assignees
                .into_iter()
                .map(|a| (a.username, a.display_name))
                .collect(),
            close_reasons: if detail.actions.close {
                forms::choices(t, &cls::CLOSURE_REASON)
            } else {
                Vec::new()
            },
            mediation_barred: legal.iter().any(|b| b == "TPKS") && adult,
            reopen_reasons: if detail.actions.reopen {
                forms::choices(t, &cls::REOPEN_REASON)
            } else {
                Vec::new()
            },
            closed_as: detail
                .closure_reason
                .as_deref()
                .and_then(|code| cls::CLOSURE_REASON.get(code))
                .map(|term| crate::web::label(t, term)),
        }
    }
}

/// The identity as the page shows it for the visit.
pub(super) struct Shown {
    /// Why it was revealed.
    pub(super) purpose: String,
    /// When, in the viewer's zone.
    pub(super) at: String,
}

impl Shown {
    pub(super) fn new(shown: &ShownIdentity, at: String) -> Self {
        Shown {
            purpose: shown.purpose.clone(),
            at,
        }
    }
}

/// The edit forms: which sections the viewer may change, the lists, and the values filled in
/// (what is stored, or what was typed in a refused edit form, with its messages).
pub(super) struct Edit {
    /// May change the profile, migrant facts and risk (`summary`).
    pub(super) summary: bool,
    /// May add an incident (`incident`).
    pub(super) incident: bool,
    /// May change the legal qualification (`legal`).
    pub(super) legal: bool,
    /// May change the identity and the safety plan (`identity`).
    pub(super) identity: bool,
    /// The section whose form was refused (shown open).
    pub(super) refused: String,
    pub(super) lists: Lists,
    pub(super) regimes: Vec<Choice>,
    pub(super) f: Fields,
    pub(super) errors: Errors,
}

impl Edit {
    /// The edit forms of `detail`; `typed` is a refused edit form (section, fields, messages).
    pub(super) fn new(t: &Texts, detail: &CaseDetail, typed: Option<(Fields, Errors)>) -> Self {
        let may = |c: &str| detail.actions.edit.iter().any(|e| e == c);
        let (f, errors, refused) = match typed {
            Some((f, errors)) => {
                let section = f.val("section");
                (f, errors, section)
            }
            None => (stored(detail), Errors::default(), String::new()),
        };
        Edit {
            summary: may("summary"),
            incident: may("incident"),
            legal: may("legal") && detail.legal.is_some(),
            identity: may("identity"),
            refused,
            lists: Lists::new(t),
            regimes: forms::choices(t, &cls::PROCEDURAL_REGIME),
            f,
            errors,
        }
    }

    /// Whether any edit form shows.
    pub(super) fn any(&self) -> bool {
        self.summary || self.incident || self.legal || self.identity
    }
}

/// The form values of what is stored.
fn stored(d: &CaseDetail) -> Fields {
    let mut pairs: Vec<(String, String)> = Vec::new();
    let mut put = |name: &str, value: Option<&String>| {
        if let Some(v) = value {
            pairs.push((name.to_owned(), v.clone()));
        }
    };
    let p = &d.survivor;
    put("survivor.age_band", p.age_band.as_ref());
    put("survivor.sex", p.sex.as_ref());
    put("survivor.home_province", p.home_province.as_ref());
    put("survivor.home_district", p.home_district.as_ref());
    let m = &d.migrant;
    put("migrant.migration_stage", m.migration_stage.as_ref());
    put("migrant.placement_channel", m.placement_channel.as_ref());
    put(
        "migrant.destination_country",
        m.destination_country.as_ref(),
    );
    put("migrant.sector", m.sector.as_ref());
    put("migrant.p3mi", m.p3mi.as_ref());
    put("migrant.employer_abroad", m.employer_abroad.as_ref());
    put(
        "migrant.bp2mi_complaint_number",
        m.bp2mi_complaint_number.as_ref(),
    );
    put("risk_level", d.risk_level.as_ref());
    put("safety_plan", d.safety_plan.as_ref());
    if let Some(legal) = &d.legal {
        put("procedural_regime", legal.procedural_regime.as_ref());
        for basis in &legal.legal_basis {
            pairs.push(("legal_basis".to_owned(), basis.clone()));
        }
    }
    for disability in &p.disabilities {
        pairs.push(("survivor.disabilities".to_owned(), disability.clone()));
    }
    Fields::from_pairs(pairs)
}
