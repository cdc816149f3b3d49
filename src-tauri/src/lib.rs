//! The kiosk window. Thin: configuration, logging, and IPC commands that
//! call `borne-kiosk-core`. No SQL, no HTTP, no business rule lives here.

mod commands;
mod lockdown;
mod speech;
mod updates;

use borne_kiosk_core::{CaptchaService, Clock, Kiosk, KioskConfig};
use tauri::{Manager, Runtime};
use tracing_subscriber::EnvFilter;

/// The kiosk, once opened: `setup` opens it in the background (its queue,
/// keys and HTTP client) while the window loads.
#[derive(Debug, Default)]
pub struct KioskSlot(tokio::sync::SetOnce<Kiosk>);

impl KioskSlot {
    /// The kiosk, waiting for it to be opened.
    pub async fn wait(&self) -> &Kiosk {
        self.0.wait().await
    }

    /// The kiosk if it is open already.
    pub fn get(&self) -> Option<&Kiosk> {
        self.0.get()
    }
}

/// Registers state and commands; `run` adds the real runtime, tests may use
/// `tauri::test::mock_builder()`.
pub fn build<R: Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    builder
        .plugin(tauri_plugin_updater::Builder::new().build())
        .setup(|app| {
            let default_dir = app
                .path()
                .app_data_dir()
                .unwrap_or_else(|_| std::env::temp_dir().join("borne-kiosk"));
            let mut config = KioskConfig::from_env(default_dir).map_err(|e| anyhow::anyhow!("configuration: {e}"))?;
            config.app_version = app.package_info().version.to_string();
            tracing::info!(central = %config.central_url, kiosk_id = %config.kiosk_id, version = %config.app_version, "kiosk starting");
            let (updates_on, update_check) = (config.updates, config.update_check);
            lockdown::main_window(app)?;
            app.manage(KioskSlot::default());
            app.manage(updates::Updates::default());
            app.manage(speech::Speech::start());
            // Opened while the window loads its page: the main thread stays
            // free to serve it; commands wait for the kiosk (KioskSlot::wait).
            let handle = app.handle().clone();
            tauri::async_runtime::spawn(async move {
                match Kiosk::open(config, CaptchaService::from_env(), Clock::system()).await {
                    Ok(kiosk) => {
                        tauri::async_runtime::spawn(kiosk.sync_worker().run());
                        let _ = handle.state::<KioskSlot>().0.set(kiosk);
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "kiosk stopped");
                        eprintln!("borne-kiosk: {e}");
                        handle.exit(1);
                    }
                }
            });
            if updates_on {
                tauri::async_runtime::spawn(updates::run(app.handle().clone(), update_check));
            }
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::kiosk_info,
            commands::captcha_new,
            commands::request_code,
            commands::login,
            commands::save_profile,
            commands::resend_code,
            commands::delivery_status,
            commands::reset_session,
            commands::decide_pending_change,
            commands::delete_registration,
            commands::speak,
            commands::speech_stop,
            commands::connectivity,
            commands::queue_status,
            commands::sync_now,
            commands::staff_login,
            commands::staff_logout,
            commands::staff_exit,
            commands::enroll_kiosk,
            commands::ui_ready,
            commands::install_update,
        ])
}

/// WebKitGTK's choice of rasterizing pages on the CPU rather than through
/// GL; `0` (set by the operator, in `/etc/borne/kiosk.env`) gives GL back.
const WEBKIT_CPU_RENDERING: &str = "WEBKIT_SKIA_ENABLE_CPU_RENDERING";

/// The kiosk's pages are rasterized on the CPU. Through GL, WebKit's Skia
/// keeps its glyphs and tiles in textures — on a kiosk without a GPU
/// driver, in Mesa's software renderer, that is, in the web process's
/// memory: 36 MiB more for the kiosk's text-heavy pages, 6 MiB for
/// hello-world's (README, *Performance*). Compositing stays on (without it
/// WebKitWebDriver cannot take a screenshot of an idle page). WebKit reads
/// the variable when it starts its processes: set before anything else.
fn rasterize_on_the_cpu() {
    if cfg!(target_os = "linux") && std::env::var_os(WEBKIT_CPU_RENDERING).is_none() {
        // `run` is main's first call: no other thread reads the environment yet.
        std::env::set_var(WEBKIT_CPU_RENDERING, "1");
    }
}

/// The kiosk's entry point, called first thing by `main`.
pub fn run() {
    rasterize_on_the_cpu();
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_env("BORNE_LOG").unwrap_or_else(|_| EnvFilter::new("info")),
        )
        // Colours only on a terminal: journald shows a line holding
        // escape codes as « blob data ».
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .init();
    borne_kiosk_core::install_crypto_provider();
    let result = build(tauri::Builder::default()).run(tauri::generate_context!());
    if let Err(e) = result {
        tracing::error!(error = %e, "kiosk stopped");
        eprintln!("borne-kiosk: {e}");
        std::process::exit(1);
    }
}
