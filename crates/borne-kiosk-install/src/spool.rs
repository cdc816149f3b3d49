//! The spool: the directory the kiosk (unprivileged) drops a release into
//! ([`deliver`]) and root takes it from ([`Spool`]). The kiosk writes the
//! `.deb` first and the signature last, each under a temporary name then
//! renamed, so the signature's arrival (what the `.path` unit watches)
//! means both are whole.
//!
//! Root trusts nothing here: the directory and each file are opened
//! without following a link; a file must be a plain file of the spool's
//! owner with no other hard link and under a size cap; it is read once,
//! into memory, and what root checks and installs is that copy, never
//! the spool's file again. Both names are then removed from the spool
//! through the directory root opened, whatever was found.

use std::fs::File;
use std::io::{Read as _, Write as _};
use std::os::fd::OwnedFd;
use std::os::unix::fs::{DirBuilderExt as _, OpenOptionsExt as _};
use std::path::Path;

use rustix::fs::{AtFlags, FileType, Mode, OFlags};
use rustix::io::Errno;

use crate::Refusal;

/// The packaged kiosk's spool.
pub const DEFAULT_DIR: &str = "/var/lib/borne-kiosk/updates";
/// The release's `.deb`.
pub const DEB: &str = "borne-kiosk.deb";
/// Its signature (base64 of the minisign `.sig`), written last.
pub const SIGNATURE: &str = "borne-kiosk.deb.sig";
/// The largest signature read.
const MAX_SIGNATURE: u64 = 4096;

/// The kiosk's side: drops a verified release into `dir` (made `0700`
/// if missing). A signature left from an earlier drop goes first, so the
/// installer never pairs it with this `.deb`.
pub fn deliver(dir: &Path, deb: &[u8], signature: &str) -> std::io::Result<()> {
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)?;
    match std::fs::remove_file(dir.join(SIGNATURE)) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    put(dir, DEB, deb)?;
    put(dir, SIGNATURE, signature.as_bytes())
}

fn put(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    let part = dir.join(format!(".{name}.part"));
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&part)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    std::fs::rename(&part, dir.join(name))
}

/// What root took from the spool.
#[derive(Debug)]
pub struct Taken {
    pub deb: Vec<u8>,
    pub signature: String,
}

/// The spool, opened by root.
#[derive(Debug)]
pub struct Spool {
    dir: OwnedFd,
    owner: u32,
}

impl Spool {
    /// `None`: there is no spool (nothing was ever dropped). Refused: the
    /// path is a link or not a directory.
    pub fn open(path: &Path) -> Result<Option<Self>, Refusal> {
        let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        let dir = match rustix::fs::open(path, flags, Mode::empty()) {
            Ok(dir) => dir,
            Err(Errno::NOENT) => return Ok(None),
            Err(Errno::LOOP | Errno::NOTDIR) => {
                return Err(Refusal::Spool(format!(
                    "{} is not a directory (a symbolic link?)",
                    path.display()
                )))
            }
            Err(e) => return Err(Refusal::Spool(format!("{}: {e}", path.display()))),
        };
        let owner = rustix::fs::fstat(&dir)
            .map_err(|e| Refusal::Spool(e.to_string()))?
            .st_uid;
        Ok(Some(Self { dir, owner }))
    }

    /// Reads the signature and the `.deb`; `None` when no signature
    /// waits.
    pub fn take(&self, max_bytes: u64) -> Result<Option<Taken>, Refusal> {
        let Some(signature) = self.read(SIGNATURE, MAX_SIGNATURE)? else {
            return Ok(None);
        };
        let signature =
            String::from_utf8(signature).map_err(|_| Refusal::Signature("not text".into()))?;
        let deb = self
            .read(DEB, max_bytes)?
            .ok_or_else(|| Refusal::Spool(format!("a signature but no {DEB}")))?;
        Ok(Some(Taken { deb, signature }))
    }

    /// Removes both names (a link is removed, never followed).
    pub fn clear(&self) -> Result<(), Refusal> {
        for name in [DEB, SIGNATURE] {
            match rustix::fs::unlinkat(&self.dir, name, AtFlags::empty()) {
                Ok(()) | Err(Errno::NOENT) => {}
                Err(Errno::ISDIR | Errno::PERM) => {
                    rustix::fs::unlinkat(&self.dir, name, AtFlags::REMOVEDIR)
                        .map_err(|e| Refusal::Spool(format!("cannot remove {name}: {e}")))?;
                }
                Err(e) => return Err(Refusal::Spool(format!("cannot remove {name}: {e}"))),
            }
        }
        Ok(())
    }

    fn read(&self, name: &str, max: u64) -> Result<Option<Vec<u8>>, Refusal> {
        // NONBLOCK: a FIFO does not hold root; NOFOLLOW: a link is refused.
        let flags =
            OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::NOCTTY | OFlags::CLOEXEC;
        let fd = match rustix::fs::openat(&self.dir, name, flags, Mode::empty()) {
            Ok(fd) => fd,
            Err(Errno::NOENT) => return Ok(None),
            Err(Errno::LOOP) => return Err(Refusal::Spool(format!("{name} is a symbolic link"))),
            Err(e) => return Err(Refusal::Spool(format!("{name}: {e}"))),
        };
        let stat = rustix::fs::fstat(&fd).map_err(|e| Refusal::Spool(e.to_string()))?;
        if FileType::from_raw_mode(stat.st_mode) != FileType::RegularFile {
            return Err(Refusal::Spool(format!("{name} is not a plain file")));
        }
        if stat.st_uid != self.owner {
            return Err(Refusal::Spool(format!(
                "{name} belongs to uid {}, not to the spool's owner",
                stat.st_uid
            )));
        }
        if stat.st_nlink != 1 {
            return Err(Refusal::Spool(format!("{name} has other hard links")));
        }
        if u64::try_from(stat.st_size).map_or(true, |size| size > max) {
            return Err(Refusal::TooBig { max });
        }
        let mut bytes = Vec::new();
        File::from(fd).take(max + 1).read_to_end(&mut bytes)?;
        if bytes.len() as u64 > max {
            return Err(Refusal::TooBig { max });
        }
        Ok(Some(bytes))
    }
}

/// A spool root cannot open or empty (the spool itself a link, or a name
/// made a non-empty directory) is renamed aside in its parent directory,
/// `<name>.refused-<unix seconds>`, so the signature's path the `.path`
/// unit watches is gone (it would fire again and again, then stop
/// watching at systemd's start limit, and updates would stop). Renaming
/// moves the name, never what a link names; the kiosk makes a new spool
/// at its next drop. Answers the new name.
pub fn move_aside(path: &Path) -> Result<String, Refusal> {
    let (Some(parent), Some(name)) = (path.parent(), path.file_name()) else {
        return Err(Refusal::Spool(format!("{} has no parent", path.display())));
    };
    let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    let dir = rustix::fs::open(parent, flags, Mode::empty())
        .map_err(|e| Refusal::Spool(format!("{}: {e}", parent.display())))?;
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let aside = format!("{}.refused-{seconds}", name.to_string_lossy());
    rustix::fs::renameat(&dir, name, &dir, aside.as_str())
        .map_err(|e| Refusal::Spool(format!("cannot move {} aside: {e}", path.display())))?;
    Ok(aside)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spool() -> (tempfile::TempDir, Spool) {
        let dir = tempfile::tempdir().unwrap();
        let spool = Spool::open(dir.path()).unwrap().unwrap();
        (dir, spool)
    }

    #[test]
    fn what_the_kiosk_delivers_root_takes_once() {
        let (dir, spool) = spool();
        assert!(spool.take(1024).unwrap().is_none(), "an empty spool");
        deliver(dir.path(), b"the deb", "the signature").unwrap();
        let taken = spool.take(1024).unwrap().unwrap();
        assert_eq!(taken.deb, b"the deb");
        assert_eq!(taken.signature, "the signature");
        spool.clear().unwrap();
        assert!(!dir.path().join(DEB).exists() && !dir.path().join(SIGNATURE).exists());
        assert!(spool.take(1024).unwrap().is_none());
    }

    #[test]
    fn links_fifos_hard_links_and_big_files_are_refused_and_removed() {
        let outside = tempfile::tempdir().unwrap();
        let secret = outside.path().join("secret");
        std::fs::write(&secret, b"root's").unwrap();

        let (dir, spool) = spool();
        std::os::unix::fs::symlink(&secret, dir.path().join(DEB)).unwrap();
        std::fs::write(dir.path().join(SIGNATURE), "sig").unwrap();
        let e = spool.take(1024).unwrap_err();
        assert!(e.to_string().contains("symbolic link"), "{e}");
        spool.clear().unwrap();
        assert!(secret.exists(), "the link went, not its target");
        assert!(std::fs::symlink_metadata(dir.path().join(DEB)).is_err());

        std::fs::hard_link(&secret, dir.path().join(DEB)).unwrap();
        std::fs::write(dir.path().join(SIGNATURE), "sig").unwrap();
        let e = spool.take(1024).unwrap_err();
        assert!(e.to_string().contains("hard links"), "{e}");
        spool.clear().unwrap();
        assert_eq!(std::fs::read(&secret).unwrap(), b"root's");

        rustix::fs::mknodat(
            rustix::fs::CWD,
            dir.path().join(DEB),
            FileType::Fifo,
            Mode::from_raw_mode(0o600),
            0,
        )
        .unwrap();
        std::fs::write(dir.path().join(SIGNATURE), "sig").unwrap();
        let e = spool.take(1024).unwrap_err();
        assert!(e.to_string().contains("not a plain file"), "{e}");
        spool.clear().unwrap();

        deliver(dir.path(), &[0u8; 2048], "sig").unwrap();
        assert!(matches!(
            spool.take(1024),
            Err(Refusal::TooBig { max: 1024 })
        ));
        spool.clear().unwrap();

        std::fs::create_dir(dir.path().join(SIGNATURE)).unwrap();
        assert!(spool.take(1024).is_err());
        spool.clear().unwrap();
        assert!(!dir.path().join(SIGNATURE).exists());
    }

    #[test]
    fn a_spool_that_is_a_link_is_refused_and_moved_aside() {
        let real = tempfile::tempdir().unwrap();
        std::fs::write(real.path().join(SIGNATURE), "sig").unwrap();
        let parent = tempfile::tempdir().unwrap();
        let link = parent.path().join("updates");
        std::os::unix::fs::symlink(real.path(), &link).unwrap();
        assert!(matches!(Spool::open(&link), Err(Refusal::Spool(_))));
        assert!(Spool::open(&parent.path().join("none")).unwrap().is_none());

        let aside = move_aside(&link).unwrap();
        assert!(aside.starts_with("updates.refused-"), "{aside}");
        assert!(
            std::fs::symlink_metadata(&link).is_err(),
            "the name is free"
        );
        let moved = std::fs::symlink_metadata(parent.path().join(&aside)).unwrap();
        assert!(
            moved.file_type().is_symlink(),
            "the link moved, not its target"
        );
        assert!(real.path().join(SIGNATURE).exists());
        // The kiosk's next drop makes a new spool.
        deliver(&link, b"the deb", "sig").unwrap();
        assert!(Spool::open(&link).unwrap().is_some());
    }

    #[test]
    fn a_spool_root_cannot_empty_is_moved_aside() {
        let parent = tempfile::tempdir().unwrap();
        let path = parent.path().join("updates");
        deliver(&path, b"the deb", "sig").unwrap();
        std::fs::remove_file(path.join(SIGNATURE)).unwrap();
        std::fs::create_dir_all(path.join(SIGNATURE).join("full")).unwrap();
        let spool = Spool::open(&path).unwrap().unwrap();
        assert!(spool.take(1024).is_err());
        assert!(spool.clear().is_err(), "a non-empty directory stays");
        let aside = move_aside(&path).unwrap();
        assert!(!path.exists(), "the watched signature's path is gone");
        assert!(parent.path().join(aside).join(SIGNATURE).is_dir());
    }
}
