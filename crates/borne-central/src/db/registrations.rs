//! Offline registrations synced from kiosk queues: idempotent batch
//! ingest, the kiosk's hourly cap, pending changes for numbers that have
//! an account, and the confirmation each one asks the phone for.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use borne_domain::{Channel, ConsentRecord, Language, PhoneNumber, Profile};
use sqlx::Row;

use super::bulk::Param;
use super::error::parsed;
use super::profiles::{insert_consent_with_options, insert_consents, write_profiles, NewConsent};
use super::{new_id, write_profile, Coded, Store, StoreError, Timestamp};

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

/// A registration of the batch to store now, as planned before any write.
#[derive(Debug)]
struct Planned<'a> {
    r: &'a NewRegistration,
    /// Its number, E.164.
    phone: &'a str,
    account_id: String,
    outcome: Outcome,
    /// The language its confirmation speaks.
    language: Language,
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
    ///
    /// Set-based: the batch is read in a few queries, decided in memory in
    /// its order (as if stored one after the other), then written with one
    /// multi-row statement per table, whatever its size.
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
        // What the batch's ids and numbers already are, in two reads.
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

        // 1. Which registrations are new and within the kiosk's share.
        let mut out: Vec<Option<Ingested>> = vec![None; batch.len()];
        let mut fresh: Vec<usize> = Vec::new();
        for (i, (r, claimed)) in batch.iter().zip(&claimed).enumerate() {
            if !claimed {
                out[i] = Some(Ingested::InProgress);
                continue;
            }
            if let Some(stored) = known.get(&r.id) {
                out[i] = Some(stored.received_again(&r.content_hash));
                continue;
            }
            if let Some((left, wait)) = room.as_mut() {
                if *left == 0 {
                    out[i] = Some(Ingested::Limited(*wait));
                    continue;
                }
                *left -= 1;
            }
            known.insert(r.id.clone(), StoredContent::Hash(r.content_hash.clone()));
            fresh.push(i);
        }

        // 2. The new numbers' accounts, created by their first registration.
        let creators = self
            .create_accounts(&mut tx, batch, &phones, &fresh, &mut accounts, now)
            .await?;

        // 3. The owners' sessions the registrations carry, if still proofs.
        let hashes: Vec<&str> = fresh
            .iter()
            .filter_map(|&i| batch[i].owner_session_hash.as_deref())
            .collect();
        let proofs: HashMap<String, String> = if hashes.is_empty() {
            HashMap::new()
        } else {
            super::bulk::with_keys(
                &mut tx,
                "SELECT token_hash, account_id FROM sessions
                  WHERE created_at > $1 AND token_hash IN ({})",
                &[policy.owner_sessions_opened_after.into()],
                &hashes,
            )
            .await?
            .iter()
            .map(|r| (r.get("token_hash"), r.get("account_id")))
            .collect()
        };

        // 4. What each one becomes, in the batch's order.
        let mut planned: Vec<Planned<'_>> = Vec::with_capacity(fresh.len());
        for &i in &fresh {
            let (r, phone) = (&batch[i], phones[i].as_str());
            let account = accounts.get_mut(phone).ok_or(StoreError::NotFound)?;
            let (outcome, language) = if creators.contains(&i) {
                (Outcome::Created, r.language)
            } else if r
                .owner_session_hash
                .as_ref()
                .and_then(|h| proofs.get(h))
                .is_some_and(|owner| *owner == account.id)
            {
                (Outcome::Updated, r.language)
            } else {
                // Never overwritten, confirmed or not: the account keeps
                // its language until the change is applied.
                (Outcome::PendingChange, account.language)
            };
            if outcome != Outcome::PendingChange {
                account.language = r.profile.language();
            }
            planned.push(Planned {
                r,
                phone,
                account_id: account.id.clone(),
                outcome,
                language,
            });
            out[i] = Some(Ingested::Stored(outcome));
        }

        // 5. The writes, one statement per table.
        write_planned(&mut tx, &planned, kiosk_id, now, policy).await?;
        tx.commit().await?;
        Ok(out.into_iter().flatten().collect())
    }

    /// Unconfirmed accounts for the numbers that have none, each in its
    /// first registration's profile language, in one statement; the
    /// indices of the registrations that created one. Conflict-safe: when
    /// a live signup (on another instance) created a number's account
    /// since the batch read it, nothing is written for it and that account
    /// is read, which its registrations then meet like any existing one —
    /// no unique violation, and one account per number.
    async fn create_accounts(
        &self,
        conn: &mut sqlx::AnyConnection,
        batch: &[NewRegistration],
        phones: &[String],
        fresh: &[usize],
        accounts: &mut HashMap<String, ExistingAccount>,
        now: Timestamp,
    ) -> Result<HashSet<usize>, StoreError> {
        let mut firsts: Vec<(usize, String)> = Vec::new();
        let mut seen: HashSet<&str> = HashSet::new();
        for &i in fresh {
            let phone = phones[i].as_str();
            if !accounts.contains_key(phone) && seen.insert(phone) {
                firsts.push((i, new_id()));
            }
        }
        if firsts.is_empty() {
            return Ok(HashSet::new());
        }
        let mut params: Vec<Param<'_>> = Vec::with_capacity(firsts.len() * 4);
        for (i, id) in &firsts {
            params.extend([
                Param::from(id),
                (&phones[*i]).into(),
                batch[*i].profile.language().as_str().into(),
                now.into(),
            ]);
        }
        let created: HashSet<String> = super::bulk::insert(
            conn,
            "INSERT INTO accounts (id, phone, language, created_at)",
            "ON CONFLICT (phone) DO NOTHING RETURNING id",
            4,
            &params,
        )
        .await?
        .iter()
        .map(|r| r.get("id"))
        .collect();
        let mut creators = HashSet::with_capacity(created.len());
        let mut taken = Vec::new();
        for (i, id) in firsts {
            if created.contains(&id) {
                accounts.insert(
                    phones[i].clone(),
                    ExistingAccount {
                        id,
                        language: batch[i].profile.language(),
                    },
                );
                creators.insert(i);
            } else {
                taken.push(phones[i].clone());
            }
        }
        if !taken.is_empty() {
            accounts.extend(self.accounts_by_phone(conn, &taken).await?);
        }
        Ok(creators)
    }
}

/// The rows of the planned registrations, one multi-row statement per
/// table.
async fn write_planned(
    conn: &mut sqlx::AnyConnection,
    planned: &[Planned<'_>],
    kiosk_id: &str,
    now: Timestamp,
    policy: IngestPolicy,
) -> Result<(), StoreError> {
    if planned.is_empty() {
        return Ok(());
    }
    // Profiles and consents of created and updated accounts.
    let written: Vec<&Planned<'_>> = planned
        .iter()
        .filter(|p| p.outcome != Outcome::PendingChange)
        .collect();
    let consents: Vec<NewConsent<'_>> = written
        .iter()
        .flat_map(|p| {
            let (account, registration) = (p.account_id.as_str(), Some(p.r.id.as_str()));
            std::iter::once(NewConsent::emergency(account, &p.r.consent, registration)).chain(
                NewConsent::options(account, &p.r.consent, registration, &p.r.profile),
            )
        })
        .collect();
    insert_consents(conn, &consents, now).await?;
    let profiles: Vec<(&str, &Profile)> = written
        .iter()
        .map(|p| (p.account_id.as_str(), &p.r.profile))
        .collect();
    let replaced: Vec<&str> = written
        .iter()
        .filter(|p| p.outcome == Outcome::Updated)
        .map(|p| p.account_id.as_str())
        .collect();
    write_profiles(conn, &profiles, &replaced, now).await?;

    // Pending changes: an account's last one waits, the others are
    // superseded (stored before, or earlier in the batch).
    let changes: Vec<&Planned<'_>> = planned
        .iter()
        .filter(|p| p.outcome == Outcome::PendingChange)
        .collect();
    if !changes.is_empty() {
        let owners: Vec<&str> = changes.iter().map(|p| p.account_id.as_str()).collect();
        super::bulk::with_keys(
            conn,
            "UPDATE pending_changes SET state = 'superseded', decided_at = $1
              WHERE state = 'pending' AND account_id IN ({})",
            &[now.into()],
            &owners,
        )
        .await?;
        let mut params: Vec<Param<'_>> = Vec::with_capacity(changes.len() * 9);
        for (n, p) in changes.iter().enumerate() {
            let superseded = changes[n + 1..]
                .iter()
                .any(|later| later.account_id == p.account_id);
            params.extend([
                Param::from(&p.r.id),
                (&p.account_id).into(),
                (&p.r.profile_json).into(),
                (&p.r.consent_json).into(),
                kiosk_id.into(),
                p.r.captured_at.into(),
                now.into(),
                if superseded { "superseded" } else { "pending" }.into(),
                superseded.then_some(now).into(),
            ]);
        }
        super::bulk::insert(
            conn,
            "INSERT INTO pending_changes (id, account_id, profile, consent, kiosk_id,
                                          captured_at, received_at, state, decided_at)",
            "",
            9,
            &params,
        )
        .await?;
    }

    // The confirmations asked of the phones (none for an update its owner
    // proved).
    let asks: Vec<super::confirmations::AskConfirmation<'_>> = planned
        .iter()
        .filter(|p| p.outcome != Outcome::Updated)
        .map(|p| super::confirmations::AskConfirmation {
            registration_id: &p.r.id,
            account_id: &p.account_id,
            phone: p.phone,
            channel: p.r.channel,
            language: p.language,
            kiosk_id,
            applies_change: p.outcome == Outcome::PendingChange,
        })
        .collect();
    super::confirmations::ask_all(conn, &asks, now, policy).await?;

    // The idempotency records.
    let mut params: Vec<Param<'_>> = Vec::with_capacity(planned.len() * 7);
    for p in planned {
        params.extend([
            Param::from(&p.r.id),
            (&p.r.content_hash).into(),
            kiosk_id.into(),
            (&p.account_id).into(),
            p.outcome.as_str().into(),
            p.r.captured_at.into(),
            now.into(),
        ]);
    }
    super::bulk::insert(
        conn,
        "INSERT INTO registrations (id, content_hash, kiosk_id, account_id, outcome,
                                    captured_at, received_at)",
        "",
        7,
        &params,
    )
    .await?;
    Ok(())
}

impl Store {
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
        let keys: Vec<&str> = ids.iter().map(String::as_str).collect();
        Ok(super::bulk::with_keys(
            conn,
            "SELECT id, content_hash FROM registrations WHERE id IN ({})",
            &[],
            &keys,
        )
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
        let keys: Vec<&str> = phones.iter().map(String::as_str).collect();
        super::bulk::with_keys(
            conn,
            "SELECT id, phone, language FROM accounts WHERE phone IN ({})",
            &[],
            &keys,
        )
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
            insert_consent_with_options(&mut tx, account_id, consent, Some(id), profile, now)
                .await?;
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
