//! Settings: command-line flags over environment variables over the TOML config file over
//! defaults. Only this module reads configuration. Secrets (a database password) are never
//! printed or logged: use [`redacted_url`] for display.

use anyhow::{bail, Context, Result};
use baken_domain::{Country, OrgKind};
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// The config file as written by an operator. Unknown keys are refused.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub listen: Option<String>,
    pub data: Option<PathBuf>,
    pub database_url: Option<String>,
    /// Force cookies `Secure` (default: on, except when listening on loopback).
    pub secure_cookies: Option<bool>,
    /// A file holding the 64-hex-digit master key that wraps anonymous reports' data keys
    /// (`BAKEN_REPORT_KEY` wins). Keep it apart from the data and its backups.
    pub report_key_file: Option<PathBuf>,
    #[serde(default)]
    pub session: SessionConfig,
    #[serde(default)]
    pub retention: RetentionConfig,
    #[serde(default)]
    pub bootstrap: BootstrapConfig,
}

/// How long data is kept before it is crypto-shredded.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RetentionConfig {
    /// An anonymous report untouched (no message, photo or status change) for this many
    /// days is shredded.
    pub report_days: i64,
}

impl Default for RetentionConfig {
    fn default() -> Self {
        RetentionConfig { report_days: 730 }
    }
}

/// The day before which untouched reports are shredded, `YYYY-MM-DD`.
pub fn report_cutoff_day(retention: &RetentionConfig, now: i64) -> String {
    let cutoff = now - retention.report_days.max(1) * 86_400;
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::OffsetDateTime::from_unix_timestamp(cutoff)
        .ok()
        .and_then(|t| t.format(&format).ok())
        .unwrap_or_default()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SessionConfig {
    pub idle_timeout_minutes: i64,
    pub absolute_timeout_hours: i64,
}

impl Default for SessionConfig {
    fn default() -> Self {
        SessionConfig {
            idle_timeout_minutes: 30,
            absolute_timeout_hours: 12,
        }
    }
}

/// The organisation the first administrator is created in, on an empty database.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BootstrapConfig {
    pub organisation: String,
    pub kind: String,
    pub country: String,
}

impl Default for BootstrapConfig {
    fn default() -> Self {
        BootstrapConfig {
            organisation: "Eerste organisatie".into(),
            kind: "municipality".into(),
            country: "NL".into(),
        }
    }
}

impl BootstrapConfig {
    pub fn kind(&self) -> Result<OrgKind> {
        OrgKind::parse(&self.kind).with_context(|| {
            format!(
                "bootstrap.kind {:?} is not an organisation kind (one of: {})",
                self.kind,
                OrgKind::ALL.map(|k| k.as_str()).join(", ")
            )
        })
    }
    pub fn country(&self) -> Result<Country> {
        Country::parse(&self.country)
            .with_context(|| format!("bootstrap.country {:?} must be NL or BE", self.country))
    }
}

pub fn read_file(path: &Path) -> Result<FileConfig> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read config file {}", path.display()))?;
    // toml's error names line and column and shows the offending line.
    toml::from_str(&text).map_err(|e| anyhow::anyhow!("config file {}: {e}", path.display()))
}

/// The report master key: `BAKEN_REPORT_KEY`, else the configured key file, else none.
/// A malformed key is an error that never shows the key.
pub fn report_key(file: &FileConfig) -> Result<Option<baken_store::ReportKeys>> {
    let text = match std::env::var("BAKEN_REPORT_KEY") {
        Ok(k) if !k.trim().is_empty() => k,
        _ => match &file.report_key_file {
            Some(path) => std::fs::read_to_string(path)
                .with_context(|| format!("cannot read report_key_file {}", path.display()))?,
            None => return Ok(None),
        },
    };
    match baken_store::ReportKeys::from_hex(&text) {
        Some(keys) => Ok(Some(keys)),
        None => bail!("the report key must be 64 hexadecimal digits (32 bytes)"),
    }
}

/// Where the database is: a `postgres://` URL, or a SQLite file in the data directory.
pub struct DatabaseChoice {
    pub url: String,
    pub sqlite_dir: Option<PathBuf>,
}

pub fn database(
    flag_url: Option<String>,
    flag_data: Option<PathBuf>,
    file: &FileConfig,
) -> Result<DatabaseChoice> {
    if let Some(url) = flag_url.or_else(|| file.database_url.clone()) {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(DatabaseChoice {
                url,
                sqlite_dir: None,
            });
        }
        if let Some(path) = url.strip_prefix("sqlite://") {
            return Ok(DatabaseChoice {
                url: format!("sqlite://{}?mode=rwc", path.trim_end_matches("?mode=rwc")),
                sqlite_dir: None,
            });
        }
        bail!(
            "database URL {} is not supported: use postgres://USER@HOST:PORT/DB, or leave it out for SQLite in --data",
            redacted_url(&url)
        );
    }
    let dir = flag_data
        .or_else(|| file.data.clone())
        .unwrap_or_else(|| PathBuf::from("./baken-data"));
    Ok(DatabaseChoice {
        url: format!("sqlite://{}?mode=rwc", dir.join("baken.db").display()),
        sqlite_dir: Some(dir),
    })
}

pub fn listen_addr(flag: Option<String>, file: &FileConfig) -> Result<SocketAddr> {
    let text = flag
        .or_else(|| file.listen.clone())
        .unwrap_or_else(|| "127.0.0.1:8080".into());
    text.parse()
        .with_context(|| format!("listen address {text:?} is not HOST:PORT (e.g. 127.0.0.1:8080)"))
}

/// The URL with any password replaced, for messages.
pub fn redacted_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    match rest.split_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split(':').next().unwrap_or("");
            if userinfo.contains(':') {
                format!("{scheme}://{user}:***@{host}")
            } else {
                format!("{scheme}://{user}@{host}")
            }
        }
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_survive_redaction() {
        assert_eq!(
            redacted_url("postgres://baken:s3cret@db:5432/baken"),
            "postgres://baken:***@db:5432/baken"
        );
        assert_eq!(
            redacted_url("postgres://postgres@127.0.0.1/test"),
            "postgres://postgres@127.0.0.1/test"
        );
    }

    #[test]
    fn a_malformed_config_names_line_and_column() {
        let err = toml::from_str::<FileConfig>("listen = \"x\"\nsession = 3\n").unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("line 2"), "{msg}");
    }

    #[test]
    fn unknown_keys_are_refused() {
        let err = toml::from_str::<FileConfig>("lisen = \"127.0.0.1:1\"\n").unwrap_err();
        assert!(err.to_string().contains("lisen"));
    }

    #[test]
    fn sqlite_is_the_default_in_the_data_dir() {
        let choice = database(None, Some("/tmp/x".into()), &FileConfig::default()).unwrap();
        assert_eq!(choice.url, "sqlite:///tmp/x/baken.db?mode=rwc");
        assert!(database(Some("mysql://x".into()), None, &FileConfig::default()).is_err());
    }
}
