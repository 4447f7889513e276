//! Issue "Triage and dossiers", in headless Chromium: the demo coordinator takes two
//! signals from the inbox into one dossier, adds a task (a deadline in the past is refused
//! first) and a decision, closes the dossier with a result; the frontline worker who
//! recorded the signals sees them handled. Screenshots at 360 and 1280 px.

mod common;

use common::browser::Browser;
use common::TestApp;
use fantoccini::Locator;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn coordinator_gathers_two_signals_into_a_dossier_and_closes_it() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let app = TestApp::start(baken_store::testkit::TestDb::sqlite().await, "sqlite").await;
    let scope = app
        .demo_scope("demo-frontline", baken_domain::Role::Frontline)
        .await;
    for place in ["Kerkstraat 12", "Kerkstraat 14"] {
        let fields = vec![(
            "observation".to_string(),
            format!("Veel mensen ingeschreven op {place}"),
        )];
        app.submitted_signal(&scope, "registration_desk", &fields)
            .await;
    }

    let c = &browser.client;
    browser.login(&app, "demo-coordinator").await;
    browser.open(&app.base, "/inbox").await;
    browser.assert_accessible("inbox with filters").await;
    browser.screenshots("dossier-1-inbox").await;
    browser
        .dossier_from_inbox("Kerkstraat 12-14, inschrijvingen")
        .await;

    let heading = browser.text("#dossier-heading").await;
    assert_eq!(heading, "Kerkstraat 12-14, inschrijvingen");
    let signals = c
        .find_all(Locator::Css("#dossier-signals li"))
        .await
        .unwrap();
    assert_eq!(signals.len(), 2);

    // A deadline in the past is refused with a message; then a real one is accepted.
    browser.fill("task-title", "Adresonderzoek BRP").await;
    c.execute(
        "document.getElementById('task-deadline').removeAttribute('min');",
        vec![],
    )
    .await
    .unwrap();
    c.execute(
        "document.getElementById('task-deadline').value = '2020-01-01';",
        vec![],
    )
    .await
    .unwrap();
    browser
        .click_and_load("form[action$='/tasks'] button[type='submit']")
        .await;
    let error = browser.text("#error-summary").await;
    assert!(error.contains("vandaag of later"), "{error}");
    // Nothing typed is lost, and the message leads to the field it is about.
    assert_eq!(
        browser.prop("#task-title", "value").await.as_deref(),
        Some("Adresonderzoek BRP")
    );
    assert_eq!(
        browser.prop("#task-deadline", "value").await.as_deref(),
        Some("2020-01-01")
    );
    assert_eq!(
        browser.attr("#error-summary a", "href").await.as_deref(),
        Some("#task-deadline")
    );
    assert_eq!(
        browser
            .attr("#task-deadline", "aria-invalid")
            .await
            .as_deref(),
        Some("true")
    );
    c.execute(
        "document.getElementById('task-deadline').value = '2030-06-30';",
        vec![],
    )
    .await
    .unwrap();
    browser
        .click_and_load("form[action$='/tasks'] button[type='submit']")
        .await;
    let tasks = browser.text("#task-list").await;
    assert!(
        tasks.contains("Adresonderzoek BRP") && tasks.contains("2030-06-30"),
        "{tasks}"
    );

    browser.click("#entry-kind option[value='decision']").await;
    browser
        .fill(
            "entry-text",
            "Bibob-toets bij de verhuurder, want vermoedelijke huisjesmelker.",
        )
        .await;
    browser
        .click_and_load("form[action$='/entries'] button[type='submit']")
        .await;
    browser.click("#next-status option[value='closed']").await;
    browser
        .fill(
            "result",
            "Woning gesloten na inspectie; bewoners naar opvang.",
        )
        .await;
    browser
        .click_and_load("form[action$='/status'] button[type='submit']")
        .await;
    let status = browser.text("#dossier-status").await;
    assert_eq!(status, "afgesloten");
    let timeline = browser.text("#timeline-list").await;
    assert!(
        timeline.contains("besluit")
            && timeline.contains("Bibob")
            && timeline.contains("Woning gesloten"),
        "{timeline}"
    );
    browser.assert_accessible("dossier").await;
    browser.screenshots("dossier-2-closed").await;

    // The source sees "handled", not the dossier.
    browser.login(&app, "demo-frontline").await;
    browser.open(&app.base, "/signals").await;
    let list = browser.text("#signal-list").await;
    assert_eq!(list.matches("afgehandeld").count(), 2, "{list}");
    assert!(
        !list.contains("Kerkstraat 12-14"),
        "no dossier title for the source"
    );
    let (status, _) = app.client().get("/dossiers").await;
    assert_eq!(status, 200, "(anonymous client lands on login)");
    browser.screenshots("dossier-3-source-sees-handled").await;

    browser.close().await;
    app.stop().await;
}
