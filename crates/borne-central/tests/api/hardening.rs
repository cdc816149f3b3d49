//! The server in a hostile world: what a client may hold of it (a
//! connection, a body, a turn at argon2) and for how long, and the
//! administration routes kept off the public listener. Raw TCP where a
//! well-behaved HTTP client cannot misbehave on purpose.

use std::future::Future;
use std::time::{Duration, Instant};

use borne_central::config::{Hashing, HttpLimits};
use serde_json::{json, Value};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::*;
use crate::registrations::{id, registration};

const ADMIN: &str = "admin-token-0123456789-0123456789-abcdef";

/// A safety net, not a measure: a server that never answers fails the
/// test instead of hanging it.
async fn guard<T>(work: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(120), work)
        .await
        .expect("the server neither answered nor closed the connection")
}

/// A raw connection to the public listener.
async fn connect(app: &TestApp) -> TcpStream {
    TcpStream::connect(app.base.trim_start_matches("http://"))
        .await
        .unwrap()
}

/// One response off a raw connection: its status, its head (lower case)
/// and its JSON body (`Content-Length` long).
async fn read_response(stream: &mut (impl AsyncRead + Unpin)) -> (u16, String, Value) {
    let mut bytes = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = bytes.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = stream.read(&mut chunk).await.unwrap();
        assert!(n > 0, "closed before an answer");
        bytes.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8(bytes[..head_end].to_vec())
        .unwrap()
        .to_ascii_lowercase();
    let status: u16 = head[9..12].parse().unwrap();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .map_or(0, |v| v.trim().parse().unwrap());
    while bytes.len() < head_end + length {
        let n = stream.read(&mut chunk).await.unwrap();
        assert!(n > 0, "closed in the middle of an answer");
        bytes.extend_from_slice(&chunk[..n]);
    }
    let body = serde_json::from_slice(&bytes[head_end..head_end + length]).unwrap_or(Value::Null);
    (status, head, body)
}

const HEALTHZ: &[u8] = b"GET /healthz HTTP/1.1\r\nHost: borne\r\n\r\n";

#[tokio::test]
async fn a_client_that_sends_half_a_header_is_cut_after_the_header_timeout() {
    let app = spawn_app_with(|c| c.http.header_timeout = Duration::from_secs(1)).await;
    let mut slow = connect(&app).await;
    let started = Instant::now();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: borne\r\nX-Slow: ")
        .await
        .unwrap();
    let mut answer = Vec::new();
    // The server closes the connection (end of stream, or a reset).
    let _ = guard(slow.read_to_end(&mut answer)).await;
    assert!(
        answer.is_empty(),
        "closed without an answer: {}",
        String::from_utf8_lossy(&answer)
    );
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "cut by the timer, not refused at once"
    );
    // A whole head is answered, on a connection of its own.
    let mut whole = connect(&app).await;
    whole.write_all(HEALTHZ).await.unwrap();
    assert_eq!(guard(read_response(&mut whole)).await.0, 200);
    drop(whole);
    app.stop().await;
}

#[tokio::test]
async fn a_body_that_trickles_is_answered_408() {
    let app = spawn_app_with(|c| c.http.body_timeout = Duration::from_secs(1)).await;
    let (mut read, mut write) = connect(&app).await.into_split();
    let head = format!(
        "POST /v1/signup HTTP/1.1\r\nHost: borne\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{{",
        app.kiosk_token
    );
    write.write_all(head.as_bytes()).await.unwrap();
    // A byte every 100 ms: the whole body would take 100 s.
    let trickle = tokio::spawn(async move {
        for _ in 0..999 {
            if write.write_all(b" ").await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
    let (status, head, body) = guard(read_response(&mut read)).await;
    assert_eq!(status, 408, "{head}");
    assert_eq!(body["code"], "request.timeout", "{body}");
    assert!(head.contains("connection: close"), "{head}");
    assert!(head.contains("borne-api-version"), "{head}");
    trickle.abort();
    app.stop().await;
}

#[tokio::test]
async fn an_oversized_body_is_413_in_the_house_shape() {
    let app = spawn_app().await;
    let limit = HttpLimits::default().body_limit;
    // Announced by its length, on a kiosk route.
    let big = json!({ "phone": "5".repeat(limit) });
    let r = app.post("/v1/signup", &big).send().await.unwrap();
    assert!(r.headers().contains_key("borne-api-version"));
    let (status, body) = error_code(r).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (413, Some("request.too_large"))
    );
    assert!(body["message"]
        .as_str()
        .unwrap()
        .contains(&limit.to_string()));
    // Sent in chunks without a length, on routes without a kiosk token:
    // found out while reading.
    for (path, content_type) in [
        ("/v1/kiosks/enroll", "application/json"),
        ("/v1/twilio/incoming", "application/x-www-form-urlencoded"),
    ] {
        let mut stream = connect(&app).await;
        let chunk = vec![b'a'; limit + 1];
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: borne\r\nContent-Type: {content_type}\r\n\
             Transfer-Encoding: chunked\r\n\r\n{:x}\r\n",
            chunk.len()
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        stream.write_all(&chunk).await.unwrap();
        stream.write_all(b"\r\n0\r\n\r\n").await.unwrap();
        let (status, head, body) = guard(read_response(&mut stream)).await;
        assert_eq!(status, 413, "{path}: {head}");
        assert_eq!(body["code"], "request.too_large", "{path}: {body}");
        assert!(head.contains("content-type: application/json"), "{head}");
    }
    app.stop().await;
}

/// The largest registration a kiosk can legitimately send: every text at
/// its longest in 4-byte characters (the most UTF-8 takes per
/// character), ten contact points of the longest kind (e-mail, 252
/// bytes), every category of a town that offers twenty, an owner session.
fn largest_registration(id: &str, phone: &str, categories: &[String]) -> Value {
    let wide = |n: usize| "𝄞".repeat(n);
    let email = format!("{}@{}.{}", wide(16), "é".repeat(47), "é".repeat(46));
    let contacts: Vec<Value> = (1..=10)
        .map(|order| {
            json!({
                "active": true, "description": wide(60), "kind": "email", "value": email,
                "extension": "", "extension_delay_seconds": null, "order": order
            })
        })
        .collect();
    let mut consent = consent();
    consent["kiosk_id"] = json!(wide(100));
    json!({
        "id": id,
        "captured_at": "2026-11-26T10:00:00Z",
        "phone": phone,
        "channel": "voice",
        "language": "fr",
        "consent": consent,
        "profile": {
            "name": wide(100), "first_name": wide(100), "language": "fr",
            "city": wide(100), "street": wide(100), "civic_number": "1234567890",
            "apartment": wide(10), "postal_code": "J0R 1A0", "newsletter": true,
            "contacts": contacts, "categories": categories
        },
        "owner_session": "f".repeat(64)
    })
}

#[tokio::test]
async fn the_sync_route_takes_a_full_batch_of_the_largest_registrations() {
    let categories: Vec<String> = (0..borne_domain::MAX_CATEGORIES)
        .map(|i| format!("{:_<40}", format!("category_{i:02}")))
        .collect();
    let offered = categories.clone();
    let app = spawn_app_with(move |c| {
        c.categories = offered;
        c.limits.kiosk_registrations_per_hour = 0;
    })
    .await;
    let batch: Vec<Value> = (0..borne_protocol::REGISTRATION_BATCH_MAX)
        .map(|i| largest_registration(&id(), &format!("514 555-{:04}", 1000 + i), &categories))
        .collect();
    let one = serde_json::to_vec(&batch[0]).unwrap().len();
    assert!(
        one <= HttpLimits::REGISTRATION_BYTES,
        "the largest registration takes {one} bytes"
    );
    let batch = json!({ "registrations": batch });
    let size = serde_json::to_vec(&batch).unwrap().len();
    let limits = HttpLimits::default();
    assert!(
        size > limits.body_limit && size <= limits.batch_body_limit,
        "{size} bytes"
    );
    let r = app.post("/v1/registrations", &batch).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let answer: Value = r.json().await.unwrap();
    let results = answer["results"].as_array().unwrap();
    assert_eq!(results.len(), borne_protocol::REGISTRATION_BATCH_MAX);
    assert!(
        results.iter().all(|r| r["outcome"] == "accepted"),
        "{answer}"
    );
    // Past the batch's own limit, the same refusal as anywhere else.
    let over = json!({ "registrations": [], "pad": "x".repeat(limits.batch_body_limit) });
    let (status, body) =
        error_code(app.post("/v1/registrations", &over).send().await.unwrap()).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (413, Some("request.too_large"))
    );
    app.stop().await;
}

#[tokio::test]
async fn with_every_connection_taken_the_next_one_waits_until_one_closes() {
    let mut app = spawn_app_with(|c| {
        c.http.max_connections = 2;
        c.http.header_timeout = Duration::from_secs(300);
    })
    .await;
    // The client that enrolled the kiosk keeps a connection in its pool.
    app.http = reqwest::Client::new();
    let mut first = connect(&app).await;
    let mut second = connect(&app).await;
    for held in [&mut first, &mut second] {
        held.write_all(HEALTHZ).await.unwrap();
        assert_eq!(guard(read_response(held)).await.0, 200);
    }
    // Both stay open (keep-alive): the third is not taken in.
    let mut third = connect(&app).await;
    third.write_all(HEALTHZ).await.unwrap();
    let mut byte = [0u8; 1];
    assert!(
        tokio::time::timeout(Duration::from_secs(1), third.read(&mut byte))
            .await
            .is_err(),
        "answered while both connections were open"
    );
    // The administration listener has connections of its own.
    let r = app
        .http
        .get(app.admin_url("/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    drop(first);
    assert_eq!(guard(read_response(&mut third)).await.0, 200);
    drop((second, third));
    app.stop().await;
}

#[tokio::test]
async fn a_saturated_argon2_gate_answers_503_server_busy_with_retry_after() {
    let app = spawn_app_with(|c| {
        c.hashing = Hashing {
            concurrency: 1,
            wait: Duration::ZERO,
        }
    })
    .await;
    let turn = app.hashes.turn().await.unwrap();
    for r in [
        app.signup("514 555-0142", "sms").await,
        app.login("514 555-0142", "123456").await,
    ] {
        assert_eq!(r.status(), 503);
        assert_eq!(r.headers()["retry-after"], "1");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["code"], "server.busy", "{body}");
        assert_eq!(body["retry_after_seconds"], 1);
    }
    drop(turn);
    // Nothing was written nor counted: the same resident goes through.
    app.session("514 555-0142").await;
    app.stop().await;
}

#[tokio::test]
async fn a_request_not_answered_in_time_is_503_server_timeout() {
    let app = spawn_app_with(|c| c.http.request_timeout = Duration::from_secs(1)).await;
    let batch = json!({ "registrations": [registration(&id(), "514 555-0160", "Gagnon")] });
    let mut blocker = app.hold_database().await;
    let r = app.post("/v1/registrations", &batch).send().await.unwrap();
    assert_eq!(r.status(), 503);
    assert_eq!(r.headers()["retry-after"], "5");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["code"], "server.timeout", "{body}");
    sqlx::query("COMMIT").execute(&mut blocker).await.unwrap();
    // The kiosk retries: stored once.
    let r = app.post("/v1/registrations", &batch).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let answer: Value = r.json().await.unwrap();
    assert_eq!(answer["results"][0]["outcome"], "accepted", "{answer}");
    app.stop().await;
}

#[tokio::test]
async fn administration_routes_are_on_the_admin_listener_only() {
    let app = spawn_app_with(|c| {
        c.admin_token_hash = Some(borne_central::codes::token_hash(ADMIN));
    })
    .await;
    for path in [
        "/v1/admin/contacts.csv",
        "/v1/admin/confirmations",
        "/metrics",
    ] {
        let public = app
            .http
            .get(app.url(path))
            .bearer_auth(ADMIN)
            .send()
            .await
            .unwrap();
        let (status, body) = error_code(public).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (404, Some("not_found")),
            "{path}"
        );
        let admin = app
            .http
            .get(app.admin_url(path))
            .bearer_auth(ADMIN)
            .send()
            .await
            .unwrap();
        assert_eq!(admin.status(), 200, "{path}");
    }
    let resend = "/v1/admin/confirmations/0190b2a4-0000-7000-8000-000000000000/resend";
    let r = app
        .http
        .post(app.url(resend))
        .bearer_auth(ADMIN)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let r = app
        .http
        .post(app.admin_url(resend))
        .bearer_auth(ADMIN)
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        404,
        "no such registration, on the right listener"
    );
    // The probes answer on both; the kiosks' routes only on the public one.
    for base in [&app.base, &app.admin_base] {
        for probe in ["/healthz", "/readyz"] {
            let r = app.http.get(format!("{base}{probe}")).send().await.unwrap();
            assert_eq!(r.status(), 200, "{base}{probe}");
        }
    }
    let r = app
        .http
        .post(app.admin_url("/v1/signup"))
        .bearer_auth(&app.kiosk_token)
        .json(&signup_body("514 555-0142", "sms"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let r = app
        .http
        .get(app.admin_url("/v1/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    app.stop().await;
}
