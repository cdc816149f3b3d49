//! Profiles and their contact points, and the consent records written
//! with them (Law 25).

use borne_domain::{
    ConsentPurpose, ConsentRecord, ContactType, Language, Profile, OPTIONS_TEXT_VERSION,
};
use borne_protocol as wire;
use sqlx::{AnyConnection, Row};

use super::bulk::{self, Param};
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
    let replaced: &[&str] = if new_account { &[] } else { &[account_id] };
    write_profiles(conn, &[(account_id, p)], replaced, now).await
}

/// Profiles and their contact points in a few statements, whatever their
/// number: one per account (the last one given for an account wins),
/// replacing what the accounts in `replaced` had (their contact points
/// and their language); the others were created in this transaction
/// with the profile's language.
pub(super) async fn write_profiles(
    conn: &mut AnyConnection,
    profiles: &[(&str, &Profile)],
    replaced: &[&str],
    now: Timestamp,
) -> Result<(), StoreError> {
    // The last profile of each account, in the order accounts first came.
    let mut last: Vec<(&str, &Profile)> = Vec::with_capacity(profiles.len());
    for &(account_id, p) in profiles {
        match last.iter_mut().find(|(id, _)| *id == account_id) {
            Some(slot) => slot.1 = p,
            None => last.push((account_id, p)),
        }
    }
    if last.is_empty() {
        return Ok(());
    }
    let categories: Vec<String> = last.iter().map(|(_, p)| p.categories().join(",")).collect();
    let mut params: Vec<Param<'_>> = Vec::with_capacity(last.len() * 12);
    for ((account_id, p), categories) in last.iter().zip(&categories) {
        params.extend([
            Param::from(*account_id),
            p.name().into(),
            p.first_name().into(),
            p.language().as_str().into(),
            p.city().into(),
            p.street().into(),
            p.civic_number().into(),
            p.apartment().into(),
            p.postal_code().map(|c| c.as_str()).into(),
            flag(p.newsletter()).into(),
            now.into(),
            categories.into(),
        ]);
    }
    bulk::insert(
        conn,
        "INSERT INTO profiles (account_id, name, first_name, language, city, street,
                               civic_number, apartment, postal_code, newsletter, updated_at,
                               categories)",
        "ON CONFLICT (account_id) DO UPDATE SET
            name = excluded.name, first_name = excluded.first_name,
            language = excluded.language, city = excluded.city, street = excluded.street,
            civic_number = excluded.civic_number, apartment = excluded.apartment,
            postal_code = excluded.postal_code, newsletter = excluded.newsletter,
            updated_at = excluded.updated_at, categories = excluded.categories",
        12,
        &params,
    )
    .await?;
    if !replaced.is_empty() {
        bulk::with_keys(
            conn,
            "DELETE FROM contact_points WHERE account_id IN ({})",
            &[],
            replaced,
        )
        .await?;
    }
    let values: Vec<String> = last
        .iter()
        .flat_map(|(_, p)| p.contacts().iter().map(|c| c.value().canonical()))
        .collect();
    let mut values = values.iter();
    let mut params: Vec<Param<'_>> = Vec::new();
    for (account_id, p) in &last {
        for (c, value) in p.contacts().iter().zip(values.by_ref()) {
            params.extend([
                Param::from(*account_id),
                i64::from(c.order()).into(),
                flag(c.active()).into(),
                c.description().into(),
                c.kind().as_str().into(),
                value.into(),
                c.extension().into(),
                i64::from(c.extension_delay_seconds()).into(),
            ]);
        }
    }
    if !params.is_empty() {
        bulk::insert(
            conn,
            "INSERT INTO contact_points (account_id, position, active, description, kind,
                                         value, extension, extension_delay_seconds)",
            "",
            8,
            &params,
        )
        .await?;
    }
    for (account_id, p) in last.iter().filter(|(id, _)| replaced.contains(id)) {
        sqlx::query("UPDATE accounts SET language = $1 WHERE id = $2")
            .bind(p.language().as_str())
            .bind(*account_id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// A consent record (Law 25) to write: the account, the consent as given
/// (its kiosk, time and language), the synced registration it came with if
/// any (its confirmation is recorded on it), and what it is for.
pub(super) struct NewConsent<'a> {
    pub account_id: &'a str,
    pub consent: &'a ConsentRecord,
    pub registration_id: Option<&'a str>,
    pub purpose: ConsentPurpose,
    /// For the categories: the ids chosen, as `profiles.categories` has them.
    pub choices: Option<String>,
}

impl<'a> NewConsent<'a> {
    /// Step 1's consent to emergency alerts.
    pub fn emergency(
        account_id: &'a str,
        consent: &'a ConsentRecord,
        registration_id: Option<&'a str>,
    ) -> Self {
        Self {
            account_id,
            consent,
            registration_id,
            purpose: ConsentPurpose::Emergency,
            choices: None,
        }
    }

    /// Step 5's optional choices that `profile` gives (the newsletter, the
    /// alert categories), each recorded with `consent`'s kiosk, time and
    /// language, under [`OPTIONS_TEXT_VERSION`]. None when it gives none.
    pub fn options(
        account_id: &'a str,
        consent: &'a ConsentRecord,
        registration_id: Option<&'a str>,
        profile: &Profile,
    ) -> Vec<Self> {
        let option = |purpose, choices| Self {
            account_id,
            consent,
            registration_id,
            purpose,
            choices,
        };
        let mut out = Vec::new();
        if profile.newsletter() {
            out.push(option(ConsentPurpose::Newsletter, None));
        }
        if !profile.categories().is_empty() {
            out.push(option(
                ConsentPurpose::Categories,
                Some(profile.categories().join(",")),
            ));
        }
        out
    }

    fn text_version(&self) -> &str {
        match self.purpose {
            ConsentPurpose::Emergency => &self.consent.text_version,
            ConsentPurpose::Newsletter | ConsentPurpose::Categories => OPTIONS_TEXT_VERSION,
        }
    }
}

/// A consent record (Law 25), as given.
pub(super) async fn insert_consent(
    conn: &mut AnyConnection,
    account_id: &str,
    consent: &ConsentRecord,
    registration_id: Option<&str>,
    now: Timestamp,
) -> Result<(), StoreError> {
    insert_consents(
        conn,
        &[NewConsent::emergency(account_id, consent, registration_id)],
        now,
    )
    .await
}

/// A consent to emergency alerts and the optional choices of the profile
/// that came with it, as given.
pub(super) async fn insert_consent_with_options(
    conn: &mut AnyConnection,
    account_id: &str,
    consent: &ConsentRecord,
    registration_id: Option<&str>,
    profile: &Profile,
    now: Timestamp,
) -> Result<(), StoreError> {
    let mut consents = vec![NewConsent::emergency(account_id, consent, registration_id)];
    consents.extend(NewConsent::options(
        account_id,
        consent,
        registration_id,
        profile,
    ));
    insert_consents(conn, &consents, now).await
}

/// Consent records (Law 25), as given, in one statement.
pub(super) async fn insert_consents(
    conn: &mut AnyConnection,
    consents: &[NewConsent<'_>],
    now: Timestamp,
) -> Result<(), StoreError> {
    if consents.is_empty() {
        return Ok(());
    }
    let ids: Vec<String> = consents.iter().map(|_| new_id()).collect();
    let mut params: Vec<Param<'_>> = Vec::with_capacity(consents.len() * 11);
    for (c, id) in consents.iter().zip(&ids) {
        params.extend([
            Param::from(id),
            Param::from(c.account_id),
            c.text_version().into(),
            c.consent.language.as_str().into(),
            c.consent.accepted_at.unix_timestamp().into(),
            now.into(),
            c.consent.kiosk_id.as_str().into(),
            flag(c.consent.staff_assisted).into(),
            c.registration_id.into(),
            c.purpose.as_str().into(),
            c.choices.as_deref().into(),
        ]);
    }
    bulk::insert(
        conn,
        "INSERT INTO consents (id, account_id, text_version, language, accepted_at,
                               recorded_at, kiosk_id, staff_assisted, registration_id,
                               purpose, choices)",
        "",
        11,
        &params,
    )
    .await?;
    Ok(())
}

impl Store {
    /// Replaces the profile and its contact points in one transaction.
    /// False when the account is gone (deleted since its session was
    /// checked): nothing is written.
    ///
    /// The optional choices it gives (the newsletter, the categories) are
    /// recorded as consents given now at `kiosk_id`, staff-assisted as
    /// this account's last consent at that kiosk was (the session's step
    /// 1).
    pub async fn save_profile(
        &self,
        account_id: &str,
        p: &Profile,
        kiosk_id: &str,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        self.replace_profile(account_id, p, Some(kiosk_id), now)
            .await
    }

    /// A correction by the town's privacy officer (the administration
    /// console): the profile and its contact points replaced in one
    /// transaction, as [`Store::save_profile`] does, but no consent is
    /// recorded — the optional choices are the resident's to give, and a
    /// correction keeps them as stored. False when the account is gone.
    pub async fn correct_profile(
        &self,
        account_id: &str,
        p: &Profile,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        self.replace_profile(account_id, p, None, now).await
    }

    /// The profile replaced; with `given_at` (the resident's own save, at
    /// that kiosk) its optional choices recorded as consents.
    async fn replace_profile(
        &self,
        account_id: &str,
        p: &Profile,
        given_at: Option<&str>,
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
        if let Some(kiosk_id) = given_at {
            let staff_assisted: Option<i64> = sqlx::query_scalar(
                "SELECT staff_assisted FROM consents
                  WHERE account_id = $1 AND kiosk_id = $2 AND purpose = 'emergency'
                  ORDER BY recorded_at DESC LIMIT 1",
            )
            .bind(account_id)
            .bind(kiosk_id)
            .fetch_optional(&mut *tx)
            .await?;
            let given = ConsentRecord {
                text_version: OPTIONS_TEXT_VERSION.into(),
                language: p.language(),
                accepted_at: time::OffsetDateTime::from_unix_timestamp(now)
                    .unwrap_or(time::OffsetDateTime::UNIX_EPOCH),
                kiosk_id: kiosk_id.into(),
                staff_assisted: staff_assisted == Some(1),
            };
            insert_consents(
                &mut tx,
                &NewConsent::options(account_id, &given, None, p),
                now,
            )
            .await?;
        }
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
