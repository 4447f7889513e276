//! In a real browser: the demo coordinator logs in — password, then TOTP enrolment by the
//! code shown on the page — and sees the start page. Screenshots at 360 and 1280 px.

mod common;

use baken_web::Clock;
use common::browser::Browser;
use common::TestApp;
use fantoccini::Locator;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_coordinator_logs_in_with_totp_and_sees_the_start_page() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let app = TestApp::start(baken_store::testkit::TestDb::sqlite().await, "sqlite").await;
    let c = &browser.client;

    c.goto(&format!("{}/login", app.base)).await.unwrap();
    browser.screenshots("foundation-1-login").await;
    browser.assert_no_horizontal_scroll(360).await;
    c.wait()
        .for_element(Locator::Id("username"))
        .await
        .unwrap()
        .send_keys("demo-coordinator")
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Id("password"))
        .await
        .unwrap()
        .send_keys(&app.password("demo-coordinator"))
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Css("form[action='/login'] button[type='submit']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();

    // First login: enrol the second factor from the QR page (the key is also shown as text).
    let secret = c
        .wait()
        .for_element(Locator::Id("totp-secret"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        c.wait()
            .for_element(Locator::Css(".baken-qr svg"))
            .await
            .is_ok(),
        "QR code rendered on the server"
    );
    browser
        .screenshots("foundation-2-enrol-second-factor")
        .await;
    browser.assert_no_horizontal_scroll(360).await;
    let code = baken_web::totp::code_at(secret.trim(), app.clock.now()).unwrap();
    c.wait()
        .for_element(Locator::Id("code"))
        .await
        .unwrap()
        .send_keys(&code)
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Css(
            "form[action='/account/second-factor'] button[type='submit']",
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();

    let welcome = c
        .wait()
        .for_element(Locator::Id("welcome"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(welcome, "Welkom, Demo coordinator");
    browser.screenshots("foundation-3-start-page").await;
    browser.assert_no_horizontal_scroll(360).await;

    // Switch to English: the choice persists across pages.
    c.wait()
        .for_element(Locator::Css("#lang-select option[value='en']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Css(
            "form[action='/language'] button[type='submit']",
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let welcome = c
        .wait()
        .for_element(Locator::Id("welcome"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(welcome, "Welcome, Demo coordinator");
    c.goto(&format!("{}/account", app.base)).await.unwrap();
    let h1 = c
        .wait()
        .for_element(Locator::Css("h1"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(h1, "My account");
    browser.screenshots("foundation-4-account-en").await;

    browser.close().await;
    app.stop().await;
}
