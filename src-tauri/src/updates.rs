//! Signed updates (tauri-plugin-updater), asked of the central server the
//! kiosk already trusts: `GET /v1/updates/{target}-{arch}/{version}` with
//! the device token ([`UpdateSource`]); the server answers the newest
//! release its staged rollout offers this kiosk, or 204. The release
//! public key is in `tauri.conf.json` (`plugins.updater.pubkey`). An
//! update is checked for and downloaded only while nobody uses the kiosk,
//! only from that same server (whatever host the answer names), its
//! minisign signature is checked before anything is written, and it is
//! installed only when the UI says the attract screen is showing; then
//! the kiosk restarts. A refused update is logged and the kiosk keeps
//! running its version.
//!
//! A kiosk installed from the `.deb` (`BORNE_KIOSK_UPDATE_SPOOL`, set by
//! its unit) cannot replace its root-owned executable: it asks for the
//! `.deb` releases and, at the attract screen, drops the verified `.deb`
//! and its signature into its spool; the root installer
//! (`borne-kiosk-install-update`, started by `borne-kiosk-update.path`)
//! checks them again on its own, installs them and restarts the kiosk.

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use crate::KioskSlot;
use borne_kiosk_core::UpdateSource;
use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_updater::{Update, UpdaterExt};

/// A downloaded update whose signature was verified.
pub struct Verified {
    update: Update,
    bytes: Vec<u8>,
    source: UpdateSource,
}

/// What [`Verified::install`] did.
#[derive(Debug, PartialEq, Eq)]
pub enum Installed {
    /// The executable was replaced: restart into it.
    Replaced,
    /// Handed to the root installer through the spool: it restarts the
    /// kiosk once installed.
    Spooled,
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
    /// is checked once more first. A packaged kiosk drops the `.deb` into
    /// its spool instead (never the plugin's own `.deb` install, which
    /// asks for a password through pkexec, zenity or sudo).
    pub fn install(&self) -> Result<Installed, tauri_plugin_updater::Error> {
        if self.source.spool().is_some() {
            self.source.deliver(&self.bytes, &self.update.signature)?;
            return Ok(Installed::Spooled);
        }
        if is_from_a_package() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::Unsupported,
                "installed from a package without BORNE_KIOSK_UPDATE_SPOOL (its unit sets it)",
            )
            .into());
        }
        self.update.install(&self.bytes)?;
        Ok(Installed::Replaced)
    }
}

/// The bundler marked this executable as installed from a `.deb` or
/// `.rpm`: the plugin's own install would ask for a password (pkexec,
/// zenity, sudo) on the kiosk's screen.
fn is_from_a_package() -> bool {
    use tauri::utils::config::BundleType;
    matches!(
        tauri::utils::platform::bundle_type(),
        Some(BundleType::Deb | BundleType::Rpm)
    )
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

/// Asks the central server for a newer version and downloads it; `None`
/// when this version is current. Fails on a bad signature, a tampered
/// file or a download elsewhere than the central server, before anything
/// is written.
pub async fn fetch<R: Runtime>(
    app: &AppHandle<R>,
    source: &UpdateSource,
    executable: Option<PathBuf>,
) -> Result<Option<Verified>, tauri_plugin_updater::Error> {
    let endpoint = source
        .endpoint()
        .parse()
        .map_err(|_| tauri_plugin_updater::Error::InvalidUpdaterFormat)?;
    let mut builder = app
        .updater_builder()
        .endpoints(vec![endpoint])?
        .header("authorization", source.authorization())?
        .header(
            borne_protocol::API_VERSION_HEADER,
            borne_protocol::API_VERSION,
        )?
        // The device token goes with every request: never after a redirect.
        .configure_client(|client| client.redirect(reqwest::redirect::Policy::none()))
        .timeout(Duration::from_secs(120));
    if let Some(path) = executable {
        builder = builder.executable_path(path);
    }
    let Some(mut update) = builder.build()?.check().await? else {
        return Ok(None);
    };
    update.download_url = source
        .file_url(update.download_url.as_str())
        .and_then(|url| url.parse().ok())
        .ok_or(tauri_plugin_updater::Error::InvalidUpdaterFormat)?;
    let bytes = update.download(|_, _| {}, || {}).await?;
    Ok(Some(Verified {
        update,
        bytes,
        source: source.clone(),
    }))
}

/// Checks every `every` while the kiosk is idle and enrolled; keeps a
/// verified update for the attract screen.
pub async fn run<R: Runtime>(app: AppHandle<R>, every: Duration) {
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
        let Some(source) = kiosk.update_source() else {
            continue;
        };
        if !kiosk.is_idle() || updates.is_ready() {
            wait = Duration::from_secs(60).min(every);
            continue;
        }
        match fetch(&app, &source, None).await {
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
    use borne_central::db::{NewRelease, Store};
    use borne_central::releases::{sha256_hex, Rollout, Target};
    use secrecy::{ExposeSecret, SecretString};

    const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

    /// A mock kiosk app at 0.1.0 with the updater plugin and `pubkey` as
    /// the release key in its configuration (as in `tauri.conf.json`).
    fn app(pubkey: &str) -> tauri::App<tauri::test::MockRuntime> {
        let mut ctx = tauri::test::mock_context(tauri::test::noop_assets());
        ctx.config_mut()
            .plugins
            .0
            .insert("updater".into(), serde_json::json!({ "pubkey": pubkey }));
        let app = tauri::test::mock_builder()
            .plugin(tauri_plugin_updater::Builder::new().build())
            .build(ctx)
            .unwrap();
        assert_eq!(app.package_info().version.to_string(), "0.1.0");
        app
    }

    /// A throwaway release key, made by the test.
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

    /// What `tauri signer sign --app-version` makes: base64 of the
    /// minisign signature file, the version in the trusted comment.
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

    /// A real central server with one enrolled kiosk and one release
    /// 0.1.1 for this platform (the file `served`, its signature
    /// `signature`) offered to every kiosk, stored as `release add`
    /// stores it — without `release add`'s own checks, as a compromised
    /// server would: the kiosk must refuse on its own.
    struct Central {
        source: UpdateSource,
        stop: Option<tokio::sync::oneshot::Sender<()>>,
        _dir: tempfile::TempDir,
    }

    impl Drop for Central {
        fn drop(&mut self) {
            if let Some(stop) = self.stop.take() {
                let _ = stop.send(());
            }
        }
    }

    fn this_target() -> Target {
        format!("{}-{}", std::env::consts::OS, std::env::consts::ARCH)
            .replace("macos", "darwin")
            .parse()
            .unwrap()
    }

    async fn central(served: Vec<u8>, signature: String, rollout: Rollout) -> Central {
        central_for(this_target(), served, signature, rollout).await
    }

    async fn central_for(
        target: Target,
        served: Vec<u8>,
        signature: String,
        rollout: Rollout,
    ) -> Central {
        borne_kiosk_core::install_crypto_provider();
        let dir = tempfile::tempdir().unwrap();
        let db = format!("sqlite://{}", dir.path().join("central.sqlite").display());
        let vars = [
            ("BORNE_LISTEN", "127.0.0.1:0".to_owned()),
            ("BORNE_ADMIN_LISTEN", "127.0.0.1:0".to_owned()),
            ("BORNE_DATABASE_URL", db.clone()),
            ("BORNE_LOG", "warn".to_owned()),
        ];
        let config = borne_central::Config::from_lookup(|k| {
            vars.iter().find(|(n, _)| *n == k).map(|(_, v)| v.clone())
        })
        .unwrap();
        let server = borne_central::Application::build(config).await.unwrap();
        let url = format!("http://127.0.0.1:{}", server.port());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = server
                .run_until_stopped(async move {
                    let _ = stopped.await;
                })
                .await;
        });
        let store = Store::connect(&db).await.unwrap();
        let now = borne_central::db::now();
        let code = borne_central::codes::generate_enrollment_code();
        let code_hash = borne_central::codes::enrollment_code_hash(code.expose_secret());
        store
            .create_kiosk("Bibliothèque", &code_hash, now, now + 600)
            .await
            .unwrap();
        let token = borne_central::codes::generate_token();
        store
            .enroll_kiosk(
                &code_hash,
                &borne_central::codes::token_hash(token.expose_secret()),
                "0.1.0",
                now,
            )
            .await
            .unwrap()
            .unwrap();
        let version = semver::Version::new(0, 1, 1);
        store
            .add_release(
                &NewRelease {
                    target,
                    version: &version,
                    signature: &signature,
                    notes: "",
                    sha256: &sha256_hex(&served),
                    artifact: &served,
                    rollout: &rollout,
                },
                now,
            )
            .await
            .unwrap();
        Central {
            source: UpdateSource::new(&url, SecretString::from(token.expose_secret().to_owned())),
            stop: Some(stop),
            _dir: dir,
        }
    }

    struct Case {
        app: tauri::App<tauri::test::MockRuntime>,
        central: Central,
        exe: PathBuf,
        _dir: tempfile::TempDir,
    }

    async fn case(
        release: &Keys,
        signer: &Keys,
        served: Vec<u8>,
        signed: &[u8],
        version: &str,
    ) -> Case {
        let dir = tempfile::tempdir().unwrap();
        let exe = dir.path().join("borne-kiosk");
        std::fs::write(&exe, elf("installed 0.1.0")).unwrap();
        Case {
            app: app(&pubkey(release)),
            central: central(served, sign(signer, signed, version), Rollout::Percent(100)).await,
            exe,
            _dir: dir,
        }
    }

    async fn try_update(c: &Case) -> Result<Installed, tauri_plugin_updater::Error> {
        let verified = fetch(c.app.handle(), &c.central.source, Some(c.exe.clone()))
            .await?
            .expect("the central server offers 0.1.1 to this 0.1.0 kiosk");
        assert_eq!(verified.version(), "0.1.1");
        verified.install()
    }

    #[tokio::test]
    async fn the_central_server_updates_a_kiosk_from_0_1_0_to_0_1_1() {
        let release = keys();
        let new = elf("borne-kiosk 0.1.1");
        let c = case(&release, &release, new.clone(), &new, "0.1.1").await;
        assert_eq!(try_update(&c).await.unwrap(), Installed::Replaced);
        assert_eq!(
            std::fs::read(&c.exe).unwrap(),
            new,
            "the executable was replaced"
        );
    }

    #[tokio::test]
    async fn a_kiosk_outside_the_rollout_or_without_a_token_gets_nothing() {
        let release = keys();
        let new = elf("borne-kiosk 0.1.1");
        let app = app(&pubkey(&release));
        let c = central(
            new.clone(),
            sign(&release, &new, "0.1.1"),
            Rollout::Group("pilot".into()),
        )
        .await;
        assert!(fetch(app.handle(), &c.source, None)
            .await
            .unwrap()
            .is_none());
        let stranger = UpdateSource::new(
            c.source.endpoint().split("/v1/").next().unwrap(),
            SecretString::from("not-a-token".to_owned()),
        );
        assert!(fetch(app.handle(), &stranger, None).await.is_err());
    }

    #[tokio::test]
    async fn a_tampered_file_or_a_wrong_signature_is_refused_and_nothing_changes() {
        let release = keys();
        let genuine = elf("borne-kiosk 0.1.1");
        let mut tampered = genuine.clone();
        tampered[100] ^= 0xff;
        let cases = [
            (
                "tampered file",
                case(&release, &release, tampered, &genuine, "0.1.1").await,
            ),
            (
                "signed by another key",
                case(&release, &keys(), genuine.clone(), &genuine, "0.1.1").await,
            ),
            (
                "signature of another version",
                case(&release, &release, genuine.clone(), &genuine, "0.1.2").await,
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
            let again = fetch(c.app.handle(), &c.central.source, Some(c.exe.clone())).await;
            assert!(again.is_err(), "{what}: refused at the next check too");
        }
    }

    /// A Debian package, as far as the bytes go (`ar`, `debian-binary`).
    #[cfg(target_os = "linux")]
    fn deb(tag: &str) -> Vec<u8> {
        let mut b =
            b"!<arch>\ndebian-binary   0           0     0     100644  4         `\n2.0\n".to_vec();
        b.extend_from_slice(tag.as_bytes());
        b
    }

    #[tokio::test]
    #[cfg(target_os = "linux")]
    async fn a_packaged_kiosk_gets_the_deb_and_hands_it_to_the_root_installer() {
        let release = keys();
        let app = app(&pubkey(&release));
        let dir = tempfile::tempdir().unwrap();
        let spool = dir.path().join("updates");
        let deb_target: Target = format!("{}-deb", this_target().as_str()).parse().unwrap();

        // A central server with only the executable: nothing for it.
        let exe = elf("borne-kiosk 0.1.1");
        let plain = central(
            exe.clone(),
            sign(&release, &exe, "0.1.1"),
            Rollout::Percent(100),
        )
        .await;
        let packaged = plain.source.clone().packaged(spool.clone());
        assert!(fetch(app.handle(), &packaged, None)
            .await
            .unwrap()
            .is_none());

        // The .deb release: downloaded, verified, dropped into the spool.
        let new = deb("borne-kiosk 0.1.1");
        let c = central_for(
            deb_target,
            new.clone(),
            sign(&release, &new, "0.1.1"),
            Rollout::Percent(100),
        )
        .await;
        let packaged = c.source.clone().packaged(spool.clone());
        let verified = fetch(app.handle(), &packaged, None)
            .await
            .unwrap()
            .expect("the .deb is offered to a packaged 0.1.0 kiosk");
        assert_eq!(verified.install().unwrap(), Installed::Spooled);
        assert_eq!(std::fs::read(spool.join("borne-kiosk.deb")).unwrap(), new);
        // What root will check: the central server's signature, with the
        // release key, binding 0.1.1.
        let signature = std::fs::read_to_string(spool.join("borne-kiosk.deb.sig")).unwrap();
        assert_eq!(
            borne_kiosk_install::signature::verify(&new, &signature, &pubkey(&release)).unwrap(),
            "0.1.1"
        );

        // A tampered .deb is refused by the kiosk: nothing reaches the spool.
        std::fs::remove_dir_all(&spool).unwrap();
        let mut tampered = new.clone();
        *tampered.last_mut().unwrap() ^= 1;
        let c = central_for(
            deb_target,
            tampered,
            sign(&release, &new, "0.1.1"),
            Rollout::Percent(100),
        )
        .await;
        let packaged = c.source.clone().packaged(spool.clone());
        assert!(fetch(app.handle(), &packaged, None).await.is_err());
        assert!(!spool.exists(), "nothing handed to root");
    }
}
