//! Kiosk updates from the central server they already trust:
//! `GET /v1/updates/{target}/{current_version}` answers the Tauri
//! updater's JSON for the newest release offered to this kiosk (its
//! staged rollout), or 204; `GET /v1/updates/files/{id}` serves the file
//! (one copy in memory for every download of it: `release_files`).
//! Both need the device token. Which release: `releases::choose`.

use axum::extract::{Extension, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use borne_protocol as wire;

use super::{rfc3339, ApiError, ApiPath, AppState, KioskIdentity};
use crate::releases::{self, Target};

/// The newest release offered to this kiosk, if newer than its own.
#[utoipa::path(
    get,
    path = "/v1/updates/{target}/{current_version}",
    tag = "kiosks",
    security(("device_token" = [])),
    params(
        ("target" = String, Path, description = "The kiosk's platform as the Tauri updater names it: `linux-x86_64`, `linux-aarch64`, `windows-x86_64`, `darwin-aarch64`, `darwin-x86_64`; `linux-x86_64-deb`, `linux-aarch64-deb` for a kiosk installed from the `.deb` (offered the `.deb`)"),
        ("current_version" = String, Path, description = "The kiosk's version (semver, e.g. `0.1.0`)"),
    ),
    responses(
        (status = 200, description = "A newer release is offered to this kiosk", body = wire::UpdateManifest),
        (status = 204, description = "This kiosk is up to date (or no release is offered to it yet)"),
        (status = 400, description = "`request.malformed` (an unknown target, a version that is not semver) or `api.version_mismatch`", body = wire::ErrorBody),
        (status = 401, description = "`kiosk.unauthorized` or `kiosk.revoked`", body = wire::ErrorBody),
        (status = 404, description = "`not_found`: an empty target or version (no such route)", body = wire::ErrorBody),
        (status = 500, description = "`internal`", body = wire::ErrorBody),
    )
)]
pub(super) async fn check(
    State(state): State<AppState>,
    Extension(kiosk): Extension<KioskIdentity>,
    headers: HeaderMap,
    ApiPath((target, current_version)): ApiPath<(String, String)>,
) -> Result<Response, ApiError> {
    let malformed =
        |e: releases::ReleaseError| ApiError::BadRequest("request.malformed", e.to_string());
    let target: Target = target.parse().map_err(malformed)?;
    let current = releases::parse_version(&current_version).map_err(malformed)?;
    let group = state.store.kiosk_group(&kiosk.id).await?;
    let offers = state.store.offers(target).await?;
    let Some(offer) = releases::choose(&offers, &current, &kiosk.id, group.as_deref()) else {
        return Ok(StatusCode::NO_CONTENT.into_response());
    };
    let Some(release) = state.store.release(&offer.id).await? else {
        return Ok(StatusCode::NO_CONTENT.into_response());
    };
    tracing::info!(kiosk = %kiosk.id, target = target.as_str(), from = %current, to = %release.version, "update offered");
    let base = match &state.config.public_url {
        Some(url) => url.clone(),
        None => format!(
            "http://{}",
            headers
                .get(header::HOST)
                .and_then(|h| h.to_str().ok())
                .filter(|h| h.parse::<axum::http::uri::Authority>().is_ok())
                .unwrap_or("localhost")
        ),
    };
    Ok(Json(wire::UpdateManifest {
        version: release.version,
        notes: release.notes,
        pub_date: rfc3339(release.created_at),
        url: format!("{base}/v1/updates/files/{}", release.id),
        signature: release.signature,
    })
    .into_response())
}

/// A release's file, for the kiosk to verify and install.
#[utoipa::path(
    get,
    path = "/v1/updates/files/{id}",
    tag = "kiosks",
    security(("device_token" = [])),
    params(
        ("id" = String, Path, description = "The release's id, from the `url` of the update answer"),
    ),
    responses(
        (status = 200, description = "The release file (its signature is in the update answer)", body = Vec<u8>, content_type = "application/octet-stream"),
        (status = 400, description = "`request.malformed` (an id that is not UTF-8) or `api.version_mismatch`", body = wire::ErrorBody),
        (status = 401, description = "`kiosk.unauthorized` or `kiosk.revoked`", body = wire::ErrorBody),
        (status = 404, description = "`not_found`: no such release", body = wire::ErrorBody),
        (status = 500, description = "`internal`", body = wire::ErrorBody),
    )
)]
pub(super) async fn file(
    State(state): State<AppState>,
    Extension(kiosk): Extension<KioskIdentity>,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, ApiError> {
    let bytes = state
        .release_files
        .open(&state.store, &id)
        .await?
        .ok_or(ApiError::NotFound)?;
    tracing::info!(kiosk = %kiosk.id, release = %id, bytes = bytes.len(), "update downloaded");
    let mut response = bytes.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    Ok(response)
}
