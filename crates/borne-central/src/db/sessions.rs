//! Resident sessions (kept as SHA-256 of the token) and the login
//! lockout: failed logins counted per number and per kiosk.

use std::time::Duration;

use borne_domain::PhoneNumber;
use sqlx::Row;

use super::{secs, Store, StoreError, Timestamp};

/// Failures this far apart start the count again (seconds).
pub(super) const LOGIN_FAILURES_FORGOTTEN_AFTER: i64 = 900;

/// How long a resident session lives: at most `idle` between two uses,
/// and at most `lifetime` after the login that opened it, however often
/// it is used (`BORNE_SESSION_IDLE_SECONDS`, `BORNE_SESSION_LIFETIME_SECONDS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionLimits {
    pub idle: Duration,
    pub lifetime: Duration,
}

impl SessionLimits {
    /// A session last used at or before this has expired for idleness.
    pub fn seen_after(&self, now: Timestamp) -> Timestamp {
        now - secs(self.idle)
    }

    /// A session opened at or before this has outlived its lifetime, and
    /// so has an offline registration's proof made of it.
    pub fn opened_after(&self, now: Timestamp) -> Timestamp {
        now - secs(self.lifetime)
    }
}

/// Who failed logins are counted for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginScope {
    Phone,
    Kiosk,
}

impl LoginScope {
    fn as_str(self) -> &'static str {
        match self {
            Self::Phone => "phone",
            Self::Kiosk => "kiosk",
        }
    }
}

/// A login delay in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginDelay {
    pub until: Timestamp,
    /// The failure that set it: a code issued after it is not delayed.
    pub last_failure: Timestamp,
}

impl Store {
    /// The account behind a live session (used within the idle time,
    /// opened within the lifetime); refreshes its idle timer.
    pub async fn touch_session(
        &self,
        token_hash: &str,
        now: Timestamp,
        limits: SessionLimits,
    ) -> Result<Option<String>, StoreError> {
        sqlx::query_scalar(
            "UPDATE sessions SET last_seen_at = $1
              WHERE token_hash = $2 AND last_seen_at > $3 AND created_at > $4
             RETURNING account_id",
        )
        .bind(now)
        .bind(token_hash)
        .bind(limits.seen_after(now))
        .bind(limits.opened_after(now))
        .fetch_optional(self.writes())
        .await
        .map_err(StoreError::from)
    }

    /// Ends a session (the kiosk wiped its own): its token is refused
    /// from now on. Ending one that is unknown or already ended changes
    /// nothing.
    /// Ends the session; whether there was one to end.
    pub async fn end_session(&self, token_hash: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(self.writes())
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// The login delay in force for this number or this kiosk: until
    /// when, and the last failure that set it.
    pub async fn login_delay(
        &self,
        phone: &PhoneNumber,
        kiosk_id: &str,
    ) -> Result<Option<LoginDelay>, StoreError> {
        let r = sqlx::query(
            "SELECT MAX(locked_until) AS until, MAX(last_at) AS last FROM login_failures
              WHERE (scope = 'phone' AND key = $1) OR (scope = 'kiosk' AND key = $2)",
        )
        .bind(phone.e164())
        .bind(kiosk_id)
        .fetch_one(&self.pool)
        .await?;
        let until: Option<i64> = r.get("until");
        let last: Option<i64> = r.get("last");
        Ok(until.zip(last).map(|(until, last_failure)| LoginDelay {
            until,
            last_failure,
        }))
    }

    /// Counts a failed login for a number (whether it has an account or
    /// not) or a kiosk. Failures more than 15 minutes apart start the
    /// count again; from the `threshold`-th on, each one delays logins
    /// twice as long as the previous (2 s, 4 s, 8 s … at most 15 min).
    pub async fn record_failed_login(
        &self,
        scope: LoginScope,
        key: &str,
        threshold: u32,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let failures: i64 = sqlx::query_scalar(
            "INSERT INTO login_failures (scope, key, failures, last_at) VALUES ($1, $2, 1, $3)
             ON CONFLICT (scope, key) DO UPDATE SET
                failures = CASE WHEN login_failures.last_at < $4 THEN 1
                                ELSE login_failures.failures + 1 END,
                locked_until = CASE WHEN login_failures.last_at < $5 THEN NULL
                                    ELSE login_failures.locked_until END,
                last_at = excluded.last_at
             RETURNING failures",
        )
        .bind(scope.as_str())
        .bind(key)
        .bind(now)
        .bind(now - LOGIN_FAILURES_FORGOTTEN_AFTER)
        .bind(now - LOGIN_FAILURES_FORGOTTEN_AFTER)
        .fetch_one(self.writes())
        .await?;
        let over = failures - i64::from(threshold);
        if threshold == 0 || over < 0 {
            return Ok(());
        }
        let delay = 2i64
            .checked_shl(u32::try_from(over.min(20)).unwrap_or(20))
            .unwrap_or(900)
            .min(900);
        sqlx::query("UPDATE login_failures SET locked_until = $1 WHERE scope = $2 AND key = $3")
            .bind(now + delay)
            .bind(scope.as_str())
            .bind(key)
            .execute(self.writes())
            .await?;
        Ok(())
    }

    /// A successful login forgets the number's failures (not the kiosk's:
    /// a guesser could otherwise reset them with a number of their own).
    pub async fn clear_login_failures(&self, phone: &PhoneNumber) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM login_failures WHERE scope = 'phone' AND key = $1")
            .bind(phone.e164())
            .execute(self.writes())
            .await?;
        Ok(())
    }
}
