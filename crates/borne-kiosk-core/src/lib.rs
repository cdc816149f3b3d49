//! Everything the kiosk does that needs no window: configuration, the
//! central server client, the captcha, and the resident's session. The
//! Tauri app (`src-tauri`) only forwards IPC calls to [`Kiosk`].

mod captcha;
mod client;
mod config;
mod kiosk;

pub use captcha::{Captcha, CaptchaService};
pub use client::{CentralClient, ClientError};
pub use config::KioskConfig;
pub use kiosk::Kiosk;

/// Installs rustls' `ring` provider once; reqwest is built without a
/// default provider to avoid compiling aws-lc.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}
