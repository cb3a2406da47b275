//! What travels with a handoff being sent: the documents the sender attaches (checked against
//! the rule's `shares` and what the sender itself reads) and the form's one-time token.

use std::collections::BTreeSet;

use crate::agreements::engine::Allowed;
use crate::authz::{Actor, CaseScope, Category};
use crate::db::DbConnection;
use crate::db::attachments;
use crate::db::cases::{self as case_db, DocumentRow};
use crate::domain::Invalid;
use crate::error::{AppError, ErrorCode};
use crate::services::document_access::readable;

/// At most this many documents travel with one handoff.
const MAX_ATTACHED: usize = 50;

/// The documents `ids` to attach to a handoff of the case of `scope` that `allowed` permits:
/// none asked, none attached; otherwise the rule must share `documents` (a 422 naming the
/// agreement, version and rule) and each must be a document of this case the sender reads
/// (a 422 naming the id; a document of another case, or one the sender may not read, is
/// answered alike, so nothing about other cases is learnt).
pub(super) fn documents_to_attach(
    conn: &mut DbConnection,
    actor: &Actor,
    scope: &CaseScope,
    ids: &[i64],
    allowed: &Allowed<'_>,
) -> Result<Vec<DocumentRow>, AppError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    if !allowed.shares.contains(&Category::Documents) {
        return Err(Invalid::new(
            "documents",
            format!(
                "agreement {} v{} handoff {} does not share documents, so none can be attached",
                allowed.agreement.id, allowed.agreement.version, allowed.rule.id
            ),
        )
        .into());
    }
    let wanted: BTreeSet<i64> = ids.iter().copied().collect();
    if wanted.len() > MAX_ATTACHED {
        return Err(Invalid::new(
            "documents",
            format!("at most {MAX_ATTACHED} documents travel with one handoff"),
        )
        .into());
    }
    let attached = attachments::of_case(conn, scope.case_id)?;
    let readable_rows: Vec<DocumentRow> = case_db::documents(conn, scope.case_id)?
        .into_iter()
        .filter(|row| wanted.contains(&row.id) && readable(actor, scope, &attached, row))
        .collect();
    if let Some(missing) = wanted
        .iter()
        .find(|id| !readable_rows.iter().any(|r| r.id == **id))
    {
        return Err(Invalid::new(
            "documents",
            format!("document {missing} is not a document of this case that you may share"),
        )
        .into());
    }
    Ok(readable_rows)
}

/// A client's idempotency key: 16–100 letters, digits, `-` or `_`.
pub(super) fn check_key(key: Option<&str>) -> Result<Option<&str>, AppError> {
    let Some(key) = key else {
        return Ok(None);
    };
    let fine = (16..=100).contains(&key.len())
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !fine {
        return Err(Invalid::new(
            "idempotency_key",
            "must be 16–100 letters, digits, '-' or '_'",
        )
        .into());
    }
    Ok(Some(key))
}

/// The handoff an earlier request with the same key created from this case, if any. A key used
/// for another case is a conflict, not a second handoff.
pub(super) fn earlier(
    conn: &mut DbConnection,
    key: Option<&str>,
    case_id: i64,
    agency_id: i64,
) -> Result<Option<i64>, AppError> {
    let Some(key) = key else {
        return Ok(None);
    };
    let Some(id) = attachments::submitted(conn, key)? else {
        return Ok(None);
    };
    match crate::db::handoffs::by_id(conn, id)? {
        Some(h) if h.case_id == case_id && h.from_agency_id == agency_id => Ok(Some(id)),
        _ => Err(AppError::Conflict {
            code: ErrorCode::HandoffDuplicate,
            detail: "This idempotency key was used for another handoff.".to_owned(),
        }),
    }
}
