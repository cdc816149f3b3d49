//! Configuration from `BORNE_*` environment variables, with defaults that
//! run a demo on one machine.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use borne_domain::AreaCodes;
use secrecy::SecretString;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TelephonyKind {
    /// Writes each SMS or call as a JSON line (demo, tests).
    Console,
}

#[derive(Debug, Clone)]
pub struct Config {
    /// `BORNE_LISTEN`, default `127.0.0.1:8080`.
    pub listen: SocketAddr,
    /// `BORNE_DATABASE_URL`; default: `borne-central.sqlite` in the data
    /// directory.
    pub database_url: String,
    /// `BORNE_DATA_DIR`, default `./.borne/central`.
    pub data_dir: PathBuf,
    /// `BORNE_KIOSK_TOKEN`: the shared secret kiosks present.
    pub kiosk_token: SecretString,
    /// `BORNE_TELEPHONY`, default `console`.
    pub telephony: TelephonyKind,
    /// `BORNE_CONSOLE_OUTBOX`: the console provider also appends here.
    pub console_outbox: Option<PathBuf>,
    /// `BORNE_TOWN_NAME`, default `Mille-Isles`; spoken and written in codes.
    pub town_name: String,
    /// `BORNE_AREA_CODES_FILE`: the accepted area codes; default: the
    /// bundled list of geographic Canadian codes.
    pub area_codes: AreaCodes,
    /// `BORNE_CODE_TTL_SECONDS`, default 600.
    pub code_ttl: Duration,
    /// `BORNE_SESSION_IDLE_SECONDS`, default 900.
    pub session_idle: Duration,
}

impl Config {
    /// Reads the environment. Fails with a message naming the variable.
    pub fn from_env() -> anyhow::Result<Self> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let listen = get("BORNE_LISTEN")
            .unwrap_or_else(|| "127.0.0.1:8080".into())
            .parse()
            .context("BORNE_LISTEN must be an address such as 127.0.0.1:8080")?;
        let data_dir =
            PathBuf::from(get("BORNE_DATA_DIR").unwrap_or_else(|| ".borne/central".into()));
        let database_url = match get("BORNE_DATABASE_URL") {
            Some(url) => url,
            None => format!(
                "sqlite://{}",
                data_dir.join("borne-central.sqlite").display()
            ),
        };
        let kiosk_token = get("BORNE_KIOSK_TOKEN")
            .filter(|t| !t.is_empty())
            .context("BORNE_KIOSK_TOKEN must be set: the secret kiosks present")?;
        if kiosk_token.len() < 16 {
            anyhow::bail!("BORNE_KIOSK_TOKEN must be at least 16 characters");
        }
        let telephony = match get("BORNE_TELEPHONY").as_deref() {
            None | Some("console") => TelephonyKind::Console,
            Some(other) => {
                anyhow::bail!("BORNE_TELEPHONY: unknown provider `{other}` (known: console)")
            }
        };
        let area_codes = match get("BORNE_AREA_CODES_FILE") {
            Some(path) => {
                let text = std::fs::read_to_string(&path)
                    .with_context(|| format!("BORNE_AREA_CODES_FILE: cannot read {path}"))?;
                AreaCodes::parse(&text).with_context(|| format!("BORNE_AREA_CODES_FILE: {path}"))?
            }
            None => AreaCodes::canada(),
        };
        let seconds = |key: &str, default: u64| -> anyhow::Result<Duration> {
            match get(key) {
                Some(v) => v
                    .parse()
                    .map(Duration::from_secs)
                    .with_context(|| format!("{key} must be a number of seconds")),
                None => Ok(Duration::from_secs(default)),
            }
        };
        Ok(Self {
            listen,
            database_url,
            data_dir,
            kiosk_token: SecretString::from(kiosk_token),
            telephony,
            console_outbox: get("BORNE_CONSOLE_OUTBOX").map(PathBuf::from),
            town_name: get("BORNE_TOWN_NAME").unwrap_or_else(|| "Mille-Isles".into()),
            area_codes,
            code_ttl: seconds("BORNE_CODE_TTL_SECONDS", 600)?,
            session_idle: seconds("BORNE_SESSION_IDLE_SECONDS", 900)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;
    use std::collections::HashMap;

    fn cfg(vars: &[(&str, &str)]) -> anyhow::Result<Config> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults() {
        let c = cfg(&[("BORNE_KIOSK_TOKEN", "0123456789abcdef")]).unwrap();
        assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
        assert!(
            c.database_url.starts_with("sqlite://")
                && c.database_url.ends_with("borne-central.sqlite")
        );
        assert_eq!(c.code_ttl, Duration::from_secs(600));
        assert_eq!(c.kiosk_token.expose_secret(), "0123456789abcdef");
        assert!(
            !format!("{c:?}").contains("0123456789abcdef"),
            "Debug must redact the token"
        );
    }

    #[test]
    fn errors_name_the_variable() {
        let e = cfg(&[]).unwrap_err().to_string();
        assert!(e.contains("BORNE_KIOSK_TOKEN"), "{e}");
        let e = cfg(&[
            ("BORNE_KIOSK_TOKEN", "0123456789abcdef"),
            ("BORNE_LISTEN", "nope"),
        ])
        .unwrap_err()
        .to_string();
        assert!(e.contains("BORNE_LISTEN"), "{e}");
        let e = cfg(&[
            ("BORNE_KIOSK_TOKEN", "0123456789abcdef"),
            ("BORNE_TELEPHONY", "pigeon"),
        ])
        .unwrap_err()
        .to_string();
        assert!(e.contains("pigeon"), "{e}");
    }
}
