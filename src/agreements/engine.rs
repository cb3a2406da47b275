//! The rules engine: may this agency send this handoff to that agency for this case, now? Pure:
//! everything it needs is in the [`Request`]. A refusal lists every unmet condition, each naming
//! the agreement, its version and the handoff id.

use std::collections::BTreeSet;
use std::fmt;

use chrono::NaiveDate;

use super::{Agreement, HandoffKind, HandoffRule};
use crate::authz::Category;
use crate::domain::agency::AgencyKind;

/// An agency as the engine sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Party<'a> {
    /// Code.
    pub code: &'a str,
    /// Kind.
    pub kind: AgencyKind,
}

/// What is asked.
pub struct Request<'a> {
    /// The agreement's handoff id, e.g. `report-to-police`.
    pub handoff: &'a str,
    /// Only this agreement, if the caller named one.
    pub agreement: Option<&'a str>,
    /// Sending agency.
    pub sender: Party<'a>,
    /// Receiving agency.
    pub receiver: Party<'a>,
    /// Case facts present (see [`super::FACTS`]).
    pub facts: &'a BTreeSet<String>,
    /// Whether consent for a purpose is in force for the receiver.
    pub consent_given: &'a dyn Fn(&str) -> bool,
    /// A consent override (legal basis and reason) comes with the request.
    pub override_requested: bool,
    /// The actor is a supervisor (only supervisors override).
    pub actor_is_supervisor: bool,
    /// Whether the case is open.
    pub case_open: bool,
    /// Whether the sender owns the case (only the owner transfers it).
    pub sender_owns: bool,
    /// The categories the sender holds and may pass on (all of them for the owner).
    pub sender_holds: &'a BTreeSet<Category>,
    /// Today.
    pub today: NaiveDate,
}

/// A condition that is not met.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    /// No agreement in force defines this handoff id.
    NoSuchHandoff,
    /// The agreement is not in force today.
    NotInForce,
    /// The sender is not a party.
    SenderNotParty(String),
    /// The receiver is not a party.
    ReceiverNotParty(String),
    /// The sender's kind may not send this handoff.
    SenderKind(AgencyKind),
    /// The receiver's kind may not receive it.
    ReceiverKind(AgencyKind),
    /// Sender and receiver are the same agency.
    SameAgency,
    /// The required consent is not given (and not overridden).
    ConsentMissing(String),
    /// The handoff does not allow overriding consent.
    OverrideNotAllowed,
    /// Only a supervisor may override consent.
    OverrideNeedsSupervisor,
    /// A required case fact is missing.
    FactMissing(String),
    /// The case is closed.
    CaseClosed,
    /// A transfer sent by an agency that does not own the case.
    SenderNotOwner,
    /// The sender holds none of the categories the handoff shares.
    NothingToShare,
}

impl Condition {
    /// Stable code for clients.
    pub fn code(&self) -> &'static str {
        match self {
            Condition::NoSuchHandoff => "no_such_handoff",
            Condition::NotInForce => "agreement_not_in_force",
            Condition::SenderNotParty(_) => "sender_not_party",
            Condition::ReceiverNotParty(_) => "receiver_not_party",
            Condition::SenderKind(_) => "sender_kind_not_allowed",
            Condition::ReceiverKind(_) => "receiver_kind_not_allowed",
            Condition::SameAgency => "same_agency",
            Condition::ConsentMissing(_) => "consent_missing",
            Condition::OverrideNotAllowed => "override_not_allowed",
            Condition::OverrideNeedsSupervisor => "override_needs_supervisor",
            Condition::FactMissing(_) => "fact_missing",
            Condition::CaseClosed => "case_closed",
            Condition::SenderNotOwner => "sender_not_owner",
            Condition::NothingToShare => "nothing_to_share",
        }
    }
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Condition::NoSuchHandoff => f.write_str("no agreement in force defines this handoff"),
            Condition::NotInForce => f.write_str("the agreement is not in force today"),
            Condition::SenderNotParty(code) => write!(f, "{code} is not a party to the agreement"),
            Condition::ReceiverNotParty(code) => {
                write!(f, "{code} is not a party to the agreement")
            }
            Condition::SenderKind(kind) => {
                write!(f, "an agency of kind {kind} may not send this handoff")
            }
            Condition::ReceiverKind(kind) => {
                write!(f, "an agency of kind {kind} may not receive this handoff")
            }
            Condition::SameAgency => f.write_str("sender and receiver are the same agency"),
            Condition::ConsentMissing(purpose) => {
                write!(f, "consent for {purpose} is not given for this receiver")
            }
            Condition::OverrideNotAllowed => {
                f.write_str("this handoff does not allow overriding consent")
            }
            Condition::OverrideNeedsSupervisor => {
                f.write_str("only a supervisor may override consent")
            }
            Condition::FactMissing(fact) => write!(f, "the case has no {fact}"),
            Condition::CaseClosed => f.write_str("the case is closed"),
            Condition::SenderNotOwner => {
                f.write_str("only the agency that owns the case may transfer it")
            }
            Condition::NothingToShare => {
                f.write_str("the sender holds none of the categories this handoff shares")
            }
        }
    }
}

/// An unmet condition with where it comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unmet {
    /// Agreement id (empty when none applies).
    pub agreement: String,
    /// Agreement version (0 when none applies).
    pub version: i32,
    /// Handoff id.
    pub handoff: String,
    /// The condition.
    pub condition: Condition,
}

/// A handoff the rules allow.
#[derive(Debug, Clone)]
pub struct Allowed<'a> {
    /// The agreement that allows it.
    pub agreement: &'a Agreement,
    /// The rule.
    pub rule: &'a HandoffRule,
    /// Whether a missing consent was overridden.
    pub consent_overridden: bool,
    /// What the receiver will hold: the rule's `shares` that the sender holds.
    pub shares: BTreeSet<Category>,
}

/// What a handoff under `rule` sent by a sender holding `held` gives its receiver: the rule's
/// `shares` that the sender holds. An onward handoff never passes on more than its sender holds.
pub fn shares_of(rule: &HandoffRule, held: &BTreeSet<Category>) -> BTreeSet<Category> {
    rule.shares
        .iter()
        .filter(|c| held.contains(c))
        .copied()
        .collect()
}

fn check(agreement: &Agreement, rule: &HandoffRule, req: &Request<'_>) -> (Vec<Condition>, bool) {
    let mut unmet = Vec::new();
    if !agreement.in_force(req.today) {
        unmet.push(Condition::NotInForce);
    }
    if !req.case_open {
        unmet.push(Condition::CaseClosed);
    }
    if req.sender.code == req.receiver.code {
        unmet.push(Condition::SameAgency);
    }
    if !agreement.parties.iter().any(|p| p == req.sender.code) {
        unmet.push(Condition::SenderNotParty(req.sender.code.to_owned()));
    }
    if !agreement.parties.iter().any(|p| p == req.receiver.code) {
        unmet.push(Condition::ReceiverNotParty(req.receiver.code.to_owned()));
    }
    if !rule.from.contains(&req.sender.kind) {
        unmet.push(Condition::SenderKind(req.sender.kind));
    }
    if !rule.to.contains(&req.receiver.kind) {
        unmet.push(Condition::ReceiverKind(req.receiver.kind));
    }
    for fact in &rule.requires {
        if !req.facts.contains(fact) {
            unmet.push(Condition::FactMissing(fact.clone()));
        }
    }
    if rule.kind == HandoffKind::Transfer && !req.sender_owns {
        unmet.push(Condition::SenderNotOwner);
    }
    if shares_of(rule, req.sender_holds).is_empty() {
        unmet.push(Condition::NothingToShare);
    }
    let mut overridden = false;
    if let Some(purpose) = &rule.requires_consent
        && !(req.consent_given)(purpose)
    {
        if !req.override_requested {
            unmet.push(Condition::ConsentMissing(purpose.clone()));
        } else if !rule.consent_override {
            unmet.push(Condition::OverrideNotAllowed);
        } else if !req.actor_is_supervisor {
            unmet.push(Condition::OverrideNeedsSupervisor);
        } else {
            overridden = true;
        }
    }
    (unmet, overridden)
}

/// Decides a request against every agreement in force that defines the handoff id.
pub fn evaluate<'a>(
    agreements: &'a [Agreement],
    req: &Request<'_>,
) -> Result<Allowed<'a>, Vec<Unmet>> {
    let mut refusals = Vec::new();
    let mut found = false;
    for agreement in agreements {
        if req.agreement.is_some_and(|id| id != agreement.id) {
            continue;
        }
        let Some(rule) = agreement.rule(req.handoff) else {
            continue;
        };
        found = true;
        let (unmet, overridden) = check(agreement, rule, req);
        if unmet.is_empty() {
            return Ok(Allowed {
                agreement,
                rule,
                consent_overridden: overridden,
                shares: shares_of(rule, req.sender_holds),
            });
        }
        refusals.extend(unmet.into_iter().map(|condition| Unmet {
            agreement: agreement.id.clone(),
            version: agreement.version,
            handoff: rule.id.clone(),
            condition,
        }));
    }
    if !found {
        refusals.push(Unmet {
            agreement: req.agreement.unwrap_or_default().to_owned(),
            version: 0,
            handoff: req.handoff.to_owned(),
            condition: Condition::NoSuchHandoff,
        });
    }
    Err(refusals)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agreements::{KnownAgencies, parse_file};
    use std::path::Path;

    const MOU: &str = r#"id = "t"
version = 2
title = "T"
effective_from = 2025-01-01
effective_until = 2027-12-31
parties = ["PPA", "POL", "OTHER-POL"]

[[handoff]]
id = "report"
kind = "referral"
from = ["service_unit"]
to = ["police"]
requires_consent = "police_report"
consent_override = true
requires = ["incident.date"]

[[handoff]]
id = "inform"
kind = "referral"
from = ["service_unit"]
to = ["police"]
requires_consent = "police_report"

[[handoff]]
id = "hand-over"
kind = "transfer"
from = ["police"]
to = ["police"]
shares = ["summary", "incident", "legal"]
"#;

    fn agreements() -> Vec<Agreement> {
        let known: KnownAgencies = [
            ("PPA", AgencyKind::ServiceUnit),
            ("POL", AgencyKind::Police),
            ("OTHER-POL", AgencyKind::Police),
        ]
        .into_iter()
        .map(|(c, k)| (c.to_owned(), k))
        .collect();
        vec![parse_file(Path::new("t.toml"), MOU, Some(&known)).unwrap_or_else(|p| panic!("{p:?}"))]
    }

    struct Case {
        name: &'static str,
        handoff: &'static str,
        sender: (&'static str, AgencyKind),
        receiver: (&'static str, AgencyKind),
        facts: &'static [&'static str],
        consent: bool,
        override_requested: bool,
        supervisor: bool,
        open: bool,
        today: (i32, u32, u32),
        owns: bool,
        holds: &'static [Category],
        expect: Result<bool, &'static [&'static str]>,
    }

    const PPA: (&str, AgencyKind) = ("PPA", AgencyKind::ServiceUnit);
    const POL: (&str, AgencyKind) = ("POL", AgencyKind::Police);
    const BASE: Case = Case {
        name: "",
        handoff: "report",
        sender: PPA,
        receiver: POL,
        facts: &["incident.date"],
        consent: true,
        override_requested: false,
        supervisor: false,
        open: true,
        today: (2026, 11, 28),
        owns: true,
        holds: Category::ALL,
        expect: Ok(false),
    };

    #[test]
    fn the_rules_table() {
        let cases = [
            Case {
                name: "allowed with consent and facts",
                ..BASE
            },
            Case {
                name: "unknown handoff id",
                handoff: "teleport",
                expect: Err(&["no_such_handoff"]),
                ..BASE
            },
            Case {
                name: "receiver not a party",
                receiver: ("POL-ELSEWHERE", AgencyKind::Police),
                expect: Err(&["receiver_not_party"]),
                ..BASE
            },
            Case {
                name: "sender kind not in from",
                sender: ("OTHER-POL", AgencyKind::Police),
                expect: Err(&["sender_kind_not_allowed", "receiver_kind_not_allowed"]),
                receiver: PPA,
                ..BASE
            },
            Case {
                name: "same agency",
                receiver: PPA,
                expect: Err(&["same_agency", "receiver_kind_not_allowed"]),
                ..BASE
            },
            Case {
                name: "missing fact",
                facts: &[],
                expect: Err(&["fact_missing"]),
                ..BASE
            },
            Case {
                name: "missing consent",
                consent: false,
                expect: Err(&["consent_missing"]),
                ..BASE
            },
            Case {
                name: "override by a caseworker",
                consent: false,
                override_requested: true,
                expect: Err(&["override_needs_supervisor"]),
                ..BASE
            },
            Case {
                name: "override by a supervisor",
                consent: false,
                override_requested: true,
                supervisor: true,
                expect: Ok(true),
                ..BASE
            },
            Case {
                name: "override where not allowed",
                handoff: "inform",
                consent: false,
                override_requested: true,
                supervisor: true,
                expect: Err(&["override_not_allowed"]),
                ..BASE
            },
            Case {
                name: "before the agreement",
                today: (2024, 12, 31),
                expect: Err(&["agreement_not_in_force"]),
                ..BASE
            },
            Case {
                name: "after it ended",
                today: (2028, 1, 1),
                expect: Err(&["agreement_not_in_force"]),
                ..BASE
            },
            Case {
                name: "closed case",
                open: false,
                expect: Err(&["case_closed"]),
                ..BASE
            },
            Case {
                name: "an onward referral by a party that holds the summary",
                owns: false,
                holds: &[Category::Summary],
                ..BASE
            },
            Case {
                name: "a transfer by a party that does not own the case",
                handoff: "hand-over",
                sender: POL,
                receiver: ("OTHER-POL", AgencyKind::Police),
                owns: false,
                holds: &[Category::Summary, Category::Incident],
                expect: Err(&["sender_not_owner"]),
                ..BASE
            },
            Case {
                name: "a party that holds none of what the handoff shares",
                handoff: "hand-over",
                sender: POL,
                receiver: ("OTHER-POL", AgencyKind::Police),
                holds: &[Category::Identity],
                expect: Err(&["nothing_to_share"]),
                ..BASE
            },
        ];
        let agreements = agreements();
        for case in cases {
            let facts: BTreeSet<String> = case.facts.iter().map(|f| (*f).to_owned()).collect();
            let consent = case.consent;
            let given = move |_: &str| consent;
            let holds: BTreeSet<Category> = case.holds.iter().copied().collect();
            let req = Request {
                handoff: case.handoff,
                agreement: None,
                sender: Party {
                    code: case.sender.0,
                    kind: case.sender.1,
                },
                receiver: Party {
                    code: case.receiver.0,
                    kind: case.receiver.1,
                },
                facts: &facts,
                consent_given: &given,
                override_requested: case.override_requested,
                actor_is_supervisor: case.supervisor,
                case_open: case.open,
                sender_owns: case.owns,
                sender_holds: &holds,
                today: NaiveDate::from_ymd_opt(case.today.0, case.today.1, case.today.2)
                    .unwrap_or_default(),
            };
            match (evaluate(&agreements, &req), case.expect) {
                (Ok(allowed), Ok(overridden)) => {
                    assert_eq!(allowed.consent_overridden, overridden, "{}", case.name);
                    assert_eq!(
                        allowed.shares,
                        shares_of(allowed.rule, &holds),
                        "{}: shares at most what the sender holds",
                        case.name
                    );
                    assert!(allowed.shares.is_subset(&holds), "{}", case.name);
                    assert_eq!(
                        (allowed.agreement.id.as_str(), allowed.agreement.version),
                        ("t", 2)
                    );
                }
                (Err(unmet), Err(codes)) => {
                    let got: Vec<&str> = unmet.iter().map(|u| u.condition.code()).collect();
                    assert_eq!(got, codes, "{}", case.name);
                    if codes != ["no_such_handoff"] {
                        assert!(
                            unmet.iter().all(|u| u.agreement == "t"
                                && u.version == 2
                                && u.handoff == case.handoff),
                            "{}",
                            case.name
                        );
                    }
                }
                (got, _) => panic!(
                    "{}: unexpected {:?}",
                    case.name,
                    got.map(|a| a.rule.id.clone())
                ),
            }
        }
    }
}
