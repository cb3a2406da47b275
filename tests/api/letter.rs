//! The referral letter (surat rujukan) on both backends: the PDF parses and carries the letter's
//! fields, never the survivor's identity unless the handoff shares it; the web page in both
//! languages; 404 for outsiders and unknown ids; withdrawn and declined letters marked; each
//! print recorded; numbers unique and without gaps when assigned from two threads at once, and a
//! new counter each year.

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

const NAME: &str = "Ratna Dewi";
const NIK: &str = "3374015703940001";
const MESSAGE: &str = "Korban siap melapor; perlu juru bahasa isyarat";
const LEGAL_BASIS: &str = "UU 12/2022 Pasal 39";
const PURPOSE: &str = "Laporan polisi atas kekerasan seksual";

struct World {
    app: TestApp,
    alpha: String,
    beta: String,
    case: i64,
    case_number: String,
}

async fn world(backend: Backend) -> Outcome<World> {
    let agreement = TEST_AGREEMENT.replacen(
        "id = \"report\"\n",
        &format!("id = \"report\"\ndescription = \"{PURPOSE}\"\nlegal_basis = \"{LEGAL_BASIS}\"\n"),
        1,
    );
    let app = TestApp::spawn_with_agreement(backend, &agreement).await;
    app.user("alpha.cw", "SU-ALPHA", &["caseworker"]);
    app.user("beta.inv", "POL-BETA", &["investigator"]);
    app.user("omega.cw", "SU-OMEGA", &["caseworker"]);
    app.user("out.cw", "SU-OUTSIDER", &["caseworker"]);
    let case = app
        .intake(
            "alpha.cw",
            json!({
                "survivor": {"full_name": NAME, "nik": NIK},
                "incidents": [{"date": "2026-10-02", "forms": ["sexual"]}],
                "legal_basis": ["TPKS"]
            }),
        )
        .await;
    let alpha = app.token("alpha.cw").await;
    let beta = app.token("beta.inv").await;
    for (purpose, recipient) in [
        ("police_report", json!("POL-BETA")),
        ("services", json!(null)),
    ] {
        let mut body = json!({"purpose": purpose, "given": true});
        if !recipient.is_null() {
            body["recipient_agency"] = recipient;
        }
        let r = app
            .post_json(
                &format!("/api/v1/cases/{case}/consents"),
                Some(&alpha),
                body,
            )
            .await;
        assert_eq!(r.status(), 201, "consent {purpose}");
    }
    let case_view: Value = app
        .get_as(&format!("/api/v1/cases/{case}"), &alpha)
        .await
        .json()
        .await?;
    let case_number = case_view["case_number"]
        .as_str()
        .ok_or("a case number")?
        .to_owned();
    Ok(World {
        app,
        alpha,
        beta,
        case,
        case_number,
    })
}

impl World {
    async fn send(&self, body: Value) -> Outcome<i64> {
        let r = self
            .app
            .post_json(
                &format!("/api/v1/cases/{}/handoffs", self.case),
                Some(&self.alpha),
                body,
            )
            .await;
        assert_eq!(r.status(), 201, "handoff sent");
        let sent: Value = r.json().await?;
        Ok(sent["id"].as_i64().ok_or("handoff id")?)
    }

    async fn report(&self) -> Outcome<i64> {
        self.send(json!({"handoff": "report", "to_agency": "POL-BETA", "message": MESSAGE}))
            .await
    }

    /// `(status, content type, body)` of the letter's PDF.
    async fn pdf(&self, token: &str, id: i64, query: &str) -> Outcome<(u16, String, Vec<u8>)> {
        let r = self
            .app
            .get_as(&format!("/api/v1/handoffs/{id}/letter.pdf{query}"), token)
            .await;
        let status = r.status().as_u16();
        let kind = r
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        Ok((status, kind, r.bytes().await?.to_vec()))
    }

    /// The number the handoff's letter was given.
    fn number(&self, id: i64) -> Outcome<String> {
        let number = rujukan::services::handoffs::letter::stored_number(&mut self.app.conn(), id)
            .map_err(|e| e.to_string())?;
        Ok(number.ok_or("a number")?)
    }

    /// The hash of the handoff's `handoff.created` audit entry.
    fn created_hash(&self, id: i64) -> Outcome<String> {
        let events =
            rujukan::db::audit::stream(&mut self.app.conn(), &format!("case:{}", self.case))?;
        let created = events
            .into_iter()
            .find(|e| e.action == "handoff.created" && e.subject_id == Some(id.to_string()))
            .ok_or("handoff.created")?;
        Ok(created.hash)
    }

    /// `(format, number)` of each `handoff.letter_printed` event of handoff `id`.
    fn prints(&self, id: i64) -> Outcome<Vec<(String, String)>> {
        let events =
            rujukan::db::audit::stream(&mut self.app.conn(), &format!("case:{}", self.case))?;
        let mut out = Vec::new();
        for e in events {
            if e.action == "handoff.letter_printed" && e.subject_id == Some(id.to_string()) {
                let details: Value = serde_json::from_str(&e.details)?;
                out.push((
                    details["format"].as_str().unwrap_or_default().to_owned(),
                    details["number"].as_str().unwrap_or_default().to_owned(),
                ));
            }
        }
        Ok(out)
    }
}

/// The text of every page of a PDF, without white space (the layout breaks lines anywhere).
pub(crate) fn pdf_text(bytes: &[u8]) -> Outcome<String> {
    let doc = lopdf::Document::load_mem(bytes)?;
    let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
    assert!(!pages.is_empty(), "the PDF has pages");
    Ok(squeeze(&doc.extract_text(&pages)?))
}

fn squeeze(text: &str) -> String {
    text.split_whitespace().collect()
}

fn assert_has(text: &str, expected: &str, what: &str) {
    assert!(
        text.contains(&squeeze(expected)),
        "{what}: {expected:?} not in {text}"
    );
}

fn assert_no_identity(text: &str, what: &str) {
    for part in ["Ratna", "Dewi", NIK, "33740157"] {
        assert!(!text.contains(part), "{what} carries {part}");
    }
}

async fn the_letter_pdf_carries_the_handoff_and_no_identity_unless_shared(backend: Backend) {
    done(letter_pdf(backend).await);
}

async fn letter_pdf(backend: Backend) -> Outcome {
    let w = world(backend).await?;
    let id = w.report().await?;
    let (status, kind, bytes) = w.pdf(&w.alpha, id, "").await?;
    assert_eq!(status, 200);
    assert_eq!(kind, "application/pdf");
    assert!(bytes.starts_with(b"%PDF-"), "a PDF");
    let number = w.number(id)?;
    let (prefix, _) = number.split_at(4);
    assert_eq!(
        prefix, "001/",
        "the first letter of SU-ALPHA this year: {number}"
    );
    assert!(number.contains("/RJK/SU-ALPHA/"), "{number}");
    let text = pdf_text(&bytes)?;
    for (expected, what) in [
        (number.as_str(), "number"),
        (w.case_number.as_str(), "case number"),
        ("Agency POL-BETA (POL-BETA)", "receiver"),
        ("Agency SU-ALPHA", "sender"),
        ("test-mou v1", "agreement"),
        ("report", "handoff rule"),
        (PURPOSE, "rule description"),
        (LEGAL_BASIS, "legal basis"),
        (MESSAGE, "message"),
        (&w.created_hash(id)?, "verification hash"),
        ("SURAT RUJUKAN", "Indonesian title"),
        ("ringkasan kasus, rincian kejadian", "categories in words"),
        ("Tidak ada dokumen terlampir.", "documents"),
        ("alpha.cw", "signer"),
    ] {
        assert_has(&text, expected, what);
    }
    assert_no_identity(&text, "a letter that shares no identity");
    let raw = String::from_utf8_lossy(&bytes);
    assert!(raw.contains("/FontFile2"), "the font is embedded");

    let (status, _, english) = w.pdf(&w.beta, id, "?lang=en").await?;
    assert_eq!(status, 200, "the receiver prints it too");
    let english = pdf_text(&english)?;
    assert_has(&english, "REFERRAL LETTER", "English title");
    assert_has(
        &english,
        "case summary, incident details",
        "categories in English",
    );
    assert_has(&english, &number, "the same number");
    assert_no_identity(&english, "the receiver's letter");
    assert_eq!(w.number(id)?, number, "the number stays");
    assert_eq!(
        w.prints(id)?,
        [
            ("pdf".to_owned(), number.clone()),
            ("pdf".to_owned(), number)
        ],
        "each print recorded with its number"
    );
    let bad = w
        .app
        .get_as(
            &format!("/api/v1/handoffs/{id}/letter.pdf?lang=fr"),
            &w.alpha,
        )
        .await;
    assert_eq!(bad.status(), 422);
    Ok(())
}
both_backends!(the_letter_pdf_carries_the_handoff_and_no_identity_unless_shared);

async fn a_letter_names_the_survivor_only_when_the_handoff_shares_identity(backend: Backend) {
    done(identity_shared(backend).await);
}

async fn identity_shared(backend: Backend) -> Outcome {
    let w = world(backend).await?;
    let id = w
        .send(json!({"handoff": "transfer-cm", "to_agency": "SU-OMEGA"}))
        .await?;
    let (status, _, bytes) = w.pdf(&w.alpha, id, "").await?;
    assert_eq!(status, 200);
    let text = pdf_text(&bytes)?;
    assert_has(&text, NAME, "the shared identity's name");
    assert_has(&text, "identitas korban", "identity among the shared data");
    assert_has(&text, "SURAT PENGALIHAN", "a transfer's title");
    assert!(!text.contains(NIK), "never the NIK");
    let (session, _) = web_session(&w.app, "alpha.cw").await;
    let (status, html) = web_get(&w.app, &session, &format!("/handoffs/{id}/letter")).await;
    assert_eq!(status, 200);
    assert!(
        html.contains(NAME) && !html.contains(NIK),
        "the page names the survivor"
    );
    Ok(())
}
both_backends!(a_letter_names_the_survivor_only_when_the_handoff_shares_identity);

async fn outsiders_and_unknown_handoffs_get_404(backend: Backend) {
    done(outsiders(backend).await);
}

async fn outsiders(backend: Backend) -> Outcome {
    let w = world(backend).await?;
    let id = w.report().await?;
    for user in ["out.cw", "omega.cw"] {
        let token = w.app.token(user).await;
        assert_eq!(w.pdf(&token, id, "").await?.0, 404, "{user}: PDF");
        let (session, _) = web_session(&w.app, user).await;
        let (status, html) = web_get(&w.app, &session, &format!("/handoffs/{id}/letter")).await;
        assert_eq!(status, 404, "{user}: page");
        assert!(!html.contains(MESSAGE) && !html.contains(&w.case_number));
    }
    assert_eq!(w.pdf(&w.alpha, 987_654, "").await?.0, 404, "unknown id");
    let (session, _) = web_session(&w.app, "alpha.cw").await;
    assert_eq!(
        web_get(&w.app, &session, "/handoffs/987654/letter").await.0,
        404
    );
    assert!(w.prints(id)?.is_empty(), "nothing printed");
    let numbered = rujukan::services::handoffs::letter::stored_number(&mut w.app.conn(), id)
        .map_err(|e| e.to_string())?;
    assert!(
        numbered.is_some_and(|n| n.starts_with("001/RJK/")),
        "numbered when sent, and a refused print changes nothing"
    );
    Ok(())
}
both_backends!(outsiders_and_unknown_handoffs_get_404);

async fn withdrawn_and_declined_handoffs_still_print_marked(backend: Backend) {
    done(marked(backend).await);
}

async fn marked(backend: Backend) -> Outcome {
    let w = world(backend).await?;
    let id = w.report().await?;
    let r = w
        .app
        .post_json(
            &format!("/api/v1/handoffs/{id}/withdraw"),
            Some(&w.alpha),
            json!({"reason": "Dikirim ke polres yang salah"}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let (status, _, bytes) = w.pdf(&w.alpha, id, "").await?;
    assert_eq!(status, 200, "a withdrawn handoff still prints");
    let text = pdf_text(&bytes)?;
    assert_has(&text, "DITARIK / WITHDRAWN", "withdrawn mark");
    assert_has(&text, &w.number(id)?, "number");
    let (_, _, bytes) = w.pdf(&w.beta, id, "").await?;
    let receiver = pdf_text(&bytes)?;
    assert_has(
        &receiver,
        "DITARIK / WITHDRAWN",
        "withdrawn mark for the receiver",
    );
    assert!(
        !receiver.contains(&squeeze(MESSAGE)),
        "the receiver no longer reads the message"
    );

    let again = w.report().await?;
    let r = w
        .app
        .post_json(
            &format!("/api/v1/handoffs/{again}/decline"),
            Some(&w.beta),
            json!({"reason": "Di luar wilayah hukum"}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let (_, _, bytes) = w.pdf(&w.alpha, again, "").await?;
    let text = pdf_text(&bytes)?;
    assert_has(&text, "DITOLAK / DECLINED", "declined mark");
    assert!(
        w.number(again)?.starts_with("002/"),
        "the second letter of the year"
    );
    Ok(())
}
both_backends!(withdrawn_and_declined_handoffs_still_print_marked);

async fn the_letter_page_shows_the_same_fields_in_both_languages(backend: Backend) {
    done(page(backend).await);
}

async fn page(backend: Backend) -> Outcome {
    let w = world(backend).await?;
    let id = w.report().await?;
    let (session, _) = web_session(&w.app, "alpha.cw").await;
    let (status, html) = web_get(&w.app, &session, &format!("/handoffs/{id}/letter")).await;
    assert_eq!(status, 200);
    let number = w.number(id)?;
    let hash = w.created_hash(id)?;
    for expected in [
        number.as_str(),
        w.case_number.as_str(),
        "Agency POL-BETA (POL-BETA)",
        "test-mou v1",
        PURPOSE,
        LEGAL_BASIS,
        MESSAGE,
        hash.as_str(),
        "SURAT RUJUKAN",
        "Dasar hukum",
        "Tidak ada dokumen terlampir.",
        "<html lang=\"id\">",
    ] {
        assert!(html.contains(expected), "page (id): {expected}");
    }
    assert_no_identity(&html, "the page");
    assert!(!html.contains("<script"), "no script");
    let english = format!("{session}; rujukan_lang=en");
    let (status, html) = web_get(&w.app, &english, &format!("/handoffs/{id}/letter")).await;
    assert_eq!(status, 200);
    for expected in [
        number.as_str(),
        "REFERRAL LETTER",
        "Legal basis",
        "Agreement clause",
        MESSAGE,
        hash.as_str(),
        "<html lang=\"en\">",
    ] {
        assert!(html.contains(expected), "page (en): {expected}");
    }
    assert_eq!(
        w.prints(id)?,
        [
            ("html".to_owned(), number.clone()),
            ("html".to_owned(), number)
        ]
    );
    let pdf = w
        .app
        .client
        .get(format!("{}/api/v1/handoffs/{id}/letter.pdf", w.app.address))
        .header("cookie", &english)
        .send()
        .await?;
    assert_eq!(
        pdf.status(),
        200,
        "the page's PDF link works with the session"
    );
    assert_has(
        &pdf_text(&pdf.bytes().await?)?,
        "REFERRAL LETTER",
        "cookie language",
    );
    Ok(())
}
both_backends!(the_letter_page_shows_the_same_fields_in_both_languages);

async fn letter_numbers_are_unique_and_gapless_from_two_threads(backend: Backend) {
    done(concurrency(backend).await);
}

/// `count` more handoffs like `id` (same case, agencies and agreement), sent at `created_at`.
fn copies(app: &TestApp, id: i64, count: usize, shift_days: i64) -> Outcome<Vec<i64>> {
    use rujukan::db::handoffs::{self, NewHandoff};
    let mut conn = app.conn();
    let row = handoffs::by_id(&mut conn, id)?.ok_or("the handoff")?;
    let created_at = row.created_at + chrono::Duration::days(shift_days);
    let mut ids = Vec::new();
    for _ in 0..count {
        let new = NewHandoff {
            case_id: row.case_id,
            kind: row.kind.as_str().to_owned(),
            rule_id: row.rule_id.clone(),
            agreement_version_id: row.agreement_version_id,
            from_agency_id: row.from_agency_id,
            to_agency_id: row.to_agency_id,
            owner_agency_id: row.owner_agency_id,
            created_by: row.created_by,
            status: "withdrawn".to_owned(),
            shares: "[\"summary\"]".to_owned(),
            consent_purpose: None,
            consent_id: None,
            override_legal_basis: None,
            override_reason: None,
            message_ciphertext: None,
            key_id: None,
            respond_by: None,
            created_at,
            updated_at: created_at,
            receiver_records_consent: "[]".to_owned(),
        };
        ids.push(handoffs::insert(&mut conn, &new)?);
    }
    Ok(ids)
}

/// Assigns the numbers of `ids` in order, one transaction each; returns `(id, number)`.
fn assign_all(
    mut conn: rujukan::db::DbConnection,
    ids: Vec<i64>,
) -> Result<Vec<(i64, String)>, String> {
    use diesel::Connection;
    let mut out = Vec::new();
    for id in ids {
        let number = conn
            .transaction(|conn| {
                rujukan::db::stats::lock_handoff(conn, id)?;
                let row = rujukan::db::handoffs::by_id(conn, id)?
                    .ok_or(rujukan::error::AppError::NotFound)?;
                let now = chrono::Utc::now().naive_utc();
                rujukan::services::handoffs::letter::assign_number(conn, &row, now)
            })
            .map_err(|e: rujukan::error::AppError| format!("handoff {id}: {e}"))?;
        out.push((id, number));
    }
    Ok(out)
}

async fn concurrency(backend: Backend) -> Outcome {
    let w = world(backend).await?;
    let first = w.report().await?;
    let mut ids = vec![first];
    ids.extend(copies(&w.app, first, 39, 0)?);
    let reversed: Vec<i64> = ids.iter().rev().copied().collect();
    let (a, b) = (w.app.conn(), w.app.conn());
    let forward = ids.clone();
    let one = std::thread::spawn(move || assign_all(a, forward));
    let two = std::thread::spawn(move || assign_all(b, reversed));
    let mut one = one.join().map_err(|_| "thread one panicked")??;
    let mut two = two.join().map_err(|_| "thread two panicked")??;
    one.sort();
    two.sort();
    assert_eq!(
        one, two,
        "both threads read the same number for each handoff"
    );
    let mut seqs: Vec<i64> = one
        .iter()
        .map(|(_, n)| n.split('/').next().unwrap_or_default().parse::<i64>())
        .collect::<Result<_, _>>()?;
    seqs.sort_unstable();
    let expected: Vec<i64> = (1..=ids.len() as i64).collect();
    assert_eq!(seqs, expected, "unique and without gaps");
    let year = one[0]
        .1
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .parse::<i32>()?;

    // A handoff sent a year later starts the counter again.
    let later = copies(&w.app, first, 2, 366)?;
    let numbered = assign_all(w.app.conn(), later)?;
    let next = year + 1;
    assert!(
        numbered[0].1.starts_with("001/RJK/SU-ALPHA/")
            && numbered[0].1.ends_with(&format!("/{next}")),
        "{numbered:?}"
    );
    assert!(numbered[1].1.starts_with("002/"), "{numbered:?}");
    Ok(())
}
both_backends!(letter_numbers_are_unique_and_gapless_from_two_threads);
