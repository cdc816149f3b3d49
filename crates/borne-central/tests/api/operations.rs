//! What operators watch: readiness and the request counters.

use crate::helpers::*;

#[tokio::test]
async fn readyz_needs_the_database_and_every_migration() {
    let app = spawn_app().await;
    let r = app.http.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    // A schema older than this build (its last migration missing).
    sqlx::query(
        "DELETE FROM _sqlx_migrations WHERE version = (SELECT MAX(version) FROM _sqlx_migrations)",
    )
    .execute(&app.db().await)
    .await
    .unwrap();
    let r = app.http.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(r.status(), 503);
    // /healthz only says the process is up.
    let r = app.http.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    app.stop().await;
}

#[tokio::test]
async fn requests_are_counted_by_route_pattern_and_status() {
    let app = spawn_app().await;
    assert_eq!(app.signup("514 555-0142", "sms").await.status(), 202);
    assert_eq!(app.signup("514 555-0142", "sms").await.status(), 429);
    let r = app
        .http
        .get(app.url("/v1/deliveries/0190b2a4-0000-7000-8000-000000000000"))
        .bearer_auth(&app.kiosk_token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let m = app.metrics().await;
    for line in [
        "borne_http_requests_total{route=\"/v1/signup\",status=\"202\"} 1",
        "borne_http_requests_total{route=\"/v1/signup\",status=\"429\"} 1",
        "borne_http_requests_total{route=\"/v1/kiosks/enroll\",status=\"201\"} 1",
        "borne_http_requests_total{route=\"/v1/deliveries/{id}\",status=\"404\"} 1",
    ] {
        assert!(m.contains(line), "{line} in\n{m}");
    }
    assert!(!m.contains("0190b2a4"), "ids never become labels");
    app.stop().await;
}

#[tokio::test]
async fn the_retention_job_purges_what_is_no_longer_needed() {
    let app = spawn_app_with(|c| c.retention_interval = std::time::Duration::from_secs(1)).await;
    // A verified resident, and one who never confirmed their number.
    app.session("514 555-0142").await;
    assert_eq!(app.signup("514 555-0143", "sms").await.status(), 202);
    app.wait_for_code(2).await;
    let db = app.db().await;
    // 31 days pass for both.
    let month = 31 * 86_400;
    for sql in [
        "UPDATE accounts SET created_at = created_at - $1",
        "UPDATE codes SET created_at = created_at - $1, expires_at = expires_at - $2",
    ] {
        sqlx::query(sql)
            .bind(month)
            .bind(month)
            .execute(&db)
            .await
            .unwrap();
    }
    let mut metrics = String::new();
    for _ in 0..60 {
        metrics = app.metrics().await;
        if metrics.contains("borne_retention_purged_total{kind=\"unverified_accounts\"} 1") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(
        metrics.contains("borne_retention_purged_total{kind=\"unverified_accounts\"} 1"),
        "{metrics}"
    );
    let phones: Vec<(String,)> = sqlx::query_as("SELECT phone FROM accounts")
        .fetch_all(&db)
        .await
        .unwrap();
    assert_eq!(
        phones,
        vec![("+15145550142".to_owned(),)],
        "the verified one stays"
    );
    for table in ["consents", "codes", "deliveries"] {
        let left: i64 = sqlx::query_scalar(&format!(
            "SELECT COUNT(*) FROM {table} t JOIN accounts a ON a.id = t.account_id WHERE a.phone = '+15145550143'"
        ))
        .fetch_one(&db)
        .await
        .unwrap_or(0);
        assert_eq!(left, 0, "{table}");
    }
    let hashes: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM codes WHERE code_hash != ''")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(hashes, 0, "used and expired codes keep no hash");
    let to_gone: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM deliveries WHERE to_phone = '+15145550143'")
            .fetch_one(&db)
            .await
            .unwrap();
    assert_eq!(to_gone, 0, "its deliveries went with it");
    app.stop().await;
}

#[tokio::test]
async fn the_openapi_document_is_served_without_a_token() {
    let app = spawn_app().await;
    let r = app
        .http
        .get(app.url("/v1/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()["borne-api-version"],
        borne_protocol::API_VERSION
    );
    let doc: serde_json::Value = r.json().await.unwrap();
    assert_eq!(doc["info"]["version"], borne_protocol::API_VERSION);
    assert!(doc["paths"]["/v1/signup"]["post"].is_object(), "{doc}");
    app.stop().await;
}
