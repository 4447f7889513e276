//! Dossiers: need-to-know (members and the organisation's coordinators), clearance on the
//! ZGW confidentiality levels, attached signals, a timeline, notes, tasks and the status
//! workflow. Every dossier read or change is audited; a dossier the caller may not see is
//! `NotFound`, exactly like one that does not exist.

use crate::{new_id, Result, Scope, SignalRecord, Store, StoreError};
use baken_domain::dossier::{can_move, dossier_visible};
use baken_domain::{Permission, Role};
use sqlx::Row;

#[derive(Debug, Clone)]
pub struct Dossier {
    pub id: String,
    pub org_id: String,
    pub title: String,
    pub confidentiality: i64,
    pub status: String,
    pub result: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone)]
pub struct DossierEvent {
    pub at: i64,
    pub actor: String,
    pub kind: String,
    pub text: String,
}

#[derive(Debug, Clone)]
pub struct DossierTask {
    pub id: String,
    pub title: String,
    pub owner: String,
    pub deadline: String,
    pub done: bool,
}

/// A barrier (administrative measure) applied on a dossier.
#[derive(Debug, Clone)]
pub struct DossierBarrier {
    pub id: String,
    pub barrier_id: String,
    pub applied_by: String,
    pub status: String,
    pub outcome: String,
    pub updated_at: i64,
}

/// A referral of a dossier to a contact point, with the snapshot sent and what happened
/// since (see `referrals.rs`).
#[derive(Debug, Clone)]
pub struct DossierReferral {
    pub id: String,
    pub contact_id: String,
    pub partner: String,
    pub contact: String,
    pub categories: Vec<String>,
    pub created_at: i64,
    pub state: crate::ReferralState,
}

/// The states of an applied barrier.
pub const BARRIER_STATUSES: [&str; 4] = ["planned", "in_progress", "done", "dropped"];

/// Everything on a dossier page.
#[derive(Debug, Clone)]
pub struct DossierView {
    pub dossier: Dossier,
    pub members: Vec<(String, String)>,
    pub signals: Vec<SignalRecord>,
    pub events: Vec<DossierEvent>,
    pub tasks: Vec<DossierTask>,
    pub barriers: Vec<DossierBarrier>,
    pub referrals: Vec<DossierReferral>,
}

const COLUMNS: &str = "id, org_id, title, confidentiality, status, result, created_at, updated_at";

fn dossier(row: &sqlx::any::AnyRow) -> Result<Dossier> {
    Ok(Dossier {
        id: row.try_get("id")?,
        org_id: row.try_get("org_id")?,
        title: row.try_get("title")?,
        confidentiality: row.try_get("confidentiality")?,
        status: row.try_get("status")?,
        result: row.try_get("result")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

impl Store {
    pub async fn clearance(&self, user_id: &str) -> Result<i64> {
        let row = sqlx::query("SELECT clearance FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        Ok(row.try_get("clearance")?)
    }

    pub async fn set_clearance(&self, user_id: &str, level: i64) -> Result<()> {
        sqlx::query("UPDATE users SET clearance = $1 WHERE id = $2")
            .bind(level.clamp(1, 8))
            .bind(user_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Rows about one dossier (`$1` is its id), each made into a `T`.
    pub(crate) async fn dossier_rows<T>(
        &self,
        sql: &str,
        id: &str,
        make: impl Fn(&sqlx::any::AnyRow) -> Result<T>,
    ) -> Result<Vec<T>> {
        sqlx::query(sql)
            .bind(id)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(make)
            .collect()
    }

    /// The dossier if the scope may see it; otherwise `NotFound`. The single access check.
    pub(crate) async fn visible_dossier(&self, scope: &Scope, id: &str) -> Result<Dossier> {
        scope.require(Permission::ReadCases)?;
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM dossiers WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        let d = dossier(&row)?;
        if d.org_id != scope.org_id {
            return Err(StoreError::NotFound);
        }
        let member = sqlx::query(
            "SELECT 1 AS one FROM dossier_members WHERE dossier_id = $1 AND user_id = $2",
        )
        .bind(id)
        .bind(&scope.user_id)
        .fetch_optional(&self.pool)
        .await?
        .is_some();
        let clearance = self.clearance(&scope.user_id).await?;
        let coordinator = scope.roles.contains(&Role::Coordinator);
        if !dossier_visible(clearance, d.confidentiality, member, coordinator) {
            return Err(StoreError::NotFound);
        }
        Ok(d)
    }

    pub(crate) async fn event(
        &self,
        dossier_id: &str,
        actor: &str,
        kind: &str,
        text: &str,
        now: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO dossier_events (id, dossier_id, at, actor_id, kind, text) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(new_id())
        .bind(dossier_id)
        .bind(now)
        .bind(actor)
        .bind(kind)
        .bind(text)
        .execute(&self.pool)
        .await?;
        sqlx::query("UPDATE dossiers SET updated_at = $1 WHERE id = $2")
            .bind(now)
            .bind(dossier_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub(crate) async fn audit_dossier(
        &self,
        scope: &Scope,
        action: &str,
        id: &str,
        now: i64,
    ) -> Result<()> {
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
        Ok(())
    }

    /// Open a dossier with signals of the organisation; the creator becomes a member. The
    /// level may not exceed the creator's clearance (`Conflict("confidentiality")`).
    pub async fn create_dossier(
        &self,
        scope: &Scope,
        title: &str,
        confidentiality: i64,
        signal_ids: &[String],
        now: i64,
    ) -> Result<String> {
        scope.require(Permission::ReadCases)?;
        if confidentiality > self.clearance(&scope.user_id).await?
            || !(1..=8).contains(&confidentiality)
        {
            return Err(StoreError::Conflict("confidentiality"));
        }
        for sid in signal_ids {
            let rec = self.signal_row(sid).await?.ok_or(StoreError::NotFound)?;
            if rec.org_id != scope.org_id || rec.status == "draft" {
                return Err(StoreError::NotFound);
            }
        }
        let id = new_id();
        self.audit_dossier(scope, "create", &id, now).await?;
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO dossiers (id, org_id, title, confidentiality, status, created_by, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, 'new', $5, $6, $6)",
        )
        .bind(&id)
        .bind(&scope.org_id)
        .bind(title)
        .bind(confidentiality)
        .bind(&scope.user_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        sqlx::query("INSERT INTO dossier_members (dossier_id, user_id) VALUES ($1, $2)")
            .bind(&id)
            .bind(&scope.user_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        self.event(&id, &scope.user_id, "created", title, now)
            .await?;
        for sid in signal_ids {
            self.attach(scope, &id, sid, now).await?;
        }
        Ok(id)
    }

    async fn attach(
        &self,
        scope: &Scope,
        dossier_id: &str,
        signal_id: &str,
        now: i64,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE signals SET dossier_id = $1, status = CASE WHEN status = 'received' THEN 'in_progress' ELSE status END, \
             updated_at = $2 WHERE id = $3 AND org_id = $4 AND status <> 'draft'",
        )
        .bind(dossier_id)
        .bind(now)
        .bind(signal_id)
        .bind(&scope.org_id)
        .execute(&self.pool)
        .await?;
        self.event(
            dossier_id,
            &scope.user_id,
            "signal_attached",
            signal_id,
            now,
        )
        .await
    }

    /// Attach a submitted signal of the organisation to a dossier the scope may see.
    pub async fn attach_signal(
        &self,
        scope: &Scope,
        dossier_id: &str,
        signal_id: &str,
        now: i64,
    ) -> Result<()> {
        self.visible_dossier(scope, dossier_id).await?;
        let rec = self
            .signal_row(signal_id)
            .await?
            .ok_or(StoreError::NotFound)?;
        if rec.org_id != scope.org_id || rec.status == "draft" {
            return Err(StoreError::NotFound);
        }
        self.audit_dossier(scope, "attach_signal", dossier_id, now)
            .await?;
        self.attach(scope, dossier_id, signal_id, now).await
    }

    /// The dossiers the scope may see, most recently changed first. Audited.
    pub async fn dossiers(&self, scope: &Scope, now: i64) -> Result<Vec<Dossier>> {
        scope.require(Permission::ReadCases)?;
        self.audit_read(scope, "list", "dossier", None, None, "case handling", now)
            .await?;
        let clearance = self.clearance(&scope.user_id).await?;
        let coordinator = scope.roles.contains(&Role::Coordinator);
        // Need-to-know in SQL, so no invisible dossier is ever read into memory.
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM dossiers d WHERE org_id = $1 AND confidentiality <= $2 \
             AND ($3 = 1 OR EXISTS (SELECT 1 FROM dossier_members m WHERE m.dossier_id = d.id AND m.user_id = $4)) \
             ORDER BY updated_at DESC, id LIMIT 500"
        ))
        .bind(&scope.org_id)
        .bind(clearance)
        .bind(i64::from(coordinator))
        .bind(&scope.user_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(dossier).collect()
    }

    /// A dossier with everything on it. Audited.
    pub async fn dossier_view(&self, scope: &Scope, id: &str, now: i64) -> Result<DossierView> {
        let d = self.visible_dossier(scope, id).await?;
        self.audit_dossier(scope, "read", id, now).await?;
        self.load_dossier_view(d, id).await
    }

    /// Everything about dossier `d` (already checked visible and audited by the caller).
    pub(crate) async fn load_dossier_view(&self, d: Dossier, id: &str) -> Result<DossierView> {
        let members = sqlx::query(
            "SELECT u.id, u.display_name FROM dossier_members m JOIN users u ON u.id = m.user_id \
             WHERE m.dossier_id = $1 ORDER BY u.display_name",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("display_name")?)))
        .collect::<Result<Vec<_>>>()?;
        let events = self.dossier_rows(
            "SELECT e.at, u.display_name, e.kind, e.text FROM dossier_events e JOIN users u ON u.id = e.actor_id \
             WHERE e.dossier_id = $1 ORDER BY e.at, e.id",
            id,
            |r| {
            Ok(DossierEvent {
                at: r.try_get("at")?,
                actor: r.try_get("display_name")?,
                kind: r.try_get("kind")?,
                text: r.try_get("text")?,
            })
        },
        )
        .await?;
        let tasks = self.dossier_rows(
            "SELECT t.id, t.title, u.display_name, t.deadline, t.done FROM dossier_tasks t \
             JOIN users u ON u.id = t.owner_id WHERE t.dossier_id = $1 ORDER BY t.done, t.deadline, t.id",
            id,
            |r| {
            Ok(DossierTask {
                id: r.try_get("id")?,
                title: r.try_get("title")?,
                owner: r.try_get("display_name")?,
                deadline: r.try_get("deadline")?,
                done: r.try_get::<i64, _>("done")? != 0,
            })
        },
        )
        .await?;
        let barriers = self.dossier_rows(
            "SELECT id, barrier_id, applied_by, status, outcome, updated_at FROM dossier_barriers \
             WHERE dossier_id = $1 ORDER BY created_at, id",
            id,
            |r| {
            Ok(DossierBarrier {
                id: r.try_get("id")?,
                barrier_id: r.try_get("barrier_id")?,
                applied_by: r.try_get("applied_by")?,
                status: r.try_get("status")?,
                outcome: r.try_get("outcome")?,
                updated_at: r.try_get("updated_at")?,
            })
        },
        )
        .await?;
        let referrals = self.dossier_referrals(id).await?;
        let ids: Vec<String> =
            sqlx::query("SELECT id FROM signals WHERE dossier_id = $1 ORDER BY submitted_at, id")
                .bind(id)
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(|r| r.try_get("id"))
                .collect::<std::result::Result<_, _>>()?;
        let mut signals = Vec::with_capacity(ids.len());
        for sid in ids {
            if let Some(rec) = self.signal_row(&sid).await? {
                signals.push(rec);
            }
        }
        Ok(DossierView {
            dossier: d,
            members,
            signals,
            events,
            tasks,
            barriers,
            referrals,
        })
    }

    /// A note or a decision (with its reason) on the timeline. Audited.
    pub async fn add_dossier_entry(
        &self,
        scope: &Scope,
        id: &str,
        kind: &str,
        text: &str,
        now: i64,
    ) -> Result<()> {
        if !matches!(kind, "note" | "decision") {
            return Err(StoreError::NotFound);
        }
        self.visible_dossier(scope, id).await?;
        self.audit_dossier(scope, kind, id, now).await?;
        self.event(id, &scope.user_id, kind, text, now).await
    }

    /// A task for a case reader of the organisation; the caller has checked the deadline.
    pub async fn add_task(
        &self,
        scope: &Scope,
        id: &str,
        title: &str,
        owner_id: &str,
        deadline: &str,
        now: i64,
    ) -> Result<()> {
        self.visible_dossier(scope, id).await?;
        if !self
            .case_readers(scope)
            .await?
            .iter()
            .any(|(u, _)| u == owner_id)
        {
            return Err(StoreError::NotFound);
        }
        self.audit_dossier(scope, "add_task", id, now).await?;
        sqlx::query(
            "INSERT INTO dossier_tasks (id, dossier_id, title, owner_id, deadline, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(new_id())
        .bind(id)
        .bind(title)
        .bind(owner_id)
        .bind(deadline)
        .bind(now)
        .execute(&self.pool)
        .await?;
        self.event(
            id,
            &scope.user_id,
            "task_added",
            &format!("{title} ({deadline})"),
            now,
        )
        .await
    }

    pub async fn complete_task(
        &self,
        scope: &Scope,
        id: &str,
        task_id: &str,
        now: i64,
    ) -> Result<()> {
        self.visible_dossier(scope, id).await?;
        self.audit_dossier(scope, "complete_task", id, now).await?;
        let done =
            sqlx::query("UPDATE dossier_tasks SET done = 1 WHERE id = $1 AND dossier_id = $2")
                .bind(task_id)
                .bind(id)
                .execute(&self.pool)
                .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        self.event(id, &scope.user_id, "task_done", task_id, now)
            .await
    }

    /// Move along the workflow. Closing needs a result and marks the attached signals
    /// handled, which is what their authors see. Illegal moves are `Conflict("status")`.
    pub async fn set_dossier_status(
        &self,
        scope: &Scope,
        id: &str,
        status: &str,
        result: Option<&str>,
        now: i64,
    ) -> Result<()> {
        let d = self.visible_dossier(scope, id).await?;
        if !can_move(&d.status, status)
            || (status == "closed" && result.is_none_or(|r| r.trim().is_empty()))
        {
            return Err(StoreError::Conflict("status"));
        }
        self.audit_dossier(scope, &format!("status:{status}"), id, now)
            .await?;
        sqlx::query("UPDATE dossiers SET status = $1, result = $2 WHERE id = $3")
            .bind(status)
            .bind(if status == "closed" { result } else { None })
            .bind(id)
            .execute(&self.pool)
            .await?;
        if status == "closed" {
            sqlx::query(
                "UPDATE signals SET status = 'handled', updated_at = $1 WHERE dossier_id = $2",
            )
            .bind(now)
            .bind(id)
            .execute(&self.pool)
            .await?;
        }
        let text = match result {
            Some(r) if status == "closed" => format!("{status}: {r}"),
            _ => status.to_string(),
        };
        self.event(id, &scope.user_id, "status", &text, now).await
    }

    /// Add a member: a case reader of the organisation.
    pub async fn add_member(&self, scope: &Scope, id: &str, user_id: &str, now: i64) -> Result<()> {
        self.visible_dossier(scope, id).await?;
        let readers = self.case_readers(scope).await?;
        let Some((_, name)) = readers.iter().find(|(u, _)| u == user_id) else {
            return Err(StoreError::NotFound);
        };
        self.audit_dossier(scope, "add_member", id, now).await?;
        sqlx::query("DELETE FROM dossier_members WHERE dossier_id = $1 AND user_id = $2")
            .bind(id)
            .bind(user_id)
            .execute(&self.pool)
            .await?;
        sqlx::query("INSERT INTO dossier_members (dossier_id, user_id) VALUES ($1, $2)")
            .bind(id)
            .bind(user_id)
            .execute(&self.pool)
            .await?;
        self.event(id, &scope.user_id, "member_added", name, now)
            .await
    }

    /// Apply a barrier of the library (the caller has checked `barrier_id` against it):
    /// planned, applied by a free name or organisation. On the timeline; audited.
    pub async fn apply_barrier(
        &self,
        scope: &Scope,
        id: &str,
        barrier_id: &str,
        applied_by: &str,
        now: i64,
    ) -> Result<String> {
        self.visible_dossier(scope, id).await?;
        self.audit_dossier(scope, "apply_barrier", id, now).await?;
        let row_id = new_id();
        sqlx::query(
            "INSERT INTO dossier_barriers (id, dossier_id, barrier_id, applied_by, status, outcome, created_by, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, 'planned', '', $5, $6, $6)",
        )
        .bind(&row_id)
        .bind(id)
        .bind(barrier_id)
        .bind(applied_by)
        .bind(&scope.user_id)
        .bind(now)
        .execute(&self.pool)
        .await?;
        self.event(
            id,
            &scope.user_id,
            "barrier_applied",
            &format!("{barrier_id} — {applied_by}"),
            now,
        )
        .await?;
        Ok(row_id)
    }

    /// Set an applied barrier's status and outcome. An unknown status is
    /// `Conflict("status")`; a barrier of another dossier is `NotFound`.
    pub async fn update_barrier(
        &self,
        scope: &Scope,
        id: &str,
        row_id: &str,
        status: &str,
        outcome: &str,
        now: i64,
    ) -> Result<()> {
        self.visible_dossier(scope, id).await?;
        if !BARRIER_STATUSES.contains(&status) {
            return Err(StoreError::Conflict("status"));
        }
        let row = sqlx::query(
            "SELECT barrier_id FROM dossier_barriers WHERE id = $1 AND dossier_id = $2",
        )
        .bind(row_id)
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        let barrier_id: String = row.try_get("barrier_id")?;
        self.audit_dossier(scope, &format!("barrier:{status}"), id, now)
            .await?;
        sqlx::query(
            "UPDATE dossier_barriers SET status = $1, outcome = $2, updated_at = $3 WHERE id = $4 AND dossier_id = $5",
        )
        .bind(status)
        .bind(outcome)
        .bind(now)
        .bind(row_id)
        .bind(id)
        .execute(&self.pool)
        .await?;
        let text = if outcome.is_empty() {
            format!("{barrier_id}: {status}")
        } else {
            format!("{barrier_id}: {status} — {outcome}")
        };
        self.event(id, &scope.user_id, "barrier_updated", &text, now)
            .await
    }
}
