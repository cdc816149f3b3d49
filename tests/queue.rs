//! The kiosk's offline queue under abuse: a writer killed with SIGKILL at
//! random moments, and a sync of 1,000 registrations to a real
//! `borne-central` process through a TCP proxy that loses responses,
//! resets, delays and black-holes connections, and through a central
//! server killed and restarted mid-sync. Every registration must arrive
//! exactly once, and nothing readable may stay on the kiosk.

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context, Result};
use borne_e2e::{central_bin, free_port, CentralProcess};
use borne_kiosk_core::queue::now_ms;
use borne_kiosk_core::{CentralClient, Clock, KeyStore, Pass, Queue, SyncConfig, SyncWorker};
use rand::Rng;
use secrecy::SecretString;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// One test at a time: each loads both cores, and timeouts are part of
/// what they test.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

async fn open_queue(dir: &Path) -> Result<Queue> {
    let (key, _) = KeyStore::File(dir.join("queue.key")).load_or_create()?;
    Ok(Queue::open(&dir.join("queue.sqlite"), &key).await?)
}

// ---------------------------------------------------------------- crash

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_registration_reported_committed_survives_sigkill() -> Result<()> {
    let _serial = SERIAL.lock().await;
    let kills: u32 = std::env::var("BORNE_CRASH_KILLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let dir = tempfile::tempdir()?;
    let writer = env!("CARGO_BIN_EXE_queue-crash-writer");
    let mut reported: Vec<(u32, String)> = Vec::new();
    let mut next = 0u32;
    let mut rng = rand::rng();
    for round in 0..kills {
        let mut child = Command::new(writer)
            .arg(dir.path())
            .arg(next.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()?;
        // Anywhere from during start-up to well into the writes.
        std::thread::sleep(Duration::from_millis(rng.random_range(5..60)));
        child.kill()?; // SIGKILL
        let output = child.wait_with_output()?;
        let text = String::from_utf8_lossy(&output.stdout);
        let mut new = Vec::new();
        for line in text.lines() {
            // A line cut by the kill was not reported.
            let Some((i, id)) = line.split_once(' ') else {
                continue;
            };
            let (Ok(i), true) = (i.parse::<u32>(), id.len() == 36) else {
                continue;
            };
            new.push((i, id.to_owned()));
        }
        next = new.last().map_or(next, |(i, _)| i + 1);
        let queue = open_queue(dir.path()).await?;
        let check = queue.integrity_check().await?;
        ensure!(check == "ok", "round {round}: integrity_check says {check}");
        for (i, id) in &new {
            let stored = queue.get(id).await?.with_context(|| {
                format!("round {round}: registration {i} ({id}) reported committed is missing")
            })?;
            ensure!(
                stored == borne_e2e::registration(*i, id),
                "round {round}: registration {i} differs"
            );
        }
        queue.close().await;
        reported.extend(new);
    }
    // All of them, once more, from a fresh open.
    let queue = open_queue(dir.path()).await?;
    ensure!(queue.integrity_check().await? == "ok");
    for (i, id) in &reported {
        ensure!(queue.get(id).await?.as_ref() == Some(&borne_e2e::registration(*i, id)));
    }
    let counts = queue.counts().await?;
    ensure!(
        counts.pending >= i64::try_from(reported.len())?,
        "{counts:?}"
    );
    println!(
        "crash test: {kills} SIGKILLs, {} registrations reported committed, all present and intact ({} rows in the queue)",
        reported.len(),
        counts.pending
    );
    ensure!(
        reported.len() > usize::try_from(kills)?,
        "the writer barely wrote"
    );
    Ok(())
}

// -------------------------------------------------------------- the key

/// Where the session has a Secret Service (here: a private D-Bus session
/// with an unlocked gnome-keyring), the queue key lives there and nowhere
/// on disk, and a second start reads the queue with it.
#[test]
fn the_queue_key_lives_in_the_os_keyring_when_the_session_has_one() -> Result<()> {
    let home = tempfile::tempdir()?;
    let data = home.path().join("kiosk");
    std::fs::create_dir_all(&data)?;
    let probe = env!("CARGO_BIN_EXE_keyring-probe");
    let script = format!(
        "printf 'borne-test' | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1 || exit 90; \
         '{probe}' '{dir}' write && '{probe}' '{dir}' read",
        dir = data.display()
    );
    let out = Command::new("dbus-run-session")
        .args(["--", "sh", "-c", &script])
        .env("HOME", home.path())
        .env("XDG_DATA_HOME", home.path().join("data"))
        .env("XDG_RUNTIME_DIR", home.path())
        .stderr(Stdio::piped())
        .output()
        .context("dbus-run-session (scripts/setup.sh installs it)")?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    ensure!(
        out.status.code() != Some(90),
        "gnome-keyring-daemon is missing or failed (scripts/setup.sh installs it)"
    );
    ensure!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    ensure!(
        stdout.lines().collect::<Vec<_>>() == ["source=Keyring", "source=Keyring", "read=same"],
        "{stdout}"
    );
    ensure!(!data.join("queue.key").exists(), "a key file was written");
    Ok(())
}

// ------------------------------------------------------------ the proxy

#[derive(Debug, Default)]
struct FaultCounts {
    passed: AtomicU64,
    response_dropped: AtomicU64,
    reset: AtomicU64,
    delayed: AtomicU64,
    black_holed: AtomicU64,
}

impl FaultCounts {
    fn summary(&self) -> String {
        format!(
            "passed {}, response dropped {}, reset {}, delayed {}, black-holed {}",
            self.passed.load(Ordering::Relaxed),
            self.response_dropped.load(Ordering::Relaxed),
            self.reset.load(Ordering::Relaxed),
            self.delayed.load(Ordering::Relaxed),
            self.black_holed.load(Ordering::Relaxed),
        )
    }

    fn faults(&self) -> u64 {
        self.response_dropped.load(Ordering::Relaxed)
            + self.reset.load(Ordering::Relaxed)
            + self.delayed.load(Ordering::Relaxed)
            + self.black_holed.load(Ordering::Relaxed)
    }
}

/// A TCP proxy in front of `upstream` that, for each request on each
/// connection, picks: pass it on; forward it then drop the response and
/// the connection; reset before forwarding; delay; or swallow it and
/// never answer.
async fn fault_proxy(upstream: u16, counts: Arc<FaultCounts>) -> Result<u16> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let counts = counts.clone();
            tokio::spawn(async move {
                let _ = proxy_connection(client, upstream, counts).await;
            });
        }
    });
    Ok(port)
}

async fn proxy_connection(
    mut client: TcpStream,
    upstream: u16,
    counts: Arc<FaultCounts>,
) -> std::io::Result<()> {
    let mut server = TcpStream::connect(("127.0.0.1", upstream)).await?;
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        // A request starts with the client's next bytes.
        let n = client.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        let roll: u32 = rand::rng().random_range(0..100);
        match roll {
            0..=9 => {
                counts.reset.fetch_add(1, Ordering::Relaxed);
                let _ = client.set_zero_linger(); // RST on drop
                return Ok(());
            }
            10..=14 => {
                counts.black_holed.fetch_add(1, Ordering::Relaxed);
                // Hold the connection, answer nothing, until the client gives up.
                while client.read(&mut buf).await? > 0 {}
                return Ok(());
            }
            15..=29 => {
                counts.response_dropped.fetch_add(1, Ordering::Relaxed);
                server.write_all(&buf[..n]).await?;
                forward_rest_of_request(&mut client, &mut server, &mut buf).await?;
                // Wait for the answer to start, then lose it.
                let mut answer = [0u8; 1];
                let _ =
                    tokio::time::timeout(Duration::from_secs(10), server.read(&mut answer)).await;
                return Ok(());
            }
            30..=41 => {
                counts.delayed.fetch_add(1, Ordering::Relaxed);
                // Some past the kiosk's 1 s timeout: the request still
                // arrives, after the kiosk gave up on it.
                let ms = rand::rng().random_range(100..1_400);
                tokio::time::sleep(Duration::from_millis(ms)).await;
            }
            _ => {
                counts.passed.fetch_add(1, Ordering::Relaxed);
            }
        }
        server.write_all(&buf[..n]).await?;
        // Relay both ways until the response is complete (the server goes
        // quiet) and the client sends its next request.
        relay_exchange(&mut client, &mut server, &mut buf).await?;
    }
}

/// Forwards what the client still sends of this request (bodies can span
/// several reads) until it pauses.
async fn forward_rest_of_request(
    client: &mut TcpStream,
    server: &mut TcpStream,
    buf: &mut [u8],
) -> std::io::Result<()> {
    while let Ok(r) = tokio::time::timeout(Duration::from_millis(50), client.read(buf)).await {
        let n = r?;
        if n == 0 {
            break;
        }
        server.write_all(&buf[..n]).await?;
    }
    Ok(())
}

/// Relays request and response bytes until the response has been
/// forwarded and the server has been quiet a moment.
async fn relay_exchange(
    client: &mut TcpStream,
    server: &mut TcpStream,
    buf: &mut [u8],
) -> std::io::Result<()> {
    let mut down = vec![0u8; 64 * 1024];
    let mut answered = false;
    loop {
        let quiet = if answered {
            Duration::from_millis(30)
        } else {
            Duration::from_secs(30)
        };
        tokio::select! {
            r = client.read(buf), if !answered => {
                let n = r?;
                if n == 0 { return Err(std::io::ErrorKind::UnexpectedEof.into()); }
                server.write_all(&buf[..n]).await?;
            }
            r = tokio::time::timeout(quiet, server.read(&mut down)) => {
                match r {
                    Ok(Ok(0)) => return Err(std::io::ErrorKind::UnexpectedEof.into()),
                    Ok(Ok(n)) => {
                        client.write_all(&down[..n]).await?;
                        answered = true;
                    }
                    Ok(Err(e)) => return Err(e),
                    Err(_) => return Ok(()),
                }
            }
        }
    }
}

// ------------------------------------------------------------ the central

/// A central server for these tests, on a fresh SQLite file in `work`,
/// and the device token of a kiosk enrolled there.
async fn start_central(work: &Path) -> Result<(CentralProcess, String)> {
    let bin = central_bin();
    let mut central = CentralProcess::start(&bin, work, free_port())?;
    central.wait_ready().await?;
    let kiosk = central.enroll_kiosk("Kiosque de charge").await?;
    Ok((central, kiosk.token))
}

/// Accounts, registrations, deliveries and distinct registration ids in
/// the deliveries, in the central database.
async fn central_counts(central: &CentralProcess) -> Result<(i64, i64, i64, i64)> {
    let pool =
        sqlx::SqlitePool::connect(&format!("sqlite://{}?mode=ro", central.db.display())).await?;
    let one = |sql: &'static str| sqlx::query_scalar::<_, i64>(sql).fetch_one(&pool);
    let accounts = one("SELECT COUNT(*) FROM accounts").await?;
    let registrations = one("SELECT COUNT(*) FROM registrations").await?;
    let deliveries = one("SELECT COUNT(*) FROM deliveries").await?;
    let distinct = one("SELECT COUNT(DISTINCT registration_id) FROM deliveries").await?;
    pool.close().await;
    Ok((accounts, registrations, deliveries, distinct))
}

// ------------------------------------------------------------ the sync

const REGISTRATIONS: u32 = 1_000;

/// Queues the fixtures and checks the raw files hold none of them.
async fn fill(dir: &Path) -> Result<Queue> {
    let queue = open_queue(dir).await?;
    for i in 0..REGISTRATIONS {
        let id = uuid::Uuid::now_v7().to_string();
        queue
            .enqueue(&borne_e2e::registration(i, &id), now_ms())
            .await?;
    }
    assert_no_personal_data_in_files(dir)?;
    Ok(queue)
}

/// The queue's raw files (main, -wal, -shm) contain no test phone number
/// (E.164 or 10 digits) and no test name.
fn assert_no_personal_data_in_files(dir: &Path) -> Result<()> {
    let mut looked = 0;
    for file in ["queue.sqlite", "queue.sqlite-wal", "queue.sqlite-shm"] {
        let Ok(bytes) = std::fs::read(dir.join(file)) else {
            continue;
        };
        looked += bytes.len();
        let runs = borne_e2e::alphanumeric_runs(&bytes);
        for i in 0..REGISTRATIONS {
            let phone = borne_e2e::phone(i);
            let digits = phone.trim_start_matches("+1");
            let name = borne_e2e::name(i);
            for needle in [&phone[1..], digits, name.as_str()] {
                ensure!(
                    !runs.iter().any(|r| r.contains(needle)),
                    "{file} holds `{needle}` in clear"
                );
            }
        }
    }
    ensure!(looked > 0, "no queue file found");
    Ok(())
}

fn sync_config(batch_size: u32) -> SyncConfig {
    SyncConfig {
        batch_size,
        offline_check: Duration::from_millis(100),
        online_check: Duration::from_secs(5),
        backoff_base: Duration::from_millis(50),
        backoff_cap: Duration::from_millis(500),
        ..SyncConfig::default()
    }
}

fn worker(queue: &Queue, port: u16, batch_size: u32, token: &str) -> Result<SyncWorker> {
    let client = CentralClient::new(
        &format!("http://127.0.0.1:{port}"),
        Some(SecretString::from(token.to_owned())),
        Duration::from_secs(1),
        Arc::default(),
    )?;
    Ok(SyncWorker::new(
        queue.clone(),
        client,
        sync_config(batch_size),
        Clock::system(),
    ))
}

async fn wait_until_acknowledged(queue: &Queue, limit: Duration) -> Result<()> {
    let start = Instant::now();
    loop {
        let c = queue.counts().await?;
        if c.acknowledged == i64::from(REGISTRATIONS) {
            return Ok(());
        }
        if start.elapsed() > limit {
            bail!("not all acknowledged after {limit:?}: {c:?}");
        }
        if std::env::var_os("BORNE_SYNC_PROGRESS").is_some() {
            eprintln!("{:>6.1} s {c:?}", start.elapsed().as_secs_f64());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn assert_end_state(queue: &Queue, dir: &Path, central: &CentralProcess) -> Result<()> {
    let c = queue.counts().await?;
    ensure!(
        (c.pending, c.sending, c.rejected) == (0, 0, 0),
        "kiosk queue: {c:?}"
    );
    ensure!(
        queue.with_personal_data().await? == 0,
        "personal data left on the kiosk"
    );
    let n = i64::from(REGISTRATIONS);
    let (accounts, registrations, deliveries, distinct) = central_counts(central).await?;
    ensure!(accounts == n, "{accounts} accounts");
    ensure!(registrations == n, "{registrations} registrations");
    ensure!(
        deliveries == n && distinct == n,
        "{deliveries} confirmation deliveries for {distinct} registrations"
    );
    queue.close().await;
    assert_no_personal_data_in_files(dir)?;
    Ok(())
}

/// A drain takes the next batch while one is out. When the server asks
/// to wait (here: the kiosk's hourly share is used up, so the second batch
/// is refused whole with 429), the batch taken meanwhile goes back as it
/// was: pending, due, no attempt counted; nothing stays `sending`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_taken_while_the_last_was_out_goes_back_untouched_when_told_to_wait() -> Result<()>
{
    let _serial = SERIAL.lock().await;
    let kiosk = tempfile::tempdir()?;
    let work = tempfile::tempdir()?;
    let mut central = CentralProcess::start_with(
        &central_bin(),
        work.path(),
        free_port(),
        &[("BORNE_LIMIT_KIOSK_REGISTRATIONS_PER_HOUR", "100")],
    )?;
    central.wait_ready().await?;
    let token = central.enroll_kiosk("Kiosque de charge").await?.token;
    let queue = open_queue(kiosk.path()).await?;
    let mut ids = Vec::new();
    for i in 0..300 {
        let id = uuid::Uuid::now_v7().to_string();
        queue
            .enqueue(&borne_e2e::registration(i, &id), now_ms())
            .await?;
        ids.push(id);
    }
    let sync = worker(&queue, central.port, 100, &token)?;
    ensure!(sync.pass().await? == Pass::Held);
    let c = queue.counts().await?;
    ensure!(
        (c.acknowledged, c.pending, c.sending) == (100, 200, 0),
        "{c:?}"
    );
    // Due now: only the third batch (the second waits for the share).
    let due = queue.take_due(now_ms(), 300).await?;
    let due_ids: Vec<&str> = due.iter().map(|t| t.registration.id.as_str()).collect();
    ensure!(
        due_ids == ids[200..],
        "due again: {} registrations",
        due.len()
    );
    ensure!(
        due.iter().all(|t| t.attempts == 0),
        "an attempt was counted"
    );
    let (_, registrations, _, _) = central_counts(&central).await?;
    ensure!(registrations == 100, "{registrations} stored");
    queue.close().await;
    // Its log, written to a file as journald gets it: plain lines, no
    // colour codes (journalctl shows a line holding them as « blob data »).
    let log = std::fs::read_to_string(work.path().join("central.log"))?;
    ensure!(log.contains("offline registrations stored"), "{log}");
    ensure!(!log.contains('\x1b'), "escape codes in the log");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_registrations_arrive_exactly_once_through_network_faults() -> Result<()> {
    let _serial = SERIAL.lock().await;
    let kiosk = tempfile::tempdir()?;
    let work = tempfile::tempdir()?;
    let (central, token) = start_central(work.path()).await?;
    let counts = Arc::new(FaultCounts::default());
    let proxy = fault_proxy(central.port, counts.clone()).await?;
    let queue = fill(kiosk.path()).await?;
    let started = Instant::now();
    // Small batches: more requests, more faults.
    let sync = worker(&queue, proxy, 10, &token)?;
    let run = tokio::spawn(sync.clone().run());
    wait_until_acknowledged(&queue, Duration::from_secs(240)).await?;
    run.abort();
    println!(
        "network faults: 1,000 registrations synced in {:.1} s; requests: {}",
        started.elapsed().as_secs_f64(),
        counts.summary()
    );
    ensure!(
        counts.faults() >= 20,
        "too few faults injected: {}",
        counts.summary()
    );
    assert_end_state(&queue, kiosk.path(), &central).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_central_server_killed_and_restarted_mid_sync_loses_and_duplicates_nothing() -> Result<()>
{
    let _serial = SERIAL.lock().await;
    let kiosk = tempfile::tempdir()?;
    let work = tempfile::tempdir()?;
    let (mut central, token) = start_central(work.path()).await?;
    let queue = fill(kiosk.path()).await?;
    let sync = worker(&queue, central.port, 50, &token)?;
    let run = tokio::spawn(sync.clone().run());
    let mut kills = 0;
    let start = Instant::now();
    while kills < 3 && start.elapsed() < Duration::from_secs(60) {
        let acked = queue.counts().await?.acknowledged;
        if acked >= i64::from(REGISTRATIONS) {
            break;
        }
        if acked >= i64::from(kills + 1) * 200 {
            central.kill();
            kills += 1;
            tokio::time::sleep(Duration::from_millis(300)).await;
            central.spawn()?;
            central.wait_ready().await?;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    wait_until_acknowledged(&queue, Duration::from_secs(120)).await?;
    run.abort();
    println!("central killed (SIGKILL) and restarted {kills} times during the sync");
    ensure!(
        kills >= 1,
        "the sync ended before the server could be killed"
    );
    assert_end_state(&queue, kiosk.path(), &central).await
}
