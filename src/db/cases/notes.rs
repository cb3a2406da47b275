//! Notes on a case, each seen by the agency that wrote it.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::case_notes;

/// A note row.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = case_notes)]
pub struct NoteRow {
    /// Id.
    pub id: i64,
    /// Case.
    pub case_id: i64,
    /// Agency.
    pub agency_id: i64,
    /// Author.
    pub author_id: i64,
    /// Encrypted text.
    pub body_ciphertext: String,
    /// Key id.
    pub key_id: String,
    /// When.
    pub created_at: NaiveDateTime,
}

/// Adds a note; returns its id.
pub fn insert_note(
    conn: &mut DbConnection,
    case_id: i64,
    agency_id: i64,
    author_id: i64,
    sealed: &str,
    key_id: &str,
    now: NaiveDateTime,
) -> QueryResult<i64> {
    diesel::insert_into(case_notes::table)
        .values((
            case_notes::case_id.eq(case_id),
            case_notes::agency_id.eq(agency_id),
            case_notes::author_id.eq(author_id),
            case_notes::body_ciphertext.eq(sealed),
            case_notes::key_id.eq(key_id),
            case_notes::created_at.eq(now),
        ))
        .returning(case_notes::id)
        .get_result(conn)
}

/// The notes one agency wrote on a case, oldest first.
pub fn notes_of_agency(
    conn: &mut DbConnection,
    case_id: i64,
    agency_id: i64,
) -> QueryResult<Vec<NoteRow>> {
    case_notes::table
        .filter(case_notes::case_id.eq(case_id))
        .filter(case_notes::agency_id.eq(agency_id))
        .order(case_notes::id.asc())
        .select(NoteRow::as_select())
        .load(conn)
}
