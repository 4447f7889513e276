//! The append-only, hash-chained audit trail.
//!
//! Appends are serialised by updating the single `audit_head` row first (a write lock on
//! SQLite, a row lock on PostgreSQL), so the chain never forks under concurrency.

use crate::{sha256_hex, Result, Scope, Store, StoreError};
use baken_domain::audit::{AuditRecord, ChainBreak, ChainVerifier};
use baken_domain::Permission;
use sqlx::Row;

/// What happened, before it gets its place in the chain.
#[derive(Debug, Clone, Default)]
pub struct AuditEntry {
    pub actor_user_id: Option<String>,
    pub actor_org_id: Option<String>,
    pub action: String,
    pub object_type: String,
    pub object_id: Option<String>,
    pub subject: Option<String>,
    pub purpose: String,
    pub result: String,
}

/// Which records a privacy officer asks for.
#[derive(Debug, Clone)]
pub enum AuditQuery {
    /// Everything a user did.
    ByUser(String),
    /// Everything done to or about a person concerned.
    BySubject(String),
    /// The most recent records.
    Recent,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerifyOutcome {
    Intact { records: i64 },
    Broken(ChainBreak),
}

const AUDIT_COLUMNS: &str = "seq, at, actor_user_id, actor_org_id, action, object_type, \
     object_id, subject, purpose, result, prev_hash, hash";

fn record_from_row(row: &sqlx::any::AnyRow) -> Result<AuditRecord> {
    Ok(AuditRecord {
        seq: row.try_get("seq")?,
        at: row.try_get("at")?,
        actor_user_id: row.try_get("actor_user_id")?,
        actor_org_id: row.try_get("actor_org_id")?,
        action: row.try_get("action")?,
        object_type: row.try_get("object_type")?,
        object_id: row.try_get("object_id")?,
        subject: row.try_get("subject")?,
        purpose: row.try_get("purpose")?,
        result: row.try_get("result")?,
        prev_hash: row.try_get("prev_hash")?,
        hash: row.try_get("hash")?,
    })
}

/// What the scope's user did, successfully.
pub(crate) fn scoped_entry(
    scope: &Scope,
    action: &str,
    object_type: &str,
    object_id: Option<&str>,
    subject: Option<&str>,
    purpose: &str,
) -> AuditEntry {
    AuditEntry {
        actor_user_id: Some(scope.user_id.clone()),
        actor_org_id: Some(scope.org_id.clone()),
        action: action.to_string(),
        object_type: object_type.to_string(),
        object_id: object_id.map(str::to_string),
        subject: subject.map(str::to_string),
        purpose: purpose.to_string(),
        result: "ok".to_string(),
    }
}

/// Append one record inside the caller's transaction, so the record and the change it
/// describes are committed together or not at all. Updating `audit_head` first takes its
/// lock (a write lock on SQLite, a row lock on PostgreSQL) until that transaction ends,
/// which keeps the chain from forking; callers therefore append as the last statement
/// before their commit, so the lock is held as briefly as possible.
pub(crate) async fn append_in(
    conn: &mut sqlx::AnyConnection,
    entry: &AuditEntry,
    now: i64,
) -> Result<i64> {
    let head = sqlx::query("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash")
        .fetch_one(&mut *conn)
        .await?;
    let seq: i64 = head.try_get("seq")?;
    let prev_hash: String = head.try_get("hash")?;
    let mut record = AuditRecord {
        seq,
        at: now,
        actor_user_id: entry.actor_user_id.clone(),
        actor_org_id: entry.actor_org_id.clone(),
        action: entry.action.clone(),
        object_type: entry.object_type.clone(),
        object_id: entry.object_id.clone(),
        subject: entry.subject.clone(),
        purpose: entry.purpose.clone(),
        result: entry.result.clone(),
        prev_hash,
        hash: String::new(),
    };
    record.hash = sha256_hex(&record.canonical_bytes());
    sqlx::query(&format!(
        "INSERT INTO audit_log ({AUDIT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
    ))
    .bind(record.seq)
    .bind(record.at)
    .bind(&record.actor_user_id)
    .bind(&record.actor_org_id)
    .bind(&record.action)
    .bind(&record.object_type)
    .bind(&record.object_id)
    .bind(&record.subject)
    .bind(&record.purpose)
    .bind(&record.result)
    .bind(&record.prev_hash)
    .bind(&record.hash)
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
        .bind(&record.hash)
        .execute(&mut *conn)
        .await?;
    Ok(seq)
}

/// [`append_in`], any failure being `AuditUnavailable` (logged): the caller drops its
/// transaction, so the change it describes is not committed either.
pub(crate) async fn append_in_or_unavailable(
    conn: &mut sqlx::AnyConnection,
    entry: &AuditEntry,
    now: i64,
) -> Result<i64> {
    append_in(conn, entry, now).await.map_err(|e| {
        tracing::error!(error = %e, "audit append failed");
        StoreError::AuditUnavailable
    })
}

impl Store {
    /// Append one record. Any failure is `AuditUnavailable`: the caller must not go on.
    pub async fn append_audit(&self, entry: &AuditEntry, now: i64) -> Result<i64> {
        self.try_append_audit(entry, now).await.map_err(|e| {
            tracing::error!(error = %e, "audit append failed");
            StoreError::AuditUnavailable
        })
    }

    async fn try_append_audit(&self, entry: &AuditEntry, now: i64) -> Result<i64> {
        let _turn = self.write_turn().await;
        let mut tx = self.pool.begin().await?;
        let seq = append_in(&mut tx, entry, now).await?;
        tx.commit().await?;
        Ok(seq)
    }

    /// Record a read by the scope's user; used by every scoped read of personal data.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn audit_read(
        &self,
        scope: &Scope,
        action: &str,
        object_type: &str,
        object_id: Option<&str>,
        subject: Option<&str>,
        purpose: &str,
        now: i64,
    ) -> Result<i64> {
        self.append_audit(
            &scoped_entry(scope, action, object_type, object_id, subject, purpose),
            now,
        )
        .await
    }

    /// Audit records about the scope's organisation, for its privacy officer. Reading the
    /// trail is itself recorded, before anything is returned.
    pub async fn audit_records(
        &self,
        scope: &Scope,
        query: &AuditQuery,
        limit: i64,
        now: i64,
    ) -> Result<Vec<AuditRecord>> {
        scope.require(Permission::ReadAudit)?;
        if let AuditQuery::ByUser(user_id) = query {
            // A user of another organisation is as unknown as one that does not exist.
            let member =
                sqlx::query("SELECT 1 AS one FROM memberships WHERE user_id = $1 AND org_id = $2")
                    .bind(user_id)
                    .bind(&scope.org_id)
                    .fetch_optional(&self.pool)
                    .await?;
            if member.is_none() {
                return Err(StoreError::NotFound);
            }
        }
        let (filter, value, subject) = match query {
            AuditQuery::ByUser(u) => ("AND actor_user_id = $2", Some(u.as_str()), None),
            AuditQuery::BySubject(s) => ("AND subject = $2", Some(s.as_str()), Some(s.as_str())),
            AuditQuery::Recent => ("", None, None),
        };
        let object_id = match query {
            AuditQuery::ByUser(u) => Some(u.as_str()),
            _ => None,
        };
        self.audit_read(
            scope,
            "read",
            "audit_trail",
            object_id,
            subject,
            "privacy supervision",
            now,
        )
        .await?;
        let sql = format!(
            "SELECT {AUDIT_COLUMNS} FROM audit_log WHERE actor_org_id = $1 {filter} \
             ORDER BY seq DESC LIMIT {}",
            limit.clamp(1, 1000)
        );
        let mut q = sqlx::query(&sql).bind(&scope.org_id);
        if let Some(v) = value {
            q = q.bind(v);
        }
        let rows = q.fetch_all(&self.pool).await?;
        rows.iter().map(record_from_row).collect()
    }

    /// Walk the whole chain in order and compare its end with the recorded head.
    pub async fn verify_audit(&self) -> Result<VerifyOutcome> {
        let head = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
            .fetch_one(&self.pool)
            .await?;
        let head_seq: i64 = head.try_get("seq")?;
        let head_hash: String = head.try_get("hash")?;
        let mut verifier = ChainVerifier::new(sha256_hex);
        // Page through by seq so memory stays bounded on a long trail.
        let mut after = i64::MIN;
        loop {
            let rows = sqlx::query(&format!(
                "SELECT {AUDIT_COLUMNS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT 5000"
            ))
            .bind(after)
            .fetch_all(&self.pool)
            .await?;
            if rows.is_empty() {
                break;
            }
            for row in &rows {
                let record = record_from_row(row)?;
                after = record.seq;
                if let Err(broken) = verifier.push(&record) {
                    return Ok(VerifyOutcome::Broken(broken));
                }
            }
        }
        Ok(match verifier.finish(head_seq, &head_hash) {
            Ok(records) => VerifyOutcome::Intact { records },
            Err(broken) => VerifyOutcome::Broken(broken),
        })
    }
}

/// Statements that make the trail append-only inside the database itself: an UPDATE,
/// DELETE or TRUNCATE of `audit_log`, or a DELETE of `audit_head`, is refused whoever
/// sends it — a bug, an injected query or a careless hand. The hash chain still detects
/// what someone with owner rights does after dropping the guard. Migrations are shared by
/// both databases and trigger syntax is not, so these are applied after migrating, and
/// are idempotent.
const SQLITE_GUARDS: &[&str] = &[
    "CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log \
     BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
    "CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log \
     BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
    "CREATE TRIGGER IF NOT EXISTS audit_head_no_delete BEFORE DELETE ON audit_head \
     BEGIN SELECT RAISE(ABORT, 'audit_head cannot be deleted'); END",
];

const POSTGRES_GUARDS: &[&str] = &[
    "CREATE OR REPLACE FUNCTION baken_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS \
     $$ BEGIN RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP; END $$",
    "DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log",
    "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log \
     FOR EACH STATEMENT EXECUTE FUNCTION baken_audit_append_only()",
    "DROP TRIGGER IF EXISTS audit_head_no_delete ON audit_head",
    "CREATE TRIGGER audit_head_no_delete BEFORE DELETE OR TRUNCATE ON audit_head \
     FOR EACH STATEMENT EXECUTE FUNCTION baken_audit_append_only()",
];

const SQLITE_LIFT: &[&str] = &[
    "DROP TRIGGER IF EXISTS audit_log_no_update",
    "DROP TRIGGER IF EXISTS audit_log_no_delete",
    "DROP TRIGGER IF EXISTS audit_head_no_delete",
];

const POSTGRES_LIFT: &[&str] = &[
    "DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log",
    "DROP TRIGGER IF EXISTS audit_head_no_delete ON audit_head",
];

impl Store {
    /// Make the audit tables append-only in the database (run by [`Store::migrate`]).
    pub(crate) async fn guard_audit_trail(&self) -> Result<()> {
        self.run_statements(match self.backend {
            crate::Backend::Sqlite => SQLITE_GUARDS,
            crate::Backend::Postgres => POSTGRES_GUARDS,
        })
        .await
    }

    /// Drop the append-only guard, as someone with database-owner rights could. Only for
    /// tests that prove the hash chain detects tampering; application code never calls it.
    #[doc(hidden)]
    pub async fn lift_audit_guard_for_tamper_test(&self) -> Result<()> {
        self.run_statements(match self.backend {
            crate::Backend::Sqlite => SQLITE_LIFT,
            crate::Backend::Postgres => POSTGRES_LIFT,
        })
        .await
    }

    async fn run_statements(&self, statements: &[&str]) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        for statement in statements {
            sqlx::query(statement).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
