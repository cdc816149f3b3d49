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
    for pin in ["482913", "482913574102"] {
        let out = run(&format!("{pin}\n"));
        assert!(out.status.success());
        let hash = String::from_utf8(out.stdout).unwrap();
        let hash = hash.trim();
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        let parsed = PasswordHash::new(hash).unwrap();
        assert!(argon2::Argon2::default()
            .verify_password(pin.as_bytes(), &parsed)
            .is_ok());
    }
    for pin in ["12", "2468", "48291", "4829135741023", "48291a"] {
        let out = run(pin);
        assert!(!out.status.success(), "{pin} accepted");
        assert!(out.stdout.is_empty(), "no hash for {pin}");
        let said = String::from_utf8(out.stderr).unwrap();
        assert!(said.contains("the staff PIN must be"), "{said}");
        if pin.len() >= 4 {
            assert!(!said.contains(pin), "the PIN is not repeated: {said}");
        }
    }
    let said = String::from_utf8(run("2468").stderr).unwrap();
    assert!(said.contains("6 to 12 digits"), "{said}");
}
