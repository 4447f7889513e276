//! Postcode areas in headless Chromium: the demo administrator follows the navigation to
//! `/admin/postcodes`, types a wrong piece and gets the form back with the text kept and
//! the piece named in the error summary (keyboard focus can follow its link to the
//! field), then saves new areas. axe-core checks each page; screenshots at 360 and
//! 1280 px go to target/screenshots/.

mod common;

use common::browser::Browser;
use common::TestApp;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn administrator_sets_postcode_areas_in_the_browser() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let app = TestApp::start(baken_store::testkit::TestDb::sqlite().await, "sqlite").await;
    browser.login(&app, "demo-administrator").await;
    browser.click_and_load("a[href='/admin/postcodes']").await;
    assert_eq!(
        browser.prop("#areas", "value").await.as_deref(),
        Some("9990-9999")
    );
    browser.assert_accessible("postcode areas").await;
    browser.assert_no_horizontal_scroll(360).await;
    browser.screenshots("postcodes-1-current").await;

    browser.fill("areas", "3511-3585, 35x0").await;
    browser.click_and_load("#postcodes-save").await;
    browser
        .wait_for_text("#error-summary", "„35x0” is geen postcode of reeks")
        .await;
    assert_eq!(
        browser.prop("#areas", "value").await.as_deref(),
        Some("3511-3585, 35x0")
    );
    assert_eq!(
        browser.attr("#areas", "aria-invalid").await.as_deref(),
        Some("true")
    );
    browser.assert_accessible("postcode areas refused").await;
    browser.assert_no_horizontal_scroll(360).await;
    browser.screenshots("postcodes-2-refused").await;

    browser.fill("areas", "3511-3585, 3600").await;
    browser.click_and_load("#postcodes-save").await;
    browser.wait_for_text("#postcodes-saved", "").await;
    assert_eq!(
        browser.prop("#areas", "value").await.as_deref(),
        Some("3511-3585, 3600")
    );
    browser.assert_accessible("postcode areas saved").await;
    browser.screenshots("postcodes-3-saved").await;
    let org = app
        .store
        .org_by_name(baken_store::seed::DEMO_MUNICIPALITY)
        .await
        .unwrap();
    assert_eq!(
        app.store.postcode_areas(&org.id).await.unwrap(),
        vec![(3511, 3585), (3600, 3600)]
    );
    browser.close().await;
    app.stop().await;
}
