//! Personal data kept no longer than needed (Law 25): accounts never
//! confirmed, spent codes, delivery secrets, old sessions and stale
//! failed-login counts are purged; then SQLite's write-ahead log, which
//! still holds the pages as they were before, is truncated. Every
//! statement is idempotent, so several instances may run it.

use sqlx::Row;

use super::residents::{erase_account, Erasable};
use super::sessions::LOGIN_FAILURES_FORGOTTEN_AFTER;
use super::{Engine, SessionLimits, Store, StoreError, Timestamp};

/// What one pass removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Purged {
    /// Accounts whose number was never confirmed by a login (nor a code
    /// asked for since the cut-off), with everything naming the resident
    /// (as a resident's own deletion).
    pub unverified_accounts: u64,
    /// Hashes of codes that can no longer be used.
    pub codes: u64,
    /// Plain codes left in outbox rows whose delivery is over.
    pub delivery_secrets: u64,
    /// Resident sessions past their idle expiry or their lifetime.
    pub sessions: u64,
    /// Failed-login counts (per number, per kiosk) old enough to be
    /// forgotten: the next failure would start over anyway.
    pub login_failures: u64,
}

/// What truncating the write-ahead log did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WalCheckpoint {
    /// SQLite: every page is in the database file, the WAL is empty.
    Truncated,
    /// SQLite: a reader or a writer kept it from finishing within the
    /// busy timeout; the next pass tries again.
    Busy,
    /// PostgreSQL keeps its own log: dead rows and old WAL segments are
    /// the server's (VACUUM, checkpoints), not this program's.
    NotApplicable,
}

impl Store {
    /// One pass of the retention job, before [`Store::truncate_wal`]:
    /// accounts never confirmed and created before
    /// `unverified_created_before` (each erased in its own transaction,
    /// as a resident's deletion), spent codes' hashes, finished deliveries'
    /// plain codes, sessions past `sessions`' limits, stale failed-login
    /// counts.
    pub async fn purge(
        &self,
        now: Timestamp,
        unverified_created_before: Timestamp,
        sessions: SessionLimits,
    ) -> Result<Purged, StoreError> {
        let candidates: Vec<String> = sqlx::query_scalar(
            "SELECT id FROM accounts WHERE verified_at IS NULL AND created_at < $1",
        )
        .bind(unverified_created_before)
        .fetch_all(&self.pool)
        .await?;
        let mut unverified_accounts = 0;
        for id in candidates {
            // Checked again under the account's lock: a code asked since
            // the cut-off, or a login, keeps it.
            let mut tx = self.begin_account(&id).await?;
            if erase_account(
                &mut tx,
                &id,
                Erasable::UnverifiedBefore(unverified_created_before),
            )
            .await?
            {
                unverified_accounts += 1;
            }
            tx.commit().await?;
        }
        // The row stays (the per-number caps count deliveries, which
        // point at it); its hash goes.
        let codes = sqlx::query(
            "UPDATE codes SET code_hash = ''
              WHERE code_hash != '' AND (state != 'active' OR expires_at <= $1)",
        )
        .bind(now)
        .execute(self.writes())
        .await?
        .rows_affected();
        let delivery_secrets = sqlx::query(
            "UPDATE deliveries SET secret = NULL
              WHERE secret IS NOT NULL
                AND (state IN ('delivered', 'failed', 'expired', 'superseded') OR expires_at <= $1)",
        )
        .bind(now)
        .execute(self.writes())
        .await?
        .rows_affected();
        let sessions =
            sqlx::query("DELETE FROM sessions WHERE last_seen_at <= $1 OR created_at <= $2")
                .bind(sessions.seen_after(now))
                .bind(sessions.opened_after(now))
                .execute(self.writes())
                .await?
                .rows_affected();
        // A delay lasts at most as long as failures are remembered, so
        // none of these is in force.
        let login_failures = sqlx::query("DELETE FROM login_failures WHERE last_at < $1")
            .bind(now - LOGIN_FAILURES_FORGOTTEN_AFTER)
            .execute(self.writes())
            .await?
            .rows_affected();
        Ok(Purged {
            unverified_accounts,
            codes,
            delivery_secrets,
            sessions,
            login_failures,
        })
    }

    /// SQLite: copies the write-ahead log into the database file and
    /// truncates it, so that the pages as they were before a deletion
    /// (which `secure_delete` cannot reach: they are earlier frames of the
    /// log) are gone. Waits for readers and writers up to the busy timeout.
    pub async fn truncate_wal(&self) -> Result<WalCheckpoint, StoreError> {
        if self.engine != Engine::Sqlite {
            return Ok(WalCheckpoint::NotApplicable);
        }
        let row = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .fetch_one(self.writes())
            .await?;
        // (busy, frames in the log, frames checkpointed)
        Ok(if row.try_get::<i64, _>(0)? == 0 {
            WalCheckpoint::Truncated
        } else {
            WalCheckpoint::Busy
        })
    }
}
