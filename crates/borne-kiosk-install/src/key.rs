//! The release key root trusts: the package's, built in from
//! `tauri.conf.json` (`plugins.updater.pubkey`, the key the kiosk itself
//! checks with), unless root put another in [`OVERRIDE`]. The kiosk user
//! can write neither.

use std::io::Read as _;
use std::os::unix::fs::MetadataExt as _;
use std::path::Path;

use crate::Refusal;

/// The administrator's key: the text of a `.pub` file as `tauri signer
/// generate` writes it (base64), as in `plugins.updater.pubkey`.
pub const OVERRIDE: &str = "/etc/borne/kiosk-release.pub";

/// The package's key.
pub const BUILT_IN: &str = include_str!(concat!(env!("OUT_DIR"), "/release.pub"));

/// The key's text: [`OVERRIDE`] when it exists, else [`BUILT_IN`]. An
/// override is read only if it and its directory are root's and nobody
/// else may write them, and it is not a link.
pub fn release_key(override_path: &Path) -> Result<String, Refusal> {
    let meta = match std::fs::symlink_metadata(override_path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(BUILT_IN.to_owned()),
        Err(e) => return Err(Refusal::Key(format!("{}: {e}", override_path.display()))),
    };
    let refuse = |why: &str| Refusal::Key(format!("{} {why}", override_path.display()));
    if !meta.file_type().is_file() {
        return Err(refuse("is not a plain file"));
    }
    if meta.uid() != 0 || meta.mode() & 0o022 != 0 {
        return Err(refuse("must be root's and writable by root only"));
    }
    let dir = override_path.parent().unwrap_or(Path::new("/"));
    let dir_meta = std::fs::symlink_metadata(dir).map_err(|e| refuse(&e.to_string()))?;
    if !dir_meta.is_dir() || dir_meta.uid() != 0 || dir_meta.mode() & 0o022 != 0 {
        return Err(refuse("is in a directory that is not root's alone"));
    }
    let mut text = String::new();
    std::fs::File::open(override_path)?
        .take(4096)
        .read_to_string(&mut text)
        .map_err(|e| refuse(&e.to_string()))?;
    Ok(text.trim().to_owned())
}
