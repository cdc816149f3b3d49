//! IPC commands: each one forwards to [`borne_kiosk_core::Kiosk`].
//! Errors reach the UI as `{code, message, fields}` (`ErrorBody`).

use borne_kiosk_core::Kiosk;
use borne_protocol::ipc::{
    CaptchaImage, CodeRequestForm, CodeSent, KioskInfo, LoginForm, LoginOutcome,
};
use borne_protocol::{Channel, DeliveryStatus, ErrorBody, Profile, SavedProfile};
use tauri::State;

#[tauri::command]
#[tracing::instrument(skip_all)]
pub async fn kiosk_info(kiosk: State<'_, Kiosk>) -> Result<KioskInfo, ErrorBody> {
    Ok(kiosk.info())
}

#[tauri::command]
#[tracing::instrument(skip_all)]
pub async fn captcha_new(kiosk: State<'_, Kiosk>) -> Result<CaptchaImage, ErrorBody> {
    Ok(kiosk.new_captcha())
}

#[tauri::command]
#[tracing::instrument(skip_all, err(level = "info", Display))]
pub async fn request_code(
    kiosk: State<'_, Kiosk>,
    form: CodeRequestForm,
) -> Result<CodeSent, ErrorBody> {
    kiosk.request_code(form).await
}

#[tauri::command]
#[tracing::instrument(skip_all, err(level = "info", Display))]
pub async fn login(kiosk: State<'_, Kiosk>, form: LoginForm) -> Result<LoginOutcome, ErrorBody> {
    kiosk.login(form).await
}

#[tauri::command]
#[tracing::instrument(skip_all, err(level = "info", Display))]
pub async fn save_profile(
    kiosk: State<'_, Kiosk>,
    profile: Profile,
) -> Result<SavedProfile, ErrorBody> {
    kiosk.save_profile(profile).await
}

#[tauri::command]
#[tracing::instrument(skip_all)]
pub async fn reset_session(kiosk: State<'_, Kiosk>) -> Result<(), ErrorBody> {
    kiosk.reset();
    Ok(())
}

#[tauri::command]
#[tracing::instrument(skip_all, err(level = "info", Display))]
pub async fn resend_code(kiosk: State<'_, Kiosk>, channel: Channel) -> Result<CodeSent, ErrorBody> {
    kiosk.resend_code(channel).await
}

#[tauri::command]
#[tracing::instrument(skip_all, err(level = "info", Display))]
pub async fn delivery_status(kiosk: State<'_, Kiosk>) -> Result<DeliveryStatus, ErrorBody> {
    kiosk.delivery_status().await
}
