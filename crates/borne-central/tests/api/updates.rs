//! Kiosk updates served by the central server: `borne-central release
//! add|list|rollout`, `kiosk group`, `GET /v1/updates/{target}/{version}`
//! and the file, with a throwaway minisign key made here.

use base64::Engine as _;
use serde_json::Value;

use crate::helpers::*;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// A release key made for this test, and files signed with it as
/// `tauri signer sign --app-version` signs them.
struct Key {
    pair: minisign::KeyPair,
    dir: tempfile::TempDir,
}

impl Key {
    fn new() -> Self {
        Self {
            pair: minisign::KeyPair::generate_unencrypted_keypair().unwrap(),
            dir: tempfile::tempdir().unwrap(),
        }
    }

    /// The `.pub` file, as `plugins.updater.pubkey` holds it.
    fn pubkey_file(&self) -> String {
        let path = self.dir.path().join("release.key.pub");
        std::fs::write(
            &path,
            B64.encode(self.pair.pk.to_box().unwrap().into_string()),
        )
        .unwrap();
        path.display().to_string()
    }

    /// `name` with `bytes`, and `name.sig` binding `version`.
    fn signed(&self, name: &str, bytes: &[u8], version: &str) -> (String, String) {
        let file = self.dir.path().join(name);
        std::fs::write(&file, bytes).unwrap();
        let sig = minisign::sign(
            Some(&self.pair.pk),
            &self.pair.sk,
            std::io::Cursor::new(bytes),
            Some(&format!("timestamp:0\tfile:{name}\tversion:{version}")),
            None,
        )
        .unwrap();
        let sig_path = self.dir.path().join(format!("{name}.sig"));
        std::fs::write(&sig_path, B64.encode(sig.into_string())).unwrap();
        (file.display().to_string(), sig_path.display().to_string())
    }
}

async fn check(app: &TestApp, token: &str, target: &str, version: &str) -> reqwest::Response {
    app.http
        .get(app.url(&format!("/v1/updates/{target}/{version}")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_signed_release_reaches_the_kiosks_its_rollout_names() {
    let app = spawn_app().await;
    let run = |args: &[&str]| cli(&app.db_url, args);
    let key = Key::new();
    let pubkey = key.pubkey_file();
    let (file, sig) = key.signed("borne-kiosk", b"\x7fELF the kiosk 0.1.1", "0.1.1");

    // Nothing yet: 204.
    assert_eq!(
        check(&app, &app.kiosk_token, "linux-x86_64", "0.1.0")
            .await
            .status(),
        204
    );

    // Refused at `release add`: the signature binds another version, or
    // does not verify with the release key.
    let (_, other_sig) = key.signed("other", b"\x7fELF the kiosk 0.1.1", "0.1.2");
    let (ok, _, err) = run(&[
        "release",
        "add",
        "--target",
        "linux-x86_64",
        "--version",
        "0.1.1",
        "--file",
        &file,
        "--signature",
        &other_sig,
        "--percent",
        "100",
    ]);
    assert!(!ok && err.contains("binds version `0.1.2`"), "{err}");
    let stranger = Key::new();
    let (ok, _, err) = run(&[
        "release",
        "add",
        "--target",
        "linux-x86_64",
        "--version",
        "0.1.1",
        "--file",
        &file,
        "--signature",
        &sig,
        "--pubkey",
        &stranger.pubkey_file(),
        "--percent",
        "100",
    ]);
    assert!(!ok && err.contains("does not verify"), "{err}");
    let (ok, _, err) = run(&[
        "release",
        "add",
        "--target",
        "linux",
        "--version",
        "0.1.1",
        "--file",
        &file,
        "--signature",
        &sig,
        "--percent",
        "100",
    ]);
    assert!(!ok && err.contains("unknown target"), "{err}");

    // Stored for a pilot group first.
    let (ok, out, err) = run(&[
        "release",
        "add",
        "--target",
        "linux-x86_64",
        "--version",
        "0.1.1",
        "--file",
        &file,
        "--signature",
        &sig,
        "--pubkey",
        &pubkey,
        "--group",
        "pilot",
        "--notes",
        "Correctifs",
    ]);
    assert!(ok, "{err}");
    assert!(
        out.contains("signature verified") && out.contains("group pilot"),
        "{out}"
    );
    let (ok, _, err) = run(&[
        "release",
        "add",
        "--target",
        "linux-x86_64",
        "--version",
        "0.1.1",
        "--file",
        &file,
        "--signature",
        &sig,
        "--percent",
        "100",
    ]);
    assert!(!ok && err.contains("exists already"), "{err}");

    // Not in the group: up to date. In it: offered, once.
    assert_eq!(
        check(&app, &app.kiosk_token, "linux-x86_64", "0.1.0")
            .await
            .status(),
        204
    );
    let (ok, out, err) = run(&["kiosk", "group", &app.kiosk_id, "pilot"]);
    assert!(
        ok && out.contains("1 kiosk(s) in group pilot"),
        "{out}{err}"
    );
    let r = check(&app, &app.kiosk_token, "linux-x86_64", "0.1.0").await;
    assert_eq!(r.status(), 200);
    let manifest: Value = r.json().await.unwrap();
    assert_eq!(manifest["version"], "0.1.1");
    assert_eq!(manifest["notes"], "Correctifs");
    assert_eq!(
        manifest["signature"],
        std::fs::read_to_string(&sig).unwrap().trim()
    );
    let url = manifest["url"].as_str().unwrap();
    assert!(
        url.starts_with(&format!("{}/v1/updates/files/", app.base)),
        "{url}"
    );
    // The kiosk at 0.1.1 is up to date; another platform has nothing.
    assert_eq!(
        check(&app, &app.kiosk_token, "linux-x86_64", "0.1.1")
            .await
            .status(),
        204
    );
    assert_eq!(
        check(&app, &app.kiosk_token, "windows-x86_64", "0.1.0")
            .await
            .status(),
        204
    );

    // The file, with the device token only.
    let path = url.strip_prefix(&app.base).unwrap();
    let r = app
        .http
        .get(app.url(path))
        .bearer_auth(&app.kiosk_token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/octet-stream");
    assert_eq!(
        r.bytes().await.unwrap().as_ref(),
        b"\x7fELF the kiosk 0.1.1"
    );
    let r = app.http.get(app.url(path)).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let r = check(&app, "not-a-token", "linux-x86_64", "0.1.0").await;
    assert_eq!(r.status(), 401);
    let (status, body) =
        error_code(check(&app, &app.kiosk_token, "linux-x86_64", "zéro").await).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("request.malformed"))
    );
    let (status, _) = error_code(check(&app, &app.kiosk_token, "beos-x86_64", "0.1.0").await).await;
    assert_eq!(status, 400);
    let r = app
        .http
        .get(app.url("/v1/updates/files/00000000-0000-0000-0000-000000000000"))
        .bearer_auth(&app.kiosk_token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);

    // A percentage: 0 % offers it to nobody outside a group, 100 % to all.
    let (_, other_token) = app.enroll("Bibliothèque").await;
    assert_eq!(
        check(&app, &other_token, "linux-x86_64", "0.1.0")
            .await
            .status(),
        204
    );
    let (ok, _, err) = run(&[
        "release",
        "rollout",
        "--target",
        "linux-x86_64",
        "--version",
        "0.1.1",
        "--percent",
        "100",
    ]);
    assert!(ok, "{err}");
    assert_eq!(
        check(&app, &other_token, "linux-x86_64", "0.1.0")
            .await
            .status(),
        200
    );
    let (ok, _, _) = run(&[
        "release",
        "rollout",
        "--target",
        "linux-x86_64",
        "--version",
        "0.1.1",
        "--percent",
        "0",
    ]);
    assert!(ok);
    assert_eq!(
        check(&app, &other_token, "linux-x86_64", "0.1.0")
            .await
            .status(),
        204
    );
    assert_eq!(
        check(&app, &app.kiosk_token, "linux-x86_64", "0.1.0")
            .await
            .status(),
        204,
        "0 % and no group: nobody"
    );
    let (ok, _, err) = run(&[
        "release",
        "rollout",
        "--target",
        "linux-x86_64",
        "--version",
        "9.9.9",
        "--percent",
        "10",
    ]);
    assert!(!ok && err.contains("no release"), "{err}");

    let (ok, out, _) = run(&["release", "list"]);
    assert!(
        ok && out.contains("linux-x86_64")
            && out.contains("0.1.1")
            && out.contains("0 % of kiosks"),
        "{out}"
    );
    let (_, out, _) = run(&["kiosk", "list"]);
    assert!(out.contains("GROUP") && out.contains("pilot"), "{out}");
    let (ok, out, _) = run(&["kiosk", "group", &app.kiosk_id, "--none"]);
    assert!(ok && out.contains("in no group"), "{out}");
    app.stop().await;
}
