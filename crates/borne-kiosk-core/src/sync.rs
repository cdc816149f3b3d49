//! Knowing whether the central server answers, and sending the queue to it.
//!
//! The worker wakes right after a capture, on a timer, and when the server
//! comes back. While the server is out of reach it only checks `/healthz`
//! (every `offline_check`); once it answers, every pending registration is
//! due at once. Backoff paces retries against a server that answers with
//! an error, never the wait for one that is down.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use borne_protocol::{self as wire, ErrorBody};
use rand::Rng;
use tokio::sync::Notify;

use crate::queue::{Millis, Queue, QueueError, Taken};
use crate::{CentralClient, ClientError, Clock};

/// Whether the central server answered last time anyone asked.
#[derive(Debug)]
pub struct Connectivity {
    online: AtomicBool,
    /// The server answered but refused this kiosk's token (or it has none).
    refused: AtomicBool,
    /// Signalled when the server comes back.
    back_online: Notify,
}

impl Default for Connectivity {
    fn default() -> Self {
        Self {
            // Optimistic until the first check: a kiosk started next to a
            // working server must not show the offline banner.
            online: AtomicBool::new(true),
            refused: AtomicBool::new(false),
            back_online: Notify::new(),
        }
    }
}

impl Connectivity {
    pub fn is_online(&self) -> bool {
        self.online.load(Ordering::SeqCst)
    }

    pub fn is_refused(&self) -> bool {
        self.refused.load(Ordering::SeqCst)
    }

    pub fn set_refused(&self, refused: bool) {
        let was = self.refused.swap(refused, Ordering::SeqCst);
        if refused && !was {
            tracing::warn!("the central server refuses this kiosk: staff must enroll it");
        } else if !refused && was {
            tracing::info!("the central server accepts this kiosk again");
            self.back_online.notify_one();
        }
    }

    pub fn set_online(&self, online: bool) {
        let was = self.online.swap(online, Ordering::SeqCst);
        if online && !was {
            tracing::info!("central server reachable again");
            // One waiter (the sync loop); the permit is kept if it is busy.
            self.back_online.notify_one();
        } else if !online && was {
            tracing::warn!("central server out of reach: registrations go to the queue");
        }
    }
}

/// Timings and sizes of the worker.
#[derive(Debug, Clone)]
pub struct SyncConfig {
    /// Registrations per request (at most the protocol's maximum).
    pub batch_size: u32,
    /// Health checks while offline (`BORNE_KIOSK_OFFLINE_CHECK_SECONDS`, default 15).
    pub offline_check: Duration,
    /// Health checks while online, to notice an outage before a resident does.
    pub online_check: Duration,
    /// Backoff after an answered failure: full jitter in [0, min(cap, base·2^n)].
    pub backoff_base: Duration,
    pub backoff_cap: Duration,
    /// Registrations the central server refused are deleted this long
    /// after (`BORNE_KIOSK_REJECTED_RETENTION_DAYS`, default 30).
    pub rejected_retention: Duration,
    /// The kiosk app's version, reported in each heartbeat.
    pub app_version: String,
}

impl Default for SyncConfig {
    fn default() -> Self {
        Self {
            batch_size: 50,
            offline_check: Duration::from_secs(15),
            online_check: Duration::from_secs(60),
            backoff_base: Duration::from_secs(2),
            backoff_cap: Duration::from_secs(300),
            rejected_retention: Duration::from_secs(30 * 24 * 3600),
            app_version: env!("CARGO_PKG_VERSION").into(),
        }
    }
}

/// Exponential backoff with full jitter after `attempts` answered failures.
pub fn backoff(config: &SyncConfig, attempts: i64) -> Duration {
    wire::retry::full_jitter(config.backoff_base, config.backoff_cap, attempts)
}

/// A long drain logs the queue's figures this often (and once at its end;
/// a pass that sent nothing logs nothing).
const STATUS_LOG_EVERY: Duration = Duration::from_secs(10);

/// Why an attempt failed, as staff read it (the error codes the UI
/// translates; the detail goes to the log): the server out of reach,
/// speaking another API version, or answering what the kiosk cannot use.
/// A refusal keeps the central server's own code.
pub const UNREACHABLE: &str = "central.unreachable";
pub const INCOMPATIBLE: &str = "central.incompatible";
pub const UNREADABLE: &str = "central.error";

/// What to do with one queued registration after an attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Stored centrally: purge the personal data.
    Acknowledge { outcome: String },
    /// Refused for good: keep for staff, with the reason.
    Reject { reason: String },
    /// Try again after the delay; `answered` counts towards the backoff.
    Retry {
        after: Duration,
        error: String,
        answered: bool,
    },
}

/// The plan for a registration the server answered about (pure).
pub fn plan_result(config: &SyncConfig, r: &wire::RegistrationResult, attempts: i64) -> Step {
    let code = r
        .error
        .as_ref()
        .map_or_else(|| UNREADABLE.to_owned(), |e| e.code.clone());
    match r.status {
        200..=299 => Step::Acknowledge {
            outcome: r
                .outcome
                .map(|o| match o {
                    wire::IngestOutcome::Accepted => "accepted",
                })
                .unwrap_or("stored")
                .to_owned(),
        },
        409 | 429 | 500..=599 => Step::Retry {
            after: retry_after(r.error.as_ref()).unwrap_or_else(|| backoff(config, attempts)),
            error: code,
            answered: true,
        },
        _ => Step::Reject { reason: code },
    }
}

/// The plan for every registration of a batch the server did not answer
/// registration by registration (pure).
pub fn plan_failure(config: &SyncConfig, e: &ClientError, attempts: i64) -> Step {
    match e {
        // Down or cut off: wait for it to come back, then send at once.
        ClientError::Unreachable(_) => Step::Retry {
            after: Duration::ZERO,
            error: UNREACHABLE.into(),
            answered: false,
        },
        ClientError::Api { body, .. } => Step::Retry {
            after: told_to_wait(e).unwrap_or_else(|| backoff(config, attempts)),
            error: body.code.clone(),
            answered: true,
        },
        ClientError::Incompatible(_) => Step::Retry {
            after: backoff(config, attempts),
            error: INCOMPATIBLE.into(),
            answered: true,
        },
        ClientError::Protocol(_) => Step::Retry {
            after: backoff(config, attempts),
            error: UNREADABLE.into(),
            answered: true,
        },
    }
}

/// How long the server asked the kiosk to wait before its next request
/// (pure): its `Retry-After` on a 429 (a cap, or a sync turned away while
/// the server has as many batches in hand as it takes) or on a 503
/// `server.busy`.
pub fn told_to_wait(e: &ClientError) -> Option<Duration> {
    match e {
        ClientError::Api {
            status: 429 | 503,
            body,
        } => retry_after(Some(body)),
        _ => None,
    }
}

fn retry_after(e: Option<&ErrorBody>) -> Option<Duration> {
    e.and_then(|e| e.retry_after_seconds)
        .map(|s| Duration::from_secs(u64::from(s)))
}

/// The last sync, for staff.
#[derive(Debug, Clone, Default)]
pub struct SyncReport {
    pub last_sync_at: Option<Millis>,
    pub last_error: Option<String>,
}

/// How a pass over the queue ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pass {
    /// Nothing due is left.
    Drained,
    /// The server is out of reach, or refused this kiosk: stop for now.
    Stopped,
    /// The server asked to wait (`Retry-After`): nothing is sent before.
    Held,
}

/// Sends the queue. Cheap to clone; every clone shares the same state.
#[derive(Debug, Clone)]
pub struct SyncWorker {
    queue: Queue,
    client: CentralClient,
    config: SyncConfig,
    clock: Clock,
    wake: Arc<Notify>,
    report: Arc<Mutex<SyncReport>>,
    /// One pass at a time (the background loop and « Envoyer maintenant »).
    pass_lock: Arc<tokio::sync::Mutex<()>>,
    /// No batch goes out before this (the server's last `Retry-After`).
    held_until: Arc<Mutex<Millis>>,
}

impl SyncWorker {
    pub fn new(queue: Queue, client: CentralClient, config: SyncConfig, clock: Clock) -> Self {
        Self {
            queue,
            client,
            config,
            clock,
            wake: Arc::new(Notify::new()),
            report: Arc::default(),
            pass_lock: Arc::default(),
            held_until: Arc::default(),
        }
    }

    /// Wakes the loop (after a capture).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    pub fn report(&self) -> SyncReport {
        self.report
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn connectivity(&self) -> &Connectivity {
        self.client.connectivity()
    }

    /// The background loop; runs for the life of the kiosk.
    pub async fn run(self) {
        tracing::info!("sync worker started");
        let mut last_check = tokio::time::Instant::now();
        self.check().await;
        self.log_status().await;
        loop {
            if self.connectivity().is_online() {
                if let Err(e) = self.pass().await {
                    tracing::error!(error = %e, "queue unavailable");
                }
            }
            let online = self.connectivity().is_online();
            let check_every = if online {
                self.config.online_check
            } else {
                self.config.offline_check
            };
            let until_check = check_every.saturating_sub(last_check.elapsed());
            let until_due = if online {
                match self.queue.next_due().await {
                    Ok(Some(at)) => Duration::from_millis(
                        u64::try_from((at.max(self.held_until()) - self.clock.now()).max(0))
                            .unwrap_or(0),
                    ),
                    _ => until_check,
                }
            } else {
                until_check
            };
            tokio::select! {
                () = self.wake.notified() => {}
                () = self.connectivity().back_online.notified() => self.back_online().await,
                () = tokio::time::sleep(until_check.min(until_due).max(Duration::from_millis(20))) => {}
            }
            if last_check.elapsed() >= check_every {
                last_check = tokio::time::Instant::now();
                self.check().await;
            }
        }
    }

    /// Expired rejected registrations are deleted; then one health
    /// check, then (enrolled) a heartbeat with the queue's figures, which
    /// also tells whether the server still accepts this kiosk. Runs at
    /// start and on the loop's timer, online or not.
    pub async fn check(&self) -> bool {
        self.expire_rejected().await;
        // The client reports the answer (or its absence) to `Connectivity`,
        // whose change wakes the loop.
        let up = self.client.health().await.is_ok();
        if up && self.client.is_enrolled() {
            self.heartbeat().await;
        }
        up
    }

    async fn expire_rejected(&self) {
        let before = self
            .clock
            .now()
            .saturating_sub(millis(self.config.rejected_retention));
        match self.queue.expire_rejected(before).await {
            Ok(0) => {}
            Ok(expired) => tracing::info!(expired, "rejected registrations expired and deleted"),
            Err(e) => tracing::error!(error = %e, "queue unavailable"),
        }
    }

    async fn heartbeat(&self) {
        let Ok(s) = self.status().await else { return };
        let beat = wire::Heartbeat {
            app_version: self.config.app_version.clone(),
            mode: if s.online {
                wire::KioskMode::Online
            } else {
                wire::KioskMode::Offline
            },
            queue_depth: s.pending.saturating_add(s.sending),
            queue_rejected: s.rejected,
            oldest_pending_seconds: s.oldest_pending_seconds,
            last_sync_at: s.last_sync_at,
        };
        if let Err(e) = self.client.heartbeat(&beat).await {
            tracing::warn!(error = %e, "heartbeat not accepted");
        }
    }

    /// The server is back: every pending registration is due at once.
    async fn back_online(&self) {
        match self.queue.make_all_due(self.clock.now()).await {
            Ok(n) if n > 0 => tracing::info!(due = n, "central server back: sending the queue now"),
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "queue unavailable"),
        }
    }

    /// Sends every due registration, batch after batch, until none is due
    /// or the server stops answering. « Envoyer maintenant » for staff.
    /// While a batch is out, the previous one's acknowledgements are
    /// recorded and the next batch taken, in one transaction: the kiosk's
    /// disk works while the server does (`scripts/bench-sync.sh`).
    pub async fn pass(&self) -> Result<Pass, QueueError> {
        let _one = self.pass_lock.lock().await;
        let limit = self.config.batch_size.min(100);
        let mut logged = std::time::Instant::now();
        // A batch's acknowledgements wait for the next batch's take: one
        // commit for both, made while that batch is out.
        let mut acks: Vec<(String, String)> = Vec::new();
        let mut next = None;
        let mut sent_any = false;
        let pass = loop {
            if self.held_until() > self.clock.now() {
                break Pass::Held;
            }
            let batch = match next.take() {
                Some(batch) => batch,
                None => self.queue.take_due(self.clock.now(), limit).await?,
            };
            if batch.is_empty() {
                break Pass::Drained;
            }
            sent_any = true;
            let request = wire::RegistrationBatch {
                registrations: batch.iter().map(|t| t.registration.clone()).collect(),
            };
            let settled = std::mem::take(&mut acks);
            let (answer, taken) = tokio::join!(
                self.client.send_registrations(&request),
                self.queue
                    .acknowledge_and_take(&settled, self.clock.now(), limit),
            );
            let (sent, answered) = self.settle(&batch, answer).await?;
            acks = answered;
            next = Some(taken?);
            if sent != Pass::Drained {
                break sent;
            }
            if logged.elapsed() >= STATUS_LOG_EVERY {
                logged = std::time::Instant::now();
                self.log_status().await;
            }
        };
        let now = self.clock.now();
        self.queue.acknowledge(&acks, now).await?;
        // Taken while the last batch was out, not sent: back as they were.
        if let Some(unsent) = next {
            let ids: Vec<&str> = unsent.iter().map(|t| t.registration.id.as_str()).collect();
            self.queue.release(&ids, now).await?;
        }
        // A pass that found nothing to send says nothing.
        if sent_any {
            self.log_status().await;
        }
        Ok(pass)
    }

    /// Records what became of a batch (rejections, retries) and answers
    /// whether the pass goes on, with the registrations to acknowledge.
    async fn settle(
        &self,
        batch: &[Taken],
        answer: Result<wire::RegistrationBatchResult, ClientError>,
    ) -> Result<(Pass, Vec<(String, String)>), QueueError> {
        let now = self.clock.now();
        let mut acks = Vec::new();
        let mut pass = Pass::Drained;
        match answer {
            Ok(answer) => {
                self.record(now, None);
                for t in batch {
                    let id = &t.registration.id;
                    let step = match answer.results.iter().find(|r| &r.id == id) {
                        Some(r) => plan_result(&self.config, r, t.attempts),
                        None => Step::Retry {
                            after: backoff(&self.config, t.attempts),
                            error: UNREADABLE.into(),
                            answered: true,
                        },
                    };
                    match step {
                        Step::Acknowledge { outcome } => acks.push((id.clone(), outcome)),
                        Step::Reject { reason } => {
                            tracing::warn!(registration = %id, %reason, "registration refused by the central server: kept for staff");
                            self.queue.reject(id, &reason, now).await?;
                        }
                        Step::Retry {
                            after,
                            error,
                            answered,
                        } => {
                            self.queue
                                .retry(id, now + millis(after), &error, answered, now)
                                .await?;
                        }
                    }
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, registrations = batch.len(), "batch not delivered");
                self.record(now, Some(e.to_string()));
                if matches!(e, ClientError::Unreachable(_))
                    || matches!(
                        &e,
                        ClientError::Api {
                            status: 401 | 403,
                            ..
                        }
                    )
                {
                    // Down, or this kiosk is refused: stop the batch here.
                    pass = Pass::Stopped;
                } else if let Some(wait) = told_to_wait(&e) {
                    // Asked to come back later: the whole queue waits,
                    // plus up to a second at random, so kiosks told the
                    // same second do not all come back at its start.
                    let jitter = rand::rng().random_range(0..1_000);
                    self.hold(now + millis(wait) + jitter);
                    tracing::info!(
                        wait_seconds = wait.as_secs(),
                        "the central server asked to wait before the next batch"
                    );
                    pass = Pass::Held;
                }
                for t in batch {
                    if let Step::Retry {
                        after,
                        error,
                        answered,
                    } = plan_failure(&self.config, &e, t.attempts)
                    {
                        self.queue
                            .retry(
                                &t.registration.id,
                                now + millis(after),
                                &error,
                                answered,
                                now,
                            )
                            .await?;
                    }
                }
            }
        }
        Ok((pass, acks))
    }

    /// When the next batch may go out (0: now).
    fn held_until(&self) -> Millis {
        *self.held_until.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn hold(&self, until: Millis) {
        let mut held = self.held_until.lock().unwrap_or_else(|e| e.into_inner());
        *held = (*held).max(until);
    }

    fn record(&self, now: Millis, error: Option<String>) {
        let mut report = self.report.lock().unwrap_or_else(|e| e.into_inner());
        if error.is_none() {
            report.last_sync_at = Some(now);
        }
        report.last_error = error;
    }

    /// The queue's state for staff (a command) and the logs.
    pub async fn status(&self) -> Result<wire::ipc::QueueStatus, QueueError> {
        let counts = self.queue.counts().await?;
        let report = self.report();
        let now = self.clock.now();
        let n = |v: i64| u32::try_from(v).unwrap_or(u32::MAX);
        Ok(wire::ipc::QueueStatus {
            pending: n(counts.pending),
            sending: n(counts.sending),
            acknowledged: n(counts.acknowledged),
            rejected: n(counts.rejected),
            oldest_pending_seconds: counts
                .oldest_unacknowledged
                .map(|t| n((now - t).max(0) / 1000)),
            last_sync_at: report.last_sync_at.map(rfc3339_ms),
            last_error: report.last_error,
            online: self.connectivity().is_online(),
            rejected_registrations: self
                .queue
                .rejected(wire::ipc::REJECTED_SHOWN)
                .await?
                .into_iter()
                .map(|r| wire::ipc::RejectedRegistration {
                    reference: wire::registration_reference(&r.id),
                    captured_at: rfc3339_ms(r.created_at),
                    rejected_at: rfc3339_ms(r.updated_at),
                    reason: r.reason.unwrap_or_else(|| UNREADABLE.into()),
                })
                .collect(),
        })
    }

    async fn log_status(&self) {
        if let Ok(s) = self.status().await {
            tracing::info!(
                pending = s.pending,
                acknowledged = s.acknowledged,
                rejected = s.rejected,
                oldest_pending_seconds = s.oldest_pending_seconds,
                last_error = s.last_error,
                "queue"
            );
        }
    }
}

fn millis(d: Duration) -> Millis {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX / 2)
}

fn rfc3339_ms(t: Millis) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(t) * 1_000_000)
        .map(wire::rfc3339::format)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(status: u16, code: Option<&str>, retry: Option<u32>) -> wire::RegistrationResult {
        wire::RegistrationResult {
            id: "r".into(),
            status,
            outcome: (status == 200).then_some(wire::IngestOutcome::Accepted),
            error: code.map(|c| ErrorBody {
                retry_after_seconds: retry,
                ..ErrorBody::new(c, "")
            }),
        }
    }

    #[test]
    fn answered_results_are_planned() {
        let c = SyncConfig::default();
        assert_eq!(
            plan_result(&c, &result(200, None, None), 0),
            Step::Acknowledge {
                outcome: "accepted".into()
            }
        );
        assert_eq!(
            plan_result(
                &c,
                &result(422, Some("registration.content_mismatch"), None),
                3
            ),
            Step::Reject {
                reason: "registration.content_mismatch".into()
            }
        );
        match plan_result(&c, &result(409, Some("registration.in_progress"), None), 0) {
            Step::Retry {
                after, answered, ..
            } => {
                assert!(answered);
                assert!(after <= Duration::from_secs(2));
            }
            other => panic!("{other:?}"),
        }
        match plan_result(&c, &result(429, Some("rate_limited"), Some(42)), 0) {
            Step::Retry { after, .. } => assert_eq!(after, Duration::from_secs(42)),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn failures_of_the_whole_batch_are_planned() {
        let c = SyncConfig::default();
        // Down: no backoff (the health checks pace it), no attempt counted.
        assert_eq!(
            plan_failure(&c, &ClientError::Unreachable("timeout".into()), 9),
            Step::Retry {
                after: Duration::ZERO,
                error: UNREACHABLE.into(),
                answered: false
            }
        );
        // Answered with an error: backoff, capped.
        let e = ClientError::Api {
            status: 500,
            body: ErrorBody::new("internal", ""),
        };
        for _ in 0..100 {
            match plan_failure(&c, &e, 30) {
                Step::Retry {
                    after, answered, ..
                } => {
                    assert!(answered);
                    assert!(after <= c.backoff_cap);
                }
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn the_servers_retry_after_is_honoured_on_429_and_on_503_busy() {
        let c = SyncConfig::default();
        let told = |status, code: &str, seconds| ClientError::Api {
            status,
            body: ErrorBody {
                retry_after_seconds: Some(seconds),
                ..ErrorBody::new(code, "")
            },
        };
        for e in [told(429, "rate_limited", 7), told(503, "server.busy", 7)] {
            assert_eq!(told_to_wait(&e), Some(Duration::from_secs(7)));
            match plan_failure(&c, &e, 12) {
                Step::Retry {
                    after, answered, ..
                } => {
                    assert_eq!(after, Duration::from_secs(7), "{e:?}");
                    assert!(answered);
                }
                other => panic!("{other:?}"),
            }
        }
        // A 500 carries no wait: backoff.
        assert_eq!(told_to_wait(&told(500, "internal", 7)), None);
        assert_eq!(
            told_to_wait(&ClientError::Unreachable("HTTP 503".into())),
            None
        );
    }

    #[test]
    fn backoff_grows_then_caps_with_full_jitter() {
        let c = SyncConfig::default();
        let max = |n| (0..300).map(|_| backoff(&c, n)).max().unwrap();
        let min = |n| (0..300).map(|_| backoff(&c, n)).min().unwrap();
        assert!(max(0) <= Duration::from_secs(2));
        assert!(max(3) > Duration::from_secs(2) && max(3) <= Duration::from_secs(16));
        assert!(max(20) <= c.backoff_cap);
        assert!(
            min(10) < Duration::from_secs(30),
            "full jitter reaches low values"
        );
    }
}
