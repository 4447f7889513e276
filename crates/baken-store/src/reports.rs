//! Anonymous reports from the public channel, with a follow-up thread the reporter reaches
//! with a 16-digit receipt.
//!
//! What is stored, and why it is safe:
//! - **Receipt**: 16 random digits from the OS (≈53 bits). Only an argon2id hash is kept,
//!   plus a *lookup bucket*: the first 24 bits of HMAC-SHA256(server lookup key, receipt).
//!   The bucket finds the few candidate rows to verify with argon2 (so a lookup is not a
//!   scan), but says nothing about the receipt without the server key, which lives in the
//!   configuration and never in the database. Even with the key and a dump, 24 bits leave
//!   ≈6·10⁸ receipts per bucket, each costing one argon2 evaluation to test.
//! - **Content**: each report has its own random 256-bit data key; content and every
//!   message are sealed with XChaCha20-Poly1305 (RustCrypto), random 192-bit nonces, the
//!   report id (and message number) as associated data so ciphertexts cannot be moved
//!   between rows. The data key is stored only wrapped (sealed) by the receiving
//!   organisation's key. Clearing the wrapped key ([`Store::shred_report`]) makes the
//!   report unreadable everywhere the ciphertext went (crypto-shredding).
//! - **Time**: the public side writes days (`YYYY-MM-DD`), never instants, and no audit
//!   record (whose time is exact) is written for the reporter's actions. Analysts' reads
//!   and writes go through a [`Scope`] and are audited like signals.

use crate::{new_id, verify_password, Result, Scope, Store, StoreError};
use baken_domain::Permission;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use rand::rngs::OsRng;
use rand::{Rng, RngCore};
use sha2::Sha256;
use sqlx::Row;
use zeroize::{Zeroize, Zeroizing};

pub const RECEIPT_DIGITS: usize = 16;
pub const REPORT_STATUSES: &[&str] = &["received", "in_progress", "handled"];
/// Longest report content or message accepted (characters of the plaintext).
pub const REPORT_TEXT_MAX: usize = 64 * 1024;

/// The server's report key material, from the configuration. Organisation keys and the
/// lookup key are derived from one master key with HMAC-SHA256 under distinct labels, so
/// each organisation's reports are wrapped by a key of its own.
#[derive(Clone)]
pub struct ReportKeys {
    master: [u8; 32],
}

impl Drop for ReportKeys {
    fn drop(&mut self) {
        self.master.zeroize();
    }
}

impl std::fmt::Debug for ReportKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ReportKeys(…)")
    }
}

fn hmac(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    // HMAC accepts keys of any length; this cannot fail.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("hmac key");
    for p in parts {
        mac.update(&(p.len() as u64).to_be_bytes());
        mac.update(p);
    }
    mac.finalize().into_bytes().into()
}

impl ReportKeys {
    pub fn from_bytes(master: [u8; 32]) -> ReportKeys {
        ReportKeys { master }
    }

    /// 64 hex digits (e.g. `BAKEN_REPORT_KEY`).
    pub fn from_hex(hex_key: &str) -> Option<ReportKeys> {
        let bytes = hex::decode(hex_key.trim()).ok()?;
        let master: [u8; 32] = bytes.try_into().ok()?;
        Some(ReportKeys { master })
    }

    /// A fresh random key held only in memory (tests; a server without a configured key).
    pub fn ephemeral() -> ReportKeys {
        let mut master = [0u8; 32];
        OsRng.fill_bytes(&mut master);
        ReportKeys { master }
    }

    /// The key that seals TOTP secrets at rest: derived from the same master key, for
    /// another purpose, so one configured secret protects both.
    pub fn totp_sealing_key(&self) -> [u8; 32] {
        hmac(&self.master, &[b"baken totp secrets v1"])
    }

    fn org_key(&self, org_id: &str) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(hmac(
            &self.master,
            &[b"baken report org key v1", org_id.as_bytes()],
        ))
    }

    /// The lookup bucket of a receipt: 24 bits of a keyed hash, hex.
    fn lookup(&self, receipt: &str) -> String {
        let lookup_key = hmac(&self.master, &[b"baken report lookup key v1"]);
        let tag = hmac(&lookup_key, &[receipt.as_bytes()]);
        hex::encode(&tag[..3])
    }
}

/// 16 digits, each uniform from the OS random source.
pub fn generate_receipt() -> String {
    let mut rng = OsRng;
    (0..RECEIPT_DIGITS)
        .map(|_| char::from(b'0' + rng.gen_range(0..10u8)))
        .collect()
}

/// The receipt as typed (spaces, dashes and dots allowed between digits), or `None`.
pub fn normalise_receipt(input: &str) -> Option<String> {
    let digits: String = input
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '.' | '\u{a0}'))
        .collect();
    (digits.len() == RECEIPT_DIGITS && digits.bytes().all(|b| b.is_ascii_digit())).then_some(digits)
}

/// Seal `plain` under `key`: hex(nonce || ciphertext).
pub(crate) fn seal(key: &[u8; 32], aad: &str, plain: &[u8]) -> Result<String> {
    let cipher = XChaCha20Poly1305::new(key.into());
    let mut nonce = [0u8; 24];
    OsRng.fill_bytes(&mut nonce);
    let sealed = cipher
        .encrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: plain,
                aad: aad.as_bytes(),
            },
        )
        .map_err(|_| crypto_error("seal"))?;
    let mut out = nonce.to_vec();
    out.extend_from_slice(&sealed);
    Ok(hex::encode(out))
}

pub(crate) fn open(key: &[u8; 32], aad: &str, sealed_hex: &str) -> Result<Vec<u8>> {
    let bytes = hex::decode(sealed_hex).map_err(|_| crypto_error("decode"))?;
    if bytes.len() < 24 {
        return Err(crypto_error("short"));
    }
    let (nonce, sealed) = bytes.split_at(24);
    XChaCha20Poly1305::new(key.into())
        .decrypt(
            XNonce::from_slice(nonce),
            Payload {
                msg: sealed,
                aad: aad.as_bytes(),
            },
        )
        .map_err(|_| crypto_error("open"))
}

pub(crate) fn crypto_error(what: &str) -> StoreError {
    StoreError::Database(sqlx::Error::Decode(
        format!("report ciphertext failed to {what}").into(),
    ))
}

fn is_crypto_error(e: &StoreError) -> bool {
    matches!(e, StoreError::Database(sqlx::Error::Decode(d)) if d.to_string().starts_with("report ciphertext"))
}

pub(crate) fn text(bytes: Vec<u8>) -> Result<String> {
    String::from_utf8(bytes).map_err(|_| crypto_error("decode text"))
}

/// One message of a report's thread.
#[derive(Debug, Clone)]
pub struct ReportMessage {
    pub seq: i64,
    /// `reporter`, `question` or `note`.
    pub kind: String,
    pub body: String,
    pub created_on: String,
}

/// A report as its organisation's analysts read it (notes included).
#[derive(Debug, Clone)]
pub struct ReportRecord {
    pub id: String,
    pub org_id: String,
    pub lang: String,
    pub status: String,
    pub content: String,
    pub created_on: String,
    pub updated_on: String,
    pub messages: Vec<ReportMessage>,
    /// The sequence numbers of its photos (read one with [`Store::report_photo`]).
    pub photos: Vec<i64>,
    /// Triage, as for signals: who took it up, why it needs no follow-up (never shown to
    /// the reporter), the dossier it is part of.
    pub assignee_id: Option<String>,
    pub closed_reason: Option<String>,
    pub dossier_id: Option<String>,
    /// Place in the inbox order (`baken_domain::triage`): a normal item of its day.
    pub triage_rank: i64,
}

/// Place of a report in the inbox order: reports carry no urgency and only a day.
fn report_rank(created_on: &str) -> i64 {
    baken_domain::triage::triage_rank(
        false,
        "normal",
        baken_domain::triage::day_start(created_on).unwrap_or(0),
    )
}

/// Which page of the inbox's reports, narrowed as far as the database can (the reading
/// needs the decrypted content, so the caller narrows by level).
#[derive(Debug, Clone, Default)]
pub struct ReportInboxFilter<'a> {
    pub status: &'a str,
    /// A user id, `none` for unassigned, or `None` for anyone.
    pub assignee: Option<&'a str>,
    /// Start after this item (the first page for `None`).
    pub after: Option<&'a crate::InboxCursor>,
    /// Rows wanted.
    pub limit: usize,
}

/// Proof that the holder typed the right receipt: only the store makes one.
pub struct ReceiptAccess {
    report_id: String,
    data_key: [u8; 32],
}

impl Drop for ReceiptAccess {
    fn drop(&mut self) {
        self.data_key.zeroize();
    }
}

/// What the reporter sees with their receipt: never the internal notes.
pub struct PublicReport {
    pub access: ReceiptAccess,
    pub lang: String,
    pub content: String,
    pub created_on: String,
    pub messages: Vec<ReportMessage>,
}

/// Touch the report first — this serialises appends to one report on both backends —
/// then return the last sequence number in `table` (`report_messages` or `report_photos`).
async fn touch_report(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    id: &str,
    today: &str,
    table: &'static str,
) -> Result<i64> {
    sqlx::query("UPDATE reports SET updated_on = $1 WHERE id = $2")
        .bind(today)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    let row = sqlx::query(&format!(
        "SELECT COALESCE(MAX(seq), 0) AS n FROM {table} WHERE report_id = $1"
    ))
    .bind(id)
    .fetch_one(&mut **tx)
    .await?;
    Ok(row.try_get("n")?)
}

/// Seal and insert photos numbered after `last`, inside the caller's transaction.
async fn insert_photos(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    id: &str,
    key: &[u8; 32],
    last: i64,
    photos: &[Vec<u8>],
    today: &str,
) -> Result<()> {
    for (n, photo) in photos.iter().enumerate() {
        let seq = last + 1 + n as i64;
        let sealed = seal(key, &format!("photo:{id}:{seq}"), photo)?;
        sqlx::query(
            "INSERT INTO report_photos (report_id, seq, media_type, body, created_on) \
             VALUES ($1, $2, 'image/jpeg', $3, $4)",
        )
        .bind(id)
        .bind(seq)
        .bind(sealed)
        .bind(today)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

impl Store {
    /// Store a new report for `org_id`; returns the report id and the receipt, which is
    /// shown once and never stored. `today` is `YYYY-MM-DD`.
    pub async fn create_report(
        &self,
        keys: &ReportKeys,
        org_id: &str,
        lang: &str,
        content: &str,
        today: &str,
    ) -> Result<(String, String)> {
        self.create_report_with_photos(keys, org_id, lang, content, &[], today)
            .await
    }

    /// As [`Store::create_report`], with photos (already stripped of metadata by the
    /// caller), all sealed under the report's data key in one transaction.
    pub async fn create_report_with_photos(
        &self,
        keys: &ReportKeys,
        org_id: &str,
        lang: &str,
        content: &str,
        photos: &[Vec<u8>],
        today: &str,
    ) -> Result<(String, String)> {
        let id = new_id();
        let receipt = generate_receipt();
        let mut data_key = Zeroizing::new([0u8; 32]);
        OsRng.fill_bytes(data_key.as_mut_slice());
        let wrapped = seal(
            &keys.org_key(org_id),
            &format!("wrap:{id}:{org_id}"),
            data_key.as_slice(),
        )?;
        let sealed = seal(&data_key, &format!("content:{id}"), content.as_bytes())?;
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO reports (id, org_id, lookup, receipt_hash, wrapped_key, content, lang, status, created_on, updated_on, triage_rank) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'received', $8, $8, $9)",
        )
        .bind(&id)
        .bind(org_id)
        .bind(keys.lookup(&receipt))
        .bind(crate::hash_password(&receipt))
        .bind(wrapped)
        .bind(sealed)
        .bind(lang)
        .bind(today)
        .bind(report_rank(today))
        .execute(&mut *tx)
        .await?;
        insert_photos(&mut tx, &id, &data_key, 0, photos, today).await?;
        tx.commit().await?;
        Ok((id, receipt))
    }

    /// The reporter adds photos on the follow-up page.
    pub async fn add_reporter_photos(
        &self,
        access: &ReceiptAccess,
        photos: &[Vec<u8>],
        today: &str,
    ) -> Result<()> {
        let id = &access.report_id;
        let mut tx = self.pool.begin().await?;
        let last = touch_report(&mut tx, id, today, "report_photos").await?;
        insert_photos(&mut tx, id, &access.data_key, last, photos, today).await?;
        tx.commit().await?;
        Ok(())
    }

    /// One photo of a report, decrypted, for its organisation's case readers. Audited.
    pub async fn report_photo(
        &self,
        scope: &Scope,
        keys: &ReportKeys,
        id: &str,
        seq: i64,
        now: i64,
    ) -> Result<(String, Vec<u8>)> {
        self.owned(scope, id).await?;
        let row = sqlx::query(
            "SELECT media_type, body FROM report_photos WHERE report_id = $1 AND seq = $2",
        )
        .bind(id)
        .bind(seq)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        self.audit_read(
            scope,
            &format!("read:photo:{seq}"),
            "report",
            Some(id),
            Some(id),
            "triage",
            now,
        )
        .await?;
        let key = self.data_key(keys, id).await?;
        let body: String = row.try_get("body")?;
        let bytes = open(&key, &format!("photo:{id}:{seq}"), &body)?;
        Ok((row.try_get("media_type")?, bytes))
    }

    async fn data_key(&self, keys: &ReportKeys, id: &str) -> Result<Zeroizing<[u8; 32]>> {
        let row = sqlx::query("SELECT org_id, wrapped_key FROM reports WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        let org_id: String = row.try_get("org_id")?;
        let wrapped: Option<String> = row.try_get("wrapped_key")?;
        // Shredded: as gone as a report that never was.
        let wrapped = wrapped.ok_or(StoreError::NotFound)?;
        let key = open(
            &keys.org_key(&org_id),
            &format!("wrap:{id}:{org_id}"),
            &wrapped,
        )?;
        let key = Zeroizing::new(key);
        let array: [u8; 32] = key
            .as_slice()
            .try_into()
            .map_err(|_| crypto_error("unwrap"))?;
        Ok(Zeroizing::new(array))
    }

    async fn photo_seqs(&self, id: &str) -> Result<Vec<i64>> {
        let rows = sqlx::query("SELECT seq FROM report_photos WHERE report_id = $1 ORDER BY seq")
            .bind(id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|r| Ok(r.try_get("seq")?)).collect()
    }

    async fn messages(&self, id: &str, key: &[u8; 32], notes: bool) -> Result<Vec<ReportMessage>> {
        let rows = sqlx::query(
            "SELECT seq, kind, body, created_on FROM report_messages WHERE report_id = $1 ORDER BY seq",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::new();
        for row in rows {
            let kind: String = row.try_get("kind")?;
            if kind == "note" && !notes {
                continue;
            }
            let seq: i64 = row.try_get("seq")?;
            let body: String = row.try_get("body")?;
            out.push(ReportMessage {
                body: text(open(key, &format!("message:{id}:{seq}"), &body)?)?,
                seq,
                kind,
                created_on: row.try_get("created_on")?,
            });
        }
        Ok(out)
    }

    async fn append_message(
        &self,
        id: &str,
        key: &[u8; 32],
        kind: &str,
        author_id: Option<&str>,
        body: &str,
        today: &str,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        let seq = touch_report(&mut tx, id, today, "report_messages").await? + 1;
        let sealed = seal(key, &format!("message:{id}:{seq}"), body.as_bytes())?;
        sqlx::query(
            "INSERT INTO report_messages (report_id, seq, kind, author_id, body, created_on) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(seq)
        .bind(kind)
        .bind(author_id)
        .bind(sealed)
        .bind(today)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    // ---- the reporter's side (no scope: the receipt is the authority) ----

    /// The report behind a receipt, or `None` (wrong, malformed or shredded — never told
    /// apart). Internal notes are left out.
    pub async fn report_by_receipt(
        &self,
        keys: &ReportKeys,
        receipt: &str,
    ) -> Result<Option<PublicReport>> {
        let Some(receipt) = normalise_receipt(receipt) else {
            return Ok(None);
        };
        let rows = sqlx::query(
            "SELECT id, receipt_hash, content, lang, created_on FROM reports \
             WHERE lookup = $1 AND wrapped_key IS NOT NULL",
        )
        .bind(keys.lookup(&receipt))
        .fetch_all(&self.pool)
        .await?;
        for row in rows {
            let hash: String = row.try_get("receipt_hash")?;
            if !verify_password(&receipt, &hash) {
                continue;
            }
            let id: String = row.try_get("id")?;
            let key = self.data_key(keys, &id).await?;
            let content: String = row.try_get("content")?;
            return Ok(Some(PublicReport {
                content: text(open(&key, &format!("content:{id}"), &content)?)?,
                lang: row.try_get("lang")?,
                created_on: row.try_get("created_on")?,
                messages: self.messages(&id, &key, false).await?,
                access: ReceiptAccess {
                    report_id: id,
                    data_key: *key,
                },
            }));
        }
        Ok(None)
    }

    /// The reporter answers a question or adds information.
    pub async fn add_reporter_message(
        &self,
        access: &ReceiptAccess,
        body: &str,
        today: &str,
    ) -> Result<()> {
        self.append_message(
            &access.report_id,
            &access.data_key,
            "reporter",
            None,
            body,
            today,
        )
        .await
    }

    // ---- the analysts' side: case readers of the receiving organisation, audited ----

    async fn owned(&self, scope: &Scope, id: &str) -> Result<()> {
        scope.require(Permission::ReadCases)?;
        let row = sqlx::query(
            "SELECT 1 AS one FROM reports WHERE id = $1 AND org_id = $2 AND wrapped_key IS NOT NULL",
        )
        .bind(id)
        .bind(&scope.org_id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|_| ()).ok_or(StoreError::NotFound)
    }

    async fn load_report(&self, keys: &ReportKeys, id: &str) -> Result<ReportRecord> {
        let row = sqlx::query(
            "SELECT id, org_id, lang, status, content, created_on, updated_on, assignee_id, \
             closed_reason, dossier_id FROM reports WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        let key = self.data_key(keys, id).await?;
        let content: String = row.try_get("content")?;
        Ok(ReportRecord {
            id: row.try_get("id")?,
            org_id: row.try_get("org_id")?,
            lang: row.try_get("lang")?,
            status: row.try_get("status")?,
            content: text(open(&key, &format!("content:{id}"), &content)?)?,
            created_on: row.try_get("created_on")?,
            updated_on: row.try_get("updated_on")?,
            messages: self.messages(id, &key, true).await?,
            photos: self.photo_seqs(id).await?,
            assignee_id: row.try_get("assignee_id")?,
            closed_reason: row.try_get("closed_reason")?,
            dossier_id: row.try_get("dossier_id")?,
            triage_rank: report_rank(&row.try_get::<String, _>("created_on")?),
        })
    }

    /// Assign a report to a case reader of the organisation (or nobody). Audited.
    pub async fn assign_report(
        &self,
        scope: &Scope,
        id: &str,
        assignee_id: Option<&str>,
        now: i64,
    ) -> Result<()> {
        self.owned(scope, id).await?;
        self.require_case_reader(scope, assignee_id).await?;
        self.audit_read(scope, "assign", "report", Some(id), Some(id), "triage", now)
            .await?;
        sqlx::query("UPDATE reports SET assignee_id = $1 WHERE id = $2")
            .bind(assignee_id)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Close a report without follow-up, with the reason (an internal note: the reporter
    /// never sees it). Audited.
    pub async fn report_no_follow_up(
        &self,
        scope: &Scope,
        id: &str,
        reason: &str,
        now: i64,
    ) -> Result<()> {
        self.owned(scope, id).await?;
        self.audit_read(
            scope,
            "no_follow_up",
            "report",
            Some(id),
            Some(id),
            "triage",
            now,
        )
        .await?;
        sqlx::query("UPDATE reports SET status = 'handled', closed_reason = $1 WHERE id = $2")
            .bind(reason)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Attach a report of the organisation to a dossier the scope may see; it lands on
    /// the dossier's timeline. Audited.
    pub async fn attach_report(
        &self,
        scope: &Scope,
        dossier_id: &str,
        id: &str,
        now: i64,
    ) -> Result<()> {
        self.visible_dossier(scope, dossier_id).await?;
        self.owned(scope, id).await?;
        self.audit_read(
            scope,
            "attach_report",
            "dossier",
            Some(dossier_id),
            Some(id),
            "case handling",
            now,
        )
        .await?;
        sqlx::query(
            "UPDATE reports SET dossier_id = $1, status = CASE WHEN status = 'received' \
             THEN 'in_progress' ELSE status END WHERE id = $2",
        )
        .bind(dossier_id)
        .bind(id)
        .execute(&self.pool)
        .await?;
        self.event(dossier_id, &scope.user_id, "report_attached", id, now)
            .await
    }

    /// The reports attached to a dossier the scope may see, decrypted. Audited.
    pub async fn dossier_reports(
        &self,
        scope: &Scope,
        keys: &ReportKeys,
        dossier_id: &str,
        now: i64,
    ) -> Result<Vec<ReportRecord>> {
        self.visible_dossier(scope, dossier_id).await?;
        let rows = sqlx::query(
            "SELECT id FROM reports WHERE dossier_id = $1 AND org_id = $2 \
             AND wrapped_key IS NOT NULL ORDER BY created_on, id",
        )
        .bind(dossier_id)
        .bind(&scope.org_id)
        .fetch_all(&self.pool)
        .await?;
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        self.audit_read(
            scope,
            "list_reports",
            "dossier",
            Some(dossier_id),
            Some(dossier_id),
            "case handling",
            now,
        )
        .await?;
        let mut out = Vec::new();
        for row in rows {
            let id: String = row.try_get("id")?;
            out.push(self.load_report(keys, &id).await?);
        }
        Ok(out)
    }

    /// The organisation's anonymous reports, newest first, decrypted. Audited.
    pub async fn reports(
        &self,
        scope: &Scope,
        keys: &ReportKeys,
        now: i64,
    ) -> Result<Vec<ReportRecord>> {
        scope.require(Permission::ReadCases)?;
        self.audit_read(scope, "list", "report", None, None, "triage", now)
            .await?;
        let rows = sqlx::query(
            "SELECT id FROM reports WHERE org_id = $1 AND wrapped_key IS NOT NULL \
             ORDER BY created_on DESC, id LIMIT 500",
        )
        .bind(&scope.org_id)
        .fetch_all(&self.pool)
        .await?;
        self.open_reports(keys, &rows).await
    }

    /// The reports of these rows (`id` column), opened, in the same order.
    async fn open_reports(
        &self,
        keys: &ReportKeys,
        rows: &[sqlx::any::AnyRow],
    ) -> Result<Vec<ReportRecord>> {
        let mut out = Vec::new();
        for row in rows {
            let id: String = row.try_get("id")?;
            match self.load_report(keys, &id).await {
                Ok(r) => out.push(r),
                // Shredded in the meantime.
                Err(StoreError::NotFound) => {}
                // Sealed under another key (a server started without its configured
                // report key): one such report must not hide all the others.
                Err(e) if is_crypto_error(&e) => {
                    tracing::warn!(report = %id, "report cannot be opened with the configured report key");
                }
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }

    /// One page of the organisation's reports in inbox order after `filter.after`: up to
    /// `filter.limit` of those `keep` turns into a row (the caller's narrowing that needs
    /// the decrypted content, e.g. the reading's level), fetched batch after batch from
    /// the index until the page is full or nothing is left. Audited as one list read.
    pub async fn inbox_reports<T>(
        &self,
        scope: &Scope,
        keys: &ReportKeys,
        filter: &ReportInboxFilter<'_>,
        mut keep: impl FnMut(ReportRecord) -> Option<T>,
        now: i64,
    ) -> Result<Vec<T>> {
        scope.require(Permission::ReadCases)?;
        self.audit_read(scope, "list", "report", None, None, "triage", now)
            .await?;
        let assignee_clause = match filter.assignee {
            None | Some("") => "",
            Some("none") => "AND assignee_id IS NULL",
            Some(_) => "AND assignee_id = $5",
        };
        // A narrowing caller may need more than a page to fill one: larger batches.
        let batch = filter.limit.clamp(1, 1000);
        let sql = format!(
            "SELECT id, triage_rank FROM reports WHERE org_id = $1 AND wrapped_key IS NOT NULL \
             AND ($2 = '' OR status = $2) AND (triage_rank, id) > ($3, $4) {assignee_clause} \
             ORDER BY triage_rank, id LIMIT {batch}"
        );
        // The first page starts before every rank (ranks are never negative).
        let (mut rank, mut id) = filter
            .after
            .map_or((-1, String::new()), |c| (c.rank, c.id.clone()));
        let mut out = Vec::new();
        loop {
            let mut q = sqlx::query(&sql)
                .bind(&scope.org_id)
                .bind(filter.status)
                .bind(rank)
                .bind(id.clone());
            if let Some(a) = filter.assignee.filter(|a| !a.is_empty() && *a != "none") {
                q = q.bind(a.to_string());
            }
            let rows = q.fetch_all(&self.pool).await?;
            let Some(last) = rows.last() else { break };
            (rank, id) = (last.try_get("triage_rank")?, last.try_get("id")?);
            let exhausted = rows.len() < batch;
            for report in self.open_reports(keys, &rows).await? {
                if let Some(row) = keep(report) {
                    out.push(row);
                    if out.len() == filter.limit {
                        return Ok(out);
                    }
                }
            }
            if exhausted {
                break;
            }
        }
        Ok(out)
    }

    /// Give reports stored before the inbox order existed their place in it.
    pub(crate) async fn backfill_report_ranks(&self) -> Result<()> {
        let rows = sqlx::query("SELECT id, created_on FROM reports WHERE triage_rank IS NULL")
            .fetch_all(&self.pool)
            .await?;
        for row in rows {
            let created_on: String = row.try_get("created_on")?;
            sqlx::query("UPDATE reports SET triage_rank = $1 WHERE id = $2")
                .bind(report_rank(&created_on))
                .bind(row.try_get::<String, _>("id")?)
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }

    /// One report with its whole thread (notes included). Audited.
    pub async fn report(
        &self,
        scope: &Scope,
        keys: &ReportKeys,
        id: &str,
        now: i64,
    ) -> Result<ReportRecord> {
        self.owned(scope, id).await?;
        self.audit_read(scope, "read", "report", Some(id), Some(id), "triage", now)
            .await?;
        self.load_report(keys, id).await
    }

    /// An analyst's question to the reporter (`question`) or internal note (`note`). Audited.
    #[allow(clippy::too_many_arguments)]
    pub async fn add_analyst_message(
        &self,
        scope: &Scope,
        keys: &ReportKeys,
        id: &str,
        kind: &str,
        body: &str,
        today: &str,
        now: i64,
    ) -> Result<()> {
        if !matches!(kind, "question" | "note") {
            return Err(StoreError::NotFound);
        }
        self.owned(scope, id).await?;
        self.audit_read(
            scope,
            &format!("message:{kind}"),
            "report",
            Some(id),
            Some(id),
            "triage",
            now,
        )
        .await?;
        let key = self.data_key(keys, id).await?;
        self.append_message(id, &key, kind, Some(&scope.user_id), body, today)
            .await
    }

    /// Move a report to another status. Audited.
    pub async fn set_report_status(
        &self,
        scope: &Scope,
        id: &str,
        status: &str,
        now: i64,
    ) -> Result<()> {
        if !REPORT_STATUSES.contains(&status) {
            return Err(StoreError::NotFound);
        }
        self.owned(scope, id).await?;
        self.audit_read(
            scope,
            &format!("status:{status}"),
            "report",
            Some(id),
            Some(id),
            "triage",
            now,
        )
        .await?;
        sqlx::query("UPDATE reports SET status = $1 WHERE id = $2")
            .bind(status)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Retention: crypto-shred every report untouched since before `cutoff_day`
    /// (`YYYY-MM-DD`; the last message, photo or status change counts as a touch). Each
    /// shredding is an audit record of the system. Returns how many were shredded.
    pub async fn shred_reports_untouched_since(&self, cutoff_day: &str, now: i64) -> Result<usize> {
        let rows = sqlx::query(
            "SELECT id, org_id FROM reports WHERE wrapped_key IS NOT NULL AND updated_on < $1 ORDER BY id",
        )
        .bind(cutoff_day)
        .fetch_all(&self.pool)
        .await?;
        for row in &rows {
            let id: String = row.try_get("id")?;
            let org_id: String = row.try_get("org_id")?;
            self.append_audit(
                &crate::AuditEntry {
                    actor_user_id: None,
                    actor_org_id: Some(org_id),
                    action: "retention:shred".into(),
                    object_type: "report".into(),
                    object_id: Some(id.clone()),
                    subject: Some(id.clone()),
                    purpose: "retention".into(),
                    result: "ok".into(),
                },
                now,
            )
            .await?;
            self.shred_report(&id).await?;
        }
        Ok(rows.len())
    }

    /// Crypto-shred a report: forget its wrapped data key. Content and messages stay as
    /// ciphertext nobody can open. For retention (a system action; the caller audits).
    pub async fn shred_report(&self, id: &str) -> Result<()> {
        sqlx::query("UPDATE reports SET wrapped_key = NULL WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hundred_thousand_receipts_are_sixteen_uniform_digits_and_unique() {
        let n = 100_000;
        let mut seen = std::collections::HashSet::new();
        let mut counts = [0usize; 10];
        for _ in 0..n {
            let r = generate_receipt();
            assert_eq!(r.len(), 16);
            for b in r.bytes() {
                counts[usize::from(b - b'0')] += 1;
            }
            assert!(seen.insert(r), "duplicate receipt");
        }
        // 1,600,000 digits: each should be 160,000 ± a few hundred; chi-square with 9 degrees
        // of freedom stays under 40 except with probability < 1e-5.
        let expected = (n * 16 / 10) as f64;
        let chi: f64 = counts
            .iter()
            .map(|&c| (c as f64 - expected).powi(2) / expected)
            .sum();
        assert!(
            chi < 40.0,
            "digits unevenly spread: {counts:?} (chi² {chi})"
        );
    }

    #[test]
    fn receipts_are_normalised_strictly() {
        assert_eq!(
            normalise_receipt("1234 5678-9012.3456").as_deref(),
            Some("1234567890123456")
        );
        assert!(normalise_receipt("123456789012345").is_none());
        assert!(normalise_receipt("12345678901234567").is_none());
        assert!(normalise_receipt("1234567890abcdef").is_none());
        assert!(normalise_receipt("١٢٣٤٥٦٧٨٩٠١٢٣٤٥٦").is_none());
    }

    #[test]
    fn sealing_binds_key_and_row() {
        let key = [7u8; 32];
        let sealed = seal(&key, "content:a", b"canary").unwrap();
        assert_eq!(open(&key, "content:a", &sealed).unwrap(), b"canary");
        assert!(open(&key, "content:b", &sealed).is_err());
        assert!(open(&[8u8; 32], "content:a", &sealed).is_err());
        assert!(!sealed.contains(&hex::encode("canary")));
    }

    #[test]
    fn organisations_get_different_keys_and_lookups_depend_on_the_key() {
        let k = ReportKeys::from_bytes([1u8; 32]);
        assert_ne!(k.org_key("a"), k.org_key("b"));
        let other = ReportKeys::from_bytes([2u8; 32]);
        assert_ne!(
            k.lookup("1234567890123456"),
            other.lookup("1234567890123456")
        );
        assert_eq!(k.lookup("1234567890123456").len(), 6);
        assert!(ReportKeys::from_hex(&"ab".repeat(32)).is_some());
        assert!(ReportKeys::from_hex("abcd").is_none());
    }
}
