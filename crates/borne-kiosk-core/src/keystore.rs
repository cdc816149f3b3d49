//! The queue key: 256 random bits made on first start, kept in the OS
//! keyring (Secret Service on Linux, Credential Manager on Windows, the
//! Keychain on macOS) or, where the session has no keyring service, in
//! an owner-only file (`owner_only`: a Unix mode or a Windows ACL).
//!
//! Why a file rather than refusing to start: a kiosk that cannot start
//! registers nobody, and the Linux kernel keyring (the one keyring that
//! needs no daemon) forgets everything at reboot — after a power cut,
//! exactly when registrations pile up, the queue would become unreadable.
//! The file is created owner-only (`0600`, or an ACL for this account
//! alone) and refused if anyone else may read it; the data stays
//! encrypted against a copy of the database alone.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::owner_only;

use rand::RngCore;
use secrecy::{ExposeSecret, SecretBox};

const KEYRING_SERVICE: &str = "borne-kiosk";
const KEYRING_USER: &str = "queue-key";
const CREDENTIAL_USER: &str = "device-token";
/// Next to the queue key file when there is no keyring.
const CREDENTIAL_FILE: &str = "device-token.json";

/// What enrollment gave this kiosk: its own device token (256 random
/// bits) and the name the central server knows it by. Kept beside the
/// queue key: the OS keyring, else an owner-only file.
#[derive(Clone, serde::Serialize, serde::Deserialize)]
pub struct DeviceCredential {
    pub kiosk_id: String,
    pub kiosk_name: String,
    pub token: String,
}

impl std::fmt::Debug for DeviceCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceCredential")
            .field("kiosk_id", &self.kiosk_id)
            .field("kiosk_name", &self.kiosk_name)
            .finish_non_exhaustive()
    }
}

pub struct QueueKey(SecretBox<[u8; 32]>);

impl std::fmt::Debug for QueueKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("QueueKey(..)")
    }
}

impl QueueKey {
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        Self(SecretBox::new(Box::new(bytes)))
    }

    pub fn bytes(&self) -> &[u8; 32] {
        self.0.expose_secret()
    }

    fn to_hex(&self) -> String {
        self.bytes().iter().map(|b| format!("{b:02x}")).collect()
    }

    fn from_hex(text: &str) -> Option<Self> {
        let text = text.trim();
        if text.len() != 64 {
            return None;
        }
        let mut bytes = [0u8; 32];
        for (i, b) in bytes.iter_mut().enumerate() {
            *b = u8::from_str_radix(text.get(2 * i..2 * i + 2)?, 16).ok()?;
        }
        Some(Self(SecretBox::new(Box::new(bytes))))
    }
}

/// Where the key lives: `BORNE_KIOSK_KEY_STORE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyStore {
    /// The OS keyring when the session has one, else the file (default).
    Auto(PathBuf),
    /// The OS keyring or refuse to start.
    Keyring,
    /// The owner-only file only.
    File(PathBuf),
}

/// Where the key was found or made, for the start-up log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeySource {
    Keyring,
    File,
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("OS keyring unavailable: {0}")]
    Keyring(String),
    #[error("queue key file {0}: {1}")]
    File(PathBuf, String),
}

impl KeyStore {
    /// The key, made and stored on first start.
    pub fn load_or_create(&self) -> Result<(QueueKey, KeySource), KeyError> {
        self.load(KEYRING_USER)
    }

    fn load(&self, keyring_user: &str) -> Result<(QueueKey, KeySource), KeyError> {
        match self {
            KeyStore::Keyring => keyring_key(keyring_user).map(|k| (k, KeySource::Keyring)),
            KeyStore::File(path) => file_key(path).map(|k| (k, KeySource::File)),
            KeyStore::Auto(path) => match keyring_key(keyring_user) {
                Ok(k) => Ok((k, KeySource::Keyring)),
                Err(e) => {
                    tracing::warn!(error = %e, "no OS keyring in this session: the queue key is kept in an owner-only file");
                    file_key(path).map(|k| (k, KeySource::File))
                }
            },
        }
    }
}

impl KeyStore {
    /// The device token, if this kiosk was ever enrolled.
    pub fn load_credential(&self) -> Result<Option<DeviceCredential>, KeyError> {
        self.credential_at(CREDENTIAL_USER, |store, user| match store {
            KeyStore::Keyring => keyring_read(user),
            KeyStore::File(path) | KeyStore::Auto(path) => file_read(&credential_path(path)),
        })
        .and_then(|text| match text {
            None => Ok(None),
            Some(text) => serde_json::from_str(&text).map(Some).map_err(|e| {
                KeyError::Keyring(format!("the stored device token is malformed: {e}"))
            }),
        })
    }

    /// Keeps (or replaces, after a new enrollment) the device token.
    pub fn store_credential(&self, credential: &DeviceCredential) -> Result<(), KeyError> {
        let text =
            serde_json::to_string(credential).map_err(|e| KeyError::Keyring(e.to_string()))?;
        self.credential_at(CREDENTIAL_USER, |store, user| match store {
            KeyStore::Keyring => keyring_write(user, &text),
            KeyStore::File(path) | KeyStore::Auto(path) => {
                file_write(&credential_path(path), &text)
            }
        })
    }

    /// Runs `op` on the keyring or the file, as the queue key does:
    /// `Auto` tries the keyring first and falls back to the file when
    /// the session has no keyring service.
    fn credential_at<T>(
        &self,
        user: &str,
        op: impl Fn(&KeyStore, &str) -> Result<T, KeyError>,
    ) -> Result<T, KeyError> {
        match self {
            KeyStore::Auto(path) => match op(&KeyStore::Keyring, user) {
                Err(KeyError::Keyring(_)) => op(&KeyStore::File(path.clone()), user),
                other => other,
            },
            other => op(other, user),
        }
    }
}

fn credential_path(key_file: &Path) -> PathBuf {
    key_file.with_file_name(CREDENTIAL_FILE)
}

fn keyring_read(user: &str) -> Result<Option<String>, KeyError> {
    let entry =
        keyring::Entry::new(KEYRING_SERVICE, user).map_err(|e| KeyError::Keyring(e.to_string()))?;
    match entry.get_password() {
        Ok(text) => Ok(Some(text)),
        Err(keyring::Error::NoEntry) => Ok(None),
        Err(e) => Err(KeyError::Keyring(e.to_string())),
    }
}

fn keyring_write(user: &str, text: &str) -> Result<(), KeyError> {
    keyring::Entry::new(KEYRING_SERVICE, user)
        .and_then(|entry| entry.set_password(text))
        .map_err(|e| KeyError::Keyring(e.to_string()))
}

/// An owner-only file's text; `None` when it does not exist.
fn file_read(path: &Path) -> Result<Option<String>, KeyError> {
    let fail = |why: String| KeyError::File(path.to_owned(), why);
    match std::fs::metadata(path) {
        Ok(_) => {
            owner_only::check(path).map_err(fail)?;
            std::fs::read_to_string(path)
                .map(Some)
                .map_err(|e| fail(e.to_string()))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(fail(e.to_string())),
    }
}

/// Writes an owner-only file atomically (an owner-only temporary file,
/// synced, renamed over the old one).
fn file_write(path: &Path, text: &str) -> Result<(), KeyError> {
    let fail = |why: String| KeyError::File(path.to_owned(), why);
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| fail(e.to_string()))?;
    let tmp = path.with_extension("tmp");
    let _ = std::fs::remove_file(&tmp);
    let mut file = owner_only::create_new(&tmp).map_err(fail)?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| fail(e.to_string()))?;
    std::fs::rename(&tmp, path).map_err(|e| fail(e.to_string()))?;
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

fn keyring_key(user: &str) -> Result<QueueKey, KeyError> {
    let entry =
        keyring::Entry::new(KEYRING_SERVICE, user).map_err(|e| KeyError::Keyring(e.to_string()))?;
    match entry.get_password() {
        Ok(hex) => QueueKey::from_hex(&hex)
            .ok_or_else(|| KeyError::Keyring("the stored queue key is malformed".into())),
        Err(keyring::Error::NoEntry) => {
            let key = QueueKey::generate();
            entry
                .set_password(&key.to_hex())
                .map_err(|e| KeyError::Keyring(e.to_string()))?;
            Ok(key)
        }
        Err(e) => Err(KeyError::Keyring(e.to_string())),
    }
}

fn file_key(path: &Path) -> Result<QueueKey, KeyError> {
    let fail = |why: String| KeyError::File(path.to_owned(), why);
    match std::fs::metadata(path) {
        Ok(_) => {
            owner_only::check(path).map_err(fail)?;
            let text = std::fs::read_to_string(path).map_err(|e| fail(e.to_string()))?;
            QueueKey::from_hex(&text)
                .ok_or_else(|| fail("malformed: 64 hex digits expected".into()))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(|e| fail(e.to_string()))?;
            }
            let key = QueueKey::generate();
            let mut file = owner_only::create_new(path).map_err(fail)?;
            file.write_all(key.to_hex().as_bytes())
                .and_then(|()| file.sync_all())
                .map_err(|e| fail(e.to_string()))?;
            if let Some(dir) = path.parent() {
                if let Ok(d) = std::fs::File::open(dir) {
                    let _ = d.sync_all();
                }
            }
            Ok(key)
        }
        Err(e) => Err(fail(e.to_string())),
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn the_file_key_is_made_once_owner_only_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join("queue.key");
        let store = KeyStore::File(path.clone());
        let (first, source) = store.load_or_create().unwrap();
        assert_eq!(source, KeySource::File);
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let (again, _) = store.load_or_create().unwrap();
        assert_eq!(first.bytes(), again.bytes());
        assert!(!format!("{first:?}").contains(&first.to_hex()));
    }

    #[test]
    fn a_key_file_others_can_read_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("queue.key");
        KeyStore::File(path.clone()).load_or_create().unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let e = KeyStore::File(path.clone()).load_or_create().unwrap_err();
        assert!(e.to_string().contains("0600"), "{e}");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        std::fs::write(&path, "not a key").unwrap();
        let e = KeyStore::File(path).load_or_create().unwrap_err();
        assert!(e.to_string().contains("malformed"), "{e}");
    }

    fn credential(token: &str) -> DeviceCredential {
        DeviceCredential {
            kiosk_id: "k-1".into(),
            kiosk_name: "Bibliothèque".into(),
            token: token.into(),
        }
    }

    #[test]
    fn the_device_token_file_is_owner_only_and_replaced_on_re_enrollment() {
        let dir = tempfile::tempdir().unwrap();
        let store = KeyStore::File(dir.path().join("queue.key"));
        assert!(store.load_credential().unwrap().is_none());
        store.store_credential(&credential("first-token")).unwrap();
        let path = dir.path().join(CREDENTIAL_FILE);
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        store.store_credential(&credential("second-token")).unwrap();
        let back = store.load_credential().unwrap().unwrap();
        assert_eq!(
            (back.token.as_str(), back.kiosk_name.as_str()),
            ("second-token", "Bibliothèque")
        );
        assert!(!format!("{back:?}").contains("second-token"));
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(store.load_credential().is_err());
    }

    #[test]
    fn auto_keeps_the_device_token_in_the_keyring_where_there_is_one() {
        let dir = tempfile::tempdir().unwrap();
        let store = KeyStore::Auto(dir.path().join("queue.key"));
        let user = format!("device-token-test-{}", uuid::Uuid::now_v7());
        let stored = store.credential_at(&user, |s, u| match s {
            KeyStore::Keyring => keyring_write(u, "t").map(|()| KeySource::Keyring),
            KeyStore::File(p) | KeyStore::Auto(p) => {
                file_write(&credential_path(p), "t").map(|()| KeySource::File)
            }
        });
        match stored.unwrap() {
            KeySource::Keyring => {
                assert!(!dir.path().join(CREDENTIAL_FILE).exists());
                assert_eq!(keyring_read(&user).unwrap().as_deref(), Some("t"));
                let _ = keyring::Entry::new(KEYRING_SERVICE, &user)
                    .unwrap()
                    .delete_credential();
            }
            KeySource::File => {
                assert!(keyring_read(&user).is_err(), "no keyring service here");
                assert!(dir.path().join(CREDENTIAL_FILE).exists());
            }
        }
    }

    #[test]
    fn auto_uses_the_keyring_where_there_is_one_and_the_file_otherwise() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("queue.key");
        let user = format!("queue-key-test-{}", uuid::Uuid::now_v7());
        let store = KeyStore::Auto(path.clone());
        let (first, source) = store.load(&user).unwrap();
        let (again, source_again) = store.load(&user).unwrap();
        assert_eq!(source, source_again);
        assert_eq!(first.bytes(), again.bytes());
        match source {
            // This session has a keyring service: nothing on disk.
            KeySource::Keyring => {
                assert!(!path.exists());
                let entry = keyring::Entry::new(KEYRING_SERVICE, &user).unwrap();
                let _ = entry.delete_credential();
            }
            // None (CI: no Secret Service on the bus): the file, and
            // `keyring` alone refuses.
            KeySource::File => {
                assert!(path.exists());
                assert!(KeyStore::Keyring.load(&user).is_err());
            }
        }
    }
}
