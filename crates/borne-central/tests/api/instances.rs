//! Several central instances on one database (a load balancer in front):
//! every code goes out once — none twice, none lost — whichever instance
//! took the request and whichever worker leased the delivery. Runs on the
//! engine under test (`BORNE_TEST_ENGINE`): PostgreSQL in CI, SQLite too.

use std::collections::HashMap;
use std::time::Duration;

use futures_util::future::join_all;
use serde_json::{json, Value};

use crate::helpers::{spawn_app_with, TestApp};
use crate::registrations::{id, registration, sync};

pub(crate) fn no_caps(c: &mut borne_central::Config) {
    c.limits.number_min_interval = Duration::ZERO;
    c.limits.number_per_10_min = 0;
    c.limits.number_per_day = 0;
    c.limits.kiosk_per_hour = 0;
    // Every batch sent at once is taken (the back-pressure past the
    // intake has its own test).
    c.sync_intake.concurrency = 64;
}

/// `n` distinct test numbers (555-01xx in several area codes).
fn phones(n: usize, skip: usize) -> Vec<String> {
    ["514", "438", "450", "579", "418", "819"]
        .iter()
        .flat_map(|area| (100..200).map(move |x| format!("{area} 555-0{x}")))
        .skip(skip)
        .take(n)
        .collect()
}

#[tokio::test]
async fn two_instances_on_one_database_send_every_code_once() {
    let a = spawn_app_with(no_caps).await;
    let (url, outbox) = (a.db_url.clone(), a.outbox.clone());
    // Same database, same provider (the console file stands for it).
    let b: TestApp = spawn_app_with(move |c| {
        no_caps(c);
        c.database_url = url.into();
        c.console_outbox = Some(outbox);
    })
    .await;
    let instances = [&a, &b];

    // Live signups, spread over both instances, all at once.
    let live = phones(40, 0);
    let signups = live.iter().enumerate().map(|(i, p)| {
        let app = instances[i % 2];
        async move { app.signup(p, "sms").await.status() }
    });
    for status in join_all(signups).await {
        assert_eq!(status, 202);
    }
    // Offline registrations: each batch sent to both instances at the same
    // time (a kiosk retrying through the load balancer).
    let offline = phones(40, 40);
    let batches: Vec<Value> = offline
        .chunks(10)
        .map(|c| json!({ "registrations": c.iter().map(|p| registration(&id(), p, "Instance")).collect::<Vec<_>>() }))
        .collect();
    let syncs = batches.iter().flat_map(|batch| {
        instances.iter().map(move |app| async move {
            sync(app, batch).await["results"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["status"].as_u64().unwrap())
                .collect::<Vec<_>>()
        })
    });
    for statuses in join_all(syncs).await {
        // 200 (stored or repeated) or 409 (the other instance is storing it).
        assert!(
            statuses.iter().all(|s| *s == 200 || *s == 409),
            "{statuses:?}"
        );
    }
    // A kiosk that got 409 sends again later: every registration is stored.
    for batch in &batches {
        let r = sync(&a, batch).await;
        assert!(r["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["status"] == 200));
    }

    let expected = live.len() + offline.len();
    let sent = a.sent_when(|s| s.len() >= expected).await;
    // Give a duplicate the time to show up.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let sent = if a.sent().len() > sent.len() {
        a.sent()
    } else {
        sent
    };
    let mut per_number: HashMap<String, usize> = HashMap::new();
    for m in &sent {
        *per_number
            .entry(m["to"].as_str().unwrap().to_owned())
            .or_default() += 1;
    }
    assert_eq!(per_number.len(), expected, "every number got its code");
    assert!(
        per_number.values().all(|n| *n == 1),
        "no number got two: {per_number:?}"
    );
    let (sent_rows, attempts): (i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), CAST(SUM(attempts) AS BIGINT) FROM deliveries WHERE state = 'sent'",
    )
    .fetch_one(&a.db().await)
    .await
    .unwrap();
    assert_eq!((sent_rows, attempts), (expected as i64, expected as i64));
    b.stop().await;
    a.stop().await;
}

/// A kiosk resends a batch through the load balancer while another
/// instance is still storing it: on PostgreSQL the second instance answers
/// 409 at once (the kiosk retries later) and then the stored result; on
/// SQLite (one machine) it waits for the first and answers the stored
/// result.
#[tokio::test]
async fn an_id_being_stored_by_another_instance_gets_409_then_the_stored_result() {
    let a = spawn_app_with(no_caps).await;
    let url = a.db_url.clone();
    let b: TestApp = spawn_app_with(move |c| {
        no_caps(c);
        c.database_url = url.into();
    })
    .await;
    let batch = json!({ "registrations": [registration(&id(), "514 555-0177", "Pelletier")] });
    // Instance A's request waits inside its transaction, the id claimed.
    let mut blocker = a.hold_database().await;
    let first = tokio::spawn(a.post("/v1/registrations", &batch).send());
    tokio::time::sleep(Duration::from_millis(300)).await;
    let second = tokio::spawn(b.post("/v1/registrations", &batch).send());
    tokio::time::sleep(Duration::from_millis(300)).await;
    let postgres = borne_central::db::test_engine() == borne_central::db::Engine::Postgres;
    if postgres {
        assert!(second.is_finished(), "instance B answered at once");
    } else {
        assert!(!second.is_finished(), "instance B waits on SQLite's lock");
    }
    sqlx::Executor::execute(&mut blocker, "COMMIT")
        .await
        .unwrap();
    let first: Value = first.await.unwrap().unwrap().json().await.unwrap();
    assert_eq!(first["results"][0]["outcome"], "accepted");
    let second: Value = second.await.unwrap().unwrap().json().await.unwrap();
    if postgres {
        assert_eq!(second["results"][0]["status"], 409);
        assert_eq!(
            second["results"][0]["error"]["code"],
            "registration.in_progress"
        );
    } else {
        assert_eq!(second, first);
    }
    // The retry, on either instance: the stored result.
    for app in [&a, &b] {
        assert_eq!(sync(app, &batch).await, first);
    }
    b.stop().await;
    a.stop().await;
}
