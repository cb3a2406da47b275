//! Interface texts in Bahasa Indonesia (the default) and English, from `locales/{id,en}.toml`
//! compiled into the binary. A test fails when a key is missing from either language or a template
//! uses a key that neither has.

use std::collections::BTreeMap;
use std::sync::OnceLock;

/// A language of the interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// Bahasa Indonesia (default).
    Id,
    /// English.
    En,
}

impl Lang {
    /// `id` or `en`; anything else is Indonesian.
    pub fn parse(code: &str) -> Self {
        if code == "en" { Lang::En } else { Lang::Id }
    }

    /// The code, for `<html lang>` and cookies.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Id => "id",
            Lang::En => "en",
        }
    }
}

type Catalog = BTreeMap<String, String>;

fn parse(text: &str) -> Catalog {
    toml::from_str(text).unwrap_or_default()
}

fn catalogs() -> &'static (Catalog, Catalog) {
    static CATALOGS: OnceLock<(Catalog, Catalog)> = OnceLock::new();
    CATALOGS.get_or_init(|| {
        (
            parse(include_str!("../../locales/id.toml")),
            parse(include_str!("../../locales/en.toml")),
        )
    })
}

/// The texts of one language, as templates use them: `t.get("login.title")`.
#[derive(Debug, Clone, Copy)]
pub struct Texts {
    /// The language.
    pub lang: Lang,
}

impl Texts {
    /// The texts of `lang`.
    pub fn new(lang: Lang) -> Self {
        Self { lang }
    }

    /// The text for `key` (the key itself if missing, which the tests rule out).
    pub fn get(&self, key: &str) -> String {
        let (id, en) = catalogs();
        let catalog = match self.lang {
            Lang::Id => id,
            Lang::En => en,
        };
        catalog.get(key).cloned().unwrap_or_else(|| key.to_owned())
    }

    /// The name of a role (`court_clerk` → "Panitera pengadilan").
    pub fn role(&self, code: &str) -> String {
        self.named("role", code)
    }

    /// The name of an agency kind (`police` → "Kepolisian").
    pub fn agency_kind(&self, code: &str) -> String {
        self.named("agency_kind", code)
    }

    /// The name of a province, regency/city or country code (`33` → "Jawa Tengah", `SA` →
    /// "Arab Saudi"); the code itself when the lists do not have it.
    pub fn place(&self, code: &str) -> String {
        crate::domain::places::name(code, self.lang == Lang::En)
    }

    /// The text of `{prefix}.{code}`, or the code when there is none.
    fn named(&self, prefix: &str, code: &str) -> String {
        let key = format!("{prefix}.{code}");
        let text = self.get(&key);
        if text == key { code.to_owned() } else { text }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_have_every_key_and_templates_use_only_known_ones() {
        let (id, en) = catalogs();
        assert!(!id.is_empty() && !en.is_empty(), "both catalogs parse");
        let missing_en: Vec<&String> = id.keys().filter(|k| !en.contains_key(*k)).collect();
        let missing_id: Vec<&String> = en.keys().filter(|k| !id.contains_key(*k)).collect();
        assert!(missing_en.is_empty(), "missing in en.toml: {missing_en:?}");
        assert!(missing_id.is_empty(), "missing in id.toml: {missing_id:?}");
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/templates");
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
            for used in text.split("t.get(\"").skip(1) {
                let key = used.split('"').next().unwrap_or_default();
                assert!(
                    id.contains_key(key),
                    "{} uses unknown key {key}",
                    entry.path().display()
                );
            }
        }
        // Every event a timeline can show has a label in both languages.
        for action in crate::audit::AuditAction::ALL {
            let code = action.as_str();
            if code.starts_with("auth.")
                || code.starts_with("user.")
                || code.starts_with("agency.")
                || crate::domain::timeline::READ_ACTIONS.contains(&code)
            {
                continue;
            }
            assert!(
                id.contains_key(&format!("event.{code}")),
                "no label for event {code}"
            );
        }
        // Keys the pages build from codes: handoff statuses, agreement conditions, who gave consent.
        let built = crate::domain::handoff::HandoffStatus::ALL
            .iter()
            .map(|s| format!("handoff.status.{}", s.as_str()))
            .chain(
                crate::domain::category::Category::ALL
                    .iter()
                    .map(|c| format!("category.{}", c.as_str())),
            )
            .chain(
                [
                    "no_such_handoff",
                    "agreement_not_in_force",
                    "sender_not_party",
                    "receiver_not_party",
                    "sender_kind_not_allowed",
                    "receiver_kind_not_allowed",
                    "same_agency",
                    "consent_missing",
                    "override_not_allowed",
                    "override_needs_supervisor",
                    "fact_missing",
                    "case_closed",
                ]
                .iter()
                .map(|c| format!("condition.{c}")),
            )
            .chain(
                ["survivor", "guardian", "legal_basis"]
                    .iter()
                    .map(|b| format!("consent.by.{b}")),
            );
        let built = built.chain(crate::stats::catalog::INDICATORS.iter().flat_map(|i| {
            std::iter::once(format!("stats.ind.{}", i.code)).chain(
                i.dimension_codes()
                    .into_iter()
                    .map(|d| format!("stats.dim.{d}")),
            )
        }));
        for key in built {
            assert!(id.contains_key(&key), "no text for {key}");
        }
        for role in crate::domain::user::Role::ALL {
            assert!(
                id.contains_key(&format!("role.{}", role.as_str())),
                "role {role}"
            );
        }
        for kind in crate::domain::agency::AgencyKind::ALL {
            assert!(
                id.contains_key(&format!("agency_kind.{}", kind.as_str())),
                "kind {kind}"
            );
        }
        assert_eq!(
            Texts::new(Lang::Id).role("court_clerk"),
            "Panitera pengadilan"
        );
        assert_eq!(Texts::new(Lang::En).agency_kind("police"), "Police");
        assert_eq!(Texts::new(Lang::Id).place("52"), "Nusa Tenggara Barat");
        assert_eq!(Texts::new(Lang::En).get("login.title"), "Sign in");
        assert_eq!(Texts::new(Lang::Id).get("login.title"), "Masuk");
    }
}
