//! How either end of the wire retries: the backoff between attempts, and
//! what kind of HTTP failure happened (never the URL, which can hold
//! secrets or a resident's data).

use std::time::Duration;

use rand::Rng;

/// Exponential backoff with full jitter after `attempts` failures: uniform
/// in [0, min(cap, base·2^attempts)], to the millisecond.
pub fn full_jitter(base: Duration, cap: Duration, attempts: i64) -> Duration {
    let exp = u32::try_from(attempts.clamp(0, 20)).unwrap_or(20);
    let base = u64::try_from(base.as_millis()).unwrap_or(u64::MAX);
    let cap = u64::try_from(cap.as_millis()).unwrap_or(u64::MAX);
    let ceiling = base.saturating_mul(1u64 << exp).min(cap);
    Duration::from_millis(rand::rng().random_range(0..=ceiling))
}

/// What went wrong with an HTTP request that got no usable answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpFailure {
    Timeout,
    Connect,
    /// The answer started but its body did not arrive or decode.
    Body,
    Other,
}

impl HttpFailure {
    #[cfg(feature = "reqwest")]
    pub fn of(e: &reqwest::Error) -> Self {
        if e.is_timeout() {
            Self::Timeout
        } else if e.is_connect() {
            Self::Connect
        } else if e.is_body() || e.is_decode() {
            Self::Body
        } else {
            Self::Other
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Timeout => "request timed out",
            Self::Connect => "connection failed",
            Self::Body => "response body broken",
            Self::Other => "request failed",
        }
    }
}

impl std::fmt::Display for HttpFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_is_capped_and_jittered() {
        let (base, cap) = (Duration::from_secs(2), Duration::from_secs(60));
        for attempts in [-1, 0, 1, 5, 16, 63, i64::MAX] {
            assert!(full_jitter(base, cap, attempts) <= cap);
        }
        assert!(full_jitter(base, cap, 1) <= Duration::from_secs(4));
        assert!(
            full_jitter(base, cap, -5) <= base,
            "no attempt yet: at most the base"
        );
        let samples: std::collections::HashSet<_> =
            (0..20).map(|_| full_jitter(base, cap, 10)).collect();
        assert!(samples.len() > 1, "jittered");
    }
}
