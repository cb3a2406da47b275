//! Form plumbing shared by the pages: reading an `application/x-www-form-urlencoded` body with
//! repeated fields (check boxes), keeping what the user typed, and turning the services' field
//! errors into messages in the user's language, keyed by the field they belong to.

use std::collections::BTreeMap;

use super::i18n::Texts;
use crate::domain::classification::List;
use crate::error::{AppError, FieldError};

/// The fields of a submitted form, in order, repeated names kept (check boxes).
#[derive(Debug, Default, Clone)]
pub struct Fields(Vec<(String, String)>);

impl Fields {
    /// Parses a URL-encoded body.
    pub fn parse(body: &[u8]) -> Self {
        Self(
            form_urlencoded::parse(body)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    /// Fields from name–value pairs (a form filled with what is stored).
    pub fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        Self(pairs)
    }

    /// The first value of `name`, trimmed, if not empty.
    pub fn one(&self, name: &str) -> Option<String> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    }

    /// Every non-empty value of `name`.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, v)| k == name && !v.trim().is_empty())
            .map(|(_, v)| v.trim().to_owned())
            .collect()
    }

    /// What the user typed in `name`, for refilling the form.
    pub fn val(&self, name: &str) -> String {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }

    /// Whether `code` was chosen in `name` (select or check box).
    pub fn has(&self, name: &str, code: impl AsRef<str>) -> bool {
        self.0.iter().any(|(k, v)| k == name && v == code.as_ref())
    }

    /// Drops `name` (a password is never sent back to the browser).
    pub fn forget(&mut self, name: &str) {
        self.0.retain(|(k, _)| k != name);
    }

    /// The CSRF token sent with the form.
    pub fn csrf(&self) -> String {
        self.val("csrf_token")
    }
}

/// What was typed in one of several forms on a page: values show only in the form they came from.
#[derive(Debug, Default)]
pub struct Typed {
    /// The form the values came from.
    pub form: String,
    /// The values.
    pub fields: Fields,
}

impl Typed {
    /// What was typed in `name` of `form`.
    pub fn val(&self, form: &str, name: &str) -> String {
        if self.form == form {
            self.fields.val(name)
        } else {
            String::new()
        }
    }

    /// Whether `code` was chosen in `name` of `form`.
    pub fn has(&self, form: &str, name: &str, code: impl AsRef<str>) -> bool {
        self.form == form && self.fields.has(name, code)
    }
}

/// Messages next to fields, in the user's language.
#[derive(Debug, Default, Clone)]
pub struct Errors(BTreeMap<String, String>);

impl Errors {
    /// The message for `field`, if any.
    pub fn at(&self, field: &str) -> Option<&String> {
        self.0.get(field)
    }

    /// Every `(field, message)`, for the summary at the top of a form.
    pub fn entries(&self) -> Vec<(&String, &String)> {
        self.0
            .iter()
            .filter(|(field, _)| *field != "form")
            .collect()
    }

    /// Whether there is no message.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Adds a message.
    pub fn add(&mut self, field: &str, message: String) {
        self.0.entry(field.to_owned()).or_insert(message);
    }
}

/// The form field a service's field path belongs to: indexes dropped, `incidents` → `incident`
/// (the form takes one incident).
pub fn form_field(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut skipping = false;
    for ch in path.chars() {
        match ch {
            '[' => skipping = true,
            ']' => skipping = false,
            _ if !skipping => out.push(ch),
            _ => {}
        }
    }
    match out.strip_prefix("incidents") {
        Some(rest) => format!("incident{rest}"),
        None => out,
    }
}

/// The service's field errors as messages next to the form's fields: the field's own text
/// (`field.<name>`) in the user's language where there is one, else a general one.
pub fn localize(t: &Texts, problems: &[FieldError]) -> Errors {
    let mut errors = Errors::default();
    for problem in problems {
        let field = form_field(&problem.field);
        let key = format!("field.{field}");
        let text = t.get(&key);
        let message = if text == key {
            format!("{} ({})", t.get("field.generic"), problem.message)
        } else {
            text
        };
        errors.add(&field, message);
    }
    errors
}

/// The field errors of a failed service call, if it failed on its input.
pub fn field_errors(t: &Texts, error: &AppError) -> Option<Errors> {
    match error {
        AppError::Validation(problems) => Some(localize(t, problems)),
        _ => None,
    }
}

/// One option of a select list or a check box group.
#[derive(Debug, Clone)]
pub struct Choice {
    /// The stored code.
    pub code: &'static str,
    /// Its label in the user's language.
    pub label: String,
}

/// The terms of a classification list as choices.
pub fn choices(t: &Texts, list: &List) -> Vec<Choice> {
    list.terms
        .iter()
        .map(|term| Choice {
            code: term.code,
            label: super::label(t, term),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_paths_map_to_form_fields() {
        assert_eq!(form_field("survivor.nik"), "survivor.nik");
        assert_eq!(form_field("incidents[0].date"), "incident.date");
        assert_eq!(form_field("incidents[0].forms[2]"), "incident.forms");
        assert_eq!(form_field("legal_basis[1]"), "legal_basis");
    }

    #[test]
    fn repeated_fields_are_kept_and_blank_ones_dropped() {
        let f = Fields::parse(b"a=1&b=x&b=y&b=&c=+hi+");
        assert_eq!(f.all("b"), vec!["x", "y"]);
        assert_eq!(f.one("c").as_deref(), Some("hi"));
        assert_eq!(f.one("missing"), None);
        assert!(f.has("b", "y") && !f.has("b", "z"));
        assert_eq!(f.val("c"), " hi ");
    }

    #[test]
    fn field_errors_speak_the_users_language_with_a_general_fallback() {
        let problems = vec![
            FieldError {
                field: "survivor.nik".into(),
                message: "must be 16 digits".into(),
            },
            FieldError {
                field: "no.such".into(),
                message: "odd".into(),
            },
        ];
        let id = localize(&Texts::new(super::super::i18n::Lang::Id), &problems);
        assert!(
            id.at("survivor.nik")
                .is_some_and(|m| m.contains("16 angka"))
        );
        let en = localize(&Texts::new(super::super::i18n::Lang::En), &problems);
        assert!(
            en.at("survivor.nik")
                .is_some_and(|m| m.contains("16 digits"))
        );
        assert!(id.at("no.such").is_some_and(|m| m.contains("odd")));
    }
}
