//! Issue "Triage inbox, dossiers, … referrals", done-when, in headless Chromium: the demo
//! coordinator takes two signals from the inbox into one dossier, adds a task and a
//! barrier, and refers to the demo partner agency with two data categories deselected;
//! the demo partner sees exactly the selected data, acknowledges and answers with an
//! outcome; the coordinator sees the outcome on the timeline; the frontline worker sees
//! "handled". Screenshots at 1280 px (and 360), axe-core on the referral inbox pages.

mod common;

use common::browser::Browser;
use common::TestApp;
use fantoccini::Locator;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn coordinator_refers_to_the_partner_who_answers_and_the_source_sees_handled() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let c = &browser.client;
    let app = TestApp::start(baken_store::testkit::TestDb::sqlite().await, "sqlite").await;
    let frontline = app
        .demo_scope("demo-frontline", baken_domain::Role::Frontline)
        .await;
    for place in ["Havenweg 3", "Havenweg 5"] {
        let fields = vec![
            (
                "observation".to_string(),
                format!("Busjes met arbeiders bij {place}"),
            ),
            ("answer.EXT-14".to_string(), "yes".to_string()),
            ("answer.WRK-07".to_string(), "yes".to_string()),
        ];
        app.submitted_signal(&frontline, "business_inspection", &fields)
            .await;
    }

    // The coordinator gathers both signals from the inbox into one dossier.
    browser.login(&app, "demo-coordinator").await;
    browser.open(&app.base, "/inbox").await;
    browser.dossier_from_inbox("Havenweg 3-5").await;
    assert_eq!(browser.text("#dossier-heading").await, "Havenweg 3-5");
    let dossier_url = c.current_url().await.unwrap();
    let signals = c
        .find_all(Locator::Css("#dossier-signals li"))
        .await
        .unwrap();
    assert_eq!(signals.len(), 2);

    // A task and a barrier.
    browser.fill("task-title", "Adrescontrole Havenweg").await;
    c.execute(
        "document.getElementById('task-deadline').value = '2030-06-30';",
        vec![],
    )
    .await
    .unwrap();
    browser
        .click_and_load("form[action$='/tasks'] button[type='submit']")
        .await;
    assert!(browser
        .text("#task-list")
        .await
        .contains("Adrescontrole Havenweg"));
    browser.fill("applied-by", "Team Bibob Havenweg").await;
    browser
        .click_and_load("form[action$='/barriers'] button[type='submit']")
        .await;
    assert!(browser
        .text("#barrier-list")
        .await
        .contains("Team Bibob Havenweg"));

    // The demo police unit chosen but nothing ticked: refused with a message, the
    // choice kept. Then the summary and the observations only: the people and things
    // and the barriers stay behind.
    c.execute(
        "const s = document.getElementById('refer-contact'); \
         s.value = [...s.options].find(o => o.text.includes(arguments[0])).value;",
        vec![serde_json::json!(baken_store::seed::DEMO_PARTNER)],
    )
    .await
    .unwrap();
    browser.click_and_load("#refer-submit").await;
    let error = browser.text("#error-summary").await;
    assert!(error.contains("minstens één categorie"), "{error}");
    let chosen = c
        .execute(
            "const s = document.getElementById('refer-contact'); \
             return s.options[s.selectedIndex].text;",
            vec![],
        )
        .await
        .unwrap();
    assert!(
        chosen
            .as_str()
            .unwrap()
            .contains(baken_store::seed::DEMO_PARTNER),
        "the partner stays chosen: {chosen}"
    );
    browser.click("#cat-summary").await;
    browser.click("#cat-observations").await;
    browser.click_and_load("#refer-submit").await;
    let document = browser.text("#referral-document").await;
    assert!(document.contains("Havenweg 3-5"), "{document}");
    assert!(!document.contains("Team Bibob"), "{document}");
    browser.screenshots("referral-1-document").await;

    // The partner's referral inbox: the snapshot, exactly the chosen data.
    browser.login(&app, "demo-partner").await;
    browser.open(&app.base, "/referrals").await;
    let inbox = browser.text("#referral-inbox").await;
    assert!(
        inbox.contains(baken_store::seed::DEMO_MUNICIPALITY),
        "{inbox}"
    );
    browser.assert_accessible("referral inbox").await;
    browser.screenshots("referral-2-partner-inbox").await;
    browser
        .click_and_load("#referral-inbox a[href^='/referrals/']")
        .await;
    let snapshot = browser.text("#referral-snapshot").await;
    assert!(
        snapshot.contains("Havenweg 3-5")
            && snapshot.contains("Busjes met arbeiders bij Havenweg 3")
            && snapshot.contains("Busjes met arbeiders bij Havenweg 5"),
        "{snapshot}"
    );
    assert!(
        !snapshot.contains("Team Bibob") && !snapshot.contains("BAR-"),
        "barriers were deselected: {snapshot}"
    );
    assert!(!snapshot.contains("Adrescontrole"), "{snapshot}");
    browser.assert_accessible("referral received").await;
    browser.screenshots("referral-3-partner-reads").await;
    // The partner never reaches the dossier itself.
    c.goto(dossier_url.as_str()).await.unwrap();
    let body = browser.text("body").await;
    assert!(!body.contains("Havenweg 3-5"), "{body}");
    c.back().await.unwrap();

    browser.click_and_load("#referral-acknowledge").await;
    assert_eq!(
        browser.text("#referral-status").await,
        "ontvangst bevestigd"
    );
    browser
        .click("#outcome-kind option[value='investigation']")
        .await;
    browser
        .fill(
            "outcome-text",
            "Opsporingsonderzoek gestart door team mensenhandel",
        )
        .await;
    browser.click_and_load("#referral-answer").await;
    assert_eq!(browser.text("#referral-status").await, "beantwoord");
    let outcome = browser.text("#referral-outcome").await;
    assert!(outcome.contains("onderzoek gestart"), "{outcome}");
    browser.assert_accessible("referral answered").await;
    browser.screenshots("referral-4-partner-answered").await;

    // The coordinator sees the outcome on the dossier timeline.
    browser.login(&app, "demo-coordinator").await;
    c.goto(dossier_url.as_str()).await.unwrap();
    let timeline = browser.text("#timeline-list").await;
    assert!(
        timeline.contains("ontvangst doorverwijzing bevestigd")
            && timeline.contains("uitkomst van de doorverwijzing")
            && timeline.contains("Opsporingsonderzoek gestart"),
        "{timeline}"
    );
    c.execute(
        "document.getElementById('timeline').scrollIntoView();",
        vec![],
    )
    .await
    .unwrap();
    browser.screenshots("referral-5-coordinator-timeline").await;

    // The source sees "handled", not the dossier.
    browser.login(&app, "demo-frontline").await;
    browser.open(&app.base, "/signals").await;
    let list = browser.text("#signal-list").await;
    assert_eq!(list.matches("afgehandeld").count(), 2, "{list}");
    assert!(!list.contains("Havenweg 3-5"), "{list}");
    browser.screenshots("referral-6-source-sees-handled").await;

    browser.close().await;
    app.stop().await;
}
