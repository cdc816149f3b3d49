//! What the kiosk checks without a central server. The flows through a
//! real central server are in the workspace's `tests/kiosk.rs`.

use std::path::Path;
use std::time::Duration;

use borne_protocol::ipc::LoginForm;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use super::*;
use crate::DeviceCredential;

/// A central server nobody answers on.
const UNREACHABLE: &str = "http://127.0.0.1:9";

/// A device token no central server knows.
fn stranger() -> DeviceCredential {
    DeviceCredential {
        kiosk_id: "nobody".into(),
        kiosk_name: "Nulle part".into(),
        token: "f".repeat(64),
    }
}

struct TestKiosk {
    kiosk: Kiosk,
    _dir: tempfile::TempDir,
}

impl std::ops::Deref for TestKiosk {
    type Target = Kiosk;
    fn deref(&self) -> &Kiosk {
        &self.kiosk
    }
}

/// A kiosk of an unreachable central server, holding `stranger()`.
async fn kiosk_with(extra: &[(&str, String)]) -> TestKiosk {
    let dir = tempfile::tempdir().unwrap();
    let kiosk = open_in(dir.path(), UNREACHABLE, extra, Clock::system()).await;
    TestKiosk { kiosk, _dir: dir }
}

/// The kiosk whose data is in `dir` (opened again: a restart), holding
/// `stranger()`, of the central server at `url`.
async fn open_in(dir: &Path, url: &str, extra: &[(&str, String)], clock: Clock) -> Kiosk {
    crate::KeyStore::File(dir.join("queue.key"))
        .store_credential(&stranger())
        .unwrap();
    let data = dir.display().to_string();
    let config = KioskConfig::from_lookup(
        |k| match k {
            "BORNE_CENTRAL_URL" => Some(url.into()),
            "BORNE_KIOSK_ID" => Some("kiosk-test".into()),
            "BORNE_CENTRAL_TIMEOUT_SECONDS" => Some("2".into()),
            "BORNE_KIOSK_DATA_DIR" => Some(data.clone()),
            "BORNE_KIOSK_KEY_STORE" => Some("file".into()),
            other => extra
                .iter()
                .find(|(n, _)| *n == other)
                .map(|(_, v)| v.clone()),
        },
        std::env::temp_dir(),
    )
    .unwrap();
    Kiosk::open(
        config,
        CaptchaService {
            fixed_answer: Some("ABCDE".into()),
        },
        clock,
    )
    .await
    .unwrap()
}

fn fields(e: &wire::ErrorBody) -> Vec<String> {
    e.fields
        .iter()
        .map(|f| format!("{}={}", f.field, f.code))
        .collect()
}

#[tokio::test]
async fn local_profile_errors_do_not_need_the_network() {
    let k = kiosk_with(&[]).await;
    let e = k.save_profile(wire::Profile::default()).await.unwrap_err();
    let got = fields(&e);
    assert!(
        got.contains(&"name=profile.name_required".to_string()),
        "{got:?}"
    );
    assert!(
        got.contains(&"contacts=profile.no_active_contact".to_string()),
        "{got:?}"
    );
}

#[tokio::test]
async fn the_ui_gets_the_town_with_its_designation() {
    let k = kiosk_with(&[]).await;
    assert_eq!(
        serde_json::to_value(k.info()).unwrap()["town_designation"],
        "ville"
    );
    let k = kiosk_with(&[
        ("BORNE_TOWN_NAME", "Ivry-sur-le-Lac".into()),
        ("BORNE_TOWN_DESIGNATION", "municipalite".into()),
    ])
    .await;
    let info = serde_json::to_value(k.info()).unwrap();
    assert_eq!(info["town_name"], "Ivry-sur-le-Lac");
    assert_eq!(info["town_designation"], "municipalite");
}

#[tokio::test]
async fn staff_mode_needs_the_pin_and_locks_after_five_wrong_ones() {
    let k = kiosk_with(&[]).await;
    assert_eq!(
        k.staff_login("1234".into()).await.unwrap_err().code,
        "staff.disabled"
    );
    let hash = crate::hash_staff_pin("482913").unwrap();
    let k = kiosk_with(&[("BORNE_KIOSK_STAFF_PIN_HASH", hash)]).await;
    assert!(k.info().staff_enabled);
    assert_eq!(k.queue_status().await.unwrap_err().code, "staff.required");
    assert_eq!(k.sync_now().await.unwrap_err().code, "staff.required");
    for _ in 0..4 {
        assert_eq!(
            k.staff_login("000000".into()).await.unwrap_err().code,
            "staff.wrong_pin"
        );
    }
    let e = k.staff_login("000000".into()).await.unwrap_err();
    assert_eq!(e.code, "staff.locked");
    assert_eq!(e.retry_after_seconds, Some(300));
    // Locked: even the right PIN waits.
    assert_eq!(
        k.staff_login("482913".into()).await.unwrap_err().code,
        "staff.locked"
    );
    assert_eq!(k.queue_status().await.unwrap_err().code, "staff.required");
}

/// The code and wait of a refused staff PIN.
async fn refused_pin(k: &Kiosk, pin: &str) -> (String, Option<u32>) {
    let e = k.staff_login(pin.into()).await.unwrap_err();
    (e.code, e.retry_after_seconds)
}

/// Four wrong PINs (tries left), then the fifth: the lock it starts.
async fn five_wrong_pins(k: &Kiosk) -> Option<u32> {
    for _ in 0..4 {
        assert_eq!(refused_pin(k, "000000").await.0, "staff.wrong_pin");
    }
    let (code, wait) = refused_pin(k, "000000").await;
    assert_eq!(code, "staff.locked");
    wait
}

/// Stops a kiosk as a power cut would leave it: nothing but the files.
async fn stop(k: Kiosk) {
    k.queue.close().await;
    drop(k);
}

#[tokio::test]
async fn the_staff_pin_lock_survives_a_restart_and_escalates_until_the_right_pin() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Clock::fixed(1_800_000_000_000);
    let extra = [(
        "BORNE_KIOSK_STAFF_PIN_HASH",
        crate::hash_staff_pin("482913").unwrap(),
    )];
    let open = || open_in(dir.path(), UNREACHABLE, &extra, clock.clone());
    let minutes = |m: u64| Duration::from_secs(m * 60);

    let k = open().await;
    assert_eq!(five_wrong_pins(&k).await, Some(300));
    stop(k).await;
    // Restarted: still locked, for what is left of the 5 minutes.
    let k = open().await;
    clock.advance(minutes(1));
    assert_eq!(
        refused_pin(&k, "482913").await,
        ("staff.locked".into(), Some(240))
    );
    clock.advance(minutes(4));
    // The next five: 15 minutes; a restart changes nothing.
    assert_eq!(five_wrong_pins(&k).await, Some(900));
    stop(k).await;
    let k = open().await;
    assert_eq!(
        refused_pin(&k, "482913").await,
        ("staff.locked".into(), Some(900))
    );
    clock.advance(minutes(15));
    assert_eq!(five_wrong_pins(&k).await, Some(3600));
    clock.advance(minutes(60));
    assert_eq!(five_wrong_pins(&k).await, Some(3600), "stays at 1 h");
    // Tries left before a lock are counted across a restart too.
    clock.advance(minutes(60));
    assert_eq!(refused_pin(&k, "000000").await.0, "staff.wrong_pin");
    stop(k).await;
    let k = open().await;
    for _ in 0..3 {
        assert_eq!(refused_pin(&k, "000000").await.0, "staff.wrong_pin");
    }
    assert_eq!(
        refused_pin(&k, "000000").await,
        ("staff.locked".into(), Some(3600))
    );
    clock.advance(minutes(60));
    // The right PIN opens staff mode and starts everything over.
    k.staff_login("482913".into()).await.unwrap();
    k.reset();
    stop(k).await;
    let k = open().await;
    assert_eq!(five_wrong_pins(&k).await, Some(300));
}

/// A passer-by who locked staff out is undone by a new staff PIN: the lock
/// counted tries against the old one. The old PIN, configured again, finds
/// nothing of the old lock either (a new hash of it has a new salt).
#[tokio::test]
async fn a_new_staff_pin_starts_without_the_lock_of_the_old_one() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Clock::fixed(1_800_000_000_000);
    let with_pin = |pin: &str| {
        [(
            "BORNE_KIOSK_STAFF_PIN_HASH",
            crate::hash_staff_pin(pin).unwrap(),
        )]
    };
    let old = with_pin("482913");
    let k = open_in(dir.path(), UNREACHABLE, &old, clock.clone()).await;
    assert_eq!(five_wrong_pins(&k).await, Some(300));
    stop(k).await;
    let k = open_in(dir.path(), UNREACHABLE, &old, clock.clone()).await;
    assert_eq!(
        refused_pin(&k, "482913").await.0,
        "staff.locked",
        "the same PIN: still locked"
    );
    stop(k).await;
    let k = open_in(dir.path(), UNREACHABLE, &with_pin("735102"), clock.clone()).await;
    k.staff_login("735102".into()).await.unwrap();
}

/// The wire answer of a central server that refuses every registration
/// of the batch for good.
fn refuse_all(request: &Request) -> ResponseTemplate {
    let batch: wire::RegistrationBatch = serde_json::from_slice(&request.body).unwrap();
    ResponseTemplate::new(200).set_body_json(wire::RegistrationBatchResult {
        results: batch
            .registrations
            .iter()
            .map(|r| wire::RegistrationResult {
                id: r.id.clone(),
                status: 422,
                outcome: None,
                error: Some(wire::ErrorBody::new("profile.invalid", "")),
            })
            .collect(),
    })
}

#[tokio::test]
async fn registrations_the_central_server_refused_are_deleted_after_the_retention() {
    let central = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/healthz"))
        .respond_with(ResponseTemplate::new(200).set_body_json(wire::Health {
            status: "ok".into(),
            api_version: borne_protocol::API_VERSION.into(),
        }))
        .mount(&central)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/kiosks/heartbeat"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&central)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/registrations"))
        .respond_with(refuse_all)
        .mount(&central)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let clock = Clock::fixed(1_800_000_000_000);
    let k = open_in(
        dir.path(),
        &central.uri(),
        &[("BORNE_KIOSK_REJECTED_RETENTION_DAYS", "30".into())],
        clock.clone(),
    )
    .await;
    let registration = wire::Registration {
        id: uuid::Uuid::now_v7().to_string(),
        captured_at: now_rfc3339(),
        phone: "+15145550142".into(),
        channel: wire::Channel::Sms,
        language: wire::Language::Fr,
        consent: k.consent(wire::Language::Fr, false),
        profile: wire::Profile::default(),
        owner_session: None,
    };
    k.queue.enqueue(&registration, clock.now()).await.unwrap();
    k.sync.pass().await.unwrap();
    let counts = k.queue.counts().await.unwrap();
    assert_eq!((counts.rejected, counts.pending), (1, 0));
    assert_eq!(
        k.queue.with_personal_data().await.unwrap(),
        1,
        "kept for staff"
    );
    // Staff see it listed: the resident's reference, when, and the
    // central server's reason as a code the panel translates.
    let status = k.sync.status().await.unwrap();
    assert_eq!(
        status.rejected_registrations,
        vec![wire::ipc::RejectedRegistration {
            reference: wire::registration_reference(&registration.id),
            captured_at: status.rejected_registrations[0].captured_at.clone(),
            rejected_at: status.rejected_registrations[0].rejected_at.clone(),
            reason: "profile.invalid".into(),
        }]
    );
    let listed = serde_json::to_string(&status).unwrap();
    assert!(!listed.contains("5145550142"), "no personal data: {listed}");

    // The worker's periodic check: kept until 30 days after the refusal.
    assert!(k.sync.check().await);
    clock.advance(Duration::from_secs(30 * 86_400) - Duration::from_millis(1));
    assert!(k.sync.check().await);
    assert_eq!(k.queue.counts().await.unwrap().rejected, 1);
    clock.advance(Duration::from_millis(1));
    assert!(k.sync.check().await);
    let counts = k.queue.counts().await.unwrap();
    assert_eq!(counts, crate::queue::QueueCounts::default());
    assert_eq!(k.queue.with_personal_data().await.unwrap(), 0);
    assert!(k.queue.get(&registration.id).await.unwrap().is_none());
}

/// Whether a DELETE (a session ended in the background) reaches `central`
/// within 10 s.
async fn a_delete_arrives(central: &MockServer) -> bool {
    for _ in 0..500 {
        let requests = central.received_requests().await.unwrap_or_default();
        if requests.iter().any(|r| r.method.as_str() == "DELETE") {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    false
}

#[tokio::test]
async fn a_wiped_session_is_ended_on_the_central_server_without_waiting() {
    let central = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/login"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(wire::LoginResponse {
                session_token: "the-resident-session".into(),
                session_idle_seconds: 900,
                profile: None,
                pending_change: None,
            }),
        )
        .mount(&central)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/v1/session"))
        .and(header(wire::SESSION_HEADER, "the-resident-session"))
        .and(header(
            "authorization",
            format!("Bearer {}", stranger().token),
        ))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&central)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let k = open_in(dir.path(), &central.uri(), &[], Clock::system()).await;
    // Nobody logged in: nothing to end.
    k.reset();
    k.login(LoginForm {
        phone: "514 555-0142".into(),
        code: "123456".into(),
    })
    .await
    .unwrap();
    k.reset();
    assert!(
        k.is_idle() && k.session().token().is_none(),
        "wiped at once"
    );
    // The DELETE goes out in the background; wait for it to arrive.
    assert!(
        a_delete_arrives(&central).await,
        "DELETE /v1/session never came"
    );
    k.reset();
    // `expect(1)` is checked here: one DELETE, with the session and the
    // device token, and no other.
    central.verify().await;
}

/// A logged-in resident who logs in again (another number, or the same
/// with a new code) leaves no central session behind: the one dropped is
/// ended on the server, as the wipe would; the new one stays.
#[tokio::test]
async fn a_session_replaced_by_another_login_is_ended_on_the_central_server() {
    let central = MockServer::start().await;
    let logins = std::sync::atomic::AtomicUsize::new(0);
    Mock::given(method("POST"))
        .and(path("/v1/login"))
        .respond_with(move |_: &Request| {
            let n = logins.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            ResponseTemplate::new(200).set_body_json(wire::LoginResponse {
                session_token: format!("session-{n}"),
                session_idle_seconds: 900,
                profile: None,
                pending_change: None,
            })
        })
        .mount(&central)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/v1/session"))
        .and(header(wire::SESSION_HEADER, "session-0"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&central)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let k = open_in(dir.path(), &central.uri(), &[], Clock::system()).await;
    for phone in ["514 555-0142", "514 555-0143"] {
        k.login(LoginForm {
            phone: phone.into(),
            code: "123456".into(),
        })
        .await
        .unwrap();
    }
    assert!(
        a_delete_arrives(&central).await,
        "the replaced session was never ended"
    );
    assert!(k.session().token().is_some(), "the new session stays");
    // `expect(1)`: session-0 ended, session-1 not.
}
