//! The root side of a packaged kiosk's updates.
//!
//! A kiosk installed from the `.deb` runs as the unprivileged user
//! `borne-kiosk` and cannot replace its root-owned executable. It
//! downloads and verifies a release as before, then drops the `.deb` and
//! its signature into its spool ([`spool::deliver`]); a systemd `.path`
//! unit starts `borne-kiosk-install-update` as root, which runs [`run`].
//!
//! Nothing the kiosk user can write is trusted: the files are opened
//! without following links, must be plain files of the spool's owner
//! with one link, are read once into memory with a size cap and
//! removed; the copy root checks and installs is its own
//! ([`spool`]). The signature is checked with the release key root
//! holds — the package's (`plugins.updater.pubkey` in `tauri.conf.json`,
//! built in) or `/etc/borne/kiosk-release.pub` when root put one there
//! ([`key`]) — and must bind the version; the package must be
//! `borne-kiosk`, of this machine's architecture, of the signed version
//! and newer than the installed one ([`package`]). Every refusal says
//! why ([`Refusal`]).

pub mod key;
pub mod package;
pub mod signature;
pub mod spool;

use std::io::Write as _;
use std::os::unix::fs::{DirBuilderExt as _, MetadataExt as _, OpenOptionsExt as _};
use std::path::{Path, PathBuf};

/// Why an update was not installed.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    #[error("not run as root")]
    NotRoot,
    #[error("spool: {0}")]
    Spool(String),
    /// The spool could not be opened or emptied, so it was moved aside.
    #[error("{why}; the spool moved aside to {to}")]
    SpoolMovedAside { why: Box<Refusal>, to: String },
    #[error("the file is over {max} bytes")]
    TooBig { max: u64 },
    #[error("the release key: {0}")]
    Key(String),
    #[error("the signature: {0}")]
    Signature(String),
    #[error("the signature binds no version")]
    UnsignedVersion,
    #[error("not a Debian package: {0}")]
    NotADebianPackage(String),
    #[error("the package is `{0}`, not borne-kiosk")]
    OtherPackage(String),
    #[error("the package is for `{package}`, this machine is `{machine}`")]
    Architecture { package: String, machine: String },
    #[error("the package is version {package}, its signature binds {signed}")]
    VersionMismatch { signed: String, package: String },
    #[error("version {version} is not a semver version: {reason}")]
    NotSemver { version: String, reason: String },
    #[error("version {new} is not newer than the installed {installed}")]
    NotNewer { new: String, installed: String },
    #[error("borne-kiosk is not installed")]
    NotInstalled,
    #[error("dpkg: {0}")]
    Dpkg(String),
    #[error("{0}")]
    Io(String),
}

impl From<std::io::Error> for Refusal {
    fn from(e: std::io::Error) -> Self {
        Refusal::Io(e.to_string())
    }
}

/// Where things are; [`Settings::default`] is the package's layout.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The kiosk's spool ([`spool::DEFAULT_DIR`]).
    pub spool: PathBuf,
    /// The administrator's release key, when present ([`key::OVERRIDE`]).
    pub key_override: PathBuf,
    /// Root's own working directory (mode `0700`).
    pub work: PathBuf,
    /// The package an update must be.
    pub package: String,
    /// The unit restarted after an install (when systemd runs).
    pub unit: String,
    /// The largest `.deb` accepted.
    pub max_bytes: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            spool: PathBuf::from(spool::DEFAULT_DIR),
            key_override: PathBuf::from(key::OVERRIDE),
            work: PathBuf::from("/var/cache/borne-kiosk-update"),
            package: "borne-kiosk".into(),
            unit: "borne-kiosk.service".into(),
            max_bytes: 256 * 1024 * 1024,
        }
    }
}

/// What [`run`] did.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The spool held no signature: nothing to do.
    Nothing,
    /// Installed; the kiosk's unit restarted when systemd runs.
    Installed {
        from: String,
        to: String,
        restart: package::Restart,
    },
}

/// Takes the spooled release, checks it and installs it. The spool is
/// emptied whatever the outcome, so a refused file is not tried again.
pub fn run(settings: &Settings) -> Result<Outcome, Refusal> {
    if !rustix::process::geteuid().is_root() {
        return Err(Refusal::NotRoot);
    }
    let work = work_dir(&settings.work)?;
    // One run at a time (the .path unit may fire while one runs).
    rustix::fs::flock(&work, rustix::fs::FlockOperation::LockExclusive)
        .map_err(|e| Refusal::Io(format!("lock: {e}")))?;
    // A spool that cannot be opened or emptied goes aside: its signature's
    // path would keep the `.path` unit firing until systemd stops it.
    let aside = |refusal: Refusal| match spool::move_aside(&settings.spool) {
        Ok(to) => Refusal::SpoolMovedAside {
            why: Box::new(refusal),
            to,
        },
        Err(e) => Refusal::Spool(format!("{refusal}; and {e}")),
    };
    let spool = match spool::Spool::open(&settings.spool) {
        Ok(Some(spool)) => spool,
        Ok(None) => return Ok(Outcome::Nothing),
        Err(refusal) => return Err(aside(refusal)),
    };
    let taken = spool.take(settings.max_bytes);
    if let Err(refusal) = spool.clear() {
        return Err(aside(refusal));
    }
    let taken = taken?;
    let Some(taken) = taken else {
        return Ok(Outcome::Nothing);
    };
    let key = key::release_key(&settings.key_override)?;
    let signed = signature::verify(&taken.deb, &taken.signature, &key)?;

    // Root's copy, in root's directory: what is checked is what is installed.
    let dir = tempfile::Builder::new()
        .prefix("update-")
        .tempdir_in(&settings.work)?;
    let deb = dir.path().join(format!("{}.deb", settings.package));
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&deb)?;
    file.write_all(&taken.deb)?;
    file.sync_all()?;
    drop(file);

    let control = package::control(&deb)?;
    if control.package != settings.package {
        return Err(Refusal::OtherPackage(control.package));
    }
    let machine = package::machine_architecture()?;
    if control.architecture != machine {
        return Err(Refusal::Architecture {
            package: control.architecture,
            machine,
        });
    }
    if control.version != signed {
        return Err(Refusal::VersionMismatch {
            signed,
            package: control.version,
        });
    }
    let installed = package::installed_version(&settings.package)?.ok_or(Refusal::NotInstalled)?;
    if !package::is_newer(&control.version, &installed)? {
        return Err(Refusal::NotNewer {
            new: control.version,
            installed,
        });
    }
    package::install(&deb)?;
    Ok(Outcome::Installed {
        from: installed,
        to: control.version,
        restart: package::restart(&settings.unit),
    })
}

/// Root's working directory: made `0700` if missing; refused unless it is
/// a real directory of root's that nobody else may enter.
fn work_dir(path: &Path) -> Result<std::fs::File, Refusal> {
    if let Some(parent) = path.parent() {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o755)
            .create(parent)?;
    }
    match std::fs::DirBuilder::new().mode(0o700).create(path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(e.into()),
    }
    let meta = std::fs::symlink_metadata(path)?;
    if !meta.is_dir() || meta.uid() != 0 || meta.mode() & 0o077 != 0 {
        return Err(Refusal::Io(format!(
            "{} must be a directory of root's, mode 0700",
            path.display()
        )));
    }
    Ok(std::fs::File::open(path)?)
}
