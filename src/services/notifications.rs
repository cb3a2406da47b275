//! Who is told about a handoff, in the transaction of the event: the receiving agency of a new
//! handoff or a withdrawal, the sender of a decision, the receiver whose access ended. Messages
//! name the case number and agencies only, never identity (`notify::templates`).

use chrono::NaiveDateTime;

use crate::db::DbConnection;
use crate::db::agencies::AgencyRow;
use crate::db::cases as case_db;
use crate::db::handoffs::HandoffRow;
use crate::domain::handoff::HandoffStatus;
use crate::domain::local_time;
use crate::error::AppError;
use crate::notify::{self, HANDOFF_ROLES, templates::Params};

/// The e-mail parameters of a handoff: case number, agencies (codes and names), kind, and the
/// receiver's province (its clocks are shown in the receiver's time zone). Never identity.
pub(crate) fn handoff_params(
    conn: &mut DbConnection,
    row: &HandoffRow,
) -> Result<Params, AppError> {
    let case_number = case_db::by_id(conn, row.case_id)?
        .map(|c| c.case_number)
        .unwrap_or_default();
    let sender = crate::db::agencies::by_id(conn, row.from_agency_id)?;
    let receiver = crate::db::agencies::by_id(conn, row.to_agency_id)?;
    Ok(params_of(
        row,
        case_number,
        sender.as_ref(),
        receiver.as_ref(),
    ))
}

/// [`handoff_params`] from rows the caller holds already.
pub(crate) fn params_of(
    row: &HandoffRow,
    case_number: String,
    sender: Option<&AgencyRow>,
    receiver: Option<&AgencyRow>,
) -> Params {
    Params {
        case_number,
        case_id: row.case_id,
        handoff_id: Some(row.id),
        handoff_kind: Some(row.kind.as_str().to_owned()),
        from_agency: Some(sender.map(|a| a.code.clone()).unwrap_or_default()),
        from_agency_name: sender.map(|a| a.name.clone()),
        to_agency: receiver.map(|a| a.code.clone()),
        to_agency_name: receiver.map(|a| a.name.clone()),
        province: receiver.and_then(|a| a.province.clone()),
        ..Params::default()
    }
}

/// Tells the receiving agency about a new handoff; call in the handoff's transaction.
pub fn notify_sent(
    conn: &mut DbConnection,
    row: &HandoffRow,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    let params = handoff_params(conn, row)?;
    notify_sent_with(conn, row, &params, now)
}

/// [`notify_sent`] with the handoff's e-mail parameters in hand ([`params_of`]).
pub fn notify_sent_with(
    conn: &mut DbConnection,
    row: &HandoffRow,
    params: &Params,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    let mut params = params.clone();
    params.due = row
        .respond_by
        .map(|at| local_time(at, params.province.as_deref()));
    notify::tell_agency(
        conn,
        "handoff.received",
        row.to_agency_id,
        &HANDOFF_ROLES,
        &params,
        now,
    )?;
    Ok(())
}

/// Tells the sender who sent it about a decision (the receiving agency about a withdrawal), with
/// the reason of a decline or withdrawal and the outcome of a completion; call in the decision's
/// transaction.
pub fn notify_decided(
    conn: &mut DbConnection,
    row: &HandoffRow,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    let params = handoff_params(conn, row)?;
    notify_decided_with(conn, row, params, now)
}

/// [`notify_decided`] with the handoff's e-mail parameters in hand ([`params_of`]).
pub fn notify_decided_with(
    conn: &mut DbConnection,
    row: &HandoffRow,
    mut params: Params,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    params.decision = Some(row.status.as_str().to_owned());
    match row.status {
        HandoffStatus::Declined | HandoffStatus::Withdrawn => {
            params.reason.clone_from(&row.decision_reason);
        }
        HandoffStatus::Completed => params.outcome.clone_from(&row.outcome),
        _ => {}
    }
    if row.status == HandoffStatus::Withdrawn {
        notify::tell_agency(
            conn,
            "handoff.decided",
            row.to_agency_id,
            &HANDOFF_ROLES,
            &params,
            now,
        )?;
    } else {
        notify::tell_user(conn, "handoff.decided", row.created_by, &params, now)?;
    }
    Ok(())
}

/// Tells a receiving agency that its access ended (a withdrawn consent, or the end of the access
/// an onward handoff derived from); call in the transaction that ended it.
pub fn notify_access_ended(
    conn: &mut DbConnection,
    row: &HandoffRow,
    why: crate::domain::holding::Ended,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    let params = handoff_params(conn, row)?;
    let kind = match why {
        crate::domain::holding::Ended::ConsentWithdrawn => "consent.withdrawn",
        _ => "access.ended",
    };
    notify::tell_agency(conn, kind, row.to_agency_id, &HANDOFF_ROLES, &params, now)?;
    Ok(())
}
