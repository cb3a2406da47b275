//! One statutory rule file (`config/deadlines/*.toml`): each `[[rule]]` checked key by key,
//! every problem collected with its line.

use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use super::{Period, Responsible, Rule, Trigger, Verification};
use crate::agreements::{Lines, Problem};
use crate::domain::agency::AgencyKind;
use crate::domain::classification as cls;
use crate::domain::user::Role;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    rule: Vec<Spanned<RawRule>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: Spanned<String>,
    title_id: Spanned<String>,
    title_en: Spanned<String>,
    trigger: Spanned<String>,
    #[serde(default)]
    applies_to: Vec<Spanned<String>>,
    period: Spanned<RawPeriod>,
    responsible: Spanned<String>,
    #[serde(default)]
    met_by: Vec<Spanned<String>>,
    legal_basis: Spanned<String>,
    status: Spanned<String>,
    procedural_regime: Option<Spanned<String>>,
    #[serde(default)]
    alert_only: bool,
    escalate_to: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPeriod {
    hours: Option<i64>,
    calendar_days: Option<i64>,
    working_days: Option<i64>,
}

fn period_of(raw: &RawPeriod) -> Result<Period, &'static str> {
    let given = [raw.hours, raw.calendar_days, raw.working_days];
    if given.iter().flatten().count() != 1 {
        return Err(
            "period must give exactly one of hours, calendar_days or working_days, e.g. { hours = 24 }",
        );
    }
    let positive = |n: i64| {
        u32::try_from(n)
            .ok()
            .filter(|n| (1..=3650).contains(n))
            .ok_or("the period must be a whole number from 1 to 3650")
    };
    match given {
        [Some(h), _, _] => positive(h).map(Period::Hours),
        [_, Some(d), _] => positive(d).map(Period::CalendarDays),
        [_, _, Some(d)] => positive(d).map(Period::WorkingDays),
        _ => Err("period is empty"),
    }
}

/// Parses and validates one rule file.
pub fn parse_rules(path: &Path, text: &str) -> Result<Vec<Rule>, Vec<Problem>> {
    let mut lines = Lines {
        file: path,
        text,
        problems: Vec::new(),
    };
    let raw: RawFile = match toml::from_str(text) {
        Ok(raw) => raw,
        Err(e) => {
            lines.fail(&e.span().unwrap_or(0..0), e.message().replace('\n', " "));
            return Err(lines.problems);
        }
    };
    let mut rules = Vec::new();
    for spanned in &raw.rule {
        if let Some(rule) = parse_rule(&mut lines, spanned.get_ref(), &rules, path) {
            rules.push(rule);
        }
    }
    if lines.problems.is_empty() {
        Ok(rules)
    } else {
        Err(lines.problems)
    }
}

/// One `[[rule]]`, or `None` when its trigger, period, responsible agency or status is unusable
/// (each problem recorded in `lines`). `earlier`: the file's rules read before it.
fn parse_rule(lines: &mut Lines<'_>, r: &RawRule, earlier: &[Rule], path: &Path) -> Option<Rule> {
    let id = rule_id(lines, &r.id, earlier);
    for (field, value) in [
        ("title_id", &r.title_id),
        ("title_en", &r.title_en),
        ("legal_basis", &r.legal_basis),
    ] {
        if value.get_ref().trim().is_empty() {
            lines.fail(&value.span(), format!("{field} must not be empty"));
        }
    }
    let trigger = Trigger::parse(r.trigger.get_ref())
        .map_err(|m| lines.fail(&r.trigger.span(), m))
        .ok();
    let met_by: Vec<Trigger> = r
        .met_by
        .iter()
        .filter_map(|t| {
            Trigger::parse(t.get_ref())
                .map_err(|m| lines.fail(&t.span(), format!("met_by: {m}")))
                .ok()
        })
        .collect();
    check_applies_to(lines, &r.applies_to);
    let period = period_of(r.period.get_ref())
        .map_err(|m| lines.fail(&r.period.span(), m))
        .ok();
    let responsible = responsible(lines, &r.responsible);
    let status = status(lines, &r.status);
    check_procedural_regime(lines, r.procedural_regime.as_ref());
    let escalate_to = escalate_to(lines, r.escalate_to.as_ref());
    let can_breach = !r.alert_only && status.is_some_and(|s| s != Verification::Unverified);
    if can_breach && r.met_by.is_empty() {
        lines.fail(
            &r.id.span(),
            format!("rule {id}: a rule that can be breached must name the events that meet it (met_by); otherwise set alert_only = true"),
        );
    }
    Some(Rule {
        id,
        title_id: r.title_id.get_ref().trim().to_owned(),
        title_en: r.title_en.get_ref().trim().to_owned(),
        trigger: trigger?,
        applies_to: r.applies_to.iter().map(|b| b.get_ref().clone()).collect(),
        period: period?,
        responsible: responsible?,
        met_by,
        legal_basis: r.legal_basis.get_ref().trim().to_owned(),
        status: status?,
        procedural_regime: r.procedural_regime.as_ref().map(|p| p.get_ref().clone()),
        alert_only: r.alert_only,
        escalate_to,
        source: path.to_path_buf(),
    })
}

/// The rule's id, trimmed: one word, not used by an earlier rule of the file.
fn rule_id(lines: &mut Lines<'_>, raw: &Spanned<String>, earlier: &[Rule]) -> String {
    let id = raw.get_ref().trim().to_owned();
    if id.is_empty() || id.contains(char::is_whitespace) {
        lines.fail(&raw.span(), "id must be a word without spaces, e.g. D2");
    }
    if earlier.iter().any(|other| other.id == id) {
        lines.fail(&raw.span(), format!("rule id {id:?} is used twice"));
    }
    id
}

/// `applies_to`: each a known legal basis.
fn check_applies_to(lines: &mut Lines<'_>, applies_to: &[Spanned<String>]) {
    for basis in applies_to {
        if !cls::LEGAL_BASIS.contains(basis.get_ref()) {
            lines.fail(
                &basis.span(),
                format!(
                    "applies_to: unknown legal basis {:?}; expected one of {}",
                    basis.get_ref(),
                    cls::LEGAL_BASIS.codes().join(", ")
                ),
            );
        }
    }
}

/// `responsible`: `owner` or an agency kind.
fn responsible(lines: &mut Lines<'_>, raw: &Spanned<String>) -> Option<Responsible> {
    match raw.get_ref().as_str() {
        "owner" => Some(Responsible::Owner),
        kind => AgencyKind::parse(kind)
            .map(Responsible::Kind)
            .map_err(|_| lines.fail(&raw.span(), format!("responsible: unknown agency kind {kind:?}; expected owner or an agency kind such as service_unit, police, prosecutor, court, lpsk, bp3mi")))
            .ok(),
    }
}

/// `status`: verified, secondary or unverified.
fn status(lines: &mut Lines<'_>, raw: &Spanned<String>) -> Option<Verification> {
    match raw.get_ref().as_str() {
        "verified" => Some(Verification::Verified),
        "secondary" => Some(Verification::Secondary),
        "unverified" => Some(Verification::Unverified),
        other => {
            lines.fail(
                &raw.span(),
                format!("status: unknown {other:?}; expected verified, secondary or unverified"),
            );
            None
        }
    }
}

/// `procedural_regime`, if given: a known regime.
fn check_procedural_regime(lines: &mut Lines<'_>, raw: Option<&Spanned<String>>) {
    if let Some(regime) = raw
        && !cls::PROCEDURAL_REGIME.contains(regime.get_ref())
    {
        lines.fail(
            &regime.span(),
            format!(
                "procedural_regime: unknown {:?}; expected KUHAP_1981 or KUHAP_2025",
                regime.get_ref()
            ),
        );
    }
}

/// `escalate_to`, if given: a role.
fn escalate_to(lines: &mut Lines<'_>, raw: Option<&Spanned<String>>) -> Option<Role> {
    let role = raw?;
    Role::parse(role.get_ref())
        .map_err(|_| {
            lines.fail(
                &role.span(),
                format!("escalate_to: unknown role {:?}", role.get_ref()),
            )
        })
        .ok()
}
