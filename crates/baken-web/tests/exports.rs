//! Exports: fresh login confirmation (throttled like login), purpose in the audit trail,
//! the dossier as JSON, the cases as HTCDS (every record checked against the field list),
//! and 404 for everyone who may not see the dossier. On SQLite and PostgreSQL.

mod common;

use baken_domain::{htcds, Role};
use baken_web::Clock;
use common::export::{dossier, TITLE};
use common::{TestApp, T0};

async fn confirm(app: &TestApp, client: &common::Client, path: &str, user: &str) -> (u16, String) {
    let user_row = app.store.user_by_username(user).await.unwrap();
    let secret = app.store.open_totp_secret(&user_row).unwrap().unwrap();
    let code = baken_web::totp::code_at(&secret, app.clock.now()).unwrap();
    client
        .post_form(path, &[("password", &app.password(user)), ("code", &code)])
        .await
}

/// The actions of the audit records on dossier `id` after record number `after`, and
/// the number of the latest record.
async fn dossier_actions(app: &TestApp, id: &str, after: i64) -> (Vec<String>, i64) {
    let officer = app
        .demo_scope("demo-privacy-officer", Role::PrivacyOfficer)
        .await;
    let query = baken_store::AuditQuery::Recent;
    let mut records = app
        .store
        .audit_records(&officer, &query, 500, app.clock.now())
        .await
        .unwrap();
    records.sort_by_key(|r| r.seq);
    let last = records.last().map_or(0, |r| r.seq);
    let actions = records
        .into_iter()
        .filter(|r| r.seq > after && r.object_id.as_deref() == Some(id))
        .map(|r| r.action)
        .collect();
    (actions, last)
}

async fn fresh_confirmation_and_dossier_json(app: &TestApp) {
    let id = dossier(app, 3).await;
    let user = "demo-coordinator";
    let client = app.logged_in(user, &app.password(user)).await;
    let form = format!("/dossiers/{id}/export");
    // Not confirmed: the page asks for the password, a file request is sent back there.
    let (status, page) = client.get(&form).await;
    assert_eq!(status, 200);
    assert!(page.contains("id=\"confirm-form\"") && page.contains(TITLE));
    let file = format!("{form}/file?format=json&purpose=dossiervorming");
    let (_, page) = client.get(&file).await;
    assert!(
        page.contains("id=\"confirm-form\""),
        "file without confirmation"
    );
    // A wrong password: a clear message, and after the free tries the login throttle.
    let (status, page) = client
        .post_form(&form, &[("password", "wrong password"), ("code", "000000")])
        .await;
    assert_eq!(status, 401);
    assert!(page.contains("Het wachtwoord of de code klopt niet."));
    for _ in 0..5 {
        client
            .post_form(&form, &[("password", "wrong password"), ("code", "000000")])
            .await;
    }
    let (status, _) = confirm(app, &client, &form, user).await;
    assert_eq!(status, 429, "throttled even with the right password");
    app.clock.advance(16 * 60);
    let (status, page) = confirm(app, &client, &form, user).await;
    assert_eq!(status, 200);
    assert!(page.contains("id=\"export-form\""), "confirmed: {page}");
    // No purpose: the field is named, nothing exported.
    let (status, page) = client
        .get(&format!("{form}/file?format=json&purpose=+"))
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("Doel van de export"));
    // The JSON file, with stable field names.
    let seen = dossier_actions(app, &id, 0).await.1;
    let r = client.get_raw(&file).await;
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("attachment"));
    let json: serde_json::Value = r.json().await.unwrap();
    assert_eq!(json["title"], TITLE);
    assert_eq!(json["confidentiality_level"], 3);
    assert_eq!(json["status"], "new");
    assert_eq!(json["signals"].as_array().unwrap().len(), 1);
    for key in [
        "members",
        "entities",
        "timeline",
        "decisions",
        "tasks",
        "barriers",
        "referrals",
    ] {
        assert!(json[key].is_array(), "{key}");
    }
    // The PDF for the file renders, and carries the title.
    let r = client
        .get_raw(&format!("{form}/file?format=pdf&purpose=dossiervorming"))
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    let pdf = r.bytes().await.unwrap();
    if let Some(png) = common::pdf::render_first_page_png(&pdf) {
        assert!(png.len() > 1000, "first page rendered");
    }
    if let Some(text) = common::pdf::pdf_text(&pdf) {
        assert!(text.contains(TITLE), "title in the PDF: {text}");
        assert!(text.contains("Tijdlijn"), "timeline heading: {text}");
    }
    // Each download is one audit record on the dossier, the export (no read besides).
    assert_eq!(
        dossier_actions(app, &id, seen).await.0,
        ["export:json", "export:pdf"]
    );
    // Audited with the purpose typed.
    let found = app
        .store
        .audit_records(
            &app.demo_scope("demo-privacy-officer", Role::PrivacyOfficer)
                .await,
            &baken_store::AuditQuery::Recent,
            200,
            app.clock.now(),
        )
        .await
        .unwrap()
        .into_iter()
        .any(|r| r.action == "export:json" && r.purpose == "dossiervorming");
    assert!(found, "export audited with its purpose");
    // Five minutes later the confirmation has lapsed.
    app.clock.advance(6 * 60);
    let (_, page) = client.get(&file).await;
    assert!(page.contains("id=\"confirm-form\""), "stale confirmation");
}
on_both_backends!(
    fresh_confirmation_and_dossier_json,
    fresh_confirmation_and_dossier_json
);

async fn exports_follow_dossier_visibility(app: &TestApp) {
    // Opened at level 6 by a coordinator cleared for it, who later drops below it.
    let low = app
        .store
        .user_by_username("demo-coordinator")
        .await
        .unwrap();
    app.store.set_clearance(&low.id, 8).await.unwrap();
    let id = dossier(app, 6).await;
    for (user, lower_clearance) in [
        ("demo-analyst", false),          // not a member, not a coordinator
        ("demo-regional-analyst", false), // another organisation
        ("demo-partner", false),          // the partner agency
        ("demo-coordinator", true),       // below the confidentiality level
    ] {
        if lower_clearance {
            app.store.set_clearance(&low.id, 5).await.unwrap();
        }
        let client = app.logged_in(user, &app.password(user)).await;
        for path in [
            format!("/dossiers/{id}/export"),
            format!("/dossiers/{id}/export/file?format=json&purpose=x"),
        ] {
            let (status, body) = client.get(&path).await;
            assert_eq!(status, 404, "{user} GET {path}");
            assert!(!body.contains(TITLE));
        }
        let (status, _) = confirm(app, &client, &format!("/dossiers/{id}/export"), user).await;
        assert_eq!(status, 404, "{user} POST confirm");
        // Confirmed elsewhere, still nothing.
        confirm(app, &client, "/exports/htcds", user).await;
        let (status, body) = client
            .get(&format!("/dossiers/{id}/export/file?format=json&purpose=x"))
            .await;
        assert_eq!(status, 404, "{user} after confirming");
        assert!(!body.contains(TITLE));
        // The statistics export leaves the dossier out (or is refused).
        let (_, body) = client
            .get("/exports/htcds/file?format=json&purpose=statistiek")
            .await;
        assert!(!body.contains(&id), "{user} saw the case in HTCDS");
    }
}
on_both_backends!(
    exports_follow_dossier_visibility,
    exports_follow_dossier_visibility
);

async fn htcds_records_fit_the_field_list(app: &TestApp) {
    let open = dossier(app, 2).await;
    let closed = dossier(app, 2).await;
    let scope = app.demo_scope("demo-coordinator", Role::Coordinator).await;
    let contact = app.store.contacts(&scope, T0).await.unwrap().remove(0);
    app.store
        .refer_dossier(
            &scope,
            &closed,
            &contact.id,
            &[baken_store::ReferralSection {
                category: "summary".into(),
                lines: vec!["Samenvatting".into()],
            }],
            T0,
        )
        .await
        .unwrap();
    for s in ["assessing", "action", "closed"] {
        app.store
            .set_dossier_status(&scope, &closed, s, Some("afgerond"), T0)
            .await
            .unwrap();
    }
    let user = "demo-coordinator";
    let client = app.logged_in(user, &app.password(user)).await;
    // A code works once, and logging in just used the current one: wait for the next.
    app.clock.advance(30);
    confirm(app, &client, "/exports/htcds", user).await;
    let r = client
        .get_raw("/exports/htcds/file?format=json&purpose=jaarcijfers")
        .await;
    assert_eq!(r.status(), 200);
    let records: Vec<serde_json::Map<String, serde_json::Value>> = r.json().await.unwrap();
    assert_eq!(records.len(), 2);
    for rec in &records {
        let fields: Vec<(String, String)> = rec
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
            .collect();
        assert_eq!(htcds::validate(&fields), Ok(()), "{rec:?}");
    }
    let by_id = |id: &str| {
        records
            .iter()
            .find(|r| r["baken_CaseNumber"] == id)
            .unwrap()
            .clone()
    };
    assert_eq!(by_id(&open)["cas_Status"], "Active");
    assert_eq!(by_id(&open)["baken_MinorCount"], "1");
    assert_eq!(by_id(&closed)["cas_Status"], "ClosedReferred");
    assert_eq!(
        by_id(&closed)["cas_ReferredOrganisation"],
        contact.partner.as_str()
    );
    assert_eq!(by_id(&closed)["org_ShippingCountry"], "NL");
    // CSV: the field list as header, one validated row per case.
    let r = client
        .get_raw("/exports/htcds/file?format=csv&purpose=jaarcijfers")
        .await;
    assert_eq!(r.status(), 200);
    let text = r.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    let names: Vec<String> = htcds::FIELDS.iter().map(|f| f.name.clone()).collect();
    assert_eq!(header, names);
    let mut rows = 0;
    for row in reader.records() {
        let row = row.unwrap();
        let fields: Vec<(String, String)> = header
            .iter()
            .cloned()
            .zip(row.iter().map(String::from))
            .collect();
        assert_eq!(htcds::validate(&fields), Ok(()));
        rows += 1;
    }
    assert_eq!(rows, 2);
}
on_both_backends!(
    htcds_records_fit_the_field_list,
    htcds_records_fit_the_field_list
);
