//! Shared fixtures for the cross-process tests and the sync benchmark:
//! deterministic registrations, so a test can rebuild what a killed
//! writer reported and compare it byte for byte.

use borne_protocol as wire;

pub mod in_process;

/// Area codes the fixtures use (all accepted by default).
const AREA_CODES: [&str; 12] = [
    "514", "438", "450", "579", "418", "581", "819", "873", "367", "263", "354", "468",
];

/// The `i`-th test phone number, E.164, distinct for `i` < 12 × 10 000.
/// Exchange 555 (fictional numbers); below 1 200 the line is 0100–0199.
pub fn phone(i: u32) -> String {
    let area = AREA_CODES[(i % 12) as usize];
    let n = i / 12;
    // 0100–0199 first, then 0200 upwards, wrapping to 0000–0099 last.
    let line = (100 + n) % 10_000;
    format!("+1{area}555{line:04}")
}

/// The `i`-th family name: unique, easy to look for in raw bytes.
pub fn name(i: u32) -> String {
    format!("Tremblayfixture{i:06}")
}

/// The `i`-th registration with the given id, as a kiosk would queue it.
pub fn registration(i: u32, id: &str) -> wire::Registration {
    let phone = phone(i);
    wire::Registration {
        id: id.to_owned(),
        captured_at: "2026-11-26T10:00:00Z".into(),
        phone: phone.clone(),
        channel: if i % 3 == 0 {
            wire::Channel::Voice
        } else {
            wire::Channel::Sms
        },
        language: if i % 4 == 0 {
            wire::Language::En
        } else {
            wire::Language::Fr
        },
        consent: wire::Consent {
            text_version: borne_domain::CONSENT_TEXT_VERSION.into(),
            language: wire::Language::Fr,
            accepted_at: "2026-11-26T10:00:00Z".into(),
            kiosk_id: "kiosk-fixture".into(),
            staff_assisted: false,
        },
        profile: wire::Profile {
            name: name(i),
            first_name: format!("Marie{i}"),
            language: wire::Language::Fr,
            city: "Mille-Isles".into(),
            street: "Chemin de Mille-Isles".into(),
            civic_number: format!("{}", 100 + i % 900),
            apartment: String::new(),
            postal_code: "J0R 1A0".into(),
            newsletter: i % 2 == 0,
            contacts: vec![wire::ContactPoint {
                active: true,
                description: "Cellulaire".into(),
                kind: wire::ContactType::Mobile,
                value: phone,
                extension: String::new(),
                extension_delay_seconds: None,
                order: 1,
            }],
            categories: if i % 3 == 0 {
                vec!["boil_water".into()]
            } else {
                Vec::new()
            },
        },
        owner_session: None,
    }
}

/// Every maximal run of ASCII letters and digits in `bytes`, for looking
/// up names and phone numbers in raw database files in one pass.
pub fn alphanumeric_runs(bytes: &[u8]) -> std::collections::HashSet<String> {
    bytes
        .split(|b| !b.is_ascii_alphanumeric())
        .filter(|run| run.len() >= 10)
        .map(|run| String::from_utf8_lossy(run).into_owned())
        .collect()
}

// ------------------------------------------- processes for tests and bench

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use borne_kiosk_core::{CentralClient, DeviceCredential};

/// Cargo's target directory (`CARGO_TARGET_DIR` or `<workspace>/target`).
pub fn target_dir() -> PathBuf {
    let tests = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || tests.parent().unwrap_or(&tests).join("target"),
        PathBuf::from,
    )
}

/// The build profile of this build of the benchmarks (and of the
/// `borne-central` they start by default).
pub fn profile() -> &'static str {
    if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    }
}

/// The central server binary a benchmark starts: `BORNE_CENTRAL_BIN`, or
/// `target/<profile>/borne-central`.
pub fn central_bin() -> PathBuf {
    std::env::var_os("BORNE_CENTRAL_BIN").map_or_else(
        || target_dir().join(profile()).join("borne-central"),
        PathBuf::from,
    )
}

/// The `p` quantile (0 to 1) of sorted durations; zero for none.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// A benchmark's `--name N` argument, or `default` when it is not given.
pub fn count_arg(name: &str, default: usize) -> anyhow::Result<usize> {
    use anyhow::Context;
    let args: Vec<String> = std::env::args().collect();
    match args.iter().position(|a| a == name) {
        Some(i) => args
            .get(i + 1)
            .context("missing value")?
            .parse()
            .with_context(|| format!("{name} must be a number")),
        None => Ok(default),
    }
}

/// A port free right now on 127.0.0.1.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A real `borne-central` process for load tests and the benchmark: a
/// SQLite file in `work`, console telephony to `outbox.jsonl`, and the
/// cost breaker tripping after the first send, so the delivery worker
/// (an argon2 hash per code) does not compete for the CPU. Killed
/// (SIGKILL) when dropped.
#[derive(Debug)]
pub struct CentralProcess {
    child: Option<Child>,
    bin: PathBuf,
    pub port: u16,
    pub work: PathBuf,
    /// The SQLite file, unless `database_url` (given in `env`) says otherwise.
    pub db: PathBuf,
    /// `BORNE_DATABASE_URL`: the SQLite file, or the one given in `env`.
    pub database_url: String,
    pub outbox: PathBuf,
    pub log: PathBuf,
    /// Set after the defaults, so they can override them.
    pub env: Vec<(String, String)>,
}

impl CentralProcess {
    pub fn start(bin: &Path, work: &Path, port: u16) -> anyhow::Result<Self> {
        Self::start_with(bin, work, port, &[])
    }

    /// Like [`CentralProcess::start`], with `env` set over the defaults.
    pub fn start_with(
        bin: &Path,
        work: &Path,
        port: u16,
        env: &[(&str, &str)],
    ) -> anyhow::Result<Self> {
        anyhow::ensure!(
            bin.exists(),
            "{} is missing: build it (cargo build -p borne-central --bin borne-central)",
            bin.display()
        );
        let db = work.join("central.sqlite");
        let database_url = env
            .iter()
            .find(|(k, _)| *k == "BORNE_DATABASE_URL")
            .map_or_else(
                || format!("sqlite://{}", db.display()),
                |(_, v)| (*v).to_owned(),
            );
        let mut c = Self {
            child: None,
            bin: bin.to_owned(),
            port,
            work: work.to_owned(),
            db,
            database_url,
            outbox: work.join("outbox.jsonl"),
            log: work.join("central.log"),
            env: env
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        };
        c.spawn()?;
        Ok(c)
    }

    /// Starts the process (again, after [`CentralProcess::kill`]): same
    /// port, same database; the log is appended to.
    pub fn spawn(&mut self) -> anyhow::Result<()> {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)?;
        self.child = Some(
            Command::new(&self.bin)
                .arg("serve")
                .env("BORNE_LISTEN", format!("127.0.0.1:{}", self.port))
                // Any free port: two servers on one machine never collide.
                .env("BORNE_ADMIN_LISTEN", "127.0.0.1:0")
                .env("BORNE_DATA_DIR", self.work.join("central"))
                .env("BORNE_DATABASE_URL", &self.database_url)
                .env("BORNE_TELEPHONY", "console")
                .env("BORNE_CONSOLE_OUTBOX", &self.outbox)
                .env("BORNE_BREAKER_PAUSE_RATIO", "0.001")
                .env("BORNE_BREAKER_MIN_BASELINE", "1")
                // One test kiosk pushes thousands of registrations: far
                // past a real kiosk's hourly share.
                .env("BORNE_LIMIT_KIOSK_REGISTRATIONS_PER_HOUR", "0")
                // Sends at once, unless `env` sets the provider's pace.
                .env("BORNE_SMS_PER_SECOND", "1000")
                .env("BORNE_CALLS_PER_SECOND", "1000")
                .env("BORNE_LOG", "info")
                .envs(self.env.iter().map(|(k, v)| (k, v)))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(log)
                .spawn()?,
        );
        Ok(())
    }

    /// Waits until it listens (30 s at most); fails with the log's tail if
    /// it exits first.
    pub async fn wait_ready(&mut self) -> anyhow::Result<()> {
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(30) {
            if let Some(status) = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten())
            {
                anyhow::bail!("borne-central exited ({status}):\n{}", self.log_tail());
            }
            if tokio::net::TcpStream::connect(("127.0.0.1", self.port))
                .await
                .is_ok()
            {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        anyhow::bail!(
            "borne-central did not listen within 30 s:\n{}",
            self.log_tail()
        )
    }

    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }

    /// Enrolls a kiosk as an administrator and the kiosk's staff would:
    /// `borne-central kiosk enroll --name`, then the code sent to
    /// `POST /v1/kiosks/enroll`. The process must be listening.
    pub async fn enroll_kiosk(&self, name: &str) -> anyhow::Result<DeviceCredential> {
        let code = enrollment_code(&self.bin, &self.database_url, name)?;
        let client = CentralClient::new(
            &format!("http://127.0.0.1:{}", self.port),
            None,
            Duration::from_secs(10),
            Default::default(),
        )?;
        let got = client.enroll(&code, "0.0.0").await?;
        Ok(DeviceCredential {
            kiosk_id: got.kiosk_id,
            kiosk_name: got.kiosk_name,
            token: got.token,
        })
    }

    /// Codes the console provider sent (one JSON line each).
    pub fn codes_sent(&self) -> usize {
        std::fs::read_to_string(&self.outbox)
            .map(|t| t.lines().filter(|l| !l.trim().is_empty()).count())
            .unwrap_or(0)
    }

    /// The running process's id (for `/proc/<pid>/…`).
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// SIGKILL, no goodbye.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// `borne-central kiosk enroll --name <name>` on the database at
/// `database_url`: the one-time code it prints.
pub fn enrollment_code(bin: &Path, database_url: &str, name: &str) -> anyhow::Result<String> {
    let out = Command::new(bin)
        .args(["kiosk", "enroll", "--name", name])
        .env("BORNE_DATABASE_URL", database_url)
        .env("BORNE_LOG", "warn")
        .output()?;
    anyhow::ensure!(
        out.status.success(),
        "borne-central kiosk enroll failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)?
        .lines()
        .find_map(|l| l.strip_prefix("enrollment code: "))
        .map(str::to_owned)
        .ok_or_else(|| anyhow::anyhow!("no enrollment code in the output"))
}

impl Drop for CentralProcess {
    fn drop(&mut self) {
        self.kill();
    }
}
