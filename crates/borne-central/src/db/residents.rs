//! What the town exports to its alerting platform, and each resident's
//! rights over their data (Law 25): everything stored about them, and the
//! deletion of their account.

use sqlx::{AnyConnection, Row};

use borne_protocol as wire;

use super::registrations::StoredContent;
use super::{
    categories_column, new_id, rfc3339, Coded, DeliveryState, Outcome, PendingChangeState, Store,
    StoreError, Timestamp,
};

/// One resident, as the contacts export writes them (its `Debug` shows
/// the account's id only).
#[derive(Clone, PartialEq, Eq)]
pub struct ExportRow {
    pub account_id: String,
    pub phone: String,
    pub verified_at: Option<Timestamp>,
    pub name: String,
    pub first_name: Option<String>,
    pub language: String,
    pub civic_number: Option<String>,
    pub street: Option<String>,
    pub apartment: Option<String>,
    pub city: String,
    pub postal_code: Option<String>,
    pub newsletter: bool,
    /// Optional alert categories (ids); emergencies are always on.
    pub categories: Vec<String>,
    pub updated_at: Timestamp,
    /// Active contact points, in the resident's cascade order.
    pub contacts: Vec<ExportContact>,
}

/// A contact point, as the export writes it (its `Debug` shows the kind
/// only).
#[derive(Clone, PartialEq, Eq)]
pub struct ExportContact {
    pub kind: String,
    pub value: String,
    pub extension: Option<String>,
    pub extension_delay_seconds: i64,
    pub description: String,
    /// The number answered STOP/ARRET: reach it by voice only.
    pub sms_opt_out: bool,
}

impl std::fmt::Debug for ExportRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExportRow")
            .field("account_id", &self.account_id)
            .field("contacts", &self.contacts)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for ExportContact {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExportContact")
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

/// Who asked for a deletion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeletionBy {
    Resident,
    Administrator,
}

impl DeletionBy {
    /// `deletions.requested_by`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Resident => "resident",
            Self::Administrator => "administrator",
        }
    }
}

impl Store {
    /// Residents with a profile, oldest account first. `verified_only`:
    /// numbers confirmed by a login; `since`: profiles saved since then.
    pub async fn export_contacts(
        &self,
        verified_only: bool,
        since: Option<Timestamp>,
    ) -> Result<Vec<ExportRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT a.id, a.phone, a.verified_at, p.name, p.first_name, p.language,
                    p.civic_number, p.street, p.apartment, p.city, p.postal_code,
                    p.newsletter, p.categories, p.updated_at
               FROM accounts a JOIN profiles p ON p.account_id = a.id
              WHERE ($1 = 0 OR a.verified_at IS NOT NULL) AND p.updated_at >= $2
              ORDER BY a.created_at, a.id",
        )
        .bind(super::flag(verified_only))
        .bind(since.unwrap_or(i64::MIN))
        .fetch_all(&self.pool)
        .await?;
        // The contact points of the same residents only.
        let contacts = sqlx::query(
            "SELECT c.account_id, c.kind, c.value, c.extension, c.extension_delay_seconds,
                    c.description, COALESCE(o.opted_out, 0) AS sms_opt_out
               FROM contact_points c
               JOIN accounts a ON a.id = c.account_id
               JOIN profiles p ON p.account_id = c.account_id
               LEFT JOIN sms_opt_outs o ON o.phone = c.value
              WHERE c.active = 1 AND ($1 = 0 OR a.verified_at IS NOT NULL) AND p.updated_at >= $2
              ORDER BY c.account_id, c.position",
        )
        .bind(super::flag(verified_only))
        .bind(since.unwrap_or(i64::MIN))
        .fetch_all(&self.pool)
        .await?;
        let mut by_account: std::collections::HashMap<String, Vec<ExportContact>> =
            std::collections::HashMap::new();
        for c in contacts {
            by_account
                .entry(c.get("account_id"))
                .or_default()
                .push(ExportContact {
                    kind: c.get("kind"),
                    value: c.get("value"),
                    extension: c.get("extension"),
                    extension_delay_seconds: c.get("extension_delay_seconds"),
                    description: c.get("description"),
                    sms_opt_out: c.get::<i64, _>("sms_opt_out") != 0,
                });
        }
        Ok(rows
            .into_iter()
            .map(|r| {
                let id: String = r.get("id");
                ExportRow {
                    contacts: by_account.remove(&id).unwrap_or_default(),
                    account_id: id,
                    phone: r.get("phone"),
                    verified_at: r.get("verified_at"),
                    name: r.get("name"),
                    first_name: r.get("first_name"),
                    language: r.get("language"),
                    civic_number: r.get("civic_number"),
                    street: r.get("street"),
                    apartment: r.get("apartment"),
                    city: r.get("city"),
                    postal_code: r.get("postal_code"),
                    newsletter: r.get::<i64, _>("newsletter") != 0,
                    categories: categories_column(&r.get::<String, _>("categories")),
                    updated_at: r.get("updated_at"),
                }
            })
            .collect())
    }

    /// The account of a number, if any.
    pub async fn account_of(&self, phone_e164: &str) -> Result<Option<String>, StoreError> {
        sqlx::query_scalar("SELECT id FROM accounts WHERE phone = $1")
            .bind(phone_e164)
            .fetch_optional(&self.pool)
            .await
            .map_err(StoreError::from)
    }

    /// The accounts whose offline registration has this reference (the
    /// last 8 hex digits of its id, `3F2A-9C1D`, as the kiosk printed it):
    /// usually one; two ids may share a reference.
    pub async fn accounts_of_reference(&self, reference: &str) -> Result<Vec<String>, StoreError> {
        let hex: String = reference
            .chars()
            .filter(char::is_ascii_hexdigit)
            .collect::<String>()
            .to_lowercase();
        if hex.len() != 8 {
            return Ok(Vec::new());
        }
        sqlx::query_scalar(
            "SELECT DISTINCT account_id FROM registrations
              WHERE account_id IS NOT NULL AND LOWER(REPLACE(id, '-', '')) LIKE $1",
        )
        .bind(format!("%{hex}"))
        .fetch_all(&self.pool)
        .await
        .map_err(StoreError::from)
    }

    /// Everything stored about one resident: the account, the profile and
    /// contact points, every consent, the SMS opt-out, the codes'
    /// deliveries (never a code), offline registrations waiting, and where
    /// their registrations came from.
    pub async fn resident_data(
        &self,
        account_id: &str,
    ) -> Result<Option<wire::ResidentData>, StoreError> {
        let Some(a) = sqlx::query("SELECT * FROM accounts WHERE id = $1")
            .bind(account_id)
            .fetch_optional(&self.pool)
            .await?
        else {
            return Ok(None);
        };
        let phone: String = a.get("phone");
        let profile = self.load_profile(account_id).await?;
        let consents = sqlx::query(
            "SELECT purpose, choices, text_version, language, accepted_at, recorded_at, kiosk_id,
                    staff_assisted
               FROM consents WHERE account_id = $1 ORDER BY recorded_at, purpose",
        )
        .bind(account_id)
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(|c| wire::ConsentEntry {
            purpose: c.get("purpose"),
            choices: c.get("choices"),
            text_version: c.get("text_version"),
            language: c.get("language"),
            accepted_at: rfc3339(c.get("accepted_at")),
            recorded_at: rfc3339(c.get("recorded_at")),
            kiosk_id: c.get("kiosk_id"),
            staff_assisted: c.get::<i64, _>("staff_assisted") != 0,
        })
        .collect();
        let code_deliveries = sqlx::query(
            "SELECT channel, state, created_at, sent_at, kiosk_id
               FROM deliveries WHERE account_id = $1
                  OR code_id IN (SELECT id FROM codes WHERE account_id = $1)
              ORDER BY created_at",
        )
        .bind(account_id)
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(|d| {
            Ok(wire::CodeDelivery {
                channel: d.get("channel"),
                state: DeliveryState::decode(&d.get::<String, _>("state"))?
                    .as_str()
                    .to_owned(),
                created_at: rfc3339(d.get("created_at")),
                sent_at: d.get::<Option<i64>, _>("sent_at").map(rfc3339),
                kiosk_id: d.get("kiosk_id"),
            })
        })
        .collect::<Result<_, StoreError>>()?;
        let sms_opt_out =
            sqlx::query("SELECT opted_out, keyword, changed_at FROM sms_opt_outs WHERE phone = $1")
                .bind(&phone)
                .fetch_optional(&self.pool)
                .await?
                .map(|o| wire::SmsOptOut {
                    opted_out: o.get::<i64, _>("opted_out") != 0,
                    keyword: o.get("keyword"),
                    changed_at: rfc3339(o.get("changed_at")),
                });
        let pending_changes = sqlx::query(
            "SELECT profile, kiosk_id, captured_at, received_at, state
               FROM pending_changes WHERE account_id = $1 ORDER BY received_at",
        )
        .bind(account_id)
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(|p| {
            Ok(wire::PendingChangeEntry {
                profile: serde_json::from_str(&p.get::<String, _>("profile")).ok(),
                kiosk_id: p.get("kiosk_id"),
                captured_at: rfc3339(p.get("captured_at")),
                received_at: rfc3339(p.get("received_at")),
                state: PendingChangeState::decode(&p.get::<String, _>("state"))?
                    .as_str()
                    .to_owned(),
            })
        })
        .collect::<Result<_, StoreError>>()?;
        let offline_registrations = sqlx::query(
            "SELECT kiosk_id, outcome, captured_at, received_at
               FROM registrations WHERE account_id = $1 ORDER BY received_at",
        )
        .bind(account_id)
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(|r| {
            Ok(wire::OfflineRegistration {
                kiosk_id: r.get("kiosk_id"),
                outcome: Outcome::decode(&r.get::<String, _>("outcome"))?
                    .as_str()
                    .to_owned(),
                captured_at: rfc3339(r.get("captured_at")),
                received_at: rfc3339(r.get("received_at")),
            })
        })
        .collect::<Result<_, StoreError>>()?;
        Ok(Some(wire::ResidentData {
            account: wire::ResidentAccount {
                id: account_id.to_owned(),
                phone,
                language: a.get("language"),
                created_at: rfc3339(a.get("created_at")),
                verified_at: a.get::<Option<i64>, _>("verified_at").map(rfc3339),
            },
            profile,
            consents,
            sms_opt_out,
            code_deliveries,
            offline_registrations,
            pending_changes,
        }))
    }

    /// Deletes the account and everything that names the resident (see
    /// [`erase_account`]), and records that a deletion happened — with
    /// no trace of whose.
    pub async fn delete_account(
        &self,
        account_id: &str,
        by: DeletionBy,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_account(account_id).await?;
        let gone = erase_account(&mut tx, account_id, Erasable::Any).await?;
        if gone {
            record_deletion(&mut tx, by, now).await?;
        }
        tx.commit().await?;
        Ok(gone)
    }

    /// An administrator deletes the account ([`Store::delete_account`]),
    /// and the same transaction logs who did it
    /// ([`crate::access::AccessAction::Delete`], with the deletion
    /// record's id). `None` when there is no such account.
    pub async fn delete_account_logged(
        &self,
        account_id: &str,
        who: &crate::access::Accessor,
        now: Timestamp,
    ) -> Result<Option<DeletionRecord>, StoreError> {
        let mut tx = self.begin_account(account_id).await?;
        if !erase_account(&mut tx, account_id, Erasable::Any).await? {
            return Ok(None);
        }
        let by = DeletionBy::Administrator;
        let id = record_deletion(&mut tx, by, now).await?;
        super::access_log::append(
            &mut tx,
            who,
            crate::access::AccessAction::Delete,
            Some(account_id),
            Some(&format!("deletion {id}")),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(Some(DeletionRecord {
            id,
            deleted_at: now,
            requested_by: by,
        }))
    }
}

/// A row of `deletions`: that an account was deleted, when, at whose
/// request; nothing that identifies the resident.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeletionRecord {
    pub id: String,
    pub deleted_at: Timestamp,
    pub requested_by: DeletionBy,
}

/// Which accounts [`erase_account`] may take, checked in its transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Erasable {
    /// Whatever its state: the resident or an administrator asked.
    Any,
    /// Only one whose number was never confirmed (the phone refused).
    Unverified,
    /// Only one never confirmed, created before this time, with no code
    /// asked since (retention).
    UnverifiedBefore(Timestamp),
}

/// Deletes one account and every row that names its resident, in the
/// caller's transaction (which holds the account: [`Store::begin_account`]).
/// With the account go, through the schema's cascades, its profile and
/// contact points, consents, codes, deliveries, sessions, pending changes
/// (their profile and consent payloads) and confirmations. What does not
/// hang from it is blanked or deleted here: the content hash of its
/// registrations' idempotency records (a SHA-256 over the whole
/// registration, phone and name included; the id, kiosk and times stay
/// for the kiosk's hourly share, and a resend of the id is answered as
/// received, storing nothing), the number's failed logins, and an SMS
/// opt-in. An SMS opt-out stays: STOP must keep being honoured. False
/// when there is no such account or `erasable` does not hold.
pub(super) async fn erase_account(
    conn: &mut AnyConnection,
    account_id: &str,
    erasable: Erasable,
) -> Result<bool, StoreError> {
    let condition = match erasable {
        Erasable::Any => "",
        Erasable::Unverified => " AND verified_at IS NULL",
        Erasable::UnverifiedBefore(_) => {
            " AND verified_at IS NULL AND created_at < $2
              AND NOT EXISTS (SELECT 1 FROM codes c
                               WHERE c.account_id = accounts.id AND c.created_at >= $2)"
        }
    };
    let sql = format!("SELECT phone FROM accounts WHERE id = $1{condition}");
    let mut q = sqlx::query_scalar(&sql).bind(account_id);
    if let Erasable::UnverifiedBefore(before) = erasable {
        q = q.bind(before);
    }
    let Some(phone): Option<String> = q.fetch_optional(&mut *conn).await? else {
        return Ok(false);
    };
    sqlx::query("UPDATE registrations SET content_hash = $1 WHERE account_id = $2")
        .bind(StoredContent::ERASED)
        .bind(account_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM login_failures WHERE scope = 'phone' AND key = $1")
        .bind(&phone)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM sms_opt_outs WHERE phone = $1 AND opted_out = 0")
        .bind(&phone)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM accounts WHERE id = $1")
        .bind(account_id)
        .execute(&mut *conn)
        .await?;
    Ok(true)
}

/// That a resident's account was deleted, when, and who asked: nothing
/// that identifies them (`deletions`).
pub(super) async fn record_deletion(
    conn: &mut AnyConnection,
    by: DeletionBy,
    now: Timestamp,
) -> Result<String, StoreError> {
    let id = new_id();
    sqlx::query("INSERT INTO deletions (id, deleted_at, requested_by) VALUES ($1, $2, $3)")
        .bind(&id)
        .bind(now)
        .bind(by.as_str())
        .execute(&mut *conn)
        .await?;
    Ok(id)
}
