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

#[cfg(test)]
mod tests {
    use super::*;

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
