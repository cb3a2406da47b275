//! The case page's "Kronologi dan pelaku" section: the intake channel, the repatriation facts, the
//! chronology and the perpetrators in words, and what its forms (`web::case_trafficking`) offer.

use crate::domain::classification::{self as cls, List};
use crate::services::cases::CaseDetail;
use crate::web::forms::Fields;
use crate::web::i18n::Texts;
use crate::web::{label, label_of};

/// One option of a select list, marked when chosen.
pub(in crate::web) struct Pick {
    pub(in crate::web) code: &'static str,
    pub(in crate::web) label: String,
    pub(in crate::web) selected: bool,
}

fn picks(t: &Texts, list: &List, chosen: &str) -> Vec<Pick> {
    list.terms
        .iter()
        .map(|term| Pick {
            code: term.code,
            label: label(t, term),
            selected: term.code == chosen,
        })
        .collect()
}

/// What the section shows and offers.
pub(in crate::web) struct TraffickingSection {
    /// `(label key, value in words)` of the facts that have a value.
    pub(in crate::web) facts: Vec<(&'static str, String)>,
    /// The viewer's agency reads the chronology and the names (it holds `incident`).
    pub(in crate::web) reads: bool,
    /// The chronology, when read.
    pub(in crate::web) chronology: Option<String>,
    /// `(role in words, name)` of each perpetrator, when read.
    pub(in crate::web) perpetrators: Vec<(String, String)>,
    /// May set the channel and the repatriation (`summary`).
    pub(in crate::web) edit_facts: bool,
    /// May write the chronology and add perpetrators (`incident`).
    pub(in crate::web) edit_story: bool,
    /// The form's values: as typed when it was refused, else as stored.
    pub(in crate::web) channels: Vec<Pick>,
    pub(in crate::web) points: Vec<Pick>,
    pub(in crate::web) roles: Vec<Pick>,
    pub(in crate::web) return_date: String,
    pub(in crate::web) chronology_text: String,
    pub(in crate::web) name_text: String,
    /// One of its forms was refused: the section shows open.
    pub(in crate::web) refused: bool,
}

impl TraffickingSection {
    /// The section of `detail` for the viewer; `form` and `f` are the refused form, if any.
    pub(in crate::web) fn new(t: &Texts, detail: &CaseDetail, form: &str, f: &Fields) -> Self {
        let open = detail.status.is_open();
        let may = |c: &str| open && detail.actions.edit.iter().any(|e| e == c);
        let r = &detail.repatriation;
        let mut facts = vec![
            (
                "label.intake_channel",
                detail
                    .intake_channel
                    .as_deref()
                    .map(|c| label_of(t, &cls::INTAKE_CHANNEL, c))
                    .unwrap_or_default(),
            ),
            (
                "label.repatriation.return_date",
                r.return_date
                    .map(|d| d.format("%d-%m-%Y").to_string())
                    .unwrap_or_default(),
            ),
            (
                "label.repatriation.debarkation_point",
                r.debarkation_point
                    .as_deref()
                    .map(|c| label_of(t, &cls::DEBARKATION_POINT, c))
                    .unwrap_or_default(),
            ),
        ];
        facts.retain(|(_, v)| !v.is_empty());
        let typed = form == "trafficking";
        let value = |name: &str, stored: String| if typed { f.val(name) } else { stored };
        let channel = value(
            "intake_channel",
            detail.intake_channel.clone().unwrap_or_default(),
        );
        let point = value(
            "repatriation.debarkation_point",
            r.debarkation_point.clone().unwrap_or_default(),
        );
        let added = form == "perpetrator";
        TraffickingSection {
            facts,
            reads: detail.perpetrators.is_some(),
            chronology: detail.chronology.clone(),
            perpetrators: detail
                .perpetrators
                .iter()
                .flatten()
                .map(|p| (label_of(t, &cls::PERPETRATOR_ROLE, &p.role), p.name.clone()))
                .collect(),
            edit_facts: may("summary"),
            edit_story: may("incident") && detail.perpetrators.is_some(),
            channels: picks(t, &cls::INTAKE_CHANNEL, &channel),
            points: picks(t, &cls::DEBARKATION_POINT, &point),
            roles: picks(
                t,
                &cls::PERPETRATOR_ROLE,
                &if added { f.val("role") } else { String::new() },
            ),
            return_date: value(
                "repatriation.return_date",
                r.return_date.map(|d| d.to_string()).unwrap_or_default(),
            ),
            chronology_text: value("chronology", detail.chronology.clone().unwrap_or_default()),
            name_text: if added { f.val("name") } else { String::new() },
            refused: typed || added,
        }
    }
}
