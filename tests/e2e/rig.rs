//! The programs under test: the central server (a real process on a fresh
//! SQLite file, console telephony) and the kiosk window, launched by
//! tauri-driver, with a WebDriver session on it.

use super::*;

/// Where the run keeps its files, and how to (re)start the central server.
pub struct Rig {
    pub central_bin: PathBuf,
    kiosk_bin: PathBuf,
    pub work: PathBuf,
    pub outbox: PathBuf,
    pub db: PathBuf,
    pub central_port: u16,
}

impl Rig {
    /// Every utterance of voice guidance, one per line (a debug-build hook).
    pub fn speech_log(&self) -> PathBuf {
        self.work.join("speech.log")
    }

    /// Checks the binaries exist and makes a fresh work directory.
    pub fn new() -> Result<Self> {
        let bin = target_dir().join("debug");
        let central_bin = bin.join("borne-central");
        let kiosk_bin = bin.join("borne-kiosk");
        for b in [&central_bin, &kiosk_bin] {
            if !b.exists() {
                bail!("{} is missing: run scripts/test.sh", b.display());
            }
        }
        let work = tempfile_dir()?;
        Ok(Self {
            outbox: work.join("outbox.jsonl"),
            db: work.join("central.sqlite"),
            central_port: free_port(),
            central_bin,
            kiosk_bin,
            work,
        })
    }

    pub fn database_url(&self) -> String {
        format!("sqlite://{}", self.db.display())
    }

    pub fn central_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.central_port)
    }

    /// The central server, listening; `send_hours` (UTC): when
    /// confirmations may go out.
    pub async fn start_central(&self, send_hours: &str) -> Result<Proc> {
        let central = spawn(
            Command::new(&self.central_bin)
                .arg("serve")
                .env("BORNE_SEND_HOURS", send_hours)
                .env("BORNE_TIMEZONE", "UTC")
                .env("BORNE_CONSOLE_WEBHOOK_TOKEN", WEBHOOK_TOKEN)
                .env("BORNE_PUBLIC_URL", PUBLIC_URL)
                .env("BORNE_LISTEN", format!("127.0.0.1:{}", self.central_port))
                .env("BORNE_ADMIN_LISTEN", "127.0.0.1:0")
                .env("BORNE_DATA_DIR", self.work.join("central"))
                .env("BORNE_DATABASE_URL", self.database_url())
                .env("BORNE_CONSOLE_OUTBOX", &self.outbox)
                .env("BORNE_LOG", "debug")
                .env("BORNE_LOG_FORMAT", "json")
                .stdout(Stdio::null())
                .stderr(
                    std::fs::OpenOptions::new()
                        .create(true)
                        .append(true)
                        .open(self.work.join("central.log"))?,
                ),
        )?;
        wait_for_port(self.central_port, "borne-central").await?;
        Ok(central)
    }

    /// The kiosk, launched by tauri-driver (its environment reaches the
    /// app), and a WebDriver session on its window. Keep the driver.
    pub async fn start_kiosk(&self) -> Result<(Proc, Client)> {
        let driver_port = free_port();
        let native_port = free_port();
        let xdg = self.work.join("xdg");
        let driver = spawn(
            Command::new("tauri-driver")
                .args([
                    "--port",
                    &driver_port.to_string(),
                    "--native-port",
                    &native_port.to_string(),
                ])
                .env("BORNE_CENTRAL_URL", self.central_url())
                .env("BORNE_KIOSK_ID", "kiosk-e2e")
                .env("BORNE_KIOSK_DATA_DIR", self.work.join("kiosk"))
                .env("BORNE_DANGEROUS_FIXED_CAPTCHA", CAPTCHA)
                .env("BORNE_KIOSK_IDLE_SECONDS", IDLE_SECONDS.to_string())
                .env("BORNE_KIOSK_IDLE_WARNING_SECONDS", "20")
                .env("BORNE_KIOSK_OFFLINE_CHECK_SECONDS", "1")
                .env("BORNE_KIOSK_KEY_STORE", "file")
                .env("BORNE_KIOSK_SPEECH_LOG", self.speech_log())
                .env("BORNE_PRIVACY_OFFICER", PRIVACY_OFFICER)
                .env("BORNE_KIOSK_HELP", KIOSK_HELP)
                .env(
                    "BORNE_KIOSK_STAFF_PIN_HASH",
                    borne_kiosk_core::hash_staff_pin(STAFF_PIN).map_err(anyhow::Error::msg)?,
                )
                .env("XDG_DATA_HOME", xdg.join("data"))
                .env("XDG_CONFIG_HOME", xdg.join("config"))
                .env("XDG_CACHE_HOME", xdg.join("cache"))
                .env("NO_AT_BRIDGE", "1")
                .env("BORNE_LOG", "debug")
                .stderr(std::fs::File::create(self.work.join("kiosk.log"))?),
        )?;
        wait_for_port(driver_port, "tauri-driver").await?;

        let mut caps = serde_json::Map::new();
        caps.insert(
            "tauri:options".into(),
            json!({ "application": self.kiosk_bin }),
        );
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{driver_port}"))
            .await
            .context("WebDriver session")?;
        Ok((driver, client))
    }
}
