//! The minisign signature of a release, as `tauri signer sign
//! --app-version` makes it: base64 of the `.sig` file, whose trusted
//! comment holds `version:X.Y.Z`. The key is base64 of the `.pub` file
//! (`plugins.updater.pubkey`).

use base64::Engine as _;

use crate::Refusal;

/// Checks `signature` over `file` with `pubkey`; answers the version it
/// binds. The trusted comment is read only once the signature (which
/// covers it) verified.
pub fn verify(file: &[u8], signature: &str, pubkey: &str) -> Result<String, Refusal> {
    let key = minisign_verify::PublicKey::decode(&base64_text(pubkey).map_err(Refusal::Key)?)
        .map_err(|e| Refusal::Key(e.to_string()))?;
    let sig =
        minisign_verify::Signature::decode(&base64_text(signature).map_err(Refusal::Signature)?)
            .map_err(|e| Refusal::Signature(e.to_string()))?;
    key.verify(file, &sig, false)
        .map_err(|e| Refusal::Signature(e.to_string()))?;
    sig.trusted_comment()
        .split('\t')
        .find_map(|field| field.strip_prefix("version:"))
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
        .ok_or(Refusal::UnsignedVersion)
}

fn base64_text(text: &str) -> Result<String, String> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .map_err(|_| "not base64".to_owned())?;
    String::from_utf8(bytes).map_err(|_| "not text".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

    struct Keys {
        pk: minisign::PublicKey,
        sk: minisign::SecretKey,
    }

    fn keys() -> Keys {
        let kp = minisign::KeyPair::generate_unencrypted_keypair().unwrap();
        Keys {
            pk: kp.pk,
            sk: kp.sk,
        }
    }

    fn pubkey(k: &Keys) -> String {
        B64.encode(k.pk.to_box().unwrap().into_string())
    }

    fn sign(k: &Keys, bytes: &[u8], comment: &str) -> String {
        let sig = minisign::sign(
            Some(&k.pk),
            &k.sk,
            std::io::Cursor::new(bytes),
            Some(comment),
            None,
        )
        .unwrap();
        B64.encode(sig.into_string())
    }

    #[test]
    fn a_signature_verifies_with_its_key_only_and_binds_its_version() {
        let release = keys();
        let file = b"!<arch>\ndebian-binary   a deb".to_vec();
        let good = sign(&release, &file, "timestamp:0\tfile:x.deb\tversion:0.1.1");
        assert_eq!(verify(&file, &good, &pubkey(&release)).unwrap(), "0.1.1");

        let mut tampered = file.clone();
        tampered[10] ^= 1;
        assert!(matches!(
            verify(&tampered, &good, &pubkey(&release)),
            Err(Refusal::Signature(_))
        ));
        assert!(matches!(
            verify(&file, &good, &pubkey(&keys())),
            Err(Refusal::Signature(_))
        ));
        let unversioned = sign(&release, &file, "timestamp:0\tfile:x.deb");
        assert!(matches!(
            verify(&file, &unversioned, &pubkey(&release)),
            Err(Refusal::UnsignedVersion)
        ));
        assert!(matches!(
            verify(&file, "not a signature", &pubkey(&release)),
            Err(Refusal::Signature(_))
        ));
        assert!(matches!(
            verify(&file, &good, "not a key"),
            Err(Refusal::Key(_))
        ));
    }

    #[test]
    fn the_built_in_key_is_the_kiosks() {
        let key = minisign_verify::PublicKey::decode(&base64_text(crate::key::BUILT_IN).unwrap());
        assert!(
            key.is_ok(),
            "tauri.conf.json's plugins.updater.pubkey decodes"
        );
    }
}
