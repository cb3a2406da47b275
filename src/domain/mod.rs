//! Pure domain types: no database, no HTTP, no I/O. Every validated value is built by a
//! `parse` constructor, so code that holds one never checks it again.

pub mod agency;
pub mod case;
pub mod category;
pub mod classification;
pub mod consent;
pub mod document;
pub mod email;
pub mod handoff;
pub mod holding;
pub mod letter;
pub mod password_policy;
pub mod places;
pub mod stage_owner;
pub mod text;
pub mod timeline;
pub mod user;

/// A stored UTC time (`NaiveDateTime` by convention) as a `DateTime<Utc>`, for answers.
pub fn utc(at: chrono::NaiveDateTime) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_naive_utc_and_offset(at, chrono::Utc)
}

/// A date written strictly `YYYY-MM-DD` (four-digit year, two-digit month and day), and a real one.
/// chrono's `%Y-%m-%d` alone also takes `2026-1-1` and `+2026-01-01`; every date Rujukan reads
/// goes through here instead.
pub fn parse_date(text: &str) -> Option<chrono::NaiveDate> {
    let bytes = text.as_bytes();
    let shaped = bytes.len() == 10
        && bytes.iter().enumerate().all(|(i, b)| match i {
            4 | 7 => *b == b'-',
            _ => b.is_ascii_digit(),
        });
    if !shaped {
        return None;
    }
    let number = |range: std::ops::Range<usize>| text.get(range)?.parse::<u32>().ok();
    let year = i32::try_from(number(0..4)?).ok()?;
    chrono::NaiveDate::from_ymd_opt(year, number(5..7)?, number(8..10)?)
}

/// A time as people in the province read it: `29/11/2026 10.00 WITA` in NTB (province 52), WIB
/// elsewhere (Central Java and the national bodies).
pub fn local_time(at: chrono::NaiveDateTime, province: Option<&str>) -> String {
    let (offset, zone) = if province == Some("52") {
        (8, "WITA")
    } else {
        (7, "WIB")
    };
    format!(
        "{} {zone}",
        (at + chrono::Duration::hours(offset)).format("%d/%m/%Y %H.%M")
    )
}

/// A value that failed to parse, with the field it belongs to.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct Invalid {
    /// Field name (dotted path) as clients send it.
    pub field: std::borrow::Cow<'static, str>,
    /// What is wrong, in plain words.
    pub message: String,
}

impl Invalid {
    /// A parse failure of `field`.
    pub fn new(
        field: impl Into<std::borrow::Cow<'static, str>>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// A closed vocabulary stored as text: the enum with `strum`'s conversions, serde and the OpenAPI
/// schema, plus `ALL`, `as_str` and a `parse` whose error names the field and lists the accepted
/// names. How it is stored is `db::types`.
macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident, $field:literal { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
            serde::Serialize, serde::Deserialize,
            strum::EnumString, strum::IntoStaticStr, strum::VariantArray, strum::Display,
        )]
        pub enum $name {
            $($(#[$vmeta])* #[strum(serialize = $text)] #[serde(rename = $text)] $variant),+
        }

        // The schema lists the stored names (a derived schema would list the variant names: the
        // `serde(rename)` above reaches it through the macro as an opaque token).
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::schema::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .enum_values(Some([$($text),+]))
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {}

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = <$name as strum::VariantArray>::VARIANTS;

            /// The stored and transmitted name.
            pub fn as_str(self) -> &'static str {
                self.into()
            }

            /// Parses a name; the error lists the accepted names.
            pub fn parse(text: &str) -> Result<Self, $crate::domain::Invalid> {
                text.parse().map_err(|_| {
                    $crate::domain::Invalid::new(
                        $field,
                        format!(
                            "unknown value {text:?}; expected one of {}",
                            [$($text),+].join(", ")
                        ),
                    )
                })
            }
        }
    };
}
pub(crate) use vocabulary;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_strictly_yyyy_mm_dd() {
        let day = chrono::NaiveDate::from_ymd_opt(2026, 1, 1);
        assert_eq!(parse_date("2026-01-01"), day);
        assert_eq!(
            parse_date("2024-02-29"),
            chrono::NaiveDate::from_ymd_opt(2024, 2, 29)
        );
        for bad in [
            "2026-1-1",
            "2026-01-1",
            "+2026-01-01",
            "02026-01-01",
            " 2026-01-01",
            "2026-01-01 ",
            "2026/01/01",
            "2026-13-01",
            "2025-02-29",
            "2026-00-10",
            "26-01-01",
            "",
            "2026-01-01T00:00:00Z",
            "２０２６-01-01",
        ] {
            assert_eq!(parse_date(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn times_are_shown_in_the_province_zone() {
        let at = chrono::NaiveDate::from_ymd_opt(2026, 11, 28)
            .and_then(|d| d.and_hms_opt(17, 30, 0))
            .unwrap_or_default();
        assert_eq!(local_time(at, Some("33")), "29/11/2026 00.30 WIB");
        assert_eq!(local_time(at, None), "29/11/2026 00.30 WIB");
        assert_eq!(local_time(at, Some("52")), "29/11/2026 01.30 WITA", "NTB");
    }
}
