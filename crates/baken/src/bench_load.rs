//! `baken bench load`: sustained signal submissions per second and their latency, against
//! a real `baken serve` on loopback, on SQLite or PostgreSQL.
//!
//! The generator starts `baken serve` as a child process on a fresh database (the store's
//! testkit makes it), creates an organisation, a frontline user and a personal API token
//! directly in the store, then
//! drives `POST /api/v1/signals` from N concurrent clients (closed loop: each client sends
//! its next signal when the previous one is answered) for a bounded time. Every body is a
//! realistic signal: context, three answered indicators, a person, an address and an IBAN.
//! A benchmark, not a test: it reports; it fails only when a submission is not accepted.

use anyhow::{bail, Context, Result};
use baken_domain::{Country, OrgKind, Role};
use baken_store::testkit::TestDb;
use baken_store::{hash_password, NewUser, Scope, Store, VerifyOutcome};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Longest measured run, whatever `--seconds` says.
const MAX_SECONDS: u64 = 300;
/// Unmeasured run before the measurement (connections, caches, the first pages of the WAL).
const WARM_UP: Duration = Duration::from_secs(2);

#[derive(clap::Args)]
pub struct LoadArgs {
    /// PostgreSQL server URL (e.g. postgres://postgres@127.0.0.1:5432/test); a fresh
    /// database is created on it and dropped afterwards. Without it: a fresh SQLite directory.
    #[arg(long)]
    pub database_url: Option<String>,
    /// Measured seconds (after a 2 s warm-up); at most 300
    #[arg(long, default_value_t = 20)]
    pub seconds: u64,
    /// Concurrent clients, each with one request in flight
    #[arg(long, default_value_t = 8)]
    pub concurrency: usize,
}

/// The user the load submits as, and its API token.
async fn prepare(store: &Store) -> Result<String> {
    let now = unix_now();
    let org = store
        .create_org(
            "Gemeente Belasting",
            OrgKind::Municipality,
            Country::NL,
            now,
        )
        .await?;
    let user = store
        .create_user(
            &NewUser {
                username: "load-frontline",
                display_name: "Load Frontline",
                password_hash: &hash_password(&baken_store::random_token(16)),
                must_change_password: false,
            },
            &[(org.id.clone(), Role::Frontline)],
            now,
        )
        .await?;
    let scope = Scope {
        user_id: user.id,
        org_id: org.id,
        roles: vec![Role::Frontline],
    };
    let (token, _) = store
        .create_api_token(&scope, "load", &["signals:write", "signals:read"], now)
        .await?;
    Ok(token)
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// `baken serve` on the database, on a free loopback port; its base URL.
fn start_server(db: &TestDb) -> Result<(Child, String)> {
    let mut child = Command::new(std::env::current_exe()?)
        .args(["serve", "--listen", "127.0.0.1:0", "--database-url"])
        .arg(&db.url)
        .env("BAKEN_LOG", "error")
        .stdout(Stdio::piped())
        .spawn()
        .context("start baken serve")?;
    let stdout = child.stdout.take().context("no stdout")?;
    let mut lines = BufReader::new(stdout).lines();
    let mut url = None;
    for line in lines.by_ref() {
        if let Some(rest) = line?.strip_prefix("Baken is running at ") {
            url = rest.split_whitespace().next().map(str::to_string);
            break;
        }
    }
    // Keep reading so the server never writes into a closed pipe.
    std::thread::spawn(move || lines.for_each(drop));
    match url {
        Some(url) if url.starts_with("http://127.0.0.1:") => Ok((child, url)),
        other => {
            let _ = child.kill();
            let _ = child.wait();
            bail!("serve did not report a loopback URL: {other:?}")
        }
    }
}

/// A realistic signal: where, three answered indicators, a person, an address, an IBAN.
fn body(n: u64, answers: &[String]) -> String {
    serde_json::json!({
        "context": "registration_desk",
        "subject": "adult",
        "urgency": "normal",
        "observed_on": "2025-11-20",
        "place": "Stadswinkel, balie 3",
        "observation": format!(
            "Melding {n}: een man meldt zich voor inschrijving op een adres waar al veel \
             mensen staan ingeschreven. Een tweede man spreekt voor hem, houdt zijn paspoort \
             vast en beantwoordt alle vragen. De man zelf lijkt niet te weten waar hij woont."
        ),
        "answers": {
            answers[0].as_str(): "yes",
            answers[1].as_str(): "yes",
            answers[2].as_str(): "unknown",
        },
        "entities": [
            {
                "kind": "person",
                "name": format!("Persoon {n}"),
                "birth_date": "1994-03-12",
                "nationality": "RO",
                "languages": "ro, en",
                "role": "possible_victim",
            },
            {
                "kind": "address",
                "street": "Kerkstraat",
                "house_number": format!("{}", 1 + n % 200),
                "postcode": "1234 AB",
                "town": "Baken-Oost",
            },
            { "kind": "bank_account", "iban": "NL91 ABNA 0417 1643 00" },
        ],
    })
    .to_string()
}

/// Three indicators a registration desk asks about.
fn registration_desk_answers() -> Result<Vec<String>> {
    let library = baken_indicators::embedded().map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let ids: Vec<String> = library
        .indicators_for_context("registration_desk")
        .into_iter()
        .flat_map(|(_, list)| list.into_iter().map(|i| i.id.clone()))
        .take(3)
        .collect();
    anyhow::ensure!(
        ids.len() == 3,
        "the library has fewer than 3 desk indicators"
    );
    Ok(ids)
}

#[derive(Default)]
struct Tally {
    latencies: Vec<Duration>,
    errors: u64,
    first_error: Option<String>,
}

/// One client: submit until `until`; measure only what starts after `measure_from`.
async fn client(
    http: reqwest::Client,
    url: Arc<str>,
    token: Arc<str>,
    answers: Arc<Vec<String>>,
    worker: u64,
    measure_from: Instant,
    until: Instant,
) -> Tally {
    let mut tally = Tally::default();
    let mut n = worker << 32;
    while Instant::now() < until {
        n += 1;
        let body = body(n, &answers);
        let started = Instant::now();
        let result = http
            .post(&*url)
            .bearer_auth(&*token)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await;
        let outcome = match result {
            Ok(r) if r.status().as_u16() == 201 => {
                r.bytes().await.map(|_| ()).map_err(|e| e.to_string())
            }
            Ok(r) => {
                let status = r.status();
                Err(format!("{status}: {}", r.text().await.unwrap_or_default()))
            }
            Err(e) => Err(e.to_string()),
        };
        let elapsed = started.elapsed();
        if started < measure_from {
            continue;
        }
        match outcome {
            Ok(()) => tally.latencies.push(elapsed),
            Err(e) => {
                tally.errors += 1;
                tally.first_error.get_or_insert(e);
            }
        }
    }
    tally
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

pub async fn load(args: LoadArgs) -> Result<ExitCode> {
    let seconds = args.seconds.clamp(1, MAX_SECONDS);
    let concurrency = args.concurrency.clamp(1, 1024);
    let answers = Arc::new(registration_desk_answers()?);
    // A fresh, migrated database: a SQLite file in a new temporary directory, or a new
    // database on the PostgreSQL server (dropped afterwards).
    let (db, backend) = match &args.database_url {
        None => (TestDb::sqlite().await, "SQLite"),
        Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
            (TestDb::postgres_at(url).await, "PostgreSQL")
        }
        Some(_) => bail!("--database-url must be a postgres:// URL"),
    };
    let result = run(&db, backend, seconds, concurrency, answers).await;
    db.cleanup().await;
    result
}

async fn run(
    db: &TestDb,
    backend: &str,
    seconds: u64,
    concurrency: usize,
    answers: Arc<Vec<String>>,
) -> Result<ExitCode> {
    let token: Arc<str> = prepare(&db.store).await?.into();
    let (mut child, base) = start_server(db)?;
    let outcome = drive(&base, token, concurrency, seconds, answers).await;
    let _ = child.kill();
    let _ = child.wait();
    let (tallies, measured) = outcome?;

    let mut latencies: Vec<Duration> = Vec::new();
    let mut errors = 0;
    let mut first_error = None;
    for t in tallies {
        latencies.extend(t.latencies);
        errors += t.errors;
        if first_error.is_none() {
            first_error = t.first_error;
        }
    }
    latencies.sort();
    let done = latencies.len();
    // Whether the audit chain survived the concurrency.
    let audit = db.store.verify_audit().await?;

    println!(
        "baken serve on {} (loopback), POST /api/v1/signals (context, 3 answers, person, address, IBAN):",
        backend
    );
    println!(
        "  concurrency={concurrency}  measured={:.1} s (after {} s warm-up)",
        measured.as_secs_f64(),
        WARM_UP.as_secs()
    );
    println!(
        "  submissions={done}  rate={:.1}/s  p50={:.2} ms  p90={:.2} ms  p99={:.2} ms  max={:.2} ms  errors={errors}",
        done as f64 / measured.as_secs_f64(),
        ms(percentile(&latencies, 0.5)),
        ms(percentile(&latencies, 0.9)),
        ms(percentile(&latencies, 0.99)),
        ms(latencies.last().copied().unwrap_or_default()),
    );
    let intact = match audit {
        VerifyOutcome::Intact { records } => {
            println!("  audit trail intact ({records} records)");
            true
        }
        other => {
            println!("  AUDIT TRAIL NOT INTACT: {other:?}");
            false
        }
    };
    if let Some(e) = first_error {
        println!("  first error: {e}");
    }
    Ok(if errors == 0 && intact && done > 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

async fn drive(
    base: &str,
    token: Arc<str>,
    concurrency: usize,
    seconds: u64,
    answers: Arc<Vec<String>>,
) -> Result<(Vec<Tally>, Duration)> {
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .timeout(Duration::from_secs(30))
        .build()?;
    let url: Arc<str> = format!("{base}api/v1/signals").into();
    let start = Instant::now();
    let measure_from = start + WARM_UP;
    let until = measure_from + Duration::from_secs(seconds);
    let tasks: Vec<_> = (0..concurrency)
        .map(|w| {
            tokio::spawn(client(
                http.clone(),
                url.clone(),
                token.clone(),
                answers.clone(),
                w as u64,
                measure_from,
                until,
            ))
        })
        .collect();
    let mut tallies = Vec::with_capacity(concurrency);
    for t in tasks {
        tallies.push(t.await?);
    }
    // Requests started before `until` may finish after it; measure to the last answer.
    let measured = Instant::now().saturating_duration_since(measure_from);
    Ok((tallies, measured))
}
