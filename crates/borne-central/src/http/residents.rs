//! A resident's rights over their data (Law 25), after a login with a
//! fresh code: `GET /v1/me` (everything stored about them, as JSON) and
//! `DELETE /v1/me` (the account and all it holds).

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use borne_protocol as wire;

use super::{ApiError, AppState, Session};
use crate::db::{now, DeletionBy};

/// Everything stored about the logged-in resident, as JSON (Law 25).
#[utoipa::path(
    get,
    path = "/v1/me",
    tag = "residents",
    security(("device_token" = [])),
    params(
        ("borne-session" = String, Header, description = "The `session_token` from `POST /v1/login`"),
    ),
    responses(
        (status = 200, description = "Everything stored: account, profile, consents, deliveries, SMS opt-out, pending changes, registrations", body = wire::ResidentData),
        (status = 400, description = "`api.version_mismatch`", body = wire::ErrorBody),
        (status = 401, description = "`session.expired`, `kiosk.unauthorized` or `kiosk.revoked`", body = wire::ErrorBody),
        (status = 500, description = "`internal`", body = wire::ErrorBody),
    )
)]
pub(super) async fn my_data(
    State(state): State<AppState>,
    session: Session,
) -> Result<Json<wire::ResidentData>, ApiError> {
    let data = state
        .store
        .resident_data(&session.account_id)
        .await?
        .ok_or(ApiError::SessionExpired)?;
    tracing::info!("a resident downloaded their data");
    Ok(Json(data))
}

/// Deletes the logged-in resident's account and all it holds (Law 25).
#[utoipa::path(
    delete,
    path = "/v1/me",
    tag = "residents",
    security(("device_token" = [])),
    params(
        ("borne-session" = String, Header, description = "The `session_token` from `POST /v1/login`"),
    ),
    responses(
        (status = 204, description = "Deleted; the session ends with it"),
        (status = 400, description = "`api.version_mismatch`", body = wire::ErrorBody),
        (status = 401, description = "`session.expired`, `kiosk.unauthorized` or `kiosk.revoked`", body = wire::ErrorBody),
        (status = 500, description = "`internal`", body = wire::ErrorBody),
    )
)]
pub(super) async fn delete_me(
    State(state): State<AppState>,
    session: Session,
) -> Result<StatusCode, ApiError> {
    if !state
        .store
        .delete_account(&session.account_id, DeletionBy::Resident, now())
        .await?
    {
        return Err(ApiError::SessionExpired);
    }
    tracing::info!("a resident deleted their account");
    Ok(StatusCode::NO_CONTENT)
}
