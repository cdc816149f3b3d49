//! Benchmark of a whole region coming back online at once (not a test).
//!
//! 1. Starts real `borne-central` processes on one fresh database: one on
//!    an SQLite file, or with `--engine postgres` two instances (by
//!    default) on one PostgreSQL database (`BORNE_TEST_POSTGRES_URL`'s
//!    server); console telephony into one shared file, send hours always
//!    open, caps and the cost breaker off, the provider's pace set to
//!    `--per-second` SMS and as many calls a second.
//! 2. Enrolls K kiosks and fills each one's real encrypted queue with Q
//!    registrations (distinct numbers), before any timer.
//! 3. Starts the K kiosks' real sync loops (`SyncWorker::run` of
//!    borne-kiosk-core, the code a kiosk runs), each at a random moment
//!    within one second, spread over the instances; meanwhile L live
//!    residents a second sign up and log in with the code they get (plain
//!    HTTP, through one more kiosk's token).
//! 4. Waits until every queue is empty, then until every confirmation the
//!    sync asked for was sent, the live residents going on all along.
//!
//! It prints: time until every queue was empty; live signup and login
//! p50/p99 during the drain (and during the sends after it); how long a
//! live resident's code took to go out (p50/p99); 5xx answers (each
//! instance's `/metrics`); what was stored (exactly once, duplicates,
//! losses); the messages sent per second against the configured pace.
//!
//! Usage: herd-bench [--engine sqlite|postgres] [--kiosks K] [--queued Q]
//!   [--live L] [--per-second R] [--instances N]
//! (defaults 50, 200, 4, 100; N is 1 on SQLite, 2 on PostgreSQL)
//! `BORNE_CENTRAL_BIN`: as for sync-bench. `scripts/bench-herd.sh`
//! builds both in release mode and runs it on each engine.

use std::collections::{HashMap, HashSet};
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context, Result};
use borne_central::db::Engine;
use borne_e2e::{central_bin, count_arg, free_port, percentile, CentralProcess};
use borne_kiosk_core::queue::now_ms;
use borne_kiosk_core::{CentralClient, Clock, KeyStore, Queue, SyncConfig, SyncWorker};
use secrecy::SecretString;
use serde_json::{json, Value};
use sqlx::AnyPool;

/// Live residents' numbers start here: past every kiosk's fixtures.
const LIVE_FIRST_INDEX: u32 = 100_000;

fn engine() -> Result<Engine> {
    let args: Vec<String> = std::env::args().collect();
    match args
        .iter()
        .position(|a| a == "--engine")
        .map(|i| args.get(i + 1))
    {
        None => Ok(Engine::Sqlite),
        Some(Some(e)) if e == "sqlite" => Ok(Engine::Sqlite),
        Some(Some(e)) if e == "postgres" => Ok(Engine::Postgres),
        Some(_) => bail!("--engine: sqlite or postgres"),
    }
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

/// `p50 12 ms, p99 80 ms (n = 140)`, or `none`.
fn spread(mut v: Vec<Duration>) -> String {
    if v.is_empty() {
        return "none".into();
    }
    v.sort();
    format!(
        "p50 {}, p99 {}, max {} (n = {})",
        ms(percentile(&v, 0.5)),
        ms(percentile(&v, 0.99)),
        ms(*v.last().unwrap_or(&Duration::ZERO)),
        v.len()
    )
}

fn p99(mut v: Vec<Duration>) -> Duration {
    v.sort();
    if v.is_empty() {
        Duration::ZERO
    } else {
        percentile(&v, 0.99)
    }
}

fn verdict(met: bool) -> &'static str {
    if met {
        "met"
    } else {
        "MISSED"
    }
}

// ------------------------------------------------------------ the phone

/// What the console provider "sent", read as it is appended.
#[derive(Debug, Default)]
struct Phone {
    /// When the bench first saw each number's code.
    codes: HashMap<String, (String, Instant)>,
    /// When it saw each confirmation message, by channel.
    confirmations: Vec<(String, Instant)>,
    /// When it saw each message (codes too), by channel: the sender's pace.
    sends: Vec<(String, Instant)>,
}

/// Reads the lines appended to the shared console outbox every 20 ms.
fn watch_outbox(path: PathBuf, phone: Arc<Mutex<Phone>>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut offset = 0u64;
        let mut partial = String::new();
        loop {
            tokio::time::sleep(Duration::from_millis(20)).await;
            let Ok(mut f) = std::fs::File::open(&path) else {
                continue;
            };
            if f.seek(SeekFrom::Start(offset)).is_err() {
                continue;
            }
            let mut text = String::new();
            let Ok(n) = f.read_to_string(&mut text) else {
                continue;
            };
            offset += n as u64;
            let seen = Instant::now();
            partial.push_str(&text);
            let complete = partial.rfind('\n').map_or(0, |i| i + 1);
            let lines: String = partial.drain(..complete).collect();
            let mut p = phone.lock().unwrap_or_else(|e| e.into_inner());
            for m in lines
                .lines()
                .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            {
                let (Some(to), Some(channel)) = (m["to"].as_str(), m["channel"].as_str()) else {
                    continue;
                };
                p.sends.push((channel.to_owned(), seen));
                if m["asks_confirmation"].as_bool() == Some(true) {
                    p.confirmations.push((channel.to_owned(), seen));
                } else if let Some(code) = m["text"].as_str().and_then(|t| {
                    t.split(|c: char| !c.is_ascii_digit())
                        .find(|t| t.len() == 6)
                }) {
                    p.codes
                        .entry(to.to_owned())
                        .or_insert((code.to_owned(), seen));
                }
            }
        }
    })
}

// ------------------------------------------------------------ live residents

/// One live resident's signup, code and login.
#[derive(Debug, Clone)]
struct Live {
    started: Instant,
    signup: Duration,
    signup_status: u16,
    /// From the signup's answer to the code seen in the outbox.
    code: Option<Duration>,
    login: Option<(Duration, u16)>,
}

async fn live_resident(
    http: reqwest::Client,
    base: String,
    token: String,
    i: u32,
    phone: Arc<Mutex<Phone>>,
) -> Live {
    let number = borne_e2e::phone(LIVE_FIRST_INDEX + i);
    let consent = json!({
        "text_version": borne_domain::CONSENT_TEXT_VERSION, "language": "fr",
        "accepted_at": "2026-11-26T10:00:00Z", "kiosk_id": "live", "staff_assisted": false
    });
    let started = Instant::now();
    let status = http
        .post(format!("{base}/v1/signup"))
        .bearer_auth(&token)
        .json(&json!({ "phone": number, "channel": "sms", "language": "fr", "consent": consent }))
        .send()
        .await
        .map_or(0, |r| r.status().as_u16());
    let signup = started.elapsed();
    let mut live = Live {
        started,
        signup,
        signup_status: status,
        code: None,
        login: None,
    };
    if status != 202 {
        return live;
    }
    let answered = Instant::now();
    let code = loop {
        let seen = phone
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .codes
            .get(&number)
            .cloned();
        if let Some((code, at)) = seen {
            live.code = Some(at.saturating_duration_since(answered));
            break code;
        }
        if answered.elapsed() > Duration::from_secs(60) {
            return live;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let t = Instant::now();
    let status = http
        .post(format!("{base}/v1/login"))
        .bearer_auth(&token)
        .json(&json!({ "phone": number, "code": code }))
        .send()
        .await
        .map_or(0, |r| r.status().as_u16());
    live.login = Some((t.elapsed(), status));
    live
}

// ------------------------------------------------------------ the central

/// Every instance's 5xx answers so far, from its `/metrics`.
async fn server_errors(http: &reqwest::Client, admin_ports: &[u16]) -> Result<u64> {
    let mut n = 0;
    for port in admin_ports {
        let text = http
            .get(format!("http://127.0.0.1:{port}/metrics"))
            .send()
            .await?
            .text()
            .await?;
        for line in text.lines() {
            let Some(rest) = line.strip_prefix("borne_http_requests_total{") else {
                continue;
            };
            let Some((labels, value)) = rest.split_once("} ") else {
                continue;
            };
            if labels.contains("status=\"5") {
                n += value.trim().parse::<u64>().unwrap_or(0);
            }
        }
    }
    Ok(n)
}

fn queue_dir(root: &Path, k: usize) -> PathBuf {
    root.join(format!("kiosk-{k:03}"))
}

// ------------------------------------------------------------ the run

#[tokio::main]
async fn main() -> Result<()> {
    let engine = engine()?;
    let kiosks = count_arg("--kiosks", 50)?;
    let queued = count_arg("--queued", 200)?;
    let live_per_second = count_arg("--live", 4)?;
    let per_second = count_arg("--per-second", 100)?;
    let instances = match engine {
        Engine::Sqlite => 1,
        Engine::Postgres => count_arg("--instances", 2)?,
    };
    ensure!(
        (1..=1000).contains(&kiosks) && (1..=1000).contains(&queued),
        "--kiosks and --queued: 1 to 1000"
    );
    ensure!(
        kiosks * queued <= LIVE_FIRST_INDEX as usize,
        "at most {LIVE_FIRST_INDEX} queued registrations in all"
    );
    ensure!((1..=8).contains(&instances), "--instances: 1 to 8");
    ensure!(live_per_second >= 1, "--live: at least 1");
    borne_kiosk_core::install_crypto_provider();
    sqlx::any::install_default_drivers();
    let total = kiosks * queued;
    let bin = central_bin();
    let cores = std::thread::available_parallelism().map_or(0, |c| c.get());
    println!(
        "herd-bench: {kiosks} kiosks x {queued} queued = {total} registrations; \
         {live_per_second} live residents a second; {} build, {cores} cores",
        borne_e2e::profile()
    );

    // 1. The central instances, on one database.
    let work = tempfile::tempdir()?;
    let database_url = borne_central::db::scratch_database(engine, work.path()).await?;
    let outbox = work.path().join("outbox.jsonl");
    let outbox_text = outbox.display().to_string();
    let per_second_text = per_second.to_string();
    let mut centrals = Vec::new();
    let mut admin_ports = Vec::new();
    for n in 0..instances {
        let dir = work.path().join(format!("central-{n}"));
        std::fs::create_dir_all(&dir)?;
        let admin_port = free_port();
        let admin_listen = format!("127.0.0.1:{admin_port}");
        let mut c = CentralProcess::start_with(
            &bin,
            &dir,
            free_port(),
            &[
                ("BORNE_DATABASE_URL", &database_url),
                ("BORNE_ADMIN_LISTEN", &admin_listen),
                ("BORNE_CONSOLE_OUTBOX", &outbox_text),
                ("BORNE_SEND_HOURS", "00:00-24:00"),
                ("BORNE_SMS_PER_SECOND", &per_second_text),
                ("BORNE_CALLS_PER_SECOND", &per_second_text),
                ("BORNE_LIMIT_NUMBER_MIN_INTERVAL_SECONDS", "0"),
                ("BORNE_LIMIT_NUMBER_PER_10_MIN", "0"),
                ("BORNE_LIMIT_NUMBER_PER_DAY", "0"),
                ("BORNE_LIMIT_KIOSK_PER_HOUR", "0"),
                ("BORNE_LIMIT_LOGIN_FAILURES", "0"),
                ("BORNE_BREAKER_PAUSE_RATIO", "1000000"),
                ("BORNE_BREAKER_WARN_RATIO", "1000000"),
                ("BORNE_LOG", "warn"),
            ],
        )?;
        // The first one applies the migrations before the others start.
        c.wait_ready().await?;
        admin_ports.push(admin_port);
        centrals.push(c);
    }
    println!(
        "central: {instances} instance(s) of {} on {}; console telephony, send hours open, \
         pace {per_second} SMS/s and {per_second} calls/s (BORNE_SMS_PER_SECOND, \
         BORNE_CALLS_PER_SECOND), caps and cost breaker off",
        bin.display(),
        match engine {
            Engine::Sqlite => "a fresh SQLite file (WAL, synchronous=FULL)",
            Engine::Postgres => "one fresh PostgreSQL database",
        }
    );

    // 2. The kiosks and their queues, before any timer.
    let started = Instant::now();
    let queues_root = work.path().join("kiosks");
    let mut workers = Vec::with_capacity(kiosks);
    let mut queues = Vec::with_capacity(kiosks);
    let mut ids = HashSet::with_capacity(total);
    for k in 0..kiosks {
        let central = &centrals[k % instances];
        let enrolled = central
            .enroll_kiosk(&format!("Kiosque {k:03}"))
            .await
            .context("enrollment")?;
        let dir = queue_dir(&queues_root, k);
        std::fs::create_dir_all(&dir)?;
        let (key, _) = KeyStore::File(dir.join("queue.key")).load_or_create()?;
        let queue = Queue::open(&dir.join("queue.sqlite"), &key).await?;
        for j in 0..queued {
            let i = u32::try_from(k * queued + j)?;
            let id = uuid::Uuid::now_v7().to_string();
            queue
                .enqueue(&borne_e2e::registration(i, &id), now_ms())
                .await?;
            ids.insert(id);
        }
        let client = CentralClient::new(
            &format!("http://127.0.0.1:{}", central.port),
            Some(SecretString::from(enrolled.token)),
            Duration::from_secs(30),
            Arc::default(),
        )?;
        workers.push(SyncWorker::new(
            queue.clone(),
            client,
            SyncConfig {
                batch_size: 100,
                ..SyncConfig::default()
            },
            Clock::system(),
        ));
        queues.push(queue);
    }
    let live_kiosk = centrals[0].enroll_kiosk("Kiosque des résidents").await?;
    println!(
        "kiosks: {kiosks} enrolled, {total} registrations queued in {:.1} s (not timed below)",
        started.elapsed().as_secs_f64()
    );

    let phone = Arc::new(Mutex::new(Phone::default()));
    let watcher = watch_outbox(outbox.clone(), phone.clone());
    let http = reqwest::Client::new();
    let errors_before = server_errors(&http, &admin_ports).await?;

    // 3. Live residents from now until told to stop, L a second, each on
    // the next instance.
    let bases: Vec<String> = centrals
        .iter()
        .map(|c| format!("http://127.0.0.1:{}", c.port))
        .collect();
    let (stop_live, mut stopped) = tokio::sync::watch::channel(false);
    let live_task = {
        let (http, bases, phone) = (http.clone(), bases.clone(), phone.clone());
        let token = live_kiosk.token.clone();
        tokio::spawn(async move {
            let mut tick =
                tokio::time::interval(Duration::from_secs(1) / u32::try_from(live_per_second)?);
            let mut residents = Vec::new();
            let mut i = 0u32;
            loop {
                tokio::select! {
                    _ = tick.tick() => {}
                    _ = stopped.changed() => break,
                }
                let base = bases[i as usize % bases.len()].clone();
                residents.push(tokio::spawn(live_resident(
                    http.clone(),
                    base,
                    token.clone(),
                    i,
                    phone.clone(),
                )));
                i += 1;
            }
            let mut out = Vec::new();
            for r in residents {
                out.push(r.await?);
            }
            anyhow::Ok(out)
        })
    };
    // A few seconds of live residents alone, for comparison.
    tokio::time::sleep(Duration::from_secs(3)).await;

    // The kiosks reconnect, each at a random moment within one second.
    let reconnect = Instant::now();
    let mut loops = Vec::with_capacity(kiosks);
    for w in workers {
        let delay = Duration::from_millis(rand_below(1_000));
        loops.push(tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            w.run().await;
        }));
    }
    let drained = loop {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let mut left = 0;
        for q in &queues {
            let c = q.counts().await?;
            left += c.pending + c.sending;
        }
        if left == 0 {
            break reconnect.elapsed();
        }
        ensure!(
            reconnect.elapsed() < Duration::from_secs(1_800),
            "{left} registrations still queued after 30 min"
        );
    };
    println!(
        "drain: every queue empty {:.2} s after the reconnect began",
        drained.as_secs_f64()
    );

    // 4. The confirmations go out at the provider's pace.
    let sends_started = Instant::now();
    loop {
        let sent = phone
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .confirmations
            .len();
        if sent >= total {
            break;
        }
        ensure!(
            sends_started.elapsed() < Duration::from_secs(3_600),
            "{sent} of {total} confirmations sent after an hour"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let sends_done = reconnect.elapsed();
    let _ = stop_live.send(true);
    let residents = live_task.await??;
    // Let the last codes and the phone catch up.
    tokio::time::sleep(Duration::from_millis(200)).await;
    for l in &loops {
        l.abort();
    }
    watcher.abort();
    let errors = server_errors(&http, &admin_ports).await? - errors_before;

    // What was stored.
    let db = AnyPool::connect(&database_url).await?;
    let stored: Vec<String> = sqlx::query_scalar("SELECT id FROM registrations")
        .fetch_all(&db)
        .await?;
    let confirmations: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM confirmations WHERE id IN (SELECT id FROM registrations)",
    )
    .fetch_one(&db)
    .await?;
    db.close().await;
    let stored_set: HashSet<&String> = stored.iter().collect();
    let once = ids.iter().filter(|id| stored_set.contains(id)).count();
    let duplicates = stored.len() - stored_set.len();
    let losses = total - once;
    let mut acknowledged = 0;
    let mut rejected = 0;
    for q in &queues {
        let c = q.counts().await?;
        acknowledged += c.acknowledged;
        rejected += c.rejected;
    }

    // Figures.
    let during = |l: &&Live| {
        let t = l.started.saturating_duration_since(reconnect);
        l.started >= reconnect && t < drained
    };
    let after = |l: &&Live| l.started >= reconnect + drained;
    let before = |l: &&Live| l.started < reconnect;
    let signups = |f: &dyn Fn(&&Live) -> bool| -> Vec<Duration> {
        residents.iter().filter(f).map(|l| l.signup).collect()
    };
    let logins = |f: &dyn Fn(&&Live) -> bool| -> Vec<Duration> {
        residents
            .iter()
            .filter(f)
            .filter_map(|l| l.login.map(|(d, _)| d))
            .collect()
    };
    let codes = |f: &dyn Fn(&&Live) -> bool| -> Vec<Duration> {
        residents.iter().filter(f).filter_map(|l| l.code).collect()
    };
    let failed = residents
        .iter()
        .filter(|l| l.signup_status != 202 || l.login.map(|(_, s)| s) != Some(200))
        .count();
    let (rate_sms, rate_voice) = {
        let p = phone.lock().unwrap_or_else(|e| e.into_inner());
        // Every message of the sender (the live codes share its slots)
        // from its first confirmation to its last.
        let rate = |channel: &str| -> (usize, f64) {
            let times: Vec<Instant> = p
                .confirmations
                .iter()
                .filter(|(c, _)| c == channel)
                .map(|(_, t)| *t)
                .collect();
            match (times.first(), times.last()) {
                (Some(a), Some(b)) if times.len() > 1 && b > a => {
                    let all = p
                        .sends
                        .iter()
                        .filter(|(c, t)| c == channel && t >= a && t <= b)
                        .count();
                    (
                        times.len(),
                        (all - 1) as f64 / b.duration_since(*a).as_secs_f64(),
                    )
                }
                _ => (times.len(), 0.0),
            }
        };
        (rate("sms"), rate("voice"))
    };
    let all = |_: &&Live| true;
    println!();
    println!(
        "summary ({engine:?}, {instances} instance(s), {kiosks} kiosks x {queued}, {live_per_second} live/s, pace {per_second}/s per sender):"
    );
    println!(
        "  time until every queue was empty: {:.2} s ({:.0} registrations/s)",
        drained.as_secs_f64(),
        total as f64 / drained.as_secs_f64()
    );
    println!(
        "  stored exactly once: {once} of {total}; duplicates {duplicates}; losses {losses}; \
         kiosks: {acknowledged} acknowledged, {rejected} rejected; confirmations asked: {confirmations}"
    );
    println!("  5xx answers (all instances): {errors}");
    println!(
        "  live residents: {} in all, {failed} not through (signup 202 then login 200)",
        residents.len()
    );
    println!(
        "  live signups before the reconnect: {}",
        spread(signups(&before))
    );
    println!(
        "  live signups during the drain:     {}",
        spread(signups(&during))
    );
    println!(
        "  live logins during the drain:      {}",
        spread(logins(&during))
    );
    println!(
        "  live signups during the sends:     {}",
        spread(signups(&after))
    );
    println!(
        "  live logins during the sends:      {}",
        spread(logins(&after))
    );
    println!(
        "  live codes sent (signup answered -> code out), during the drain: {}",
        spread(codes(&during))
    );
    println!(
        "  live codes sent, during the sends of the backlog: {}",
        spread(codes(&after))
    );
    println!(
        "  confirmations sent: {} SMS, the SMS sender (codes too) at {:.1} /s; {} calls at {:.1} /s (pace {per_second} /s each: {:+.1} %, {:+.1} %); \
         all {total} out {:.1} s after the reconnect",
        rate_sms.0,
        rate_sms.1,
        rate_voice.0,
        rate_voice.1,
        100.0 * (rate_sms.1 / per_second as f64 - 1.0),
        100.0 * (rate_voice.1 / per_second as f64 - 1.0),
        sends_done.as_secs_f64()
    );
    let live_p99 = p99(signups(&during)).max(p99(logins(&during)));
    let within = |r: f64| r > 0.0 && (r / per_second as f64 - 1.0).abs() <= 0.05;
    println!(
        "targets: {total} of {total} exactly once: {}; 0 5xx: {}; live p99 <= 1 s during the drain ({}): {}; \
         pace within 5 %: {}; live codes p99 <= 2 s during the backlog ({}): {}",
        verdict(once == total && duplicates == 0),
        verdict(errors == 0),
        ms(live_p99),
        verdict(live_p99 <= Duration::from_secs(1)),
        verdict(within(rate_sms.1) && (rate_voice.0 < 2 || within(rate_voice.1))),
        ms(p99(codes(&all))),
        verdict(p99(codes(&all)) <= Duration::from_secs(2)),
    );
    drop(centrals);
    Ok(())
}

/// A number in `0..n`, at random.
fn rand_below(n: u64) -> u64 {
    (uuid::Uuid::new_v4().as_u128() % u128::from(n)) as u64
}
