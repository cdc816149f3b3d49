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
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<crate::db::StoreError> for ApiError {
    fn from(e: crate::db::StoreError) -> Self {
        ApiError::Internal(e.into())
    }
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
                let mut body = ErrorBody::new(
                    "rate_limited",
                    format!("too many requests ({limit}); retry in {seconds} s"),
                );
                body.retry_after_seconds = Some(seconds);
                let mut response = (StatusCode::TOO_MANY_REQUESTS, Json(body)).into_response();
                if let Ok(v) = HeaderValue::from_str(&seconds.to_string()) {
                    response.headers_mut().insert(header::RETRY_AFTER, v);
                }
                return response;
            }
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
