//! Benchmark of the central server's two argon2-bound requests (not a
//! test): accepted signups per second, and logins per second against the
//! raw argon2 verification rate of this machine, with latencies.
//!
//! 1. Starts a real `borne-central` process on a fresh database (an SQLite
//!    file, or with `--engine postgres` a PostgreSQL database on the server
//!    `BORNE_TEST_POSTGRES_URL` names), caps off, console telephony;
//!    enrolls a kiosk.
//! 2. Signups: N distinct numbers, C at a time, over loopback HTTP; each
//!    one hashes a fresh code (argon2id) and queues its delivery.
//! 3. Logins: every number with the code the console provider "sent", C
//!    at a time; each one verifies the code (argon2id) and opens a session.
//! 4. Baseline, same run, just before and just after the logins (the
//!    mean of the two, so a drift of the machine's speed cancels out): the
//!    server's own `codes::verify_code` on the same kind of hash, on 2
//!    threads (the machine's cores).
//!
//! Usage: central-bench [--count N] [--concurrency C] [--engine sqlite|postgres]
//! (default 400, 4, sqlite)
//! `BORNE_CENTRAL_BIN`: as for sync-bench. `scripts/bench-central.sh`
//! builds both in release mode and runs it.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use anyhow::{ensure, Result};
use borne_e2e::{central_bin, count_arg, free_port, percentile, CentralProcess};
use secrecy::ExposeSecret;
use serde_json::{json, Value};

fn engine() -> Result<borne_central::db::Engine> {
    let args: Vec<String> = std::env::args().collect();
    match args
        .iter()
        .position(|a| a == "--engine")
        .map(|i| args.get(i + 1))
    {
        None => Ok(borne_central::db::Engine::Sqlite),
        Some(Some(e)) if e == "sqlite" => Ok(borne_central::db::Engine::Sqlite),
        Some(Some(e)) if e == "postgres" => Ok(borne_central::db::Engine::Postgres),
        Some(_) => anyhow::bail!("--engine: sqlite or postgres"),
    }
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

/// Runs `requests` C at a time; their latencies, sorted, and the wall time.
async fn load(
    requests: Vec<reqwest::RequestBuilder>,
    concurrency: usize,
    want: u16,
) -> Result<(Vec<Duration>, Duration)> {
    let sem = std::sync::Arc::new(tokio::sync::Semaphore::new(concurrency));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for r in requests {
        let permit = sem.clone().acquire_owned().await?;
        tasks.push(tokio::spawn(async move {
            let t = Instant::now();
            let status = r.send().await.map(|r| r.status().as_u16());
            drop(permit);
            (status, t.elapsed())
        }));
    }
    let mut latencies = Vec::new();
    for t in tasks {
        let (status, took) = t.await?;
        let status = status?;
        ensure!(status == want, "a request answered {status}, not {want}");
        latencies.push(took);
    }
    let wall = started.elapsed();
    latencies.sort();
    Ok((latencies, wall))
}

/// `codes::verify_code` per second on 2 threads, `n` verifications.
async fn raw_argon2_rate(n: usize) -> Result<f64> {
    let code = borne_central::codes::generate_code();
    let hash = borne_central::codes::hash_code(&code)?;
    let code = code.expose_secret().to_owned();
    let per_thread = n.div_ceil(2);
    let started = Instant::now();
    let threads: Vec<_> = (0..2)
        .map(|_| {
            let (code, hash) = (code.clone(), hash.clone());
            std::thread::spawn(move || {
                (0..per_thread).all(|_| borne_central::codes::verify_code(&code, &hash))
            })
        })
        .collect();
    for t in threads {
        ensure!(t.join().map_err(|_| anyhow::anyhow!("thread panicked"))?);
    }
    Ok((per_thread * 2) as f64 / started.elapsed().as_secs_f64())
}

#[tokio::main]
async fn main() -> Result<()> {
    let count = count_arg("--count", 400)?;
    let concurrency = count_arg("--concurrency", 4)?;
    ensure!((1..=9_000).contains(&count), "--count: 1 to 9000");
    borne_kiosk_core::install_crypto_provider();
    let bin = central_bin();
    let engine = engine()?;
    let work = tempfile::tempdir()?;
    let database_url = borne_central::db::scratch_database(engine, work.path()).await?;
    let central = CentralProcess::start_with(
        &bin,
        work.path(),
        free_port(),
        &[
            ("BORNE_DATABASE_URL", &database_url),
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
    let mut central = central;
    central.wait_ready().await?;
    let kiosk = central.enroll_kiosk("Kiosque de banc d'essai").await?;
    let base = format!("http://127.0.0.1:{}", central.port);
    println!(
        "central-bench: {} on 127.0.0.1:{}, {}, console telephony, caps off",
        bin.display(),
        central.port,
        match engine {
            borne_central::db::Engine::Sqlite => "fresh SQLite file (WAL, synchronous=FULL)",
            borne_central::db::Engine::Postgres => "fresh PostgreSQL database",
        }
    );
    println!("central-bench: {count} residents, {concurrency} requests at a time, 2 cores");
    let http = reqwest::Client::new();
    // 514 555-01xx … 819 555-09xx: distinct accepted numbers.
    let phones: Vec<String> = (0..count)
        .map(|i| {
            let area = [
                "514", "438", "450", "579", "819", "873", "418", "581", "367",
            ][i / 1000];
            format!("+1{area}555{:04}", i % 1000 + 1000)
        })
        .collect();

    // 2. Signups.
    let consent = json!({
        "text_version": borne_domain::CONSENT_TEXT_VERSION, "language": "fr",
        "accepted_at": "2026-11-26T10:00:00Z", "kiosk_id": "bench", "staff_assisted": false
    });
    let signups = phones
        .iter()
        .map(|p| {
            http.post(format!("{base}/v1/signup"))
                .bearer_auth(&kiosk.token)
                .json(
                    &json!({ "phone": p, "channel": "sms", "language": "fr", "consent": consent }),
                )
        })
        .collect();
    let (lat, wall) = load(signups, concurrency, 202).await?;
    println!(
        "signups: {count} accepted in {:.2} s = {:.0} /s; latency p50 {}, p99 {}",
        wall.as_secs_f64(),
        count as f64 / wall.as_secs_f64(),
        ms(percentile(&lat, 0.5)),
        ms(percentile(&lat, 0.99)),
    );

    // The codes, as the console provider "sent" them.
    let started = Instant::now();
    let codes: HashMap<String, String> = loop {
        let text = std::fs::read_to_string(&central.outbox).unwrap_or_default();
        let sent: HashMap<String, String> = text
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter_map(|m| {
                let code = m["text"]
                    .as_str()?
                    .split(|c: char| !c.is_ascii_digit())
                    .find(|t| t.len() == 6)?
                    .to_owned();
                Some((m["to"].as_str()?.to_owned(), code))
            })
            .collect();
        if sent.len() == count {
            break sent;
        }
        ensure!(
            started.elapsed() < Duration::from_secs(120),
            "only {} of {count} codes were sent",
            sent.len()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };

    // 3. Logins, between two measures of the raw rate.
    let raw_before = raw_argon2_rate(count).await?;
    let logins = phones
        .iter()
        .map(|p| {
            http.post(format!("{base}/v1/login"))
                .bearer_auth(&kiosk.token)
                .json(&json!({ "phone": p, "code": codes[p] }))
        })
        .collect();
    let (lat, wall) = load(logins, concurrency, 200).await?;
    let login_rate = count as f64 / wall.as_secs_f64();
    let p99 = percentile(&lat, 0.99);

    let raw_after = raw_argon2_rate(count).await?;
    let raw_rate = (raw_before + raw_after) / 2.0;
    println!(
        "logins: {count} in {:.2} s = {login_rate:.0} /s; latency p50 {}, p99 {}",
        wall.as_secs_f64(),
        ms(percentile(&lat, 0.5)),
        ms(p99),
    );
    println!(
        "raw argon2id verifications (codes::verify_code, 2 threads): {raw_rate:.0} /s \
         (before the logins {raw_before:.0} /s, after {raw_after:.0} /s)"
    );
    let ratio = login_rate / raw_rate;
    println!(
        "logins / raw argon2: {:.0} %   target >= 80 % {}; p99 {} target <= 1 s {}",
        ratio * 100.0,
        if ratio >= 0.8 { "MET" } else { "MISSED" },
        ms(p99),
        if p99 <= Duration::from_secs(1) {
            "MET"
        } else {
            "MISSED"
        },
    );
    println!(
        "batch ingest against a raw insert: scripts/bench-sync.sh (same machine, same engine)"
    );
    Ok(())
}
