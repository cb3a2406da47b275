//! Documents uploaded to a case (their rows; the content files are kept apart).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::documents;

/// A document row.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = documents)]
pub struct DocumentRow {
    /// Id.
    pub id: i64,
    /// Case.
    pub case_id: i64,
    /// Agency.
    pub agency_id: i64,
    /// Uploader.
    pub uploaded_by: i64,
    /// Encrypted file name.
    pub filename_ciphertext: String,
    /// Id of the key that sealed the file name (the content file opens under any configured key).
    pub key_id: String,
    /// Media type.
    pub content_type: String,
    /// Size.
    pub size_bytes: i64,
    /// SHA-256, hex.
    pub sha256: String,
    /// When.
    pub created_at: NaiveDateTime,
}

/// Records an uploaded document; returns its id.
#[expect(
    clippy::too_many_arguments,
    reason = "one value per column of the document row"
)]
pub fn insert_document(
    conn: &mut DbConnection,
    case_id: i64,
    agency_id: i64,
    uploaded_by: i64,
    sealed_name: &str,
    key_id: &str,
    content_type: &str,
    size_bytes: i64,
    sha256: &str,
    now: NaiveDateTime,
) -> QueryResult<i64> {
    diesel::insert_into(documents::table)
        .values((
            documents::case_id.eq(case_id),
            documents::agency_id.eq(agency_id),
            documents::uploaded_by.eq(uploaded_by),
            documents::filename_ciphertext.eq(sealed_name),
            documents::key_id.eq(key_id),
            documents::content_type.eq(content_type),
            documents::size_bytes.eq(size_bytes),
            documents::sha256.eq(sha256),
            documents::created_at.eq(now),
        ))
        .returning(documents::id)
        .get_result(conn)
}

/// The documents of a case, oldest first.
pub fn documents(conn: &mut DbConnection, case_id: i64) -> QueryResult<Vec<DocumentRow>> {
    documents::table
        .filter(documents::case_id.eq(case_id))
        .order(documents::id.asc())
        .select(DocumentRow::as_select())
        .load(conn)
}

/// One document of a case.
pub fn document(
    conn: &mut DbConnection,
    case_id: i64,
    id: i64,
) -> QueryResult<Option<DocumentRow>> {
    documents::table
        .filter(documents::case_id.eq(case_id))
        .filter(documents::id.eq(id))
        .select(DocumentRow::as_select())
        .first(conn)
        .optional()
}

/// The distinct SHA-256 of stored documents above `after`, in order, at most `limit` (each names
/// one content file).
pub fn document_hashes_after(
    conn: &mut DbConnection,
    after: &str,
    limit: i64,
) -> QueryResult<Vec<String>> {
    documents::table
        .filter(documents::sha256.gt(after))
        .select(documents::sha256)
        .distinct()
        .order(documents::sha256.asc())
        .limit(limit)
        .load(conn)
}
