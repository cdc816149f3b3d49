//! `/v1/admin/*`: the town's administrator, with `BORNE_ADMIN_TOKEN`.

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use borne_protocol as wire;
use serde::{Deserialize, Serialize};

use super::{rfc3339, ApiError, ApiPath, ApiQuery, AppState, Peer};
use crate::access::{AccessAction, Accessor};
use crate::codes;
use crate::db::now;

/// Only the administrator's token opens these routes; without one
/// configured they do not exist.
pub(super) async fn require_admin(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let Some(expected) = state.config.admin_token_hash.as_deref() else {
        return Err(ApiError::NotFound);
    };
    let presented = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    // Hashes of the secrets are compared: timing tells nothing about it.
    if presented.is_empty() || codes::token_hash(presented) != expected {
        tracing::warn!("administration refused: missing or wrong token");
        return Err(ApiError::AdminUnauthorized);
    }
    Ok(next.run(request).await)
}

#[derive(Debug, Deserialize, Serialize)]
pub(super) struct ExportQuery {
    /// Also residents whose number is not confirmed yet (by a login
    /// with a code, or an answer to the confirmation message).
    #[serde(default)]
    include_unconfirmed: bool,
    /// Only profiles saved at or after this time (RFC 3339 or `YYYY-MM-DD`).
    since: Option<String>,
}

/// `GET /v1/admin/contacts.csv?since=2026-11-01`: the alert recipients
/// (confirmed numbers only, unless `include_unconfirmed=true`).
#[utoipa::path(
    get,
    path = "/v1/admin/contacts.csv",
    tag = "admin",
    security(("admin_token" = [])),
    params(
        ("include_unconfirmed" = Option<bool>, Query, description = "Also residents whose number is not confirmed yet (default: confirmed recipients only)"),
        ("since" = Option<String>, Query, description = "Only profiles saved at or after this time (RFC 3339 or `YYYY-MM-DD`)"),
    ),
    responses(
        (status = 200, description = "The contacts, one row per contact point, as an attachment", body = String, content_type = "text/csv"),
        (status = 400, description = "`export.invalid_since`, `request.malformed` (a repeated or mistyped parameter) or `api.version_mismatch`", body = wire::ErrorBody),
        (status = 401, description = "`admin.unauthorized`", body = wire::ErrorBody),
        (status = 404, description = "`not_found`: no administrator token is configured", body = wire::ErrorBody),
        (status = 500, description = "`internal`", body = wire::ErrorBody),
    )
)]
pub(super) async fn contacts_csv(
    State(state): State<AppState>,
    peer: Peer,
    ApiQuery(q): ApiQuery<ExportQuery>,
) -> Result<Response, ApiError> {
    let since = match q.since.as_deref() {
        Some(s) => Some(crate::export::parse_since(s).ok_or_else(|| {
            ApiError::BadRequest(
                "export.invalid_since",
                "since must be a date (2026-11-01) or an RFC 3339 time".into(),
            )
        })?),
        None => None,
    };
    let rows = state
        .store
        .export_contacts(!q.include_unconfirmed, since)
        .await?;
    let body = crate::export::contacts_csv(&rows)?;
    state
        .store
        .log_access(
            &Accessor::api_token(peer.ip()),
            AccessAction::ExportContacts,
            None,
            Some(&crate::export::filters(
                q.include_unconfirmed,
                since,
                rows.len(),
            )),
            now(),
        )
        .await?;
    tracing::info!(rows = rows.len(), "contacts exported");
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8; header=present"),
    );
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"borne-contacts.csv\""),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// `GET /v1/admin/confirmations`: offline registrations whose phone has
/// not confirmed yet, by kiosk then oldest first.
#[utoipa::path(
    get,
    path = "/v1/admin/confirmations",
    tag = "admin",
    security(("admin_token" = [])),
    responses(
        (status = 200, description = "Unconfirmed registrations (no phone numbers)", body = wire::UnconfirmedList),
        (status = 400, description = "`api.version_mismatch`", body = wire::ErrorBody),
        (status = 401, description = "`admin.unauthorized`", body = wire::ErrorBody),
        (status = 404, description = "`not_found`: no administrator token is configured", body = wire::ErrorBody),
        (status = 500, description = "`internal`", body = wire::ErrorBody),
    )
)]
pub(super) async fn unconfirmed(
    State(state): State<AppState>,
) -> Result<Json<wire::UnconfirmedList>, ApiError> {
    let now = now();
    let registrations = state
        .store
        .unconfirmed()
        .await?
        .into_iter()
        .map(|u| wire::UnconfirmedRegistration {
            reference: wire::registration_reference(&u.registration_id),
            registration_id: u.registration_id,
            kiosk_id: u.kiosk_id,
            kiosk_name: u.kiosk_name,
            channel: u.channel.into(),
            received_at: rfc3339(u.created_at),
            age_seconds: u64::try_from(now - u.created_at).unwrap_or(0),
            messages_sent: u32::try_from(u.sends).unwrap_or(0),
            reminded: u.reminded,
        })
        .collect();
    Ok(Json(wire::UnconfirmedList { registrations }))
}

/// `POST /v1/admin/confirmations/{id}/resend`: asks the phone again
/// (within the send hours and the number's caps).
#[utoipa::path(
    post,
    path = "/v1/admin/confirmations/{id}/resend",
    tag = "admin",
    security(("admin_token" = [])),
    params(
        ("id" = String, Path, description = "The registration's id"),
    ),
    responses(
        (status = 202, description = "Queued: it goes out within the send hours"),
        (status = 400, description = "`request.malformed` (an id that is not UTF-8) or `api.version_mismatch`", body = wire::ErrorBody),
        (status = 401, description = "`admin.unauthorized`", body = wire::ErrorBody),
        (status = 404, description = "`not_found`: no such registration waiting for confirmation, or no administrator token is configured", body = wire::ErrorBody),
        (status = 500, description = "`internal`", body = wire::ErrorBody),
    )
)]
pub(super) async fn resend_confirmation(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    crate::confirmations::resend(&state.store, &state.config.send_window, &id, now())
        .await?
        .ok_or(ApiError::NotFound)?;
    state.wake.notify_one();
    tracing::info!(registration = %id, "confirmation resent by an administrator");
    Ok(StatusCode::ACCEPTED)
}
