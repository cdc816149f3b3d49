//! Signed updates (tauri-plugin-updater). The release public key is in
//! `tauri.conf.json` (`plugins.updater.pubkey`); where to look is kiosk
//! configuration (`BORNE_KIOSK_UPDATE_URL`). An update is checked for and
//! downloaded only while nobody uses the kiosk, its minisign signature is
//! checked before anything is written, and it is installed only when the
//! UI says the attract screen is showing; then the kiosk restarts.
//! A refused update is logged and the kiosk keeps running its version.

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use crate::KioskSlot;
use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_updater::{Update, UpdaterExt};

/// A downloaded update whose signature was verified.
pub struct Verified {
    update: Update,
    bytes: Vec<u8>,
}

impl std::fmt::Debug for Verified {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verified")
            .field("version", &self.update.version)
            .field("bytes", &self.bytes.len())
            .finish()
    }
}

impl Verified {
    pub fn version(&self) -> &str {
        &self.update.version
    }

    /// Replaces the kiosk's executable (`$APPIMAGE`, else the running
    /// binary, unless `executable` was given to [`fetch`]); the signature
    /// is checked once more first.
    pub fn install(&self) -> Result<(), tauri_plugin_updater::Error> {
        self.update.install(&self.bytes)
    }
}

/// The update waiting for the attract screen.
#[derive(Debug, Default)]
pub struct Updates {
    ready: Mutex<Option<Verified>>,
}

impl Updates {
    pub fn is_ready(&self) -> bool {
        self.ready
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_some()
    }

    pub fn take(&self) -> Option<Verified> {
        self.ready.lock().unwrap_or_else(|e| e.into_inner()).take()
    }

    fn keep(&self, verified: Verified) {
        *self.ready.lock().unwrap_or_else(|e| e.into_inner()) = Some(verified);
    }
}

/// Asks `endpoint` for a newer version and downloads it; `None` when this
/// version is current. Fails on a bad signature or a tampered file,
/// before anything is written.
pub async fn fetch<R: Runtime>(
    app: &AppHandle<R>,
    endpoint: &str,
    executable: Option<PathBuf>,
) -> Result<Option<Verified>, tauri_plugin_updater::Error> {
    let endpoint = endpoint
        .parse()
        .map_err(|_| tauri_plugin_updater::Error::InvalidUpdaterFormat)?;
    let mut builder = app
        .updater_builder()
        .endpoints(vec![endpoint])?
        .timeout(Duration::from_secs(120));
    if let Some(path) = executable {
        builder = builder.executable_path(path);
    }
    let Some(update) = builder.build()?.check().await? else {
        return Ok(None);
    };
    let bytes = update.download(|_, _| {}, || {}).await?;
    Ok(Some(Verified { update, bytes }))
}

/// Checks every `every` while the kiosk is idle; keeps a verified update
/// for the attract screen.
pub async fn run<R: Runtime>(app: AppHandle<R>, endpoint: String, every: Duration) {
    tracing::info!(every_seconds = every.as_secs(), "update checks on");
    // A first look shortly after start, then on the interval.
    let mut wait = Duration::from_secs(60).min(every);
    loop {
        tokio::time::sleep(wait).await;
        wait = every;
        let (Some(slot), Some(updates)) =
            (app.try_state::<KioskSlot>(), app.try_state::<Updates>())
        else {
            continue;
        };
        let Some(kiosk) = slot.get() else {
            continue;
        };
        if !kiosk.is_idle() || updates.is_ready() {
            wait = Duration::from_secs(60).min(every);
            continue;
        }
        match fetch(&app, &endpoint, None).await {
            Ok(Some(verified)) => {
                tracing::info!(version = verified.version(), "update downloaded and its signature verified; it installs on the attract screen");
                updates.keep(verified);
            }
            Ok(None) => tracing::debug!("no update"),
            Err(e) => tracing::error!(error = %e, "update refused; this version keeps running"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use std::io::{Read, Write};

    const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

    /// A mock kiosk app with the updater plugin and `pubkey` as the
    /// release key in its configuration (as in `tauri.conf.json`).
    fn app(pubkey: &str) -> tauri::App<tauri::test::MockRuntime> {
        let mut ctx = tauri::test::mock_context(tauri::test::noop_assets());
        ctx.config_mut()
            .plugins
            .0
            .insert("updater".into(), serde_json::json!({ "pubkey": pubkey }));
        tauri::test::mock_builder()
            .plugin(tauri_plugin_updater::Builder::new().build())
            .build(ctx)
            .unwrap()
    }

    struct Keys {
        pk: minisign::PublicKey,
        sk: minisign::SecretKey,
    }

    fn keys() -> Keys {
        let kp = minisign::KeyPair::generate_unencrypted_keypair().unwrap();
        Keys {
            pk: kp.pk,
            sk: kp.sk,
        }
    }

    fn pubkey(k: &Keys) -> String {
        B64.encode(k.pk.to_box().unwrap().into_string())
    }

    /// What `tauri signer sign` makes: base64 of the minisign signature
    /// file, the version in the trusted comment.
    fn sign(k: &Keys, bytes: &[u8], version: &str) -> String {
        let comment = format!("timestamp:0\tfile:borne-kiosk\tversion:{version}");
        let sig = minisign::sign(
            Some(&k.pk),
            &k.sk,
            std::io::Cursor::new(bytes),
            Some(&comment),
            None,
        )
        .unwrap();
        B64.encode(sig.into_string())
    }

    /// An executable-looking file (ELF header), as the updater demands.
    fn elf(tag: &str) -> Vec<u8> {
        let mut b = vec![0x7f, b'E', b'L', b'F', 2, 1, 1, 0];
        b.resize(128, 0);
        b.extend_from_slice(tag.as_bytes());
        b
    }

    /// A local update server: `/latest.json` announcing 9.9.9 signed by
    /// `signature`, and the artifact `served`. Answers until dropped.
    fn serve(served: Vec<u8>, signature: String) -> String {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let manifest = serde_json::json!({
            "version": "9.9.9",
            "notes": "test",
            "pub_date": "2026-11-26T12:00:00Z",
            "platforms": { "linux-x86_64": {
                "url": format!("{base}/borne-kiosk-9.9.9"),
                "signature": signature,
            }}
        })
        .to_string()
        .into_bytes();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut s) = stream else { return };
                let mut req = [0u8; 4096];
                let n = s.read(&mut req).unwrap_or(0);
                let line = String::from_utf8_lossy(&req[..n]);
                let body = if line.starts_with("GET /latest.json") {
                    &manifest
                } else {
                    &served
                };
                let _ = write!(
                    s,
                    "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = s.write_all(body);
            }
        });
        format!("{base}/latest.json")
    }

    struct Case {
        app: tauri::App<tauri::test::MockRuntime>,
        endpoint: String,
        exe: PathBuf,
        _dir: tempfile::TempDir,
    }

    fn case(release: &Keys, signer: &Keys, served: Vec<u8>, signed: &[u8], version: &str) -> Case {
        let dir = tempfile::tempdir().unwrap();
        let exe = dir.path().join("borne-kiosk");
        std::fs::write(&exe, elf("installed 0.1.0")).unwrap();
        Case {
            app: app(&pubkey(release)),
            endpoint: serve(served, sign(signer, signed, version)),
            exe,
            _dir: dir,
        }
    }

    async fn try_update(c: &Case) -> Result<(), tauri_plugin_updater::Error> {
        let verified = fetch(c.app.handle(), &c.endpoint, Some(c.exe.clone()))
            .await?
            .expect("9.9.9 is newer than the mock app's 0.1.0");
        assert_eq!(verified.version(), "9.9.9");
        verified.install()
    }

    #[tokio::test]
    async fn a_correctly_signed_newer_version_is_installed() {
        let release = keys();
        let new = elf("borne-kiosk 9.9.9");
        let c = case(&release, &release, new.clone(), &new, "9.9.9");
        try_update(&c).await.unwrap();
        assert_eq!(
            std::fs::read(&c.exe).unwrap(),
            new,
            "the executable was replaced"
        );
    }

    #[tokio::test]
    async fn a_tampered_artifact_or_a_wrong_signature_is_refused_and_nothing_changes() {
        let release = keys();
        let genuine = elf("borne-kiosk 9.9.9");
        let mut tampered = genuine.clone();
        tampered[100] ^= 0xff;
        let cases = [
            (
                "tampered artifact",
                case(&release, &release, tampered, &genuine, "9.9.9"),
            ),
            (
                "signed by another key",
                case(&release, &keys(), genuine.clone(), &genuine, "9.9.9"),
            ),
            (
                "signature of another version",
                case(&release, &release, genuine.clone(), &genuine, "9.9.8"),
            ),
        ];
        for (what, c) in cases {
            let e = try_update(&c).await.expect_err(what);
            assert!(
                matches!(
                    e,
                    tauri_plugin_updater::Error::Minisign(_)
                        | tauri_plugin_updater::Error::SignedVersionMismatch { .. }
                ),
                "{what}: {e}"
            );
            assert_eq!(
                std::fs::read(&c.exe).unwrap(),
                elf("installed 0.1.0"),
                "{what}: the installed version is untouched"
            );
            // The app goes on: the next check looks again and refuses again.
            let again = fetch(c.app.handle(), &c.endpoint, Some(c.exe.clone())).await;
            assert!(again.is_err(), "{what}: refused at the next check too");
        }
    }
}
