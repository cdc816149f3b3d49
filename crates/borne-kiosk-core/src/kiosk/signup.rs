//! Steps 1 to 4: the captcha, asking for a code (or the offline variant
//! when the central server is out of reach), sending it again, where it
//! stands, and logging in with it.

use borne_domain::{OneTimeCode, PhoneNumber, ValidationErrors};
use borne_protocol::ipc::{
    CaptchaImage, CodeRequestForm, CodeRequestOutcome, CodeSent, LoginForm, LoginOutcome,
    OfflineForm,
};
use borne_protocol::{self as wire, ErrorBody};
use secrecy::SecretString;

use super::{lock, Kiosk, KioskError};

impl Kiosk {
    /// A new captcha (« Changer de code »); the previous answer stops working.
    pub fn new_captcha(&self) -> CaptchaImage {
        let captcha = self.captchas.draw();
        let image = CaptchaImage {
            data_url: captcha.data_url(),
        };
        *lock(&self.captcha) = Some(captcha);
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
            self.staff_required()?;
        } else {
            self.check_captcha(&form.captcha_answer, &mut errors);
        }
        let (Some(phone), Some(channel), true) = (phone, form.channel, errors.is_empty()) else {
            return Err(KioskError::Invalid(errors).into());
        };
        let consent = self.consent(form.language, form.staff_assisted);
        self.change_session(|s| {
            s.request_code(phone.clone(), channel, form.language, consent.clone());
        });
        if !self.client.connectivity().is_online() {
            self.check_offline_cap(form.staff_assisted).await?;
            return Ok(CodeRequestOutcome::Offline(self.go_offline(&phone)?));
        }
        match self
            .send_code(&phone, channel, form.language, consent)
            .await
        {
            Ok(sent) => Ok(CodeRequestOutcome::Online(sent)),
            Err(KioskError::CentralUnreachable) => {
                self.check_offline_cap(form.staff_assisted).await?;
                Ok(CodeRequestOutcome::Offline(self.go_offline(&phone)?))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// One try per picture: a captcha is used up whether right or wrong.
    fn check_captcha(&self, answer: &str, errors: &mut ValidationErrors) {
        let captcha = lock(&self.captcha).take();
        if !captcha.is_some_and(|c| c.accepts(answer)) {
            errors.push(
                "captcha",
                if answer.trim().is_empty() {
                    "captcha.required"
                } else {
                    "captcha.wrong"
                },
            );
        }
    }

    /// The kiosk's hourly cap on offline registrations taken without
    /// staff (a kiosk with its network unplugged must not become a way to
    /// send messages to any number): past it, `offline.capture_limit`
    /// tells the resident to ask the staff.
    pub(super) async fn check_offline_cap(&self, staff_assisted: bool) -> Result<(), KioskError> {
        let cap = self.config.offline_per_hour;
        if cap == 0 || staff_assisted {
            return Ok(());
        }
        let taken = self
            .queue
            .captured_since(self.clock.now() - 3_600_000)
            .await?;
        if taken >= i64::from(cap) {
            tracing::warn!(taken, cap, "offline registrations capped for this hour");
            return Err(KioskError::OfflineCaptureLimit);
        }
        Ok(())
    }

    /// Switches this session to the offline variant: the form of step 5,
    /// nothing typed in step 1 lost. Needs step 1 for `phone`.
    fn go_offline(&self, phone: &PhoneNumber) -> Result<OfflineForm, KioskError> {
        let language = self
            .change_session(|s| s.go_offline(phone))
            .ok_or(KioskError::SessionExpired)?;
        tracing::info!("offline variant: the registration will be queued");
        Ok(OfflineForm {
            phone_display: phone.to_string(),
            profile: self.default_profile(language),
        })
    }

    /// Asks the central server for a code and remembers where it went.
    async fn send_code(
        &self,
        phone: &PhoneNumber,
        channel: wire::Channel,
        language: wire::Language,
        consent: wire::Consent,
    ) -> Result<CodeSent, KioskError> {
        let request = wire::SignupRequest {
            phone: phone.e164(),
            channel,
            language,
            consent,
        };
        let sent = self.client.signup(&request).await?;
        self.session()
            .code_sent(phone, channel, sent.delivery_id.clone());
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
        let (phone, language, staff_assisted) = self
            .session()
            .signup()
            .map(|s| (s.phone.clone(), s.language, s.consent.staff_assisted))
            .ok_or(KioskError::SessionExpired)?;
        let consent = self.consent(language, staff_assisted);
        Ok(self.send_code(&phone, channel, language, consent).await?)
    }

    /// Where the last code's SMS or call stands.
    pub async fn delivery_status(&self) -> Result<wire::DeliveryStatus, ErrorBody> {
        let id = self
            .session()
            .signup()
            .and_then(|s| s.delivery_id.clone())
            .ok_or(KioskError::SessionExpired)?;
        Ok(self.client.delivery(&id).await.map_err(KioskError::from)?)
    }

    /// Step 4: phone + code. On success the form of step 5, prefilled.
    /// Out of reach after step 1 at this kiosk: continues offline with
    /// what the resident gave there.
    pub async fn login(&self, form: LoginForm) -> Result<LoginOutcome, ErrorBody> {
        let mut errors = ValidationErrors::default();
        let phone = errors.check(
            "phone",
            PhoneNumber::parse(&form.phone, &self.config.area_codes),
        );
        let code = errors.check("code", OneTimeCode::parse(&form.code));
        let (Some(phone), Some(code), true) = (phone, code, errors.is_empty()) else {
            return Err(KioskError::Invalid(errors).into());
        };
        if !self.client.connectivity().is_online() {
            if let Ok(outcome) = self.login_offline(&phone) {
                return Ok(outcome);
            }
        }
        let request = wire::LoginRequest {
            phone: phone.e164(),
            code: code.as_str().to_owned(),
        };
        let response = match self.client.login(&request).await.map_err(KioskError::from) {
            Ok(r) => r,
            Err(unreachable @ KioskError::CentralUnreachable) => {
                return self.login_offline(&phone).map_err(|_| unreachable.into());
            }
            Err(e) => return Err(e.into()),
        };
        let pending = response.pending_change.as_ref().map(|p| p.id.clone());
        let token = SecretString::from(response.session_token);
        let language = self.change_session(|s| {
            let language = s.language();
            s.log_in(&phone, token, pending);
            language
        });
        let existing = response.profile.is_some();
        let profile = response
            .profile
            .unwrap_or_else(|| self.default_profile(language));
        Ok(LoginOutcome {
            phone_display: phone.to_string(),
            existing_profile: existing,
            profile,
            offline: false,
            pending_change: response.pending_change,
        })
    }

    /// Step 4 without the central server: the offline form, if step 1 was
    /// for this number at this kiosk.
    fn login_offline(&self, phone: &PhoneNumber) -> Result<LoginOutcome, KioskError> {
        let form = self.go_offline(phone)?;
        Ok(LoginOutcome {
            phone_display: form.phone_display,
            existing_profile: false,
            profile: form.profile,
            offline: true,
            pending_change: None,
        })
    }
}
