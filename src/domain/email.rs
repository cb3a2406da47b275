//! E-mail addresses, checked for shape.

use super::Invalid;

/// An e-mail address, checked for shape only (one `@`, a dotted domain, no spaces).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EmailAddress(String);

impl EmailAddress {
    /// Parses an address.
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        let text = text.trim();
        let ok = text.len() <= 254
            && !text.chars().any(|c| c.is_whitespace() || c.is_control())
            && match text.split_once('@') {
                Some((local, domain)) => {
                    !local.is_empty()
                        && !domain.contains('@')
                        && domain.contains('.')
                        && !domain.starts_with('.')
                        && !domain.ends_with('.')
                }
                None => false,
            };
        if ok {
            Ok(Self(text.to_owned()))
        } else {
            Err(Invalid::new("email", "is not an e-mail address"))
        }
    }

    /// The address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
