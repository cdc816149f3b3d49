//! The kiosk service: one resident's session through steps 1 to 6. Every
//! method returns what the UI shows, or an [`ErrorBody`] it translates.

use std::sync::Mutex;

use borne_domain::{ConsentRecord, PhoneNumber, ValidationErrors, CONSENT_TEXT_VERSION};
use borne_protocol::ipc::{
    CaptchaImage, CodeRequestForm, CodeSent, KioskInfo, LoginForm, LoginOutcome,
};
use borne_protocol::{self as wire, ErrorBody};
use secrecy::SecretString;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::{Captcha, CaptchaService, CentralClient, ClientError, KioskConfig};

/// What the kiosk remembers about the resident in front of it. Wiped by
/// [`Kiosk::reset`].
#[derive(Default)]
struct Session {
    captcha: Option<Captcha>,
    /// The phone a code was sent to (step 1), prefilled in step 4.
    phone: Option<PhoneNumber>,
    channel: Option<wire::Channel>,
    language: wire::Language,
    /// The central session after login (step 4).
    token: Option<SecretString>,
    logged_in_phone: Option<PhoneNumber>,
}

#[derive(Debug)]
pub struct Kiosk {
    config: KioskConfig,
    client: CentralClient,
    captchas: CaptchaService,
    session: Mutex<Session>,
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
    pub fn new(config: KioskConfig, captchas: CaptchaService) -> Result<Self, ClientError> {
        let client = CentralClient::new(
            &config.central_url,
            config.kiosk_token.clone(),
            config.request_timeout,
        )?;
        Ok(Self {
            config,
            client,
            captchas,
            session: Mutex::new(Session::default()),
        })
    }

    pub fn config(&self) -> &KioskConfig {
        &self.config
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
        }
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
    /// code. A wrong captcha answer draws a new captcha.
    pub async fn request_code(&self, form: CodeRequestForm) -> Result<CodeSent, ErrorBody> {
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
        {
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
        let request = wire::SignupRequest {
            phone: phone.e164(),
            channel,
            language: form.language,
            consent: wire::Consent {
                text_version: CONSENT_TEXT_VERSION.into(),
                language: form.language,
                accepted_at: OffsetDateTime::now_utc()
                    .format(&Rfc3339)
                    .unwrap_or_default(),
                kiosk_id: self.config.kiosk_id.clone(),
                staff_assisted: false,
            },
        };
        debug_assert!(ConsentRecord::is_known_version(
            &request.consent.text_version
        ));
        let sent = self.client.signup(&request).await.map_err(from_client)?;
        let mut session = self.session();
        session.phone = Some(phone.clone());
        session.channel = Some(channel);
        session.language = form.language;
        Ok(CodeSent {
            phone_display: phone.to_string(),
            channel: sent.channel,
            code_expires_at: sent.code_expires_at,
        })
    }

    /// Step 4: phone + code. On success the form of step 5, prefilled.
    pub async fn login(&self, form: LoginForm) -> Result<LoginOutcome, ErrorBody> {
        let mut errors = ValidationErrors::default();
        let phone = errors.check(
            "phone",
            PhoneNumber::parse(&form.phone, &self.config.area_codes),
        );
        let code: String = form
            .code
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect();
        if code.is_empty() {
            errors.push("code", "code.required");
        } else if code.len() != 6 || !code.chars().all(|c| c.is_ascii_digit()) {
            errors.push("code", "code.invalid_format");
        }
        let Some(phone) = phone.filter(|_| errors.is_empty()) else {
            return Err(ErrorBody::validation(&errors));
        };
        let response = self
            .client
            .login(&wire::LoginRequest {
                phone: phone.e164(),
                code,
            })
            .await
            .map_err(from_client)?;
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
        session.logged_in_phone = Some(phone.clone());
        Ok(LoginOutcome {
            phone_display: phone.to_string(),
            existing_profile: existing,
            profile,
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
    pub async fn save_profile(
        &self,
        profile: wire::Profile,
    ) -> Result<wire::SavedProfile, ErrorBody> {
        profile
            .parse(&self.config.area_codes)
            .map_err(|e| ErrorBody::validation(&e))?;
        let token = self
            .session()
            .token
            .clone()
            .ok_or_else(|| error("session.expired", "log in again with a new code"))?;
        self.client
            .save_profile(&token, &profile)
            .await
            .map_err(from_client)
    }
}
