//! Types that cross Tauri IPC between the kiosk UI and its Rust side.
//! Errors cross as [`crate::ErrorBody`].

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{Channel, Fallback, Language, Profile};

/// What the UI needs to draw the attract screen and step 1.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct KioskInfo {
    pub town_name: String,
    /// French is always on; English only where the town allows it.
    pub english_enabled: bool,
    pub consent_text_version: String,
    pub app_version: String,
    /// Seconds without a touch before the « Êtes-vous toujours là? » warning.
    pub idle_seconds: u32,
    /// Seconds the warning counts down before everything is wiped (≥ 20).
    pub idle_warning_seconds: u32,
}

/// The captcha picture; its answer never leaves Rust.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct CaptchaImage {
    /// `data:image/png;base64,...`
    pub data_url: String,
}

/// Step 1, « Obtention du mot de passe ».
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct CodeRequestForm {
    pub phone: String,
    /// `null` until the resident picks « par téléphone » or « par SMS ».
    pub channel: Option<Channel>,
    pub captcha_answer: String,
    pub consent_accepted: bool,
    pub language: Language,
}

impl std::fmt::Debug for CodeRequestForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CodeRequestForm")
            .field("channel", &self.channel)
            .field("language", &self.language)
            .finish_non_exhaustive()
    }
}

/// The code is on its way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct CodeSent {
    /// `514 233-5785`
    pub phone_display: String,
    /// The channel carrying the code (see `fallback`).
    pub channel: Channel,
    pub code_expires_at: String,
    pub fallback: Option<Fallback>,
    /// Seconds before « Renvoyer le code » may be offered (the per-number
    /// minimum interval).
    pub resend_after_seconds: u32,
}

/// Step 4, « Connexion ».
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct LoginForm {
    pub phone: String,
    pub code: String,
}

impl std::fmt::Debug for LoginForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LoginForm { .. }")
    }
}

/// Logged in: the form of step 5, prefilled with what is stored, or with
/// sensible defaults (town, language, the signup phone as first contact).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct LoginOutcome {
    pub phone_display: String,
    pub existing_profile: bool,
    pub profile: Profile,
}
