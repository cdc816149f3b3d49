//! The kiosk's durable, encrypted queue of offline registrations (SQLite).
//! No SQL leaves this module.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use borne_protocol as wire;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, SqlitePool};

use crate::keystore::QueueKey;
use crate::staff::PinGuard;

/// Unix milliseconds.
pub type Millis = i64;

/// A refused registration, without its personal data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectedRow {
    pub id: String,
    pub created_at: Millis,
    pub updated_at: Millis,
    /// The central server's error code.
    pub reason: Option<String>,
}

pub fn now_ms() -> Millis {
    i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_millis(),
    )
    .unwrap_or(i64::MAX)
}

const KEY_CHECK: &[u8] = b"borne kiosk queue key check v1";

const PIN_GUARD: &str =
    "SELECT failures, locks, locked_until, pin_salt FROM staff_pin_lock WHERE id = 1";

/// A stored count out of range reads as the largest: the lock errs on
/// the side of locking. Tries counted against another PIN (`pin_salt`,
/// the salt of the hash then configured) count for nothing now.
fn pin_guard_of(row: &sqlx::sqlite::SqliteRow, pin_salt: &str) -> PinGuard {
    let stored: Option<String> = row.get("pin_salt");
    if stored.is_some_and(|s| s != pin_salt) {
        return PinGuard::default();
    }
    let count = |name: &str| u32::try_from(row.get::<i64, _>(name).max(0)).unwrap_or(u32::MAX);
    PinGuard {
        failures: count("failures"),
        locks: count("locks"),
        locked_until: row.get("locked_until"),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    #[error("queue database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("queue database: cannot apply migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("queue database: {0} is `{1}`, expected `{2}`")]
    Pragma(&'static str, String, &'static str),
    #[error(
        "the queue key cannot read this queue database ({0} registrations not yet acknowledged): \
         restore the key it was made with, or move the database aside"
    )]
    WrongKey(i64),
    #[error("registration {0} cannot be decrypted or read")]
    Unreadable(String),
}

/// Counts per state and the oldest entry not yet acknowledged.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueueCounts {
    pub pending: i64,
    pub sending: i64,
    pub acknowledged: i64,
    pub rejected: i64,
    pub oldest_unacknowledged: Option<Millis>,
}

/// A registration taken for sending.
#[derive(Debug, Clone)]
pub struct Taken {
    pub registration: wire::Registration,
    pub attempts: i64,
}

#[derive(Clone)]
pub struct Queue {
    pool: SqlitePool,
    cipher: XChaCha20Poly1305,
}

impl std::fmt::Debug for Queue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Queue").finish_non_exhaustive()
    }
}

impl Queue {
    /// Opens (creating if needed) the queue at `path`, applies migrations,
    /// checks that WAL and `synchronous=FULL` are in effect, and that `key`
    /// is the one this database was sealed with. Entries left `sending`
    /// by a crash go back to `pending` (their id makes a resend safe).
    pub async fn open(path: &Path, key: &QueueKey) -> Result<Self, QueueError> {
        let options = SqliteConnectOptions::from_str("sqlite://")?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            // Freed pages (purged payloads) are overwritten with zeros.
            .pragma("secure_delete", "ON")
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(options)
            .await?;
        let journal: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(&pool)
            .await?;
        if !journal.eq_ignore_ascii_case("wal") {
            return Err(QueueError::Pragma("journal_mode", journal, "wal"));
        }
        let sync: i64 = sqlx::query_scalar("PRAGMA synchronous")
            .fetch_one(&pool)
            .await?;
        if sync != 2 {
            return Err(QueueError::Pragma(
                "synchronous",
                sync.to_string(),
                "2 (FULL)",
            ));
        }
        sqlx::migrate!("../../migrations/kiosk-sqlite")
            .run(&pool)
            .await?;
        let queue = Self {
            pool,
            cipher: XChaCha20Poly1305::new(key.bytes().into()),
        };
        queue.check_key().await?;
        let requeued = sqlx::query("UPDATE queue SET state = 'pending' WHERE state = 'sending'")
            .execute(&queue.pool)
            .await?
            .rows_affected();
        if requeued > 0 {
            tracing::warn!(
                requeued,
                "registrations left in sending by a stop go back to pending"
            );
        }
        Ok(queue)
    }

    async fn check_key(&self) -> Result<(), QueueError> {
        let stored: Option<Vec<u8>> =
            sqlx::query_scalar("SELECT value FROM meta WHERE name = 'key_check'")
                .fetch_optional(&self.pool)
                .await?;
        match stored {
            Some(sealed) => {
                let ok = sealed.len() > 24
                    && self
                        .open_sealed(&sealed[..24], &sealed[24..], b"key_check")
                        .is_some_and(|plain| plain == KEY_CHECK);
                if ok {
                    Ok(())
                } else {
                    let waiting: i64 =
                        sqlx::query_scalar("SELECT COUNT(*) FROM queue WHERE payload IS NOT NULL")
                            .fetch_one(&self.pool)
                            .await?;
                    Err(QueueError::WrongKey(waiting))
                }
            }
            None => {
                let (nonce, sealed) = self.seal(KEY_CHECK, b"key_check");
                let mut value = nonce;
                value.extend_from_slice(&sealed);
                sqlx::query("INSERT INTO meta (name, value) VALUES ('key_check', ?)")
                    .bind(value)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }
        }
    }

    fn seal(&self, plain: &[u8], aad: &[u8]) -> (Vec<u8>, Vec<u8>) {
        let mut nonce = [0u8; 24];
        rand::rng().fill_bytes(&mut nonce);
        let sealed = self
            .cipher
            .encrypt(XNonce::from_slice(&nonce), Payload { msg: plain, aad })
            .expect("XChaCha20-Poly1305 encryption does not fail for in-memory buffers");
        (nonce.to_vec(), sealed)
    }

    fn open_sealed(&self, nonce: &[u8], sealed: &[u8], aad: &[u8]) -> Option<Vec<u8>> {
        if nonce.len() != 24 {
            return None;
        }
        self.cipher
            .decrypt(XNonce::from_slice(nonce), Payload { msg: sealed, aad })
            .ok()
    }

    /// Stores a registration and its queue entry in one transaction; when
    /// this returns `Ok`, the registration survives a crash or power cut.
    pub async fn enqueue(&self, r: &wire::Registration, now: Millis) -> Result<(), QueueError> {
        let json = serde_json::to_vec(r).map_err(|_| QueueError::Unreadable(r.id.clone()))?;
        let (nonce, payload) = self.seal(&json, r.id.as_bytes());
        sqlx::query(
            "INSERT INTO queue (id, state, next_attempt_at, created_at, updated_at, nonce, payload)
             VALUES (?, 'pending', ?, ?, ?, ?, ?)",
        )
        .bind(&r.id)
        .bind(now)
        .bind(now)
        .bind(now)
        .bind(nonce)
        .bind(payload)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Up to `limit` due entries, oldest first, marked `sending` and
    /// decrypted. An entry that cannot be decrypted is marked rejected.
    pub async fn take_due(&self, now: Millis, limit: u32) -> Result<Vec<Taken>, QueueError> {
        self.acknowledge_and_take(&[], now, limit).await
    }

    /// The central server stored them: only the id, state and times remain.
    pub async fn acknowledge(
        &self,
        acks: &[(String, String)],
        now: Millis,
    ) -> Result<(), QueueError> {
        if acks.is_empty() {
            return Ok(());
        }
        self.acknowledge_and_take(acks, now, 0).await.map(drop)
    }

    /// [`Queue::acknowledge`] then [`Queue::take_due`] in one transaction:
    /// a sync records a batch's answer and takes the next one with one
    /// commit (one fsync) instead of two.
    pub async fn acknowledge_and_take(
        &self,
        acks: &[(String, String)],
        now: Millis,
        limit: u32,
    ) -> Result<Vec<Taken>, QueueError> {
        if acks.is_empty() && limit == 0 {
            return Ok(Vec::new());
        }
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        for (id, outcome) in acks {
            sqlx::query(
                "UPDATE queue SET state = 'acknowledged', outcome = ?, acknowledged_at = ?,
                                  updated_at = ?, nonce = NULL, payload = NULL, last_error = NULL
                 WHERE id = ?",
            )
            .bind(outcome)
            .bind(now)
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        }
        let rows = if limit == 0 {
            Vec::new()
        } else {
            sqlx::query(
                "UPDATE queue SET state = 'sending', updated_at = ?
                 WHERE id IN (SELECT id FROM queue WHERE state = 'pending' AND next_attempt_at <= ?
                              ORDER BY next_attempt_at, id LIMIT ?)
                 RETURNING id, attempts, nonce, payload",
            )
            .bind(now)
            .bind(now)
            .bind(limit)
            .fetch_all(&mut *tx)
            .await?
        };
        tx.commit().await?;
        let mut taken = Vec::with_capacity(rows.len());
        for row in rows {
            let id: String = row.get("id");
            let nonce: Option<Vec<u8>> = row.get("nonce");
            let payload: Option<Vec<u8>> = row.get("payload");
            let registration = nonce
                .zip(payload)
                .and_then(|(n, p)| self.open_sealed(&n, &p, id.as_bytes()))
                .and_then(|json| serde_json::from_slice::<wire::Registration>(&json).ok())
                .filter(|r| r.id == id);
            match registration {
                Some(registration) => taken.push(Taken {
                    registration,
                    attempts: row.get("attempts"),
                }),
                None => {
                    tracing::error!(registration = %id, "queued registration cannot be decrypted");
                    self.reject(&id, "unreadable: cannot be decrypted", now)
                        .await?;
                }
            }
        }
        Ok(taken)
    }

    /// Taken entries not sent after all go back to `pending` as they were
    /// (no attempt counted, due as before).
    pub async fn release(&self, ids: &[&str], now: Millis) -> Result<(), QueueError> {
        if ids.is_empty() {
            return Ok(());
        }
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        for id in ids {
            sqlx::query(
                "UPDATE queue SET state = 'pending', updated_at = ? WHERE id = ? AND state = 'sending'",
            )
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The central server refused it for good: kept for staff, with why.
    pub async fn reject(&self, id: &str, reason: &str, now: Millis) -> Result<(), QueueError> {
        sqlx::query(
            "UPDATE queue SET state = 'rejected', last_error = ?, updated_at = ? WHERE id = ?",
        )
        .bind(reason)
        .bind(now)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Rejected registrations whose rejection (`updated_at`) is at or
    /// before `before` are deleted, personal data and all; answers how
    /// many. The WAL is then checkpointed and emptied, so their sealed
    /// payloads stay neither there nor in the database's freed pages
    /// (`secure_delete`).
    pub async fn expire_rejected(&self, before: Millis) -> Result<u64, QueueError> {
        let expired = sqlx::query("DELETE FROM queue WHERE state = 'rejected' AND updated_at <= ?")
            .bind(before)
            .execute(&self.pool)
            .await?
            .rows_affected();
        if expired > 0 {
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(&self.pool)
                .await?;
        }
        Ok(expired)
    }

    /// Staff mode's PIN lock as stored (none yet: no wrong PIN since the
    /// last right one).
    pub(crate) async fn pin_guard(&self, pin_salt: &str) -> Result<PinGuard, QueueError> {
        Ok(sqlx::query(PIN_GUARD)
            .fetch_optional(&self.pool)
            .await?
            .map(|row| pin_guard_of(&row, pin_salt))
            .unwrap_or_default())
    }

    /// Changes the PIN lock in one transaction; answers what `change` does.
    pub(crate) async fn update_pin_guard<T>(
        &self,
        pin_salt: &str,
        change: impl FnOnce(&mut PinGuard) -> T,
    ) -> Result<T, QueueError> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let mut guard = sqlx::query(PIN_GUARD)
            .fetch_optional(&mut *tx)
            .await?
            .map(|row| pin_guard_of(&row, pin_salt))
            .unwrap_or_default();
        let answer = change(&mut guard);
        sqlx::query(
            "INSERT INTO staff_pin_lock (id, failures, locks, locked_until, pin_salt)
             VALUES (1, ?, ?, ?, ?)
             ON CONFLICT (id) DO UPDATE SET failures = excluded.failures, locks = excluded.locks,
                                            locked_until = excluded.locked_until,
                                            pin_salt = excluded.pin_salt",
        )
        .bind(i64::from(guard.failures))
        .bind(i64::from(guard.locks))
        .bind(guard.locked_until)
        .bind(pin_salt)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(answer)
    }

    /// Back to `pending`, due at `at`. `counts` says whether this was an
    /// attempt the server answered (it then counts towards the backoff).
    pub async fn retry(
        &self,
        id: &str,
        at: Millis,
        error: &str,
        counts: bool,
        now: Millis,
    ) -> Result<(), QueueError> {
        sqlx::query(
            "UPDATE queue SET state = 'pending', next_attempt_at = ?, last_error = ?,
                              attempts = attempts + ?, updated_at = ?
             WHERE id = ? AND state = 'sending'",
        )
        .bind(at)
        .bind(error)
        .bind(i64::from(counts))
        .bind(now)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The central server is reachable again: everything pending is due.
    pub async fn make_all_due(&self, now: Millis) -> Result<u64, QueueError> {
        Ok(sqlx::query(
            "UPDATE queue SET next_attempt_at = ? WHERE state = 'pending' AND next_attempt_at > ?",
        )
        .bind(now)
        .bind(now)
        .execute(&self.pool)
        .await?
        .rows_affected())
    }

    /// When the next pending entry is due, if there is one.
    pub async fn next_due(&self) -> Result<Option<Millis>, QueueError> {
        Ok(
            sqlx::query_scalar("SELECT MIN(next_attempt_at) FROM queue WHERE state = 'pending'")
                .fetch_one(&self.pool)
                .await?,
        )
    }

    /// Registrations captured since `since` (whatever became of them).
    pub async fn captured_since(&self, since: Millis) -> Result<i64, QueueError> {
        Ok(
            sqlx::query_scalar("SELECT COUNT(*) FROM queue WHERE created_at >= ?")
                .bind(since)
                .fetch_one(&self.pool)
                .await?,
        )
    }

    /// The registrations the central server refused for good, newest
    /// refusal first, at most `limit`: their ids, times and reasons (their
    /// sealed payloads stay where they are).
    pub async fn rejected(&self, limit: u32) -> Result<Vec<RejectedRow>, QueueError> {
        let rows = sqlx::query(
            "SELECT id, created_at, updated_at, last_error FROM queue
             WHERE state = 'rejected' ORDER BY updated_at DESC, id LIMIT ?",
        )
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|row| RejectedRow {
                id: row.get("id"),
                created_at: row.get("created_at"),
                updated_at: row.get("updated_at"),
                reason: row.get("last_error"),
            })
            .collect())
    }

    pub async fn counts(&self) -> Result<QueueCounts, QueueError> {
        let row = sqlx::query(
            "SELECT COALESCE(SUM(state = 'pending'), 0) AS pending,
                    COALESCE(SUM(state = 'sending'), 0) AS sending,
                    COALESCE(SUM(state = 'acknowledged'), 0) AS acknowledged,
                    COALESCE(SUM(state = 'rejected'), 0) AS rejected,
                    MIN(CASE WHEN state IN ('pending', 'sending') THEN created_at END) AS oldest
             FROM queue",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(QueueCounts {
            pending: row.get("pending"),
            sending: row.get("sending"),
            acknowledged: row.get("acknowledged"),
            rejected: row.get("rejected"),
            oldest_unacknowledged: row.get("oldest"),
        })
    }

    /// A queued registration, decrypted (for checks and staff); `None`
    /// once acknowledged (purged) or if unknown.
    pub async fn get(&self, id: &str) -> Result<Option<wire::Registration>, QueueError> {
        let row = sqlx::query("SELECT nonce, payload FROM queue WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let (Some(nonce), Some(payload)) = (
            row.get::<Option<Vec<u8>>, _>("nonce"),
            row.get::<Option<Vec<u8>>, _>("payload"),
        ) else {
            return Ok(None);
        };
        let json = self
            .open_sealed(&nonce, &payload, id.as_bytes())
            .ok_or_else(|| QueueError::Unreadable(id.to_owned()))?;
        serde_json::from_slice(&json)
            .map(Some)
            .map_err(|_| QueueError::Unreadable(id.to_owned()))
    }

    /// `PRAGMA integrity_check`'s answer (`ok` when sound).
    pub async fn integrity_check(&self) -> Result<String, QueueError> {
        Ok(sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_one(&self.pool)
            .await?)
    }

    /// Rows that still hold personal data (pending, sending, rejected).
    pub async fn with_personal_data(&self) -> Result<i64, QueueError> {
        Ok(
            sqlx::query_scalar("SELECT COUNT(*) FROM queue WHERE payload IS NOT NULL")
                .fetch_one(&self.pool)
                .await?,
        )
    }

    /// Closes the pool (tests reopen the same file).
    pub async fn close(&self) {
        self.pool.close().await;
    }
}
