//! Exports: the fresh-login confirmation they need, a dossier for the file, and the
//! organisation's cases for statistics. Same visibility as the dossier pages; every
//! export is audited with the purpose the user gave.

use crate::{Dossier, DossierView, Result, Scope, Store};
use baken_domain::{Permission, Role};
use sqlx::Row;

/// One case (dossier) as statistics need it: no names, no free text.
#[derive(Debug, Clone)]
pub struct CaseSummary {
    pub id: String,
    pub status: String,
    pub created_at: i64,
    /// The partner of the first referral, and when it was made.
    pub first_referral: Option<(String, i64)>,
    pub referrals: i64,
    pub signals: i64,
    pub minors: i64,
}

impl Store {
    /// Record that the session's user has just re-entered their credentials.
    pub async fn confirm_session(&self, id_hash: &str, now: i64) -> Result<()> {
        sqlx::query("UPDATE sessions SET confirmed_at = $1 WHERE id_hash = $2")
            .bind(now)
            .bind(id_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// When the session's user last confirmed their credentials (0 = never).
    pub async fn session_confirmed_at(&self, id_hash: &str) -> Result<i64> {
        let row = sqlx::query("SELECT confirmed_at FROM sessions WHERE id_hash = $1")
            .bind(id_hash)
            .fetch_optional(&self.pool)
            .await?;
        Ok(match row {
            Some(r) => r.try_get("confirmed_at")?,
            None => 0,
        })
    }

    /// The dossier's own row (title, level, status) if the scope may see it, for a page
    /// or call about the dossier that needs no more. Audited with `action`.
    pub async fn dossier_header(
        &self,
        scope: &Scope,
        id: &str,
        action: &str,
        now: i64,
    ) -> Result<Dossier> {
        let d = self.visible_dossier(scope, id).await?;
        self.audit_read(
            scope,
            action,
            "dossier",
            Some(id),
            Some(id),
            "case handling",
            now,
        )
        .await?;
        Ok(d)
    }

    /// A whole dossier for export (`format`: pdf, json), if the scope may see it. Audited
    /// once, as an export with the user's purpose (no read record besides it).
    pub async fn export_dossier(
        &self,
        scope: &Scope,
        id: &str,
        format: &str,
        purpose: &str,
        now: i64,
    ) -> Result<DossierView> {
        let d = self.visible_dossier(scope, id).await?;
        self.audit_read(
            scope,
            &format!("export:{format}"),
            "dossier",
            Some(id),
            Some(id),
            purpose,
            now,
        )
        .await?;
        self.load_dossier_view(d, id).await
    }

    /// Every case of the organisation the scope may see, summarised for statistics.
    /// Audited as one export with the user's purpose.
    pub async fn export_cases(
        &self,
        scope: &Scope,
        format: &str,
        purpose: &str,
        now: i64,
    ) -> Result<Vec<CaseSummary>> {
        scope.require(Permission::ReadCases)?;
        self.audit_read(
            scope,
            &format!("export:{format}"),
            "dossier",
            None,
            None,
            purpose,
            now,
        )
        .await?;
        let clearance = self.clearance(&scope.user_id).await?;
        let coordinator = scope.roles.contains(&Role::Coordinator);
        // The same need-to-know rule as the dossier list, in SQL.
        let rows = sqlx::query(
            "SELECT d.id, d.status, d.created_at, \
             (SELECT COUNT(*) FROM dossier_referrals r WHERE r.dossier_id = d.id) AS referrals, \
             (SELECT MIN(r.created_at) FROM dossier_referrals r WHERE r.dossier_id = d.id) AS referred_at, \
             (SELECT COUNT(*) FROM signals s WHERE s.dossier_id = d.id) AS signals \
             FROM dossiers d WHERE d.org_id = $1 AND d.confidentiality <= $2 \
             AND ($3 = 1 OR EXISTS (SELECT 1 FROM dossier_members m WHERE m.dossier_id = d.id AND m.user_id = $4)) \
             ORDER BY d.created_at, d.id",
        )
        .bind(&scope.org_id)
        .bind(clearance)
        .bind(i64::from(coordinator))
        .bind(&scope.user_id)
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let id: String = r.try_get("id")?;
            let referred_at: Option<i64> = r.try_get("referred_at")?;
            let first_referral = match referred_at {
                Some(at) => sqlx::query(
                    "SELECT partner FROM dossier_referrals WHERE dossier_id = $1 AND created_at = $2 ORDER BY id",
                )
                .bind(&id)
                .bind(at)
                .fetch_optional(&self.pool)
                .await?
                .map(|p| p.try_get::<String, _>("partner"))
                .transpose()?
                .map(|p| (p, at)),
                None => None,
            };
            let minors = self.minors_in(&id).await?;
            out.push(CaseSummary {
                status: r.try_get("status")?,
                created_at: r.try_get("created_at")?,
                referrals: r.try_get("referrals")?,
                signals: r.try_get("signals")?,
                first_referral,
                minors,
                id,
            });
        }
        Ok(out)
    }

    /// How many of a dossier's signals concern a minor.
    async fn minors_in(&self, dossier_id: &str) -> Result<i64> {
        let rows = sqlx::query("SELECT fields FROM signals WHERE dossier_id = $1")
            .bind(dossier_id)
            .fetch_all(&self.pool)
            .await?;
        let mut n = 0;
        for r in rows {
            let fields: String = r.try_get("fields")?;
            let fields: Vec<(String, String)> = serde_json::from_str(&fields).unwrap_or_default();
            if fields.iter().any(|(k, v)| k == "subject" && v == "minor") {
                n += 1;
            }
        }
        Ok(n)
    }
}
