//! Prints the argon2id hash of a staff PIN read from standard input, for
//! `BORNE_KIOSK_STAFF_PIN_HASH`:
//!
//! ```sh
//! printf '%s' 482913 | borne-staff-pin
//! ```

use std::io::Read;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut pin = String::new();
    std::io::stdin().read_to_string(&mut pin)?;
    let pin = pin.trim();
    if pin.len() < 4 || !pin.chars().all(|c| c.is_ascii_digit()) {
        return Err("the staff PIN must be at least 4 digits".into());
    }
    println!("{}", borne_kiosk_core::hash_staff_pin(pin)?);
    Ok(())
}
