//! Offline registrations confirmed from the phone itself (an SMS answered
//! OUI, or 1 pressed during the call), through Twilio's API shape on a
//! local mock; and the offline path's abuse cases.

use std::time::Duration;

use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::*;
use crate::registrations::{id, registration, sync};
use crate::twilio::{field, requests_to, sign, signed, twilio_app_with, webhook, PUBLIC};

const SID: &str = "ACtest00000000000000000000000000";
const ADMIN: &str = "admin-token-0123456789-0123456789-abcdef";

/// A Twilio mock that accepts every message (`SM…`) and call (`CA…`).
async fn mock() -> MockServer {
    let mock = MockServer::start().await;
    for (resource, sid) in [("Messages", "SMconfirm1"), ("Calls", "CAconfirm1")] {
        Mock::given(method("POST"))
            .and(path(format!("/2010-04-01/Accounts/{SID}/{resource}.json")))
            .respond_with(
                ResponseTemplate::new(201).set_body_json(json!({"sid": sid, "status": "queued"})),
            )
            .mount(&mock)
            .await;
    }
    mock
}

async fn app(mock: &MockServer) -> TestApp {
    twilio_app_with(mock, |c| {
        c.admin_token_hash = Some(borne_central::codes::token_hash(ADMIN));
    })
    .await
}

async fn incoming(app: &TestApp, from: &str, body: &str) -> (u16, String) {
    let r = signed(
        app,
        "/v1/twilio/incoming",
        &[("From", from), ("Body", body), ("MessageSid", "SMreply42")],
    )
    .await;
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn verified(app: &TestApp, phone: &str) -> Option<bool> {
    sqlx::query_scalar::<_, Option<i64>>("SELECT verified_at FROM accounts WHERE phone = $1")
        .bind(phone)
        .fetch_optional(&app.db().await)
        .await
        .unwrap()
        .map(|v| v.is_some())
}

async fn export_csv(app: &TestApp) -> String {
    app.http
        .get(app.admin_url("/v1/admin/contacts.csv"))
        .bearer_auth(ADMIN)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

#[tokio::test]
async fn an_sms_answered_oui_confirms_the_registration() {
    let mock = mock().await;
    let app = app(&mock).await;
    let r = id();
    sync(
        &app,
        &json!({ "registrations": [registration(&r, "514 555-0150", "Gagnon")] }),
    )
    .await;
    let sent = requests_to(&mock, "Messages.json", 1).await;
    let text = field(&sent[0], "Body").unwrap();
    assert!(text.contains("Mille-Isles"), "{text}");
    assert!(
        text.contains("Répondez OUI pour confirmer votre inscription aux alertes d'urgence. ARRET pour refuser."),
        "{text}"
    );
    assert_eq!(verified(&app, "+15145550150").await, Some(false));
    assert!(
        !export_csv(&app).await.contains("+15145550150"),
        "not a recipient yet"
    );

    // A bad signature changes nothing.
    let params = [
        ("From", "+15145550150"),
        ("Body", "OUI"),
        ("MessageSid", "SMx"),
    ];
    let r403 = webhook(&app, "/v1/twilio/incoming", &params, Some("AAAA".into())).await;
    assert_eq!(r403.status(), 403);
    assert_eq!(verified(&app, "+15145550150").await, Some(false));

    let (status, twiml) = incoming(&app, "+15145550150", "  oui ").await;
    assert_eq!(status, 200);
    assert!(twiml.contains("est confirmée"), "{twiml}");
    assert_eq!(verified(&app, "+15145550150").await, Some(true));
    let (via, reference): (String, String) = sqlx::query_as(
        "SELECT confirmed_via, confirmation_ref FROM consents WHERE registration_id = $1",
    )
    .bind(&r)
    .fetch_one(&app.db().await)
    .await
    .unwrap();
    assert_eq!(
        (via.as_str(), reference.as_str()),
        ("sms_reply", "SMreply42")
    );
    assert!(
        export_csv(&app).await.contains("+15145550150"),
        "now an alert recipient"
    );

    // Nothing pending any more: the usual help answer.
    let (_, twiml) = incoming(&app, "+15145550150", "oui").await;
    assert!(twiml.contains("ARRET"), "{twiml}");
    app.stop().await;
}

#[tokio::test]
async fn unclear_replies_get_one_short_help_and_non_deletes_the_data() {
    let mock = mock().await;
    let app = app(&mock).await;
    sync(
        &app,
        &json!({ "registrations": [registration(&id(), "514 555-0151", "Roy")] }),
    )
    .await;
    requests_to(&mock, "Messages.json", 1).await;
    let (_, twiml) = incoming(&app, "+15145550151", "c'est qui?").await;
    assert!(twiml.contains("Répondez OUI pour confirmer"), "{twiml}");
    assert_eq!(verified(&app, "+15145550151").await, Some(false));
    let (_, twiml) = incoming(&app, "+15145550151", "Non").await;
    assert!(twiml.contains("effacées"), "{twiml}");
    assert_eq!(
        verified(&app, "+15145550151").await,
        None,
        "account deleted"
    );
    let (deletions,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM deletions WHERE requested_by = 'resident'")
            .fetch_one(&app.db().await)
            .await
            .unwrap();
    assert_eq!(deletions, 1);
    app.stop().await;
}

/// Waits until the worker has recorded the call Twilio answered with
/// `sid` (the mock sees the request before the worker stores the answer):
/// a key other than 1 or 9 then gets the question again, and changes
/// nothing.
async fn call_recorded(app: &TestApp, sid: &str) {
    for _ in 0..100 {
        let params = [("CallSid", sid), ("Digits", "5")];
        let said = signed(app, "/v1/twilio/gather", &params)
            .await
            .text()
            .await
            .unwrap();
        if said.contains("<Gather") {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the call {sid} was never recorded");
}

/// The call asks for one key; the Gather action carries no secret, and
/// the call's id says which confirmation.
#[tokio::test]
async fn a_call_confirms_with_1_and_refuses_with_9() {
    let mock = mock().await;
    let app = app(&mock).await;
    let mut by_call = registration(&id(), "514 555-0152", "Côté");
    by_call["channel"] = json!("voice");
    sync(&app, &json!({ "registrations": [by_call] })).await;
    let calls = requests_to(&mock, "Calls.json", 1).await;
    call_recorded(&app, "CAconfirm1").await;
    let twiml = field(&calls[0], "Twiml").unwrap();
    assert!(twiml.contains(r#"<Gather numDigits="1""#), "{twiml}");
    assert!(
        twiml.contains(&format!(r#"action="{PUBLIC}/v1/twilio/gather""#)),
        "{twiml}"
    );
    assert!(twiml.contains("appuyez sur 1"), "{twiml}");

    let gather = |digits: &'static str| {
        let app = &app;
        async move {
            let params = [("CallSid", "CAconfirm1"), ("Digits", digits)];
            let r = signed(app, "/v1/twilio/gather", &params).await;
            assert_eq!(r.status(), 200);
            r.text().await.unwrap()
        }
    };
    // Unsigned: refused, nothing changes.
    let params = [("CallSid", "CAconfirm1"), ("Digits", "1")];
    let bad = webhook(
        &app,
        "/v1/twilio/gather",
        &params,
        Some(sign("/v1/twilio/other", &params)),
    )
    .await;
    assert_eq!(bad.status(), 403);
    assert!(
        gather("5").await.contains("<Gather"),
        "another key: asked again"
    );
    assert_eq!(verified(&app, "+15145550152").await, Some(false));
    assert!(gather("1").await.contains("est confirmée"));
    assert_eq!(verified(&app, "+15145550152").await, Some(true));
    let via: String = sqlx::query_scalar("SELECT confirmed_via FROM consents")
        .fetch_one(&app.db().await)
        .await
        .unwrap();
    assert_eq!(via, "voice_key");
    app.stop().await;

    let mock = self::mock().await;
    let app = self::app(&mock).await;
    let mut by_call = registration(&id(), "514 555-0153", "Lavoie");
    by_call["channel"] = json!("voice");
    sync(&app, &json!({ "registrations": [by_call] })).await;
    requests_to(&mock, "Calls.json", 1).await;
    call_recorded(&app, "CAconfirm1").await;
    let params = [("CallSid", "CAconfirm1"), ("Digits", "9")];
    let said = signed(&app, "/v1/twilio/gather", &params)
        .await
        .text()
        .await
        .unwrap();
    assert!(said.contains("effacées"), "{said}");
    assert_eq!(verified(&app, "+15145550153").await, None, "data deleted");
    app.stop().await;
}

#[tokio::test]
async fn twenty_registrations_for_one_number_get_one_message() {
    let mock = mock().await;
    let app = app(&mock).await;
    let batch: Vec<Value> = (0..20)
        .map(|i| registration(&id(), "514 555-0154", &format!("Nom {i}")))
        .collect();
    let r = sync(&app, &json!({ "registrations": batch })).await;
    assert!(r["results"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["status"] == 200));
    requests_to(&mock, "Messages.json", 1).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let sent = mock.received_requests().await.unwrap();
    assert_eq!(sent.len(), 1, "one confirmation message, ever");
    let (pending,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM confirmations WHERE state = 'pending'")
            .fetch_one(&app.db().await)
            .await
            .unwrap();
    assert_eq!(pending, 1, "one outstanding confirmation per number");
    app.stop().await;
}

/// An account that exists, unconfirmed (a code asked for at a kiosk and
/// never used), is not overwritten: the registration waits, and the
/// phone's OUI applies it.
#[tokio::test]
async fn an_unverified_account_is_not_overwritten_until_the_phone_confirms() {
    let mock = mock().await;
    let app = app(&mock).await;
    assert_eq!(app.signup("514 555-0155", "sms").await.status(), 202);
    requests_to(&mock, "Messages.json", 1).await;
    sync(
        &app,
        &json!({ "registrations": [registration(&id(), "514 555-0155", "Intrus")] }),
    )
    .await;
    let profiles: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM profiles")
        .fetch_one(&app.db().await)
        .await
        .unwrap();
    assert_eq!(profiles, 0, "nothing of the account changed");
    requests_to(&mock, "Messages.json", 2).await;
    incoming(&app, "+15145550155", "OUI").await;
    let name: String = sqlx::query_scalar("SELECT name FROM profiles")
        .fetch_one(&app.db().await)
        .await
        .unwrap();
    assert_eq!(name, "Intrus", "the phone's holder confirmed it");
    app.stop().await;
}

/// Ingest and login answers are the same for a registered and an unknown
/// number.
#[tokio::test]
async fn answers_tell_nothing_about_a_number() {
    let app = spawn_app().await;
    app.session("514 555-0156").await;
    let answer = |r: &Value| {
        let mut r = r["results"][0].clone();
        r["id"] = json!("");
        r
    };
    let known = sync(
        &app,
        &json!({ "registrations": [registration(&id(), "514 555-0156", "A")] }),
    )
    .await;
    let unknown = sync(
        &app,
        &json!({ "registrations": [registration(&id(), "514 555-0157", "B")] }),
    )
    .await;
    assert_eq!(answer(&known), answer(&unknown));
    let known = error_code(app.login("514 555-0156", "000001").await).await;
    let unknown = error_code(app.login("514 555-0158", "000001").await).await;
    assert_eq!(known, unknown);
    app.stop().await;
}

#[tokio::test]
async fn a_kiosk_syncs_at_most_its_hourly_share() {
    let app = spawn_app().await;
    let batch = |area: &str| {
        let registrations: Vec<Value> = (0..100)
            .map(|i| registration(&id(), &format!("{area} 555-01{i:02}"), "X"))
            .collect();
        json!({ "registrations": registrations })
    };
    let first = sync(&app, &batch("514")).await;
    let statuses: Vec<u64> = first["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_u64().unwrap())
        .collect();
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 60);
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 40);
    let limited = &first["results"][99]["error"];
    assert_eq!(limited["code"], "rate_limited");
    assert!(limited["retry_after_seconds"].as_u64().unwrap() > 3_000);
    // The next 100: none taken, the whole answer is 429 with Retry-After.
    let r = app
        .post("/v1/registrations", &batch("438"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    assert!(r.headers().contains_key("retry-after"));
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM registrations")
        .fetch_one(&app.db().await)
        .await
        .unwrap();
    assert_eq!(stored, 60);
    app.stop().await;
}

/// Caps count messages when they go out: a confirmation for a number that
/// just got a code waits for the number's interval.
#[tokio::test]
async fn a_confirmation_waits_for_the_numbers_caps() {
    let app = spawn_app_with(|c| c.limits.number_min_interval = Duration::from_secs(3)).await;
    assert_eq!(app.signup("514 555-0159", "sms").await.status(), 202);
    app.wait_for_code(1).await;
    sync(
        &app,
        &json!({ "registrations": [registration(&id(), "514 555-0159", "Fortin")] }),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert_eq!(app.sent().len(), 1, "not within the interval");
    let sent = app.sent_when(|s| s.len() >= 2).await;
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[1]["asks_confirmation"], true);
    app.stop().await;
}

#[tokio::test]
async fn the_administrator_lists_and_resends_unconfirmed_registrations() {
    let app = spawn_app_with(|c| {
        c.admin_token_hash = Some(borne_central::codes::token_hash(ADMIN));
        c.limits.number_min_interval = Duration::ZERO;
    })
    .await;
    let r = id();
    sync(
        &app,
        &json!({ "registrations": [registration(&r, "514 555-0160", "Bouchard")] }),
    )
    .await;
    app.sent_when(|s| !s.is_empty()).await;
    let list: Value = app
        .http
        .get(app.admin_url("/v1/admin/confirmations"))
        .bearer_auth(ADMIN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let one = &list["registrations"][0];
    assert_eq!(one["registration_id"], r.as_str());
    assert_eq!(one["kiosk_id"], app.kiosk_id.as_str());
    assert_eq!(one["kiosk_name"], "Bibliothèque");
    // Neither the number (in any form) nor the name: ids are random hex,
    // so a bare "555" could be in one of them.
    let listed = list.to_string();
    for personal in ["5550160", "555-0160", "555 0160", "Bouchard"] {
        assert!(!listed.contains(personal), "{personal} in the list");
    }
    let resend = |who: &str| {
        app.http
            .post(app.admin_url(&format!("/v1/admin/confirmations/{r}/resend")))
            .bearer_auth(who.to_owned())
            .send()
    };
    assert_eq!(resend(&app.kiosk_token).await.unwrap().status(), 401);
    assert_eq!(resend(ADMIN).await.unwrap().status(), 202);
    let sent = app.sent_when(|s| s.len() >= 2).await;
    assert!(sent[1]["text"].as_str().unwrap().starts_with("Rappel."));
    // The reminder is in the provider's hands before the worker records
    // it as sent: ask until the count follows (a few seconds at most).
    let mut out = String::new();
    for _ in 0..50 {
        let (ok, listed, err) = cli(&app.db_url, &["confirmations", "list"]);
        assert!(ok, "{err}");
        out = listed;
        if out.contains("2 message(s)") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(out.contains(&r) && out.contains("2 message(s)"), "{out}");
    app.stop().await;
}
