//! `borne-kiosk-install-update`: run as root by `borne-kiosk-update.service`
//! when the packaged kiosk dropped a release into its spool. Installs it
//! if its signature, its package name, architecture and version pass
//! (`borne-kiosk-install`); says what it did or why it refused on one
//! line (the journal), and exits 1 on a refusal.

#[cfg(target_os = "linux")]
fn main() {
    use borne_kiosk_install::package::Restart;
    let settings = borne_kiosk_install::Settings::default();
    match borne_kiosk_install::run(&settings) {
        Ok(borne_kiosk_install::Outcome::Nothing) => {
            println!("borne-kiosk-install-update: nothing in the spool");
        }
        Ok(borne_kiosk_install::Outcome::Installed { from, to, restart }) => {
            let installed =
                format!("borne-kiosk-install-update: installed borne-kiosk {to} (was {from})");
            match restart {
                Restart::Restarted => println!("{installed}; the kiosk restarted"),
                Restart::NoSystemd => {
                    println!("{installed}; no systemd: the kiosk was not restarted")
                }
                // Installed all the same: not a refusal; the unit fails so
                // the journal shows it.
                Restart::Failed(why) => {
                    eprintln!("{installed}; the kiosk did not restart ({why}): it runs the new version from its next start");
                    std::process::exit(1);
                }
            }
        }
        Err(refusal) => {
            eprintln!("borne-kiosk-install-update: refused: {refusal}");
            std::process::exit(1);
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn main() {
    eprintln!("borne-kiosk-install-update: for the Debian package only");
    std::process::exit(2);
}
