//! Kiosk enrollment (`POST /v1/kiosks/enroll`, no token yet) and
//! heartbeats (`POST /v1/kiosks/heartbeat`).

use axum::extract::{Extension, State};
use axum::http::StatusCode;
use axum::Json;
use borne_protocol as wire;
use secrecy::ExposeSecret;

use super::{ApiError, ApiJson, AppState, KioskIdentity};
use crate::codes;
use crate::db::now;

/// Trades a one-time enrollment code for the kiosk's own device token.
/// The token is shown this once; only its SHA-256 is stored.
#[utoipa::path(
    post,
    path = "/v1/kiosks/enroll",
    tag = "kiosks",
    request_body = wire::EnrollRequest,
    responses(
        (status = 201, description = "Enrolled: keep `token`, it is shown once", body = wire::EnrollResponse),
        (status = 400, description = "`request.malformed` or `api.version_mismatch`", body = wire::ErrorBody),
        (status = 403, description = "`enroll.invalid_code`: unknown, expired or already used", body = wire::ErrorBody),
        (status = 500, description = "`internal`", body = wire::ErrorBody),
    )
)]
pub(super) async fn enroll(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<wire::EnrollRequest>,
) -> Result<(StatusCode, Json<wire::EnrollResponse>), ApiError> {
    if req.code.len() > 64 || req.app_version.len() > 64 {
        return Err(ApiError::EnrollmentRefused);
    }
    let token = codes::generate_token();
    let enrolled = state
        .store
        .enroll_kiosk(
            &codes::enrollment_code_hash(&req.code),
            &codes::token_hash(token.expose_secret()),
            &req.app_version,
            now(),
        )
        .await?;
    let Some((kiosk_id, kiosk_name)) = enrolled else {
        state.metrics.enrollment("refused");
        tracing::warn!("kiosk enrollment refused: unknown, expired or used code");
        return Err(ApiError::EnrollmentRefused);
    };
    state.metrics.enrollment("enrolled");
    tracing::info!(kiosk = %kiosk_id, name = %kiosk_name, "kiosk enrolled");
    Ok((
        StatusCode::CREATED,
        Json(wire::EnrollResponse {
            kiosk_id,
            kiosk_name,
            token: token.expose_secret().to_owned(),
        }),
    ))
}

/// The kiosk's state, for `borne-central kiosk list` and the silent-kiosk
/// metric.
#[utoipa::path(
    post,
    path = "/v1/kiosks/heartbeat",
    tag = "kiosks",
    security(("device_token" = [])),
    request_body = wire::Heartbeat,
    responses(
        (status = 204, description = "Recorded"),
        (status = 400, description = "`request.malformed`, `heartbeat.malformed` or `api.version_mismatch`", body = wire::ErrorBody),
        (status = 401, description = "`kiosk.unauthorized` or `kiosk.revoked`", body = wire::ErrorBody),
        (status = 500, description = "`internal`", body = wire::ErrorBody),
    )
)]
pub(super) async fn heartbeat(
    State(state): State<AppState>,
    Extension(kiosk): Extension<KioskIdentity>,
    ApiJson(beat): ApiJson<wire::Heartbeat>,
) -> Result<StatusCode, ApiError> {
    let too_long = |s: &str| s.len() > 64;
    if too_long(&beat.app_version) || beat.last_sync_at.as_deref().is_some_and(too_long) {
        return Err(ApiError::BadRequest(
            "heartbeat.malformed",
            "app_version and last_sync_at are at most 64 characters".into(),
        ));
    }
    state
        .store
        .record_heartbeat(&kiosk.id, &beat, now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
