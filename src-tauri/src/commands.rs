//! IPC commands: each one forwards to [`borne_kiosk_core::Kiosk`].
//! Errors reach the UI as `{code, message, fields}` (`ErrorBody`).

use borne_protocol::ipc::{
    CaptchaImage, CodeRequestForm, CodeRequestOutcome, CodeSent, Connectivity, EnrollForm,
    Enrolled, KioskInfo, LoginForm, LoginOutcome, ProfileOutcome, QueueStatus, StaffPinForm,
};
use borne_protocol::{Channel, DeliveryStatus, ErrorBody, Language, Profile};
use tauri::{AppHandle, Runtime, State, Webview};

use crate::speech::Speech;
use crate::updates::{Installed, Updates};
use crate::KioskSlot;

#[tauri::command]
#[tracing::instrument(skip_all)]
pub async fn kiosk_info(kiosk: State<'_, KioskSlot>) -> Result<KioskInfo, ErrorBody> {
    let kiosk = kiosk.wait().await;
    Ok(kiosk.info())
}

#[tauri::command]
#[tracing::instrument(skip_all)]
pub async fn captcha_new(kiosk: State<'_, KioskSlot>) -> Result<CaptchaImage, ErrorBody> {
    let kiosk = kiosk.wait().await;
    Ok(kiosk.new_captcha())
}

#[tauri::command]
#[tracing::instrument(skip_all, err(level = "info", Display))]
pub async fn request_code(
    kiosk: State<'_, KioskSlot>,
    form: CodeRequestForm,
) -> Result<CodeRequestOutcome, ErrorBody> {
    let kiosk = kiosk.wait().await;
    kiosk.request_code(form).await
}

#[tauri::command]
#[tracing::instrument(skip_all, err(level = "info", Display))]
pub async fn login(
    kiosk: State<'_, KioskSlot>,
    form: LoginForm,
) -> Result<LoginOutcome, ErrorBody> {
    let kiosk = kiosk.wait().await;
    kiosk.login(form).await
}

#[tauri::command]
#[tracing::instrument(skip_all, err(level = "info", Display))]
pub async fn save_profile(
    kiosk: State<'_, KioskSlot>,
    profile: Profile,
) -> Result<ProfileOutcome, ErrorBody> {
    let kiosk = kiosk.wait().await;
    kiosk.save_profile(profile).await
}

/// After login: apply (`accept`) or discard the offline registration
/// waiting for the number's owner; answers the profile for the form.
#[tauri::command]
#[tracing::instrument(skip_all, err(level = "info", Display))]
pub async fn decide_pending_change(
    kiosk: State<'_, KioskSlot>,
    accept: bool,
) -> Result<Profile, ErrorBody> {
    let kiosk = kiosk.wait().await;
    kiosk.decide_pending_change(accept).await
}

/// « Mon inscription », after a login: deletes the resident's registration
/// on the central server (recorded as asked by the resident), then wipes
/// the session.
#[tauri::command]
#[tracing::instrument(skip_all, err(level = "info", Display))]
pub async fn delete_registration(kiosk: State<'_, KioskSlot>) -> Result<(), ErrorBody> {
    let kiosk = kiosk.wait().await;
    kiosk.delete_my_account().await
}

/// Voice guidance: says `text` in `language` through the OS speech engine,
/// cutting what was being said (see speech.rs).
#[tauri::command]
pub fn speak(speech: State<'_, Speech>, text: String, language: Language) {
    speech.say(text, language);
}

/// Voice guidance turned off, or the session wiped: silence.
#[tauri::command]
pub fn speech_stop(speech: State<'_, Speech>) {
    speech.stop();
}

/// Whether the central server answers (the UI shows the offline banner).
#[tauri::command]
pub async fn connectivity(
    kiosk: State<'_, KioskSlot>,
    updates: State<'_, Updates>,
) -> Result<Connectivity, ErrorBody> {
    let kiosk = kiosk.wait().await;
    Ok(Connectivity {
        update_ready: updates.is_ready(),
        ..kiosk.connectivity()
    })
}

/// The attract screen is showing and an update is ready: install it and
/// restart into the new version. Refused while anyone uses the kiosk.
#[tauri::command]
#[tracing::instrument(skip_all, err(level = "info", Display))]
pub async fn install_update<R: Runtime>(
    kiosk: State<'_, KioskSlot>,
    updates: State<'_, Updates>,
    app: AppHandle<R>,
) -> Result<(), ErrorBody> {
    let kiosk = kiosk.wait().await;
    if !kiosk.is_idle() {
        return Err(ErrorBody::new("update.busy", "the kiosk is in use"));
    }
    let Some(verified) = updates.take() else {
        return Err(ErrorBody::new("update.none", "no update is waiting"));
    };
    match verified.install() {
        Ok(Installed::Replaced) => {
            tracing::info!(version = verified.version(), "update installed; restarting");
            app.restart();
        }
        Ok(Installed::Spooled) => {
            tracing::info!(
                version = verified.version(),
                "update handed to the root installer; it restarts the kiosk once installed"
            );
            Ok(())
        }
        Err(e) => {
            tracing::error!(error = %e, "update not installed; this version keeps running");
            Err(ErrorBody::new(
                "update.failed",
                "the update could not be installed",
            ))
        }
    }
}

/// The offline queue, for staff.
#[tauri::command]
#[tracing::instrument(skip_all, err(level = "info", Display))]
pub async fn queue_status(kiosk: State<'_, KioskSlot>) -> Result<QueueStatus, ErrorBody> {
    let kiosk = kiosk.wait().await;
    kiosk.queue_status().await
}

/// « Envoyer maintenant » (staff).
#[tauri::command]
#[tracing::instrument(skip_all, err(level = "info", Display))]
pub async fn sync_now(kiosk: State<'_, KioskSlot>) -> Result<QueueStatus, ErrorBody> {
    let kiosk = kiosk.wait().await;
    kiosk.sync_now().await
}

/// Wipes the resident's session: Rust state, then the webview's cookies,
/// caches and storage (the UI clears its DOM itself).
#[tauri::command]
#[tracing::instrument(skip_all)]
pub async fn reset_session<R: Runtime>(
    kiosk: State<'_, KioskSlot>,
    webview: Webview<R>,
) -> Result<(), ErrorBody> {
    let kiosk = kiosk.wait().await;
    kiosk.reset();
    webview.clear_all_browsing_data().map_err(|e| {
        tracing::error!(error = %e, "could not clear the webview's browsing data");
        ErrorBody::new("internal", "could not clear the browsing data")
    })
}

#[tauri::command]
#[tracing::instrument(skip_all, err(level = "info", Display))]
pub async fn resend_code(
    kiosk: State<'_, KioskSlot>,
    channel: Channel,
) -> Result<CodeSent, ErrorBody> {
    let kiosk = kiosk.wait().await;
    kiosk.resend_code(channel).await
}

#[tauri::command]
#[tracing::instrument(skip_all, err(level = "info", Display))]
pub async fn delivery_status(kiosk: State<'_, KioskSlot>) -> Result<DeliveryStatus, ErrorBody> {
    let kiosk = kiosk.wait().await;
    kiosk.delivery_status().await
}

/// Opens staff mode with the staff PIN; answers the queue's status.
#[tauri::command]
#[tracing::instrument(skip_all, err(level = "info", Display))]
pub async fn staff_login(
    kiosk: State<'_, KioskSlot>,
    form: StaffPinForm,
) -> Result<QueueStatus, ErrorBody> {
    let kiosk = kiosk.wait().await;
    kiosk.staff_login(form.pin).await
}

#[tauri::command]
#[tracing::instrument(skip_all)]
pub async fn staff_logout(kiosk: State<'_, KioskSlot>) -> Result<(), ErrorBody> {
    let kiosk = kiosk.wait().await;
    kiosk.staff_logout();
    Ok(())
}

/// « Quitter le mode borne » (staff): closes the kiosk for maintenance.
#[tauri::command]
#[tracing::instrument(skip_all, err(level = "info", Display))]
pub async fn staff_exit<R: Runtime>(
    kiosk: State<'_, KioskSlot>,
    app: AppHandle<R>,
) -> Result<(), ErrorBody> {
    let kiosk = kiosk.wait().await;
    kiosk.require_staff()?;
    tracing::info!("staff closed the kiosk for maintenance");
    app.exit(0);
    Ok(())
}

/// Staff: the one-time enrollment code from `borne-central kiosk enroll`.
#[tauri::command]
#[tracing::instrument(skip_all, err(level = "info", Display))]
pub async fn enroll_kiosk(
    kiosk: State<'_, KioskSlot>,
    form: EnrollForm,
) -> Result<Enrolled, ErrorBody> {
    let kiosk = kiosk.wait().await;
    kiosk.enroll(form.code).await
}

/// The UI drew its first screen and takes touches: logged once, so the
/// start-up bench (and an operator) can time it.
#[tauri::command]
pub fn ui_ready() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| tracing::info!("first screen interactive"));
}
