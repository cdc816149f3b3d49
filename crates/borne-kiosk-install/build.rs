//! The release key the installer trusts by default: the kiosk's own,
//! `plugins.updater.pubkey` in `tauri.conf.json` (one key, one place).

use std::path::Path;

fn main() {
    let conf = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tauri.conf.json");
    println!("cargo:rerun-if-changed={}", conf.display());
    let text = std::fs::read_to_string(&conf).expect("tauri.conf.json");
    let json: serde_json::Value = serde_json::from_str(&text).expect("tauri.conf.json is JSON");
    let pubkey = json["plugins"]["updater"]["pubkey"]
        .as_str()
        .expect("tauri.conf.json has plugins.updater.pubkey");
    let out = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("release.pub");
    std::fs::write(out, pubkey).expect("OUT_DIR is writable");
}
