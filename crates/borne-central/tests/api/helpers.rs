use std::path::PathBuf;
use std::time::Duration;

use borne_central::{Application, Config};
use serde_json::{json, Value};

pub struct TestApp {
    pub base: String,
    /// The administration listener (`/v1/admin/*`, `/metrics`).
    pub admin_base: String,
    /// The device token of a kiosk enrolled at start, and its id.
    pub kiosk_token: String,
    pub kiosk_id: String,
    pub http: reqwest::Client,
    pub outbox: PathBuf,
    pub db_url: String,
    /// The server's argon2 gate.
    pub hashes: borne_central::codes::HashGate,
    _dir: tempfile::TempDir,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    handle: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
}

fn init_logs() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    if std::env::var_os("TEST_LOG").is_some() {
        let _ = tracing_subscriber::fmt()
            .with_env_filter("info")
            .with_test_writer()
            .try_init();
    } else {
        // A global subscriber that takes nothing. Without one, a test's
        // `LogCapture` would be the only subscriber, and tracing would
        // then cache, for each log statement, the answer of whichever
        // thread (another test) reached it first: nothing.
        let _ = tracing::subscriber::set_global_default(tracing::subscriber::NoSubscriber::new());
    }
}

/// Every log line written on this thread while its guard lives: the
/// servers a test spawns run on the test's own runtime thread, so this
/// is all they log, at every level, span fields included, formatted as
/// an operator's log would be.
#[derive(Debug, Clone, Default)]
pub struct LogCapture(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for LogCapture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl LogCapture {
    pub fn start() -> (Self, tracing::subscriber::DefaultGuard) {
        init_logs();
        let capture = Self::default();
        let writer = capture.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        (capture, tracing::subscriber::set_default(subscriber))
    }

    pub fn lines(&self) -> Vec<String> {
        let bytes = self.0.lock().unwrap_or_else(|e| e.into_inner()).clone();
        String::from_utf8_lossy(&bytes)
            .lines()
            .map(str::to_owned)
            .collect()
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

pub async fn spawn_app_with(tweak: impl FnOnce(&mut Config)) -> TestApp {
    init_logs();
    let dir = tempfile::tempdir().unwrap();
    let outbox = dir.path().join("outbox.jsonl");
    // The engine under test: SQLite, or PostgreSQL (BORNE_TEST_ENGINE).
    let db_url = borne_central::db::scratch_database(borne_central::db::test_engine(), dir.path())
        .await
        .unwrap();
    let vars = [
        ("BORNE_LISTEN", "127.0.0.1:0".to_string()),
        ("BORNE_ADMIN_LISTEN", "127.0.0.1:0".to_string()),
        // An argon2 turn is waited for as long as a loaded machine needs:
        // the suite never sees 503 `server.busy` unless a test asks for it.
        ("BORNE_HASH_WAIT_MS", "120000".to_string()),
        ("BORNE_DATABASE_URL", db_url.clone()),
        ("BORNE_DATA_DIR", dir.path().display().to_string()),
        ("BORNE_CONSOLE_OUTBOX", outbox.display().to_string()),
        // Confirmations go out whatever the hour the suite runs at (the
        // send hours have their own tests).
        ("BORNE_SEND_HOURS", "00:00-24:00".to_string()),
        // Sends at once (the pace has its own tests).
        ("BORNE_SMS_PER_SECOND", "1000".to_string()),
        ("BORNE_CALLS_PER_SECOND", "1000".to_string()),
    ];
    let mut config =
        Config::from_lookup(|k| vars.iter().find(|(n, _)| *n == k).map(|(_, v)| v.clone()))
            .unwrap();
    tweak(&mut config);
    // The database the server uses, if the tweak changed it.
    let db_url = secrecy::ExposeSecret::expose_secret(&config.database_url).to_owned();
    let app = Application::build(config).await.unwrap();
    let base = format!("http://127.0.0.1:{}", app.port());
    let admin_base = format!("http://127.0.0.1:{}", app.admin_port());
    let hashes = app.hash_gate();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let handle = tokio::spawn(app.run_until_stopped(async {
        let _ = rx.await;
    }));
    let mut app = TestApp {
        base,
        admin_base,
        kiosk_token: String::new(),
        kiosk_id: String::new(),
        http: reqwest::Client::new(),
        outbox,
        db_url,
        hashes,
        _dir: dir,
        shutdown: Some(tx),
        handle: Some(handle),
    };
    let (id, token) = app.enroll("Bibliothèque").await;
    app.kiosk_id = id;
    app.kiosk_token = token;
    app
}

pub fn consent() -> Value {
    json!({
        "text_version": borne_domain::CONSENT_TEXT_VERSION,
        "language": "fr",
        "accepted_at": "2026-11-26T10:00:00Z",
        "kiosk_id": "kiosk-bibliotheque",
        "staff_assisted": false
    })
}

pub fn signup_body(phone: &str, channel: &str) -> Value {
    json!({ "phone": phone, "channel": channel, "language": "fr", "consent": consent() })
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// `path` on the administration listener.
    pub fn admin_url(&self, path: &str) -> String {
        format!("{}{path}", self.admin_base)
    }

    pub fn post(&self, path: &str, body: &Value) -> reqwest::RequestBuilder {
        self.http
            .post(self.url(path))
            .bearer_auth(&self.kiosk_token)
            .json(body)
    }

    /// A one-time enrollment code, as `borne-central kiosk enroll` makes it.
    pub async fn enrollment_code(&self, name: &str, valid_for: i64) -> String {
        let store = borne_central::db::Store::connect(&self.db_url)
            .await
            .unwrap();
        let code = borne_central::codes::generate_enrollment_code();
        let code = secrecy::ExposeSecret::expose_secret(&code).to_owned();
        let now = borne_central::db::now();
        store
            .create_kiosk(
                name,
                &borne_central::codes::enrollment_code_hash(&code),
                now,
                now + valid_for,
            )
            .await
            .unwrap();
        code
    }

    /// Enrolls a new kiosk through the API; its id and device token.
    pub async fn enroll(&self, name: &str) -> (String, String) {
        let code = self.enrollment_code(name, 86_400).await;
        let r = self
            .http
            .post(self.url("/v1/kiosks/enroll"))
            .json(&json!({ "code": code, "app_version": "0.1.0" }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        let body: Value = r.json().await.unwrap();
        (
            body["kiosk_id"].as_str().unwrap().to_owned(),
            body["token"].as_str().unwrap().to_owned(),
        )
    }

    pub async fn signup(&self, phone: &str, channel: &str) -> reqwest::Response {
        self.post("/v1/signup", &signup_body(phone, channel))
            .send()
            .await
            .unwrap()
    }

    /// The `/metrics` text.
    /// `GET /v1/deliveries/{id}` as the enrolled kiosk: the delivery's
    /// status.
    pub async fn delivery(&self, id: &str) -> Value {
        self.http
            .get(self.url(&format!("/v1/deliveries/{id}")))
            .bearer_auth(&self.kiosk_token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    pub async fn metrics(&self) -> String {
        let r = self
            .http
            .get(self.admin_url("/metrics"))
            .send()
            .await
            .unwrap();
        r.text().await.unwrap()
    }

    /// Lines the console provider wrote so far.
    pub fn sent(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.outbox)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    /// Waits (up to 10 s) until `done` holds for the messages sent so far,
    /// and returns them.
    pub async fn sent_when(&self, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        for _ in 0..200 {
            let sent = self.sent();
            if done(&sent) {
                return sent;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.sent()
    }

    /// Waits for the n-th message (1-based) and returns the code in it.
    pub async fn wait_for_code(&self, n: usize) -> String {
        for _ in 0..400 {
            if let Some(m) = self.sent().get(n - 1) {
                let text = m["text"].as_str().unwrap();
                return code_in(text);
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("no message #{n} in the console outbox");
    }

    pub async fn login(&self, phone: &str, code: &str) -> reqwest::Response {
        self.post("/v1/login", &json!({ "phone": phone, "code": code }))
            .send()
            .await
            .unwrap()
    }

    /// Signs up and logs in; returns the session token.
    pub async fn session(&self, phone: &str) -> String {
        let before = self.sent().len();
        assert_eq!(self.signup(phone, "sms").await.status(), 202);
        let code = self.wait_for_code(before + 1).await;
        let r = self.login(phone, &code).await;
        assert_eq!(r.status(), 200);
        r.json::<Value>().await.unwrap()["session_token"]
            .as_str()
            .unwrap()
            .to_string()
    }

    pub async fn db(&self) -> sqlx::AnyPool {
        sqlx::any::install_default_drivers();
        sqlx::AnyPool::connect(&self.db_url).await.unwrap()
    }

    /// Another writer holding the tables the registration ingest writes,
    /// until `COMMIT` on the connection returned.
    pub async fn hold_database(&self) -> sqlx::AnyConnection {
        use sqlx::{Connection, Executor};
        sqlx::any::install_default_drivers();
        let mut c = sqlx::AnyConnection::connect(&self.db_url).await.unwrap();
        match borne_central::db::test_engine() {
            borne_central::db::Engine::Sqlite => {
                c.execute("BEGIN IMMEDIATE").await.unwrap();
            }
            borne_central::db::Engine::Postgres => {
                c.execute("BEGIN").await.unwrap();
                c.execute("LOCK TABLE registrations IN ACCESS EXCLUSIVE MODE")
                    .await
                    .unwrap();
            }
        }
        c
    }

    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(h) = self.handle.take() {
            h.await.unwrap().unwrap();
        }
    }
}

pub async fn error_code(r: reqwest::Response) -> (u16, Value) {
    let status = r.status().as_u16();
    (status, r.json().await.unwrap())
}

/// The code in an SMS text (a run of 6 digits) or a call (6 single digits
/// separated by commas, said twice).
pub fn code_in(text: &str) -> String {
    if let Some(run) = text
        .split(|c: char| !c.is_ascii_digit())
        .find(|t| t.len() == 6)
    {
        return run.to_string();
    }
    let singles: String = text
        .split(|c: char| !c.is_ascii_digit())
        .filter(|t| t.len() == 1)
        .collect();
    singles[..6].to_string()
}

/// Runs the `borne-central` binary on `db_url` (an administrator's
/// command): whether it succeeded, its stdout and its stderr.
pub fn cli(db_url: &str, args: &[&str]) -> (bool, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_borne-central"))
        .args(args)
        .env("BORNE_DATABASE_URL", db_url)
        .env("BORNE_LOG", "warn")
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}
