//! The handoff as a two-sided conversation, in a real browser on both backends, at desktop width
//! in English and at phone width in Indonesian: a caseworker refers a case with a message and two
//! documents; the investigator reads the message, opens both documents and the referral letter,
//! accepts on the case page, records "penyidikan", adds a note, uploads a file, sends it on to
//! the prosecutor and completes the referral with an outcome; the prosecutor accepts; a second
//! referral is declined with a reason; the caseworker's Sent page shows each step and the reason.

use serde_json::{Value, json};

use crate::both_backends;
use crate::browser::Browser;
use crate::helpers::*;
use crate::holding::{World, world_with};
use crate::receiving::AGREEMENT;

/// What the pages say, in the journey's language.
struct Words {
    lang: &'static str,
    login: &'static str,
    inbox: &'static str,
    sent_notice: &'static str,
    accepted_notice: &'static str,
    completed_notice: &'static str,
    declined_notice: &'static str,
    investigation: &'static str,
    sent_page: &'static str,
    letter: &'static str,
}

async fn upload(w: &World, user: &str, name: &str, body: &str) -> i64 {
    let r = w
        .app
        .client
        .post(format!(
            "{}/api/v1/cases/{}/documents?filename={name}",
            w.app.address, w.case
        ))
        .bearer_auth(w.t(user))
        .header("content-type", "text/plain")
        .body(body.as_bytes().to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.unwrap();
    v["id"].as_i64().unwrap()
}

/// Opens `path` in the signed-in browser (its session cookie), as a click on a link would;
/// returns the status.
async fn open(browser: &Browser, path: &str) -> i64 {
    let answer = browser
        .call(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({
                "script": "var x = new XMLHttpRequest(); x.open('GET', arguments[0], false); x.send(); return x.status;",
                "args": [path],
            })),
        )
        .await;
    answer.as_i64().unwrap()
}

/// With `RUJUKAN_SCREENSHOTS` set, the letter's first page as `docs/screenshots/letter-LANG.png`
/// (rendered by poppler's `pdftoppm`).
fn letter_picture(pdf: &[u8], lang: &str) {
    if std::env::var_os("RUJUKAN_SCREENSHOTS").is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("letter.pdf");
    std::fs::write(&file, pdf).unwrap();
    let out = repo_dir().join(format!("docs/screenshots/letter-{lang}"));
    let status = std::process::Command::new("pdftoppm")
        .args(["-png", "-r", "80", "-singlefile", "-f", "1", "-l", "1"])
        .arg(&file)
        .arg(&out)
        .status()
        .expect("pdftoppm (apt-get install poppler-utils)");
    assert!(status.success());
}

fn handoff_ids(w: &World) -> Vec<i64> {
    rujukan::db::handoffs::of_case(&mut w.app.conn(), w.case)
        .unwrap()
        .iter()
        .map(|h| h.id)
        .collect()
}

async fn journey(backend: Backend, words: Words, width: u32, height: u32, shots: &str) {
    let Some(browser) = Browser::start(width, height).await else {
        return;
    };
    let w = world_with(backend, AGREEMENT).await;
    let address = w.app.address.clone();
    let case = w.case;
    w.consent(case, "alpha.cw", "police_report", Some("POL-BETA"), true)
        .await;
    let visum = upload(&w, "alpha.cw", "visum.txt", "hasil visum et repertum").await;
    let chronology = upload(&w, "alpha.cw", "kronologi.txt", "kronologi kejadian").await;
    upload(&w, "alpha.cw", "asesmen.txt", "asesmen psikolog").await;

    // The caseworker refers the case with a message and two documents.
    browser
        .goto(&format!("{address}/lang/{}", words.lang))
        .await;
    browser.wait_for(words.login).await;
    browser.sign_in_as(&address, "alpha.cw", words.inbox).await;
    browser.goto(&format!("{address}/cases/{case}")).await;
    browser
        .type_into(
            "#message-report-POL-BETA",
            "Korban siap diperiksa hari Kamis pukul 10.",
        )
        .await;
    browser
        .click(&format!("#attach-report-POL-BETA-{visum}"))
        .await;
    browser
        .click(&format!("#attach-report-POL-BETA-{chronology}"))
        .await;
    browser.click("#send-report-POL-BETA").await;
    browser.wait_for(words.sent_notice).await;
    browser.assert_fits("the case page after sending").await;
    let report = handoff_ids(&w)[0];
    browser.sign_out(words.login).await;

    // The investigator reads the message, opens both documents and the letter.
    browser.sign_in_as(&address, "beta.inv", words.inbox).await;
    browser.assert_fits("the inbox").await;
    if width < 600 {
        let height = browser.header_height().await;
        assert!(
            height < 90.0,
            "the header takes one line on a phone: {height} px"
        );
    }
    let inbox = browser.source().await;
    assert!(
        inbox.contains("Korban siap diperiksa"),
        "the message is in the inbox row"
    );
    browser.goto(&format!("{address}/cases/{case}")).await;
    let page = browser.wait_for("Korban siap diperiksa hari Kamis").await;
    assert!(page.contains("visum.txt") && page.contains("kronologi.txt"));
    assert!(!page.contains("asesmen.txt"), "only what was attached");
    assert!(
        !page.contains("id=\"send-"),
        "a pending receiver sees no send options"
    );
    browser.assert_fits("the receiver's case page").await;
    browser.screenshot(&format!("receiver-case-{shots}")).await;
    for doc in [visum, chronology] {
        assert_eq!(
            open(&browser, &format!("/api/v1/cases/{case}/documents/{doc}")).await,
            200
        );
    }
    browser.click(&format!("#letter-{report}")).await;
    let letter = browser.wait_for("/RJK/").await;
    browser.assert_fits("the letter page").await;
    assert!(letter.contains(words.letter) && letter.contains("Korban siap diperiksa"));
    assert!(
        !letter.contains("Sri Wahyuni"),
        "no identity: the report does not share it"
    );
    let pdf = w
        .get(
            "beta.inv",
            &format!("/api/v1/handoffs/{report}/letter.pdf?lang={}", words.lang),
        )
        .await;
    assert_eq!(pdf.status(), 200);
    letter_picture(&pdf.bytes().await.unwrap(), words.lang);
    browser.goto(&format!("{address}/cases/{case}")).await;

    // Accepts on the case page, then works the case.
    browser.click(&format!("#accept-{report}")).await;
    browser.wait_for(words.accepted_notice).await;
    browser
        .click("#stage-justice option[value='penyidikan']")
        .await;
    browser.click("#stage-justice ~ button").await;
    browser
        .wait_for(&format!("<strong>{}</strong>", words.investigation))
        .await;
    browser.click("#notes > summary").await;
    browser
        .type_into("#note-body", "Saksi diperiksa tanggal 5.")
        .await;
    browser.click("#note-submit").await;
    browser.wait_for("Saksi diperiksa tanggal 5.").await;
    let file = tempfile::Builder::new()
        .prefix("bap-")
        .suffix(".txt")
        .tempfile()
        .unwrap();
    std::fs::write(file.path(), "berita acara pemeriksaan saksi").unwrap();
    let name = file
        .path()
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    browser.click("#documents > summary").await;
    browser
        .type_into("#document-file", &file.path().to_string_lossy())
        .await;
    browser.click("#document-submit").await;
    browser.wait_for(&name).await;
    let bap: Vec<Value> = w
        .get("beta.inv", &format!("/api/v1/cases/{case}/documents"))
        .await
        .json()
        .await
        .unwrap();
    let bap = bap
        .iter()
        .find(|d| d["filename"] == name.as_str())
        .and_then(|d| d["id"].as_i64())
        .unwrap();
    browser
        .click(&format!("#attach-case-file-PROS-GAMMA-{bap}"))
        .await;
    browser.click("#send-case-file-PROS-GAMMA").await;
    browser.wait_for(words.sent_notice).await;
    let onward = *handoff_ids(&w).last().unwrap();
    browser
        .click(&format!("#handoff-{report} details summary"))
        .await;
    browser
        .type_into(
            &format!("#outcome-{report}"),
            "Laporan Polisi LP/123/XII/2026 terbit.",
        )
        .await;
    browser.click(&format!("#complete-{report}")).await;
    browser.wait_for(words.completed_notice).await;
    browser.sign_out(words.login).await;

    // The prosecutor accepts on the case page and reads the police's file.
    browser
        .sign_in_as(&address, "gamma.pros", words.inbox)
        .await;
    browser.goto(&format!("{address}/cases/{case}")).await;
    let page = browser.wait_for(&name).await;
    assert!(
        !page.contains("kronologi.txt"),
        "the prosecutor reads what the police attached"
    );
    browser.click(&format!("#accept-{onward}")).await;
    browser.wait_for(words.accepted_notice).await;
    browser.sign_out(words.login).await;

    // A second referral, declined with a reason.
    browser.sign_in_as(&address, "alpha.cw", words.inbox).await;
    browser.goto(&format!("{address}/cases/{case}")).await;
    browser.click("#send-summary-only-POL-BETA").await;
    browser.wait_for(words.sent_notice).await;
    let second = *handoff_ids(&w).last().unwrap();
    browser.sign_out(words.login).await;
    browser.sign_in_as(&address, "beta.inv", words.inbox).await;
    browser.goto(&format!("{address}/cases/{case}")).await;
    browser
        .click(&format!("#handoff-{second} details summary"))
        .await;
    browser
        .type_into(
            &format!("#decline-reason-{second}"),
            "Sudah ditangani dalam laporan sebelumnya.",
        )
        .await;
    browser.click(&format!("#decline-{second}")).await;
    browser.wait_for(words.declined_notice).await;
    browser.sign_out(words.login).await;

    // The caseworker follows up on the Sent page.
    browser.sign_in_as(&address, "alpha.cw", words.inbox).await;
    browser.goto(&format!("{address}/sent")).await;
    let sent = browser.wait_for(words.sent_page).await;
    assert!(
        sent.contains("Sudah ditangani dalam laporan sebelumnya.")
            && sent.contains("Laporan Polisi LP/123/XII/2026 terbit."),
        "the reason and the outcome: {sent}"
    );
    browser.assert_fits("the Sent page").await;
    browser.screenshot(&format!("sent-{shots}")).await;
    let statuses: Vec<String> = rujukan::db::handoffs::of_case(&mut w.app.conn(), case)
        .unwrap()
        .iter()
        .map(|h| h.status.as_str().to_owned())
        .collect();
    assert_eq!(statuses, ["completed", "accepted", "declined"]);
    browser.quit().await;
}

async fn a_referral_is_worked_by_the_police_and_the_prosecutor_in_english(backend: Backend) {
    journey(
        backend,
        Words {
            lang: "en",
            login: "Sign in",
            inbox: "Inbox",
            sent_notice: "Referral sent to",
            accepted_notice: "Referral accepted.",
            completed_notice: "Referral marked completed",
            declined_notice: "Referral declined",
            investigation: "Investigation",
            sent_page: "Sent",
            letter: "Referral letter",
        },
        1280,
        900,
        "en",
    )
    .await;
}
both_backends!(a_referral_is_worked_by_the_police_and_the_prosecutor_in_english);

async fn a_referral_is_worked_by_the_police_and_the_prosecutor_in_indonesian_on_a_phone(
    backend: Backend,
) {
    journey(
        backend,
        Words {
            lang: "id",
            login: "Masuk",
            inbox: "Kotak masuk",
            sent_notice: "Rujukan terkirim ke",
            accepted_notice: "Rujukan diterima.",
            completed_notice: "Rujukan ditandai selesai",
            declined_notice: "Rujukan ditolak",
            investigation: "Penyidikan",
            sent_page: "Terkirim",
            letter: "SURAT RUJUKAN",
        },
        360,
        740,
        "id-phone",
    )
    .await;
}
both_backends!(a_referral_is_worked_by_the_police_and_the_prosecutor_in_indonesian_on_a_phone);
