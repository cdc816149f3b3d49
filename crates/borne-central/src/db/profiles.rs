//! Profiles and their contact points, and the consent records written
//! with them (Law 25).

use borne_domain::{ConsentRecord, ContactType, Language, Profile};
use borne_protocol as wire;
use sqlx::{AnyConnection, Row};

use super::error::parsed;
use super::{flag, new_id, Store, StoreError, Timestamp};

/// A stored small count (order, seconds) back in the domain's type.
fn int(v: i64) -> u32 {
    u32::try_from(v).unwrap_or_default()
}

/// `profiles.categories` (ids joined by commas) as a list.
pub(super) fn categories_column(text: &str) -> Vec<String> {
    text.split(',')
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The profile and its contact points, replacing what the account had.
/// `new_account`: the account was created in this transaction with the
/// profile's language, so it has nothing to replace (sync ingest).
pub(super) async fn write_profile(
    conn: &mut AnyConnection,
    account_id: &str,
    p: &Profile,
    now: Timestamp,
    new_account: bool,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO profiles (account_id, name, first_name, language, city, street,
                               civic_number, apartment, postal_code, newsletter, updated_at,
                               categories)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
         ON CONFLICT (account_id) DO UPDATE SET
            name = excluded.name, first_name = excluded.first_name,
            language = excluded.language, city = excluded.city, street = excluded.street,
            civic_number = excluded.civic_number, apartment = excluded.apartment,
            postal_code = excluded.postal_code, newsletter = excluded.newsletter,
            updated_at = excluded.updated_at, categories = excluded.categories",
    )
    .bind(account_id)
    .bind(p.name())
    .bind(p.first_name())
    .bind(p.language().as_str())
    .bind(p.city())
    .bind(p.street())
    .bind(p.civic_number())
    .bind(p.apartment())
    .bind(p.postal_code().map(|c| c.as_str()))
    .bind(flag(p.newsletter()))
    .bind(now)
    .bind(p.categories().join(","))
    .execute(&mut *conn)
    .await?;
    if !new_account {
        sqlx::query("DELETE FROM contact_points WHERE account_id = $1")
            .bind(account_id)
            .execute(&mut *conn)
            .await?;
    }
    for c in p.contacts() {
        sqlx::query(
            "INSERT INTO contact_points (account_id, position, active, description, kind,
                                         value, extension, extension_delay_seconds)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(account_id)
        .bind(i64::from(c.order()))
        .bind(flag(c.active()))
        .bind(c.description())
        .bind(c.kind().as_str())
        .bind(c.value().canonical())
        .bind(c.extension())
        .bind(i64::from(c.extension_delay_seconds()))
        .execute(&mut *conn)
        .await?;
    }
    if !new_account {
        sqlx::query("UPDATE accounts SET language = $1 WHERE id = $2")
            .bind(p.language().as_str())
            .bind(account_id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// A consent record (Law 25), as given; `registration_id` when it came
/// with a synced registration (its confirmation is recorded on it).
pub(super) async fn insert_consent(
    conn: &mut AnyConnection,
    account_id: &str,
    consent: &ConsentRecord,
    registration_id: Option<&str>,
    now: Timestamp,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO consents (id, account_id, text_version, language, accepted_at,
                               recorded_at, kiosk_id, staff_assisted, registration_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(new_id())
    .bind(account_id)
    .bind(&consent.text_version)
    .bind(consent.language.as_str())
    .bind(consent.accepted_at.unix_timestamp())
    .bind(now)
    .bind(&consent.kiosk_id)
    .bind(flag(consent.staff_assisted))
    .bind(registration_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

impl Store {
    /// Replaces the profile and its contact points in one transaction.
    /// False when the account is gone (deleted since its session was
    /// checked): nothing is written.
    pub async fn save_profile(
        &self,
        account_id: &str,
        p: &Profile,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_account(account_id).await?;
        let exists = sqlx::query("SELECT 1 FROM accounts WHERE id = $1")
            .bind(account_id)
            .fetch_optional(&mut *tx)
            .await?
            .is_some();
        if !exists {
            return Ok(false);
        }
        write_profile(&mut tx, account_id, p, now, false).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// The stored profile in wire form, contact points in order.
    pub async fn load_profile(
        &self,
        account_id: &str,
    ) -> Result<Option<wire::Profile>, StoreError> {
        let Some(r) = sqlx::query("SELECT * FROM profiles WHERE account_id = $1")
            .bind(account_id)
            .fetch_optional(&self.pool)
            .await?
        else {
            return Ok(None);
        };
        let text = |col: &str| r.get::<Option<String>, _>(col).unwrap_or_default();
        let contacts =
            sqlx::query("SELECT * FROM contact_points WHERE account_id = $1 ORDER BY position")
                .bind(account_id)
                .fetch_all(&self.pool)
                .await?
                .into_iter()
                .map(|c| {
                    let extension: Option<String> = c.get("extension");
                    let kind = c.get::<String, _>("kind");
                    Ok(wire::ContactPoint {
                        active: c.get::<i64, _>("active") != 0,
                        description: c.get("description"),
                        kind: parsed("contact_points.kind", &kind, ContactType::parse)?.into(),
                        value: c.get("value"),
                        extension_delay_seconds: extension
                            .as_ref()
                            .map(|_| int(c.get("extension_delay_seconds"))),
                        extension: extension.unwrap_or_default(),
                        order: int(c.get("position")),
                    })
                })
                .collect::<Result<_, StoreError>>()?;
        let language = r.get::<String, _>("language");
        Ok(Some(wire::Profile {
            name: r.get("name"),
            first_name: text("first_name"),
            language: parsed("profiles.language", &language, Language::parse)?.into(),
            city: r.get("city"),
            street: text("street"),
            civic_number: text("civic_number"),
            apartment: text("apartment"),
            postal_code: text("postal_code"),
            newsletter: r.get::<i64, _>("newsletter") != 0,
            contacts,
            categories: categories_column(&r.get::<String, _>("categories")),
        }))
    }
}
