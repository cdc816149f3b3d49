//! `POST /v1/registrations`: offline registrations from kiosk queues, and
//! `POST /v1/pending-changes/{id}`: the verified owner's decision on one.
//! The rules of ingest are in [`crate::ingest`].

use axum::extract::{Extension, State};
use axum::Json;
use borne_protocol::{self as wire, ErrorBody, REGISTRATION_BATCH_MAX};

use super::{rfc3339, ApiError, ApiJson, ApiPath, AppState, KioskIdentity, Session};
use crate::db::{now, Store};
use crate::ingest::{Ingest, IngestError, Received};

/// 409: another request (on this instance or another one) is storing
/// this id right now; the kiosk retries later.
fn in_progress(id: &str) -> wire::RegistrationResult {
    result(
        id,
        409,
        None,
        Some(ErrorBody::new(
            "registration.in_progress",
            "this registration is being stored by another request",
        )),
    )
}

fn result(
    id: &str,
    status: u16,
    outcome: Option<wire::IngestOutcome>,
    error: Option<ErrorBody>,
) -> wire::RegistrationResult {
    wire::RegistrationResult {
        id: id.to_owned(),
        status,
        outcome,
        error,
    }
}

/// The answer to one registration of a batch.
fn answer(id: &str, received: &Received) -> wire::RegistrationResult {
    match received {
        Received::Accepted => result(id, 200, Some(wire::IngestOutcome::Accepted), None),
        Received::Invalid(errors) => result(id, 422, None, Some(ErrorBody::validation(errors))),
        Received::InProgress => in_progress(id),
        Received::Limited(retry_after) => {
            let mut body = ErrorBody::new(
                "rate_limited",
                "this kiosk synced its hourly share of registrations; retry later",
            );
            body.retry_after_seconds =
                Some(u32::try_from(retry_after.as_secs().max(1)).unwrap_or(u32::MAX));
            result(id, 429, None, Some(body))
        }
        Received::ContentMismatch => result(
            id,
            422,
            None,
            Some(ErrorBody::new(
                "registration.content_mismatch",
                "this registration id was stored before with other content",
            )),
        ),
    }
}

/// One transaction for the whole batch; one result per registration, in
/// order. When this instance already has as many batches in hand as it
/// takes at once, 429 with a jittered `Retry-After` (back-pressure: the
/// kiosk keeps its queue and comes back later). A registration another request is storing right now gets 409;
/// one over the kiosk's hourly cap 429 (the whole answer is 429 with
/// `Retry-After` when none of the batch could be taken); an invalid one,
/// or a known id with other content, 422. Every stored one is only
/// "accepted": whether the number had an account is not said.
#[utoipa::path(
    post,
    path = "/v1/registrations",
    tag = "registrations",
    security(("device_token" = [])),
    request_body = wire::RegistrationBatch,
    responses(
        (status = 200, description = "One result per registration, in order: `status` 200 (`accepted`), 409 or 429 (retry later) or 422 (never retry)", body = wire::RegistrationBatchResult),
        (status = 400, description = "`request.malformed`, `registrations.too_many` (over 100) or `api.version_mismatch`", body = wire::ErrorBody),
        (status = 401, description = "`kiosk.unauthorized` or `kiosk.revoked`", body = wire::ErrorBody),
        (status = 429, description = "`rate_limited`: the kiosk's hourly cap (none of the batch was taken), or this instance is storing as many batches as it takes at once (`BORNE_SYNC_CONCURRENCY`; nothing was read); retry after the jittered `Retry-After`", body = wire::ErrorBody, headers(("Retry-After" = u32, description = "Seconds to wait, as `retry_after_seconds`"))),
        (status = 500, description = "`internal`", body = wire::ErrorBody),
    )
)]
pub(super) async fn ingest(
    State(state): State<AppState>,
    Extension(kiosk): Extension<KioskIdentity>,
    ApiJson(batch): ApiJson<wire::RegistrationBatch>,
) -> Result<Json<wire::RegistrationBatchResult>, ApiError> {
    let _turn = state.intake.admit().map_err(|retry_after| {
        state.metrics.rate_limited("sync_backlog");
        ApiError::RateLimited {
            limit: "sync_backlog",
            retry_after,
        }
    })?;
    let ctx = Ingest {
        store: &state.store,
        config: &state.config,
        metrics: &state.metrics,
        in_flight: &state.in_flight,
    };
    // The enrolled kiosk, whatever name it declares.
    let received = crate::ingest::ingest(ctx, &batch.registrations, &kiosk.id)
        .await
        .map_err(|e| match e {
            IngestError::TooMany => ApiError::BadRequest(
                "registrations.too_many",
                format!("at most {REGISTRATION_BATCH_MAX} registrations per request"),
            ),
            IngestError::Internal(e) => ApiError::Internal(e),
        })?;
    state.wake.notify_one();
    if let Some(retry_after) = crate::ingest::batch_refused(&received) {
        state.metrics.rate_limited("kiosk_registrations");
        tracing::warn!(kiosk = %kiosk.id, retry_after = retry_after.as_secs(), "registrations refused by the kiosk's hourly cap");
        return Err(ApiError::RateLimited {
            limit: "kiosk_registrations",
            retry_after,
        });
    }
    let results = batch
        .registrations
        .iter()
        .zip(&received)
        .map(|(r, received)| answer(&r.id, received))
        .collect();
    Ok(Json(wire::RegistrationBatchResult { results }))
}

/// The pending change shown to the owner after login, if any.
pub(super) async fn pending_change_view(
    store: &Store,
    account_id: &str,
) -> Result<Option<wire::PendingChange>, ApiError> {
    let Some(p) = store.pending_change(account_id).await? else {
        return Ok(None);
    };
    let profile: wire::Profile = serde_json::from_str(&p.profile_json)
        .map_err(|e| anyhow::anyhow!("stored pending change unreadable: {e}"))?;
    Ok(Some(wire::PendingChange {
        id: p.id,
        captured_at: rfc3339(p.captured_at),
        kiosk_id: p.kiosk_id,
        profile,
    }))
}

/// The owner, logged in, applies or discards the pending change shown
/// after login.
#[utoipa::path(
    post,
    path = "/v1/pending-changes/{id}",
    tag = "residents",
    security(("device_token" = [])),
    params(
        ("id" = String, Path, description = "The pending change's id (its registration's)"),
        ("borne-session" = String, Header, description = "The `session_token` from `POST /v1/login`"),
    ),
    request_body = wire::PendingDecision,
    responses(
        (status = 200, description = "The stored profile after the decision", body = wire::PendingDecisionResult),
        (status = 400, description = "`request.malformed` or `api.version_mismatch`", body = wire::ErrorBody),
        (status = 401, description = "`kiosk.unauthorized`, `kiosk.revoked` or `session.expired`", body = wire::ErrorBody),
        (status = 404, description = "`not_found`: no such pending change for this resident", body = wire::ErrorBody),
        (status = 422, description = "`validation`: the stored profile no longer passes", body = wire::ErrorBody),
        (status = 500, description = "`internal`", body = wire::ErrorBody),
    )
)]
pub(super) async fn decide_pending_change(
    State(state): State<AppState>,
    session: Session,
    ApiPath(id): ApiPath<String>,
    ApiJson(decision): ApiJson<wire::PendingDecision>,
) -> Result<Json<wire::PendingDecisionResult>, ApiError> {
    let pending = state
        .store
        .pending_change(&session.account_id)
        .await?
        .filter(|p| p.id == id)
        .ok_or(ApiError::NotFound)?;
    let now = now();
    let done = if decision.accept {
        let (profile, consent) =
            crate::confirmations::parse_pending_change(&pending, &state.config.area_codes)?
                .map_err(ApiError::Validation)?;
        state
            .store
            .resolve_pending_change(&session.account_id, &id, Some((&profile, &consent)), now)
            .await?
    } else {
        state
            .store
            .resolve_pending_change(&session.account_id, &id, None, now)
            .await?
    };
    if !done {
        return Err(ApiError::NotFound);
    }
    tracing::info!(registration = %id, accepted = decision.accept, "pending change decided");
    Ok(Json(wire::PendingDecisionResult {
        profile: state.store.load_profile(&session.account_id).await?,
    }))
}
