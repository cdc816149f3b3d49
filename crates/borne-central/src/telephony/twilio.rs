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
mod tests {
    use super::*;
    use wiremock::matchers::{body_string_contains, header, method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    const TO: &str = "+15145550142";
    const SMS_FROM: &str = "+15145550199";
    const VOICE_FROM: &str = "+15145550188";
    const CALLBACK: &str = "https://alertes.ville.ca/v1/twilio/status";
    const GATHER: &str = "https://alertes.ville.ca/v1/twilio/gather";
    /// base64("ACtest:token")
    const BASIC: &str = "Basic QUN0ZXN0OnRva2Vu";
    const MESSAGES: &str = "/2010-04-01/Accounts/ACtest/Messages.json";
    const CALLS: &str = "/2010-04-01/Accounts/ACtest/Calls.json";

    fn config(base_url: &str) -> TwilioConfig {
        TwilioConfig {
            account_sid: "ACtest".into(),
            auth_token: SecretString::from("token"),
            sender: Sender::From(SMS_FROM.into()),
            voice_from: VOICE_FROM.into(),
            base_url: base_url.into(),
            status_callback: Some(CALLBACK.into()),
            gather_action: Some(GATHER.into()),
            connect_timeout: Duration::from_secs(2),
            timeout: Duration::from_secs(5),
        }
    }

    fn provider(server: &MockServer) -> TwilioProvider {
        TwilioProvider::new(config(&server.uri())).unwrap()
    }

    fn sms(text: &str) -> OutgoingMessage {
        OutgoingMessage {
            to: TO.into(),
            channel: Channel::Sms,
            language: Language::Fr,
            text: text.into(),
            asks_confirmation: false,
        }
    }

    fn call(language: Language, text: &str) -> OutgoingMessage {
        OutgoingMessage {
            to: TO.into(),
            channel: Channel::Voice,
            language,
            text: text.into(),
            asks_confirmation: false,
        }
    }

    fn created(sid: &str) -> ResponseTemplate {
        ResponseTemplate::new(201).set_body_json(serde_json::json!({
            "sid": sid,
            "status": "queued",
            "to": TO,
        }))
    }

    /// Twilio's error body. The message quotes the number, as Twilio's does.
    fn twilio_error(status: u16, code: u64) -> ResponseTemplate {
        ResponseTemplate::new(status).set_body_json(serde_json::json!({
            "code": code,
            "message": format!("The 'To' number {TO} is not valid. Body: 402917"),
            "more_info": format!("https://www.twilio.com/docs/errors/{code}"),
            "status": status,
        }))
    }

    /// Decodes an `application/x-www-form-urlencoded` body.
    fn form_of(body: &[u8]) -> Vec<(String, String)> {
        fn decode(s: &str) -> String {
            let bytes = s.as_bytes();
            let mut out = Vec::with_capacity(bytes.len());
            let mut i = 0;
            while i < bytes.len() {
                match bytes[i] {
                    b'+' => out.push(b' '),
                    b'%' => {
                        let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
                        out.push(u8::from_str_radix(hex, 16).unwrap());
                        i += 2;
                    }
                    b => out.push(b),
                }
                i += 1;
            }
            String::from_utf8(out).unwrap()
        }
        std::str::from_utf8(body)
            .unwrap()
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|pair| {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                (decode(k), decode(v))
            })
            .collect()
    }

    async fn only_request_form(server: &MockServer) -> Vec<(String, String)> {
        let requests = server.received_requests().await.unwrap();
        assert_eq!(requests.len(), 1);
        form_of(&requests[0].body)
    }

    fn field<'a>(form: &'a [(String, String)], name: &str) -> &'a str {
        let values: Vec<&str> = form
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect();
        assert_eq!(values.len(), 1, "field {name} in {form:?}");
        values[0]
    }

    fn owned(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn reason(e: &SendError) -> &str {
        match e {
            SendError::Retryable { reason, .. }
            | SendError::Permanent { reason }
            | SendError::UseVoice { reason } => reason,
        }
    }

    #[tokio::test]
    async fn sms_request_carries_every_field_and_returns_the_sid() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path(MESSAGES))
            .and(header("authorization", BASIC))
            .and(header("content-type", "application/x-www-form-urlencoded"))
            .and(body_string_contains("ValidityPeriod=600"))
            .and(body_string_contains("To=%2B15145550142"))
            .respond_with(created("SM0123456789abcdef0123456789abcdef"))
            .expect(1)
            .mount(&server)
            .await;

        let text =
            "Mille-Isles – alertes : votre mot de passe est 402917. Il expire dans 10 minutes.";
        let receipt = provider(&server).send(&sms(text)).await.unwrap();
        assert_eq!(receipt.provider_id, "SM0123456789abcdef0123456789abcdef");

        let form = only_request_form(&server).await;
        assert_eq!(
            form,
            owned(&[
                ("To", TO),
                ("From", SMS_FROM),
                ("Body", text),
                ("ValidityPeriod", "600"),
                ("StatusCallback", CALLBACK),
            ])
        );
    }

    #[tokio::test]
    async fn sms_through_a_messaging_service() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path(MESSAGES))
            .and(header("authorization", BASIC))
            .respond_with(created("SMfeed"))
            .expect(1)
            .mount(&server)
            .await;
        let mut cfg = config(&server.uri());
        cfg.sender = Sender::MessagingService("MG0123456789abcdef0123456789abcdef".into());
        cfg.status_callback = None;
        let receipt = TwilioProvider::new(cfg)
            .unwrap()
            .send(&sms("code 402917"))
            .await
            .unwrap();
        assert_eq!(receipt.provider_id, "SMfeed");

        let form = only_request_form(&server).await;
        assert_eq!(
            form,
            owned(&[
                ("To", TO),
                ("MessagingServiceSid", "MG0123456789abcdef0123456789abcdef"),
                ("Body", "code 402917"),
                ("ValidityPeriod", "600"),
            ])
        );
    }

    #[tokio::test]
    async fn french_call_posts_inline_twiml_with_chantal() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path(CALLS))
            .and(header("authorization", BASIC))
            .respond_with(created("CA0123456789abcdef0123456789abcdef"))
            .expect(1)
            .mount(&server)
            .await;
        let text = super::super::voice_text("Mille-Isles", "402917", Language::Fr);
        let receipt = provider(&server)
            .send(&call(Language::Fr, &text))
            .await
            .unwrap();
        assert_eq!(receipt.provider_id, "CA0123456789abcdef0123456789abcdef");

        let form = only_request_form(&server).await;
        let names: Vec<&str> = form.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            names,
            [
                "To",
                "From",
                "Twiml",
                "Timeout",
                "StatusCallback",
                "StatusCallbackEvent"
            ]
        );
        assert_eq!(field(&form, "To"), TO);
        assert_eq!(field(&form, "From"), VOICE_FROM);
        assert_eq!(field(&form, "Timeout"), "30");
        assert_eq!(field(&form, "StatusCallback"), CALLBACK);
        assert_eq!(field(&form, "StatusCallbackEvent"), "completed");
        let twiml = field(&form, "Twiml");
        assert_eq!(
            twiml,
            "<Response><Pause length=\"1\"/>\
             <Say language=\"fr-CA\" voice=\"Polly.Chantal\">Bonjour. Ici le système d&apos;alerte \
             de Mille-Isles. Votre mot de passe est : 4, 0, 2, 9, 1, 7.</Say>\
             <Pause length=\"1\"/>\
             <Say language=\"fr-CA\" voice=\"Polly.Chantal\">Je répète : 4, 0, 2, 9, 1, 7. \
             Au revoir.</Say></Response>"
        );
    }

    #[tokio::test]
    async fn english_call_uses_en_ca() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path(CALLS))
            .respond_with(created("CAenglish"))
            .mount(&server)
            .await;
        let text = super::super::voice_text("Mille-Isles", "402917", Language::En);
        provider(&server)
            .send(&call(Language::En, &text))
            .await
            .unwrap();
        let form = only_request_form(&server).await;
        let twiml = field(&form, "Twiml");
        assert!(twiml.starts_with("<Response><Pause length=\"1\"/><Say language=\"en-CA\">"));
        assert!(!twiml.contains("Polly.Chantal"));
        assert_eq!(twiml.matches("<Say language=\"en-CA\">").count(), 2);
        assert_eq!(twiml.matches("4, 0, 2, 9, 1, 7").count(), 2);
        assert!(twiml.contains("</Say><Pause length=\"1\"/><Say language=\"en-CA\">I repeat: "));
    }

    #[tokio::test]
    async fn call_text_is_xml_escaped() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path(CALLS))
            .respond_with(created("CAescaped"))
            .mount(&server)
            .await;
        provider(&server)
            .send(&call(
                Language::En,
                r#"Tom & Jerry <Hangup/> say "hi" 'twice'"#,
            ))
            .await
            .unwrap();
        let form = only_request_form(&server).await;
        assert_eq!(
            field(&form, "Twiml"),
            "<Response><Pause length=\"1\"/><Say language=\"en-CA\">Tom &amp; Jerry \
             &lt;Hangup/&gt; say &quot;hi&quot; &apos;twice&apos;</Say></Response>"
        );
    }

    #[test]
    fn twiml_keeps_one_say_when_the_text_does_not_repeat() {
        assert_eq!(
            twiml("Votre code : 1, 2, 3.", Language::Fr),
            "<Response><Pause length=\"1\"/><Say language=\"fr-CA\" voice=\"Polly.Chantal\">\
             Votre code : 1, 2, 3.</Say></Response>"
        );
        // The marker at the very start leaves nothing before it to split off.
        assert_eq!(
            twiml("I repeat: 1", Language::En).matches("<Say").count(),
            1
        );
    }

    #[tokio::test]
    async fn invalid_number_is_permanent() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(twilio_error(400, 21211))
            .mount(&server)
            .await;
        let e = provider(&server).send(&sms("402917")).await.unwrap_err();
        assert_eq!(
            e,
            SendError::Permanent {
                reason: "twilio 21211 (HTTP 400)".into()
            }
        );
    }

    #[tokio::test]
    async fn other_refusals_are_permanent() {
        for (status, code) in [(400, 21612), (400, 21217), (400, 21214), (401, 20003)] {
            let server = MockServer::start().await;
            Mock::given(method("POST"))
                .respond_with(twilio_error(status, code))
                .mount(&server)
                .await;
            let e = provider(&server).send(&sms("402917")).await.unwrap_err();
            assert_eq!(
                e,
                SendError::Permanent {
                    reason: format!("twilio {code} (HTTP {status})")
                }
            );
        }
        // A 4xx that is not Twilio's JSON.
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(404).set_body_string("<html>nope</html>"))
            .mount(&server)
            .await;
        let e = provider(&server).send(&sms("402917")).await.unwrap_err();
        assert_eq!(
            e,
            SendError::Permanent {
                reason: "twilio HTTP 404".into()
            }
        );
    }

    #[tokio::test]
    async fn too_many_requests_honours_retry_after() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(twilio_error(429, 20429).insert_header("Retry-After", "7"))
            .mount(&server)
            .await;
        let e = provider(&server).send(&sms("402917")).await.unwrap_err();
        assert_eq!(
            e,
            SendError::Retryable {
                reason: "twilio 20429 (HTTP 429)".into(),
                retry_after: Some(Duration::from_secs(7)),
            }
        );
    }

    #[tokio::test]
    async fn code_20429_is_retryable_without_retry_after() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(twilio_error(400, 20429))
            .mount(&server)
            .await;
        let e = provider(&server).send(&sms("402917")).await.unwrap_err();
        assert_eq!(
            e,
            SendError::Retryable {
                reason: "twilio 20429 (HTTP 400)".into(),
                retry_after: None,
            }
        );
    }

    #[tokio::test]
    async fn server_errors_are_retryable() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(500).set_body_string("oops"))
            .mount(&server)
            .await;
        let e = provider(&server).send(&sms("402917")).await.unwrap_err();
        assert_eq!(
            e,
            SendError::Retryable {
                reason: "twilio HTTP 500".into(),
                retry_after: None,
            }
        );

        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(twilio_error(503, 20500).insert_header("Retry-After", "3"))
            .mount(&server)
            .await;
        let e = provider(&server)
            .send(&call(Language::Fr, "402917"))
            .await
            .unwrap_err();
        assert_eq!(
            e,
            SendError::Retryable {
                reason: "twilio 20500 (HTTP 503)".into(),
                retry_after: Some(Duration::from_secs(3)),
            }
        );
    }

    #[tokio::test]
    async fn a_slow_answer_times_out_as_retryable() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(created("SMlate").set_delay(Duration::from_secs(3)))
            .mount(&server)
            .await;
        let mut cfg = config(&server.uri());
        cfg.timeout = Duration::from_millis(300);
        let started = std::time::Instant::now();
        let e = TwilioProvider::new(cfg)
            .unwrap()
            .send(&sms("402917"))
            .await
            .unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(2));
        assert_eq!(
            e,
            SendError::Retryable {
                reason: "twilio request timed out".into(),
                retry_after: None,
            }
        );
    }

    #[tokio::test]
    async fn a_refused_connection_is_retryable() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        let p = TwilioProvider::new(config(&format!("http://{addr}"))).unwrap();
        let e = p.send(&sms("402917")).await.unwrap_err();
        assert!(
            matches!(
                e,
                SendError::Retryable {
                    retry_after: None,
                    ..
                }
            ),
            "{e:?}"
        );
    }

    #[tokio::test]
    async fn stop_and_landline_numbers_use_voice() {
        for code in [21610, 21614] {
            let server = MockServer::start().await;
            Mock::given(method("POST"))
                .respond_with(twilio_error(400, code))
                .mount(&server)
                .await;
            let p = provider(&server);
            let e = p.send(&sms("402917")).await.unwrap_err();
            assert_eq!(
                e,
                SendError::UseVoice {
                    reason: format!("twilio {code} (HTTP 400)")
                }
            );
            // A call has nowhere else to go.
            let e = p.send(&call(Language::Fr, "402917")).await.unwrap_err();
            assert!(matches!(e, SendError::Permanent { .. }), "{e:?}");
        }
    }

    #[tokio::test]
    async fn success_without_a_sid_is_permanent() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(201).set_body_string("{\"status\":\"queued\"}"))
            .mount(&server)
            .await;
        let e = provider(&server).send(&sms("402917")).await.unwrap_err();
        assert_eq!(
            e,
            SendError::Permanent {
                reason: "twilio answered HTTP 201 without a sid".into()
            }
        );
    }

    #[tokio::test]
    async fn reasons_never_hold_the_number_or_the_code() {
        let text_sms = "Votre mot de passe est 402917.";
        let text_call = "Votre mot de passe est : 4, 0, 2, 9, 1, 7. Je répète : 4, 0, 2, 9, 1, 7.";
        let answers = [
            twilio_error(400, 21211),
            twilio_error(400, 21610),
            twilio_error(429, 20429).insert_header("Retry-After", "7"),
            twilio_error(500, 20500),
            ResponseTemplate::new(502).set_body_string(format!("bad gateway for {TO} 402917")),
            ResponseTemplate::new(201).set_body_string(format!("{{\"to\":\"{TO}\"}}")),
        ];
        let mut reasons = Vec::new();
        for answer in answers {
            let server = MockServer::start().await;
            Mock::given(method("POST"))
                .respond_with(answer)
                .mount(&server)
                .await;
            let p = provider(&server);
            for m in [sms(text_sms), call(Language::Fr, text_call)] {
                let e = p.send(&m).await.unwrap_err();
                reasons.push(reason(&e).to_owned());
                reasons.push(e.to_string());
                reasons.push(format!("{e:?}"));
            }
        }
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(created("SMlate").set_delay(Duration::from_secs(3)))
            .mount(&server)
            .await;
        let mut cfg = config(&server.uri());
        cfg.timeout = Duration::from_millis(300);
        let e = TwilioProvider::new(cfg)
            .unwrap()
            .send(&sms(text_sms))
            .await
            .unwrap_err();
        reasons.push(format!("{e:?}"));

        assert_eq!(reasons.len(), 6 * 2 * 3 + 1);
        for r in &reasons {
            for secret in ["5145550142", "402917", "4, 0, 2", "mot de passe"] {
                assert!(!r.contains(secret), "{r:?} contains {secret:?}");
            }
        }
    }

    #[test]
    fn debug_redacts_the_auth_token() {
        let mut cfg = config("https://api.twilio.com");
        cfg.auth_token = SecretString::from("s3cr3t-t0ken");
        let shown = format!("{cfg:?}");
        assert!(!shown.contains("s3cr3t-t0ken"));
        assert!(shown.contains("[redacted]"));
        let p = TwilioProvider::new(cfg).unwrap();
        assert!(!format!("{p:?}").contains("s3cr3t-t0ken"));
    }

    #[test]
    fn new_rejects_a_bad_config() {
        let mut cfg = config("https://api.twilio.com");
        cfg.account_sid = "AC/../x".into();
        assert!(TwilioProvider::new(cfg).is_err());
        let mut cfg = config("https://api.twilio.com");
        cfg.voice_from = " ".into();
        assert!(TwilioProvider::new(cfg).is_err());
        assert!(TwilioProvider::new(config("not a url")).is_err());
    }
}
