//! Refused access leaves a trace: a read or change of a case, handoff or document that was
//! answered 404 or 403 is recorded as `access.denied`, in the case's stream when the case exists
//! (its supervisors see it in the access log) and in the system stream otherwise (auditors find
//! it in the search). Which requests are recorded, and how often, is the HTTP layer's decision
//! (`http::denials`).

use diesel::Connection;
use serde_json::json;

use crate::audit::{self, AuditAction, Ctx, Event};
use crate::db::{DbConnection, cases, handoffs};
use crate::error::AppError;

/// What a refused request was about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Subject {
    /// A case (by id).
    Case(i64),
    /// A handoff (by id).
    Handoff(i64),
    /// A document (by id) of a case (by id).
    Document {
        /// The case in the path.
        case_id: i64,
        /// The document.
        document_id: i64,
    },
}

impl Subject {
    /// The subject's type and id as the audit trail names them.
    pub fn parts(self) -> (&'static str, i64) {
        match self {
            Subject::Case(id) => ("case", id),
            Subject::Handoff(id) => ("handoff", id),
            Subject::Document { document_id, .. } => ("document", document_id),
        }
    }
}

/// The refused request: route pattern (never the raw path), method and status.
#[derive(Debug, Clone)]
pub struct Refusal {
    /// Route pattern, e.g. `/api/v1/cases/{id}`.
    pub route: String,
    /// HTTP method.
    pub method: String,
    /// 403 or 404.
    pub status: u16,
}

/// Records one refused access of `ctx`'s actor.
pub fn record(
    conn: &mut DbConnection,
    ctx: &Ctx,
    subject: Subject,
    refusal: &Refusal,
) -> Result<(), AppError> {
    let case_id = match subject {
        Subject::Case(id) | Subject::Document { case_id: id, .. } => {
            cases::by_id(conn, id)?.map(|c| c.id)
        }
        Subject::Handoff(id) => handoffs::by_id(conn, id)?.map(|h| h.case_id),
    };
    let (kind, id) = subject.parts();
    let mut event = Event::new(AuditAction::AccessDenied)
        .subject(kind, id)
        .details(json!({
            "route": refusal.route,
            "method": refusal.method,
            "status": refusal.status,
            "subject": {"type": kind, "id": id},
        }));
    if let Some(case_id) = case_id {
        event = event.case(case_id);
    }
    conn.transaction(|conn| audit::record(conn, ctx, event))?;
    Ok(())
}
