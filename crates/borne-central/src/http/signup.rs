//! A resident's way in: `POST /v1/signup` (a one-time code by SMS or
//! call), `GET /v1/deliveries/{id}` (where that code stands),
//! `POST /v1/login` (the code opens a session) and out:
//! `DELETE /v1/session`. The rules are in [`crate::signup`] and
//! [`crate::login`].

use axum::extract::{Extension, State};
use axum::http::StatusCode;
use axum::Json;
use borne_domain::{OneTimeCode, PhoneNumber};
use borne_protocol as wire;
use secrecy::ExposeSecret;

use super::{rfc3339, ApiError, ApiJson, ApiPath, AppState, KioskIdentity, SessionToken};
use crate::db::{now, DeliveryState};
use crate::signup::SignupError;

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
        (status = 503, description = "`server.busy`: every argon2 turn stayed taken for `BORNE_HASH_WAIT_MS`; nothing was done", body = wire::ErrorBody, headers(("Retry-After" = u32, description = "Seconds to wait, as `retry_after_seconds`"))),
    )
)]
pub(super) async fn signup(
    State(state): State<AppState>,
    Extension(kiosk): Extension<KioskIdentity>,
    ApiJson(req): ApiJson<wire::SignupRequest>,
) -> Result<(StatusCode, Json<wire::SignupResponse>), ApiError> {
    let issued =
        crate::signup::request_code(&state.store, &state.config, &state.hashes, &req, &kiosk.id)
            .await
            .map_err(|e| match e {
            SignupError::Invalid(errors) => ApiError::Validation(errors),
            SignupError::Limited { limit, retry_after } => {
                state.metrics.rate_limited(limit);
                tracing::warn!(limit, kiosk = %kiosk.id, retry_after = retry_after.as_secs(), "code refused by a cap");
                ApiError::RateLimited { limit, retry_after }
            }
            SignupError::Busy => ApiError::Busy,
            SignupError::Internal(e) => ApiError::Internal(e),
        })?;
    state.wake.notify_one();
    tracing::info!(delivery = %issued.delivery_id, channel = issued.channel.as_str(), "code issued");
    let resend_after = state.config.limits.number_min_interval.as_secs();
    Ok((
        StatusCode::ACCEPTED,
        Json(wire::SignupResponse {
            phone: issued.phone.e164(),
            channel: issued.channel.into(),
            code_expires_at: rfc3339(issued.expires_at),
            delivery_id: issued.delivery_id,
            fallback: issued.fallback.and_then(wire::Fallback::parse),
            resend_after_seconds: u32::try_from(resend_after).unwrap_or(u32::MAX),
        }),
    ))
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
        (status = 400, description = "`request.malformed` (an id that is not UTF-8) or `api.version_mismatch`", body = wire::ErrorBody),
        (status = 401, description = "`kiosk.unauthorized` or `kiosk.revoked`", body = wire::ErrorBody),
        (status = 404, description = "`not_found`: no such delivery", body = wire::ErrorBody),
        (status = 500, description = "`internal`", body = wire::ErrorBody),
    )
)]
pub(super) async fn delivery_status(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
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
        (status = 503, description = "`server.busy`: every argon2 turn stayed taken for `BORNE_HASH_WAIT_MS`; the attempt was not counted", body = wire::ErrorBody, headers(("Retry-After" = u32, description = "Seconds to wait, as `retry_after_seconds`"))),
    )
)]
pub(super) async fn login(
    State(state): State<AppState>,
    Extension(kiosk): Extension<KioskIdentity>,
    ApiJson(req): ApiJson<wire::LoginRequest>,
) -> Result<Json<wire::LoginResponse>, ApiError> {
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
        &state.hashes,
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
        crate::login::LoginError::Busy => ApiError::Busy,
        crate::login::LoginError::Internal(e) => ApiError::Internal(e),
    })?;
    let profile = state.store.load_profile(&logged_in.account_id).await?;
    let pending_change =
        super::registrations::pending_change_view(&state.store, &logged_in.account_id).await?;
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

/// Ends the resident's session: the kiosk calls it when it wipes its own
/// (the resident is done, walked away, or logged out). The token is
/// refused from then on. Idempotent: a session already ended, expired or
/// unknown answers the same.
#[utoipa::path(
    delete,
    path = "/v1/session",
    tag = "residents",
    security(("device_token" = [])),
    params(
        ("borne-session" = String, Header, description = "The `session_token` from `POST /v1/login`"),
    ),
    responses(
        (status = 204, description = "The session is ended (or already was)"),
        (status = 400, description = "`api.version_mismatch`", body = wire::ErrorBody),
        (status = 401, description = "`session.expired`: no `borne-session` header; `kiosk.unauthorized` or `kiosk.revoked`", body = wire::ErrorBody),
        (status = 500, description = "`internal`", body = wire::ErrorBody),
    )
)]
pub(super) async fn end_session(
    State(state): State<AppState>,
    token: SessionToken,
) -> Result<StatusCode, ApiError> {
    // Logged only when it ended one: unknown or repeated tokens write nothing.
    if state.store.end_session(&token.hash).await? {
        tracing::info!("resident session ended");
    }
    Ok(StatusCode::NO_CONTENT)
}
