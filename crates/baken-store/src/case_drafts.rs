//! Lessons from practice: a coordinator drafts a practice case from a closed dossier, a
//! trainer of the same organisation reviews and publishes it. The caller anonymises the
//! text (pure logic lives in `baken-learn`); the store enforces who and when. Another
//! organisation's draft is `NotFound`.

use crate::{new_id, Result, Scope, Store, StoreError};
use baken_domain::{Permission, Role};
use sqlx::Row;

/// What the coordinator's action produces, already anonymised.
#[derive(Debug, Clone)]
pub struct NewCaseDraft<'a> {
    pub title: &'a str,
    pub scenario: &'a str,
    pub context: &'a str,
    pub indicators: &'a [String],
    pub expected_action: &'a str,
    /// `adult`, `minor` or `unknown`: whom the case is about.
    pub subject: &'a str,
}

/// A trainer's edit of a draft's text (see [`Store::review_case_draft`]).
#[derive(Debug, Clone, Copy)]
pub struct DraftEdit<'a> {
    pub title: &'a str,
    pub scenario: &'a str,
    /// Publish the draft too.
    pub publish: bool,
    /// The caller's personal-data check found something in the text: it may be saved
    /// as a draft, but not published nor saved over a published case.
    pub findings: bool,
    /// Whom the case is about (`adult`, `minor`, `unknown`), when the trainer sets it;
    /// `None` keeps the stored one.
    pub subject: Option<&'a str>,
}

/// The subjects a practice case can be about.
pub const CASE_SUBJECTS: [&str; 3] = ["adult", "minor", "unknown"];

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseDraft {
    pub id: String,
    pub org_id: String,
    pub dossier_id: String,
    pub title: String,
    pub scenario: String,
    pub context: String,
    pub indicators: Vec<String>,
    pub expected_action: String,
    pub subject: String,
    pub status: String,
    pub published_by: Option<String>,
}

const COLUMNS: &str = "id, org_id, dossier_id, title, scenario, context, indicators, \
                       expected_action, subject, status, published_by";

/// The columns, qualified for a query that joins the dossier.
fn qualified() -> String {
    COLUMNS
        .split(", ")
        .map(|c| format!("c.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn case_draft(r: &sqlx::any::AnyRow) -> Result<CaseDraft> {
    Ok(CaseDraft {
        id: r.try_get("id")?,
        org_id: r.try_get("org_id")?,
        dossier_id: r.try_get("dossier_id")?,
        title: r.try_get("title")?,
        scenario: r.try_get("scenario")?,
        context: r.try_get("context")?,
        indicators: r
            .try_get::<String, _>("indicators")?
            .split_whitespace()
            .map(str::to_string)
            .collect(),
        expected_action: r.try_get("expected_action")?,
        subject: r.try_get("subject")?,
        status: r.try_get("status")?,
        published_by: r.try_get("published_by")?,
    })
}

/// Drafts are read by the organisation's trainers (who review them) and coordinators
/// (who make them from closed dossiers).
fn may_read_drafts(scope: &Scope) -> Result<()> {
    if scope.roles.contains(&Role::Coordinator) {
        return Ok(());
    }
    scope.require(Permission::ManageLearning)
}

impl Store {
    /// Draft a practice case from a dossier: coordinators of the dossier's organisation
    /// only, and only once the dossier is closed (`Conflict("status")` before). Audited.
    pub async fn create_case_draft(
        &self,
        scope: &Scope,
        dossier_id: &str,
        draft: &NewCaseDraft<'_>,
        now: i64,
    ) -> Result<String> {
        if !scope.roles.contains(&Role::Coordinator) {
            return Err(StoreError::NotFound);
        }
        let dossier = self.visible_dossier(scope, dossier_id).await?;
        if dossier.status != "closed" {
            return Err(StoreError::Conflict("status"));
        }
        self.audit_read(
            scope,
            "practice_case:draft",
            "dossier",
            Some(dossier_id),
            Some(dossier_id),
            "learning",
            now,
        )
        .await?;
        let id = new_id();
        sqlx::query(
            "INSERT INTO case_drafts (id, org_id, dossier_id, title, scenario, context, indicators, \
             expected_action, subject, status, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'draft', $10, $11)",
        )
        .bind(&id)
        .bind(&scope.org_id)
        .bind(dossier_id)
        .bind(draft.title)
        .bind(draft.scenario)
        .bind(draft.context)
        .bind(draft.indicators.join(" "))
        .bind(draft.expected_action)
        .bind(draft.subject)
        .bind(&scope.user_id)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(id)
    }

    /// The organisation's drafts and published cases, for its trainers and coordinators:
    /// an unpublished draft only up to the reader's clearance (its text came from a
    /// dossier of that confidentiality). Audited.
    pub async fn case_drafts(&self, scope: &Scope, now: i64) -> Result<Vec<CaseDraft>> {
        may_read_drafts(scope)?;
        let clearance = self.clearance(&scope.user_id).await?;
        self.audit_read(scope, "list", "case_draft", None, None, "learning", now)
            .await?;
        sqlx::query(&format!(
            "SELECT {} FROM case_drafts c JOIN dossiers d ON d.id = c.dossier_id \
             WHERE c.org_id = $1 AND (c.status = 'published' OR d.confidentiality <= $2) \
             ORDER BY c.created_at, c.id",
            qualified()
        ))
        .bind(&scope.org_id)
        .bind(clearance)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(case_draft)
        .collect()
    }

    /// The organisation's published practice cases, for every member.
    pub async fn published_cases(&self, scope: &Scope) -> Result<Vec<CaseDraft>> {
        sqlx::query(&format!(
            "SELECT {COLUMNS} FROM case_drafts WHERE org_id = $1 AND status = 'published' \
             ORDER BY created_at, id"
        ))
        .bind(&scope.org_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(case_draft)
        .collect()
    }

    /// One draft, for a trainer or coordinator of its organisation (only trainers edit
    /// and publish); unpublished, only up to the reader's clearance. Anything else is
    /// `NotFound`. Audited as a read.
    pub async fn case_draft(&self, scope: &Scope, id: &str, now: i64) -> Result<CaseDraft> {
        let draft = self.readable_case_draft(scope, id).await?;
        self.audit_draft(scope, "read", &draft, now).await?;
        Ok(draft)
    }

    /// Record `action` on `draft` by the scope's user.
    async fn audit_draft(
        &self,
        scope: &Scope,
        action: &str,
        draft: &CaseDraft,
        now: i64,
    ) -> Result<i64> {
        self.append_audit(&draft_entry(scope, action, draft), now)
            .await
    }

    /// [`Store::case_draft`] without its audit record, for the calls here that audit
    /// what they do with the draft instead (one record per action).
    async fn readable_case_draft(&self, scope: &Scope, id: &str) -> Result<CaseDraft> {
        may_read_drafts(scope)?;
        let row = sqlx::query(&format!(
            "SELECT {}, d.confidentiality FROM case_drafts c JOIN dossiers d ON d.id = c.dossier_id \
             WHERE c.id = $1",
            qualified()
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        let draft = case_draft(&row)?;
        let confidentiality: i64 = row.try_get("confidentiality")?;
        if draft.org_id != scope.org_id
            || (draft.status != "published"
                && confidentiality > self.clearance(&scope.user_id).await?)
        {
            return Err(StoreError::NotFound);
        }
        Ok(draft)
    }

    /// The trainer's edit of the text; `publish` also publishes it and records who did.
    /// Refused with `Conflict("text")` for an empty title or scenario, `Conflict("subject")`
    /// for a subject outside [`CASE_SUBJECTS`], and with
    /// `Conflict("findings")` when the caller's personal-data check found something and
    /// the text would be (or stay) published, `Conflict("changed")` when the draft's
    /// status changed since it was read; a refused edit changes and records nothing.
    /// Audited with one record, the edit or the publication, in the edit's transaction.
    pub async fn review_case_draft(
        &self,
        scope: &Scope,
        id: &str,
        edit: &DraftEdit<'_>,
        now: i64,
    ) -> Result<()> {
        scope.require(Permission::ManageLearning)?;
        let draft = self.readable_case_draft(scope, id).await?;
        let DraftEdit {
            title,
            scenario,
            publish,
            findings,
            subject,
        } = *edit;
        if title.trim().is_empty() || scenario.trim().is_empty() {
            return Err(StoreError::Conflict("text"));
        }
        if subject.is_some_and(|s| !CASE_SUBJECTS.contains(&s)) {
            return Err(StoreError::Conflict("subject"));
        }
        if findings && (publish || draft.status == "published") {
            return Err(StoreError::Conflict("findings"));
        }
        // Edits and publication are audited like the draft's creation: the text came
        // from a dossier.
        let action = if publish {
            "practice_case:publish"
        } else {
            "practice_case:edit"
        };
        let entry = draft_entry(scope, action, &draft);
        let (status, by, at) = if publish {
            ("published", Some(scope.user_id.as_str()), Some(now))
        } else {
            (draft.status.as_str(), None, None)
        };
        // The record and the edit commit together; an edit made from a draft another
        // trainer published (or unpublished) meanwhile is refused, not written over it.
        let _turn = self.write_turn().await;
        let mut tx = self.pool.begin().await?;
        crate::audit::append_in_or_unavailable(&mut tx, &entry, now).await?;
        let done = sqlx::query(
            "UPDATE case_drafts SET title = $1, scenario = $2, status = $3, \
             published_by = COALESCE($4, published_by), published_at = COALESCE($5, published_at), \
             subject = COALESCE($6, subject) WHERE id = $7 AND status = $8",
        )
        .bind(title)
        .bind(scenario)
        .bind(status)
        .bind(by)
        .bind(at)
        .bind(subject)
        .bind(id)
        .bind(&draft.status)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Conflict("changed"));
        }
        tx.commit().await?;
        Ok(())
    }
}

/// The audit entry for `action` on `draft` by the scope's user; the person concerned is
/// its dossier's, whose text it came from.
fn draft_entry(scope: &Scope, action: &str, draft: &CaseDraft) -> crate::audit::AuditEntry {
    crate::audit::scoped_entry(
        scope,
        action,
        "case_draft",
        Some(&draft.id),
        Some(&draft.dossier_id),
        "learning",
    )
}
