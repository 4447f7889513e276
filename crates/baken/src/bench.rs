//! `baken bench startup|pages`: the foundation's performance figures, measured the way a
//! user meets them (see docs/benchmarks.md). Benchmarks, not tests: they report, never fail.

use anyhow::{Context, Result};
use axum::body::Body;
use axum::http::{header, Request};
use baken_store::seed::seed_demo;
use baken_store::Store;
use baken_web::{build_router, AppState, SystemClock, WebConfig};
use std::io::{BufRead, BufReader};
use std::process::{Command, ExitCode, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tower::ServiceExt;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn report(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    println!(
        "{name:<28} n={:<5} median={:>9.3} ms  p90={:>9.3} ms  p99={:>9.3} ms  max={:>9.3} ms",
        samples.len(),
        percentile(&samples, 0.5).as_secs_f64() * 1e3,
        percentile(&samples, 0.9).as_secs_f64() * 1e3,
        percentile(&samples, 0.99).as_secs_f64() * 1e3,
        samples.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
    );
}

/// Start `baken serve` on a new, empty SQLite database `runs` times; time from process
/// start until `/healthz` answers 200.
pub async fn startup(runs: usize) -> Result<ExitCode> {
    let exe = std::env::current_exe()?;
    let http = reqwest::Client::new();
    let mut samples = Vec::with_capacity(runs);
    for _ in 0..runs {
        let dir =
            std::env::temp_dir().join(format!("baken-bench-{}", baken_store::random_token(6)));
        let started = Instant::now();
        let mut child = Command::new(&exe)
            .args(["serve", "--listen", "127.0.0.1:0", "--data"])
            .arg(&dir)
            .env("BAKEN_LOG", "warn")
            .stdout(Stdio::piped())
            .spawn()
            .context("start baken serve")?;
        let stdout = child.stdout.take().context("no stdout")?;
        let mut url = None;
        let mut lines = BufReader::new(stdout).lines();
        for line in lines.by_ref() {
            let line = line?;
            if let Some(rest) = line.strip_prefix("Baken is running at ") {
                url = rest.split_whitespace().next().map(str::to_string);
                break;
            }
        }
        // Keep reading so the server never writes into a closed pipe.
        std::thread::spawn(move || lines.for_each(drop));
        let url = url.context("serve printed no URL")?;
        loop {
            if let Ok(r) = http.get(format!("{url}healthz")).send().await {
                if r.status().is_success() {
                    break;
                }
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        samples.push(started.elapsed());
        let _ = child.kill();
        let _ = child.wait();
        let _ = std::fs::remove_dir_all(&dir);
    }
    println!("baken serve on an empty SQLite database, process start to /healthz 200:");
    report("startup", samples);
    Ok(ExitCode::SUCCESS)
}

/// Render pages in process (router, session lookup, template; no network) `n` times each.
pub async fn pages(n: usize) -> Result<ExitCode> {
    let dir = std::env::temp_dir().join(format!("baken-bench-{}", baken_store::random_token(6)));
    let store = Store::open_dir(&dir).await?;
    store.migrate().await?;
    let now = SystemClock.now_secs();
    seed_demo(&store, now).await?;
    let user = store.user_by_username("demo-administrator").await?;
    let org = store.memberships(&user.id).await?[0].org_id.clone();
    let (raw, session) = store.create_session(&user.id, Some(&org), now).await?;
    store.mark_second_factor(&session.id_hash).await?;
    store
        .set_totp(&user.id, Some("JBSWY3DPEHPK3PXP"), true)
        .await?;
    let state = AppState::new(store.clone(), WebConfig::default(), Arc::new(SystemClock))
        .map_err(|e| anyhow::anyhow!(e))?;
    let (router, _) = build_router(state);
    println!("in-process page renders (router + session + template), SQLite:");
    for (name, path, logged_in) in [
        ("GET /login (anonymous)", "/login", false),
        ("GET / (start page)", "/", true),
        ("GET /account", "/account", true),
        ("GET /admin/users (audited)", "/admin/users", true),
    ] {
        let mut samples = Vec::with_capacity(n);
        for _ in 0..n {
            let mut req = Request::get(path);
            if logged_in {
                req = req.header(header::COOKIE, format!("baken_session={raw}"));
            }
            let req = req.body(Body::empty())?;
            let started = Instant::now();
            let response = router.clone().oneshot(req).await?;
            let body = axum::body::to_bytes(response.into_body(), usize::MAX).await?;
            samples.push(started.elapsed());
            anyhow::ensure!(body.len() > 500, "{path} rendered no page");
        }
        report(name, samples);
    }
    store.close().await;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(ExitCode::SUCCESS)
}

/// Seed `signals` signals and a tenth as many dossiers into the demo municipality, then
/// time the inbox (first page, a page halfway, two filters) and `GET /dossiers/{id}` as the
/// demo coordinator, `n` times each.
pub async fn pages_at_scale(
    n: usize,
    signals: usize,
    postgres: Option<String>,
) -> Result<ExitCode> {
    let db = match &postgres {
        Some(url) => baken_store::testkit::TestDb::postgres_at(url).await,
        None => baken_store::testkit::TestDb::sqlite().await,
    };
    let backend = if postgres.is_some() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    let store = db.store.clone();
    let now = SystemClock.now_secs();
    seed_demo(&store, now).await?;
    let user = store.user_by_username("demo-coordinator").await?;
    let org = store.memberships(&user.id).await?[0].org_id.clone();
    let started = Instant::now();
    let dossiers = store
        .seed_scale(&org, &user.id, signals, signals / 10, now)
        .await?;
    println!(
        "seeded {signals} signals and {} dossiers on {backend} in {:.1} s",
        dossiers.len(),
        started.elapsed().as_secs_f64()
    );
    let (raw, session) = store.create_session(&user.id, Some(&org), now).await?;
    store.mark_second_factor(&session.id_hash).await?;
    store
        .set_totp(&user.id, Some("JBSWY3DPEHPK3PXP"), true)
        .await?;
    let state = AppState::new(store.clone(), WebConfig::default(), Arc::new(SystemClock))
        .map_err(|e| anyhow::anyhow!(e))?;
    let (router, _) = build_router(state);
    let dossier = format!("/dossiers/{}", dossiers.first().context("no dossiers")?);
    // A page halfway through the inbox: walk there a thousand items at a time.
    let scope = baken_store::Scope {
        user_id: user.id.clone(),
        org_id: org.clone(),
        roles: vec![baken_domain::Role::Coordinator],
    };
    let mut halfway: Option<baken_store::InboxCursor> = None;
    for _ in 0..(signals / 2).div_ceil(1000) {
        let page = store
            .inbox(&scope, &Default::default(), halfway.as_ref(), 1000, now)
            .await?;
        let Some(last) = page.last() else { break };
        halfway = Some(baken_store::InboxCursor {
            rank: last.triage_rank.unwrap_or_default(),
            id: last.id.clone(),
        });
    }
    let deep = format!(
        "/inbox?after={}",
        halfway.context("an empty inbox")?.to_param()
    );
    println!("in-process page renders as the demo coordinator, {backend}:");
    for (name, path) in [
        ("GET /inbox", "/inbox".to_string()),
        ("GET /inbox (a page halfway)", deep),
        ("GET /inbox?assignee=me", "/inbox?assignee=me".to_string()),
        (
            "GET /inbox?status=received",
            "/inbox?status=received".to_string(),
        ),
        ("GET /dossiers/{id}", dossier),
    ] {
        let mut samples = Vec::with_capacity(n);
        for _ in 0..n {
            let req = Request::get(path.as_str())
                .header(header::COOKIE, format!("baken_session={raw}"))
                .body(Body::empty())?;
            let started = Instant::now();
            let response = router.clone().oneshot(req).await?;
            let status = response.status();
            let body = axum::body::to_bytes(response.into_body(), usize::MAX).await?;
            samples.push(started.elapsed());
            anyhow::ensure!(
                status.is_success() && body.len() > 500,
                "{path} answered {status}"
            );
        }
        report(name, samples);
    }
    db.cleanup().await;
    Ok(ExitCode::SUCCESS)
}

trait NowSecs {
    fn now_secs(&self) -> i64;
}

impl NowSecs for SystemClock {
    fn now_secs(&self) -> i64 {
        baken_web::Clock::now(self)
    }
}
