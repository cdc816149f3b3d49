//! Twilio's REST API (2010-04-01): SMS through the Messages resource, voice
//! calls through the Calls resource with inline TwiML.
//!
//! Error `reason`s are built from the HTTP status and Twilio's numeric error
//! code only. Twilio's error `message` is never copied: for an invalid number
//! it quotes the number ("The 'To' number +1… is not a valid phone number").

use std::fmt;
use std::time::Duration;

use borne_domain::{Channel, Language};
use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::StatusCode;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use super::{OutgoingMessage, Receipt, SendError, Telephony};

/// How long Twilio may keep an SMS queued before dropping it, in seconds:
/// the code it carries expires after 10 minutes anyway.
const SMS_VALIDITY_PERIOD_SECS: &str = "600";
/// How long a call rings before Twilio gives up, in seconds.
const CALL_RING_TIMEOUT_SECS: &str = "30";

/// Who an SMS comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sender {
    /// An E.164 number of the account.
    From(String),
    /// A Messaging Service (`MG…` sid) picking the number from its pool.
    MessagingService(String),
}

#[derive(Clone)]
pub struct TwilioConfig {
    pub account_sid: String,
    pub auth_token: SecretString,
    /// Sender of SMS.
    pub sender: Sender,
    /// E.164 caller id for calls (a Messaging Service cannot place calls).
    pub voice_from: String,
    /// `https://api.twilio.com` ([`TwilioConfig::DEFAULT_BASE_URL`]); tests
    /// point it at a mock server.
    pub base_url: String,
    /// Full URL Twilio posts delivery / call status to, e.g.
    /// `https://alertes.ville.ca/v1/twilio/status`.
    pub status_callback: Option<String>,
    /// Where a confirmation call's `<Gather>` posts the key pressed
    /// (`BORNE_PUBLIC_URL` + `/v1/twilio/gather`; the call's id tells
    /// which confirmation: no secret in the URL).
    pub gather_action: Option<String>,
    pub connect_timeout: Duration,
    /// Whole request, response body included.
    pub timeout: Duration,
}

impl TwilioConfig {
    pub const DEFAULT_BASE_URL: &'static str = "https://api.twilio.com";
}

impl fmt::Debug for TwilioConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TwilioConfig")
            .field("account_sid", &self.account_sid)
            .field("auth_token", &"[redacted]")
            .field("sender", &self.sender)
            .field("voice_from", &self.voice_from)
            .field("base_url", &self.base_url)
            .field("status_callback", &self.status_callback)
            .field("gather_action", &self.gather_action)
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// Sends SMS and places calls through Twilio.
#[derive(Debug)]
pub struct TwilioProvider {
    config: TwilioConfig,
    client: reqwest::Client,
}

impl TwilioProvider {
    pub fn new(config: TwilioConfig) -> Result<Self, String> {
        // The sid goes into the URL path: keep it to what Twilio issues.
        if config.account_sid.is_empty()
            || !config
                .account_sid
                .chars()
                .all(|c| c.is_ascii_alphanumeric())
        {
            return Err("twilio account sid must be non-empty and alphanumeric".into());
        }
        if config.voice_from.trim().is_empty() {
            return Err("twilio voice caller id (voice_from) is empty".into());
        }
        reqwest::Url::parse(&config.base_url)
            .map_err(|e| format!("twilio base url {:?}: {e}", config.base_url))?;
        // reqwest is built without a rustls crypto provider; install ring's
        // (an error only means one is installed already).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .timeout(config.timeout)
            // Twilio's API does not redirect; following one would re-send
            // credentials and the message somewhere unexpected.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| format!("twilio http client: {e}"))?;
        Ok(Self { config, client })
    }

    fn resource_url(&self, resource: &str) -> String {
        format!(
            "{}/2010-04-01/Accounts/{}/{resource}.json",
            self.config.base_url.trim_end_matches('/'),
            self.config.account_sid
        )
    }

    fn sms_form(&self, m: &OutgoingMessage) -> Vec<(&'static str, String)> {
        let mut form = vec![("To", m.to.clone())];
        match &self.config.sender {
            Sender::From(number) => form.push(("From", number.clone())),
            Sender::MessagingService(sid) => form.push(("MessagingServiceSid", sid.clone())),
        }
        form.push(("Body", m.text.clone()));
        form.push(("ValidityPeriod", SMS_VALIDITY_PERIOD_SECS.into()));
        if let Some(url) = &self.config.status_callback {
            form.push(("StatusCallback", url.clone()));
        }
        form
    }

    fn call_form(&self, m: &OutgoingMessage) -> Vec<(&'static str, String)> {
        let mut form = vec![
            ("To", m.to.clone()),
            ("From", self.config.voice_from.clone()),
            (
                "Twiml",
                match (&self.config.gather_action, m.asks_confirmation) {
                    (Some(action), true) => gather_twiml(&m.text, m.language, action),
                    _ => twiml(&m.text, m.language),
                },
            ),
            ("Timeout", CALL_RING_TIMEOUT_SECS.into()),
        ];
        if let Some(url) = &self.config.status_callback {
            form.push(("StatusCallback", url.clone()));
            // Several events would be the same field repeated
            // (`StatusCallbackEvent=initiated&StatusCallbackEvent=completed`);
            // only the final status matters here, so one value is sent and
            // the encoding question does not arise. (Twilio is understood to
            // default to `completed` when no event is given; sending it
            // explicitly does not depend on that.)
            form.push(("StatusCallbackEvent", "completed".into()));
        }
        form
    }

    async fn post(
        &self,
        url: String,
        form: &[(&'static str, String)],
        channel: Channel,
    ) -> Result<Receipt, SendError> {
        let response = self
            .client
            .post(url)
            .basic_auth(
                &self.config.account_sid,
                Some(self.config.auth_token.expose_secret()),
            )
            .form(form)
            .send()
            .await
            .map_err(|e| transport_error(&e))?;
        let status = response.status();
        let retry_after = retry_after(response.headers());
        let body = response.bytes().await.map_err(|e| transport_error(&e))?;

        if status.is_success() {
            #[derive(Deserialize)]
            struct Created {
                sid: Option<String>,
            }
            return match serde_json::from_slice::<Created>(&body) {
                Ok(Created { sid: Some(sid) }) if !sid.is_empty() => {
                    Ok(Receipt { provider_id: sid })
                }
                // Twilio said yes, so the SMS or call is most likely on its
                // way. Retrying would send it again, and if the answer is
                // malformed every time (an API change, a proxy in between)
                // the resident would get a message per retry, forever.
                // Permanent stops that; the reason tells an operator what
                // happened.
                _ => Err(SendError::Permanent {
                    reason: format!("twilio answered HTTP {} without a sid", status.as_u16()),
                }),
            };
        }

        #[derive(Deserialize)]
        struct TwilioError {
            code: Option<u64>,
        }
        let code = serde_json::from_slice::<TwilioError>(&body)
            .ok()
            .and_then(|e| e.code);
        Err(classify(status, code, channel, retry_after))
    }
}

#[async_trait::async_trait]
impl Telephony for TwilioProvider {
    async fn send(&self, m: &OutgoingMessage) -> Result<Receipt, SendError> {
        match m.channel {
            Channel::Sms => {
                self.post(self.resource_url("Messages"), &self.sms_form(m), m.channel)
                    .await
            }
            Channel::Voice => {
                self.post(self.resource_url("Calls"), &self.call_form(m), m.channel)
                    .await
            }
        }
    }
}

/// No answer, or no whole answer: the request may have gone through, so the
/// SMS or call may already be out. Retrying resends the same code, which is
/// harmless for the resident.
fn transport_error(e: &reqwest::Error) -> SendError {
    let what = borne_protocol::retry::HttpFailure::of(e);
    SendError::Retryable {
        reason: format!("twilio {what}"),
        retry_after: None,
    }
}

/// `Retry-After` in seconds. The HTTP-date form is not used by Twilio and is
/// ignored.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    headers
        .get(RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .map(Duration::from_secs)
}

fn classify(
    status: StatusCode,
    code: Option<u64>,
    channel: Channel,
    retry_after: Option<Duration>,
) -> SendError {
    let reason = match code {
        Some(code) => format!("twilio {code} (HTTP {})", status.as_u16()),
        None => format!("twilio HTTP {}", status.as_u16()),
    };
    if status == StatusCode::TOO_MANY_REQUESTS || code == Some(20429) || status.is_server_error() {
        return SendError::Retryable {
            reason,
            retry_after,
        };
    }
    match (channel, code) {
        // 21610: the number replied STOP; 21614: not a mobile number (a
        // landline). A call still reaches both.
        (Channel::Sms, Some(21610 | 21614)) => SendError::UseVoice { reason },
        // 21211 invalid 'To', 21612 unreachable 'To', 21217 invalid phone
        // number, 21214 'To' cannot be reached, and every other refusal
        // (4xx, or an unexpected 1xx/3xx): the same request would fail
        // again.
        _ => SendError::Permanent { reason },
    }
}

/// The TwiML a call plays.
///
/// A one-second pause first, so the start is not lost while the resident
/// brings the phone to the ear; then the text, split into two `<Say>` with a
/// pause between them where the text says it repeats itself.
///
/// No "press 1 to hear it again": reading a keypress needs `<Gather>` with
/// an action URL Twilio calls back with the digit, i.e. a public endpoint
/// that answers with more TwiML. The text already says the code twice.
fn twiml(text: &str, language: Language) -> String {
    let (say, marker) = match language {
        // Polly.Chantal is Amazon Polly's (standard) fr-CA voice.
        Language::Fr => (
            r#"<Say language="fr-CA" voice="Polly.Chantal">"#,
            "Je répète :",
        ),
        // Neither Amazon Polly nor Google lists an en-CA voice in the
        // references we checked, so no `voice`: Twilio picks its voice for
        // en-CA (the account's default TTS settings apply).
        Language::En => (r#"<Say language="en-CA">"#, "I repeat:"),
    };
    let parts: Vec<&str> = match text.find(marker) {
        Some(at) if at > 0 => vec![text[..at].trim_end(), &text[at..]],
        _ => vec![text],
    };
    let mut out = String::from(r#"<Response><Pause length="1"/>"#);
    for (i, part) in parts.into_iter().enumerate() {
        if i > 0 {
            out.push_str(r#"<Pause length="1"/>"#);
        }
        out.push_str(say);
        out.push_str(&xml_escape(part));
        out.push_str("</Say>");
    }
    out.push_str("</Response>");
    out
}

/// The `<Say>` opening tag for a language.
pub(crate) fn say_tag(language: Language) -> &'static str {
    match language {
        Language::Fr => r#"<Say language="fr-CA" voice="Polly.Chantal">"#,
        Language::En => r#"<Say language="en-CA">"#,
    }
}

/// A confirmation call: the message inside a one-key `<Gather>` posting
/// to `action`, said a second time if no key comes, then goodbye.
pub(crate) fn gather_twiml(text: &str, language: Language, action: &str) -> String {
    let say = say_tag(language);
    let gather = format!(
        r#"<Gather numDigits="1" timeout="8" method="POST" action="{}">{say}{}</Say></Gather>"#,
        xml_escape(action),
        xml_escape(text)
    );
    let bye = match language {
        Language::Fr => "Aucune touche reçue. Au revoir.",
        Language::En => "No key received. Goodbye.",
    };
    format!(r#"<Response><Pause length="1"/>{gather}{gather}{say}{bye}</Say></Response>"#)
}

pub(crate) fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests;
