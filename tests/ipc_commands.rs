//! The kiosk's IPC commands are listed in one place, `src-tauri/build.rs`
//! (the commands the webview may call at all). The other four places that
//! name them — the Rust functions, the handler list, the window's
//! capability and the UI's typed wrappers — must name exactly the same
//! set: a command added or removed in one place only fails here.

use std::collections::BTreeSet;
use std::path::PathBuf;

fn read(path: &str) -> String {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    std::fs::read_to_string(root.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The text between `start` and the next `end` after it.
fn between<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let from = text.find(start).unwrap_or_else(|| panic!("no {start:?}")) + start.len();
    let len = text[from..]
        .find(end)
        .unwrap_or_else(|| panic!("no {end:?}"));
    &text[from..from + len]
}

/// The source: `const COMMANDS: &[&str] = &[ "…", … ];` in build.rs.
fn declared() -> BTreeSet<String> {
    let build = read("src-tauri/build.rs");
    between(&build, "const COMMANDS: &[&str] = &[", "];")
        .split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

/// `#[tauri::command]` functions in commands.rs.
fn defined() -> BTreeSet<String> {
    let source = read("src-tauri/src/commands.rs");
    source
        .split("#[tauri::command")
        .skip(1)
        .map(|after| {
            let name = between(after, "fn ", "(");
            name.split('<').next().unwrap_or(name).trim().to_owned()
        })
        .collect()
}

/// `tauri::generate_handler![commands::…, …]` in lib.rs.
fn handled() -> BTreeSet<String> {
    let lib = read("src-tauri/src/lib.rs");
    between(&lib, "generate_handler![", "]")
        .split(',')
        .filter_map(|path| path.trim().strip_prefix("commands::"))
        .map(str::to_owned)
        .collect()
}

/// `"allow-…"` permissions of the main window's capability.
fn granted() -> BTreeSet<String> {
    let capability: serde_json::Value =
        serde_json::from_str(&read("src-tauri/capabilities/main.json")).unwrap();
    capability["permissions"]
        .as_array()
        .expect("permissions")
        .iter()
        .map(|p| {
            let p = p.as_str().expect("a permission name");
            p.strip_prefix("allow-")
                .unwrap_or_else(|| panic!("only allow- permissions: {p}"))
                .replace('-', "_")
        })
        .collect()
}

/// `invoke<…>('…'` in the UI's typed wrappers.
fn wrapped() -> BTreeSet<String> {
    let ipc = read("ui/src/ipc.ts");
    ipc.split("invoke<")
        .skip(1)
        .map(|after| between(after, "('", "'").to_owned())
        .collect()
}

#[test]
fn every_place_names_the_commands_build_rs_declares() {
    let declared = declared();
    assert!(
        declared.len() >= 18,
        "the scan finds the list: {declared:?}"
    );
    for (place, names) in [
        ("src-tauri/src/commands.rs (#[tauri::command])", defined()),
        ("src-tauri/src/lib.rs (generate_handler!)", handled()),
        ("src-tauri/capabilities/main.json", granted()),
        ("ui/src/ipc.ts (invoke)", wrapped()),
    ] {
        let missing: Vec<_> = declared.difference(&names).collect();
        let extra: Vec<_> = names.difference(&declared).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "{place} differs from src-tauri/build.rs: missing {missing:?}, not declared {extra:?}"
        );
    }
}
