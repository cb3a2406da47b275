//! Handoffs between agencies under the agreements: loading the agreements in force (each version
//! stored with its hash), sending, the decision lifecycle, inbox and outbox, and what the caller
//! may send from a case ("handoff options").

mod access;
mod attach;
mod decide;
mod known;
pub mod letter;
mod options;
mod read;
mod send;

pub use access::*;
pub use decide::*;
pub use options::*;
pub use read::*;
pub use send::*;

pub use super::agreements::{AgreementSet, known_agencies, load, sync_versions};

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

pub(crate) use known::Known;

use crate::agreements::engine::{self};
use crate::authz::{self, Action, Actor, CaseScope, Resource};
use crate::crypto::Vault;
use crate::db::cases::{self as case_db, CaseRow};
use crate::db::handoffs::HandoffRow;
use crate::db::{DbConnection, agencies};
use crate::domain::handoff::{HandoffKind, HandoffStatus};
use crate::error::{AppError, Violation};

/// Agreement and version a handoff was allowed by.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AgreementRef {
    /// Agreement id.
    pub id: String,
    /// Version.
    pub version: i32,
}

/// Consent or override a handoff rests on.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ConsentBasis {
    /// Purpose required.
    pub purpose: String,
    /// The consent record relied on.
    pub consent_id: Option<i64>,
    /// Overridden by a supervisor.
    pub overridden: bool,
    /// Override legal basis.
    pub legal_basis: Option<String>,
    /// Override reason.
    pub reason: Option<String>,
}

/// A document attached to a handoff.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AttachedDocument {
    /// Document id (download it from the case's documents).
    pub id: i64,
    /// File name.
    pub filename: String,
    /// SHA-256 of the content, hex.
    pub sha256: String,
}

/// A handoff as its sender and receiver see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HandoffView {
    /// Id.
    pub id: i64,
    /// Case id.
    pub case_id: i64,
    /// Case number.
    pub case_number: String,
    /// The case's risk level, to whoever reads the handoff's contents (its sender; its receiver
    /// while the handoff gives access).
    pub risk_level: Option<String>,
    /// `pending`, `accepted`, `declined`, `withdrawn`, `completed`; notices `delivered`, `read`.
    pub status: HandoffStatus,
    /// `referral`, `transfer`, `notice`.
    pub kind: HandoffKind,
    /// The agreement's handoff id.
    pub handoff: String,
    /// Sender code.
    pub from_agency: String,
    /// Sender's name.
    pub from_agency_name: String,
    /// Receiver code.
    pub to_agency: String,
    /// Receiver's name.
    pub to_agency_name: String,
    /// Case owner when sent.
    pub owner_agency: String,
    /// The agreement version that allowed it.
    pub agreement: AgreementRef,
    /// Data categories the receiver holds once it accepts.
    pub shares: Vec<String>,
    /// Consent basis.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consent: Option<ConsentBasis>,
    /// The sender's message: for the sender, and for the receiver while the handoff gives it
    /// something.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Documents attached by the sender (the same parties as the message).
    pub documents: Vec<AttachedDocument>,
    /// Accept or decline by.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub respond_by: Option<DateTime<Utc>>,
    /// Complete by.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub complete_by: Option<DateTime<Utc>>,
    /// When decided.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decided_at: Option<DateTime<Utc>>,
    /// Decline or withdrawal reason.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Outcome on completion.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    /// When the access it gave ended, and why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_ended: Option<String>,
    /// Sent.
    pub created_at: DateTime<Utc>,
    /// Its agreement clocks (answer, completion) with their state now (docs/DEADLINES.md).
    pub deadlines: Vec<crate::deadlines::engine::Deadline>,
}

/// The handoff as `viewer` (an agency of the handoff) sees it. Its message is the sender's
/// words: shown to the sender, and to the receiver while the handoff gives it access.
pub(super) fn view(
    conn: &mut DbConnection,
    vault: &Vault,
    viewer: i64,
    row: HandoffRow,
) -> Result<HandoffView, AppError> {
    views(conn, vault, viewer, vec![row])?
        .pop()
        .ok_or(AppError::NotFound)
}

/// What the views of a page of handoffs look up, each read for the whole page in one statement:
/// agreement versions, case numbers and risk levels, agency codes and names, attachments.
struct Lookups {
    versions: HashMap<i64, (String, i32)>,
    cases: HashMap<i64, (String, Option<String>)>,
    agencies: HashMap<i64, (String, String)>,
    attached: HashMap<i64, Vec<AttachedDocument>>,
}

impl Lookups {
    fn read(
        conn: &mut DbConnection,
        vault: &Vault,
        viewer: i64,
        rows: &[HandoffRow],
    ) -> Result<Self, AppError> {
        let ids = |f: fn(&HandoffRow) -> i64| -> Vec<i64> {
            let mut ids: Vec<i64> = rows.iter().map(f).collect();
            ids.sort_unstable();
            ids.dedup();
            ids
        };
        let versions =
            crate::db::handoffs::versions_by_ids(conn, &ids(|r| r.agreement_version_id))?
                .into_iter()
                .map(|v| (v.id, (v.agreement_id, v.version)))
                .collect();
        let cases = case_db::numbers_and_risks(conn, &ids(|r| r.case_id))?;
        let mut agency_ids = ids(|r| r.from_agency_id);
        agency_ids.extend(ids(|r| r.to_agency_id));
        agency_ids.extend(ids(|r| r.owner_agency_id));
        let agencies = agencies::names_of(conn, &agency_ids)?;
        let shown: Vec<i64> = rows
            .iter()
            .filter(|r| r.shows_contents_to(viewer))
            .map(|r| r.id)
            .collect();
        let mut attached: HashMap<i64, Vec<AttachedDocument>> = HashMap::new();
        if !shown.is_empty() {
            for (handoff_id, d) in crate::db::attachments::attached_to_each(conn, &shown)? {
                let name = vault
                    .open(&d.key_id, &d.filename_ciphertext)
                    .map_err(AppError::internal)?;
                attached
                    .entry(handoff_id)
                    .or_default()
                    .push(AttachedDocument {
                        id: d.id,
                        filename: String::from_utf8_lossy(&name).into_owned(),
                        sha256: d.sha256,
                    });
            }
        }
        Ok(Lookups {
            versions,
            cases,
            agencies,
            attached,
        })
    }

    fn agency(&self, id: i64) -> (String, String) {
        self.agencies.get(&id).cloned().unwrap_or_default()
    }
}

/// The handoffs as `viewer` sees them ([`view`]), with a constant number of statements however
/// many there are.
pub(super) fn views(
    conn: &mut DbConnection,
    vault: &Vault,
    viewer: i64,
    rows: Vec<HandoffRow>,
) -> Result<Vec<HandoffView>, AppError> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let mut found = Lookups::read(conn, vault, viewer, &rows)?;
    let now = chrono::Utc::now().naive_utc();
    rows.into_iter()
        .map(|row| view_of(vault, viewer, row, &mut found, now))
        .collect()
}

fn view_of(
    vault: &Vault,
    viewer: i64,
    row: HandoffRow,
    found: &mut Lookups,
    now: chrono::NaiveDateTime,
) -> Result<HandoffView, AppError> {
    let (agreement_id, version) = found
        .versions
        .get(&row.agreement_version_id)
        .cloned()
        .ok_or(AppError::NotFound)?;
    let message_shown = row.shows_contents_to(viewer);
    let (case_number, risk_level) = found
        .cases
        .get(&row.case_id)
        .map(|(n, r)| (n.clone(), r.clone().filter(|_| message_shown)))
        .unwrap_or_default();
    let message = match (&row.message_ciphertext, &row.key_id) {
        (Some(sealed), Some(key)) if message_shown => Some(
            String::from_utf8_lossy(&vault.open(key, sealed).map_err(AppError::internal)?)
                .into_owned(),
        ),
        _ => None,
    };
    let documents = found.attached.remove(&row.id).unwrap_or_default();
    let clocks = row.clock_facts(format!("{agreement_id} v{version}"));
    let deadlines = crate::deadlines::engine::handoff_slas(&clocks, now);
    let (from_agency, from_agency_name) = found.agency(row.from_agency_id);
    let (to_agency, to_agency_name) = found.agency(row.to_agency_id);
    Ok(HandoffView {
        id: row.id,
        case_id: row.case_id,
        case_number,
        risk_level,
        status: row.status,
        kind: row.kind,
        handoff: row.rule_id,
        from_agency,
        from_agency_name,
        to_agency,
        to_agency_name,
        owner_agency: found.agency(row.owner_agency_id).0,
        agreement: AgreementRef {
            id: agreement_id,
            version,
        },
        shares: row.shares.0.iter().map(|c| c.as_str().to_owned()).collect(),
        consent: row.consent_purpose.map(|purpose| ConsentBasis {
            purpose,
            consent_id: row.consent_id,
            overridden: row.override_legal_basis.is_some(),
            legal_basis: row.override_legal_basis,
            reason: row.override_reason,
        }),
        message,
        documents,
        respond_by: row.respond_by.map(crate::domain::utc),
        complete_by: row.complete_by.map(crate::domain::utc),
        decided_at: row.decided_at.map(crate::domain::utc),
        reason: row.decision_reason,
        outcome: row.outcome,
        access_ended: row.access_ended_at.map(|at| {
            format!(
                "{} ({})",
                crate::domain::utc(at).to_rfc3339(),
                row.access_ended_reason.unwrap_or_default()
            )
        }),
        created_at: crate::domain::utc(row.created_at),
        deadlines,
    })
}

/// The documents attached to a handoff, names opened.
pub fn attached_documents(
    conn: &mut DbConnection,
    vault: &Vault,
    handoff_id: i64,
) -> Result<Vec<AttachedDocument>, AppError> {
    Known::attached_of(vault, &crate::db::attachments::attached(conn, handoff_id)?)
}

/// The case facts the agreements may require.
pub(super) fn facts(
    conn: &mut DbConnection,
    vault: &Vault,
    case: &CaseRow,
) -> Result<BTreeSet<String>, AppError> {
    let incidents = case_db::incidents(conn, case.id)?;
    let details = case_db::IncidentDetails {
        date: incidents.iter().any(|i| i.occurred_on.is_some()),
        forms: incidents.iter().any(|i| i.forms != "[]"),
        country: incidents.iter().any(|i| i.country.is_some()),
        perpetrator_relation: incidents.iter().any(|i| i.perpetrator_relation.is_some()),
    };
    facts_of(vault, case, details)
}

/// [`facts`] of a case whose incident details are known.
pub(super) fn facts_of(
    vault: &Vault,
    case: &CaseRow,
    incidents: case_db::IncidentDetails,
) -> Result<BTreeSet<String>, AppError> {
    let mut out = BTreeSet::new();
    let mut add = |present: bool, fact: &str| {
        if present {
            out.insert(fact.to_owned());
        }
    };
    add(incidents.date, "incident.date");
    add(incidents.forms, "incident.forms");
    add(incidents.country, "incident.country");
    add(
        incidents.perpetrator_relation,
        "incident.perpetrator_relation",
    );
    add(case.age_band.is_some(), "survivor.age_band");
    add(case.nik_index.is_some(), "identity.nik");
    add(
        case.destination_country.is_some(),
        "migrant.destination_country",
    );
    add(case.migration_stage.is_some(), "migrant.migration_stage");
    add(case.legal_basis != "[]", "legal_basis");
    add(case.risk_level.is_some(), "risk_level");
    let identity = vault
        .open(&case.identity_key_id, &case.identity_ciphertext)
        .map_err(AppError::internal)?;
    let identity: crate::domain::case::Identity =
        serde_json::from_slice(&identity).map_err(AppError::internal)?;
    add(identity.date_of_birth.is_some(), "survivor.date_of_birth");
    add(identity.phone.is_some(), "identity.phone");
    Ok(out)
}

pub(super) fn violations(unmet: Vec<engine::Unmet>) -> Vec<Violation> {
    unmet
        .into_iter()
        .map(|u| Violation {
            message: if u.agreement.is_empty() {
                format!("handoff {}: {}", u.handoff, u.condition)
            } else {
                format!(
                    "agreement {} v{} handoff {}: {}",
                    u.agreement, u.version, u.handoff, u.condition
                )
            },
            agreement: u.agreement,
            version: u.version,
            handoff: u.handoff,
            condition: u.condition.code().to_owned(),
        })
        .collect()
}

pub(super) fn load_case(
    conn: &mut DbConnection,
    actor: &Actor,
    case_id: i64,
    action: Action,
) -> Result<(CaseRow, CaseScope), AppError> {
    let (row, scope) = case_db::scope(conn, case_id)?.ok_or(AppError::NotFound)?;
    authorize_case(actor, &scope, action)?;
    Ok((row, scope))
}

/// 404 for a case the actor may not see; 403 for an action on it the actor may not take.
pub(super) fn authorize_case(
    actor: &Actor,
    scope: &CaseScope,
    action: Action,
) -> Result<(), AppError> {
    authz::can(actor, Action::CaseView, Resource::Case(scope)).map_err(|_| AppError::NotFound)?;
    authz::can(actor, action, Resource::Case(scope))?;
    Ok(())
}
