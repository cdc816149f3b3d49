//! The HTTP API: the router, its middleware (API version, kiosk token,
//! request counting), the app state and the shared extractors. Handlers
//! are thin: they parse, call a service (or the store), map errors.

mod admin;
mod error;
mod health;
mod kiosks;
mod openapi;
mod profile;
mod registrations;
mod residents;
mod signup;
mod twilio;

use std::sync::Arc;

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::HeaderValue;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use borne_protocol::{self as wire, API_VERSION, API_VERSION_HEADER, SESSION_HEADER};
use secrecy::SecretString;
use tokio::sync::Notify;
use tower_http::trace::TraceLayer;

pub use error::ApiError;

use crate::codes;
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
}

/// The enrolled kiosk behind a request (its device token).
#[derive(Debug, Clone)]
pub(crate) struct KioskIdentity {
    /// Recorded with consents; the per-kiosk cap keys on it.
    pub id: String,
}

pub fn router(state: AppState) -> Router {
    let kiosk_api = Router::new()
        .route("/signup", post(signup::signup))
        .route("/login", post(signup::login))
        .route(
            "/profile",
            get(profile::get_profile).put(profile::put_profile),
        )
        .route("/deliveries/{id}", get(signup::delivery_status))
        .route("/registrations", post(registrations::ingest))
        .route(
            "/pending-changes/{id}",
            post(registrations::decide_pending_change),
        )
        .route("/kiosks/heartbeat", post(kiosks::heartbeat))
        .route("/me", get(residents::my_data).delete(residents::delete_me))
        .route("/session", delete(signup::end_session))
        .layer(middleware::from_fn_with_state(state.clone(), require_kiosk));
    let admin_api = Router::new()
        .route("/admin/contacts.csv", get(admin::contacts_csv))
        .route("/admin/confirmations", get(admin::unconfirmed))
        .route(
            "/admin/confirmations/{id}/resend",
            post(admin::resend_confirmation),
        )
        .layer(middleware::from_fn_with_state(
            state.clone(),
            admin::require_admin,
        ));
    let v1 = kiosk_api
        .merge(admin_api)
        .route("/kiosks/enroll", post(kiosks::enroll))
        .route("/twilio/status", post(twilio::status_callback))
        .route("/twilio/incoming", post(twilio::incoming_sms))
        .route("/twilio/gather", post(twilio::gather));
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(health::metrics))
        .route("/v1/openapi.json", get(openapi::openapi_json))
        .nest("/v1", v1)
        .fallback(health::not_found)
        .layer(middleware::from_fn(api_version))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            count_requests,
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
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

/// A JSON request body. A body that is not the expected JSON is refused
/// with 400 `request.malformed`, saying why.
#[derive(Debug)]
pub(crate) struct ApiJson<T>(pub T);

impl<T, S> FromRequest<S> for ApiJson<T>
where
    Json<T>: FromRequest<S, Rejection = JsonRejection>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        match Json::<T>::from_request(request, state).await {
            Ok(Json(body)) => Ok(Self(body)),
            Err(e) => Err(ApiError::BadRequest("request.malformed", e.body_text())),
        }
    }
}
