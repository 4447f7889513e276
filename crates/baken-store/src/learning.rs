//! Learning progress: a learner records completed modules and practice cases; the
//! organisation's coordinators and trainers see who completed what, with dates.
//! Everything is scoped to the acting organisation; the overview is audited, since it
//! is about named colleagues.

use crate::{new_id, Result, Scope, Store, StoreError};
use baken_domain::Permission;
use sqlx::Row;

/// What was completed.
pub const LEARNING_KINDS: [&str; 2] = ["module", "case"];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LearningRecord {
    pub user_id: String,
    /// The learner's display name.
    pub learner: String,
    pub kind: String,
    pub item_id: String,
    /// YYYY-MM-DD.
    pub completed_on: String,
    pub score: i64,
    /// A practice case's answer as recorded ("action|indicator,indicator"); '' for modules.
    pub answer: String,
}

const SELECT: &str =
    "SELECT p.user_id, u.display_name, p.kind, p.item_id, p.completed_on, p.score, p.answer \
     FROM learning_progress p JOIN users u ON u.id = p.user_id";

fn record(row: &sqlx::any::AnyRow) -> Result<LearningRecord> {
    Ok(LearningRecord {
        user_id: row.try_get("user_id")?,
        learner: row.try_get("display_name")?,
        kind: row.try_get("kind")?,
        item_id: row.try_get("item_id")?,
        completed_on: row.try_get("completed_on")?,
        score: row.try_get("score")?,
        answer: row.try_get("answer")?,
    })
}

impl Store {
    /// Record that the caller completed `item_id` (a module or a case) on `day`.
    /// Unknown kinds are refused as `NotFound`.
    pub async fn record_learning(
        &self,
        scope: &Scope,
        kind: &str,
        item_id: &str,
        day: &str,
        score: i64,
        now: i64,
    ) -> Result<()> {
        self.insert_learning(scope, kind, item_id, day, score, "", now)
            .await
            .map(|_| ())
    }

    /// Record the caller's answer to practice case `case_id` with its score; returns the
    /// record's id, so the result can be shown again by `case_attempt`.
    pub async fn record_case_attempt(
        &self,
        scope: &Scope,
        case_id: &str,
        day: &str,
        score: i64,
        answer: &str,
        now: i64,
    ) -> Result<String> {
        self.insert_learning(scope, "case", case_id, day, score, answer, now)
            .await
    }

    /// The caller's latest answer to practice case `case_id`; `NotFound` if none.
    pub async fn latest_case_attempt(
        &self,
        scope: &Scope,
        case_id: &str,
    ) -> Result<LearningRecord> {
        scope.require(Permission::UseApplication)?;
        let row = sqlx::query(&format!(
            "{SELECT} WHERE p.org_id = $1 AND p.user_id = $2 AND p.kind = 'case' \
             AND p.item_id = $3 ORDER BY p.recorded_at DESC, p.id LIMIT 1"
        ))
        .bind(&scope.org_id)
        .bind(&scope.user_id)
        .bind(case_id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        record(&row)
    }

    #[allow(clippy::too_many_arguments)]
    async fn insert_learning(
        &self,
        scope: &Scope,
        kind: &str,
        item_id: &str,
        day: &str,
        score: i64,
        answer: &str,
        now: i64,
    ) -> Result<String> {
        scope.require(Permission::UseApplication)?;
        if !LEARNING_KINDS.contains(&kind) {
            return Err(StoreError::NotFound);
        }
        let id = new_id();
        sqlx::query(
            "INSERT INTO learning_progress \
             (id, org_id, user_id, kind, item_id, completed_on, score, recorded_at, answer) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&id)
        .bind(&scope.org_id)
        .bind(&scope.user_id)
        .bind(kind)
        .bind(item_id)
        .bind(day)
        .bind(score.clamp(0, 100))
        .bind(now)
        .bind(answer)
        .execute(&self.pool)
        .await?;
        Ok(id)
    }

    /// The caller's own completions in the acting organisation, newest first.
    pub async fn my_learning(&self, scope: &Scope) -> Result<Vec<LearningRecord>> {
        scope.require(Permission::UseApplication)?;
        let rows = sqlx::query(&format!(
            "{SELECT} WHERE p.org_id = $1 AND p.user_id = $2 \
             ORDER BY p.completed_on DESC, p.recorded_at DESC, p.id"
        ))
        .bind(&scope.org_id)
        .bind(&scope.user_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(record).collect()
    }

    /// Everyone's completions in the acting organisation (coordinators and
    /// trainers), by learner and date. Audited before it returns.
    pub async fn learning_overview(&self, scope: &Scope, now: i64) -> Result<Vec<LearningRecord>> {
        scope.require(Permission::ReadTrainingProgress)?;
        self.audit_read(
            scope,
            "list",
            "learning_progress",
            None,
            None,
            "training overview",
            now,
        )
        .await?;
        let rows = sqlx::query(&format!(
            "{SELECT} WHERE p.org_id = $1 \
             ORDER BY u.display_name, p.user_id, p.completed_on, p.recorded_at, p.id"
        ))
        .bind(&scope.org_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(record).collect()
    }
}
