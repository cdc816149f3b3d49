//! The resident's session: the states one resident goes through at the
//! kiosk, and the only ways from one to the next. Staff mode and step 1's
//! captcha are kept beside it (see [`super::Kiosk`]).

use borne_domain::PhoneNumber;
use borne_protocol as wire;
use secrecy::SecretString;

/// What the resident gave at step 1, kept for the steps after it.
pub(super) struct Signup {
    /// The phone a code was sent to, prefilled in step 4.
    pub phone: PhoneNumber,
    pub channel: wire::Channel,
    pub language: wire::Language,
    /// Step 1's consent, recorded when the resident asked for a code.
    pub consent: wire::Consent,
    /// The last code's delivery, for its status and « Renvoyer ».
    pub delivery_id: Option<String>,
}

/// Where the resident in front of the kiosk stands. Wiped by
/// [`super::Kiosk::reset`].
#[derive(Default)]
pub(super) enum Session {
    /// Nobody has given a number yet.
    #[default]
    Idle,
    /// Step 1 passed: a code was asked for this number (steps 2 to 4).
    CodeRequested(Signup),
    /// The offline variant: the central server is out of reach, step 5
    /// will be queued on this kiosk. No central session.
    Offline(Signup),
    /// Logged in with a code (step 4): the central session.
    LoggedIn {
        token: SecretString,
        /// Step 1 at this kiosk for the number that logged in, if any:
        /// what a registration queued after a lost server is made of.
        signup: Option<Signup>,
        /// The pending change shown after login, for the owner's decision.
        pending_change_id: Option<String>,
    },
}

impl Session {
    pub fn is_idle(&self) -> bool {
        matches!(self, Self::Idle)
    }

    /// Step 1's answers, in whatever state follows it.
    pub fn signup(&self) -> Option<&Signup> {
        match self {
            Self::Idle => None,
            Self::CodeRequested(s) | Self::Offline(s) => Some(s),
            Self::LoggedIn { signup, .. } => signup.as_ref(),
        }
    }

    fn signup_mut(&mut self) -> Option<&mut Signup> {
        match self {
            Self::Idle => None,
            Self::CodeRequested(s) | Self::Offline(s) => Some(s),
            Self::LoggedIn { signup, .. } => signup.as_mut(),
        }
    }

    /// The language chosen at step 1 (French before it).
    pub fn language(&self) -> wire::Language {
        self.signup().map(|s| s.language).unwrap_or_default()
    }

    /// The central session, once logged in.
    pub fn token(&self) -> Option<&SecretString> {
        match self {
            Self::LoggedIn { token, .. } => Some(token),
            _ => None,
        }
    }

    /// Step 1 passed: a code is asked for `phone`. The last code's
    /// delivery stays known until another code goes out.
    pub fn request_code(
        &mut self,
        phone: PhoneNumber,
        channel: wire::Channel,
        language: wire::Language,
        consent: wire::Consent,
    ) {
        let delivery_id = self.signup_mut().and_then(|s| s.delivery_id.take());
        *self = Self::CodeRequested(Signup {
            phone,
            channel,
            language,
            consent,
            delivery_id,
        });
    }

    /// A code went out to `phone` by `channel`: its delivery is the one to
    /// follow. Nothing changes if the session moved to another number
    /// (or was wiped) meanwhile.
    pub fn code_sent(&mut self, phone: &PhoneNumber, channel: wire::Channel, delivery_id: String) {
        if let Some(s) = self.signup_mut().filter(|s| s.phone == *phone) {
            s.channel = channel;
            s.delivery_id = Some(delivery_id);
        }
    }

    /// Removes step 1's answers if they were given for `phone`.
    fn take_signup_for(&mut self, phone: &PhoneNumber) -> Option<Signup> {
        match std::mem::take(self) {
            Self::CodeRequested(s) | Self::Offline(s) if s.phone == *phone => Some(s),
            Self::LoggedIn {
                signup: Some(s), ..
            } if s.phone == *phone => Some(s),
            other => {
                *self = other;
                None
            }
        }
    }

    /// The offline variant for `phone`, if step 1 was for that number
    /// (nothing the resident typed there is lost); the central session,
    /// if any, is dropped. Answers step 1's language.
    pub fn go_offline(&mut self, phone: &PhoneNumber) -> Option<wire::Language> {
        let signup = self.take_signup_for(phone)?;
        let language = signup.language;
        *self = Self::Offline(signup);
        Some(language)
    }

    /// Logged in as `phone`; step 1's answers are kept if they were for it.
    pub fn log_in(
        &mut self,
        phone: &PhoneNumber,
        token: SecretString,
        pending_change_id: Option<String>,
    ) {
        let signup = self.take_signup_for(phone);
        *self = Self::LoggedIn {
            token,
            signup,
            pending_change_id,
        };
    }

    /// A registration was queued for this session: what follows is queued
    /// too, without the central session.
    pub fn queued(&mut self) {
        if let Self::LoggedIn { signup, .. } = self {
            if let Some(s) = signup.take() {
                *self = Self::Offline(s);
            }
        }
    }

    /// The owner decided on the pending change: nothing left to decide.
    pub fn change_decided(&mut self) {
        if let Self::LoggedIn {
            pending_change_id, ..
        } = self
        {
            *pending_change_id = None;
        }
    }
}

/// No phone, no token, no code: only where the resident stands.
impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Idle => f.write_str("Idle"),
            Self::CodeRequested(s) => f.debug_tuple("CodeRequested").field(s).finish(),
            Self::Offline(s) => f.debug_tuple("Offline").field(s).finish(),
            Self::LoggedIn {
                signup,
                pending_change_id,
                ..
            } => f
                .debug_struct("LoggedIn")
                .field("signup", signup)
                .field("pending_change", &pending_change_id.is_some())
                .finish_non_exhaustive(),
        }
    }
}

impl std::fmt::Debug for Signup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signup")
            .field("channel", &self.channel)
            .field("language", &self.language)
            .field("code_sent", &self.delivery_id.is_some())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use borne_domain::AreaCodes;
    use secrecy::ExposeSecret;

    fn phone(text: &str) -> PhoneNumber {
        PhoneNumber::parse(text, &AreaCodes::canada()).unwrap()
    }

    fn consent() -> wire::Consent {
        wire::Consent {
            text_version: borne_domain::CONSENT_TEXT_VERSION.into(),
            language: wire::Language::En,
            accepted_at: "2026-11-26T10:00:00Z".into(),
            kiosk_id: "kiosk-test".into(),
            staff_assisted: false,
        }
    }

    fn requested(number: &str) -> Session {
        let mut s = Session::Idle;
        s.request_code(
            phone(number),
            wire::Channel::Sms,
            wire::Language::En,
            consent(),
        );
        s
    }

    #[test]
    fn a_sent_code_is_followed_until_another_goes_out() {
        let mut s = requested("514 555-0100");
        assert!(s.signup().unwrap().delivery_id.is_none());
        s.code_sent(&phone("514 555-0100"), wire::Channel::Voice, "d1".into());
        let signup = s.signup().unwrap();
        assert_eq!(signup.channel, wire::Channel::Voice);
        assert_eq!(signup.delivery_id.as_deref(), Some("d1"));
        // Another number's code does not land in this session.
        s.code_sent(&phone("514 555-0101"), wire::Channel::Sms, "d2".into());
        assert_eq!(s.signup().unwrap().delivery_id.as_deref(), Some("d1"));
        // Back at step 1: the code sent stays known until another goes out.
        s.request_code(
            phone("514 555-0100"),
            wire::Channel::Sms,
            wire::Language::Fr,
            consent(),
        );
        assert_eq!(s.signup().unwrap().delivery_id.as_deref(), Some("d1"));
        assert_eq!(s.language(), wire::Language::Fr);
    }

    #[test]
    fn offline_only_for_the_number_of_step_one() {
        let mut s = Session::Idle;
        assert!(s.go_offline(&phone("514 555-0100")).is_none());
        let mut s = requested("514 555-0100");
        assert!(s.go_offline(&phone("514 555-0101")).is_none());
        assert!(matches!(s, Session::CodeRequested(_)));
        assert_eq!(
            s.go_offline(&phone("514 555-0100")),
            Some(wire::Language::En)
        );
        assert!(matches!(s, Session::Offline(_)) && s.token().is_none());
    }

    #[test]
    fn login_keeps_step_one_only_for_its_number_and_a_queued_save_drops_the_token() {
        let mut s = requested("514 555-0100");
        s.log_in(&phone("514 555-0101"), "t".to_owned().into(), None);
        assert!(s.signup().is_none());
        assert_eq!(
            s.token().map(|t| t.expose_secret().to_owned()),
            Some("t".into())
        );

        let mut s = requested("514 555-0100");
        s.log_in(
            &phone("514 555-0100"),
            "t".to_owned().into(),
            Some("p".into()),
        );
        assert!(s.signup().is_some());
        s.change_decided();
        assert!(matches!(
            s,
            Session::LoggedIn {
                pending_change_id: None,
                ..
            }
        ));
        s.queued();
        assert!(matches!(s, Session::Offline(_)) && s.token().is_none());
    }

    #[test]
    fn debug_shows_neither_phone_nor_token() {
        let mut s = requested("514 555-0199");
        s.log_in(
            &phone("514 555-0199"),
            "secret-token".to_owned().into(),
            None,
        );
        let shown = format!("{s:?}");
        assert!(shown.starts_with("LoggedIn"), "{shown}");
        for hidden in ["0199", "secret-token", "2026-11-26"] {
            assert!(!shown.contains(hidden), "{hidden} in {shown}");
        }
    }
}
