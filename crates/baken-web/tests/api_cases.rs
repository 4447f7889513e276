//! The case-work API: every /api/v1 route in the OpenAPI document, scopes, problem
//! details naming fields, and the dossier visibility rules. On SQLite and PostgreSQL.

mod common;

use baken_domain::Role;
use common::{between, TestApp};

async fn token(app: &TestApp, user: &str, scopes: &[&str]) -> String {
    let client = app.logged_in(user, &app.password(user)).await;
    let mut fields = vec![("name", "api test")];
    fields.extend(scopes.iter().map(|s| ("scope", *s)));
    let (_, page) = client.post_form("/account/tokens", &fields).await;
    between(&page, "id=\"new-token\" class=\"baken-secret\">", "<")
}

async fn call(
    app: &TestApp,
    token: &str,
    method: &str,
    path: &str,
    body: Option<serde_json::Value>,
) -> (u16, serde_json::Value) {
    let http = reqwest::Client::new();
    let url = format!("{}{path}", app.base);
    let mut req = if method == "GET" {
        http.get(url)
    } else {
        http.post(url)
    };
    if let Some(b) = body {
        req = req.json(&b);
    }
    let r = req.bearer_auth(token).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(serde_json::Value::Null))
}

async fn every_api_route_is_documented(app: &TestApp) {
    let (status, doc) = call(app, "none", "GET", "/api/v1/openapi.json", None).await;
    assert_eq!(status, 200);
    let paths = doc["paths"].as_object().unwrap();
    let mut missing = Vec::new();
    for r in app.routes.iter().filter(|r| r.path.starts_with("/api/v1/")) {
        if r.path == "/api/v1/openapi.json" {
            continue;
        }
        let documented = paths
            .get(r.path)
            .and_then(|p| p.get(r.method.to_lowercase()))
            .is_some();
        if !documented {
            missing.push(format!("{} {}", r.method, r.path));
        }
    }
    assert!(
        missing.is_empty(),
        "not in the OpenAPI document: {missing:?}"
    );
}
on_both_backends!(every_api_route_is_documented, every_api_route_is_documented);

async fn case_work_over_the_api(app: &TestApp) {
    let scope = app.demo_scope("demo-coordinator", Role::Coordinator).await;
    let signal = app
        .submitted_signal(
            &scope,
            "registration_desk",
            &[("observation".into(), "API".into())],
        )
        .await;
    let read_only = token(app, "demo-coordinator", &["cases:read"]).await;
    let full = token(
        app,
        "demo-coordinator",
        &["cases:read", "cases:write", "directory:read"],
    )
    .await;
    // Scope checked.
    let body =
        serde_json::json!({"title": "API-dossier", "confidentiality": 2, "signals": [signal]});
    let (status, p) = call(
        app,
        &read_only,
        "POST",
        "/api/v1/dossiers",
        Some(body.clone()),
    )
    .await;
    assert_eq!(status, 403, "{p}");
    let (status, _) = call(app, &read_only, "GET", "/api/v1/directory", None).await;
    assert_eq!(status, 403);
    // Invalid fields are named.
    let bad = serde_json::json!({"title": " ", "confidentiality": 2, "signals": []});
    let (status, p) = call(app, &full, "POST", "/api/v1/dossiers", Some(bad)).await;
    assert_eq!(status, 422);
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["title", "signals"]);
    // Create, list, read.
    let (status, created) = call(app, &full, "POST", "/api/v1/dossiers", Some(body)).await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap().to_string();
    let (_, list) = call(app, &read_only, "GET", "/api/v1/dossiers", None).await;
    assert!(list
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d["id"] == id.as_str()));
    let (_, inbox) = call(app, &read_only, "GET", "/api/v1/inbox", None).await;
    assert!(inbox
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["id"] == signal.as_str() && s["dossier_id"] == id.as_str()));
    // A deadline in the past: a clear problem naming the field.
    let task = |deadline: &str| serde_json::json!({"title": "Huisbezoek", "owner_id": scope.user_id, "deadline": deadline});
    let tasks = format!("/api/v1/dossiers/{id}/tasks");
    let (status, p) = call(app, &full, "POST", &tasks, Some(task("2000-01-01"))).await;
    assert_eq!(status, 422);
    assert_eq!(p["errors"][0]["field"], "deadline");
    assert_eq!(p["errors"][0]["code"], "date.past");
    assert!(p["errors"][0]["message"].as_str().unwrap().len() > 10);
    let (status, _) = call(app, &full, "POST", &tasks, Some(task("2099-01-01"))).await;
    assert_eq!(status, 201);
    let (_, d) = call(
        app,
        &read_only,
        "GET",
        &format!("/api/v1/dossiers/{id}"),
        None,
    )
    .await;
    assert_eq!(d["title"], "API-dossier");
    assert_eq!(d["tasks"][0]["deadline"], "2099-01-01");
    // Referrals and the directory.
    let (_, dir) = call(app, &full, "GET", "/api/v1/directory", None).await;
    let contact = dir[0]["id"].as_str().unwrap().to_string();
    app.store
        .refer_dossier(
            &scope,
            &id,
            &contact,
            &[baken_store::ReferralSection {
                category: "summary".into(),
                lines: vec!["Samenvatting".into()],
            }],
            common::T0,
        )
        .await
        .unwrap();
    let (status, refs) = call(
        app,
        &read_only,
        "GET",
        &format!("/api/v1/dossiers/{id}/referrals"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(refs[0]["categories"][0], "summary");
    // Others get 404 on the dossier, everywhere.
    for user in ["demo-analyst", "demo-regional-analyst"] {
        let t = token(app, user, &["cases:read", "cases:write"]).await;
        for (method, path, body) in [
            ("GET", format!("/api/v1/dossiers/{id}"), None),
            ("GET", format!("/api/v1/dossiers/{id}/referrals"), None),
            ("POST", tasks.clone(), Some(task("2099-01-01"))),
        ] {
            let (status, _) = call(app, &t, method, &path, body).await;
            assert_eq!(status, 404, "{user} {method} {path}");
        }
        let (_, list) = call(app, &t, "GET", "/api/v1/dossiers", None).await;
        assert!(!list.to_string().contains(&id), "{user} listed it");
    }
}
on_both_backends!(case_work_over_the_api, case_work_over_the_api);
