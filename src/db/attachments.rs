//! Queries on what travels with a handoff: the documents attached to it (`handoff_documents`) and
//! the one-time tokens of send forms (`handoff_submissions`).

use diesel::prelude::*;

use super::DbConnection;
use super::cases::DocumentRow;
use super::schema::{documents, handoff_documents, handoff_submissions, handoffs};

/// Attaches documents to a handoff (ids already checked to be of its case).
pub fn attach(conn: &mut DbConnection, handoff_id: i64, document_ids: &[i64]) -> QueryResult<()> {
    // One row per statement: a batch insert is not portable across the two backends.
    for document_id in document_ids {
        diesel::insert_into(handoff_documents::table)
            .values((
                handoff_documents::handoff_id.eq(handoff_id),
                handoff_documents::document_id.eq(*document_id),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The documents attached to a handoff, in upload order.
pub fn attached(conn: &mut DbConnection, handoff_id: i64) -> QueryResult<Vec<DocumentRow>> {
    handoff_documents::table
        .inner_join(documents::table)
        .filter(handoff_documents::handoff_id.eq(handoff_id))
        .order(documents::id.asc())
        .select(DocumentRow::as_select())
        .load(conn)
}

/// Every attachment of a case's handoffs, as (document id, handoff id) pairs.
pub fn of_case(conn: &mut DbConnection, case_id: i64) -> QueryResult<Vec<(i64, i64)>> {
    handoff_documents::table
        .inner_join(handoffs::table)
        .filter(handoffs::case_id.eq(case_id))
        .select((
            handoff_documents::document_id,
            handoff_documents::handoff_id,
        ))
        .load(conn)
}

/// The handoff a send form's token created, if one did.
pub fn submitted(conn: &mut DbConnection, token: &str) -> QueryResult<Option<i64>> {
    handoff_submissions::table
        .find(token)
        .select(handoff_submissions::handoff_id)
        .first(conn)
        .optional()
}

/// Records that a send form's token created `handoff_id`.
pub fn record_submission(conn: &mut DbConnection, token: &str, handoff_id: i64) -> QueryResult<()> {
    diesel::insert_into(handoff_submissions::table)
        .values((
            handoff_submissions::token.eq(token),
            handoff_submissions::handoff_id.eq(handoff_id),
        ))
        .execute(conn)
        .map(|_| ())
}

/// The documents attached to each of `handoff_ids` (a page's worth), in one statement.
pub fn attached_to_each(
    conn: &mut DbConnection,
    handoff_ids: &[i64],
) -> QueryResult<Vec<(i64, DocumentRow)>> {
    handoff_documents::table
        .inner_join(documents::table)
        .filter(handoff_documents::handoff_id.eq_any(handoff_ids.to_vec()))
        .order(documents::id.asc())
        .select((handoff_documents::handoff_id, DocumentRow::as_select()))
        .load(conn)
}
