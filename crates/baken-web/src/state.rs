//! Shared application state, settings and the clock.

use crate::i18n::Catalog;
use baken_store::Store;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

/// Time is a parameter: handlers ask the clock, tests move it.
pub trait Clock: Send + Sync {
    /// Unix seconds.
    fn now(&self) -> i64;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> i64 {
        time::OffsetDateTime::now_utc().unix_timestamp()
    }
}

/// A clock tests can set and advance.
pub struct FixedClock(AtomicI64);

impl FixedClock {
    pub fn new(now: i64) -> FixedClock {
        FixedClock(AtomicI64::new(now))
    }
    pub fn advance(&self, seconds: i64) {
        self.0.fetch_add(seconds, Ordering::SeqCst);
    }
}

impl Clock for FixedClock {
    fn now(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// Settings of the web layer; the binary fills them from flags, environment and file.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Mark cookies `Secure`. Relaxed only when serving plain HTTP on a loopback address.
    pub secure_cookies: bool,
    pub session_idle_timeout_s: i64,
    pub session_absolute_timeout_s: i64,
    /// Failed logins per account name before each further try must wait (doubling).
    pub login_free_failures: i64,
    pub login_max_wait_s: i64,
    /// A received signal nobody took up for longer than this is marked overdue.
    pub triage_overdue_hours: i64,
    /// Public reports accepted per minute over the whole channel (never per person) that
    /// carry a solved proof-of-work challenge …
    pub public_solved_per_minute: u32,
    /// … and that carry none (no JavaScript, reused or forged): much stricter.
    pub public_unsolved_per_minute: u32,
    /// Leading zero bits a proof-of-work solution needs.
    pub pow_bits: u32,
    /// How long a proof-of-work challenge stays valid.
    pub pow_max_age_s: i64,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            secure_cookies: true,
            session_idle_timeout_s: 30 * 60,
            session_absolute_timeout_s: 12 * 60 * 60,
            login_free_failures: 5,
            login_max_wait_s: 15 * 60,
            triage_overdue_hours: 48,
            public_solved_per_minute: 60,
            public_unsolved_per_minute: 5,
            pow_bits: 16,
            pow_max_age_s: 2 * 60 * 60,
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    /// Every submitted signal's people and things, for "also seen in".
    pub links: Arc<std::sync::RwLock<crate::links::SignalIndex>>,
    pub store: Store,
    /// The indicator library this server reads signals with.
    pub library: Arc<baken_indicators::Library>,
    pub config: Arc<WebConfig>,
    pub catalog: Arc<Catalog>,
    pub clock: Arc<dyn Clock>,
    /// The anonymous channel: report keys and the in-memory (never per-IP) limits.
    pub reports: Arc<crate::public::ReportChannel>,
}

impl AppState {
    pub fn new(store: Store, config: WebConfig, clock: Arc<dyn Clock>) -> Result<AppState, String> {
        let library =
            baken_indicators::embedded().map_err(|e| format!("indicator library: {e}"))?;
        Ok(AppState {
            links: Arc::new(std::sync::RwLock::new(crate::links::SignalIndex::default())),
            store,
            library: Arc::new(library),
            config: Arc::new(config),
            catalog: {
                Catalog::load()?;
                Catalog::global()
            },
            clock,
            reports: Arc::new(crate::public::ReportChannel::new(None)),
        })
    }

    /// Use the configured report key (`BAKEN_REPORT_KEY`); without one the server holds a
    /// random key in memory and reports stay readable only until it restarts.
    pub fn with_report_keys(mut self, keys: baken_store::ReportKeys) -> AppState {
        self.reports = Arc::new(crate::public::ReportChannel::new(Some(keys)));
        self
    }

    pub fn now(&self) -> i64 {
        self.clock.now()
    }

    /// Fill the link index from the stored signals (at start). Returns the record count.
    pub async fn load_link_index(&self) -> Result<usize, baken_store::StoreError> {
        let signals = self.store.submitted_signals_for_index().await?;
        let mut index = crate::links::SignalIndex::default();
        for (id, org, fields) in signals {
            index.insert(
                &id,
                &org,
                &baken_domain::signal::SignalDraft::from_fields(&fields),
            );
        }
        let n = index.len();
        if let Ok(mut guard) = self.links.write() {
            *guard = index;
        }
        Ok(n)
    }

    /// Today's date (UTC) as `YYYY-MM-DD`, from the clock.
    pub fn today(&self) -> String {
        let format = time::macros::format_description!("[year]-[month]-[day]");
        time::OffsetDateTime::from_unix_timestamp(self.now())
            .ok()
            .and_then(|t| t.format(&format).ok())
            .unwrap_or_default()
    }
}
