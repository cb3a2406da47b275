//! Indonesian throughout: every page each role opens, in Indonesian, is scanned for internal codes
//! (roles, agency kinds, statuses, classification codes, file paths) and English-only words. The
//! text is read without tags and attribute values, and without what may stand as typed: case
//! numbers, agency codes and names, usernames.

use std::error::Error;

use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::*;
use crate::pages::{web_get, web_session};

type Outcome<T = ()> = Result<T, Box<dyn Error>>;

/// Fails the test with the error's message.
fn done(outcome: Outcome) {
    if let Err(e) = outcome {
        panic!("{e}");
    }
}

/// English words that have no place on an Indonesian page (whole words, any case).
const ENGLISH: &[&str] = &[
    "handoff",
    "handoffs",
    "referral",
    "referrals",
    "pending",
    "accepted",
    "declined",
    "withdrawn",
    "consent",
    "deadline",
    "deadlines",
    "case",
    "cases",
    "agency",
    "police",
    "prosecutor",
    "court",
    "shelter",
    "caseworker",
    "supervisor",
    "investigator",
    "auditor",
    "admin",
    "open",
    "closed",
    "overdue",
    "none",
    "unknown",
    "true",
    "false",
    "null",
    "the",
    "and",
    "of",
    "for",
    "not",
    "given",
    "missing",
    "allowed",
    "report",
    "services",
    "submit",
    "save",
    "search",
    "sign",
];

/// The text a reader sees: no tags, no attribute values, entities decoded, with the values that
/// stand as typed (case numbers, agency codes and names, usernames) taken out.
fn visible(html: &str, typed: &[&str]) -> String {
    let mut text = String::new();
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        text.push_str(&rest[..open]);
        text.push(' ');
        let after = &rest[open..];
        let skip = ["<style", "<script", "<title"]
            .iter()
            .find(|tag| after.starts_with(**tag))
            .and_then(|tag| after.find(&format!("</{}>", &tag[1..])));
        let close = match skip {
            Some(end) => end,
            None => after.find('>').unwrap_or(after.len() - 1),
        };
        rest = &after[close + 1..];
    }
    text.push_str(rest);
    let mut text = text
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&#39;", "'");
    for (code, _) in TEST_AGENCIES {
        text = text
            .replace(&format!("Agency {code}"), " ")
            .replace(&format!("({code})"), " ");
    }
    for value in typed {
        text = text.replace(value, " ");
    }
    text
}

/// Every known internal code and English word found in `text`.
fn leaks(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for word in text.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '/' || c == '.')) {
        let word = word.trim_matches('.');
        if word.is_empty() {
            continue;
        }
        let lower = word.to_lowercase();
        let snake = word.contains('_') && word.chars().any(|c| c.is_alphabetic());
        let path = lower.contains("docs/") || lower.ends_with(".md") || lower.ends_with(".toml");
        let english = ENGLISH.contains(&lower.as_str());
        if (snake || path || english) && !found.contains(&word.to_owned()) {
            found.push(word.to_owned());
        }
    }
    found
}

struct World {
    app: TestApp,
    case: i64,
    handoff: i64,
    typed: Vec<String>,
}

const USERS: &[(&str, &str, &[&str])] = &[
    ("alpha.cw", "SU-ALPHA", &["caseworker"]),
    ("alpha.sup", "SU-ALPHA", &["supervisor"]),
    ("alpha.admin", "SU-ALPHA", &["agency_admin"]),
    ("beta.inv", "POL-BETA", &["investigator"]),
    ("delta.clerk", "COURT-DELTA", &["court_clerk"]),
    ("prov.auditor", "SU-OMEGA", &["auditor"]),
];

async fn world(backend: Backend) -> Outcome<World> {
    let app = TestApp::spawn_with_agreement(backend, TEST_AGREEMENT).await;
    app.designate_audits("SU-OMEGA");
    for (name, agency, roles) in USERS {
        app.user(name, agency, roles);
    }
    let case = app
        .intake(
            "alpha.cw",
            json!({
                "survivor": {"full_name": "Ratna Dewi", "nik": "3374015703940001"},
                "incidents": [{"date": "2026-10-02", "forms": ["sexual"]}],
                "legal_basis": ["TPKS", "PMI_18_2017"],
                // The trafficking section filled: channel, return, chronology, a perpetrator.
                "intake_channel": "sapa_129",
                "repatriation": {"return_date": "2026-09-14", "debarkation_point": "batam_sekupang"},
                "chronology": "Direkrut calo di Semarang, dijanjikan kerja di Malaysia.",
                "perpetrators": [{"role": "sponsor", "name": "Pak Udin"}]
            }),
        )
        .await;
    // Enough cases for figures the statistics page may show.
    for _ in 0..6 {
        app.intake(
            "alpha.cw",
            json!({
                "survivor": {"full_name": "Sri Lestari", "home_province": "33", "home_district": "3374"},
                "incidents": [{"date": "2026-10-05", "forms": ["sexual"]}],
            }),
        )
        .await;
    }
    let alpha = app.token("alpha.cw").await;
    let consent =
        json!({"purpose": "police_report", "given": true, "recipient_agency": "POL-BETA"});
    let r = app
        .post_json(
            &format!("/api/v1/cases/{case}/consents"),
            Some(&alpha),
            consent,
        )
        .await;
    assert_eq!(r.status(), 201, "consent");
    let r = app
        .post_json(
            &format!("/api/v1/cases/{case}/handoffs"),
            Some(&alpha),
            json!({"handoff": "report", "to_agency": "POL-BETA", "message": "Mohon ditindaklanjuti"}),
        )
        .await;
    assert_eq!(r.status(), 201, "handoff sent");
    let handoff = r.json::<Value>().await?["id"]
        .as_i64()
        .ok_or("handoff id")?;
    let view: Value = app
        .get_as(&format!("/api/v1/cases/{case}"), &alpha)
        .await
        .json()
        .await?;
    let number = view["case_number"].as_str().ok_or("case number")?;
    // As the agreement file and the agency register write them: ids and codes.
    let mut typed = vec![number.to_owned(), "test-mou".to_owned()];
    typed.extend(
        ["transfer-cm", "court-notice", "report", "shelter"]
            .iter()
            .map(|id| (*id).to_owned()),
    );
    typed.extend(TEST_AGENCIES.iter().map(|(code, _)| (*code).to_owned()));
    typed.extend(USERS.iter().map(|(name, _, _)| (*name).to_owned()));
    Ok(World {
        app,
        case,
        handoff,
        typed,
    })
}

impl World {
    /// Opens each of `paths` as `user` in Indonesian; the leaks found, by page.
    async fn scan(&self, user: &str, paths: &[String]) -> Outcome<Vec<String>> {
        let (session, _) = web_session(&self.app, user).await;
        let typed: Vec<&str> = self.typed.iter().map(String::as_str).collect();
        let mut out = Vec::new();
        for path in paths {
            let (status, html) = web_get(&self.app, &session, path).await;
            if status != 200 {
                let error = html
                    .split("field-error")
                    .nth(1)
                    .map(|e| visible(e, &[]))
                    .unwrap_or_default();
                out.push(format!("{user} {path}: status {status} {error}"));
                continue;
            }
            if !html.contains("<html lang=\"id\">") {
                return Err(format!("{user} {path}: not Indonesian").into());
            }
            let found = leaks(&visible(&html, &typed));
            if !found.is_empty() {
                out.push(format!("{user} {path}: {found:?}"));
            }
        }
        Ok(out)
    }

    async fn accept(&self) -> Outcome {
        let beta = self.app.token("beta.inv").await;
        let r = self
            .app
            .post_json(
                &format!("/api/v1/handoffs/{}/accept", self.handoff),
                Some(&beta),
                json!({}),
            )
            .await;
        if r.status() != 200 {
            return Err(format!("accept: {}", r.status()).into());
        }
        Ok(())
    }
}

async fn every_indonesian_page_speaks_indonesian_words_without_codes(backend: Backend) {
    done(scan_all(backend).await);
}

async fn scan_all(backend: Backend) -> Outcome {
    let w = world(backend).await?;
    let case = format!("/cases/{}", w.case);
    let handoff = format!("/handoffs/{}", w.handoff);
    let paths = |list: &[&str]| list.iter().map(|p| (*p).to_owned()).collect::<Vec<_>>();
    let mut leaks = Vec::new();
    let owner = [
        "/inbox".to_owned(),
        "/sent".to_owned(),
        "/cases".to_owned(),
        "/cases/new".to_owned(),
        case.clone(),
        handoff.clone(),
        format!("{handoff}/letter"),
        "/account/password".to_owned(),
    ];
    leaks.extend(w.scan("alpha.cw", &owner).await?);
    leaks.extend(w.scan("beta.inv", &paths(&["/inbox", "/cases"])).await?);
    w.accept().await?;
    let receiver = [case.clone(), handoff.clone(), "/sent".to_owned()];
    leaks.extend(w.scan("beta.inv", &receiver).await?);
    // A case given to another person, closed: its page offers to reopen it, its timeline names
    // the caseworker and the closure reason.
    let second = w
        .app
        .intake("alpha.cw", json!({"survivor": {"full_name": "Wulan"}}))
        .await;
    let sup = w.app.token("alpha.sup").await;
    let cw = w.app.token("alpha.cw").await;
    let r = w
        .app
        .post_json(
            &format!("/api/v1/cases/{second}/assign"),
            Some(&sup),
            json!({"username": "alpha.sup"}),
        )
        .await;
    if r.status() != 200 {
        return Err(format!("assign: {}", r.status()).into());
    }
    let r = w
        .app
        .post_json(
            &format!("/api/v1/cases/{second}/close"),
            Some(&cw),
            json!({"reason": "goals_met"}),
        )
        .await;
    if r.status() != 200 {
        return Err(format!("close: {}", r.status()).into());
    }
    let closed = [
        format!("/cases/{second}?open=timeline-section"),
        "/cases?scope=all".to_owned(),
        "/cases?scope=mine".to_owned(),
    ];
    leaks.extend(w.scan("alpha.cw", &closed).await?);
    let supervisor = [
        "/inbox".to_owned(),
        "/supervision".to_owned(),
        format!("{case}/audit"),
        "/stats".to_owned(),
        "/stats?indicator=cases&by=month".to_owned(),
        "/stats?indicator=cases&by=form".to_owned(),
        "/stats?indicator=cases&by=district".to_owned(),
        case.clone(),
    ];
    leaks.extend(w.scan("alpha.sup", &supervisor).await?);
    let admin = paths(&["/admin", "/account/password"]);
    leaks.extend(w.scan("alpha.admin", &admin).await?);
    leaks.extend(w.scan("delta.clerk", &paths(&["/inbox", "/cases"])).await?);
    let auditor = paths(&[
        "/audit",
        "/audit?action=case.created",
        "/stats?indicator=cases&by=district",
    ]);
    leaks.extend(w.scan("prov.auditor", &auditor).await?);
    let (session, _) = web_session(&w.app, "alpha.sup").await;
    let (_, html) = web_get(&w.app, &session, "/stats?indicator=cases&by=district").await;
    if !html.contains("Kota Semarang") {
        return Err("districts are shown by name".into());
    }
    let (session, _) = web_session(&w.app, "prov.auditor").await;
    let (_, html) = web_get(&w.app, &session, "/audit?action=case.created").await;
    if !html.contains(" WIB") {
        return Err("the audit search shows times in WIB".into());
    }
    if !leaks.is_empty() {
        return Err(format!(
            "codes or English on Indonesian pages:\n{}",
            leaks.join("\n")
        )
        .into());
    }
    Ok(())
}
both_backends!(every_indonesian_page_speaks_indonesian_words_without_codes);

#[test]
fn the_scan_finds_codes_and_english_but_not_typed_values() {
    let html = "<p title=\"court_clerk\">Peran: court_clerk</p><a href=\"/docs/X.md\">Lihat docs/STATISTICS.md</a>\
                <td>JT-2026-000001 Agency POL-BETA (POL-BETA) alpha.cw</td><p>Status: Pending referral</p>";
    let found = leaks(&visible(html, &["JT-2026-000001", "alpha.cw"]));
    assert_eq!(
        found,
        ["court_clerk", "docs/STATISTICS.md", "Pending", "referral"]
    );
}
