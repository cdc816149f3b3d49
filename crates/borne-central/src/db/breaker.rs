//! The cost breaker's stored state (pause, resume) and what it and the
//! metrics count: sends since a time, the outbox's depth.

use sqlx::Row;

use super::{Store, StoreError, Timestamp};

/// The cost breaker's stored state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BreakerState {
    pub paused_at: Option<Timestamp>,
    pub reason: Option<String>,
    pub resumed_at: Option<Timestamp>,
}

impl Store {
    pub async fn breaker(&self) -> Result<BreakerState, StoreError> {
        let r = sqlx::query("SELECT paused_at, reason, resumed_at FROM cost_breaker WHERE id = 1")
            .fetch_one(&self.pool)
            .await?;
        Ok(BreakerState {
            paused_at: r.get("paused_at"),
            reason: r.get("reason"),
            resumed_at: r.get("resumed_at"),
        })
    }

    /// Pauses automatic sends (only if not paused already).
    pub async fn pause_sends(&self, reason: &str, now: Timestamp) -> Result<bool, StoreError> {
        let r = sqlx::query(
            "UPDATE cost_breaker SET paused_at = $1, reason = $2 WHERE id = 1 AND paused_at IS NULL",
        )
        .bind(now)
        .bind(reason)
        .execute(self.writes())
        .await?;
        Ok(r.rows_affected() == 1)
    }

    /// An administrator resumes sends.
    pub async fn resume_sends(&self, now: Timestamp) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE cost_breaker SET paused_at = NULL, reason = NULL, resumed_at = $1 WHERE id = 1",
        )
        .bind(now)
        .execute(self.writes())
        .await?;
        Ok(())
    }

    /// Messages and calls the provider accepted since `since`.
    pub async fn sends_since(&self, since: Timestamp) -> Result<i64, StoreError> {
        sqlx::query_scalar("SELECT COUNT(*) FROM deliveries WHERE sent_at >= $1")
            .bind(since)
            .fetch_one(&self.pool)
            .await
            .map_err(StoreError::from)
    }

    /// Pending deliveries and the age of the oldest, for metrics.
    pub async fn outbox_depth(&self, now: Timestamp) -> Result<(i64, i64), StoreError> {
        let r = sqlx::query(
            "SELECT COUNT(*) AS n, MIN(created_at) AS oldest FROM deliveries WHERE state = 'pending'",
        )
        .fetch_one(&self.pool)
        .await?;
        let oldest: Option<i64> = r.get("oldest");
        Ok((r.get("n"), oldest.map_or(0, |t| now - t)))
    }

    /// Deliveries that ended failed since `since` (the provider refused
    /// them, or every attempt failed).
    pub async fn failures_since(&self, since: Timestamp) -> Result<i64, StoreError> {
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM deliveries WHERE state = 'failed' AND updated_at >= $1",
        )
        .bind(since)
        .fetch_one(&self.pool)
        .await
        .map_err(StoreError::from)
    }

    /// The latest failed deliveries, newest first: never the number nor
    /// the code, only the channel, the kiosk, the times and the
    /// provider's error code (`last_error` holds no provider text).
    pub async fn recent_failures(&self, limit: i64) -> Result<Vec<DeliveryFailure>, StoreError> {
        Ok(sqlx::query(
            "SELECT id, channel, kiosk_id, created_at, updated_at, attempts, last_error
               FROM deliveries WHERE state = 'failed'
              ORDER BY updated_at DESC, id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(|r| DeliveryFailure {
            id: r.get("id"),
            channel: r.get("channel"),
            kiosk_id: r.get("kiosk_id"),
            created_at: r.get("created_at"),
            failed_at: r.get("updated_at"),
            attempts: r.get("attempts"),
            error: r.get("last_error"),
        })
        .collect())
    }
}

/// A failed delivery as the console lists it (no number, no code).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryFailure {
    pub id: String,
    pub channel: String,
    pub kiosk_id: String,
    pub created_at: Timestamp,
    pub failed_at: Timestamp,
    pub attempts: i64,
    pub error: Option<String>,
}
