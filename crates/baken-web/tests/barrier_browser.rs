//! Issue "Triage inbox, dossiers, administrative barriers, referrals and the contact-point
//! network", in headless Chromium: the demo administrator imports a directory CSV (a
//! broken line is named by line and column and nothing is imported), fixes it and
//! imports; the demo coordinator applies a barrier the dossier's indicators point to,
//! sets its outcome and sees both on the timeline, then filters the directory.
//! Screenshots at 360 and 1280 px.

mod common;

use common::browser::Browser;
use common::{TestApp, T0};
use fantoccini::Locator;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn coordinator_applies_a_barrier_and_uses_the_directory() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let c = &browser.client;
    let app = TestApp::start(baken_store::testkit::TestDb::sqlite().await, "sqlite").await;
    let scope = app
        .demo_scope("demo-coordinator", baken_domain::Role::Coordinator)
        .await;
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
        .submitted_signal(&scope, "business_inspection", &fields)
        .await;
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

    // The administrator imports a directory with a broken line: refused as a whole,
    // each bad cell named by line and column, the pasted text kept.
    browser.login(&app, "demo-administrator").await;
    browser.open(&app.base, "/directory").await;
    let header = "partner,name,country,region,phenomena,phone,email,address,hours";
    let good = "Zorgboerderij Oost,Meldpunt,NL,Twente,labour_exploitation,053 123 4567,meldpunt@zorg-oost.example,,ma-vr 9-17";
    let broken = format!(
        "{header}\n{good}\nOpvang West,Intake,NL,Westland,no_such_phenomenon,,intake-at-west.example,,\n"
    );
    // The textarea keeps newlines; set it in one go rather than key by key.
    c.execute(
        "document.getElementById('csv').value = arguments[0];",
        vec![serde_json::Value::String(broken.clone())],
    )
    .await
    .unwrap();
    browser.click_and_load("#import-directory").await;
    let errors = browser.text("#import-errors").await;
    assert!(
        errors.contains("Regel 3")
            && errors.contains("kolom phenomena")
            && errors.contains("kolom email"),
        "{errors}"
    );
    let kept = browser.prop("#csv", "value").await.unwrap_or_default();
    assert!(
        kept.contains("no_such_phenomenon"),
        "the pasted text is kept"
    );
    let list = browser.text("#directory-list").await;
    assert!(
        !list.contains("Zorgboerderij Oost") && list.contains("Politie Eenheid Demo"),
        "nothing was imported: {list}"
    );
    browser.assert_accessible("directory import refused").await;
    browser.screenshots("barrier-0-import-refused").await;
    let fixed = format!(
        "{header}\n{good}\nOpvang West,Intake,NL,Westland,sexual_exploitation,,intake@west.example,,\nPayoke,Opvang,BE,Antwerpen,,+32 3 201 16 90,,\"Leguit 4, Antwerpen\",ma-vr\n"
    );
    c.execute(
        "document.getElementById('csv').value = arguments[0];",
        vec![serde_json::Value::String(fixed)],
    )
    .await
    .unwrap();
    browser.click_and_load("#import-directory").await;
    let done = browser.text("#import-done").await;
    assert!(done.contains('3'), "{done}");
    let list = browser.text("#directory-list").await;
    assert!(
        list.contains("Zorgboerderij Oost") && list.contains("Opvang West"),
        "{list}"
    );

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

    // A referral with nothing ticked is refused; with two categories, the document
    // carries those and nothing else.
    let options = browser.text("#refer-contact").await;
    assert!(options.contains("Zorgboerderij Oost"), "{options}");
    browser.click_and_load("#refer-submit").await;
    let error = browser.text("#error-summary").await;
    assert!(error.contains("minstens één categorie"), "{error}");
    c.execute(
        "const s = document.getElementById('refer-contact'); \
         s.value = [...s.options].find(o => o.text.includes('Zorgboerderij')).value;",
        vec![],
    )
    .await
    .unwrap();
    browser.click("#cat-summary").await;
    browser.click("#cat-barriers").await;
    browser.click_and_load("#refer-submit").await;
    let document = browser.text("#referral-document").await;
    assert!(
        document.contains("Nagelstudio Marktplein")
            && document.contains("Exploitatievergunning geweigerd")
            && document.contains("Zorgboerderij Oost")
            && document.contains("Grondslag"),
        "{document}"
    );
    assert!(
        !document.contains("wisselend personeel"),
        "observations were not chosen: {document}"
    );
    browser.assert_accessible("referral document").await;
    browser.screenshots("barrier-3-referral-document").await;
    browser
        .click_and_load("#referral-document a[href$='#referrals']")
        .await;
    let timeline = browser.text("#timeline-list").await;
    assert!(timeline.contains("doorverwezen"), "{timeline}");

    // The coordinator filters the directory by country and phenomenon.
    browser.open(&app.base, "/directory").await;
    browser.click("#f-country option[value='NL']").await;
    browser
        .click("#f-phenomenon option[value='labour_exploitation']")
        .await;
    browser.click_and_load("#filter-directory").await;
    let list = browser.text("#directory-list").await;
    assert!(list.contains("Zorgboerderij Oost"), "{list}");
    assert!(!list.contains("Opvang West"), "{list}");
    assert!(!list.contains("Payoke"), "{list}");
    assert!(
        c.find_all(Locator::Css("#csv")).await.unwrap().is_empty(),
        "no import for coordinators"
    );
    browser.assert_accessible("directory filtered").await;
    browser.screenshots("barrier-4-directory-filtered").await;

    browser.close().await;
    app.stop().await;
}
