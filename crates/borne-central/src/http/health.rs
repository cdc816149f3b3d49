//! Operations: `GET /healthz` (the process is up), `GET /readyz` (the
//! database answers), both on both listeners; `GET /metrics` (Prometheus,
//! administration listener); and the answer to an unknown route.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use borne_protocol::{self as wire, API_VERSION};

use super::{ApiError, AppState};
use crate::db::now;

/// Ready to serve: the database answers and has every migration this
/// build knows. A load balancer sends traffic only then. On both
/// listeners.
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
pub(super) async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<wire::Health>) {
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

/// Prometheus metrics. On the administration listener only.
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
pub(super) async fn metrics(State(state): State<AppState>) -> Result<String, ApiError> {
    let (pending, oldest) = state.store.outbox_depth(now()).await?;
    let paused = state.store.breaker().await?.paused_at.is_some();
    let silent_after = i64::try_from(state.config.kiosk_silent_after.as_secs()).unwrap_or(i64::MAX);
    let silent = state.store.silent_kiosks(now(), silent_after).await?;
    Ok(state.metrics.render(pending, oldest, paused, silent))
}

pub(super) async fn not_found() -> (StatusCode, Json<wire::ErrorBody>) {
    (
        StatusCode::NOT_FOUND,
        Json(wire::ErrorBody::new("not_found", "no such route")),
    )
}

/// The process is up (says nothing of the database: see `/readyz`). On
/// both listeners.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "operations",
    responses(
        (status = 200, description = "Up", body = wire::Health),
        (status = 400, description = "`api.version_mismatch`", body = wire::ErrorBody),
    )
)]
pub(super) async fn healthz() -> Json<wire::Health> {
    Json(wire::Health {
        status: "ok".into(),
        api_version: API_VERSION.into(),
    })
}
