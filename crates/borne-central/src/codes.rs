//! One-time codes and opaque tokens.
//!
//! A code is 6 digits from a CSPRNG (`rand::rng()`: ChaCha12 seeded and
//! reseeded from the operating system), kept only as an
//! argon2id hash. Session tokens are 256 random bits kept as SHA-256 (they
//! have full entropy, so a slow hash adds nothing).
//!
//! The server hashes and verifies codes only through [`HashGate`]: each
//! argon2id run works in 19 MiB for about 20 ms of a core, so a burst of
//! requests must neither start them all at once nor leave their memory to
//! the allocator (glibc keeps freed blocks of that size in each thread's
//! arena: hundreds of MiB after a burst).

use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use argon2::password_hash::{self, Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use rand::{Rng, RngCore};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Wrong tries before a code is burned.
pub const MAX_CODE_ATTEMPTS: i64 = 5;

/// A fresh code, uniformly distributed over 000000..=999999.
pub fn generate_code() -> SecretString {
    let n: u32 = rand::rng().random_range(0..1_000_000);
    SecretString::from(format!("{n:06}"))
}

/// argon2 of `code` and `salt` into `len` bytes, working in `memory`
/// (grown to what `argon2`'s parameters need, then kept).
fn argon2_output(
    argon2: &Argon2<'_>,
    code: &[u8],
    salt: &[u8],
    len: usize,
    memory: &mut Vec<Block>,
) -> password_hash::Result<Output> {
    let blocks = argon2.params().block_count();
    if memory.len() < blocks {
        memory.resize(blocks, Block::default());
    }
    Output::init_with(len, |out| {
        Ok(argon2.hash_password_into_with_memory(code, salt, out, &mut memory[..])?)
    })
}

/// A code's argon2id hash (PHC string, default parameters, 16 random
/// bytes of salt), working in `memory`.
fn hash_in(memory: &mut Vec<Block>, code: &[u8]) -> password_hash::Result<String> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let argon2 = Argon2::default();
    let output = argon2_output(&argon2, code, &salt, Params::DEFAULT_OUTPUT_LEN, memory)?;
    let salt = SaltString::encode_b64(&salt)?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(argon2.params())?,
        salt: Some(salt.as_salt()),
        hash: Some(output),
    };
    Ok(phc.to_string())
}

/// Whether `code` matches the PHC string `hash` (its own parameters),
/// working in `memory`; the outputs are compared in constant time.
fn verify_in(memory: &mut Vec<Block>, code: &[u8], hash: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return false;
    };
    let argon2 = match (
        Algorithm::try_from(parsed.algorithm),
        parsed.version.map(Version::try_from).transpose(),
        Params::try_from(&parsed),
    ) {
        (Ok(algorithm), Ok(version), Ok(params)) => {
            Argon2::new(algorithm, version.unwrap_or_default(), params)
        }
        _ => return false,
    };
    let mut salt_bytes = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    argon2_output(&argon2, code, salt, expected.len(), memory).is_ok_and(|out| out == expected)
}

/// Hashes a code with argon2id, on the calling thread, in memory of its
/// own. The server goes through [`HashGate::new_code`]; this is the raw
/// work (benchmarks).
pub fn hash_code(code: &SecretString) -> anyhow::Result<String> {
    hash_in(&mut Vec::new(), code.expose_secret().as_bytes())
        .map_err(|e| anyhow::anyhow!("argon2: {e}"))
}

/// Checks a code against its argon2id hash, on the calling thread, in
/// memory of its own. The server goes through [`HashGate::verify`]; this
/// is the raw work (benchmarks).
pub fn verify_code(code: &str, hash: &str) -> bool {
    verify_in(&mut Vec::new(), code.as_bytes(), hash)
}

/// A hash no code matches, verified when there is no code to check, so
/// that an unknown number costs the same argon2 work as a wrong code.
/// Made in the first turn that needs it.
static DECOY_HASH: OnceLock<String> = OnceLock::new();

/// The one gate every argon2 hash or verification of the server goes
/// through: at most `concurrency` at once (`BORNE_HASH_CONCURRENCY`, the
/// cores by default), on the blocking pool, each in working memory the
/// gate keeps (so argon2 holds at most `concurrency` × 19 MiB, whatever
/// the burst). A request that gets no turn within `wait`
/// (`BORNE_HASH_WAIT_MS`) is refused with [`HashError::Busy`] (503
/// `server.busy`): nothing queues without bound.
#[derive(Clone)]
pub struct HashGate {
    slots: Arc<Semaphore>,
    /// The working memory of the turns not in use.
    memory: Arc<Mutex<Vec<Vec<Block>>>>,
    wait: Duration,
}

/// A turn at argon2: one slot of the gate and the memory it works in;
/// both go back to the gate when it is dropped.
pub struct Turn {
    _slot: OwnedSemaphorePermit,
    memory: Vec<Block>,
    gate_memory: Arc<Mutex<Vec<Vec<Block>>>>,
}

/// Never the working memory: 19 MiB a slot, with what argon2 left in it.
impl std::fmt::Debug for HashGate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HashGate")
            .field("free_turns", &self.slots.available_permits())
            .field("wait", &self.wait)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for Turn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Turn")
            .field("memory_blocks", &self.memory.len())
            .finish_non_exhaustive()
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        let memory = std::mem::take(&mut self.memory);
        self.gate_memory
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(memory);
    }
}

#[derive(Debug, thiserror::Error)]
pub enum HashError {
    /// Every turn stayed taken for the whole wait: retry shortly.
    #[error("every argon2 turn is taken")]
    Busy,
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl HashGate {
    pub fn new(config: &crate::config::Hashing) -> Self {
        Self {
            slots: Arc::new(Semaphore::new(config.concurrency.max(1))),
            memory: Arc::default(),
            wait: config.wait,
        }
    }

    /// A turn, waiting at most the configured time. Held, it keeps every
    /// other request out of one of the slots (a test saturates the gate so).
    pub async fn turn(&self) -> Result<Turn, HashError> {
        // A free slot is taken at once, even with no wait: the timeout
        // polls the acquisition before it looks at its deadline.
        let slot = match tokio::time::timeout(self.wait, self.slots.clone().acquire_owned()).await {
            Ok(Ok(slot)) => slot,
            // The semaphore is never closed; a closed one is busy forever.
            Ok(Err(_)) | Err(_) => return Err(HashError::Busy),
        };
        // Fresh memory (grown on the blocking pool) until every slot has
        // had its own.
        let memory = self
            .memory
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .pop()
            .unwrap_or_default();
        Ok(Turn {
            _slot: slot,
            memory,
            gate_memory: self.memory.clone(),
        })
    }

    /// Runs argon2 `work` in a turn, on the blocking pool. The turn is
    /// given back when the work ends, even if the request was dropped.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Vec<Block>) -> T + Send + 'static,
    ) -> Result<T, HashError> {
        let mut turn = self.turn().await?;
        tokio::task::spawn_blocking(move || work(&mut turn.memory))
            .await
            .map_err(|e| HashError::Internal(e.into()))
    }

    /// A fresh code and its argon2id hash.
    pub async fn new_code(&self) -> Result<(SecretString, String), HashError> {
        let code = generate_code();
        let for_hash = code.clone();
        let hash = self
            .run(move |memory| hash_in(memory, for_hash.expose_secret().as_bytes()))
            .await?
            .map_err(|e| anyhow::anyhow!("argon2: {e}"))?;
        Ok((code, hash))
    }

    /// The argon2id hash of a secret someone chose (a staff member's
    /// password).
    pub async fn hash_secret(&self, secret: &SecretString) -> Result<String, HashError> {
        let secret = secret.clone();
        Ok(self
            .run(move |memory| hash_in(memory, secret.expose_secret().as_bytes()))
            .await?
            .map_err(|e| anyhow::anyhow!("argon2: {e}"))?)
    }

    /// Whether `code` matches `hash`; with no hash, the same work against
    /// a decoy (always false).
    pub async fn verify(&self, code: &str, hash: Option<String>) -> Result<bool, HashError> {
        let code = code.to_owned();
        self.run(move |memory| {
            let hash = match &hash {
                Some(hash) => hash.as_str(),
                None => DECOY_HASH
                    .get_or_init(|| hash_in(memory, b"000000").unwrap_or_default())
                    .as_str(),
            };
            verify_in(memory, code.as_bytes(), hash)
        })
        .await
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
    fn the_gate_s_hashes_are_the_argon2_crate_s() {
        use argon2::password_hash::{PasswordHasher, PasswordVerifier};
        let code = "482913";
        let ours = hash_code(&SecretString::from(code.to_owned())).unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(Argon2::default()
            .verify_password(code.as_bytes(), &parsed)
            .is_ok());
        let salt = SaltString::encode_b64(b"sixteen bytes!!!").unwrap();
        let theirs = Argon2::default()
            .hash_password(code.as_bytes(), &salt)
            .unwrap()
            .to_string();
        assert!(verify_code(code, &theirs));
        assert!(!verify_code("482914", &theirs));
        assert_eq!(
            ours.split('$').take(4).collect::<Vec<_>>(),
            theirs.split('$').take(4).collect::<Vec<_>>(),
            "same algorithm, version and parameters"
        );
    }

    #[tokio::test]
    async fn the_gate_refuses_when_every_turn_stays_taken() {
        let gate = HashGate::new(&crate::config::Hashing {
            concurrency: 1,
            wait: Duration::ZERO,
        });
        let held = gate.turn().await.unwrap();
        assert!(matches!(gate.new_code().await, Err(HashError::Busy)));
        assert!(matches!(
            gate.verify("123456", None).await,
            Err(HashError::Busy)
        ));
        drop(held);
        let (code, hash) = gate.new_code().await.unwrap();
        assert!(gate
            .verify(code.expose_secret(), Some(hash.clone()))
            .await
            .unwrap());
        assert!(!gate.verify(code.expose_secret(), None).await.unwrap());
        assert!(!gate.verify("x", Some(hash)).await.unwrap());
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
