//! Personal data kept no longer than needed (Law 25): accounts never
//! confirmed, spent codes, delivery secrets and old sessions are purged.
//! Every statement is idempotent, so several instances may run it.

use super::{Store, StoreError, Timestamp};

/// What one pass removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Purged {
    /// Accounts whose number was never confirmed by a login (nor a code
    /// asked for since the cut-off), with their profile, contact points,
    /// consents, codes and deliveries.
    pub unverified_accounts: u64,
    /// Hashes of codes that can no longer be used.
    pub codes: u64,
    /// Plain codes left in outbox rows whose delivery is over.
    pub delivery_secrets: u64,
    /// Resident sessions past their idle expiry.
    pub sessions: u64,
}

impl Store {
    pub async fn purge(
        &self,
        now: Timestamp,
        unverified_created_before: Timestamp,
        sessions_seen_before: Timestamp,
    ) -> Result<Purged, StoreError> {
        let unverified_accounts = sqlx::query(
            "DELETE FROM accounts
                  WHERE verified_at IS NULL AND created_at < $1
                    AND NOT EXISTS (SELECT 1 FROM codes c
                                     WHERE c.account_id = accounts.id AND c.created_at >= $1)",
        )
        .bind(unverified_created_before)
        .execute(&self.pool)
        .await?
        .rows_affected();
        // The row stays (the per-number caps count deliveries, which
        // point at it); its hash goes.
        let codes = sqlx::query(
            "UPDATE codes SET code_hash = ''
              WHERE code_hash != '' AND (state != 'active' OR expires_at <= $1)",
        )
        .bind(now)
        .execute(&self.pool)
        .await?
        .rows_affected();
        let delivery_secrets = sqlx::query(
            "UPDATE deliveries SET secret = NULL
              WHERE secret IS NOT NULL
                AND (state IN ('delivered', 'failed', 'expired', 'superseded') OR expires_at <= $1)",
        )
        .bind(now)
        .execute(&self.pool)
        .await?
        .rows_affected();
        let sessions = sqlx::query("DELETE FROM sessions WHERE last_seen_at < $1")
            .bind(sessions_seen_before)
            .execute(&self.pool)
            .await?
            .rows_affected();
        Ok(Purged {
            unverified_accounts,
            codes,
            delivery_secrets,
            sessions,
        })
    }
}
