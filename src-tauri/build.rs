/// The one list of the commands the webview may call. `tests/ipc_commands.rs`
/// fails when commands.rs, lib.rs, capabilities/main.json or ui/src/ipc.ts
/// name another set.
const COMMANDS: &[&str] = &[
    "kiosk_info",
    "captcha_new",
    "request_code",
    "login",
    "save_profile",
    "resend_code",
    "delivery_status",
    "reset_session",
    "decide_pending_change",
    "delete_registration",
    "speak",
    "speech_stop",
    "connectivity",
    "queue_status",
    "sync_now",
    "staff_login",
    "staff_logout",
    "staff_exit",
    "enroll_kiosk",
    "ui_ready",
    "install_update",
];

fn main() {
    // Deny by default: only these commands exist for the webview, and
    // capabilities/ grants them to the main window.
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("tauri build script failed");
}
