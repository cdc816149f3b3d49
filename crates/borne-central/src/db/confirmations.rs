//! Confirmations asked of the phone itself for synced registrations: an
//! SMS answered OUI, or 1 pressed during a call. One outstanding per
//! number; one reminder; answered, refused or superseded, they end.

use borne_domain::{Channel, ConsentRecord, Language, Profile};
use sqlx::{AnyConnection, Row};

use super::bulk::{self, Param};
use super::error::parsed;
use super::registrations::IngestPolicy;
use super::residents::{erase_account, record_deletion, Erasable};
use super::{flag, new_id, write_profile, DeletionBy, Engine, Store, StoreError, Timestamp};

/// How the phone confirmed (the consent ledger records it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfirmedVia {
    /// An SMS answered OUI / YES.
    SmsReply,
    /// 1 pressed during the confirmation call.
    VoiceKey,
}

impl ConfirmedVia {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SmsReply => "sms_reply",
            Self::VoiceKey => "voice_key",
        }
    }
}

/// A confirmation waiting for the phone's answer.
#[derive(Clone, PartialEq, Eq)]
pub struct PendingConfirmation {
    /// The registration's id (the reference the resident was given ends it).
    pub id: String,
    pub account_id: String,
    /// E.164 (kept out of `Debug`).
    pub phone: String,
    pub channel: Channel,
    pub language: Language,
    pub kiosk_id: String,
    /// Confirming applies the pending change of the same id.
    pub applies_change: bool,
    /// Messages that went out for it so far.
    pub sends: i64,
}

impl std::fmt::Debug for PendingConfirmation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingConfirmation")
            .field("id", &self.id)
            .field("channel", &self.channel)
            .field("applies_change", &self.applies_change)
            .field("sends", &self.sends)
            .finish_non_exhaustive()
    }
}

/// Every column of a confirmation, for [`PendingConfirmation::from_row`].
const COLUMNS: &str =
    "c.id, c.account_id, c.phone, c.channel, c.language, c.kiosk_id, c.applies_change, c.sends";

impl PendingConfirmation {
    fn from_row(r: &sqlx::any::AnyRow) -> Result<Self, StoreError> {
        Ok(Self {
            id: r.get("id"),
            account_id: r.get("account_id"),
            phone: r.get("phone"),
            channel: parsed(
                "confirmations.channel",
                &r.get::<String, _>("channel"),
                Channel::parse,
            )?,
            language: parsed(
                "confirmations.language",
                &r.get::<String, _>("language"),
                Language::parse,
            )?,
            kiosk_id: r.get("kiosk_id"),
            applies_change: r.get::<i64, _>("applies_change") != 0,
            sends: r.get("sends"),
        })
    }

    /// What asking again (reminder, resend) writes.
    fn ask(&self) -> AskConfirmation<'_> {
        AskConfirmation {
            registration_id: &self.id,
            account_id: &self.account_id,
            phone: &self.phone,
            channel: self.channel,
            language: self.language,
            kiosk_id: &self.kiosk_id,
            applies_change: self.applies_change,
        }
    }
}

/// What a refusal removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// The account was never confirmed: it is deleted with all it held.
    AccountDeleted,
    /// The account is someone's confirmed one: only the change is dropped.
    ChangeDiscarded,
}

/// One unconfirmed registration, for the administrator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unconfirmed {
    pub registration_id: String,
    pub kiosk_id: String,
    pub kiosk_name: Option<String>,
    pub channel: Channel,
    pub created_at: Timestamp,
    pub sends: i64,
    pub reminded: bool,
}

/// What ingest asks of one registration's phone.
pub(super) struct AskConfirmation<'a> {
    pub registration_id: &'a str,
    pub account_id: &'a str,
    pub phone: &'a str,
    pub channel: Channel,
    pub language: Language,
    pub kiosk_id: &'a str,
    pub applies_change: bool,
}

impl std::fmt::Debug for AskConfirmation<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AskConfirmation")
            .field("registration_id", &self.registration_id)
            .field("channel", &self.channel)
            .finish_non_exhaustive()
    }
}

/// Ends one pending confirmation, superseded, and its unsent messages.
async fn end(conn: &mut AnyConnection, id: &str, now: Timestamp) -> Result<(), StoreError> {
    cancel_deliveries(conn, id, now).await?;
    sqlx::query(
        "UPDATE confirmations SET state = 'superseded', decided_at = $1, remind_at = NULL
          WHERE id = $2 AND state = 'pending'",
    )
    .bind(now)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Ends one confirmation's unsent messages.
async fn cancel_deliveries(
    conn: &mut AnyConnection,
    registration_id: &str,
    now: Timestamp,
) -> Result<(), StoreError> {
    // Through the registration id's index (the outbox's state index
    // would visit every pending delivery).
    sqlx::query(
        "UPDATE deliveries SET state = 'superseded', lease_until = NULL, updated_at = $1
          WHERE id IN (SELECT id FROM deliveries WHERE registration_id = $2)
            AND state = 'pending'",
    )
    .bind(now)
    .bind(registration_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A message asking for the confirmation, due at `at`.
async fn queue_message(
    conn: &mut AnyConnection,
    c: &AskConfirmation<'_>,
    at: Timestamp,
    expires_at: Timestamp,
    now: Timestamp,
) -> Result<(), StoreError> {
    queue_messages(conn, &[(c, false)], at, expires_at, now).await
}

/// Messages asking for confirmations, due at `at`, in one statement; a
/// `true` beside one writes it already superseded (a newer registration
/// for the number came in the same batch).
async fn queue_messages(
    conn: &mut AnyConnection,
    asks: &[(&AskConfirmation<'_>, bool)],
    at: Timestamp,
    expires_at: Timestamp,
    now: Timestamp,
) -> Result<(), StoreError> {
    let ids: Vec<String> = asks.iter().map(|_| new_id()).collect();
    let mut params: Vec<Param<'_>> = Vec::with_capacity(asks.len() * 12);
    for ((c, superseded), id) in asks.iter().zip(&ids) {
        params.extend([
            Param::from(id),
            c.account_id.into(),
            c.registration_id.into(),
            c.phone.into(),
            c.channel.as_str().into(),
            c.language.as_str().into(),
            if *superseded { "superseded" } else { "pending" }.into(),
            at.into(),
            expires_at.into(),
            now.into(),
            now.into(),
            c.kiosk_id.into(),
        ]);
    }
    bulk::insert(
        conn,
        "INSERT INTO deliveries (id, account_id, registration_id, to_phone, channel, language,
                                 state, next_attempt_at, expires_at, created_at, updated_at,
                                 kiosk_id)",
        "",
        12,
        &params,
    )
    .await?;
    Ok(())
}

/// In the ingest transaction: the registrations' confirmations, in the
/// batch's order, each replacing the number's outstanding one (stored
/// before, or earlier in the batch), and their first messages. A few
/// statements whatever the batch's size; a new number (the usual case)
/// costs one lookup for the whole batch.
pub(super) async fn ask_all(
    conn: &mut AnyConnection,
    asks: &[AskConfirmation<'_>],
    now: Timestamp,
    policy: IngestPolicy,
) -> Result<(), StoreError> {
    if asks.is_empty() {
        return Ok(());
    }
    // The numbers' outstanding confirmations, found through the
    // one-pending-per-number index, end with their unsent messages.
    let phones: Vec<&str> = asks.iter().map(|c| c.phone).collect();
    let outstanding: Vec<String> = bulk::with_keys(
        conn,
        &format!(
            "SELECT id FROM confirmations {} WHERE state = 'pending' AND phone IN ({{}})",
            Engine::of_connection(conn).searched_by("confirmations_one_pending")
        ),
        &[],
        &phones,
    )
    .await?
    .iter()
    .map(|r| r.get("id"))
    .collect();
    for id in &outstanding {
        end(conn, id, now).await?;
    }
    // Within the batch, the last registration of a number is the one asked.
    let superseded: Vec<bool> = asks
        .iter()
        .enumerate()
        .map(|(i, c)| asks[i + 1..].iter().any(|later| later.phone == c.phone))
        .collect();
    let mut params: Vec<Param<'_>> = Vec::with_capacity(asks.len() * 10);
    for (c, superseded) in asks.iter().zip(&superseded) {
        params.extend([
            Param::from(c.registration_id),
            c.account_id.into(),
            c.phone.into(),
            c.channel.as_str().into(),
            c.language.as_str().into(),
            c.kiosk_id.into(),
            flag(c.applies_change).into(),
            if *superseded { "superseded" } else { "pending" }.into(),
            now.into(),
            superseded.then_some(now).into(),
        ]);
    }
    bulk::insert(
        conn,
        "INSERT INTO confirmations (id, account_id, phone, channel, language, kiosk_id,
                                    applies_change, state, created_at, decided_at)",
        "",
        10,
        &params,
    )
    .await?;
    let messages: Vec<(&AskConfirmation<'_>, bool)> = asks.iter().zip(superseded).collect();
    queue_messages(
        conn,
        &messages,
        policy.first_send_at,
        policy.first_send_at.max(now) + policy.delivery_window,
        now,
    )
    .await
}

impl Store {
    /// The pending confirmation `condition` (a `WHERE` on `c`, or a join
    /// then a `WHERE`, with `$1`) finds.
    async fn pending_where(
        &self,
        condition: &str,
        key: &str,
    ) -> Result<Option<PendingConfirmation>, StoreError> {
        let sql =
            format!("SELECT {COLUMNS} FROM confirmations c {condition} AND c.state = 'pending'");
        sqlx::query(&sql)
            .bind(key)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(PendingConfirmation::from_row)
            .transpose()
    }

    /// The confirmation this number (E.164) may answer, if any.
    pub async fn pending_confirmation_for_phone(
        &self,
        phone: &str,
    ) -> Result<Option<PendingConfirmation>, StoreError> {
        self.pending_where("WHERE c.phone = $1", phone).await
    }

    /// The confirmation a call (the provider's call id) asks for, while
    /// it is still pending.
    pub async fn pending_confirmation_for_call(
        &self,
        call_id: &str,
    ) -> Result<Option<PendingConfirmation>, StoreError> {
        self.pending_where(
            "JOIN deliveries d ON d.registration_id = c.id WHERE d.provider_id = $1",
            call_id,
        )
        .await
    }

    /// The confirmation behind a delivery, if it is still pending.
    pub async fn pending_confirmation(
        &self,
        registration_id: &str,
    ) -> Result<Option<PendingConfirmation>, StoreError> {
        self.pending_where("WHERE c.id = $1", registration_id).await
    }

    /// The phone answered yes. In one transaction: the confirmation ends
    /// `confirmed`, the pending change (if it is one; `change` holds it
    /// parsed) is applied with its consent, the consent records how and
    /// when the number was confirmed and the provider's id of the answer,
    /// and the account is verified exactly as after a login with a code.
    /// False when it was no longer pending.
    pub async fn confirm(
        &self,
        c: &PendingConfirmation,
        change: Option<(&Profile, &ConsentRecord)>,
        via: ConfirmedVia,
        provider_ref: &str,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_account(&c.account_id).await?;
        let done = sqlx::query(
            "UPDATE confirmations SET state = 'confirmed', decided_at = $1, via = $2,
                                      provider_ref = $3, remind_at = NULL
              WHERE id = $4 AND state = 'pending'",
        )
        .bind(now)
        .bind(via.as_str())
        .bind(provider_ref)
        .bind(&c.id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if done != 1 {
            return Ok(false);
        }
        if let Some((profile, consent)) = change {
            let applied = sqlx::query(
                "UPDATE pending_changes SET state = 'applied', decided_at = $1
                  WHERE id = $2 AND account_id = $3 AND state = 'pending'",
            )
            .bind(now)
            .bind(&c.id)
            .bind(&c.account_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if applied == 1 {
                super::profiles::insert_consent_with_options(
                    &mut tx,
                    &c.account_id,
                    consent,
                    Some(&c.id),
                    profile,
                    now,
                )
                .await?;
                write_profile(&mut tx, &c.account_id, profile, now, false).await?;
            }
        }
        sqlx::query(
            "UPDATE consents SET confirmed_via = $1, confirmed_at = $2, confirmation_ref = $3
              WHERE account_id = $4 AND registration_id = $5",
        )
        .bind(via.as_str())
        .bind(now)
        .bind(provider_ref)
        .bind(&c.account_id)
        .bind(&c.id)
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE accounts SET verified_at = COALESCE(verified_at, $1) WHERE id = $2")
            .bind(now)
            .bind(&c.account_id)
            .execute(&mut *tx)
            .await?;
        cancel_deliveries(&mut tx, &c.id, now).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// The phone answered no (9, NON, ARRET). The confirmation ends
    /// `refused`, no more messages go out, and what was never confirmed
    /// goes: an unconfirmed account is deleted with everything naming the
    /// resident, as a resident's own deletion (a deletion record says a
    /// resident asked), a confirmed account only loses the pending
    /// change. `None` when it was no longer pending.
    pub async fn refuse(
        &self,
        c: &PendingConfirmation,
        now: Timestamp,
    ) -> Result<Option<Refused>, StoreError> {
        let mut tx = self.begin_account(&c.account_id).await?;
        let done = sqlx::query(
            "UPDATE confirmations SET state = 'refused', decided_at = $1, remind_at = NULL
              WHERE id = $2 AND state = 'pending'",
        )
        .bind(now)
        .bind(&c.id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if done != 1 {
            return Ok(None);
        }
        cancel_deliveries(&mut tx, &c.id, now).await?;
        let refused = if erase_account(&mut tx, &c.account_id, Erasable::Unverified).await? {
            record_deletion(&mut tx, DeletionBy::Resident, now).await?;
            Refused::AccountDeleted
        } else {
            sqlx::query(
                "UPDATE pending_changes SET state = 'discarded', decided_at = $1
                  WHERE id = $2 AND state = 'pending'",
            )
            .bind(now)
            .bind(&c.id)
            .execute(&mut *tx)
            .await?;
            Refused::ChangeDiscarded
        };
        tx.commit().await?;
        Ok(Some(refused))
    }

    /// Queues the reminder of every pending confirmation whose time has
    /// come (once each), to go out at `send_at` (the send hours). Returns
    /// how many were queued.
    pub async fn queue_due_reminders(
        &self,
        now: Timestamp,
        send_at: Timestamp,
        delivery_window: i64,
    ) -> Result<u64, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM confirmations c
              WHERE c.state = 'pending' AND c.reminded = 0 AND c.remind_at <= $1"
        );
        let due = sqlx::query(&sql).bind(now).fetch_all(&self.pool).await?;
        let mut queued = 0;
        for r in due {
            let c = PendingConfirmation::from_row(&r)?;
            let mut tx = self.begin_account(&c.account_id).await?;
            // Claimed once, whatever the number of instances.
            let claimed = sqlx::query(
                "UPDATE confirmations SET reminded = 1, remind_at = NULL
                  WHERE id = $1 AND state = 'pending' AND reminded = 0",
            )
            .bind(&c.id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if claimed == 1 {
                queue_message(&mut tx, &c.ask(), send_at, send_at + delivery_window, now).await?;
                queued += 1;
            }
            tx.commit().await?;
        }
        Ok(queued)
    }

    /// An administrator sends the confirmation again (its unsent message,
    /// if any, is replaced). False when it is not pending.
    pub async fn resend_confirmation(
        &self,
        registration_id: &str,
        send_at: Timestamp,
        delivery_window: i64,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let Some(c) = self.pending_confirmation(registration_id).await? else {
            return Ok(false);
        };
        let mut tx = self.begin_account(&c.account_id).await?;
        cancel_deliveries(&mut tx, &c.id, now).await?;
        queue_message(&mut tx, &c.ask(), send_at, send_at + delivery_window, now).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// At start: every confirmation message waiting for later is looked at
    /// again now, under this instance's send hours and caps (the town may
    /// have changed its hours; those still outside are put back to wait).
    pub async fn reconsider_confirmations(&self, now: Timestamp) -> Result<u64, StoreError> {
        Ok(sqlx::query(
            "UPDATE deliveries SET next_attempt_at = $1
              WHERE state = 'pending' AND registration_id IS NOT NULL AND next_attempt_at > $2",
        )
        .bind(now)
        .bind(now)
        .execute(self.writes())
        .await?
        .rows_affected())
    }

    /// Unconfirmed registrations, by kiosk then oldest first.
    pub async fn unconfirmed(&self) -> Result<Vec<Unconfirmed>, StoreError> {
        let rows = sqlx::query(
            "SELECT c.id, c.kiosk_id, k.name, c.channel, c.created_at, c.sends, c.reminded
               FROM confirmations c LEFT JOIN kiosks k ON k.id = c.kiosk_id
              WHERE c.state = 'pending'
              ORDER BY c.kiosk_id, c.created_at",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|r| {
                Ok(Unconfirmed {
                    registration_id: r.get("id"),
                    kiosk_id: r.get("kiosk_id"),
                    kiosk_name: r.get("name"),
                    channel: parsed(
                        "confirmations.channel",
                        &r.get::<String, _>("channel"),
                        Channel::parse,
                    )?,
                    created_at: r.get("created_at"),
                    sends: r.get("sends"),
                    reminded: r.get::<i64, _>("reminded") != 0,
                })
            })
            .collect()
    }
}

/// A confirmation message went out: counted, and the first one sets
/// when the one reminder is due.
pub(super) async fn confirmation_sent(
    conn: &mut AnyConnection,
    registration_id: &str,
    remind_at: Timestamp,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE confirmations SET sends = sends + 1,
                remind_at = CASE WHEN reminded = 0 AND remind_at IS NULL THEN $1
                                 ELSE remind_at END
          WHERE id = $2",
    )
    .bind(remind_at)
    .bind(registration_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A login with a code verified the number: the outstanding confirmation
/// of a new account's registration is no longer needed. (A pending
/// change's stays: the owner decides it after login.)
pub(super) async fn end_by_login(
    conn: &mut AnyConnection,
    account_id: &str,
    now: Timestamp,
) -> Result<(), StoreError> {
    let pending: Vec<String> = sqlx::query_scalar(
        "SELECT id FROM confirmations
          WHERE account_id = $1 AND state = 'pending' AND applies_change = 0",
    )
    .bind(account_id)
    .fetch_all(&mut *conn)
    .await?;
    for id in pending {
        end(conn, &id, now).await?;
    }
    Ok(())
}

/// The owner decided a pending change at a kiosk: its confirmation asks
/// nothing more.
pub(super) async fn end_for_change(
    conn: &mut AnyConnection,
    registration_id: &str,
    now: Timestamp,
) -> Result<(), StoreError> {
    end(conn, registration_id, now).await
}
