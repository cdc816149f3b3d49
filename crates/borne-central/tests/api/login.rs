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
    assert_eq!(err["code"], "login.code_burned");
    app.stop().await;
}

#[tokio::test]
async fn five_wrong_tries_burn_the_code() {
    let app = spawn_app().await;
    app.signup("514 555-0142", "sms").await;
    let code = app.wait_for_code(1).await;
    for left in (1..5).rev() {
        let (status, err) = error_code(app.login("514 555-0142", &wrong(&code)).await).await;
        assert_eq!(
            (status, err["code"].as_str()),
            (401, Some("login.invalid_code"))
        );
        assert!(err["message"]
            .as_str()
            .unwrap()
            .contains(&format!("{left} tries left")));
    }
    let (_, err) = error_code(app.login("514 555-0142", &wrong(&code)).await).await;
    assert_eq!(err["code"], "login.code_burned");
    // Even the right code no longer works.
    let (status, err) = error_code(app.login("514 555-0142", &code).await).await;
    assert_eq!(
        (status, err["code"].as_str()),
        (401, Some("login.code_burned"))
    );
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
        (401, Some("login.code_expired"))
    );
    app.stop().await;
}

#[tokio::test]
async fn unknown_numbers_look_like_wrong_codes() {
    let app = spawn_app().await;
    let (status, err) = error_code(app.login("514 555-0199", "123456").await).await;
    assert_eq!(status, 401);
    assert!(err["code"].as_str().unwrap().starts_with("login."));
    let (status, err) = error_code(app.login("514 555-0199", "12ab").await).await;
    assert_eq!(
        (status, err["fields"][0]["field"].as_str()),
        (422, Some("code"))
    );
    app.stop().await;
}
