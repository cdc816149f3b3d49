//! Where the kiosk asks for signed updates: the central server it already
//! trusts, with its device token (`GET /v1/updates/{target}/{version}`,
//! answered in the Tauri updater's JSON or 204). The window's updater
//! (`src-tauri/src/updates.rs`) does the asking, the download and the
//! signature check; this says where, and which download it accepts.

use secrecy::{ExposeSecret, SecretString};

/// The update endpoint and the token to show it.
#[derive(Clone)]
pub struct UpdateSource {
    central_url: String,
    token: SecretString,
}

impl std::fmt::Debug for UpdateSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UpdateSource")
            .field("central_url", &self.central_url)
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
        }
    }

    /// The endpoint with the Tauri updater's placeholders: its target is
    /// `{os}-{arch}` (`linux-x86_64`, `windows-x86_64`, `darwin-aarch64`).
    pub fn endpoint(&self) -> String {
        format!(
            "{}/v1/updates/{{{{target}}}}-{{{{arch}}}}/{{{{current_version}}}}",
            self.central_url
        )
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
}
