//! `baken`: the one binary. It wires the library crates together — serve the web
//! application, run migrations, administer users and organisations, verify the audit trail.

mod admin;
mod allocator;
mod bench;
mod bench_load;
mod config;
mod indicators_cmd;
mod learn_cmd;
mod link_cmd;
mod serve;

use anyhow::Result;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "baken",
    version,
    about = "Baken: recognise, record, link, act on and share signals of human trafficking"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Where the database is. A `postgres://` URL wins over the SQLite data directory.
#[derive(Args, Clone, Default)]
pub struct DbArgs {
    /// Directory for the embedded SQLite database [default: ./baken-data]
    #[arg(long, env = "BAKEN_DATA")]
    pub data: Option<PathBuf>,
    /// PostgreSQL URL, e.g. postgres://baken@127.0.0.1:5432/baken
    #[arg(long, env = "BAKEN_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// TOML config file
    #[arg(long, env = "BAKEN_CONFIG")]
    pub config: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web application and API
    Serve {
        #[command(flatten)]
        db: DbArgs,
        /// Address to listen on [default: 127.0.0.1:8080]
        #[arg(long, env = "BAKEN_LISTEN")]
        listen: Option<String>,
        /// Also seed a demo municipality, regional centre and partner agency with one user per role
        #[arg(long)]
        demo: bool,
    },
    /// Create or update the database schema
    Migrate {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Users and organisations
    Admin {
        #[command(subcommand)]
        command: admin::AdminCommand,
    },
    /// The indicator library: check, stats, show, diff
    Indicators {
        #[command(subcommand)]
        command: indicators_cmd::IndicatorsCommand,
    },
    /// Learning content: check lessons and practice cases
    Learn {
        #[command(subcommand)]
        command: learn_cmd::LearnCommand,
    },
    /// Read observations (JSON) with the assessment engine and print the reading as JSON
    Assess {
        /// Input file (see docs/indicators.md for the format)
        file: PathBuf,
    },
    /// Link or deduplicate records from CSV or Parquet files (see docs/linking.md)
    Link(link_cmd::LinkArgs),
    /// Benchmarks (report figures; see docs/benchmarks.md)
    Bench {
        #[command(subcommand)]
        command: BenchCommand,
    },
    /// The audit trail
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Retention: crypto-shred what is past its retention period (`serve` also does this
    /// every six hours)
    Retention {
        #[command(subcommand)]
        command: RetentionCommand,
    },
}

#[derive(Subcommand)]
enum RetentionCommand {
    /// Run one retention pass now
    Run {
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Subcommand)]
enum BenchCommand {
    /// Time `baken serve` from process start to /healthz 200 on an empty SQLite database
    Startup {
        #[arg(long, default_value_t = 20)]
        runs: usize,
    },
    /// Time in-process page renders
    Pages {
        #[arg(long, default_value_t = 2000)]
        n: usize,
        /// Seed this many signals (and a tenth as many dossiers) first, then time the
        /// inbox and a dossier page as the demo coordinator
        #[arg(long)]
        scale: Option<usize>,
        /// With --scale: run on a fresh database on this PostgreSQL server (admin URL)
        /// instead of SQLite; the database is dropped afterwards
        #[arg(long)]
        postgres: Option<String>,
    },
    /// Sustained signal submissions per second and latency against `baken serve` on loopback
    Load(bench_load::LoadArgs),
    #[command(flatten)]
    Link(link_cmd::BenchLinkCommand),
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check that the audit trail is intact; names the first broken record
    Verify {
        #[command(flatten)]
        db: DbArgs,
    },
}

fn main() -> ExitCode {
    let filter = tracing_subscriber::EnvFilter::try_from_env("BAKEN_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // axum::serve logs each peer address at TRACE; the anonymous channel promises that no
    // client address reaches a log, whatever BAKEN_LOG asks for.
    let filter = match "axum::serve=off".parse() {
        Ok(directive) => filter.add_directive(directive),
        Err(_) => filter,
    };
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    match cli.command {
        Command::Serve { db, listen, demo } => runtime.block_on(serve::serve(db, listen, demo)),
        Command::Migrate { db } => runtime.block_on(async {
            let (store, _) = serve::open_store(&db).await?;
            println!("migrations applied");
            store.close().await;
            Ok(ExitCode::SUCCESS)
        }),
        Command::Admin { command } => runtime.block_on(admin::run(command)),
        Command::Indicators { command } => indicators_cmd::run_indicators(command),
        Command::Learn { command } => learn_cmd::run_learn(command),
        Command::Assess { file } => indicators_cmd::run_assess(&file),
        Command::Link(args) => link_cmd::run_link(args),
        Command::Bench { command } => runtime.block_on(async {
            match command {
                BenchCommand::Startup { runs } => bench::startup(runs).await,
                BenchCommand::Pages {
                    n,
                    scale: Some(signals),
                    postgres,
                } => bench::pages_at_scale(n, signals, postgres).await,
                BenchCommand::Pages { n, .. } => bench::pages(n).await,
                BenchCommand::Load(args) => bench_load::load(args).await,
                BenchCommand::Link(cmd) => link_cmd::run_bench(cmd),
            }
        }),
        Command::Audit {
            command: AuditCommand::Verify { db },
        } => runtime.block_on(admin::audit_verify(db)),
        Command::Retention {
            command: RetentionCommand::Run { db },
        } => runtime.block_on(serve::retention_run(db)),
    }
}
