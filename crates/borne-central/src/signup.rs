//! The rules of a sign-up (or « Mot de passe oublié? »): what a request
//! must hold, the consent recorded at the enrolled kiosk, the caps per
//! number and per kiosk, the one-time code issued and queued.

use std::time::Duration;

use borne_domain::{ConsentRecord, PhoneNumber, ValidationErrors};
use borne_protocol as wire;

use crate::codes::{HashError, HashGate};
use crate::db::{now, IssueError, NewCode, Store, Timestamp};
use crate::Config;

/// A code issued and queued for delivery.
#[derive(Debug)]
pub struct CodeIssued {
    pub phone: PhoneNumber,
    pub delivery_id: String,
    /// The channel that will carry the code (a number that opted out of
    /// SMS gets a call).
    pub channel: borne_domain::Channel,
    pub fallback: Option<&'static str>,
    pub expires_at: Timestamp,
}

#[derive(Debug, thiserror::Error)]
pub enum SignupError {
    /// The request does not pass: every field error.
    #[error("validation failed: {0}")]
    Invalid(ValidationErrors),
    /// A cap on this number or this kiosk; nothing was written.
    #[error("limit {limit} reached")]
    Limited {
        limit: &'static str,
        retry_after: Duration,
    },
    /// No argon2 turn came free in time; nothing was written.
    #[error("the code hashing is saturated")]
    Busy,
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<HashError> for SignupError {
    fn from(e: HashError) -> Self {
        match e {
            HashError::Busy => Self::Busy,
            HashError::Internal(e) => Self::Internal(e),
        }
    }
}

/// Parses a sign-up request, with every field error. The consent
/// records the enrolled kiosk (`kiosk_id`), whatever name it declares;
/// the declared name must still be there, and short.
fn parse(
    req: &wire::SignupRequest,
    kiosk_id: &str,
    config: &Config,
) -> Result<(PhoneNumber, ConsentRecord), ValidationErrors> {
    let mut errors = ValidationErrors::default();
    let phone = errors.check("phone", PhoneNumber::parse(&req.phone, &config.area_codes));
    let consent = match ConsentRecord::try_from(&req.consent.recorded_at(kiosk_id)) {
        Ok(c) => Some(c),
        Err(e) => {
            errors.0.extend(e.0);
            None
        }
    };
    let declared = req.consent.kiosk_id.trim();
    if declared.is_empty() || declared.len() > 100 {
        errors.push("consent.kiosk_id", "consent.invalid_kiosk_id");
    }
    match (phone, consent, errors.is_empty()) {
        (Some(phone), Some(consent), true) => Ok((phone, consent)),
        _ => Err(errors),
    }
}

/// Issues a one-time code for the request's number (creating the account
/// when the number is new) and queues its delivery; the caller wakes the
/// delivery worker.
pub async fn request_code(
    store: &Store,
    config: &Config,
    hashes: &HashGate,
    req: &wire::SignupRequest,
    kiosk_id: &str,
) -> Result<CodeIssued, SignupError> {
    let (phone, consent) = parse(req, kiosk_id, config).map_err(SignupError::Invalid)?;
    let limits = &config.limits;
    // A cheap look first, so refused requests cost no hashing; the
    // transaction below decides.
    if let Some((limit, retry_after)) = store
        .caps_wait(&phone, kiosk_id, limits, now())
        .await
        .map_err(anyhow::Error::from)?
    {
        return Err(SignupError::Limited { limit, retry_after });
    }
    let (code, code_hash) = hashes.new_code().await?;
    let now = now();
    let expires_at = now + i64::try_from(config.code_ttl.as_secs()).unwrap_or(600);
    let issued = store
        .issue_code(
            NewCode {
                phone: &phone,
                language: req.language.into(),
                channel: req.channel.into(),
                consent: &consent,
                code_hash,
                code: &code,
                kiosk_id,
                now,
                expires_at,
            },
            limits,
        )
        .await
        .map_err(|e| match e {
            IssueError::Limited { limit, retry_after } => {
                SignupError::Limited { limit, retry_after }
            }
            IssueError::Db(e) => SignupError::Internal(e.into()),
        })?;
    Ok(CodeIssued {
        phone,
        delivery_id: issued.delivery_id,
        channel: issued.channel,
        fallback: issued.fallback,
        expires_at,
    })
}
