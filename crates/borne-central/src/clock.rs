//! The time the delivery worker goes by: the system's, or one a test
//! sets (quiet hours and reminders are tested on a fake clock).

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use crate::db::Timestamp;

#[derive(Debug, Clone, Default)]
pub struct Clock(Option<Arc<AtomicI64>>);

impl Clock {
    /// The system's clock.
    pub fn system() -> Self {
        Self(None)
    }

    /// A clock that shows `at` until told otherwise.
    pub fn fixed(at: Timestamp) -> Self {
        Self(Some(Arc::new(AtomicI64::new(at))))
    }

    pub fn now(&self) -> Timestamp {
        match &self.0 {
            Some(t) => t.load(Ordering::SeqCst),
            None => crate::db::now(),
        }
    }

    /// Moves a fixed clock forward (no effect on the system's).
    pub fn advance(&self, seconds: i64) {
        if let Some(t) = &self.0 {
            t.fetch_add(seconds, Ordering::SeqCst);
        }
    }
}
