//! Where the kiosk asks for signed updates: the central server it already
//! trusts, with its device token (`GET /v1/updates/{target}/{version}`,
//! answered in the Tauri updater's JSON or 204). The window's updater
//! (`src-tauri/src/updates.rs`) does the asking, the download and the
//! signature check; this says where, which download it accepts, and,
//! for a kiosk installed from the `.deb`, where it hands the release to
//! the root installer ([`UpdateSource::packaged`], [`UpdateSource::deliver`]).

use std::path::{Path, PathBuf};

use secrecy::{ExposeSecret, SecretString};

/// The update endpoint and the token to show it.
#[derive(Clone)]
pub struct UpdateSource {
    central_url: String,
    token: SecretString,
    spool: Option<PathBuf>,
}

impl std::fmt::Debug for UpdateSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UpdateSource")
            .field("central_url", &self.central_url)
            .field("spool", &self.spool)
            .finish_non_exhaustive()
    }
}

/// The only path a release file is fetched from.
const FILES: &str = "/v1/updates/files/";

impl UpdateSource {
    pub fn new(central_url: &str, token: SecretString) -> Self {
        Self {
            central_url: central_url.trim_end_matches('/').to_owned(),
            token,
            spool: None,
        }
    }

    /// A kiosk installed from the `.deb`: it asks for the `.deb` releases
    /// (target `{os}-{arch}-deb`, the Tauri updater's name for them) and
    /// hands a verified one to the root installer through `spool`.
    pub fn packaged(self, spool: PathBuf) -> Self {
        Self {
            spool: Some(spool),
            ..self
        }
    }

    /// The spool of a packaged kiosk; `None`: the kiosk replaces its own
    /// executable.
    pub fn spool(&self) -> Option<&Path> {
        self.spool.as_deref()
    }

    /// The endpoint with the Tauri updater's placeholders: its target is
    /// `{os}-{arch}` (`linux-x86_64`, `windows-x86_64`, `darwin-aarch64`),
    /// `{os}-{arch}-deb` for a packaged kiosk (`linux-x86_64-deb`).
    pub fn endpoint(&self) -> String {
        format!(
            "{}/v1/updates/{{{{target}}}}-{{{{arch}}}}{}/{{{{current_version}}}}",
            self.central_url,
            if self.spool.is_some() { "-deb" } else { "" }
        )
    }

    /// A packaged kiosk's side: drops the verified `.deb` and its
    /// signature (as the central server gave it) into the spool, where
    /// the root installer (`borne-kiosk-update.path`) takes them, checks
    /// them on its own, installs them and restarts the kiosk.
    pub fn deliver(&self, deb: &[u8], signature: &str) -> std::io::Result<()> {
        let spool = self.spool.as_deref().ok_or_else(|| {
            std::io::Error::new(std::io::ErrorKind::Unsupported, "not a packaged kiosk")
        })?;
        deliver(spool, deb, signature)
    }

    /// `Authorization`'s value.
    pub fn authorization(&self) -> String {
        format!("Bearer {}", self.token.expose_secret())
    }

    /// The file the answer announced, fetched from this same central
    /// server whatever host the answer named: only the path
    /// `/v1/updates/files/<id>` is taken from it, so the device token
    /// never goes anywhere else. `None`: another path.
    pub fn file_url(&self, announced: &str) -> Option<String> {
        let announced = reqwest::Url::parse(announced).ok()?;
        let id = announced.path().strip_prefix(FILES)?;
        let safe = !id.is_empty()
            && id.len() <= 64
            && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        (safe && announced.query().is_none()).then(|| format!("{}{FILES}{id}", self.central_url))
    }
}

#[cfg(target_os = "linux")]
fn deliver(spool: &Path, deb: &[u8], signature: &str) -> std::io::Result<()> {
    borne_kiosk_install::spool::deliver(spool, deb, signature)
}

#[cfg(not(target_os = "linux"))]
fn deliver(_: &Path, _: &[u8], _: &str) -> std::io::Result<()> {
    Err(std::io::Error::new(
        std::io::ErrorKind::Unsupported,
        "packaged updates are Debian's",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_comes_from_the_trusted_server_only() {
        let s = UpdateSource::new(
            "https://alertes.ville.ca/",
            SecretString::from("secret-token"),
        );
        assert_eq!(
            s.endpoint(),
            "https://alertes.ville.ca/v1/updates/{{target}}-{{arch}}/{{current_version}}"
        );
        assert_eq!(s.authorization(), "Bearer secret-token");
        let id = "019ac0de-0000-7000-8000-000000000001";
        for announced in [
            format!("http://10.0.0.5:8080/v1/updates/files/{id}"),
            format!("https://evil.example/v1/updates/files/{id}"),
        ] {
            assert_eq!(
                s.file_url(&announced).as_deref(),
                Some(format!("https://alertes.ville.ca/v1/updates/files/{id}").as_str()),
                "{announced}"
            );
        }
        for bad in [
            "https://alertes.ville.ca/v1/updates/files/",
            "https://alertes.ville.ca/v1/me",
            "https://alertes.ville.ca/v1/updates/files/a/../../me",
            "https://alertes.ville.ca/v1/updates/files/a?x=1",
            "https://alertes.ville.ca/v1/updates/files/a%2F..",
            "not a url",
        ] {
            assert_eq!(s.file_url(bad), None, "{bad}");
        }
        assert!(!format!("{s:?}").contains("secret-token"));
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn a_packaged_kiosk_asks_for_the_deb_and_hands_it_to_the_spool() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("updates");
        let plain = UpdateSource::new("https://alertes.ville.ca", SecretString::from("t"));
        assert!(plain.deliver(b"deb", "sig").is_err(), "not packaged");
        let s = plain.packaged(dir.clone());
        assert_eq!(
            s.endpoint(),
            "https://alertes.ville.ca/v1/updates/{{target}}-{{arch}}-deb/{{current_version}}"
        );
        assert_eq!(s.spool(), Some(dir.as_path()));
        s.deliver(b"the deb", "the signature").unwrap();
        assert_eq!(
            std::fs::read(dir.join("borne-kiosk.deb")).unwrap(),
            b"the deb"
        );
        assert_eq!(
            std::fs::read_to_string(dir.join("borne-kiosk.deb.sig")).unwrap(),
            "the signature"
        );
    }
}
