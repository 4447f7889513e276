//! Issue "Signal intake", end to end in headless Chromium: the demo frontline worker
//! records a complete signal (context, three indicators, a person, an address whose wrong
//! postcode is then corrected, an IBAN), sees the reading change as indicators are ticked,
//! submits, and the demo coordinator finds it in the inbox. axe-core checks every page;
//! screenshots at 360 and 1280 px go to target/screenshots/.

mod common;

use common::browser::Browser;
use common::TestApp;
use fantoccini::Locator;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn frontline_worker_records_a_signal_and_the_coordinator_sees_it() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let app = TestApp::start(baken_store::testkit::TestDb::sqlite().await, "sqlite").await;
    let c = &browser.client;

    browser.login(&app, "demo-frontline").await;
    browser.open(&app.base, "/signals/new").await;
    browser.assert_accessible("new signal").await;
    browser.screenshots("intake-1-where").await;
    browser.click("#context-registration_desk").await;
    browser
        .click_and_load("form[action='/signals/new'] button[type='submit']")
        .await;

    // The form: indicators of the registration desk, grouped by stage, first group open.
    c.wait().for_element(Locator::Id("intake")).await.unwrap();
    browser.assert_accessible("intake form").await;
    browser.screenshots("intake-2-form").await;
    browser.assert_no_horizontal_scroll(360).await;
    let first_group: Vec<String> = {
        let mut ids = Vec::new();
        for fs in c
            .find_all(Locator::Css("details[open] fieldset.baken-indicator"))
            .await
            .unwrap()
        {
            ids.push(
                fs.attr("id")
                    .await
                    .unwrap()
                    .unwrap()
                    .trim_start_matches("answer-")
                    .to_string(),
            );
        }
        ids
    };
    assert!(
        first_group.len() >= 3,
        "at least three indicators in the first stage"
    );
    // Tick three indicators; the reading panel changes (htmx) after each.
    let mut reading = browser.text("#reading").await;
    let mut readings = vec![reading.clone()];
    for id in first_group.iter().take(3) {
        browser.click(&format!("label[for='a-{id}-yes']")).await;
        reading = browser.wait_for_change("#reading", &reading).await;
        readings.push(reading.clone());
    }
    assert!(
        readings[0].contains("Nog niets aangevinkt"),
        "{}",
        readings[0]
    );
    assert!(readings.last().unwrap().contains("Hoogste niveau"));
    assert_ne!(readings[1], readings[3], "the reading follows the answers");
    browser.screenshots("intake-3-reading").await;

    // People and things: a person, an address with a wrong postcode, an IBAN.
    browser.click_and_load("button[value='add:person']").await;
    browser.fill("e0-name", "Jan van der Berg").await;
    browser.fill("e0-estimated_age", "34").await;
    browser.click_and_load("button[value='add:address']").await;
    assert_eq!(
        browser.prop("#e0-name", "value").await.as_deref(),
        Some("Jan van der Berg"),
        "adding an item keeps what was typed"
    );
    browser.fill("e1-street", "Kerkstraat").await;
    browser.fill("e1-house_number", "12a").await;
    browser.fill("e1-postcode", "123 AB").await;
    browser.fill("e1-town", "Demodorp").await;
    browser
        .click_and_load("button[value='add:bank_account']")
        .await;
    browser.fill("e2-iban", "NL91 ABNA 0417 1643 00").await;
    browser
        .fill(
            "observation",
            "Een man sprak voor de aanvrager en hield zijn paspoort vast.",
        )
        .await;
    browser.fill("place", "Stadhuis Demodorp").await;
    browser.click_and_load("button[value='submit']").await;

    // Refused: the summary links to the postcode, which keeps what was typed.
    let summary = browser.text("#error-summary").await;
    assert!(summary.contains("Deze postcode klopt niet"), "{summary}");
    let href = browser.attr("#error-summary a", "href").await;
    assert_eq!(href.as_deref(), Some("#e1-postcode"));
    let typed = browser.prop("#e1-postcode", "value").await;
    assert_eq!(typed.as_deref(), Some("123 AB"));
    let kept = browser.prop("#observation", "value").await;
    assert!(kept.unwrap().contains("paspoort"));
    browser.assert_accessible("intake with errors").await;
    browser.screenshots("intake-4-error").await;

    browser.fill("e1-postcode", "1234 AB").await;
    browser.click_and_load("button[value='submit']").await;
    let confirmation = browser.text("#confirmation").await;
    assert!(confirmation.contains("coördinator"), "{confirmation}");
    browser.assert_accessible("confirmation").await;
    browser.screenshots("intake-5-sent").await;

    // My signals shows it as received.
    browser.open(&app.base, "/signals").await;
    let list = browser.text("#signal-list").await;
    assert!(list.contains("ontvangen"), "{list}");
    browser.screenshots("intake-6-my-signals").await;

    // The coordinator sees it in the inbox and opens it.
    browser.login(&app, "demo-coordinator").await;
    browser.open(&app.base, "/inbox").await;
    let inbox = browser.text("#signal-list").await;
    assert!(inbox.contains("Balie"), "{inbox}");
    browser.assert_accessible("inbox").await;
    browser.screenshots("intake-7-inbox").await;
    browser.click_and_load("#signal-list a").await;
    let body = browser.text("main").await;
    assert!(
        body.contains("Jan van der Berg") && body.contains("NL91 ABNA 0417 1643 00"),
        "{body}"
    );
    assert!(body.contains("1234 AB"));
    browser.screenshots("intake-8-signal").await;

    browser.close().await;
    app.stop().await;
}
