//! Signals: drafts kept as typed, submission with the reading, the author's own list, the
//! organisation's inbox, status changes, and personal API tokens.
//!
//! Who sees what (decided here): a draft only by its author; a submitted signal by its
//! author and by those of its organisation who may read cases; nothing of another
//! organisation, ever. Every read or change of a signal's content is audited first.

use crate::audit::{append_in_or_unavailable, scoped_entry};
use crate::{new_id, random_token, sha256_hex, submit_queue, Result, Scope, Store, StoreError};
use baken_domain::signal::Identifier;
use baken_domain::triage::{triage_rank, InboxCursor};
use baken_domain::Permission;
use sqlx::Row;

pub const SIGNAL_STATUSES: &[&str] = &["received", "in_progress", "handled"];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignalRecord {
    pub id: String,
    pub org_id: String,
    pub author_id: String,
    pub status: String,
    pub context: String,
    pub urgency: String,
    pub acute: bool,
    pub fields: Vec<(String, String)>,
    pub revision: i64,
    pub assignee_id: Option<String>,
    pub dossier_id: Option<String>,
    pub closed_reason: Option<String>,
    pub reading: Option<String>,
    pub highest_level: Option<String>,
    pub library_version: Option<String>,
    pub library_hash: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub submitted_at: Option<i64>,
    /// Place in the inbox order (`baken_domain::triage`); `None` for drafts.
    pub triage_rank: Option<i64>,
}

/// What a submission stores beside the fields.
pub struct Submission<'a> {
    pub fields: &'a [(String, String)],
    pub context: &'a str,
    pub urgency: &'a str,
    pub acute: bool,
    pub reading_json: &'a str,
    pub highest_level: &'a str,
    pub library_version: &'a str,
    pub library_hash: &'a str,
    pub identifiers: &'a [(usize, Identifier)],
}

/// Narrowing of the inbox; empty strings match everything.
#[derive(Debug, Clone, Default)]
pub struct InboxFilter {
    pub status: String,
    pub context: String,
    pub urgency: String,
    /// Highest reading level: none, weak, possible, strong.
    pub level: String,
    /// A user id, `none` for unassigned, or `None` for anyone.
    pub assignee: Option<String>,
}

/// A personal API token's identity.
#[derive(Debug, Clone)]
pub struct ApiToken {
    pub id: String,
    pub user_id: String,
    pub org_id: String,
    pub name: String,
    pub scopes: Vec<String>,
}

const COLUMNS: &str =
    "id, org_id, author_id, status, context, urgency, acute, fields, revision, assignee_id, \
     dossier_id, closed_reason, reading, highest_level, library_version, library_hash, \
     created_at, updated_at, submitted_at, triage_rank";

fn record(row: &sqlx::any::AnyRow) -> Result<SignalRecord> {
    let fields: String = row.try_get("fields")?;
    Ok(SignalRecord {
        id: row.try_get("id")?,
        org_id: row.try_get("org_id")?,
        author_id: row.try_get("author_id")?,
        status: row.try_get("status")?,
        context: row.try_get("context")?,
        urgency: row.try_get("urgency")?,
        acute: row.try_get::<i64, _>("acute")? != 0,
        fields: serde_json::from_str(&fields).map_err(|e| {
            StoreError::Database(sqlx::Error::Decode(format!("signals.fields: {e}").into()))
        })?,
        revision: row.try_get("revision")?,
        assignee_id: row.try_get("assignee_id")?,
        dossier_id: row.try_get("dossier_id")?,
        closed_reason: row.try_get("closed_reason")?,
        reading: row.try_get("reading")?,
        highest_level: row.try_get("highest_level")?,
        library_version: row.try_get("library_version")?,
        library_hash: row.try_get("library_hash")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        submitted_at: row.try_get("submitted_at")?,
        triage_rank: row.try_get("triage_rank")?,
    })
}

fn json(fields: &[(String, String)]) -> String {
    serde_json::to_string(fields).unwrap_or_else(|_| "[]".into())
}

/// A one-step submission, owned, for the writer (`submit_queue`).
pub(crate) struct SubmittedSignal {
    pub scope: Scope,
    pub rec: SignalRecord,
    pub identifiers: Vec<(usize, Identifier)>,
}

/// Write one submission inside the caller's transaction: the row, its identifiers, and its
/// `submit` audit record last.
pub(crate) async fn write_submitted(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    s: &SubmittedSignal,
) -> Result<()> {
    let rec = &s.rec;
    sqlx::query(
        "INSERT INTO signals (id, org_id, author_id, status, context, urgency, acute, fields, \
         revision, reading, highest_level, library_version, library_hash, created_at, updated_at, submitted_at, \
         triage_rank) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
    )
    .bind(&rec.id)
    .bind(&rec.org_id)
    .bind(&rec.author_id)
    .bind(&rec.status)
    .bind(&rec.context)
    .bind(&rec.urgency)
    .bind(i64::from(rec.acute))
    .bind(json(&rec.fields))
    .bind(rec.revision)
    .bind(&rec.reading)
    .bind(&rec.highest_level)
    .bind(&rec.library_version)
    .bind(&rec.library_hash)
    .bind(rec.created_at)
    .bind(rec.updated_at)
    .bind(rec.submitted_at)
    .bind(rec.triage_rank)
    .execute(&mut **tx)
    .await?;
    insert_identifiers(tx, &rec.id, &rec.org_id, &s.identifiers).await?;
    append_submit_record(tx, &s.scope, &rec.id, rec.created_at).await
}

async fn insert_identifiers(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    signal_id: &str,
    org_id: &str,
    identifiers: &[(usize, Identifier)],
) -> Result<()> {
    for (index, ident) in identifiers {
        sqlx::query(
            "INSERT INTO signal_identifiers (signal_id, org_id, entity_index, kind, value) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(signal_id)
        .bind(org_id)
        .bind(*index as i64)
        .bind(ident.kind)
        .bind(&ident.value)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// The `submit` record, appended last in the submitting transaction (the `audit_head`
/// lock is then held only for the append and the commit). If it cannot be written the
/// transaction is rolled back and the caller gets `AuditUnavailable`.
async fn append_submit_record(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    scope: &Scope,
    id: &str,
    now: i64,
) -> Result<()> {
    let entry = scoped_entry(
        scope,
        "submit",
        "signal",
        Some(id),
        Some(id),
        "record a signal",
    );
    append_in_or_unavailable(tx, &entry, now).await?;
    Ok(())
}

impl Store {
    pub(crate) async fn signal_row(&self, id: &str) -> Result<Option<SignalRecord>> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM signals WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(record).transpose()
    }

    /// Start a draft in a context. Audited.
    pub async fn create_draft(&self, scope: &Scope, context: &str, now: i64) -> Result<String> {
        scope.require(Permission::RecordSignals)?;
        let id = new_id();
        self.audit_read(
            scope,
            "create",
            "signal",
            Some(&id),
            Some(&id),
            "record a signal",
            now,
        )
        .await?;
        let fields = vec![("context".to_string(), context.to_string())];
        sqlx::query(
            "INSERT INTO signals (id, org_id, author_id, status, context, urgency, acute, fields, created_at, updated_at) \
             VALUES ($1, $2, $3, 'draft', $4, 'normal', 0, $5, $6, $6)",
        )
        .bind(&id)
        .bind(&scope.org_id)
        .bind(&scope.user_id)
        .bind(context)
        .bind(json(&fields))
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(id)
    }

    /// The author's own draft; anything else is `NotFound`. Audited.
    pub async fn own_draft(&self, scope: &Scope, id: &str, now: i64) -> Result<SignalRecord> {
        let rec = self.signal_row(id).await?.ok_or(StoreError::NotFound)?;
        if rec.status != "draft" || rec.author_id != scope.user_id || rec.org_id != scope.org_id {
            return Err(StoreError::NotFound);
        }
        self.audit_read(
            scope,
            "read",
            "signal",
            Some(id),
            Some(id),
            "record a signal",
            now,
        )
        .await?;
        Ok(rec)
    }

    /// Save a draft exactly as typed. Audited. With `only_revision`, the save applies only
    /// if the draft is still at that revision (a background autosave); returns the new
    /// revision, or `None` when a newer save won.
    pub async fn save_draft(
        &self,
        scope: &Scope,
        id: &str,
        fields: &[(String, String)],
        context: &str,
        only_revision: Option<i64>,
        now: i64,
    ) -> Result<Option<i64>> {
        self.audit_read(
            scope,
            "update",
            "signal",
            Some(id),
            Some(id),
            "record a signal",
            now,
        )
        .await?;
        let done = sqlx::query(
            "UPDATE signals SET fields = $1, context = $2, updated_at = $3, revision = revision + 1 \
             WHERE id = $4 AND author_id = $5 AND org_id = $6 AND status = 'draft' \
             AND ($7 < 0 OR revision = $7)",
        )
        .bind(json(fields))
        .bind(context)
        .bind(now)
        .bind(id)
        .bind(&scope.user_id)
        .bind(&scope.org_id)
        .bind(only_revision.unwrap_or(-1))
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            // Either not this user's draft, or a newer save won the race.
            let rec = self.signal_row(id).await?.ok_or(StoreError::NotFound)?;
            if rec.status != "draft" || rec.author_id != scope.user_id || rec.org_id != scope.org_id
            {
                return Err(StoreError::NotFound);
            }
            return Ok(None);
        }
        let rec = self.signal_row(id).await?.ok_or(StoreError::NotFound)?;
        Ok(Some(rec.revision))
    }

    /// Submit a draft: it enters the organisation's inbox as `received`. All or nothing:
    /// the change, the identifiers and the `submit` audit record are one transaction.
    pub async fn submit_signal(
        &self,
        scope: &Scope,
        id: &str,
        s: &Submission<'_>,
        now: i64,
    ) -> Result<()> {
        let _turn = self.write_turn().await;
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query(
            "UPDATE signals SET status = 'received', fields = $1, context = $2, urgency = $3, acute = $4, \
             reading = $5, highest_level = $6, library_version = $7, library_hash = $8, \
             updated_at = $9, submitted_at = $9, triage_rank = $13 \
             WHERE id = $10 AND author_id = $11 AND org_id = $12 AND status = 'draft'",
        )
        .bind(json(s.fields))
        .bind(s.context)
        .bind(s.urgency)
        .bind(i64::from(s.acute))
        .bind(s.reading_json)
        .bind(s.highest_level)
        .bind(s.library_version)
        .bind(s.library_hash)
        .bind(now)
        .bind(id)
        .bind(&scope.user_id)
        .bind(&scope.org_id)
        .bind(triage_rank(s.acute, s.urgency, now))
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        insert_identifiers(&mut tx, id, &scope.org_id, s.identifiers).await?;
        append_submit_record(&mut tx, scope, id, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Create a signal that is submitted at once (the JSON API) and return it as stored.
    /// One all-or-nothing unit writes the row (status `received`, with its reading), its
    /// identifiers and one `submit` audit record: a failure anywhere leaves nothing behind,
    /// neither a half signal nor a record of a change that did not happen. The record
    /// covers handing the stored signal back to its author, who sent it. Concurrent
    /// submissions share a durable commit (group commit, see `submit_queue`); this returns
    /// only after the commit that holds this submission.
    pub async fn record_submitted_signal(
        &self,
        scope: &Scope,
        s: &Submission<'_>,
        now: i64,
    ) -> Result<SignalRecord> {
        scope.require(Permission::RecordSignals)?;
        let signal = SubmittedSignal {
            scope: scope.clone(),
            rec: SignalRecord {
                id: new_id(),
                org_id: scope.org_id.clone(),
                author_id: scope.user_id.clone(),
                status: "received".to_string(),
                context: s.context.to_string(),
                urgency: s.urgency.to_string(),
                acute: s.acute,
                fields: s.fields.to_vec(),
                revision: 0,
                assignee_id: None,
                dossier_id: None,
                closed_reason: None,
                reading: Some(s.reading_json.to_string()),
                highest_level: Some(s.highest_level.to_string()),
                library_version: Some(s.library_version.to_string()),
                library_hash: Some(s.library_hash.to_string()),
                created_at: now,
                updated_at: now,
                submitted_at: Some(now),
                triage_rank: Some(triage_rank(s.acute, s.urgency, now)),
            },
            identifiers: s.identifiers.to_vec(),
        };
        let queue = self.submissions.get_or_init(|| {
            submit_queue::spawn(self.pool.clone(), self.backend, self.writer.clone())
        });
        let (reply, answer) = tokio::sync::oneshot::channel();
        match queue.send(submit_queue::Job { signal, reply }).await {
            // The writer answers after the commit that holds this submission. If it went
            // away meanwhile (its runtime shut down), whether it was stored is unknown: an
            // error, as for a lost connection.
            Ok(()) => answer.await.map_err(|_| {
                StoreError::Database(sqlx::Error::Protocol(
                    "the submission writer stopped".into(),
                ))
            })?,
            // No writer (it was started on a runtime that has ended): write it here.
            Err(tokio::sync::mpsc::error::SendError(job)) => {
                let _turn = self.write_turn().await;
                let mut tx = self.pool.begin().await?;
                write_submitted(&mut tx, &job.signal).await?;
                tx.commit().await?;
                Ok(job.signal.rec)
            }
        }
    }

    /// Create and submit in one step; the id of the new signal. See
    /// [`Store::record_submitted_signal`].
    pub async fn create_submitted_signal(
        &self,
        scope: &Scope,
        s: &Submission<'_>,
        now: i64,
    ) -> Result<String> {
        Ok(self.record_submitted_signal(scope, s, now).await?.id)
    }

    /// The author's own signals and drafts, newest first: status and dates only, no content.
    pub async fn own_signals(&self, scope: &Scope) -> Result<Vec<SignalRecord>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM signals WHERE author_id = $1 AND org_id = $2 ORDER BY created_at DESC, id LIMIT 500"
        ))
        .bind(&scope.user_id)
        .bind(&scope.org_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(record).collect()
    }

    /// One page of the organisation's inbox: submitted signals in triage order (acute,
    /// then high urgency, then the rest, newest first within each), narrowed by `filter`,
    /// starting after `after`, at most `limit`. Keyset paging on the indexed
    /// `triage_rank`, so a page costs the same however many items there are. Audited.
    pub async fn inbox(
        &self,
        scope: &Scope,
        filter: &InboxFilter,
        after: Option<&InboxCursor>,
        limit: usize,
        now: i64,
    ) -> Result<Vec<SignalRecord>> {
        scope.require(Permission::ReadCases)?;
        self.audit_read(scope, "list", "signal", None, None, "triage", now)
            .await?;
        // Only the filters in use become clauses, each a plain equality bound as a
        // parameter, so the planner can use the (org, status | assignee, rank) indexes.
        let mut clauses = String::new();
        let mut binds: Vec<&str> = Vec::new();
        for (column, value) in [
            ("status", filter.status.as_str()),
            ("context", filter.context.as_str()),
            ("urgency", filter.urgency.as_str()),
            ("highest_level", filter.level.as_str()),
        ] {
            if !value.is_empty() {
                binds.push(value);
                clauses.push_str(&format!(" AND {column} = ${}", binds.len() + 1));
            }
        }
        match filter.assignee.as_deref() {
            None | Some("") => {}
            Some("none") => clauses.push_str(" AND assignee_id IS NULL"),
            Some(user) => {
                binds.push(user);
                clauses.push_str(&format!(" AND assignee_id = ${}", binds.len() + 1));
            }
        }
        if after.is_some() {
            let n = binds.len() + 2;
            clauses.push_str(&format!(" AND (triage_rank, id) > (${n}, ${})", n + 1));
        }
        let sql = format!(
            "SELECT {COLUMNS} FROM signals WHERE org_id = $1 AND status <> 'draft'{clauses} \
             ORDER BY triage_rank, id LIMIT {}",
            limit.min(1000)
        );
        let mut q = sqlx::query(&sql).bind(&scope.org_id);
        for value in binds {
            q = q.bind(value);
        }
        if let Some(c) = after {
            q = q.bind(c.rank).bind(c.id.as_str());
        }
        let rows = q.fetch_all(&self.pool).await?;
        rows.iter().map(record).collect()
    }

    /// Assign a submitted signal to a case reader of the organisation (or nobody). Audited.
    pub async fn assign_signal(
        &self,
        scope: &Scope,
        id: &str,
        assignee_id: Option<&str>,
        now: i64,
    ) -> Result<()> {
        scope.require(Permission::ReadCases)?;
        let rec = self.signal_row(id).await?.ok_or(StoreError::NotFound)?;
        if rec.org_id != scope.org_id || rec.status == "draft" {
            return Err(StoreError::NotFound);
        }
        self.require_case_reader(scope, assignee_id).await?;
        self.audit_read(scope, "assign", "signal", Some(id), Some(id), "triage", now)
            .await?;
        sqlx::query("UPDATE signals SET assignee_id = $1, updated_at = $2 WHERE id = $3")
            .bind(assignee_id)
            .bind(now)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Close a signal without follow-up, with the reason (never shown to its author).
    pub async fn no_follow_up(
        &self,
        scope: &Scope,
        id: &str,
        reason: &str,
        now: i64,
    ) -> Result<()> {
        scope.require(Permission::ReadCases)?;
        let rec = self.signal_row(id).await?.ok_or(StoreError::NotFound)?;
        if rec.org_id != scope.org_id || rec.status == "draft" {
            return Err(StoreError::NotFound);
        }
        self.audit_read(
            scope,
            "no_follow_up",
            "signal",
            Some(id),
            Some(id),
            "triage",
            now,
        )
        .await?;
        sqlx::query(
            "UPDATE signals SET status = 'handled', closed_reason = $1, updated_at = $2 WHERE id = $3",
        )
        .bind(reason)
        .bind(now)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Triage work goes only to someone of the organisation who may read cases (or to
    /// nobody); anyone else is `NotFound`, like a user that does not exist.
    pub(crate) async fn require_case_reader(
        &self,
        scope: &Scope,
        user: Option<&str>,
    ) -> Result<()> {
        let Some(user) = user else { return Ok(()) };
        let readers = self.case_readers(scope).await?;
        if readers.iter().any(|(u, _)| u == user) {
            Ok(())
        } else {
            Err(StoreError::NotFound)
        }
    }

    /// Users of the scope's organisation who may read cases: (id, display name).
    pub async fn case_readers(&self, scope: &Scope) -> Result<Vec<(String, String)>> {
        let rows = sqlx::query(
            "SELECT DISTINCT u.id, u.display_name FROM users u JOIN memberships m ON m.user_id = u.id \
             WHERE m.org_id = $1 AND u.disabled = 0 ORDER BY u.display_name",
        )
        .bind(&scope.org_id)
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::new();
        for row in &rows {
            let id: String = row.try_get("id")?;
            let roles: Vec<baken_domain::Role> = self
                .memberships(&id)
                .await?
                .into_iter()
                .filter(|m| m.org_id == scope.org_id)
                .map(|m| m.role)
                .collect();
            if baken_domain::role::any_grants(&roles, Permission::ReadCases) {
                out.push((id, row.try_get("display_name")?));
            }
        }
        Ok(out)
    }

    /// A submitted signal for its author or a case reader of its organisation. Audited.
    pub async fn signal(&self, scope: &Scope, id: &str, now: i64) -> Result<SignalRecord> {
        let rec = self.signal_row(id).await?.ok_or(StoreError::NotFound)?;
        let may_read = rec.org_id == scope.org_id
            && rec.status != "draft"
            && (rec.author_id == scope.user_id || scope.grants(Permission::ReadCases));
        if !may_read {
            return Err(StoreError::NotFound);
        }
        self.audit_read(scope, "read", "signal", Some(id), Some(id), "triage", now)
            .await?;
        Ok(rec)
    }

    /// Move a submitted signal to another status (case readers only). Audited.
    pub async fn set_signal_status(
        &self,
        scope: &Scope,
        id: &str,
        status: &str,
        now: i64,
    ) -> Result<()> {
        scope.require(Permission::ReadCases)?;
        if !SIGNAL_STATUSES.contains(&status) {
            return Err(StoreError::NotFound);
        }
        let rec = self.signal_row(id).await?.ok_or(StoreError::NotFound)?;
        if rec.org_id != scope.org_id || rec.status == "draft" {
            return Err(StoreError::NotFound);
        }
        self.audit_read(
            scope,
            &format!("status:{status}"),
            "signal",
            Some(id),
            Some(id),
            "triage",
            now,
        )
        .await?;
        sqlx::query("UPDATE signals SET status = $1, updated_at = $2 WHERE id = $3")
            .bind(status)
            .bind(now)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Create a personal API token; returns the token (shown once) and its id.
    pub async fn create_api_token(
        &self,
        scope: &Scope,
        name: &str,
        scopes: &[&str],
        now: i64,
    ) -> Result<(String, String)> {
        let id = new_id();
        let token = format!("bk_{}", random_token(32));
        sqlx::query(
            "INSERT INTO api_tokens (id, user_id, org_id, name, token_hash, scopes, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&id)
        .bind(&scope.user_id)
        .bind(&scope.org_id)
        .bind(name)
        .bind(sha256_hex(token.as_bytes()))
        .bind(scopes.join(" "))
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok((token, id))
    }

    /// The live token for a bearer value, or `None`.
    pub async fn api_token(&self, token: &str) -> Result<Option<ApiToken>> {
        let row = sqlx::query(
            "SELECT t.id, t.user_id, t.org_id, t.name, t.scopes FROM api_tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.token_hash = $1 AND t.revoked = 0 AND u.disabled = 0",
        )
        .bind(sha256_hex(token.as_bytes()))
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let scopes: String = row.try_get("scopes")?;
        Ok(Some(ApiToken {
            id: row.try_get("id")?,
            user_id: row.try_get("user_id")?,
            org_id: row.try_get("org_id")?,
            name: row.try_get("name")?,
            scopes: scopes.split_whitespace().map(str::to_string).collect(),
        }))
    }
}

/// `confirmed` or `rejected`.
pub const LINK_DECISIONS: &[&str] = &["confirmed", "rejected"];

fn ordered<'a>(a: &'a str, b: &'a str) -> (&'a str, &'a str) {
    if a <= b {
        (a, b)
    } else {
        (b, a)
    }
}

impl Store {
    /// Every submitted signal's fields, for building the in-memory link index at start.
    /// A system read inside the server (nothing leaves it), so not a user's audited read.
    pub async fn submitted_signals_for_index(
        &self,
    ) -> Result<Vec<(String, String, Vec<(String, String)>)>> {
        let rows = sqlx::query("SELECT id, org_id, fields FROM signals WHERE status <> 'draft' ORDER BY submitted_at, id")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                let fields: String = row.try_get("fields")?;
                Ok((
                    row.try_get("id")?,
                    row.try_get("org_id")?,
                    serde_json::from_str(&fields).unwrap_or_default(),
                ))
            })
            .collect()
    }

    /// Decisions about links of one signal the scope may read: (other signal, decision).
    pub async fn link_decisions(
        &self,
        scope: &Scope,
        signal_id: &str,
    ) -> Result<Vec<(String, String)>> {
        let rows = sqlx::query(
            "SELECT signal_a, signal_b, decision FROM link_decisions \
             WHERE org_id = $1 AND (signal_a = $2 OR signal_b = $2)",
        )
        .bind(&scope.org_id)
        .bind(signal_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let a: String = row.try_get("signal_a")?;
                let b: String = row.try_get("signal_b")?;
                let other = if a == signal_id { b } else { a };
                Ok((other, row.try_get("decision")?))
            })
            .collect()
    }

    /// Confirm or reject a suggested link, or undo (`None`). Both signals must be of the
    /// scope's organisation and readable as cases. Audited.
    pub async fn decide_link(
        &self,
        scope: &Scope,
        signal_id: &str,
        other_id: &str,
        decision: Option<&str>,
        now: i64,
    ) -> Result<()> {
        scope.require(Permission::ReadCases)?;
        if let Some(d) = decision {
            if !LINK_DECISIONS.contains(&d) {
                return Err(StoreError::NotFound);
            }
        }
        for id in [signal_id, other_id] {
            let rec = self.signal_row(id).await?.ok_or(StoreError::NotFound)?;
            if rec.org_id != scope.org_id || rec.status == "draft" {
                return Err(StoreError::NotFound);
            }
        }
        let (a, b) = ordered(signal_id, other_id);
        if a == b {
            return Err(StoreError::NotFound);
        }
        let action = format!("link:{}", decision.unwrap_or("undone"));
        self.audit_read(
            scope,
            &action,
            "signal_link",
            Some(&format!("{a}+{b}")),
            Some(signal_id),
            "linking",
            now,
        )
        .await?;
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM link_decisions WHERE signal_a = $1 AND signal_b = $2")
            .bind(a)
            .bind(b)
            .execute(&mut *tx)
            .await?;
        if let Some(d) = decision {
            sqlx::query(
                "INSERT INTO link_decisions (org_id, signal_a, signal_b, decision, decided_by, decided_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(&scope.org_id)
            .bind(a)
            .bind(b)
            .bind(d)
            .bind(&scope.user_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
