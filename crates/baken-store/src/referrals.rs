//! Referrals: a dossier handed to a partner with a snapshot of exactly the data chosen.
//!
//! The coordinator's side goes through the dossier (`visible_dossier`). A partner that uses
//! this Baken reads only the snapshot, and only of referrals addressed to its organisation
//! (`Permission::HandleReferrals`); it never reaches the dossier. Every step lands on the
//! dossier timeline and in the audit trail.

use crate::{new_id, DossierReferral, Result, Scope, Store, StoreError};
use baken_domain::dossier::{
    referral_status_after, REFERRAL_CATEGORIES, REFERRAL_CHANNELS, REFERRAL_OUTCOMES,
};
use baken_domain::Permission;
use sqlx::Row;

/// One chosen data category as it was when the referral was made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferralSection {
    pub category: String,
    pub lines: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferralMessage {
    pub at: i64,
    pub author: String,
    /// acknowledged, question, reply, outcome, sent
    pub kind: String,
    pub text: String,
}

/// What happened to a referral since it was made.
#[derive(Debug, Clone, Default)]
pub struct ReferralState {
    /// The receiving Baken organisation; `None` when a document is sent instead.
    pub partner_org_id: Option<String>,
    /// sent, acknowledged, answered
    pub status: String,
    pub outcome_kind: Option<String>,
    pub outcome: Option<String>,
    pub sent_channel: Option<String>,
    pub sent_on: Option<String>,
    pub sections: Vec<ReferralSection>,
    pub messages: Vec<ReferralMessage>,
}

/// A referral as the receiving partner sees it: the snapshot, never the dossier.
#[derive(Debug, Clone)]
pub struct IncomingReferral {
    pub id: String,
    pub from_org: String,
    pub contact: String,
    pub created_at: i64,
    pub state: ReferralState,
}

const REFERRAL_COLUMNS: &str = "r.id, r.dossier_id, r.contact_id, r.partner, r.contact, \
     r.categories, r.created_at, r.partner_org_id, r.snapshot, r.status, r.outcome_kind, \
     r.outcome, r.sent_channel, r.sent_on";

fn snapshot_json(sections: &[ReferralSection]) -> String {
    serde_json::Value::Array(
        sections
            .iter()
            .map(|s| serde_json::json!({ "category": s.category, "lines": s.lines }))
            .collect(),
    )
    .to_string()
}

fn snapshot_of(json: &str) -> Vec<ReferralSection> {
    let value: serde_json::Value = serde_json::from_str(json).unwrap_or_default();
    value
        .as_array()
        .map(|a| {
            a.iter()
                .map(|s| ReferralSection {
                    category: s["category"].as_str().unwrap_or_default().to_string(),
                    lines: s["lines"]
                        .as_array()
                        .map(|l| {
                            l.iter()
                                .filter_map(|x| x.as_str().map(str::to_string))
                                .collect()
                        })
                        .unwrap_or_default(),
                })
                .collect()
        })
        .unwrap_or_default()
}

fn referral_row(r: &sqlx::any::AnyRow) -> Result<DossierReferral> {
    Ok(DossierReferral {
        id: r.try_get("id")?,
        contact_id: r.try_get("contact_id")?,
        partner: r.try_get("partner")?,
        contact: r.try_get("contact")?,
        categories: r
            .try_get::<String, _>("categories")?
            .split_whitespace()
            .map(str::to_string)
            .collect(),
        created_at: r.try_get("created_at")?,
        state: ReferralState {
            partner_org_id: r.try_get("partner_org_id")?,
            status: r.try_get("status")?,
            outcome_kind: r.try_get("outcome_kind")?,
            outcome: r.try_get("outcome")?,
            sent_channel: r.try_get("sent_channel")?,
            sent_on: r.try_get("sent_on")?,
            sections: snapshot_of(&r.try_get::<String, _>("snapshot")?),
            messages: Vec::new(),
        },
    })
}

impl Store {
    async fn referral_messages(&self, referral_id: &str) -> Result<Vec<ReferralMessage>> {
        sqlx::query(
            "SELECT m.at, u.display_name, m.kind, m.text FROM referral_messages m \
             JOIN users u ON u.id = m.author_id WHERE m.referral_id = $1 ORDER BY m.at, m.id",
        )
        .bind(referral_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(ReferralMessage {
                at: r.try_get("at")?,
                author: r.try_get("display_name")?,
                kind: r.try_get("kind")?,
                text: r.try_get("text")?,
            })
        })
        .collect()
    }

    /// The referrals of a dossier the caller has already been allowed to see.
    pub(crate) async fn dossier_referrals(&self, dossier_id: &str) -> Result<Vec<DossierReferral>> {
        let mut out = self
            .dossier_rows(
                &format!(
                    "SELECT {REFERRAL_COLUMNS} FROM dossier_referrals r WHERE r.dossier_id = $1 \
                     ORDER BY r.created_at, r.id"
                ),
                dossier_id,
                referral_row,
            )
            .await?;
        for r in &mut out {
            r.state.messages = self.referral_messages(&r.id).await?;
        }
        Ok(out)
    }

    async fn referral_message(
        &self,
        referral_id: &str,
        author: &str,
        kind: &str,
        text: &str,
        now: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO referral_messages (id, referral_id, at, author_id, kind, text) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(new_id())
        .bind(referral_id)
        .bind(now)
        .bind(author)
        .bind(kind)
        .bind(text)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Refer the dossier to a contact point of the organisation's directory, storing a
    /// snapshot of exactly the chosen categories. None chosen, an unknown or a repeated
    /// category is `Conflict("categories")`; a contact point of another organisation is
    /// `NotFound`. When the contact point belongs to an organisation using Baken, the
    /// referral reaches that organisation's referral inbox.
    pub async fn refer_dossier(
        &self,
        scope: &Scope,
        id: &str,
        contact_id: &str,
        sections: &[ReferralSection],
        now: i64,
    ) -> Result<String> {
        self.visible_dossier(scope, id).await?;
        let contact = sqlx::query(
            "SELECT partner, name, partner_org_id FROM contact_points WHERE id = $1 AND org_id = $2",
        )
        .bind(contact_id)
        .bind(&scope.org_id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        let categories: Vec<&str> = sections.iter().map(|s| s.category.as_str()).collect();
        let repeated = categories
            .iter()
            .enumerate()
            .any(|(i, c)| categories[..i].contains(c));
        if categories.is_empty()
            || repeated
            || categories.iter().any(|c| !REFERRAL_CATEGORIES.contains(c))
        {
            return Err(StoreError::Conflict("categories"));
        }
        let partner: String = contact.try_get("partner")?;
        let name: String = contact.try_get("name")?;
        let partner_org: Option<String> = contact.try_get("partner_org_id")?;
        self.audit_dossier(scope, "refer", id, now).await?;
        let row_id = new_id();
        sqlx::query(
            "INSERT INTO dossier_referrals (id, dossier_id, contact_id, partner, contact, categories, \
             created_by, created_at, partner_org_id, org_id, snapshot, status) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'sent')",
        )
        .bind(&row_id)
        .bind(id)
        .bind(contact_id)
        .bind(&partner)
        .bind(&name)
        .bind(categories.join(" "))
        .bind(&scope.user_id)
        .bind(now)
        .bind(&partner_org)
        .bind(&scope.org_id)
        .bind(snapshot_json(sections))
        .execute(&self.pool)
        .await?;
        self.event(
            id,
            &scope.user_id,
            "referred",
            &format!("{partner} — {name}: {}", categories.join(", ")),
            now,
        )
        .await?;
        Ok(row_id)
    }

    /// One referral of a dossier the scope may see.
    async fn dossier_referral(
        &self,
        scope: &Scope,
        dossier_id: &str,
        referral_id: &str,
    ) -> Result<DossierReferral> {
        self.visible_dossier(scope, dossier_id).await?;
        self.dossier_referrals(dossier_id)
            .await?
            .into_iter()
            .find(|r| r.id == referral_id)
            .ok_or(StoreError::NotFound)
    }

    /// Record how and when the document of a referral to a partner outside Baken was
    /// sent. An unknown channel is `Conflict("channel")`; a referral that went to a Baken
    /// inbox is `Conflict("inbox")`.
    pub async fn record_referral_sent(
        &self,
        scope: &Scope,
        dossier_id: &str,
        referral_id: &str,
        channel: &str,
        date: &str,
        now: i64,
    ) -> Result<()> {
        let r = self
            .dossier_referral(scope, dossier_id, referral_id)
            .await?;
        if !REFERRAL_CHANNELS.contains(&channel) {
            return Err(StoreError::Conflict("channel"));
        }
        if r.state.partner_org_id.is_some() {
            return Err(StoreError::Conflict("inbox"));
        }
        self.audit_dossier(scope, "referral_sent", dossier_id, now)
            .await?;
        sqlx::query(
            "UPDATE dossier_referrals SET sent_channel = $1, sent_on = $2 WHERE id = $3 AND dossier_id = $4",
        )
        .bind(channel)
        .bind(date)
        .bind(referral_id)
        .bind(dossier_id)
        .execute(&self.pool)
        .await?;
        let text = format!("{} — {channel}, {date}", r.partner);
        self.referral_message(referral_id, &scope.user_id, "sent", &text, now)
            .await?;
        self.event(dossier_id, &scope.user_id, "referral_sent", &text, now)
            .await
    }

    /// The coordinator answers the partner's question (from the dossier page).
    pub async fn reply_to_referral(
        &self,
        scope: &Scope,
        dossier_id: &str,
        referral_id: &str,
        text: &str,
        now: i64,
    ) -> Result<()> {
        let r = self
            .dossier_referral(scope, dossier_id, referral_id)
            .await?;
        if r.state.partner_org_id.is_none() {
            return Err(StoreError::Conflict("inbox"));
        }
        self.audit_dossier(scope, "referral_reply", dossier_id, now)
            .await?;
        self.referral_message(referral_id, &scope.user_id, "reply", text, now)
            .await?;
        self.event(
            dossier_id,
            &scope.user_id,
            "referral_reply",
            &format!("{}: {text}", r.partner),
            now,
        )
        .await
    }

    /// The referrals addressed to the scope's organisation, newest first. Audited.
    pub async fn referral_inbox(&self, scope: &Scope, now: i64) -> Result<Vec<IncomingReferral>> {
        scope.require(Permission::HandleReferrals)?;
        self.audit_read(
            scope,
            "list",
            "referral",
            None,
            None,
            "referral handling",
            now,
        )
        .await?;
        let rows = sqlx::query(&format!(
            "SELECT {REFERRAL_COLUMNS}, o.name AS from_org FROM dossier_referrals r \
             JOIN organisations o ON o.id = r.org_id \
             WHERE r.partner_org_id = $1 ORDER BY r.created_at DESC, r.id LIMIT 500"
        ))
        .bind(&scope.org_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let r = referral_row(row)?;
                Ok(IncomingReferral {
                    id: r.id,
                    from_org: row.try_get("from_org")?,
                    contact: r.contact,
                    created_at: r.created_at,
                    state: r.state,
                })
            })
            .collect()
    }

    /// One referral addressed to the scope's organisation: the snapshot and the
    /// conversation. Anything else is `NotFound`. Audited.
    pub async fn incoming_referral(
        &self,
        scope: &Scope,
        id: &str,
        now: i64,
    ) -> Result<IncomingReferral> {
        let (r, from_org, _) = self.addressed_referral(scope, id).await?;
        self.audit_read(
            scope,
            "read",
            "referral",
            Some(id),
            Some(id),
            "referral handling",
            now,
        )
        .await?;
        let messages = self.referral_messages(id).await?;
        Ok(IncomingReferral {
            id: r.id,
            from_org,
            contact: r.contact,
            created_at: r.created_at,
            state: ReferralState {
                messages,
                ..r.state
            },
        })
    }

    /// The referral, its sender's name and its dossier, if addressed to the scope's
    /// organisation. The single access check of the partner side.
    async fn addressed_referral(
        &self,
        scope: &Scope,
        id: &str,
    ) -> Result<(DossierReferral, String, String)> {
        scope.require(Permission::HandleReferrals)?;
        let row = sqlx::query(&format!(
            "SELECT {REFERRAL_COLUMNS}, o.name AS from_org FROM dossier_referrals r \
             JOIN organisations o ON o.id = r.org_id WHERE r.id = $1 AND r.partner_org_id = $2"
        ))
        .bind(id)
        .bind(&scope.org_id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        Ok((
            referral_row(&row)?,
            row.try_get("from_org")?,
            row.try_get("dossier_id")?,
        ))
    }

    /// The partner acknowledges, asks a question or answers with an outcome (`step` is
    /// `acknowledged`, `question` or `outcome`). A step the referral's state does not
    /// allow is `Conflict("step")`; an outcome needs a known kind and a text
    /// (`Conflict("outcome")`), a question a text (`Conflict("text")`). An outcome marks
    /// the dossier's signals handled, which is what their authors see.
    pub async fn referral_step(
        &self,
        scope: &Scope,
        id: &str,
        step: &str,
        text: &str,
        outcome_kind: &str,
        now: i64,
    ) -> Result<()> {
        let (r, _, dossier_id) = self.addressed_referral(scope, id).await?;
        let Some(status) = referral_status_after(&r.state.status, step) else {
            return Err(StoreError::Conflict("step"));
        };
        let text = text.trim();
        if step == "outcome" && (!REFERRAL_OUTCOMES.contains(&outcome_kind) || text.is_empty()) {
            return Err(StoreError::Conflict("outcome"));
        }
        if step == "question" && text.is_empty() {
            return Err(StoreError::Conflict("text"));
        }
        self.audit_read(
            scope,
            &format!("referral:{step}"),
            "referral",
            Some(id),
            Some(id),
            "referral handling",
            now,
        )
        .await?;
        if step == "outcome" {
            sqlx::query(
                "UPDATE dossier_referrals SET status = $1, outcome_kind = $2, outcome = $3 WHERE id = $4",
            )
            .bind(status)
            .bind(outcome_kind)
            .bind(text)
            .bind(id)
            .execute(&self.pool)
            .await?;
            sqlx::query(
                "UPDATE signals SET status = 'handled', updated_at = $1 WHERE dossier_id = $2",
            )
            .bind(now)
            .bind(&dossier_id)
            .execute(&self.pool)
            .await?;
        } else {
            sqlx::query("UPDATE dossier_referrals SET status = $1 WHERE id = $2")
                .bind(status)
                .bind(id)
                .execute(&self.pool)
                .await?;
        }
        let message = if step == "outcome" {
            format!("{outcome_kind}: {text}")
        } else {
            text.to_string()
        };
        self.referral_message(id, &scope.user_id, step, &message, now)
            .await?;
        let event = if message.is_empty() {
            r.partner.clone()
        } else {
            format!("{}: {message}", r.partner)
        };
        self.event(
            &dossier_id,
            &scope.user_id,
            &format!("referral_{step}"),
            &event,
            now,
        )
        .await
    }
}
