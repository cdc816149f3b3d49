//! Benchmark of offline registrations reaching the central server (not a
//! test).
//!
//! 1. Ingest: starts a real `borne-central` process on a fresh database
//!    (an SQLite file, or with `--engine postgres` a PostgreSQL database
//!    on the server `BORNE_TEST_POSTGRES_URL` names) and posts N
//!    registrations to it in batches of 100 (the protocol's maximum), one
//!    request after the other, with the kiosk's HTTP client: the server's
//!    own rate.
//! 2. Fills a fresh kiosk queue with N registrations (one encrypted,
//!    fsync'd transaction each), timed.
//! 3. Drains it with one `SyncWorker::pass()` (batches of 100) over
//!    loopback HTTP into a second central process on a fresh database,
//!    timed, then checks that every registration arrived once and nothing
//!    readable is left on the kiosk.
//! 4. Baseline, same run: the same central rows written with plain
//!    multi-row `INSERT`s (one statement per table) into a fresh database
//!    of the same engine, with the central server's pragmas and
//!    migrations, 100 registrations per transaction.
//!
//! It prints each rate, ingest / raw (target ≥ 80 %), sync / raw (target
//! ≥ 60 %) and on PostgreSQL the ingest rate (target ≥ 5,000 /s).
//!
//! Usage: sync-bench [--count N] [--engine sqlite|postgres] [--kiosks K]
//! (default 10000, sqlite, 1: `--kiosks 2` posts the ingest's batches from
//! two kiosks at once, the server's default `BORNE_SYNC_CONCURRENCY`)
//!
//! `BORNE_CENTRAL_BIN` names the central server binary; default:
//! `target/debug/borne-central`, or `target/release/borne-central` when
//! this benchmark is a release build. `scripts/bench-sync.sh` builds both
//! in release mode and runs it.

use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context, Result};
use borne_central::db::Engine;
use borne_e2e::{central_bin, free_port, profile, CentralProcess};
use borne_kiosk_core::queue::now_ms;
use borne_kiosk_core::{
    CentralClient, Clock, DeviceCredential, KeyStore, Pass, Queue, SyncConfig, SyncWorker,
};
use borne_protocol as wire;
use secrecy::SecretString;
use sqlx::AnyPool;

const DEFAULT_COUNT: u32 = 10_000;
/// Fixture indices start here; every index below 12 × 10,000 has its own
/// number, so each registration makes a new account.
const FIRST_INDEX: u32 = 0;
const MAX_COUNT: u32 = 12 * 10_000 - FIRST_INDEX;
/// The central tables one registration writes to, in `ingest_registrations`.
const TABLES: [&str; 7] = [
    "accounts",
    "consents",
    "profiles",
    "contact_points",
    "deliveries",
    "confirmations",
    "registrations",
];

fn usage() -> String {
    format!(
        "usage: sync-bench [--count N] [--engine sqlite|postgres] [--kiosks K]   (N registrations, default {DEFAULT_COUNT}, at most {MAX_COUNT})\n\
         --kiosks K: the ingest's batches posted by K kiosks at once, 1 to 8 (default 1, one after the other)\n\
         --engine postgres: databases on the server BORNE_TEST_POSTGRES_URL names (scripts/postgres.sh)\n\
         BORNE_CENTRAL_BIN: the borne-central binary (default: target/<this build's profile>/borne-central)"
    )
}

/// What to run.
struct Args {
    count: u32,
    engine: Engine,
    /// Kiosks posting the ingest's batches at once (1: one after the other).
    kiosks: usize,
}

fn parse_args() -> Result<Args> {
    let mut count = DEFAULT_COUNT;
    let mut engine = Engine::Sqlite;
    let mut kiosks = 1;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = match arg.as_str() {
            "-h" | "--help" => {
                println!("{}", usage());
                std::process::exit(0);
            }
            "--engine" => {
                engine = match args.next().as_deref() {
                    Some("sqlite") => Engine::Sqlite,
                    Some("postgres") => Engine::Postgres,
                    _ => bail!("--engine: sqlite or postgres\n{}", usage()),
                };
                continue;
            }
            "--kiosks" => {
                kiosks = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .filter(|k| (1..=8).contains(k))
                    .with_context(|| format!("--kiosks: 1 to 8\n{}", usage()))?;
                continue;
            }
            "--count" => args.next().with_context(usage)?,
            other => match other.strip_prefix("--count=") {
                Some(v) => v.to_owned(),
                None => bail!("unknown argument `{other}`\n{}", usage()),
            },
        };
        count = value
            .parse()
            .with_context(|| format!("--count: `{value}` is not a whole number"))?;
    }
    ensure!(
        (1..=MAX_COUNT).contains(&count),
        "--count must be between 1 and {MAX_COUNT}"
    );
    Ok(Args {
        count,
        engine,
        kiosks,
    })
}

fn engine_words(engine: Engine) -> &'static str {
    match engine {
        Engine::Sqlite => "fresh SQLite file (WAL, synchronous=FULL)",
        Engine::Postgres => "fresh PostgreSQL database (BORNE_TEST_POSTGRES_URL's server)",
    }
}

fn rate(n: u32, elapsed: Duration) -> f64 {
    f64::from(n) / elapsed.as_secs_f64()
}

/// `10000 registrations in 4.21 s = 2375 /s`
fn timing(n: u32, elapsed: Duration) -> String {
    format!(
        "{n} registrations in {:.2} s = {:.0} /s",
        elapsed.as_secs_f64(),
        rate(n, elapsed)
    )
}

// ------------------------------------------------------------ the central

/// Rows per table, in `TABLES` order.
async fn row_counts(pool: &AnyPool) -> Result<Vec<i64>> {
    let mut counts = Vec::with_capacity(TABLES.len());
    for table in TABLES {
        counts.push(
            sqlx::query_scalar::<_, i64>(&format!("SELECT COUNT(*) FROM {table}"))
                .fetch_one(pool)
                .await?,
        );
    }
    Ok(counts)
}

/// Every table holds exactly `n` rows.
fn ensure_rows(what: &str, counts: &[i64], n: u32, consents: i64) -> Result<()> {
    for (table, count) in TABLES.iter().zip(counts) {
        // One consent record per registration, and one per optional
        // choice its profile gives (newsletter, categories).
        let expected = if *table == "consents" {
            consents
        } else {
            i64::from(n)
        };
        ensure!(
            *count == expected,
            "{what}: {count} rows in `{table}`, expected {expected}"
        );
    }
    Ok(())
}

/// The consent records `registrations` make: the emergency consent, and
/// one per optional choice given.
fn consent_rows(registrations: &[wire::Registration]) -> i64 {
    registrations
        .iter()
        .map(|r| 1 + i64::from(r.profile.newsletter) + i64::from(!r.profile.categories.is_empty()))
        .sum()
}

// ------------------------------------------------------------ the baseline

/// A fresh database of `engine` opened exactly as the central server opens
/// its own (`Store::connect`: for SQLite WAL, synchronous=FULL, foreign
/// keys; migrations).
async fn central_like_database(engine: Engine, dir: &Path) -> Result<AnyPool> {
    let url = borne_central::db::scratch_database(engine, dir).await?;
    let store = borne_central::db::Store::connect(&url).await?;
    Ok(store.pool_for_benchmarks().clone())
}

/// The values `ingest_registrations` stores for one new registration.
#[derive(Debug)]
struct Rows {
    account_id: String,
    consent_id: String,
    /// The optional choices' consent records (newsletter, categories),
    /// when the profile gives them.
    option_consent_ids: [String; 2],
    delivery_id: String,
    content_hash: String,
    /// The profile's categories as the central stores them.
    categories: String,
    /// `captured_at` and the consent's `accepted_at`, Unix seconds.
    captured_at: i64,
    accepted_at: i64,
    r: wire::Registration,
}

fn language(l: wire::Language) -> &'static str {
    match l {
        wire::Language::Fr => "fr",
        wire::Language::En => "en",
    }
}

/// An RFC 3339 time in Unix seconds (before any timer).
fn unix(rfc3339: &str) -> Result<i64> {
    borne_protocol::rfc3339::parse(rfc3339)
        .map(time::OffsetDateTime::unix_timestamp)
        .with_context(|| format!("`{rfc3339}` is not a time"))
}

fn non_empty(s: &str) -> Option<&str> {
    Some(s).filter(|s| !s.is_empty())
}

/// A value of the baseline's statements.
enum Value<'a> {
    Text(&'a str),
    MaybeText(Option<&'a str>),
    Int(i64),
}

/// One plain multi-row `INSERT INTO {head} VALUES (…), (…)` of rows of
/// `width` values laid end to end: `?` placeholders on SQLite (it looks a
/// `$n` up by name, n² for n values), `$n` on PostgreSQL.
async fn insert_rows(
    tx: &mut sqlx::AnyConnection,
    head: &str,
    width: usize,
    values: Vec<Value<'_>>,
) -> Result<()> {
    let sqlite = tx.backend_name().eq_ignore_ascii_case("sqlite");
    let rows: Vec<String> = (0..values.len() / width)
        .map(|row| {
            let cols: Vec<String> = (1..=width)
                .map(|col| {
                    if sqlite {
                        "?".to_owned()
                    } else {
                        format!("${}", row * width + col)
                    }
                })
                .collect();
            format!("({})", cols.join(", "))
        })
        .collect();
    let sql = format!("INSERT INTO {head} VALUES {}", rows.join(", "));
    let mut q = sqlx::query(&sql);
    for v in values {
        q = match v {
            Value::Text(s) => q.bind(s),
            Value::MaybeText(s) => q.bind(s),
            Value::Int(i) => q.bind(i),
        };
    }
    q.execute(&mut *tx).await?;
    Ok(())
}

fn channel(c: wire::Channel) -> &'static str {
    match c {
        wire::Channel::Sms => "sms",
        wire::Channel::Voice => "voice",
    }
}

/// The rows ingest writes for each registration, as plain multi-row
/// INSERTs (one statement per table), one transaction per `batch`
/// registrations holding the lock ingest holds (SQLite: `BEGIN
/// IMMEDIATE`; PostgreSQL: an advisory lock): the fastest plain insert of
/// these rows both engines take through sqlx (whose `Any` driver binds no
/// arrays for an `UNNEST`).
async fn raw_insert(engine: Engine, pool: &AnyPool, rows: &[Rows], batch: usize) -> Result<()> {
    use Value::{Int, MaybeText, Text};
    const KIOSK: &str = "kiosk-fixture";
    const WINDOW: i64 = 7 * 86_400;
    let now = now_ms() / 1000;
    for chunk in rows.chunks(batch) {
        let mut tx = match engine {
            Engine::Sqlite => pool.begin_with("BEGIN IMMEDIATE").await?,
            Engine::Postgres => {
                let mut tx = pool.begin().await?;
                sqlx::query("SELECT pg_advisory_xact_lock(1, 0)::text")
                    .execute(&mut *tx)
                    .await?;
                tx
            }
        };
        let (mut accounts, mut consents, mut profiles, mut contacts) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let (mut deliveries, mut confirmations, mut registrations) =
            (Vec::new(), Vec::new(), Vec::new());
        for x in chunk {
            let r = &x.r;
            let p = &r.profile;
            accounts.extend([
                Text(&x.account_id),
                Text(&r.phone),
                Text(language(r.language)),
                Int(now),
            ]);
            consents.extend([
                Text(&x.consent_id),
                Text(&x.account_id),
                Text(&r.consent.text_version),
                Text(language(r.consent.language)),
                Int(x.accepted_at),
                Int(now),
                Text(KIOSK),
                Int(i64::from(r.consent.staff_assisted)),
                Text(&r.id),
                Text("emergency"),
                MaybeText(None),
            ]);
            // Step 5's choices, recorded like the emergency consent.
            let options = [
                (p.newsletter, "newsletter", None),
                (
                    !p.categories.is_empty(),
                    "categories",
                    Some(x.categories.as_str()),
                ),
            ];
            for ((given, purpose, choices), id) in options.into_iter().zip(&x.option_consent_ids) {
                if given {
                    consents.extend([
                        Text(id),
                        Text(&x.account_id),
                        Text(borne_domain::OPTIONS_TEXT_VERSION),
                        Text(language(r.consent.language)),
                        Int(x.accepted_at),
                        Int(now),
                        Text(KIOSK),
                        Int(i64::from(r.consent.staff_assisted)),
                        Text(&r.id),
                        Text(purpose),
                        MaybeText(choices),
                    ]);
                }
            }
            profiles.extend([
                Text(&x.account_id),
                Text(&p.name),
                MaybeText(non_empty(&p.first_name)),
                Text(language(p.language)),
                Text(&p.city),
                MaybeText(non_empty(&p.street)),
                MaybeText(non_empty(&p.civic_number)),
                MaybeText(non_empty(&p.apartment)),
                MaybeText(non_empty(&p.postal_code)),
                Int(i64::from(p.newsletter)),
                Int(now),
                Text(&x.categories),
            ]);
            for c in &p.contacts {
                contacts.extend([
                    Text(&x.account_id),
                    Int(i64::from(c.order)),
                    Int(i64::from(c.active)),
                    Text(&c.description),
                    Text(match c.kind {
                        wire::ContactType::Landline => "landline",
                        wire::ContactType::Mobile => "mobile",
                        wire::ContactType::Email => "email",
                    }),
                    Text(&c.value),
                    MaybeText(non_empty(&c.extension)),
                    Int(i64::from(c.extension_delay_seconds.unwrap_or(0))),
                ]);
            }
            deliveries.extend([
                Text(&x.delivery_id),
                Text(&x.account_id),
                Text(&r.id),
                Text(&r.phone),
                Text(channel(r.channel)),
                Text(language(r.language)),
                Text("pending"),
                Int(now),
                Int(now + WINDOW),
                Int(now),
                Int(now),
                Text(KIOSK),
            ]);
            confirmations.extend([
                Text(&r.id),
                Text(&x.account_id),
                Text(&r.phone),
                Text(channel(r.channel)),
                Text(language(r.language)),
                Text(KIOSK),
                Int(0),
                Text("pending"),
                Int(now),
            ]);
            registrations.extend([
                Text(&r.id),
                Text(&x.content_hash),
                Text(KIOSK),
                Text(&x.account_id),
                Text("created"),
                Int(x.captured_at),
                Int(now),
            ]);
        }
        insert_rows(
            &mut tx,
            "accounts (id, phone, language, created_at)",
            4,
            accounts,
        )
        .await?;
        insert_rows(
            &mut tx,
            "consents (id, account_id, text_version, language, accepted_at, recorded_at,
                       kiosk_id, staff_assisted, registration_id, purpose, choices)",
            11,
            consents,
        )
        .await?;
        insert_rows(
            &mut tx,
            "profiles (account_id, name, first_name, language, city, street, civic_number,
                       apartment, postal_code, newsletter, updated_at, categories)",
            12,
            profiles,
        )
        .await?;
        if !contacts.is_empty() {
            insert_rows(
                &mut tx,
                "contact_points (account_id, position, active, description, kind, value,
                                 extension, extension_delay_seconds)",
                8,
                contacts,
            )
            .await?;
        }
        insert_rows(
            &mut tx,
            "deliveries (id, account_id, registration_id, to_phone, channel, language, state,
                         next_attempt_at, expires_at, created_at, updated_at, kiosk_id)",
            12,
            deliveries,
        )
        .await?;
        insert_rows(
            &mut tx,
            "confirmations (id, account_id, phone, channel, language, kiosk_id,
                            applies_change, state, created_at)",
            9,
            confirmations,
        )
        .await?;
        insert_rows(
            &mut tx,
            "registrations (id, content_hash, kiosk_id, account_id, outcome, captured_at,
                            received_at)",
            7,
            registrations,
        )
        .await?;
        tx.commit().await?;
    }
    Ok(())
}

/// A central server on a fresh database of `engine` in `work`, listening,
/// with one enrolled kiosk; it takes `kiosks` syncs at once (at least its
/// default, 2).
async fn start_central(
    bin: &Path,
    engine: Engine,
    work: &Path,
    kiosks: usize,
) -> Result<(CentralProcess, DeviceCredential)> {
    let url = borne_central::db::scratch_database(engine, work).await?;
    let intake = kiosks.max(2).to_string();
    let mut central = CentralProcess::start_with(
        bin,
        work,
        free_port(),
        &[
            ("BORNE_DATABASE_URL", &url),
            ("BORNE_SYNC_CONCURRENCY", &intake),
        ],
    )?;
    central.wait_ready().await?;
    let enrolled = central.enroll_kiosk("Kiosque de banc d'essai").await?;
    Ok((central, enrolled))
}

/// Rows per table of a central server's database.
async fn central_rows(central: &CentralProcess) -> Result<Vec<i64>> {
    let db = AnyPool::connect(&central.database_url)
        .await
        .context("cannot open the central database")?;
    let rows = row_counts(&db).await?;
    db.close().await;
    Ok(rows)
}

// ------------------------------------------------------------ the run

#[tokio::main]
async fn main() -> Result<()> {
    let Args {
        count: n,
        engine,
        kiosks,
    } = parse_args()?;
    sqlx::any::install_default_drivers();
    let cores = std::thread::available_parallelism().map_or(0, |c| c.get());
    let batch = u32::try_from(wire::REGISTRATION_BATCH_MAX)?;
    let bin = central_bin();
    println!(
        "sync-bench: {n} registrations, {} build, {cores} cores (available_parallelism), \
         databases in {}",
        profile(),
        std::env::temp_dir().display()
    );

    // Fixtures, made before any timer starts: one set for the ingest, one
    // for the drain (the same numbers, other ids; each into a fresh
    // database).
    let fixtures = || -> Vec<wire::Registration> {
        (FIRST_INDEX..FIRST_INDEX + n)
            .map(|i| borne_e2e::registration(i, &uuid::Uuid::now_v7().to_string()))
            .collect()
    };
    let direct = fixtures();
    let registrations = fixtures();
    let consents = consent_rows(&registrations);
    let phones: HashSet<&str> = registrations.iter().map(|r| r.phone.as_str()).collect();
    ensure!(
        phones.len() == registrations.len(),
        "fixtures: {} distinct phone numbers for {n} registrations",
        phones.len()
    );
    println!(
        "central: {} on 127.0.0.1, a {} for each phase, console telephony; \
         cost breaker set to pause sends after the first code \
         (BORNE_BREAKER_PAUSE_RATIO=0.001, BORNE_BREAKER_MIN_BASELINE=1), \
         so the code-sending worker does not compete for CPU",
        bin.display(),
        engine_words(engine)
    );

    // 1. Ingest: the batches posted straight to the central server.
    let work = tempfile::tempdir()?;
    let (mut central, enrolled) = start_central(&bin, engine, work.path(), kiosks).await?;
    let client = CentralClient::new(
        &format!("http://127.0.0.1:{}", central.port),
        Some(SecretString::from(enrolled.token.clone())),
        Duration::from_secs(120),
        Arc::default(),
    )?;
    let batches: Vec<wire::RegistrationBatch> = direct
        .chunks(wire::REGISTRATION_BATCH_MAX)
        .map(|c| wire::RegistrationBatch {
            registrations: c.to_vec(),
        })
        .collect();
    // Each kiosk posts every `kiosks`-th batch, one after the other.
    let batches = Arc::new(batches);
    let started = Instant::now();
    let mut posting = tokio::task::JoinSet::new();
    for k in 0..kiosks {
        let (client, batches) = (client.clone(), Arc::clone(&batches));
        posting.spawn(async move {
            for b in batches.iter().skip(k).step_by(kiosks) {
                let answer = client
                    .send_registrations(b)
                    .await
                    .map_err(|e| anyhow::anyhow!("ingest: {e}"))?;
                ensure!(
                    answer.results.iter().all(|r| r.status == 200),
                    "ingest: a registration was not accepted: {:?}",
                    answer.results.iter().find(|r| r.status != 200)
                );
            }
            Ok(())
        });
    }
    while let Some(posted) = posting.join_next().await {
        posted??;
    }
    let ingest = started.elapsed();
    ensure_rows(
        "central database (ingest)",
        &central_rows(&central).await?,
        n,
        consents,
    )?;
    println!(
        "ingest: {} requests of {batch} posted one after the other by {kiosks} kiosk(s) at once (the kiosk's HTTP client, no queue): {}",
        batches.len(),
        timing(n, ingest)
    );
    central.kill();
    drop(work);

    // The central server of the drain.
    let work = tempfile::tempdir()?;
    let (mut central, enrolled) = start_central(&bin, engine, work.path(), kiosks).await?;

    // 2. Fill the kiosk queue.
    let kiosk = tempfile::tempdir()?;
    let (key, _) = KeyStore::File(kiosk.path().join("queue.key")).load_or_create()?;
    let queue = Queue::open(&kiosk.path().join("queue.sqlite"), &key).await?;
    let started = Instant::now();
    for r in &registrations {
        queue.enqueue(r, now_ms()).await?;
    }
    let fill = started.elapsed();
    let c = queue.counts().await?;
    ensure!(c.pending == i64::from(n), "after the fill: {c:?}");
    println!(
        "fill: {} (each enqueue is its own encrypted, fsync'd transaction)",
        timing(n, fill)
    );

    // 3. Drain it to the central server.
    let client = CentralClient::new(
        &format!("http://127.0.0.1:{}", central.port),
        Some(SecretString::from(enrolled.token.clone())),
        Duration::from_secs(120),
        Arc::default(),
    )?;
    let worker = SyncWorker::new(
        queue.clone(),
        client,
        SyncConfig {
            batch_size: batch,
            ..SyncConfig::default()
        },
        Clock::system(),
    );
    ensure!(worker.check().await, "the central server's /healthz fails");
    let started = Instant::now();
    let pass = worker.pass().await?;
    let drain = started.elapsed();
    ensure!(
        pass == Pass::Drained,
        "the pass stopped: {:?}",
        worker.report().last_error
    );
    println!(
        "drain: one SyncWorker::pass(), {} requests of {batch}: {}",
        n.div_ceil(batch),
        timing(n, drain)
    );

    // Every registration arrived once; nothing readable is left.
    let c = queue.counts().await?;
    ensure!(
        (c.acknowledged, c.pending, c.sending, c.rejected) == (i64::from(n), 0, 0, 0),
        "kiosk queue after the drain: {c:?} (expected {n} acknowledged), last error: {:?}",
        worker.report().last_error
    );
    let left = queue.with_personal_data().await?;
    ensure!(
        left == 0,
        "{left} queue rows still hold personal data after the drain"
    );
    queue.close().await;
    ensure_rows(
        "central database (drain)",
        &central_rows(&central).await?,
        n,
        consents,
    )?;
    let codes = central.codes_sent();
    println!(
        "verified: central holds {n} rows in each of {} ({consents} consent records: the \
         optional choices too); kiosk queue: {n} acknowledged, \
         0 with personal data; codes sent by the central meanwhile: {codes}",
        TABLES.join(", ")
    );
    // Done with it: the baseline runs on a quiet machine.
    central.kill();

    // 4. Baseline: the same rows, plain INSERTs, same engine and pragmas.
    let raw_dir = tempfile::tempdir()?;
    let raw_db = central_like_database(engine, raw_dir.path()).await?;
    let mut rows = Vec::with_capacity(registrations.len());
    for r in registrations {
        rows.push(Rows {
            account_id: uuid::Uuid::now_v7().to_string(),
            consent_id: uuid::Uuid::now_v7().to_string(),
            option_consent_ids: [
                uuid::Uuid::now_v7().to_string(),
                uuid::Uuid::now_v7().to_string(),
            ],
            categories: r.profile.categories.join(","),
            delivery_id: uuid::Uuid::now_v7().to_string(),
            // A SHA-256 in hex in the central; same length here.
            content_hash: format!("{:064x}", uuid::Uuid::new_v4().as_u128()),
            captured_at: unix(&r.captured_at)?,
            accepted_at: unix(&r.consent.accepted_at)?,
            r,
        });
    }
    let started = Instant::now();
    raw_insert(engine, &raw_db, &rows, wire::REGISTRATION_BATCH_MAX).await?;
    let raw = started.elapsed();
    let raw_rows = row_counts(&raw_db).await?;
    raw_db.close().await;
    ensure_rows("baseline database", &raw_rows, n, consents)?;
    println!(
        "baseline: plain INSERTs into {}, {batch} registrations per transaction: {}",
        TABLES.join(", "),
        timing(n, raw)
    );

    // 5. Summary.
    let line = |label: &str, elapsed: Duration| println!("{label:<50}{}", timing(n, elapsed));
    println!();
    println!(
        "summary ({} build, {cores} cores, kiosk queue: SQLite WAL + synchronous=FULL; central and baseline: {})",
        profile(),
        engine_words(engine)
    );
    line("kiosk queue fill (1 fsync'd transaction each):", fill);
    line(
        &format!("sync (queue -> HTTP -> central, batches of {batch}):"),
        drain,
    );
    line(
        &format!("ingest (HTTP -> central, {kiosks} kiosk(s) at once):"),
        ingest,
    );
    line("raw batched insert, same rows, same engine:", raw);
    let verdict = |met: bool| if met { "met" } else { "MISSED" };
    let ingest_ratio = rate(n, ingest) / rate(n, raw);
    let drain_ratio = rate(n, drain) / rate(n, raw);
    println!(
        "ratio ingest / raw: {:.0} % (target >= 80 %: {})",
        100.0 * ingest_ratio,
        verdict(ingest_ratio >= 0.8)
    );
    println!(
        "ratio sync / raw: {:.0} % (target >= 60 %: {})",
        100.0 * drain_ratio,
        verdict(drain_ratio >= 0.6)
    );
    if engine == Engine::Postgres {
        println!(
            "PostgreSQL ingest: {:.0} /s (target >= 5,000 /s: {})",
            rate(n, ingest),
            verdict(rate(n, ingest) >= 5_000.0)
        );
    }
    Ok(())
}
