//! Everything the kiosk does that needs no window: configuration, the
//! central server client, the captcha, the resident's session, and the
//! offline queue with its sync worker. The
//! Tauri app (`src-tauri`) only forwards IPC calls to [`Kiosk`].

mod captcha;
mod client;
mod clock;
mod config;
mod keystore;
mod kiosk;
mod owner_only;
pub mod queue;
mod staff;
mod sync;
mod updates;

pub use captcha::{Captcha, CaptchaService};
pub use client::{CentralClient, ClientError};
pub use clock::Clock;
pub use config::KioskConfig;
pub use keystore::{DeviceCredential, KeyError, KeySource, KeyStore, QueueKey};
pub use kiosk::{Kiosk, KioskError};
pub use queue::{Queue, QueueError};
pub use staff::{hash_staff_pin, PinError};
pub use sync::{
    backoff, plan_failure, plan_result, told_to_wait, Connectivity, Pass, Step, SyncConfig,
    SyncWorker,
};
pub use updates::UpdateSource;

/// Installs rustls' `ring` provider once; reqwest is built without a
/// default provider to avoid compiling aws-lc.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}
