//! Kiosk enrollment, revocation and heartbeats, through the API and the
//! `borne-central kiosk` commands.

use serde_json::{json, Value};

use crate::helpers::*;

async fn enroll_with(app: &TestApp, code: &str) -> reqwest::Response {
    app.http
        .post(app.url("/v1/kiosks/enroll"))
        .json(&json!({ "code": code, "app_version": "0.1.0" }))
        .send()
        .await
        .unwrap()
}

async fn signup_with(app: &TestApp, token: &str) -> reqwest::Response {
    app.http
        .post(app.url("/v1/signup"))
        .bearer_auth(token)
        .json(&signup_body("514 555-0142", "sms"))
        .send()
        .await
        .unwrap()
}

fn heartbeat(queue_depth: u32) -> Value {
    json!({
        "app_version": "0.1.0",
        "mode": "online",
        "queue_depth": queue_depth,
        "queue_rejected": 1,
        "oldest_pending_seconds": 42,
        "last_sync_at": "2026-11-26T10:00:00Z",
    })
}

#[tokio::test]
async fn an_enrollment_code_works_once_and_only_its_hash_is_kept() {
    let app = spawn_app().await;
    let code = app.enrollment_code("Hôtel de ville", 86_400).await;
    // Typed loosely: lower case, spaces for hyphens.
    let r = enroll_with(&app, &code.replace('-', " ").to_lowercase()).await;
    assert_eq!(r.status(), 201);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["kiosk_name"], "Hôtel de ville");
    let token = body["token"].as_str().unwrap().to_owned();
    assert_eq!(token.len(), 64, "256 bits, hex");
    assert_eq!(signup_with(&app, &token).await.status(), 202);

    let (status, body) = error_code(enroll_with(&app, &code).await).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("enroll.invalid_code"))
    );
    let (status, _) = error_code(enroll_with(&app, "AAAA-BBBB-CCCC").await).await;
    assert_eq!(status, 403);

    // Neither the token nor the code is stored, only their SHA-256.
    let rows: Vec<(Option<String>, Option<String>)> =
        sqlx::query_as("SELECT token_hash, enrollment_code_hash FROM kiosks")
            .fetch_all(&app.db().await)
            .await
            .unwrap();
    assert_eq!(rows.len(), 2, "the test kiosk and this one");
    for (token_hash, code_hash) in rows {
        assert_eq!(code_hash, None, "a used code is forgotten");
        let token_hash = token_hash.unwrap();
        assert_eq!(token_hash.len(), 64);
        assert_ne!(token_hash, token);
    }
    let metrics = app.metrics().await;
    assert!(metrics.contains("borne_kiosk_enrollments_total{result=\"enrolled\"} 2"));
    assert!(metrics.contains("borne_kiosk_enrollments_total{result=\"refused\"} 2"));
    app.stop().await;
}

#[tokio::test]
async fn an_expired_enrollment_code_is_refused() {
    let app = spawn_app().await;
    let code = app.enrollment_code("Bibliothèque", -1).await;
    let (status, body) = error_code(enroll_with(&app, &code).await).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("enroll.invalid_code"))
    );
    app.stop().await;
}

#[tokio::test]
async fn a_revoked_kiosk_is_refused_at_once() {
    let app = spawn_app().await;
    let (id, token) = app.enroll("Aréna").await;
    assert_eq!(signup_with(&app, &token).await.status(), 202);
    let store = borne_central::db::Store::connect(&app.db_url)
        .await
        .unwrap();
    assert_eq!(
        store
            .revoke_kiosk(&id, borne_central::db::now())
            .await
            .unwrap(),
        1
    );
    let (status, body) = error_code(signup_with(&app, &token).await).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("kiosk.revoked"))
    );
    let r = app
        .http
        .post(app.url("/v1/kiosks/heartbeat"))
        .bearer_auth(&token)
        .json(&heartbeat(0))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    // The other kiosk goes on.
    assert_eq!(app.signup("514 555-0143", "sms").await.status(), 202);
    app.stop().await;
}

#[tokio::test]
async fn heartbeats_are_recorded_and_silent_kiosks_counted() {
    let app = spawn_app_with(|c| c.kiosk_silent_after = std::time::Duration::from_secs(60)).await;
    let r = app
        .post("/v1/kiosks/heartbeat", &heartbeat(7))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let store = borne_central::db::Store::connect(&app.db_url)
        .await
        .unwrap();
    let kiosks = store.list_kiosks().await.unwrap();
    let k = kiosks.iter().find(|k| k.id == app.kiosk_id).unwrap();
    assert_eq!(
        (
            k.queue_depth,
            k.queue_rejected,
            k.oldest_pending_seconds,
            k.mode.as_deref()
        ),
        (Some(7), Some(1), Some(42), Some("online"))
    );
    assert_eq!(k.last_sync_at.as_deref(), Some("2026-11-26T10:00:00Z"));
    assert!(app.metrics().await.contains("borne_kiosks_silent 0"));
    // Two minutes without a heartbeat.
    sqlx::query("UPDATE kiosks SET last_seen_at = last_seen_at - 120")
        .execute(&app.db().await)
        .await
        .unwrap();
    assert!(app.metrics().await.contains("borne_kiosks_silent 1"));
    let bad = app
        .post("/v1/kiosks/heartbeat", &json!({ "mode": "asleep" }))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    app.stop().await;
}

/// The administrator's commands, as a separate process on the same database.
#[tokio::test]
async fn kiosk_commands_enroll_list_and_revoke() {
    let app = spawn_app().await;
    let run = |args: &[&str]| cli(&app.db_url, args);
    let (ok, out, err) = run(&["kiosk", "enroll", "--name", "Salle communautaire"]);
    assert!(ok, "{err}");
    let code = out
        .lines()
        .find_map(|l| l.strip_prefix("enrollment code: "))
        .unwrap()
        .to_owned();
    let (_, out, _) = run(&["kiosk", "list"]);
    assert!(
        out.contains("Salle communautaire") && out.contains("waiting"),
        "{out}"
    );

    let r = enroll_with(&app, &code).await;
    assert_eq!(r.status(), 201);
    let token = r.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, out, _) = run(&["kiosk", "list"]);
    let line = out
        .lines()
        .find(|l| l.contains("Salle communautaire"))
        .unwrap();
    assert!(
        line.contains("enrolled") && line.contains("0.1.0"),
        "{line}"
    );
    assert!(!out.contains(&token) && !out.contains(&code));

    let (ok, _, _) = run(&["kiosk", "revoke", "Salle communautaire"]);
    assert!(ok);
    assert_eq!(signup_with(&app, &token).await.status(), 401);
    let (ok, _, err) = run(&["kiosk", "revoke", "Salle communautaire"]);
    assert!(!ok && err.contains("no kiosk"), "{err}");
    let (_, out, _) = run(&["kiosk", "list"]);
    assert!(out.contains("revoked"), "{out}");
    app.stop().await;
}
