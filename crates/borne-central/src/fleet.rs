//! Enrolling kiosks: the name rule, the one-time code (24 h) of which
//! only the SHA-256 is kept. The `kiosk enroll` command and the console
//! both call [`enroll`].

use secrecy::{ExposeSecret, SecretString};

use crate::codes;
use crate::db::{Store, StoreError, Timestamp};

/// How long an enrollment code stays valid.
pub const ENROLLMENT_TTL_SECONDS: i64 = 24 * 3_600;
/// The longest kiosk name (where it stands).
pub const NAME_MAX_CHARS: usize = 100;

/// A kiosk waiting for its code to be typed in its staff panel.
#[derive(Debug)]
pub struct Enrollment {
    pub id: String,
    pub name: String,
    /// Shown once; only its SHA-256 is stored.
    pub code: SecretString,
    pub expires_at: Timestamp,
}

#[derive(Debug, thiserror::Error)]
pub enum EnrollError {
    #[error("the name must be 1 to {NAME_MAX_CHARS} characters")]
    BadName,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A new kiosk named `name` (trimmed) and its one-time enrollment code.
pub async fn enroll(store: &Store, name: &str, now: Timestamp) -> Result<Enrollment, EnrollError> {
    let name = name.trim();
    if name.is_empty()
        || name.chars().count() > NAME_MAX_CHARS
        || name.chars().any(char::is_control)
    {
        return Err(EnrollError::BadName);
    }
    let code = codes::generate_enrollment_code();
    let expires_at = now + ENROLLMENT_TTL_SECONDS;
    let id = store
        .create_kiosk(
            name,
            &codes::enrollment_code_hash(code.expose_secret()),
            now,
            expires_at,
        )
        .await?;
    Ok(Enrollment {
        id,
        name: name.to_owned(),
        code,
        expires_at,
    })
}
