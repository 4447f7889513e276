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

    browser.open(&app.base, "/login").await;
    browser.screenshots("foundation-1-login").await;
    browser.assert_no_horizontal_scroll(360).await;
    browser.fill("username", "demo-coordinator").await;
    browser
        .fill("password", &app.password("demo-coordinator"))
        .await;
    browser
        .click_and_load("form[action='/login'] button[type='submit']")
        .await;

    // First login: enrol the second factor from the QR page (the key is also shown as text).
    let secret = browser.text("#totp-secret").await;
    assert!(
        c.find(Locator::Css(".baken-qr svg")).await.is_ok(),
        "QR code rendered on the server"
    );
    browser
        .screenshots("foundation-2-enrol-second-factor")
        .await;
    browser.assert_no_horizontal_scroll(360).await;
    let code = baken_web::totp::code_at(secret.trim(), app.clock.now()).unwrap();
    browser.fill("code", &code).await;
    browser
        .click_and_load("form[action='/account/second-factor'] button[type='submit']")
        .await;
    assert_eq!(browser.text("#welcome").await, "Welkom, Demo coordinator");
    browser.screenshots("foundation-3-start-page").await;
    browser.assert_no_horizontal_scroll(360).await;

    // Switch to English: the choice persists across pages.
    browser.click("#lang-select option[value='en']").await;
    browser
        .click_and_load("form[action='/language'] button[type='submit']")
        .await;
    assert_eq!(browser.text("#welcome").await, "Welcome, Demo coordinator");
    browser.open(&app.base, "/account").await;
    assert_eq!(browser.text("h1").await, "My account");
    browser.screenshots("foundation-4-account-en").await;

    browser.close().await;
    app.stop().await;
}
