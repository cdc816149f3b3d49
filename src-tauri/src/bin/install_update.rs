//! `borne-kiosk-install-update`: run as root by `borne-kiosk-update.service`
//! when the packaged kiosk dropped a release into its spool. Installs it
//! if its signature, its package name, architecture and version pass
//! (`borne-kiosk-install`); says what it did or why it refused on one
//! line (the journal), and exits 1 on a refusal.

#[cfg(target_os = "linux")]
fn main() {
    let settings = borne_kiosk_install::Settings::default();
    match borne_kiosk_install::run(&settings) {
        Ok(borne_kiosk_install::Outcome::Nothing) => {
            println!("borne-kiosk-install-update: nothing in the spool");
        }
        Ok(borne_kiosk_install::Outcome::Installed {
            from,
            to,
            restarted,
        }) => {
            println!(
                "borne-kiosk-install-update: installed borne-kiosk {to} (was {from}); {}",
                if restarted {
                    "the kiosk restarted"
                } else {
                    "no systemd: the kiosk was not restarted"
                }
            );
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
