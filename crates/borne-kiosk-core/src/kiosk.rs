//! The kiosk service: one resident's session through steps 1 to 6. Every
//! method returns what the UI shows, or an [`ErrorBody`] it translates.

use std::sync::{Arc, Mutex};

use borne_domain::{
    ConsentRecord, OneTimeCode, PhoneNumber, ValidationErrors, CONSENT_TEXT_VERSION,
};
use borne_protocol::ipc::{
    CaptchaImage, CodeRequestForm, CodeRequestOutcome, CodeSent, Connectivity, Enrolled, KioskInfo,
    LoginForm, LoginOutcome, OfflineForm, ProfileOutcome, QueueStatus, Queued,
};
use borne_protocol::{self as wire, ErrorBody};
use secrecy::{ExposeSecret, SecretString};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::queue::now_ms;
use crate::{Captcha, CaptchaService, CentralClient, ClientError, KioskConfig, Queue, SyncWorker};

/// What the kiosk remembers about the resident in front of it. Wiped by
/// [`Kiosk::reset`].
#[derive(Default)]
struct Session {
    captcha: Option<Captcha>,
    /// The phone a code was sent to (step 1), prefilled in step 4.
    phone: Option<PhoneNumber>,
    channel: Option<wire::Channel>,
    language: wire::Language,
    /// The last code's delivery, for its status and « Renvoyer ».
    delivery_id: Option<String>,
    /// Step 1's consent, recorded when the resident asked for a code.
    consent: Option<wire::Consent>,
    /// The central session after login (step 4).
    token: Option<SecretString>,
    /// The offline variant: step 5 will be queued on this kiosk.
    offline: bool,
    /// The pending change shown after login, for the owner's decision.
    pending_change_id: Option<String>,
    /// Staff mode is open (PIN accepted); wiped with the session.
    staff: bool,
}

#[derive(Debug)]
pub struct Kiosk {
    config: KioskConfig,
    client: CentralClient,
    captchas: CaptchaService,
    session: Mutex<Session>,
    queue: Queue,
    sync: SyncWorker,
    pin_guard: Mutex<crate::staff::PinGuard>,
    /// The name the central server gave this kiosk at enrollment.
    kiosk_name: Mutex<Option<String>>,
}

/// Why the kiosk cannot start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Key(#[from] crate::KeyError),
    #[error(transparent)]
    Queue(#[from] crate::QueueError),
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error("data directory {0}: {1}")]
    DataDir(String, std::io::Error),
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("logged_in", &self.token.is_some())
            .finish_non_exhaustive()
    }
}

fn error(code: &str, message: &str) -> ErrorBody {
    ErrorBody::new(code, message)
}

fn queue_error(e: crate::QueueError) -> ErrorBody {
    tracing::error!(error = %e, "queue unavailable");
    error(
        "kiosk.queue_unavailable",
        "the kiosk could not save the registration",
    )
}

use wire::registration_reference as reference;

fn is_unreachable(e: &ErrorBody) -> bool {
    e.code == "central.unreachable"
}

fn from_client(e: ClientError) -> ErrorBody {
    match e {
        ClientError::Unreachable(why) => {
            tracing::warn!(%why, "central server unreachable");
            error(
                "central.unreachable",
                "the central server cannot be reached",
            )
        }
        ClientError::Incompatible(v) => {
            tracing::error!(server_version = %v, "central server API version is incompatible");
            error(
                "central.incompatible",
                "the central server speaks another API version",
            )
        }
        ClientError::Protocol(why) => {
            tracing::error!(%why, "unreadable answer from the central server");
            error("central.error", "unexpected answer from the central server")
        }
        ClientError::Api { status, body } => {
            tracing::info!(status, code = %body.code, "central server refused");
            body
        }
    }
}

impl Kiosk {
    /// Opens the queue (making its key on first start) and the client.
    /// The caller spawns [`Kiosk::sync_worker`]`.run()`.
    pub async fn open(config: KioskConfig, captchas: CaptchaService) -> Result<Self, StartError> {
        std::fs::create_dir_all(&config.data_dir)
            .map_err(|e| StartError::DataDir(config.data_dir.display().to_string(), e))?;
        let (key, source) = config.key_store.load_or_create()?;
        tracing::info!(key_store = ?source, "queue key loaded");
        let queue = Queue::open(&config.data_dir.join("queue.sqlite"), &key).await?;
        let credential = config.key_store.load_credential()?;
        match &credential {
            Some(c) => {
                tracing::info!(kiosk = %c.kiosk_id, name = %c.kiosk_name, "device token loaded")
            }
            None => tracing::warn!(
                "this kiosk is not enrolled: staff must type an enrollment code in the staff panel"
            ),
        }
        let client = CentralClient::new(
            &config.central_url,
            credential
                .as_ref()
                .map(|c| SecretString::from(c.token.clone())),
            config.request_timeout,
            Arc::default(),
        )?;
        let sync = SyncWorker::new(queue.clone(), client.clone(), config.sync.clone());
        Ok(Self {
            config,
            client,
            captchas,
            session: Mutex::new(Session::default()),
            queue,
            sync,
            pin_guard: Mutex::default(),
            kiosk_name: Mutex::new(credential.map(|c| c.kiosk_name)),
        })
    }

    /// Staff type the one-time code from `borne-central kiosk enroll`;
    /// the device token it buys is kept in the OS keyring (else the
    /// owner-only file) and used from the next request on.
    pub async fn enroll(&self, code: String) -> Result<Enrolled, ErrorBody> {
        self.require_staff()?;
        let code = code.trim();
        if code.is_empty() || code.len() > 64 {
            return Err(error(
                "enroll.invalid_code",
                "unknown, expired or already used enrollment code",
            ));
        }
        let got = self.client.enroll(code).await.map_err(|e| match e {
            ClientError::Unreachable(_) => {
                error("enroll.unreachable", "the central server cannot be reached")
            }
            other => from_client(other),
        })?;
        let credential = crate::DeviceCredential {
            kiosk_id: got.kiosk_id,
            kiosk_name: got.kiosk_name,
            token: got.token,
        };
        let store = self.config.key_store.clone();
        let to_store = credential.clone();
        tokio::task::spawn_blocking(move || store.store_credential(&to_store))
            .await
            .map_err(|e| crate::KeyError::Keyring(e.to_string()))
            .and_then(|r| r)
            .map_err(|e| {
                tracing::error!(error = %e, "the device token could not be stored");
                error("enroll.keystore", "the device token could not be stored")
            })?;
        self.client.set_token(SecretString::from(credential.token));
        self.client.connectivity().set_refused(false);
        *self.kiosk_name.lock().unwrap_or_else(|e| e.into_inner()) =
            Some(credential.kiosk_name.clone());
        tracing::info!(kiosk = %credential.kiosk_id, name = %credential.kiosk_name, "kiosk enrolled");
        self.sync.wake();
        Ok(Enrolled {
            kiosk_name: credential.kiosk_name,
        })
    }

    /// The background sync loop to spawn, and « Envoyer maintenant ».
    pub fn sync_worker(&self) -> SyncWorker {
        self.sync.clone()
    }

    pub fn connectivity(&self) -> Connectivity {
        let c = self.client.connectivity();
        Connectivity {
            online: c.is_online(),
            refused: c.is_refused() || !self.client.is_enrolled(),
            update_ready: false,
        }
    }

    /// The queue, for staff.
    pub async fn queue_status(&self) -> Result<QueueStatus, ErrorBody> {
        self.require_staff()?;
        self.sync.status().await.map_err(queue_error)
    }

    /// Staff mode: the PIN against its argon2id hash; 5 wrong in a row
    /// lock staff mode for `staff_lock`. Staff mode ends with the session
    /// (« Terminer », idle wipe) or [`Kiosk::staff_logout`].
    pub async fn staff_login(&self, pin: String) -> Result<QueueStatus, ErrorBody> {
        let Some(hash) = self.config.staff_pin_hash.clone() else {
            return Err(error("staff.disabled", "no staff PIN is configured"));
        };
        let locked = {
            let guard = self.pin_guard.lock().unwrap_or_else(|e| e.into_inner());
            guard.locked_for(std::time::Instant::now())
        };
        if let Some(wait) = locked {
            return Err(ErrorBody {
                retry_after_seconds: Some(u32::try_from(wait.as_secs().max(1)).unwrap_or(u32::MAX)),
                ..error(
                    "staff.locked",
                    "too many wrong PINs; staff mode is locked for a while",
                )
            });
        }
        let right = tokio::task::spawn_blocking(move || crate::staff::verify(&pin, &hash))
            .await
            .unwrap_or(false);
        let wrong = {
            let mut guard = self.pin_guard.lock().unwrap_or_else(|e| e.into_inner());
            if right {
                guard.right();
                None
            } else {
                Some(guard.wrong(std::time::Instant::now(), self.config.staff_lock))
            }
        };
        if let Some(left) = wrong {
            tracing::warn!(tries_left = left, "wrong staff PIN");
            return Err(if left == 0 {
                ErrorBody {
                    retry_after_seconds: Some(
                        u32::try_from(self.config.staff_lock.as_secs()).unwrap_or(u32::MAX),
                    ),
                    ..error(
                        "staff.locked",
                        "too many wrong PINs; staff mode is locked for a while",
                    )
                }
            } else {
                error("staff.wrong_pin", "wrong staff PIN")
            });
        }
        self.session().staff = true;
        tracing::info!("staff mode opened");
        self.sync.status().await.map_err(queue_error)
    }

    pub fn staff_logout(&self) {
        self.session().staff = false;
        tracing::info!("staff mode closed");
    }

    pub fn require_staff(&self) -> Result<(), ErrorBody> {
        if self.session().staff {
            Ok(())
        } else {
            Err(error("staff.required", "open staff mode first"))
        }
    }

    /// « Envoyer maintenant » (staff): checks the server, then sends what is due.
    pub async fn sync_now(&self) -> Result<QueueStatus, ErrorBody> {
        self.require_staff()?;
        if self.sync.check().await {
            self.queue
                .make_all_due(now_ms())
                .await
                .map_err(queue_error)?;
            self.sync.pass().await.map_err(queue_error)?;
        }
        self.queue_status().await
    }

    fn session(&self) -> std::sync::MutexGuard<'_, Session> {
        self.session.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn info(&self) -> KioskInfo {
        KioskInfo {
            town_name: self.config.town_name.clone(),
            english_enabled: self.config.english_enabled,
            consent_text_version: CONSENT_TEXT_VERSION.into(),
            app_version: env!("CARGO_PKG_VERSION").into(),
            idle_seconds: self.config.idle_seconds,
            idle_warning_seconds: self.config.idle_warning_seconds,
            staff_enabled: self.config.staff_pin_hash.is_some(),
            enrolled: self.client.is_enrolled(),
            kiosk_name: self
                .kiosk_name
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .clone(),
            categories: self.config.categories.clone(),
            send_hours: self.config.send_hours.clone(),
        }
    }

    /// Nobody is using the kiosk: no resident session, no staff (updates
    /// are fetched and installed only then).
    pub fn is_idle(&self) -> bool {
        let s = self.session();
        !s.staff && s.phone.is_none() && s.token.is_none() && s.captcha.is_none()
    }

    /// Forgets everything about the current resident.
    pub fn reset(&self) {
        *self.session() = Session::default();
        tracing::info!("session wiped");
    }

    /// A new captcha (« Changer de code »); the previous answer stops working.
    pub fn new_captcha(&self) -> CaptchaImage {
        let captcha = self.captchas.draw();
        let image = CaptchaImage {
            data_url: captcha.data_url(),
        };
        self.session().captcha = Some(captcha);
        image
    }

    /// Step 1 → 2: checks the form, then asks the central server to send a
    /// code. A wrong captcha answer draws a new captcha. When the server is
    /// out of reach (known already, or found now), the offline variant
    /// starts: straight to step 5, queued on this kiosk.
    pub async fn request_code(
        &self,
        form: CodeRequestForm,
    ) -> Result<CodeRequestOutcome, ErrorBody> {
        let mut errors = ValidationErrors::default();
        let phone = errors.check(
            "phone",
            PhoneNumber::parse(&form.phone, &self.config.area_codes),
        );
        if form.channel.is_none() {
            errors.push("channel", "channel.required");
        }
        if !form.consent_accepted {
            errors.push("consent", "consent.required");
        }
        if form.staff_assisted {
            // A staff member is at the screen: no captcha, and the consent
            // record says the signup was assisted.
            self.require_staff()?;
        } else {
            let mut session = self.session();
            let captcha_ok = session
                .captcha
                .as_ref()
                .is_some_and(|c| c.accepts(&form.captcha_answer));
            // One try per picture: a captcha is used up whether right or wrong.
            session.captcha = None;
            if !captcha_ok {
                errors.push(
                    "captcha",
                    if form.captcha_answer.trim().is_empty() {
                        "captcha.required"
                    } else {
                        "captcha.wrong"
                    },
                );
            }
        }
        let (Some(phone), Some(channel), true) = (phone, form.channel, errors.is_empty()) else {
            return Err(ErrorBody::validation(&errors));
        };
        let consent = self.consent(form.language, form.staff_assisted);
        {
            let mut session = self.session();
            session.phone = Some(phone.clone());
            session.channel = Some(channel);
            session.language = form.language;
            session.consent = Some(consent.clone());
            session.offline = false;
        }
        if !self.client.connectivity().is_online() {
            self.check_offline_cap(form.staff_assisted).await?;
            return Ok(CodeRequestOutcome::Offline(self.go_offline(&phone)));
        }
        match self
            .send_code(phone.clone(), channel, form.language, consent)
            .await
        {
            Ok(sent) => Ok(CodeRequestOutcome::Online(sent)),
            Err(e) if is_unreachable(&e) => {
                self.check_offline_cap(form.staff_assisted).await?;
                Ok(CodeRequestOutcome::Offline(self.go_offline(&phone)))
            }
            Err(e) => Err(e),
        }
    }

    /// The kiosk's hourly cap on offline registrations taken without
    /// staff (a kiosk with its network unplugged must not become a way to
    /// send messages to any number): past it, `offline.capture_limit`
    /// tells the resident to ask the staff.
    async fn check_offline_cap(&self, staff_assisted: bool) -> Result<(), ErrorBody> {
        let cap = self.config.offline_per_hour;
        if cap == 0 || staff_assisted {
            return Ok(());
        }
        let taken = self
            .queue
            .captured_since(now_ms() - 3_600_000)
            .await
            .map_err(queue_error)?;
        if taken >= i64::from(cap) {
            tracing::warn!(taken, cap, "offline registrations capped for this hour");
            return Err(error(
                "offline.capture_limit",
                "this kiosk took its share of offline registrations this hour; ask the staff",
            ));
        }
        Ok(())
    }

    /// Switches this session to the offline variant: the form of step 5,
    /// nothing typed in step 1 lost.
    fn go_offline(&self, phone: &PhoneNumber) -> OfflineForm {
        let (channel, language) = {
            let mut s = self.session();
            s.offline = true;
            s.token = None;
            (s.channel, s.language)
        };
        tracing::info!("offline variant: the registration will be queued");
        OfflineForm {
            phone_display: phone.to_string(),
            profile: self.default_profile(phone, channel, language),
        }
    }

    fn consent(&self, language: wire::Language, staff_assisted: bool) -> wire::Consent {
        let consent = wire::Consent {
            text_version: CONSENT_TEXT_VERSION.into(),
            language,
            accepted_at: OffsetDateTime::now_utc()
                .format(&Rfc3339)
                .unwrap_or_default(),
            kiosk_id: self.config.kiosk_id.clone(),
            staff_assisted,
        };
        debug_assert!(ConsentRecord::is_known_version(&consent.text_version));
        consent
    }

    /// Asks the central server for a code and remembers where it went.
    async fn send_code(
        &self,
        phone: PhoneNumber,
        channel: wire::Channel,
        language: wire::Language,
        consent: wire::Consent,
    ) -> Result<CodeSent, ErrorBody> {
        let request = wire::SignupRequest {
            phone: phone.e164(),
            channel,
            language,
            consent,
        };
        let sent = self.client.signup(&request).await.map_err(from_client)?;
        let mut session = self.session();
        session.phone = Some(phone.clone());
        session.channel = Some(channel);
        session.language = language;
        session.delivery_id = Some(sent.delivery_id.clone());
        Ok(CodeSent {
            phone_display: phone.to_string(),
            channel: sent.channel,
            code_expires_at: sent.code_expires_at,
            fallback: sent.fallback,
            resend_after_seconds: sent.resend_after_seconds,
        })
    }

    /// « Renvoyer le code » from step 3: a fresh code to the same number,
    /// by the channel the resident picks now (e.g. a call after an SMS
    /// that did not arrive). The captcha was passed for this session; the
    /// central server's caps apply.
    pub async fn resend_code(&self, channel: wire::Channel) -> Result<CodeSent, ErrorBody> {
        let (phone, language, staff_assisted) = {
            let s = self.session();
            (
                s.phone.clone(),
                s.language,
                s.consent.as_ref().is_some_and(|c| c.staff_assisted),
            )
        };
        let phone = phone.ok_or_else(|| error("session.expired", "start again from step 1"))?;
        let consent = self.consent(language, staff_assisted);
        self.send_code(phone, channel, language, consent).await
    }

    /// Where the last code's SMS or call stands.
    pub async fn delivery_status(&self) -> Result<wire::DeliveryStatus, ErrorBody> {
        let id = self
            .session()
            .delivery_id
            .clone()
            .ok_or_else(|| error("session.expired", "start again from step 1"))?;
        self.client.delivery(&id).await.map_err(from_client)
    }

    /// Step 4: phone + code. On success the form of step 5, prefilled.
    pub async fn login(&self, form: LoginForm) -> Result<LoginOutcome, ErrorBody> {
        let mut errors = ValidationErrors::default();
        let phone = errors.check(
            "phone",
            PhoneNumber::parse(&form.phone, &self.config.area_codes),
        );
        let code = errors.check("code", OneTimeCode::parse(&form.code));
        let (Some(phone), Some(code), true) = (phone, code, errors.is_empty()) else {
            return Err(ErrorBody::validation(&errors));
        };
        // Out of reach after step 1 at this kiosk: continue offline with
        // what the resident gave there.
        let offline_fallback = |kiosk: &Self| -> Option<LoginOutcome> {
            let same = kiosk.session().phone.as_ref() == Some(&phone);
            same.then(|| {
                let form = kiosk.go_offline(&phone);
                LoginOutcome {
                    phone_display: form.phone_display,
                    existing_profile: false,
                    profile: form.profile,
                    offline: true,
                    pending_change: None,
                }
            })
        };
        if !self.client.connectivity().is_online() {
            if let Some(outcome) = offline_fallback(self) {
                return Ok(outcome);
            }
        }
        let response = match self
            .client
            .login(&wire::LoginRequest {
                phone: phone.e164(),
                code: code.as_str().to_owned(),
            })
            .await
            .map_err(from_client)
        {
            Ok(r) => r,
            Err(e) if is_unreachable(&e) => return offline_fallback(self).ok_or(e),
            Err(e) => return Err(e),
        };
        let (channel, language) = {
            let s = self.session();
            (
                s.channel.filter(|_| s.phone.as_ref() == Some(&phone)),
                s.language,
            )
        };
        let existing = response.profile.is_some();
        let profile = response
            .profile
            .unwrap_or_else(|| self.default_profile(&phone, channel, language));
        let mut session = self.session();
        session.token = Some(SecretString::from(response.session_token));
        session.offline = false;
        session.pending_change_id = response.pending_change.as_ref().map(|p| p.id.clone());
        Ok(LoginOutcome {
            phone_display: phone.to_string(),
            existing_profile: existing,
            profile,
            offline: false,
            pending_change: response.pending_change,
        })
    }

    /// A new resident's form: the town, their language, and the signup
    /// phone as the first contact point.
    fn default_profile(
        &self,
        phone: &PhoneNumber,
        channel: Option<wire::Channel>,
        language: wire::Language,
    ) -> wire::Profile {
        let contact = borne_domain::ContactPoint::from_signup_phone(
            phone.clone(),
            channel.map_or(borne_domain::Channel::Sms, Into::into),
        );
        wire::Profile {
            language,
            city: self.config.town_name.clone(),
            contacts: vec![wire::ContactPoint::from_domain(&contact)],
            ..Default::default()
        }
    }

    /// Step 5 → 6: checks the form here first (instant field errors), then
    /// saves it on the central server, which checks again.
    ///
    /// Offline (or when the server stops answering now), the registration
    /// is queued on this kiosk instead; the answer comes after the commit.
    pub async fn save_profile(&self, profile: wire::Profile) -> Result<ProfileOutcome, ErrorBody> {
        profile
            .parse(&self.config.area_codes)
            .map_err(|e| ErrorBody::validation(&e))?;
        let (offline, token) = {
            let s = self.session();
            (s.offline, s.token.clone())
        };
        if offline {
            return self.enqueue(profile, None).await;
        }
        let token =
            token.ok_or_else(|| error("session.expired", "log in again with a new code"))?;
        match self
            .client
            .save_profile(&token, &profile)
            .await
            .map_err(from_client)
        {
            Ok(saved) => Ok(ProfileOutcome::Online(saved)),
            // The resident proved they own the number: the session goes
            // along as that proof.
            Err(e) if is_unreachable(&e) => self.enqueue(profile, Some(token)).await,
            Err(e) => Err(e),
        }
    }

    /// Writes the registration to the queue (one transaction) and wakes
    /// the sync worker. Returns only after the commit.
    async fn enqueue(
        &self,
        profile: wire::Profile,
        owner_session: Option<SecretString>,
    ) -> Result<ProfileOutcome, ErrorBody> {
        let (phone, channel, language, consent) = {
            let s = self.session();
            (s.phone.clone(), s.channel, s.language, s.consent.clone())
        };
        let (Some(phone), Some(channel), Some(consent)) = (phone, channel, consent) else {
            return Err(error("session.expired", "start again from step 1"));
        };
        if owner_session.is_none() {
            self.check_offline_cap(consent.staff_assisted).await?;
        }
        let needs_confirmation = owner_session.is_none();
        let registration = wire::Registration {
            id: uuid::Uuid::now_v7().to_string(),
            captured_at: OffsetDateTime::now_utc()
                .format(&Rfc3339)
                .unwrap_or_default(),
            phone: phone.e164(),
            channel,
            language,
            consent,
            profile: profile.clone(),
            owner_session: owner_session.map(|t| t.expose_secret().to_owned()),
        };
        self.queue
            .enqueue(&registration, now_ms())
            .await
            .map_err(queue_error)?;
        self.session().offline = true;
        self.sync.wake();
        tracing::info!(registration = %registration.id, "registration queued");
        Ok(ProfileOutcome::Offline(Queued {
            reference: reference(&registration.id),
            phone_display: phone.to_string(),
            channel,
            profile,
            needs_confirmation,
        }))
    }

    /// After login, the owner applies or discards the offline registration
    /// waiting for them; answers the profile to show in the form.
    /// After a login: everything the central server stores about this
    /// resident (Law 25), to show them. Needs the central server.
    pub async fn my_data(&self) -> Result<wire::ResidentData, ErrorBody> {
        let token = self.session().token.clone();
        let token =
            token.ok_or_else(|| error("session.expired", "log in again with a new code"))?;
        self.client.my_data(&token).await.map_err(from_client)
    }

    /// After a login: deletes this resident's account and all it holds
    /// (Law 25), then wipes the session. Needs the central server.
    pub async fn delete_my_account(&self) -> Result<(), ErrorBody> {
        let token = self.session().token.clone();
        let token =
            token.ok_or_else(|| error("session.expired", "log in again with a new code"))?;
        self.client.delete_me(&token).await.map_err(from_client)?;
        self.reset();
        Ok(())
    }

    pub async fn decide_pending_change(&self, accept: bool) -> Result<wire::Profile, ErrorBody> {
        let (token, id, phone, channel, language) = {
            let s = self.session();
            (
                s.token.clone(),
                s.pending_change_id.clone(),
                s.phone.clone(),
                s.channel,
                s.language,
            )
        };
        let token =
            token.ok_or_else(|| error("session.expired", "log in again with a new code"))?;
        let id = id.ok_or_else(|| error("session.expired", "log in again with a new code"))?;
        let result = self
            .client
            .decide_pending_change(&token, &id, accept)
            .await
            .map_err(from_client)?;
        self.session().pending_change_id = None;
        Ok(match (result.profile, phone) {
            (Some(p), _) => p,
            (None, Some(phone)) => self.default_profile(&phone, channel, language),
            (None, None) => wire::Profile::default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    use crate::DeviceCredential;

    struct Central {
        url: String,
        outbox: std::path::PathBuf,
        credential: DeviceCredential,
        _dir: tempfile::TempDir,
    }

    fn central_store_url(dir: &std::path::Path) -> String {
        format!("sqlite://{}", dir.join("borne-central.sqlite").display())
    }

    /// A one-time enrollment code in the central database under `dir`
    /// (made if needed), as `borne-central kiosk enroll` makes it.
    async fn enrollment_code(dir: &std::path::Path) -> String {
        let store = borne_central::db::Store::connect(&central_store_url(dir))
            .await
            .unwrap();
        let code = borne_central::codes::generate_enrollment_code();
        let code = code.expose_secret().to_owned();
        let now = borne_central::db::now();
        let hash = borne_central::codes::enrollment_code_hash(&code);
        store
            .create_kiosk("Kiosque de test", &hash, now, now + 600)
            .await
            .unwrap();
        code
    }

    /// A kiosk enrolled in the central database under `dir`, the server
    /// running or not (the store does what `POST /v1/kiosks/enroll` does).
    async fn provision(dir: &std::path::Path) -> DeviceCredential {
        let code = enrollment_code(dir).await;
        let store = borne_central::db::Store::connect(&central_store_url(dir))
            .await
            .unwrap();
        let token = borne_central::codes::generate_token();
        let (kiosk_id, kiosk_name) = store
            .enroll_kiosk(
                &borne_central::codes::enrollment_code_hash(&code),
                &borne_central::codes::token_hash(token.expose_secret()),
                "test",
                borne_central::db::now(),
            )
            .await
            .unwrap()
            .unwrap();
        DeviceCredential {
            kiosk_id,
            kiosk_name,
            token: token.expose_secret().to_owned(),
        }
    }

    /// A device token no central server knows.
    fn stranger() -> DeviceCredential {
        DeviceCredential {
            kiosk_id: "nobody".into(),
            kiosk_name: "Nulle part".into(),
            token: "f".repeat(64),
        }
    }

    async fn central() -> Central {
        let dir = tempfile::tempdir().unwrap();
        let (url, outbox, stop, task) = start_central(dir.path(), "127.0.0.1:0", &[]).await;
        // Runs until the test ends.
        std::mem::forget(stop);
        drop(task);
        Central {
            url,
            outbox,
            credential: provision(dir.path()).await,
            _dir: dir,
        }
    }

    /// A real central server on `listen`, its data in `dir`; stopped
    /// (gracefully) by sending on the returned channel.
    async fn start_central(
        dir: &std::path::Path,
        listen: &str,
        extra: &[(&str, &str)],
    ) -> (
        String,
        std::path::PathBuf,
        tokio::sync::oneshot::Sender<()>,
        tokio::task::JoinHandle<()>,
    ) {
        let outbox = dir.join("outbox.jsonl");
        let vars = [
            ("BORNE_LISTEN", listen.to_string()),
            ("BORNE_DATA_DIR", dir.display().to_string()),
            ("BORNE_CONSOLE_OUTBOX", outbox.display().to_string()),
            // Confirmations go out whatever the hour the tests run at.
            ("BORNE_SEND_HOURS", "00:00-24:00".to_string()),
        ];
        let config = borne_central::Config::from_lookup(|k| {
            vars.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.clone())
                .or_else(|| {
                    extra
                        .iter()
                        .find(|(n, _)| *n == k)
                        .map(|(_, v)| v.to_string())
                })
        })
        .unwrap();
        let app = borne_central::Application::build(config).await.unwrap();
        let url = format!("http://127.0.0.1:{}", app.port());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            app.run_until_stopped(async move {
                let _ = stopped.await;
            })
            .await
            .unwrap();
        });
        (url, outbox, stop, task)
    }

    /// A port held (bound, not listening: connections are refused) until
    /// the socket is dropped, so no other test's server takes it.
    fn reserved_port() -> (u16, tokio::net::TcpSocket) {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
        (socket.local_addr().unwrap().port(), socket)
    }

    struct TestKiosk {
        kiosk: Kiosk,
        _dir: tempfile::TempDir,
    }

    impl std::ops::Deref for TestKiosk {
        type Target = Kiosk;
        fn deref(&self) -> &Kiosk {
            &self.kiosk
        }
    }

    async fn kiosk(url: &str, credential: &DeviceCredential) -> TestKiosk {
        kiosk_with(url, Some(credential), &[]).await
    }

    /// A kiosk holding `credential` in its key store (as after enrollment),
    /// or none.
    async fn kiosk_with(
        url: &str,
        credential: Option<&DeviceCredential>,
        extra: &[(&str, String)],
    ) -> TestKiosk {
        let dir = tempfile::tempdir().unwrap();
        if let Some(c) = credential {
            crate::KeyStore::File(dir.path().join("queue.key"))
                .store_credential(c)
                .unwrap();
        }
        let data = dir.path().display().to_string();
        let config = KioskConfig::from_lookup(
            |k| match k {
                "BORNE_CENTRAL_URL" => Some(url.to_string()),
                "BORNE_KIOSK_ID" => Some("kiosk-test".into()),
                "BORNE_CENTRAL_TIMEOUT_SECONDS" => Some("2".into()),
                "BORNE_KIOSK_DATA_DIR" => Some(data.clone()),
                "BORNE_KIOSK_KEY_STORE" => Some("file".into()),
                other => extra
                    .iter()
                    .find(|(n, _)| *n == other)
                    .map(|(_, v)| v.clone()),
            },
            std::env::temp_dir(),
        )
        .unwrap();
        let kiosk = Kiosk::open(
            config,
            CaptchaService {
                fixed_answer: Some("ABCDE".into()),
            },
        )
        .await
        .unwrap();
        TestKiosk { kiosk, _dir: dir }
    }

    fn online(o: CodeRequestOutcome) -> CodeSent {
        match o {
            CodeRequestOutcome::Online(sent) => sent,
            CodeRequestOutcome::Offline(_) => panic!("went offline"),
        }
    }

    fn form(phone: &str) -> CodeRequestForm {
        CodeRequestForm {
            phone: phone.into(),
            channel: Some(wire::Channel::Sms),
            captcha_answer: "abcde".into(),
            consent_accepted: true,
            language: wire::Language::Fr,
            staff_assisted: false,
        }
    }

    async fn code_from(outbox: &std::path::Path) -> String {
        for _ in 0..400 {
            if let Ok(text) = std::fs::read_to_string(outbox) {
                // The latest message, once it is a code (not a confirmation).
                if let Some(line) = text.lines().last() {
                    let v: serde_json::Value = serde_json::from_str(line).unwrap();
                    let t = v["text"].as_str().unwrap().to_owned();
                    if let Some(code) = t
                        .split(|c: char| !c.is_ascii_digit())
                        .find(|s| s.len() == 6)
                    {
                        return code.to_owned();
                    }
                }
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("no code sent");
    }

    /// Waits for the central server's message asking `to` (E.164) to
    /// confirm a synced registration.
    async fn confirmation_to(outbox: &std::path::Path, to: &str) {
        for _ in 0..400 {
            let asked = std::fs::read_to_string(outbox)
                .unwrap_or_default()
                .lines()
                .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
                .any(|v| v["to"] == to && v["asks_confirmation"] == true);
            if asked {
                return;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("no confirmation asked of {to}");
    }

    fn fields(e: &ErrorBody) -> Vec<String> {
        e.fields
            .iter()
            .map(|f| format!("{}={}", f.field, f.code))
            .collect()
    }

    #[tokio::test]
    async fn step_one_checks_everything_locally_and_uses_up_the_captcha() {
        let c = central().await;
        let k = kiosk(&c.url, &c.credential).await;
        // No captcha drawn yet: even the right answer fails.
        let mut f = form("514 555-0100");
        f.channel = None;
        f.consent_accepted = false;
        f.phone = "876 555-0100".into();
        let e = k.request_code(f).await.unwrap_err();
        assert_eq!(e.code, "validation");
        let got = fields(&e);
        for want in [
            "phone=phone.area_code_not_accepted",
            "channel=channel.required",
            "consent=consent.required",
            "captcha=captcha.wrong",
        ] {
            assert!(got.contains(&want.to_string()), "{want} in {got:?}");
        }
        k.new_captcha();
        assert!(k.request_code(form("514 555-0100")).await.is_ok());
        // The captcha was used: the same answer again is refused.
        let e = k.request_code(form("514 555-0100")).await.unwrap_err();
        assert!(fields(&e).contains(&"captcha=captcha.wrong".to_string()));
    }

    #[tokio::test]
    async fn full_online_signup_through_the_real_central_server() {
        let c = central().await;
        let k = kiosk(&c.url, &c.credential).await;
        k.new_captcha();
        let sent = online(k.request_code(form("(514) 555-0100")).await.unwrap());
        assert_eq!(sent.phone_display, "514 555-0100");
        let code = code_from(&c.outbox).await;
        let outcome = k
            .login(LoginForm {
                phone: sent.phone_display.clone(),
                code,
            })
            .await
            .unwrap();
        assert!(!outcome.existing_profile);
        // Prefilled: the town, and the signup phone as an SMS-capable first contact.
        assert_eq!(outcome.profile.city, "Mille-Isles");
        assert_eq!(outcome.profile.contacts.len(), 1);
        assert_eq!(outcome.profile.contacts[0].value, "+15145550100");
        assert_eq!(outcome.profile.contacts[0].kind, wire::ContactType::Mobile);

        let mut profile = outcome.profile;
        profile.name = "Tremblay".into();
        profile.contacts.push(wire::ContactPoint {
            active: true,
            description: "Bureau".into(),
            kind: wire::ContactType::Landline,
            value: "450 555-0177".into(),
            extension: "214".into(),
            extension_delay_seconds: Some(6),
            order: 2,
        });
        let ProfileOutcome::Online(saved) = k.save_profile(profile).await.unwrap() else {
            panic!("queued instead of saved");
        };
        assert_eq!(saved.profile.contacts[1].value, "+14505550177");

        // A wiped session cannot save any more.
        k.reset();
        let e = k.save_profile(saved.profile).await.unwrap_err();
        assert_eq!(e.code, "session.expired");
    }

    #[tokio::test]
    async fn a_resident_sees_their_data_and_deletes_their_account() {
        let c = central().await;
        let k = kiosk(&c.url, &c.credential).await;
        // Nobody logged in: nothing to show or delete.
        assert_eq!(k.my_data().await.unwrap_err().code, "session.expired");
        k.new_captcha();
        let sent = online(k.request_code(form("514 555-0104")).await.unwrap());
        let code = code_from(&c.outbox).await;
        k.login(LoginForm {
            phone: sent.phone_display,
            code,
        })
        .await
        .unwrap();
        let data = k.my_data().await.unwrap();
        assert_eq!(data.account.phone, "+15145550104");
        assert!(data.account.verified_at.is_some());
        assert_eq!(data.consents.len(), 1);
        assert_eq!(data.code_deliveries.len(), 1);
        assert!(data.profile.is_none());

        k.delete_my_account().await.unwrap();
        // The session went with the account.
        assert_eq!(k.my_data().await.unwrap_err().code, "session.expired");
        assert_eq!(
            k.delete_my_account().await.unwrap_err().code,
            "session.expired"
        );
    }

    #[tokio::test]
    async fn local_profile_errors_do_not_need_the_network() {
        let k = kiosk("http://127.0.0.1:9", &stranger()).await;
        let e = k.save_profile(wire::Profile::default()).await.unwrap_err();
        let got = fields(&e);
        assert!(
            got.contains(&"name=profile.name_required".to_string()),
            "{got:?}"
        );
        assert!(
            got.contains(&"contacts=profile.no_active_contact".to_string()),
            "{got:?}"
        );
    }

    #[tokio::test]
    async fn an_unauthorized_kiosk_gets_a_stable_code() {
        let c = central().await;
        let k = kiosk(&c.url, &stranger()).await;
        k.new_captcha();
        assert_eq!(
            k.request_code(form("514 555-0100")).await.unwrap_err().code,
            "kiosk.unauthorized"
        );
        // The attract screen tells residents the kiosk is out of service.
        let c = k.connectivity();
        assert!(c.online && c.refused);
    }

    #[tokio::test]
    async fn a_wrong_code_is_reported_on_the_code_field() {
        let c = central().await;
        let k = kiosk(&c.url, &c.credential).await;
        k.new_captcha();
        online(k.request_code(form("514 555-0100")).await.unwrap());
        let code = code_from(&c.outbox).await;
        let wrong = format!("{:06}", (code.parse::<u32>().unwrap() + 1) % 1_000_000);
        let e = k
            .login(LoginForm {
                phone: "514 555-0100".into(),
                code: wrong,
            })
            .await
            .unwrap_err();
        assert_eq!(e.code, "login.invalid_code");
        let e = k
            .login(LoginForm {
                phone: "514 555-0100".into(),
                code: "12".into(),
            })
            .await
            .unwrap_err();
        assert_eq!(fields(&e), ["code=code.invalid_format"]);
    }

    #[tokio::test]
    async fn delivery_status_and_resend_within_the_caps() {
        let c = central().await;
        let k = kiosk(&c.url, &c.credential).await;
        assert_eq!(
            k.delivery_status().await.unwrap_err().code,
            "session.expired"
        );
        assert_eq!(
            k.resend_code(wire::Channel::Voice).await.unwrap_err().code,
            "session.expired"
        );
        k.new_captcha();
        let sent = online(k.request_code(form("514 555-0100")).await.unwrap());
        assert_eq!(sent.resend_after_seconds, 60);
        assert_eq!(sent.fallback, None);
        code_from(&c.outbox).await;
        let mut status = k.delivery_status().await.unwrap();
        for _ in 0..200 {
            if status.state == wire::DeliveryState::Sent {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
            status = k.delivery_status().await.unwrap();
        }
        assert_eq!(status.state, wire::DeliveryState::Sent);
        assert_eq!(status.channel, wire::Channel::Sms);
        // Asking again within the minute: the central server's cap answers.
        let e = k.resend_code(wire::Channel::Voice).await.unwrap_err();
        assert_eq!(e.code, "rate_limited");
        assert!(e.retry_after_seconds.is_some_and(|s| s > 50 && s <= 60));
    }

    async fn log_in(k: &Kiosk, phone: &str, code: String) -> LoginOutcome {
        k.login(LoginForm {
            phone: phone.into(),
            code,
        })
        .await
        .unwrap()
    }

    /// What « Envoyer maintenant » does, without opening staff mode.
    async fn sync(k: &Kiosk) -> QueueStatus {
        k.sync.check().await;
        k.queue.make_all_due(now_ms()).await.unwrap();
        k.sync.pass().await.unwrap();
        k.sync.status().await.unwrap()
    }

    fn offline(o: CodeRequestOutcome) -> OfflineForm {
        match o {
            CodeRequestOutcome::Offline(form) => form,
            CodeRequestOutcome::Online(_) => panic!("went online"),
        }
    }

    fn queued(o: ProfileOutcome) -> Queued {
        match o {
            ProfileOutcome::Offline(q) => q,
            ProfileOutcome::Online(_) => panic!("saved online"),
        }
    }

    fn named(mut p: wire::Profile, name: &str) -> wire::Profile {
        p.name = name.into();
        p
    }

    #[tokio::test]
    async fn offline_registration_is_queued_then_synced_once_the_server_is_back() {
        let (port, reserved) = reserved_port();
        let url = format!("http://127.0.0.1:{port}");
        let dir = tempfile::tempdir().unwrap();
        let k = kiosk(&url, &provision(dir.path()).await).await;
        k.new_captcha();
        // Nobody listens: the offline variant, straight to step 5.
        let form = offline(k.request_code(form("514 555-0142")).await.unwrap());
        assert_eq!(form.phone_display, "514 555-0142");
        assert_eq!(form.profile.contacts[0].value, "+15145550142");
        assert!(!k.connectivity().online);
        let q = queued(k.save_profile(named(form.profile, "Gagnon")).await.unwrap());
        assert!(
            q.reference.len() == 9 && q.reference.as_bytes()[4] == b'-',
            "{}",
            q.reference
        );
        let status = k.sync.status().await.unwrap();
        assert_eq!((status.pending, status.acknowledged), (1, 0));
        assert!(status.oldest_pending_seconds.is_some());

        // The server comes up on that port: « Envoyer maintenant ».
        drop(reserved);
        let limits = [("BORNE_LIMIT_NUMBER_MIN_INTERVAL_SECONDS", "0")];
        let (_, outbox, _stop, _task) =
            start_central(dir.path(), &format!("127.0.0.1:{port}"), &limits).await;
        let status = sync(&k).await;
        assert_eq!((status.pending, status.acknowledged), (0, 1), "{status:?}");
        assert!(status.last_sync_at.is_some() && status.online);
        assert_eq!(k.queue.with_personal_data().await.unwrap(), 0);
        // The central server asked the phone to confirm it.
        confirmation_to(&outbox, "+15145550142").await;
        // Back at a kiosk, the new resident logs in with a fresh code:
        // verified, profile there.
        k.reset();
        k.new_captcha();
        online(k.request_code(self::form("514 555-0142")).await.unwrap());
        let code = code_from(&outbox).await;
        let outcome = log_in(&k, "514 555-0142", code).await;
        assert!(outcome.existing_profile && !outcome.offline);
        assert_eq!(outcome.profile.name, "Gagnon");
    }

    /// A kiosk with its network unplugged takes a few offline registrations
    /// an hour, then sends residents to the staff.
    #[tokio::test]
    async fn offline_captures_are_capped_per_hour() {
        let (port, _reserved) = reserved_port();
        let dir = tempfile::tempdir().unwrap();
        let k = kiosk_with(
            &format!("http://127.0.0.1:{port}"),
            Some(&provision(dir.path()).await),
            &[("BORNE_KIOSK_OFFLINE_PER_HOUR", "2".into())],
        )
        .await;
        for (phone, name) in [("514 555-0145", "Un"), ("514 555-0146", "Deux")] {
            k.reset();
            k.new_captcha();
            let form = offline(k.request_code(self::form(phone)).await.unwrap());
            queued(k.save_profile(named(form.profile, name)).await.unwrap());
        }
        k.reset();
        k.new_captcha();
        let e = k
            .request_code(self::form("514 555-0147"))
            .await
            .unwrap_err();
        assert_eq!(e.code, "offline.capture_limit");
        assert_eq!(k.queue.counts().await.unwrap().pending, 2);
    }

    #[tokio::test]
    async fn a_server_lost_mid_flow_sends_the_resident_to_the_queue_without_retyping() {
        let (port, reserved) = reserved_port();
        drop(reserved);
        let dir = tempfile::tempdir().unwrap();
        let listen = format!("127.0.0.1:{port}");
        let (url, outbox, stop, task) = start_central(dir.path(), &listen, &[]).await;
        let k = kiosk(&url, &provision(dir.path()).await).await;
        k.new_captcha();
        online(k.request_code(form("514 555-0143")).await.unwrap());
        let code = code_from(&outbox).await;
        // The server goes away between steps 1 and 4.
        stop.send(()).unwrap();
        task.await.unwrap();
        let outcome = log_in(&k, "514 555-0143", code).await;
        assert!(outcome.offline);
        assert_eq!(outcome.profile.contacts[0].value, "+15145550143");
        let q = queued(k.save_profile(named(outcome.profile, "Roy")).await.unwrap());
        assert_eq!(q.phone_display, "514 555-0143");
        // Back: the worker's sync stores it on the account made in step 1.
        let (_, _, _stop, _task) = start_central(dir.path(), &listen, &[]).await;
        let status = sync(&k).await;
        assert_eq!(status.acknowledged, 1, "{status:?}");
    }

    #[tokio::test]
    async fn a_verified_number_is_never_overwritten_by_an_offline_registration() {
        let (port, reserved) = reserved_port();
        drop(reserved);
        let dir = tempfile::tempdir().unwrap();
        let listen = format!("127.0.0.1:{port}");
        // No minimum interval: the second code may follow the first at once.
        let limits = [("BORNE_LIMIT_NUMBER_MIN_INTERVAL_SECONDS", "0")];
        let (url, outbox, stop, task) = start_central(dir.path(), &listen, &limits).await;
        // The owner signs up online and saves a profile.
        let owner = kiosk(&url, &provision(dir.path()).await).await;
        owner.new_captcha();
        online(owner.request_code(form("514 555-0144")).await.unwrap());
        let code = code_from(&outbox).await;
        let outcome = log_in(&owner, "514 555-0144", code).await;
        owner
            .save_profile(named(outcome.profile, "Propriétaire"))
            .await
            .unwrap();
        // Someone else registers that number at a kiosk during an outage.
        stop.send(()).unwrap();
        task.await.unwrap();
        let other = kiosk(&url, &provision(dir.path()).await).await;
        other.new_captcha();
        let form = offline(other.request_code(form("514 555-0144")).await.unwrap());
        queued(
            other
                .save_profile(named(form.profile, "Imposteur"))
                .await
                .unwrap(),
        );
        let (_, outbox, _stop, _task) = start_central(dir.path(), &listen, &limits).await;
        assert_eq!(sync(&other).await.acknowledged, 1);
        // The owner's profile is untouched until they decide: the owner's
        // phone is asked to confirm; they log in at a kiosk instead.
        confirmation_to(&outbox, "+15145550144").await;
        owner.reset();
        owner.new_captcha();
        online(
            owner
                .request_code(self::form("514 555-0144"))
                .await
                .unwrap(),
        );
        let code = code_from(&outbox).await;
        let outcome = log_in(&owner, "514 555-0144", code).await;
        assert_eq!(outcome.profile.name, "Propriétaire");
        let pending = outcome.pending_change.expect("a pending change");
        assert_eq!(pending.profile.name, "Imposteur");
        // Discarded: the profile stays the owner's.
        let profile = owner.decide_pending_change(false).await.unwrap();
        assert_eq!(profile.name, "Propriétaire");
        assert_eq!(
            owner.decide_pending_change(true).await.unwrap_err().code,
            "session.expired"
        );
    }

    #[tokio::test]
    async fn staff_mode_needs_the_pin_and_locks_after_five_wrong_ones() {
        let k = kiosk("http://127.0.0.1:9", &stranger()).await;
        assert_eq!(
            k.staff_login("1234".into()).await.unwrap_err().code,
            "staff.disabled"
        );
        let hash = crate::hash_staff_pin("482913").unwrap();
        let k = kiosk_with(
            "http://127.0.0.1:9",
            Some(&stranger()),
            &[("BORNE_KIOSK_STAFF_PIN_HASH", hash)],
        )
        .await;
        assert!(k.info().staff_enabled);
        assert_eq!(k.queue_status().await.unwrap_err().code, "staff.required");
        assert_eq!(k.sync_now().await.unwrap_err().code, "staff.required");
        for _ in 0..4 {
            assert_eq!(
                k.staff_login("000000".into()).await.unwrap_err().code,
                "staff.wrong_pin"
            );
        }
        let e = k.staff_login("000000".into()).await.unwrap_err();
        assert_eq!(e.code, "staff.locked");
        assert_eq!(e.retry_after_seconds, Some(300));
        // Locked: even the right PIN waits.
        assert_eq!(
            k.staff_login("482913".into()).await.unwrap_err().code,
            "staff.locked"
        );
        assert_eq!(k.queue_status().await.unwrap_err().code, "staff.required");
    }

    #[tokio::test]
    async fn staff_enroll_the_kiosk_then_sign_a_resident_up_without_captcha() {
        let dir = tempfile::tempdir().unwrap();
        let (url, outbox, _stop, _task) = start_central(dir.path(), "127.0.0.1:0", &[]).await;
        let hash = crate::hash_staff_pin("482913").unwrap();
        let k = kiosk_with(&url, None, &[("BORNE_KIOSK_STAFF_PIN_HASH", hash)]).await;
        // Not enrolled: the server is not even asked.
        assert!(!k.info().enrolled && k.connectivity().refused);
        k.new_captcha();
        assert_eq!(
            k.request_code(form("514 555-0146")).await.unwrap_err().code,
            "kiosk.not_enrolled"
        );
        let code = enrollment_code(dir.path()).await;
        assert_eq!(
            k.enroll(code.clone()).await.unwrap_err().code,
            "staff.required"
        );
        k.staff_login("482913".into()).await.unwrap();
        assert_eq!(
            k.enroll("AAAA-BBBB-CCCC".into()).await.unwrap_err().code,
            "enroll.invalid_code"
        );
        let enrolled = k.enroll(code.to_lowercase()).await.unwrap();
        assert_eq!(enrolled.kiosk_name, "Kiosque de test");
        let info = k.info();
        assert!(info.enrolled);
        assert_eq!(info.kiosk_name.as_deref(), Some("Kiosque de test"));
        assert!(!k.connectivity().refused);
        // Used once only.
        assert_eq!(
            k.enroll(code).await.unwrap_err().code,
            "enroll.invalid_code"
        );
        // The token was kept in the key store (a file here): a restarted
        // kiosk is still enrolled.
        let again = KioskConfig::from_lookup(
            |key| match key {
                "BORNE_CENTRAL_URL" => Some(url.clone()),
                "BORNE_KIOSK_DATA_DIR" => Some(k._dir.path().display().to_string()),
                "BORNE_KIOSK_KEY_STORE" => Some("file".into()),
                _ => None,
            },
            std::env::temp_dir(),
        )
        .unwrap();
        assert!(again.key_store.load_credential().unwrap().is_some());
        k.reset();
        let mut assisted = form("514 555-0145");
        assisted.captcha_answer = String::new();
        assisted.staff_assisted = true;
        // Not without staff mode.
        assert_eq!(
            k.request_code(assisted.clone()).await.unwrap_err().code,
            "staff.required"
        );
        let status = k.staff_login("482913".into()).await.unwrap();
        assert_eq!(status.pending, 0);
        assert!(
            k.sync_now().await.unwrap().online,
            "« Envoyer maintenant » in staff mode"
        );
        online(k.request_code(assisted).await.unwrap());
        code_from(&outbox).await;
        let db = dir.path().join("borne-central.sqlite");
        let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}?mode=ro", db.display()))
            .await
            .unwrap();
        let staff: bool = sqlx::query_scalar("SELECT staff_assisted FROM consents")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert!(staff, "the consent record says staff-assisted");
        // The session ends: staff mode with it.
        k.reset();
        assert_eq!(k.queue_status().await.unwrap_err().code, "staff.required");
    }
}
