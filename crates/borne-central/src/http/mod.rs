//! The HTTP API: thin handlers that parse, call the store, map errors.

mod admin;
mod error;
mod kiosks;
mod openapi;
mod registrations;
mod residents;
mod twilio;

use std::sync::Arc;

use axum::extract::rejection::JsonRejection;
use axum::extract::{Extension, FromRequestParts, Path, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use borne_domain::{OneTimeCode, PhoneNumber};
use borne_protocol::{self as wire, API_VERSION, API_VERSION_HEADER, SESSION_HEADER};
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::Notify;
use tower_http::trace::TraceLayer;

pub use error::ApiError;

use crate::codes;
pub(crate) use crate::db::rfc3339;
use crate::db::{now, DeliveryState, IssueError, KioskAuth, NewCode, Store};
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
        .route("/signup", post(signup))
        .route("/login", post(login))
        .route("/profile", get(get_profile).put(put_profile))
        .route("/deliveries/{id}", get(delivery_status))
        .route("/registrations", post(registrations::ingest))
        .route(
            "/pending-changes/{id}",
            post(registrations::decide_pending_change),
        )
        .route("/kiosks/heartbeat", post(kiosks::heartbeat))
        .route("/me", get(residents::my_data).delete(residents::delete_me))
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
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route("/v1/openapi.json", get(openapi::openapi_json))
        .nest("/v1", v1)
        .fallback(not_found)
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

/// Ready to serve: the database answers and has every migration this
/// build knows. A load balancer sends traffic only then.
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "operations",
    responses(
        (status = 200, description = "Ready", body = wire::Health),
        (status = 400, description = "`api.version_mismatch`", body = wire::ErrorBody),
        (status = 503, description = "Not ready: the database does not answer or lacks a migration", body = wire::Health),
    )
)]
async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<wire::Health>) {
    match state.store.ready().await {
        Ok(()) => (
            StatusCode::OK,
            Json(wire::Health {
                status: "ready".into(),
                api_version: API_VERSION.into(),
            }),
        ),
        Err(why) => {
            tracing::warn!(%why, "not ready");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(wire::Health {
                    status: "not ready".into(),
                    api_version: API_VERSION.into(),
                }),
            )
        }
    }
}

/// Prometheus metrics.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "operations",
    responses(
        (status = 200, description = "Prometheus text exposition format", body = String, content_type = "text/plain"),
        (status = 400, description = "`api.version_mismatch`", body = wire::ErrorBody),
        (status = 500, description = "`internal`", body = wire::ErrorBody),
    )
)]
async fn metrics(State(state): State<AppState>) -> Result<String, ApiError> {
    let (pending, oldest) = state.store.outbox_depth(now()).await?;
    let paused = state.store.breaker().await?.paused_at.is_some();
    let silent_after = i64::try_from(state.config.kiosk_silent_after.as_secs()).unwrap_or(i64::MAX);
    let silent = state.store.silent_kiosks(now(), silent_after).await?;
    Ok(state.metrics.render(pending, oldest, paused, silent))
}

async fn not_found() -> (StatusCode, Json<wire::ErrorBody>) {
    (
        StatusCode::NOT_FOUND,
        Json(wire::ErrorBody::new("not_found", "no such route")),
    )
}

/// The process is up (says nothing of the database: see `/readyz`).
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "operations",
    responses(
        (status = 200, description = "Up", body = wire::Health),
        (status = 400, description = "`api.version_mismatch`", body = wire::ErrorBody),
    )
)]
async fn healthz() -> Json<wire::Health> {
    Json(wire::Health {
        status: "ok".into(),
        api_version: API_VERSION.into(),
    })
}

/// A category this town does not offer is refused (`field`).
pub(crate) fn check_categories(
    profile: &wire::Profile,
    offered: &[String],
    field: &str,
    errors: &mut borne_domain::ValidationErrors,
) {
    if profile.categories.iter().any(|c| !offered.contains(c)) {
        errors.push(field.to_owned(), "profile.unknown_category");
    }
}

pub(crate) fn json_body<T>(body: Result<Json<T>, JsonRejection>) -> Result<T, ApiError> {
    body.map(|Json(t)| t)
        .map_err(|e| ApiError::BadRequest("request.malformed", e.body_text()))
}

/// Sends a one-time code to a phone number; creates the account when
/// the number is new.
#[utoipa::path(
    post,
    path = "/v1/signup",
    tag = "residents",
    security(("device_token" = [])),
    request_body = wire::SignupRequest,
    responses(
        (status = 202, description = "The code is queued for delivery", body = wire::SignupResponse),
        (status = 400, description = "`request.malformed` or `api.version_mismatch`", body = wire::ErrorBody),
        (status = 401, description = "`kiosk.unauthorized` or `kiosk.revoked`", body = wire::ErrorBody),
        (status = 422, description = "`validation`: `fields` lists each rejected field", body = wire::ErrorBody),
        (status = 429, description = "`rate_limited`: a cap on this number or kiosk", body = wire::ErrorBody, headers(("Retry-After" = u32, description = "Seconds to wait, as `retry_after_seconds`"))),
        (status = 500, description = "`internal`", body = wire::ErrorBody),
    )
)]
async fn signup(
    State(state): State<AppState>,
    Extension(kiosk): Extension<KioskIdentity>,
    body: Result<Json<wire::SignupRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<wire::SignupResponse>), ApiError> {
    let req = json_body(body)?;
    let mut errors = borne_domain::ValidationErrors::default();
    let phone = errors.check(
        "phone",
        PhoneNumber::parse(&req.phone, &state.config.area_codes),
    );
    // The consent records the enrolled kiosk, whatever name it declares.
    let consent = match req.consent.parse(&kiosk.id) {
        Ok(c) => Some(c),
        Err(e) => {
            errors.0.extend(e.0);
            None
        }
    };
    let declared = req.consent.kiosk_id.trim();
    if declared.is_empty() || declared.len() > 100 {
        errors.push("consent.kiosk_id", "consent.invalid_kiosk_id");
    }
    let (Some(phone), Some(consent), true) = (phone, consent, errors.is_empty()) else {
        return Err(ApiError::Validation(errors));
    };
    let kiosk_id = kiosk.id;
    let limits = &state.config.limits;
    let limited = |limit: &'static str, retry_after: std::time::Duration| {
        state.metrics.rate_limited(limit);
        tracing::warn!(limit, kiosk = %kiosk_id, retry_after = retry_after.as_secs(), "code refused by a cap");
        ApiError::RateLimited { limit, retry_after }
    };
    // A cheap look first, so refused requests cost no hashing; the
    // transaction below decides.
    if let Some((limit, retry_after)) = state
        .store
        .caps_wait(&phone, &kiosk_id, limits, now())
        .await?
    {
        return Err(limited(limit, retry_after));
    }
    let (code, code_hash) = codes::new_hashed_code().await?;
    let now = now();
    let expires_at = now + i64::try_from(state.config.code_ttl.as_secs()).unwrap_or(600);
    let issued = state
        .store
        .issue_code(
            NewCode {
                phone: &phone,
                language: req.language.into(),
                channel: req.channel.into(),
                consent: &consent,
                code_hash,
                code: &code,
                kiosk_id: &kiosk_id,
                now,
                expires_at,
            },
            limits,
        )
        .await
        .map_err(|e| match e {
            IssueError::Limited { limit, retry_after } => limited(limit, retry_after),
            IssueError::Db(e) => ApiError::from(e),
        })?;
    state.wake.notify_one();
    tracing::info!(delivery = %issued.delivery_id, channel = issued.channel.as_str(), "code issued");
    Ok((
        StatusCode::ACCEPTED,
        Json(wire::SignupResponse {
            phone: phone.e164(),
            channel: issued.channel.into(),
            code_expires_at: rfc3339(expires_at),
            delivery_id: issued.delivery_id,
            fallback: issued.fallback.and_then(wire::Fallback::parse),
            resend_after_seconds: u32::try_from(limits.number_min_interval.as_secs())
                .unwrap_or(u32::MAX),
        }),
    ))
}

/// Opens a resident's session with the one-time code.
#[utoipa::path(
    post,
    path = "/v1/login",
    tag = "residents",
    security(("device_token" = [])),
    request_body = wire::LoginRequest,
    responses(
        (status = 200, description = "Logged in: `session_token` goes in `borne-session`", body = wire::LoginResponse),
        (status = 400, description = "`request.malformed` or `api.version_mismatch`", body = wire::ErrorBody),
        (status = 401, description = "`login.invalid_code` for every failed login, whatever the cause (unknown number, no code waiting, wrong, expired or used code); `kiosk.unauthorized` or `kiosk.revoked`", body = wire::ErrorBody),
        (status = 422, description = "`validation`: `fields` lists each rejected field", body = wire::ErrorBody),
        (status = 429, description = "`rate_limited`: too many failed logins for this number or from this kiosk (never the first try of a code issued since)", body = wire::ErrorBody, headers(("Retry-After" = u32, description = "Seconds to wait, as `retry_after_seconds`"))),
        (status = 500, description = "`internal`", body = wire::ErrorBody),
    )
)]
async fn login(
    State(state): State<AppState>,
    Extension(kiosk): Extension<KioskIdentity>,
    body: Result<Json<wire::LoginRequest>, JsonRejection>,
) -> Result<Json<wire::LoginResponse>, ApiError> {
    let req = json_body(body)?;
    let mut errors = borne_domain::ValidationErrors::default();
    let phone = errors.check(
        "phone",
        PhoneNumber::parse(&req.phone, &state.config.area_codes),
    );
    let typed = errors.check("code", OneTimeCode::parse(&req.code));
    let (Some(phone), Some(typed), true) = (phone, typed, errors.is_empty()) else {
        return Err(ApiError::Validation(errors));
    };
    let logged_in = crate::login::log_in(
        &state.store,
        &state.config.limits,
        &phone,
        &typed,
        &kiosk.id,
        now(),
    )
    .await
    .map_err(|e| match e {
        crate::login::LoginError::Delayed(retry_after) => {
            state.metrics.rate_limited("login_delay");
            ApiError::RateLimited {
                limit: "login_delay",
                retry_after,
            }
        }
        crate::login::LoginError::Failed => ApiError::LoginFailed,
        crate::login::LoginError::Internal(e) => ApiError::Internal(e),
    })?;
    let profile = state.store.load_profile(&logged_in.account_id).await?;
    let pending_change =
        registrations::pending_change_view(&state.store, &logged_in.account_id).await?;
    tracing::info!(
        pending_change = pending_change.is_some(),
        "resident logged in"
    );
    Ok(Json(wire::LoginResponse {
        session_token: logged_in.token.expose_secret().to_owned(),
        session_idle_seconds: state.config.session_idle.as_secs(),
        profile,
        pending_change,
    }))
}

/// The account behind the `borne-session` header.
#[derive(Debug)]
pub(crate) struct Session {
    account_id: String,
}

impl FromRequestParts<AppState> for Session {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = parts
            .headers
            .get(SESSION_HEADER)
            .and_then(|v| v.to_str().ok())
            .ok_or(ApiError::SessionExpired)?;
        state
            .store
            .touch_session(&codes::token_hash(token), now(), state.config.session_idle)
            .await?
            .map(|account_id| Session { account_id })
            .ok_or(ApiError::SessionExpired)
    }
}

/// The resident's stored profile (`null`: none saved yet).
#[utoipa::path(
    get,
    path = "/v1/profile",
    tag = "residents",
    security(("device_token" = [])),
    params(
        ("borne-session" = String, Header, description = "The `session_token` from `POST /v1/login`"),
    ),
    responses(
        (status = 200, description = "The stored profile, or `null`", body = Option<wire::Profile>),
        (status = 400, description = "`api.version_mismatch`", body = wire::ErrorBody),
        (status = 401, description = "`session.expired`, `kiosk.unauthorized` or `kiosk.revoked`", body = wire::ErrorBody),
        (status = 500, description = "`internal`", body = wire::ErrorBody),
    )
)]
async fn get_profile(
    State(state): State<AppState>,
    session: Session,
) -> Result<Json<Option<wire::Profile>>, ApiError> {
    Ok(Json(state.store.load_profile(&session.account_id).await?))
}

/// Replaces the resident's profile.
#[utoipa::path(
    put,
    path = "/v1/profile",
    tag = "residents",
    security(("device_token" = [])),
    params(
        ("borne-session" = String, Header, description = "The `session_token` from `POST /v1/login`"),
    ),
    request_body = wire::Profile,
    responses(
        (status = 200, description = "What was stored", body = wire::SavedProfile),
        (status = 400, description = "`request.malformed` or `api.version_mismatch`", body = wire::ErrorBody),
        (status = 401, description = "`session.expired`, `kiosk.unauthorized` or `kiosk.revoked`", body = wire::ErrorBody),
        (status = 422, description = "`validation`: `fields` lists each rejected field", body = wire::ErrorBody),
        (status = 500, description = "`internal`", body = wire::ErrorBody),
    )
)]
async fn put_profile(
    State(state): State<AppState>,
    session: Session,
    body: Result<Json<wire::Profile>, JsonRejection>,
) -> Result<Json<wire::SavedProfile>, ApiError> {
    let form = json_body(body)?;
    let mut errors = borne_domain::ValidationErrors::default();
    check_categories(&form, &state.config.categories, "categories", &mut errors);
    let profile = match form.parse(&state.config.area_codes) {
        Ok(p) if errors.is_empty() => p,
        Ok(_) => return Err(ApiError::Validation(errors)),
        Err(mut e) => {
            e.0.extend(errors.0);
            return Err(ApiError::Validation(e));
        }
    };
    let now = now();
    state
        .store
        .save_profile(&session.account_id, &profile, now)
        .await?;
    let stored = state
        .store
        .load_profile(&session.account_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("profile vanished after save"))?;
    tracing::info!(contacts = profile.contacts().len(), "profile saved");
    Ok(Json(wire::SavedProfile {
        profile: stored,
        saved_at: rfc3339(now),
    }))
}

/// Where a code's SMS or call stands.
#[utoipa::path(
    get,
    path = "/v1/deliveries/{id}",
    tag = "residents",
    security(("device_token" = [])),
    params(
        ("id" = String, Path, description = "`delivery_id` from `POST /v1/signup`"),
    ),
    responses(
        (status = 200, description = "The delivery's state", body = wire::DeliveryStatus),
        (status = 400, description = "`api.version_mismatch`", body = wire::ErrorBody),
        (status = 401, description = "`kiosk.unauthorized` or `kiosk.revoked`", body = wire::ErrorBody),
        (status = 404, description = "`not_found`: no such delivery", body = wire::ErrorBody),
        (status = 500, description = "`internal`", body = wire::ErrorBody),
    )
)]
async fn delivery_status(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<wire::DeliveryStatus>, ApiError> {
    let view = state
        .store
        .delivery_view(&id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let delivery_state = match view.state {
        DeliveryState::Pending => wire::DeliveryState::Pending,
        DeliveryState::Sent => wire::DeliveryState::Sent,
        DeliveryState::Delivered => wire::DeliveryState::Delivered,
        DeliveryState::Failed => wire::DeliveryState::Failed,
        DeliveryState::Expired => wire::DeliveryState::Expired,
        DeliveryState::Superseded => wire::DeliveryState::Superseded,
    };
    Ok(Json(wire::DeliveryStatus {
        state: delivery_state,
        channel: view.channel.into(),
        fallback: view.fallback.as_deref().and_then(wire::Fallback::parse),
    }))
}
