//! Staff accounts of the administration console, their sign-in lockout
//! and their sessions (kept as the SHA-256 of the cookie, with the
//! session's form token).

use sqlx::Row;

use super::{flag, new_id, Coded, SessionLimits, Store, StoreError, Timestamp};
use crate::staff::Role;

/// A staff account as stored (its `Debug` never shows the hashes or the
/// TOTP secret).
#[derive(Clone, PartialEq, Eq)]
pub struct StaffRecord {
    pub id: String,
    pub email: String,
    pub role: Role,
    pub password_hash: Option<String>,
    pub totp_secret: Option<String>,
    pub locked_until: Option<Timestamp>,
    pub created_at: Timestamp,
    pub disabled_at: Option<Timestamp>,
}

impl std::fmt::Debug for StaffRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StaffRecord")
            .field("id", &self.id)
            .field("role", &self.role)
            .field("second_factor", &self.totp_secret.is_some())
            .finish_non_exhaustive()
    }
}

/// A live console session: who, with which role, its form token, and
/// whether the second factor is still awaited.
#[derive(Clone, PartialEq, Eq)]
pub struct StaffSession {
    pub staff_id: String,
    pub email: String,
    pub role: Role,
    pub csrf_token: String,
    pub awaiting_totp: bool,
    pub totp_secret: Option<String>,
}

impl std::fmt::Debug for StaffSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StaffSession")
            .field("staff_id", &self.staff_id)
            .field("role", &self.role)
            .field("awaiting_totp", &self.awaiting_totp)
            .finish_non_exhaustive()
    }
}

const STAFF_COLUMNS: &str = "id, email, role, password_hash, totp_secret, locked_until, \
                             created_at, disabled_at";

fn staff_row(r: &sqlx::any::AnyRow) -> Result<StaffRecord, StoreError> {
    Ok(StaffRecord {
        id: r.get("id"),
        email: r.get("email"),
        role: Role::decode(&r.get::<String, _>("role"))?,
        password_hash: r.get("password_hash"),
        totp_secret: r.get("totp_secret"),
        locked_until: r.get("locked_until"),
        created_at: r.get("created_at"),
        disabled_at: r.get("disabled_at"),
    })
}

impl Store {
    /// A new account without a password, waiting for its setup link
    /// (SHA-256 given). A taken e-mail breaks `staff_email_unique`.
    pub async fn create_staff(
        &self,
        email: &str,
        role: Role,
        setup_token_hash: &str,
        setup_expires_at: Timestamp,
        now: Timestamp,
    ) -> Result<String, StoreError> {
        let id = new_id();
        sqlx::query(
            "INSERT INTO staff (id, email, role, setup_token_hash, setup_expires_at, created_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&id)
        .bind(email)
        .bind(role.code())
        .bind(setup_token_hash)
        .bind(setup_expires_at)
        .bind(now)
        .execute(self.writes())
        .await?;
        Ok(id)
    }

    pub async fn staff_by_email(&self, email: &str) -> Result<Option<StaffRecord>, StoreError> {
        sqlx::query(&format!(
            "SELECT {STAFF_COLUMNS} FROM staff WHERE email = $1"
        ))
        .bind(email)
        .fetch_optional(&self.pool)
        .await?
        .as_ref()
        .map(staff_row)
        .transpose()
    }

    /// The account a setup link opens, while it is valid.
    pub async fn staff_by_setup_token(
        &self,
        token_hash: &str,
        now: Timestamp,
    ) -> Result<Option<StaffRecord>, StoreError> {
        sqlx::query(&format!(
            "SELECT {STAFF_COLUMNS} FROM staff
              WHERE setup_token_hash = $1 AND setup_expires_at > $2 AND disabled_at IS NULL"
        ))
        .bind(token_hash)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?
        .as_ref()
        .map(staff_row)
        .transpose()
    }

    /// Every account, by e-mail.
    pub async fn list_staff(&self) -> Result<Vec<StaffRecord>, StoreError> {
        sqlx::query(&format!("SELECT {STAFF_COLUMNS} FROM staff ORDER BY email"))
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(staff_row)
            .collect()
    }

    /// Uses a setup link, once: sets the password (argon2id PHC string)
    /// and the TOTP secret (or none), and ends every session the account
    /// had. False when the link is unknown, used or expired.
    pub async fn finish_staff_setup(
        &self,
        token_hash: &str,
        password_hash: &str,
        totp_secret: Option<&str>,
        now: Timestamp,
    ) -> Result<Option<String>, StoreError> {
        let mut tx = self.begin_write().await?;
        let id: Option<String> = sqlx::query_scalar(
            "UPDATE staff SET password_hash = $1, totp_secret = $2, totp_last_step = NULL,
                    setup_token_hash = NULL, setup_expires_at = NULL,
                    failed_logins = 0, locked_until = NULL
              WHERE setup_token_hash = $3 AND setup_expires_at > $4 AND disabled_at IS NULL
             RETURNING id",
        )
        .bind(password_hash)
        .bind(totp_secret)
        .bind(token_hash)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(id) = &id {
            sqlx::query("DELETE FROM staff_sessions WHERE staff_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    /// A new setup link for an account (a forgotten password, a lost
    /// second factor): the old password stops working at once.
    pub async fn reset_staff(
        &self,
        staff_id: &str,
        setup_token_hash: &str,
        setup_expires_at: Timestamp,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE staff SET password_hash = NULL, totp_secret = NULL, setup_token_hash = $1,
                    setup_expires_at = $2
              WHERE id = $3 AND disabled_at IS NULL",
        )
        .bind(setup_token_hash)
        .bind(setup_expires_at)
        .bind(staff_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM staff_sessions WHERE staff_id = $1")
            .bind(staff_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(done.rows_affected() == 1)
    }

    /// Disables an account and ends its sessions; the row stays, so the
    /// access log keeps naming who did what.
    pub async fn disable_staff(&self, staff_id: &str, now: Timestamp) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE staff SET disabled_at = $1, password_hash = NULL, setup_token_hash = NULL
              WHERE id = $2 AND disabled_at IS NULL",
        )
        .bind(now)
        .bind(staff_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM staff_sessions WHERE staff_id = $1")
            .bind(staff_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(done.rows_affected() == 1)
    }

    /// Counts a failed sign-in: failures more than `lock_seconds` apart
    /// start the count again; the `threshold`-th locks the account for
    /// `lock_seconds` (and the count starts over after the lock).
    pub async fn record_staff_failure(
        &self,
        staff_id: &str,
        now: Timestamp,
        threshold: i64,
        lock_seconds: i64,
    ) -> Result<(), StoreError> {
        let failures: Option<i64> = sqlx::query_scalar(
            "UPDATE staff SET
                failed_logins = CASE WHEN last_failure_at IS NULL OR last_failure_at < $1 THEN 1
                                     ELSE failed_logins + 1 END,
                last_failure_at = $2
              WHERE id = $3
             RETURNING failed_logins",
        )
        .bind(now - lock_seconds)
        .bind(now)
        .bind(staff_id)
        .fetch_optional(self.writes())
        .await?;
        if failures.is_some_and(|n| n >= threshold) {
            sqlx::query("UPDATE staff SET locked_until = $1, failed_logins = 0 WHERE id = $2")
                .bind(now + lock_seconds)
                .bind(staff_id)
                .execute(self.writes())
                .await?;
        }
        Ok(())
    }

    pub async fn clear_staff_failures(&self, staff_id: &str) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE staff SET failed_logins = 0, last_failure_at = NULL, locked_until = NULL
              WHERE id = $1",
        )
        .bind(staff_id)
        .execute(self.writes())
        .await?;
        Ok(())
    }

    /// Accepts a TOTP time step once: false when this step (or a later
    /// one) was already used, so a code seen over a shoulder is spent.
    pub async fn accept_totp_step(&self, staff_id: &str, step: i64) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE staff SET totp_last_step = $1
              WHERE id = $2 AND (totp_last_step IS NULL OR totp_last_step < $3)",
        )
        .bind(step)
        .bind(staff_id)
        .bind(step)
        .execute(self.writes())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Opens a console session (the cookie's SHA-256, the form token).
    pub async fn open_staff_session(
        &self,
        token_hash: &str,
        staff_id: &str,
        csrf_token: &str,
        awaiting_totp: bool,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO staff_sessions (token_hash, staff_id, csrf_token, created_at,
                                         last_seen_at, awaiting_totp)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(token_hash)
        .bind(staff_id)
        .bind(csrf_token)
        .bind(now)
        .bind(now)
        .bind(flag(awaiting_totp))
        .execute(self.writes())
        .await?;
        Ok(())
    }

    /// The live session of a cookie (used within the idle time, opened
    /// within the lifetime, its account not disabled); refreshes its
    /// idle timer.
    pub async fn touch_staff_session(
        &self,
        token_hash: &str,
        now: Timestamp,
        limits: SessionLimits,
    ) -> Result<Option<StaffSession>, StoreError> {
        let touched = sqlx::query(
            "UPDATE staff_sessions SET last_seen_at = $1
              WHERE token_hash = $2 AND last_seen_at > $3 AND created_at > $4
             RETURNING staff_id",
        )
        .bind(now)
        .bind(token_hash)
        .bind(limits.seen_after(now))
        .bind(limits.opened_after(now))
        .fetch_optional(self.writes())
        .await?;
        if touched.is_none() {
            return Ok(None);
        }
        let row = sqlx::query(
            "SELECT s.staff_id, s.csrf_token, s.awaiting_totp, f.email, f.role, f.totp_secret
               FROM staff_sessions s JOIN staff f ON f.id = s.staff_id
              WHERE s.token_hash = $1 AND f.disabled_at IS NULL",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(StaffSession {
                staff_id: r.get("staff_id"),
                email: r.get("email"),
                role: Role::decode(&r.get::<String, _>("role"))?,
                csrf_token: r.get("csrf_token"),
                awaiting_totp: r.get::<i64, _>("awaiting_totp") != 0,
                totp_secret: r.get("totp_secret"),
            })
        })
        .transpose()
    }

    pub async fn end_staff_session(&self, token_hash: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM staff_sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(self.writes())
            .await?;
        Ok(())
    }

    /// Retention: console sessions past their limits, setup links past
    /// their time. Returns how many sessions went.
    pub async fn purge_staff_sessions(
        &self,
        now: Timestamp,
        limits: SessionLimits,
    ) -> Result<u64, StoreError> {
        sqlx::query(
            "UPDATE staff SET setup_token_hash = NULL, setup_expires_at = NULL
              WHERE setup_expires_at <= $1",
        )
        .bind(now)
        .execute(self.writes())
        .await?;
        Ok(
            sqlx::query("DELETE FROM staff_sessions WHERE last_seen_at <= $1 OR created_at <= $2")
                .bind(limits.seen_after(now))
                .bind(limits.opened_after(now))
                .execute(self.writes())
                .await?
                .rows_affected(),
        )
    }
}
