//! Configuration from `BORNE_*` environment variables, with defaults that
//! run a demo on one machine.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use borne_domain::AreaCodes;
use secrecy::SecretString;

use crate::telephony::{Sender, TwilioConfig};

#[derive(Debug, Clone)]
pub enum TelephonyKind {
    /// Writes each SMS or call as a JSON line (demo, tests).
    Console,
    /// Twilio's REST API (`BORNE_TWILIO_*`).
    Twilio(TwilioConfig),
}

/// Caps against abuse (SMS pumping, code guessing). `BORNE_LIMIT_*`.
#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    /// Per number: at least this long between two codes (default 60 s).
    pub number_min_interval: Duration,
    /// Per number: at most this many codes in 10 minutes (default 3).
    pub number_per_10_min: u32,
    /// Per number: at most this many codes in 24 hours (default 5).
    pub number_per_day: u32,
    /// Per kiosk: at most this many codes per hour (default 30).
    pub kiosk_per_hour: u32,
    /// Failed logins for one number (with an account or not) before
    /// delays start (default 10).
    pub login_failures_before_delay: u32,
    /// Failed logins from one kiosk, whatever the numbers, before delays
    /// start (default 30).
    pub kiosk_login_failures_before_delay: u32,
    /// Per kiosk: at most this many synced registrations per hour
    /// (default 60); the excess is answered 429 and stays queued.
    pub kiosk_registrations_per_hour: u32,
    /// Cost breaker: warn above this multiple of the average hour (default 3).
    pub breaker_warn_ratio: f64,
    /// Cost breaker: pause sends above this multiple (default 10).
    pub breaker_pause_ratio: f64,
    /// Cost breaker: the average hour is taken as at least this many sends,
    /// so a new deployment is not paused by its first residents (default 20).
    pub breaker_min_baseline_per_hour: f64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            number_min_interval: Duration::from_secs(60),
            number_per_10_min: 3,
            number_per_day: 5,
            kiosk_per_hour: 30,
            login_failures_before_delay: 10,
            kiosk_login_failures_before_delay: 30,
            kiosk_registrations_per_hour: 60,
            breaker_warn_ratio: 3.0,
            breaker_pause_ratio: 10.0,
            breaker_min_baseline_per_hour: 20.0,
        }
    }
}

/// The HTTP transport's timeouts and limits (`BORNE_HTTP_*`): what a
/// client may hold of the server, and for how long.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpLimits {
    /// A connection whose request head (request line and headers) has not
    /// fully arrived this long after it opened, or after its previous
    /// answer, is closed (default 10 s).
    pub header_timeout: Duration,
    /// A request body not fully received this long after the handler
    /// started reading it is answered 408 `request.timeout` (default 15 s).
    pub body_timeout: Duration,
    /// A request not answered this long after its head arrived is answered
    /// 503 `server.timeout` (default 30 s).
    pub request_timeout: Duration,
    /// Open connections per listener; when they are all taken, the server
    /// accepts no other until one closes (default 2048).
    pub max_connections: usize,
    /// The largest request body, every route but the sync batch (default
    /// 64 KiB); larger is answered 413 `request.too_large`.
    pub body_limit: usize,
    /// The largest body of `POST /v1/registrations` (default
    /// [`HttpLimits::BATCH_BODY_LIMIT`]).
    pub batch_body_limit: usize,
}

impl HttpLimits {
    /// Room for one offline registration as a kiosk sends it, twice over:
    /// every text field at its longest in 4-byte characters, ten contact
    /// points and twenty categories take 9.3 KiB (`tests/api/hardening.rs`
    /// builds that registration and sends a full batch of them).
    pub const REGISTRATION_BYTES: usize = 20 * 1024;
    /// The sync batch's default limit: [`REGISTRATION_BATCH_MAX`] of the
    /// largest registrations (2,048,000 bytes).
    ///
    /// [`REGISTRATION_BATCH_MAX`]: borne_protocol::REGISTRATION_BATCH_MAX
    pub const BATCH_BODY_LIMIT: usize =
        borne_protocol::REGISTRATION_BATCH_MAX * Self::REGISTRATION_BYTES;
}

impl Default for HttpLimits {
    fn default() -> Self {
        Self {
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(15),
            request_timeout: Duration::from_secs(30),
            max_connections: 2048,
            body_limit: 64 * 1024,
            batch_body_limit: Self::BATCH_BODY_LIMIT,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    /// `BORNE_LISTEN`, default `127.0.0.1:8080`.
    pub listen: SocketAddr,
    /// `BORNE_ADMIN_LISTEN`, default `127.0.0.1:8081`: where `/v1/admin/*`
    /// and `/metrics` are served (with `/healthz` and `/readyz`); the
    /// public listener does not serve them.
    pub admin_listen: SocketAddr,
    /// `BORNE_DATABASE_URL`; default: `borne-central.sqlite` in the data
    /// directory. A secret: a PostgreSQL URL holds a password.
    pub database_url: SecretString,
    /// `BORNE_DATA_DIR`, default `./.borne/central`.
    pub data_dir: PathBuf,
    /// `BORNE_KIOSK_SILENT_SECONDS`, default 900: an enrolled kiosk
    /// without a heartbeat for longer is flagged (`kiosk list`, metrics).
    pub kiosk_silent_after: Duration,
    /// `BORNE_RETENTION_UNVERIFIED_DAYS`, default 30: accounts never
    /// confirmed are deleted after this long.
    pub retention_unverified: Duration,
    /// `BORNE_RETENTION_INTERVAL_SECONDS`, default 3600: how often the
    /// retention job runs.
    pub retention_interval: Duration,
    /// `BORNE_ADMIN_TOKEN` (at least 32 characters): the administrator's
    /// bearer token for `/v1/admin/*`; only its SHA-256 is kept. Unset:
    /// no administration over HTTP (the commands still work).
    pub admin_token_hash: Option<String>,
    /// `BORNE_CATEGORIES`: the optional alert categories residents may
    /// tick (ids, comma-separated); default: `boil_water, snow_removal,
    /// street_closures, collections, community`.
    pub categories: Vec<String>,
    /// `BORNE_TELEPHONY`, default `console`.
    pub telephony: TelephonyKind,
    /// `BORNE_PUBLIC_URL`: how the provider reaches this server, e.g.
    /// `https://alertes.ville.ca`; status callbacks and signature checks use it.
    pub public_url: Option<String>,
    pub limits: Limits,
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
    /// `BORNE_SESSION_LIFETIME_SECONDS`, default 1800: a resident session
    /// (and an offline registration's proof made of it) ends this long
    /// after its login, however often it is used.
    pub session_lifetime: Duration,
    /// `BORNE_SEND_HOURS` (default `08:00-21:00`) in `BORNE_TIMEZONE`
    /// (default `America/Montreal`): when confirmations and reminders,
    /// which nobody waits for at a kiosk, may go out.
    pub send_window: crate::quiet_hours::SendWindow,
    /// `BORNE_CONFIRMATION_REMINDER_HOURS`, default 48: an unanswered
    /// confirmation gets one reminder this long after it went out.
    pub confirmation_reminder_after: Duration,
    /// `BORNE_CONSOLE_WEBHOOK_TOKEN`: with the console provider, the
    /// stand-in for Twilio's auth token, so the demo and the tests can
    /// play the resident's phone (signed replies); unset, the webhooks
    /// answer 404 as with any provider but Twilio.
    pub console_webhook_token: Option<SecretString>,
    /// `BORNE_HTTP_*`: the transport's timeouts and limits.
    pub http: HttpLimits,
    /// `BORNE_ADMIN_SESSION_IDLE_SECONDS` (default 900) and
    /// `BORNE_ADMIN_SESSION_LIFETIME_SECONDS` (default 28800, a working
    /// day): a console session ends after this long unused, and this
    /// long after its sign-in however often it is used.
    pub admin_session: crate::db::SessionLimits,
    /// `BORNE_ADMIN_URL`: how staff's browsers reach the administration
    /// listener, for the setup links `staff add` prints; default
    /// `http://` and `BORNE_ADMIN_LISTEN`.
    pub admin_url: String,
    /// `BORNE_RETENTION_ACCESS_LOG_DAYS`, default 365: the access log
    /// keeps entries this long.
    pub retention_access_log: Duration,
    /// `BORNE_HASH_CONCURRENCY` (default: the cores available) and
    /// `BORNE_HASH_WAIT_MS` (default 2000): argon2 hashes or verifications
    /// at once, and how long a request waits for a turn before 503
    /// `server.busy`.
    pub hashing: Hashing,
    /// `BORNE_SYNC_*`: how many kiosk sync batches this instance takes at
    /// once, and the `Retry-After` of those it turns away.
    pub sync_intake: SyncIntake,
    /// `BORNE_SMS_PER_SECOND`, `BORNE_CALLS_PER_SECOND`: the provider's
    /// rate for this server's SMS sender and caller id.
    pub pacing: Pacing,
}

/// Back-pressure on kiosk syncs ([`crate::ingest::Intake`]): a region's
/// kiosks coming back at once get 429 with a jittered `Retry-After`
/// instead of a queue in front of the database that live signups would
/// wait behind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncIntake {
    /// `BORNE_SYNC_CONCURRENCY`, default 2: sync batches this instance
    /// parses or stores at once (the store takes them one at a time);
    /// more get 429.
    pub concurrency: usize,
    /// `BORNE_SYNC_RETRY_AFTER_MAX_SECONDS`, default 5: a turned-away
    /// kiosk is told to come back after 1 to this many seconds, at random.
    pub retry_after_max: Duration,
}

impl Default for SyncIntake {
    fn default() -> Self {
        Self {
            concurrency: 2,
            retry_after_max: Duration::from_secs(5),
        }
    }
}

/// The telephony provider's sending rate, per sender: one SMS sender
/// (`BORNE_TWILIO_FROM` or the messaging service) and one caller id. A
/// long code takes about 1 SMS a second, a short code 100, a toll-free
/// number 3 (more once verified); calls, 1 a second by default.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pacing {
    pub sms_per_second: f64,
    pub calls_per_second: f64,
}

impl Default for Pacing {
    fn default() -> Self {
        Self {
            sms_per_second: 1.0,
            calls_per_second: 1.0,
        }
    }
}

/// The gate in front of argon2 ([`crate::codes::HashGate`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hashing {
    pub concurrency: usize,
    pub wait: Duration,
}

impl Default for Hashing {
    fn default() -> Self {
        Self {
            concurrency: std::thread::available_parallelism().map_or(1, usize::from),
            wait: Duration::from_millis(2_000),
        }
    }
}

/// Every setting, as its environment variable. The configuration file
/// takes the same names in lower case without `BORNE_`.
pub const SETTINGS: &[&str] = &[
    "BORNE_LISTEN",
    "BORNE_DATA_DIR",
    "BORNE_DATABASE_URL",
    "BORNE_LOG",
    "BORNE_LOG_FORMAT",
    "BORNE_KIOSK_SILENT_SECONDS",
    "BORNE_RETENTION_UNVERIFIED_DAYS",
    "BORNE_ADMIN_TOKEN",
    "BORNE_CATEGORIES",
    "BORNE_RETENTION_INTERVAL_SECONDS",
    "BORNE_TELEPHONY",
    "BORNE_PUBLIC_URL",
    "BORNE_CONSOLE_OUTBOX",
    "BORNE_TOWN_NAME",
    "BORNE_AREA_CODES_FILE",
    "BORNE_CODE_TTL_SECONDS",
    "BORNE_SESSION_IDLE_SECONDS",
    "BORNE_SESSION_LIFETIME_SECONDS",
    "BORNE_SEND_HOURS",
    "BORNE_TIMEZONE",
    "BORNE_CONFIRMATION_REMINDER_HOURS",
    "BORNE_CONSOLE_WEBHOOK_TOKEN",
    "BORNE_LIMIT_KIOSK_LOGIN_FAILURES",
    "BORNE_LIMIT_KIOSK_REGISTRATIONS_PER_HOUR",
    "BORNE_LIMIT_NUMBER_MIN_INTERVAL_SECONDS",
    "BORNE_LIMIT_NUMBER_PER_10_MIN",
    "BORNE_LIMIT_NUMBER_PER_DAY",
    "BORNE_LIMIT_KIOSK_PER_HOUR",
    "BORNE_LIMIT_LOGIN_FAILURES",
    "BORNE_BREAKER_WARN_RATIO",
    "BORNE_BREAKER_PAUSE_RATIO",
    "BORNE_BREAKER_MIN_BASELINE",
    "BORNE_TWILIO_ACCOUNT_SID",
    "BORNE_TWILIO_AUTH_TOKEN",
    "BORNE_TWILIO_FROM",
    "BORNE_TWILIO_MESSAGING_SERVICE_SID",
    "BORNE_TWILIO_VOICE_FROM",
    "BORNE_TWILIO_BASE_URL",
    "BORNE_TWILIO_CONNECT_TIMEOUT_SECONDS",
    "BORNE_TWILIO_TIMEOUT_SECONDS",
    "BORNE_ADMIN_LISTEN",
    "BORNE_HTTP_HEADER_TIMEOUT_SECONDS",
    "BORNE_HTTP_BODY_TIMEOUT_SECONDS",
    "BORNE_HTTP_REQUEST_TIMEOUT_SECONDS",
    "BORNE_HTTP_MAX_CONNECTIONS",
    "BORNE_HTTP_BODY_LIMIT_BYTES",
    "BORNE_HTTP_BATCH_BODY_LIMIT_BYTES",
    "BORNE_HASH_CONCURRENCY",
    "BORNE_SYNC_CONCURRENCY",
    "BORNE_SYNC_RETRY_AFTER_MAX_SECONDS",
    "BORNE_SMS_PER_SECOND",
    "BORNE_CALLS_PER_SECOND",
    "BORNE_HASH_WAIT_MS",
    "BORNE_ADMIN_SESSION_IDLE_SECONDS",
    "BORNE_ADMIN_SESSION_LIFETIME_SECONDS",
    "BORNE_ADMIN_URL",
    "BORNE_RETENTION_ACCESS_LOG_DAYS",
];

/// The settings of a configuration file: TOML, flat, each key a setting
/// of [`SETTINGS`] in lower case without `BORNE_` (`listen = "0.0.0.0:8080"`,
/// `limit_number_per_day = 5`). An unknown key is an error (a typo must
/// not silently leave a default in place).
pub fn parse_file(text: &str) -> anyhow::Result<std::collections::HashMap<String, String>> {
    let table: toml::Table = text.parse().context("not valid TOML")?;
    let mut out = std::collections::HashMap::new();
    for (key, value) in table {
        let var = format!("BORNE_{}", key.to_ascii_uppercase());
        if !SETTINGS.contains(&var.as_str()) {
            anyhow::bail!("unknown setting `{key}` (known: see README, Configuration)");
        }
        let text = match value {
            toml::Value::String(s) => s,
            toml::Value::Integer(n) => n.to_string(),
            toml::Value::Float(n) => n.to_string(),
            toml::Value::Boolean(b) => b.to_string(),
            _ => anyhow::bail!("`{key}` must be a string, a number or a boolean"),
        };
        out.insert(var, text);
    }
    Ok(out)
}

/// Defaults ← the file named by `BORNE_CONFIG` (if set) ← `BORNE_*`
/// environment variables: what [`Config::from_lookup`] and the
/// administration commands read.
pub fn layered_lookup() -> anyhow::Result<impl Fn(&str) -> Option<String>> {
    let file = match std::env::var("BORNE_CONFIG") {
        Ok(path) => {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("BORNE_CONFIG: cannot read {path}"))?;
            parse_file(&text).with_context(|| format!("BORNE_CONFIG: {path}"))?
        }
        Err(_) => Default::default(),
    };
    Ok(move |key: &str| std::env::var(key).ok().or_else(|| file.get(key).cloned()))
}

impl Config {
    /// How long resident sessions live.
    pub fn session_limits(&self) -> crate::db::SessionLimits {
        crate::db::SessionLimits {
            idle: self.session_idle,
            lifetime: self.session_lifetime,
        }
    }

    /// Reads the configuration file (`BORNE_CONFIG`) and the environment.
    /// Fails with a message naming the setting.
    pub fn from_env() -> anyhow::Result<Self> {
        Self::from_lookup(layered_lookup()?)
    }

    /// The data directory and database URL alone (`BORNE_DATA_DIR`,
    /// `BORNE_DATABASE_URL`), for administration commands.
    pub fn database_from_lookup(get: impl Fn(&str) -> Option<String>) -> (PathBuf, String) {
        let data_dir =
            PathBuf::from(get("BORNE_DATA_DIR").unwrap_or_else(|| ".borne/central".into()));
        let database_url = get("BORNE_DATABASE_URL").unwrap_or_else(|| {
            format!(
                "sqlite://{}",
                data_dir.join("borne-central.sqlite").display()
            )
        });
        (data_dir, database_url)
    }

    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let listen = get("BORNE_LISTEN")
            .unwrap_or_else(|| "127.0.0.1:8080".into())
            .parse()
            .context("BORNE_LISTEN must be an address such as 127.0.0.1:8080")?;
        let admin_listen = get("BORNE_ADMIN_LISTEN")
            .unwrap_or_else(|| "127.0.0.1:8081".into())
            .parse()
            .context("BORNE_ADMIN_LISTEN must be an address such as 127.0.0.1:8081")?;
        let (data_dir, database_url) = Self::database_from_lookup(&get);
        let seconds = |key: &str, default: u64| -> anyhow::Result<Duration> {
            match get(key) {
                Some(v) => v
                    .parse()
                    .map(Duration::from_secs)
                    .with_context(|| format!("{key} must be a number of seconds")),
                None => Ok(Duration::from_secs(default)),
            }
        };
        let number = |key: &str, default: f64| -> anyhow::Result<f64> {
            match get(key) {
                Some(v) => v
                    .parse::<f64>()
                    .ok()
                    .filter(|n| n.is_finite() && *n >= 0.0)
                    .with_context(|| format!("{key} must be a positive number")),
                None => Ok(default),
            }
        };
        let count = |key: &str, default: u32| -> anyhow::Result<u32> {
            match get(key) {
                Some(v) => v
                    .parse()
                    .with_context(|| format!("{key} must be a whole number")),
                None => Ok(default),
            }
        };
        let public_url = get("BORNE_PUBLIC_URL").map(|u| u.trim_end_matches('/').to_owned());
        let telephony = match get("BORNE_TELEPHONY").as_deref() {
            None | Some("console") => TelephonyKind::Console,
            Some("twilio") => {
                let need = |key: &str| {
                    get(key)
                        .filter(|v| !v.is_empty())
                        .with_context(|| format!("{key} must be set when BORNE_TELEPHONY=twilio"))
                };
                let sender = match (
                    get("BORNE_TWILIO_MESSAGING_SERVICE_SID").filter(|v| !v.is_empty()),
                    get("BORNE_TWILIO_FROM").filter(|v| !v.is_empty()),
                ) {
                    (Some(sid), _) => Sender::MessagingService(sid),
                    (None, Some(from)) => Sender::From(from),
                    (None, None) => anyhow::bail!(
                        "BORNE_TWILIO_FROM or BORNE_TWILIO_MESSAGING_SERVICE_SID must be set"
                    ),
                };
                if public_url.is_none() {
                    anyhow::bail!("BORNE_PUBLIC_URL must be set with Twilio: status callbacks and their signatures use it");
                }
                TelephonyKind::Twilio(TwilioConfig {
                    account_sid: need("BORNE_TWILIO_ACCOUNT_SID")?,
                    auth_token: SecretString::from(need("BORNE_TWILIO_AUTH_TOKEN")?),
                    sender,
                    voice_from: need("BORNE_TWILIO_VOICE_FROM")
                        .or_else(|_| need("BORNE_TWILIO_FROM"))?,
                    base_url: get("BORNE_TWILIO_BASE_URL")
                        .unwrap_or_else(|| "https://api.twilio.com".into()),
                    status_callback: public_url.as_ref().map(|u| format!("{u}/v1/twilio/status")),
                    gather_action: public_url.as_ref().map(|u| format!("{u}/v1/twilio/gather")),
                    connect_timeout: seconds("BORNE_TWILIO_CONNECT_TIMEOUT_SECONDS", 5)?,
                    timeout: seconds("BORNE_TWILIO_TIMEOUT_SECONDS", 15)?,
                })
            }
            Some(other) => {
                anyhow::bail!(
                    "BORNE_TELEPHONY: unknown provider `{other}` (known: console, twilio)"
                )
            }
        };
        let d = Limits::default();
        let limits = Limits {
            number_min_interval: seconds("BORNE_LIMIT_NUMBER_MIN_INTERVAL_SECONDS", 60)?,
            number_per_10_min: count("BORNE_LIMIT_NUMBER_PER_10_MIN", d.number_per_10_min)?,
            number_per_day: count("BORNE_LIMIT_NUMBER_PER_DAY", d.number_per_day)?,
            kiosk_per_hour: count("BORNE_LIMIT_KIOSK_PER_HOUR", d.kiosk_per_hour)?,
            login_failures_before_delay: count(
                "BORNE_LIMIT_LOGIN_FAILURES",
                d.login_failures_before_delay,
            )?,
            kiosk_login_failures_before_delay: count(
                "BORNE_LIMIT_KIOSK_LOGIN_FAILURES",
                d.kiosk_login_failures_before_delay,
            )?,
            kiosk_registrations_per_hour: count(
                "BORNE_LIMIT_KIOSK_REGISTRATIONS_PER_HOUR",
                d.kiosk_registrations_per_hour,
            )?,
            breaker_warn_ratio: number("BORNE_BREAKER_WARN_RATIO", d.breaker_warn_ratio)?,
            breaker_pause_ratio: number("BORNE_BREAKER_PAUSE_RATIO", d.breaker_pause_ratio)?,
            breaker_min_baseline_per_hour: number(
                "BORNE_BREAKER_MIN_BASELINE",
                d.breaker_min_baseline_per_hour,
            )?,
        };
        // At least 1: a zero timeout or limit would refuse every request.
        let at_least_one = |key: &str, default: u64| -> anyhow::Result<u64> {
            match get(key) {
                Some(v) => v
                    .parse()
                    .ok()
                    .filter(|n| *n >= 1)
                    .with_context(|| format!("{key} must be a whole number, at least 1")),
                None => Ok(default),
            }
        };
        let size = |key: &str, default: usize| -> anyhow::Result<usize> {
            let n = at_least_one(key, u64::try_from(default).unwrap_or(u64::MAX))?;
            usize::try_from(n).with_context(|| format!("{key} is too large"))
        };
        let h = HttpLimits::default();
        let http = HttpLimits {
            header_timeout: Duration::from_secs(at_least_one(
                "BORNE_HTTP_HEADER_TIMEOUT_SECONDS",
                h.header_timeout.as_secs(),
            )?),
            body_timeout: Duration::from_secs(at_least_one(
                "BORNE_HTTP_BODY_TIMEOUT_SECONDS",
                h.body_timeout.as_secs(),
            )?),
            request_timeout: Duration::from_secs(at_least_one(
                "BORNE_HTTP_REQUEST_TIMEOUT_SECONDS",
                h.request_timeout.as_secs(),
            )?),
            max_connections: size("BORNE_HTTP_MAX_CONNECTIONS", h.max_connections)?,
            body_limit: size("BORNE_HTTP_BODY_LIMIT_BYTES", h.body_limit)?,
            batch_body_limit: size("BORNE_HTTP_BATCH_BODY_LIMIT_BYTES", h.batch_body_limit)?,
        };
        let d_hash = Hashing::default();
        let hashing = Hashing {
            concurrency: size("BORNE_HASH_CONCURRENCY", d_hash.concurrency)?,
            wait: match get("BORNE_HASH_WAIT_MS") {
                Some(v) => v
                    .parse()
                    .map(Duration::from_millis)
                    .context("BORNE_HASH_WAIT_MS must be a number of milliseconds")?,
                None => d_hash.wait,
            },
        };
        let d_sync = SyncIntake::default();
        let sync_intake = SyncIntake {
            concurrency: size("BORNE_SYNC_CONCURRENCY", d_sync.concurrency)?,
            retry_after_max: Duration::from_secs(at_least_one(
                "BORNE_SYNC_RETRY_AFTER_MAX_SECONDS",
                d_sync.retry_after_max.as_secs(),
            )?),
        };
        let d_pacing = Pacing::default();
        let rate = |key: &str, default: f64| -> anyhow::Result<f64> {
            let r = number(key, default)?;
            anyhow::ensure!(r >= 0.1, "{key} must be at least 0.1 (one send every 10 s)");
            Ok(r)
        };
        let pacing = Pacing {
            sms_per_second: rate("BORNE_SMS_PER_SECOND", d_pacing.sms_per_second)?,
            calls_per_second: rate("BORNE_CALLS_PER_SECOND", d_pacing.calls_per_second)?,
        };
        let area_codes = match get("BORNE_AREA_CODES_FILE") {
            Some(path) => {
                let text = std::fs::read_to_string(&path)
                    .with_context(|| format!("BORNE_AREA_CODES_FILE: cannot read {path}"))?;
                AreaCodes::parse(&text).with_context(|| format!("BORNE_AREA_CODES_FILE: {path}"))?
            }
            None => AreaCodes::canada(),
        };
        Ok(Self {
            listen,
            admin_listen,
            database_url: database_url.into(),
            data_dir,
            kiosk_silent_after: seconds("BORNE_KIOSK_SILENT_SECONDS", 900)?,
            admin_token_hash: match get("BORNE_ADMIN_TOKEN").filter(|t| !t.is_empty()) {
                Some(t) if t.chars().count() < 32 => {
                    anyhow::bail!("BORNE_ADMIN_TOKEN must be at least 32 characters")
                }
                Some(t) => Some(crate::codes::token_hash(&t)),
                None => None,
            },
            categories: match get("BORNE_CATEGORIES") {
                Some(list) => {
                    let ids: Vec<String> = list
                        .split(',')
                        .map(|c| c.trim().to_owned())
                        .filter(|c| !c.is_empty())
                        .collect();
                    if let Some(bad) = ids.iter().find(|c| !borne_domain::is_category_id(c)) {
                        anyhow::bail!(
                            "BORNE_CATEGORIES: `{bad}` is not an id (lower-case letters, digits, _)"
                        );
                    }
                    ids
                }
                None => borne_domain::DEFAULT_CATEGORIES
                    .iter()
                    .map(|(id, _, _)| (*id).to_owned())
                    .collect(),
            },
            retention_unverified: Duration::from_secs(
                u64::from(count("BORNE_RETENTION_UNVERIFIED_DAYS", 30)?.max(1)) * 86_400,
            ),
            retention_interval: seconds("BORNE_RETENTION_INTERVAL_SECONDS", 3_600)?
                .max(Duration::from_secs(1)),
            telephony,
            public_url,
            limits,
            console_outbox: get("BORNE_CONSOLE_OUTBOX").map(PathBuf::from),
            town_name: town_name(get("BORNE_TOWN_NAME"))?,
            area_codes,
            code_ttl: seconds("BORNE_CODE_TTL_SECONDS", 600)?,
            session_idle: seconds("BORNE_SESSION_IDLE_SECONDS", 900)?,
            session_lifetime: Duration::from_secs(at_least_one(
                "BORNE_SESSION_LIFETIME_SECONDS",
                1_800,
            )?),
            send_window: crate::quiet_hours::SendWindow::parse(
                get("BORNE_SEND_HOURS").as_deref().unwrap_or("08:00-21:00"),
                get("BORNE_TIMEZONE")
                    .as_deref()
                    .unwrap_or("America/Montreal"),
            )
            .context("BORNE_SEND_HOURS / BORNE_TIMEZONE")?,
            confirmation_reminder_after: Duration::from_secs(
                u64::from(count("BORNE_CONFIRMATION_REMINDER_HOURS", 48)?.max(1)) * 3_600,
            ),
            console_webhook_token: get("BORNE_CONSOLE_WEBHOOK_TOKEN")
                .filter(|t| !t.is_empty())
                .map(SecretString::from),
            http,
            hashing,
            sync_intake,
            pacing,
            admin_session: crate::db::SessionLimits {
                idle: Duration::from_secs(at_least_one("BORNE_ADMIN_SESSION_IDLE_SECONDS", 900)?),
                lifetime: Duration::from_secs(at_least_one(
                    "BORNE_ADMIN_SESSION_LIFETIME_SECONDS",
                    8 * 3_600,
                )?),
            },
            admin_url: get("BORNE_ADMIN_URL")
                .filter(|u| !u.is_empty())
                .map_or_else(
                    || format!("http://{admin_listen}"),
                    |u| u.trim_end_matches('/').to_owned(),
                ),
            retention_access_log: Duration::from_secs(
                at_least_one("BORNE_RETENTION_ACCESS_LOG_DAYS", 365)? * 86_400,
            ),
        })
    }
}

/// `BORNE_TOWN_NAME`: one that keeps every SMS to one billed segment.
fn town_name(value: Option<String>) -> anyhow::Result<String> {
    let name = value.unwrap_or_else(|| "Mille-Isles".into());
    let name = name.trim();
    if name.is_empty() {
        anyhow::bail!("BORNE_TOWN_NAME must not be empty");
    }
    if let Some(problem) = crate::telephony::town_name_problem(name) {
        anyhow::bail!("BORNE_TOWN_NAME: {problem}");
    }
    Ok(name.to_owned())
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
        let c = cfg(&[]).unwrap();
        assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
        assert!(
            c.database_url.expose_secret().starts_with("sqlite://")
                && c.database_url
                    .expose_secret()
                    .ends_with("borne-central.sqlite")
        );
        assert_eq!(c.code_ttl, Duration::from_secs(600));
        assert_eq!(c.kiosk_silent_after, Duration::from_secs(900));
        assert_eq!(c.session_lifetime, Duration::from_secs(1_800));
        assert_eq!(c.limits, Limits::default());
        assert!(matches!(c.telephony, TelephonyKind::Console));
        assert_eq!(c.admin_listen.to_string(), "127.0.0.1:8081");
        assert_eq!(c.http, HttpLimits::default());
        assert_eq!(c.http.header_timeout, Duration::from_secs(10));
        assert_eq!(c.http.body_timeout, Duration::from_secs(15));
        assert_eq!(c.http.request_timeout, Duration::from_secs(30));
        assert_eq!(c.http.max_connections, 2048);
        assert_eq!(c.http.body_limit, 65_536);
        assert_eq!(c.http.batch_body_limit, 100 * 20 * 1024);
        assert!(c.hashing.concurrency >= 1);
        assert_eq!(c.hashing.wait, Duration::from_millis(2_000));
        assert_eq!(c.admin_session.idle, Duration::from_secs(900));
        assert_eq!(c.admin_session.lifetime, Duration::from_secs(8 * 3_600));
        assert_eq!(c.admin_url, "http://127.0.0.1:8081");
        assert_eq!(c.retention_access_log, Duration::from_secs(365 * 86_400));
    }

    #[test]
    fn transport_settings_are_read_and_zero_is_refused() {
        let c = cfg(&[
            ("BORNE_ADMIN_LISTEN", "127.0.0.1:0"),
            ("BORNE_HTTP_HEADER_TIMEOUT_SECONDS", "1"),
            ("BORNE_HTTP_BODY_TIMEOUT_SECONDS", "2"),
            ("BORNE_HTTP_REQUEST_TIMEOUT_SECONDS", "3"),
            ("BORNE_HTTP_MAX_CONNECTIONS", "2"),
            ("BORNE_HTTP_BODY_LIMIT_BYTES", "1024"),
            ("BORNE_HTTP_BATCH_BODY_LIMIT_BYTES", "4096"),
            ("BORNE_HASH_CONCURRENCY", "1"),
            ("BORNE_HASH_WAIT_MS", "0"),
        ])
        .unwrap();
        assert_eq!(c.admin_listen.port(), 0);
        assert_eq!(
            c.http,
            HttpLimits {
                header_timeout: Duration::from_secs(1),
                body_timeout: Duration::from_secs(2),
                request_timeout: Duration::from_secs(3),
                max_connections: 2,
                body_limit: 1024,
                batch_body_limit: 4096,
            }
        );
        assert_eq!(
            c.hashing,
            Hashing {
                concurrency: 1,
                wait: Duration::ZERO
            }
        );
        for key in [
            "BORNE_HTTP_HEADER_TIMEOUT_SECONDS",
            "BORNE_HTTP_MAX_CONNECTIONS",
            "BORNE_HTTP_BODY_LIMIT_BYTES",
            "BORNE_HASH_CONCURRENCY",
        ] {
            let e = cfg(&[(key, "0")]).unwrap_err().to_string();
            assert!(e.contains(key), "{e}");
        }
        let e = cfg(&[("BORNE_ADMIN_LISTEN", "8081")])
            .unwrap_err()
            .to_string();
        assert!(e.contains("BORNE_ADMIN_LISTEN"), "{e}");
    }

    #[test]
    fn a_town_name_that_makes_an_sms_of_two_segments_is_refused() {
        let c = cfg(&[("BORNE_TOWN_NAME", " Sainte-Marguerite-du-Lac-Masson ")]).unwrap();
        assert_eq!(c.town_name, "Sainte-Marguerite-du-Lac-Masson");
        let long = "Municipalité de la paroisse de Sainte-Marguerite-du-Lac-Masson";
        let e = cfg(&[("BORNE_TOWN_NAME", long)]).unwrap_err().to_string();
        assert!(e.contains("one segment"), "{e}");
        assert!(cfg(&[("BORNE_TOWN_NAME", "  ")]).is_err());
    }

    #[test]
    fn the_sample_file_is_valid_and_the_environment_wins() {
        let sample = include_str!("../../../docs/deploy/central.toml");
        let file = parse_file(sample).unwrap();
        let c = Config::from_lookup(|k| file.get(k).cloned()).unwrap();
        assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(c.admin_listen.to_string(), "127.0.0.1:8081");
        assert_eq!(c.http, HttpLimits::default());
        assert_eq!(c.sync_intake, SyncIntake::default());
        assert_eq!(c.pacing, Pacing::default());
        assert_eq!(c.limits.number_per_day, 5);
        assert!(matches!(c.telephony, TelephonyKind::Console));
        let e = parse_file("limt_number_per_day = 5")
            .unwrap_err()
            .to_string();
        assert!(e.contains("limt_number_per_day"), "{e}");
        assert!(parse_file("[twilio]\nfrom = 1").is_err());
        let file = parse_file("listen = \"0.0.0.0:9000\"\nlimit_kiosk_per_hour = 7").unwrap();
        let c = Config::from_lookup(|k| {
            (k == "BORNE_LISTEN")
                .then(|| "127.0.0.1:9001".to_owned())
                .or_else(|| file.get(k).cloned())
        })
        .unwrap();
        assert_eq!(c.listen.to_string(), "127.0.0.1:9001");
        assert_eq!(c.limits.kiosk_per_hour, 7);
    }

    /// A setting read anywhere but missing from `SETTINGS` could not be
    /// set from the configuration file.
    #[test]
    fn every_setting_read_is_listed() {
        for source in [include_str!("config.rs"), include_str!("main.rs")] {
            for literal in source.split('"').skip(1).step_by(2) {
                let is_var = literal.starts_with("BORNE_")
                    && literal[6..]
                        .bytes()
                        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
                if is_var && literal != "BORNE_CONFIG" {
                    assert!(
                        SETTINGS.contains(&literal),
                        "{literal} missing from SETTINGS"
                    );
                }
            }
        }
    }

    #[test]
    fn errors_name_the_variable() {
        let e = cfg(&[("BORNE_KIOSK_SILENT_SECONDS", "soon")])
            .unwrap_err()
            .to_string();
        assert!(e.contains("BORNE_KIOSK_SILENT_SECONDS"), "{e}");
        let e = cfg(&[("BORNE_LISTEN", "nope")]).unwrap_err().to_string();
        assert!(e.contains("BORNE_LISTEN"), "{e}");
        let e = cfg(&[("BORNE_TELEPHONY", "pigeon")])
            .unwrap_err()
            .to_string();
        assert!(e.contains("pigeon"), "{e}");
    }
}
