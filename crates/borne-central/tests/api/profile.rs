use serde_json::{json, Value};

use crate::helpers::*;

fn profile() -> Value {
    json!({
        "name": "Tremblay",
        "first_name": "Marie",
        "language": "fr",
        "city": "Mille-Isles",
        "street": "Chemin de Mille-Isles",
        "civic_number": "1262",
        "apartment": "",
        "postal_code": "j0r 1a0",
        "newsletter": true,
        "contacts": [
            { "active": true, "description": "Bureau", "kind": "landline", "value": "450 555-0177",
              "extension": "214", "extension_delay_seconds": 6, "order": 2 },
            { "active": true, "description": "Cellulaire", "kind": "mobile", "value": "514 555-0142",
              "extension": "", "extension_delay_seconds": null, "order": 1 },
            { "active": false, "description": "", "kind": "email", "value": "marie@exemple.ca",
              "extension": "", "extension_delay_seconds": null, "order": 3 }
        ]
    })
}

fn put(app: &TestApp, session: &str, body: &Value) -> reqwest::RequestBuilder {
    app.http
        .put(app.url("/v1/profile"))
        .bearer_auth(&app.kiosk_token)
        .header("borne-session", session)
        .json(body)
}

#[tokio::test]
async fn saving_returns_and_stores_the_profile_with_contacts_in_order() {
    let app = spawn_app_with(|c| c.limits.number_min_interval = std::time::Duration::ZERO).await;
    let session = app.session("514 555-0142").await;
    let r = put(&app, &session, &profile()).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let saved: Value = r.json().await.unwrap();
    let p = &saved["profile"];
    assert_eq!(p["postal_code"], "J0R 1A0");
    assert_eq!(p["apartment"], "");
    let values: Vec<&str> = p["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["value"].as_str().unwrap())
        .collect();
    assert_eq!(values, ["+15145550142", "+14505550177", "marie@exemple.ca"]);
    assert_eq!(p["contacts"][1]["extension"], "214");
    assert_eq!(p["contacts"][1]["extension_delay_seconds"], 6);

    let rows: Vec<(i64, String, String, Option<String>, i64)> = sqlx::query_as(
        "SELECT position, kind, value, extension, extension_delay_seconds FROM contact_points ORDER BY position",
    )
    .fetch_all(&app.db().await)
    .await
    .unwrap();
    assert_eq!(rows.len(), 3);
    assert_eq!(
        rows[1],
        (
            2,
            "landline".into(),
            "+14505550177".into(),
            Some("214".into()),
            6
        )
    );

    // GET gives the same, and a later login gets it back.
    let got: Value = app
        .http
        .get(app.url("/v1/profile"))
        .bearer_auth(&app.kiosk_token)
        .header("borne-session", &session)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(&got, p);
    app.signup("514 555-0142", "sms").await;
    let code = app.wait_for_code(2).await;
    let again: Value = app.login("514 555-0142", &code).await.json().await.unwrap();
    assert_eq!(&again["profile"], p);
    app.stop().await;
}

#[tokio::test]
async fn saving_again_replaces_contacts() {
    let app = spawn_app().await;
    let session = app.session("514 555-0142").await;
    assert_eq!(
        put(&app, &session, &profile())
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let mut p = profile();
    p["contacts"] = json!([{ "active": true, "description": "", "kind": "mobile", "value": "438 555-0100",
                             "extension": "", "extension_delay_seconds": null, "order": 1 }]);
    assert_eq!(put(&app, &session, &p).send().await.unwrap().status(), 200);
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM contact_points")
        .fetch_one(&app.db().await)
        .await
        .unwrap();
    assert_eq!(n, 1);
    app.stop().await;
}

#[tokio::test]
async fn invalid_profile_is_422_with_every_field_and_stores_nothing() {
    let app = spawn_app().await;
    let session = app.session("514 555-0142").await;
    let mut p = profile();
    p["name"] = json!(" ");
    p["postal_code"] = json!("K1A 0B1");
    p["contacts"][0]["order"] = json!(1);
    p["contacts"][2]["value"] = json!("pas-un-courriel");
    let (status, err) = error_code(put(&app, &session, &p).send().await.unwrap()).await;
    assert_eq!(status, 422);
    let fields: Vec<String> = err["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{}={}",
                f["field"].as_str().unwrap(),
                f["code"].as_str().unwrap()
            )
        })
        .collect();
    for expected in [
        "name=profile.name_required",
        "postal_code=postal_code.outside_quebec",
        "contacts.1.order=contact.duplicate_order",
        "contacts.2.value=email.invalid",
    ] {
        assert!(
            fields.contains(&expected.to_string()),
            "{expected} in {fields:?}"
        );
    }
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM profiles")
        .fetch_one(&app.db().await)
        .await
        .unwrap();
    assert_eq!(n, 0);
    app.stop().await;
}

#[tokio::test]
async fn profile_needs_a_live_session() {
    let app = spawn_app_with(|c| c.session_idle = std::time::Duration::from_secs(1)).await;
    let (status, err) = error_code(put(&app, "nope", &profile()).send().await.unwrap()).await;
    assert_eq!(
        (status, err["code"].as_str()),
        (401, Some("session.expired"))
    );
    let session = app.session("514 555-0142").await;
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let (status, _) = error_code(put(&app, &session, &profile()).send().await.unwrap()).await;
    assert_eq!(status, 401, "idle sessions expire");
    app.stop().await;
}
