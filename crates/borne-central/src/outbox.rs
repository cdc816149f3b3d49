//! The delivery worker: takes due deliveries from the outbox and hands them
//! to the telephony provider. Requests never wait on the provider.

use std::sync::Arc;
use std::time::Duration;

use secrecy::ExposeSecret;
use tokio::sync::{watch, Notify};

use crate::clock::Clock;
use crate::config::{Limits, Pacing};
use crate::db::{
    DeliveryJob, DeliveryOutcome, FinishedDelivery, Purpose, Store, StoreError, Timestamp,
};
use crate::metrics::Metrics;
use crate::quiet_hours::SendWindow;
use crate::telephony::{
    confirmation_sms, confirmation_voice, sms_text, voice_text, OutgoingMessage, SendError,
    Telephony,
};
use borne_domain::Channel;

/// How long a worker holds a claimed delivery before another may take it.
const LEASE: Duration = Duration::from_secs(60);
/// Lanes of one sender on each instance: while one lane's batch waits
/// for its slots, the next one claims the batch after it (the pace is
/// kept across all of them by the shared slots).
const LANES_PER_SENDER: usize = 2;
/// A lane claims the deliveries of this much of its sender's pace at
/// once (at 100 a second, 20).
const BATCH_SPAN: Duration = Duration::from_millis(200);
/// A lane claims its next batch once the slots already taken end within
/// this long (the time its claim takes, with room to spare): a code that
/// comes due waits at most this and one batch's span.
const LEAD: Duration = Duration::from_millis(100);
/// The most deliveries a lane claims at once.
const MAX_BATCH: usize = 25;
/// Tries at recording a batch's outcomes before giving up on the batch
/// (its leases then end and it goes out again).
const RECORD_TRIES: u64 = 3;
/// Longest sleep between looks at the outbox when nothing is due.
const IDLE_POLL: Duration = Duration::from_secs(5);
const BACKOFF_BASE_SECONDS: u64 = 2;
const BACKOFF_CAP_SECONDS: u64 = 60;
/// A confirmation message that cannot go out within a week of being
/// queued (provider down for days) expires; an administrator may resend.
pub const CONFIRMATION_WINDOW_SECONDS: i64 = 7 * 86_400;

/// Exponential backoff with full jitter between a delivery's attempts.
pub fn backoff(attempts: i64) -> Duration {
    borne_protocol::retry::full_jitter(
        Duration::from_secs(BACKOFF_BASE_SECONDS),
        Duration::from_secs(BACKOFF_CAP_SECONDS),
        attempts,
    )
}

#[derive(Debug, Clone)]
pub struct Worker {
    pub store: Store,
    pub provider: Arc<dyn Telephony>,
    pub wake: Arc<Notify>,
    pub town_name: String,
    pub limits: Limits,
    /// When confirmations and reminders may go out.
    pub send_window: SendWindow,
    /// An unanswered confirmation gets its one reminder this long after
    /// its first message went out.
    pub reminder_after: Duration,
    pub metrics: Arc<Metrics>,
    pub clock: Clock,
    /// The provider's rate per sender.
    pub pacing: Pacing,
    /// This instance's sends claimed and not yet recorded.
    pub in_hand: Arc<InHand>,
}

/// The sends this instance's lanes have claimed and not yet recorded, and
/// the turn a lane holds from its look at the cost breaker to the end of
/// its claim: the breaker's room counts them with the sends already
/// recorded, so the lanes together claim no more than it allows (another
/// instance's batch in flight is counted once recorded: up to one batch
/// per lane of each other instance beyond the limit).
#[derive(Debug, Default)]
pub struct InHand {
    turn: tokio::sync::Mutex<()>,
    sends: std::sync::atomic::AtomicUsize,
}

impl InHand {
    fn count(&self) -> usize {
        self.sends.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Counts `n` claimed sends until the guard drops (recorded, or given
    /// up: their leases end).
    fn hold(&self, n: usize) -> HeldSends<'_> {
        self.sends.fetch_add(n, std::sync::atomic::Ordering::SeqCst);
        HeldSends { in_hand: self, n }
    }
}

struct HeldSends<'a> {
    in_hand: &'a InHand,
    n: usize,
}

impl Drop for HeldSends<'_> {
    fn drop(&mut self) {
        self.in_hand
            .sends
            .fetch_sub(self.n, std::sync::atomic::Ordering::SeqCst);
    }
}

/// Unix microseconds by the system's clock (the pace is real time, even
/// under a test's fixed [`Clock`]).
fn wall_us() -> i64 {
    let t = time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000;
    i64::try_from(t).unwrap_or(i64::MAX / 2)
}

/// Why a lane stopped claiming.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Looked {
    /// Everything due went out (or is in hand).
    NothingDue,
    /// The cost breaker pauses sends.
    Paused,
}

/// Where the cost breaker stands before a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Breaker {
    /// At most `room` more sends before it pauses them.
    Closed {
        room: usize,
    },
    /// Unusual, logged; at most `room` more sends before it pauses them.
    Warning {
        room: usize,
    },
    Paused,
}

fn seconds(d: Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX / 4)
}

impl Worker {
    /// Runs until `shutdown` turns true; finishes the deliveries in hand
    /// first. Lanes per sender (SMS, calls), so each keeps its own pace (a
    /// call waiting for its slot never holds an SMS back), and
    /// [`LANES_PER_SENDER`] of them, so one batch's bookkeeping (the
    /// claim, the outcomes: a commit each) overlaps the next one's slots.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        tracing::info!("delivery worker started");
        match self.store.reconsider_confirmations(self.clock.now()).await {
            Ok(n) if n > 0 => {
                tracing::info!(confirmations = n, "waiting confirmations looked at again")
            }
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "outbox unavailable"),
        }
        let mut lanes = Vec::new();
        let mut wakes = Vec::new();
        for channel in [Channel::Sms, Channel::Voice] {
            // One lane of a sender at a time takes its turn to claim.
            let turn = Arc::new(tokio::sync::Mutex::new(()));
            for _ in 0..LANES_PER_SENDER {
                let wake = Arc::new(Notify::new());
                wakes.push(wake.clone());
                // The first lane queues the reminders that come due.
                let reminders = channel == Channel::Sms && lanes.is_empty();
                let lane =
                    self.clone()
                        .lane(channel, turn.clone(), reminders, wake, shutdown.clone());
                lanes.push(tokio::spawn(lane));
            }
        }
        // A commit wakes every lane (a switch to voice moves a delivery
        // from one lane to the other).
        loop {
            tokio::select! {
                _ = self.wake.notified() => wakes.iter().for_each(|w| w.notify_one()),
                _ = shutdown.changed() => {}
            }
            if *shutdown.borrow() {
                break;
            }
        }
        for lane in lanes {
            let _ = lane.await;
        }
        tracing::info!("delivery worker stopped");
    }

    /// One sender's deliveries, until `shutdown` turns true. `turn`: held
    /// by the sender's lane that is claiming a batch and taking its slots.
    async fn lane(
        self,
        channel: Channel,
        turn: Arc<tokio::sync::Mutex<()>>,
        reminders: bool,
        wake: Arc<Notify>,
        mut shutdown: watch::Receiver<bool>,
    ) {
        // Reminders are due hours apart: looked for once a second at most,
        // not at every commit that wakes the lane.
        let mut reminders_looked_at: Option<std::time::Instant> = None;
        let mut paused = false;
        loop {
            if *shutdown.borrow() {
                break;
            }
            // Paused: each wake (every commit of a sync or a signup) looks
            // at the stored state only, not a whole pass.
            let still_paused = paused
                && self
                    .store
                    .breaker()
                    .await
                    .is_ok_and(|b| b.paused_at.is_some());
            let pause = if still_paused {
                IDLE_POLL
            } else {
                let look = reminders
                    && reminders_looked_at.is_none_or(|t| t.elapsed() >= Duration::from_secs(1));
                if look {
                    reminders_looked_at = Some(std::time::Instant::now());
                }
                match self.deliver_due_on(Some((channel, &turn)), look).await {
                    Ok(looked) => {
                        paused = looked == Looked::Paused;
                        if paused {
                            IDLE_POLL
                        } else {
                            self.sleep_until_next_due().await
                        }
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "outbox unavailable");
                        IDLE_POLL
                    }
                }
            };
            tokio::select! {
                _ = wake.notified() => {}
                _ = tokio::time::sleep(pause) => {}
                _ = shutdown.changed() => {}
            }
        }
    }

    /// Queues the reminders that have come due, then delivers everything
    /// currently due, whatever its channel.
    pub async fn deliver_due(&self) -> Result<(), StoreError> {
        self.deliver_due_on(None, true).await.map(drop)
    }

    /// Queues the reminders that have come due (`queue_reminders`), then
    /// delivers what is currently due on the lane's channel (`None`: on
    /// every channel).
    /// A lane (`channel` and its sender's turn) claims just in time for
    /// its slots, one lane of the sender at a time, so that its lanes do
    /// not all claim a batch at the same moment (codes would wait behind
    /// every batch but the first).
    async fn deliver_due_on(
        &self,
        lane: Option<(Channel, &tokio::sync::Mutex<()>)>,
        queue_reminders: bool,
    ) -> Result<Looked, StoreError> {
        let channel = lane.map(|(c, _)| c);
        let now = self.clock.now();
        if queue_reminders {
            let reminders = self
                .store
                .queue_due_reminders(
                    now,
                    self.send_window.next_open(now),
                    CONFIRMATION_WINDOW_SECONDS,
                )
                .await?;
            if reminders > 0 {
                tracing::info!(reminders, "confirmation reminders queued");
            }
        }
        loop {
            let turn = match lane {
                Some((channel, turn)) => {
                    let turn = turn.lock().await;
                    self.wait_for_lead(channel).await?;
                    Some(turn)
                }
                None => None,
            };
            // The breaker looked at just before the claim, counting the
            // other lanes' sends in hand: a batch takes only its room.
            let breaker_turn = self.in_hand.turn.lock().await;
            let room = match self.check_breaker().await? {
                Breaker::Paused => return Ok(Looked::Paused),
                Breaker::Closed { room } | Breaker::Warning { room } => room,
            };
            if room == 0 {
                // Sends in hand take the last of the room: once recorded
                // they pause the breaker, or (failed) leave room again.
                drop(breaker_turn);
                drop(turn);
                tokio::time::sleep(BATCH_SPAN).await;
                continue;
            }
            let now = self.clock.now();
            let jobs = self
                .store
                .claim_deliveries(now, LEASE, channel, self.batch_size(channel).min(room))
                .await?;
            let _held = self.in_hand.hold(jobs.len());
            drop(breaker_turn);
            if jobs.is_empty() {
                return Ok(Looked::NothingDue);
            }
            self.deliver_batch(jobs, now, turn).await?;
        }
    }

    /// Waits until the sender's slots already taken end within [`LEAD`]:
    /// a lane claims its next batch just in time for its slots, so a code
    /// that comes due meanwhile goes into that batch, ahead of the
    /// confirmations, instead of behind batches claimed long before.
    async fn wait_for_lead(&self, channel: Channel) -> Result<(), StoreError> {
        let Some(next) = self.store.next_send_slot(channel).await? else {
            return Ok(());
        };
        let ahead = next - wall_us() - i64::try_from(LEAD.as_micros()).unwrap_or(0);
        if ahead > 0 {
            let ahead = u64::try_from(ahead).unwrap_or(0);
            tokio::time::sleep(Duration::from_micros(ahead)).await;
        }
        Ok(())
    }

    /// How many deliveries a lane claims at once: [`BATCH_SPAN`] of its
    /// sender's pace (the slowest sender's, for a pass over every
    /// channel), at least one, at most [`MAX_BATCH`].
    fn batch_size(&self, channel: Option<Channel>) -> usize {
        let per_second = match channel {
            Some(channel) => self.per_second(channel),
            None => self
                .per_second(Channel::Sms)
                .min(self.per_second(Channel::Voice)),
        };
        let n = (per_second * BATCH_SPAN.as_secs_f64()).floor();
        if n.is_finite() && n >= 1.0 {
            (n as usize).min(MAX_BATCH)
        } else {
            1
        }
    }

    /// Sends a batch of claimed deliveries, in their order (codes first):
    /// decides what each one sends (or why not now), takes the slots of
    /// those that go out in one statement per sender, sends them side by
    /// side each at its slot, then records every outcome in one
    /// transaction.
    /// `turn` (the lane's) ends once the slots are taken.
    async fn deliver_batch(
        &self,
        jobs: Vec<DeliveryJob>,
        now: Timestamp,
        turn: Option<tokio::sync::MutexGuard<'_, ()>>,
    ) -> Result<(), StoreError> {
        let mut finished = Vec::with_capacity(jobs.len());
        let mut to_send = Vec::with_capacity(jobs.len());
        for job in jobs {
            match self.message_for(&job, now).await? {
                Ok(message) => to_send.push((job, message)),
                Err(outcome) => finished.push((job, outcome)),
            }
        }
        // Each send's slot, in the batch's order: its sender's next one.
        let mut slots = vec![0; to_send.len()];
        for channel in [Channel::Sms, Channel::Voice] {
            let on_channel: Vec<usize> = (0..to_send.len())
                .filter(|&i| to_send[i].0.channel == channel)
                .collect();
            if on_channel.is_empty() {
                continue;
            }
            let interval_us = self.interval_us(channel);
            let mut at = self
                .store
                .take_send_slots(channel, wall_us(), interval_us, on_channel.len())
                .await?;
            for i in on_channel {
                slots[i] = at;
                at += interval_us;
            }
        }
        drop(turn);
        let sends = to_send
            .into_iter()
            .zip(slots)
            .map(|((job, message), at)| async move {
                let wait = at - wall_us();
                if wait > 0 {
                    let wait = u64::try_from(wait).unwrap_or(0);
                    tokio::time::sleep(Duration::from_micros(wait)).await;
                }
                let outcome = self.attempt(&job, &message, now).await;
                (job, outcome)
            });
        finished.extend(futures_util::future::join_all(sends).await);

        let remind_at = now + seconds(self.reminder_after);
        let records: Vec<FinishedDelivery> = finished
            .into_iter()
            .map(|(job, outcome)| {
                self.note(&job, &outcome);
                let confirmation_sent = match (&outcome, job.purpose) {
                    (DeliveryOutcome::Sent { .. }, Purpose::Confirmation { registration_id }) => {
                        Some((registration_id, remind_at))
                    }
                    _ => None,
                };
                FinishedDelivery {
                    id: job.id,
                    outcome,
                    confirmation_sent,
                }
            })
            .collect();
        // What went out must be recorded: a lost record would send it
        // again once the lease ends. A failed commit is tried again.
        let mut tries = 0;
        loop {
            match self.store.finish_deliveries(&records, now).await {
                Ok(()) => return Ok(()),
                Err(e) if tries < RECORD_TRIES => {
                    tries += 1;
                    tracing::warn!(error = %e, tries, "outcomes not recorded yet: trying again");
                    tokio::time::sleep(Duration::from_millis(100 * tries)).await;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Counts and logs how one delivery ended.
    fn note(&self, job: &DeliveryJob, outcome: &DeliveryOutcome) {
        self.metrics.delivery(match outcome {
            DeliveryOutcome::Sent { .. } => "sent",
            DeliveryOutcome::SwitchToVoice { .. } => "switched_to_voice",
            DeliveryOutcome::Retry { .. } => "retry",
            DeliveryOutcome::Failed { .. } => "failed",
            DeliveryOutcome::Expired => "expired",
            DeliveryOutcome::Cancelled => "cancelled",
        });
        match outcome {
            DeliveryOutcome::SwitchToVoice { error } => {
                tracing::info!(delivery = %job.id, %error, "number takes no SMS: calling instead")
            }
            DeliveryOutcome::Sent { .. } => {
                tracing::info!(delivery = %job.id, attempts = job.attempts, "message handed to the provider")
            }
            DeliveryOutcome::Retry { error, .. } => {
                tracing::info!(delivery = %job.id, attempts = job.attempts, %error, "delivery will be retried")
            }
            DeliveryOutcome::Failed { error } => {
                tracing::warn!(delivery = %job.id, %error, "delivery failed")
            }
            DeliveryOutcome::Expired => {
                tracing::warn!(delivery = %job.id, "expired before delivery")
            }
            DeliveryOutcome::Cancelled => {
                tracing::info!(delivery = %job.id, "nothing to ask any more: not sent")
            }
        }
    }

    /// The time between two sends of a sender: `BORNE_SMS_PER_SECOND` or
    /// `BORNE_CALLS_PER_SECOND`, kept across every instance by the shared
    /// slots, so a backlog goes out on the provider's schedule instead of
    /// into its 429s. Whole microseconds: within 0.01 % of the rate up to
    /// 1,000 a second.
    fn interval_us(&self, channel: Channel) -> i64 {
        (1e6 / self.per_second(channel)).round().max(1.0) as i64
    }

    /// The sender's pace: `BORNE_SMS_PER_SECOND` or `BORNE_CALLS_PER_SECOND`.
    fn per_second(&self, channel: Channel) -> f64 {
        match channel {
            Channel::Sms => self.pacing.sms_per_second,
            Channel::Voice => self.pacing.calls_per_second,
        }
    }

    /// The cost breaker: compares sends in the last hour with the average
    /// hour of the last 7 days (at least the configured baseline). Above
    /// the warning ratio it logs; above the pause ratio it pauses sends
    /// until an administrator runs `borne-central sends resume`. Below, the
    /// room: how many more sends, counting this instance's in hand, keep
    /// the ratio from passing it (the last one takes it past, as one send
    /// at a time did). Only sends made pause it: sends in hand that fail
    /// give their room back.
    pub async fn check_breaker(&self) -> Result<Breaker, StoreError> {
        let state = self.store.breaker().await?;
        if state.paused_at.is_some() {
            return Ok(Breaker::Paused);
        }
        let now = self.clock.now();
        // Sends up to the second of a resume are forgiven (timestamps are
        // whole seconds): a resume must not trip on the sends that caused it.
        let hour_start = (now - 3_600).max(state.resumed_at.map_or(0, |r| r + 1));
        let last_hour = self.store.sends_since(hour_start).await? as f64;
        let week = self.store.sends_since(now - 7 * 86_400).await? as f64;
        let baseline = (week / 168.0)
            .max(self.limits.breaker_min_baseline_per_hour)
            .max(1.0);
        let ratio = last_hour / baseline;
        self.metrics.set_breaker_ratio(ratio);
        let limit = (self.limits.breaker_pause_ratio * baseline).floor();
        let in_hand = self.in_hand.count() as f64;
        // `as` saturates: an unbounded ratio gives the most a batch takes.
        let room = (limit + 1.0 - last_hour - in_hand).max(0.0) as usize;
        if ratio > self.limits.breaker_pause_ratio {
            let reason = format!(
                "{last_hour} sends in the last hour, {ratio:.1}× the average hour ({baseline:.1})"
            );
            if self.store.pause_sends(&reason, now).await? {
                tracing::error!(%reason, "cost breaker: automatic sends paused until an administrator resumes them");
            }
            return Ok(Breaker::Paused);
        }
        if ratio > self.limits.breaker_warn_ratio {
            tracing::warn!(
                ratio,
                last_hour,
                baseline,
                "cost breaker: unusual number of sends"
            );
            return Ok(Breaker::Warning { room });
        }
        Ok(Breaker::Closed { room })
    }

    /// What to send for a claimed delivery, or why not now.
    ///
    /// A code: the same code at every attempt (a send that timed out may
    /// have gone out, and the resident may be reading it already).
    /// A confirmation: only while it is pending, within the send hours
    /// and the number's caps (counted at send time); it waits otherwise.
    async fn message_for(
        &self,
        job: &DeliveryJob,
        now: Timestamp,
    ) -> Result<Result<OutgoingMessage, DeliveryOutcome>, StoreError> {
        if job.expires_at <= now {
            return Ok(Err(DeliveryOutcome::Expired));
        }
        let message = |text: String, asks_confirmation: bool| OutgoingMessage {
            to: job.to_phone.clone(),
            channel: job.channel,
            language: job.language,
            text,
            asks_confirmation,
        };
        let registration_id = match &job.purpose {
            Purpose::Code => {
                let Some(code) = job.secret.as_ref() else {
                    return Ok(Err(DeliveryOutcome::Expired));
                };
                let code = code.expose_secret();
                let text = match job.channel {
                    Channel::Sms => sms_text(&self.town_name, code, job.language),
                    Channel::Voice => voice_text(&self.town_name, code, job.language),
                };
                return Ok(Ok(message(text, false)));
            }
            Purpose::Confirmation { registration_id } => registration_id,
        };
        let Some(confirmation) = self.store.pending_confirmation(registration_id).await? else {
            return Ok(Err(DeliveryOutcome::Cancelled));
        };
        let open = self.send_window.next_open(now);
        if open > now {
            return Ok(Err(DeliveryOutcome::Retry {
                at: open,
                error: "waiting for the send hours".into(),
            }));
        }
        if let Some((limit, wait)) = self
            .store
            .message_caps_wait(&job.to_phone, &job.id, &self.limits, now)
            .await?
        {
            return Ok(Err(DeliveryOutcome::Retry {
                at: now + seconds(wait).max(1),
                error: format!("waiting for the {limit} cap"),
            }));
        }
        let reminder = confirmation.sends > 0;
        let text = match job.channel {
            Channel::Sms => confirmation_sms(&self.town_name, job.language, reminder),
            Channel::Voice => confirmation_voice(&self.town_name, job.language, reminder),
        };
        Ok(Ok(message(text, true)))
    }

    async fn attempt(
        &self,
        job: &DeliveryJob,
        message: &OutgoingMessage,
        now: Timestamp,
    ) -> DeliveryOutcome {
        match self.provider.send(message).await {
            Ok(receipt) => DeliveryOutcome::Sent {
                provider_id: receipt.provider_id,
            },
            Err(SendError::Permanent { reason }) => DeliveryOutcome::Failed { error: reason },
            Err(SendError::UseVoice { reason }) if job.channel == Channel::Sms => {
                DeliveryOutcome::SwitchToVoice { error: reason }
            }
            Err(SendError::UseVoice { reason }) => DeliveryOutcome::Failed { error: reason },
            Err(SendError::Retryable {
                reason,
                retry_after,
            }) => {
                let wait = retry_after.unwrap_or_else(|| backoff(job.attempts));
                let at: Timestamp = now + seconds(wait).max(1);
                if at >= job.expires_at {
                    DeliveryOutcome::Expired
                } else {
                    DeliveryOutcome::Retry { at, error: reason }
                }
            }
        }
    }

    async fn sleep_until_next_due(&self) -> Duration {
        match self.store.next_delivery_due(self.clock.now()).await {
            Ok(Some(at)) => {
                let secs = u64::try_from((at - self.clock.now()).max(0)).unwrap_or(0);
                Duration::from_secs(secs).clamp(Duration::from_millis(200), IDLE_POLL)
            }
            _ => IDLE_POLL,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    use borne_domain::{AreaCodes, ConsentRecord, Language, PhoneNumber};
    use secrecy::SecretString;

    use crate::db::{now, DeliveryState, IngestPolicy, NewCode, NewRegistration};
    use crate::telephony::Receipt;
    use borne_protocol as wire;

    /// A provider that answers from a script and remembers what it sent.
    #[derive(Debug, Default)]
    struct Scripted {
        answers: Mutex<Vec<Result<Receipt, SendError>>>,
        sent: Mutex<Vec<OutgoingMessage>>,
    }

    impl Scripted {
        /// The next send gets this error.
        fn fail_next(&self, e: SendError) {
            self.answers.lock().unwrap().push(Err(e));
        }
    }

    #[async_trait::async_trait]
    impl Telephony for Scripted {
        async fn send(&self, m: &OutgoingMessage) -> Result<Receipt, SendError> {
            // Slow enough for two workers to overlap.
            tokio::time::sleep(Duration::from_millis(5)).await;
            self.sent.lock().unwrap().push(m.clone());
            let mut answers = self.answers.lock().unwrap();
            if answers.is_empty() {
                Ok(Receipt {
                    provider_id: format!("SM{}", self.sent.lock().unwrap().len()),
                })
            } else {
                answers.remove(0)
            }
        }
    }

    /// A fresh database on the engine under test (`BORNE_TEST_ENGINE`).
    async fn store() -> (Store, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let url = crate::db::scratch_database(crate::db::test_engine(), dir.path())
            .await
            .unwrap();
        (Store::connect(&url).await.unwrap(), dir)
    }

    async fn enqueue(store: &Store, phone: &str, ttl: i64) -> String {
        enqueue_at(store, phone, now(), ttl).await
    }

    /// A code requested at `at`, valid `ttl` seconds.
    async fn enqueue_at(store: &Store, phone: &str, at: Timestamp, ttl: i64) -> String {
        let phone = PhoneNumber::parse(phone, &AreaCodes::canada()).unwrap();
        let code = SecretString::from("402917".to_string());
        let consent = ConsentRecord {
            text_version: borne_domain::CONSENT_TEXT_VERSION.into(),
            language: Language::Fr,
            accepted_at: time::OffsetDateTime::now_utc(),
            kiosk_id: "k".into(),
            staff_assisted: false,
        };
        let no_caps = Limits {
            number_min_interval: Duration::ZERO,
            number_per_10_min: 0,
            number_per_day: 0,
            kiosk_per_hour: 0,
            ..Limits::default()
        };
        store
            .issue_code(
                NewCode {
                    phone: &phone,
                    language: Language::Fr,
                    channel: Channel::Sms,
                    consent: &consent,
                    code_hash: "h".into(),
                    code: &code,
                    kiosk_id: "k",
                    now: at,
                    expires_at: at + ttl,
                },
                &no_caps,
            )
            .await
            .unwrap()
            .delivery_id
    }

    fn worker(store: &Store, provider: Arc<Scripted>) -> Worker {
        Worker {
            store: store.clone(),
            provider,
            wake: Arc::new(Notify::new()),
            town_name: "Mille-Isles".into(),
            limits: Limits {
                breaker_min_baseline_per_hour: 1_000.0,
                ..Limits::default()
            },
            send_window: SendWindow::town_default(),
            reminder_after: Duration::from_secs(48 * 3_600),
            metrics: Arc::new(Metrics::default()),
            clock: Clock::system(),
            // The pace has its own test: the others send at once.
            pacing: Pacing {
                sms_per_second: 1e6,
                calls_per_second: 1e6,
            },
            in_hand: Arc::default(),
        }
    }

    /// A worker that may send at any hour, at 20 SMS and 20 calls a
    /// second, on `clock`.
    fn paced_worker(store: &Store, provider: Arc<Scripted>, clock: &Clock) -> Worker {
        Worker {
            clock: clock.clone(),
            send_window: SendWindow::parse("00:00-24:00", "America/Montreal").unwrap(),
            pacing: Pacing {
                sms_per_second: 20.0,
                calls_per_second: 20.0,
            },
            ..worker(store, provider)
        }
    }

    /// Unix seconds of a Montréal wall-clock time.
    fn montreal(s: &str) -> Timestamp {
        s.parse::<jiff::civil::DateTime>()
            .unwrap()
            .to_zoned_datetime(jiff::tz::TimeZone::get("America/Montreal").unwrap())
            .unwrap()
            .timestamp()
            .as_second()
    }

    /// An offline registration for a new number, synced at `now` as the
    /// server does it (first message at the send window's next opening).
    async fn sync_registration(store: &Store, phone: &str, now: Timestamp) -> String {
        let areas = AreaCodes::canada();
        let phone = PhoneNumber::parse(phone, &areas).unwrap();
        let profile = wire::Profile {
            name: "Tremblay".into(),
            language: wire::Language::Fr,
            city: "Mille-Isles".into(),
            contacts: vec![wire::ContactPoint {
                active: true,
                description: "Cellulaire".into(),
                kind: wire::ContactType::Mobile,
                value: phone.e164(),
                extension: String::new(),
                extension_delay_seconds: None,
                order: 1,
            }],
            ..Default::default()
        };
        let id = uuid::Uuid::now_v7().to_string();
        let registration = NewRegistration {
            id: id.clone(),
            content_hash: id.clone(),
            phone,
            channel: Channel::Sms,
            language: Language::Fr,
            consent: ConsentRecord {
                text_version: borne_domain::CONSENT_TEXT_VERSION.into(),
                language: Language::Fr,
                accepted_at: time::OffsetDateTime::now_utc(),
                kiosk_id: "k".into(),
                staff_assisted: false,
            },
            profile: profile.parse(&areas).unwrap(),
            profile_json: serde_json::to_string(&profile).unwrap(),
            consent_json: "{}".into(),
            owner_session_hash: None,
            captured_at: now,
        };
        let policy = IngestPolicy {
            delivery_window: CONFIRMATION_WINDOW_SECONDS,
            first_send_at: SendWindow::town_default().next_open(now),
            kiosk_per_hour: 0,
            owner_sessions_opened_after: now,
        };
        store
            .ingest_registrations(&[registration], "k", now, policy)
            .await
            .unwrap();
        id
    }

    #[tokio::test]
    async fn confirmations_keep_the_send_hours_and_get_one_reminder() {
        let (store, _dir) = store().await;
        let provider = Arc::new(Scripted::default());
        let clock = Clock::fixed(montreal("2026-12-03T03:00:00"));
        let w = Worker {
            clock: clock.clone(),
            ..worker(&store, provider.clone())
        };
        let sent = || provider.sent.lock().unwrap().clone();

        // Synced at 3 a.m.: nothing goes out before 8.
        sync_registration(&store, "514 555-0150", clock.now()).await;
        w.deliver_due().await.unwrap();
        clock.advance(4 * 3_600 + 59 * 60); // 07:59
        w.deliver_due().await.unwrap();
        assert!(sent().is_empty(), "nothing before the send hours");
        clock.advance(60); // 08:00
        w.deliver_due().await.unwrap();
        let first = sent();
        assert_eq!(first.len(), 1);
        assert!(first[0].asks_confirmation);
        assert!(first[0].text.contains("Répondez OUI pour confirmer"));
        assert!(!first[0].text.starts_with("Rappel"));

        // No answer: nothing until 48 h later, then one reminder.
        clock.advance(47 * 3_600);
        w.deliver_due().await.unwrap();
        assert_eq!(sent().len(), 1);
        clock.advance(3_600); // 2026-12-05 08:00
        w.deliver_due().await.unwrap();
        let second = sent();
        assert_eq!(second.len(), 2, "one reminder");
        assert!(second[1].text.starts_with("Rappel."), "{}", second[1].text);
        clock.advance(30 * 86_400);
        w.deliver_due().await.unwrap();
        assert_eq!(sent().len(), 2, "only one reminder, ever");
    }

    /// New send hours (a restart with another `BORNE_SEND_HOURS`) apply to
    /// the confirmations already waiting.
    #[tokio::test]
    async fn waiting_confirmations_follow_the_send_hours_of_a_restart() {
        let (store, _dir) = store().await;
        let provider = Arc::new(Scripted::default());
        let clock = Clock::fixed(montreal("2026-12-03T03:00:00"));
        sync_registration(&store, "514 555-0152", clock.now()).await;
        let always = Worker {
            clock: clock.clone(),
            send_window: SendWindow::parse("00:00-24:00", "America/Montreal").unwrap(),
            ..worker(&store, provider.clone())
        };
        always.deliver_due().await.unwrap();
        assert!(provider.sent.lock().unwrap().is_empty(), "due at 8 only");
        store.reconsider_confirmations(clock.now()).await.unwrap();
        always.deliver_due().await.unwrap();
        assert_eq!(provider.sent.lock().unwrap().len(), 1);
    }

    #[tokio::test]
    async fn a_reminder_due_at_night_waits_for_the_morning() {
        let (store, _dir) = store().await;
        let provider = Arc::new(Scripted::default());
        let clock = Clock::fixed(montreal("2026-12-03T20:50:00"));
        let w = Worker {
            clock: clock.clone(),
            ..worker(&store, provider.clone())
        };
        sync_registration(&store, "514 555-0151", clock.now()).await;
        w.deliver_due().await.unwrap();
        assert_eq!(provider.sent.lock().unwrap().len(), 1, "sent at 20:50");
        clock.advance(48 * 3_600 + 30 * 60); // 2026-12-05 21:20: due, but too late
        w.deliver_due().await.unwrap();
        clock.advance(10 * 3_600); // 07:20
        w.deliver_due().await.unwrap();
        assert_eq!(provider.sent.lock().unwrap().len(), 1);
        clock.advance(40 * 60); // 08:00
        w.deliver_due().await.unwrap();
        assert_eq!(provider.sent.lock().unwrap().len(), 2, "the reminder at 8");
    }

    #[tokio::test]
    async fn sends_keep_the_senders_pace_and_codes_go_first() {
        let (store, _dir) = store().await;
        let provider = Arc::new(Scripted::default());
        // Confirmations waiting (a synced backlog, due since 10:00), then
        // a code requested at a kiosk at 10:01: the code goes out first.
        let at = montreal("2026-12-10T10:00:00");
        for i in 0..6 {
            sync_registration(&store, &format!("514 555-01{:02}", 60 + i), at).await;
        }
        enqueue_at(&store, "514 555-0142", at + 60, 600).await;
        let clock = Clock::fixed(at + 90);
        let w = paced_worker(&store, provider.clone(), &clock);
        let started = std::time::Instant::now();
        w.deliver_due().await.unwrap();
        let elapsed = started.elapsed();
        let sent = provider.sent.lock().unwrap().clone();
        assert_eq!(sent.len(), 7);
        assert!(!sent[0].asks_confirmation, "the code first");
        assert!(sent[1..].iter().all(|m| m.asks_confirmation));
        // 7 sends at 20 a second: 6 intervals of 50 ms at least.
        assert!(
            elapsed >= Duration::from_millis(300),
            "paced: {elapsed:?} for 7 sends at 20/s"
        );
        // The pace is the sender's, kept in the database: two workers
        // (two instances) asking at the same moment, one for a batch of
        // three, get slots one interval apart, the second worker's after
        // the first's three; the other sender's slots are its own.
        let now = wall_us() + 10_000_000;
        let first = store.take_send_slots(Channel::Sms, now, 50_000, 3).await;
        let second = store.take_send_slots(Channel::Sms, now, 50_000, 1).await;
        let call = store.take_send_slots(Channel::Voice, now, 50_000, 1).await;
        assert_eq!(first.unwrap(), now);
        assert_eq!(second.unwrap(), now + 3 * 50_000);
        assert_eq!(call.unwrap(), now);
    }

    /// A lane claims a batch in one statement per kind: the codes first
    /// (oldest due first), then the confirmations, at most `limit`; two
    /// workers claiming at once never get the same row; a claimed row is
    /// nobody's until its lease ends.
    #[tokio::test]
    async fn a_batch_claim_takes_the_codes_first_and_each_row_once() {
        let (store, _dir) = store().await;
        let at = montreal("2026-12-10T10:00:00");
        for i in 0..6 {
            sync_registration(&store, &format!("514 555-01{:02}", 60 + i), at).await;
        }
        let mut codes = Vec::new();
        for i in 0..3 {
            codes.push(
                enqueue_at(
                    &store,
                    &format!("514 555-01{:02}", 80 + i),
                    at + 60 + i,
                    600,
                )
                .await,
            );
        }
        let now = at + 90;
        let batch = store.claim_deliveries(now, LEASE, None, 4).await.unwrap();
        let ids: Vec<&str> = batch.iter().map(|j| j.id.as_str()).collect();
        assert_eq!(ids.len(), 4, "at most the limit");
        assert_eq!(
            ids[..3],
            codes.iter().map(String::as_str).collect::<Vec<_>>()[..]
        );
        assert!(batch[..3].iter().all(|j| j.purpose == Purpose::Code));
        assert!(matches!(batch[3].purpose, Purpose::Confirmation { .. }));
        assert!(batch.iter().all(|j| j.attempts == 1));

        // Two workers at once, then whatever is left: each row once.
        let (a, b) = tokio::join!(
            store.claim_deliveries(now, LEASE, Some(Channel::Sms), 3),
            store.claim_deliveries(now, LEASE, Some(Channel::Sms), 3)
        );
        let rest = store.claim_deliveries(now, LEASE, None, 10).await.unwrap();
        let mut all: Vec<String> = [batch, a.unwrap(), b.unwrap(), rest]
            .concat()
            .into_iter()
            .map(|j| j.id)
            .collect();
        assert_eq!(all.len(), 9, "every due delivery claimed");
        all.sort();
        all.dedup();
        assert_eq!(all.len(), 9, "none claimed twice");

        // Leased for a minute: nothing to claim, then all again.
        assert!(store
            .claim_deliveries(now + 59, LEASE, None, 10)
            .await
            .unwrap()
            .is_empty());
        let again = store
            .claim_deliveries(now + 61, LEASE, None, 10)
            .await
            .unwrap();
        assert_eq!(again.len(), 9);
        assert!(again[..3].iter().all(|j| j.purpose == Purpose::Code));
        assert!(again.iter().all(|j| j.attempts == 2));
        // Only deliveries of the lane's channel.
        assert!(store
            .claim_deliveries(now + 200, LEASE, Some(Channel::Voice), 10)
            .await
            .unwrap()
            .is_empty());
    }

    /// A batch's outcomes go in one transaction: the sent ones are sent
    /// (a confirmation counted, its reminder set), a retry waits, and a
    /// second worker does not send them again.
    #[tokio::test]
    async fn a_batch_is_sent_and_recorded_once() {
        let (store, _dir) = store().await;
        let at = montreal("2026-12-10T10:00:00");
        let registration = sync_registration(&store, "514 555-0170", at).await;
        let codes = [
            enqueue_at(&store, "514 555-0171", at + 10, 600).await,
            enqueue_at(&store, "514 555-0172", at + 11, 600).await,
        ];
        let provider = Arc::new(Scripted::default());
        let clock = Clock::fixed(at + 20);
        // Slots 50 ms apart: the sends reach the provider in the batch's order.
        let w = paced_worker(&store, provider.clone(), &clock);
        provider.fail_next(SendError::Retryable {
            reason: "HTTP 503".into(),
            retry_after: Some(Duration::from_secs(30)),
        });
        w.deliver_due().await.unwrap();
        w.deliver_due().await.unwrap();
        let sent = provider.sent.lock().unwrap().clone();
        assert_eq!(sent.len(), 3, "each once");
        assert!(!sent[0].asks_confirmation && !sent[1].asks_confirmation);
        assert!(
            sent[2].asks_confirmation,
            "the confirmation after the codes"
        );
        let states = [
            store.delivery_view(&codes[0]).await.unwrap().unwrap().state,
            store.delivery_view(&codes[1]).await.unwrap().unwrap().state,
        ];
        // The first send of the batch got the 503: it waits for its retry.
        assert_eq!(states, [DeliveryState::Pending, DeliveryState::Sent]);
        let pending = store
            .pending_confirmation(&registration)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(pending.sends, 1, "the confirmation counted as sent");
        clock.advance(31);
        w.deliver_due().await.unwrap();
        assert_eq!(provider.sent.lock().unwrap().len(), 4, "the retry");
        assert_eq!(
            store.delivery_view(&codes[0]).await.unwrap().unwrap().state,
            DeliveryState::Sent
        );
    }

    #[tokio::test]
    async fn two_workers_deliver_each_code_exactly_once() {
        let (store, _dir) = store().await;
        for i in 0..40 {
            enqueue(&store, &format!("514 555-01{i:02}"), 600).await;
        }
        let provider = Arc::new(Scripted::default());
        let (a, b) = (
            worker(&store, provider.clone()),
            worker(&store, provider.clone()),
        );
        let (ra, rb) = tokio::join!(a.deliver_due(), b.deliver_due());
        ra.unwrap();
        rb.unwrap();
        let sent = provider.sent.lock().unwrap();
        let mut to: Vec<&str> = sent.iter().map(|m| m.to.as_str()).collect();
        to.sort();
        to.dedup();
        assert_eq!(sent.len(), 40, "no code sent twice");
        assert_eq!(to.len(), 40, "no code lost");
    }

    #[tokio::test]
    async fn a_retry_sends_the_same_code_and_expiry_stops_it() {
        let (store, _dir) = store().await;
        let id = enqueue(&store, "514 555-0142", 600).await;
        let provider = Arc::new(Scripted::default());
        // Two seconds: times are whole seconds, and a retry due in one could
        // come due while this pass is still running.
        provider.fail_next(SendError::Retryable {
            reason: "timeout".into(),
            retry_after: Some(Duration::from_secs(2)),
        });
        let w = worker(&store, provider.clone());
        w.deliver_due().await.unwrap();
        assert_eq!(
            store.delivery_view(&id).await.unwrap().unwrap().state,
            DeliveryState::Pending
        );
        tokio::time::sleep(Duration::from_millis(2100)).await;
        w.deliver_due().await.unwrap();
        assert_eq!(
            store.delivery_view(&id).await.unwrap().unwrap().state,
            DeliveryState::Sent
        );
        let sent = provider.sent.lock().unwrap().clone();
        assert_eq!(sent.len(), 2);
        assert_eq!(sent[0].text, sent[1].text, "the very same code again");

        // A code that expires while the provider is down is not sent late.
        let id = enqueue(&store, "514 555-0143", 2).await;
        provider.fail_next(SendError::Retryable {
            reason: "HTTP 503".into(),
            retry_after: Some(Duration::from_secs(30)),
        });
        w.deliver_due().await.unwrap();
        assert_eq!(
            store.delivery_view(&id).await.unwrap().unwrap().state,
            DeliveryState::Expired
        );
    }

    #[tokio::test]
    async fn permanent_failures_are_kept_not_deleted() {
        let (store, _dir) = store().await;
        let id = enqueue(&store, "514 555-0142", 600).await;
        let provider = Arc::new(Scripted::default());
        provider.fail_next(SendError::Permanent {
            reason: "twilio 21211 (HTTP 400)".into(),
        });
        worker(&store, provider).deliver_due().await.unwrap();
        let v = store.delivery_view(&id).await.unwrap().unwrap();
        assert_eq!(v.state, DeliveryState::Failed);
    }

    #[test]
    fn backoff_is_capped_and_jittered() {
        for attempts in 0..30 {
            assert!(backoff(attempts) <= Duration::from_secs(BACKOFF_CAP_SECONDS));
        }
        assert!(backoff(1) <= Duration::from_secs(4));
        let samples: std::collections::HashSet<_> = (0..20).map(|_| backoff(10)).collect();
        assert!(samples.len() > 1, "full jitter varies");
    }
}
