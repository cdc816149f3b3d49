//! Kiosk releases: which signed build an enrolled kiosk is offered, and
//! what `borne-central release add` accepts. Pure rules; the store keeps
//! the releases (`db/releases.rs`), `http/updates.rs` serves them.
//!
//! The server never holds the release key and does not need to: kiosks
//! verify each file against the public key built into them. What the
//! server checks at `release add` is that the signature is a minisign
//! signature whose trusted comment binds the version being added (the
//! kiosk refuses one that does not), and, given the public key, that it
//! verifies — so a badly signed release is refused before any kiosk
//! downloads it.

use std::str::FromStr;

use base64::Engine as _;
use sha2::{Digest, Sha256};

/// The platforms kiosks run on, named as the Tauri updater names them
/// (`{os}-{arch}`, and `{os}-{arch}-deb` for a kiosk installed from the
/// `.deb`, which is offered the `.deb` and hands it to its root
/// installer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    LinuxX86_64,
    LinuxAarch64,
    LinuxX86_64Deb,
    LinuxAarch64Deb,
    WindowsX86_64,
    DarwinAarch64,
    DarwinX86_64,
}

impl Target {
    pub const ALL: [Target; 7] = [
        Target::LinuxX86_64,
        Target::LinuxAarch64,
        Target::LinuxX86_64Deb,
        Target::LinuxAarch64Deb,
        Target::WindowsX86_64,
        Target::DarwinAarch64,
        Target::DarwinX86_64,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Target::LinuxX86_64 => "linux-x86_64",
            Target::LinuxAarch64 => "linux-aarch64",
            Target::LinuxX86_64Deb => "linux-x86_64-deb",
            Target::LinuxAarch64Deb => "linux-aarch64-deb",
            Target::WindowsX86_64 => "windows-x86_64",
            Target::DarwinAarch64 => "darwin-aarch64",
            Target::DarwinX86_64 => "darwin-x86_64",
        }
    }

    /// Its releases are Debian packages.
    pub fn is_deb(self) -> bool {
        matches!(self, Target::LinuxX86_64Deb | Target::LinuxAarch64Deb)
    }
}

impl FromStr for Target {
    type Err = ReleaseError;

    fn from_str(s: &str) -> Result<Self, ReleaseError> {
        Target::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| ReleaseError::UnknownTarget(s.to_owned()))
    }
}

/// Who is offered a release: a share of every kiosk, or one named group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rollout {
    /// Kiosks whose [`bucket`] is below this (0–100).
    Percent(u8),
    /// Only the kiosks of this group (`borne-central kiosk group`).
    Group(String),
}

impl Rollout {
    pub fn percent(p: u8) -> Result<Self, ReleaseError> {
        if p > 100 {
            return Err(ReleaseError::Percent(p));
        }
        Ok(Rollout::Percent(p))
    }

    pub fn group(name: &str) -> Result<Self, ReleaseError> {
        check_group(name).map(|()| Rollout::Group(name.to_owned()))
    }

    /// Whether the kiosk `kiosk_id`, of group `kiosk_group`, is offered it.
    pub fn includes(&self, kiosk_id: &str, kiosk_group: Option<&str>) -> bool {
        match self {
            Rollout::Percent(p) => bucket(kiosk_id) < *p,
            Rollout::Group(g) => kiosk_group == Some(g.as_str()),
        }
    }
}

/// A group name: 1 to 40 letters, digits, `-` or `_`.
pub fn check_group(name: &str) -> Result<(), ReleaseError> {
    let ok = (1..=40).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(ReleaseError::Group(name.to_owned()))
    }
}

/// A kiosk's place in a percentage rollout, 0–99, from its id alone: the
/// same kiosks go first at every release (a town can watch them), and
/// raising the percentage only adds kiosks.
pub fn bucket(kiosk_id: &str) -> u8 {
    let digest = Sha256::digest(kiosk_id.as_bytes());
    let n = u16::from_be_bytes([digest[0], digest[1]]);
    u8::try_from(n % 100).unwrap_or(0)
}

/// A stored release, as the choice needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offer {
    pub id: String,
    pub version: semver::Version,
    pub rollout: Rollout,
}

/// The newest release newer than `current` that this kiosk is offered;
/// `None`: it is up to date (204).
pub fn choose<'a>(
    releases: &'a [Offer],
    current: &semver::Version,
    kiosk_id: &str,
    kiosk_group: Option<&str>,
) -> Option<&'a Offer> {
    releases
        .iter()
        .filter(|r| r.version > *current && r.rollout.includes(kiosk_id, kiosk_group))
        .max_by(|a, b| a.version.cmp(&b.version))
}

/// Every target's name, for a refusal.
fn target_names() -> String {
    Target::ALL.map(Target::as_str).join(", ")
}

/// Why a release is refused (`release add`, `release rollout`, or a
/// kiosk's question).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReleaseError {
    #[error("unknown target `{0}`: one of {names}", names = target_names())]
    UnknownTarget(String),
    #[error("`{0}` is not a version like 1.2.3")]
    Version(String),
    #[error("the rollout percentage must be 0 to 100, got {0}")]
    Percent(u8),
    #[error("a group is 1 to 40 letters, digits, - or _, got `{0}`")]
    Group(String),
    #[error(
        "the signature is not a Tauri updater signature (base64 of a minisign signature): {0}"
    )]
    Signature(String),
    #[error(
        "the signature binds version `{signed}`, not {version}: sign with --app-version {version}"
    )]
    SignedVersion { signed: String, version: String },
    #[error("the signature does not verify with the public key given: {0}")]
    Verification(String),
    #[error("the file is empty or over {max} bytes")]
    Size { max: usize },
    #[error("a {target} release is a Debian package (.deb), and this file is not one")]
    NotADebianPackage { target: &'static str },
}

/// The largest release file kept (a release kiosk executable is ~15 MiB).
pub const MAX_RELEASE_BYTES: usize = 256 * 1024 * 1024;

/// A version as kiosks announce it and releases carry it.
pub fn parse_version(text: &str) -> Result<semver::Version, ReleaseError> {
    semver::Version::parse(text).map_err(|_| ReleaseError::Version(text.to_owned()))
}

/// What `release add` was given, checked: the signature decodes, binds
/// `version`, and verifies with `pubkey` when one is given (the `.pub`
/// file's text as `tauri signer generate` writes it, or
/// `plugins.updater.pubkey`).
pub fn check_release(
    version: &semver::Version,
    file: &[u8],
    signature: &str,
    pubkey: Option<&str>,
) -> Result<(), ReleaseError> {
    if file.is_empty() || file.len() > MAX_RELEASE_BYTES {
        return Err(ReleaseError::Size {
            max: MAX_RELEASE_BYTES,
        });
    }
    let b64 = base64::engine::general_purpose::STANDARD;
    let text = b64
        .decode(signature.trim())
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(|| ReleaseError::Signature("not base64 text".into()))?;
    let sig = minisign_verify::Signature::decode(&text)
        .map_err(|e| ReleaseError::Signature(e.to_string()))?;
    let signed = sig
        .trusted_comment()
        .split('\t')
        .find_map(|field| field.strip_prefix("version:"))
        .unwrap_or("");
    if signed != version.to_string() {
        return Err(ReleaseError::SignedVersion {
            signed: signed.to_owned(),
            version: version.to_string(),
        });
    }
    if let Some(pubkey) = pubkey {
        let key_text = b64
            .decode(pubkey.trim())
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .ok_or_else(|| {
                ReleaseError::Verification("the public key is not base64 text".into())
            })?;
        let key = minisign_verify::PublicKey::decode(&key_text)
            .map_err(|e| ReleaseError::Verification(e.to_string()))?;
        key.verify(file, &sig, false)
            .map_err(|e| ReleaseError::Verification(e.to_string()))?;
    }
    Ok(())
}

/// A `-deb` target's file is a Debian package (an `ar` archive whose
/// first member is `debian-binary`): packaged kiosks would hand anything
/// else to their root installer only to see it refused.
pub fn check_artifact(target: Target, file: &[u8]) -> Result<(), ReleaseError> {
    if target.is_deb() && !file.starts_with(b"!<arch>\ndebian-binary") {
        return Err(ReleaseError::NotADebianPackage {
            target: target.as_str(),
        });
    }
    Ok(())
}

/// The SHA-256 of a release file, as `release list` shows it.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offer(id: &str, version: &str, rollout: Rollout) -> Offer {
        Offer {
            id: id.into(),
            version: parse_version(version).unwrap(),
            rollout,
        }
    }

    #[test]
    fn targets_are_a_closed_set() {
        for t in Target::ALL {
            assert_eq!(t.as_str().parse::<Target>(), Ok(t));
        }
        assert!(matches!(
            "linux".parse::<Target>(),
            Err(ReleaseError::UnknownTarget(_))
        ));
    }

    #[test]
    fn a_deb_target_takes_debian_packages_only() {
        let deb = b"!<arch>\ndebian-binary   1733300000  0     0     100644  4         `\n2.0\n";
        let elf = b"\x7fELF\x02\x01\x01\x00";
        check_artifact(Target::LinuxX86_64Deb, deb).unwrap();
        check_artifact(Target::LinuxX86_64, elf).unwrap();
        assert!(matches!(
            check_artifact(Target::LinuxX86_64Deb, elf),
            Err(ReleaseError::NotADebianPackage { .. })
        ));
        assert!(Target::LinuxAarch64Deb.is_deb() && !Target::LinuxAarch64.is_deb());
    }

    #[test]
    fn the_newest_offered_release_above_the_current_one_is_chosen() {
        let current = parse_version("0.1.0").unwrap();
        let all = [
            offer("a", "0.1.1", Rollout::Percent(100)),
            offer("b", "0.2.0", Rollout::Percent(100)),
            offer("c", "0.0.9", Rollout::Percent(100)),
            offer("d", "0.3.0", Rollout::Group("pilot".into())),
        ];
        assert_eq!(choose(&all, &current, "k", None).unwrap().id, "b");
        assert_eq!(choose(&all, &current, "k", Some("pilot")).unwrap().id, "d");
        assert!(choose(&all, &parse_version("0.3.0").unwrap(), "k", Some("pilot")).is_none());
        assert!(choose(&all[2..3], &current, "k", None).is_none(), "older");
    }

    #[test]
    fn a_percentage_offers_a_stable_share_that_only_grows() {
        let ids: Vec<String> = (0..2_000).map(|i| format!("kiosk-{i}")).collect();
        let share = |p: u8| {
            ids.iter()
                .filter(|id| Rollout::Percent(p).includes(id, None))
                .count()
        };
        assert_eq!(share(0), 0);
        assert_eq!(share(100), ids.len());
        let ten = share(10);
        assert!((120..=280).contains(&ten), "about 10 % of 2,000: {ten}");
        for id in &ids {
            if Rollout::Percent(10).includes(id, None) {
                assert!(Rollout::Percent(50).includes(id, None), "{id}");
            }
        }
        assert_eq!(bucket("kiosk-7"), bucket("kiosk-7"));
        assert_eq!(Rollout::percent(101), Err(ReleaseError::Percent(101)));
        assert!(Rollout::group("bibliothèque").is_err());
        assert!(Rollout::group("").is_err());
        assert!(!Rollout::group("pilot").unwrap().includes("k", None));
    }

    #[test]
    fn a_signature_must_bind_the_version_and_verify() {
        let b64 = base64::engine::general_purpose::STANDARD;
        let kp = minisign::KeyPair::generate_unencrypted_keypair().unwrap();
        let file = b"the kiosk 0.1.1".to_vec();
        let sign = |version: &str| {
            let sig = minisign::sign(
                Some(&kp.pk),
                &kp.sk,
                std::io::Cursor::new(&file),
                Some(&format!("timestamp:0\tfile:borne-kiosk\tversion:{version}")),
                None,
            )
            .unwrap();
            b64.encode(sig.into_string())
        };
        let pubkey = b64.encode(kp.pk.to_box().unwrap().into_string());
        let v = parse_version("0.1.1").unwrap();
        check_release(&v, &file, &sign("0.1.1"), Some(&pubkey)).unwrap();
        check_release(&v, &file, &sign("0.1.1"), None).unwrap();
        assert!(matches!(
            check_release(&v, &file, &sign("0.1.0"), None),
            Err(ReleaseError::SignedVersion { .. })
        ));
        let mut tampered = file.clone();
        tampered[0] ^= 1;
        assert!(matches!(
            check_release(&v, &tampered, &sign("0.1.1"), Some(&pubkey)),
            Err(ReleaseError::Verification(_))
        ));
        let other = minisign::KeyPair::generate_unencrypted_keypair().unwrap();
        let other = b64.encode(other.pk.to_box().unwrap().into_string());
        assert!(matches!(
            check_release(&v, &file, &sign("0.1.1"), Some(&other)),
            Err(ReleaseError::Verification(_))
        ));
        assert!(matches!(
            check_release(&v, &file, "not a signature", None),
            Err(ReleaseError::Signature(_))
        ));
        assert!(matches!(
            check_release(&v, &[], &sign("0.1.1"), None),
            Err(ReleaseError::Size { .. })
        ));
    }
}
