fn main() {
    // Deny by default, as the kiosk: the page may call `ui_ready` only.
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(&["ui_ready"])),
    )
    .expect("tauri build script failed");
}
