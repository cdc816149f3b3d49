//! Resident sessions: an absolute lifetime besides the idle expiry, an
//! end the kiosk asks for (`DELETE /v1/session`), and an offline
//! registration's proof of ownership that lasts no longer.

use serde_json::json;

use crate::helpers::{error_code, spawn_app_with, TestApp};
use crate::instances::no_caps;
use crate::registrations::{id, registration, sync};

/// `BORNE_SESSION_LIFETIME_SECONDS`'s default.
const LIFETIME: i64 = 1_800;

fn me(app: &TestApp, session: &str) -> reqwest::RequestBuilder {
    app.http
        .get(app.url("/v1/me"))
        .bearer_auth(&app.kiosk_token)
        .header("borne-session", session)
}

fn end(app: &TestApp, session: Option<&str>) -> reqwest::RequestBuilder {
    let r = app
        .http
        .delete(app.url("/v1/session"))
        .bearer_auth(&app.kiosk_token);
    match session {
        Some(s) => r.header("borne-session", s),
        None => r,
    }
}

/// Moves the login of the session opened for `phone` (E.164) `seconds`
/// into the past; its last use stays now.
async fn opened_ago(app: &TestApp, phone: &str, seconds: i64) {
    sqlx::query(
        "UPDATE sessions SET created_at = created_at - $1
          WHERE account_id = (SELECT id FROM accounts WHERE phone = $2)",
    )
    .bind(seconds)
    .bind(phone)
    .execute(&app.db().await)
    .await
    .unwrap();
}

#[tokio::test]
async fn a_session_ends_at_its_lifetime_however_often_it_is_used() {
    let app = spawn_app_with(no_caps).await;
    let old = app.session("514 555-0142").await;
    let young = app.session("514 555-0143").await;
    assert_eq!(me(&app, &old).send().await.unwrap().status(), 200);
    opened_ago(&app, "+15145550142", LIFETIME + 1).await;
    opened_ago(&app, "+15145550143", LIFETIME - 60).await;
    // Both were used a moment ago: only the lifetime tells them apart.
    let (status, body) = error_code(me(&app, &old).send().await.unwrap()).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("session.expired"))
    );
    assert_eq!(me(&app, &young).send().await.unwrap().status(), 200);
    app.stop().await;
}

#[tokio::test]
async fn ending_a_session_revokes_it_and_may_be_repeated() {
    let app = spawn_app_with(no_caps).await;
    let mine = app.session("514 555-0142").await;
    let other = app.session("514 555-0143").await;
    assert_eq!(end(&app, Some(&mine)).send().await.unwrap().status(), 204);
    let (status, body) = error_code(me(&app, &mine).send().await.unwrap()).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("session.expired"))
    );
    assert_eq!(me(&app, &other).send().await.unwrap().status(), 200);
    // Again, or a token never issued: the same answer.
    assert_eq!(end(&app, Some(&mine)).send().await.unwrap().status(), 204);
    assert_eq!(
        end(&app, Some("never-issued"))
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    let (status, body) = error_code(end(&app, None).send().await.unwrap()).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("session.expired"))
    );
    // A kiosk token is needed, as for every resident route.
    let r = app
        .http
        .delete(app.url("/v1/session"))
        .header("borne-session", &other)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(me(&app, &other).send().await.unwrap().status(), 200);
    app.stop().await;
}

/// The stored outcome of a registration and the name in the profile.
async fn outcome_and_name(app: &TestApp, registration_id: &str) -> (String, String) {
    sqlx::query_as(
        "SELECT (SELECT outcome FROM registrations WHERE id = $1), (SELECT name FROM profiles)",
    )
    .bind(registration_id)
    .fetch_one(&app.db().await)
    .await
    .unwrap()
}

/// A registration queued with the resident's session as proof they own
/// the number (the network failed after their login): the proof holds
/// while the session lives; older than the sessions' lifetime, or ended,
/// it proves nothing and the registration waits for the phone's
/// confirmation like anyone's.
#[tokio::test]
async fn an_offline_owner_proof_lasts_no_longer_than_its_session() {
    let app = spawn_app_with(no_caps).await;
    let phone = "514 555-0142";
    let queued = |session: &str, name: &str| {
        let mut r = registration(&id(), phone, name);
        r["owner_session"] = json!(session);
        r
    };
    let session = app.session(phone).await;
    let fresh = queued(&session, "Proven");
    sync(&app, &json!({ "registrations": [fresh.clone()] })).await;
    assert_eq!(
        outcome_and_name(&app, fresh["id"].as_str().unwrap()).await,
        ("updated".to_owned(), "Proven".to_owned())
    );

    opened_ago(&app, "+15145550142", LIFETIME + 1).await;
    let stale = queued(&session, "Too late");
    sync(&app, &json!({ "registrations": [stale.clone()] })).await;
    assert_eq!(
        outcome_and_name(&app, stale["id"].as_str().unwrap()).await,
        ("pending_change".to_owned(), "Proven".to_owned())
    );
    // The phone is asked to confirm it.
    assert_eq!(app.sent_when(|s| s.len() >= 2).await.len(), 2);

    let again = app.session(phone).await;
    assert_eq!(end(&app, Some(&again)).send().await.unwrap().status(), 204);
    let ended = queued(&again, "Ended");
    sync(&app, &json!({ "registrations": [ended.clone()] })).await;
    assert_eq!(
        outcome_and_name(&app, ended["id"].as_str().unwrap()).await,
        ("pending_change".to_owned(), "Proven".to_owned())
    );
    // The phone is asked about the last one.
    let pending: Vec<(String,)> =
        sqlx::query_as("SELECT id FROM confirmations WHERE state = 'pending'")
            .fetch_all(&app.db().await)
            .await
            .unwrap();
    assert_eq!(pending, vec![(ended["id"].as_str().unwrap().to_owned(),)]);
    app.stop().await;
}
