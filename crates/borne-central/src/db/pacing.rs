//! The telephony provider's pace per sender, shared by every instance's
//! delivery worker: each batch of sends takes its sender's next slots.

use borne_domain::Channel;

use super::{Store, StoreError};

/// The sender a channel's messages go out from (`send_pacing.sender`).
fn sender(channel: Channel) -> &'static str {
    match channel {
        Channel::Sms => "sms",
        Channel::Voice => "voice",
    }
}

impl Store {
    /// Takes the channel's sender's next `count` slots, `interval_us`
    /// apart, in one statement: returns when the first of them may start
    /// (Unix microseconds; the others follow one interval after another),
    /// `now_us` at the soonest and `interval_us` after the last slot taken
    /// before, on whichever instance.
    pub async fn take_send_slots(
        &self,
        channel: Channel,
        now_us: i64,
        interval_us: i64,
        count: usize,
    ) -> Result<i64, StoreError> {
        let span = interval_us.saturating_mul(i64::try_from(count.max(1)).unwrap_or(i64::MAX));
        let next: i64 = sqlx::query_scalar(
            "INSERT INTO send_pacing (sender, next_at_us) VALUES ($1, $2 + $3)
             ON CONFLICT (sender) DO UPDATE SET next_at_us =
                CASE WHEN send_pacing.next_at_us > $4 THEN send_pacing.next_at_us ELSE $5 END + $6
             RETURNING next_at_us",
        )
        .bind(sender(channel))
        .bind(now_us)
        .bind(span)
        .bind(now_us)
        .bind(now_us)
        .bind(span)
        .fetch_one(self.writes())
        .await?;
        Ok(next - span)
    }

    /// When the channel's sender's next free slot is (Unix microseconds),
    /// if it ever sent.
    pub async fn next_send_slot(&self, channel: Channel) -> Result<Option<i64>, StoreError> {
        sqlx::query_scalar("SELECT next_at_us FROM send_pacing WHERE sender = $1")
            .bind(sender(channel))
            .fetch_optional(&self.pool)
            .await
            .map_err(StoreError::from)
    }
}
