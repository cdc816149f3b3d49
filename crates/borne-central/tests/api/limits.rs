//! Caps against SMS pumping and code guessing, and the cost breaker.

use std::time::Duration;

use serde_json::{json, Value};

use crate::helpers::*;
use crate::registrations::{id, registration, sync};

async fn signup_as(app: &TestApp, token: &str, phone: &str) -> reqwest::Response {
    app.http
        .post(app.url("/v1/signup"))
        .bearer_auth(token)
        .json(&signup_body(phone, "sms"))
        .send()
        .await
        .unwrap()
}

async fn limited(r: reqwest::Response) -> (u64, Value) {
    assert_eq!(r.status(), 429);
    let retry: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["code"], "rate_limited");
    assert_eq!(body["retry_after_seconds"], json!(retry));
    (retry, body)
}

#[tokio::test]
async fn one_code_per_number_per_minute() {
    let app = spawn_app().await;
    assert_eq!(app.signup("514 555-0142", "sms").await.status(), 202);
    let (retry, _) = limited(app.signup("514 555-0142", "voice").await).await;
    assert!((55..=60).contains(&retry), "{retry}");
    // Another number is not affected.
    assert_eq!(app.signup("514 555-0143", "sms").await.status(), 202);
    app.wait_for_code(2).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(app.sent().len(), 2, "the refused request sent nothing");
    app.stop().await;
}

/// Signs up, then waits until the code went out: the caps count messages
/// sent, and a code still waiting would be superseded by the next one.
async fn signup_sent(app: &TestApp, phone: &str) {
    let r = app.signup(phone, "sms").await;
    assert_eq!(r.status(), 202);
    let body: Value = r.json().await.unwrap();
    let id = body["delivery_id"].as_str().unwrap();
    for _ in 0..400 {
        if app.delivery(id).await["state"] != "pending" {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the code never went out");
}

#[tokio::test]
async fn three_per_ten_minutes_and_five_per_day() {
    let app = spawn_app_with(|c| c.limits.number_min_interval = Duration::ZERO).await;
    for _ in 0..3 {
        signup_sent(&app, "514 555-0142").await;
    }
    let (retry, body) = limited(app.signup("514 555-0142", "sms").await).await;
    assert!(retry > 590 && retry <= 600, "{retry}");
    assert!(body["message"].as_str().unwrap().contains("number_10_min"));
    app.stop().await;

    let app = spawn_app_with(|c| {
        c.limits.number_min_interval = Duration::ZERO;
        c.limits.number_per_10_min = 0;
    })
    .await;
    for _ in 0..5 {
        signup_sent(&app, "514 555-0142").await;
    }
    let (retry, body) = limited(app.signup("514 555-0142", "sms").await).await;
    assert!(retry > 86_000, "{retry}");
    assert!(body["message"].as_str().unwrap().contains("number_day"));
    app.stop().await;
}

#[tokio::test]
async fn scripted_attack_from_one_kiosk_stays_under_the_caps() {
    let app = spawn_app().await;
    let (attacker_id, attacker) = app.enroll("Kiosque attaqué").await;
    let (town_hall_id, town_hall) = app.enroll("Mairie").await;
    // 1,000 signups across 200 numbers (514 555-01xx and 438 555-01xx).
    let numbers: Vec<String> = (0..200)
        .map(|i| format!("{} 555-01{:02}", if i < 100 { 514 } else { 438 }, i % 100))
        .collect();
    let mut accepted = 0;
    let mut refused = 0;
    for round in 0..5 {
        for n in &numbers {
            let r = signup_as(&app, &attacker, n).await;
            match r.status().as_u16() {
                202 => accepted += 1,
                429 => refused += 1,
                other => panic!("round {round}: unexpected {other}"),
            }
        }
    }
    assert_eq!(accepted + refused, 1_000);
    assert_eq!(accepted, 30, "the per-kiosk cap (30 an hour) holds");
    // A resident at another kiosk is not blocked.
    let r = signup_as(&app, &town_hall, "819 555-0150").await;
    assert_eq!(r.status(), 202);
    let sent = app
        .sent_when(|s| s.iter().any(|m| m["to"] == "+18195550150"))
        .await;
    assert!(sent.iter().any(|m| m["to"] == "+18195550150"));
    assert_eq!(sent.len(), 31, "no more sends than the caps allow");
    let metrics = app.metrics().await;
    assert!(
        metrics.contains("borne_rate_limited_total{limit=\"kiosk_hour\"} 970"),
        "{metrics}"
    );
    // Consent records carry the enrolled kiosk, whatever name it declares.
    let kiosks: Vec<(String,)> =
        sqlx::query_as("SELECT DISTINCT kiosk_id FROM consents ORDER BY 1")
            .fetch_all(&app.db().await)
            .await
            .unwrap();
    let mut expected = vec![(attacker_id,), (town_hall_id,)];
    expected.sort();
    assert_eq!(kiosks, expected);
    app.stop().await;
}

#[tokio::test]
async fn concurrent_requests_cannot_slip_past_a_cap() {
    let app = spawn_app().await;
    let mut tasks = Vec::new();
    for _ in 0..10 {
        let http = app.http.clone();
        let url = app.url("/v1/signup");
        let token = app.kiosk_token.clone();
        tasks.push(tokio::spawn(async move {
            http.post(url)
                .bearer_auth(token)
                .json(&signup_body("514 555-0142", "sms"))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 202).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 429).count(),
        9,
        "{statuses:?}"
    );
    app.stop().await;
}

#[tokio::test]
async fn repeated_failed_logins_get_increasing_delays() {
    let app = spawn_app().await;
    app.signup("514 555-0142", "sms").await;
    let code = app.wait_for_code(1).await;
    let wrong = format!("{:06}", (code.parse::<u32>().unwrap() + 1) % 1_000_000);
    for i in 0..9 {
        let s = app.login("514 555-0142", &wrong).await.status();
        assert_eq!(s, 401, "failure {i}");
    }
    // The 10th failure starts the delays: 2 s, then 4 s…
    assert_eq!(app.login("514 555-0142", &wrong).await.status(), 401);
    let (retry, _) = limited(app.login("514 555-0142", &wrong).await).await;
    assert!((1..=2).contains(&retry), "{retry}");
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(app.login("514 555-0142", &wrong).await.status(), 401);
    let (retry, _) = limited(app.login("514 555-0142", &wrong).await).await;
    assert!((3..=4).contains(&retry), "the delay doubles: {retry}");
    app.stop().await;
}

#[tokio::test]
async fn cost_breaker_pauses_sends_until_resumed() {
    let app = spawn_app_with(|c| {
        c.limits.number_min_interval = Duration::ZERO;
        c.limits.breaker_min_baseline_per_hour = 1.0;
        c.limits.breaker_warn_ratio = 1.0;
        c.limits.breaker_pause_ratio = 2.0;
    })
    .await;
    // Baseline 1 send an hour: the 4th send would make 3 > 2×.
    for i in 0..4 {
        assert_eq!(
            app.signup(&format!("514 555-01{i:02}"), "sms")
                .await
                .status(),
            202
        );
    }
    app.sent_when(|s| s.len() >= 3).await;
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(app.sent().len(), 3, "sends pause once the ratio passes 2×");
    let metrics = app.metrics().await;
    assert!(metrics.contains("borne_cost_breaker_paused 1"), "{metrics}");
    assert!(metrics.contains("borne_outbox_pending 1"), "{metrics}");

    // An administrator resumes: the waiting code goes out.
    let store = borne_central::db::Store::connect(&app.db_url)
        .await
        .unwrap();
    store.resume_sends(borne_central::db::now()).await.unwrap();
    app.signup("514 555-0199", "sms").await; // wakes the worker
    assert_eq!(app.sent_when(|s| s.len() >= 5).await.len(), 5);
    app.stop().await;
}

/// A synced backlog goes out in batches, several lanes at once: the
/// breaker counts the sends claimed and not yet recorded, so the backlog
/// stops where one send at a time stopped, not a batch or more later.
#[tokio::test]
async fn the_cost_breaker_stops_a_synced_backlog_at_its_limit() {
    let app = spawn_app_with(|c| {
        c.limits.breaker_min_baseline_per_hour = 1.0;
        c.limits.breaker_warn_ratio = 1.0;
        c.limits.breaker_pause_ratio = 2.0;
    })
    .await;
    let registrations: Vec<Value> = (0..40)
        .map(|i| registration(&id(), &format!("514 555-01{i:02}"), "Tremblay"))
        .collect();
    sync(&app, &json!({ "registrations": registrations })).await;
    app.sent_when(|s| s.len() >= 3).await;
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(app.sent().len(), 3, "sends pause once the ratio passes 2×");
    assert!(app.metrics().await.contains("borne_cost_breaker_paused 1"));
    app.stop().await;
}
