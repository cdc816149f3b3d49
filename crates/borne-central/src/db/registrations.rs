//! Offline registrations synced from kiosk queues: idempotent batch
//! ingest, the kiosk's hourly cap, pending changes for numbers that have
//! an account, and the confirmation each one asks the phone for.

use std::collections::HashMap;
use std::time::Duration;

use borne_domain::{Channel, ConsentRecord, Language, PhoneNumber, Profile};
use sqlx::Row;

use super::error::parsed;
use super::{insert_consent, new_id, write_profile, Coded, Store, StoreError, Timestamp};

/// A registration parsed at the edge, ready to store (its `Debug` shows
/// the id only).
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

impl std::fmt::Debug for NewRegistration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewRegistration")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// What ingest did with a new registration (kept in `registrations`,
/// for the town's metrics; the kiosk is told only "accepted").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// A new number: a new, unconfirmed account with the profile; the
    /// phone is asked to confirm.
    Created,
    /// The registration carried the live session of the number's
    /// account: its profile was replaced; nothing to confirm.
    Updated,
    /// The number has an account (confirmed or not): nothing of it
    /// changes; the registration waits as a pending change, applied when
    /// the phone confirms it, or decided by the owner at their next login.
    PendingChange,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Updated => "updated",
            Self::PendingChange => "pending_change",
        }
    }
}

impl Coded for Outcome {
    const COLUMN: &'static str = "registrations.outcome";
    const ALL: &'static [Self] = &[Self::Created, Self::Updated, Self::PendingChange];

    fn code(self) -> &'static str {
        self.as_str()
    }
}

/// Where a pending change stands (`pending_changes.state`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PendingChangeState {
    /// Waiting for the phone's confirmation or the owner's decision.
    Pending,
    /// Confirmed by the phone, or accepted by the owner: the profile was
    /// replaced.
    Applied,
    /// Refused by the phone, or by the owner.
    Discarded,
    /// A newer registration for the number replaced it.
    Superseded,
}

impl PendingChangeState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Applied => "applied",
            Self::Discarded => "discarded",
            Self::Superseded => "superseded",
        }
    }
}

impl Coded for PendingChangeState {
    const COLUMN: &'static str = "pending_changes.state";
    const ALL: &'static [Self] = &[
        Self::Pending,
        Self::Applied,
        Self::Discarded,
        Self::Superseded,
    ];

    fn code(self) -> &'static str {
        self.as_str()
    }
}

/// What happened to one registration of a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ingested {
    /// Stored now.
    Stored(Outcome),
    /// This id was stored before with the same content.
    Repeated,
    /// This id was stored before with other content.
    ContentMismatch,
    /// Another instance is storing this id right now (PostgreSQL).
    InProgress,
    /// Over the kiosk's hourly cap: not stored; retry after this long.
    Limited(Duration),
}

/// The rules an ingest applies, from the configuration.
#[derive(Debug, Clone, Copy)]
pub struct IngestPolicy {
    /// A confirmation that cannot go out within this long expires.
    pub delivery_window: i64,
    /// When the first confirmation message may go out (the send hours).
    pub first_send_at: Timestamp,
    /// Registrations a kiosk may sync per hour (0: no cap).
    pub kiosk_per_hour: u32,
    /// An owner's session opened at or before this proves nothing any
    /// more (the sessions' lifetime, counted to the registration's
    /// arrival: a proof outlives neither the session nor its lifetime).
    pub owner_sessions_opened_after: Timestamp,
}

/// What an idempotency record (`registrations.content_hash`) holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum StoredContent {
    /// The SHA-256 of the registration as sent.
    Hash(String),
    /// Blanked when the account was deleted: the hash named the resident.
    Erased,
}

impl StoredContent {
    /// The column's text for [`StoredContent::Erased`].
    pub(super) const ERASED: &'static str = "";

    fn from_column(text: String) -> Self {
        if text == Self::ERASED {
            Self::Erased
        } else {
            Self::Hash(text)
        }
    }

    /// The same id sent again: the stored result if it holds the same
    /// registration, or if it was erased since (nothing of a deleted
    /// resident comes back; the kiosk may forget it); refused otherwise.
    fn received_again(&self, content_hash: &str) -> Ingested {
        match self {
            Self::Erased => Ingested::Repeated,
            Self::Hash(h) if h == content_hash => Ingested::Repeated,
            Self::Hash(_) => Ingested::ContentMismatch,
        }
    }
}

/// A number's account, as ingest needs it.
#[derive(Debug, Clone)]
struct ExistingAccount {
    id: String,
    language: Language,
}

/// Whose account a registration's number is.
#[derive(Debug)]
enum Holder {
    /// Created now for this registration (its id).
    New(String),
    /// The number had one.
    Existing(ExistingAccount),
}

/// `$1, $2, … $n`.
fn placeholders(n: usize) -> String {
    (1..=n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// An offline registration waiting for the verified owner's decision
/// (its `Debug` leaves the profile and consent out).
#[derive(Clone)]
pub struct StoredPendingChange {
    pub id: String,
    pub profile_json: String,
    pub consent_json: String,
    pub kiosk_id: String,
    pub captured_at: Timestamp,
}

impl std::fmt::Debug for StoredPendingChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredPendingChange")
            .field("id", &self.id)
            .field("kiosk_id", &self.kiosk_id)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Stores a batch in one transaction: for each new id, the account
    /// (created unconfirmed if the number is new) with its profile,
    /// contact points and consent, or a pending change when the number
    /// has an account and the resident did not prove they own it; then
    /// the confirmation asked of the phone (superseding any earlier one
    /// for the number, so one is outstanding at most) with its delivery,
    /// and the idempotency record. Past the kiosk's hourly cap, new ids
    /// are not stored.
    pub async fn ingest_registrations(
        &self,
        batch: &[NewRegistration],
        kiosk_id: &str,
        now: Timestamp,
        policy: IngestPolicy,
    ) -> Result<Vec<Ingested>, StoreError> {
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
        // Nothing of this batch is ours to store (another instance has it
        // all): no need to read the kiosk's hour.
        let per_hour = if claimed.contains(&true) {
            policy.kiosk_per_hour
        } else {
            0
        };
        let mut room = self.kiosk_room(&mut tx, kiosk_id, per_hour, now).await?;
        let mut out = Vec::with_capacity(batch.len());
        for ((r, claimed), phone) in batch.iter().zip(claimed).zip(phones) {
            if !claimed {
                out.push(Ingested::InProgress);
                continue;
            }
            if let Some(stored) = known.get(&r.id) {
                out.push(stored.received_again(&r.content_hash));
                continue;
            }
            if let Some((left, wait)) = room.as_mut() {
                if *left == 0 {
                    out.push(Ingested::Limited(*wait));
                    continue;
                }
                *left -= 1;
            }
            let holder = match accounts.get(&phone).cloned() {
                Some(account) => Holder::Existing(account),
                None => self.create_account(&mut tx, &phone, r, now).await?,
            };
            let (account_id, outcome, language) = match holder {
                Holder::New(id) => {
                    accounts.insert(
                        phone.clone(),
                        ExistingAccount {
                            id: id.clone(),
                            language: r.profile.language(),
                        },
                    );
                    (id, Outcome::Created, r.language)
                }
                Holder::Existing(account) => {
                    accounts.insert(phone.clone(), account.clone());
                    let proven = match &r.owner_session_hash {
                        Some(hash) => sqlx::query(
                            "SELECT 1 FROM sessions
                              WHERE token_hash = $1 AND account_id = $2 AND created_at > $3",
                        )
                        .bind(hash)
                        .bind(&account.id)
                        .bind(policy.owner_sessions_opened_after)
                        .fetch_optional(&mut *tx)
                        .await?
                        .is_some(),
                        None => false,
                    };
                    if proven {
                        (account.id, Outcome::Updated, r.language)
                    } else {
                        // Never overwritten, confirmed or not: the account
                        // keeps its language until the change is applied.
                        (account.id, Outcome::PendingChange, account.language)
                    }
                }
            };
            match outcome {
                Outcome::PendingChange => {
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
                }
                Outcome::Created | Outcome::Updated => {
                    insert_consent(&mut tx, &account_id, &r.consent, Some(&r.id), now).await?;
                    write_profile(
                        &mut tx,
                        &account_id,
                        &r.profile,
                        now,
                        outcome == Outcome::Created,
                    )
                    .await?;
                    if let Some(account) = accounts.get_mut(&phone) {
                        account.language = r.profile.language();
                    }
                }
            }
            if outcome != Outcome::Updated {
                let asked = super::confirmations::AskConfirmation {
                    registration_id: &r.id,
                    account_id: &account_id,
                    phone: &phone,
                    channel: r.channel,
                    language,
                    kiosk_id,
                    applies_change: outcome == Outcome::PendingChange,
                };
                super::confirmations::ask(&mut tx, &asked, now, policy).await?;
            }
            sqlx::query(
                "INSERT INTO registrations (id, content_hash, kiosk_id, account_id, outcome,
                                            captured_at, received_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(&r.id)
            .bind(&r.content_hash)
            .bind(kiosk_id)
            .bind(&account_id)
            .bind(outcome.as_str())
            .bind(r.captured_at)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            known.insert(r.id.clone(), StoredContent::Hash(r.content_hash.clone()));
            out.push(Ingested::Stored(outcome));
        }
        tx.commit().await?;
        Ok(out)
    }

    /// A new, unconfirmed account for a registration's number, in the
    /// profile's language. Conflict-safe: when a live signup (on another
    /// instance) created the number's account since the batch read it,
    /// nothing is written and that account is returned, which the
    /// registration then meets like any existing one — no unique
    /// violation, and one account per number.
    async fn create_account(
        &self,
        conn: &mut sqlx::AnyConnection,
        phone: &str,
        r: &NewRegistration,
        now: Timestamp,
    ) -> Result<Holder, StoreError> {
        let id = new_id();
        let created: Option<String> = sqlx::query_scalar(
            "INSERT INTO accounts (id, phone, language, created_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (phone) DO NOTHING RETURNING id",
        )
        .bind(&id)
        .bind(phone)
        .bind(r.profile.language().as_str())
        .bind(now)
        .fetch_optional(&mut *conn)
        .await?;
        if created.is_some() {
            return Ok(Holder::New(id));
        }
        self.accounts_by_phone(conn, &[phone.to_owned()])
            .await?
            .remove(phone)
            .map(Holder::Existing)
            .ok_or(StoreError::NotFound)
    }

    /// How many more registrations this kiosk may sync within the hour,
    /// and when the oldest of the hour stops counting (`None`: no cap).
    async fn kiosk_room(
        &self,
        conn: &mut sqlx::AnyConnection,
        kiosk_id: &str,
        per_hour: u32,
        now: Timestamp,
    ) -> Result<Option<(u32, Duration)>, StoreError> {
        if per_hour == 0 {
            return Ok(None);
        }
        let r = sqlx::query(
            "SELECT COUNT(*) AS n, MIN(received_at) AS oldest FROM registrations
              WHERE kiosk_id = $1 AND received_at > $2",
        )
        .bind(kiosk_id)
        .bind(now - 3_600)
        .fetch_one(&mut *conn)
        .await?;
        let n: i64 = r.get("n");
        let oldest: Option<i64> = r.get("oldest");
        let wait = (oldest.unwrap_or(now) + 3_600 - now).max(1);
        Ok(Some((
            u32::try_from((i64::from(per_hour) - n).max(0)).unwrap_or(0),
            Duration::from_secs(u64::try_from(wait).unwrap_or(3_600)),
        )))
    }

    /// What the ids already stored hold.
    async fn known_registrations(
        &self,
        conn: &mut sqlx::AnyConnection,
        ids: &[String],
    ) -> Result<HashMap<String, StoredContent>, StoreError> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let sql = format!(
            "SELECT id, content_hash FROM registrations WHERE id IN ({})",
            placeholders(ids.len())
        );
        let mut q = sqlx::query(&sql);
        for id in ids {
            q = q.bind(id);
        }
        Ok(q.fetch_all(&mut *conn)
            .await?
            .into_iter()
            .map(|r| {
                (
                    r.get("id"),
                    StoredContent::from_column(r.get("content_hash")),
                )
            })
            .collect())
    }

    /// The accounts these numbers (E.164) already have.
    async fn accounts_by_phone(
        &self,
        conn: &mut sqlx::AnyConnection,
        phones: &[String],
    ) -> Result<HashMap<String, ExistingAccount>, StoreError> {
        if phones.is_empty() {
            return Ok(HashMap::new());
        }
        let sql = format!(
            "SELECT id, phone, language FROM accounts WHERE phone IN ({})",
            placeholders(phones.len())
        );
        let mut q = sqlx::query(&sql);
        for phone in phones {
            q = q.bind(phone);
        }
        q.fetch_all(&mut *conn)
            .await?
            .into_iter()
            .map(|r| {
                let language = r.get::<String, _>("language");
                Ok((
                    r.get("phone"),
                    ExistingAccount {
                        id: r.get("id"),
                        language: parsed("accounts.language", &language, Language::parse)?,
                    },
                ))
            })
            .collect()
    }

    /// The newest change waiting for this account's owner.
    pub async fn pending_change(
        &self,
        account_id: &str,
    ) -> Result<Option<StoredPendingChange>, StoreError> {
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
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_account(account_id).await?;
        let done = sqlx::query(
            "UPDATE pending_changes SET state = $1, decided_at = $2
             WHERE id = $3 AND account_id = $4 AND state = 'pending'",
        )
        .bind(
            if apply.is_some() {
                PendingChangeState::Applied
            } else {
                PendingChangeState::Discarded
            }
            .as_str(),
        )
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
            insert_consent(&mut tx, account_id, consent, Some(id), now).await?;
            write_profile(&mut tx, account_id, profile, now, false).await?;
        }
        super::confirmations::end_for_change(&mut tx, id, now).await?;
        tx.commit().await?;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pending_change_states_are_the_schemas() {
        super::super::error::assert_matches_schema::<PendingChangeState>(
            "CHECK (state IN (",
            "'applied'",
        );
    }

    #[test]
    fn outcomes_are_the_schemas() {
        super::super::error::assert_matches_schema::<Outcome>("CHECK (outcome IN (", "'created'");
    }
}
