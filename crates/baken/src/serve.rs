//! `baken serve` and opening the store.

use crate::config::{self, FileConfig};
use crate::DbArgs;
use anyhow::{Context, Result};
use baken_store::seed::{bootstrap_admin, seed_demo, Credentials};
use baken_store::Store;
use baken_web::{build_router, AppState, SystemClock, WebConfig};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

/// Open (and migrate) the store the arguments name.
pub async fn open_store(db: &DbArgs) -> Result<(Store, FileConfig)> {
    let file = match &db.config {
        Some(path) => config::read_file(path)?,
        None => FileConfig::default(),
    };
    let choice = config::database(db.database_url.clone(), db.data.clone(), &file)?;
    if let Some(dir) = &choice.sqlite_dir {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create data directory {}", dir.display()))?;
    }
    let store = Store::connect(&choice.url).await.with_context(|| {
        format!(
            "cannot reach the database at {}",
            config::redacted_url(&choice.url)
        )
    })?;
    store
        .migrate()
        .await
        .context("cannot apply database migrations")?;
    // Every command reads users as the server does: sealed TOTP secrets open with the
    // key derived from the master key.
    let store = match config::report_key(&file)? {
        Some(keys) => store.with_totp_key(keys.totp_sealing_key()),
        None => store,
    };
    Ok((store, file))
}

/// Shred what is past its retention, now and every six hours while serving.
async fn retention_loop(store: Store, report_days: i64) {
    let retention = config::RetentionConfig { report_days };
    loop {
        run_retention(&store, &retention).await;
        tokio::time::sleep(std::time::Duration::from_secs(6 * 3600)).await;
    }
}

/// One retention pass; failures are logged and retried on the next pass.
pub async fn run_retention(store: &Store, retention: &config::RetentionConfig) -> Option<usize> {
    let now = now();
    let cutoff = config::report_cutoff_day(retention, now);
    match store.shred_reports_untouched_since(&cutoff, now).await {
        Ok(n) => {
            tracing::info!(reports = n, before = %cutoff, "retention: reports shredded");
            Some(n)
        }
        Err(e) => {
            tracing::error!(error = %e, "retention pass failed");
            None
        }
    }
}

pub async fn retention_run(db: DbArgs) -> Result<ExitCode> {
    let (store, file) = open_store(&db).await?;
    let outcome = run_retention(&store, &file.retention).await;
    store.close().await;
    match outcome {
        Some(n) => {
            println!(
                "retention: {n} anonymous reports shredded (untouched for more than {} days)",
                file.retention.report_days
            );
            Ok(ExitCode::SUCCESS)
        }
        None => Ok(ExitCode::from(1)),
    }
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn print_logins(title: &str, logins: &[Credentials]) {
    println!("{title}");
    for c in logins {
        println!(
            "  {:<24} password: {:<24} role: {:<17} organisation: {}",
            c.username,
            c.password,
            c.role.as_str(),
            c.organisation
        );
    }
}

pub async fn serve(db: DbArgs, listen: Option<String>, demo: bool) -> Result<ExitCode> {
    let started = Instant::now();
    let (store, file) = open_store(&db).await?;
    let report_key = config::report_key(&file)?;
    // With a master key (the store already has the key derived from it), TOTP secrets
    // are sealed at rest; ones stored before are sealed now.
    let sealed = store
        .seal_totp_secrets()
        .await
        .context("cannot seal the stored TOTP secrets")?;
    if sealed > 0 {
        tracing::info!(sealed, "TOTP secrets sealed at rest");
    }
    let addr = config::listen_addr(listen, &file)?;
    let now = now();

    // The first administrator comes first: on an empty database it is created even
    // with --demo (then in the demo municipality).
    let (org, kind, country) = if demo {
        (
            baken_store::seed::DEMO_MUNICIPALITY.to_string(),
            baken_domain::OrgKind::Municipality,
            baken_domain::Country::NL,
        )
    } else {
        (
            file.bootstrap.organisation.clone(),
            file.bootstrap.kind()?,
            file.bootstrap.country()?,
        )
    };
    let admin = bootstrap_admin(&store, &org, kind, country, now).await?;
    let demo_logins = if demo {
        seed_demo(&store, now).await?
    } else {
        Vec::new()
    };

    let web_config = WebConfig {
        secure_cookies: file.secure_cookies.unwrap_or(!addr.ip().is_loopback()),
        session_idle_timeout_s: file.session.idle_timeout_minutes * 60,
        session_absolute_timeout_s: file.session.absolute_timeout_hours * 3600,
        ..WebConfig::default()
    };
    let mut state = AppState::new(store.clone(), web_config, Arc::new(SystemClock))
        .map_err(|e| anyhow::anyhow!("translations: {e}"))?;
    let no_report_key = report_key.is_none();
    if let Some(keys) = report_key {
        state = state.with_report_keys(keys);
    }
    let linked = state
        .load_link_index()
        .await
        .context("cannot build the link index")?;
    tracing::info!(records = linked, "link index ready");
    let (router, _) = build_router(state);
    tokio::spawn(retention_loop(store.clone(), file.retention.report_days));
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    let bound = listener.local_addr()?;

    println!(
        "Baken is running at http://{bound}/ (ready in {} ms)",
        started.elapsed().as_millis()
    );
    if let Some(admin) = &admin {
        print_logins(
            "First administrator created. Its one-time password is shown only now; you choose a new one at first login:",
            std::slice::from_ref(admin),
        );
    }
    if !demo_logins.is_empty() {
        print_logins(
            "Demo logins (second factor: scan the QR code shown at first login):",
            &demo_logins,
        );
    }
    if no_report_key {
        println!(
            "Note: no report key configured (BAKEN_REPORT_KEY or report_key_file): anonymous reports \
             sent now become unreadable when Baken restarts, and TOTP secrets are stored unsealed."
        );
    }
    println!("Health: http://{bound}/healthz — stop with Ctrl+C");

    axum::serve(listener, router)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .context("server stopped with an error")?;
    store.close().await;
    Ok(ExitCode::SUCCESS)
}
