//! Issue "Entity resolution", the online part, in headless Chromium: two signals name the
//! same person and address with spelling variants; the second shows "also seen in" the
//! first with the reasons; the analyst confirms; the confirmation is in the audit trail.

mod common;

use baken_store::Scope;
use common::browser::Browser;
use common::{TestApp, T0};
use fantoccini::Locator;

async fn submit(
    app: &TestApp,
    scope: &Scope,
    name: &str,
    street: &str,
    number: &str,
    postcode: &str,
) -> String {
    let state_draft = baken_domain::signal::SignalDraft::from_fields(
        &[
            ("context", "housing_inspection"),
            ("observation", "Veel matrassen in een kleine woning."),
            ("e0.kind", "person"),
            ("e0.name", name),
            ("e1.kind", "address"),
            ("e1.street", street),
            ("e1.house_number", number),
            ("e1.postcode", postcode),
            ("e1.town", "Demodorp"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect::<Vec<_>>(),
    );
    // Through the same code path as the intake form and the API.
    let client = app.client();
    let _ = client; // the HTTP path is covered by intake_browser; here we use the API
    let token = app
        .store
        .create_api_token(scope, "t", &["signals:write", "signals:read"], T0)
        .await
        .unwrap()
        .0;
    let body = serde_json::json!({
        "context": state_draft.context,
        "observation": state_draft.observation,
        "entities": [
            {"kind": "person", "name": name},
            {"kind": "address", "street": street, "house_number": number, "postcode": postcode, "town": "Demodorp"}
        ]
    });
    let r = reqwest::Client::new()
        .post(format!("{}/api/v1/signals", app.base))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    let v: serde_json::Value = r.json().await.unwrap();
    v["id"].as_str().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_second_signal_shows_the_first_and_the_analyst_confirms() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let app = TestApp::start(baken_store::testkit::TestDb::sqlite().await, "sqlite").await;
    let scope = app
        .demo_scope("demo-frontline", baken_domain::Role::Frontline)
        .await;
    let first = submit(
        &app,
        &scope,
        "Jan van der Berg",
        "Kerkstraat",
        "12",
        "1234 AB",
    )
    .await;
    let _unrelated = submit(&app, &scope, "Piet Jansen", "Dorpsweg", "3", "9999 ZZ").await;
    let second = submit(
        &app,
        &scope,
        "J. van der Bergh",
        "Kerkstr.",
        "12a",
        "1234AB",
    )
    .await;

    let c = &browser.client;
    browser.login(&app, "demo-analyst").await;

    browser.open(&app.base, &format!("/signals/{second}")).await;
    let section = browser.text(".baken-also-seen").await;
    assert!(
        section.contains("Achternaam") && section.contains("Adres"),
        "reasons shown: {section}"
    );
    let links = c
        .find_all(Locator::Css(".baken-also-seen__item"))
        .await
        .unwrap();
    assert_eq!(
        links.len(),
        1,
        "only the first signal, not the unrelated one: {section}"
    );
    let href = browser.attr(".baken-also-seen a", "href").await;
    assert_eq!(href.as_deref(), Some(format!("/signals/{first}").as_str()));
    browser.assert_accessible("also seen in").await;
    browser.screenshots("linking-1-also-seen").await;

    browser.click_and_load("button[value='confirmed']").await;
    browser
        .wait_for_text(".baken-link-decision", "bevestigd")
        .await;
    browser.screenshots("linking-2-confirmed").await;

    // The confirmation is in the audit trail, and the trail is intact.
    let rows: Vec<(String, Option<String>)> = sqlx::query_as(
        "SELECT action, actor_user_id FROM audit_log WHERE object_type = 'signal_link'",
    )
    .fetch_all(app.store.raw_pool())
    .await
    .unwrap();
    let analyst = app.store.user_by_username("demo-analyst").await.unwrap();
    assert_eq!(rows, vec![("link:confirmed".to_string(), Some(analyst.id))]);
    assert!(matches!(
        app.store.verify_audit().await.unwrap(),
        baken_store::VerifyOutcome::Intact { .. }
    ));

    browser.close().await;
    app.stop().await;
}
