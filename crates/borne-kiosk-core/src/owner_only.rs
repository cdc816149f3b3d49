//! Files only this account may read: the queue key and the device token
//! when there is no OS keyring. The one place that knows how each OS
//! says "owner only": a `0600` mode on Unix, a protected access control
//! list on Windows (no inherited entries; this account, `SYSTEM` and the
//! local Administrators only — the two that can read any file anyway).

use std::fs::File;
use std::path::Path;

/// Creates `path` (it must not exist) readable by this account only,
/// before anything is written into it.
pub(crate) fn create_new(path: &Path) -> Result<File, String> {
    imp::create_new(path)
}

/// Refuses a file others may read.
pub(crate) fn check(path: &Path) -> Result<(), String> {
    imp::check(path)
}

#[cfg(unix)]
mod imp {
    use std::fs::File;
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    use std::path::Path;

    pub(super) fn create_new(path: &Path) -> Result<File, String> {
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
            .map_err(|e| e.to_string())
    }

    pub(super) fn check(path: &Path) -> Result<(), String> {
        let mode = std::fs::metadata(path)
            .map_err(|e| e.to_string())?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            return Err(format!(
                "others may read it (mode {:o}); it must be 0600",
                mode & 0o777
            ));
        }
        Ok(())
    }
}

#[cfg(windows)]
mod imp {
    use std::fs::File;
    use std::path::Path;

    use windows_acl::acl::{AceType, ACL};
    use windows_acl::helper;

    /// `FILE_ALL_ACCESS`.
    const FULL_CONTROL: u32 = 0x001F_01FF;
    /// `SYSTEM` and `BUILTIN\Administrators`: they may read every file.
    const ALWAYS_ALLOWED: [&str; 2] = ["S-1-5-18", "S-1-5-32-544"];

    fn path_text(path: &Path) -> Result<&str, String> {
        path.to_str()
            .ok_or_else(|| "the path is not valid Unicode".to_owned())
    }

    /// This account's SID, raw and as text.
    fn me() -> Result<(Vec<u8>, String), String> {
        let name = helper::current_user().ok_or("cannot tell which account this is")?;
        let mut sid = helper::name_to_sid(&name, None)
            .map_err(|e| format!("cannot find this account's SID (error {e})"))?;
        let text = helper::sid_to_string(sid.as_mut_ptr().cast())
            .map_err(|e| format!("cannot read this account's SID (error {e})"))?;
        Ok((sid, text))
    }

    pub(super) fn create_new(path: &Path) -> Result<File, String> {
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
            .map_err(|e| e.to_string())?;
        let (mut sid, me) = me()?;
        let mut acl = ACL::from_file_path(path_text(path)?, false)
            .map_err(|e| format!("cannot read its access list (error {e})"))?;
        // Writing the list protects it: no more entries inherited from
        // the folder.
        acl.allow(sid.as_mut_ptr().cast(), false, FULL_CONTROL)
            .map_err(|e| format!("cannot grant this account (error {e})"))?;
        let entries = acl
            .all()
            .map_err(|e| format!("cannot read its access list (error {e})"))?;
        for entry in entries {
            if entry.string_sid == me || ALWAYS_ALLOWED.contains(&entry.string_sid.as_str()) {
                continue;
            }
            let mut other = helper::string_to_sid(&entry.string_sid)
                .map_err(|e| format!("cannot read an entry of its access list (error {e})"))?;
            acl.remove(other.as_mut_ptr().cast(), None, None)
                .map_err(|e| format!("cannot remove another account's access (error {e})"))?;
        }
        check(path)?;
        Ok(file)
    }

    pub(super) fn check(path: &Path) -> Result<(), String> {
        let (_, me) = me()?;
        let acl = ACL::from_file_path(path_text(path)?, false)
            .map_err(|e| format!("cannot read its access list (error {e})"))?;
        let entries = acl
            .all()
            .map_err(|e| format!("cannot read its access list (error {e})"))?;
        let others: Vec<String> = entries
            .into_iter()
            .filter(|e| e.entry_type != AceType::AccessDeny)
            .map(|e| e.string_sid)
            .filter(|sid| *sid != me && !ALWAYS_ALLOWED.contains(&sid.as_str()))
            .collect();
        if others.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "others may read it ({}); only this account, SYSTEM and Administrators may",
                others.join(", ")
            ))
        }
    }
}

#[cfg(not(any(unix, windows)))]
mod imp {
    use std::fs::File;
    use std::path::Path;

    pub(super) fn create_new(_: &Path) -> Result<File, String> {
        Err("no owner-only files on this system: use the OS keyring".into())
    }

    pub(super) fn check(_: &Path) -> Result<(), String> {
        Err("no owner-only files on this system: use the OS keyring".into())
    }
}
