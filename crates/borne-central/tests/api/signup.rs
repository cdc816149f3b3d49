use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn healthz_answers_with_the_api_version() {
    let app = spawn_app().await;
    let r = app.http.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["borne-api-version"], "1.0");
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    app.stop().await;
}

#[tokio::test]
async fn signup_stores_account_consent_and_hashed_code_and_delivers_it() {
    let app = spawn_app().await;
    let r = app.signup("(514) 555-0142", "sms").await;
    assert_eq!(r.status(), 202);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["phone"], "+15145550142");
    assert_eq!(body["channel"], "sms");

    let code = app.wait_for_code(1).await;
    let sent = &app.sent()[0];
    assert_eq!(sent["to"], "+15145550142");
    assert_eq!(sent["channel"], "sms");
    assert_eq!(sent["language"], "fr");
    assert!(sent["text"].as_str().unwrap().contains("Mille-Isles"));

    let db = app.db().await;
    let (verified,): (Option<i64>,) =
        sqlx::query_as("SELECT verified_at FROM accounts WHERE phone = '+15145550142'")
            .fetch_one(&db)
            .await
            .unwrap();
    assert_eq!(verified, None, "not verified before the first login");
    let (version, kiosk, staff): (String, String, i64) =
        sqlx::query_as("SELECT text_version, kiosk_id, staff_assisted FROM consents")
            .fetch_one(&db)
            .await
            .unwrap();
    assert_eq!(
        (version.as_str(), kiosk.as_str(), staff),
        (borne_domain::CONSENT_TEXT_VERSION, app.kiosk_id.as_str(), 0)
    );
    let (hash, expires, created): (String, i64, i64) =
        sqlx::query_as("SELECT code_hash, expires_at, created_at FROM codes")
            .fetch_one(&db)
            .await
            .unwrap();
    assert!(hash.starts_with("$argon2id$") && !hash.contains(&code));
    assert_eq!(expires - created, 600, "codes live 10 minutes");
    // Once handed to the provider, the plain code is wiped from the outbox.
    let (state, secret): (String, Option<String>) =
        sqlx::query_as("SELECT state, secret FROM deliveries")
            .fetch_one(&db)
            .await
            .unwrap();
    assert_eq!((state.as_str(), secret), ("sent", None));
    app.stop().await;
}

#[tokio::test]
async fn voice_reads_the_digits_twice_in_the_residents_language() {
    let app = spawn_app().await;
    let mut body = signup_body("819 555-0123", "voice");
    body["language"] = json!("en");
    assert_eq!(
        app.post("/v1/signup", &body).send().await.unwrap().status(),
        202
    );
    let code = app.wait_for_code(1).await;
    let m = &app.sent()[0];
    assert_eq!(m["channel"], "voice");
    assert_eq!(m["language"], "en");
    let spoken: Vec<String> = code.chars().map(String::from).collect();
    assert_eq!(
        m["text"]
            .as_str()
            .unwrap()
            .matches(&spoken.join(", "))
            .count(),
        2
    );
    app.stop().await;
}

#[tokio::test]
async fn kiosk_token_is_required() {
    let app = spawn_app().await;
    let r = app
        .http
        .post(app.url("/v1/signup"))
        .json(&signup_body("514 555-0142", "sms"))
        .send()
        .await
        .unwrap();
    let (status, body) = error_code(r).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("kiosk.unauthorized"))
    );
    let r = app
        .http
        .post(app.url("/v1/signup"))
        .bearer_auth("wrong-token-0123456789")
        .json(&signup_body("514 555-0142", "sms"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert!(app.sent().is_empty());
    app.stop().await;
}

#[tokio::test]
async fn bad_input_gets_field_errors_not_a_500() {
    let app = spawn_app().await;
    let mut body = signup_body("876 555-0100", "sms");
    body["consent"]["text_version"] = json!("old");
    body["consent"]["accepted_at"] = json!("yesterday");
    let (status, err) = error_code(app.post("/v1/signup", &body).send().await.unwrap()).await;
    assert_eq!(status, 422);
    assert_eq!(err["code"], "validation");
    let fields: Vec<(String, String)> = err["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["field"].as_str().unwrap().into(),
                f["code"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert!(
        fields.contains(&("phone".into(), "phone.area_code_not_accepted".into())),
        "{fields:?}"
    );
    assert!(fields.contains(&(
        "consent.text_version".into(),
        "consent.unknown_version".into()
    )));
    assert!(fields.contains(&("consent.accepted_at".into(), "consent.invalid_time".into())));

    // Malformed JSON and wrong types are 400 with a code.
    let r = app
        .http
        .post(app.url("/v1/signup"))
        .bearer_auth(&app.kiosk_token)
        .header("content-type", "application/json")
        .body("{\"phone\": 5")
        .send()
        .await
        .unwrap();
    let (status, err) = error_code(r).await;
    assert_eq!(
        (status, err["code"].as_str()),
        (400, Some("request.malformed"))
    );
    let (status, _) = error_code(
        app.post("/v1/signup", &json!({"phone": "x", "channel": "fax"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 400);
    assert!(app.sent().is_empty());
    app.stop().await;
}

#[tokio::test]
async fn another_major_api_version_is_refused() {
    let app = spawn_app().await;
    let r = app
        .post("/v1/signup", &signup_body("514 555-0142", "sms"))
        .header("borne-api-version", "2.0")
        .send()
        .await
        .unwrap();
    let (status, err) = error_code(r).await;
    assert_eq!(
        (status, err["code"].as_str()),
        (400, Some("api.version_mismatch"))
    );
    app.stop().await;
}

#[tokio::test]
async fn a_new_code_supersedes_the_old_one() {
    let app = spawn_app_with(|c| c.limits.number_min_interval = std::time::Duration::ZERO).await;
    assert_eq!(app.signup("514 555-0142", "sms").await.status(), 202);
    let first = app.wait_for_code(1).await;
    assert_eq!(app.signup("514 555-0142", "voice").await.status(), 202);
    let second = app.wait_for_code(2).await;
    let db = app.db().await;
    let (accounts,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM accounts")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(accounts, 1, "the same number reuses its account");
    if first != second {
        assert_eq!(app.login("514 555-0142", &first).await.status(), 401);
    }
    assert_eq!(app.login("514 555-0142", &second).await.status(), 200);
    app.stop().await;
}
