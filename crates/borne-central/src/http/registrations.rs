//! `POST /v1/registrations`: offline registrations from kiosk queues, and
//! `POST /v1/pending-changes/{id}`: the verified owner's decision on one.

use axum::extract::rejection::JsonRejection;
use axum::extract::{Extension, Path, State};
use axum::Json;
use borne_domain::{PhoneNumber, ValidationErrors};
use borne_protocol::{self as wire, ErrorBody, REGISTRATION_BATCH_MAX};
use sha2::{Digest, Sha256};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::{json_body, rfc3339, ApiError, AppState, KioskIdentity, Session};
use crate::codes;
use crate::db::{now, IngestPolicy, Ingested, NewRegistration, Store};
use crate::outbox::CONFIRMATION_WINDOW_SECONDS;

/// Removes a request's ids from the in-flight set when it ends, however
/// it ends.
struct InFlight<'a> {
    state: &'a AppState,
    ids: Vec<String>,
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        let mut set = self
            .state
            .in_flight
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        for id in &self.ids {
            set.remove(id);
        }
    }
}

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

/// Parses one registration, with every field error.
fn parse(
    r: &wire::Registration,
    kiosk_id: &str,
    state: &AppState,
) -> Result<NewRegistration, ValidationErrors> {
    let mut errors = ValidationErrors::default();
    if uuid::Uuid::parse_str(&r.id).map(|u| u.get_version_num()) != Ok(7) {
        errors.push("id", "registration.invalid_id");
    }
    let captured_at = OffsetDateTime::parse(&r.captured_at, &Rfc3339).ok();
    if captured_at.is_none() {
        errors.push("captured_at", "registration.invalid_time");
    }
    let phone = errors.check(
        "phone",
        PhoneNumber::parse(&r.phone, &state.config.area_codes),
    );
    let consent = match r.consent.parse(kiosk_id) {
        Ok(c) => Some(c),
        Err(e) => {
            errors.0.extend(e.0);
            None
        }
    };
    super::check_categories(
        &r.profile,
        &state.config.categories,
        "profile.categories",
        &mut errors,
    );
    let profile = match r.profile.parse(&state.config.area_codes) {
        Ok(p) => Some(p),
        Err(e) => {
            for f in e.0 {
                errors.push(format!("profile.{}", f.field), f.code);
            }
            None
        }
    };
    let (Some(captured_at), Some(phone), Some(consent), Some(profile), true) =
        (captured_at, phone, consent, profile, errors.is_empty())
    else {
        return Err(errors);
    };
    let bytes = serde_json::to_vec(r).unwrap_or_default();
    Ok(NewRegistration {
        id: r.id.clone(),
        content_hash: Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect(),
        phone,
        channel: r.channel.into(),
        language: r.language.into(),
        consent,
        profile,
        profile_json: serde_json::to_string(&r.profile).unwrap_or_default(),
        consent_json: serde_json::to_string(&wire::Consent {
            kiosk_id: kiosk_id.to_owned(),
            ..r.consent.clone()
        })
        .unwrap_or_default(),
        owner_session_hash: r.owner_session.as_deref().map(codes::token_hash),
        captured_at: captured_at.unix_timestamp(),
    })
}

/// One transaction for the whole batch; one result per registration, in
/// order. A registration another request is storing right now gets 409;
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
        (status = 429, description = "`rate_limited`: the kiosk's hourly cap; none of the batch was taken", body = wire::ErrorBody, headers(("Retry-After" = u32, description = "Seconds to wait, as `retry_after_seconds`"))),
        (status = 500, description = "`internal`", body = wire::ErrorBody),
    )
)]
pub(super) async fn ingest(
    State(state): State<AppState>,
    Extension(kiosk): Extension<KioskIdentity>,
    body: Result<Json<wire::RegistrationBatch>, JsonRejection>,
) -> Result<Json<wire::RegistrationBatchResult>, ApiError> {
    let batch = json_body(body)?;
    if batch.registrations.len() > REGISTRATION_BATCH_MAX {
        return Err(ApiError::BadRequest(
            "registrations.too_many",
            format!("at most {REGISTRATION_BATCH_MAX} registrations per request"),
        ));
    }
    let mut results: Vec<Option<wire::RegistrationResult>> = vec![None; batch.registrations.len()];
    let mut guard = InFlight {
        state: &state,
        ids: Vec::new(),
    };
    let mut to_store = Vec::new();
    let mut positions = Vec::new();
    {
        let mut set = state.in_flight.lock().unwrap_or_else(|e| e.into_inner());
        for (i, r) in batch.registrations.iter().enumerate() {
            // The enrolled kiosk, whatever name it declares.
            match parse(r, &kiosk.id, &state) {
                Err(errors) => {
                    state.metrics.registration("rejected");
                    results[i] = Some(result(
                        &r.id,
                        422,
                        None,
                        Some(ErrorBody::validation(&errors)),
                    ));
                }
                Ok(parsed) => {
                    let mine = guard.ids.contains(&r.id);
                    if !mine && !set.insert(r.id.clone()) {
                        state.metrics.registration("in_progress");
                        results[i] = Some(in_progress(&r.id));
                        continue;
                    }
                    if !mine {
                        guard.ids.push(r.id.clone());
                    }
                    to_store.push(parsed);
                    positions.push(i);
                }
            }
        }
    }
    let now = now();
    let policy = IngestPolicy {
        delivery_window: CONFIRMATION_WINDOW_SECONDS,
        first_send_at: state.config.send_window.next_open(now),
        kiosk_per_hour: state.config.limits.kiosk_registrations_per_hour,
    };
    let stored = state
        .store
        .ingest_registrations(&to_store, &kiosk.id, now, policy)
        .await?;
    let accepted = Some(wire::IngestOutcome::Accepted);
    let mut limited = None;
    for (i, done) in positions.into_iter().zip(stored) {
        let id = &batch.registrations[i].id;
        results[i] = Some(match done {
            Ingested::Stored(o) => {
                state.metrics.registration(o.as_str());
                tracing::info!(registration = %id, outcome = o.as_str(), "offline registration stored");
                result(id, 200, accepted, None)
            }
            Ingested::Repeated => {
                state.metrics.registration("repeated");
                tracing::info!(registration = %id, "offline registration received again");
                result(id, 200, accepted, None)
            }
            Ingested::Limited(retry_after) => {
                state.metrics.registration("limited");
                limited = Some(retry_after);
                let mut body = ErrorBody::new(
                    "rate_limited",
                    "this kiosk synced its hourly share of registrations; retry later",
                );
                body.retry_after_seconds =
                    Some(u32::try_from(retry_after.as_secs().max(1)).unwrap_or(u32::MAX));
                result(id, 429, None, Some(body))
            }
            Ingested::InProgress => {
                state.metrics.registration("in_progress");
                in_progress(id)
            }
            Ingested::ContentMismatch => {
                state.metrics.registration("rejected");
                tracing::warn!(registration = %id, "registration id reused with other content");
                result(
                    id,
                    422,
                    None,
                    Some(ErrorBody::new(
                        "registration.content_mismatch",
                        "this registration id was stored before with other content",
                    )),
                )
            }
        });
    }
    drop(guard);
    state.wake.notify_one();
    let results: Vec<wire::RegistrationResult> = results.into_iter().flatten().collect();
    if let Some(retry_after) = limited.filter(|_| results.iter().all(|r| r.status == 429)) {
        state.metrics.rate_limited("kiosk_registrations");
        tracing::warn!(kiosk = %kiosk.id, retry_after = retry_after.as_secs(), "registrations refused by the kiosk's hourly cap");
        return Err(ApiError::RateLimited {
            limit: "kiosk_registrations",
            retry_after,
        });
    }
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
    Path(id): Path<String>,
    body: Result<Json<wire::PendingDecision>, JsonRejection>,
) -> Result<Json<wire::PendingDecisionResult>, ApiError> {
    let decision = json_body(body)?;
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
