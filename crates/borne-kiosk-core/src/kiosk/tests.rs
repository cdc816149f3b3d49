//! What the kiosk checks without a central server. The flows through a
//! real central server are in the workspace's `tests/kiosk.rs`.

use super::*;
use crate::DeviceCredential;

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
    crate::KeyStore::File(dir.path().join("queue.key"))
        .store_credential(&stranger())
        .unwrap();
    let data = dir.path().display().to_string();
    let config = KioskConfig::from_lookup(
        |k| match k {
            "BORNE_CENTRAL_URL" => Some("http://127.0.0.1:9".into()),
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
    let kiosk = Kiosk::open(
        config,
        CaptchaService {
            fixed_answer: Some("ABCDE".into()),
        },
    )
    .await
    .unwrap();
    TestKiosk { kiosk, _dir: dir }
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
