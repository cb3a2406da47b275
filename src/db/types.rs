//! How typed values are stored: each closed vocabulary as TEXT (one `FromSql` and `Queryable`
//! each, failing loudly on a value the vocabulary does not know, never defaulting), and JSON kept
//! as TEXT as [`JsonText`]. The domain types stay free of diesel; writes store `as_str()`.

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, Queryable};
use diesel::sql_types::Text;

use crate::agreements::HandoffKind;
use crate::domain::case::CaseStatus;
use crate::domain::handoff::HandoffStatus;
use crate::domain::user::Role;

/// Reads TEXT columns holding one of a vocabulary's names.
macro_rules! stored_as_text {
    ($($type:ty),+ $(,)?) => {$(
        impl<DB: Backend> FromSql<Text, DB> for $type
        where
            String: FromSql<Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
                let text = String::from_sql(bytes)?;
                <$type>::parse(&text).map_err(|e| {
                    format!("stored {} {text:?} is not in the vocabulary: {}", stringify!($type), e.message).into()
                })
            }
        }

        impl<DB: Backend> Queryable<Text, DB> for $type
        where
            Self: FromSql<Text, DB>,
        {
            type Row = Self;

            fn build(row: Self) -> deserialize::Result<Self> {
                Ok(row)
            }
        }
    )+};
}

stored_as_text!(HandoffStatus, HandoffKind, CaseStatus, Role);

/// JSON stored as TEXT. Reading text that is not the expected JSON is an error (500, logged), never
/// a silent default.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct JsonText<T>(pub T);

impl<T, DB> FromSql<Text, DB> for JsonText<T>
where
    DB: Backend,
    String: FromSql<Text, DB>,
    T: serde::de::DeserializeOwned,
{
    fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
        let text = String::from_sql(bytes)?;
        serde_json::from_str(&text)
            .map(JsonText)
            .map_err(|e| format!("stored JSON {text:?} does not read: {e}").into())
    }
}

impl<T, DB> Queryable<Text, DB> for JsonText<T>
where
    DB: Backend,
    Self: FromSql<Text, DB>,
{
    type Row = Self;

    fn build(row: Self) -> deserialize::Result<Self> {
        Ok(row)
    }
}

impl<T: serde::Serialize> JsonText<T> {
    /// The JSON text to store.
    pub fn to_text(&self) -> String {
        serde_json::to_string(&self.0).unwrap_or_else(|_| "null".to_owned())
    }
}
