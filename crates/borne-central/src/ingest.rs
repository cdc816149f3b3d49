//! The rules of offline registrations synced from kiosk queues: what one
//! must hold, the consent recorded at the enrolled kiosk, one request at
//! a time per registration id, the batch's size, the send hours and the
//! kiosk's hourly share (the store decides the last one, with the
//! idempotency and what a known number's registration becomes).

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use borne_domain::{ConsentRecord, PhoneNumber, ValidationErrors};
use borne_protocol::{self as wire, REGISTRATION_BATCH_MAX};
use rand::Rng;
use sha2::{Digest, Sha256};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::codes;
use crate::config::SyncIntake;
use crate::db::{now, IngestPolicy, Ingested, NewRegistration, Store};
use crate::metrics::{ingest_slot, Metrics, INGESTS};
use crate::outbox::CONFIRMATION_WINDOW_SECONDS;
use crate::Config;

/// Back-pressure on kiosk syncs: this instance parses or stores at most
/// `BORNE_SYNC_CONCURRENCY` batches at once (the store takes them one at
/// a time anyway); the others are turned away at once with a `Retry-After`
/// of 1 to `BORNE_SYNC_RETRY_AFTER_MAX_SECONDS` seconds at random, so the
/// kiosks of a region that reconnect together come back spread out, and
/// no line of syncs forms in front of the database (and its connections)
/// that live signups and logins would wait behind.
#[derive(Debug, Clone)]
pub struct Intake {
    turns: Arc<Semaphore>,
    retry_after_max: u64,
}

impl Intake {
    pub fn new(c: &SyncIntake) -> Self {
        Self {
            turns: Arc::new(Semaphore::new(c.concurrency.max(1))),
            retry_after_max: c.retry_after_max.as_secs().max(1),
        }
    }

    /// A turn, held until the batch is stored; or, when every turn is
    /// taken, how long the kiosk is to wait.
    pub fn admit(&self) -> Result<OwnedSemaphorePermit, Duration> {
        Arc::clone(&self.turns)
            .try_acquire_owned()
            .map_err(|_| Duration::from_secs(rand::rng().random_range(1..=self.retry_after_max)))
    }
}

/// What ingest needs of the server.
#[derive(Debug, Clone, Copy)]
pub struct Ingest<'a> {
    pub store: &'a Store,
    pub config: &'a Config,
    pub metrics: &'a Metrics,
    /// Registration ids a request of this instance is storing right now.
    pub in_flight: &'a Mutex<HashSet<String>>,
}

/// What became of one registration of a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Received {
    /// Stored now, or before with the same content (whether the number
    /// had an account is not said).
    Accepted,
    /// It does not pass: every field error. Never retried.
    Invalid(ValidationErrors),
    /// Another request (on this instance or another one) is storing this
    /// id right now: retry later.
    InProgress,
    /// Over the kiosk's hourly share: retry after this long.
    Limited(Duration),
    /// This id was stored before with other content. Never retried.
    ContentMismatch,
}

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// More than [`REGISTRATION_BATCH_MAX`] registrations.
    #[error("too many registrations in one batch")]
    TooMany,
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// What became of a batch's registrations, counted for the metrics and
/// logged once per batch: a region's reconnect is tens of thousands of
/// registrations, and a line each drowned the server's log (and cost the
/// batch 100 writes to it). Each one's line is at `debug`.
#[derive(Debug, Default)]
struct Tally([u32; INGESTS.len()]);

impl Tally {
    fn count(&mut self, metrics: &Metrics, result: &str) {
        metrics.registration(result);
        if let Some(i) = ingest_slot(result) {
            self.0[i] += 1;
        }
    }

    fn of(&self, result: &str) -> u32 {
        ingest_slot(result).map_or(0, |i| self.0[i])
    }

    fn log(&self, kiosk_id: &str) {
        tracing::info!(
            kiosk = %kiosk_id,
            created = self.of("created"),
            updated = self.of("updated"),
            pending_change = self.of("pending_change"),
            repeated = self.of("repeated"),
            rejected = self.of("rejected"),
            in_progress = self.of("in_progress"),
            limited = self.of("limited"),
            "offline registrations stored"
        );
    }
}

/// Removes a request's ids from the in-flight set when it ends, however
/// it ends.
struct InFlight<'a> {
    set: &'a Mutex<HashSet<String>>,
    ids: Vec<String>,
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        let mut set = self.set.lock().unwrap_or_else(|e| e.into_inner());
        for id in &self.ids {
            set.remove(id);
        }
    }
}

/// Parses one registration, with every field error. The consent records
/// the enrolled kiosk (`kiosk_id`), whatever name it declares.
fn parse(
    r: &wire::Registration,
    kiosk_id: &str,
    config: &Config,
) -> Result<NewRegistration, ValidationErrors> {
    let mut errors = ValidationErrors::default();
    if uuid::Uuid::parse_str(&r.id).map(|u| u.get_version_num()) != Ok(7) {
        errors.push("id", "registration.invalid_id");
    }
    let captured_at = wire::rfc3339::parse(&r.captured_at);
    if captured_at.is_none() {
        errors.push("captured_at", "registration.invalid_time");
    }
    let phone = errors.check("phone", PhoneNumber::parse(&r.phone, &config.area_codes));
    let recorded = r.consent.recorded_at(kiosk_id);
    let consent = match ConsentRecord::try_from(&recorded) {
        Ok(c) => Some(c),
        Err(e) => {
            errors.0.extend(e.0);
            None
        }
    };
    crate::profile::check_categories(
        &r.profile,
        &config.categories,
        "profile.categories",
        &mut errors,
    );
    let profile = match r.profile.parse(&config.area_codes) {
        Ok(p) => Some(p),
        Err(e) => {
            for f in e.0 {
                errors.push(format!("profile.{}", f.field), f.code);
            }
            None
        }
    };
    let (Some(captured_at), Some(phone), Some(consent), Some(profile), true) =
        (captured_at, phone, consent, profile, errors.is_empty())
    else {
        return Err(errors);
    };
    let bytes = serde_json::to_vec(r).unwrap_or_default();
    Ok(NewRegistration {
        id: r.id.clone(),
        content_hash: Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect(),
        phone,
        channel: r.channel.into(),
        language: r.language.into(),
        consent,
        profile,
        profile_json: serde_json::to_string(&r.profile).unwrap_or_default(),
        consent_json: serde_json::to_string(&recorded).unwrap_or_default(),
        owner_session_hash: r.owner_session.as_deref().map(codes::token_hash),
        captured_at: captured_at.unix_timestamp(),
    })
}

/// Stores a kiosk's batch in one transaction; one result per
/// registration, in order. The caller wakes the delivery worker.
pub async fn ingest(
    ctx: Ingest<'_>,
    registrations: &[wire::Registration],
    kiosk_id: &str,
) -> Result<Vec<Received>, IngestError> {
    if registrations.len() > REGISTRATION_BATCH_MAX {
        return Err(IngestError::TooMany);
    }
    let mut results: Vec<Option<Received>> = vec![None; registrations.len()];
    let mut guard = InFlight {
        set: ctx.in_flight,
        ids: Vec::new(),
    };
    let mut tally = Tally::default();
    let mut to_store = Vec::new();
    let mut positions = Vec::new();
    {
        let mut set = ctx.in_flight.lock().unwrap_or_else(|e| e.into_inner());
        for (i, r) in registrations.iter().enumerate() {
            match parse(r, kiosk_id, ctx.config) {
                Err(errors) => {
                    tally.count(ctx.metrics, "rejected");
                    results[i] = Some(Received::Invalid(errors));
                }
                Ok(parsed) => {
                    let mine = guard.ids.contains(&r.id);
                    if !mine && !set.insert(r.id.clone()) {
                        tally.count(ctx.metrics, "in_progress");
                        results[i] = Some(Received::InProgress);
                        continue;
                    }
                    if !mine {
                        guard.ids.push(r.id.clone());
                    }
                    to_store.push(parsed);
                    positions.push(i);
                }
            }
        }
    }
    let now = now();
    let policy = IngestPolicy {
        delivery_window: CONFIRMATION_WINDOW_SECONDS,
        first_send_at: ctx.config.send_window.next_open(now),
        kiosk_per_hour: ctx.config.limits.kiosk_registrations_per_hour,
        owner_sessions_opened_after: ctx.config.session_limits().opened_after(now),
    };
    let stored = ctx
        .store
        .ingest_registrations(&to_store, kiosk_id, now, policy)
        .await
        .map_err(anyhow::Error::from)?;
    for (i, done) in positions.into_iter().zip(stored) {
        let id = &registrations[i].id;
        results[i] = Some(match done {
            Ingested::Stored(o) => {
                tally.count(ctx.metrics, o.as_str());
                tracing::debug!(registration = %id, outcome = o.as_str(), "offline registration stored");
                Received::Accepted
            }
            Ingested::Repeated => {
                tally.count(ctx.metrics, "repeated");
                tracing::debug!(registration = %id, "offline registration received again");
                Received::Accepted
            }
            Ingested::Limited(retry_after) => {
                tally.count(ctx.metrics, "limited");
                Received::Limited(retry_after)
            }
            Ingested::InProgress => {
                tally.count(ctx.metrics, "in_progress");
                Received::InProgress
            }
            Ingested::ContentMismatch => {
                tally.count(ctx.metrics, "rejected");
                tracing::warn!(registration = %id, "registration id reused with other content");
                Received::ContentMismatch
            }
        });
    }
    drop(guard);
    tally.log(kiosk_id);
    Ok(results.into_iter().flatten().collect())
}

/// The whole batch was refused by the kiosk's hourly share (none of it
/// could be taken): how long to wait, the last registration's wait.
pub fn batch_refused(results: &[Received]) -> Option<Duration> {
    let mut wait = None;
    for r in results {
        match r {
            Received::Limited(retry_after) => wait = Some(*retry_after),
            _ => return None,
        }
    }
    wait
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syncs_past_the_intake_wait_between_one_second_and_the_maximum() {
        let intake = Intake::new(&SyncIntake {
            concurrency: 2,
            retry_after_max: Duration::from_secs(4),
        });
        let first = intake.admit().unwrap();
        let _second = intake.admit().unwrap();
        let mut seen = HashSet::new();
        for _ in 0..200 {
            let wait = intake.admit().unwrap_err();
            assert!((1..=4).contains(&wait.as_secs()), "{wait:?}");
            seen.insert(wait.as_secs());
        }
        assert!(seen.len() > 1, "the wait is jittered: {seen:?}");
        drop(first);
        assert!(intake.admit().is_ok(), "a turn frees when a batch ends");
    }

    #[test]
    fn a_batch_is_refused_only_when_every_registration_is_over_the_share() {
        let limited = |s| Received::Limited(Duration::from_secs(s));
        assert_eq!(batch_refused(&[]), None);
        assert_eq!(
            batch_refused(&[limited(5), limited(9)]),
            Some(Duration::from_secs(9))
        );
        assert_eq!(batch_refused(&[limited(5), Received::InProgress]), None);
        assert_eq!(batch_refused(&[Received::Accepted, limited(5)]), None);
    }
}
