//! The HTTP API: the two routers (public, administration), their
//! middleware (API version, kiosk token, request counting, the transport's
//! limits), the app state and the shared extractors. Handlers are thin:
//! they parse, call a service (or the store), map errors.

mod admin;
mod console;
mod error;
mod health;
mod kiosks;
mod openapi;
mod profile;
mod registrations;
mod residents;
mod signup;
mod transport;
mod twilio;
mod updates;

use std::sync::Arc;

use axum::extract::rejection::{FormRejection, JsonRejection, PathRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, FromRequest, FromRequestParts, Path, Query, Request, State};
use axum::http::request::Parts;
use axum::http::HeaderValue;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{delete, get, post};
use axum::{Form, Json, Router};
use borne_protocol::{self as wire, API_VERSION, API_VERSION_HEADER, SESSION_HEADER};
use secrecy::SecretString;
use tokio::sync::Notify;
use tower_http::trace::TraceLayer;

pub use console::{console_routes, Access, ConsoleRoute};
pub use error::ApiError;
pub(crate) use transport::{bind, serve};

use crate::codes::{self, HashGate};
pub(crate) use crate::db::rfc3339;
use crate::db::{now, KioskAuth, Store};
use crate::metrics::Metrics;
use crate::Config;

#[derive(Debug, Clone)]
pub struct AppState {
    pub store: Store,
    pub config: Arc<Config>,
    /// Wakes the delivery worker after a commit.
    pub wake: Arc<Notify>,
    pub metrics: Arc<Metrics>,
    /// Twilio's auth token, to check webhook signatures; `None` when
    /// another provider is configured (the webhooks then answer 404).
    pub twilio_auth_token: Option<SecretString>,
    /// Registration ids a request of this instance is storing right now.
    pub in_flight: Arc<std::sync::Mutex<std::collections::HashSet<String>>>,
    /// Every argon2 hash or verification goes through it.
    pub hashes: HashGate,
    /// Kiosk syncs admitted at once; the others get 429.
    pub intake: crate::ingest::Intake,
    /// Release files being downloaded: one copy each, however many kiosks.
    pub release_files: Arc<crate::release_files::ReleaseFiles>,
}

/// The enrolled kiosk behind a request (its device token).
#[derive(Debug, Clone)]
pub(crate) struct KioskIdentity {
    /// Recorded with consents; the per-kiosk cap keys on it.
    pub id: String,
}

/// What the public listener (`BORNE_LISTEN`) serves: kiosks, the
/// telephony provider's webhooks, probes and the API document. Not
/// `/v1/admin/*` nor `/metrics`: those are on [`admin_router`] only.
pub fn public_router(state: AppState) -> Router {
    let body = body_rule(&state, state.config.http.body_limit);
    let batch_body = body_rule(&state, state.config.http.batch_body_limit);
    // The kiosk's token is checked before its body is read.
    let kiosk_api = Router::new()
        .route("/signup", post(signup::signup))
        .route("/login", post(signup::login))
        .route(
            "/profile",
            get(profile::get_profile).put(profile::put_profile),
        )
        .route("/deliveries/{id}", get(signup::delivery_status))
        .route(
            "/pending-changes/{id}",
            post(registrations::decide_pending_change),
        )
        .route("/kiosks/heartbeat", post(kiosks::heartbeat))
        .route("/updates/{target}/{current_version}", get(updates::check))
        .route("/updates/files/{id}", get(updates::file))
        .route("/me", get(residents::my_data).delete(residents::delete_me))
        .route("/session", delete(signup::end_session))
        .layer(middleware::from_fn_with_state(body, transport::read_body))
        // The one route whose legitimate body is larger: a sync batch.
        .route(
            "/registrations",
            post(registrations::ingest).layer(middleware::from_fn_with_state(
                batch_body,
                transport::read_body,
            )),
        )
        .layer(middleware::from_fn_with_state(state.clone(), require_kiosk));
    let v1 = Router::new()
        .route("/kiosks/enroll", post(kiosks::enroll))
        .route("/twilio/status", post(twilio::status_callback))
        .route("/twilio/incoming", post(twilio::incoming_sms))
        .route("/twilio/gather", post(twilio::gather))
        .layer(middleware::from_fn_with_state(body, transport::read_body))
        .merge(kiosk_api);
    let routes = Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/v1/openapi.json", get(openapi::openapi_json))
        .layer(middleware::from_fn_with_state(body, transport::read_body))
        .nest("/v1", v1);
    common_layers(routes, state)
}

/// What the administration listener (`BORNE_ADMIN_LISTEN`, loopback by
/// default) serves: `/v1/admin/*`, `/metrics`, the console at `/admin`,
/// and the probes.
pub fn admin_router(state: AppState) -> Router {
    let body = body_rule(&state, state.config.http.body_limit);
    let admin_api = Router::new()
        .route("/admin/contacts.csv", get(admin::contacts_csv))
        .route("/admin/confirmations", get(admin::unconfirmed))
        .route(
            "/admin/confirmations/{id}/resend",
            post(admin::resend_confirmation),
        )
        .layer(middleware::from_fn_with_state(body, transport::read_body))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            admin::require_admin,
        ));
    let routes = Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(health::metrics))
        .merge(console::router(&state))
        .layer(middleware::from_fn_with_state(body, transport::read_body))
        .nest("/v1", admin_api);
    common_layers(routes, state)
}

/// The middleware every route of both listeners runs through, outermost
/// last: the request's deadline, the API version, the request counter,
/// the trace. Every route also reads its body whole under a rule of its
/// own ([`body_rule`]; a kiosk's or the administrator's token is checked
/// first), so axum's default limit is off: a body the rule took is never
/// refused again.
fn common_layers(routes: Router<AppState>, state: AppState) -> Router {
    routes
        .fallback(health::not_found)
        .layer(DefaultBodyLimit::disable())
        .layer(middleware::from_fn_with_state(
            state.config.http.request_timeout,
            transport::answer_within,
        ))
        .layer(middleware::from_fn(api_version))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            count_requests,
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// A body read whole before the handler runs: at most `limit` bytes,
/// within `BORNE_HTTP_BODY_TIMEOUT_SECONDS` ([`transport::read_body`]).
fn body_rule(state: &AppState, limit: usize) -> transport::BodyRule {
    transport::BodyRule {
        limit,
        timeout: state.config.http.body_timeout,
    }
}

/// Every response says which API version answered; a request announcing
/// another major version is refused before it reaches a handler.
async fn api_version(request: Request, next: Next) -> Response {
    let announced = request
        .headers()
        .get(API_VERSION_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let mut response = match announced {
        Some(v) if !wire::api_compatible(&v) => {
            axum::response::IntoResponse::into_response(ApiError::VersionMismatch(v))
        }
        _ => next.run(request).await,
    };
    response
        .headers_mut()
        .insert(API_VERSION_HEADER, HeaderValue::from_static(API_VERSION));
    response
}

async fn require_kiosk(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let presented = request
        .headers()
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if presented.is_empty() {
        return Err(ApiError::KioskUnauthorized);
    }
    // Looked up on every request: a revoked kiosk is refused at once.
    let id = match state
        .store
        .kiosk_auth(&codes::token_hash(presented))
        .await?
    {
        KioskAuth::Enrolled { id, .. } => id,
        KioskAuth::Revoked => return Err(ApiError::KioskRevoked),
        KioskAuth::Unknown => return Err(ApiError::KioskUnauthorized),
    };
    request.extensions_mut().insert(KioskIdentity { id });
    Ok(next.run(request).await)
}

/// Counts every answer by route pattern and status (`/metrics`).
async fn count_requests(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map_or("unmatched", |p| p.as_str())
        .to_owned();
    let response = next.run(request).await;
    state.metrics.request(&route, response.status().as_u16());
    response
}

/// The client's address (the access log's « from where »); `0.0.0.0`
/// for a request made inside the process (tests with `oneshot`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Peer(std::net::SocketAddr);

impl Peer {
    pub fn ip(self) -> std::net::IpAddr {
        self.0.ip()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Peer {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(
            parts
                .extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map_or_else(|| ([0, 0, 0, 0], 0).into(), |c| c.0),
        ))
    }
}

/// The `borne-session` header, as the store knows it (its SHA-256).
#[derive(Debug)]
pub(crate) struct SessionToken {
    hash: String,
}

impl<S: Send + Sync> FromRequestParts<S> for SessionToken {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let token = parts
            .headers
            .get(SESSION_HEADER)
            .and_then(|v| v.to_str().ok())
            .ok_or(ApiError::SessionExpired)?;
        Ok(Self {
            hash: codes::token_hash(token),
        })
    }
}

/// The account behind a live `borne-session` header.
#[derive(Debug)]
pub(crate) struct Session {
    account_id: String,
}

impl FromRequestParts<AppState> for Session {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = SessionToken::from_request_parts(parts, state).await?;
        state
            .store
            .touch_session(&token.hash, now(), state.config.session_limits())
            .await?
            .map(|account_id| Session { account_id })
            .ok_or(ApiError::SessionExpired)
    }
}

/// A JSON request body. A body that is not the expected JSON, or holds
/// a NUL, is refused with 400 `request.malformed`, saying why.
#[derive(Debug)]
pub(crate) struct ApiJson<T>(pub T);

impl<T, S> FromRequest<S> for ApiJson<T>
where
    Json<T>: FromRequest<S, Rejection = JsonRejection>,
    T: serde::Serialize,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        match Json::<T>::from_request(request, state).await {
            Ok(Json(body)) => refuse_nul(body).map(Self),
            Err(e) => Err(ApiError::BadRequest("request.malformed", e.body_text())),
        }
    }
}

/// Path parameters. One that does not parse (not UTF-8 once
/// percent-decoded, say), or holds a NUL, is refused with 400
/// `request.malformed`.
#[derive(Debug)]
pub(crate) struct ApiPath<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiPath<T>
where
    Path<T>: FromRequestParts<S, Rejection = PathRejection>,
    T: serde::Serialize,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(params)) => refuse_nul(params).map(Self),
            Err(e) => Err(ApiError::BadRequest("request.malformed", e.body_text())),
        }
    }
}

/// A query string. One that does not parse (a repeated or mistyped
/// parameter), or holds a NUL, is refused with 400 `request.malformed`.
#[derive(Debug)]
pub(crate) struct ApiQuery<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiQuery<T>
where
    Query<T>: FromRequestParts<S, Rejection = QueryRejection>,
    T: serde::Serialize,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(query)) => refuse_nul(query).map(Self),
            Err(e) => Err(ApiError::BadRequest("request.malformed", e.body_text())),
        }
    }
}

/// A form-encoded request body (Twilio's webhooks). One that is not
/// form-encoded, or holds a NUL, is refused with 400 `request.malformed`.
#[derive(Debug)]
pub(crate) struct ApiForm<T>(pub T);

impl<T, S> FromRequest<S> for ApiForm<T>
where
    Form<T>: FromRequest<S, Rejection = FormRejection>,
    T: serde::Serialize,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        match Form::<T>::from_request(request, state).await {
            Ok(Form(form)) => refuse_nul(form).map(Self),
            Err(e) => Err(ApiError::BadRequest("request.malformed", e.body_text())),
        }
    }
}

/// Text from the wire holds no NUL (U+0000): no client has a reason to
/// send one, and PostgreSQL cannot store it (a NUL reaching a query
/// would answer 500).
fn refuse_nul<T: serde::Serialize>(value: T) -> Result<T, ApiError> {
    fn holds_nul(v: &serde_json::Value) -> bool {
        match v {
            serde_json::Value::String(s) => s.contains('\0'),
            serde_json::Value::Array(items) => items.iter().any(holds_nul),
            serde_json::Value::Object(fields) => {
                fields.iter().any(|(k, v)| k.contains('\0') || holds_nul(v))
            }
            _ => false,
        }
    }
    let as_json = serde_json::to_value(&value).map_err(anyhow::Error::from)?;
    if holds_nul(&as_json) {
        return Err(ApiError::BadRequest(
            "request.malformed",
            "text may not hold a NUL character (U+0000)".into(),
        ));
    }
    Ok(value)
}
