//! Prints the argon2id hash of a staff PIN (6 to 12 digits) read from
//! standard input, for `BORNE_KIOSK_STAFF_PIN_HASH`:
//!
//! ```sh
//! printf '%s' 482913 | borne-staff-pin
//! ```

use std::io::Read;

fn main() -> std::process::ExitCode {
    let mut pin = String::new();
    if let Err(e) = std::io::stdin().read_to_string(&mut pin) {
        eprintln!("borne-staff-pin: cannot read the PIN from standard input: {e}");
        return std::process::ExitCode::FAILURE;
    }
    match borne_kiosk_core::hash_staff_pin(pin.trim()) {
        Ok(hash) => {
            println!("{hash}");
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("borne-staff-pin: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
