//! Every error code the Rust side can send to the kiosk UI has a
//! translation in the UI sources (French and English live side by side in
//! `ui/src/locales/`), so no resident ever sees a raw code.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const PREFIXES: &[&str] = &[
    "phone",
    "postal_code",
    "email",
    "contact",
    "profile",
    "channel",
    "consent",
    "captcha",
    "code",
    "login",
    "session",
    "central",
    "kiosk",
    "api",
    "request",
    "server",
    "staff",
    "enroll",
    "update",
];
/// Field names written like codes (`consent.accepted_at` is a field).
const FIELD_NAMES: &[&str] = &[
    "consent.text_version",
    "consent.accepted_at",
    "consent.kiosk_id",
    "profile.categories",
    // A column named in a decoding error, never sent to the kiosk.
    "staff.role",
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = entry.path();
        if p.is_dir() {
            if p.file_name().is_some_and(|n| n != "tests") {
                rust_files(&p, out);
            }
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

fn codes_in(source: &str) -> BTreeSet<String> {
    let mut codes = BTreeSet::new();
    for literal in source.split('"').skip(1).step_by(2) {
        let Some((prefix, rest)) = literal.split_once('.') else {
            continue;
        };
        let well_formed = !rest.is_empty()
            && !rest.contains('.')
            && rest.chars().all(|c| c.is_ascii_lowercase() || c == '_');
        if well_formed && PREFIXES.contains(&prefix) && !FIELD_NAMES.contains(&literal) {
            codes.insert(literal.to_string());
        }
    }
    codes
}

#[test]
fn every_rust_error_code_is_translated_in_the_ui() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    rust_files(&root.join("crates"), &mut files);
    rust_files(&root.join("src-tauri/src"), &mut files);
    let mut codes = BTreeSet::new();
    for f in &files {
        // Only non-test code emits codes to residents: not a module of
        // tests in its own file (`mod tests;`), nor the tests of a file.
        if f.file_name().is_some_and(|n| n == "tests.rs") {
            continue;
        }
        let text = std::fs::read_to_string(f).unwrap();
        let text = text.split("#[cfg(test)]").next().unwrap_or_default();
        codes.extend(codes_in(text));
    }
    assert!(codes.len() > 30, "the scan finds the codes ({codes:?})");
    assert!(codes.contains("phone.area_code_not_accepted") && codes.contains("login.invalid_code"));

    let mut ui = String::new();
    let mut ui_files = Vec::new();
    for dir in ["ui/src", "ui/src/locales"] {
        for e in std::fs::read_dir(root.join(dir)).unwrap().flatten() {
            let p = e.path();
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            if p.is_file()
                && name.ends_with(".ts")
                && !name.ends_with(".test.ts")
                && name != "bindings.ts"
            {
                ui.push_str(&std::fs::read_to_string(&p).unwrap());
                ui_files.push(name);
            }
        }
    }
    let missing: Vec<&String> = codes
        .iter()
        .filter(|c| ui.matches(&format!("\"{c}\"")).count() < 2)
        .collect();
    assert!(
        missing.is_empty(),
        "codes without a French and an English translation in {ui_files:?}: {missing:?}"
    );
}
