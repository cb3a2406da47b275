//! One `[[handoff]]` rule of an agreement: each key checked in turn (problems in the order of
//! the keys), then the checks across keys (a notice has no deadline, an escalation needs one, no
//! transfer to a court).

use std::collections::BTreeSet;

use serde::Deserialize;
use toml::Spanned;

use super::{FACTS, HandoffKind, HandoffRule, Lines, is_slug};
use crate::authz::Category;
use crate::domain::agency::AgencyKind;
use crate::domain::classification as cls;
use crate::domain::user::Role;

/// A `[[handoff]]` table as written, with the spans of its values.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawHandoff {
    pub(super) id: Spanned<String>,
    kind: Spanned<String>,
    from: Spanned<Vec<Spanned<String>>>,
    to: Spanned<Vec<Spanned<String>>>,
    #[serde(default)]
    requires_consent: Option<Spanned<String>>,
    #[serde(default)]
    consent_override: Option<Spanned<bool>>,
    #[serde(default)]
    requires: Option<Spanned<Vec<Spanned<String>>>>,
    #[serde(default)]
    shares: Option<Spanned<Vec<Spanned<String>>>>,
    #[serde(default)]
    respond_within_hours: Option<Spanned<i64>>,
    #[serde(default)]
    complete_within_days: Option<Spanned<i64>>,
    #[serde(default)]
    escalate_to: Option<Spanned<String>>,
    #[serde(default)]
    legal_basis: Option<Spanned<String>>,
    #[serde(default)]
    on_accept: Option<Spanned<RawOnAccept>>,
    #[serde(default)]
    description: Option<Spanned<String>>,
    #[serde(default)]
    receiver_records_consent: Option<Spanned<Vec<Spanned<String>>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOnAccept {
    track: Spanned<String>,
    stage: Spanned<String>,
}

/// The rule, or `None` when any of its keys had a problem (each recorded in `lines`).
/// `party_kinds`: the kinds of the agreement's parties, when they are checked.
pub(super) fn parse_rule(
    lines: &mut Lines<'_>,
    h: &RawHandoff,
    party_kinds: Option<&BTreeSet<AgencyKind>>,
) -> Option<HandoffRule> {
    let before = lines.problems.len();
    let id = rule_id(lines, &h.id);
    let kind = HandoffKind::parse(h.kind.get_ref().trim()).ok();
    if kind.is_none() {
        lines.fail(&h.kind.span(), "kind must be referral, transfer or notice");
    }
    let from = kinds(lines, &h.from, "from");
    let to = kinds(lines, &h.to, "to");
    if let Some(party_kinds) = party_kinds {
        for (list, key) in [(&from, &h.from), (&to, &h.to)] {
            if !list.is_empty() && !list.iter().any(|k| party_kinds.contains(k)) {
                lines.fail(&key.span(), "no party of the agreement is of these kinds");
            }
        }
    }
    let requires_consent = h
        .requires_consent
        .as_ref()
        .map(|p| consent_purpose(lines, p, "requires_consent"));
    let receiver_records_consent = receiver_purposes(lines, h.receiver_records_consent.as_ref());
    let consent_override = h.consent_override.as_ref().is_some_and(|o| *o.get_ref());
    if consent_override
        && requires_consent.is_none()
        && let Some(o) = &h.consent_override
    {
        lines.fail(&o.span(), "consent_override needs requires_consent");
    }
    let requires = required_facts(lines, h.requires.as_ref());
    let shares = shared_categories(lines, h.shares.as_ref());
    let respond_within_hours = within(
        lines,
        &h.respond_within_hours,
        "respond_within_hours",
        24 * 90,
    );
    let complete_within_days = within(lines, &h.complete_within_days, "complete_within_days", 3650);
    let escalate_to = h.escalate_to.as_ref().and_then(|r| {
        Role::parse(r.get_ref().trim())
            .map_err(|e| lines.fail(&r.span(), format!("escalate_to: {}", e.message)))
            .ok()
    });
    let has_deadline = respond_within_hours.is_some() || complete_within_days.is_some();
    check_across_keys(lines, h, kind, &to, escalate_to.is_some() && !has_deadline);
    let on_accept = h
        .on_accept
        .as_ref()
        .and_then(|o| on_accept(lines, o.get_ref()));
    if lines.problems.len() > before {
        return None;
    }
    Some(HandoffRule {
        id,
        kind: kind?,
        from,
        to,
        requires_consent,
        consent_override,
        requires,
        shares,
        respond_within_hours,
        complete_within_days,
        escalate_to,
        legal_basis: trimmed(h.legal_basis.as_ref()),
        on_accept,
        description: trimmed(h.description.as_ref()),
        receiver_records_consent,
    })
}

/// The rule's id, trimmed; a problem unless it is lower-case letters, digits and hyphens.
fn rule_id(lines: &mut Lines<'_>, raw: &Spanned<String>) -> String {
    let id = raw.get_ref().trim().to_owned();
    if !is_slug(&id) {
        lines.fail(
            &raw.span(),
            "handoff id must be lower-case letters, digits and hyphens, e.g. report-to-police",
        );
    }
    id
}

/// An optional text, trimmed.
fn trimmed(value: Option<&Spanned<String>>) -> Option<String> {
    value.map(|v| v.get_ref().trim().to_owned())
}

/// The agency kinds of `from` or `to` (at least one).
fn kinds(
    lines: &mut Lines<'_>,
    list: &Spanned<Vec<Spanned<String>>>,
    key: &str,
) -> Vec<AgencyKind> {
    let mut out = Vec::new();
    for item in list.get_ref() {
        match AgencyKind::parse(item.get_ref().trim()) {
            Ok(kind) => out.push(kind),
            Err(e) => lines.fail(&item.span(), format!("{key}: {}", e.message)),
        }
    }
    if list.get_ref().is_empty() {
        lines.fail(
            &list.span(),
            format!("{key} must name at least one agency kind"),
        );
    }
    out
}

/// A consent purpose, trimmed; a problem (naming `key`) unless it is a known purpose.
fn consent_purpose(lines: &mut Lines<'_>, raw: &Spanned<String>, key: &str) -> String {
    let purpose = raw.get_ref().trim().to_owned();
    if !cls::CONSENT_PURPOSE.contains(&purpose) {
        lines.fail(
            &raw.span(),
            format!(
                "{key}: unknown consent purpose {purpose:?}; expected one of {}",
                cls::CONSENT_PURPOSE.codes().join(", ")
            ),
        );
    }
    purpose
}

/// `receiver_records_consent`: the known consent purposes, each once.
fn receiver_purposes(
    lines: &mut Lines<'_>,
    raw: Option<&Spanned<Vec<Spanned<String>>>>,
) -> Vec<String> {
    let mut purposes = Vec::new();
    for purpose in raw.iter().flat_map(|l| l.get_ref()) {
        let code = purpose.get_ref().trim().to_owned();
        if !cls::CONSENT_PURPOSE.contains(&code) {
            consent_purpose(lines, purpose, "receiver_records_consent");
        } else if !purposes.contains(&code) {
            purposes.push(code);
        }
    }
    purposes
}

/// `requires`: the case facts, each one of [`FACTS`].
fn required_facts(
    lines: &mut Lines<'_>,
    raw: Option<&Spanned<Vec<Spanned<String>>>>,
) -> Vec<String> {
    let mut requires = Vec::new();
    for fact in raw.iter().flat_map(|l| l.get_ref()) {
        let name = fact.get_ref().trim();
        if FACTS.contains(&name) {
            requires.push(name.to_owned());
        } else {
            lines.fail(
                &fact.span(),
                format!(
                    "requires: unknown case fact {name:?}; expected one of {}",
                    FACTS.join(", ")
                ),
            );
        }
    }
    requires
}

/// `shares`: the data categories, each once, the summary always first among them.
fn shared_categories(
    lines: &mut Lines<'_>,
    raw: Option<&Spanned<Vec<Spanned<String>>>>,
) -> Vec<Category> {
    let Some(list) = raw else {
        return vec![Category::Summary];
    };
    let mut shares = Vec::new();
    for item in list.get_ref() {
        match Category::parse(item.get_ref().trim()).ok() {
            Some(c) if !shares.contains(&c) => shares.push(c),
            Some(_) => {}
            None => lines.fail(
                &item.span(),
                format!(
                    "shares: unknown data category {:?}; expected summary, identity, incident, health, legal, documents",
                    item.get_ref()
                ),
            ),
        }
    }
    if !shares.contains(&Category::Summary) {
        shares.insert(0, Category::Summary);
    }
    shares
}

/// A number of hours or days between 1 and `max`.
fn within(lines: &mut Lines<'_>, value: &Option<Spanned<i64>>, key: &str, max: i64) -> Option<u32> {
    value
        .as_ref()
        .and_then(|v| match u32::try_from(*v.get_ref()) {
            Ok(n) if n >= 1 && i64::from(n) <= max => Some(n),
            _ => {
                lines.fail(&v.span(), format!("{key} must be between 1 and {max}"));
                None
            }
        })
}

/// The checks across keys: a notice is not accepted and has no deadline, an escalation needs a
/// (valid) deadline, and a case is not transferred to a court.
/// `escalates_without_deadline`: a valid `escalate_to` and no valid deadline.
fn check_across_keys(
    lines: &mut Lines<'_>,
    h: &RawHandoff,
    kind: Option<HandoffKind>,
    to: &[AgencyKind],
    escalates_without_deadline: bool,
) {
    if kind == Some(HandoffKind::Notice) {
        let answered = [
            (
                h.respond_within_hours.as_ref().map(Spanned::span),
                "respond_within_hours",
            ),
            (
                h.complete_within_days.as_ref().map(Spanned::span),
                "complete_within_days",
            ),
            (h.on_accept.as_ref().map(Spanned::span), "on_accept"),
        ];
        for (span, key) in answered {
            if let Some(span) = span {
                lines.fail(
                    &span,
                    format!("a notice is not accepted and has no deadline: remove {key}"),
                );
            }
        }
    }
    if escalates_without_deadline && let Some(e) = &h.escalate_to {
        lines.fail(
            &e.span(),
            "escalate_to needs respond_within_hours or complete_within_days",
        );
    }
    if kind == Some(HandoffKind::Transfer) && to.contains(&AgencyKind::Court) {
        lines.fail(
            &h.to.span(),
            "a case cannot be transferred to a court; use a notice",
        );
    }
}

/// `on_accept`: a track and one of its stages.
fn on_accept(lines: &mut Lines<'_>, o: &RawOnAccept) -> Option<(String, String)> {
    let track = o.track.get_ref().trim();
    let stage = o.stage.get_ref().trim();
    match cls::stages(track) {
        None => {
            lines.fail(
                &o.track.span(),
                "on_accept.track must be service, justice, protection or migrant_complaint",
            );
            None
        }
        Some(stages) if !stages.iter().any(|s| s.code == stage) => {
            lines.fail(
                &o.stage.span(),
                format!("on_accept.stage: {stage:?} is not a stage of the {track} track"),
            );
            None
        }
        Some(_) => Some((track.to_owned(), stage.to_owned())),
    }
}
