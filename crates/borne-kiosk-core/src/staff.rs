//! Staff mode's PIN: kept only as an argon2id hash in the configuration;
//! 5 wrong PINs in a row lock it for a while.

use std::time::{Duration, Instant};

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use rand::RngCore;

/// Wrong PINs in a row before staff mode locks.
pub const MAX_PIN_FAILURES: u32 = 5;

/// The argon2id hash of a PIN, for `BORNE_KIOSK_STAFF_PIN_HASH`.
pub fn hash_staff_pin(pin: &str) -> Result<String, String> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| e.to_string())?;
    Argon2::default()
        .hash_password(pin.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

pub(crate) fn verify(pin: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| {
        Argon2::default()
            .verify_password(pin.as_bytes(), &h)
            .is_ok()
    })
}

/// Wrong tries and the lock, for the kiosk (not per resident session).
#[derive(Debug, Default)]
pub(crate) struct PinGuard {
    failures: u32,
    locked_until: Option<Instant>,
}

impl PinGuard {
    /// How long staff mode stays locked, if it is.
    pub(crate) fn locked_for(&self, now: Instant) -> Option<Duration> {
        self.locked_until
            .filter(|until| *until > now)
            .map(|until| until - now)
    }

    /// Counts a wrong PIN; the 5th in a row locks for `lock`.
    pub(crate) fn wrong(&mut self, now: Instant, lock: Duration) -> u32 {
        self.failures += 1;
        if self.failures >= MAX_PIN_FAILURES {
            self.failures = 0;
            self.locked_until = Some(now + lock);
            return 0;
        }
        MAX_PIN_FAILURES - self.failures
    }

    pub(crate) fn right(&mut self) {
        self.failures = 0;
        self.locked_until = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_five_wrong_pins_lock() {
        let hash = hash_staff_pin("482913").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify("482913", &hash));
        assert!(!verify("482914", &hash));
        let mut g = PinGuard::default();
        let t = Instant::now();
        let lock = Duration::from_secs(300);
        assert_eq!(g.wrong(t, lock), 4);
        for _ in 0..3 {
            g.wrong(t, lock);
        }
        assert!(g.locked_for(t).is_none());
        assert_eq!(g.wrong(t, lock), 0);
        assert_eq!(g.locked_for(t), Some(lock));
        assert!(g.locked_for(t + lock).is_none(), "the lock ends");
        g.right();
        assert!(g.locked_for(t).is_none());
    }
}
