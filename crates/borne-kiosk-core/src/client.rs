//! HTTP client for the central server's `/v1` API.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use borne_protocol::{self as wire, ErrorBody, API_VERSION, API_VERSION_HEADER, SESSION_HEADER};
use reqwest::{Method, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::Connectivity;

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// Connection refused, DNS, timeout: the central server cannot be reached.
    #[error("central server unreachable: {0}")]
    Unreachable(String),
    /// The server answered with an API error.
    #[error("central server refused ({status}): {body}")]
    Api { status: u16, body: ErrorBody },
    /// The server speaks another major API version.
    #[error("central server speaks API {0}, this kiosk {API_VERSION}")]
    Incompatible(String),
    /// The server answered something this kiosk cannot read.
    #[error("unexpected answer from the central server: {0}")]
    Protocol(String),
}

/// Who a request speaks for.
#[derive(Debug, Clone, Copy)]
enum As<'a> {
    /// Nobody yet: `/healthz` and enrollment.
    Nobody,
    /// The kiosk, with its device token.
    Kiosk,
    /// A logged-in resident at this kiosk: the device token and their session.
    Resident(&'a SecretString),
}

#[derive(Debug, Clone)]
pub struct CentralClient {
    http: reqwest::Client,
    base: String,
    /// The device token from enrollment; `None` until the kiosk is enrolled.
    kiosk_token: Arc<RwLock<Option<SecretString>>>,
    /// Told of every answer and every failure to reach the server.
    connectivity: Arc<Connectivity>,
}

impl CentralClient {
    pub fn new(
        base: &str,
        kiosk_token: Option<SecretString>,
        timeout: Duration,
        connectivity: Arc<Connectivity>,
    ) -> Result<Self, ClientError> {
        crate::install_crypto_provider();
        let http = reqwest::Client::builder()
            // A redirect would carry the device token and the resident's
            // session header wherever the answer points: none is followed
            // (a 3xx is an answer this kiosk cannot read).
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(3).min(timeout))
            .timeout(timeout)
            .user_agent(concat!("borne-kiosk/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ClientError::Protocol(e.to_string()))?;
        Ok(Self {
            http,
            base: base.trim_end_matches('/').to_owned(),
            kiosk_token: Arc::new(RwLock::new(kiosk_token)),
            connectivity,
        })
    }

    pub fn connectivity(&self) -> &Arc<Connectivity> {
        &self.connectivity
    }

    /// After enrollment: every clone of this client uses the new token.
    pub fn set_token(&self, token: SecretString) {
        *self.kiosk_token.write().unwrap_or_else(|e| e.into_inner()) = Some(token);
    }

    pub fn is_enrolled(&self) -> bool {
        self.token().is_some()
    }

    /// The device token, for the updater's requests to the same server.
    pub(crate) fn token(&self) -> Option<SecretString> {
        self.kiosk_token
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// `POST /v1/kiosks/enroll`: the one-time code for a device token.
    pub async fn enroll(
        &self,
        code: &str,
        app_version: &str,
    ) -> Result<wire::EnrollResponse, ClientError> {
        let req = wire::EnrollRequest {
            code: code.to_owned(),
            app_version: app_version.to_owned(),
        };
        self.call(Method::POST, "/v1/kiosks/enroll", Some(&req), As::Nobody)
            .await
    }

    /// `POST /v1/kiosks/heartbeat`.
    pub async fn heartbeat(&self, beat: &wire::Heartbeat) -> Result<(), ClientError> {
        self.call(Method::POST, "/v1/kiosks/heartbeat", Some(beat), As::Kiosk)
            .await
    }

    /// `GET /healthz`: is the central server there?
    pub async fn health(&self) -> Result<wire::Health, ClientError> {
        self.call::<(), _>(Method::GET, "/healthz", None, As::Nobody)
            .await
    }

    pub async fn send_registrations(
        &self,
        batch: &wire::RegistrationBatch,
    ) -> Result<wire::RegistrationBatchResult, ClientError> {
        self.call(Method::POST, "/v1/registrations", Some(batch), As::Kiosk)
            .await
    }

    pub async fn decide_pending_change(
        &self,
        session: &SecretString,
        id: &str,
        accept: bool,
    ) -> Result<wire::PendingDecisionResult, ClientError> {
        if id.is_empty() || !id.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
            return Err(ClientError::Protocol("invalid pending change id".into()));
        }
        self.call(
            Method::POST,
            &format!("/v1/pending-changes/{id}"),
            Some(&wire::PendingDecision { accept }),
            As::Resident(session),
        )
        .await
    }

    pub async fn signup(
        &self,
        req: &wire::SignupRequest,
    ) -> Result<wire::SignupResponse, ClientError> {
        self.call(Method::POST, "/v1/signup", Some(req), As::Kiosk)
            .await
    }

    pub async fn login(
        &self,
        req: &wire::LoginRequest,
    ) -> Result<wire::LoginResponse, ClientError> {
        self.call(Method::POST, "/v1/login", Some(req), As::Kiosk)
            .await
    }

    pub async fn delivery(&self, id: &str) -> Result<wire::DeliveryStatus, ClientError> {
        // Delivery ids are UUIDs; refuse anything else rather than build a path from it.
        if id.is_empty() || !id.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
            return Err(ClientError::Protocol("invalid delivery id".into()));
        }
        self.call::<(), _>(
            Method::GET,
            &format!("/v1/deliveries/{id}"),
            None,
            As::Kiosk,
        )
        .await
    }

    pub async fn save_profile(
        &self,
        session: &SecretString,
        profile: &wire::Profile,
    ) -> Result<wire::SavedProfile, ClientError> {
        self.call(
            Method::PUT,
            "/v1/profile",
            Some(profile),
            As::Resident(session),
        )
        .await
    }

    /// `GET /v1/me`: everything stored about the logged-in resident.
    pub async fn my_data(&self, session: &SecretString) -> Result<wire::ResidentData, ClientError> {
        self.call::<(), _>(Method::GET, "/v1/me", None, As::Resident(session))
            .await
    }

    /// `DELETE /v1/me`: the logged-in resident's account and all it holds.
    pub async fn delete_me(&self, session: &SecretString) -> Result<(), ClientError> {
        self.call::<(), _>(Method::DELETE, "/v1/me", None, As::Resident(session))
            .await
    }

    /// `DELETE /v1/session`: the resident's session ends on the central
    /// server too (the kiosk wiped it).
    pub async fn end_session(&self, session: &SecretString) -> Result<(), ClientError> {
        self.call::<(), _>(Method::DELETE, "/v1/session", None, As::Resident(session))
            .await
    }

    async fn call<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
        who: As<'_>,
    ) -> Result<T, ClientError> {
        let (token, session) = match who {
            As::Nobody => (None, None),
            As::Kiosk | As::Resident(_) => {
                let Some(token) = self.token() else {
                    self.connectivity.set_refused(true);
                    return Err(ClientError::Api {
                        status: 401,
                        body: ErrorBody::new("kiosk.not_enrolled", "this kiosk is not enrolled"),
                    });
                };
                let session = match who {
                    As::Resident(s) => Some(s),
                    _ => None,
                };
                (Some(token), session)
            }
        };
        let authenticated = token.is_some();
        let result = self.call_inner(method, path, body, session, token).await;
        match &result {
            Err(ClientError::Unreachable(_)) => self.connectivity.set_online(false),
            Err(ClientError::Api { status: 401, body }) if body.code.starts_with("kiosk.") => {
                self.connectivity.set_online(true);
                self.connectivity.set_refused(true);
            }
            _ => {
                self.connectivity.set_online(true);
                if authenticated {
                    self.connectivity.set_refused(false);
                }
            }
        }
        result
    }

    async fn call_inner<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
        session: Option<&SecretString>,
        token: Option<SecretString>,
    ) -> Result<T, ClientError> {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header(API_VERSION_HEADER, API_VERSION);
        if let Some(token) = token {
            request = request.bearer_auth(token.expose_secret());
        }
        if let Some(session) = session {
            request = request.header(SESSION_HEADER, session.expose_secret());
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request
            .send()
            .await
            .map_err(|e| ClientError::Unreachable(without_url(&e)))?;
        if let Some(v) = response.headers().get(API_VERSION_HEADER) {
            let v = v.to_str().unwrap_or_default();
            if !wire::api_compatible(v) {
                return Err(ClientError::Incompatible(v.to_owned()));
            }
        }
        let status = response.status();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u32>().ok());
        let bytes = response
            .bytes()
            .await
            .map_err(|e| ClientError::Unreachable(without_url(&e)))?;
        if status.is_success() {
            // 204 No Content reads as `null`, i.e. `()`.
            let bytes: &[u8] = if bytes.is_empty() { b"null" } else { &bytes };
            return serde_json::from_slice(bytes).map_err(|e| ClientError::Protocol(e.to_string()));
        }
        // Redirects are never followed (the session header would go with
        // them), and the central server never sends one: a 3xx comes from
        // what stands in the way — a captive portal, a misconfigured
        // proxy. The central server is out of reach: the offline path.
        if status.is_redirection() {
            return Err(ClientError::Unreachable(format!(
                "HTTP {status}: a redirect, not the central server"
            )));
        }
        let parsed = serde_json::from_slice::<ErrorBody>(&bytes).ok();
        // 503 `server.busy` is the server itself, up, asking to come back
        // after `Retry-After`: an answer, not an outage (a proxy's 503 in
        // front of a server that is down is one).
        let busy = status == StatusCode::SERVICE_UNAVAILABLE
            && parsed.as_ref().is_some_and(|b| b.code == BUSY);
        if !busy
            && (status == StatusCode::BAD_GATEWAY
                || status == StatusCode::SERVICE_UNAVAILABLE
                || status == StatusCode::GATEWAY_TIMEOUT)
        {
            return Err(ClientError::Unreachable(format!("HTTP {status}")));
        }
        let mut body =
            parsed.unwrap_or_else(|| ErrorBody::new("central.error", format!("HTTP {status}")));
        if body.retry_after_seconds.is_none() {
            body.retry_after_seconds = retry_after;
        }
        Err(ClientError::Api {
            status: status.as_u16(),
            body,
        })
    }
}

/// The code of the central server's 503 when every argon2 turn is taken.
const BUSY: &str = "server.busy";

/// reqwest errors can quote the URL; keep only the kind of failure.
fn without_url(e: &reqwest::Error) -> String {
    wire::retry::HttpFailure::of(e).to_string()
}
