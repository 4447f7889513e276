//! Baken's storage: one portable SQL layer over SQLite (embedded default) and PostgreSQL
//! (production), chosen by the database URL. The same migrations and the same queries run
//! on both; the conformance test (`tests/conformance.rs`) runs one story against each.
//!
//! Architecture Invariant: only this crate knows SQL. Reads of organisation-owned data go
//! through a [`Scope`], which decides authorisation before any row leaves storage, and
//! reads of personal data append their audit record before they return.

mod audit;
mod case_drafts;
mod contacts;
mod credentials;
mod directory;
mod dossiers;
mod exports;
mod learning;
mod referrals;
mod reports;
mod scale;
mod scope;
pub mod seed;
mod sessions;
mod sharing;
mod signals;
mod submit_queue;
pub mod testkit;

pub use audit::{AuditEntry, AuditQuery, VerifyOutcome};
pub use baken_domain::audit::AuditRecord;
pub use baken_domain::triage::InboxCursor;
pub use case_drafts::{CaseDraft, DraftEdit, NewCaseDraft, CASE_SUBJECTS};
pub use contacts::StoredContact;
pub use credentials::{
    generate_password, hash_password, random_token, sha256_hex, verify_password,
};
pub use directory::{Membership, NewUser, Organisation, StoredTotpSecret, User};
pub use dossiers::{
    Dossier, DossierBarrier, DossierEvent, DossierReferral, DossierTask, DossierView,
    BARRIER_STATUSES,
};
pub use exports::CaseSummary;
pub use learning::{LearningRecord, LEARNING_KINDS};
pub use referrals::{IncomingReferral, ReferralMessage, ReferralSection, ReferralState};
pub use reports::{
    generate_receipt, normalise_receipt, PublicReport, ReceiptAccess, ReportInboxFilter,
    ReportKeys, ReportMessage, ReportRecord, RECEIPT_DIGITS, REPORT_STATUSES, REPORT_TEXT_MAX,
};
pub use scope::Scope;
pub use sessions::Session;
pub use sharing::{NewPost, Post, POST_KINDS};
pub use signals::{ApiToken, InboxFilter, SignalRecord, Submission, SIGNAL_STATUSES};

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

/// Which database engine is behind the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The object does not exist *or* the caller may not see it: the two are never told apart.
    #[error("not found")]
    NotFound,
    /// A unique constraint was violated; names the field.
    #[error("{0} already exists")]
    Conflict(&'static str),
    /// The audit record could not be written, so the operation was not done.
    #[error("the audit trail cannot be written")]
    AuditUnavailable,
    #[error("unsupported database URL (use sqlite:// or postgres://)")]
    UnsupportedUrl,
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// Seals TOTP secrets at rest when the server has a master key
    /// (`ReportKeys::totp_sealing_key`); without one they are stored as they are.
    totp_key: Option<std::sync::Arc<zeroize::Zeroizing<[u8; 32]>>>,
    /// SQLite has one write lock per database. Write transactions that take a turn here
    /// (the audit appends and the one-step signal submission) queue for it in order inside
    /// the process instead of retrying in SQLite's busy handler, whose growing sleeps made
    /// a tail of hundreds of milliseconds under concurrent submissions. Unused on
    /// PostgreSQL, whose row lock on `audit_head` already queues writers.
    writer: Arc<tokio::sync::Mutex<()>>,
    /// The group-commit writer of one-step submissions (`submit_queue`), started at the
    /// first one.
    submissions: Arc<std::sync::OnceLock<submit_queue::Sender>>,
}

impl Store {
    /// Open the SQLite database `baken.db` in `dir`, creating both if needed.
    pub async fn open_dir(dir: &Path) -> Result<Store> {
        std::fs::create_dir_all(dir).map_err(|e| StoreError::Database(sqlx::Error::Io(e)))?;
        let path = dir.join("baken.db");
        Store::connect(&format!("sqlite://{}?mode=rwc", path.display())).await
    }

    /// Connect by URL: `sqlite://PATH?mode=rwc` or `postgres://…`. Does not migrate.
    pub async fn connect(url: &str) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            return Err(StoreError::UnsupportedUrl);
        };
        let options = AnyConnectOptions::from_str(url)?;
        let pool = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 8 } else { 16 })
            .acquire_timeout(Duration::from_secs(5))
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL for concurrent readers; FULL so an acknowledged write survives
                        // power loss; foreign keys are off by default in SQLite.
                        conn.execute(
                            "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; \
                             PRAGMA foreign_keys=ON; PRAGMA busy_timeout=5000;",
                        )
                        .await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        Ok(Store {
            pool,
            backend,
            totp_key: None,
            writer: Arc::new(tokio::sync::Mutex::new(())),
            submissions: Arc::new(std::sync::OnceLock::new()),
        })
    }

    pub async fn migrate(&self) -> Result<()> {
        MIGRATOR.run(&self.pool).await?;
        self.backfill_report_ranks().await?;
        self.guard_audit_trail().await
    }

    /// Seal TOTP secrets with this key from now on (and open sealed ones with it).
    pub fn with_totp_key(mut self, key: [u8; 32]) -> Store {
        self.totp_key = Some(std::sync::Arc::new(zeroize::Zeroizing::new(key)));
        self
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// A turn to write (SQLite only; see the `writer` field). Hold it from before `BEGIN`
    /// until after `COMMIT`, and never take a second turn while holding one.
    pub(crate) async fn write_turn(&self) -> Option<tokio::sync::MutexGuard<'_, ()>> {
        match self.backend {
            Backend::Sqlite => Some(self.writer.lock().await),
            Backend::Postgres => None,
        }
    }

    /// Answers when the database answers.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// For tests and operations tooling that must reach below the API (e.g. to tamper
    /// with the audit trail on purpose). Application code never uses this.
    pub fn raw_pool(&self) -> &AnyPool {
        &self.pool
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Map a unique-constraint violation to a field-named conflict.
pub(crate) fn map_unique(err: sqlx::Error, field: &'static str) -> StoreError {
    if let sqlx::Error::Database(db) = &err {
        if db.is_unique_violation() {
            return StoreError::Conflict(field);
        }
    }
    StoreError::Database(err)
}

/// A fresh random id (128 bits, hex).
pub fn new_id() -> String {
    random_token(16)
}
