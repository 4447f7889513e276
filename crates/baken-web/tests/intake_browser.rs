//! Issue "Signal intake", end to end in headless Chromium: the demo frontline worker
//! records a complete signal (context, three indicators, a person, an address whose wrong
//! postcode is then corrected, an IBAN), sees the reading change as indicators are ticked,
//! submits, and the demo coordinator finds it in the inbox. axe-core checks every page;
//! screenshots at 360 and 1280 px go to target/screenshots/.

mod common;

use baken_web::Clock;
use common::browser::Browser;
use common::TestApp;
use fantoccini::{Client, Locator};

async fn fill(c: &Client, id: &str, text: &str) {
    let el = c.wait().for_element(Locator::Id(id)).await.unwrap();
    el.clear().await.unwrap();
    el.send_keys(text).await.unwrap();
}

async fn click(c: &Client, css: &str) {
    let el = c.wait().for_element(Locator::Css(css)).await.unwrap();
    // Like a person: bring it into view (clear of the sticky action bar), then click.
    let arg = serde_json::to_value(&el).unwrap();
    c.execute("arguments[0].scrollIntoView({block: 'center'});", vec![arg])
        .await
        .unwrap();
    el.click().await.unwrap();
}

/// Log in through the pages, enrolling the second factor on first login.
async fn login(browser: &Browser, app: &TestApp, username: &str) {
    let c = &browser.client;
    c.goto(&format!("{}/login", app.base)).await.unwrap();
    fill(c, "username", username).await;
    fill(c, "password", &app.password(username)).await;
    click(c, "form[action='/login'] button[type='submit']").await;
    let secret = c
        .wait()
        .for_element(Locator::Id("totp-secret"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let code = baken_web::totp::code_at(secret.trim(), app.clock.now()).unwrap();
    fill(c, "code", &code).await;
    click(
        c,
        "form[action='/account/second-factor'] button[type='submit']",
    )
    .await;
    c.wait().for_element(Locator::Id("welcome")).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn frontline_worker_records_a_signal_and_the_coordinator_sees_it() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let app = TestApp::start(baken_store::testkit::TestDb::sqlite().await, "sqlite").await;
    let c = &browser.client;

    login(&browser, &app, "demo-frontline").await;
    c.goto(&format!("{}/signals/new", app.base)).await.unwrap();
    browser.assert_accessible("new signal").await;
    browser.screenshots("intake-1-where").await;
    click(c, "#context-registration_desk").await;
    click(c, "form[action='/signals/new'] button[type='submit']").await;

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
    let mut reading = c
        .wait()
        .for_element(Locator::Id("reading"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let mut readings = vec![reading.clone()];
    for id in first_group.iter().take(3) {
        click(c, &format!("label[for='a-{id}-yes']")).await;
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
    click(c, "button[value='add:person']").await;
    fill(c, "e0-name", "Jan van der Berg").await;
    fill(c, "e0-estimated_age", "34").await;
    click(c, "button[value='add:address']").await;
    assert_eq!(
        c.wait()
            .for_element(Locator::Id("e0-name"))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("Jan van der Berg"),
        "adding an item keeps what was typed"
    );
    fill(c, "e1-street", "Kerkstraat").await;
    fill(c, "e1-house_number", "12a").await;
    fill(c, "e1-postcode", "123 AB").await;
    fill(c, "e1-town", "Demodorp").await;
    click(c, "button[value='add:bank_account']").await;
    fill(c, "e2-iban", "NL91 ABNA 0417 1643 00").await;
    fill(
        c,
        "observation",
        "Een man sprak voor de aanvrager en hield zijn paspoort vast.",
    )
    .await;
    fill(c, "place", "Stadhuis Demodorp").await;
    click(c, "button[value='submit']").await;

    // Refused: the summary links to the postcode, which keeps what was typed.
    let summary = c
        .wait()
        .for_element(Locator::Id("error-summary"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(summary.contains("Deze postcode klopt niet"), "{summary}");
    let href = c
        .wait()
        .for_element(Locator::Css("#error-summary a"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap();
    assert_eq!(href.as_deref(), Some("#e1-postcode"));
    let typed = c
        .wait()
        .for_element(Locator::Id("e1-postcode"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(typed.as_deref(), Some("123 AB"));
    let kept = c
        .wait()
        .for_element(Locator::Id("observation"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert!(kept.unwrap().contains("paspoort"));
    browser.assert_accessible("intake with errors").await;
    browser.screenshots("intake-4-error").await;

    fill(c, "e1-postcode", "1234 AB").await;
    click(c, "button[value='submit']").await;
    let confirmation = c
        .wait()
        .for_element(Locator::Id("confirmation"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(confirmation.contains("coördinator"), "{confirmation}");
    browser.assert_accessible("confirmation").await;
    browser.screenshots("intake-5-sent").await;

    // My signals shows it as received.
    c.goto(&format!("{}/signals", app.base)).await.unwrap();
    let list = c
        .wait()
        .for_element(Locator::Id("signal-list"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(list.contains("ontvangen"), "{list}");
    browser.screenshots("intake-6-my-signals").await;

    // The coordinator sees it in the inbox and opens it.
    c.delete_all_cookies().await.unwrap();
    login(&browser, &app, "demo-coordinator").await;
    c.goto(&format!("{}/inbox", app.base)).await.unwrap();
    let inbox = c
        .wait()
        .for_element(Locator::Id("signal-list"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(inbox.contains("Balie"), "{inbox}");
    browser.assert_accessible("inbox").await;
    browser.screenshots("intake-7-inbox").await;
    click(c, "#signal-list a").await;
    let body = c
        .wait()
        .for_element(Locator::Css("main"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        body.contains("Jan van der Berg") && body.contains("NL91 ABNA 0417 1643 00"),
        "{body}"
    );
    assert!(body.contains("1234 AB"));
    browser.screenshots("intake-8-signal").await;

    browser.close().await;
    app.stop().await;
}
