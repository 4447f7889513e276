//! Issue 8 item 6 "Lessons from practice", end to end in headless Chromium: the demo
//! coordinator turns a closed dossier (its observation names a person, an IBAN and a
//! phone number) into a practice-case draft with one button and reads it anonymised; the
//! demo trainer reviews it, is held back by the personal-data check for a BSN typed into
//! the scenario (the text kept), removes it and publishes; the demo frontline worker of
//! the same organisation finds the case on /learn, plays it with one indicator missed and
//! reads the explained result. axe-core checks the review page, /learn with the
//! organisation's case and the result; screenshots at 360 and 1280 px go to
//! target/screenshots/.

mod common;

use baken_domain::Role;
use common::browser::Browser;
use common::practice::{dossier_naming_a_person, IBAN, INDICATORS, NAME, PHONE};
use common::TestApp;
use fantoccini::Locator;

const BSN: &str = "111222333";

/// Screenshots at phone and desk widths with the element matching `css` in view (the
/// helper's screenshots show the top of the page, which at 360 px is not what matters).
async fn screenshots_of(browser: &Browser, name: &str, css: &str) {
    for width in [360, 1280] {
        browser.client.set_window_size(width, 900).await.unwrap();
        let el = browser.client.find(Locator::Css(css)).await.unwrap();
        let arg = serde_json::to_value(&el).unwrap();
        browser
            .client
            .execute("arguments[0].scrollIntoView({block: 'start'});", vec![arg])
            .await
            .unwrap();
        browser.screenshot(name, width).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_dossier_becomes_a_practice_case_the_organisation_plays() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let c = &browser.client;
    let app = TestApp::start(baken_store::testkit::TestDb::sqlite().await, "sqlite").await;

    // A closed dossier in the demo municipality, through the store (intake and dossier
    // pages have their own browser tests).
    let (coord_scope, dossier) = dossier_naming_a_person(&app, &[]).await;
    app.store
        .set_dossier_status(
            &coord_scope,
            &dossier,
            "closed",
            Some("afgerond"),
            common::T0,
        )
        .await
        .unwrap();

    // The coordinator makes a practice case of it with one button and lands on the draft.
    browser.login(&app, "demo-coordinator").await;
    browser
        .open(&app.base, &format!("/dossiers/{dossier}"))
        .await;
    browser.wait_for_text("#practice", "").await;
    browser.click_and_load("#practice-submit").await;
    let url = c.current_url().await.unwrap();
    let draft_path = url.path().to_string();
    assert!(draft_path.starts_with("/learn/drafts/"), "{draft_path}");
    let draft_id = draft_path.trim_start_matches("/learn/drafts/").to_string();
    let scenario = browser.wait_for_text("#draft-scenario", "[name]").await;
    let title = browser.text("#draft-title").await;
    for personal in [NAME, "Jan", "Vries", IBAN, PHONE] {
        assert!(
            !scenario.contains(personal),
            "{personal} left in: {scenario}"
        );
        assert!(!title.contains(personal), "{personal} left in: {title}");
    }
    for placeholder in ["[name]", "[iban]", "[phone]"] {
        assert!(scenario.contains(placeholder), "{placeholder}: {scenario}");
    }
    // A coordinator reads the draft; a trainer edits and publishes it.
    assert!(c.find(Locator::Id("draft-form")).await.is_err());
    assert!(browser
        .text("#draft-action")
        .await
        .contains("Een signaal vastleggen"));
    browser
        .assert_accessible("draft read by the coordinator")
        .await;
    browser.screenshots("practice-1-draft-coordinator").await;

    // The trainer finds it among the organisation's drafts and opens it.
    browser.login(&app, "demo-trainer").await;
    browser.open(&app.base, "/learn").await;
    browser.click_and_load("#learn-drafts-link").await;
    browser
        .wait_for_text(&format!("#draft-{draft_id}"), "Concept")
        .await;
    browser.assert_accessible("drafts list").await;
    browser
        .click_and_load(&format!("#draft-{draft_id} a"))
        .await;
    assert_eq!(c.current_url().await.unwrap().path(), draft_path);
    let stored = browser
        .prop("#draft-scenario", "value")
        .await
        .unwrap_or_default();
    assert!(stored.contains("[iban]"), "{stored}");

    // A BSN typed into the scenario holds the publication back: the warning names it
    // and what was typed stays in the form.
    let risky = format!("{stored}\n\nHij noemde zijn BSN {BSN} aan de balie.");
    browser.fill("draft-title", "De tolk aan de balie").await;
    browser.fill("draft-scenario", &risky).await;
    browser.click_and_load("#draft-publish").await;
    let warning = browser.wait_for_text("#privacy-warnings", "BSN").await;
    assert!(warning.contains(BSN), "{warning}");
    assert!(warning.contains("Niet gepubliceerd"), "{warning}");
    let kept = browser
        .prop("#draft-scenario", "value")
        .await
        .unwrap_or_default();
    assert_eq!(kept.replace("\r\n", "\n"), risky, "the typed text is kept");
    assert_eq!(
        browser.prop("#draft-title", "value").await.unwrap(),
        "De tolk aan de balie"
    );
    assert_eq!(browser.text("#draft-status").await, "Concept");
    let learner_scope = app.demo_scope("demo-frontline", Role::Frontline).await;
    assert!(app
        .store
        .published_cases(&learner_scope)
        .await
        .unwrap()
        .is_empty());
    browser.assert_accessible("draft held back").await;
    browser.assert_no_horizontal_scroll(360).await;
    screenshots_of(&browser, "practice-2-draft-held-back", "#privacy-warnings").await;

    // Without it, the case is published and the trainer lands on it.
    let clean = format!("{stored}\n\nHij liet zijn papieren steeds bij de ander.");
    browser.fill("draft-scenario", &clean).await;
    browser.click_and_load("#draft-publish").await;
    let case_path = format!("/learn/cases/org-{draft_id}");
    assert_eq!(c.current_url().await.unwrap().path(), case_path);
    browser
        .wait_for_text("#scenario", "papieren steeds bij de ander")
        .await;
    // The paragraph typed in the browser stays a paragraph.
    let paragraphs = c.find_all(Locator::Css("#scenario p")).await.unwrap().len();
    assert_eq!(paragraphs, 2, "two paragraphs in the published scenario");

    // A learner of the organisation finds it on /learn and plays it: all indicators but
    // the last ticked, the expected action chosen.
    browser.login(&app, "demo-frontline").await;
    browser.open(&app.base, "/learn").await;
    let listed = browser
        .wait_for_text(&format!("#learn-org-cases #case-org-{draft_id}"), "")
        .await;
    assert!(listed.contains("De tolk aan de balie"), "{listed}");
    browser
        .assert_accessible("learning with the organisation's case")
        .await;
    screenshots_of(&browser, "practice-3-learn", "#learn-org-cases").await;
    browser
        .click_and_load(&format!("#case-org-{draft_id} a"))
        .await;
    let scenario = browser.wait_for_text("#scenario", "[name]").await;
    assert!(!scenario.contains(BSN), "{scenario}");
    let (missed, ticked) = INDICATORS.split_last().unwrap();
    for id in ticked {
        browser.click(&format!("label[for='ind-{id}']")).await;
    }
    browser.click("label[for='action-record_signal']").await;
    browser.click_and_load("#case-submit").await;

    // The result explains the missed indicator and agrees on the rest and the action.
    assert_eq!(
        c.current_url().await.unwrap().path(),
        format!("{case_path}/result")
    );
    let lib = baken_indicators::embedded().unwrap();
    let missed_ind = lib.indicator(missed).unwrap();
    let row = browser
        .wait_for_text(&format!("#result-{missed}"), "Gemist")
        .await;
    assert!(row.contains(missed_ind.label.get("nl")), "{row}");
    assert!(row.contains(missed_ind.look_for.get("nl")), "{row}");
    for id in ticked {
        let agreed = browser.text(&format!("#result-{id}")).await;
        assert!(agreed.contains("Overeen"), "{agreed}");
    }
    assert!(browser
        .text("#result-action")
        .await
        .contains("U koos de verwachte actie"));
    let score = browser.text("#score").await;
    assert!(!score.contains("100%"), "one indicator missed: {score}");
    browser
        .assert_accessible("result of the organisation's case")
        .await;
    browser.assert_no_horizontal_scroll(360).await;
    browser.screenshots("practice-4-result").await;

    // Back on /learn, the organisation's case is marked completed.
    browser.open(&app.base, "/learn").await;
    browser
        .wait_for_text(&format!("#case-org-{draft_id}"), "Afgerond")
        .await;
    browser.close().await;
    app.stop().await;
}
