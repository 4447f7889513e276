//! An organisation's administrator sets its postcode areas in `/admin/postcodes`, on
//! SQLite and PostgreSQL: the current areas are shown in the CLI's syntax, saving replaces
//! them all and public reports follow, bad input comes back as typed naming the wrong
//! piece, nobody else sees or changes them, and each change is in the audit trail.

mod common;

use baken_domain::{Country, OrgKind, Role};
use baken_store::{hash_password, NewUser};
use baken_web::Clock;
use common::{between, TestApp, T0};

/// The text of the areas field on a page.
fn areas_field(page: &str) -> String {
    let after = page.split("id=\"areas\"").nth(1).expect("areas field");
    between(after, ">", "</textarea>")
}

/// A public report about `place`, sent the way a reporter's browser sends it.
async fn report_about(app: &TestApp, place: &str) {
    let c = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let form = c
        .get(format!("{}/meld?lang=nl", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let token = between(&form, "name=\"csrf\" value=\"", "\"");
    let r = c
        .post(format!("{}/meld", app.base))
        .form(&[
            ("csrf", token.as_str()),
            ("lang", "nl"),
            ("what", "Busje met arbeiders"),
            ("place", place),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200, "report about {place}");
}

/// A new organisation of `kind` in the Netherlands with one administrator, logged in.
async fn other_org_admin(
    app: &TestApp,
    name: &str,
    kind: OrgKind,
    username: &str,
) -> (baken_store::Organisation, common::Client) {
    let org = app
        .store
        .create_org(name, kind, Country::NL, T0)
        .await
        .unwrap();
    let password = format!("{username}-password");
    app.store
        .create_user(
            &NewUser {
                username,
                display_name: name,
                password_hash: &hash_password(&password),
                must_change_password: false,
            },
            &[(org.id.clone(), Role::Administrator)],
            T0,
        )
        .await
        .unwrap();
    let client = app.logged_in(username, &password).await;
    (org, client)
}

/// The `org_postcodes_set` records of the demo municipality's audit trail, as its
/// privacy officer reads them: (action, actor).
async fn postcode_records(app: &TestApp) -> Vec<(String, Option<String>, Option<String>)> {
    let officer = app
        .demo_scope("demo-privacy-officer", Role::PrivacyOfficer)
        .await;
    let mut records: Vec<_> = app
        .store
        .audit_records(
            &officer,
            &baken_store::AuditQuery::Recent,
            500,
            app.clock.now(),
        )
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.action.starts_with("org_postcodes_set"))
        .map(|r| (r.action, r.actor_user_id, r.object_id))
        .collect();
    records.reverse();
    records
}

async fn postcode_areas_page(app: &TestApp) {
    let demo = app
        .store
        .org_by_name(baken_store::seed::DEMO_MUNICIPALITY)
        .await
        .unwrap();
    let admin_user = app
        .store
        .user_by_username("demo-administrator")
        .await
        .unwrap();
    let admin = app
        .logged_in("demo-administrator", &app.password("demo-administrator"))
        .await;

    // The administrator finds the page in the navigation and sees the current areas.
    let (_, home) = admin.get("/").await;
    assert!(home.contains("href=\"/admin/postcodes\""), "{home}");
    let (status, page) = admin.get("/admin/postcodes").await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(areas_field(&page), "9990-9999", "the seeded area");
    assert!(page.contains("<label class=\"utrecht-form-label\" for=\"areas\">"));
    assert!(page.contains("aria-describedby=\"areas-hint areas-empty-hint\""));

    // Saving replaces every area at once; the page shows the new ones.
    let analyst = app
        .logged_in("demo-analyst", &app.password("demo-analyst"))
        .await;
    let before = analyst.report_ids().await.len();
    let (status, page) = admin
        .post_form("/admin/postcodes", &[("areas", " 3511-3585,3600 ")])
        .await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("id=\"postcodes-saved\""), "{page}");
    assert_eq!(areas_field(&page), "3511-3585, 3600");
    assert_eq!(
        app.store.postcode_areas(&demo.id).await.unwrap(),
        vec![(3511, 3585), (3600, 3600)]
    );
    // A public report about a postcode in the new area reaches this organisation; one
    // about the old area no longer does (the demo regional centre takes it).
    report_about(app, "3512 AB").await;
    assert_eq!(analyst.report_ids().await.len(), before + 1, "3512 AB");
    report_about(app, "9995 XY").await;
    assert_eq!(analyst.report_ids().await.len(), before + 1, "9995 XY");

    // Bad input: 422, the text as typed, the wrong piece named (Dutch by default), an
    // error summary linking to the field, and nothing changed.
    for (typed, named) in [
        ("3511-3585, 35x0, 3600", "„35x0” is geen postcode of reeks"),
        ("3600-3511", "De reeks „3600-3511” loopt achteruit"),
        ("3511-3585, 3600, 3600", "„3600” staat er twee keer in"),
    ] {
        let (status, page) = admin
            .post_form("/admin/postcodes", &[("areas", typed)])
            .await;
        assert_eq!(status, 422, "{typed}: {page}");
        assert_eq!(areas_field(&page), typed, "kept as typed");
        assert!(page.contains(named), "{typed}: {page}");
        assert!(
            page.contains("href=\"#areas\""),
            "error summary links the field"
        );
        assert!(page.contains("aria-invalid=\"true\""));
        assert!(page.contains("id=\"areas-error\""));
    }
    assert_eq!(
        app.store.postcode_areas(&demo.id).await.unwrap(),
        vec![(3511, 3585), (3600, 3600)],
        "a refused list changes nothing"
    );
    // The same refusal in English.
    admin
        .post_form("/language", &[("lang", "en"), ("return_to", "/")])
        .await;
    let (_, page) = admin
        .post_form("/admin/postcodes", &[("areas", "3511-35x5")])
        .await;
    assert!(
        page.contains("&#34;3511-35x5&#34; is not a postcode or range"),
        "{page}"
    );
    admin
        .post_form("/language", &[("lang", "nl"), ("return_to", "/")])
        .await;

    // Someone without the administrator role: no link, 404 on both, nothing changes
    // (bad input too: the role is checked before the text).
    for username in ["demo-coordinator", "demo-privacy-officer"] {
        let other = app.logged_in(username, &app.password(username)).await;
        let (_, home) = other.get("/").await;
        assert!(!home.contains("/admin/postcodes"), "{username}");
        let (status, page) = other.get("/admin/postcodes").await;
        assert_eq!(status, 404, "{username}");
        assert!(!page.contains("3511-3585"), "{username}");
        for typed in ["1000-1999", "", "35x0"] {
            let (status, _) = other
                .post_form("/admin/postcodes", &[("areas", typed)])
                .await;
            assert_eq!(status, 404, "{username} posting {typed:?}");
        }
    }
    assert_eq!(
        app.store.postcode_areas(&demo.id).await.unwrap(),
        vec![(3511, 3585), (3600, 3600)]
    );

    // The administrator of another organisation sees and sets only their own areas.
    let (elders, elders_admin) = other_org_admin(
        app,
        "Gemeente Elders",
        OrgKind::Municipality,
        "elders-admin",
    )
    .await;
    app.store
        .set_postcode_areas(&elders.id, &[(4000, 4999)])
        .await
        .unwrap();

    // Public reports go to municipalities: a police administrator has neither the link
    // nor the page.
    let (police, police_admin) =
        other_org_admin(app, "Politie Elders", OrgKind::Police, "police-admin").await;
    let (_, home) = police_admin.get("/").await;
    assert!(home.contains("/admin/users"), "an administrator: {home}");
    assert!(!home.contains("/admin/postcodes"), "{home}");
    let (status, _) = police_admin.get("/admin/postcodes").await;
    assert_eq!(status, 404);
    let (status, _) = police_admin
        .post_form("/admin/postcodes", &[("areas", "4100")])
        .await;
    assert_eq!(status, 404);
    assert!(app
        .store
        .postcode_areas(&police.id)
        .await
        .unwrap()
        .is_empty());
    let (status, page) = elders_admin.get("/admin/postcodes").await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(areas_field(&page), "4000-4999");
    assert!(
        !page.contains("Demodorp"),
        "nothing of the demo municipality"
    );
    // The demo municipality's postcodes are not this one's to claim: refused, named,
    // the text kept, nothing changed.
    let typed = "3511-3585, 3600, 4000-4999";
    let (status, page) = elders_admin
        .post_form("/admin/postcodes", &[("areas", typed)])
        .await;
    assert_eq!(status, 422, "{page}");
    assert!(
        page.contains("„3511-3585” valt (deels) in het gebied van een andere organisatie"),
        "{page}"
    );
    assert_eq!(areas_field(&page), typed);
    assert_eq!(
        app.store.postcode_areas(&elders.id).await.unwrap(),
        vec![(4000, 4999)]
    );
    let (status, page) = elders_admin
        .post_form("/admin/postcodes", &[("areas", "4000-4999, 5000")])
        .await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(
        app.store.postcode_areas(&elders.id).await.unwrap(),
        vec![(4000, 4999), (5000, 5000)]
    );
    assert_eq!(
        app.store.postcode_areas(&demo.id).await.unwrap(),
        vec![(3511, 3585), (3600, 3600)],
        "another organisation's administrator changes only their own areas"
    );

    // An empty field clears the areas.
    let (status, page) = admin.post_form("/admin/postcodes", &[("areas", "")]).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(areas_field(&page), "");
    assert!(app.store.postcode_areas(&demo.id).await.unwrap().is_empty());

    // Each accepted change is one record in this organisation's trail, with what was set,
    // who set it and for which organisation; refusals and the other organisation's change
    // are not in it.
    let demo_admin = Some(admin_user.id.clone());
    let demo_org = Some(demo.id.clone());
    assert_eq!(
        postcode_records(app).await,
        vec![
            (
                "org_postcodes_set:3511-3585, 3600".to_string(),
                demo_admin.clone(),
                demo_org.clone()
            ),
            ("org_postcodes_set:".to_string(), demo_admin, demo_org),
        ]
    );
}
on_both_backends!(
    an_administrator_sets_the_postcode_areas,
    postcode_areas_page
);
