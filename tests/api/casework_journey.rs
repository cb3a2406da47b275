//! A caseworker's day in a real browser on both backends, in Indonesian at phone width (360 px,
//! emulated) and in English on a desktop: she finds a survivor by one word of her name and by NIK
//! from "my cases", takes a second report of the same woman in and sees the duplicate warning
//! with a link to the earlier case, edits the new case, records the chronology and a
//! perpetrator, and closes it; her supervisor gives the earlier case to another caseworker and
//! sees the caseload per person. No page scrolls sideways.

use serde_json::json;

use crate::both_backends;
use crate::browser::Browser;
use crate::helpers::*;

/// What the pages say, in the journey's language.
struct Words {
    lang: &'static str,
    login: &'static str,
    inbox: &'static str,
    mine: &'static str,
    not_found: &'static str,
    duplicate: &'static str,
    edited: &'static str,
    closed: &'static str,
    assigned: &'static str,
    caseload: &'static str,
}

const NIK: &str = "3374015703940001";

async fn journey(backend: Backend, words: Words, width: u32, height: u32, shots: &str) {
    let Some(browser) = Browser::start(width, height).await else {
        return;
    };
    let app = TestApp::spawn(backend).await;
    app.agency("UPTD-PPA-JATENG", "service_unit", "33");
    app.user("siti.cw", "UPTD-PPA-JATENG", &["caseworker"]);
    app.user("rina.cw", "UPTD-PPA-JATENG", &["caseworker"]);
    app.user("ani.sup", "UPTD-PPA-JATENG", &["supervisor"]);
    let earlier = app
        .intake(
            "siti.cw",
            json!({"survivor": {"full_name": "Siti Aminah Kusuma", "nik": NIK}, "risk_level": "critical"}),
        )
        .await;
    app.intake(
        "rina.cw",
        json!({"survivor": {"full_name": "Dewi Lestari"}}),
    )
    .await;
    let siti = app.token("siti.cw").await;
    let earlier_number = app
        .get_as(&format!("/api/v1/cases/{earlier}"), &siti)
        .await
        .json::<serde_json::Value>()
        .await
        .unwrap()["case_number"]
        .as_str()
        .unwrap()
        .to_owned();
    let address = app.address.clone();
    browser
        .goto(&format!("{address}/lang/{}", words.lang))
        .await;
    browser.wait_for(words.login).await;
    browser.sign_in_as(&address, "siti.cw", words.inbox).await;

    // "My cases": hers, the critical one marked.
    browser.goto(&format!("{address}/cases")).await;
    let list = browser.wait_for(words.mine).await;
    assert!(list.contains(&earlier_number) && list.contains("risk-urgent"));
    assert!(!list.contains("Dewi"), "no names in the list");
    browser.assert_fits("my cases").await;
    browser.screenshot(&format!("cases-mine-{shots}")).await;

    // Found by one word of her name, then by NIK; a name nobody has is "not found".
    for (kind, value) in [("name", "aminah"), ("nik", NIK), ("name", "Wulandari")] {
        browser
            .click(&format!("#kind option[value='{kind}']"))
            .await;
        browser.set_value("#q", value).await;
        browser.click("#find-submit").await;
        // The answer to this search, not the page before it.
        let wanted = format!("q={value}");
        for _ in 0..300 {
            if browser.url().await.contains(&wanted) {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        let found = browser.wait_for("</body>").await;
        if value == "Wulandari" {
            assert!(!found.contains("case-list"), "nobody is called Wulandari");
        } else {
            assert!(found.contains(&earlier_number), "found by {kind}");
        }
    }
    browser.wait_for(words.not_found).await;
    browser.assert_fits("a search without a match").await;

    // A second report of the same woman: the intake warns and leads to the earlier case.
    browser.goto(&format!("{address}/cases/new")).await;
    browser
        .type_into("#survivor\\.full_name", "Siti A. Kusuma")
        .await;
    browser.type_into("#survivor\\.nik", NIK).await;
    browser.click("#intake-submit").await;
    let warned = browser.wait_for(words.duplicate).await;
    assert!(warned.contains(&earlier_number));
    browser.assert_fits("the duplicate warning").await;
    browser
        .screenshot(&format!("case-created-duplicate-{shots}"))
        .await;
    browser.click(&format!("#duplicate-{earlier}")).await;
    browser
        .wait_for(&format!("<span id=\"case-number\">{earlier_number}</span>"))
        .await;
    let created = app
        .get_as("/api/v1/cases?limit=1", &siti)
        .await
        .json::<serde_json::Value>()
        .await
        .unwrap()["items"][0]["id"]
        .as_i64()
        .unwrap();
    assert_ne!(created, earlier);

    // She edits the new case, records the chronology and a perpetrator, then closes it.
    browser.goto(&format!("{address}/cases/{created}")).await;
    browser.wait_for("case-number").await;
    browser.click("#edit > summary").await;
    browser
        .click("#edit details:nth-of-type(2) > summary")
        .await;
    browser
        .click("#migrant\\.destination_country option[value='MY']")
        .await;
    browser.click("#risk_level option[value='high']").await;
    browser.click("#edit-migrant-submit").await;
    browser.wait_for(words.edited).await;
    browser.assert_fits("the case page after an edit").await;
    browser.click("#trafficking > summary").await;
    browser
        .type_into(
            "#trafficking-chronology",
            "Direkrut sponsor di desa, diberangkatkan lewat Batam tanpa kontrak.",
        )
        .await;
    browser.click("#trafficking-submit").await;
    browser.wait_for("Direkrut sponsor di desa").await;
    browser
        .click("#perpetrator-role option[value='sponsor']")
        .await;
    browser.type_into("#perpetrator-name", "Pak Darto").await;
    browser.click("#perpetrator-submit").await;
    browser.wait_for("Pak Darto").await;
    browser.assert_fits("the trafficking section").await;
    browser.screenshot(&format!("case-edit-{shots}")).await;
    browser.click("#manage > summary").await;
    browser
        .click("#close-reason option[value='goals_met']")
        .await;
    browser.click("#close-submit").await;
    browser.wait_for(words.closed).await;
    browser.click("#manage > summary").await;
    browser.wait_for("reopen-form").await;
    browser.assert_fits("a closed case").await;
    browser.sign_out(words.login).await;

    // The supervisor gives the earlier case to Rina and sees the caseload per person.
    browser.sign_in_as(&address, "ani.sup", words.inbox).await;
    browser.goto(&format!("{address}/cases/{earlier}")).await;
    browser.wait_for("case-number").await;
    browser.click("#manage > summary").await;
    browser
        .click("#assign-username option[value='rina.cw']")
        .await;
    browser.click("#assign-submit").await;
    browser.wait_for(words.assigned).await;
    browser.assert_fits("the case page after assigning").await;
    browser.screenshot(&format!("case-assign-{shots}")).await;
    browser.goto(&format!("{address}/supervision")).await;
    let supervision = browser.wait_for(words.caseload).await;
    assert!(supervision.contains("caseload-people") && supervision.contains("rina.cw"));
    browser.assert_fits("the supervision page").await;
    browser.screenshot(&format!("caseload-{shots}")).await;
    let case: serde_json::Value = app
        .get_as(&format!("/api/v1/cases/{earlier}"), &siti)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(case["assigned_to"], "rina.cw");
    let closed: serde_json::Value = app
        .get_as(&format!("/api/v1/cases/{created}"), &siti)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(closed["status"], "closed");
    assert_eq!(closed["migrant"]["destination_country"], "MY");
    assert_eq!(closed["perpetrators"][0]["name"], "Pak Darto");
    browser.quit().await;
}

async fn a_caseworkers_day_in_english_on_a_desktop(backend: Backend) {
    journey(
        backend,
        Words {
            lang: "en",
            login: "Sign in",
            inbox: "Inbox",
            mine: "My cases",
            not_found: "Not found.",
            duplicate: "This NIK is on case",
            edited: "Changes saved.",
            closed: "The case is closed.",
            assigned: "The caseworker is set.",
            caseload: "Caseload per person",
        },
        1280,
        900,
        "en",
    )
    .await;
}
both_backends!(a_caseworkers_day_in_english_on_a_desktop);

async fn a_caseworkers_day_in_indonesian_on_a_phone(backend: Backend) {
    journey(
        backend,
        Words {
            lang: "id",
            login: "Masuk",
            inbox: "Kotak masuk",
            mine: "Kasus saya",
            not_found: "Tidak ditemukan.",
            duplicate: "NIK ini sudah ada pada kasus",
            edited: "Perubahan disimpan.",
            closed: "Kasus ditutup.",
            assigned: "Petugas kasus ditetapkan.",
            caseload: "Beban kasus per petugas",
        },
        360,
        780,
        "id-phone",
    )
    .await;
}
both_backends!(a_caseworkers_day_in_indonesian_on_a_phone);
