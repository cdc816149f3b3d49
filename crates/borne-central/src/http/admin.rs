//! `/v1/admin/*`: the town's administrator, with `BORNE_ADMIN_TOKEN`.

use axum::extract::{Query, Request, State};
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use borne_protocol as wire;
use serde::Deserialize;

use super::{ApiError, AppState};
use crate::codes;

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

#[derive(Debug, Deserialize)]
pub(super) struct ExportQuery {
    /// Only numbers confirmed by a login.
    #[serde(default)]
    verified_only: bool,
    /// Only profiles saved at or after this time (RFC 3339 or `YYYY-MM-DD`).
    since: Option<String>,
}

/// `GET /v1/admin/contacts.csv?verified_only=true&since=2026-11-01`
#[utoipa::path(
    get,
    path = "/v1/admin/contacts.csv",
    tag = "admin",
    security(("admin_token" = [])),
    params(
        ("verified_only" = Option<bool>, Query, description = "Only numbers confirmed by a login"),
        ("since" = Option<String>, Query, description = "Only profiles saved at or after this time (RFC 3339 or `YYYY-MM-DD`)"),
    ),
    responses(
        (status = 200, description = "The contacts, one row per contact point, as an attachment", body = String, content_type = "text/csv"),
        (status = 400, description = "`export.invalid_since`, `api.version_mismatch`, or a malformed query (plain text)", body = wire::ErrorBody),
        (status = 401, description = "`admin.unauthorized`", body = wire::ErrorBody),
        (status = 404, description = "`not_found`: no administrator token is configured", body = wire::ErrorBody),
        (status = 500, description = "`internal`", body = wire::ErrorBody),
    )
)]
pub(super) async fn contacts_csv(
    State(state): State<AppState>,
    Query(q): Query<ExportQuery>,
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
    let rows = state.store.export_contacts(q.verified_only, since).await?;
    let body = crate::export::contacts_csv(&rows)?;
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
