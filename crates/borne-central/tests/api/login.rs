use serde_json::Value;

use crate::helpers::*;

fn wrong(code: &str) -> String {
    format!("{:06}", (code.parse::<u32>().unwrap() + 1) % 1_000_000)
}

#[tokio::test]
async fn the_right_code_logs_in_once_and_verifies_the_phone() {
    let app = spawn_app().await;
    app.signup("514 555-0142", "sms").await;
    let code = app.wait_for_code(1).await;
    let r = app
        .login("5145550142", &format!("{} {}", &code[..3], &code[3..]))
        .await;
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["session_token"].as_str().unwrap().len(), 64);
    assert!(body["profile"].is_null());
    let (verified,): (Option<i64>,) = sqlx::query_as("SELECT verified_at FROM accounts")
        .fetch_one(&app.db().await)
        .await
        .unwrap();
    assert!(verified.is_some());
    // Single use.
    let (status, err) = error_code(app.login("514 555-0142", &code).await).await;
    assert_eq!(status, 401);
    assert_eq!(err["code"], "login.invalid_code");
    app.stop().await;
}

#[tokio::test]
async fn five_wrong_tries_burn_the_code() {
    let app = spawn_app().await;
    app.signup("514 555-0142", "sms").await;
    let code = app.wait_for_code(1).await;
    let mut answers = Vec::new();
    for _ in 0..5 {
        answers.push(error_code(app.login("514 555-0142", &wrong(&code)).await).await);
    }
    // Even the right code no longer works.
    answers.push(error_code(app.login("514 555-0142", &code).await).await);
    for (status, err) in &answers {
        assert_eq!(
            (*status, err["code"].as_str()),
            (401, Some("login.invalid_code"))
        );
        assert_eq!(err, &answers[0].1, "every failure reads the same");
    }
    let (state,): (String,) = sqlx::query_as("SELECT state FROM codes")
        .fetch_one(&app.db().await)
        .await
        .unwrap();
    assert_eq!(state, "burned");
    app.stop().await;
}

#[tokio::test]
async fn an_expired_code_is_refused() {
    let app = spawn_app().await;
    app.signup("514 555-0142", "sms").await;
    let code = app.wait_for_code(1).await;
    // Ten minutes later (moved in the database rather than waited for).
    sqlx::query("UPDATE codes SET expires_at = expires_at - 601")
        .execute(&app.db().await)
        .await
        .unwrap();
    let (status, err) = error_code(app.login("514 555-0142", &code).await).await;
    assert_eq!(
        (status, err["code"].as_str()),
        (401, Some("login.invalid_code"))
    );
    app.stop().await;
}

#[tokio::test]
async fn unknown_numbers_look_like_wrong_codes() {
    let app = spawn_app().await;
    app.signup("514 555-0142", "sms").await;
    let code = app.wait_for_code(1).await;
    // A registered number with a wrong code, and a number nobody has:
    // the very same answer.
    let known = error_code(app.login("514 555-0142", &wrong(&code)).await).await;
    let unknown = error_code(app.login("514 555-0199", "123456").await).await;
    assert_eq!(known.0, 401);
    assert_eq!(known, unknown);
    let (status, err) = error_code(app.login("514 555-0199", "12ab").await).await;
    assert_eq!(
        (status, err["fields"][0]["field"].as_str()),
        (422, Some("code"))
    );
    app.stop().await;
}

/// Failures count per number whether or not it has an account, and per
/// kiosk; the delay never blocks the first try of a code issued after
/// them, so a stranger's failures cannot lock the owner out.
#[tokio::test]
async fn failures_delay_a_number_but_never_the_owners_fresh_code() {
    let app = spawn_app_with(|c| {
        c.limits.login_failures_before_delay = 3;
        c.limits.number_min_interval = std::time::Duration::ZERO;
    })
    .await;
    // A number without an account: failures count all the same.
    for _ in 0..3 {
        assert_eq!(app.login("514 555-0170", "111111").await.status(), 401);
    }
    let (status, err) = error_code(app.login("514 555-0170", "111111").await).await;
    assert_eq!((status, err["code"].as_str()), (429, Some("rate_limited")));

    // A stranger fails on the owner's number...
    app.signup("514 555-0171", "sms").await;
    let first = app.wait_for_code(1).await;
    for _ in 0..3 {
        app.login("514 555-0171", &wrong(&first)).await;
    }
    assert_eq!(app.login("514 555-0171", &first).await.status(), 429);
    // ...the owner asks for a new code, and its first try goes through.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    app.signup("514 555-0171", "sms").await;
    let fresh = app.wait_for_code(2).await;
    assert_eq!(app.login("514 555-0171", &fresh).await.status(), 200);
}

#[tokio::test]
async fn failures_from_one_kiosk_across_numbers_are_delayed() {
    let app = spawn_app_with(|c| c.limits.kiosk_login_failures_before_delay = 5).await;
    for i in 0..5 {
        let phone = format!("514 555-01{:02}", 20 + i);
        assert_eq!(app.login(&phone, "222222").await.status(), 401);
    }
    let (status, _) = error_code(app.login("514 555-0130", "222222").await).await;
    assert_eq!(status, 429, "the kiosk guessing across numbers waits");
}
