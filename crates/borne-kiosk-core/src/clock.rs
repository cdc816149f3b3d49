//! The time the kiosk goes by: the system's, or one a test sets (the staff
//! PIN's lock and the expiry of rejected registrations are tested on a
//! fixed clock, without sleeping).

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::queue::{now_ms, Millis};

#[derive(Debug, Clone, Default)]
pub struct Clock(Option<Arc<AtomicI64>>);

impl Clock {
    /// The system's clock.
    pub fn system() -> Self {
        Self(None)
    }

    /// A clock that shows `at` until told otherwise.
    pub fn fixed(at: Millis) -> Self {
        Self(Some(Arc::new(AtomicI64::new(at))))
    }

    /// Unix milliseconds.
    pub fn now(&self) -> Millis {
        match &self.0 {
            Some(t) => t.load(Ordering::SeqCst),
            None => now_ms(),
        }
    }

    /// Moves a fixed clock forward (no effect on the system's); every
    /// clone sees it.
    pub fn advance(&self, by: Duration) {
        if let Some(t) = &self.0 {
            t.fetch_add(
                i64::try_from(by.as_millis()).unwrap_or(i64::MAX / 2),
                Ordering::SeqCst,
            );
        }
    }
}
