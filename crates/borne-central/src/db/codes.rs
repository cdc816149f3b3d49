//! One-time login codes: issuing one (account, consent, code and its
//! delivery in one transaction), the per-number and per-kiosk caps, the
//! active code a login checks, wrong tries, and its single use.

use std::time::Duration;

use borne_domain::{Channel, ConsentRecord, Language, PhoneNumber};
use secrecy::{ExposeSecret, SecretString};
use sqlx::{AnyConnection, Row};

use super::profiles::insert_consent;
use super::{confirmations, new_id, secs, Engine, Store, StoreError, Timestamp};
use crate::config::Limits;

/// What `issue_code` needs: a new or existing account, the consent just
/// given, and the code to deliver.
#[derive(Debug)]
pub struct NewCode<'a> {
    pub phone: &'a PhoneNumber,
    pub language: Language,
    pub channel: Channel,
    pub consent: &'a ConsentRecord,
    pub code_hash: String,
    pub code: &'a SecretString,
    /// The kiosk that asked (authenticated name, or the one it declared).
    pub kiosk_id: &'a str,
    pub now: Timestamp,
    pub expires_at: Timestamp,
}

/// A code was issued and its delivery queued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issued {
    pub delivery_id: String,
    /// The channel that will be used: a number that opted out of SMS gets
    /// a call instead.
    pub channel: Channel,
    pub fallback: Option<&'static str>,
}

#[derive(Debug, thiserror::Error)]
pub enum IssueError {
    /// A cap was reached; nothing was written.
    #[error("limit {limit} reached")]
    Limited {
        limit: &'static str,
        retry_after: Duration,
    },
    #[error(transparent)]
    Db(#[from] StoreError),
}

impl From<sqlx::Error> for IssueError {
    fn from(e: sqlx::Error) -> Self {
        Self::Db(e.into())
    }
}

#[derive(Debug, Clone)]
pub struct ActiveCode {
    pub id: String,
    pub account_id: String,
    pub code_hash: String,
    pub attempts: i64,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
}

/// Which cap, if any, refuses one more message to this number (or code
/// from this kiosk), and for how long. A cap of 0 is off.
///
/// Messages count when they went out (`sent_at`), not when their row was
/// made: a backlog of deliveries waiting for a cap or for the send hours
/// has cost nothing yet, and must not all go out back to back once the
/// window opens. A code waiting for the worker counts from its request
/// (it goes out within seconds).
///
/// `kiosk_id` `None` leaves the per-kiosk cap out (confirmations of
/// synced registrations, which count in no kiosk's hourly codes);
/// `exclude` is a delivery not to count (the one being checked).
async fn caps_wait(
    conn: &mut AnyConnection,
    phone: &str,
    kiosk_id: Option<&str>,
    exclude: Option<&str>,
    caps: &Limits,
    now: Timestamp,
) -> Result<Option<(&'static str, Duration)>, StoreError> {
    let checks = [
        (
            "number_interval",
            "to_phone",
            phone,
            secs(caps.number_min_interval),
            1,
        ),
        (
            "number_10_min",
            "to_phone",
            phone,
            600,
            caps.number_per_10_min,
        ),
        ("number_day", "to_phone", phone, 86_400, caps.number_per_day),
        (
            "kiosk_hour",
            "kiosk_id",
            kiosk_id.unwrap_or_default(),
            3_600,
            if kiosk_id.is_some() {
                caps.kiosk_per_hour
            } else {
                0
            },
        ),
    ];
    let mut limited: Option<(&'static str, i64)> = None;
    for (limit, column, key, window, cap) in checks {
        if cap == 0 || window == 0 {
            continue;
        }
        // A kiosk's hourly cap counts the codes it asked for.
        let only_codes = if column == "kiosk_id" {
            " AND registration_id IS NULL"
        } else {
            ""
        };
        // The cap-th most recent message in the window, if there is one,
        // decides when the next one is allowed.
        let sql = format!(
            "SELECT t FROM (SELECT COALESCE(sent_at, created_at) AS t FROM deliveries
                             WHERE {column} = $1 AND id != $2{only_codes}
                               AND (sent_at IS NOT NULL
                                    OR (state = 'pending' AND code_id IS NOT NULL))) AS counted
             WHERE t > $3 ORDER BY t DESC LIMIT 1 OFFSET $4"
        );
        let nth: Option<i64> = sqlx::query_scalar(&sql)
            .bind(key)
            .bind(exclude.unwrap_or_default())
            .bind(now - window)
            .bind(i64::from(cap) - 1)
            .fetch_optional(&mut *conn)
            .await?;
        if let Some(t) = nth {
            let wait = (t + window - now).max(1);
            if limited.is_none_or(|(_, w)| wait > w) {
                limited = Some((limit, wait));
            }
        }
    }
    Ok(limited.map(|(limit, wait)| (limit, Duration::from_secs(u64::try_from(wait).unwrap_or(1)))))
}

/// The channel a code for `phone` goes by: a number that texted STOP gets
/// a call instead of an SMS, and the delivery says why.
async fn channel_for(
    conn: &mut AnyConnection,
    phone: &str,
    asked: Channel,
) -> Result<(Channel, Option<&'static str>), StoreError> {
    let opted_out: Option<i64> =
        sqlx::query_scalar("SELECT opted_out FROM sms_opt_outs WHERE phone = $1")
            .bind(phone)
            .fetch_optional(&mut *conn)
            .await?;
    Ok(match (asked, opted_out) {
        (Channel::Sms, Some(1)) => (Channel::Voice, Some("sms_opted_out")),
        (other, _) => (other, None),
    })
}

/// The unsent delivery of an account's active code ends, found among
/// the account's deliveries (by `account_id`: not among every pending one,
/// thousands during a synced backlog, on every code a resident asks for).
pub(super) const SUPERSEDE_CODE_DELIVERY: &str =
    "UPDATE deliveries SET state = 'superseded', secret = NULL, lease_until = NULL,
                           updated_at = $1
     WHERE account_id = $2 AND state = 'pending'
       AND code_id IN (SELECT id FROM codes WHERE account_id = $2 AND state = 'active')";

/// Supersedes the account's active code and its unsent delivery, then
/// stores a new active code (its hash). Returns the new code's id.
async fn replace_active_code(
    conn: &mut AnyConnection,
    account_id: &str,
    code_hash: &str,
    channel: Channel,
    now: Timestamp,
    expires_at: Timestamp,
) -> Result<String, StoreError> {
    sqlx::query(SUPERSEDE_CODE_DELIVERY)
        .bind(now)
        .bind(account_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("UPDATE codes SET state = 'superseded' WHERE account_id = $1 AND state = 'active'")
        .bind(account_id)
        .execute(&mut *conn)
        .await?;
    let code_id = new_id();
    sqlx::query(
        "INSERT INTO codes (id, account_id, code_hash, channel, state, created_at, expires_at)
         VALUES ($1, $2, $3, $4, 'active', $5, $6)",
    )
    .bind(&code_id)
    .bind(account_id)
    .bind(code_hash)
    .bind(channel.as_str())
    .bind(now)
    .bind(expires_at)
    .execute(&mut *conn)
    .await?;
    Ok(code_id)
}

impl Store {
    /// One transaction: the account (created if new), the consent record,
    /// the new code (superseding any earlier one, and its undelivered
    /// message), and the delivery in the outbox. Returns the delivery id.
    ///
    /// The caps are checked inside the same transaction, which holds
    /// SQLite's write lock from its start (PostgreSQL: the kiosk's
    /// advisory lock and, after its first write, the account's row lock),
    /// so two concurrent requests cannot both pass a cap that only one of
    /// them fits under.
    pub async fn issue_code(&self, c: NewCode<'_>, caps: &Limits) -> Result<Issued, IssueError> {
        let mut tx = self.begin_write().await?;
        let phone = c.phone.e164();
        if self.engine == Engine::Postgres {
            // Row locks take the place of SQLite's database lock: one
            // kiosk's codes (its hourly cap; advisory lock namespace 3) and
            // one number's codes (its caps, its one active code) are issued
            // one at a time.
            sqlx::query("SELECT pg_advisory_xact_lock(3, hashtext($1))::text")
                .bind(c.kiosk_id)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query(
            "INSERT INTO accounts (id, phone, language, created_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (phone) DO NOTHING",
        )
        .bind(new_id())
        .bind(&phone)
        .bind(c.language.as_str())
        .bind(c.now)
        .execute(&mut *tx)
        .await?;
        let lock = match self.engine {
            Engine::Sqlite => "SELECT id FROM accounts WHERE phone = $1",
            Engine::Postgres => "SELECT id FROM accounts WHERE phone = $1 FOR UPDATE",
        };
        let account_id: String = sqlx::query_scalar(lock)
            .bind(&phone)
            .fetch_one(&mut *tx)
            .await?;
        if let Some((limit, retry_after)) =
            caps_wait(&mut tx, &phone, Some(c.kiosk_id), None, caps, c.now).await?
        {
            return Err(IssueError::Limited { limit, retry_after });
        }
        let (channel, fallback) = channel_for(&mut tx, &phone, c.channel).await?;
        insert_consent(&mut tx, &account_id, c.consent, None, c.now).await?;
        let code_id = replace_active_code(
            &mut tx,
            &account_id,
            &c.code_hash,
            channel,
            c.now,
            c.expires_at,
        )
        .await?;
        let delivery_id = new_id();
        sqlx::query(
            "INSERT INTO deliveries (id, code_id, account_id, to_phone, channel, language, secret,
                                     state, next_attempt_at, expires_at, created_at, updated_at,
                                     kiosk_id, fallback)
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8, $9, $10, $11, $12, $13)",
        )
        .bind(&delivery_id)
        .bind(&code_id)
        .bind(&account_id)
        .bind(&phone)
        .bind(channel.as_str())
        .bind(c.language.as_str())
        .bind(c.code.expose_secret())
        .bind(c.now)
        .bind(c.expires_at)
        .bind(c.now)
        .bind(c.now)
        .bind(c.kiosk_id)
        .bind(fallback)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Issued {
            delivery_id,
            channel,
            fallback,
        })
    }

    /// The same caps as `issue_code`, read outside a transaction: lets a
    /// request be refused before any work (hashing) is spent on it.
    pub async fn caps_wait(
        &self,
        phone: &PhoneNumber,
        kiosk_id: &str,
        caps: &Limits,
        now: Timestamp,
    ) -> Result<Option<(&'static str, Duration)>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        caps_wait(&mut conn, &phone.e164(), Some(kiosk_id), None, caps, now).await
    }

    /// The per-number caps for one more message to `phone` (E.164), the
    /// delivery `exclude` not counted: a confirmation waits for them.
    pub async fn message_caps_wait(
        &self,
        phone: &str,
        exclude: &str,
        caps: &Limits,
        now: Timestamp,
    ) -> Result<Option<(&'static str, Duration)>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        caps_wait(&mut conn, phone, None, Some(exclude), caps, now).await
    }

    /// The code a login for this phone is checked against.
    pub async fn active_code(&self, phone: &PhoneNumber) -> Result<Option<ActiveCode>, StoreError> {
        let row = sqlx::query(
            "SELECT c.id, c.account_id, c.code_hash, c.attempts, c.created_at, c.expires_at
             FROM codes c JOIN accounts a ON a.id = c.account_id
             WHERE a.phone = $1 AND c.state = 'active'",
        )
        .bind(phone.e164())
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| ActiveCode {
            id: r.get("id"),
            account_id: r.get("account_id"),
            code_hash: r.get("code_hash"),
            attempts: r.get("attempts"),
            created_at: r.get("created_at"),
            expires_at: r.get("expires_at"),
        }))
    }

    /// Counts a wrong try; the code burns at `max_attempts`. Returns the
    /// number of tries left.
    pub async fn record_wrong_code(
        &self,
        code_id: &str,
        max_attempts: i64,
    ) -> Result<i64, StoreError> {
        let attempts: Option<i64> = sqlx::query_scalar(
            "UPDATE codes SET attempts = attempts + 1,
                              state = CASE WHEN attempts + 1 >= $1 THEN 'burned' ELSE state END
             WHERE id = $2 AND state = 'active'
             RETURNING attempts",
        )
        .bind(max_attempts)
        .bind(code_id)
        .fetch_optional(self.writes())
        .await?;
        Ok(attempts.map_or(0, |a| (max_attempts - a).max(0)))
    }

    /// Uses the code (once: a concurrent login with the same code loses),
    /// marks the phone verified, and opens a session. False when the code
    /// was no longer active.
    pub async fn consume_code(
        &self,
        code: &ActiveCode,
        session_token_hash: &str,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let used = sqlx::query(
            "UPDATE codes SET state = 'used' WHERE id = $1 AND state = 'active' AND expires_at > $2",
        )
        .bind(&code.id)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if used != 1 {
            return Ok(false);
        }
        sqlx::query("UPDATE accounts SET verified_at = COALESCE(verified_at, $1) WHERE id = $2")
            .bind(now)
            .bind(&code.account_id)
            .execute(&mut *tx)
            .await?;
        confirmations::end_by_login(&mut tx, &code.account_id, now).await?;
        sqlx::query(
            "INSERT INTO sessions (token_hash, account_id, created_at, last_seen_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(session_token_hash)
        .bind(&code.account_id)
        .bind(now)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use sqlx::Row;

    use super::super::{scratch_database, Engine, Store};
    use super::SUPERSEDE_CODE_DELIVERY;

    /// SQLite's plan (no statistics: its guesses) goes through the
    /// account's deliveries, not through every pending one.
    #[tokio::test]
    async fn a_codes_unsent_delivery_is_looked_for_among_its_accounts() {
        let dir = tempfile::tempdir().unwrap();
        let url = scratch_database(Engine::Sqlite, dir.path()).await.unwrap();
        let store = Store::connect(&url).await.unwrap();
        let plan: Vec<String> =
            sqlx::query(&format!("EXPLAIN QUERY PLAN {SUPERSEDE_CODE_DELIVERY}"))
                .fetch_all(&store.pool)
                .await
                .unwrap()
                .iter()
                .map(|r| r.get("detail"))
                .collect();
        assert!(
            plan.first()
                .is_some_and(|step| step.contains("USING INDEX deliveries_account")),
            "{plan:?}"
        );
    }
}
