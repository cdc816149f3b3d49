//! Offline registrations synced from kiosk queues: idempotent batch
//! ingest, pending changes for verified numbers, and the code each one
//! gets just before its delivery goes out.

use std::collections::HashMap;
use std::time::Duration;

use borne_domain::{Channel, ConsentRecord, Language, PhoneNumber, Profile};
use secrecy::{ExposeSecret, SecretString};
use sqlx::Row;

use super::{
    caps_wait, channel_for, insert_consent, new_id, replace_active_code, write_profile,
    DeliveryJob, Store, Timestamp,
};
use crate::config::Limits;

/// A registration parsed at the edge, ready to store.
#[derive(Debug)]
pub struct NewRegistration {
    pub id: String,
    /// SHA-256 of the registration as sent, for the idempotency check.
    pub content_hash: String,
    pub phone: PhoneNumber,
    pub channel: Channel,
    pub language: Language,
    pub consent: ConsentRecord,
    pub profile: Profile,
    /// The wire forms, kept while a change waits for the owner.
    pub profile_json: String,
    pub consent_json: String,
    /// SHA-256 of the session the resident held at capture, if any.
    pub owner_session_hash: Option<String>,
    pub captured_at: Timestamp,
}

/// What happened to one registration of a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ingested {
    /// Stored now: `created`, `updated` or `pending_change`.
    Stored(&'static str),
    /// This id was stored before with the same content: its outcome then.
    Repeated(String),
    /// This id was stored before with other content.
    ContentMismatch,
    /// Another instance is storing this id right now (PostgreSQL).
    InProgress,
}

/// A number's account, as ingest needs it.
#[derive(Debug, Clone)]
struct ExistingAccount {
    id: String,
    verified: bool,
    language: Language,
}

/// `$1, $2, … $n`.
fn placeholders(n: usize) -> String {
    (1..=n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// An offline registration waiting for the verified owner's decision.
#[derive(Debug, Clone)]
pub struct StoredPendingChange {
    pub id: String,
    pub profile_json: String,
    pub consent_json: String,
    pub kiosk_id: String,
    pub captured_at: Timestamp,
}

impl Store {
    /// Stores a batch in one transaction: for each new id, the account
    /// (created unverified if the number is new), its profile, contact
    /// points and consent, or a pending change when the number's account
    /// is verified and the resident did not prove they own it; then the
    /// code's delivery (its code is made by the worker, see
    /// [`Store::attach_code`]) and the idempotency record.
    ///
    /// A delivery that cannot go out within `delivery_window` seconds
    /// (provider down for days) expires.
    pub async fn ingest_registrations(
        &self,
        batch: &[NewRegistration],
        kiosk_id: &str,
        now: Timestamp,
        delivery_window: i64,
    ) -> Result<Vec<Ingested>, sqlx::Error> {
        if batch.is_empty() {
            return Ok(Vec::new());
        }
        // Take the write lock first, so the idempotency read and the
        // writes see one state even with several writers (instances).
        let ids: Vec<&str> = batch.iter().map(|r| r.id.as_str()).collect();
        let (mut tx, claimed) = self.begin_ingest(&ids).await?;
        // What the batch's ids and numbers already are, in two reads (kept
        // up to date below: a batch may name one number twice).
        // Only the claimed ones: the others are another instance's now.
        let phones: Vec<String> = batch.iter().map(|r| r.phone.e164()).collect();
        let mine = |all: &[&str]| -> Vec<String> {
            all.iter()
                .zip(&claimed)
                .filter(|(_, c)| **c)
                .map(|(v, _)| (*v).to_owned())
                .collect()
        };
        let mut known = self.known_registrations(&mut tx, &mine(&ids)).await?;
        let phone_refs: Vec<&str> = phones.iter().map(String::as_str).collect();
        let mut accounts = self.accounts_by_phone(&mut tx, &mine(&phone_refs)).await?;
        let mut out = Vec::with_capacity(batch.len());
        for ((r, claimed), phone) in batch.iter().zip(claimed).zip(phones) {
            if !claimed {
                out.push(Ingested::InProgress);
                continue;
            }
            if let Some((hash, outcome)) = known.get(&r.id) {
                out.push(if *hash == r.content_hash {
                    Ingested::Repeated(outcome.clone())
                } else {
                    Ingested::ContentMismatch
                });
                continue;
            }
            let (account_id, outcome, language) = match accounts.get(&phone).cloned() {
                None => {
                    let id = new_id();
                    // The profile's language: what write_profile would set.
                    let language = r.profile.language();
                    sqlx::query(
                        "INSERT INTO accounts (id, phone, language, created_at) VALUES ($1, $2, $3, $4)",
                    )
                    .bind(&id)
                    .bind(&phone)
                    .bind(language.as_str())
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                    accounts.insert(
                        phone.clone(),
                        ExistingAccount {
                            id: id.clone(),
                            verified: false,
                            language,
                        },
                    );
                    (id, "created", r.language)
                }
                Some(account) => {
                    let id = account.id;
                    let proven = match &r.owner_session_hash {
                        Some(hash) => sqlx::query(
                            "SELECT 1 FROM sessions WHERE token_hash = $1 AND account_id = $2",
                        )
                        .bind(hash)
                        .bind(&id)
                        .fetch_optional(&mut *tx)
                        .await?
                        .is_some(),
                        None => false,
                    };
                    if !account.verified || proven {
                        (id, "updated", r.language)
                    } else {
                        let language = account.language;
                        (id, "pending_change", language)
                    }
                }
            };
            if outcome == "pending_change" {
                sqlx::query(
                    "UPDATE pending_changes SET state = 'superseded', decided_at = $1
                     WHERE account_id = $2 AND state = 'pending'",
                )
                .bind(now)
                .bind(&account_id)
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "INSERT INTO pending_changes (id, account_id, profile, consent, kiosk_id,
                                                  captured_at, received_at, state)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending')",
                )
                .bind(&r.id)
                .bind(&account_id)
                .bind(&r.profile_json)
                .bind(&r.consent_json)
                .bind(kiosk_id)
                .bind(r.captured_at)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            } else {
                insert_consent(&mut tx, &account_id, &r.consent, now).await?;
                write_profile(&mut tx, &account_id, &r.profile, now, outcome == "created").await?;
                if let Some(account) = accounts.get_mut(&phone) {
                    account.language = r.profile.language();
                }
            }
            sqlx::query(
                "INSERT INTO deliveries (id, account_id, registration_id, to_phone, channel,
                                         language, state, next_attempt_at, expires_at,
                                         created_at, updated_at, kiosk_id)
                 VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, $8, $9, $10, $11)",
            )
            .bind(new_id())
            .bind(&account_id)
            .bind(&r.id)
            .bind(&phone)
            .bind(r.channel.as_str())
            .bind(language.as_str())
            .bind(now)
            .bind(now + delivery_window)
            .bind(now)
            .bind(now)
            .bind(kiosk_id)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO registrations (id, content_hash, kiosk_id, account_id, outcome,
                                            captured_at, received_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(&r.id)
            .bind(&r.content_hash)
            .bind(kiosk_id)
            .bind(&account_id)
            .bind(outcome)
            .bind(r.captured_at)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            known.insert(r.id.clone(), (r.content_hash.clone(), outcome.to_owned()));
            out.push(Ingested::Stored(outcome));
        }
        tx.commit().await?;
        Ok(out)
    }

    /// Content hash and outcome of the ids already stored.
    async fn known_registrations(
        &self,
        conn: &mut sqlx::AnyConnection,
        ids: &[String],
    ) -> Result<HashMap<String, (String, String)>, sqlx::Error> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let sql = format!(
            "SELECT id, content_hash, outcome FROM registrations WHERE id IN ({})",
            placeholders(ids.len())
        );
        let mut q = sqlx::query(&sql);
        for id in ids {
            q = q.bind(id);
        }
        Ok(q.fetch_all(&mut *conn)
            .await?
            .into_iter()
            .map(|r| (r.get("id"), (r.get("content_hash"), r.get("outcome"))))
            .collect())
    }

    /// The accounts these numbers (E.164) already have.
    async fn accounts_by_phone(
        &self,
        conn: &mut sqlx::AnyConnection,
        phones: &[String],
    ) -> Result<HashMap<String, ExistingAccount>, sqlx::Error> {
        if phones.is_empty() {
            return Ok(HashMap::new());
        }
        let sql = format!(
            "SELECT id, phone, verified_at, language FROM accounts WHERE phone IN ({})",
            placeholders(phones.len())
        );
        let mut q = sqlx::query(&sql);
        for phone in phones {
            q = q.bind(phone);
        }
        Ok(q.fetch_all(&mut *conn)
            .await?
            .into_iter()
            .map(|r| {
                (
                    r.get("phone"),
                    ExistingAccount {
                        id: r.get("id"),
                        verified: r.get::<Option<i64>, _>("verified_at").is_some(),
                        language: Language::parse(&r.get::<String, _>("language"))
                            .unwrap_or_default(),
                    },
                )
            })
            .collect())
    }

    /// The newest change waiting for this account's owner.
    pub async fn pending_change(
        &self,
        account_id: &str,
    ) -> Result<Option<StoredPendingChange>, sqlx::Error> {
        let row = sqlx::query(
            "SELECT id, profile, consent, kiosk_id, captured_at FROM pending_changes
             WHERE account_id = $1 AND state = 'pending' ORDER BY received_at DESC LIMIT 1",
        )
        .bind(account_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| StoredPendingChange {
            id: r.get("id"),
            profile_json: r.get("profile"),
            consent_json: r.get("consent"),
            kiosk_id: r.get("kiosk_id"),
            captured_at: r.get("captured_at"),
        }))
    }

    /// The owner applies (`Some`: the change's profile and consent, parsed)
    /// or discards (`None`) a pending change. False when it was not
    /// pending for this account.
    pub async fn resolve_pending_change(
        &self,
        account_id: &str,
        id: &str,
        apply: Option<(&Profile, &ConsentRecord)>,
        now: Timestamp,
    ) -> Result<bool, sqlx::Error> {
        let mut tx = self.begin_account(account_id).await?;
        let done = sqlx::query(
            "UPDATE pending_changes SET state = $1, decided_at = $2
             WHERE id = $3 AND account_id = $4 AND state = 'pending'",
        )
        .bind(if apply.is_some() {
            "applied"
        } else {
            "discarded"
        })
        .bind(now)
        .bind(id)
        .bind(account_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if done != 1 {
            return Ok(false);
        }
        if let Some((profile, consent)) = apply {
            insert_consent(&mut tx, account_id, consent, now).await?;
            write_profile(&mut tx, account_id, profile, now, false).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// The per-number caps for a registration's delivery, itself excluded
    /// (the per-kiosk cap does not apply: the resident passed it at the
    /// kiosk, and a kiosk back from an outage sends many at once).
    pub async fn registration_caps_wait(
        &self,
        job: &DeliveryJob,
        caps: &Limits,
        now: Timestamp,
    ) -> Result<Option<(&'static str, Duration)>, sqlx::Error> {
        let mut conn = self.pool.acquire().await?;
        caps_wait(&mut conn, &job.to_phone, None, Some(&job.id), caps, now).await
    }

    /// Gives a registration's delivery its code, just before it goes out:
    /// supersedes the account's active code (and its unsent delivery),
    /// stores the new code's hash, and puts the code in the delivery.
    /// A number that texted STOP gets a call. Returns the job ready to
    /// send, or `None` if the delivery is no longer waiting for a code.
    pub async fn attach_code(
        &self,
        job: &DeliveryJob,
        code_hash: &str,
        code: &SecretString,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> Result<Option<DeliveryJob>, sqlx::Error> {
        let Some(account_id) = job.account_id.as_deref() else {
            return Ok(None);
        };
        let mut tx = self.begin_account(account_id).await?;
        let (channel, fallback) = channel_for(&mut tx, &job.to_phone, job.channel).await?;
        // The delivery being prepared has no code yet, so it is not among
        // those superseded.
        let code_id =
            replace_active_code(&mut tx, account_id, code_hash, channel, now, expires_at).await?;
        let updated = sqlx::query(
            "UPDATE deliveries SET code_id = $1, secret = $2, channel = $3,
                                   fallback = COALESCE($4, fallback), expires_at = $5, updated_at = $6
             WHERE id = $7 AND state = 'pending' AND code_id IS NULL",
        )
        .bind(&code_id)
        .bind(code.expose_secret())
        .bind(channel.as_str())
        .bind(fallback)
        .bind(expires_at)
        .bind(now)
        .bind(&job.id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if updated != 1 {
            return Ok(None);
        }
        tx.commit().await?;
        Ok(Some(DeliveryJob {
            channel,
            secret: Some(code.clone()),
            expires_at,
            code_id: Some(code_id),
            ..job.clone()
        }))
    }
}
