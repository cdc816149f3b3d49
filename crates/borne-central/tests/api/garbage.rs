//! Whatever a client sends, the answer is a 4xx with a code: never a 500,
//! never a dropped connection.

use serde_json::{json, Value};

use crate::helpers::*;

fn bodies() -> Vec<Value> {
    let long = "9".repeat(10_000);
    let mut v = vec![
        json!(null),
        json!([]),
        json!("signup"),
        json!({}),
        json!({"phone": null, "channel": "sms", "language": "fr", "consent": consent()}),
        json!({"phone": 5145550142u64, "channel": "sms", "language": "fr", "consent": consent()}),
        json!({"phone": "514 555-0142", "channel": "SMS", "language": "fr", "consent": consent()}),
        json!({"phone": "514 555-0142", "channel": "sms", "language": "de", "consent": consent()}),
        json!({"phone": "514 555-0142", "channel": "sms", "language": "fr", "consent": {}}),
        json!({"phone": long, "channel": "sms", "language": "fr", "consent": consent()}),
        json!({"phone": "514 555-0142", "code": long}),
        json!({"phone": "514 555-0142", "code": "１２３４５６"}),
        json!({"phone": "\u{0}", "code": "\u{0}"}),
        json!({"name": 1, "contacts": "x"}),
    ];
    for phone in [
        "",
        " ",
        "+",
        "++1",
        "()",
        "1",
        "+1",
        "514-555-014٢",
        "514 555 0142 ext 3",
        "ｆ",
    ] {
        v.push(json!({"phone": phone, "channel": "voice", "language": "en", "consent": consent()}));
        v.push(json!({"phone": phone, "code": "123456"}));
    }
    v
}

#[tokio::test]
async fn garbage_gets_4xx_with_a_code() {
    let app = spawn_app().await;
    let session = app.session("514 555-0142").await;
    for path in ["/v1/signup", "/v1/login", "/v1/profile"] {
        for body in bodies() {
            let request = if path == "/v1/profile" {
                app.http
                    .put(app.url(path))
                    .bearer_auth(&app.kiosk_token)
                    .header("borne-session", &session)
                    .json(&body)
            } else {
                app.post(path, &body)
            };
            let r = request.send().await.unwrap();
            let status = r.status().as_u16();
            let err: Value = r.json().await.unwrap_or(Value::Null);
            assert!((400..500).contains(&status), "{path} {body}: {status}");
            assert!(err["code"].is_string(), "{path} {body}: {err}");
        }
    }
    // Not JSON at all, or no content type.
    for raw in ["", "{", "\u{feff}{}", "phone=5145550142"] {
        let r = app
            .http
            .post(app.url("/v1/signup"))
            .bearer_auth(&app.kiosk_token)
            .header("content-type", "application/json")
            .body(raw)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{raw:?}");
    }
    let r = app
        .http
        .post(app.url("/v1/signup"))
        .bearer_auth(&app.kiosk_token)
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400, "a body without a JSON content type");
    let r = app.http.get(app.url("/v2/anything")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(r.json::<Value>().await.unwrap()["code"], "not_found");
    app.stop().await;
}

const ADMIN: &str = "garbage-admin-token-0123456789abcdef-0123";
const WEBHOOK: &str = "garbage-webhook-token";
const PUBLIC: &str = "https://alertes.mille-isles.test";

/// A server with the administrator's API and the webhooks open (the
/// console provider's stand-in for Twilio's token).
async fn open_app() -> TestApp {
    spawn_app_with(|c| {
        c.admin_token_hash = Some(borne_central::codes::token_hash(ADMIN));
        c.console_webhook_token = Some(WEBHOOK.to_string().into());
        c.public_url = Some(PUBLIC.into());
    })
    .await
}

/// A webhook with a valid signature over `params`.
async fn signed(app: &TestApp, route: &str, params: &[(&str, &str)]) -> reqwest::Response {
    let owned: Vec<(String, String)> = params
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let signature =
        borne_central::telephony::twilio_signature(WEBHOOK, &format!("{PUBLIC}{route}"), &owned);
    app.http
        .post(app.url(route))
        .header("X-Twilio-Signature", signature)
        .form(&owned)
        .send()
        .await
        .unwrap()
}

/// The answer is 400 `request.malformed`, as JSON.
async fn assert_malformed(r: reqwest::Response, what: &str) {
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("request.malformed")),
        "{what}: {status} {text}"
    );
}

// Found by the fuzz harness (tests/fuzz_api): axum answered these in
// plain text, which the API document does not allow.
#[tokio::test]
async fn a_path_or_query_that_does_not_parse_gets_the_json_error() {
    let app = open_app().await;
    let session = app.session("514 555-0142").await;
    for id in ["%FF", "caf%E9", "%ED%A0%80"] {
        let r = app
            .http
            .get(app.url(&format!("/v1/deliveries/{id}")))
            .bearer_auth(&app.kiosk_token)
            .send()
            .await
            .unwrap();
        assert_malformed(r, &format!("delivery {id}")).await;
        let r = app
            .http
            .post(app.url(&format!("/v1/pending-changes/{id}")))
            .bearer_auth(&app.kiosk_token)
            .header("borne-session", &session)
            .json(&json!({ "accept": true }))
            .send()
            .await
            .unwrap();
        assert_malformed(r, &format!("pending change {id}")).await;
        let r = app
            .http
            .post(app.admin_url(&format!("/v1/admin/confirmations/{id}/resend")))
            .bearer_auth(ADMIN)
            .send()
            .await
            .unwrap();
        assert_malformed(r, &format!("resend {id}")).await;
    }
    for query in [
        "include_unconfirmed=yes",
        "include_unconfirmed=true&include_unconfirmed=false",
        "since=2026-11-01&since=2026-12-01",
    ] {
        let r = app
            .http
            .get(app.admin_url(&format!("/v1/admin/contacts.csv?{query}")))
            .bearer_auth(ADMIN)
            .send()
            .await
            .unwrap();
        assert_malformed(r, query).await;
    }
    app.stop().await;
}

// Found by the fuzz harness: a webhook body that was not form-encoded
// got 415 in plain text.
#[tokio::test]
async fn a_webhook_that_is_not_form_encoded_gets_the_json_error() {
    let app = open_app().await;
    for route in [
        "/v1/twilio/status",
        "/v1/twilio/incoming",
        "/v1/twilio/gather",
    ] {
        for content_type in [None, Some("text/plain"), Some("application/json")] {
            let mut r = app.http.post(app.url(route)).body("Body=OUI");
            if let Some(c) = content_type {
                r = r.header("content-type", c);
            }
            assert_malformed(
                r.send().await.unwrap(),
                &format!("{route} {content_type:?}"),
            )
            .await;
        }
    }
    app.stop().await;
}

// Found by the fuzz harness on PostgreSQL, which cannot store a NUL:
// each of these answered 500. Now every engine refuses them alike.
#[tokio::test]
async fn text_holding_a_nul_gets_400_whatever_the_engine() {
    let app = open_app().await;
    let session = app.session("514 555-0142").await;
    let kiosk = |r: reqwest::RequestBuilder| r.bearer_auth(&app.kiosk_token);
    let cases = [
        (
            "delivery id",
            kiosk(app.http.get(app.url("/v1/deliveries/a%00b"))),
        ),
        (
            "resend id",
            app.http
                .post(app.admin_url("/v1/admin/confirmations/a%00b/resend"))
                .bearer_auth(ADMIN),
        ),
        (
            "export since",
            app.http
                .get(app.admin_url("/v1/admin/contacts.csv?since=%00"))
                .bearer_auth(ADMIN),
        ),
        (
            "enrollment",
            app.http
                .post(app.url("/v1/kiosks/enroll"))
                .json(&json!({ "code": "K7QX-M3PA-W9TR", "app_version": "0.1\u{0}" })),
        ),
        (
            "heartbeat",
            kiosk(app.http.post(app.url("/v1/kiosks/heartbeat"))).json(&json!({
                "app_version": "0.1\u{0}", "mode": "online", "queue_depth": 0, "queue_rejected": 0
            })),
        ),
        (
            "profile",
            kiosk(app.http.put(app.url("/v1/profile")))
                .header("borne-session", &session)
                .json(&json!({
                    "name": "Trem\u{0}blay", "first_name": "", "language": "fr",
                    "city": "Mille-Isles", "street": "", "civic_number": "", "apartment": "",
                    "postal_code": "", "newsletter": false,
                    "contacts": [{ "active": true, "description": "", "kind": "mobile",
                                   "value": "514 555-0142", "extension": "",
                                   "extension_delay_seconds": null, "order": 1 }]
                })),
        ),
    ];
    for (what, request) in cases {
        assert_malformed(request.send().await.unwrap(), what).await;
    }
    for (route, params) in [
        (
            "/v1/twilio/gather",
            [("CallSid", "CA\u{0}1"), ("Digits", "1")],
        ),
        (
            "/v1/twilio/incoming",
            [("From", "+1514\u{0}5550142"), ("Body", "STOP")],
        ),
        (
            "/v1/twilio/status",
            [("MessageSid", "SM\u{0}1"), ("MessageStatus", "failed")],
        ),
    ] {
        assert_malformed(signed(&app, route, &params).await, route).await;
    }
    // Nothing of the refused profile was stored.
    let r = kiosk(app.http.get(app.url("/v1/profile")))
        .header("borne-session", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap(), Value::Null);
    app.stop().await;
}
