//! Exports in headless Chromium: the demo coordinator opens a dossier's export page from
//! the dossier, is refused with a wrong password, confirms with password and the next
//! code from the authenticator app, is told to fill in a purpose of only blanks, then
//! downloads the dossier as JSON and, still within the confirmation's five minutes, the
//! organisation's cases as HTCDS CSV; both files are read back. The demo privacy officer
//! finds each export with its purpose in the audit trail; the demo frontline worker
//! (no right to cases) is offered no export and finds the pages not to exist. axe-core
//! checks every page on the way; screenshots at 360 and 1280 px go to
//! target/screenshots/.

mod common;

use baken_domain::htcds;
use common::browser::Browser;
use common::export::{dossier, TITLE};
use common::TestApp;
use fantoccini::Locator;

const COORDINATOR: &str = "demo-coordinator";
const DOSSIER_PURPOSE: &str = "Overdracht aan de politie, zaak 2026-17";
const CASES_PURPOSE: &str = "Jaarcijfers mensenhandel";

/// The rows of the audit trail page that record `action`, as their text.
async fn audit_rows(browser: &Browser, action: &str) -> Vec<String> {
    let mut rows = Vec::new();
    for tr in browser
        .client
        .find_all(Locator::Css("table tbody tr"))
        .await
        .unwrap()
    {
        let cells = tr.find_all(Locator::Css("td")).await.unwrap();
        if cells.len() > 3 && cells[3].text().await.unwrap() == action {
            rows.push(tr.text().await.unwrap());
        }
    }
    rows
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn coordinator_confirms_and_downloads_exports_that_are_audited() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let c = &browser.client;
    let app = TestApp::start(baken_store::testkit::TestDb::sqlite().await, "sqlite").await;
    let id = dossier(&app, 3).await;
    let export_path = format!("/dossiers/{id}/export");

    // From the dossier page to its export page: first the confirmation, nothing else.
    browser.login(&app, COORDINATOR).await;
    browser.open(&app.base, &format!("/dossiers/{id}")).await;
    browser.click_and_load("#export-link").await;
    assert_eq!(c.current_url().await.unwrap().path(), export_path);
    assert_eq!(browser.text("#export-subject").await, TITLE);
    assert!(c.find(Locator::Id("confirm-form")).await.is_ok());
    assert!(c.find(Locator::Id("export-form")).await.is_err());
    browser.assert_accessible("export confirmation").await;
    browser.assert_no_horizontal_scroll(360).await;
    browser.screenshots("export-1-confirm").await;

    // A wrong password is refused with a message; still no way to download.
    browser.fill("password", "niet mijn wachtwoord").await;
    browser.fill("code", "000000").await;
    browser
        .click_and_load("#confirm-form button[type='submit']")
        .await;
    browser
        .wait_for_text("#error-summary", "Het wachtwoord of de code klopt niet.")
        .await;
    assert!(c.find(Locator::Id("export-form")).await.is_err());
    browser
        .assert_accessible("export confirmation refused")
        .await;

    // The password and the next code from the app: back on the page, now with the form.
    browser.fill("password", &app.password(COORDINATOR)).await;
    browser
        .fill("code", &app.next_code(COORDINATOR).await)
        .await;
    browser
        .click_and_load("#confirm-form button[type='submit']")
        .await;
    assert_eq!(c.current_url().await.unwrap().path(), export_path);
    assert!(c.find(Locator::Id("export-form")).await.is_ok());
    assert!(c.find(Locator::Id("confirm-form")).await.is_err());
    assert_eq!(
        browser.prop("#format-pdf", "checked").await.as_deref(),
        Some("true"),
        "PDF is the first choice"
    );
    browser.assert_accessible("export form").await;
    browser.assert_no_horizontal_scroll(360).await;
    browser.screenshots("export-2-form").await;

    // A purpose of only blanks passes the browser's own check but not the server's:
    // the message names the field, and nothing is downloaded.
    browser.fill("purpose", "   ").await;
    browser
        .click_and_load("#export-form button[type='submit']")
        .await;
    browser
        .wait_for_text("#error-summary", "Doel van de export")
        .await;
    assert!(browser.downloaded_files().is_empty());
    browser.assert_accessible("export without a purpose").await;

    // With a purpose and JSON chosen, the browser saves the dossier as a file.
    browser.fill("purpose", DOSSIER_PURPOSE).await;
    browser.click("label[for='format-json']").await;
    browser.click("#export-form button[type='submit']").await;
    let wanted = format!("dossier-{id}.json");
    let (_, file) = browser.downloaded(|name| name == wanted).await;
    let json: serde_json::Value = serde_json::from_slice(&file).expect("a JSON file");
    assert_eq!(json["title"], TITLE);
    assert_eq!(json["confidentiality_level"], 3);
    let signals = json["signals"].as_array().unwrap();
    assert_eq!(signals.len(), 1);
    assert!(
        signals[0].to_string().contains("Veel mensen op één adres"),
        "{signals:?}"
    );

    // Within five minutes, the statistics export from the dossier list asks for no new
    // confirmation; its CSV has the HTCDS field list as header and the case as a row.
    browser.open(&app.base, "/dossiers").await;
    browser.click_and_load("#export-cases-link").await;
    assert_eq!(c.current_url().await.unwrap().path(), "/exports/htcds");
    assert!(c.find(Locator::Id("confirm-form")).await.is_err());
    browser.assert_accessible("cases export form").await;
    browser.fill("purpose", CASES_PURPOSE).await;
    browser.click("label[for='format-csv']").await;
    browser.click("#export-form button[type='submit']").await;
    let (_, file) = browser
        .downloaded(|name| name.starts_with("htcds-") && name.ends_with(".csv"))
        .await;
    let mut reader = csv::Reader::from_reader(file.as_slice());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    let names: Vec<String> = htcds::FIELDS.iter().map(|f| f.name.clone()).collect();
    assert_eq!(header, names);
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 1);
    let case_number = header.iter().position(|h| h == "baken_CaseNumber").unwrap();
    assert_eq!(&rows[0][case_number], id.as_str());
    assert_eq!(browser.downloaded_files().len(), 2, "one file per download");

    // The privacy officer finds each export once in the audit trail, by the coordinator,
    // with the purpose typed.
    let coordinator = app.store.user_by_username(COORDINATOR).await.unwrap();
    browser.login(&app, "demo-privacy-officer").await;
    browser.open(&app.base, "/audit").await;
    let dossier_exports = audit_rows(&browser, "export:json").await;
    assert_eq!(dossier_exports.len(), 1, "{dossier_exports:?}");
    for needle in [DOSSIER_PURPOSE, &id, &coordinator.id] {
        assert!(
            dossier_exports[0].contains(needle),
            "{needle}: {dossier_exports:?}"
        );
    }
    let case_exports = audit_rows(&browser, "export:csv").await;
    assert_eq!(case_exports.len(), 1, "{case_exports:?}");
    assert!(
        case_exports[0].contains(CASES_PURPOSE) && case_exports[0].contains(&coordinator.id),
        "{case_exports:?}"
    );
    browser
        .assert_accessible("audit trail with the exports")
        .await;
    browser.screenshots("export-3-audit-trail").await;

    // A frontline worker has no right to cases: no dossiers to reach an export from, and
    // the export pages do not exist for them.
    browser.login(&app, "demo-frontline").await;
    assert!(c
        .find(Locator::Css("nav a[href='/dossiers']"))
        .await
        .is_err());
    for path in [export_path.as_str(), "/exports/htcds"] {
        browser.open(&app.base, path).await;
        let main = browser
            .wait_for_text("main", "Deze pagina bestaat niet.")
            .await;
        assert!(!main.contains(TITLE), "{path}: {main}");
        for form in ["confirm-form", "export-form"] {
            assert!(c.find(Locator::Id(form)).await.is_err(), "{form} on {path}");
        }
    }
    browser.assert_accessible("export refused").await;

    browser.close().await;
    app.stop().await;
}
