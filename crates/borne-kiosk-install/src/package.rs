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

/// Whether `new` is after `installed` in Debian's order.
pub fn is_newer(new: &str, installed: &str) -> Result<bool, Refusal> {
    let out = output(
        command("dpkg")
            .arg("--compare-versions")
            .arg(new)
            .arg("gt")
            .arg(installed),
    )?;
    match out.status.code() {
        Some(0) => Ok(true),
        Some(1) => Ok(false),
        _ => Err(Refusal::Dpkg(stderr_line(&out))),
    }
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

/// Restarts `unit` if it runs (`systemctl try-restart`); `false` when
/// systemd does not run this machine.
pub fn restart(unit: &str) -> Result<bool, Refusal> {
    if !Path::new("/run/systemd/system").exists() {
        return Ok(false);
    }
    let out = output(command("systemctl").arg("try-restart").arg(unit))?;
    if out.status.success() {
        Ok(true)
    } else {
        Err(Refusal::Dpkg(format!(
            "systemctl try-restart {unit}: {}",
            stderr_line(&out)
        )))
    }
}
