//! What the caller may send from a case, to whom, what each receiver would hold, and why other
//! options are closed.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;

use super::{AgreementRef, facts, load_case, violations};
use crate::agreements::engine::{self, Party, Request};
use crate::agreements::{Agreement, HandoffRule};
use crate::audit::Ctx;
use crate::authz::{Action, Category};
use crate::crypto::Vault;
use crate::db::cases::{self as case_db};
use crate::db::{DbConnection, agencies};
use crate::domain::agency::AgencyKind;
use crate::domain::consent::{self, ConsentFacts};
use crate::domain::user::Role;
use crate::error::{AppError, Violation};
use crate::services::agreements::AgreementSet;

/// A handoff the caller could send, to one receiver.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HandoffOption {
    /// Agreement and version.
    pub agreement: AgreementRef,
    /// The agreement's handoff id.
    pub handoff: String,
    /// `referral`, `transfer`, `notice`.
    pub kind: String,
    /// What it is for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Legal basis shown to users.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub legal_basis: Option<String>,
    /// Receiving agency code.
    pub to_agency: String,
    /// Its name.
    pub to_agency_name: String,
    /// What the receiver would hold: the agreement's `shares` that the caller's agency holds.
    pub shares: Vec<String>,
    /// Categories the agreement would share that the caller's agency does not hold, so cannot
    /// pass on.
    pub withheld: Vec<String>,
    /// Whether it can be sent now.
    pub allowed: bool,
    /// Whether a supervisor's consent override would open it.
    pub override_possible: bool,
    /// Why it is closed.
    pub unmet: Vec<Violation>,
}

/// What the actor may send from a case, to whom, what each receiver would hold, and why other
/// options are closed. A party that has not accepted its handoff sends nothing (403
/// `access.pending`).
pub fn options(
    conn: &mut DbConnection,
    ctx: &Ctx,
    set: &AgreementSet,
    vault: &Vault,
    case_id: i64,
) -> Result<Vec<HandoffOption>, AppError> {
    let actor = crate::services::actor(ctx)?.clone();
    let (case, scope) = load_case(conn, &actor, case_id, Action::HandoffSend)?;
    let holding = scope
        .holding_of(actor.agency_id)
        .ok_or(AppError::NotFound)?;
    let held = holding.active();
    let sender = agencies::by_id(conn, actor.agency_id)?.ok_or(AppError::NotFound)?;
    let sender_kind = AgencyKind::parse(&sender.kind).map_err(AppError::internal)?;
    let facts = facts(conn, vault, &case)?;
    let consents: Vec<ConsentFacts> = case_db::consents(conn, case_id)?
        .iter()
        .map(case_db::ConsentRow::facts)
        .collect();
    let parties: BTreeMap<String, agencies::AgencyRow> = agencies::list(conn, None, i64::MAX)?
        .into_iter()
        .map(|a| (a.code.clone(), a))
        .collect();
    let asking = Asking {
        sender: Party {
            code: &sender.code,
            kind: sender_kind,
        },
        facts: &facts,
        consents: &consents,
        actor_is_supervisor: actor.has(Role::Supervisor),
        case_open: case.status.is_open(),
        sender_owns: holding.is_owner(),
        held: &held,
        today: ctx.now.date(),
    };
    let mut out = Vec::new();
    for agreement in set
        .agreements
        .iter()
        .filter(|a| a.parties.contains(&sender.code))
    {
        for rule in agreement
            .handoffs
            .iter()
            .filter(|r| r.from.contains(&sender_kind))
        {
            for party in agreement.parties.iter().filter(|p| **p != sender.code) {
                let Some(receiver) = parties.get(party) else {
                    continue;
                };
                let Ok(receiver_kind) = AgencyKind::parse(&receiver.kind) else {
                    continue;
                };
                if rule.to.contains(&receiver_kind) {
                    out.push(asking.option(agreement, rule, receiver, receiver_kind));
                }
            }
        }
    }
    Ok(out)
}

/// What the rules engine is asked about every option of the case: the same sender, case and
/// holding; only the rule and the receiver change.
struct Asking<'a> {
    sender: Party<'a>,
    facts: &'a BTreeSet<String>,
    consents: &'a [ConsentFacts],
    actor_is_supervisor: bool,
    case_open: bool,
    sender_owns: bool,
    held: &'a BTreeSet<Category>,
    today: NaiveDate,
}

impl Asking<'_> {
    /// The option of sending `rule` of `agreement` to `receiver`: allowed or why not, whether a
    /// supervisor's override would open it, and what the receiver would hold.
    fn option(
        &self,
        agreement: &Agreement,
        rule: &HandoffRule,
        receiver: &agencies::AgencyRow,
        receiver_kind: AgencyKind,
    ) -> HandoffOption {
        let given =
            |purpose: &str| consent::in_force(self.consents, purpose, receiver.id).is_some();
        let mut request = Request {
            handoff: &rule.id,
            agreement: Some(&agreement.id),
            sender: self.sender,
            receiver: Party {
                code: &receiver.code,
                kind: receiver_kind,
            },
            facts: self.facts,
            consent_given: &given,
            override_requested: false,
            actor_is_supervisor: self.actor_is_supervisor,
            case_open: self.case_open,
            sender_owns: self.sender_owns,
            sender_holds: self.held,
            today: self.today,
        };
        let outcome = engine::evaluate(std::slice::from_ref(agreement), &request);
        let override_possible = outcome.is_err() && {
            request.override_requested = true;
            engine::evaluate(std::slice::from_ref(agreement), &request).is_ok()
        };
        let shares = engine::shares_of(rule, self.held);
        HandoffOption {
            agreement: AgreementRef {
                id: agreement.id.clone(),
                version: agreement.version,
            },
            handoff: rule.id.clone(),
            kind: rule.kind.as_str().to_owned(),
            description: rule.description.clone(),
            legal_basis: rule.legal_basis.clone(),
            to_agency: receiver.code.clone(),
            to_agency_name: receiver.name.clone(),
            shares: shares.iter().map(|c| c.as_str().to_owned()).collect(),
            withheld: rule
                .shares
                .iter()
                .filter(|c| !shares.contains(c))
                .map(|c| c.as_str().to_owned())
                .collect(),
            allowed: outcome.is_ok(),
            override_possible,
            unmet: outcome.err().map(violations).unwrap_or_default(),
        }
    }
}
