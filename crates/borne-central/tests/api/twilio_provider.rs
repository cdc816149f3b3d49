//! The Twilio provider against a mock of Twilio's REST API, through its
//! public API (`TwilioProvider` and the `Telephony` trait): the requests
//! it makes, how it reads Twilio's answers, what its errors may say.

use std::time::Duration;

use borne_central::telephony::{
    voice_text, OutgoingMessage, SendError, Sender, Telephony, TwilioConfig, TwilioProvider,
};
use borne_domain::{Channel, Language};
use secrecy::SecretString;
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

    let text = "Alertes de Mille-Isles : votre mot de passe est 402917. Il expire dans 10 minutes.";
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
    let text = voice_text("Mille-Isles", "402917", Language::Fr);
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
    let text = voice_text("Mille-Isles", "402917", Language::En);
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
