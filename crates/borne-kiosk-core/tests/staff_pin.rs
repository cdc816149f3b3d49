//! `borne-staff-pin` turns a PIN into the hash `BORNE_KIOSK_STAFF_PIN_HASH` takes.

use std::io::Write;
use std::process::{Command, Stdio};

use argon2::password_hash::{PasswordHash, PasswordVerifier};

fn run(pin: &str) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_borne-staff-pin"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(pin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn prints_an_argon2id_hash_of_the_pin_and_refuses_short_ones() {
    let out = run("482913\n");
    assert!(out.status.success());
    let hash = String::from_utf8(out.stdout).unwrap();
    let hash = hash.trim();
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    let parsed = PasswordHash::new(hash).unwrap();
    assert!(argon2::Argon2::default()
        .verify_password(b"482913", &parsed)
        .is_ok());
    assert!(!run("12").status.success());
    assert!(!run("12ab").status.success());
}
