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

/// The fields a problem+json body names as invalid, in order.
fn problem_fields(p: &serde_json::Value) -> Vec<&str> {
    p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect()
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
    let fields = problem_fields(&p);
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

/// The rows of an inbox page: the links to the items, in page order.
fn inbox_rows(page: &str) -> Vec<String> {
    page.split("<a class=\"utrecht-link\" href=\"")
        .skip(1)
        .map(|s| s[..s.find('"').unwrap()].to_string())
        .filter(|h| h.starts_with("/signals/") || h.starts_with("/reports/"))
        .collect()
}

/// With more than a page of items, the inbox shows 50, then the next page on its link,
/// keeping the filters; every item is shown once. The API pages with `Link: rel="next"`.
/// A damaged page link is a clear 400 (page) or a 422 naming the parameter (API).
async fn inbox_pages(app: &TestApp) {
    let scope = app.demo_scope("demo-coordinator", Role::Coordinator).await;
    app.store
        .seed_scale(&scope.org_id, &scope.user_id, 120, 0, common::T0 - 10)
        .await
        .unwrap();
    let client = app
        .logged_in("demo-coordinator", &app.password("demo-coordinator"))
        .await;
    let (status, first) = client.get("/inbox").await;
    assert_eq!(status, 200);
    let rows = inbox_rows(&first);
    assert_eq!(rows.len(), 50, "one page");
    assert!(!first.contains("id=\"first-page\""));
    let mut seen: Vec<String> = rows;
    let mut page = first;
    let mut pages = 1;
    while page.contains("id=\"next-page\"") {
        let end = page.find("\" id=\"next-page\"").unwrap();
        let start = page[..end].rfind("href=\"").unwrap() + "href=\"".len();
        let next = page[start..end].replace("&amp;", "&");
        let (status, body) = client.get(&next).await;
        assert_eq!(status, 200, "{next}");
        assert!(body.contains("id=\"first-page\""));
        seen.extend(inbox_rows(&body));
        page = body;
        pages += 1;
    }
    let unique: std::collections::HashSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "no item twice");
    assert!(
        seen.len() >= 120 && pages >= 3,
        "{} rows, {pages} pages",
        seen.len()
    );

    // Filters hold across pages: only high urgency (every 50th seeded signal is high).
    let (_, high) = client.get("/inbox?urgency=high").await;
    let high_rows = inbox_rows(&high);
    assert!(!high_rows.is_empty() && high_rows.len() < 50);
    assert!(!high.contains("id=\"next-page\""));

    let (status, body) = client.get("/inbox?after=12.NOT-HEX").await;
    assert_eq!(status, 400);
    assert!(body.contains("after"), "names the damaged part");

    // The API: two pages of 100 via the Link header, same order as the page.
    let read = token(app, "demo-coordinator", &["cases:read"]).await;
    let http = reqwest::Client::new();
    let r = http
        .get(format!("{}/api/v1/inbox?limit=100", app.base))
        .bearer_auth(&read)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let link = r.headers()["link"].to_str().unwrap().to_string();
    assert!(link.ends_with("rel=\"next\""), "{link}");
    let items: serde_json::Value = r.json().await.unwrap();
    assert_eq!(items.as_array().unwrap().len(), 100);
    let next = common::between(&link, "<", ">");
    let r = http
        .get(format!("{}{next}", app.base))
        .bearer_auth(&read)
        .send()
        .await
        .unwrap();
    let more: serde_json::Value = r.json().await.unwrap();
    let first_ids: Vec<&str> = items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert!(!more.as_array().unwrap().is_empty());
    assert!(more
        .as_array()
        .unwrap()
        .iter()
        .all(|i| !first_ids.contains(&i["id"].as_str().unwrap())));
    let (status, p) = call(app, &read, "GET", "/api/v1/inbox?limit=0&after=x", None).await;
    assert_eq!(status, 422, "{p}");
    let fields = problem_fields(&p);
    assert_eq!(fields, ["after", "limit"]);
}
on_both_backends!(inbox_pages, inbox_pages);
