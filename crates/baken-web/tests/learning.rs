//! The learning platform over HTTP, on SQLite and PostgreSQL: a practice case's result
//! is shown by GET after the POST that records it (a reload records nothing twice), and
//! the knowledge-sharing space holds back posts that look like personal data, keeps the
//! text, publishes clean posts, and keeps them inside the organisation or region.

mod common;

use baken_domain::{Country, OrgKind, Role};
use baken_store::{hash_password, NewUser};
use common::{post_and_land, Client, TestApp, T0};

async fn case_result_by_get(app: &TestApp) {
    let (content, _) = baken_learn::embedded();
    let case = &content.cases[0];
    let learner = app
        .logged_in("demo-frontline", &app.password("demo-frontline"))
        .await;
    let scope = app.demo_scope("demo-frontline", Role::Frontline).await;
    let result = format!("/learn/cases/{}/result", case.id);
    // No result before a first answer.
    let (status, _) = learner.get(&result).await;
    assert_eq!(status, 404);

    let (status, landed, body) = post_and_land(
        &learner,
        &format!("/learn/cases/{}", case.id),
        &[
            ("indicator", case.indicators[0].as_str()),
            ("action", case.action.as_str()),
        ],
    )
    .await;
    assert_eq!((status, landed.as_str()), (200, result.as_str()), "{body}");
    assert!(body.contains("id=\"score\""), "{body}");
    let agreed = format!("id=\"result-{}\"", case.indicators[0]);
    assert!(body.contains(&agreed), "{body}");
    // Reloading the result page shows the same answer and records nothing more.
    for _ in 0..3 {
        let (status, again) = learner.get(&result).await;
        assert_eq!(status, 200);
        assert!(again.contains(&agreed), "{again}");
    }
    let recorded = app.store.my_learning(&scope).await.unwrap();
    assert_eq!(
        recorded.iter().filter(|r| r.item_id == case.id).count(),
        1,
        "{recorded:?}"
    );
    // Another colleague has no result for that case.
    let colleague = app
        .logged_in("demo-coordinator", &app.password("demo-coordinator"))
        .await;
    assert_eq!(colleague.get(&result).await.0, 404);
}
on_both_backends!(a_case_result_is_shown_by_get, case_result_by_get);

/// A frontline worker of a municipality in another region than the demo's.
async fn elsewhere(app: &TestApp) -> Client {
    let centre = app
        .store
        .create_org("RIEC Elders", OrgKind::RegionalCentre, Country::NL, T0)
        .await
        .unwrap();
    let org = app
        .store
        .create_org("Gemeente Elders", OrgKind::Municipality, Country::NL, T0)
        .await
        .unwrap();
    app.store.set_org_region(&org.id, &centre.id).await.unwrap();
    app.store
        .create_user(
            &NewUser {
                username: "elders-clerk",
                display_name: "Elders Clerk",
                password_hash: &hash_password("elders-clerk-password"),
                must_change_password: false,
            },
            &[(org.id.clone(), Role::Frontline)],
            T0,
        )
        .await
        .unwrap();
    app.logged_in("elders-clerk", "elders-clerk-password").await
}

async fn sharing_is_moderated_and_regional(app: &TestApp) {
    let clerk = app
        .logged_in("demo-frontline", &app.password("demo-frontline"))
        .await;
    let scope = app.demo_scope("demo-frontline", Role::Frontline).await;

    // A story with a BSN and an IBAN is held back: what was found, where, text kept.
    let risky = "Bij de balie gaf hij BSN 111222333 op; het loon ging naar NL91ABNA0417164300.";
    let (status, landed, body) = post_and_land(
        &clerk,
        "/learn/share",
        &[
            ("kind", "experience"),
            ("audience", "region"),
            ("title", "Loon naar een ander"),
            ("body", risky),
        ],
    )
    .await;
    assert_eq!((status, landed.as_str()), (422, "/learn/share"), "{body}");
    let warnings = common::between(&body, "id=\"privacy-warnings\"", "</div></div>");
    for expected in [
        "Tekst: een BSN",
        "111222333",
        "Tekst: een IBAN",
        "NL91ABNA0417164300",
    ] {
        assert!(warnings.contains(expected), "{expected}: {warnings}");
    }
    assert!(
        body.contains(&format!(">{risky}</textarea>")),
        "text kept: {body}"
    );
    assert!(body.contains("value=\"Loon naar een ander\""), "{body}");
    assert!(body.contains("id=\"share-override\""), "{body}");
    assert!(app.store.shared_posts(&scope).await.unwrap().is_empty());

    // Edited, it is published, for the region.
    let clean = "Het loon ging naar de rekening van een ander; de werkgever hield het paspoort.";
    let (status, landed, body) = post_and_land(
        &clerk,
        "/learn/share",
        &[
            ("kind", "experience"),
            ("audience", "region"),
            ("title", "Loon naar een ander"),
            ("body", clean),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let post_path = landed;
    assert!(post_path.starts_with("/learn/share/"), "{post_path}");
    assert!(body.contains(clean), "{body}");
    let (_, list) = clerk.get("/learn/share").await;
    assert!(list.contains("Loon naar een ander"), "{list}");

    // The region reads it; another region's organisation does not even see it exists.
    let police = app
        .logged_in("demo-partner", &app.password("demo-partner"))
        .await;
    let (status, seen) = police.get(&post_path).await;
    assert_eq!(status, 200);
    assert!(seen.contains(clean));
    let outsider = elsewhere(app).await;
    let (status, page) = outsider.get(&post_path).await;
    assert_eq!(status, 404);
    assert!(!page.contains(clean));
    let (_, list) = outsider.get("/learn/share").await;
    assert!(!list.contains("Loon naar een ander"), "{list}");
    let (status, _) = outsider
        .post_form(&format!("{post_path}/answers"), &[("body", "probe")])
        .await;
    assert_eq!(status, 404);

    // The author may publish anyway after the warning; that is shown and recorded.
    let (status, _, body) = post_and_land(
        &clerk,
        "/learn/share",
        &[
            ("kind", "instrument"),
            ("title", "Checklist"),
            ("body", "Bel 0612345678 voor de checklist."),
            ("override", "1"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("gepubliceerd ondanks waarschuwing"), "{body}");

    // Only a regional centre posts trend bulletins.
    let (status, _, body) = post_and_land(
        &clerk,
        "/learn/share",
        &[
            ("kind", "bulletin"),
            ("title", "Trend"),
            ("body", "Nieuwe route."),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(body.contains("regionaal centrum"), "{body}");

    // A question answered by the trainer carries the mark.
    let (_, question, _) = post_and_land(
        &clerk,
        "/learn/share",
        &[
            ("kind", "question"),
            ("title", "Wat nu?"),
            ("body", "Wie bel ik eerst?"),
        ],
    )
    .await;
    let trainer = app
        .logged_in("demo-trainer", &app.password("demo-trainer"))
        .await;
    let (status, _, body) = post_and_land(
        &trainer,
        &format!("{question}/answers"),
        &[("body", "Eerst de mensenhandelcoördinator.")],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("Beantwoord door de trainer"), "{body}");
    // An answer is checked the same way.
    let (status, _, body) = post_and_land(
        &clerk,
        &format!("{question}/answers"),
        &[("body", "Zijn kenteken was 12-ABC-3.")],
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body.contains("Zijn kenteken was 12-ABC-3.</textarea>"),
        "{body}"
    );
}
on_both_backends!(
    sharing_holds_back_personal_data_and_stays_in_the_region,
    sharing_is_moderated_and_regional
);

async fn certificate_for_a_completed_module(app: &TestApp) {
    let (content, _) = baken_learn::embedded();
    let module = content.module("desk").unwrap();
    let other = content.module("inspection").unwrap();
    let learner = app
        .logged_in("demo-frontline", &app.password("demo-frontline"))
        .await;
    let path = format!("/learn/modules/{}/certificate.pdf", module.id);
    // Not completed: nothing to certify.
    assert_eq!(learner.get_raw(&path).await.status().as_u16(), 404);
    let (_, page) = learner.get("/learn").await;
    assert!(!page.contains(&format!("id=\"certificate-{}\"", module.id)));

    let (status, _) = learner
        .post_form(&format!("/learn/modules/{}/complete", module.id), &[])
        .await;
    assert_eq!(status, 200);
    let (_, page) = learner.get("/learn").await;
    assert!(page.contains(&format!("href=\"{path}\"")), "{page}");
    let r = learner.get_raw(&path).await;
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    let pdf = r.bytes().await.unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    if let Some(text) = common::pdf::pdf_text(&pdf) {
        let name = app
            .store
            .user_by_username("demo-frontline")
            .await
            .unwrap()
            .display_name;
        for expected in [
            "Certificaat",
            name.as_str(),
            module.title.get("nl"),
            baken_store::seed::DEMO_MUNICIPALITY,
            "Afgerond op",
        ] {
            assert!(text.contains(expected), "{expected:?} in {text}");
        }
    }
    // Another module, and another colleague, still have none.
    let other_path = format!("/learn/modules/{}/certificate.pdf", other.id);
    assert_eq!(learner.get_raw(&other_path).await.status().as_u16(), 404);
    let colleague = app
        .logged_in("demo-trainer", &app.password("demo-trainer"))
        .await;
    assert_eq!(colleague.get_raw(&path).await.status().as_u16(), 404);
}
on_both_backends!(
    a_certificate_only_for_a_completed_module,
    certificate_for_a_completed_module
);
