//! `POST /v1/registrations`: offline registrations synced from kiosks.

use serde_json::{json, Value};

use crate::helpers::{consent, spawn_app, spawn_app_with, TestApp};

pub(crate) fn registration(id: &str, phone: &str, name: &str) -> Value {
    json!({
        "id": id,
        "captured_at": "2026-11-26T10:00:00Z",
        "phone": phone,
        "channel": "sms",
        "language": "fr",
        "consent": consent(),
        "profile": {
            "name": name, "first_name": "", "language": "fr", "city": "Mille-Isles",
            "street": "", "civic_number": "", "apartment": "", "postal_code": "J0R 1A0",
            "newsletter": false,
            "contacts": [{
                "active": true, "description": "", "kind": "mobile", "value": phone,
                "extension": "", "extension_delay_seconds": null, "order": 1
            }]
        },
        "owner_session": null
    })
}

/// `POST /v1/registrations`, answered 200 with a body.
pub(crate) async fn sync(app: &TestApp, batch: &Value) -> Value {
    let r = app.post("/v1/registrations", batch).send().await.unwrap();
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

pub(crate) fn id() -> String {
    uuid::Uuid::now_v7().to_string()
}

#[tokio::test]
async fn a_batch_is_stored_once_per_id_whatever_the_retries() {
    let app = spawn_app().await;
    let (a, b) = (id(), id());
    let batch = json!({ "registrations": [
        registration(&a, "514 555-0150", "Gagnon"),
        registration(&b, "514 555-0151", "Roy"),
    ]});
    let first: Value = sync(&app, &batch).await;
    assert_eq!(first["results"][0]["status"], 200);
    assert_eq!(first["results"][0]["outcome"], "accepted");
    assert_eq!(first["results"][1]["outcome"], "accepted");
    // The kiosk never saw the answer and sends the same batch again.
    let again: Value = sync(&app, &batch).await;
    assert_eq!(again, first, "the stored result, again");
    // One confirmation per registration goes out: a question, no code.
    let sent = app.sent_when(|s| s.len() >= 2).await;
    assert_eq!(sent.len(), 2);
    for m in &sent {
        assert_eq!(m["asks_confirmation"], true);
        assert!(m["text"].as_str().unwrap().contains("Répondez OUI"));
    }
    let pool = app.db().await;
    let n: (i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM accounts), (SELECT COUNT(*) FROM deliveries),
                (SELECT COUNT(*) FROM accounts WHERE verified_at IS NULL)",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(n, (2, 2, 2), "two unverified accounts, one delivery each");
}

#[tokio::test]
async fn a_reused_id_with_other_content_and_invalid_registrations_are_refused_one_by_one() {
    let app = spawn_app().await;
    let a = id();
    let ok: Value = sync(
        &app,
        &json!({ "registrations": [registration(&a, "514 555-0152", "Côté")] }),
    )
    .await;
    assert_eq!(ok["results"][0]["status"], 200);
    let good = id();
    let answer: Value = sync(
        &app,
        &json!({ "registrations": [
            registration(&a, "514 555-0152", "Autre nom"),
            registration("not-a-uuid", "514 555-0153", "Lavoie"),
            registration(&id(), "876 555-0154", "Pelletier"),
            registration(&good, "514 555-0155", "Bélanger"),
        ]}),
    )
    .await;
    let r = &answer["results"];
    assert_eq!(
        (r[0]["status"].as_u64(), r[0]["error"]["code"].as_str()),
        (Some(422), Some("registration.content_mismatch"))
    );
    assert_eq!(r[1]["status"], 422);
    assert_eq!(
        r[1]["error"]["fields"][0]["code"],
        "registration.invalid_id"
    );
    assert_eq!(r[2]["status"], 422);
    assert_eq!(
        r[2]["error"]["fields"][0]["code"],
        "phone.area_code_not_accepted"
    );
    // The good one in the same batch is stored anyway.
    assert_eq!(
        (r[3]["status"].as_u64(), r[3]["outcome"].as_str()),
        (Some(200), Some("accepted"))
    );
    let metrics = app.metrics().await;
    assert!(
        metrics.contains("borne_registrations_total{result=\"rejected\"} 3"),
        "{metrics}"
    );
}

#[tokio::test]
async fn one_batch_may_name_a_number_twice_and_an_id_twice() {
    let app = spawn_app().await;
    let (a, b) = (id(), id());
    let first = registration(&a, "514 555-0160", "Bergeron");
    let mut second = registration(&b, "514 555-0160", "Bergeron-Roy");
    second["profile"]["language"] = json!("en");
    let batch = json!({ "registrations": [first.clone(), second, first] });
    let r: Value = sync(&app, &batch).await;
    let outcomes: Vec<&str> = r["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["outcome"].as_str().unwrap())
        .collect();
    // Only "accepted": the kiosk learns nothing of the number.
    assert_eq!(outcomes, ["accepted", "accepted", "accepted"]);
    let (accounts, registrations, name, language): (i64, i64, String, String) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM accounts), (SELECT COUNT(*) FROM registrations),
                (SELECT name FROM profiles), (SELECT language FROM accounts)",
    )
    .fetch_one(&app.db().await)
    .await
    .unwrap();
    // The same number again: the account just created is not overwritten;
    // the second registration waits as a pending change, and it is the one
    // the phone is asked to confirm.
    assert_eq!(
        (accounts, registrations, name.as_str(), language.as_str()),
        (1, 2, "Bergeron", "fr")
    );
    let (pending, outstanding): (String, String) = sqlx::query_as(
        "SELECT (SELECT id FROM pending_changes WHERE state = 'pending'),
                (SELECT id FROM confirmations WHERE state = 'pending')",
    )
    .fetch_one(&app.db().await)
    .await
    .unwrap();
    assert_eq!(
        (pending.as_str(), outstanding.as_str()),
        (b.as_str(), b.as_str())
    );
}

#[tokio::test]
async fn batches_are_capped_and_need_a_kiosk_token() {
    let app = spawn_app().await;
    let many: Vec<Value> = (0..101)
        .map(|i| registration(&id(), &format!("514 555-01{:02}", i % 100), "X"))
        .collect();
    let r = app
        .post("/v1/registrations", &json!({ "registrations": many }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["code"], "registrations.too_many");
    let r = app
        .http
        .post(app.url("/v1/registrations"))
        .json(&json!({ "registrations": [] }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn an_id_still_being_stored_gets_409_then_the_stored_result() {
    let app = spawn_app().await;
    let batch = json!({ "registrations": [registration(&id(), "514 555-0156", "Fortin")] });
    // Another writer holds the database: the first request waits inside
    // its transaction, its id in flight.
    let mut blocker = app.hold_database().await;
    let first = tokio::spawn(app.post("/v1/registrations", &batch).send());
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    // The kiosk gave up on it and sends it again.
    let second: Value = sync(&app, &batch).await;
    assert_eq!(second["results"][0]["status"], 409);
    assert_eq!(
        second["results"][0]["error"]["code"],
        "registration.in_progress"
    );
    sqlx::query("COMMIT").execute(&mut blocker).await.unwrap();
    let first: Value = first.await.unwrap().unwrap().json().await.unwrap();
    assert_eq!(first["results"][0]["outcome"], "accepted");
    let third: Value = sync(&app, &batch).await;
    assert_eq!(third, first);
}

/// An offline registration's optional choices are recorded with it, like
/// its emergency consent (same kiosk, time and language), under the
/// options' text version.
#[tokio::test]
async fn an_offline_registrations_optional_choices_are_recorded_with_its_consent() {
    let app = spawn_app().await;
    let mut r = registration(&id(), "514 555-0160", "Lavoie");
    r["profile"]["newsletter"] = json!(true);
    r["profile"]["categories"] = json!(["community"]);
    let answer = sync(&app, &json!({ "registrations": [r] })).await;
    assert_eq!(answer["results"][0]["status"], 200);
    let rows: Vec<(String, String, i64, Option<String>)> = sqlx::query_as(
        "SELECT purpose, text_version, accepted_at, choices FROM consents ORDER BY purpose",
    )
    .fetch_all(&app.db().await)
    .await
    .unwrap();
    let accepted = rows[0].2;
    assert!(
        rows.iter().all(|row| row.2 == accepted),
        "one time: {rows:?}"
    );
    let purposes: Vec<(&str, &str, Option<&str>)> = rows
        .iter()
        .map(|(p, v, _, c)| (p.as_str(), v.as_str(), c.as_deref()))
        .collect();
    assert_eq!(
        purposes,
        vec![
            (
                "categories",
                borne_domain::OPTIONS_TEXT_VERSION,
                Some("community")
            ),
            ("emergency", borne_domain::CONSENT_TEXT_VERSION, None),
            ("newsletter", borne_domain::OPTIONS_TEXT_VERSION, None),
        ]
    );
}

/// Back-pressure: past the batches an instance takes at once, a sync is
/// turned away at once with 429 and a jittered `Retry-After`, nothing of
/// it read or stored; live signups go on meanwhile (SQLite: once the
/// batch in hand is stored).
#[tokio::test]
async fn a_sync_past_the_intake_is_told_to_come_back_later() {
    let app = spawn_app_with(|c| {
        c.sync_intake.concurrency = 1;
        c.sync_intake.retry_after_max = std::time::Duration::from_secs(3);
    })
    .await;
    let held = json!({ "registrations": [registration(&id(), "514 555-0157", "Gagnon")] });
    let turned_away = json!({ "registrations": [registration(&id(), "514 555-0158", "Roy")] });
    // The first batch waits inside its transaction, holding the one turn.
    let mut blocker = app.hold_database().await;
    let first = tokio::spawn(app.post("/v1/registrations", &held).send());
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    for _ in 0..5 {
        let r = app
            .post("/v1/registrations", &turned_away)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 429);
        let wait: u64 = r.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=3).contains(&wait), "Retry-After {wait}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["code"], "rate_limited");
        assert_eq!(body["retry_after_seconds"], wait);
    }
    sqlx::query("COMMIT").execute(&mut blocker).await.unwrap();
    let first: Value = first.await.unwrap().unwrap().json().await.unwrap();
    assert_eq!(first["results"][0]["outcome"], "accepted");
    // Nothing of the turned-away batch was stored; sent again, it is.
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM registrations")
        .fetch_one(&app.db().await)
        .await
        .unwrap();
    assert_eq!(stored, 1);
    let again = sync(&app, &turned_away).await;
    assert_eq!(again["results"][0]["outcome"], "accepted");
    app.stop().await;
}
