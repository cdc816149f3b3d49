//! One-time codes and opaque tokens.
//!
//! A code is 6 digits from a CSPRNG (`rand::rng()`: ChaCha12 seeded and
//! reseeded from the operating system), kept only as an
//! argon2id hash. Session tokens are 256 random bits kept as SHA-256 (they
//! have full entropy, so a slow hash adds nothing).

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use rand::{Rng, RngCore};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

/// Wrong tries before a code is burned.
pub const MAX_CODE_ATTEMPTS: i64 = 5;

/// A fresh code, uniformly distributed over 000000..=999999.
pub fn generate_code() -> SecretString {
    let n: u32 = rand::rng().random_range(0..1_000_000);
    SecretString::from(format!("{n:06}"))
}

pub fn hash_code(code: &SecretString) -> anyhow::Result<String> {
    let mut salt_bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut salt_bytes);
    let salt = SaltString::encode_b64(&salt_bytes).map_err(|e| anyhow::anyhow!("salt: {e}"))?;
    Argon2::default()
        .hash_password(code.expose_secret().as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("argon2: {e}"))
}

/// A fresh code and its argon2id hash, hashed off the async threads.
pub async fn new_hashed_code() -> anyhow::Result<(SecretString, String)> {
    let code = generate_code();
    let for_hash = code.clone();
    let hash = tokio::task::spawn_blocking(move || hash_code(&for_hash)).await??;
    Ok((code, hash))
}

pub fn verify_code(code: &str, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(code.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// 256 random bits, URL-safe.
pub fn generate_token() -> SecretString {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    SecretString::from(bytes.iter().map(|b| format!("{b:02x}")).collect::<String>())
}

pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Letters and digits nobody confuses when reading them aloud or typing
/// them on a kiosk's keyboard (no 0/O, 1/I/L).
const ENROLLMENT_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";

/// A one-time kiosk enrollment code, `K7QX-M3PA-W9TR`: 12 characters
/// from 31, about 59 bits — far beyond guessing over HTTP in 24 hours.
pub fn generate_enrollment_code() -> SecretString {
    let mut rng = rand::rng();
    let chars: Vec<char> = (0..12)
        .map(|_| char::from(ENROLLMENT_ALPHABET[rng.random_range(0..ENROLLMENT_ALPHABET.len())]))
        .collect();
    let groups: Vec<String> = chars.chunks(4).map(|c| c.iter().collect()).collect();
    SecretString::from(groups.join("-"))
}

/// The SHA-256 of an enrollment code as typed: case, spaces and hyphens
/// do not matter.
pub fn enrollment_code_hash(typed: &str) -> String {
    let normalized: String = typed
        .chars()
        .filter(|c| !matches!(c, '-' | ' ' | '\u{a0}'))
        .flat_map(char::to_uppercase)
        .collect();
    token_hash(&normalized)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enrollment_codes_are_grouped_and_typed_loosely() {
        let code = generate_enrollment_code();
        let text = code.expose_secret();
        assert_eq!(text.len(), 14);
        assert_eq!(text.matches('-').count(), 2);
        assert!(text
            .chars()
            .all(|c| c == '-' || ENROLLMENT_ALPHABET.contains(&(c as u8))));
        let loose = text.replace('-', " ").to_lowercase();
        assert_eq!(enrollment_code_hash(text), enrollment_code_hash(&loose));
        assert_ne!(
            enrollment_code_hash(text),
            enrollment_code_hash(generate_enrollment_code().expose_secret())
        );
    }

    #[test]
    fn codes_are_six_digits_and_hash_round_trips() {
        let code = generate_code();
        assert_eq!(code.expose_secret().len(), 6);
        assert!(code.expose_secret().chars().all(|c| c.is_ascii_digit()));
        let hash = hash_code(&code).unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(!hash.contains(code.expose_secret()));
        assert!(verify_code(code.expose_secret(), &hash));
        let wrong = format!(
            "{:06}",
            (code.expose_secret().parse::<u32>().unwrap() + 1) % 1_000_000
        );
        assert!(!verify_code(&wrong, &hash));
        assert!(!verify_code("123456", "not a hash"));
    }

    #[test]
    fn codes_vary() {
        let mut seen = std::collections::HashSet::new();
        for _ in 0..50 {
            seen.insert(generate_code().expose_secret().to_owned());
        }
        assert!(seen.len() > 45);
    }

    #[test]
    fn tokens() {
        let t = generate_token();
        assert_eq!(t.expose_secret().len(), 64);
        assert_eq!(token_hash(t.expose_secret()).len(), 64);
        assert_ne!(
            token_hash(t.expose_secret()),
            token_hash(generate_token().expose_secret())
        );
    }
}
