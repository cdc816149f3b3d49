//! The central server under a hostile load (not a test): slow clients
//! holding half-sent request heads while residents sign up, and a health
//! probe throughout.
//!
//! 1. Starts a real `borne-central` process on a fresh SQLite file, with
//!    the transport's defaults (`--max-connections N` sets
//!    `BORNE_HTTP_MAX_CONNECTIONS`), console telephony, the caps on
//!    signups off; enrolls a kiosk.
//! 2. Opens `--slow` connections (default 1,000) that each send half a
//!    request head, then wait: the server must close them after its
//!    header timeout, without an answer.
//! 3. A second later fires `--signups` signups (default 200) at once, each
//!    on its own connection; each one hashes a code with argon2id.
//! 4. From the start until the last slow client and signup are done,
//!    `GET /healthz` every 50 ms on a fresh connection (as a load
//!    balancer checks), on the public listener and, beside it, on the
//!    administration listener.
//!
//! Prints: /healthz p50 and p99 on each listener, 5xx other than the
//! deliberate 503 `server.busy` / `server.timeout` (and those), how many
//! slow clients were cut and when, and the server's peak RSS (`VmHWM`).
//! Targets (issue 14): /healthz p99 < 100 ms, 0 unexplained 5xx, RSS <
//! 500 MiB.
//!
//! Usage: hostile-bench [--slow N] [--signups N] [--max-connections N]
//! `BORNE_CENTRAL_BIN`: the server to run (default: this profile's
//! build). `scripts/bench-hostile.sh` builds both in release mode, raises
//! the open-file limit and runs it.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{ensure, Context, Result};
use borne_e2e::{central_bin, count_arg, free_port, percentile, phone, CentralProcess};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A slow client still open this long after connecting was not cut.
const HOLD_AT_MOST: Duration = Duration::from_secs(120);
const PROBE_EVERY: Duration = Duration::from_millis(50);

fn ms(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms < 10.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{ms:.0} ms")
    }
}

fn secs(d: Duration) -> String {
    format!("{:.1} s", d.as_secs_f64())
}

/// `Max open files` (soft) of a process, from `/proc/<pid>/limits`.
fn open_files_limit(pid: &str) -> Option<String> {
    std::fs::read_to_string(format!("/proc/{pid}/limits"))
        .ok()?
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .and_then(|l| l.split_whitespace().nth(3).map(str::to_owned))
}

/// A field of `/proc/<pid>/status` in KiB (`VmHWM`, `VmRSS`).
fn status_kib(pid: u32, field: &str) -> Option<u64> {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| {
            v.trim_start_matches(':')
                .trim()
                .split(' ')
                .next()?
                .parse()
                .ok()
        })
}

/// What became of one slow client.
#[derive(Debug)]
enum Slow {
    /// The server closed it without an answer, this long after connecting.
    Cut(Duration),
    /// The server answered something (it should not).
    Answered,
    /// Still open after [`HOLD_AT_MOST`].
    Held,
    /// Could not even connect.
    Refused,
}

/// Half a request head, then nothing; how it ended.
async fn slow_client(addr: SocketAddr) -> Slow {
    let started = Instant::now();
    let Ok(mut stream) = TcpStream::connect(addr).await else {
        return Slow::Refused;
    };
    let half =
        b"POST /v1/signup HTTP/1.1\r\nHost: borne\r\nContent-Type: application/json\r\nX-Slow: ";
    if stream.write_all(half).await.is_err() {
        return Slow::Cut(started.elapsed());
    }
    let mut byte = [0u8; 1];
    match tokio::time::timeout(
        HOLD_AT_MOST.saturating_sub(started.elapsed()),
        stream.read(&mut byte),
    )
    .await
    {
        Err(_) => Slow::Held,
        Ok(Ok(0) | Err(_)) => Slow::Cut(started.elapsed()),
        Ok(Ok(_)) => Slow::Answered,
    }
}

/// What a signup got: its status and code, or no answer at all.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Answer {
    Status(u16, String),
    NoAnswer(String),
}

impl Answer {
    /// A 5xx nobody meant: not the 503s the server gives on purpose.
    fn unexplained_5xx(&self) -> bool {
        matches!(self, Answer::Status(s, code)
            if *s >= 500 && !(*s == 503 && (code == "server.busy" || code == "server.timeout")))
    }
}

/// `GET /healthz` every [`PROBE_EVERY`] on a fresh connection until
/// `done`; the latencies (sorted) and the failures.
async fn probe(url: String, done: Arc<AtomicBool>) -> (Vec<Duration>, Vec<String>) {
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .timeout(Duration::from_secs(60))
        .build()
        .expect("an HTTP client");
    let mut latencies = Vec::new();
    let mut failures = Vec::new();
    while !done.load(Ordering::Relaxed) {
        let started = Instant::now();
        match http.get(&url).send().await {
            Ok(r) if r.status() == 200 => latencies.push(started.elapsed()),
            Ok(r) => failures.push(format!("HTTP {}", r.status().as_u16())),
            Err(e) => failures.push(if e.is_timeout() {
                "timed out".into()
            } else {
                "no answer".into()
            }),
        }
        tokio::time::sleep(PROBE_EVERY.saturating_sub(started.elapsed())).await;
    }
    latencies.sort();
    (latencies, failures)
}

#[tokio::main]
async fn main() -> Result<()> {
    let slow_count = count_arg("--slow", 1_000)?;
    let signup_count = count_arg("--signups", 200)?;
    let max_connections = std::env::args()
        .any(|a| a == "--max-connections")
        .then(|| count_arg("--max-connections", 0))
        .transpose()?;
    ensure!(signup_count <= 10_000, "--signups: at most 10,000");
    borne_kiosk_core::install_crypto_provider();
    let bin = central_bin();
    // The server runs with its defaults: this one among them.
    let header_timeout = borne_central::config::HttpLimits::default().header_timeout;
    let own_limit = open_files_limit("self").unwrap_or_default();
    let sockets = slow_count + signup_count + 64;
    ensure!(
        own_limit == "unlimited" || own_limit.parse::<usize>().unwrap_or(0) >= sockets,
        "the open-file limit is {own_limit}, this run opens about {sockets} sockets: \
         raise it (`ulimit -n 4096`; scripts/bench-hostile.sh does)"
    );

    let work = tempfile::tempdir()?;
    let admin_port = free_port();
    let admin_listen = format!("127.0.0.1:{admin_port}");
    let max_connections_text = max_connections.map(|n| n.to_string());
    let mut env = vec![
        ("BORNE_ADMIN_LISTEN", admin_listen.as_str()),
        ("BORNE_LIMIT_KIOSK_PER_HOUR", "0"),
        ("BORNE_LIMIT_NUMBER_PER_10_MIN", "0"),
        ("BORNE_LIMIT_NUMBER_PER_DAY", "0"),
        ("BORNE_LOG", "warn"),
    ];
    if let Some(n) = &max_connections_text {
        env.push(("BORNE_HTTP_MAX_CONNECTIONS", n));
    }
    let mut central = CentralProcess::start_with(&bin, work.path(), free_port(), &env)?;
    central.wait_ready().await?;
    let kiosk = central.enroll_kiosk("Kiosque de banc d'essai").await?;
    let pid = central.pid().context("the server runs")?;
    let base = format!("http://127.0.0.1:{}", central.port);
    let admin_base = format!("http://{admin_listen}");
    println!(
        "hostile-bench: {} on 127.0.0.1:{} (administration 127.0.0.1:{admin_port}), \
         fresh SQLite file, console telephony, signup caps off",
        bin.display(),
        central.port
    );
    println!(
        "hostile-bench: connections per listener {}, header timeout {} (defaults but the cap \
         when given), open-file limit: server {}, this process {own_limit}",
        max_connections.map_or("2048 (default)".into(), |n| n.to_string()),
        secs(header_timeout),
        open_files_limit(&pid.to_string()).unwrap_or_else(|| "?".into()),
    );
    println!(
        "hostile-bench: {slow_count} slow clients, then {signup_count} signups at once, \
         /healthz every {} on a fresh connection on each listener",
        ms(PROBE_EVERY)
    );

    let started = Instant::now();
    let done = Arc::new(AtomicBool::new(false));
    let public_probe = tokio::spawn(probe(format!("{base}/healthz"), done.clone()));
    let admin_probe = tokio::spawn(probe(format!("{admin_base}/healthz"), done.clone()));

    // 2. The slow clients.
    let addr: SocketAddr = format!("127.0.0.1:{}", central.port).parse()?;
    let slow: Vec<_> = (0..slow_count)
        .map(|_| tokio::spawn(slow_client(addr)))
        .collect();
    tokio::time::sleep(Duration::from_secs(1)).await;

    // 3. The signups, all at once, each on its own connection.
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .timeout(Duration::from_secs(120))
        .build()?;
    let consent = json!({
        "text_version": borne_domain::CONSENT_TEXT_VERSION, "language": "fr",
        "accepted_at": "2026-11-26T10:00:00Z", "kiosk_id": "bench", "staff_assisted": false
    });
    let signups: Vec<_> = (0..signup_count)
        .map(|i| {
            let request = http
                .post(format!("{base}/v1/signup"))
                .bearer_auth(&kiosk.token)
                .json(&json!({
                    "phone": phone(u32::try_from(i).unwrap_or(0)), "channel": "sms",
                    "language": "fr", "consent": consent
                }));
            tokio::spawn(async move {
                let t = Instant::now();
                let answer = match request.send().await {
                    Ok(r) => {
                        let status = r.status().as_u16();
                        let body: Value = r.json().await.unwrap_or(Value::Null);
                        Answer::Status(status, body["code"].as_str().unwrap_or("").to_owned())
                    }
                    Err(e) if e.is_timeout() => Answer::NoAnswer("timed out".into()),
                    Err(_) => Answer::NoAnswer("connection failed".into()),
                };
                (answer, t.elapsed())
            })
        })
        .collect();

    let mut answers: BTreeMap<Answer, usize> = BTreeMap::new();
    let mut signup_latencies = Vec::new();
    for s in signups {
        let (answer, took) = s.await?;
        if matches!(answer, Answer::Status(202, _)) {
            signup_latencies.push(took);
        }
        *answers.entry(answer).or_default() += 1;
    }
    signup_latencies.sort();
    let signups_done = started.elapsed();
    let mut cut = Vec::new();
    let (mut answered, mut held, mut refused) = (0, 0, 0);
    for s in slow {
        match s.await? {
            Slow::Cut(after) => cut.push(after),
            Slow::Answered => answered += 1,
            Slow::Held => held += 1,
            Slow::Refused => refused += 1,
        }
    }
    cut.sort();
    done.store(true, Ordering::Relaxed);
    let (public, public_failures) = public_probe.await?;
    let (admin, admin_failures) = admin_probe.await?;
    let peak_kib = status_kib(pid, "VmHWM").unwrap_or(0);
    let rss_kib = status_kib(pid, "VmRSS").unwrap_or(0);
    let wall = started.elapsed();

    println!();
    println!(
        "slow clients: {slow_count} opened: {} cut without an answer, {answered} answered, \
         {held} still open after {}, {refused} could not connect",
        cut.len(),
        secs(HOLD_AT_MOST)
    );
    if !cut.is_empty() {
        let within = cut
            .iter()
            .filter(|d| **d < header_timeout + Duration::from_secs(2))
            .count();
        println!(
            "  cut after (from connecting): min {}, median {}, p90 {}, max {}; \
             {within} within the header timeout + 2 s{}",
            secs(cut[0]),
            secs(percentile(&cut, 0.5)),
            secs(percentile(&cut, 0.9)),
            secs(cut[cut.len() - 1]),
            if within < cut.len() {
                ", the others first waited for a free connection"
            } else {
                ""
            }
        );
    }
    println!(
        "signups: {signup_count} fired at once, the last answered {} later:",
        secs(signups_done - Duration::from_secs(1))
    );
    for (answer, n) in &answers {
        match answer {
            Answer::Status(s, code) if code.is_empty() => println!("  {n} × HTTP {s}"),
            Answer::Status(s, code) => println!("  {n} × HTTP {s} {code}"),
            Answer::NoAnswer(why) => println!("  {n} × no answer ({why})"),
        }
    }
    if !signup_latencies.is_empty() {
        println!(
            "  accepted ones: latency p50 {}, p99 {}",
            ms(percentile(&signup_latencies, 0.5)),
            ms(percentile(&signup_latencies, 0.99))
        );
    }
    let deliberate: usize = answers
        .iter()
        .filter(|(a, _)| matches!(a, Answer::Status(503, c) if c == "server.busy" || c == "server.timeout"))
        .map(|(_, n)| n)
        .sum();
    let unexplained: usize = answers
        .iter()
        .filter(|(a, _)| a.unexplained_5xx())
        .map(|(_, n)| n)
        .sum::<usize>()
        + public_failures
            .iter()
            .filter(|f| f.starts_with("HTTP 5"))
            .count()
        + admin_failures
            .iter()
            .filter(|f| f.starts_with("HTTP 5"))
            .count();
    let met = |ok: bool| if ok { "met" } else { "MISSED" };
    for (name, latencies, failures) in [
        ("public listener", &public, &public_failures),
        ("administration listener", &admin, &admin_failures),
    ] {
        let p99 = percentile(latencies, 0.99);
        println!(
            "/healthz, {name}: {} probes answered 200, {} failed {:?}; p50 {}, p99 {}, max {} \
             — target p99 < 100 ms {}",
            latencies.len(),
            failures.len(),
            failures.iter().take(3).collect::<Vec<_>>(),
            ms(percentile(latencies, 0.5)),
            ms(p99),
            ms(latencies.last().copied().unwrap_or_default()),
            met(!latencies.is_empty() && p99 < Duration::from_millis(100)),
        );
    }
    println!(
        "5xx: {unexplained} unexplained — target 0 {}; {deliberate} deliberate 503 \
         (server.busy, server.timeout)",
        met(unexplained == 0)
    );
    println!(
        "server memory: peak RSS (VmHWM) {:.1} MiB, at the end {:.1} MiB — target < 500 MiB {}",
        peak_kib as f64 / 1024.0,
        rss_kib as f64 / 1024.0,
        met(peak_kib > 0 && peak_kib < 500 * 1024)
    );
    println!("wall time {}", secs(wall));
    Ok(())
}
