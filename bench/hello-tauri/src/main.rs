// No console window on Windows in release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

/// The page is drawn: the same line the kiosk logs, for the start-up bench.
#[tauri::command]
fn ui_ready() {
    eprintln!("first screen interactive");
}

fn main() {
    tauri::Builder::default()
        .invoke_handler(tauri::generate_handler![ui_ready])
        .run(tauri::generate_context!())
        .expect("error while running hello-tauri");
}
