//! Lessons from practice over HTTP, on SQLite and PostgreSQL: a coordinator turns a
//! closed dossier into an anonymised practice-case draft, a trainer reviews it (the
//! personal-data check refuses to publish while it finds anything, the text kept), and
//! the published case is played on `/learn` by the organisation only.

mod common;

use baken_domain::{Country, OrgKind, Role};
use baken_store::{hash_password, AuditQuery, NewUser};
use common::practice::{dossier_naming_a_person, IBAN, INDICATORS, NAME, PHONE};
use common::{post_and_land, Client, TestApp, T0};

/// A trainer of another organisation.
async fn outsider(app: &TestApp) -> Client {
    let org = app
        .store
        .create_org("Gemeente Elders", OrgKind::Municipality, Country::NL, T0)
        .await
        .unwrap();
    app.store
        .create_user(
            &NewUser {
                username: "elders-trainer",
                display_name: "Elders Trainer",
                password_hash: &hash_password("elders-trainer-password"),
                must_change_password: false,
            },
            &[
                (org.id.clone(), Role::Trainer),
                (org.id.clone(), Role::Coordinator),
            ],
            T0,
        )
        .await
        .unwrap();
    app.logged_in("elders-trainer", "elders-trainer-password")
        .await
}

/// The audit records the demo trainer left about the draft after sequence number
/// `after`, oldest first: (sequence number, action).
async fn trainer_records(app: &TestApp, draft_id: &str, after: i64) -> Vec<(i64, String)> {
    let officer = app
        .demo_scope("demo-privacy-officer", Role::PrivacyOfficer)
        .await;
    let trainer = app.store.user_by_username("demo-trainer").await.unwrap();
    let mut records: Vec<(i64, String)> = app
        .store
        .audit_records(&officer, &AuditQuery::ByUser(trainer.id), 200, T0)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.seq > after && r.object_id.as_deref() == Some(draft_id))
        .map(|r| (r.seq, r.action))
        .collect();
    records.sort();
    records
}

/// The actions of `records` alone, to compare with what one request should record.
fn actions(records: &[(i64, String)]) -> Vec<&str> {
    records.iter().map(|(_, a)| a.as_str()).collect()
}

async fn practice_case_story(app: &TestApp) {
    let (coord_scope, dossier) = dossier_naming_a_person(app, &[("answer.IDR-01", "no")]).await;
    let practice = format!("/dossiers/{dossier}/practice-case");

    let coord = app
        .logged_in("demo-coordinator", &app.password("demo-coordinator"))
        .await;
    // An open dossier offers nothing and refuses with a message on its page.
    let (_, page) = coord.get(&format!("/dossiers/{dossier}")).await;
    assert!(!page.contains("id=\"practice-form\""), "{page}");
    let (status, landed, body) = post_and_land(&coord, &practice, &[]).await;
    assert_eq!(
        (status, landed.as_str()),
        (422, practice.as_str()),
        "{body}"
    );
    assert!(body.contains("Alleen van een gesloten dossier"), "{body}");
    assert!(app
        .store
        .case_drafts(&coord_scope, common::T0)
        .await
        .unwrap()
        .is_empty());

    // A frontline worker cannot make one at all.
    let frontline = app
        .logged_in("demo-frontline", &app.password("demo-frontline"))
        .await;
    let (status, _) = frontline.post_form(&practice, &[]).await;
    assert_eq!(status, 404);

    // Closed, the coordinator turns it into a draft with one action.
    app.store
        .set_dossier_status(&coord_scope, &dossier, "closed", Some("afgerond"), T0)
        .await
        .unwrap();
    let (_, page) = coord.get(&format!("/dossiers/{dossier}")).await;
    assert!(page.contains("id=\"practice-form\""), "{page}");
    let (status, landed, body) = post_and_land(&coord, &practice, &[]).await;
    assert_eq!(status, 200, "{body}");
    assert!(landed.starts_with("/learn/drafts/"), "{landed}");
    let draft_path = landed;
    let draft_id = draft_path.trim_start_matches("/learn/drafts/").to_string();
    for personal in [NAME, IBAN, PHONE] {
        assert!(!body.contains(personal), "{personal} left in: {body}");
    }
    for placeholder in ["[name]", "[iban]", "[phone]"] {
        assert!(body.contains(placeholder), "{placeholder}: {body}");
    }
    // The page says whom the case is about (the signal was about an adult).
    assert!(
        body.contains("id=\"draft-subject\">Volwassene</dd>"),
        "{body}"
    );
    // The coordinator reads it but a trainer edits and publishes.
    assert!(!body.contains("id=\"draft-form\""), "{body}");
    let (status, _) = coord
        .post_form(
            &format!("{draft_path}/publish"),
            &[("title", "x"), ("scenario", "y")],
        )
        .await;
    assert_eq!(status, 404);
    let stored = app
        .store
        .case_draft(&coord_scope, &draft_id, common::T0)
        .await
        .unwrap();
    assert_eq!(stored.context, "registration_desk");
    let mut ticked = stored.indicators.clone();
    ticked.sort();
    let mut expected = INDICATORS.map(str::to_string).to_vec();
    expected.sort();
    assert_eq!(ticked, expected);
    assert_eq!(stored.expected_action, "record_signal");
    assert_eq!(stored.subject, "adult");
    assert_eq!(stored.status, "draft");
    assert!(!stored.title.contains("Jan"), "{}", stored.title);
    assert!(!stored.scenario.contains("Jan"), "{}", stored.scenario);

    // The trainer lists and reviews it.
    let trainer = app
        .logged_in("demo-trainer", &app.password("demo-trainer"))
        .await;
    let (status, list) = trainer.get("/learn/drafts").await;
    assert_eq!(status, 200);
    assert!(list.contains(&format!("id=\"draft-{draft_id}\"")), "{list}");
    let (status, review) = trainer.get(&draft_path).await;
    assert_eq!(status, 200);
    assert!(review.contains("id=\"draft-form\""), "{review}");
    // The trainer can set whom the case is about; the stored subject is chosen.
    assert!(
        review.contains("<option value=\"adult\" selected>Volwassene</option>"),
        "{review}"
    );

    let seen = trainer_records(app, &draft_id, 0).await.last().unwrap().0;

    // An edit that brings in a BSN is refused on publish: 422, the text kept, the finding named.
    let risky = "Een man met BSN 111222333 meldt zich aan de balie; een ander spreekt voor hem.";
    let (status, landed, body) = post_and_land(
        &trainer,
        &format!("{draft_path}/publish"),
        &[("title", "De tolk aan de balie"), ("scenario", risky)],
    )
    .await;
    assert_eq!(
        (status, landed.as_str()),
        (422, format!("{draft_path}/publish").as_str()),
        "{body}"
    );
    assert!(body.contains(&format!(">{risky}</textarea>")), "{body}");
    assert!(body.contains("value=\"De tolk aan de balie\""), "{body}");
    let warnings = common::between(&body, "id=\"privacy-warnings\"", "</div></div>");
    assert!(warnings.contains("een BSN"), "{warnings}");
    assert!(warnings.contains("111222333"), "{warnings}");
    let learner_scope = app.demo_scope("demo-frontline", Role::Frontline).await;
    assert!(app
        .store
        .published_cases(&learner_scope)
        .await
        .unwrap()
        .is_empty());
    // Refused, nothing was edited: the page shown again is the one read of the draft.
    let records = trainer_records(app, &draft_id, seen).await;
    assert_eq!(actions(&records), ["read"]);
    let seen = records.last().unwrap().0;

    // A subject the form does not offer is refused with the text kept.
    let (status, body) = trainer
        .post_form(
            &draft_path,
            &[
                ("title", "De tolk"),
                ("scenario", risky),
                ("subject", "kind"),
            ],
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("Kies over wie de casus gaat"), "{body}");
    assert!(body.contains(&format!(">{risky}</textarea>")), "{body}");
    let records = trainer_records(app, &draft_id, seen).await;
    assert_eq!(actions(&records), ["read"]);
    let seen = records.last().unwrap().0;

    // Saved as an edit (not published), the review page shows the finding as a warning,
    // and the case is now about a minor.
    let (status, landed, body) = post_and_land(
        &trainer,
        &draft_path,
        &[
            ("title", "De tolk aan de balie"),
            ("scenario", risky),
            ("subject", "minor"),
        ],
    )
    .await;
    assert_eq!(
        (status, landed.as_str()),
        (200, draft_path.as_str()),
        "{body}"
    );
    assert!(body.contains("id=\"privacy-warnings\""), "{body}");
    assert!(
        body.contains("id=\"draft-subject\">Minderjarige (jonger dan 18)</dd>"),
        "{body}"
    );
    assert!(body.contains("<option value=\"minor\" selected>"), "{body}");
    // One edit, one audit record naming it; then the read of the review page it leads to.
    let records = trainer_records(app, &draft_id, seen).await;
    assert_eq!(actions(&records), ["practice_case:edit", "read"]);
    let seen = records.last().unwrap().0;

    // Clean, it is published and lands on the playable case.
    let clean = "Een man meldt zich aan de balie. Een ander spreekt steeds voor hem en houdt zijn papieren vast.";
    let (status, landed, body) = post_and_land(
        &trainer,
        &format!("{draft_path}/publish"),
        &[
            ("title", "De tolk aan de balie"),
            ("scenario", clean),
            ("subject", "adult"),
        ],
    )
    .await;
    let case_path = format!("/learn/cases/org-{draft_id}");
    assert_eq!(
        (status, landed.as_str()),
        (200, case_path.as_str()),
        "{body}"
    );
    assert!(body.contains(clean), "{body}");
    let records = trainer_records(app, &draft_id, seen).await;
    assert_eq!(actions(&records), ["practice_case:publish"]);

    // A learner of the organisation sees it on /learn and plays it like a shipped case.
    let (_, learn) = frontline.get("/learn").await;
    assert!(
        learn.contains(&format!("id=\"case-org-{draft_id}\"")),
        "{learn}"
    );
    assert!(learn.contains("De tolk aan de balie"), "{learn}");
    let (status, case_page) = frontline.get(&case_path).await;
    assert_eq!(status, 200);
    for i in INDICATORS {
        assert!(
            case_page.contains(&format!("id=\"ind-{i}\"")),
            "{i}: {case_page}"
        );
    }
    let mut answer: Vec<(&str, &str)> = INDICATORS.iter().map(|i| ("indicator", *i)).collect();
    answer.push(("action", "record_signal"));
    let (status, landed, result) = post_and_land(&frontline, &case_path, &answer).await;
    assert_eq!(
        (status, landed.as_str()),
        (200, format!("{case_path}/result").as_str()),
        "{result}"
    );
    assert!(result.contains("id=\"score\""), "{result}");
    assert!(result.contains(": 100%"), "{result}");
    // One indicator missed and the wrong action: both explained (a later attempt).
    app.clock.advance(60);
    let (_, _, result) = post_and_land(
        &frontline,
        &case_path,
        &[("indicator", INDICATORS[0]), ("action", "nothing")],
    )
    .await;
    assert!(
        result.contains(&format!("id=\"result-{}\"", INDICATORS[1])),
        "{result}"
    );
    assert!(!result.contains(": 100%"), "{result}");

    // Another organisation never sees the draft nor the case.
    let other = outsider(app).await;
    assert_eq!(other.get(&draft_path).await.0, 404);
    let (status, _) = other
        .post_form(
            &format!("{draft_path}/publish"),
            &[("title", "x"), ("scenario", "y")],
        )
        .await;
    assert_eq!(status, 404);
    assert_eq!(other.get(&case_path).await.0, 404);
    let (_, learn) = other.get("/learn").await;
    assert!(!learn.contains("De tolk aan de balie"), "{learn}");
    let (_, list) = other.get("/learn/drafts").await;
    assert!(!list.contains(&draft_id), "{list}");
    let (status, _) = other.post_form(&practice, &[]).await;
    assert_eq!(status, 404);
}
on_both_backends!(
    a_closed_dossier_becomes_a_reviewed_practice_case,
    practice_case_story
);
