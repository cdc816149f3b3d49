//! A logged-in resident's profile: `GET /v1/profile` and
//! `PUT /v1/profile` (the form's rules are in [`crate::profile`]).

use axum::extract::State;
use axum::Extension;
use axum::Json;
use borne_protocol as wire;

use super::{rfc3339, ApiError, ApiJson, AppState, KioskIdentity, Session};
use crate::db::now;

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
pub(super) async fn get_profile(
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
pub(super) async fn put_profile(
    State(state): State<AppState>,
    Extension(kiosk): Extension<KioskIdentity>,
    session: Session,
    ApiJson(form): ApiJson<wire::Profile>,
) -> Result<Json<wire::SavedProfile>, ApiError> {
    let profile =
        crate::profile::parse_form(&form, &state.config.categories, &state.config.area_codes)
            .map_err(ApiError::Validation)?;
    let now = now();
    // The resident may have deleted their account meanwhile (`DELETE
    // /v1/me` on another request): their session ended with it.
    if !state
        .store
        .save_profile(&session.account_id, &profile, &kiosk.id, now)
        .await?
    {
        return Err(ApiError::SessionExpired);
    }
    let stored = state
        .store
        .load_profile(&session.account_id)
        .await?
        .ok_or(ApiError::SessionExpired)?;
    tracing::info!(contacts = profile.contacts().len(), "profile saved");
    Ok(Json(wire::SavedProfile {
        profile: stored,
        saved_at: rfc3339(now),
    }))
}
