//! What is left of a resident once they are deleted, and what the logs
//! say about them: nothing, on both engines.

use std::time::Duration;

use borne_central::db::{test_engine, Engine, Store, WalCheckpoint};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::helpers::{error_code, spawn_app_with, LogCapture, TestApp};
use crate::instances::no_caps;
use crate::registrations::{id, registration, sync};

/// A name and a number no other test uses.
const NAME: &str = "Zéphirine Quidoz-Brouillette";
const PHONE: &str = "819 555-0187";

/// The number in every form it is typed or stored in, and the name.
fn needles() -> Vec<String> {
    vec![
        "+18195550187".into(),
        "18195550187".into(),
        "8195550187".into(),
        PHONE.into(),
        NAME.into(),
    ]
}

/// The SHA-256 the server keeps of an offline registration as sent (its
/// idempotency record), in hex.
fn content_hash(registration: &Value) -> String {
    let wire: borne_protocol::Registration = serde_json::from_value(registration.clone()).unwrap();
    Sha256::digest(serde_json::to_vec(&wire).unwrap())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// How many times each needle occurs in what the database holds. SQLite:
/// the raw bytes of the database file, its WAL and its shared-memory
/// index. PostgreSQL: every column of every table, cast to text, as SQL
/// sees them (the server's own files, with rows deleted but not yet
/// vacuumed, are out of a client's reach).
async fn occurrences(app: &TestApp, needles: &[String]) -> Vec<(String, usize)> {
    match test_engine() {
        Engine::Sqlite => {
            let file = app.db_url.strip_prefix("sqlite://").unwrap().to_owned();
            let mut bytes = Vec::new();
            for suffix in ["", "-wal", "-shm"] {
                if let Ok(b) = std::fs::read(format!("{file}{suffix}")) {
                    bytes.extend(b);
                    // No needle spans two files.
                    bytes.push(0);
                }
            }
            needles
                .iter()
                .map(|n| {
                    let hits = bytes
                        .windows(n.len())
                        .filter(|w| *w == n.as_bytes())
                        .count();
                    (n.clone(), hits)
                })
                .collect()
        }
        Engine::Postgres => {
            let db = app.db().await;
            let columns: Vec<(String, String)> = sqlx::query_as(
                "SELECT CAST(table_name AS TEXT), CAST(column_name AS TEXT)
                   FROM information_schema.columns
                  WHERE table_schema = current_schema()
                  ORDER BY table_name, column_name",
            )
            .fetch_all(&db)
            .await
            .unwrap();
            assert!(columns.len() > 50, "{columns:?}");
            let mut out = Vec::new();
            for n in needles {
                let mut hits = 0;
                for (table, column) in &columns {
                    let sql = format!(
                        "SELECT COUNT(*) FROM \"{table}\" WHERE CAST(\"{column}\" AS TEXT) LIKE $1"
                    );
                    let found: i64 = sqlx::query_scalar(&sql)
                        .bind(format!("%{n}%"))
                        .fetch_one(&db)
                        .await
                        .unwrap();
                    hits += usize::try_from(found).unwrap();
                }
                out.push((n.clone(), hits));
            }
            out
        }
    }
}

/// Everything a resident can leave behind, then their deletion: an
/// offline registration (a new account, its confirmation), a second one
/// (a pending change with its payload), a failed login, a code and a
/// session, a profile saved online. After `DELETE /v1/me` and the
/// retention job's pass (its purge, then the WAL truncated), the number
/// in every form, the name and the registrations' content hashes are
/// nowhere in the database files (SQLite) or in any column (PostgreSQL).
#[tokio::test]
async fn a_deleted_resident_leaves_nothing_in_the_database() {
    let app = spawn_app_with(no_caps).await;
    let first = registration(&id(), PHONE, NAME);
    let second = registration(&id(), PHONE, &format!("{NAME} (bis)"));
    sync(&app, &json!({ "registrations": [first.clone()] })).await;
    app.sent_when(|s| !s.is_empty()).await;
    sync(&app, &json!({ "registrations": [second.clone()] })).await;
    app.sent_when(|s| s.len() >= 2).await;
    let session = app.session(PHONE).await;
    let r = app
        .post("/v1/login", &json!({ "phone": PHONE, "code": "000000" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "a failed login is counted for the number");
    let mut profile = registration(&id(), PHONE, NAME)["profile"].clone();
    profile["street"] = json!(format!("Rue {NAME}"));
    let r = app
        .http
        .put(app.url("/v1/profile"))
        .bearer_auth(&app.kiosk_token)
        .header("borne-session", &session)
        .json(&profile)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // The two confirmations and the code went out.
    assert_eq!(app.sent_when(|s| s.len() >= 3).await.len(), 3);

    let mut needles = needles();
    needles.extend([content_hash(&first), content_hash(&second)]);
    // The scan finds what is there.
    for (needle, hits) in occurrences(&app, &needles).await {
        assert!(hits > 0, "{needle} before the deletion");
    }
    let db = app.db().await;
    let kinds: Vec<(String, String)> =
        sqlx::query_as("SELECT scope, key FROM login_failures ORDER BY scope")
            .fetch_all(&db)
            .await
            .unwrap();
    assert_eq!(kinds[1], ("phone".to_owned(), "+18195550187".to_owned()));
    let pending: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM pending_changes WHERE state = 'pending'")
            .fetch_one(&db)
            .await
            .unwrap();
    assert_eq!(pending, 1);
    db.close().await;

    let r = app
        .http
        .delete(app.url("/v1/me"))
        .bearer_auth(&app.kiosk_token)
        .header("borne-session", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    // The retention job's pass, as it runs on the server: purge, then
    // truncate the WAL.
    let store = Store::connect(&app.db_url).await.unwrap();
    let now = borne_central::db::now();
    let limits = borne_central::db::SessionLimits {
        idle: Duration::from_secs(900),
        lifetime: Duration::from_secs(1_800),
    };
    store.purge(now, now - 30 * 86_400, limits).await.unwrap();
    let checkpoint = store.truncate_wal().await.unwrap();
    match test_engine() {
        Engine::Sqlite => assert_eq!(checkpoint, WalCheckpoint::Truncated),
        Engine::Postgres => assert_eq!(checkpoint, WalCheckpoint::NotApplicable),
    }

    for (needle, hits) in occurrences(&app, &needles).await {
        assert_eq!(hits, 0, "{needle} after the deletion");
    }
    // What stays: that a deletion happened, and the registrations' ids
    // (the kiosk's hourly share counts them), their hashes blanked.
    let db = app.db().await;
    let (deletions, registrations, blank): (i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM deletions), (SELECT COUNT(*) FROM registrations),
                (SELECT COUNT(*) FROM registrations WHERE content_hash = '')",
    )
    .fetch_one(&db)
    .await
    .unwrap();
    assert_eq!((deletions, registrations, blank), (1, 2, 2));
    // The kiosk sends the first registration again (it never saw the
    // answer): received, and nothing of the resident comes back.
    let again = sync(&app, &json!({ "registrations": [first] })).await;
    assert_eq!(again["results"][0]["outcome"], "accepted");
    let accounts: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM accounts")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(accounts, 0);
    db.close().await;
    app.stop().await;
}

/// A live signup and an offline registration for the same new number,
/// on two instances over one PostgreSQL database, at the same moment,
/// many times over: each pair ends with one account and both requests
/// answered (ingest inserts are conflict-safe), and no log line of either
/// instance, at any level, holds the number. On SQLite one instance takes
/// the ingest's write lock before reading, so there is no race to run.
#[tokio::test]
async fn a_signup_racing_an_ingest_logs_no_number() {
    if test_engine() != Engine::Postgres {
        eprintln!(
            "note: a_signup_racing_an_ingest_logs_no_number runs on PostgreSQL only \
             (BORNE_TEST_ENGINE=postgres)"
        );
        return;
    }
    let (logs, guard) = LogCapture::start();
    let tweak = |c: &mut borne_central::Config| {
        no_caps(c);
        c.limits.kiosk_registrations_per_hour = 0;
    };
    let a = spawn_app_with(tweak).await;
    let url = a.db_url.clone();
    let b: TestApp = spawn_app_with(move |c| {
        tweak(c);
        c.database_url = url.into();
    })
    .await;
    let numbers: Vec<String> = (0..40).map(|i| format!("873 555-01{i:02}")).collect();
    for (i, number) in numbers.iter().enumerate() {
        // The signup hashes its code first (tens of milliseconds): the
        // ingest starts at a different moment of it each time.
        let head_start = Duration::from_millis(u64::try_from(i % 10).unwrap() * 8);
        let batch = json!({ "registrations": [registration(&id(), number, "Racine")] });
        let (signup, synced) = tokio::join!(a.signup(number, "sms"), async {
            tokio::time::sleep(head_start).await;
            b.post("/v1/registrations", &batch).send().await.unwrap()
        });
        assert_eq!(signup.status(), 202, "{number}");
        let (status, body) = error_code(synced).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["results"][0]["status"], 200, "{body}");
    }
    let db = a.db().await;
    for number in &numbers {
        let e164 = format!("+1{}", number.replace([' ', '-'], ""));
        let (accounts, registrations): (i64, i64) = sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM accounts WHERE phone = $1),
                    (SELECT COUNT(*) FROM registrations r JOIN accounts a ON a.id = r.account_id
                      WHERE a.phone = $2)",
        )
        .bind(&e164)
        .bind(&e164)
        .fetch_one(&db)
        .await
        .unwrap();
        assert_eq!((accounts, registrations), (1, 1), "{number}");
    }
    db.close().await;
    b.stop().await;
    a.stop().await;
    drop(guard);

    let lines = logs.lines();
    for expected in ["code issued", "offline registrations stored"] {
        assert!(
            lines.iter().any(|l| l.contains(expected)),
            "the capture holds the servers' lines ({expected})"
        );
    }
    for number in &numbers {
        let digits = number.replace([' ', '-'], "");
        for form in [format!("+1{digits}"), digits, number.clone()] {
            let leaked: Vec<&String> = lines.iter().filter(|l| l.contains(&form)).collect();
            assert!(leaked.is_empty(), "{form} logged: {leaked:?}");
        }
    }
}
