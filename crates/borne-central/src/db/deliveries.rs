//! The outbox: claiming a due delivery, recording how an attempt ended,
//! what the kiosk may see of it, the provider's final word, SMS opt-outs
//! (STOP / START) and the language a number's messages are in.

use std::time::Duration;

use borne_domain::{Channel, Language};
use secrecy::SecretString;
use sqlx::Row;

use super::error::parsed;
use super::{flag, Coded, Engine, Store, StoreError, Timestamp};

/// Where a delivery stands (`deliveries.state`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryState {
    /// Waiting for a worker: due now, later (a retry, the send hours), or
    /// leased by a worker right now.
    Pending,
    /// The provider accepted it.
    Sent,
    /// The provider says it arrived.
    Delivered,
    /// It cannot go out, or the provider says it did not arrive.
    Failed,
    /// Its time ran out before it could go out.
    Expired,
    /// A newer code or confirmation replaced it, or nothing is left to
    /// ask, before it went out.
    Superseded,
}

impl DeliveryState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sent => "sent",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
            Self::Expired => "expired",
            Self::Superseded => "superseded",
        }
    }
}

impl Coded for DeliveryState {
    const COLUMN: &'static str = "deliveries.state";
    const ALL: &'static [Self] = &[
        Self::Pending,
        Self::Sent,
        Self::Delivered,
        Self::Failed,
        Self::Expired,
        Self::Superseded,
    ];

    fn code(self) -> &'static str {
        self.as_str()
    }
}

/// What a delivery looks like to the kiosk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryView {
    pub state: DeliveryState,
    pub channel: Channel,
    pub fallback: Option<String>,
}

/// A delivery a worker has leased (its `Debug` leaves the number and the
/// code out).
#[derive(Clone)]
pub struct DeliveryJob {
    pub id: String,
    pub to_phone: String,
    pub channel: Channel,
    pub language: Language,
    pub secret: Option<SecretString>,
    pub attempts: i64,
    pub expires_at: Timestamp,
    pub purpose: Purpose,
}

impl std::fmt::Debug for DeliveryJob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeliveryJob")
            .field("id", &self.id)
            .field("channel", &self.channel)
            .field("attempts", &self.attempts)
            .field("purpose", &self.purpose)
            .finish_non_exhaustive()
    }
}

/// Why a delivery exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Purpose {
    /// A one-time code a resident asked for at a kiosk (the secret).
    Code,
    /// Asks the phone to confirm a synced registration (no secret): the
    /// resident answers OUI, or presses 1. Only within the send hours.
    Confirmation { registration_id: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryOutcome {
    Sent {
        provider_id: String,
    },
    /// The number takes no SMS: send the same code by call, now.
    SwitchToVoice {
        error: String,
    },
    Retry {
        at: Timestamp,
        error: String,
    },
    Failed {
        error: String,
    },
    Expired,
    /// Nothing to send any more (the confirmation was answered or
    /// superseded meanwhile).
    Cancelled,
}

/// How a claimed delivery ended, as the worker records it (a batch at a
/// time, [`Store::finish_deliveries`]).
#[derive(Debug, Clone)]
pub struct FinishedDelivery {
    pub id: String,
    pub outcome: DeliveryOutcome,
    /// A confirmation that went out: its registration, and when its
    /// reminder is due (if it has not had one).
    pub confirmation_sent: Option<(String, Timestamp)>,
}

impl Store {
    /// Leases up to `limit` due deliveries for `lease`, in the order they
    /// are to go out: the codes first (a resident waits for them at a
    /// kiosk; `deliveries_codes_due` finds them without visiting the
    /// confirmations behind them), then confirmations and reminders, each
    /// kind oldest due first. One statement per kind, whatever `limit`.
    ///
    /// Several workers (several instances) may run: the conditional UPDATE
    /// makes each row's claim atomic — a worker that loses the race for a
    /// row (PostgreSQL re-checks the condition once the winner commits)
    /// does not get it, and PostgreSQL's workers skip rows another one is
    /// claiming. A claimed row is nobody else's until its lease ends.
    ///
    /// `channel`: only deliveries of that channel (one worker lane per
    /// sender), or of any channel.
    pub async fn claim_deliveries(
        &self,
        now: Timestamp,
        lease: Duration,
        channel: Option<Channel>,
        limit: usize,
    ) -> Result<Vec<DeliveryJob>, StoreError> {
        let on = match channel {
            Some(Channel::Sms) => " AND channel = 'sms'",
            Some(Channel::Voice) => " AND channel = 'voice'",
            None => "",
        };
        let mut jobs = Vec::new();
        // Codes through their own index: never a walk past the backlog of
        // confirmations due before them.
        for (kind, index) in [
            (" AND registration_id IS NULL", "deliveries_codes_due"),
            (" AND registration_id IS NOT NULL", "deliveries_due"),
        ] {
            if jobs.len() >= limit {
                break;
            }
            let mut claimed = self
                .claim_deliveries_where(
                    &format!("{kind}{on}"),
                    index,
                    now,
                    lease,
                    limit - jobs.len(),
                )
                .await?;
            // RETURNING keeps no order: the oldest due first.
            claimed.sort_by_key(|(due, _)| *due);
            jobs.extend(claimed.into_iter().map(|(_, job)| job));
        }
        Ok(jobs)
    }

    /// [`Store::claim_deliveries`] among the due deliveries `kind` (`AND …`)
    /// keeps, searched through `index`; each with the time it was due.
    async fn claim_deliveries_where(
        &self,
        kind: &str,
        index: &str,
        now: Timestamp,
        lease: Duration,
        limit: usize,
    ) -> Result<Vec<(Timestamp, DeliveryJob)>, StoreError> {
        let lease_until = now + i64::try_from(lease.as_secs()).unwrap_or(60);
        // PostgreSQL: the candidates in an array, computed once. As an
        // `IN (SELECT … LIMIT n)` the planner may run the subquery again
        // while the UPDATE proceeds and take more than `n` rows.
        let (open, close) = match self.engine {
            Engine::Sqlite => ("IN (", ")"),
            Engine::Postgres => ("= ANY(ARRAY(", " FOR UPDATE SKIP LOCKED))"),
        };
        let searched_by = self.engine.searched_by(index);
        let sql = format!(
            "UPDATE deliveries SET lease_until = $1, attempts = attempts + 1, updated_at = $2
             WHERE id {open}SELECT id FROM deliveries {searched_by}
                          WHERE state = 'pending'{kind} AND next_attempt_at <= $3
                            AND (lease_until IS NULL OR lease_until <= $4)
                          ORDER BY next_attempt_at LIMIT $5{close}
               AND state = 'pending' AND (lease_until IS NULL OR lease_until <= $6)
             RETURNING id, to_phone, channel, language, secret, attempts, expires_at,
                       registration_id, next_attempt_at"
        );
        let rows = sqlx::query(&sql)
            .bind(lease_until)
            .bind(now)
            .bind(now)
            .bind(now)
            .bind(i64::try_from(limit).unwrap_or(i64::MAX))
            .bind(now)
            .fetch_all(self.writes())
            .await?;
        rows.iter()
            .map(|r| {
                let job = DeliveryJob {
                    id: r.get("id"),
                    to_phone: r.get("to_phone"),
                    channel: parsed(
                        "deliveries.channel",
                        &r.get::<String, _>("channel"),
                        Channel::parse,
                    )?,
                    language: parsed(
                        "deliveries.language",
                        &r.get::<String, _>("language"),
                        Language::parse,
                    )?,
                    secret: r.get::<Option<String>, _>("secret").map(SecretString::from),
                    attempts: r.get("attempts"),
                    expires_at: r.get("expires_at"),
                    purpose: match r.get::<Option<String>, _>("registration_id") {
                        Some(registration_id) => Purpose::Confirmation { registration_id },
                        None => Purpose::Code,
                    },
                };
                Ok((r.get("next_attempt_at"), job))
            })
            .collect()
    }

    /// Records how a batch of attempts ended, and the confirmations that
    /// went out, in one transaction (one commit for the batch). Rows are
    /// written in id order, so two batches never wait on each other in
    /// opposite orders. Ending states wipe the secret.
    pub async fn finish_deliveries(
        &self,
        finished: &[FinishedDelivery],
        now: Timestamp,
    ) -> Result<(), StoreError> {
        if finished.is_empty() {
            return Ok(());
        }
        let mut ordered: Vec<&FinishedDelivery> = finished.iter().collect();
        ordered.sort_by(|a, b| a.id.cmp(&b.id));
        let mut tx = self.begin_write().await?;
        for f in &ordered {
            finish(&mut tx, &f.id, &f.outcome, now).await?;
        }
        let mut sent: Vec<&(String, Timestamp)> = ordered
            .iter()
            .filter_map(|f| f.confirmation_sent.as_ref())
            .collect();
        sent.sort();
        for (registration_id, remind_at) in sent {
            super::confirmations::confirmation_sent(&mut tx, registration_id, *remind_at).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The earliest time a pending delivery no worker holds is due, for
    /// the worker's sleep (a held one comes back when its holder records
    /// it, or after its lease: the worker sleeps 5 s at most). One index
    /// probe (`deliveries_due` in order, the first row): a synced backlog
    /// holds thousands of pending rows, and every commit wakes the worker.
    pub async fn next_delivery_due(&self, now: Timestamp) -> Result<Option<Timestamp>, StoreError> {
        sqlx::query_scalar(
            "SELECT MIN(next_attempt_at) FROM deliveries
              WHERE state = 'pending' AND (lease_until IS NULL OR lease_until <= $1)",
        )
        .bind(now)
        .fetch_one(&self.pool)
        .await
        .map_err(StoreError::from)
    }

    /// What the kiosk may show about a delivery.
    pub async fn delivery_view(&self, id: &str) -> Result<Option<DeliveryView>, StoreError> {
        let row = sqlx::query("SELECT state, channel, fallback FROM deliveries WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| {
            Ok(DeliveryView {
                state: DeliveryState::decode(&r.get::<String, _>("state"))?,
                channel: parsed(
                    "deliveries.channel",
                    &r.get::<String, _>("channel"),
                    Channel::parse,
                )?,
                fallback: r.get("fallback"),
            })
        })
        .transpose()
    }

    /// The provider's final word on a message or call. Only a delivery in
    /// `sent` moves: duplicates and late, out-of-order callbacks change
    /// nothing. Returns whether a row changed.
    pub async fn provider_outcome(
        &self,
        provider_id: &str,
        delivered: bool,
        error: Option<&str>,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE deliveries SET state = $1, last_error = COALESCE($2, last_error), updated_at = $3
             WHERE provider_id = $4 AND state = 'sent'",
        )
        .bind(if delivered {
            DeliveryState::Delivered
        } else {
            DeliveryState::Failed
        }
        .as_str())
        .bind(error)
        .bind(now)
        .bind(provider_id)
        .execute(self.writes())
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Records a STOP (`opted_out`) or START keyword from a number.
    pub async fn set_sms_opt_out(
        &self,
        phone: &str,
        opted_out: bool,
        keyword: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO sms_opt_outs (phone, opted_out, keyword, changed_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (phone) DO UPDATE SET opted_out = excluded.opted_out,
                keyword = excluded.keyword, changed_at = excluded.changed_at",
        )
        .bind(phone)
        .bind(flag(opted_out))
        .bind(keyword)
        .bind(now)
        .execute(self.writes())
        .await?;
        Ok(())
    }

    /// The language of the account behind a number, if there is one.
    pub async fn phone_language(&self, phone: &str) -> Result<Option<Language>, StoreError> {
        let v: Option<String> =
            sqlx::query_scalar("SELECT language FROM accounts WHERE phone = $1")
                .bind(phone)
                .fetch_optional(&self.pool)
                .await?;
        v.as_deref()
            .map(|l| parsed("accounts.language", l, Language::parse))
            .transpose()
    }
}

/// Records how one delivery attempt ended. Ending states wipe the secret.
async fn finish(
    conn: &mut sqlx::AnyConnection,
    id: &str,
    outcome: &DeliveryOutcome,
    now: Timestamp,
) -> Result<(), StoreError> {
    let (state, next, provider_id, error) = match outcome {
        DeliveryOutcome::SwitchToVoice { error } => {
            sqlx::query(
                "UPDATE deliveries SET channel = 'voice', fallback = 'sms_refused',
                    next_attempt_at = $1, lease_until = NULL, last_error = $2, updated_at = $3
                 WHERE id = $4 AND state = 'pending'",
            )
            .bind(now)
            .bind(error)
            .bind(now)
            .bind(id)
            .execute(&mut *conn)
            .await?;
            return Ok(());
        }
        DeliveryOutcome::Sent { provider_id } => {
            (DeliveryState::Sent, None, Some(provider_id.as_str()), None)
        }
        DeliveryOutcome::Retry { at, error } => (
            DeliveryState::Pending,
            Some(*at),
            None,
            Some(error.as_str()),
        ),
        DeliveryOutcome::Failed { error } => {
            (DeliveryState::Failed, None, None, Some(error.as_str()))
        }
        DeliveryOutcome::Expired => (
            DeliveryState::Expired,
            None,
            None,
            Some("expired before delivery"),
        ),
        DeliveryOutcome::Cancelled => (DeliveryState::Superseded, None, None, None),
    };
    let state = state.as_str();
    sqlx::query(
        "UPDATE deliveries SET
            state = $1,
            secret = CASE WHEN $2 = 'pending' THEN secret ELSE NULL END,
            next_attempt_at = COALESCE($3, next_attempt_at),
            lease_until = NULL,
            provider_id = COALESCE($4, provider_id),
            last_error = COALESCE($5, last_error),
            sent_at = CASE WHEN $6 = 'sent' THEN $7 ELSE sent_at END,
            updated_at = $8
         WHERE id = $9 AND state = 'pending'",
    )
    .bind(state)
    .bind(state)
    .bind(next)
    .bind(provider_id)
    .bind(error)
    .bind(state)
    .bind(now)
    .bind(now)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delivery_states_are_the_schemas() {
        super::super::error::assert_matches_schema::<DeliveryState>(
            "CHECK (state IN (",
            "'delivered'",
        );
    }
}
