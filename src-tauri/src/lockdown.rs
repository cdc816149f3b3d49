//! The kiosk window is locked down: fullscreen, no decorations, always on
//! top (from `tauri.conf.json`), and the webview may not leave the app.
//! `BORNE_KIOSK_WINDOWED=1` gives a normal window for development.

use tauri::{Manager, Runtime, Url, WebviewWindowBuilder};

/// Whether the webview may load `url`: only the app's own pages (the
/// embedded UI, or Vite's dev server in a development build).
pub fn navigation_allowed(url: &Url, dev_server: Option<&Url>) -> bool {
    let own = matches!(
        (url.scheme(), url.host_str()),
        ("tauri", Some("localhost")) | ("http" | "https", Some("tauri.localhost"))
    );
    own || dev_server.is_some_and(|dev| dev.origin() == url.origin())
}

/// Creates the main window from its configuration, with the navigation
/// guard.
pub fn main_window<R: Runtime, M: Manager<R>>(app: &M) -> tauri::Result<()> {
    let config = app
        .config()
        .app
        .windows
        .iter()
        .find(|w| w.label == "main")
        .cloned()
        .ok_or_else(|| tauri::Error::WindowNotFound)?;
    // Only a build without embedded assets loads the dev server.
    let dev_server = if cfg!(feature = "custom-protocol") {
        None
    } else {
        app.config().build.dev_url.clone()
    };
    let mut builder = WebviewWindowBuilder::from_config(app, &config)?.on_navigation(move |url| {
        let allowed = navigation_allowed(url, dev_server.as_ref());
        if !allowed {
            tracing::warn!(scheme = url.scheme(), "navigation outside the app refused");
        }
        allowed
    });
    if std::env::var("BORNE_KIOSK_WINDOWED").is_ok_and(|v| v == "1") {
        tracing::warn!("BORNE_KIOSK_WINDOWED=1: a normal window, not locked down");
        builder = builder
            .fullscreen(false)
            .decorations(true)
            .always_on_top(false)
            .resizable(true);
    }
    builder.build()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn only_the_app_itself_may_be_loaded() {
        let dev = url("http://localhost:5173");
        assert!(navigation_allowed(
            &url("tauri://localhost/index.html"),
            None
        ));
        assert!(navigation_allowed(&url("http://tauri.localhost/"), None));
        assert!(!navigation_allowed(&url("https://example.com/"), None));
        assert!(!navigation_allowed(&url("http://localhost:5173/"), None));
        assert!(!navigation_allowed(&url("file:///etc/passwd"), None));
        assert!(!navigation_allowed(&url("tauri://evil.example/"), None));
        assert!(navigation_allowed(
            &url("http://localhost:5173/src/main.ts"),
            Some(&dev)
        ));
        assert!(!navigation_allowed(
            &url("http://localhost:5174/"),
            Some(&dev)
        ));
    }

    /// The shipped configuration is the locked-down one.
    #[test]
    fn the_release_configuration_is_locked_down() {
        let conf: serde_json::Value =
            serde_json::from_str(include_str!("../../tauri.conf.json")).unwrap();
        let w = &conf["app"]["windows"][0];
        assert_eq!(w["label"], "main");
        assert_eq!(
            w["create"], false,
            "created in lockdown::main_window, with the navigation guard"
        );
        assert_eq!(w["fullscreen"], true);
        assert_eq!(w["decorations"], false);
        assert_eq!(w["alwaysOnTop"], true);
        assert_eq!(w["resizable"], false);
        assert_eq!(conf["app"]["withGlobalTauri"], false);
        let csp = conf["app"]["security"]["csp"].as_str().unwrap();
        for directive in [
            "default-src 'self'",
            "script-src 'self'",
            "object-src 'none'",
            "frame-ancestors 'none'",
        ] {
            assert!(csp.contains(directive), "CSP lacks {directive}");
        }
        assert!(!csp.contains("unsafe"), "no unsafe-inline/unsafe-eval");
        for src in csp
            .split(';')
            .filter(|d| d.trim().starts_with("script-src"))
        {
            assert!(!src.contains("http"), "no remote scripts: {src}");
        }
        // Devtools exist only in debug builds unless tauri's `devtools`
        // feature is on: it must not be.
        let manifest = include_str!("../../Cargo.toml");
        let tauri_line = manifest.lines().find(|l| l.starts_with("tauri =")).unwrap();
        assert!(!tauri_line.contains("devtools"), "{tauri_line}");
        // Updates: only signed ones (a minisign public key is configured),
        // and never over plain HTTP in release builds.
        let updater = &conf["plugins"]["updater"];
        let key = base64::Engine::decode(
            &base64::engine::general_purpose::STANDARD,
            updater["pubkey"].as_str().unwrap_or_default(),
        )
        .expect("plugins.updater.pubkey is base64");
        assert!(
            String::from_utf8(key)
                .unwrap()
                .contains("minisign public key"),
            "plugins.updater.pubkey is a minisign public key"
        );
        assert_ne!(updater["dangerousInsecureTransportProtocol"], true);
        // The webview is granted none of the updater's own commands.
        let caps = include_str!("../capabilities/main.json");
        assert!(!caps.contains("updater:"), "{caps}");
    }
}
