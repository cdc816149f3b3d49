//! End to end: the real kiosk window (WebKitGTK through tauri-driver and
//! WebKitWebDriver), a real `borne-central` process on a fresh SQLite file
//! with the console telephony provider, and the central database checked at
//! the end.
//!
//! Needs the binaries built with the embedded UI and the test-only captcha
//! switch, a display (Xvfb) and `tauri-driver`: `scripts/test.sh` provides
//! all of it. Marked `#[ignore]` so a bare `cargo test` never pretends to
//! have run it.
//!
//! This file holds the scenario; `rig` starts the programs, `driver` works
//! the window, `online`, `offline` and `staff` are the residents' and
//! staff's paths, `outbox` reads what was texted, `checks` what is left.

#[path = "../axe.rs"]
mod axe;
mod checks;
mod driver;
mod manage;
mod offline;
mod online;
mod outbox;
mod rig;
mod staff;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context, Result};
use borne_e2e::{free_port, target_dir};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

use checks::*;
use driver::*;
use manage::*;
use offline::*;
use online::*;
use outbox::*;
use rig::Rig;
use staff::*;

const CAPTCHA: &str = "BORNE";
const PHONE: &str = "514 555-0142";
/// What a resident types on the numeric keypad for it.
const PHONE_DIGITS: &str = "5145550142";
/// Short, so the idle wipe can be seen; every step's actions come faster.
const IDLE_SECONDS: u64 = 10;
const OFFLINE_PHONE_DIGITS: &str = "5145550143";
const KIOSK_NAME: &str = "Hall de l'hôtel de ville";
const STAFF_PIN: &str = "246813";
/// Send hours that hold every hour of the day.
const ALWAYS: &str = "00:00-24:00";
/// The console provider's stand-in for Twilio's auth token, and the
/// public URL the webhook signatures are computed over.
const WEBHOOK_TOKEN: &str = "e2e-webhook-token";
const PUBLIC_URL: &str = "https://alertes.e2e.test";
/// The town's person in charge of personal information, in the notice.
const PRIVACY_OFFICER: &str = "Greffière, 450 555-0100, acces@mille-isles.ca";
/// « Besoin d’aide? » at this kiosk.
const KIOSK_HELP: &str =
    "Adressez-vous au comptoir d’accueil, à votre gauche.|Please ask at the front desk, on your left.";

#[tokio::test]
#[ignore = "needs a display, tauri-driver and the e2e build: run scripts/test.sh"]
async fn a_resident_signs_up_at_the_kiosk() -> Result<()> {
    let rig = Rig::new()?;
    let shots_dir = target_dir().join("e2e-screenshots");
    let _ = std::fs::remove_dir_all(&shots_dir);
    std::fs::create_dir_all(&shots_dir)?;
    let docs_dir = root().join("docs").join("screens");
    std::fs::create_dir_all(&docs_dir)?;

    let central = rig.start_central(ALWAYS).await?;
    // The administrator makes an enrollment code for the new kiosk.
    let enrollment = borne_e2e::enrollment_code(&rig.central_bin, &rig.database_url(), KIOSK_NAME)?;
    let (_driver, c) = rig.start_kiosk().await?;
    let mut shots = Shots {
        dir: shots_dir.clone(),
        docs: Some(docs_dir.clone()),
        n: 0,
        violations: Vec::new(),
        audited: 0,
    };
    let result = scenario(&rig, central, &enrollment, &c, &mut shots).await;
    if result.is_err() {
        let mut shots = Shots {
            dir: shots_dir.clone(),
            docs: None,
            n: 99,
            violations: Vec::new(),
            audited: 0,
        };
        let _ = shots.take(&c, "failure").await;
    }
    let _ = c.close().await;
    let _central = result?;
    println!(
        "step screenshots: {} (by name in {})",
        shots_dir.display(),
        docs_dir.display()
    );
    println!(
        "axe-core: {} screens audited, {} violations",
        shots.audited,
        shots.violations.len()
    );
    assert!(
        shots.violations.is_empty(),
        "accessibility violations:\n{}",
        shots.violations.join("\n")
    );
    logs_hold_no_personal_data(&rig).await?;
    central_database_holds_the_signup(&rig).await
}

/// Enrollment, an online signup, the central server down for two offline
/// registrations, back at night (nothing sent), in the morning (confirmed
/// by SMS), then staff, English and the pending change. Answers the
/// central server still running, for the checks.
async fn scenario(
    rig: &Rig,
    central: Proc,
    enrollment: &str,
    c: &Client,
    shots: &mut Shots,
) -> Result<Proc> {
    enroll(c, enrollment, shots).await?;
    drive(c, &rig.outbox, shots).await?;
    // The central server goes down; a resident registers anyway.
    drop(central);
    drive_offline(c, shots).await?;
    // Back up, in the middle of the night: the kiosk notices within a
    // second and sends the queue; nothing goes out outside the send hours.
    let central = rig.start_central(&hours_excluding_now()).await?;
    let arrived = offline_registration_arrives(&rig.db, &rig.outbox).await;
    drop(central);
    // Morning: the confirmation asks the phone, which answers OUI.
    let central = rig.start_central(ALWAYS).await?;
    arrived?;
    confirmed_by_sms(
        &rig.central_bin,
        &rig.database_url(),
        &rig.central_url(),
        &rig.outbox,
    )
    .await?;
    let synced = Instant::now();
    staff_panel(c, shots).await?;
    english_signup(c, &rig.outbox, &rig.speech_log(), shots).await?;
    let english_code_sent = Instant::now();
    pending_change(c, &rig.outbox, shots, synced).await?;
    delete_my_registration(c, &rig.outbox, shots, english_code_sent).await?;
    Ok(central)
}
