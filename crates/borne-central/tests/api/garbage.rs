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
