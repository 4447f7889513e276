//! The anonymous channel in headless Chromium, as a reporter on a phone: a report in
//! Dutch and one in Arabic (right to left), the receipt, and the follow-up page. axe-core
//! checks every page (no serious or critical violation), no page scrolls sideways at
//! 360 px, and screenshots at 360 and 1280 px go to target/screenshots/.
//! Each report carries a photo with GPS EXIF data; the analyst receives it without.

mod common;

use common::browser::Browser;
use common::TestApp;
use fantoccini::Locator;

async fn check_page(browser: &Browser, name: &str) {
    browser.assert_accessible(name).await;
    browser.assert_no_horizontal_scroll(360).await;
    browser.screenshots(name).await;
}

/// pow.js filled the solution field with a counter that does the challenge's work.
async fn assert_pow_solved(browser: &Browser) {
    let token = browser
        .prop("input[name='pow_challenge']", "value")
        .await
        .unwrap_or_default();
    let bits: u32 = token.split('.').nth(2).unwrap().parse().unwrap();
    for _ in 0..600 {
        let solution = browser
            .prop("#pow-solution", "value")
            .await
            .unwrap_or_default();
        if !solution.is_empty() {
            assert!(baken_domain::pow::work_bits(&token, &solution) >= bits);
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("pow.js did not solve the challenge within a minute");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reporter_sends_in_dutch_and_arabic_and_follows_up() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    // Reports without proof of work are refused: each report below gets through only
    // because pow.js solved its challenge in the browser.
    let db = baken_store::testkit::TestDb::sqlite().await;
    let app = TestApp::start_with(db, "sqlite", |c| c.public_unsolved_per_minute = 0).await;
    let c = &browser.client;
    for (lang, what) in [
        ("nl", "Mannen worden elke ochtend met een busje opgehaald"),
        ("ar", "رأيت عمالاً ينامون في المستودع"),
    ] {
        c.goto(&format!("{}/meld?lang={lang}", app.base))
            .await
            .unwrap();
        let dir = browser.attr("html", "dir").await;
        assert_eq!(
            dir.as_deref(),
            Some(if lang == "ar" { "rtl" } else { "ltr" })
        );
        check_page(&browser, &format!("public-{lang}-1-form")).await;
        // Sent empty first: the error summary, nothing lost.
        browser.fill("place", "Demodorp").await;
        browser
            .click_and_load("form[action='/meld'] button[type='submit']")
            .await;
        c.wait()
            .for_element(Locator::Id("error-summary"))
            .await
            .unwrap();
        check_page(&browser, &format!("public-{lang}-2-error")).await;
        let kept = browser.prop("#place", "value").await;
        assert_eq!(kept.as_deref(), Some("Demodorp"));
        browser.fill("what", what).await;
        browser.click("input[name='seen']").await;
        // A phone photo that carries its GPS position in EXIF.
        let photo =
            std::env::temp_dir().join(format!("baken-gps-{lang}-{}.jpg", std::process::id()));
        std::fs::write(&photo, baken_web::photos::jpeg_with_gps_exif()).unwrap();
        c.find(Locator::Id("photo"))
            .await
            .unwrap()
            .send_keys(photo.to_str().unwrap())
            .await
            .unwrap();
        assert_pow_solved(&browser).await;
        browser
            .click_and_load("form[action='/meld'] button[type='submit']")
            .await;
        let receipt = browser.text("#receipt").await;
        assert_eq!(receipt.replace(' ', "").len(), 16, "{receipt}");
        check_page(&browser, &format!("public-{lang}-3-receipt")).await;
        c.goto(&format!("{}/meld/follow-up?lang={lang}", app.base))
            .await
            .unwrap();
        check_page(&browser, &format!("public-{lang}-4-follow-up")).await;
        browser.fill("receipt", &receipt).await;
        browser
            .click_and_load("form[action='/meld/follow-up'] button[type='submit']")
            .await;
        c.wait().for_element(Locator::Id("thread")).await.unwrap();
        let body = c.source().await.unwrap();
        assert!(body.contains(what));
        check_page(&browser, &format!("public-{lang}-5-thread")).await;
        c.goto(&format!("{}/meld/privacy?lang={lang}", app.base))
            .await
            .unwrap();
        check_page(&browser, &format!("public-{lang}-6-privacy")).await;
    }
    // Both photos arrived, without their EXIF (as the analyst receives them).
    let analyst = app
        .logged_in("demo-analyst", &app.password("demo-analyst"))
        .await;
    let (_, list) = analyst.get("/reports").await;
    let ids: Vec<String> = list
        .split("href=\"/reports/")
        .skip(1)
        .map(|s| s.split('"').next().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 2, "{list}");
    for id in ids {
        let r = analyst.get_raw(&format!("/reports/{id}/photos/1")).await;
        assert_eq!(r.status().as_u16(), 200);
        let stored = r.bytes().await.unwrap();
        assert!(!baken_web::photos::has_exif(&stored), "EXIF stripped");
    }
    browser.close().await;
    app.stop().await;
}
