//! Generated requests against every operation of the committed OpenAPI
//! document (`docs/openapi.json`), sent to a real central server on
//! port 0 (the API suite's `spawn_app`, so SQLite or PostgreSQL as
//! `BORNE_TEST_ENGINE` says). Every answer must be documented for its
//! operation — status, headers, media type, and the JSON body's shape —
//! and no request may panic the server, go unanswered or get a 5xx (but a
//! 503 the document lists).
//!
//! - `BORNE_FUZZ_CASES` (5000): how many requests.
//! - `BORNE_FUZZ_SEED`: the run's seed (decimal or `0x…`); random when
//!   unset, and printed either way.
//! - `BORNE_FUZZ_CASE`: replays that one case of the seed's run (printing
//!   the request and its answer).
//! - `BORNE_FUZZ_CONCURRENCY` (4): requests in flight at once.
//!
//! The figures (requests, rate, answers per operation) are printed on
//! stderr: `cargo test -p borne-central --test fuzz_api -- --nocapture`.

mod client;
mod generate;
#[path = "../api/helpers.rs"]
#[allow(dead_code)]
mod helpers;
mod oracle;
mod spec;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use borne_central::telephony::twilio_signature;
use serde_json::Value;

use client::Resolved;
use generate::{HeaderValue, Part, Request, Secret};
use helpers::{code_in, spawn_app_with, TestApp};
use oracle::Received;
use spec::Spec;

const ADMIN_TOKEN: &str = "fuzz-admin-token-0123456789abcdef-0123456789";
const WEBHOOK_TOKEN: &str = "fuzz-webhook-token";
const PUBLIC_URL: &str = "https://alertes.mille-isles.test";
/// Live resident sessions the harness keeps.
const SESSIONS: usize = 4;

/// Panics anywhere in this process (the server runs in it), with where.
static PANICS: Mutex<Vec<String>> = Mutex::new(Vec::new());

fn catch_panics() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        PANICS
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(info.to_string());
        previous(info);
    }));
}

fn panics_so_far() -> usize {
    PANICS.lock().unwrap_or_else(|e| e.into_inner()).len()
}

#[derive(Debug)]
struct Settings {
    cases: u64,
    seed: u64,
    only: Option<u64>,
    concurrency: usize,
}

impl Settings {
    fn from_env() -> Self {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let number = |text: String| {
            let text = text.trim().replace('_', "");
            match text.strip_prefix("0x") {
                Some(hex) => u64::from_str_radix(hex, 16),
                None => text.parse(),
            }
            .unwrap_or_else(|_| panic!("not a number: {text}"))
        };
        Self {
            cases: var("BORNE_FUZZ_CASES").map_or(5_000, number),
            seed: var("BORNE_FUZZ_SEED").map_or_else(rand::random, number),
            only: var("BORNE_FUZZ_CASE").map(number),
            concurrency: var("BORNE_FUZZ_CONCURRENCY")
                .map_or(4, |c| usize::try_from(number(c)).unwrap_or(4).max(1)),
        }
    }
}

/// The server, and what the harness holds to open its doors.
struct Rig {
    app: TestApp,
    revoked_kiosk: String,
    /// The kiosk that opens sessions for the harness, so the fuzzed
    /// kiosk's caps and failures do not stand in the way.
    setup_kiosk: String,
    /// The harness's own client: a new connection for each request.
    own: reqwest::Client,
    /// Live resident sessions; one a request deletes is replaced.
    sessions: Mutex<Vec<String>>,
    opening: AtomicUsize,
    next_session: AtomicUsize,
    sessions_opened: AtomicUsize,
    /// Ids the server handed out (deliveries, registrations, pending
    /// changes): path parameters that exist.
    known_ids: Mutex<Vec<String>>,
}

impl Rig {
    async fn start() -> Arc<Self> {
        let app = spawn_app_with(|c| {
            c.admin_token_hash = Some(borne_central::codes::token_hash(ADMIN_TOKEN));
            c.public_url = Some(PUBLIC_URL.into());
            c.console_webhook_token = Some(WEBHOOK_TOKEN.to_string().into());
            // The harness opens a session for each one a request deletes,
            // and thousands of codes go out: no kiosk cap, no breaker.
            c.limits.kiosk_per_hour = 0;
            c.limits.breaker_min_baseline_per_hour = 1e12;
        })
        .await;
        let (revoked_id, revoked_kiosk) = app.enroll("Kiosque révoqué").await;
        let store = borne_central::db::Store::connect(&app.db_url)
            .await
            .unwrap();
        store
            .revoke_kiosk(&revoked_id, borne_central::db::now())
            .await
            .unwrap();
        let (_, setup_kiosk) = app.enroll("Accueil").await;
        let rig = Arc::new(Self {
            app,
            revoked_kiosk,
            setup_kiosk,
            own: reqwest::Client::builder()
                .pool_max_idle_per_host(0)
                .build()
                .unwrap(),
            sessions: Mutex::new(Vec::new()),
            opening: AtomicUsize::new(0),
            next_session: AtomicUsize::new(0),
            sessions_opened: AtomicUsize::new(0),
            known_ids: Mutex::new(Vec::new()),
        });
        for _ in 0..SESSIONS {
            let session = rig.open_session().await;
            rig.sessions.lock().unwrap().push(session);
        }
        rig
    }

    fn secret(&self, secret: Secret) -> String {
        match secret {
            Secret::Kiosk => self.app.kiosk_token.clone(),
            Secret::RevokedKiosk => self.revoked_kiosk.clone(),
            Secret::Admin => ADMIN_TOKEN.into(),
            Secret::Session => {
                let sessions = self.sessions.lock().unwrap();
                let n = self.next_session.fetch_add(1, Ordering::Relaxed);
                match sessions.len() {
                    0 => "no-live-session".into(),
                    len => sessions[n % len].clone(),
                }
            }
        }
    }

    /// Signs up a number of its own at the setup kiosk and logs in, on
    /// connections of its own (the fuzzed ones may be closed under it).
    async fn open_session(&self) -> String {
        let n = self.sessions_opened.fetch_add(1, Ordering::Relaxed);
        let phone = format!("+1873{:03}{:04}", 200 + n / 10_000, n % 10_000);
        let post = |path: &str, body: Value| {
            self.own
                .post(self.app.url(path))
                .bearer_auth(&self.setup_kiosk)
                .json(&body)
                .send()
        };
        let r = post("/v1/signup", helpers::signup_body(&phone, "sms"))
            .await
            .unwrap();
        assert_eq!(r.status(), 202, "the harness's own signup");
        let sent = self
            .app
            .sent_when(|lines| lines.iter().any(|l| l["to"] == phone.as_str()))
            .await;
        let text = sent
            .iter()
            .rev()
            .find(|l| l["to"] == phone.as_str())
            .and_then(|l| l["text"].as_str())
            .expect("the harness's code was sent");
        let r = post(
            "/v1/login",
            serde_json::json!({"phone": phone, "code": code_in(text)}),
        )
        .await
        .unwrap();
        assert_eq!(r.status(), 200, "the harness's own login");
        let body: Value = r.json().await.unwrap();
        body["session_token"].as_str().unwrap().to_owned()
    }

    /// Opens sessions in the background until there are `SESSIONS`.
    fn refill_sessions(self: &Arc<Self>) {
        loop {
            let live = self.sessions.lock().unwrap().len();
            let opening = self.opening.load(Ordering::Acquire);
            if live + opening >= SESSIONS
                || self
                    .opening
                    .compare_exchange(opening, opening + 1, Ordering::AcqRel, Ordering::Acquire)
                    .is_err()
            {
                return;
            }
            let rig = self.clone();
            tokio::spawn(async move {
                let fresh = rig.open_session().await;
                rig.sessions.lock().unwrap().push(fresh);
                rig.opening.fetch_sub(1, Ordering::AcqRel);
            });
        }
    }

    fn target(&self, request: &Request) -> String {
        let known = self.known_ids.lock().unwrap();
        request
            .target
            .iter()
            .map(|p| match p {
                Part::Text(t) => t.clone(),
                Part::KnownId(n) if known.is_empty() => format!("unknown-{n}"),
                Part::KnownId(n) => known[n % known.len()].clone(),
            })
            .collect()
    }

    /// The request as it goes out: ids, secrets and the signature
    /// filled in.
    /// Also the session the server reads, when it is one of the harness's.
    fn resolve(&self, request: &Request) -> Result<(Resolved, Option<String>), String> {
        let target = self.target(request);
        let mut session = None;
        let mut session_header_seen = false;
        // The administration routes live on their own listener (the
        // public one answers 404 for them: tests/api/hardening.rs).
        let on_admin = target.starts_with("/v1/admin/") || target.starts_with("/metrics");
        let base = if on_admin {
            self.app.admin_url(&target)
        } else {
            self.app.url(&target)
        };
        let url = reqwest::Url::parse(&base).map_err(|e| e.to_string())?;
        let mut headers = Vec::new();
        for (name, value) in &request.headers {
            let bytes = match value {
                HeaderValue::Bytes(b) => b.clone(),
                HeaderValue::Secret(prefix, s) => {
                    let secret = self.secret(*s);
                    if *s == Secret::Session && !session_header_seen {
                        session = Some(secret.clone());
                    }
                    format!("{prefix}{secret}").into_bytes()
                }
                HeaderValue::TwilioSignature => {
                    let signed = match url.query() {
                        Some(q) => format!("{PUBLIC_URL}{}?{q}", url.path()),
                        None => format!("{PUBLIC_URL}{}", url.path()),
                    };
                    let params: Vec<(String, String)> =
                        form_urlencoded::parse(&request.body).into_owned().collect();
                    twilio_signature(WEBHOOK_TOKEN, &signed, &params).into_bytes()
                }
            };
            let name = reqwest::header::HeaderName::from_bytes(name.as_bytes())
                .map_err(|e| format!("harness: header name {name}: {e}"))?;
            let value = reqwest::header::HeaderValue::from_bytes(&bytes)
                .map_err(|e| format!("harness: header value: {e}"))?;
            session_header_seen |= name == borne_protocol::SESSION_HEADER;
            headers.push((name, value));
        }
        let resolved = Resolved {
            method: reqwest::Method::from_bytes(request.method.as_bytes()).unwrap(),
            url,
            headers,
            body: request.body.clone(),
        };
        Ok((resolved, session))
    }

    /// Keeps the ids an answer hands out, and notices a session that ended.
    fn learn(self: &Arc<Self>, session: Option<&str>, answer: &Received) {
        let Ok(json) = serde_json::from_slice::<Value>(&answer.body) else {
            return;
        };
        let mut ids = Vec::new();
        if let Some(id) = json["delivery_id"].as_str() {
            ids.push(id.to_owned());
        }
        for r in json["results"].as_array().into_iter().flatten() {
            if r["status"] == 200 {
                ids.extend(r["id"].as_str().map(str::to_owned));
            }
        }
        if let Some(id) = json["pending_change"]["id"].as_str() {
            ids.push(id.to_owned());
        }
        if !ids.is_empty() {
            let mut known = self.known_ids.lock().unwrap();
            known.extend(ids);
            if known.len() > 1000 {
                known.drain(..500);
            }
        }
        if let (Some(ended), "session.expired") = (session, json["code"].as_str().unwrap_or("")) {
            self.sessions.lock().unwrap().retain(|s| s != ended);
            self.refill_sessions();
        }
    }
}

/// One answer that breaks the contract.
#[derive(Debug)]
struct Finding {
    case: u64,
    operation: String,
    problem: String,
    request: String,
    answer: String,
}

#[derive(Debug, Default)]
struct Tally {
    /// Operation → status → answers.
    statuses: BTreeMap<String, BTreeMap<u16, u64>>,
    findings: Vec<Finding>,
}

/// Printable bytes: text as it is, the rest escaped, long ones cut.
fn printable(bytes: &[u8], limit: usize) -> String {
    let shown = &bytes[..bytes.len().min(limit)];
    let mut text = String::from_utf8_lossy(shown).escape_debug().to_string();
    if std::str::from_utf8(shown).is_err() {
        text = shown.escape_ascii().to_string();
    }
    if bytes.len() > limit {
        text.push_str(&format!("… ({} bytes)", bytes.len()));
    }
    text
}

fn describe_request(rig: &Rig, request: &Request) -> String {
    let mut out = format!(
        "{} {}",
        request.method,
        printable(rig.target(request).as_bytes(), 300)
    );
    for (name, value) in &request.headers {
        let shown = match value {
            HeaderValue::Bytes(b) => printable(b, 200),
            HeaderValue::Secret(prefix, s) => format!("{prefix}<{s:?}>"),
            HeaderValue::TwilioSignature => "<valid signature>".into(),
        };
        out.push_str(&format!("\n      {name}: {shown}"));
    }
    if !request.body.is_empty() {
        out.push_str(&format!("\n      body: {}", printable(&request.body, 600)));
    }
    out
}

fn describe_answer(answer: &Result<Received, String>) -> String {
    match answer {
        Ok(a) => format!(
            "{} {} {}",
            a.status,
            a.header("content-type").unwrap_or("(no content type)"),
            printable(&a.body, 400)
        ),
        Err(e) => e.clone(),
    }
}

async fn run(spec: Arc<Spec>, rig: Arc<Rig>, settings: &Settings) -> (Tally, u64, Duration) {
    let tally = Arc::new(Mutex::new(Tally::default()));
    let (first, last) = match settings.only {
        Some(case) => (case, case + 1),
        None => (0, settings.cases),
    };
    let next = Arc::new(AtomicU64::new(first));
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..settings.concurrency {
        let (spec, rig, tally, next) = (spec.clone(), rig.clone(), tally.clone(), next.clone());
        let seed = settings.seed;
        let replay = settings.only.is_some();
        workers.push(tokio::spawn(async move {
            loop {
                let case = next.fetch_add(1, Ordering::Relaxed);
                if case >= last {
                    return;
                }
                let op_index = usize::try_from(case).unwrap() % spec.operations.len();
                let op = &spec.operations[op_index];
                let request = generate::request(&spec, op_index, generate::case_seed(seed, case));
                let panics_before = panics_so_far();
                let (answer, session) = match rig.resolve(&request) {
                    Ok((resolved, session)) => {
                        (client::send(&rig.app.http, &resolved).await, session)
                    }
                    Err(e) => (Err(e), None),
                };
                let mut problem = match &answer {
                    Ok(a) => oracle::judge(&spec, op, a),
                    Err(e) => Some(e.clone()),
                };
                if panics_so_far() > panics_before {
                    let panics = PANICS.lock().unwrap_or_else(|e| e.into_inner());
                    problem = Some(format!(
                        "the server panicked: {}",
                        panics[panics_before..].join(" | ")
                    ));
                }
                if let Ok(a) = &answer {
                    rig.learn(session.as_deref(), a);
                }
                if replay {
                    eprintln!(
                        "case {case}: {}\n    answer: {}",
                        describe_request(&rig, &request),
                        describe_answer(&answer)
                    );
                }
                let mut t = tally.lock().unwrap();
                if let Ok(a) = &answer {
                    *t.statuses
                        .entry(op.name())
                        .or_default()
                        .entry(a.status)
                        .or_default() += 1;
                }
                if let Some(problem) = problem {
                    t.findings.push(Finding {
                        case,
                        operation: op.name(),
                        problem,
                        request: describe_request(&rig, &request),
                        answer: describe_answer(&answer),
                    });
                }
            }
        }));
    }
    for w in workers {
        w.await.unwrap();
    }
    let elapsed = started.elapsed();
    let tally = Arc::try_unwrap(tally).unwrap().into_inner().unwrap();
    (tally, last - first, elapsed)
}

fn report(spec: &Spec, settings: &Settings, tally: &Tally, sent: u64, elapsed: Duration) -> String {
    let rate = sent as f64 / elapsed.as_secs_f64().max(1e-9);
    let mut out = format!(
        "fuzz_api: seed {:#x}: {sent} requests over {} operations in {:.1} s ({rate:.0} requests/s), engine {}, {} finding(s)\n",
        settings.seed,
        spec.operations.len(),
        elapsed.as_secs_f64(),
        borne_central::db::test_engine().as_str(),
        tally.findings.len(),
    );
    for (op, statuses) in &tally.statuses {
        let counts: Vec<String> = statuses.iter().map(|(s, n)| format!("{s}×{n}")).collect();
        out.push_str(&format!("  {op:<42} {}\n", counts.join(" ")));
    }
    // The first finding of each kind, in full.
    let mut seen = std::collections::BTreeSet::new();
    for f in &tally.findings {
        let kind: String = f.problem.chars().take(60).collect();
        if !seen.insert((f.operation.clone(), kind)) {
            continue;
        }
        out.push_str(&format!(
            "\nFINDING (seed {:#x}, case {}): {}: {}\n    request: {}\n    answer: {}\n    replay: BORNE_FUZZ_SEED={:#x} BORNE_FUZZ_CASE={} cargo test -p borne-central --test fuzz_api -- --nocapture\n",
            settings.seed, f.case, f.operation, f.problem, f.request, f.answer, settings.seed, f.case
        ));
    }
    if tally.findings.len() > seen.len() {
        out.push_str(&format!(
            "\n({} more finding(s) of the kinds above)\n",
            tally.findings.len() - seen.len()
        ));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_answers_as_documented() {
    catch_panics();
    let settings = Settings::from_env();
    eprintln!("fuzz_api: seed {:#x}", settings.seed);
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/openapi.json");
    let spec = Arc::new(Spec::parse(&std::fs::read_to_string(path).unwrap()));
    let rig = Rig::start().await;
    let (tally, sent, elapsed) = run(spec.clone(), rig.clone(), &settings).await;
    let text = report(&spec, &settings, &tally, sent, elapsed);
    eprintln!("{text}");
    // The server still answers, and the harness reached every operation.
    let r = rig.app.http.get(rig.app.url("/healthz")).send().await;
    assert!(
        r.is_ok_and(|r| r.status() == 200),
        "the server stopped answering\n{text}"
    );
    // (A run too short to reach every operation's handler is not judged.)
    if settings.only.is_none() && settings.cases >= 1_000 {
        for op in &spec.operations {
            assert!(
                tally
                    .statuses
                    .get(&op.name())
                    .is_some_and(|s| s.keys().any(|st| *st != 401 && *st != 403)),
                "no request to {} got past its credentials\n{text}",
                op.name()
            );
        }
    }
    assert!(tally.findings.is_empty(), "{text}");
}
