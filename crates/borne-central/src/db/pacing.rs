//! The telephony provider's pace per sender, shared by every instance's
//! delivery worker: each send takes its sender's next slot.

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
    /// Takes the channel's sender's next slot: when this send may start
    /// (Unix microseconds), `now_us` at the soonest and `interval_us` after
    /// the slot taken before it, on whichever instance.
    pub async fn take_send_slot(
        &self,
        channel: Channel,
        now_us: i64,
        interval_us: i64,
    ) -> Result<i64, StoreError> {
        let next: i64 = sqlx::query_scalar(
            "INSERT INTO send_pacing (sender, next_at_us) VALUES ($1, $2 + $3)
             ON CONFLICT (sender) DO UPDATE SET next_at_us =
                CASE WHEN send_pacing.next_at_us > $4 THEN send_pacing.next_at_us ELSE $5 END + $6
             RETURNING next_at_us",
        )
        .bind(sender(channel))
        .bind(now_us)
        .bind(interval_us)
        .bind(now_us)
        .bind(now_us)
        .bind(interval_us)
        .fetch_one(&self.pool)
        .await?;
        Ok(next - interval_us)
    }
}
