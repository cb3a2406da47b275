//! Sealed values of cases read and replaced in batches when the keys rotate: identities, notes
//! and document file names.

use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::{case_notes, cases, documents};

pub use crate::db::SealedRow;

/// Case identities with ids above `after` sealed under another key than `key_id`, in id order.
pub fn identities_not_under(
    conn: &mut DbConnection,
    key_id: &str,
    after: i64,
    limit: i64,
) -> QueryResult<Vec<SealedRow>> {
    cases::table
        .filter(cases::id.gt(after))
        .filter(cases::identity_key_id.ne(key_id))
        .order(cases::id.asc())
        .limit(limit)
        .select((
            cases::id,
            cases::identity_ciphertext,
            cases::identity_key_id,
        ))
        .load(conn)
}

/// Replaces a case's sealed identity and its blind indexes, provided the identity is still
/// `old` (a change in between wins); neither the version nor the change time moves, since the
/// identity itself is the same. Returns whether it was replaced.
pub fn reseal_identity(
    conn: &mut DbConnection,
    id: i64,
    old: &str,
    sealed: &SealedIdentity<'_>,
) -> QueryResult<bool> {
    let changed = diesel::update(
        cases::table
            .find(id)
            .filter(cases::identity_ciphertext.eq(old)),
    )
    .set((
        cases::identity_ciphertext.eq(sealed.ciphertext),
        cases::identity_key_id.eq(sealed.key_id),
        cases::nik_index.eq(sealed.nik_index),
        cases::passport_index.eq(sealed.passport_index),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// A case identity sealed again, with its blind indexes under the same key.
#[derive(Debug, Clone, Copy)]
pub struct SealedIdentity<'a> {
    /// The new ciphertext.
    pub ciphertext: &'a str,
    /// The key it is sealed under.
    pub key_id: &'a str,
    /// NIK blind index under that key.
    pub nik_index: Option<&'a str>,
    /// Passport blind index under that key.
    pub passport_index: Option<&'a str>,
}

/// Case identities with ids above `after` sealed under the key `key_id`, in id order (what
/// `keys reindex` rebuilds the blind indexes of).
pub fn identities_under(
    conn: &mut DbConnection,
    key_id: &str,
    after: i64,
    limit: i64,
) -> QueryResult<Vec<SealedRow>> {
    cases::table
        .filter(cases::id.gt(after))
        .filter(cases::identity_key_id.eq(key_id))
        .order(cases::id.asc())
        .limit(limit)
        .select((
            cases::id,
            cases::identity_ciphertext,
            cases::identity_key_id,
        ))
        .load(conn)
}

/// Notes with ids above `after` sealed under another key than `key_id`, in id order.
pub fn notes_not_under(
    conn: &mut DbConnection,
    key_id: &str,
    after: i64,
    limit: i64,
) -> QueryResult<Vec<SealedRow>> {
    case_notes::table
        .filter(case_notes::id.gt(after))
        .filter(case_notes::key_id.ne(key_id))
        .order(case_notes::id.asc())
        .limit(limit)
        .select((
            case_notes::id,
            case_notes::body_ciphertext,
            case_notes::key_id,
        ))
        .load(conn)
}

/// Replaces a note's sealed text, provided it is still `old`; returns whether it was replaced.
pub fn reseal_note(
    conn: &mut DbConnection,
    id: i64,
    old: &str,
    ciphertext: &str,
    key_id: &str,
) -> QueryResult<bool> {
    let changed = diesel::update(
        case_notes::table
            .find(id)
            .filter(case_notes::body_ciphertext.eq(old)),
    )
    .set((
        case_notes::body_ciphertext.eq(ciphertext),
        case_notes::key_id.eq(key_id),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Document file names with ids above `after` sealed under another key than `key_id`, in id order.
pub fn document_names_not_under(
    conn: &mut DbConnection,
    key_id: &str,
    after: i64,
    limit: i64,
) -> QueryResult<Vec<SealedRow>> {
    documents::table
        .filter(documents::id.gt(after))
        .filter(documents::key_id.ne(key_id))
        .order(documents::id.asc())
        .limit(limit)
        .select((
            documents::id,
            documents::filename_ciphertext,
            documents::key_id,
        ))
        .load(conn)
}

/// Replaces a document's sealed file name, provided it is still `old`; returns whether it was.
pub fn reseal_document_name(
    conn: &mut DbConnection,
    id: i64,
    old: &str,
    ciphertext: &str,
    key_id: &str,
) -> QueryResult<bool> {
    let changed = diesel::update(
        documents::table
            .find(id)
            .filter(documents::filename_ciphertext.eq(old)),
    )
    .set((
        documents::filename_ciphertext.eq(ciphertext),
        documents::key_id.eq(key_id),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}
