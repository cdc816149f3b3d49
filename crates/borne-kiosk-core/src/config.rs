use std::path::PathBuf;
use std::time::Duration;

use borne_domain::AreaCodes;
use borne_protocol::ipc::TownDesignation;

use crate::{KeyStore, SyncConfig};

/// The kiosk's configuration, from `BORNE_*` environment variables.
#[derive(Debug, Clone)]
pub struct KioskConfig {
    /// `BORNE_CENTRAL_URL`, default `http://127.0.0.1:8080`; HTTPS in
    /// release builds unless on this machine ([`check_central_url`]).
    pub central_url: String,
    /// `BORNE_KIOSK_ID`, recorded with each consent; default `kiosk-<hostname>`.
    pub kiosk_id: String,
    /// `BORNE_KIOSK_DATA_DIR`; default: the app's data directory.
    pub data_dir: PathBuf,
    /// `BORNE_TOWN_NAME`, default `Mille-Isles`.
    pub town_name: String,
    /// `BORNE_TOWN_DESIGNATION`, default `ville`: what the town is
    /// (« Ville de … », « Municipalité de … »); any other value than
    /// those of [`TownDesignation`] stops the kiosk at start.
    pub town_designation: TownDesignation,
    /// `BORNE_KIOSK_ENGLISH` (`1`/`0`), default on: shows the English toggle.
    pub english_enabled: bool,
    /// `BORNE_AREA_CODES_FILE`, as on the central server.
    pub area_codes: AreaCodes,
    /// `BORNE_CENTRAL_TIMEOUT_SECONDS`, default 10: longest wait on the
    /// central server before telling the resident it is unavailable.
    pub request_timeout: Duration,
    /// `BORNE_KIOSK_IDLE_SECONDS`, default 90: no touch for this long
    /// brings the « Êtes-vous toujours là? » warning.
    pub idle_seconds: u32,
    /// `BORNE_KIOSK_IDLE_WARNING_SECONDS`, default 30, at least 20: the
    /// warning's countdown before the session is wiped.
    pub idle_warning_seconds: u32,
    /// Where the offline queue's key lives: `BORNE_KIOSK_KEY_STORE` =
    /// `auto` (default: the OS keyring, else an owner-only file),
    /// `keyring` (or refuse to start) or `file`; the file is
    /// `BORNE_KIOSK_KEY_FILE`, default `<data dir>/queue.key`.
    pub key_store: KeyStore,
    /// `BORNE_KIOSK_OFFLINE_CHECK_SECONDS` (default 15),
    /// `BORNE_KIOSK_SYNC_BATCH` (default 50) and
    /// `BORNE_KIOSK_REJECTED_RETENTION_DAYS` (default 30).
    pub sync: SyncConfig,
    /// `BORNE_KIOSK_STAFF_PIN_HASH`: the staff PIN as an argon2id hash
    /// (`borne-staff-pin` makes one), no weaker than argon2's defaults.
    /// Unset: no staff mode.
    pub staff_pin_hash: Option<String>,
    /// `BORNE_KIOSK_OFFLINE_PER_HOUR`, default 30 (0: no cap): offline
    /// registrations this kiosk takes per hour without staff; past it the
    /// resident is asked to see the staff.
    pub offline_per_hour: u32,
    /// `BORNE_KIOSK_SEND_HOURS`, default `08:00-21:00`: the central
    /// server's `BORNE_SEND_HOURS`, said on the offline confirmation.
    pub send_hours: String,
    /// `BORNE_KIOSK_UPDATES` (`1`/`0`), default on: ask the central
    /// server for signed updates (`GET /v1/updates/…`, device token).
    pub updates: bool,
    /// `BORNE_KIOSK_UPDATE_CHECK_SECONDS`, default 21600 (6 h).
    pub update_check: Duration,
    /// `BORNE_KIOSK_UPDATE_SPOOL`, an absolute directory: the kiosk was
    /// installed from the `.deb` (its unit sets it). It asks for the
    /// `.deb` releases and hands a verified one to the root installer
    /// through this spool instead of replacing its own executable.
    pub update_spool: Option<PathBuf>,
    /// The kiosk app's version (the window sets it from its package; the
    /// core's own by default), as enrollment and heartbeats report it.
    pub app_version: String,
    /// `BORNE_KIOSK_CATEGORIES`: the optional alert categories of step 5,
    /// `id=Libellé|English label` entries separated by `;` (the same ids
    /// as the central server's `BORNE_CATEGORIES`); default: the five of
    /// `borne_domain::DEFAULT_CATEGORIES`.
    pub categories: Vec<borne_protocol::ipc::Category>,
    /// `BORNE_PRIVACY_OFFICER`: who answers for the personal data and how
    /// to reach them (« Greffière, 450 555-0100, acces@ville.qc.ca »),
    /// named in the notice at collection; unset: the town's clerk.
    pub privacy_officer: Option<String>,
    /// `BORNE_KIOSK_HELP`: « Besoin d’aide? » at this kiosk, as
    /// `Texte français|English text`; unset: the UI's general text.
    pub help: Option<borne_protocol::ipc::LocalizedText>,
}

/// Why `BORNE_CENTRAL_URL` is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CentralUrlError {
    #[error("BORNE_CENTRAL_URL is not a URL: `{0}`")]
    NotUrl(String),
    #[error("BORNE_CENTRAL_URL must start with https:// (or http:// on this machine), got `{0}`")]
    Scheme(String),
    #[error(
        "BORNE_CENTRAL_URL must be https:// in a release build: residents' data and session \
         tokens would cross the network in clear (http:// is allowed only for 127.0.0.1, [::1] \
         and localhost), got `{0}`"
    )]
    PlainHttp(String),
}

/// The central server is reached over HTTPS; plain HTTP only on this
/// machine (loopback: a local server or a TLS-terminating proxy beside
/// the kiosk), or anywhere in a debug build (`release` false) so tests
/// and development work.
pub fn check_central_url(url: &str, release: bool) -> Result<(), CentralUrlError> {
    let parsed = reqwest::Url::parse(url).map_err(|_| CentralUrlError::NotUrl(url.into()))?;
    match parsed.scheme() {
        "https" => Ok(()),
        "http" => {
            // The parsed host: `127.1` reads 127.0.0.1, IPv6 comes bracketed,
            // and a user name before `@` is not the host.
            let loopback = parsed.host_str().is_some_and(|host| {
                host.eq_ignore_ascii_case("localhost")
                    || host
                        .trim_start_matches('[')
                        .trim_end_matches(']')
                        .parse::<std::net::IpAddr>()
                        .is_ok_and(|ip| ip.is_loopback())
            });
            if loopback || !release {
                Ok(())
            } else {
                Err(CentralUrlError::PlainHttp(url.into()))
            }
        }
        _ => Err(CentralUrlError::Scheme(url.into())),
    }
}

/// `HH:MM-HH:MM`, the first before the second (`24:00` ends the day).
fn is_send_hours(text: &str) -> bool {
    let minutes = |t: &str| -> Option<u32> {
        let (h, m) = t.trim().split_once(':')?;
        let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
        (m < 60 && (h < 24 || (h == 24 && m == 0))).then_some(h * 60 + m)
    };
    text.split_once('-')
        .and_then(|(a, b)| Some((minutes(a)?, minutes(b)?)))
        .is_some_and(|(a, b)| a < b)
}

impl KioskConfig {
    pub fn from_env(default_data_dir: PathBuf) -> Result<Self, String> {
        Self::from_lookup(|k| std::env::var(k).ok(), default_data_dir)
    }

    pub fn from_lookup(
        get: impl Fn(&str) -> Option<String>,
        default_data_dir: PathBuf,
    ) -> Result<Self, String> {
        let central_url =
            get("BORNE_CENTRAL_URL").unwrap_or_else(|| "http://127.0.0.1:8080".into());
        check_central_url(&central_url, !cfg!(debug_assertions)).map_err(|e| e.to_string())?;
        let area_codes = match get("BORNE_AREA_CODES_FILE") {
            Some(path) => std::fs::read_to_string(&path)
                .map_err(|e| format!("BORNE_AREA_CODES_FILE: cannot read {path}: {e}"))
                .and_then(|t| {
                    AreaCodes::parse(&t).map_err(|e| format!("BORNE_AREA_CODES_FILE: {e}"))
                })?,
            None => AreaCodes::canada(),
        };
        let timeout = match get("BORNE_CENTRAL_TIMEOUT_SECONDS") {
            Some(v) => v
                .parse::<f64>()
                .ok()
                .filter(|s| s.is_finite() && *s > 0.0)
                .ok_or("BORNE_CENTRAL_TIMEOUT_SECONDS must be a positive number of seconds")?,
            None => 10.0,
        };
        let seconds = |key: &str, default: u32| -> Result<u32, String> {
            match get(key) {
                Some(v) => v
                    .parse()
                    .map_err(|_| format!("{key} must be a number of seconds")),
                None => Ok(default),
            }
        };
        let idle_seconds = seconds("BORNE_KIOSK_IDLE_SECONDS", 90)?.max(5);
        let idle_warning_seconds = seconds("BORNE_KIOSK_IDLE_WARNING_SECONDS", 30)?;
        if idle_warning_seconds < 20 {
            return Err(
                "BORNE_KIOSK_IDLE_WARNING_SECONDS must be at least 20: residents need time to answer"
                    .into(),
            );
        }
        let data_dir = get("BORNE_KIOSK_DATA_DIR")
            .map(PathBuf::from)
            .unwrap_or(default_data_dir);
        let key_file = get("BORNE_KIOSK_KEY_FILE")
            .map(PathBuf::from)
            .unwrap_or_else(|| data_dir.join("queue.key"));
        let key_store = match get("BORNE_KIOSK_KEY_STORE").as_deref() {
            None | Some("auto") => KeyStore::Auto(key_file),
            Some("keyring") => KeyStore::Keyring,
            Some("file") => KeyStore::File(key_file),
            Some(other) => {
                return Err(format!(
                    "BORNE_KIOSK_KEY_STORE must be auto, keyring or file, got `{other}`"
                ))
            }
        };
        let fractional = |key: &str, default: f64| -> Result<Duration, String> {
            match get(key) {
                Some(v) => v
                    .parse::<f64>()
                    .ok()
                    .filter(|s| s.is_finite() && *s > 0.0)
                    .map(Duration::from_secs_f64)
                    .ok_or_else(|| format!("{key} must be a positive number of seconds")),
                None => Ok(Duration::from_secs_f64(default)),
            }
        };
        let batch_size = match get("BORNE_KIOSK_SYNC_BATCH") {
            Some(v) => v
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=100).contains(n))
                .ok_or("BORNE_KIOSK_SYNC_BATCH must be between 1 and 100")?,
            None => 50,
        };
        let rejected_retention_days = match get("BORNE_KIOSK_REJECTED_RETENTION_DAYS") {
            Some(v) => v.parse::<u32>().ok().filter(|d| *d >= 1).ok_or(
                "BORNE_KIOSK_REJECTED_RETENTION_DAYS must be a whole number of days, at least 1",
            )?,
            None => 30,
        };
        let sync = SyncConfig {
            batch_size,
            offline_check: fractional("BORNE_KIOSK_OFFLINE_CHECK_SECONDS", 15.0)?,
            rejected_retention: Duration::from_secs(u64::from(rejected_retention_days) * 86_400),
            ..SyncConfig::default()
        };
        let staff_pin_hash = get("BORNE_KIOSK_STAFF_PIN_HASH").filter(|h| !h.is_empty());
        if let Some(h) = &staff_pin_hash {
            crate::staff::check_pin_hash(h).map_err(|e| e.to_string())?;
        }
        let updates = match get("BORNE_KIOSK_UPDATES").as_deref() {
            None | Some("1") => true,
            Some("0") => false,
            Some(other) => {
                return Err(format!("BORNE_KIOSK_UPDATES must be 1 or 0, got `{other}`"))
            }
        };
        let update_check = Duration::from_secs(u64::from(
            seconds("BORNE_KIOSK_UPDATE_CHECK_SECONDS", 21_600)?.max(60),
        ));
        let update_spool = match get("BORNE_KIOSK_UPDATE_SPOOL").filter(|p| !p.is_empty()) {
            Some(p) if std::path::Path::new(&p).is_absolute() => Some(PathBuf::from(p)),
            Some(p) => {
                return Err(format!(
                    "BORNE_KIOSK_UPDATE_SPOOL must be an absolute directory, got `{p}`"
                ))
            }
            None => None,
        };
        let categories = match get("BORNE_KIOSK_CATEGORIES") {
            Some(text) => parse_categories(&text)?,
            None => borne_domain::DEFAULT_CATEGORIES
                .iter()
                .map(|(id, fr, en)| borne_protocol::ipc::Category {
                    id: (*id).into(),
                    label_fr: (*fr).into(),
                    label_en: (*en).into(),
                })
                .collect(),
        };
        let town_designation = match get("BORNE_TOWN_DESIGNATION") {
            Some(v) => v
                .parse::<TownDesignation>()
                .map_err(|e| format!("BORNE_TOWN_DESIGNATION: {e}"))?,
            None => TownDesignation::Ville,
        };
        let hostname = whoami::fallible::hostname().unwrap_or_default();
        Ok(Self {
            central_url: central_url.trim_end_matches('/').to_owned(),
            kiosk_id: get("BORNE_KIOSK_ID").unwrap_or_else(|| format!("kiosk-{hostname}")),
            data_dir,
            town_name: get("BORNE_TOWN_NAME").unwrap_or_else(|| "Mille-Isles".into()),
            town_designation,
            english_enabled: get("BORNE_KIOSK_ENGLISH").is_none_or(|v| v != "0"),
            area_codes,
            request_timeout: Duration::from_secs_f64(timeout),
            idle_seconds,
            idle_warning_seconds,
            key_store,
            sync,
            staff_pin_hash,
            offline_per_hour: match get("BORNE_KIOSK_OFFLINE_PER_HOUR") {
                Some(v) => v.parse().map_err(|_| {
                    "BORNE_KIOSK_OFFLINE_PER_HOUR must be a whole number".to_owned()
                })?,
                None => 30,
            },
            send_hours: match get("BORNE_KIOSK_SEND_HOURS") {
                Some(h) if is_send_hours(&h) => h.trim().to_owned(),
                Some(h) => {
                    return Err(format!(
                        "BORNE_KIOSK_SEND_HOURS must look like 08:00-21:00, got `{h}`"
                    ))
                }
                None => "08:00-21:00".into(),
            },
            updates,
            update_check,
            update_spool,
            app_version: env!("CARGO_PKG_VERSION").into(),
            categories,
            privacy_officer: one_line("BORNE_PRIVACY_OFFICER", get("BORNE_PRIVACY_OFFICER"))?,
            help: match get("BORNE_KIOSK_HELP") {
                Some(text) => Some(parse_help(&text)?),
                None => None,
            },
        })
    }
}

/// The longest text a town may put on a screen from its configuration.
const MAX_TOWN_TEXT: usize = 400;

/// A town's text shown to residents: one line, not empty, not a page.
fn one_line(name: &str, value: Option<String>) -> Result<Option<String>, String> {
    let Some(value) = value else { return Ok(None) };
    let value = value.trim();
    if value.is_empty()
        || value.chars().count() > MAX_TOWN_TEXT
        || value.chars().any(char::is_control)
    {
        return Err(format!(
            "{name} must be one line of 1 to {MAX_TOWN_TEXT} characters"
        ));
    }
    Ok(Some(value.to_owned()))
}

/// `Adressez-vous au comptoir d’accueil.|Please ask at the front desk.`
fn parse_help(text: &str) -> Result<borne_protocol::ipc::LocalizedText, String> {
    let bad = || "BORNE_KIOSK_HELP must look like Texte français|English text".to_owned();
    let (fr, en) = text.split_once('|').ok_or_else(bad)?;
    let fr = one_line("BORNE_KIOSK_HELP", Some(fr.into()))?.ok_or_else(bad)?;
    let en = one_line("BORNE_KIOSK_HELP", Some(en.into()))?.ok_or_else(bad)?;
    Ok(borne_protocol::ipc::LocalizedText { fr, en })
}

/// `boil_water=Avis d’ébullition|Boil-water notices;snow_removal=…`
fn parse_categories(text: &str) -> Result<Vec<borne_protocol::ipc::Category>, String> {
    let mut out: Vec<borne_protocol::ipc::Category> = Vec::new();
    for entry in text.split(';').map(str::trim).filter(|e| !e.is_empty()) {
        let bad =
            || format!("BORNE_KIOSK_CATEGORIES: `{entry}` must look like id=Libellé|English label");
        let (id, labels) = entry.split_once('=').ok_or_else(bad)?;
        let (fr, en) = labels.split_once('|').ok_or_else(bad)?;
        let (id, fr, en) = (id.trim(), fr.trim(), en.trim());
        if !borne_domain::is_category_id(id) || fr.is_empty() || en.is_empty() {
            return Err(bad());
        }
        if out.iter().any(|c| c.id == id) {
            return Err(format!("BORNE_KIOSK_CATEGORIES: `{id}` appears twice"));
        }
        out.push(borne_protocol::ipc::Category {
            id: id.into(),
            label_fr: fr.into(),
            label_en: en.into(),
        });
    }
    if out.len() > borne_domain::MAX_CATEGORIES {
        return Err(format!(
            "BORNE_KIOSK_CATEGORIES: at most {} categories",
            borne_domain::MAX_CATEGORIES
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The configuration with one variable set (`None`: unset).
    fn with_var(name: &str, value: Option<&str>) -> Result<KioskConfig, String> {
        KioskConfig::from_lookup(
            |k| (k == name).then(|| value.map(str::to_owned)).flatten(),
            std::env::temp_dir().join("k"),
        )
    }

    #[test]
    fn send_hours_are_checked() {
        for ok in ["08:00-21:00", "00:00-24:00", " 09:30-17:00 "] {
            assert!(is_send_hours(ok), "{ok}");
        }
        for bad in [
            "21:00-08:00",
            "8h-21h",
            "08:00-24:30",
            "08:00",
            "08:60-09:00",
        ] {
            assert!(!is_send_hours(bad), "{bad}");
        }
    }

    #[test]
    fn reads_and_checks_the_environment() {
        let c = KioskConfig::from_lookup(
            |k| match k {
                "BORNE_CENTRAL_URL" => Some("http://127.0.0.1:9000/".into()),
                "BORNE_KIOSK_ENGLISH" => Some("0".into()),
                _ => None,
            },
            std::env::temp_dir().join("k"),
        )
        .unwrap();
        assert_eq!(c.central_url, "http://127.0.0.1:9000");
        assert!(!c.english_enabled);
        assert_eq!((c.idle_seconds, c.idle_warning_seconds), (90, 30));
        let e = KioskConfig::from_lookup(
            |k| (k == "BORNE_CENTRAL_URL").then(|| "ftp://x".into()),
            std::env::temp_dir().join("k"),
        )
        .unwrap_err();
        assert!(e.contains("BORNE_CENTRAL_URL"), "{e}");
        let e = KioskConfig::from_lookup(
            |k| match k {
                "BORNE_KIOSK_IDLE_WARNING_SECONDS" => Some("5".into()),
                _ => None,
            },
            std::env::temp_dir().join("k"),
        )
        .unwrap_err();
        assert!(e.contains("at least 20"), "{e}");
        assert_eq!(c.categories.len(), 5);
        assert_eq!(c.categories[0].id, "boil_water");
        // French typography: the labels the kiosk shows by default use ’.
        assert!(c.categories.iter().all(|c| !c.label_fr.contains('\'')));
        let cats = parse_categories("verglas=Verglas|Freezing rain; eau = Eau | Water").unwrap();
        assert_eq!(
            (
                cats[1].id.as_str(),
                cats[1].label_fr.as_str(),
                cats[1].label_en.as_str()
            ),
            ("eau", "Eau", "Water")
        );
        assert!(parse_categories("Verglas=Verglas|Freezing rain").is_err());
        assert!(parse_categories("verglas=Verglas").is_err());
    }

    #[test]
    fn release_builds_reach_the_central_server_over_https_except_on_loopback() {
        for url in [
            "https://alertes.ville.ca",
            "https://10.0.0.5:8443/borne",
            "http://127.0.0.1:8080",
            "http://127.0.0.1",
            "http://[::1]:8080",
            "http://localhost:8080",
            "http://LOCALHOST",
        ] {
            assert_eq!(check_central_url(url, true), Ok(()), "{url}");
        }
        for url in [
            "http://alertes.ville.ca",
            "http://10.0.0.5:8080",
            "http://127.0.0.1.evil.example",
            "http://localhost.evil.example",
            "http://127.0.0.1@evil.example",
            "http://[::2]:8080",
        ] {
            assert_eq!(
                check_central_url(url, true),
                Err(CentralUrlError::PlainHttp(url.into())),
                "{url}"
            );
            assert_eq!(check_central_url(url, false), Ok(()), "debug: {url}");
        }
        for release in [true, false] {
            assert!(matches!(
                check_central_url("ftp://alertes.ville.ca", release),
                Err(CentralUrlError::Scheme(_))
            ));
            assert!(matches!(
                check_central_url("alertes.ville.ca", release),
                Err(CentralUrlError::NotUrl(_))
            ));
        }
        let said = CentralUrlError::PlainHttp("http://x".into()).to_string();
        assert!(
            said.contains("https://") && said.contains("release"),
            "{said}"
        );
    }

    #[test]
    fn a_staff_pin_hash_weaker_than_the_defaults_stops_the_start() {
        use argon2::password_hash::{PasswordHasher, SaltString};
        let weak = argon2::Argon2::new(
            argon2::Algorithm::Argon2id,
            argon2::Version::V0x13,
            argon2::Params::new(4096, 1, 1, None).unwrap(),
        )
        .hash_password(b"482913", &SaltString::encode_b64(&[3u8; 16]).unwrap())
        .unwrap()
        .to_string();
        let start = |hash: String| with_var("BORNE_KIOSK_STAFF_PIN_HASH", Some(&hash));
        let e = start(weak).unwrap_err();
        assert!(
            e.contains("BORNE_KIOSK_STAFF_PIN_HASH")
                && e.contains("m=4096, t=1, p=1")
                && e.contains("weaker than the defaults m=19456, t=2, p=1"),
            "{e}"
        );
        let e = start("not a hash".into()).unwrap_err();
        assert!(e.contains("argon2id"), "{e}");
        let strong = crate::hash_staff_pin("482913").unwrap();
        assert_eq!(
            start(strong.clone()).unwrap().staff_pin_hash.as_deref(),
            Some(strong.as_str())
        );
    }

    #[test]
    fn rejected_registrations_are_kept_30_days_unless_told() {
        let with = |days| with_var("BORNE_KIOSK_REJECTED_RETENTION_DAYS", days);
        let day = Duration::from_secs(86_400);
        assert_eq!(with(None).unwrap().sync.rejected_retention, 30 * day);
        assert_eq!(with(Some("7")).unwrap().sync.rejected_retention, 7 * day);
        for bad in ["0", "-1", "seven", "1.5"] {
            let e = with(Some(bad)).unwrap_err();
            assert!(
                e.contains("BORNE_KIOSK_REJECTED_RETENTION_DAYS"),
                "{bad}: {e}"
            );
        }
    }

    #[test]
    fn a_packaged_kiosk_names_an_absolute_update_spool() {
        let with = |spool| with_var("BORNE_KIOSK_UPDATE_SPOOL", spool);
        assert_eq!(with(None).unwrap().update_spool, None);
        assert_eq!(with(Some("")).unwrap().update_spool, None);
        assert_eq!(
            with(Some("/var/lib/borne-kiosk/updates"))
                .unwrap()
                .update_spool,
            Some(PathBuf::from("/var/lib/borne-kiosk/updates"))
        );
        let e = with(Some("updates")).unwrap_err();
        assert!(e.contains("BORNE_KIOSK_UPDATE_SPOOL"), "{e}");
    }

    #[test]
    fn the_town_designation_is_one_of_a_closed_set() {
        let with = |value| with_var("BORNE_TOWN_DESIGNATION", value);
        assert_eq!(with(None).unwrap().town_designation, TownDesignation::Ville);
        assert_eq!(
            with(Some("municipalite")).unwrap().town_designation,
            TownDesignation::Municipalite
        );
        assert_eq!(
            with(Some("Cantons_Unis")).unwrap().town_designation,
            TownDesignation::CantonsUnis
        );
        let e = with(Some("municipalité")).unwrap_err();
        assert!(
            e.starts_with("BORNE_TOWN_DESIGNATION: `municipalité`"),
            "{e}"
        );
        assert!(e.contains("ville, municipalite, paroisse"), "{e}");
    }

    #[test]
    fn the_towns_texts_are_one_line_and_the_help_has_both_languages() {
        let with = |name, value| with_var(name, Some(value));
        let c = with("BORNE_PRIVACY_OFFICER", " Greffière, 450 555-0100 ").unwrap();
        assert_eq!(
            c.privacy_officer.as_deref(),
            Some("Greffière, 450 555-0100")
        );
        assert!(c.help.is_none());
        let c = with("BORNE_KIOSK_HELP", "Voyez l’accueil.|Ask at the desk.").unwrap();
        let help = c.help.unwrap();
        assert_eq!(
            (help.fr.as_str(), help.en.as_str()),
            ("Voyez l’accueil.", "Ask at the desk.")
        );
        for bad in ["Voyez l’accueil.", "Voyez|", "|Ask", "Un\ntexte|Two\nlines"] {
            assert!(with("BORNE_KIOSK_HELP", bad).is_err(), "{bad:?} refused");
        }
        assert!(with("BORNE_PRIVACY_OFFICER", "a\u{7}b").is_err());
        let long: &'static str = Box::leak("x".repeat(401).into_boxed_str());
        assert!(with("BORNE_PRIVACY_OFFICER", long).is_err());
    }
}
