//! Organisations, users and their roles.

use crate::{map_unique, new_id, Result, Scope, Store, StoreError};
use baken_domain::{Country, OrgKind, Permission, Role};
use sqlx::Row;
use zeroize::Zeroizing;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organisation {
    pub id: String,
    pub name: String,
    pub kind: OrgKind,
    pub country: Country,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    pub org_id: String,
    pub org_name: String,
    pub org_kind: OrgKind,
    pub role: Role,
}

#[derive(Debug, Clone)]
pub struct User {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    /// Stays sealed until a code is checked ([`Store::open_totp_secret`]).
    pub totp_secret: Option<StoredTotpSecret>,
    pub totp_enabled: bool,
    pub disabled: bool,
    pub must_change_password: bool,
    pub lang: Option<String>,
}

/// A TOTP secret as stored: sealed to its user when the store has a key, in clear
/// from before one was configured. Reading a user (every request) does not open it;
/// only checking a code or showing it at enrolment does, and `Debug` shows none of it.
#[derive(Clone, PartialEq, Eq)]
pub struct StoredTotpSecret(String);

impl std::fmt::Debug for StoredTotpSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StoredTotpSecret(..)")
    }
}

pub struct NewUser<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub password_hash: &'a str,
    pub must_change_password: bool,
}

const USER_COLUMNS: &str = "id, username, display_name, password_hash, totp_secret, \
     totp_enabled, disabled, must_change_password, lang";

/// Marks a TOTP secret sealed with the store's TOTP key (hex of nonce || ciphertext).
const SEALED: &str = "sealed:";

fn user_from_row(row: &sqlx::any::AnyRow) -> Result<User> {
    Ok(User {
        id: row.try_get("id")?,
        username: row.try_get("username")?,
        display_name: row.try_get("display_name")?,
        password_hash: row.try_get("password_hash")?,
        totp_secret: row
            .try_get::<Option<String>, _>("totp_secret")?
            .map(StoredTotpSecret),
        totp_enabled: row.try_get::<i64, _>("totp_enabled")? != 0,
        disabled: row.try_get::<i64, _>("disabled")? != 0,
        must_change_password: row.try_get::<i64, _>("must_change_password")? != 0,
        lang: row.try_get("lang")?,
    })
}

fn org_from_row(row: &sqlx::any::AnyRow) -> Result<Organisation> {
    let kind: String = row.try_get("kind")?;
    let country: String = row.try_get("country")?;
    Ok(Organisation {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        kind: OrgKind::parse(&kind).ok_or_else(|| corrupt("organisations.kind", &kind))?,
        country: Country::parse(&country)
            .ok_or_else(|| corrupt("organisations.country", &country))?,
    })
}

fn corrupt(column: &str, value: &str) -> StoreError {
    StoreError::Database(sqlx::Error::Decode(
        format!("unexpected value {value:?} in {column}").into(),
    ))
}

impl Store {
    // ---- system administration (CLI and first start): no scope, always audited by caller ----

    pub async fn create_org(
        &self,
        name: &str,
        kind: OrgKind,
        country: Country,
        now: i64,
    ) -> Result<Organisation> {
        let id = new_id();
        sqlx::query(
            "INSERT INTO organisations (id, name, kind, country, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&id)
        .bind(name)
        .bind(kind.as_str())
        .bind(country.as_str())
        .bind(now)
        .execute(&self.pool)
        .await
        .map_err(|e| map_unique(e, "organisation name"))?;
        Ok(Organisation {
            id,
            name: name.to_string(),
            kind,
            country,
        })
    }

    pub async fn list_orgs(&self) -> Result<Vec<Organisation>> {
        let rows = sqlx::query("SELECT id, name, kind, country FROM organisations ORDER BY name")
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(org_from_row).collect()
    }

    /// Replace the postcode areas `org_id` receives public reports for (system
    /// administration). Each area is `from..=to` within 1000–9999; anything else is
    /// `Conflict("postcode area")` and nothing changes.
    pub async fn set_postcode_areas(&self, org_id: &str, areas: &[(i64, i64)]) -> Result<()> {
        check_postcode_areas(areas)?;
        let mut tx = self.pool.begin().await?;
        replace_postcode_areas(&mut tx, org_id, areas).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The postcode areas of an organisation, in order.
    pub async fn postcode_areas(&self, org_id: &str) -> Result<Vec<(i64, i64)>> {
        let rows = sqlx::query(
            "SELECT from_code, to_code FROM org_postcode_areas WHERE org_id = $1 ORDER BY from_code",
        )
        .bind(org_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("from_code")?, r.try_get("to_code")?)))
            .collect()
    }

    /// The postcode areas of the scope's organisation, for the administrators of a
    /// municipality (anyone else: `NotFound`). Not personal data, so not audited.
    pub async fn own_postcode_areas(&self, scope: &Scope) -> Result<Vec<(i64, i64)>> {
        self.own_municipality(scope).await?;
        self.postcode_areas(&scope.org_id).await
    }

    /// The scope's organisation, when it may set its own postcode areas: public reports
    /// are routed to municipalities, so only a municipality's administrators do (other
    /// organisations' areas are the operator's, set with the CLI). Others: `NotFound`.
    async fn own_municipality(&self, scope: &Scope) -> Result<Organisation> {
        scope.require(Permission::ManagePostcodeAreas)?;
        let org = self.org_in_scope(scope, &scope.org_id).await?;
        if org.kind != OrgKind::Municipality {
            return Err(StoreError::NotFound);
        }
        Ok(org)
    }

    /// The first of `areas` that overlaps an area of another organisation in the same
    /// country: a municipality may not claim another's postcodes (routing would send it
    /// that organisation's reports, sealed for the wrong organisation).
    pub async fn foreign_postcode_overlap(
        &self,
        scope: &Scope,
        areas: &[(i64, i64)],
    ) -> Result<Option<(i64, i64)>> {
        let org = self.own_municipality(scope).await?;
        let mut conn = self.pool.acquire().await?;
        foreign_overlap(&mut conn, &org, areas).await
    }

    /// Replace the postcode areas of the scope's organisation (a municipality's
    /// administrators only; anyone else: `NotFound`). All or nothing, as
    /// [`Store::set_postcode_areas`]: an area outside 1000–9999, backwards or given twice
    /// is `Conflict("postcode area")`; one overlapping another organisation's area in the
    /// same country is `Conflict("postcode overlap")`. Empty clears them. Audited with
    /// what was set (`org_postcodes_set:3511-3585, 3600`, as the CLI records it); the
    /// record and the change commit together.
    pub async fn set_own_postcode_areas(
        &self,
        scope: &Scope,
        areas: &[(i64, i64)],
        now: i64,
    ) -> Result<()> {
        let org = self.own_municipality(scope).await?;
        check_postcode_areas(areas)?;
        let entry = crate::audit::scoped_entry(
            scope,
            &baken_domain::postcode_areas::audit_action(areas),
            "organisation",
            Some(&scope.org_id),
            None,
            "administration",
        );
        let _turn = self.write_turn().await;
        let mut tx = self.pool.begin().await?;
        if foreign_overlap(&mut tx, &org, areas).await?.is_some() {
            return Err(StoreError::Conflict("postcode overlap"));
        }
        crate::audit::append_in_or_unavailable(&mut tx, &entry, now).await?;
        replace_postcode_areas(&mut tx, &scope.org_id, areas).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The organisation whose postcode area holds `code`: the narrowest area wins, then
    /// the organisation's name. `country` narrows when the postcode's form tells it (an
    /// NL postcode has letters).
    pub async fn org_for_postcode(
        &self,
        code: i64,
        country: Option<Country>,
    ) -> Result<Option<Organisation>> {
        let rows = sqlx::query(
            "SELECT o.id, o.name, o.kind, o.country FROM org_postcode_areas a \
             JOIN organisations o ON o.id = a.org_id \
             WHERE a.from_code <= $1 AND a.to_code >= $1 \
             ORDER BY a.to_code - a.from_code, o.name",
        )
        .bind(code)
        .fetch_all(&self.pool)
        .await?;
        for row in &rows {
            let org = org_from_row(row)?;
            if country.is_none_or(|c| c == org.country) {
                return Ok(Some(org));
            }
        }
        Ok(None)
    }

    pub async fn org_by_name(&self, name: &str) -> Result<Organisation> {
        let row = sqlx::query("SELECT id, name, kind, country FROM organisations WHERE name = $1")
            .bind(name)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        org_from_row(&row)
    }

    pub async fn count_users(&self) -> Result<i64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM users")
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get("n")?)
    }

    /// Create a user with roles in organisations, all or nothing.
    pub async fn create_user(
        &self,
        new: &NewUser<'_>,
        roles: &[(String, Role)],
        now: i64,
    ) -> Result<User> {
        let id = new_id();
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO users (id, username, display_name, password_hash, must_change_password, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&id)
        .bind(new.username)
        .bind(new.display_name)
        .bind(new.password_hash)
        .bind(i64::from(new.must_change_password))
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(|e| map_unique(e, "username"))?;
        for (org_id, role) in roles {
            sqlx::query("INSERT INTO memberships (user_id, org_id, role) VALUES ($1, $2, $3)")
                .bind(&id)
                .bind(org_id)
                .bind(role.as_str())
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        self.user_by_id(&id).await
    }

    pub async fn user_by_username(&self, username: &str) -> Result<User> {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users WHERE username = $1"
        ))
        .bind(username)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        user_from_row(&row)
    }

    pub async fn user_by_id(&self, id: &str) -> Result<User> {
        let row = sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        user_from_row(&row)
    }

    /// Every user with their memberships, for the CLI.
    pub async fn list_all_users(&self) -> Result<Vec<(User, Vec<Membership>)>> {
        let rows = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users ORDER BY username"
        ))
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            let user = user_from_row(row)?;
            let memberships = self.memberships(&user.id).await?;
            out.push((user, memberships));
        }
        Ok(out)
    }

    pub async fn memberships(&self, user_id: &str) -> Result<Vec<Membership>> {
        let rows = sqlx::query(
            "SELECT m.org_id, o.name AS org_name, o.kind AS org_kind, m.role FROM memberships m \
             JOIN organisations o ON o.id = m.org_id WHERE m.user_id = $1 ORDER BY o.name, m.role",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let role: String = row.try_get("role")?;
                let kind: String = row.try_get("org_kind")?;
                Ok(Membership {
                    org_id: row.try_get("org_id")?,
                    org_name: row.try_get("org_name")?,
                    org_kind: OrgKind::parse(&kind)
                        .ok_or_else(|| corrupt("organisations.kind", &kind))?,
                    role: Role::parse(&role).ok_or_else(|| corrupt("memberships.role", &role))?,
                })
            })
            .collect()
    }

    pub async fn set_password(
        &self,
        user_id: &str,
        password_hash: &str,
        must_change: bool,
    ) -> Result<()> {
        let done = sqlx::query(
            "UPDATE users SET password_hash = $1, must_change_password = $2 WHERE id = $3",
        )
        .bind(password_hash)
        .bind(i64::from(must_change))
        .bind(user_id)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// Disable a user and end all their sessions, in one transaction.
    pub async fn disable_user(&self, user_id: &str) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query("UPDATE users SET disabled = 1 WHERE id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A user's TOTP secret, opened. A sealed secret without the key that sealed it
    /// (a server started without its master key, or with another) is an error,
    /// never a silent fallback; so is one copied from another user.
    pub fn open_totp_secret(&self, user: &User) -> Result<Option<Zeroizing<String>>> {
        let Some(StoredTotpSecret(stored)) = &user.totp_secret else {
            return Ok(None);
        };
        let Some(sealed) = stored.strip_prefix(SEALED) else {
            return Ok(Some(Zeroizing::new(stored.clone())));
        };
        let key = self.totp_key.as_ref().ok_or_else(|| {
            crate::reports::crypto_error("open a TOTP secret without the configured key")
        })?;
        let plain = crate::reports::open(key, &format!("totp:{}", user.id), sealed)?;
        Ok(Some(Zeroizing::new(crate::reports::text(plain)?)))
    }

    /// A TOTP secret as it is stored: sealed to its user when there is a key.
    fn stored_totp(&self, user_id: &str, secret: &str) -> Result<String> {
        Ok(match &self.totp_key {
            Some(key) => format!(
                "{SEALED}{}",
                crate::reports::seal(key, &format!("totp:{user_id}"), secret.as_bytes())?
            ),
            None => secret.to_string(),
        })
    }

    /// Seal every TOTP secret still stored in clear (from before a master key was
    /// configured). Returns how many. Nothing to do without a key.
    pub async fn seal_totp_secrets(&self) -> Result<usize> {
        if self.totp_key.is_none() {
            return Ok(0);
        }
        let rows = sqlx::query(
            "SELECT id, totp_secret FROM users WHERE totp_secret IS NOT NULL \
             AND totp_secret NOT LIKE 'sealed:%'",
        )
        .fetch_all(&self.pool)
        .await?;
        for row in &rows {
            let id: String = row.try_get("id")?;
            let secret: String = row.try_get("totp_secret")?;
            sqlx::query("UPDATE users SET totp_secret = $1 WHERE id = $2 AND totp_secret = $3")
                .bind(self.stored_totp(&id, &secret)?)
                .bind(&id)
                .bind(&secret)
                .execute(&self.pool)
                .await?;
        }
        Ok(rows.len())
    }

    /// Store a TOTP secret before it is confirmed (enabled = false) or enable it. Sealed
    /// at rest when the store has a TOTP key.
    pub async fn set_totp(&self, user_id: &str, secret: Option<&str>, enabled: bool) -> Result<()> {
        let stored = secret.map(|s| self.stored_totp(user_id, s)).transpose()?;
        sqlx::query("UPDATE users SET totp_secret = $1, totp_enabled = $2 WHERE id = $3")
            .bind(stored)
            .bind(i64::from(enabled))
            .bind(user_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Accept a TOTP code's time step for `user_id` once: true when `step` is later than
    /// any step accepted before (and is now recorded), false for a replay. One conditional
    /// UPDATE, so two requests racing with the same code cannot both win.
    pub async fn claim_totp_step(&self, user_id: &str, step: i64) -> Result<bool> {
        let claimed = sqlx::query(
            "UPDATE users SET totp_last_step = $1 \
             WHERE id = $2 AND (totp_last_step IS NULL OR totp_last_step < $1)",
        )
        .bind(step)
        .bind(user_id)
        .execute(&self.pool)
        .await?;
        Ok(claimed.rows_affected() == 1)
    }

    pub async fn set_user_lang(&self, user_id: &str, lang: &str) -> Result<()> {
        sqlx::query("UPDATE users SET lang = $1 WHERE id = $2")
            .bind(lang)
            .bind(user_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    // ---- scoped reads: authorisation decided here, before rows leave storage ----

    /// Users of the scope's organisation (administrators only). Audited.
    pub async fn users_of_org(
        &self,
        scope: &Scope,
        now: i64,
    ) -> Result<Vec<(User, Vec<Membership>)>> {
        scope.require(Permission::ManageUsers)?;
        self.audit_read(
            scope,
            "list",
            "user",
            None,
            None,
            "user administration",
            now,
        )
        .await?;
        let rows = sqlx::query(&format!(
            "SELECT {} FROM users u WHERE EXISTS \
             (SELECT 1 FROM memberships m WHERE m.user_id = u.id AND m.org_id = $1) ORDER BY u.username",
            USER_COLUMNS
                .split(", ")
                .map(|c| format!("u.{c}"))
                .collect::<Vec<_>>()
                .join(", ")
        ))
        .bind(&scope.org_id)
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            let user = user_from_row(row)?;
            let memberships = self
                .memberships(&user.id)
                .await?
                .into_iter()
                .filter(|m| m.org_id == scope.org_id)
                .collect();
            out.push((user, memberships));
        }
        Ok(out)
    }

    /// One user of the scope's organisation; any other id is `NotFound`. Audited.
    pub async fn user_of_org(
        &self,
        scope: &Scope,
        user_id: &str,
        now: i64,
    ) -> Result<(User, Vec<Membership>)> {
        scope.require(Permission::ManageUsers)?;
        let memberships: Vec<Membership> = self
            .memberships(user_id)
            .await?
            .into_iter()
            .filter(|m| m.org_id == scope.org_id)
            .collect();
        if memberships.is_empty() {
            return Err(StoreError::NotFound);
        }
        self.audit_user(scope, "read", user_id, now).await?;
        Ok((self.user_by_id(user_id).await?, memberships))
    }

    /// Set what a user of the scope's organisation may do there: their roles in it and
    /// their clearance (the highest confidentiality level they may read, 1–8).
    /// Administrators only; a user of another organisation is `NotFound`. Refused with
    /// `Conflict`: no role at all (`"roles"`), an administrator taking the administrator
    /// role from themselves (`"own_admin"`, so an organisation cannot lock itself out by
    /// accident), a changed clearance outside 1–8 or above the administrator's own
    /// (`"clearance"`: nobody grants more than they hold), a changed clearance of a user
    /// who also works for another organisation (`"clearance_elsewhere"`). All or nothing; audited with
    /// the roles and level granted.
    pub async fn set_user_access(
        &self,
        scope: &Scope,
        user_id: &str,
        roles: &[Role],
        clearance: i64,
        now: i64,
    ) -> Result<()> {
        self.user_of_org(scope, user_id, now).await?;
        if roles.is_empty() {
            return Err(StoreError::Conflict("roles"));
        }
        if user_id == scope.user_id && !roles.contains(&Role::Administrator) {
            return Err(StoreError::Conflict("own_admin"));
        }
        // Keeping the current level is always allowed (an administrator may change the
        // roles of someone cleared above themselves); a change must stay within 1–8 and
        // the administrator's own, and clearance is one per user, so it is not changed
        // from one organisation for a user who also works for another.
        if clearance != self.clearance(user_id).await? {
            if !(1..=8).contains(&clearance) || clearance > self.clearance(&scope.user_id).await? {
                return Err(StoreError::Conflict("clearance"));
            }
            if self
                .memberships(user_id)
                .await?
                .iter()
                .any(|m| m.org_id != scope.org_id)
            {
                return Err(StoreError::Conflict("clearance_elsewhere"));
            }
        }
        let mut names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        let action = format!("set_access:{};clearance={clearance}", names.join(","));
        let entry = crate::audit::scoped_entry(
            scope,
            &action,
            "user",
            Some(user_id),
            Some(user_id),
            "user administration",
        );
        // The record and the change commit together. Appending first takes the audit
        // head's lock, which also serialises concurrent changes of access, so the check
        // that an administrator remains sees the other's committed change.
        let _turn = self.write_turn().await;
        let mut tx = self.pool.begin().await?;
        crate::audit::append_in_or_unavailable(&mut tx, &entry, now).await?;
        sqlx::query("DELETE FROM memberships WHERE user_id = $1 AND org_id = $2")
            .bind(user_id)
            .bind(&scope.org_id)
            .execute(&mut *tx)
            .await?;
        for role in &names {
            sqlx::query("INSERT INTO memberships (user_id, org_id, role) VALUES ($1, $2, $3)")
                .bind(user_id)
                .bind(&scope.org_id)
                .bind(*role)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("UPDATE users SET clearance = $1 WHERE id = $2")
            .bind(clearance)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        let admins: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM memberships m JOIN users u ON u.id = m.user_id \
             WHERE m.org_id = $1 AND m.role = 'administrator' AND u.disabled = 0",
        )
        .bind(&scope.org_id)
        .fetch_one(&mut *tx)
        .await?
        .try_get("n")?;
        if admins == 0 {
            // Dropping the transaction rolls back the change and its record.
            return Err(StoreError::Conflict("own_admin"));
        }
        tx.commit().await?;
        Ok(())
    }

    async fn audit_user(&self, scope: &Scope, action: &str, user_id: &str, now: i64) -> Result<()> {
        let id = Some(user_id);
        self.audit_read(scope, action, "user", id, id, "user administration", now)
            .await?;
        Ok(())
    }

    /// The organisation of the scope, if the id names it; others are `NotFound`.
    pub async fn org_in_scope(&self, scope: &Scope, org_id: &str) -> Result<Organisation> {
        if org_id != scope.org_id {
            return Err(StoreError::NotFound);
        }
        let row = sqlx::query("SELECT id, name, kind, country FROM organisations WHERE id = $1")
            .bind(org_id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        org_from_row(&row)
    }
}

/// Each area is `from..=to` within 1000–9999; anything else is `Conflict("postcode area")`.
fn check_postcode_areas(areas: &[(i64, i64)]) -> Result<()> {
    if areas
        .iter()
        .any(|(from, to)| !(1000..=9999).contains(from) || !(*from..=9999).contains(to))
    {
        return Err(StoreError::Conflict("postcode area"));
    }
    Ok(())
}

/// The first of `areas`, not already `org`'s, overlapping an area of another
/// organisation of `org`'s country.
async fn foreign_overlap(
    conn: &mut sqlx::AnyConnection,
    org: &Organisation,
    areas: &[(i64, i64)],
) -> Result<Option<(i64, i64)>> {
    let rows = sqlx::query(
        "SELECT a.org_id, a.from_code, a.to_code FROM org_postcode_areas a \
         JOIN organisations o ON o.id = a.org_id WHERE a.org_id = $1 OR o.country = $2",
    )
    .bind(&org.id)
    .bind(org.country.as_str())
    .fetch_all(&mut *conn)
    .await?;
    let mut own = Vec::new();
    let mut taken = Vec::new();
    for r in &rows {
        let area: (i64, i64) = (r.try_get("from_code")?, r.try_get("to_code")?);
        let org_id: String = r.try_get("org_id")?;
        if org_id == org.id {
            own.push(area);
        } else {
            taken.push(area);
        }
    }
    // An area the organisation already has stays allowed (the operator may have nested
    // a district's areas inside a city's with the CLI); only new ones are checked.
    Ok(areas
        .iter()
        .filter(|a| !own.contains(a))
        .find(|(from, to)| taken.iter().any(|(f, t)| from <= t && f <= to))
        .copied())
}

/// Delete `org_id`'s postcode areas and insert `areas`, inside the caller's transaction
/// (a repeated area is `Conflict("postcode area")`, and dropping the transaction undoes
/// the deletion).
async fn replace_postcode_areas(
    conn: &mut sqlx::AnyConnection,
    org_id: &str,
    areas: &[(i64, i64)],
) -> Result<()> {
    sqlx::query("DELETE FROM org_postcode_areas WHERE org_id = $1")
        .bind(org_id)
        .execute(&mut *conn)
        .await?;
    for (from, to) in areas {
        sqlx::query(
            "INSERT INTO org_postcode_areas (org_id, from_code, to_code) VALUES ($1, $2, $3)",
        )
        .bind(org_id)
        .bind(from)
        .bind(to)
        .execute(&mut *conn)
        .await
        .map_err(|e| map_unique(e, "postcode area"))?;
    }
    Ok(())
}
