//! End to end: the real kiosk window (WebKitGTK through tauri-driver and
//! WebKitWebDriver), a real `borne-central` process on a fresh SQLite file
//! with the console telephony provider, and the central database checked at
//! the end.
//!
//! Needs the binaries built with the embedded UI and the test-only captcha
//! switch, a display (Xvfb) and `tauri-driver`: `scripts/test.sh` provides
//! all of it. Marked `#[ignore]` so a bare `cargo test` never pretends to
//! have run it.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context, Result};
use borne_e2e::{free_port, target_dir};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

const KIOSK_TOKEN: &str = "e2e-kiosk-token-0123456789";
const CAPTCHA: &str = "BORNE";
const PHONE: &str = "514 555-0142";
/// Short, so the idle wipe can be seen; every step's actions come faster.
const IDLE_SECONDS: u64 = 10;

fn root() -> PathBuf {
    let tests = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    tests.parent().map(Path::to_path_buf).unwrap_or(tests)
}

/// A child process in its own process group, killed with its children.
struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let pid = self.0.id().to_string();
        let _ = Command::new("kill")
            .args(["-TERM", "--", &format!("-{pid}")])
            .status();
        std::thread::sleep(Duration::from_millis(300));
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{pid}")])
            .status();
        let _ = self.0.wait();
    }
}

fn spawn(cmd: &mut Command) -> Result<Proc> {
    use std::os::unix::process::CommandExt;
    cmd.process_group(0);
    Ok(Proc(
        cmd.spawn()
            .with_context(|| format!("cannot start {cmd:?}"))?,
    ))
}

async fn wait_for_port(port: u16, what: &str) -> Result<()> {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(30) {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bail!("{what} did not listen on port {port}")
}

/// A screenshot of each screen, and an accessibility audit of it: axe-core
/// (WCAG 2.1 A and AA rules) runs in the page at every capture.
struct Shots {
    dir: PathBuf,
    n: usize,
    /// `screen: rule (impact) on selectors`, for every violation seen.
    violations: Vec<String>,
    audited: usize,
}

impl Shots {
    async fn take(&mut self, c: &Client, name: &str) -> Result<()> {
        self.n += 1;
        // Let WebKit paint what was just typed before the capture.
        tokio::time::sleep(Duration::from_millis(700)).await;
        let png = c.screenshot().await?;
        let path = self.dir.join(format!("{:02}-{name}.png", self.n));
        std::fs::write(&path, png)?;
        self.audit(c, name).await
    }

    async fn audit(&mut self, c: &Client, name: &str) -> Result<()> {
        let loaded = c
            .execute("return typeof window.axe === 'object';", vec![])
            .await?;
        if loaded != serde_json::Value::Bool(true) {
            let axe = std::fs::read_to_string(root().join("ui/node_modules/axe-core/axe.min.js"))
                .context("axe-core is missing: npm --prefix ui ci")?;
            c.execute(&format!("{axe}\nreturn true;"), vec![]).await?;
            // The checker works here: a picture without a text
            // alternative, added for a moment, is reported.
            let probe = c
                .execute_async(
                    "const done = arguments[arguments.length - 1];
                     const img = document.createElement('img');
                     img.src = 'data:image/png;base64,iVBORw0KGgo=';
                     img.id = 'axe-probe';
                     document.body.appendChild(img);
                     axe.run('#axe-probe', { runOnly: ['image-alt'] })
                       .then(r => { img.remove(); done(r.violations.length); },
                             e => { img.remove(); done(-1); });",
                    vec![],
                )
                .await?;
            ensure!(
                probe == serde_json::json!(1),
                "axe-core does not run in the page: {probe}"
            );
        }
        let found = c
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 axe.run(document, { runOnly: { type: 'tag',
                     values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })
                   .then(r => done(r.passes.length === 0 ? ['no rule passed: nothing audited']
                       : r.violations.map(v => v.id + ' (' + v.impact + ') on '
                       + v.nodes.map(n => n.target.join(' ')).slice(0, 4).join(', '))),
                         e => done(['axe failed: ' + e]));",
                vec![],
            )
            .await?;
        self.audited += 1;
        for v in found.as_array().into_iter().flatten() {
            self.violations
                .push(format!("{name}: {}", v.as_str().unwrap_or_default()));
        }
        Ok(())
    }
}

async fn wait_visible(c: &Client, css: &str) -> Result<fantoccini::elements::Element> {
    wait_visible_for(c, css, Duration::from_secs(20)).await
}

async fn wait_visible_for(
    c: &Client,
    css: &str,
    limit: Duration,
) -> Result<fantoccini::elements::Element> {
    let start = Instant::now();
    loop {
        if let Ok(e) = c.find(Locator::Css(css)).await {
            if e.is_displayed().await.unwrap_or(false) {
                return Ok(e);
            }
        }
        if start.elapsed() > limit {
            bail!("{css} never became visible");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The captcha picture has arrived (the answer is checked against it).
async fn wait_captcha(c: &Client) -> Result<()> {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(10) {
        let drawn = c
            .execute(
                "const i = document.querySelector('#captcha-img');
                 return !!(i && (i.getAttribute('src') || '').startsWith('data:image/'));",
                vec![],
            )
            .await?;
        if drawn == serde_json::Value::Bool(true) {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    bail!("the captcha picture never arrived")
}

async fn type_into(c: &Client, css: &str, text: &str) -> Result<()> {
    let e = c
        .find(Locator::Css(css))
        .await
        .with_context(|| css.to_string())?;
    e.clear().await?;
    e.send_keys(text)
        .await
        .with_context(|| format!("typing into {css}"))?;
    Ok(())
}

async fn click(c: &Client, css: &str) -> Result<()> {
    c.find(Locator::Css(css))
        .await
        .with_context(|| css.to_string())?
        .click()
        .await
        .with_context(|| format!("clicking {css}"))?;
    Ok(())
}

async fn value(c: &Client, css: &str) -> Result<String> {
    Ok(c.find(Locator::Css(css))
        .await?
        .prop("value")
        .await?
        .unwrap_or_default())
}

/// Waits for the console provider's latest SMS to the test resident and
/// returns its code.
async fn code_from_outbox(outbox: &Path) -> Result<String> {
    code_sent_to(outbox, "+15145550142").await
}

/// The last code the console provider texted to `to` (E.164).
async fn code_sent_to(outbox: &Path, to: &str) -> Result<String> {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(20) {
        if let Ok(text) = std::fs::read_to_string(outbox) {
            let last = text
                .lines()
                .rev()
                .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
                .find(|m| m["to"] == to);
            if let Some(msg) = last {
                assert_eq!(msg["channel"], "sms");
                let body = msg["text"].as_str().unwrap_or_default();
                if let Some(code) = body
                    .split(|ch: char| !ch.is_ascii_digit())
                    .find(|t| t.len() == 6)
                {
                    return Ok(code.to_string());
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bail!("no code in the console outbox {}", outbox.display())
}

#[tokio::test]
#[ignore = "needs a display, tauri-driver and the e2e build: run scripts/test.sh"]
async fn a_resident_signs_up_at_the_kiosk() -> Result<()> {
    let bin = target_dir().join("debug");
    let central_bin = bin.join("borne-central");
    let kiosk_bin = bin.join("borne-kiosk");
    for b in [&central_bin, &kiosk_bin] {
        if !b.exists() {
            bail!("{} is missing: run scripts/test.sh", b.display());
        }
    }
    let work = tempfile_dir()?;
    let outbox = work.join("outbox.jsonl");
    let db = work.join("central.sqlite");
    let shots_dir = target_dir().join("e2e-screenshots");
    let _ = std::fs::remove_dir_all(&shots_dir);
    std::fs::create_dir_all(&shots_dir)?;

    // The central server, a real process on a fresh SQLite file.
    let central_port = free_port();
    let start_central = || -> Result<Proc> {
        spawn(
            Command::new(&central_bin)
                .arg("serve")
                .env("BORNE_LISTEN", format!("127.0.0.1:{central_port}"))
                .env("BORNE_DATA_DIR", work.join("central"))
                .env("BORNE_DATABASE_URL", format!("sqlite://{}", db.display()))
                .env("BORNE_KIOSK_TOKEN", KIOSK_TOKEN)
                .env("BORNE_CONSOLE_OUTBOX", &outbox)
                .env("BORNE_LOG", "debug")
                .stdout(Stdio::null())
                .stderr(
                    std::fs::OpenOptions::new()
                        .create(true)
                        .append(true)
                        .open(work.join("central.log"))?,
                ),
        )
    };
    let central = start_central()?;
    wait_for_port(central_port, "borne-central").await?;

    // The kiosk, launched by tauri-driver; its environment reaches the app.
    let driver_port = free_port();
    let native_port = free_port();
    let xdg = work.join("xdg");
    let _driver = spawn(
        Command::new("tauri-driver")
            .args([
                "--port",
                &driver_port.to_string(),
                "--native-port",
                &native_port.to_string(),
            ])
            .env(
                "BORNE_CENTRAL_URL",
                format!("http://127.0.0.1:{central_port}"),
            )
            .env("BORNE_KIOSK_TOKEN", KIOSK_TOKEN)
            .env("BORNE_KIOSK_ID", "kiosk-e2e")
            .env("BORNE_KIOSK_DATA_DIR", work.join("kiosk"))
            .env("BORNE_DANGEROUS_FIXED_CAPTCHA", CAPTCHA)
            .env("BORNE_KIOSK_IDLE_SECONDS", IDLE_SECONDS.to_string())
            .env("BORNE_KIOSK_IDLE_WARNING_SECONDS", "20")
            .env("BORNE_KIOSK_OFFLINE_CHECK_SECONDS", "1")
            .env("BORNE_KIOSK_KEY_STORE", "file")
            .env(
                "BORNE_KIOSK_STAFF_PIN_HASH",
                borne_kiosk_core::hash_staff_pin(STAFF_PIN).map_err(anyhow::Error::msg)?,
            )
            .env("XDG_DATA_HOME", xdg.join("data"))
            .env("XDG_CONFIG_HOME", xdg.join("config"))
            .env("XDG_CACHE_HOME", xdg.join("cache"))
            .env("NO_AT_BRIDGE", "1")
            .env("BORNE_LOG", "debug")
            .stderr(std::fs::File::create(work.join("kiosk.log"))?),
    )?;
    wait_for_port(driver_port, "tauri-driver").await?;

    let mut caps = serde_json::Map::new();
    caps.insert("tauri:options".into(), json!({ "application": kiosk_bin }));
    let c = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{driver_port}"))
        .await
        .context("WebDriver session")?;
    let mut shots = Shots {
        dir: shots_dir.clone(),
        n: 0,
        violations: Vec::new(),
        audited: 0,
    };
    let mut result = drive(&c, &outbox, &mut shots).await;
    if result.is_ok() {
        // The central server goes down; a resident registers anyway.
        drop(central);
        result = drive_offline(&c, &mut shots).await;
    }
    let _central = if result.is_ok() {
        // Back up: the kiosk notices within a second and sends the queue.
        let central = start_central()?;
        wait_for_port(central_port, "borne-central").await?;
        result = offline_registration_arrives(&db, &outbox).await;
        if result.is_ok() {
            result = staff_panel(&c, &mut shots).await;
        }
        if result.is_ok() {
            result = english_signup(&c, &outbox, &mut shots).await;
        }
        Some(central)
    } else {
        None
    };
    if result.is_err() {
        let mut shots = Shots {
            dir: shots_dir.clone(),
            n: 99,
            violations: Vec::new(),
            audited: 0,
        };
        let _ = shots.take(&c, "failure").await;
    }
    let _ = c.close().await;
    result?;
    println!("step screenshots: {}", shots_dir.display());
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

    // No personal data in either program's logs, even at debug level.
    let code = code_from_outbox(&outbox).await?;
    for log in ["central.log", "kiosk.log"] {
        let text = std::fs::read_to_string(work.join(log))?;
        assert!(text.lines().count() > 3, "{log} has log lines");
        for secret in [
            "5550142", "5550199", "555-0199", "555-0142", "555 0142", "5550177", "Tremblay",
            "Élise", "J0R", "5550143", "555-0143", "Bouchard", "5550146", "Smith", &code,
        ] {
            assert!(!text.contains(secret), "{log} contains {secret:?}");
        }
    }

    // What the central database holds.
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}?mode=ro", db.display())).await?;
    let (phone, verified): (String, Option<i64>) =
        sqlx::query_as("SELECT phone, verified_at FROM accounts WHERE phone = '+15145550142'")
            .fetch_one(&pool)
            .await?;
    assert_eq!(phone, "+15145550142");
    assert!(verified.is_some(), "the phone is verified by the login");
    let (version, kiosk): (String, String) =
        sqlx::query_as("SELECT text_version, kiosk_id FROM consents ORDER BY recorded_at LIMIT 1")
            .fetch_one(&pool)
            .await?;
    assert_eq!(
        (version.as_str(), kiosk.as_str()),
        (borne_domain::CONSENT_TEXT_VERSION, "kiosk-e2e")
    );
    let profile: (
        String,
        Option<String>,
        String,
        String,
        Option<String>,
        Option<String>,
        bool,
    ) = sqlx::query_as(
        "SELECT name, first_name, language, city, civic_number, postal_code, newsletter
         FROM profiles WHERE name = 'Tremblay'",
    )
    .fetch_one(&pool)
    .await?;
    assert_eq!(
        profile,
        (
            "Tremblay".into(),
            Some("Élise".into()),
            "fr".into(),
            "Mille-Isles".into(),
            Some("1262".into()),
            Some("J0R 1A0".into()),
            true
        )
    );
    let contacts: Vec<(i64, String, String, Option<String>, i64, String)> = sqlx::query_as(
        "SELECT c.position, c.kind, c.value, c.extension, c.extension_delay_seconds,
                c.description
         FROM contact_points c JOIN accounts a ON a.id = c.account_id
         WHERE a.phone = '+15145550142' ORDER BY c.position",
    )
    .fetch_all(&pool)
    .await?;
    assert_eq!(
        contacts,
        vec![
            (
                1,
                "mobile".into(),
                "+15145550142".into(),
                None,
                0,
                "Cellulaire".into()
            ),
            (
                2,
                "landline".into(),
                "+14505550177".into(),
                Some("214".into()),
                6,
                "Bureau".into()
            ),
        ]
    );
    Ok(())
}

const OFFLINE_PHONE: &str = "514 555-0143";
const STAFF_PIN: &str = "2468";

/// The same screens in English (the town enables it): a signup from the
/// attract screen to the confirmation, audited on the way.
async fn english_signup(c: &Client, outbox: &Path, shots: &mut Shots) -> Result<()> {
    wait_visible(c, "#screen-attract").await?;
    click(c, "#btn-lang").await?;
    shots.take(c, "en-attract").await?;
    click(c, "#btn-start").await?;
    wait_visible(c, "#screen-home").await?;
    shots.take(c, "en-home").await?;
    click(c, "#btn-new-user").await?;
    wait_visible(c, "#screen-request").await?;
    wait_captcha(c).await?;
    click(c, "#btn-request-submit").await?;
    wait_visible(c, "[data-error-for='phone']").await?;
    shots.take(c, "en-step1-errors").await?;
    type_into(c, "#phone", "514 555-0146").await?;
    click(c, "#channel-sms").await?;
    wait_captcha(c).await?;
    type_into(c, "#captcha-answer", CAPTCHA).await?;
    click(c, "#consent").await?;
    click(c, "#btn-request-submit").await?;
    wait_visible(c, "#screen-code").await?;
    let code = code_sent_to(outbox, "+15145550146").await?;
    type_into(c, "#code", &code).await?;
    shots.take(c, "en-step3-code").await?;
    click(c, "#btn-code-submit").await?;
    wait_visible(c, "#screen-login").await?;
    shots.take(c, "en-step4-login").await?;
    click(c, "#btn-login").await?;
    wait_visible(c, "#screen-profile").await?;
    type_into(c, "#name", "Smith").await?;
    type_into(c, "#postal-code", "J0R 1A0").await?;
    shots.take(c, "en-step5").await?;
    click(c, "#btn-profile-submit").await?;
    let done = wait_visible(c, "#screen-done").await?;
    assert!(
        done.text().await?.contains("confirmed"),
        "the confirmation is in English"
    );
    shots.take(c, "en-step6-confirmed").await?;
    click(c, "#btn-finish").await?;
    wait_visible(c, "#screen-attract").await?;
    Ok(())
}

/// Staff mode from the attract screen: the PIN typed on the on-screen
/// keypad (a wrong one first), the queue's figures, then closed.
async fn staff_panel(c: &Client, shots: &mut Shots) -> Result<()> {
    wait_visible(c, "#screen-attract").await?;
    click(c, "#btn-staff").await?;
    wait_visible(c, "#staff-pin-dialog").await?;
    for digit in "1357".chars() {
        click(c, &format!("#pin-key-{digit}")).await?;
    }
    click(c, "#pin-submit").await?;
    let start = Instant::now();
    while c
        .find(Locator::Css("#pin-error"))
        .await?
        .text()
        .await?
        .trim()
        .is_empty()
    {
        if start.elapsed() > Duration::from_secs(10) {
            bail!("a wrong PIN is not said so");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for digit in STAFF_PIN.chars() {
        click(c, &format!("#pin-key-{digit}")).await?;
    }
    shots.take(c, "staff-pin").await?;
    let dots = c.find(Locator::Css("#pin-dots")).await?.text().await?;
    assert!(
        !dots.contains(STAFF_PIN),
        "the PIN is never shown: {dots:?}"
    );
    click(c, "#pin-submit").await?;
    wait_visible(c, "#screen-staff").await?;
    // The offline registration went out: one acknowledged, none waiting.
    let start = Instant::now();
    loop {
        let acknowledged = c
            .find(Locator::Css("#staff-acknowledged"))
            .await?
            .text()
            .await?;
        let pending = c.find(Locator::Css("#staff-pending")).await?.text().await?;
        if acknowledged.trim() == "1" && pending.trim() == "0" {
            break;
        }
        if start.elapsed() > Duration::from_secs(10) {
            bail!("staff panel shows {pending:?} pending, {acknowledged:?} acknowledged");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    click(c, "#btn-staff-sync").await?;
    shots.take(c, "staff-panel").await?;
    click(c, "#btn-staff-close").await?;
    wait_visible(c, "#screen-attract").await?;
    Ok(())
}

/// The offline variant through the window: step 1, straight to step 5,
/// a confirmation with a reference number; the banner says why.
async fn drive_offline(c: &Client, shots: &mut Shots) -> Result<()> {
    wait_visible(c, "#screen-attract").await?;
    click(c, "#btn-start").await?;
    wait_visible(c, "#screen-home").await?;
    click(c, "#btn-new-user").await?;
    wait_visible(c, "#screen-request").await?;
    wait_captcha(c).await?;
    type_into(c, "#phone", OFFLINE_PHONE).await?;
    click(c, "#channel-sms").await?;
    type_into(c, "#captcha-answer", CAPTCHA).await?;
    click(c, "#consent").await?;
    click(c, "#btn-request-submit").await?;
    // No code now: the form of step 5, the phone kept from step 1.
    wait_visible(c, "#screen-profile").await?;
    wait_visible(c, "#offline-note").await?;
    wait_visible(c, "#offline-banner").await?;
    let first_contact = value(c, "#contacts tbody tr:nth-child(1) [data-field='value']").await?;
    assert!(
        first_contact.contains("555") && first_contact.contains("0143"),
        "the signup phone is the first contact: {first_contact:?}"
    );
    type_into(c, "#name", "Bouchard").await?;
    type_into(c, "#postal-code", "J0R 1A0").await?;
    shots.take(c, "offline-step5").await?;
    click(c, "#btn-profile-submit").await?;
    wait_visible(c, "#screen-done").await?;
    wait_visible(c, "#done-offline").await?;
    let reference = c
        .find(Locator::Css("#done-reference"))
        .await?
        .text()
        .await?;
    assert!(
        reference.trim().len() == 9 && reference.contains('-'),
        "a reference number: {reference:?}"
    );
    shots.take(c, "offline-confirmed").await?;
    click(c, "#btn-finish").await?;
    wait_visible(c, "#screen-attract").await?;
    Ok(())
}

/// Once the central server is back, the queued registration reaches it
/// and its code goes out.
async fn offline_registration_arrives(db: &Path, outbox: &Path) -> Result<()> {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(30) {
        let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}?mode=ro", db.display())).await?;
        let row: Option<(String, Option<i64>)> = sqlx::query_as(
            "SELECT p.name, a.verified_at FROM accounts a JOIN profiles p ON p.account_id = a.id
             WHERE a.phone = '+15145550143'",
        )
        .fetch_optional(&pool)
        .await?;
        pool.close().await;
        let sent = std::fs::read_to_string(outbox)
            .unwrap_or_default()
            .contains("+15145550143");
        if let Some((name, verified)) = row {
            assert_eq!(name, "Bouchard");
            assert!(verified.is_none(), "unverified until the resident logs in");
            if sent {
                println!(
                    "offline registration synced and its code sent {:.1} s after the central server came back",
                    start.elapsed().as_secs_f64()
                );
                return Ok(());
            }
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    bail!("the offline registration did not reach the central server, or its code was not sent")
}

fn tempfile_dir() -> Result<PathBuf> {
    let dir = target_dir().join("e2e-work");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

async fn drive(c: &Client, outbox: &Path, shots: &mut Shots) -> Result<()> {
    // The attract screen, then the portal's welcome.
    wait_visible(c, "#screen-attract").await?;
    shots.take(c, "attract").await?;
    click(c, "#btn-start").await?;
    wait_visible(c, "#screen-home").await?;
    shots.take(c, "home").await?;
    click(c, "#btn-new-user").await?;

    // Step 1: « Obtention du mot de passe ». First with a mistake: the
    // resident keeps what they typed and sees the error next to the field.
    wait_visible(c, "#screen-request").await?;
    wait_captcha(c).await?;
    type_into(c, "#phone", "876 555-0142").await?;
    click(c, "#channel-sms").await?;
    type_into(c, "#captcha-answer", CAPTCHA).await?;
    click(c, "#consent").await?;
    shots.take(c, "step1-filled").await?;
    click(c, "#btn-request-submit").await?;
    let err = wait_visible(c, "[data-error-for='phone']").await?;
    let text = err.text().await?;
    assert!(!text.trim().is_empty(), "the phone error is shown");
    assert_eq!(
        value(c, "#phone").await?,
        "876 555-0142",
        "nothing typed is lost"
    );
    shots.take(c, "step1-error").await?;
    type_into(c, "#phone", PHONE).await?;
    // The captcha was used up by the failed try: type it again.
    type_into(c, "#captcha-answer", CAPTCHA).await?;
    click(c, "#btn-request-submit").await?;

    // Steps 2–3: the code goes out through the telephony layer.
    wait_visible(c, "#screen-code").await?;
    let code = code_from_outbox(outbox).await?;
    // The resident sees where the SMS stands (polled from the central server).
    let start = Instant::now();
    loop {
        let status = c
            .find(Locator::Css("#delivery-status"))
            .await?
            .text()
            .await?;
        if status.contains("Envoyé") {
            break;
        }
        if start.elapsed() > Duration::from_secs(15) {
            bail!("delivery status never said « Envoyé »: {status:?}");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let resend = c.find(Locator::Css("#btn-code-resend-voice")).await?;
    assert!(
        !resend.is_enabled().await?,
        "resend waits for the countdown"
    );
    type_into(c, "#code", &code).await?;
    shots.take(c, "step3-code").await?;
    click(c, "#btn-code-submit").await?;

    // Step 4: « Connexion » with the phone and the code.
    wait_visible(c, "#screen-login").await?;
    assert_eq!(value(c, "#login-phone").await?, PHONE);
    shots.take(c, "step4-login").await?;
    click(c, "#btn-login").await?;

    // Step 5: « Formulaire ».
    wait_visible(c, "#screen-profile").await?;
    assert_eq!(
        value(c, "#city").await?,
        "Mille-Isles",
        "the town is the default"
    );
    type_into(c, "#name", "Tremblay").await?;
    type_into(c, "#first-name", "Élise").await?;
    type_into(c, "#street", "Chemin de Mille-Isles").await?;
    type_into(c, "#civic-number", "1262").await?;
    type_into(c, "#postal-code", "K1A 0B1").await?; // Ottawa: refused
    click(c, "#newsletter").await?;
    // Row 1 is the signup phone; describe it and add an office landline.
    type_into(
        c,
        "#contacts tbody tr:nth-child(1) [data-field='description']",
        "Cellulaire",
    )
    .await?;
    click(c, "#btn-add-contact").await?;
    let row2 = "#contacts tbody tr:nth-child(2)";
    c.find(Locator::Css(&format!("{row2} [data-field='kind']")))
        .await?
        .select_by_value("landline")
        .await?;
    type_into(c, &format!("{row2} [data-field='description']"), "Bureau").await?;
    type_into(c, &format!("{row2} [data-field='value']"), "450 555-0177").await?;
    type_into(c, &format!("{row2} [data-field='extension']"), "214").await?;
    type_into(
        c,
        &format!("{row2} [data-field='extension_delay_seconds']"),
        "6",
    )
    .await?;
    click(c, "#btn-profile-submit").await?;
    wait_visible(c, "[data-error-for='postal_code']").await?;
    assert_eq!(
        value(c, "#name").await?,
        "Tremblay",
        "nothing typed is lost"
    );
    assert_eq!(
        value(c, &format!("{row2} [data-field='extension']")).await?,
        "214"
    );
    shots.take(c, "step5-error").await?;
    type_into(c, "#postal-code", "j0r 1a0").await?;
    shots.take(c, "step5-filled").await?;
    click(c, "#btn-profile-submit").await?;

    // Step 6: confirmation with what was saved.
    let done = wait_visible(c, "#screen-done").await?;
    let summary = c.find(Locator::Css("#confirmation")).await?.text().await?;
    assert!(summary.contains("Tremblay"), "{summary}");
    assert!(summary.contains("450 555-0177"), "{summary}");
    assert!(done
        .text()
        .await?
        .contains("Votre inscription est confirmée"));
    shots.take(c, "step6-confirmed").await?;

    // « Terminer » wipes the session and returns to the attract screen.
    click(c, "#btn-finish").await?;
    wait_visible(c, "#screen-attract").await?;
    let leftovers: serde_json::Value = c
        .execute(
            "return Array.from(document.querySelectorAll('input')).map(i => i.value).join('|')",
            vec![],
        )
        .await?;
    let leftovers = leftovers.as_str().unwrap_or_default().to_string();
    assert!(
        !leftovers.contains("Tremblay") && !leftovers.contains("555"),
        "{leftovers}"
    );

    // The next resident walks away after asking for a code: the kiosk
    // warns, counts down, then wipes everything.
    click(c, "#btn-start").await?;
    click(c, "#btn-new-user").await?;
    wait_visible(c, "#screen-request").await?;
    wait_captcha(c).await?;
    type_into(c, "#phone", "514 555-0199").await?;
    click(c, "#channel-voice").await?;
    type_into(c, "#captcha-answer", CAPTCHA).await?;
    click(c, "#consent").await?;
    click(c, "#btn-request-submit").await?;
    wait_visible(c, "#screen-code").await?;
    type_into(c, "#code", "12").await?;
    wait_visible_for(c, "#idle-warning", Duration::from_secs(IDLE_SECONDS + 10)).await?;
    shots.take(c, "idle-warning").await?;
    wait_visible_for(c, "#screen-attract", Duration::from_secs(40)).await?;
    let state: serde_json::Value = c
        .execute(
            "const inputs = Array.from(document.querySelectorAll('input')).map(i => i.value).join('|');
             return [inputs, document.body.textContent, localStorage.length, sessionStorage.length];",
            vec![],
        )
        .await?;
    let text = state.to_string();
    assert!(
        !text.contains("555-0199") && !text.contains("5550199"),
        "{text}"
    );
    assert_eq!(state[2], 0, "localStorage is empty");
    assert_eq!(state[3], 0, "sessionStorage is empty");
    // The Rust side forgot the resident too: no delivery to ask about.
    let rust: serde_json::Value = c
        .execute_async(
            "const done = arguments[arguments.length - 1];
             window.__TAURI_INTERNALS__.invoke('delivery_status')
               .then(r => done({ok: r}), e => done({err: e}));",
            vec![],
        )
        .await?;
    assert_eq!(rust["err"]["code"], "session.expired", "{rust}");
    Ok(())
}
