//! The one error type of the HTTP API. 4xx bodies carry a stable code and
//! field errors; 5xx bodies are opaque (details go to the log).

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use borne_domain::ValidationErrors;
use borne_protocol::ErrorBody;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("validation failed: {0}")]
    Validation(ValidationErrors),
    #[error("bad request: {1}")]
    BadRequest(&'static str, String),
    #[error("kiosk not authorized")]
    KioskUnauthorized,
    #[error("kiosk revoked")]
    KioskRevoked,
    #[error("administrator not authorized")]
    AdminUnauthorized,
    #[error("enrollment code refused")]
    EnrollmentRefused,
    #[error("session missing or expired")]
    SessionExpired,
    /// Every failed login, whatever the cause (unknown number, no code
    /// waiting, wrong, expired or burned code): one answer tells nothing.
    #[error("login failed")]
    LoginFailed,
    #[error("rate limited ({limit})")]
    RateLimited {
        limit: &'static str,
        retry_after: std::time::Duration,
    },
    #[error("not found")]
    NotFound,
    #[error("bad provider signature")]
    BadSignature,
    #[error("api version mismatch: {0}")]
    VersionMismatch(String),
    /// The body is larger than the route takes (`BORNE_HTTP_*BODY_LIMIT_BYTES`).
    #[error("request body over {limit} bytes")]
    TooLarge { limit: usize },
    /// The body did not fully arrive in time (`BORNE_HTTP_BODY_TIMEOUT_SECONDS`).
    #[error("request body not received in time")]
    BodyTimeout,
    /// No answer was ready in time (`BORNE_HTTP_REQUEST_TIMEOUT_SECONDS`).
    #[error("request not answered in time")]
    ServerTimeout,
    /// Every argon2 turn stayed taken for `BORNE_HASH_WAIT_MS`.
    #[error("argon2 saturated")]
    Busy,
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<crate::db::StoreError> for ApiError {
    fn from(e: crate::db::StoreError) -> Self {
        ApiError::Internal(e.into())
    }
}

/// `Retry-After` of 503 `server.busy`: a turn frees within one argon2
/// run (about 20 ms of a core), so the next second is likely to find one.
const BUSY_RETRY_AFTER_SECONDS: u32 = 1;
/// `Retry-After` of 503 `server.timeout`.
const TIMEOUT_RETRY_AFTER_SECONDS: u32 = 5;

/// `body` with `retry_after_seconds`, and the same in `Retry-After`.
fn retry_later(status: StatusCode, mut body: ErrorBody, seconds: u32) -> Response {
    body.retry_after_seconds = Some(seconds);
    let mut response = (status, Json(body)).into_response();
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    response
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, body) = match &self {
            ApiError::Validation(errors) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorBody::validation(errors),
            ),
            ApiError::BadRequest(code, message) => (
                StatusCode::BAD_REQUEST,
                ErrorBody::new(*code, message.clone()),
            ),
            ApiError::KioskUnauthorized => (
                StatusCode::UNAUTHORIZED,
                ErrorBody::new("kiosk.unauthorized", "missing or wrong kiosk token"),
            ),
            ApiError::KioskRevoked => (
                StatusCode::UNAUTHORIZED,
                ErrorBody::new("kiosk.revoked", "this kiosk was revoked; enroll it again"),
            ),
            ApiError::AdminUnauthorized => (
                StatusCode::UNAUTHORIZED,
                ErrorBody::new("admin.unauthorized", "missing or wrong administrator token"),
            ),
            ApiError::EnrollmentRefused => (
                StatusCode::FORBIDDEN,
                ErrorBody::new(
                    "enroll.invalid_code",
                    "unknown, expired or already used enrollment code",
                ),
            ),
            ApiError::SessionExpired => (
                StatusCode::UNAUTHORIZED,
                ErrorBody::new("session.expired", "log in again with a new code"),
            ),
            ApiError::LoginFailed => (
                StatusCode::UNAUTHORIZED,
                ErrorBody::new(
                    "login.invalid_code",
                    "wrong, expired or used code; check it or ask for a new one",
                ),
            ),
            ApiError::RateLimited { limit, retry_after } => {
                let seconds = u32::try_from(retry_after.as_secs().max(1)).unwrap_or(u32::MAX);
                return retry_later(
                    StatusCode::TOO_MANY_REQUESTS,
                    ErrorBody::new(
                        "rate_limited",
                        format!("too many requests ({limit}); retry in {seconds} s"),
                    ),
                    seconds,
                );
            }
            ApiError::Busy => {
                return retry_later(
                    StatusCode::SERVICE_UNAVAILABLE,
                    ErrorBody::new(
                        "server.busy",
                        "the server is busy checking other codes; retry shortly",
                    ),
                    BUSY_RETRY_AFTER_SECONDS,
                );
            }
            ApiError::ServerTimeout => {
                tracing::warn!("request not answered in time");
                return retry_later(
                    StatusCode::SERVICE_UNAVAILABLE,
                    ErrorBody::new("server.timeout", "the server did not answer in time"),
                    TIMEOUT_RETRY_AFTER_SECONDS,
                );
            }
            ApiError::TooLarge { limit } => (
                StatusCode::PAYLOAD_TOO_LARGE,
                ErrorBody::new(
                    "request.too_large",
                    format!("the request body is over {limit} bytes"),
                ),
            ),
            ApiError::BodyTimeout => (
                StatusCode::REQUEST_TIMEOUT,
                ErrorBody::new("request.timeout", "the request body did not arrive in time"),
            ),
            ApiError::NotFound => (
                StatusCode::NOT_FOUND,
                ErrorBody::new("not_found", "no such resource"),
            ),
            ApiError::BadSignature => (
                StatusCode::FORBIDDEN,
                ErrorBody::new(
                    "webhook.bad_signature",
                    "missing or wrong X-Twilio-Signature",
                ),
            ),
            ApiError::VersionMismatch(v) => (
                StatusCode::BAD_REQUEST,
                ErrorBody::new(
                    "api.version_mismatch",
                    format!(
                        "this server speaks API {}, not {v}",
                        borne_protocol::API_VERSION
                    ),
                ),
            ),
            ApiError::Internal(e) => {
                tracing::error!(error = ?e, "internal error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    ErrorBody::new("internal", "internal error"),
                )
            }
        };
        let mut response = (status, Json(body)).into_response();
        // The rest of the body was not read: the connection cannot carry
        // another request.
        if matches!(self, ApiError::TooLarge { .. } | ApiError::BodyTimeout) {
            response
                .headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        if status == StatusCode::UNAUTHORIZED
            && matches!(
                self,
                ApiError::KioskUnauthorized | ApiError::KioskRevoked | ApiError::AdminUnauthorized
            )
        {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}
