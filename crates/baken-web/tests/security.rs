//! Security guarantees of the web layer, each on SQLite and on PostgreSQL:
//! the organisation boundary on every route (read from the router), CSRF, headers,
//! login throttling, session expiry, audit-before-data.

mod common;

use baken_domain::{Country, OrgKind, Role};
use baken_store::{hash_password, NewUser};
use common::{TestApp, T0};

/// How a route must answer a user of organisation A who names objects of organisation B.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Expect {
    /// The route names an object of B: 404, nothing of B in the body.
    NotFound,
    /// No object in the path: any answer, but nothing of B in the body.
    NoLeak,
}

/// The authorisation matrix: one row per route. A route in the router without a row here
/// fails the test, so no route escapes the organisation-boundary check.
const MATRIX: &[(&str, &str, Expect)] = &[
    ("GET", "/healthz", Expect::NoLeak),
    ("GET", "/static/{*path}", Expect::NoLeak),
    ("GET", "/login", Expect::NoLeak),
    ("POST", "/login", Expect::NoLeak),
    ("GET", "/login/second-factor", Expect::NoLeak),
    ("POST", "/login/second-factor", Expect::NoLeak),
    ("GET", "/account/second-factor", Expect::NoLeak),
    ("POST", "/account/second-factor", Expect::NoLeak),
    ("GET", "/account/password", Expect::NoLeak),
    ("POST", "/account/password", Expect::NoLeak),
    ("POST", "/logout", Expect::NoLeak),
    ("POST", "/logout/everywhere", Expect::NoLeak),
    ("POST", "/language", Expect::NoLeak),
    ("GET", "/", Expect::NoLeak),
    ("GET", "/account", Expect::NoLeak),
    ("POST", "/account/organisation", Expect::NotFound),
    ("GET", "/organisations/{id}", Expect::NotFound),
    ("GET", "/admin/users", Expect::NoLeak),
    ("POST", "/admin/users", Expect::NoLeak),
    ("GET", "/admin/users/{id}", Expect::NotFound),
    ("POST", "/admin/users/{id}/disable", Expect::NotFound),
    ("POST", "/admin/users/{id}/reset-password", Expect::NotFound),
    ("POST", "/admin/users/{id}/access", Expect::NotFound),
    ("GET", "/admin/postcodes", Expect::NoLeak),
    ("POST", "/admin/postcodes", Expect::NoLeak),
    ("GET", "/audit", Expect::NoLeak),
    ("GET", "/audit/users/{id}", Expect::NotFound),
    ("POST", "/audit/subject", Expect::NoLeak),
    ("GET", "/api/v1/openapi.json", Expect::NoLeak),
    ("GET", "/api/v1/me", Expect::NoLeak),
    ("POST", "/account/tokens", Expect::NoLeak),
    ("GET", "/signals", Expect::NoLeak),
    ("GET", "/signals/new", Expect::NoLeak),
    ("POST", "/signals/new", Expect::NoLeak),
    ("GET", "/signals/drafts/{id}", Expect::NotFound),
    ("POST", "/signals/drafts/{id}", Expect::NotFound),
    ("POST", "/signals/drafts/{id}/reading", Expect::NotFound),
    ("GET", "/signals/{id}", Expect::NotFound),
    ("POST", "/signals/{id}/status", Expect::NotFound),
    ("POST", "/signals/{id}/links", Expect::NotFound),
    ("POST", "/signals/{id}/assign", Expect::NotFound),
    ("POST", "/signals/{id}/no-follow-up", Expect::NotFound),
    ("POST", "/signals/{id}/dossier", Expect::NotFound),
    ("GET", "/dossiers", Expect::NoLeak),
    ("POST", "/dossiers", Expect::NoLeak),
    ("GET", "/dossiers/{id}", Expect::NotFound),
    ("POST", "/dossiers/{id}/entries", Expect::NotFound),
    ("POST", "/dossiers/{id}/tasks", Expect::NotFound),
    ("POST", "/dossiers/{id}/tasks/{task}/done", Expect::NotFound),
    ("POST", "/dossiers/{id}/status", Expect::NotFound),
    ("POST", "/dossiers/{id}/members", Expect::NotFound),
    ("POST", "/dossiers/{id}/barriers", Expect::NotFound),
    ("POST", "/dossiers/{id}/referrals", Expect::NotFound),
    (
        "GET",
        "/dossiers/{id}/referrals/{referral}",
        Expect::NotFound,
    ),
    ("GET", "/directory", Expect::NoLeak),
    ("POST", "/directory/import", Expect::NoLeak),
    (
        "POST",
        "/dossiers/{id}/barriers/{barrier}",
        Expect::NotFound,
    ),
    ("GET", "/dossiers/{id}/export", Expect::NotFound),
    ("POST", "/dossiers/{id}/export", Expect::NotFound),
    ("GET", "/dossiers/{id}/export/file", Expect::NotFound),
    ("GET", "/exports/htcds", Expect::NoLeak),
    ("POST", "/exports/htcds", Expect::NoLeak),
    ("GET", "/exports/htcds/file", Expect::NoLeak),
    ("GET", "/inbox", Expect::NoLeak),
    ("GET", "/indicators/{id}", Expect::NotFound),
    ("GET", "/learn", Expect::NoLeak),
    ("GET", "/learn/modules/{id}", Expect::NotFound),
    ("POST", "/learn/modules/{id}/complete", Expect::NotFound),
    ("GET", "/learn/cases/{id}", Expect::NotFound),
    ("POST", "/learn/cases/{id}", Expect::NotFound),
    ("GET", "/learn/progress", Expect::NoLeak),
    ("GET", "/learn/progress.csv", Expect::NoLeak),
    ("GET", "/learn/cases/{id}/result", Expect::NotFound),
    (
        "GET",
        "/learn/modules/{id}/certificate.pdf",
        Expect::NotFound,
    ),
    ("GET", "/learn/share", Expect::NoLeak),
    ("POST", "/learn/share", Expect::NoLeak),
    ("GET", "/learn/share/{id}", Expect::NotFound),
    ("POST", "/learn/share/{id}/answers", Expect::NotFound),
    ("POST", "/api/v1/signals", Expect::NoLeak),
    ("GET", "/api/v1/signals/{id}", Expect::NotFound),
    ("GET", "/api/v1/inbox", Expect::NoLeak),
    ("GET", "/api/v1/dossiers", Expect::NoLeak),
    ("POST", "/api/v1/dossiers", Expect::NoLeak),
    ("GET", "/api/v1/dossiers/{id}", Expect::NotFound),
    ("POST", "/api/v1/dossiers/{id}/tasks", Expect::NotFound),
    ("GET", "/api/v1/dossiers/{id}/referrals", Expect::NotFound),
    ("GET", "/api/v1/directory", Expect::NoLeak),
    ("GET", "/meld", Expect::NoLeak),
    ("POST", "/meld", Expect::NoLeak),
    ("GET", "/meld/follow-up", Expect::NoLeak),
    ("POST", "/meld/follow-up", Expect::NoLeak),
    ("GET", "/meld/privacy", Expect::NoLeak),
    ("GET", "/reports", Expect::NoLeak),
    ("GET", "/reports/{id}", Expect::NotFound),
    ("GET", "/reports/{id}/photos/{seq}", Expect::NotFound),
    ("POST", "/reports/{id}/messages", Expect::NotFound),
    ("POST", "/reports/{id}/status", Expect::NotFound),
    ("POST", "/reports/{id}/assign", Expect::NotFound),
    ("POST", "/reports/{id}/no-follow-up", Expect::NotFound),
    ("POST", "/reports/{id}/dossier", Expect::NotFound),
    // Referral follow-up (issue 6): the dossier side and the partner's referral inbox.
    (
        "POST",
        "/dossiers/{id}/referrals/{referral}/reply",
        Expect::NotFound,
    ),
    (
        "POST",
        "/dossiers/{id}/referrals/{referral}/sent",
        Expect::NotFound,
    ),
    ("GET", "/referrals", Expect::NoLeak),
    ("GET", "/referrals/{id}", Expect::NotFound),
    ("POST", "/referrals/{id}", Expect::NotFound),
    // Lessons from practice (issue 8): a closed dossier becomes a reviewed practice case.
    ("POST", "/dossiers/{id}/practice-case", Expect::NotFound),
    ("GET", "/learn/drafts", Expect::NoLeak),
    ("GET", "/learn/drafts/{id}", Expect::NotFound),
    ("POST", "/learn/drafts/{id}", Expect::NotFound),
    ("POST", "/learn/drafts/{id}/publish", Expect::NotFound),
];

/// Routes that end the session or change credentials run last, so they do not log the
/// test user out before the other rows are checked.
const RUN_LAST: &[&str] = &["/logout", "/logout/everywhere", "/account/password"];

async fn organisation_boundary(app: &TestApp) {
    // Organisation B with a user and data that must never show up for A.
    let b = app
        .store
        .create_org(
            "Gemeente Geheimstad",
            OrgKind::Municipality,
            Country::BE,
            T0,
        )
        .await
        .unwrap();
    let user_b = app
        .store
        .create_user(
            &NewUser {
                username: "secret-b-user",
                display_name: "Zeer Geheime Persoon",
                password_hash: &hash_password("irrelevant-password"),
                must_change_password: false,
            },
            &[(b.id.clone(), Role::Coordinator)],
            T0,
        )
        .await
        .unwrap();
    // User of A holding every role, so permissions are never why B is invisible.
    let a = app
        .store
        .org_by_name(baken_store::seed::DEMO_MUNICIPALITY)
        .await
        .unwrap();
    app.store
        .create_user(
            &NewUser {
                username: "matrix-a",
                display_name: "Matrix A",
                password_hash: &hash_password("matrix-a-password"),
                must_change_password: false,
            },
            &Role::ALL.map(|r| (a.id.clone(), r)),
            T0,
        )
        .await
        .unwrap();
    // B's audit trail holds a record about a person; A's officer may never see it.
    app.store
        .append_audit(
            &baken_store::AuditEntry {
                actor_user_id: Some(user_b.id.clone()),
                actor_org_id: Some(b.id.clone()),
                action: "read".into(),
                object_type: "person".into(),
                subject: Some("subject-of-b".into()),
                purpose: "test".into(),
                result: "ok".into(),
                ..Default::default()
            },
            T0,
        )
        .await
        .unwrap();
    // B's signals: a draft and a submitted one.
    let scope_b = baken_store::Scope {
        user_id: user_b.id.clone(),
        org_id: b.id.clone(),
        roles: vec![Role::Coordinator],
    };
    let draft_b = app
        .store
        .create_draft(&scope_b, "registration_desk", T0)
        .await
        .unwrap();
    let fields = vec![(
        "observation".to_string(),
        "Geheime waarneming van B".to_string(),
    )];
    let signal_b = app
        .store
        .create_submitted_signal(
            &scope_b,
            &baken_store::Submission {
                fields: &fields,
                context: "registration_desk",
                urgency: "normal",
                acute: false,
                reading_json: "{}",
                highest_level: "none",
                library_version: "x",
                library_hash: "x",
                identifiers: &[],
            },
            T0,
        )
        .await
        .unwrap();
    // B's anonymous report (an analyst of A must never reach it).
    let (report_b, _) = app
        .store
        .create_report_with_photos(
            &baken_store::ReportKeys::ephemeral(),
            &b.id,
            "nl",
            r#"{"what":"Geheime melding van B"}"#,
            &[b"photo of B".to_vec()],
            "2026-01-01",
        )
        .await
        .unwrap();
    let dossier_b = app
        .store
        .create_dossier(
            &scope_b,
            "Dossier van B",
            3,
            std::slice::from_ref(&signal_b),
            T0,
        )
        .await
        .unwrap();
    // B's postcode areas: A's administrator sees and sets only A's.
    app.store
        .set_postcode_areas(&b.id, &[(9871, 9879)])
        .await
        .unwrap();
    // B's contact-point directory.
    let mut contact_b = baken_store::seed::demo_contacts().remove(0);
    contact_b.partner = "Geheime partner van B".into();
    app.store
        .replace_contacts(&b.id, std::slice::from_ref(&contact_b), T0)
        .await
        .unwrap();
    // B's post in the knowledge-sharing space (B belongs to no region of A).
    let post_b = app
        .store
        .create_post(
            &scope_b,
            &baken_store::NewPost {
                kind: "question",
                to_region: true,
                parent_id: None,
                title: "Geheime vraag van B",
                body: "Geheime ervaring van B",
                link: "",
                privacy_override: false,
            },
            T0,
        )
        .await
        .unwrap();
    // B's referral to the demo partner agency (which A, holding every role, is not).
    let contact_b_id = app.store.contacts(&scope_b, T0).await.unwrap()[0]
        .id
        .clone();
    let referral_b = app
        .store
        .refer_dossier(
            &scope_b,
            &dossier_b,
            &contact_b_id,
            &[baken_store::ReferralSection {
                category: "summary".into(),
                lines: vec!["Geheime snapshot van B".into()],
            }],
            T0,
        )
        .await
        .unwrap();
    // B's practice case from a closed dossier, published: A's learners never play it.
    let closed_b = app
        .store
        .create_dossier(&scope_b, "Gesloten dossier van B", 1, &[], T0)
        .await
        .unwrap();
    app.store
        .set_dossier_status(&scope_b, &closed_b, "closed", Some("afgerond"), T0)
        .await
        .unwrap();
    let case_draft_b = app
        .store
        .create_case_draft(
            &scope_b,
            &closed_b,
            &baken_store::NewCaseDraft {
                title: "Geheime oefencasus van B",
                scenario: "Geheim scenario van B",
                context: "registration_desk",
                indicators: &[],
                expected_action: "nothing",
                subject: "adult",
            },
            T0,
        )
        .await
        .unwrap();
    let trainer_b = baken_store::Scope {
        roles: vec![Role::Trainer],
        ..scope_b.clone()
    };
    app.store
        .review_case_draft(
            &trainer_b,
            &case_draft_b,
            &baken_store::DraftEdit {
                title: "Geheime oefencasus van B",
                scenario: "Geheim scenario van B",
                publish: true,
                findings: false,
                subject: None,
            },
            T0,
        )
        .await
        .unwrap();
    let org_case_b = format!("org-{case_draft_b}");
    let client = app.logged_in("matrix-a", "matrix-a-password").await;
    // A's API token with every scope, for the /api/ rows.
    let (_, page) = client
        .post_form(
            "/account/tokens",
            &[
                ("name", "matrix"),
                ("scope", "signals:write"),
                ("scope", "signals:read"),
                ("scope", "cases:read"),
                ("scope", "cases:write"),
                ("scope", "directory:read"),
            ],
        )
        .await;
    let token = common::between(&page, "id=\"new-token\" class=\"baken-secret\">", "<");
    let secrets = [
        "Geheime waarneming van B",
        "Dossier van B",
        dossier_b.as_str(),
        signal_b.as_str(),
        draft_b.as_str(),
        b.name.as_str(),
        b.id.as_str(),
        user_b.id.as_str(),
        "secret-b-user",
        "Zeer Geheime Persoon",
        "Geheime melding van B",
        report_b.as_str(),
        "Geheime partner van B",
        "Geheime vraag van B",
        "Geheime ervaring van B",
        post_b.as_str(),
        "Geheime snapshot van B",
        referral_b.as_str(),
        "Geheime oefencasus van B",
        "Geheim scenario van B",
        case_draft_b.as_str(),
        "9871-9879",
    ];

    let missing: Vec<String> = app
        .routes
        .iter()
        .filter(|r| {
            !MATRIX
                .iter()
                .any(|(m, p, _)| *m == r.method && *p == r.path)
        })
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert!(
        missing.is_empty(),
        "routes without a row in the authorisation matrix: {missing:?}"
    );

    let mut ordered: Vec<_> = app.routes.iter().collect();
    ordered.sort_by_key(|r| RUN_LAST.contains(&r.path));
    for route in ordered {
        let expect = MATRIX
            .iter()
            .find(|(m, p, _)| *m == route.method && *p == route.path)
            .map(|(_, _, e)| *e)
            .unwrap();
        let object = if route.path.starts_with("/organisations") {
            &b.id
        } else if route.path.starts_with("/dossiers/")
            || route.path.starts_with("/api/v1/dossiers/")
        {
            &dossier_b
        } else if route.path.starts_with("/reports/") {
            &report_b
        } else if route.path.starts_with("/learn/share/") {
            &post_b
        } else if route.path.starts_with("/referrals/") {
            &referral_b
        } else if route.path.starts_with("/learn/drafts/") {
            &case_draft_b
        } else if route.path.starts_with("/learn/cases/") {
            &org_case_b
        } else {
            &user_b.id
        };
        let path = route
            .path
            .replace("{id}", object)
            .replace("{*path}", "baken.css")
            .replace("{task}", "x")
            .replace("{seq}", "1")
            .replace("{barrier}", "x")
            .replace("{referral}", &referral_b);
        let bearer = path.starts_with("/api/v1/")
            && !path.starts_with("/api/v1/me")
            && !path.starts_with("/api/v1/openapi");
        let (status, body) = if bearer {
            let url = format!("{}{path}", app.base);
            let req = if route.method == "GET" {
                client.http.get(url)
            } else {
                client
                    .http
                    .post(url)
                    .body(r#"{"context":"registration_desk","observation":"seen"}"#)
            };
            let r = req.bearer_auth(&token).send().await.unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        } else if route.method == "GET" {
            client.get(&path).await
        } else {
            // Name B's objects in every field a form could carry.
            client
                .post_form(
                    &path,
                    &[
                        ("org_id", b.id.as_str()),
                        ("subject", "subject-of-b"),
                        ("username", "someone-else"),
                        ("display_name", "x"),
                        ("role", "frontline"),
                        ("lang", "en"),
                        ("return_to", "/"),
                        ("decision", "confirmed"),
                        ("other", signal_b.as_str()),
                        ("status", "handled"),
                        ("signal", signal_b.as_str()),
                        ("dossier", dossier_b.as_str()),
                        ("title", "t"),
                        ("confidentiality", "1"),
                        ("reason", "r"),
                        ("assignee", user_b.id.as_str()),
                        ("user", user_b.id.as_str()),
                        ("owner", user_b.id.as_str()),
                        ("deadline", "2099-01-01"),
                        ("text", "t"),
                        ("kind", "note"),
                        ("result", "r"),
                        ("kind", "question"),
                        ("body", "probe"),
                        ("barrier", "BAR-01"),
                        ("applied_by", "probe"),
                        ("category", "summary"),
                        ("step", "acknowledged"),
                        ("outcome", "taken_up"),
                        ("channel", "post"),
                        ("date", "2026-01-01"),
                        ("contact", contact_b_id.as_str()),
                    ],
                )
                .await
        };
        if expect == Expect::NotFound {
            assert_eq!(
                status, 404,
                "{} {path} answered {status} on {}",
                route.method, app.backend
            );
        }
        for secret in secrets {
            // A form keeps what was typed: the echo of our own input is not a leak.
            let body = body.replace(&format!("value=\"{secret}\""), "");
            assert!(
                !body.contains(secret),
                "{} {path} leaked {secret:?} of another organisation on {}",
                route.method,
                app.backend
            );
        }
    }
}
on_both_backends!(organisation_boundary_on_every_route, organisation_boundary);

/// The demo partner agency receives a referral: it reads the snapshot and answers, but
/// every dossier route (list, pages, forms, documents — whatever the router holds) is
/// 404 for it, also for the dossier it was referred, and so is a referral addressed to
/// another organisation.
async fn partner_reaches_only_its_referrals(app: &TestApp) {
    let coord = app.demo_scope("demo-coordinator", Role::Coordinator).await;
    let signal = app
        .submitted_signal(
            &coord,
            "registration_desk",
            &[("observation".into(), "Waarneming voor de partner".into())],
        )
        .await;
    let dossier = app
        .store
        .create_dossier(&coord, "Dossier voor de partner", 3, &[signal], T0)
        .await
        .unwrap();
    let contacts = app.store.contacts(&coord, T0).await.unwrap();
    let police = contacts
        .iter()
        .find(|c| c.partner == baken_store::seed::DEMO_PARTNER)
        .unwrap();
    assert!(police.partner_org_id.is_some());
    let section = |lines: &str| {
        vec![baken_store::ReferralSection {
            category: "summary".into(),
            lines: vec![lines.into()],
        }]
    };
    let mine = app
        .store
        .refer_dossier(
            &coord,
            &dossier,
            &police.id,
            &section("Voor de politie"),
            T0,
        )
        .await
        .unwrap();
    // A referral to a partner outside Baken: it stays with the municipality.
    let outside = contacts
        .iter()
        .find(|c| c.partner_org_id.is_none())
        .unwrap();
    let not_mine = app
        .store
        .refer_dossier(
            &coord,
            &dossier,
            &outside.id,
            &section("Niet voor de politie"),
            T0,
        )
        .await
        .unwrap();

    let partner = app
        .logged_in("demo-partner", &app.password("demo-partner"))
        .await;
    let (status, inbox) = partner.get("/referrals").await;
    assert_eq!(status, 200);
    assert!(inbox.contains(&format!("/referrals/{mine}")));
    assert!(!inbox.contains(&not_mine));
    let (status, page) = partner.get(&format!("/referrals/{mine}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("Voor de politie"));
    assert!(!page.contains("Waarneming voor de partner"));
    assert!(!page.contains(&dossier));
    for path in [format!("/referrals/{not_mine}"), "/referrals/nope".into()] {
        assert_eq!(partner.get(&path).await.0, 404, "{path}");
        let (status, _) = partner.post_form(&path, &[("step", "acknowledged")]).await;
        assert_eq!(status, 404, "POST {path}");
    }

    let dossier_routes: Vec<_> = app
        .routes
        .iter()
        .filter(|r| r.path.starts_with("/dossiers") || r.path == "/inbox")
        .collect();
    assert!(dossier_routes.len() > 10);
    for route in dossier_routes {
        let path = route
            .path
            .replace("{id}", &dossier)
            .replace("{referral}", &mine)
            .replace("{task}", "x")
            .replace("{barrier}", "x");
        let (status, body) = if route.method == "GET" {
            partner.get(&path).await
        } else {
            partner
                .post_form(
                    &path,
                    &[
                        ("title", "t"),
                        ("confidentiality", "1"),
                        ("text", "t"),
                        ("contact", police.id.as_str()),
                        ("category", "summary"),
                        ("channel", "post"),
                        ("date", "2026-01-01"),
                    ],
                )
                .await
        };
        assert_eq!(
            status, 404,
            "{} {path} answered {status} to the partner on {}",
            route.method, app.backend
        );
        assert!(!body.contains("Dossier voor de partner"));
    }
    // A search of the dossier list with a query is a dossier route too.
    assert_eq!(partner.get("/dossiers?q=partner").await.0, 404);
}
on_both_backends!(
    partner_reaches_only_its_referrals_on_both,
    partner_reaches_only_its_referrals
);

/// A referral to a partner outside Baken: the document as PDF (only the snapshot), and
/// the coordinator records when and how it was sent, which lands on the timeline. Later
/// changes to the dossier never reach the snapshot.
async fn referral_document_outside_baken(app: &TestApp) {
    let coord = app.demo_scope("demo-coordinator", Role::Coordinator).await;
    let dossier = app
        .store
        .create_dossier(&coord, "Dossier buiten Baken", 3, &[], T0)
        .await
        .unwrap();
    let outside = app
        .store
        .contacts(&coord, T0)
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.partner_org_id.is_none())
        .unwrap();
    let client = app
        .logged_in("demo-coordinator", &app.password("demo-coordinator"))
        .await;
    let (status, _) = client
        .post_form(
            &format!("/dossiers/{dossier}/referrals"),
            &[("contact", outside.id.as_str()), ("category", "summary")],
        )
        .await;
    assert_eq!(status, 200);
    let referral = app
        .store
        .dossier_view(&coord, &dossier, T0)
        .await
        .unwrap()
        .referrals[0]
        .id
        .clone();
    // Changed after the referral: the document keeps what it was made with.
    app.store
        .add_dossier_entry(&coord, &dossier, "note", "Later nieuws", T0)
        .await
        .unwrap();
    let response = client
        .get_raw(&format!(
            "/dossiers/{dossier}/referrals/{referral}?format=pdf"
        ))
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"].to_str().unwrap(),
        "application/pdf"
    );
    let pdf = response.bytes().await.unwrap();
    if let Some(text) = common::pdf::pdf_text(&pdf) {
        assert!(text.contains("Dossier buiten Baken"), "{text}");
        assert!(text.contains(&outside.partner), "{text}");
        assert!(!text.contains("Later nieuws"), "{text}");
    }
    if let Some(png) = common::pdf::render_first_page_png(&pdf) {
        assert!(png.len() > 1000);
    }

    let sent = format!("/dossiers/{dossier}/referrals/{referral}/sent");
    let (status, body) = client
        .post_form(&sent, &[("channel", "post"), ("date", "2099-01-01")])
        .await;
    assert_eq!(status, 422);
    assert!(body.contains("vandaag of eerder"), "{body}");
    let (status, _) = client
        .post_form(&sent, &[("channel", "pigeon"), ("date", "2026-01-01")])
        .await;
    assert_eq!(status, 422);
    let (status, page) = client
        .post_form(
            &sent,
            &[("channel", "secure_email"), ("date", "2026-01-01")],
        )
        .await;
    assert_eq!(status, 200);
    assert!(page.contains("verwijsdocument verstuurd"), "{page}");
    assert!(page.contains("beveiligde e-mail — 2026-01-01"), "{page}");
    // No reply to a partner outside Baken: there is no inbox to answer.
    let (status, _) = client
        .post_form(
            &format!("/dossiers/{dossier}/referrals/{referral}/reply"),
            &[("text", "Hallo")],
        )
        .await;
    assert_eq!(status, 422);
}
on_both_backends!(
    referral_document_outside_baken_on_both,
    referral_document_outside_baken
);

async fn headers_on_every_get_route(app: &TestApp) {
    let client = app
        .logged_in("demo-administrator", &app.password("demo-administrator"))
        .await;
    for route in app.routes.iter().filter(|r| r.method == "GET") {
        let path = route
            .path
            .replace("{id}", "x")
            .replace("{*path}", "baken.css");
        let r = client.get_raw(&path).await;
        let h = r.headers();
        let csp = h
            .get("content-security-policy")
            .map(|v| v.to_str().unwrap().to_string());
        let csp = csp.unwrap_or_else(|| panic!("no CSP on {path}"));
        assert!(
            csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"),
            "{path}: {csp}"
        );
        assert!(!csp.contains("unsafe-inline"), "{path}");
        assert_eq!(h.get("referrer-policy").unwrap(), "no-referrer", "{path}");
        if !path.starts_with("/static/") {
            assert_eq!(h.get("cache-control").unwrap(), "no-store", "{path}");
        }
        for cookie in h.get_all("set-cookie") {
            let c = cookie.to_str().unwrap();
            assert!(
                c.contains("HttpOnly") && c.contains("SameSite=Strict"),
                "{path}: {c}"
            );
        }
    }
}
on_both_backends!(
    strict_headers_on_every_get_route,
    headers_on_every_get_route
);

async fn csrf_is_required_on_forms(app: &TestApp) {
    let client = app
        .logged_in("demo-coordinator", &app.password("demo-coordinator"))
        .await;
    let (status, body) = client.post_raw("/logout", &[]).await;
    assert_eq!(status, 403);
    assert!(body.contains("Het formulier is verlopen"), "{body}");
    let (status, _) = client.post_raw("/logout", &[("csrf", "00")]).await;
    assert_eq!(status, 403);
    // Still logged in: the forged logouts did nothing.
    let (status, body) = client.get("/").await;
    assert_eq!(status, 200);
    assert!(body.contains("id=\"welcome\""));
    // A login form without the anonymous token is refused too.
    let fresh = app.client();
    let (status, _) = fresh
        .post_raw(
            "/login",
            &[("username", "demo-coordinator"), ("password", "x")],
        )
        .await;
    assert_eq!(status, 403);
}
on_both_backends!(csrf_tokens_are_required, csrf_is_required_on_forms);

async fn login_failures_are_uniform_and_throttled(app: &TestApp) {
    let client = app.client();
    let wrong = client
        .post_form(
            "/login",
            &[("username", "demo-analyst"), ("password", "wrong")],
        )
        .await;
    let unknown = client
        .post_form(
            "/login",
            &[("username", "nobody-here"), ("password", "wrong")],
        )
        .await;
    assert_eq!(wrong.0, 401);
    assert_eq!(unknown.0, 401);
    let message = "Gebruikersnaam of wachtwoord klopt niet.";
    assert!(wrong.1.contains(message) && unknown.1.contains(message));
    for _ in 0..4 {
        client
            .post_form(
                "/login",
                &[("username", "demo-analyst"), ("password", "wrong")],
            )
            .await;
    }
    // Five failures: now even the right password waits, with the same answer as for an
    // unknown account in the same state.
    let right = app.password("demo-analyst");
    let (status, body) = client
        .post_form(
            "/login",
            &[("username", "demo-analyst"), ("password", &right)],
        )
        .await;
    assert_eq!(status, 429);
    assert!(body.contains("Te veel mislukte pogingen"));
    for _ in 0..4 {
        client
            .post_form(
                "/login",
                &[("username", "nobody-here"), ("password", "wrong")],
            )
            .await;
    }
    let (status, _) = client
        .post_form(
            "/login",
            &[("username", "nobody-here"), ("password", "wrong")],
        )
        .await;
    assert_eq!(status, 429);
    app.clock.advance(60);
    app.logged_in("demo-analyst", &right).await;
}
on_both_backends!(
    failed_logins_are_uniform_and_throttled,
    login_failures_are_uniform_and_throttled
);

async fn sessions_expire(app: &TestApp) {
    let client = app
        .logged_in("demo-coordinator", &app.password("demo-coordinator"))
        .await;
    app.clock.advance(31 * 60);
    let (status, body) = client.get("/").await;
    assert_eq!(status, 200);
    assert!(
        body.contains("action=\"/login\""),
        "expired session must land on the login page"
    );
    // Absolute time-out: active every 20 minutes, still out after 12 hours.
    let client = app
        .logged_in("demo-coordinator", &app.password("demo-coordinator"))
        .await;
    for _ in 0..37 {
        app.clock.advance(20 * 60);
        client.get("/account").await;
    }
    let (_, body) = client.get("/").await;
    assert!(body.contains("action=\"/login\""));
}
on_both_backends!(sessions_have_idle_and_absolute_timeouts, sessions_expire);

async fn log_out_everywhere(app: &TestApp) {
    let pw = app.password("demo-coordinator");
    let phone = app.logged_in("demo-coordinator", &pw).await;
    let desk = app.logged_in("demo-coordinator", &pw).await;
    let (status, _) = desk.post_form("/logout/everywhere", &[]).await;
    assert_eq!(status, 200);
    let (_, body) = phone.get("/").await;
    assert!(body.contains("action=\"/login\""));
}
on_both_backends!(log_out_everywhere_ends_every_session, log_out_everywhere);

/// A second-factor code works once: typed again within its 90-second window (by someone
/// who saw it, or from a proxy log) it is refused; the next code is accepted.
async fn totp_codes_work_once(app: &TestApp) {
    let pw = app.password("demo-analyst");
    app.logged_in("demo-analyst", &pw).await;
    let analyst = app.store.user_by_username("demo-analyst").await.unwrap();
    let secret = app
        .store
        .open_totp_secret(&analyst)
        .unwrap()
        .unwrap()
        .to_string();
    // At rest the enrolled secret is sealed (the test app runs with a master key).
    let (stored,): (String,) =
        sqlx::query_as("SELECT totp_secret FROM users WHERE username = 'demo-analyst'")
            .fetch_one(app.store.raw_pool())
            .await
            .unwrap();
    assert!(
        stored.starts_with("sealed:") && !stored.contains(&secret),
        "{stored}"
    );
    let second_factor = |code: String| {
        let (c, pw) = (app.client(), pw.clone());
        async move {
            let page = c.login("demo-analyst", &pw).await;
            assert!(page.contains("action=\"/login/second-factor\""));
            c.post_form("/login/second-factor", &[("code", &code)])
                .await
        }
    };
    app.clock.advance(30);
    let code =
        baken_web::totp::code_at(&secret, baken_web::Clock::now(app.clock.as_ref())).unwrap();
    let (status, body) = second_factor(code.clone()).await;
    assert_eq!(status, 200);
    assert!(body.contains("id=\"welcome\""));
    let (status, body) = second_factor(code.clone()).await;
    assert_eq!(status, 401, "the same code again is refused");
    assert!(!body.contains("id=\"welcome\""));
    // Still refused a step later, while the code is within the clock-drift window.
    app.clock.advance(30);
    assert_eq!(second_factor(code).await.0, 401);
    let next =
        baken_web::totp::code_at(&secret, baken_web::Clock::now(app.clock.as_ref())).unwrap();
    assert_eq!(second_factor(next).await.0, 200);
}
on_both_backends!(a_totp_code_works_once, totp_codes_work_once);

async fn unknown_language(app: &TestApp) {
    let client = app.client();
    let (status, body) = client
        .post_form("/language", &[("lang", "xx"), ("return_to", "/login")])
        .await;
    assert_eq!(status, 400);
    assert!(body.contains("Deze taal kent Baken niet"), "{body}");
    let (status, body) = client
        .post_form("/language", &[("lang", "fr"), ("return_to", "/login")])
        .await;
    assert_eq!(status, 200);
    assert!(body.contains("Connexion"), "the switch persists: {body}");
    let (_, body) = client.get("/login").await;
    assert!(body.contains("lang=\"fr\""));
}
on_both_backends!(
    language_switch_persists_and_refuses_unknown,
    unknown_language
);

async fn audit_failure_fails_the_request(app: &TestApp) {
    let client = app
        .logged_in("demo-administrator", &app.password("demo-administrator"))
        .await;
    let (status, body) = client.get("/admin/users").await;
    assert_eq!(status, 200);
    assert!(body.contains("demo-frontline"));
    // Make the audit trail unwritable.
    let pool = app.store.raw_pool();
    if app.backend == "sqlite" {
        sqlx::query("CREATE TRIGGER block_audit BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'blocked'); END")
            .execute(pool).await.unwrap();
    } else {
        sqlx::query("CREATE FUNCTION block_audit() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'blocked'; END $$ LANGUAGE plpgsql")
            .execute(pool).await.unwrap();
        sqlx::query("CREATE TRIGGER block_audit BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION block_audit()")
            .execute(pool).await.unwrap();
    }
    let (status, body) = client.get("/admin/users").await;
    assert_eq!(status, 503);
    assert!(
        !body.contains("demo-frontline"),
        "no data without its audit record"
    );
    assert!(body.contains("logboek"), "{body}");
}
on_both_backends!(
    an_unwritable_audit_trail_fails_the_request,
    audit_failure_fails_the_request
);

/// An administrator changes a colleague's roles and clearance; the new rights take
/// effect at the colleague's next request. Refused, with the form as submitted: no role,
/// taking the administrator role from oneself, a clearance above one's own.
async fn worker_org(app: &TestApp) -> String {
    app.demo_scope("demo-frontline", Role::Frontline)
        .await
        .org_id
}

async fn administrator_sets_roles_and_clearance(app: &TestApp) {
    let admin = app
        .logged_in("demo-administrator", &app.password("demo-administrator"))
        .await;
    let frontline = app
        .logged_in("demo-frontline", &app.password("demo-frontline"))
        .await;
    let (status, _) = frontline.get("/inbox").await;
    assert_eq!(status, 404, "no case rights yet");
    let worker = app.store.user_by_username("demo-frontline").await.unwrap();
    let me = app
        .store
        .user_by_username("demo-administrator")
        .await
        .unwrap();
    let own = app.store.clearance(&me.id).await.unwrap();
    let path = format!("/admin/users/{}/access", worker.id);

    let (status, body) = admin.post_form(&path, &[("clearance", "3")]).await;
    assert_eq!(status, 422);
    assert!(body.contains("href=\"#access-roles\""), "{body}");
    let too_high = (own + 1).to_string();
    let (status, body) = admin
        .post_form(
            &path,
            &[
                ("role", "frontline"),
                ("role", "coordinator"),
                ("clearance", &too_high),
            ],
        )
        .await;
    if own < 8 {
        assert_eq!(status, 422, "no more than one's own clearance");
        assert!(
            body.contains("id=\"role-coordinator\" name=\"role\" value=\"coordinator\" checked"),
            "the ticked roles stay ticked"
        );
    }
    let (status, _) = admin
        .post_form(
            &path,
            &[
                ("role", "frontline"),
                ("role", "coordinator"),
                ("clearance", "3"),
            ],
        )
        .await;
    assert_eq!(status, 200, "saved, back on the user's page");
    assert_eq!(app.store.clearance(&worker.id).await.unwrap(), 3);
    let (status, _) = frontline.get("/inbox").await;
    assert_eq!(status, 200, "the coordinator role works at once");
    let (_, page) = admin.get(&format!("/admin/users/{}", worker.id)).await;
    assert!(page.contains("value=\"3\" selected"), "{page}");

    let (status, body) = admin
        .post_form(
            &format!("/admin/users/{}/access", me.id),
            &[("role", "frontline"), ("clearance", "1")],
        )
        .await;
    assert_eq!(status, 422);
    assert!(body.contains("beheerder"), "{body}");
    assert_eq!(
        app.store.clearance(&me.id).await.unwrap(),
        own,
        "nothing changed"
    );
    let (status, _) = admin
        .post_form(&path, &[("role", "no-such-role"), ("clearance", "3")])
        .await;
    assert_eq!(status, 422, "an unknown role is no role");

    // Someone cleared above the administrator: changing roles keeps their level, which
    // the form offers as it is; lowering it is allowed, raising it back is not.
    app.store.set_clearance(&worker.id, own + 1).await.unwrap();
    let (_, page) = admin.get(&format!("/admin/users/{}", worker.id)).await;
    let above = (own + 1).to_string();
    assert!(
        page.contains(&format!("value=\"{above}\" selected")),
        "the current level is offered: {page}"
    );
    let (status, _) = admin
        .post_form(&path, &[("role", "coordinator"), ("clearance", &above)])
        .await;
    assert_eq!(status, 200);
    assert_eq!(app.store.clearance(&worker.id).await.unwrap(), own + 1);

    // A user who also works for another organisation: clearance is not changed from here.
    let other = app
        .store
        .create_org(
            "Gemeente Ander",
            OrgKind::Municipality,
            Country::NL,
            common::T0,
        )
        .await
        .unwrap();
    let shared = app
        .store
        .create_user(
            &NewUser {
                username: "gedeeld",
                display_name: "Gedeeld",
                password_hash: &hash_password("gedeeld-wachtwoord"),
                must_change_password: false,
            },
            &[
                (worker_org(app).await, Role::Frontline),
                (other.id.clone(), Role::Frontline),
            ],
            common::T0,
        )
        .await
        .unwrap();
    let (status, body) = admin
        .post_form(
            &format!("/admin/users/{}/access", shared.id),
            &[("role", "frontline"), ("clearance", "2")],
        )
        .await;
    assert_eq!(status, 422);
    assert!(body.contains("href=\"#clearance\""), "{body}");
    assert_eq!(app.store.clearance(&shared.id).await.unwrap(), 5);
}
on_both_backends!(
    administrator_sets_roles_and_clearance,
    administrator_sets_roles_and_clearance
);

async fn privacy_officer_reads_are_recorded(app: &TestApp) {
    let admin = app
        .logged_in("demo-administrator", &app.password("demo-administrator"))
        .await;
    admin.get("/admin/users").await;
    let officer = app
        .logged_in(
            "demo-privacy-officer",
            &app.password("demo-privacy-officer"),
        )
        .await;
    let (status, body) = officer.get("/audit").await;
    assert_eq!(status, 200);
    assert!(
        body.contains("audit_trail"),
        "the officer's own read is in the trail: {body}"
    );
    assert!(body.contains("user administration"));
    // Other roles do not see the trail at all.
    let (status, _) = admin.get("/audit").await;
    assert_eq!(status, 404);
    match app.store.verify_audit().await.unwrap() {
        baken_store::VerifyOutcome::Intact { records } => assert!(records > 5),
        other => panic!("{other:?}"),
    }
}
on_both_backends!(
    reading_the_audit_trail_is_recorded,
    privacy_officer_reads_are_recorded
);

async fn first_login_with_one_time_password(app: &TestApp) {
    let a = app
        .store
        .org_by_name(baken_store::seed::DEMO_MUNICIPALITY)
        .await
        .unwrap();
    app.store
        .create_user(
            &NewUser {
                username: "new-trainer",
                display_name: "New Trainer",
                password_hash: &hash_password("one-time-pw-123"),
                must_change_password: true,
            },
            &[(a.id.clone(), Role::Trainer)],
            T0,
        )
        .await
        .unwrap();
    let client = app.client();
    let page = client.login("new-trainer", "one-time-pw-123").await;
    assert!(page.contains("action=\"/account/password\""));
    let (status, page) = client
        .post_form(
            "/account/password",
            &[("current", "one-time-pw-123"), ("new", "short")],
        )
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("te kort"));
    let (status, page) = client
        .post_form(
            "/account/password",
            &[
                ("current", "one-time-pw-123"),
                ("new", "a much longer passphrase"),
            ],
        )
        .await;
    assert_eq!(status, 200);
    assert!(
        page.contains("action=\"/account/second-factor\""),
        "then the second factor, for trainers too: {page}"
    );
}
on_both_backends!(
    one_time_passwords_must_be_changed,
    first_login_with_one_time_password
);

async fn training_progress_is_for_coordinators_and_trainers(app: &TestApp) {
    let (content, _) = baken_learn::embedded();
    let case = &content.cases[0];
    let learner = app
        .logged_in("demo-frontline", &app.password("demo-frontline"))
        .await;
    let (status, _) = learner.get("/learn/modules/no-such-module").await;
    assert_eq!(status, 404);
    let (status, _) = learner.get("/learn/cases/no-such-case").await;
    assert_eq!(status, 404);
    // Without an action nothing is recorded; an unknown indicator id is ignored.
    let path = format!("/learn/cases/{}", case.id);
    let (status, _) = learner
        .post_form(&path, &[("indicator", case.indicators[0].as_str())])
        .await;
    assert_eq!(status, 400);
    let (status, body) = learner
        .post_form(
            &path,
            &[
                ("indicator", "<script>x</script>"),
                ("action", case.action.as_str()),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(!body.contains("<script>x"), "{body}");
    // The learner has no overview.
    for p in ["/learn/progress", "/learn/progress.csv"] {
        let (status, _) = learner.get(p).await;
        assert_eq!(status, 404, "{p}");
    }
    for who in ["demo-coordinator", "demo-trainer"] {
        let reader = app.logged_in(who, &app.password(who)).await;
        let (status, body) = reader.get("/learn/progress").await;
        assert_eq!(status, 200, "{who}");
        assert!(body.contains(case.title.get("nl")), "{who}: {body}");
        let (status, csv) = reader.get("/learn/progress.csv").await;
        assert_eq!(status, 200, "{who}");
        assert!(csv.contains(&format!("\"{}\"", case.id)), "{who}: {csv}");
    }
}
on_both_backends!(
    training_progress_is_only_for_coordinators_and_trainers,
    training_progress_is_for_coordinators_and_trainers
);
