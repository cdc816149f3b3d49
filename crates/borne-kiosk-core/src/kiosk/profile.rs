//! Step 5 and what a logged-in resident can do: save the profile (or
//! queue it on this kiosk), see their data, delete their account, decide
//! on an offline registration waiting for them.

use borne_protocol::ipc::{ProfileOutcome, Queued};
use borne_protocol::{self as wire, ErrorBody};
use secrecy::{ExposeSecret, SecretString};

use super::session::Session;
use super::{now_rfc3339, Kiosk, KioskError};

impl Kiosk {
    /// Step 5 → 6: checks the form here first (instant field errors), then
    /// saves it on the central server, which checks again.
    ///
    /// Offline (or when the server stops answering now), the registration
    /// is queued on this kiosk instead; the answer comes after the commit.
    pub async fn save_profile(&self, profile: wire::Profile) -> Result<ProfileOutcome, ErrorBody> {
        profile
            .parse(&self.config.area_codes)
            .map_err(KioskError::Invalid)?;
        let token = match &*self.session() {
            Session::Offline(_) => None,
            Session::LoggedIn { token, .. } => Some(token.clone()),
            Session::Idle | Session::CodeRequested(_) => {
                return Err(KioskError::SessionExpired.into())
            }
        };
        let Some(token) = token else {
            return Ok(self.enqueue(profile, None).await?);
        };
        match self.client.save_profile(&token, &profile).await {
            Ok(saved) => Ok(ProfileOutcome::Online(saved)),
            Err(e) => match KioskError::from(e) {
                // The resident proved they own the number: the session goes
                // along as that proof.
                KioskError::CentralUnreachable => Ok(self.enqueue(profile, Some(token)).await?),
                e => Err(e.into()),
            },
        }
    }

    /// Writes the registration to the queue (one transaction) and wakes
    /// the sync worker. Returns only after the commit.
    async fn enqueue(
        &self,
        profile: wire::Profile,
        owner_session: Option<SecretString>,
    ) -> Result<ProfileOutcome, KioskError> {
        let (phone, channel, language, consent) = self
            .session()
            .signup()
            .map(|s| (s.phone.clone(), s.channel, s.language, s.consent.clone()))
            .ok_or(KioskError::SessionExpired)?;
        let needs_confirmation = owner_session.is_none();
        if needs_confirmation {
            self.check_offline_cap(consent.staff_assisted).await?;
        }
        let registration = wire::Registration {
            id: uuid::Uuid::now_v7().to_string(),
            captured_at: now_rfc3339(),
            phone: phone.e164(),
            channel,
            language,
            consent,
            profile: profile.clone(),
            owner_session: owner_session.map(|t| t.expose_secret().to_owned()),
        };
        self.queue.enqueue(&registration, self.clock.now()).await?;
        self.session().queued();
        self.sync.wake();
        tracing::info!(registration = %registration.id, "registration queued");
        Ok(ProfileOutcome::Offline(Queued {
            reference: wire::registration_reference(&registration.id),
            phone_display: phone.to_string(),
            channel,
            profile,
            needs_confirmation,
        }))
    }

    /// The central session, or `session.expired`.
    fn token(&self) -> Result<SecretString, KioskError> {
        self.session()
            .token()
            .cloned()
            .ok_or(KioskError::SessionExpired)
    }

    /// After a login: everything the central server stores about this
    /// resident (Law 25), to show them. Needs the central server.
    pub async fn my_data(&self) -> Result<wire::ResidentData, ErrorBody> {
        let token = self.token()?;
        Ok(self
            .client
            .my_data(&token)
            .await
            .map_err(KioskError::from)?)
    }

    /// After a login: deletes this resident's account and all it holds
    /// (Law 25), then wipes the session. Needs the central server.
    pub async fn delete_my_account(&self) -> Result<(), ErrorBody> {
        let token = self.token()?;
        self.client
            .delete_me(&token)
            .await
            .map_err(KioskError::from)?;
        // The account, and its sessions, are gone on the server already.
        self.wipe();
        Ok(())
    }

    /// After login, the owner applies or discards the offline registration
    /// waiting for them; answers the profile to show in the form.
    pub async fn decide_pending_change(&self, accept: bool) -> Result<wire::Profile, ErrorBody> {
        let (token, id, signup) = match &*self.session() {
            Session::LoggedIn {
                token,
                signup,
                pending_change_id: Some(id),
            } => (
                token.clone(),
                id.clone(),
                signup.as_ref().map(|s| s.language),
            ),
            _ => return Err(KioskError::SessionExpired.into()),
        };
        let result = self
            .client
            .decide_pending_change(&token, &id, accept)
            .await
            .map_err(KioskError::from)?;
        self.session().change_decided();
        Ok(match (result.profile, signup) {
            (Some(p), _) => p,
            (None, Some(language)) => self.default_profile(language),
            (None, None) => wire::Profile::default(),
        })
    }
}
