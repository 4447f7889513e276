//! Login sessions and the failed-login throttle.
//!
//! The client holds a 256-bit random session id; only its SHA-256 is stored.

use crate::{random_token, sha256_hex, Result, Store};
use sqlx::Row;

#[derive(Debug, Clone)]
pub struct Session {
    pub id_hash: String,
    pub user_id: String,
    pub org_id: Option<String>,
    pub csrf_token: String,
    pub second_factor: bool,
    pub created_at: i64,
    pub last_seen_at: i64,
}

impl Store {
    /// Start a session; returns the raw id for the cookie (never stored) and the session.
    pub async fn create_session(
        &self,
        user_id: &str,
        org_id: Option<&str>,
        now: i64,
    ) -> Result<(String, Session)> {
        let raw = random_token(32);
        let session = Session {
            id_hash: sha256_hex(raw.as_bytes()),
            user_id: user_id.to_string(),
            org_id: org_id.map(str::to_string),
            csrf_token: random_token(32),
            second_factor: false,
            created_at: now,
            last_seen_at: now,
        };
        sqlx::query(
            "INSERT INTO sessions (id_hash, user_id, org_id, csrf_token, second_factor, created_at, last_seen_at) \
             VALUES ($1, $2, $3, $4, 0, $5, $5)",
        )
        .bind(&session.id_hash)
        .bind(&session.user_id)
        .bind(&session.org_id)
        .bind(&session.csrf_token)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok((raw, session))
    }

    /// The live session for a raw id, or `None` when unknown or past either time-out (an
    /// expired session is deleted). A live session's idle clock is reset.
    pub async fn live_session(
        &self,
        raw: &str,
        now: i64,
        idle_timeout_s: i64,
        absolute_timeout_s: i64,
    ) -> Result<Option<Session>> {
        let id_hash = sha256_hex(raw.as_bytes());
        let row = sqlx::query(
            "SELECT id_hash, user_id, org_id, csrf_token, second_factor, created_at, last_seen_at \
             FROM sessions WHERE id_hash = $1",
        )
        .bind(&id_hash)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let session = Session {
            id_hash: row.try_get("id_hash")?,
            user_id: row.try_get("user_id")?,
            org_id: row.try_get("org_id")?,
            csrf_token: row.try_get("csrf_token")?,
            second_factor: row.try_get::<i64, _>("second_factor")? != 0,
            created_at: row.try_get("created_at")?,
            last_seen_at: row.try_get("last_seen_at")?,
        };
        if now - session.last_seen_at > idle_timeout_s
            || now - session.created_at > absolute_timeout_s
        {
            self.delete_session(&session.id_hash).await?;
            return Ok(None);
        }
        // Touch at most once a minute: a page view should not always be a write.
        if now - session.last_seen_at >= 60 {
            sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id_hash = $2")
                .bind(now)
                .bind(&id_hash)
                .execute(&self.pool)
                .await?;
        }
        Ok(Some(session))
    }

    pub async fn mark_second_factor(&self, id_hash: &str) -> Result<()> {
        sqlx::query("UPDATE sessions SET second_factor = 1 WHERE id_hash = $1")
            .bind(id_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn set_session_org(&self, id_hash: &str, org_id: &str) -> Result<()> {
        sqlx::query("UPDATE sessions SET org_id = $1 WHERE id_hash = $2")
            .bind(org_id)
            .bind(id_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn delete_session(&self, id_hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
            .bind(id_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// "Log out everywhere": returns how many sessions ended.
    pub async fn delete_sessions_of_user(&self, user_id: &str) -> Result<u64> {
        let done = sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user_id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    /// Recent failed logins for a throttle key: (failures, time of last failure).
    pub async fn login_failures(&self, key: &str) -> Result<(i64, i64)> {
        let row =
            sqlx::query("SELECT failures, last_failure FROM login_throttle WHERE key_hash = $1")
                .bind(sha256_hex(key.as_bytes()))
                .fetch_optional(&self.pool)
                .await?;
        Ok(match row {
            Some(r) => (r.try_get("failures")?, r.try_get("last_failure")?),
            None => (0, 0),
        })
    }

    pub async fn record_login_failure(&self, key: &str, now: i64) -> Result<()> {
        let key_hash = sha256_hex(key.as_bytes());
        let mut tx = self.pool.begin().await?;
        let updated = sqlx::query(
            "UPDATE login_throttle SET failures = failures + 1, last_failure = $1 WHERE key_hash = $2",
        )
        .bind(now)
        .bind(&key_hash)
        .execute(&mut *tx)
        .await?;
        if updated.rows_affected() == 0 {
            sqlx::query(
                "INSERT INTO login_throttle (key_hash, failures, last_failure) VALUES ($1, 1, $2)",
            )
            .bind(&key_hash)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn clear_login_failures(&self, key: &str) -> Result<()> {
        sqlx::query("DELETE FROM login_throttle WHERE key_hash = $1")
            .bind(sha256_hex(key.as_bytes()))
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
