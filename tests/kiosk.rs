//! The kiosk service (`borne-kiosk-core`'s `Kiosk`) through a real
//! central server, started in this process: online signup, offline
//! capture and sync, staff mode and enrollment. What the kiosk checks
//! without a server is tested beside its code.

use std::time::Duration;

use borne_e2e::in_process::{central, enrollment_code, provision, reserved_port, start_central};
use borne_kiosk_core::queue::now_ms;
use borne_kiosk_core::{
    CaptchaService, Clock, DeviceCredential, Kiosk, KioskConfig, Queue, SyncWorker,
};
use borne_protocol::ipc::{
    CodeRequestForm, CodeRequestOutcome, CodeSent, LoginForm, LoginOutcome, OfflineForm,
    ProfileOutcome, QueueStatus, Queued,
};
use borne_protocol::{self as wire, ErrorBody};

/// A device token no central server knows.
fn stranger() -> DeviceCredential {
    DeviceCredential {
        kiosk_id: "nobody".into(),
        kiosk_name: "Nulle part".into(),
        token: "f".repeat(64),
    }
}

/// A kiosk, with its sync worker and its own handle on the kiosk's queue
/// (the same file, opened with the same key).
struct TestKiosk {
    kiosk: Kiosk,
    sync: SyncWorker,
    queue: Queue,
    _dir: tempfile::TempDir,
}

impl std::ops::Deref for TestKiosk {
    type Target = Kiosk;
    fn deref(&self) -> &Kiosk {
        &self.kiosk
    }
}

async fn kiosk(url: &str, credential: &DeviceCredential) -> TestKiosk {
    kiosk_with(url, Some(credential), &[]).await
}

/// A kiosk holding `credential` in its key store (as after enrollment),
/// or none.
async fn kiosk_with(
    url: &str,
    credential: Option<&DeviceCredential>,
    extra: &[(&str, String)],
) -> TestKiosk {
    let dir = tempfile::tempdir().unwrap();
    if let Some(c) = credential {
        borne_kiosk_core::KeyStore::File(dir.path().join("queue.key"))
            .store_credential(c)
            .unwrap();
    }
    let data = dir.path().display().to_string();
    let config = KioskConfig::from_lookup(
        |k| match k {
            "BORNE_CENTRAL_URL" => Some(url.to_string()),
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
    let (key, _) = config.key_store.load_or_create().unwrap();
    let queue_file = config.data_dir.join("queue.sqlite");
    let kiosk = Kiosk::open(config, CaptchaService::fixed("ABCDE"), Clock::system())
        .await
        .unwrap();
    let queue = Queue::open(&queue_file, &key).await.unwrap();
    TestKiosk {
        sync: kiosk.sync_worker(),
        queue,
        kiosk,
        _dir: dir,
    }
}

fn online(o: CodeRequestOutcome) -> CodeSent {
    match o {
        CodeRequestOutcome::Online(sent) => sent,
        CodeRequestOutcome::Offline(_) => panic!("went offline"),
    }
}

fn form(phone: &str) -> CodeRequestForm {
    CodeRequestForm {
        phone: phone.into(),
        channel: Some(wire::Channel::Sms),
        captcha_answer: "abcde".into(),
        consent_accepted: true,
        language: wire::Language::Fr,
        staff_assisted: false,
    }
}

async fn code_from(outbox: &std::path::Path) -> String {
    for _ in 0..400 {
        if let Ok(text) = std::fs::read_to_string(outbox) {
            // The latest message, once it is a code (not a confirmation).
            if let Some(line) = text.lines().last() {
                let v: serde_json::Value = serde_json::from_str(line).unwrap();
                let t = v["text"].as_str().unwrap().to_owned();
                if let Some(code) = t
                    .split(|c: char| !c.is_ascii_digit())
                    .find(|s| s.len() == 6)
                {
                    return code.to_owned();
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("no code sent");
}

/// Waits for the central server's message asking `to` (E.164) to
/// confirm a synced registration.
async fn confirmation_to(outbox: &std::path::Path, to: &str) {
    for _ in 0..400 {
        let asked = std::fs::read_to_string(outbox)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .any(|v| v["to"] == to && v["asks_confirmation"] == true);
        if asked {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("no confirmation asked of {to}");
}

fn fields(e: &ErrorBody) -> Vec<String> {
    e.fields
        .iter()
        .map(|f| format!("{}={}", f.field, f.code))
        .collect()
}

#[tokio::test]
async fn step_one_checks_everything_locally_and_uses_up_the_captcha() {
    let c = central().await;
    let k = kiosk(&c.url, &c.credential).await;
    // No captcha drawn yet: even the right answer fails.
    let mut f = form("514 555-0100");
    f.channel = None;
    f.consent_accepted = false;
    f.phone = "876 555-0100".into();
    let e = k.request_code(f).await.unwrap_err();
    assert_eq!(e.code, "validation");
    let got = fields(&e);
    for want in [
        "phone=phone.area_code_not_accepted",
        "channel=channel.required",
        "consent=consent.required",
        "captcha=captcha.wrong",
    ] {
        assert!(got.contains(&want.to_string()), "{want} in {got:?}");
    }
    k.new_captcha();
    assert!(k.request_code(form("514 555-0100")).await.is_ok());
    // The captcha was used: the same answer again is refused.
    let e = k.request_code(form("514 555-0100")).await.unwrap_err();
    assert!(fields(&e).contains(&"captcha=captcha.wrong".to_string()));
}

#[tokio::test]
async fn full_online_signup_through_the_real_central_server() {
    let c = central().await;
    let k = kiosk(&c.url, &c.credential).await;
    k.new_captcha();
    let sent = online(k.request_code(form("(514) 555-0100")).await.unwrap());
    assert_eq!(sent.phone_display, "514 555-0100");
    let code = code_from(&c.outbox).await;
    let outcome = k
        .login(LoginForm {
            phone: sent.phone_display.clone(),
            code,
        })
        .await
        .unwrap();
    assert!(!outcome.existing_profile);
    // Prefilled: the town. No contact point: whether the signup phone is a
    // cell phone or a landline is the resident's to say (the UI asks).
    assert_eq!(outcome.profile.city, "Mille-Isles");
    assert!(outcome.profile.contacts.is_empty());

    let mut profile = named(outcome.profile, "Tremblay", &outcome.phone_display);
    profile.contacts.push(wire::ContactPoint {
        active: true,
        description: "Bureau".into(),
        kind: wire::ContactType::Landline,
        value: "450 555-0177".into(),
        extension: "214".into(),
        extension_delay_seconds: Some(6),
        order: 2,
    });
    let ProfileOutcome::Online(saved) = k.save_profile(profile).await.unwrap() else {
        panic!("queued instead of saved");
    };
    assert_eq!(saved.profile.contacts[1].value, "+14505550177");

    // A wiped session cannot save any more.
    k.reset();
    let e = k.save_profile(saved.profile).await.unwrap_err();
    assert_eq!(e.code, "session.expired");
}

#[tokio::test]
async fn a_resident_sees_their_data_and_deletes_their_account() {
    let c = central().await;
    let k = kiosk(&c.url, &c.credential).await;
    // Nobody logged in: nothing to show or delete.
    assert_eq!(k.my_data().await.unwrap_err().code, "session.expired");
    k.new_captcha();
    let sent = online(k.request_code(form("514 555-0104")).await.unwrap());
    let code = code_from(&c.outbox).await;
    k.login(LoginForm {
        phone: sent.phone_display,
        code,
    })
    .await
    .unwrap();
    let data = k.my_data().await.unwrap();
    assert_eq!(data.account.phone, "+15145550104");
    assert!(data.account.verified_at.is_some());
    assert_eq!(data.consents.len(), 1);
    assert_eq!(data.code_deliveries.len(), 1);
    assert!(data.profile.is_none());

    k.delete_my_account().await.unwrap();
    // The session went with the account.
    assert_eq!(k.my_data().await.unwrap_err().code, "session.expired");
    assert_eq!(
        k.delete_my_account().await.unwrap_err().code,
        "session.expired"
    );
}

#[tokio::test]
async fn an_unauthorized_kiosk_gets_a_stable_code() {
    let c = central().await;
    let k = kiosk(&c.url, &stranger()).await;
    k.new_captcha();
    assert_eq!(
        k.request_code(form("514 555-0100")).await.unwrap_err().code,
        "kiosk.unauthorized"
    );
    // The attract screen tells residents the kiosk is out of service.
    let c = k.connectivity();
    assert!(c.online && c.refused);
}

#[tokio::test]
async fn a_wrong_code_is_reported_on_the_code_field() {
    let c = central().await;
    let k = kiosk(&c.url, &c.credential).await;
    k.new_captcha();
    online(k.request_code(form("514 555-0100")).await.unwrap());
    let code = code_from(&c.outbox).await;
    let wrong = format!("{:06}", (code.parse::<u32>().unwrap() + 1) % 1_000_000);
    let e = k
        .login(LoginForm {
            phone: "514 555-0100".into(),
            code: wrong,
        })
        .await
        .unwrap_err();
    assert_eq!(e.code, "login.invalid_code");
    let e = k
        .login(LoginForm {
            phone: "514 555-0100".into(),
            code: "12".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(fields(&e), ["code=code.invalid_format"]);
}

#[tokio::test]
async fn delivery_status_and_resend_within_the_caps() {
    let c = central().await;
    let k = kiosk(&c.url, &c.credential).await;
    assert_eq!(
        k.delivery_status().await.unwrap_err().code,
        "session.expired"
    );
    assert_eq!(
        k.resend_code(wire::Channel::Voice).await.unwrap_err().code,
        "session.expired"
    );
    k.new_captcha();
    let sent = online(k.request_code(form("514 555-0100")).await.unwrap());
    assert_eq!(sent.resend_after_seconds, 60);
    assert_eq!(sent.fallback, None);
    code_from(&c.outbox).await;
    let mut status = k.delivery_status().await.unwrap();
    for _ in 0..200 {
        if status.state == wire::DeliveryState::Sent {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        status = k.delivery_status().await.unwrap();
    }
    assert_eq!(status.state, wire::DeliveryState::Sent);
    assert_eq!(status.channel, wire::Channel::Sms);
    // Asking again within the minute: the central server's cap answers.
    let e = k.resend_code(wire::Channel::Voice).await.unwrap_err();
    assert_eq!(e.code, "rate_limited");
    assert!(e.retry_after_seconds.is_some_and(|s| s > 50 && s <= 60));
}

async fn log_in(k: &Kiosk, phone: &str, code: String) -> LoginOutcome {
    k.login(LoginForm {
        phone: phone.into(),
        code,
    })
    .await
    .unwrap()
}

/// What « Envoyer maintenant » does, without opening staff mode.
async fn sync(k: &TestKiosk) -> QueueStatus {
    k.sync.check().await;
    k.queue.make_all_due(now_ms()).await.unwrap();
    k.sync.pass().await.unwrap();
    k.sync.status().await.unwrap()
}

fn offline(o: CodeRequestOutcome) -> OfflineForm {
    match o {
        CodeRequestOutcome::Offline(form) => form,
        CodeRequestOutcome::Online(_) => panic!("went online"),
    }
}

fn queued(o: ProfileOutcome) -> Queued {
    match o {
        ProfileOutcome::Offline(q) => q,
        ProfileOutcome::Online(_) => panic!("saved online"),
    }
}

/// The form as a resident sends it: their name and, on a new form, their
/// number as the first contact (the type they answered: a cell phone).
fn named(mut p: wire::Profile, name: &str, phone: &str) -> wire::Profile {
    p.name = name.into();
    if p.contacts.is_empty() {
        p.contacts.push(wire::ContactPoint {
            active: true,
            description: String::new(),
            kind: wire::ContactType::Mobile,
            value: phone.into(),
            extension: String::new(),
            extension_delay_seconds: None,
            order: 1,
        });
    }
    p
}

#[tokio::test]
async fn offline_registration_is_queued_then_synced_once_the_server_is_back() {
    let (port, reserved) = reserved_port();
    let url = format!("http://127.0.0.1:{port}");
    let dir = tempfile::tempdir().unwrap();
    let k = kiosk(&url, &provision(dir.path()).await).await;
    k.new_captcha();
    // Nobody listens: the offline variant, straight to step 5.
    let form = offline(k.request_code(form("514 555-0142")).await.unwrap());
    assert_eq!(form.phone_display, "514 555-0142");
    assert!(form.profile.contacts.is_empty(), "no line type guessed");
    assert!(!k.connectivity().online);
    let q = queued(
        k.save_profile(named(form.profile, "Gagnon", &form.phone_display))
            .await
            .unwrap(),
    );
    assert!(
        q.reference.len() == 9 && q.reference.as_bytes()[4] == b'-',
        "{}",
        q.reference
    );
    let status = k.sync.status().await.unwrap();
    assert_eq!((status.pending, status.acknowledged), (1, 0));
    assert!(status.oldest_pending_seconds.is_some());

    // The server comes up on that port: « Envoyer maintenant ».
    drop(reserved);
    let limits = [("BORNE_LIMIT_NUMBER_MIN_INTERVAL_SECONDS", "0")];
    let (_, outbox, _stop, _task) =
        start_central(dir.path(), &format!("127.0.0.1:{port}"), &limits).await;
    let status = sync(&k).await;
    assert_eq!((status.pending, status.acknowledged), (0, 1), "{status:?}");
    assert!(status.last_sync_at.is_some() && status.online);
    assert_eq!(k.queue.with_personal_data().await.unwrap(), 0);
    // The central server asked the phone to confirm it.
    confirmation_to(&outbox, "+15145550142").await;
    // Back at a kiosk, the new resident logs in with a fresh code:
    // verified, profile there.
    k.reset();
    k.new_captcha();
    online(k.request_code(self::form("514 555-0142")).await.unwrap());
    let code = code_from(&outbox).await;
    let outcome = log_in(&k, "514 555-0142", code).await;
    assert!(outcome.existing_profile && !outcome.offline);
    assert_eq!(outcome.profile.name, "Gagnon");
}

/// A kiosk with its network unplugged takes a few offline registrations
/// an hour, then sends residents to the staff.
#[tokio::test]
async fn offline_captures_are_capped_per_hour() {
    let (port, _reserved) = reserved_port();
    let dir = tempfile::tempdir().unwrap();
    let k = kiosk_with(
        &format!("http://127.0.0.1:{port}"),
        Some(&provision(dir.path()).await),
        &[("BORNE_KIOSK_OFFLINE_PER_HOUR", "2".into())],
    )
    .await;
    for (phone, name) in [("514 555-0145", "Un"), ("514 555-0146", "Deux")] {
        k.reset();
        k.new_captcha();
        let form = offline(k.request_code(self::form(phone)).await.unwrap());
        queued(
            k.save_profile(named(form.profile, name, &form.phone_display))
                .await
                .unwrap(),
        );
    }
    k.reset();
    k.new_captcha();
    let e = k
        .request_code(self::form("514 555-0147"))
        .await
        .unwrap_err();
    assert_eq!(e.code, "offline.capture_limit");
    assert_eq!(k.queue.counts().await.unwrap().pending, 2);
}

#[tokio::test]
async fn a_server_lost_mid_flow_sends_the_resident_to_the_queue_without_retyping() {
    let (port, reserved) = reserved_port();
    drop(reserved);
    let dir = tempfile::tempdir().unwrap();
    let listen = format!("127.0.0.1:{port}");
    let (url, outbox, stop, task) = start_central(dir.path(), &listen, &[]).await;
    let k = kiosk(&url, &provision(dir.path()).await).await;
    k.new_captcha();
    online(k.request_code(form("514 555-0143")).await.unwrap());
    let code = code_from(&outbox).await;
    // The server goes away between steps 1 and 4.
    stop.send(()).unwrap();
    task.await.unwrap();
    let outcome = log_in(&k, "514 555-0143", code).await;
    assert!(outcome.offline);
    assert!(outcome.profile.contacts.is_empty(), "no line type guessed");
    let q = queued(
        k.save_profile(named(outcome.profile, "Roy", &outcome.phone_display))
            .await
            .unwrap(),
    );
    assert_eq!(q.phone_display, "514 555-0143");
    // Back: the worker's sync stores it on the account made in step 1.
    let (_, _, _stop, _task) = start_central(dir.path(), &listen, &[]).await;
    let status = sync(&k).await;
    assert_eq!(status.acknowledged, 1, "{status:?}");
}

#[tokio::test]
async fn a_verified_number_is_never_overwritten_by_an_offline_registration() {
    let (port, reserved) = reserved_port();
    drop(reserved);
    let dir = tempfile::tempdir().unwrap();
    let listen = format!("127.0.0.1:{port}");
    // No minimum interval: the second code may follow the first at once.
    let limits = [("BORNE_LIMIT_NUMBER_MIN_INTERVAL_SECONDS", "0")];
    let (url, outbox, stop, task) = start_central(dir.path(), &listen, &limits).await;
    // The owner signs up online and saves a profile.
    let owner = kiosk(&url, &provision(dir.path()).await).await;
    owner.new_captcha();
    online(owner.request_code(form("514 555-0144")).await.unwrap());
    let code = code_from(&outbox).await;
    let outcome = log_in(&owner, "514 555-0144", code).await;
    owner
        .save_profile(named(
            outcome.profile,
            "Propriétaire",
            &outcome.phone_display,
        ))
        .await
        .unwrap();
    // Someone else registers that number at a kiosk during an outage.
    stop.send(()).unwrap();
    task.await.unwrap();
    let other = kiosk(&url, &provision(dir.path()).await).await;
    other.new_captcha();
    let form = offline(other.request_code(form("514 555-0144")).await.unwrap());
    queued(
        other
            .save_profile(named(form.profile, "Imposteur", &form.phone_display))
            .await
            .unwrap(),
    );
    let (_, outbox, _stop, _task) = start_central(dir.path(), &listen, &limits).await;
    assert_eq!(sync(&other).await.acknowledged, 1);
    // The owner's profile is untouched until they decide: the owner's
    // phone is asked to confirm; they log in at a kiosk instead.
    confirmation_to(&outbox, "+15145550144").await;
    owner.reset();
    owner.new_captcha();
    online(
        owner
            .request_code(self::form("514 555-0144"))
            .await
            .unwrap(),
    );
    let code = code_from(&outbox).await;
    let outcome = log_in(&owner, "514 555-0144", code).await;
    assert_eq!(outcome.profile.name, "Propriétaire");
    let pending = outcome.pending_change.expect("a pending change");
    assert_eq!(pending.profile.name, "Imposteur");
    // Discarded: the profile stays the owner's.
    let profile = owner.decide_pending_change(false).await.unwrap();
    assert_eq!(profile.name, "Propriétaire");
    assert_eq!(
        owner.decide_pending_change(true).await.unwrap_err().code,
        "session.expired"
    );
}

#[tokio::test]
async fn staff_enroll_the_kiosk_then_sign_a_resident_up_without_captcha() {
    let dir = tempfile::tempdir().unwrap();
    let (url, outbox, _stop, _task) = start_central(dir.path(), "127.0.0.1:0", &[]).await;
    let hash = borne_kiosk_core::hash_staff_pin("482913").unwrap();
    let k = kiosk_with(&url, None, &[("BORNE_KIOSK_STAFF_PIN_HASH", hash)]).await;
    // Not enrolled: the server is not even asked.
    assert!(!k.info().enrolled && k.connectivity().refused);
    k.new_captcha();
    assert_eq!(
        k.request_code(form("514 555-0146")).await.unwrap_err().code,
        "kiosk.not_enrolled"
    );
    let code = enrollment_code(dir.path()).await;
    assert_eq!(
        k.enroll(code.clone()).await.unwrap_err().code,
        "staff.required"
    );
    k.staff_login("482913".into()).await.unwrap();
    assert_eq!(
        k.enroll("AAAA-BBBB-CCCC".into()).await.unwrap_err().code,
        "enroll.invalid_code"
    );
    let enrolled = k.enroll(code.to_lowercase()).await.unwrap();
    assert_eq!(enrolled.kiosk_name, "Kiosque de test");
    let info = k.info();
    assert!(info.enrolled);
    assert_eq!(info.kiosk_name.as_deref(), Some("Kiosque de test"));
    assert!(!k.connectivity().refused);
    // Used once only.
    assert_eq!(
        k.enroll(code).await.unwrap_err().code,
        "enroll.invalid_code"
    );
    // The token was kept in the key store (a file here): a restarted
    // kiosk is still enrolled.
    let again = KioskConfig::from_lookup(
        |key| match key {
            "BORNE_CENTRAL_URL" => Some(url.clone()),
            "BORNE_KIOSK_DATA_DIR" => Some(k._dir.path().display().to_string()),
            "BORNE_KIOSK_KEY_STORE" => Some("file".into()),
            _ => None,
        },
        std::env::temp_dir(),
    )
    .unwrap();
    assert!(again.key_store.load_credential().unwrap().is_some());
    k.reset();
    let mut assisted = form("514 555-0145");
    assisted.captcha_answer = String::new();
    assisted.staff_assisted = true;
    // Not without staff mode.
    assert_eq!(
        k.request_code(assisted.clone()).await.unwrap_err().code,
        "staff.required"
    );
    let status = k.staff_login("482913".into()).await.unwrap();
    assert_eq!(status.pending, 0);
    assert!(
        k.sync_now().await.unwrap().online,
        "« Envoyer maintenant » in staff mode"
    );
    online(k.request_code(assisted).await.unwrap());
    code_from(&outbox).await;
    let db = dir.path().join("borne-central.sqlite");
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}?mode=ro", db.display()))
        .await
        .unwrap();
    let staff: bool = sqlx::query_scalar("SELECT staff_assisted FROM consents")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(staff, "the consent record says staff-assisted");
    // The session ends: staff mode with it.
    k.reset();
    assert_eq!(k.queue_status().await.unwrap_err().code, "staff.required");
}
