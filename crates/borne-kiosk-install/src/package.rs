//! dpkg's side: the package's control fields, the installed version,
//! Debian's version order, the install and the restart. Every program
//! runs with a fixed `PATH` and environment.

use std::path::Path;
use std::process::{Command, Output};

use crate::Refusal;

const PATH: &str = "/usr/sbin:/usr/bin:/sbin:/bin";

fn command(program: &str) -> Command {
    let mut c = Command::new(program);
    c.env_clear()
        .env("PATH", PATH)
        .env("LC_ALL", "C")
        .env("DEBIAN_FRONTEND", "noninteractive");
    c
}

fn output(c: &mut Command) -> Result<Output, Refusal> {
    c.output()
        .map_err(|e| Refusal::Dpkg(format!("{:?}: {e}", c.get_program())))
}

fn stderr_line(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("failed")
        .trim()
        .to_owned()
}

/// A package's control fields that matter here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Control {
    pub package: String,
    pub version: String,
    pub architecture: String,
}

/// `dpkg-deb -f`: refused when the file is not a Debian package.
pub fn control(deb: &Path) -> Result<Control, Refusal> {
    let out = output(command("dpkg-deb").arg("-f").arg(deb).args([
        "Package",
        "Version",
        "Architecture",
    ]))?;
    if !out.status.success() {
        return Err(Refusal::NotADebianPackage(stderr_line(&out)));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(':'))
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
            .ok_or_else(|| Refusal::NotADebianPackage(format!("no {name} field")))
    };
    Ok(Control {
        package: field("Package")?,
        version: field("Version")?,
        architecture: field("Architecture")?,
    })
}

/// `dpkg --print-architecture`.
pub fn machine_architecture() -> Result<String, Refusal> {
    let out = output(command("dpkg").arg("--print-architecture"))?;
    if !out.status.success() {
        return Err(Refusal::Dpkg(stderr_line(&out)));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// The installed version of `package`; `None` when it is not installed.
pub fn installed_version(package: &str) -> Result<Option<String>, Refusal> {
    let out = output(
        command("dpkg-query")
            .args(["-W", "-f=${db:Status-Status}\t${Version}"])
            .arg(package),
    )?;
    let text = String::from_utf8_lossy(&out.stdout);
    Ok(match text.split_once('\t') {
        Some(("installed", version)) if out.status.success() => Some(version.trim().to_owned()),
        _ => None,
    })
}

/// Whether `new` comes after `installed` in semver's order: the order
/// the central server offers releases in (`releases::choose`); the
/// bundler writes the kiosk's semver version as the package's. Not
/// Debian's order, which differs for pre-releases: dpkg reads
/// `1.0.0-beta.1` as 1.0.0 with the Debian revision `beta.1`, after
/// `1.0.0`, so a kiosk on the beta would refuse 1.0.0 at every offer.
pub fn is_newer(new: &str, installed: &str) -> Result<bool, Refusal> {
    let parse = |v: &str| {
        semver::Version::parse(v).map_err(|e| Refusal::NotSemver {
            version: v.to_owned(),
            reason: e.to_string(),
        })
    };
    Ok(parse(new)? > parse(installed)?)
}

/// Installs the package: through apt (which brings a new dependency and
/// refuses, before touching anything, what it cannot satisfy) when
/// present, else dpkg. Never removes another package.
pub fn install(deb: &Path) -> Result<(), Refusal> {
    let apt = Path::new("/usr/bin/apt-get").exists();
    let mut c = if apt {
        let mut c = command("apt-get");
        c.args([
            "install",
            "--yes",
            "--no-remove",
            "--no-install-recommends",
            // unattended-upgrades may hold dpkg's lock: wait for it.
            "-o",
            "DPkg::Lock::Timeout=600",
            "-o",
            "Dpkg::Options::=--force-confdef",
            "-o",
            "Dpkg::Options::=--force-confold",
        ])
        .arg(deb);
        c
    } else {
        let mut c = command("dpkg");
        c.args(["--force-confdef", "--force-confold", "-i"])
            .arg(deb);
        c
    };
    let out = output(&mut c)?;
    if out.status.success() {
        Ok(())
    } else {
        let tool = if apt { "apt-get" } else { "dpkg" };
        Err(Refusal::Dpkg(format!(
            "{tool} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        )))
    }
}

/// What became of the kiosk once its new version was installed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Restart {
    /// `systemctl try-restart` restarted it (if it ran).
    Restarted,
    /// systemd does not run this machine: nothing to restart.
    NoSystemd,
    /// The restart failed: the new version runs from the next start.
    Failed(String),
}

/// Restarts `unit` if it runs (`systemctl try-restart`).
pub fn restart(unit: &str) -> Restart {
    if !Path::new("/run/systemd/system").exists() {
        return Restart::NoSystemd;
    }
    match output(command("systemctl").arg("try-restart").arg(unit)) {
        Ok(out) if out.status.success() => Restart::Restarted,
        Ok(out) => Restart::Failed(format!(
            "systemctl try-restart {unit}: {}",
            stderr_line(&out)
        )),
        Err(e) => Restart::Failed(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newer_is_semvers_order_the_one_releases_are_offered_in() {
        assert!(is_newer("0.1.1", "0.1.0").unwrap());
        assert!(!is_newer("0.1.0", "0.1.1").unwrap());
        assert!(!is_newer("0.1.1", "0.1.1").unwrap());
        // dpkg would say the beta is after 1.0.0 (a Debian revision).
        assert!(is_newer("1.0.0", "1.0.0-beta.1").unwrap());
        assert!(!is_newer("1.0.0-beta.1", "1.0.0").unwrap());
        assert!(matches!(
            is_newer("-1", "0.1.0"),
            Err(Refusal::NotSemver { .. })
        ));
    }
}
