//! Why a kiosk step failed: each reason has the stable code the UI
//! translates; [`ErrorBody`] is made from it in one place.

use borne_domain::ValidationErrors;
use borne_protocol::ErrorBody;

use crate::{ClientError, QueueError};

#[derive(Debug, thiserror::Error)]
pub enum KioskError {
    /// This step needs a resident session that was wiped or never begun
    /// (no number given, not logged in, nothing left to decide).
    #[error("start again from step 1")]
    SessionExpired,
    #[error("the kiosk could not save the registration")]
    QueueUnavailable,
    #[error("this kiosk took its share of offline registrations this hour; ask the staff")]
    OfflineCaptureLimit,
    #[error("the central server cannot be reached")]
    CentralUnreachable,
    #[error("the central server speaks another API version")]
    CentralIncompatible,
    #[error("unexpected answer from the central server")]
    CentralError,
    #[error("no staff PIN is configured")]
    StaffDisabled,
    #[error("wrong staff PIN")]
    StaffWrongPin,
    #[error("too many wrong PINs; staff mode is locked for a while")]
    StaffLocked { retry_after_seconds: u32 },
    #[error("open staff mode first")]
    StaffRequired,
    #[error("unknown, expired or already used enrollment code")]
    EnrollInvalidCode,
    #[error("the central server cannot be reached")]
    EnrollUnreachable,
    #[error("the device token could not be stored")]
    EnrollKeystore,
    /// Fields checked on the kiosk before asking the central server.
    #[error(transparent)]
    Invalid(ValidationErrors),
    /// The central server's own refusal (its code, fields and wait),
    /// passed on as it came.
    #[error(transparent)]
    Refused(ErrorBody),
}

impl KioskError {
    /// The stable code the UI translates.
    pub fn code(&self) -> &str {
        match self {
            Self::SessionExpired => "session.expired",
            Self::QueueUnavailable => "kiosk.queue_unavailable",
            Self::OfflineCaptureLimit => "offline.capture_limit",
            Self::CentralUnreachable => "central.unreachable",
            Self::CentralIncompatible => "central.incompatible",
            Self::CentralError => "central.error",
            Self::StaffDisabled => "staff.disabled",
            Self::StaffWrongPin => "staff.wrong_pin",
            Self::StaffLocked { .. } => "staff.locked",
            Self::StaffRequired => "staff.required",
            Self::EnrollInvalidCode => "enroll.invalid_code",
            Self::EnrollUnreachable => "enroll.unreachable",
            Self::EnrollKeystore => "enroll.keystore",
            Self::Invalid(_) => "validation",
            Self::Refused(body) => &body.code,
        }
    }

    /// How long to wait before trying again, when that is known.
    pub fn retry_after_seconds(&self) -> Option<u32> {
        match self {
            Self::StaffLocked {
                retry_after_seconds,
            } => Some(*retry_after_seconds),
            Self::Refused(body) => body.retry_after_seconds,
            _ => None,
        }
    }
}

/// What the UI gets: `{code, message, fields, retry_after_seconds}`.
impl From<KioskError> for ErrorBody {
    fn from(e: KioskError) -> Self {
        match e {
            KioskError::Refused(body) => body,
            KioskError::Invalid(errors) => ErrorBody::validation(&errors),
            e => ErrorBody {
                retry_after_seconds: e.retry_after_seconds(),
                ..ErrorBody::new(e.code(), e.to_string())
            },
        }
    }
}

/// The log says why; the resident gets a stable code.
impl From<ClientError> for KioskError {
    fn from(e: ClientError) -> Self {
        match e {
            ClientError::Unreachable(why) => {
                tracing::warn!(%why, "central server unreachable");
                Self::CentralUnreachable
            }
            ClientError::Incompatible(v) => {
                tracing::error!(server_version = %v, "central server API version is incompatible");
                Self::CentralIncompatible
            }
            ClientError::Protocol(why) => {
                tracing::error!(%why, "unreadable answer from the central server");
                Self::CentralError
            }
            ClientError::Api { status, body } => {
                tracing::info!(status, code = %body.code, "central server refused");
                Self::Refused(body)
            }
        }
    }
}

impl From<QueueError> for KioskError {
    fn from(e: QueueError) -> Self {
        tracing::error!(error = %e, "queue unavailable");
        Self::QueueUnavailable
    }
}
