//! Search by blind index: the cases whose name word, NIK, passport or phone index is one of the
//! given ones (the indexes of one value under each configured key), and the upkeep of the name
//! word indexes.

use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::{case_name_tokens, case_phone_indexes};

/// A kind of search key, each with its own blind index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchKey {
    /// One word of the survivor's name.
    Name,
    /// NIK.
    Nik,
    /// Passport number.
    Passport,
    /// Phone number.
    Phone,
}

impl SearchKey {
    /// The code of the kind (query parameter, audit details).
    pub fn code(self) -> &'static str {
        match self {
            SearchKey::Name => "name",
            SearchKey::Nik => "nik",
            SearchKey::Passport => "passport",
            SearchKey::Phone => "phone",
        }
    }
}

/// Replaces the search indexes of a case: the words of the name and the phone.
pub fn replace_search_indexes(
    conn: &mut DbConnection,
    case_id: i64,
    names: &[String],
    phone: Option<&str>,
) -> QueryResult<()> {
    diesel::delete(case_phone_indexes::table.find(case_id)).execute(conn)?;
    if let Some(phone) = phone {
        diesel::insert_into(case_phone_indexes::table)
            .values((
                case_phone_indexes::case_id.eq(case_id),
                case_phone_indexes::phone_index.eq(phone),
            ))
            .execute(conn)?;
    }
    diesel::delete(case_name_tokens::table.filter(case_name_tokens::case_id.eq(case_id)))
        .execute(conn)?;
    let mut seen: Vec<&String> = Vec::new();
    for index in names {
        if seen.contains(&index) {
            continue;
        }
        seen.push(index);
        diesel::insert_into(case_name_tokens::table)
            .values((
                case_name_tokens::case_id.eq(case_id),
                case_name_tokens::token_index.eq(index),
            ))
            .execute(conn)?;
    }
    Ok(())
}
