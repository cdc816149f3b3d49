//! The kiosk service: one resident's session through steps 1 to 6. Every
//! method returns what the UI shows, or an [`ErrorBody`] it translates.

use std::sync::Mutex;

use borne_domain::{
    ConsentRecord, OneTimeCode, PhoneNumber, ValidationErrors, CONSENT_TEXT_VERSION,
};
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
    /// The last code's delivery, for its status and « Renvoyer ».
    delivery_id: Option<String>,
    /// The central session after login (step 4).
    token: Option<SecretString>,
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
        self.send_code(phone, channel, form.language).await
    }

    /// Asks the central server for a code and remembers where it went.
    async fn send_code(
        &self,
        phone: PhoneNumber,
        channel: wire::Channel,
        language: wire::Language,
    ) -> Result<CodeSent, ErrorBody> {
        let request = wire::SignupRequest {
            phone: phone.e164(),
            channel,
            language,
            consent: wire::Consent {
                text_version: CONSENT_TEXT_VERSION.into(),
                language,
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
        let (phone, language) = {
            let s = self.session();
            (s.phone.clone(), s.language)
        };
        let phone = phone.ok_or_else(|| error("session.expired", "start again from step 1"))?;
        self.send_code(phone, channel, language).await
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
        let response = self
            .client
            .login(&wire::LoginRequest {
                phone: phone.e164(),
                code: code.as_str().to_owned(),
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    const TOKEN: &str = "kiosk-core-test-token-0123";

    struct Central {
        url: String,
        outbox: std::path::PathBuf,
        _dir: tempfile::TempDir,
    }

    async fn central() -> Central {
        let dir = tempfile::tempdir().unwrap();
        let outbox = dir.path().join("outbox.jsonl");
        let vars = [
            ("BORNE_LISTEN", "127.0.0.1:0".to_string()),
            ("BORNE_DATA_DIR", dir.path().display().to_string()),
            ("BORNE_KIOSK_TOKEN", TOKEN.to_string()),
            ("BORNE_CONSOLE_OUTBOX", outbox.display().to_string()),
        ];
        let config = borne_central::Config::from_lookup(|k| {
            vars.iter().find(|(n, _)| *n == k).map(|(_, v)| v.clone())
        })
        .unwrap();
        let app = borne_central::Application::build(config).await.unwrap();
        let url = format!("http://127.0.0.1:{}", app.port());
        tokio::spawn(app.run_until_stopped(std::future::pending()));
        Central {
            url,
            outbox,
            _dir: dir,
        }
    }

    fn kiosk(url: &str, token: &str) -> Kiosk {
        let config = KioskConfig::from_lookup(
            |k| match k {
                "BORNE_CENTRAL_URL" => Some(url.to_string()),
                "BORNE_KIOSK_TOKEN" => Some(token.to_string()),
                "BORNE_KIOSK_ID" => Some("kiosk-test".into()),
                "BORNE_CENTRAL_TIMEOUT_SECONDS" => Some("2".into()),
                _ => None,
            },
            std::env::temp_dir(),
        )
        .unwrap();
        Kiosk::new(
            config,
            CaptchaService {
                fixed_answer: Some("ABCDE".into()),
            },
        )
        .unwrap()
    }

    fn form(phone: &str) -> CodeRequestForm {
        CodeRequestForm {
            phone: phone.into(),
            channel: Some(wire::Channel::Sms),
            captcha_answer: "abcde".into(),
            consent_accepted: true,
            language: wire::Language::Fr,
        }
    }

    async fn code_from(outbox: &std::path::Path) -> String {
        for _ in 0..400 {
            if let Ok(text) = std::fs::read_to_string(outbox) {
                if let Some(line) = text.lines().last() {
                    let v: serde_json::Value = serde_json::from_str(line).unwrap();
                    let t = v["text"].as_str().unwrap().to_owned();
                    return t
                        .split(|c: char| !c.is_ascii_digit())
                        .find(|s| s.len() == 6)
                        .unwrap()
                        .to_owned();
                }
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("no code sent");
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
        let k = kiosk(&c.url, TOKEN);
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
        let k = kiosk(&c.url, TOKEN);
        k.new_captcha();
        let sent = k.request_code(form("(514) 555-0100")).await.unwrap();
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
        let saved = k.save_profile(profile).await.unwrap();
        assert_eq!(saved.profile.contacts[1].value, "+14505550177");

        // A wiped session cannot save any more.
        k.reset();
        let e = k.save_profile(saved.profile).await.unwrap_err();
        assert_eq!(e.code, "session.expired");
    }

    #[tokio::test]
    async fn local_profile_errors_do_not_need_the_network() {
        let k = kiosk("http://127.0.0.1:9", TOKEN);
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
    async fn unreachable_and_unauthorized_central_map_to_stable_codes() {
        let k = kiosk("http://127.0.0.1:9", TOKEN);
        k.new_captcha();
        assert_eq!(
            k.request_code(form("514 555-0100")).await.unwrap_err().code,
            "central.unreachable"
        );
        let c = central().await;
        let k = kiosk(&c.url, "wrong-token-wrong-token");
        k.new_captcha();
        assert_eq!(
            k.request_code(form("514 555-0100")).await.unwrap_err().code,
            "kiosk.unauthorized"
        );
    }

    #[tokio::test]
    async fn a_wrong_code_is_reported_on_the_code_field() {
        let c = central().await;
        let k = kiosk(&c.url, TOKEN);
        k.new_captcha();
        k.request_code(form("514 555-0100")).await.unwrap();
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
        let k = kiosk(&c.url, TOKEN);
        assert_eq!(
            k.delivery_status().await.unwrap_err().code,
            "session.expired"
        );
        assert_eq!(
            k.resend_code(wire::Channel::Voice).await.unwrap_err().code,
            "session.expired"
        );
        k.new_captcha();
        let sent = k.request_code(form("514 555-0100")).await.unwrap();
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
}
