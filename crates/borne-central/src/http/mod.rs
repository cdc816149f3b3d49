//! The HTTP API: thin handlers that parse, call the store, map errors.

mod error;

use std::sync::Arc;

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use borne_domain::{ConsentRecord, PhoneNumber};
use borne_protocol::{self as wire, API_VERSION, API_VERSION_HEADER, SESSION_HEADER};
use secrecy::ExposeSecret;
use subtle::ConstantTimeEq;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use tokio::sync::Notify;
use tower_http::trace::TraceLayer;

pub use error::ApiError;

use crate::codes::{self, MAX_CODE_ATTEMPTS};
use crate::db::{now, NewCode, Store};
use crate::Config;

#[derive(Debug, Clone)]
pub struct AppState {
    pub store: Store,
    pub config: Arc<Config>,
    /// Wakes the delivery worker after a commit.
    pub wake: Arc<Notify>,
}

pub fn router(state: AppState) -> Router {
    let v1 = Router::new()
        .route("/signup", post(signup))
        .route("/login", post(login))
        .route("/profile", get(get_profile).put(put_profile))
        .layer(middleware::from_fn_with_state(state.clone(), require_kiosk));
    Router::new()
        .route("/healthz", get(healthz))
        .nest("/v1", v1)
        .fallback(not_found)
        .layer(middleware::from_fn(api_version))
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
    request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let presented = request
        .headers()
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    let expected = codes::token_hash(state.config.kiosk_token.expose_secret());
    let got = codes::token_hash(presented);
    if bool::from(got.as_bytes().ct_eq(expected.as_bytes())) && !presented.is_empty() {
        Ok(next.run(request).await)
    } else {
        Err(ApiError::KioskUnauthorized)
    }
}

async fn not_found() -> (StatusCode, Json<wire::ErrorBody>) {
    (
        StatusCode::NOT_FOUND,
        Json(wire::ErrorBody::new("not_found", "no such route")),
    )
}

async fn healthz() -> Json<wire::Health> {
    Json(wire::Health {
        status: "ok".into(),
        api_version: API_VERSION.into(),
    })
}

fn json_body<T>(body: Result<Json<T>, JsonRejection>) -> Result<T, ApiError> {
    body.map(|Json(t)| t)
        .map_err(|e| ApiError::BadRequest("request.malformed", e.body_text()))
}

fn rfc3339(t: i64) -> String {
    OffsetDateTime::from_unix_timestamp(t)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_default()
}

async fn signup(
    State(state): State<AppState>,
    body: Result<Json<wire::SignupRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<wire::SignupResponse>), ApiError> {
    let req = json_body(body)?;
    let mut errors = borne_domain::ValidationErrors::default();
    let phone = errors.check(
        "phone",
        PhoneNumber::parse(&req.phone, &state.config.area_codes),
    );
    if !ConsentRecord::is_known_version(&req.consent.text_version) {
        errors.push("consent.text_version", "consent.unknown_version");
    }
    let accepted_at = OffsetDateTime::parse(&req.consent.accepted_at, &Rfc3339).ok();
    if accepted_at.is_none() {
        errors.push("consent.accepted_at", "consent.invalid_time");
    }
    let kiosk_id = req.consent.kiosk_id.trim();
    if kiosk_id.is_empty() || kiosk_id.len() > 100 {
        errors.push("consent.kiosk_id", "consent.invalid_kiosk_id");
    }
    let (Some(phone), Some(accepted_at), true) = (phone, accepted_at, errors.is_empty()) else {
        return Err(ApiError::Validation(errors));
    };
    let consent = ConsentRecord {
        text_version: req.consent.text_version.clone(),
        language: req.consent.language.into(),
        accepted_at,
        kiosk_id: kiosk_id.to_owned(),
        staff_assisted: req.consent.staff_assisted,
    };
    let code = codes::generate_code();
    let code_for_hash = code.clone();
    let code_hash = tokio::task::spawn_blocking(move || codes::hash_code(&code_for_hash))
        .await
        .map_err(anyhow::Error::from)??;
    let now = now();
    let expires_at = now + i64::try_from(state.config.code_ttl.as_secs()).unwrap_or(600);
    let delivery = state
        .store
        .issue_code(NewCode {
            phone: &phone,
            language: req.language.into(),
            channel: req.channel.into(),
            consent: &consent,
            code_hash,
            code: &code,
            now,
            expires_at,
        })
        .await?;
    state.wake.notify_one();
    tracing::info!(%delivery, channel = ?req.channel, "code issued");
    Ok((
        StatusCode::ACCEPTED,
        Json(wire::SignupResponse {
            phone: phone.e164(),
            channel: req.channel,
            code_expires_at: rfc3339(expires_at),
        }),
    ))
}

async fn login(
    State(state): State<AppState>,
    body: Result<Json<wire::LoginRequest>, JsonRejection>,
) -> Result<Json<wire::LoginResponse>, ApiError> {
    let req = json_body(body)?;
    let mut errors = borne_domain::ValidationErrors::default();
    let phone = errors.check(
        "phone",
        PhoneNumber::parse(&req.phone, &state.config.area_codes),
    );
    let typed = codes::normalize_code(&req.code);
    if typed.is_none() {
        errors.push("code", "code.invalid_format");
    }
    let (Some(phone), Some(typed), true) = (phone, typed, errors.is_empty()) else {
        return Err(ApiError::Validation(errors));
    };
    let Some(active) = state.store.active_code(&phone).await? else {
        // Unknown number, or no code outstanding: same answer as a wrong code.
        return Err(ApiError::InvalidCode { attempts_left: 0 });
    };
    let now = now();
    if active.expires_at <= now {
        return Err(ApiError::CodeExpired);
    }
    let hash = active.code_hash.clone();
    let matches = tokio::task::spawn_blocking(move || codes::verify_code(&typed, &hash))
        .await
        .map_err(anyhow::Error::from)?;
    if !matches {
        let attempts_left = state
            .store
            .record_wrong_code(&active.id, MAX_CODE_ATTEMPTS)
            .await?;
        tracing::info!(attempts_left, "wrong code");
        return Err(ApiError::InvalidCode { attempts_left });
    }
    let token = codes::generate_token();
    if !state
        .store
        .consume_code(&active, &codes::token_hash(token.expose_secret()), now)
        .await?
    {
        return Err(ApiError::InvalidCode { attempts_left: 0 });
    }
    let profile = state.store.load_profile(&active.account_id).await?;
    tracing::info!("resident logged in");
    Ok(Json(wire::LoginResponse {
        session_token: token.expose_secret().to_owned(),
        session_idle_seconds: state.config.session_idle.as_secs(),
        profile,
    }))
}

/// The account behind the `borne-session` header.
#[derive(Debug)]
struct Session {
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

async fn get_profile(
    State(state): State<AppState>,
    session: Session,
) -> Result<Json<Option<wire::Profile>>, ApiError> {
    Ok(Json(state.store.load_profile(&session.account_id).await?))
}

async fn put_profile(
    State(state): State<AppState>,
    session: Session,
    body: Result<Json<wire::Profile>, JsonRejection>,
) -> Result<Json<wire::SavedProfile>, ApiError> {
    let form = json_body(body)?;
    let profile = form
        .parse(&state.config.area_codes)
        .map_err(ApiError::Validation)?;
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
