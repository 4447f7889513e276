//! The knowledge-sharing space of the learning platform: experiences (anonymised case
//! stories), questions and their answers, trend bulletins and instruments.
//!
//! Who may read a post is decided here, in SQL: the author's organisation always, and,
//! when the post was addressed to the region, every organisation of that region. A region
//! is a regional centre (RIEC/ARIEC) with the organisations attached to it in
//! `region_members`; the region a post goes to is fixed when it is posted. Anything else
//! is `NotFound`. Creation is audited before the post is written. The personal-data
//! check runs in the web layer before a post reaches the store; an author's override of
//! its warnings is kept on the post and in the audit record.

use crate::{new_id, Result, Scope, Store, StoreError};
use baken_domain::{OrgKind, Permission, Role};
use sqlx::Row;

/// What a post is.
pub const POST_KINDS: [&str; 5] = ["experience", "question", "answer", "bulletin", "instrument"];

/// A post as its author wrote it.
#[derive(Debug, Clone)]
pub struct NewPost<'a> {
    pub kind: &'a str,
    /// Addressed to the whole region (ignored for answers, which follow their question,
    /// and for bulletins, which always go to the region).
    pub to_region: bool,
    /// The question an answer belongs to.
    pub parent_id: Option<&'a str>,
    pub title: &'a str,
    pub body: &'a str,
    pub link: &'a str,
    /// The author publishes despite the personal-data checker's warnings.
    pub privacy_override: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Post {
    pub id: String,
    pub org_id: String,
    pub org_name: String,
    /// The regional centre whose region may read the post; `None`: the organisation only.
    pub region_id: Option<String>,
    pub author: String,
    pub author_is_trainer: bool,
    pub kind: String,
    pub parent_id: Option<String>,
    pub title: String,
    pub body: String,
    pub link: String,
    pub privacy_override: bool,
    pub created_at: i64,
}

const SELECT: &str = "SELECT p.id, p.org_id, o.name AS org_name, p.region_id, \
     u.display_name, p.author_is_trainer, p.kind, p.parent_id, p.title, p.body, p.link, \
     p.privacy_override, p.created_at \
     FROM learning_posts p JOIN users u ON u.id = p.author_id \
     JOIN organisations o ON o.id = p.org_id";

/// The one visibility rule: the author's organisation, or the region it was sent to.
/// `$1` is the reader's organisation, `$2` the reader's region ('' for none).
const VISIBLE: &str = "(p.org_id = $1 OR (p.region_id IS NOT NULL AND p.region_id = $2))";

fn post(row: &sqlx::any::AnyRow) -> Result<Post> {
    Ok(Post {
        id: row.try_get("id")?,
        org_id: row.try_get("org_id")?,
        org_name: row.try_get("org_name")?,
        region_id: row.try_get("region_id")?,
        author: row.try_get("display_name")?,
        author_is_trainer: row.try_get::<i64, _>("author_is_trainer")? != 0,
        kind: row.try_get("kind")?,
        parent_id: row.try_get("parent_id")?,
        title: row.try_get("title")?,
        body: row.try_get("body")?,
        link: row.try_get("link")?,
        privacy_override: row.try_get::<i64, _>("privacy_override")? != 0,
        created_at: row.try_get("created_at")?,
    })
}

impl Store {
    /// Attach an organisation to the region of regional centre `centre_id` (system
    /// administration: first start, demo seed, tests). `NotFound` unless `centre_id` is
    /// a regional centre and `org_id` is not one.
    pub async fn set_org_region(&self, org_id: &str, centre_id: &str) -> Result<()> {
        if self.org_kind(centre_id).await? != OrgKind::RegionalCentre
            || self.org_kind(org_id).await? == OrgKind::RegionalCentre
        {
            return Err(StoreError::NotFound);
        }
        // One transaction: a failure never leaves the organisation without its region.
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM region_members WHERE org_id = $1")
            .bind(org_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO region_members (org_id, centre_id) VALUES ($1, $2)")
            .bind(org_id)
            .bind(centre_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn org_kind(&self, org_id: &str) -> Result<OrgKind> {
        let row = sqlx::query("SELECT kind FROM organisations WHERE id = $1")
            .bind(org_id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        OrgKind::parse(&row.try_get::<String, _>("kind")?).ok_or(StoreError::NotFound)
    }

    /// The region (its regional centre's id) the organisation belongs to, if any.
    pub async fn org_region(&self, org_id: &str) -> Result<Option<String>> {
        if self.org_kind(org_id).await? == OrgKind::RegionalCentre {
            return Ok(Some(org_id.to_string()));
        }
        let row = sqlx::query("SELECT centre_id FROM region_members WHERE org_id = $1")
            .bind(org_id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| r.try_get("centre_id"))
            .transpose()
            .map_err(StoreError::from)
    }

    /// Whether the acting organisation is a regional centre (only they post bulletins).
    pub async fn acts_for_regional_centre(&self, scope: &Scope) -> Result<bool> {
        Ok(self.org_kind(&scope.org_id).await? == OrgKind::RegionalCentre)
    }

    /// Publish a post; returns its id. Answers go to a question the caller can read and
    /// reach the same readers; bulletins come from regional centres only. Audited first.
    pub async fn create_post(&self, scope: &Scope, new: &NewPost<'_>, now: i64) -> Result<String> {
        scope.require(Permission::UseApplication)?;
        if !POST_KINDS.contains(&new.kind) {
            return Err(StoreError::NotFound);
        }
        let own_region = self.org_region(&scope.org_id).await?;
        let (region_id, parent_id) = match (new.kind, new.parent_id) {
            ("answer", Some(parent)) => {
                let question = self.visible_post(scope, parent).await?;
                if question.kind != "question" {
                    return Err(StoreError::NotFound);
                }
                (question.region_id, Some(question.id))
            }
            ("answer", None) | (_, Some(_)) => return Err(StoreError::NotFound),
            ("bulletin", None) => {
                if !self.acts_for_regional_centre(scope).await? {
                    return Err(StoreError::NotFound);
                }
                (own_region, None)
            }
            (_, None) => (own_region.filter(|_| new.to_region), None),
        };
        let id = new_id();
        let purpose = if new.privacy_override {
            "knowledge sharing; personal-data warning overridden by the author"
        } else {
            "knowledge sharing"
        };
        self.audit_read(
            scope,
            &format!("create:{}", new.kind),
            "learning_post",
            Some(&id),
            None,
            purpose,
            now,
        )
        .await?;
        sqlx::query(
            "INSERT INTO learning_posts (id, org_id, region_id, author_id, author_is_trainer, \
             kind, parent_id, title, body, link, privacy_override, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(&id)
        .bind(&scope.org_id)
        .bind(region_id)
        .bind(&scope.user_id)
        .bind(i64::from(scope.roles.contains(&Role::Trainer)))
        .bind(new.kind)
        .bind(parent_id)
        .bind(new.title)
        .bind(new.body)
        .bind(new.link)
        .bind(i64::from(new.privacy_override))
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(id)
    }

    async fn reader_region(&self, scope: &Scope) -> Result<String> {
        scope.require(Permission::UseApplication)?;
        Ok(self.org_region(&scope.org_id).await?.unwrap_or_default())
    }

    async fn visible_post(&self, scope: &Scope, id: &str) -> Result<Post> {
        let region = self.reader_region(scope).await?;
        let row = sqlx::query(&format!("{SELECT} WHERE p.id = $3 AND {VISIBLE}"))
            .bind(&scope.org_id)
            .bind(&region)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        post(&row)
    }

    /// The posts the caller may read, answers left out, newest first.
    pub async fn shared_posts(&self, scope: &Scope) -> Result<Vec<Post>> {
        let region = self.reader_region(scope).await?;
        let rows = sqlx::query(&format!(
            "{SELECT} WHERE p.parent_id IS NULL AND {VISIBLE} \
             ORDER BY p.created_at DESC, p.id LIMIT 500"
        ))
        .bind(&scope.org_id)
        .bind(&region)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(post).collect()
    }

    /// One post the caller may read, with its answers (oldest first); `NotFound` otherwise.
    pub async fn shared_post(&self, scope: &Scope, id: &str) -> Result<(Post, Vec<Post>)> {
        let found = self.visible_post(scope, id).await?;
        let region = self.reader_region(scope).await?;
        let rows = sqlx::query(&format!(
            "{SELECT} WHERE p.parent_id = $3 AND {VISIBLE} ORDER BY p.created_at, p.id"
        ))
        .bind(&scope.org_id)
        .bind(&region)
        .bind(&found.id)
        .fetch_all(&self.pool)
        .await?;
        let answers = rows.iter().map(post).collect::<Result<_>>()?;
        Ok((found, answers))
    }
}
