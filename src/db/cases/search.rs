//! Search by blind index: the cases whose name word, NIK, passport or phone index is one of the
//! given ones (the indexes of one value under each configured key), and the upkeep of the name
//! word indexes.

use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::{case_name_tokens, case_phone_indexes, cases};

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

/// Ids of the cases whose index of `key` is one of `indexes`, ascending.
pub fn ids_by_index(
    conn: &mut DbConnection,
    key: SearchKey,
    indexes: &[String],
) -> QueryResult<Vec<i64>> {
    let mut ids: Vec<i64> = match key {
        SearchKey::Name => case_name_tokens::table
            .filter(case_name_tokens::token_index.eq_any(indexes))
            .select(case_name_tokens::case_id)
            .load(conn)?,
        SearchKey::Nik => cases::table
            .filter(cases::nik_index.eq_any(indexes))
            .select(cases::id)
            .load(conn)?,
        SearchKey::Passport => cases::table
            .filter(cases::passport_index.eq_any(indexes))
            .select(cases::id)
            .load(conn)?,
        SearchKey::Phone => case_phone_indexes::table
            .filter(case_phone_indexes::phone_index.eq_any(indexes))
            .select(case_phone_indexes::case_id)
            .load(conn)?,
    };
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
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
