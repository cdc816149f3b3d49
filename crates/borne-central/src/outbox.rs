//! The delivery worker: takes due deliveries from the outbox and hands them
//! to the telephony provider. Requests never wait on the provider.

use std::sync::Arc;
use std::time::Duration;

use rand::Rng;
use secrecy::ExposeSecret;
use tokio::sync::{watch, Notify};

use crate::config::Limits;
use crate::db::{now, DeliveryJob, DeliveryOutcome, Store, Timestamp};
use crate::metrics::Metrics;
use crate::telephony::{sms_text, voice_text, OutgoingMessage, SendError, Telephony};
use borne_domain::Channel;

/// How long a worker holds a claimed delivery before another may take it.
const LEASE: Duration = Duration::from_secs(60);
/// Longest sleep between looks at the outbox when nothing is due.
const IDLE_POLL: Duration = Duration::from_secs(5);
const BACKOFF_BASE_SECONDS: u64 = 2;
const BACKOFF_CAP_SECONDS: u64 = 60;

/// Exponential backoff with full jitter: uniform in [0, min(cap, base·2^n)].
pub fn backoff(attempts: i64) -> Duration {
    let exp = u32::try_from(attempts.clamp(0, 16)).unwrap_or(16);
    let ceiling = BACKOFF_BASE_SECONDS
        .saturating_mul(1u64 << exp)
        .min(BACKOFF_CAP_SECONDS);
    Duration::from_millis(rand::rng().random_range(0..=ceiling * 1000))
}

#[derive(Debug, Clone)]
pub struct Worker {
    pub store: Store,
    pub provider: Arc<dyn Telephony>,
    pub wake: Arc<Notify>,
    pub town_name: String,
    pub limits: Limits,
    /// How long a code made for a synced registration stays valid.
    pub code_ttl: Duration,
    pub metrics: Arc<Metrics>,
}

/// Where the cost breaker stands before a send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Breaker {
    Closed,
    Warning,
    Paused,
}

impl Worker {
    /// Runs until `shutdown` turns true; finishes the delivery in hand first.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        tracing::info!("delivery worker started");
        loop {
            if *shutdown.borrow() {
                break;
            }
            let pause = match self.deliver_due().await {
                Ok(()) => self.sleep_until_next_due().await,
                Err(e) => {
                    tracing::error!(error = %e, "outbox unavailable");
                    IDLE_POLL
                }
            };
            tokio::select! {
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(pause) => {}
                _ = shutdown.changed() => {}
            }
        }
        tracing::info!("delivery worker stopped");
    }

    /// Delivers everything currently due.
    pub async fn deliver_due(&self) -> Result<(), sqlx::Error> {
        loop {
            if self.check_breaker().await? == Breaker::Paused {
                return Ok(());
            }
            let Some(job) = self.store.claim_delivery(now(), LEASE).await? else {
                return Ok(());
            };
            let job = match self.with_code(job).await? {
                Ok(job) => job,
                Err(outcome) => {
                    self.store
                        .finish_delivery(&outcome.0, &outcome.1, now())
                        .await?;
                    continue;
                }
            };
            let outcome = self.attempt(&job).await;
            self.metrics.delivery(match &outcome {
                DeliveryOutcome::Sent { .. } => "sent",
                DeliveryOutcome::SwitchToVoice { .. } => "switched_to_voice",
                DeliveryOutcome::Retry { .. } => "retry",
                DeliveryOutcome::Failed { .. } => "failed",
                DeliveryOutcome::Expired => "expired",
            });
            match &outcome {
                DeliveryOutcome::SwitchToVoice { error } => {
                    tracing::info!(delivery = %job.id, %error, "number takes no SMS: calling instead")
                }
                DeliveryOutcome::Sent { .. } => {
                    tracing::info!(delivery = %job.id, attempts = job.attempts, "code delivered to provider")
                }
                DeliveryOutcome::Retry { error, .. } => {
                    tracing::warn!(delivery = %job.id, attempts = job.attempts, %error, "delivery will be retried")
                }
                DeliveryOutcome::Failed { error } => {
                    tracing::warn!(delivery = %job.id, %error, "delivery failed")
                }
                DeliveryOutcome::Expired => {
                    tracing::warn!(delivery = %job.id, "code expired before delivery")
                }
            }
            self.store.finish_delivery(&job.id, &outcome, now()).await?;
        }
    }

    /// The cost breaker: compares sends in the last hour with the average
    /// hour of the last 7 days (at least the configured baseline). Above
    /// the warning ratio it logs; above the pause ratio it pauses sends
    /// until an administrator runs `borne-central sends resume`.
    pub async fn check_breaker(&self) -> Result<Breaker, sqlx::Error> {
        let state = self.store.breaker().await?;
        if state.paused_at.is_some() {
            return Ok(Breaker::Paused);
        }
        let now = now();
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
            return Ok(Breaker::Warning);
        }
        Ok(Breaker::Closed)
    }

    /// A synced registration's delivery has no code yet: makes it now, so
    /// its minutes start when it goes out, within the per-number caps
    /// (a number at its cap waits). Other deliveries pass through.
    async fn with_code(
        &self,
        job: DeliveryJob,
    ) -> Result<Result<DeliveryJob, (String, DeliveryOutcome)>, sqlx::Error> {
        if job.code_id.is_some() || job.account_id.is_none() {
            return Ok(Ok(job));
        }
        let now = now();
        if job.expires_at <= now {
            return Ok(Err((job.id, DeliveryOutcome::Expired)));
        }
        if let Some((limit, wait)) = self
            .store
            .registration_caps_wait(&job, &self.limits, now)
            .await?
        {
            tracing::info!(delivery = %job.id, limit, wait = wait.as_secs(), "registration code waits for the number's cap");
            let at = now + i64::try_from(wait.as_secs()).unwrap_or(60).max(1);
            return Ok(Err((
                job.id,
                DeliveryOutcome::Retry {
                    at,
                    error: format!("waiting for the {limit} cap"),
                },
            )));
        }
        let (code, hash) = match crate::codes::new_hashed_code().await {
            Ok(made) => made,
            Err(e) => {
                tracing::error!(delivery = %job.id, error = %e, "could not hash a code");
                return Ok(Err((
                    job.id,
                    DeliveryOutcome::Retry {
                        at: now + 5,
                        error: "code hashing failed".into(),
                    },
                )));
            }
        };
        let expires_at = now + i64::try_from(self.code_ttl.as_secs()).unwrap_or(600);
        match self
            .store
            .attach_code(&job, &hash, &code, now, expires_at)
            .await?
        {
            Some(ready) => Ok(Ok(ready)),
            // Another worker got there first (its lease ran out): leave it.
            None => Ok(Err((
                job.id,
                DeliveryOutcome::Retry {
                    at: now,
                    error: "code already attached".into(),
                },
            ))),
        }
    }

    async fn attempt(&self, job: &DeliveryJob) -> DeliveryOutcome {
        let now = now();
        let Some(secret) = job.secret.as_ref().filter(|_| job.expires_at > now) else {
            return DeliveryOutcome::Expired;
        };
        // Always the same code for a delivery: a send that timed out may
        // have gone out, and the resident may be reading it already.
        let code = secret.expose_secret();
        let text = match job.channel {
            Channel::Sms => sms_text(&self.town_name, code, job.language),
            Channel::Voice => voice_text(&self.town_name, code, job.language),
        };
        let message = OutgoingMessage {
            to: job.to_phone.clone(),
            channel: job.channel,
            language: job.language,
            text,
        };
        match self.provider.send(&message).await {
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
                let at: Timestamp = now + i64::try_from(wait.as_secs()).unwrap_or(60).max(1);
                if at >= job.expires_at {
                    DeliveryOutcome::Expired
                } else {
                    DeliveryOutcome::Retry { at, error: reason }
                }
            }
        }
    }

    async fn sleep_until_next_due(&self) -> Duration {
        match self.store.next_delivery_due().await {
            Ok(Some(at)) => {
                let secs = u64::try_from((at - now()).max(0)).unwrap_or(0);
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

    use crate::db::NewCode;
    use crate::telephony::Receipt;

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
                    now: now(),
                    expires_at: now() + ttl,
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
            code_ttl: Duration::from_secs(600),
            metrics: Arc::new(Metrics::default()),
        }
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
            "pending"
        );
        tokio::time::sleep(Duration::from_millis(2100)).await;
        w.deliver_due().await.unwrap();
        assert_eq!(
            store.delivery_view(&id).await.unwrap().unwrap().state,
            "sent"
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
            "expired"
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
        assert_eq!(v.state, "failed");
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
