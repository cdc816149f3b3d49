//! `CentralClient` against a stand-in central server (wiremock): what it
//! sends, and what it refuses to do.

use std::sync::Arc;
use std::time::Duration;

use borne_kiosk_core::{CentralClient, ClientError};
use borne_protocol::SESSION_HEADER;
use secrecy::SecretString;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const DEVICE_TOKEN: &str = "device-token-of-this-kiosk";
const SESSION: &str = "the-resident-session";

fn client(base: &str) -> CentralClient {
    borne_kiosk_core::install_crypto_provider();
    CentralClient::new(
        base,
        Some(SecretString::from(DEVICE_TOKEN)),
        Duration::from_secs(5),
        Arc::default(),
    )
    .unwrap()
}

/// Every request `server` received, as `METHOD path`.
async fn seen(server: &MockServer) -> Vec<String> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .map(|r| format!("{} {}", r.method, r.url.path()))
        .collect()
}

#[tokio::test]
async fn a_redirect_is_never_followed_with_the_session_header() {
    let central = MockServer::start().await;
    let elsewhere = MockServer::start().await;
    // One redirect to another path of the same server, one to another server.
    Mock::given(method("GET"))
        .and(path("/v1/me"))
        .respond_with(ResponseTemplate::new(302).insert_header("location", "/v1/moved"))
        .mount(&central)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/v1/me"))
        .respond_with(
            ResponseTemplate::new(307)
                .insert_header("location", format!("{}/collect", elsewhere.uri())),
        )
        .mount(&central)
        .await;
    for target in [&central, &elsewhere] {
        Mock::given(wiremock::matchers::any())
            .respond_with(ResponseTemplate::new(200).set_body_string("{}"))
            .mount(target)
            .await;
    }
    let c = client(&central.uri());
    let session = SecretString::from(SESSION);

    // Not followed, and not taken for the central server's answer: what
    // redirects (a captive portal, a proxy) stands between the kiosk and
    // it, which is out of reach (the offline path).
    match c.my_data(&session).await {
        Err(ClientError::Unreachable(why)) if why.contains("302") => {}
        other => panic!("a redirect must not be followed: {other:?}"),
    }
    match c.delete_me(&session).await {
        Err(ClientError::Unreachable(why)) if why.contains("307") => {}
        other => panic!("a redirect must not be followed: {other:?}"),
    }
    assert_eq!(seen(&central).await, ["GET /v1/me", "DELETE /v1/me"]);
    assert!(
        seen(&elsewhere).await.is_empty(),
        "the other server got {:?}",
        seen(&elsewhere).await
    );
}

#[tokio::test]
async fn end_session_deletes_the_session_with_its_header() {
    let central = MockServer::start().await;
    Mock::given(method("DELETE"))
        .and(path("/v1/session"))
        .and(header(SESSION_HEADER, SESSION))
        .and(header("authorization", format!("Bearer {DEVICE_TOKEN}")))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&central)
        .await;
    client(&central.uri())
        .end_session(&SecretString::from(SESSION))
        .await
        .unwrap();
}

#[tokio::test]
async fn a_busy_server_is_an_answer_to_wait_not_an_outage() {
    let central = MockServer::start().await;
    let busy = serde_json::json!({
        "code": "server.busy", "message": "busy", "retry_after_seconds": 1
    });
    Mock::given(method("POST"))
        .and(path("/v1/registrations"))
        .respond_with(
            ResponseTemplate::new(503)
                .insert_header("retry-after", "1")
                .set_body_json(busy),
        )
        .up_to_n_times(1)
        .mount(&central)
        .await;
    // A proxy's 503 in front of a server that is down.
    Mock::given(method("POST"))
        .and(path("/v1/registrations"))
        .respond_with(ResponseTemplate::new(503).set_body_string("<html>down</html>"))
        .mount(&central)
        .await;
    let c = client(&central.uri());
    let batch = borne_protocol::RegistrationBatch {
        registrations: Vec::new(),
    };

    match c.send_registrations(&batch).await {
        Err(e @ ClientError::Api { status: 503, .. }) => {
            assert_eq!(
                borne_kiosk_core::told_to_wait(&e),
                Some(Duration::from_secs(1))
            );
        }
        other => panic!("503 server.busy is an answer: {other:?}"),
    }
    assert!(c.connectivity().is_online(), "busy is not offline");

    match c.send_registrations(&batch).await {
        Err(ClientError::Unreachable(_)) => {}
        other => panic!("another 503 is an outage: {other:?}"),
    }
    assert!(!c.connectivity().is_online());
}

/// A library's captive portal answers every request with a redirect to its
/// login page: that is not the central server, which is out of reach, so
/// the kiosk takes registrations offline instead of failing them online.
#[tokio::test]
async fn a_captive_portal_is_not_the_central_server() {
    let portal = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(
            ResponseTemplate::new(302).insert_header("location", "http://portal.example/login"),
        )
        .mount(&portal)
        .await;
    match client(&portal.uri()).health().await {
        Err(ClientError::Unreachable(_)) => {}
        other => panic!("a portal's redirect is no answer: {other:?}"),
    }
}
