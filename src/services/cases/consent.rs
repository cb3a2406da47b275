//! Consent per purpose and receiving agency: recorded by the owner (or a receiver its agreement
//! names), holding the case row; a withdrawal ends the access that rested on it.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use diesel::Connection;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::load;
use crate::audit::{self, AuditAction, Ctx, Event};
use crate::authz::{self, Action, Resource};
use crate::db::cases as db;
use crate::db::{DbConnection, agencies};
use crate::domain::Invalid;
use crate::domain::case::{self as domain};
use crate::domain::classification as cls;
use crate::domain::timeline::{Viewer, consent_visible};
use crate::error::AppError;

/// `POST /cases/{id}/consents`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentInput {
    /// Purpose code.
    pub purpose: String,
    /// Given (`true`) or withdrawn (`false`).
    pub given: bool,
    /// Only for this receiving agency (code).
    #[serde(default)]
    pub recipient_agency: Option<String>,
    /// Method code (default `written`).
    #[serde(default)]
    pub method: Option<String>,
    /// `survivor` (default for adults), `guardian`, or `legal_basis` (a child whose guardian is the alleged perpetrator).
    #[serde(default)]
    pub given_by: Option<String>,
    /// The legal basis relied on when `given_by` is `legal_basis`.
    #[serde(default)]
    pub legal_basis: Option<String>,
}

/// A consent record as shown.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ConsentView {
    /// Id.
    pub id: i64,
    /// Purpose.
    pub purpose: String,
    /// Receiving agency code, if limited to one.
    pub recipient_agency: Option<String>,
    /// Given or withdrawn.
    pub given: bool,
    /// Method.
    pub method: String,
    /// Who decided.
    pub given_by: String,
    /// Legal basis when not the survivor's or guardian's decision.
    pub legal_basis: Option<String>,
    /// Recorder's username.
    pub recorded_by: String,
    /// When.
    pub recorded_at: DateTime<Utc>,
}

pub(super) fn consent_view(
    conn: &mut DbConnection,
    row: db::ConsentRow,
) -> Result<ConsentView, AppError> {
    let recipient = match row.recipient_agency_id {
        Some(id) => agencies::by_id(conn, id)?.map(|a| a.code),
        None => None,
    };
    let recorder = crate::db::users::by_id(conn, row.recorded_by)?
        .map(|u| u.username)
        .unwrap_or_default();
    Ok(view_with(row, recipient, recorder))
}

/// A consent record as answered, with its recipient's code and its recorder's username at hand.
fn view_with(row: db::ConsentRow, recipient: Option<String>, recorder: String) -> ConsentView {
    ConsentView {
        id: row.id,
        purpose: row.purpose,
        recipient_agency: recipient,
        given: row.given,
        method: row.method,
        given_by: row.given_by,
        legal_basis: row.legal_basis,
        recorded_by: recorder,
        recorded_at: crate::domain::utc(row.recorded_at),
    }
}

/// Records consent given or withdrawn.
pub fn record_consent(
    conn: &mut DbConnection,
    ctx: &Ctx,
    id: i64,
    input: ConsentInput,
) -> Result<ConsentView, AppError> {
    let actor = crate::services::actor(ctx)?.clone();
    let (row, scope) = load(conn, &actor, id, Action::CaseView)?;
    authz::can(
        &actor,
        Action::ConsentRecord,
        Resource::CaseConsent(&scope, input.purpose.trim()),
    )?;
    let child = row.age_band.as_deref().is_some_and(domain::is_child_band);
    let CheckedConsent {
        method,
        given_by,
        recipient,
    } = check_consent(conn, &input, child)?;
    let legal_basis = input
        .legal_basis
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let consent_id = conn.transaction(|conn| -> Result<i64, AppError> {
        // Handoffs are sent and answered holding the case row: a withdrawal waits for them, and
        // they see it.
        crate::db::stats::lock_case(conn, id)?;
        let consent_id = db::insert_consent(
            conn,
            id,
            &input.purpose,
            recipient,
            input.given,
            &method,
            &given_by,
            legal_basis,
            actor.user_id,
            actor.agency_id,
            ctx.now,
        )?;
        db::touch(conn, id, ctx.now)?;
        audit::record(
            conn,
            ctx,
            Event::new(AuditAction::ConsentRecorded)
                .case(id)
                .subject("consent", consent_id)
                .details(json!({
                    "purpose": input.purpose,
                    "given": input.given,
                    "recipient_agency": input.recipient_agency,
                    "method": method,
                    "given_by": given_by,
                })),
        )?;
        if !input.given {
            crate::services::handoffs::record_ended_access(conn, ctx, id)?;
        }
        Ok(consent_id)
    })?;
    let row = db::consents(conn, id)?
        .into_iter()
        .find(|c| c.id == consent_id)
        .ok_or(AppError::NotFound)?;
    consent_view(conn, row)
}

/// A consent decision's fields, checked.
struct CheckedConsent {
    /// Method code (`written` unless given).
    method: String,
    /// Who decided (`guardian` for a child, `survivor` otherwise, unless given).
    given_by: String,
    /// The receiving agency it is limited to, if any.
    recipient: Option<i64>,
}

/// Checks purpose, method, who decided (a child's consent is the guardian's, or rests on a legal
/// basis) and the receiving agency, with every problem found.
fn check_consent(
    conn: &mut DbConnection,
    input: &ConsentInput,
    child: bool,
) -> Result<CheckedConsent, AppError> {
    let mut problems = Vec::new();
    if !cls::CONSENT_PURPOSE.contains(&input.purpose) {
        problems.push(Invalid::new(
            "purpose",
            format!(
                "unknown code; expected one of {}",
                cls::CONSENT_PURPOSE.codes().join(", ")
            ),
        ));
    }
    let method = input.method.clone().unwrap_or_else(|| "written".to_owned());
    if !cls::CONSENT_METHOD.contains(&method) {
        problems.push(Invalid::new(
            "method",
            format!(
                "unknown code; expected one of {}",
                cls::CONSENT_METHOD.codes().join(", ")
            ),
        ));
    }
    let given_by = input
        .given_by
        .clone()
        .unwrap_or_else(|| if child { "guardian" } else { "survivor" }.to_owned());
    match given_by.as_str() {
        "survivor" if child => problems.push(Invalid::new(
            "given_by",
            "for a child, record the guardian's consent, or the legal basis when the guardian is the alleged perpetrator",
        )),
        "survivor" | "guardian" => {}
        "legal_basis" => {
            if input.legal_basis.as_deref().map(str::trim).is_none_or(str::is_empty) {
                problems.push(Invalid::new("legal_basis", "is required when given_by is legal_basis"));
            }
        }
        _ => problems.push(Invalid::new("given_by", "must be survivor, guardian or legal_basis")),
    }
    let recipient = match input.recipient_agency.as_deref() {
        Some(code) => match agencies::by_code(conn, code.trim())? {
            Some(agency) => Some(agency.id),
            None => {
                problems.push(Invalid::new(
                    "recipient_agency",
                    format!("unknown agency {code:?}"),
                ));
                None
            }
        },
        None => None,
    };
    if !problems.is_empty() {
        return Err(problems.into());
    }
    Ok(CheckedConsent {
        method,
        given_by,
        recipient,
    })
}

/// The consent in force for each purpose and recipient, and the full history.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Consents {
    /// The latest decision per purpose and recipient.
    pub current: Vec<ConsentView>,
    /// Every decision, oldest first.
    pub history: Vec<ConsentView>,
}

/// A case's consents.
pub fn consents(conn: &mut DbConnection, ctx: &Ctx, id: i64) -> Result<Consents, AppError> {
    let actor = crate::services::actor(ctx)?;
    let (_, scope) = load(conn, actor, id, Action::CaseView)?;
    let viewer = scope
        .holding_of(actor.agency_id)
        .map(|h| Viewer::party(actor.agency_id, &actor.agency_code, h))
        .ok_or(AppError::NotFound)?;
    let codes: BTreeMap<i64, String> = agencies::list(conn, None, i64::MAX)?
        .into_iter()
        .map(|a| (a.id, a.code))
        .collect();
    let rows: Vec<db::ConsentRow> = db::consents(conn, id)?
        .into_iter()
        .filter(|r| {
            let recipient = r.recipient_agency_id.and_then(|a| codes.get(&a));
            consent_visible(&viewer, recipient.map(String::as_str), &r.purpose)
        })
        .collect();
    let mut latest: BTreeMap<(String, Option<i64>), db::ConsentRow> = BTreeMap::new();
    for row in &rows {
        latest.insert((row.purpose.clone(), row.recipient_agency_id), row.clone());
    }
    let recorders: Vec<i64> = rows.iter().map(|r| r.recorded_by).collect();
    let names = crate::db::users::usernames_of(conn, &recorders)?;
    let view = |r: db::ConsentRow| {
        let recipient = r.recipient_agency_id.and_then(|a| codes.get(&a).cloned());
        let recorder = names.get(&r.recorded_by).cloned().unwrap_or_default();
        view_with(r, recipient, recorder)
    };
    let current = latest.into_values().map(view).collect();
    let history = rows.into_iter().map(view).collect();
    Ok(Consents { current, history })
}
