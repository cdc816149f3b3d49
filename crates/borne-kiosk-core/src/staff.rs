//! Staff mode's PIN: 6 to 12 digits, kept only as an argon2id hash (no
//! weaker than argon2's defaults) in the configuration; 5 wrong PINs in a
//! row lock it, for longer each time, until the right PIN is given. The
//! lock is stored with the queue (`Queue::update_pin_guard`), so a restart
//! gives no new tries.

use std::ops::RangeInclusive;
use std::time::Duration;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Argon2, Params};
use rand::RngCore;

use crate::queue::Millis;

/// Wrong PINs in a row before staff mode locks.
pub const MAX_PIN_FAILURES: u32 = 5;

/// How many digits a staff PIN has.
pub const PIN_DIGITS: RangeInclusive<usize> = 6..=12;

/// How long staff mode stays locked: the first lock, the second, then
/// every one after it, until the right PIN is given.
pub const LOCK_STEPS: [Duration; 3] = [
    Duration::from_secs(5 * 60),
    Duration::from_secs(15 * 60),
    Duration::from_secs(60 * 60),
];

/// Why `borne-staff-pin` refuses a PIN. Never quotes it.
#[derive(Debug, thiserror::Error)]
pub enum PinError {
    #[error(
        "the staff PIN must be {min} to {max} digits; this one has {0} characters",
        min = PIN_DIGITS.start(),
        max = PIN_DIGITS.end()
    )]
    Length(usize),
    #[error("the staff PIN must be digits only (0 to 9): the kiosk's keypad has nothing else")]
    NotDigits,
    #[error("the PIN could not be hashed: {0}")]
    Hash(argon2::password_hash::Error),
}

/// Why the kiosk refuses `BORNE_KIOSK_STAFF_PIN_HASH` at start.
#[derive(Debug, thiserror::Error)]
pub enum PinHashError {
    #[error("BORNE_KIOSK_STAFF_PIN_HASH must be an argon2id hash (make one with borne-staff-pin)")]
    NotArgon2id,
    #[error(
        "BORNE_KIOSK_STAFF_PIN_HASH uses argon2 parameters m={m}, t={t}, p={p}, weaker than \
         the defaults m={dm}, t={dt}, p={dp}: make a new hash with borne-staff-pin",
        dm = Params::DEFAULT_M_COST,
        dt = Params::DEFAULT_T_COST,
        dp = Params::DEFAULT_P_COST
    )]
    Weak { m: u32, t: u32, p: u32 },
}

/// The argon2id hash of a PIN of 6 to 12 digits, for
/// `BORNE_KIOSK_STAFF_PIN_HASH`, with argon2's default parameters.
pub fn hash_staff_pin(pin: &str) -> Result<String, PinError> {
    let length = pin.chars().count();
    if !PIN_DIGITS.contains(&length) {
        return Err(PinError::Length(length));
    }
    if !pin.chars().all(|c| c.is_ascii_digit()) {
        return Err(PinError::NotDigits);
    }
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(PinError::Hash)?;
    Argon2::default()
        .hash_password(pin.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(PinError::Hash)
}

/// The configured hash is argon2id with parameters at least argon2's
/// defaults (a hash made weaker would make a stolen configuration cheap
/// to brute-force).
pub(crate) fn check_pin_hash(hash: &str) -> Result<(), PinHashError> {
    let parsed = PasswordHash::new(hash).map_err(|_| PinHashError::NotArgon2id)?;
    if parsed.algorithm.as_str() != "argon2id" {
        return Err(PinHashError::NotArgon2id);
    }
    let params = Params::try_from(&parsed).map_err(|_| PinHashError::NotArgon2id)?;
    let (m, t, p) = (params.m_cost(), params.t_cost(), params.p_cost());
    if m < Params::DEFAULT_M_COST || t < Params::DEFAULT_T_COST || p < Params::DEFAULT_P_COST {
        return Err(PinHashError::Weak { m, t, p });
    }
    Ok(())
}

/// The salt of the configured hash: which PIN the lock counted tries
/// against (a new hash, a new PIN, a new salt). Not secret.
pub(crate) fn pin_salt(hash: &str) -> String {
    PasswordHash::new(hash)
        .ok()
        .and_then(|h| h.salt.map(|s| s.as_str().to_owned()))
        .unwrap_or_default()
}

pub(crate) fn verify(pin: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| {
        Argon2::default()
            .verify_password(pin.as_bytes(), &h)
            .is_ok()
    })
}

/// Wrong tries and the lock, for the kiosk (not per resident session);
/// stored with the queue.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct PinGuard {
    /// Wrong PINs in a row since the last lock or the last right PIN.
    pub failures: u32,
    /// Locks since the last right PIN: the next one lasts longer.
    pub locks: u32,
    /// Every PIN is refused until then.
    pub locked_until: Option<Millis>,
}

/// What a wrong PIN leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WrongPin {
    /// Tries left before the lock.
    TriesLeft(u32),
    /// It was the last: staff mode is locked this long.
    Locked(Duration),
}

impl PinGuard {
    /// How long staff mode stays locked, if it is.
    pub(crate) fn locked_for(&self, now: Millis) -> Option<Duration> {
        self.locked_until
            .filter(|until| *until > now)
            .map(|until| Duration::from_millis(u64::try_from(until - now).unwrap_or(0)))
    }

    /// Counts a wrong PIN; the 5th in a row locks, for the next step of
    /// [`LOCK_STEPS`].
    pub(crate) fn wrong(&mut self, now: Millis) -> WrongPin {
        self.failures = self.failures.saturating_add(1);
        if self.failures < MAX_PIN_FAILURES {
            return WrongPin::TriesLeft(MAX_PIN_FAILURES - self.failures);
        }
        let step = usize::try_from(self.locks)
            .unwrap_or(usize::MAX)
            .min(LOCK_STEPS.len() - 1);
        let lock = LOCK_STEPS[step];
        self.failures = 0;
        self.locks = self.locks.saturating_add(1);
        self.locked_until =
            Some(now.saturating_add(i64::try_from(lock.as_millis()).unwrap_or(i64::MAX)));
        WrongPin::Locked(lock)
    }

    /// The right PIN: everything starts over.
    pub(crate) fn right(&mut self) {
        *self = Self::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::{Algorithm, Version};

    #[test]
    fn hashes_verify_and_only_six_to_twelve_digits_are_hashed() {
        let hash = hash_staff_pin("482913").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify("482913", &hash));
        assert!(!verify("482914", &hash));
        assert!(check_pin_hash(&hash).is_ok());
        assert!(hash_staff_pin("482913574102").is_ok());
        for (pin, shown) in [("2468", "4 characters"), ("4829135741023", "13 characters")] {
            let e = hash_staff_pin(pin).unwrap_err().to_string();
            assert!(e.contains("6 to 12 digits") && e.contains(shown), "{e}");
            assert!(!e.contains(pin), "the PIN is never quoted: {e}");
        }
        assert!(matches!(hash_staff_pin("48291a"), Err(PinError::NotDigits)));
    }

    #[test]
    fn hashes_weaker_than_the_defaults_are_refused() {
        let weak = |m, t, p| {
            let params = Params::new(m, t, p, None).unwrap();
            let salt = SaltString::encode_b64(&[7u8; 16]).unwrap();
            Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
                .hash_password(b"482913", &salt)
                .unwrap()
                .to_string()
        };
        let d = (
            Params::DEFAULT_M_COST,
            Params::DEFAULT_T_COST,
            Params::DEFAULT_P_COST,
        );
        assert!(check_pin_hash(&weak(d.0, d.1, d.2)).is_ok());
        assert!(check_pin_hash(&weak(2 * d.0, d.1 + 1, d.2)).is_ok());
        for (m, t) in [(d.0 / 2, d.1), (d.0, 1)] {
            let e = check_pin_hash(&weak(m, t, d.2)).unwrap_err();
            assert!(
                matches!(e, PinHashError::Weak { m: got_m, t: got_t, .. } if got_m == m && got_t == t),
                "{e}"
            );
        }
        let argon2i = Argon2::new(Algorithm::Argon2i, Version::V0x13, Params::default())
            .hash_password(b"482913", &SaltString::encode_b64(&[7u8; 16]).unwrap())
            .unwrap()
            .to_string();
        assert!(matches!(
            check_pin_hash(&argon2i),
            Err(PinHashError::NotArgon2id)
        ));
        assert!(matches!(
            check_pin_hash("482913"),
            Err(PinHashError::NotArgon2id)
        ));
    }

    #[test]
    fn five_wrong_pins_lock_for_5_then_15_min_then_an_hour_until_the_right_one() {
        const MIN: Millis = 60_000;
        let mut g = PinGuard::default();
        let mut now: Millis = 1_000_000;
        for (round, minutes) in [5, 15, 60, 60].into_iter().enumerate() {
            for left in (1..MAX_PIN_FAILURES).rev() {
                assert_eq!(g.wrong(now), WrongPin::TriesLeft(left), "round {round}");
                assert!(g.locked_for(now).is_none());
            }
            let lock = Duration::from_secs(minutes * 60);
            assert_eq!(g.wrong(now), WrongPin::Locked(lock), "round {round}");
            assert_eq!(g.locked_for(now), Some(lock));
            assert_eq!(
                g.locked_for(now + minutes as Millis * MIN - 1),
                Some(Duration::from_millis(1))
            );
            now += minutes as Millis * MIN;
            assert!(g.locked_for(now).is_none(), "the lock ends");
        }
        g.right();
        assert_eq!(g, PinGuard::default());
        for _ in 0..MAX_PIN_FAILURES - 1 {
            g.wrong(now);
        }
        assert_eq!(
            g.wrong(now),
            WrongPin::Locked(LOCK_STEPS[0]),
            "the right PIN starts the steps over"
        );
    }
}
