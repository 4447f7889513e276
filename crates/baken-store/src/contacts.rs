//! The contact-point directory: partner organisations and named contact points of one
//! organisation, replaced as a whole by an import (all-or-nothing), read by its case
//! readers and administrators. Reads and imports are audited.

use crate::{new_id, Result, Scope, Store};
use baken_domain::contacts::ContactPoint;
use baken_domain::Permission;
use sqlx::Row;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredContact {
    pub id: String,
    pub partner: String,
    pub name: String,
    pub country: String,
    pub region: String,
    pub phenomena: Vec<String>,
    pub phone: String,
    pub email: String,
    pub address: String,
    pub hours: String,
    /// The Baken organisation the contact point belongs to, when the partner uses Baken.
    pub partner_org_id: Option<String>,
}

impl Store {
    /// Replace the directory of `org_id` by `rows`, in one transaction. The caller has
    /// authorised and audited (the CLI and the seed); web callers use [`Store::import_contacts`].
    /// A row's `organisation` names a Baken organisation; an unknown one is `NotFound`
    /// (the parser has already checked the names, so this only guards against a race).
    pub async fn replace_contacts(
        &self,
        org_id: &str,
        rows: &[ContactPoint],
        now: i64,
    ) -> Result<usize> {
        let mut partner_orgs = Vec::with_capacity(rows.len());
        for c in rows {
            partner_orgs.push(if c.organisation.is_empty() {
                None
            } else {
                Some(self.org_by_name(&c.organisation).await?.id)
            });
        }
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM contact_points WHERE org_id = $1")
            .bind(org_id)
            .execute(&mut *tx)
            .await?;
        for (c, partner_org) in rows.iter().zip(&partner_orgs) {
            sqlx::query(
                "INSERT INTO contact_points (id, org_id, partner, name, country, region, phenomena, phone, email, address, hours, created_at, partner_org_id) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
            )
            .bind(new_id())
            .bind(org_id)
            .bind(&c.partner)
            .bind(&c.name)
            .bind(c.country.as_str())
            .bind(&c.region)
            .bind(c.phenomena.join(" "))
            .bind(&c.phone)
            .bind(&c.email)
            .bind(&c.address)
            .bind(&c.hours)
            .bind(now)
            .bind(partner_org)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(rows.len())
    }

    /// How many contact points `org_id` has (for operators; no personal data).
    pub async fn contact_count(&self, org_id: &str) -> Result<i64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM contact_points WHERE org_id = $1")
            .bind(org_id)
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get("n")?)
    }

    /// An administrator replaces the organisation's directory. Audited.
    pub async fn import_contacts(
        &self,
        scope: &Scope,
        rows: &[ContactPoint],
        now: i64,
    ) -> Result<usize> {
        scope.require(Permission::ManageDirectory)?;
        self.audit_read(
            scope,
            &format!("import:{}", rows.len()),
            "directory",
            None,
            None,
            "directory maintenance",
            now,
        )
        .await?;
        self.replace_contacts(&scope.org_id, rows, now).await
    }

    /// The organisation's directory, by country, region and partner. Audited.
    pub async fn contacts(&self, scope: &Scope, now: i64) -> Result<Vec<StoredContact>> {
        scope.require(Permission::ReadDirectory)?;
        self.audit_read(
            scope,
            "list",
            "directory",
            None,
            None,
            "finding a partner",
            now,
        )
        .await?;
        let rows = sqlx::query(
            "SELECT id, partner, name, country, region, phenomena, phone, email, address, hours, partner_org_id \
             FROM contact_points WHERE org_id = $1 ORDER BY country, region, partner, name, id LIMIT 5000",
        )
        .bind(&scope.org_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(StoredContact {
                    id: r.try_get("id")?,
                    partner: r.try_get("partner")?,
                    name: r.try_get("name")?,
                    country: r.try_get("country")?,
                    region: r.try_get("region")?,
                    phenomena: r
                        .try_get::<String, _>("phenomena")?
                        .split_whitespace()
                        .map(str::to_string)
                        .collect(),
                    phone: r.try_get("phone")?,
                    email: r.try_get("email")?,
                    address: r.try_get("address")?,
                    hours: r.try_get("hours")?,
                    partner_org_id: r.try_get("partner_org_id")?,
                })
            })
            .collect()
    }
}
