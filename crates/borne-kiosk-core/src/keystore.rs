//! The queue key: 256 random bits made on first start, kept in the OS
//! keyring (Secret Service on Linux) or, where the session has no keyring
//! service, in an owner-only file.
//!
//! Why a file rather than refusing to start: a kiosk that cannot start
//! registers nobody, and the Linux kernel keyring (the one keyring that
//! needs no daemon) forgets everything at reboot — after a power cut,
//! exactly when registrations pile up, the queue would become unreadable.
//! The file is created `0600` and refused if anyone else may read it; the
//! data stays encrypted against a copy of the database alone.

use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use rand::RngCore;
use secrecy::{ExposeSecret, SecretBox};

const KEYRING_SERVICE: &str = "borne-kiosk";
const KEYRING_USER: &str = "queue-key";

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
        Ok(meta) => {
            if meta.permissions().mode() & 0o077 != 0 {
                return Err(fail(format!(
                    "others may read it (mode {:o}); it must be 0600",
                    meta.permissions().mode() & 0o777
                )));
            }
            let text = std::fs::read_to_string(path).map_err(|e| fail(e.to_string()))?;
            QueueKey::from_hex(&text)
                .ok_or_else(|| fail("malformed: 64 hex digits expected".into()))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(|e| fail(e.to_string()))?;
            }
            let key = QueueKey::generate();
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(path)
                .map_err(|e| fail(e.to_string()))?;
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

#[cfg(test)]
mod tests {
    use super::*;

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
