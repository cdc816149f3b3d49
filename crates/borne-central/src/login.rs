//! The rules of a login with a one-time code: the delays after failures
//! (per number and per kiosk), the check of the code, its single use.
//! Every failure looks the same from outside: same answer, and the same
//! argon2 work whether or not a code exists.

use std::time::Duration;

use borne_domain::{OneTimeCode, PhoneNumber};
use secrecy::{ExposeSecret, SecretString};

use crate::codes::{self, HashError, HashGate, MAX_CODE_ATTEMPTS};
use crate::config::Limits;
use crate::db::{LoginScope, Store, StoreError, Timestamp};

/// A logged-in resident.
#[derive(Debug)]
pub struct LoggedIn {
    pub account_id: String,
    pub token: SecretString,
}

#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    /// Too many failures for this number or from this kiosk: wait.
    #[error("login delayed")]
    Delayed(Duration),
    /// Whatever the cause; nothing more is said.
    #[error("login failed")]
    Failed,
    /// No argon2 turn came free in time; the attempt was not counted.
    #[error("the code hashing is saturated")]
    Busy,
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<HashError> for LoginError {
    fn from(e: HashError) -> Self {
        match e {
            HashError::Busy => Self::Busy,
            HashError::Internal(e) => Self::Internal(e),
        }
    }
}

impl From<StoreError> for LoginError {
    fn from(e: StoreError) -> Self {
        Self::Internal(e.into())
    }
}

/// Checks `typed` against the number's active code and opens a session.
///
/// A delay in force (from failures for this number or from this kiosk)
/// refuses the attempt, except the first try of a code issued after the
/// last failure: a stranger's failures cannot lock the owner out.
pub async fn log_in(
    store: &Store,
    limits: &Limits,
    hashes: &HashGate,
    phone: &PhoneNumber,
    typed: &OneTimeCode,
    kiosk_id: &str,
    now: Timestamp,
) -> Result<LoggedIn, LoginError> {
    let active = store.active_code(phone).await?;
    if let Some(delay) = store.login_delay(phone, kiosk_id).await? {
        let fresh_first_try = active
            .as_ref()
            .is_some_and(|c| c.attempts == 0 && c.created_at > delay.last_failure);
        if delay.until > now && !fresh_first_try {
            return Err(LoginError::Delayed(Duration::from_secs(
                u64::try_from(delay.until - now).unwrap_or(1).max(1),
            )));
        }
    }
    let usable = active.filter(|c| c.expires_at > now);
    let hash = usable.as_ref().map(|c| c.code_hash.clone());
    // Without a usable code, the same work against a decoy.
    let matches = hashes.verify(typed.as_str(), hash).await?;
    let code = match usable {
        Some(code) if matches => code,
        other => {
            if let Some(code) = other {
                store.record_wrong_code(&code.id, MAX_CODE_ATTEMPTS).await?;
            }
            store
                .record_failed_login(
                    LoginScope::Phone,
                    &phone.e164(),
                    limits.login_failures_before_delay,
                    now,
                )
                .await?;
            store
                .record_failed_login(
                    LoginScope::Kiosk,
                    kiosk_id,
                    limits.kiosk_login_failures_before_delay,
                    now,
                )
                .await?;
            tracing::info!("login failed");
            return Err(LoginError::Failed);
        }
    };
    let token = codes::generate_token();
    if !store
        .consume_code(&code, &codes::token_hash(token.expose_secret()), now)
        .await?
    {
        return Err(LoginError::Failed);
    }
    store.clear_login_failures(phone).await?;
    Ok(LoggedIn {
        account_id: code.account_id,
        token,
    })
}
