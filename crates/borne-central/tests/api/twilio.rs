//! The central server with the Twilio provider pointed at a local mock
//! speaking Twilio's API, and Twilio's signed webhooks.

use std::time::Duration;

use borne_central::config::TelephonyKind;
use borne_central::telephony::{twilio_signature, Sender, TwilioConfig};
use serde_json::{json, Value};
use wiremock::matchers::{header_exists, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use crate::helpers::*;

const SID: &str = "ACtest00000000000000000000000000";
const AUTH: &str = "twilio-auth-token-for-tests";
pub(crate) const PUBLIC: &str = "https://alertes.mille-isles.test";

pub(crate) async fn twilio_app(mock: &MockServer) -> TestApp {
    twilio_app_with(mock, |_| {}).await
}

pub(crate) async fn twilio_app_with(
    mock: &MockServer,
    tweak: impl FnOnce(&mut borne_central::Config),
) -> TestApp {
    let base = mock.uri();
    spawn_app_with(move |c| {
        c.public_url = Some(PUBLIC.into());
        c.limits.number_min_interval = Duration::ZERO;
        c.telephony = TelephonyKind::Twilio(TwilioConfig {
            account_sid: SID.into(),
            auth_token: AUTH.to_string().into(),
            sender: Sender::From("+15145550100".into()),
            voice_from: "+15145550100".into(),
            base_url: base,
            status_callback: Some(format!("{PUBLIC}/v1/twilio/status")),
            gather_action: Some(format!("{PUBLIC}/v1/twilio/gather")),
            connect_timeout: Duration::from_secs(2),
            timeout: Duration::from_secs(2),
        });
        tweak(c);
    })
    .await
}

pub(crate) fn form(req: &Request) -> Vec<(String, String)> {
    form_urlencoded::parse(&req.body).into_owned().collect()
}

pub(crate) fn field(req: &Request, key: &str) -> Option<String> {
    form(req)
        .into_iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v)
}

pub(crate) async fn requests_to(mock: &MockServer, resource: &str, n: usize) -> Vec<Request> {
    for _ in 0..200 {
        let got: Vec<Request> = mock
            .received_requests()
            .await
            .unwrap_or_default()
            .into_iter()
            .filter(|r| r.url.path().ends_with(resource))
            .collect();
        if got.len() >= n {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("expected {n} requests to {resource}");
}

pub(crate) async fn webhook(
    app: &TestApp,
    route: &str,
    params: &[(&str, &str)],
    signature: Option<String>,
) -> reqwest::Response {
    let owned: Vec<(String, String)> = params
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let mut r = app.http.post(app.url(route)).form(&owned);
    if let Some(s) = signature {
        r = r.header("X-Twilio-Signature", s);
    }
    r.send().await.unwrap()
}

/// Posts a webhook with a valid signature.
pub(crate) async fn signed(
    app: &TestApp,
    route: &str,
    params: &[(&str, &str)],
) -> reqwest::Response {
    webhook(app, route, params, Some(sign(route, params))).await
}

pub(crate) fn sign(route: &str, params: &[(&str, &str)]) -> String {
    let owned: Vec<(String, String)> = params
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    twilio_signature(AUTH, &format!("{PUBLIC}{route}"), &owned)
}

/// Polls the delivery (up to 10 s) until it reaches `state`.
async fn delivery_when(app: &TestApp, id: &str, state: &str) -> Value {
    for _ in 0..200 {
        let d = app.delivery(id).await;
        if d["state"] == state {
            return d;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    app.delivery(id).await
}

#[tokio::test]
async fn sms_goes_through_twilio_and_a_signed_callback_marks_it_delivered() {
    let mock = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("/2010-04-01/Accounts/{SID}/Messages.json")))
        .and(header_exists("authorization"))
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_json(json!({"sid": "SMaaa111", "status": "queued"})),
        )
        .mount(&mock)
        .await;
    let app = twilio_app(&mock).await;
    let r = app.signup("514 555-0142", "sms").await;
    assert_eq!(r.status(), 202);
    let body: Value = r.json().await.unwrap();
    let id = body["delivery_id"].as_str().unwrap().to_string();
    let sent = requests_to(&mock, "Messages.json", 1).await;
    assert_eq!(field(&sent[0], "To").as_deref(), Some("+15145550142"));
    assert_eq!(field(&sent[0], "ValidityPeriod").as_deref(), Some("600"));
    assert_eq!(
        field(&sent[0], "StatusCallback").as_deref(),
        Some("https://alertes.mille-isles.test/v1/twilio/status")
    );
    let state = delivery_when(&app, &id, "sent").await;
    assert_eq!(state["state"], "sent");

    let params = [
        ("MessageSid", "SMaaa111"),
        ("MessageStatus", "delivered"),
        ("AccountSid", SID),
    ];
    // Unsigned or wrongly signed: 403 and nothing changes.
    assert_eq!(
        webhook(&app, "/v1/twilio/status", &params, None)
            .await
            .status(),
        403
    );
    let forged = sign(
        "/v1/twilio/status",
        &[("MessageSid", "SMaaa111"), ("MessageStatus", "failed")],
    );
    assert_eq!(
        webhook(&app, "/v1/twilio/status", &params, Some(forged))
            .await
            .status(),
        403
    );
    assert_eq!(app.delivery(&id).await["state"], "sent");
    // Signed: delivered.
    let good = sign("/v1/twilio/status", &params);
    assert_eq!(
        webhook(&app, "/v1/twilio/status", &params, Some(good.clone()))
            .await
            .status(),
        204
    );
    assert_eq!(app.delivery(&id).await["state"], "delivered");
    // A duplicate, then a late out-of-order "failed": harmless.
    assert_eq!(
        webhook(&app, "/v1/twilio/status", &params, Some(good))
            .await
            .status(),
        204
    );
    let late = [
        ("MessageSid", "SMaaa111"),
        ("MessageStatus", "failed"),
        ("ErrorCode", "30003"),
    ];
    assert_eq!(signed(&app, "/v1/twilio/status", &late).await.status(), 204);
    assert_eq!(app.delivery(&id).await["state"], "delivered");
    app.stop().await;
}

#[tokio::test]
async fn a_number_that_refuses_sms_gets_the_same_code_by_call() {
    let mock = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("/2010-04-01/Accounts/{SID}/Messages.json")))
        .respond_with(ResponseTemplate::new(400).set_body_json(
            json!({"code": 21614, "message": "'To' number is not a valid mobile number", "status": 400}),
        ))
        .mount(&mock)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("/2010-04-01/Accounts/{SID}/Calls.json")))
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_json(json!({"sid": "CAbbb222", "status": "queued"})),
        )
        .mount(&mock)
        .await;
    let app = twilio_app(&mock).await;
    let body: Value = app
        .signup("450 555-0177", "sms")
        .await
        .json()
        .await
        .unwrap();
    let id = body["delivery_id"].as_str().unwrap().to_string();
    let sms = requests_to(&mock, "Messages.json", 1).await;
    let calls = requests_to(&mock, "Calls.json", 1).await;
    let text = field(&sms[0], "Body").unwrap();
    let twiml = field(&calls[0], "Twiml").unwrap();
    let code = code_in(&text);
    let spoken: Vec<String> = code.chars().map(String::from).collect();
    assert!(
        twiml.contains(&spoken.join(", ")),
        "the call reads the same code: {twiml}"
    );
    assert!(twiml.contains("fr-CA"));
    let status = delivery_when(&app, &id, "sent").await;
    assert_eq!(
        status,
        json!({"state": "sent", "channel": "voice", "fallback": "sms_refused"})
    );
    app.stop().await;
}

#[tokio::test]
async fn stop_arret_start_and_aide_by_text() {
    let mock = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"sid": "XX1"})))
        .mount(&mock)
        .await;
    let app = twilio_app(&mock).await;
    let from = "+15145550142";
    let arret = [("From", from), ("Body", "Arrêt"), ("To", "+15145550100")];
    assert_eq!(
        webhook(&app, "/v1/twilio/incoming", &arret, None)
            .await
            .status(),
        403
    );
    let r = signed(&app, "/v1/twilio/incoming", &arret).await;
    assert_eq!(r.status(), 200);
    // Opted out: an SMS signup becomes a call, and the kiosk is told why.
    let body: Value = app
        .signup("514 555-0142", "sms")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["channel"], "voice");
    assert_eq!(body["fallback"], "sms_opted_out");
    let (opted_out, keyword): (i64, String) =
        sqlx::query_as("SELECT opted_out, keyword FROM sms_opt_outs")
            .fetch_one(&app.db().await)
            .await
            .unwrap();
    assert!(opted_out == 1 && keyword == "stop");
    // START opts back in.
    let start = [("From", from), ("Body", "START")];
    signed(&app, "/v1/twilio/incoming", &start).await;
    let body: Value = app
        .signup("514 555-0142", "sms")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["channel"], "sms");
    assert!(body["fallback"].is_null());
    // AIDE answers in French, HELP in English.
    for (word, expect) in [("AIDE", "Répondez ARRET"), ("help", "Reply STOP")] {
        let p = [("From", from), ("Body", word)];
        let r = signed(&app, "/v1/twilio/incoming", &p).await;
        assert!(r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/xml"));
        let xml = r.text().await.unwrap();
        assert!(xml.contains("<Message>") && xml.contains(expect), "{xml}");
    }
    app.stop().await;
}

#[tokio::test]
async fn webhooks_do_not_exist_without_twilio() {
    let app = spawn_app().await;
    let p = [("From", "+15145550142"), ("Body", "STOP")];
    let r = signed(&app, "/v1/twilio/incoming", &p).await;
    assert_eq!(r.status(), 404);
    app.stop().await;
}
