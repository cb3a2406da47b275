//! One agreement file: its id, version, title, dates and parties checked, its `[[handoff]]`
//! rules read by [`super::rule`], every problem collected with its line.

use std::collections::BTreeSet;
use std::path::Path;

use chrono::NaiveDate;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use toml::Spanned;

use super::rule::{RawHandoff, parse_rule};
use super::{Agreement, HandoffRule, KnownAgencies, Lines, Problem, date, is_slug};
use crate::domain::agency::AgencyKind;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAgreement {
    id: Spanned<String>,
    version: Spanned<i64>,
    title: Spanned<String>,
    effective_from: Spanned<toml::value::Datetime>,
    #[serde(default)]
    effective_until: Option<Spanned<toml::value::Datetime>>,
    parties: Spanned<Vec<Spanned<String>>>,
    #[serde(default)]
    handoff: Vec<Spanned<RawHandoff>>,
}

/// Parses and validates one agreement file.
/// `agencies`: the agencies party codes must name (with their kinds); `None` skips that check
/// (re-reading a stored version whose parties may since have changed).
pub fn parse_file(
    path: &Path,
    text: &str,
    agencies: Option<&KnownAgencies>,
) -> Result<Agreement, Vec<Problem>> {
    let mut lines = Lines {
        file: path,
        text,
        problems: Vec::new(),
    };
    let raw: RawAgreement = match toml::from_str(text) {
        Ok(raw) => raw,
        Err(e) => {
            let span = e.span().unwrap_or(0..0);
            lines.fail(&span, e.message().replace('\n', " "));
            return Err(lines.problems);
        }
    };
    let id = agreement_id(&mut lines, &raw.id);
    let version = version(&mut lines, &raw.version);
    if raw.title.get_ref().trim().is_empty() {
        lines.fail(&raw.title.span(), "title must not be empty");
    }
    let (effective_from, effective_until) = effective_dates(&mut lines, &raw);
    let (parties, party_kinds) = parties(&mut lines, &raw.parties, agencies);
    let handoffs = handoff_rules(&mut lines, &raw.handoff, agencies.map(|_| &party_kinds));

    match (lines.problems.is_empty(), effective_from) {
        (true, Some(effective_from)) => Ok(Agreement {
            id,
            version,
            title: raw.title.into_inner(),
            effective_from,
            effective_until,
            parties,
            handoffs,
            content_hash: hex::encode(Sha256::digest(text.as_bytes())),
            content: text.to_owned(),
            source: path.to_path_buf(),
        }),
        _ => Err(lines.problems),
    }
}

/// The agreement's id, trimmed; a problem unless it is lower-case letters, digits and hyphens.
fn agreement_id(lines: &mut Lines<'_>, raw: &Spanned<String>) -> String {
    let id = raw.get_ref().trim().to_owned();
    if !is_slug(&id) {
        lines.fail(
            &raw.span(),
            "id must be lower-case letters, digits and hyphens, e.g. jateng-pmi",
        );
    }
    id
}

/// The version; a problem (and 0) unless it is a whole number of 1 or more.
fn version(lines: &mut Lines<'_>, raw: &Spanned<i64>) -> i32 {
    let version = i32::try_from(*raw.get_ref()).unwrap_or(0);
    if version < 1 {
        lines.fail(&raw.span(), "version must be a whole number of 1 or more");
    }
    version
}

/// `effective_from` and `effective_until` as dates; the end may not come before the start.
fn effective_dates(
    lines: &mut Lines<'_>,
    raw: &RawAgreement,
) -> (Option<NaiveDate>, Option<NaiveDate>) {
    let effective_from = date(raw.effective_from.get_ref());
    if effective_from.is_none() {
        lines.fail(
            &raw.effective_from.span(),
            "effective_from must be a date, e.g. 2025-01-01",
        );
    }
    let effective_until = match &raw.effective_until {
        Some(until) => {
            let parsed = date(until.get_ref());
            match (parsed, effective_from) {
                (None, _) => lines.fail(&until.span(), "effective_until must be a date"),
                (Some(u), Some(f)) if u < f => {
                    lines.fail(&until.span(), "effective_until is before effective_from")
                }
                _ => {}
            }
            parsed
        }
        None => None,
    };
    (effective_from, effective_until)
}

/// The party codes (each known, when `agencies` is given, and listed once; at least two) and the
/// kinds of the known ones.
fn parties(
    lines: &mut Lines<'_>,
    raw: &Spanned<Vec<Spanned<String>>>,
    agencies: Option<&KnownAgencies>,
) -> (Vec<String>, BTreeSet<AgencyKind>) {
    let mut parties = Vec::new();
    let mut party_kinds = BTreeSet::new();
    for party in raw.get_ref() {
        let code = party.get_ref().trim();
        match agencies.map(|known| known.get(code)) {
            Some(Some(kind)) => {
                party_kinds.insert(*kind);
            }
            Some(None) => lines.fail(&party.span(), format!("unknown agency code {code:?}")),
            None => {}
        }
        if parties.iter().any(|p| p == code) {
            lines.fail(&party.span(), format!("agency {code} is listed twice"));
        }
        parties.push(code.to_owned());
    }
    if parties.len() < 2 {
        lines.fail(&raw.span(), "an agreement needs at least two parties");
    }
    (parties, party_kinds)
}

/// The valid `[[handoff]]` rules (at least one must be defined; ids unique).
fn handoff_rules(
    lines: &mut Lines<'_>,
    raw: &[Spanned<RawHandoff>],
    party_kinds: Option<&BTreeSet<AgencyKind>>,
) -> Vec<HandoffRule> {
    let mut handoffs = Vec::new();
    let mut ids = BTreeSet::new();
    for spanned in raw {
        let h = spanned.get_ref();
        if let Some(rule) = parse_rule(lines, h, party_kinds) {
            if !ids.insert(rule.id.clone()) {
                lines.fail(
                    &h.id.span(),
                    format!("handoff id {:?} is defined twice", rule.id),
                );
            }
            handoffs.push(rule);
        }
    }
    if raw.is_empty() {
        lines.fail(&(0..0), "the agreement defines no [[handoff]]");
    }
    handoffs
}
