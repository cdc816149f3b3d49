//! A real central server in this process (`borne_central::Application`),
//! for the tests that drive the kiosk service (`tests/kiosk.rs`). Its
//! data in a temporary directory; the console provider's messages in
//! `outbox.jsonl` there.

use borne_kiosk_core::DeviceCredential;
use secrecy::ExposeSecret;

/// A central server running until the test ends, and a kiosk enrolled on it.
#[derive(Debug)]
pub struct Central {
    pub url: String,
    pub outbox: std::path::PathBuf,
    pub credential: DeviceCredential,
    _dir: tempfile::TempDir,
}

fn central_store_url(dir: &std::path::Path) -> String {
    format!("sqlite://{}", dir.join("borne-central.sqlite").display())
}

/// A one-time enrollment code in the central database under `dir`
/// (made if needed), as `borne-central kiosk enroll` makes it.
pub async fn enrollment_code(dir: &std::path::Path) -> String {
    let store = borne_central::db::Store::connect(&central_store_url(dir))
        .await
        .unwrap();
    let code = borne_central::codes::generate_enrollment_code();
    let code = code.expose_secret().to_owned();
    let now = borne_central::db::now();
    let hash = borne_central::codes::enrollment_code_hash(&code);
    store
        .create_kiosk("Kiosque de test", &hash, now, now + 600)
        .await
        .unwrap();
    code
}

/// A kiosk enrolled in the central database under `dir`, the server
/// running or not (the store does what `POST /v1/kiosks/enroll` does).
pub async fn provision(dir: &std::path::Path) -> DeviceCredential {
    let code = enrollment_code(dir).await;
    let store = borne_central::db::Store::connect(&central_store_url(dir))
        .await
        .unwrap();
    let token = borne_central::codes::generate_token();
    let (kiosk_id, kiosk_name) = store
        .enroll_kiosk(
            &borne_central::codes::enrollment_code_hash(&code),
            &borne_central::codes::token_hash(token.expose_secret()),
            "test",
            borne_central::db::now(),
        )
        .await
        .unwrap()
        .unwrap();
    DeviceCredential {
        kiosk_id,
        kiosk_name,
        token: token.expose_secret().to_owned(),
    }
}

pub async fn central() -> Central {
    let dir = tempfile::tempdir().unwrap();
    let (url, outbox, stop, task) = start_central(dir.path(), "127.0.0.1:0", &[]).await;
    // Runs until the test ends.
    std::mem::forget(stop);
    drop(task);
    Central {
        url,
        outbox,
        credential: provision(dir.path()).await,
        _dir: dir,
    }
}

/// A real central server on `listen`, its data in `dir`; stopped
/// (gracefully) by sending on the returned channel.
pub async fn start_central(
    dir: &std::path::Path,
    listen: &str,
    extra: &[(&str, &str)],
) -> (
    String,
    std::path::PathBuf,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<()>,
) {
    let outbox = dir.join("outbox.jsonl");
    let vars = [
        ("BORNE_LISTEN", listen.to_string()),
        ("BORNE_ADMIN_LISTEN", "127.0.0.1:0".to_string()),
        ("BORNE_DATA_DIR", dir.display().to_string()),
        ("BORNE_CONSOLE_OUTBOX", outbox.display().to_string()),
        // Confirmations go out whatever the hour the tests run at.
        ("BORNE_SEND_HOURS", "00:00-24:00".to_string()),
        // Sends at once (the pace has its own tests).
        ("BORNE_SMS_PER_SECOND", "1000".to_string()),
        ("BORNE_CALLS_PER_SECOND", "1000".to_string()),
    ];
    let config = borne_central::Config::from_lookup(|k| {
        vars.iter()
            .find(|(n, _)| *n == k)
            .map(|(_, v)| v.clone())
            .or_else(|| {
                extra
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            })
    })
    .unwrap();
    let app = borne_central::Application::build(config).await.unwrap();
    let url = format!("http://127.0.0.1:{}", app.port());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        app.run_until_stopped(async move {
            let _ = stopped.await;
        })
        .await
        .unwrap();
    });
    (url, outbox, stop, task)
}

/// A port held (bound, not listening: connections are refused) until
/// the socket is dropped, so no other test's server takes it.
pub fn reserved_port() -> (u16, tokio::net::TcpSocket) {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    (socket.local_addr().unwrap().port(), socket)
}
