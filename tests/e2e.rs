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

const CAPTCHA: &str = "BORNE";
const PHONE: &str = "514 555-0142";
/// What a resident types on the numeric keypad for it.
const PHONE_DIGITS: &str = "5145550142";
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
    /// `docs/screens/`: the same pictures by name, shown in README.md.
    docs: Option<PathBuf>,
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
        std::fs::write(&path, &png)?;
        if let Some(docs) = &self.docs {
            std::fs::write(docs.join(format!("{name}.png")), &png)?;
        }
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

/// Types `text` into the field the way a resident does: a tap on the
/// field, then only keys of the kiosk's on-screen keyboard (`#osk`):
/// Backspace until the field is empty, then each character, with Shift
/// for a capital the keyboard does not show yet.
async fn osk_type(c: &Client, css: &str, text: &str) -> Result<()> {
    click(c, css).await?;
    wait_visible(c, "#osk").await?;
    // The tap may land mid-text: the caret goes to the end, as a second
    // tap at the end of the field would put it (number fields have none).
    c.execute(
        "const f = document.querySelector(arguments[0]);
         try { f.setSelectionRange(f.value.length, f.value.length); } catch (e) { /* type=number: no caret to move */ }",
        vec![json!(css)],
    )
    .await?;
    let existing = value(c, css).await?.chars().count();
    for _ in 0..existing {
        osk_key(c, "backspace").await?;
    }
    for ch in text.chars() {
        let key = if ch == ' ' {
            "space".to_owned()
        } else {
            ch.to_string()
        };
        if osk_try_key(c, &key).await? {
            continue;
        }
        // A capital (or small letter while Shift is held): toggle Shift.
        osk_key(c, "shift").await?;
        if !osk_try_key(c, &key).await? {
            bail!("the on-screen keyboard has no key for {ch:?} (typing into {css})");
        }
    }
    ensure!(
        value(c, css).await? == text,
        "{css} holds {:?} after typing {text:?} on the on-screen keyboard",
        value(c, css).await?
    );
    Ok(())
}

fn osk_selector(key: &str) -> String {
    format!(
        "#osk [data-key=\"{}\"]",
        key.replace('\\', "\\\\").replace('"', "\\\"")
    )
}

async fn osk_try_key(c: &Client, key: &str) -> Result<bool> {
    match c.find(Locator::Css(&osk_selector(key))).await {
        Ok(k) if k.is_displayed().await.unwrap_or(false) => {
            k.click()
                .await
                .with_context(|| format!("on-screen key {key:?}"))?;
            Ok(true)
        }
        _ => Ok(false),
    }
}

async fn osk_key(c: &Client, key: &str) -> Result<()> {
    ensure!(osk_try_key(c, key).await?, "no on-screen key {key:?}");
    Ok(())
}

/// A tap on a control. The on-screen keyboard covers the bottom of the
/// screen: like a resident, the test first hides it (« Masquer ») when it
/// is open and the control is not one of its keys.
async fn click(c: &Client, css: &str) -> Result<()> {
    if !css.starts_with("#osk") {
        if let Ok(osk) = c.find(Locator::Css("#osk")).await {
            if osk.is_displayed().await.unwrap_or(false) {
                osk_key(c, "close").await?;
            }
        }
    }
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
    // `send_hours` (UTC): when confirmations may go out.
    let start_central = |send_hours: &str| -> Result<Proc> {
        spawn(
            Command::new(&central_bin)
                .arg("serve")
                .env("BORNE_SEND_HOURS", send_hours)
                .env("BORNE_TIMEZONE", "UTC")
                .env("BORNE_CONSOLE_WEBHOOK_TOKEN", WEBHOOK_TOKEN)
                .env("BORNE_PUBLIC_URL", PUBLIC_URL)
                .env("BORNE_LISTEN", format!("127.0.0.1:{central_port}"))
                .env("BORNE_DATA_DIR", work.join("central"))
                .env("BORNE_DATABASE_URL", format!("sqlite://{}", db.display()))
                .env("BORNE_CONSOLE_OUTBOX", &outbox)
                .env("BORNE_LOG", "debug")
                .env("BORNE_LOG_FORMAT", "json")
                .stdout(Stdio::null())
                .stderr(
                    std::fs::OpenOptions::new()
                        .create(true)
                        .append(true)
                        .open(work.join("central.log"))?,
                ),
        )
    };
    let central = start_central(ALWAYS)?;
    wait_for_port(central_port, "borne-central").await?;
    // The administrator makes an enrollment code for the new kiosk.
    let enrollment = borne_e2e::enrollment_code(
        &central_bin,
        &format!("sqlite://{}", db.display()),
        KIOSK_NAME,
    )?;

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
    let docs_dir = root().join("docs").join("screens");
    std::fs::create_dir_all(&docs_dir)?;
    let mut shots = Shots {
        dir: shots_dir.clone(),
        docs: Some(docs_dir.clone()),
        n: 0,
        violations: Vec::new(),
        audited: 0,
    };
    let mut result = enroll(&c, &enrollment, &mut shots).await;
    if result.is_ok() {
        result = drive(&c, &outbox, &mut shots).await;
    }
    if result.is_ok() {
        // The central server goes down; a resident registers anyway.
        drop(central);
        result = drive_offline(&c, &mut shots).await;
    }
    let database = format!("sqlite://{}", db.display());
    let _central = if result.is_ok() {
        // Back up, in the middle of the night: the kiosk notices within a
        // second and sends the queue; nothing goes out outside the send hours.
        let central = start_central(&hours_excluding_now())?;
        wait_for_port(central_port, "borne-central").await?;
        result = offline_registration_arrives(&db, &outbox).await;
        drop(central);
        // Morning: the confirmation asks the phone, which answers OUI.
        let central = start_central(ALWAYS)?;
        wait_for_port(central_port, "borne-central").await?;
        if result.is_ok() {
            result = confirmed_by_sms(
                &central_bin,
                &database,
                &format!("http://127.0.0.1:{central_port}"),
                &outbox,
            )
            .await;
        }
        let synced = Instant::now();
        if result.is_ok() {
            result = staff_panel(&c, &mut shots).await;
        }
        if result.is_ok() {
            result = english_signup(&c, &outbox, &mut shots).await;
        }
        if result.is_ok() {
            result = pending_change(&c, &outbox, &mut shots, synced).await;
        }
        Some(central)
    } else {
        None
    };
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
    result?;
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

    // No personal data in either program's logs, even at debug level.
    let code = code_from_outbox(&outbox).await?;
    // The central server logs one JSON object per line.
    let central_log = std::fs::read_to_string(work.join("central.log"))?;
    for line in central_log.lines() {
        let v: serde_json::Value = serde_json::from_str(line)
            .with_context(|| format!("central.log line is not JSON: {line}"))?;
        ensure!(
            v["level"].is_string() && v["timestamp"].is_string(),
            "{line}"
        );
    }
    for log in ["central.log", "kiosk.log"] {
        let text = std::fs::read_to_string(work.join(log))?;
        assert!(text.lines().count() > 3, "{log} has log lines");
        for secret in [
            "5550142", "5550199", "555-0199", "555-0142", "555 0142", "5550177", "Tremblay",
            "Élise", "J0R", "5550143", "555-0143", "Bouchard", "5550146", "Smith", "Gagnon", &code,
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
    let (enrolled_id, last_seen): (String, Option<i64>) =
        sqlx::query_as("SELECT id, last_seen_at FROM kiosks WHERE name = ?")
            .bind(KIOSK_NAME)
            .fetch_one(&pool)
            .await?;
    assert_eq!(
        (version.as_str(), kiosk.as_str()),
        (borne_domain::CONSENT_TEXT_VERSION, enrolled_id.as_str()),
        "consents name the enrolled kiosk"
    );
    assert!(last_seen.is_some(), "the kiosk's heartbeat arrived");
    let profile: StoredProfile = sqlx::query_as(
        "SELECT name, first_name, language, city, civic_number, postal_code, newsletter,
                categories
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
            true,
            "boil_water,community".into()
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

/// name, first name, language, city, civic number, postal code,
/// newsletter, categories: as the central database holds them.
type StoredProfile = (
    String,
    Option<String>,
    String,
    String,
    Option<String>,
    Option<String>,
    bool,
    String,
);

const OFFLINE_PHONE_DIGITS: &str = "5145550143";
const KIOSK_NAME: &str = "Hall de l'hôtel de ville";

/// A new kiosk is out of service until staff enroll it: the attract
/// screen says so; staff open their panel and type the administrator's
/// one-time code on the on-screen keyboard.
async fn enroll(c: &Client, code: &str, shots: &mut Shots) -> Result<()> {
    wait_visible(c, "#screen-attract").await?;
    wait_visible(c, "#not-enrolled").await?;
    shots.take(c, "attract-not-enrolled").await?;
    open_staff(c, shots, "").await?;
    osk_type(c, "#enroll-code", code).await?;
    shots.take(c, "staff-enroll").await?;
    click(c, "#btn-enroll").await?;
    let start = Instant::now();
    loop {
        let status = c.find(Locator::Css("#enroll-status")).await?.text().await?;
        if status.contains(KIOSK_NAME) {
            break;
        }
        if start.elapsed() > Duration::from_secs(15) {
            bail!("enrollment never confirmed: {status:?}");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    click(c, "#btn-staff-close").await?;
    wait_visible(c, "#screen-attract").await?;
    let start = Instant::now();
    while c
        .find(Locator::Css("#not-enrolled"))
        .await?
        .is_displayed()
        .await?
    {
        if start.elapsed() > Duration::from_secs(10) {
            bail!("the kiosk still says it is out of service");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    Ok(())
}
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
    osk_type(c, "#phone", "5145550146").await?;
    click(c, "#channel-sms").await?;
    wait_captcha(c).await?;
    osk_type(c, "#captcha-answer", CAPTCHA).await?;
    click(c, "#consent").await?;
    click(c, "#btn-request-submit").await?;
    wait_visible(c, "#screen-code").await?;
    let code = code_sent_to(outbox, "+15145550146").await?;
    osk_type(c, "#code", &code).await?;
    shots.take(c, "en-step3-code").await?;
    click(c, "#btn-code-submit").await?;
    wait_visible(c, "#screen-login").await?;
    shots.take(c, "en-step4-login").await?;
    click(c, "#btn-login").await?;
    wait_visible(c, "#screen-profile").await?;
    osk_type(c, "#name", "Smith").await?;
    osk_type(c, "#postal-code", "J0R 1A0").await?;
    shots.take(c, "en-step5").await?;
    // The resident hesitates: the idle warning, in English; they stay.
    wait_visible_for(c, "#idle-warning", Duration::from_secs(IDLE_SECONDS + 10)).await?;
    shots.take(c, "en-idle-warning").await?;
    click(c, "#btn-idle-continue").await?;
    ensure!(
        value(c, "#name").await? == "Smith",
        "« Continue » keeps what was typed"
    );
    click(c, "#btn-profile-submit").await?;
    let done = wait_visible(c, "#screen-done").await?;
    assert!(
        done.text().await?.contains("confirmed"),
        "the confirmation is in English"
    );
    shots.take(c, "en-step6-confirmed").await?;
    click(c, "#btn-finish").await?;
    wait_visible(c, "#screen-attract").await?;
    // Staff mode in English.
    click(c, "#btn-lang").await?;
    open_staff(c, shots, "en-").await?;
    shots.take(c, "en-staff-panel").await?;
    click(c, "#btn-staff-close").await?;
    wait_visible(c, "#screen-attract").await?;
    Ok(())
}

/// Staff mode from the attract screen: the PIN typed on the on-screen
/// keypad (a wrong one first), the queue's figures, then closed.
async fn staff_panel(c: &Client, shots: &mut Shots) -> Result<()> {
    open_staff(c, shots, "").await?;
    // Both offline registrations went out: none waiting.
    let start = Instant::now();
    loop {
        let acknowledged = c
            .find(Locator::Css("#staff-acknowledged"))
            .await?
            .text()
            .await?;
        let pending = c.find(Locator::Css("#staff-pending")).await?.text().await?;
        if acknowledged.trim() == "2" && pending.trim() == "0" {
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

/// From the attract screen to the staff panel: the PIN typed on the
/// keypad, a wrong one first (captured once).
async fn open_staff(c: &Client, shots: &mut Shots, prefix: &str) -> Result<()> {
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
    shots.take(c, &format!("{prefix}staff-pin")).await?;
    let dots = c.find(Locator::Css("#pin-dots")).await?.text().await?;
    assert!(
        !dots.contains(STAFF_PIN),
        "the PIN is never shown: {dots:?}"
    );
    click(c, "#pin-submit").await?;
    wait_visible(c, "#screen-staff").await?;
    Ok(())
}

/// The offline variant through the window: step 1, straight to step 5,
/// a confirmation with a reference number; the banner says why. In French
/// for a new number, then in English for the number Tremblay verified
/// online (it will wait for its owner as a pending change).
async fn drive_offline(c: &Client, shots: &mut Shots) -> Result<()> {
    offline_registration(c, shots, "", OFFLINE_PHONE_DIGITS, "Bouchard").await?;
    offline_registration(c, shots, "en-", PHONE_DIGITS, "Gagnon").await
}

async fn offline_registration(
    c: &Client,
    shots: &mut Shots,
    prefix: &str,
    phone: &str,
    name: &str,
) -> Result<()> {
    wait_visible(c, "#screen-attract").await?;
    if !prefix.is_empty() {
        click(c, "#btn-lang").await?;
    }
    click(c, "#btn-start").await?;
    wait_visible(c, "#screen-home").await?;
    click(c, "#btn-new-user").await?;
    wait_visible(c, "#screen-request").await?;
    wait_captcha(c).await?;
    osk_type(c, "#phone", phone).await?;
    click(c, "#channel-sms").await?;
    osk_type(c, "#captcha-answer", CAPTCHA).await?;
    click(c, "#consent").await?;
    click(c, "#btn-request-submit").await?;
    // No code now: the form of step 5, the phone kept from step 1.
    wait_visible(c, "#screen-profile").await?;
    wait_visible(c, "#offline-note").await?;
    wait_visible(c, "#offline-banner").await?;
    let first_contact = value(c, "#contacts tbody tr:nth-child(1) [data-field='value']").await?;
    assert!(
        first_contact.contains("555") && first_contact.contains(&phone[6..]),
        "the signup phone is the first contact: {first_contact:?}"
    );
    osk_type(c, "#name", name).await?;
    osk_type(c, "#postal-code", "J0R 1A0").await?;
    shots.take(c, &format!("{prefix}offline-step5")).await?;
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
    shots.take(c, &format!("{prefix}offline-confirmed")).await?;
    click(c, "#btn-finish").await?;
    wait_visible(c, "#screen-attract").await?;
    Ok(())
}

/// Tremblay comes back: a fresh code (step 1 again, « Mot de passe
/// oublié? »), and after the login the offline registration made for their
/// number is shown for them to decide; they keep their own profile.
async fn pending_change(
    c: &Client,
    outbox: &Path,
    shots: &mut Shots,
    synced: Instant,
) -> Result<()> {
    // The registration's own code went to this number at the sync: the
    // next one may follow a minute later (the per-number cap).
    let wait = Duration::from_secs(62).saturating_sub(synced.elapsed());
    tokio::time::sleep(wait).await;
    let sent_before = std::fs::read_to_string(outbox)?
        .lines()
        .filter(|l| l.contains("+15145550142"))
        .count();
    wait_visible(c, "#screen-attract").await?;
    click(c, "#btn-start").await?;
    wait_visible(c, "#screen-home").await?;
    click(c, "#btn-forgot").await?;
    wait_visible(c, "#screen-request").await?;
    wait_captcha(c).await?;
    osk_type(c, "#phone", PHONE_DIGITS).await?;
    click(c, "#channel-sms").await?;
    osk_type(c, "#captcha-answer", CAPTCHA).await?;
    click(c, "#consent").await?;
    click(c, "#btn-request-submit").await?;
    wait_visible(c, "#screen-code").await?;
    let start = Instant::now();
    while std::fs::read_to_string(outbox)?
        .lines()
        .filter(|l| l.contains("+15145550142"))
        .count()
        <= sent_before
    {
        ensure!(
            start.elapsed() < Duration::from_secs(20),
            "no fresh code was sent"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let code = code_from_outbox(outbox).await?;
    osk_type(c, "#code", &code).await?;
    click(c, "#btn-code-submit").await?;
    wait_visible(c, "#screen-login").await?;
    click(c, "#btn-login").await?;
    wait_visible(c, "#screen-profile").await?;
    let panel = wait_visible(c, "#pending-change").await?;
    ensure!(
        panel.text().await?.contains("Gagnon"),
        "the waiting registration is shown to the owner"
    );
    ensure!(
        value(c, "#name").await? == "Tremblay",
        "the form shows the owner's own profile until they decide"
    );
    shots.take(c, "pending-change").await?;
    click(c, "#pending-discard").await?;
    let start = Instant::now();
    while c
        .find(Locator::Css("#pending-result"))
        .await?
        .text()
        .await?
        .trim()
        .is_empty()
    {
        ensure!(
            start.elapsed() < Duration::from_secs(10),
            "the decision is not confirmed"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    ensure!(
        value(c, "#name").await? == "Tremblay",
        "their profile is kept"
    );
    click(c, "#btn-profile-submit").await?;
    wait_visible(c, "#screen-done").await?;
    click(c, "#btn-finish").await?;
    wait_visible(c, "#screen-attract").await?;
    Ok(())
}

/// Send hours that hold every hour of the day.
const ALWAYS: &str = "00:00-24:00";
/// The console provider's stand-in for Twilio's auth token, and the
/// public URL the webhook signatures are computed over.
const WEBHOOK_TOKEN: &str = "e2e-webhook-token";
const PUBLIC_URL: &str = "https://alertes.e2e.test";

/// One-hour send hours (UTC) that the next hour or so does not fall in.
fn hours_excluding_now() -> String {
    let hour = (std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs()
        / 3_600)
        % 24;
    let from = if hour <= 20 { hour + 2 } else { 1 };
    format!("{from:02}:00-{:02}:00", from + 1)
}

/// Messages the console provider sent to `to` so far.
fn sent_to(outbox: &Path, to: &str) -> Vec<serde_json::Value> {
    std::fs::read_to_string(outbox)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|m| m["to"] == to)
        .collect()
}

/// Within the send hours, one SMS asks the offline registrant to answer
/// OUI; a signed « oui » from their phone confirms the account, which the
/// default contacts export then lists.
async fn confirmed_by_sms(
    central_bin: &Path,
    database: &str,
    central_url: &str,
    outbox: &Path,
) -> Result<()> {
    let start = Instant::now();
    while sent_to(outbox, "+15145550143").is_empty() {
        ensure!(
            start.elapsed() < Duration::from_secs(20),
            "no confirmation SMS once the send hours opened"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let sent = sent_to(outbox, "+15145550143");
    ensure!(sent.len() == 1, "one message, got {}", sent.len());
    ensure!(
        sent[0]["asks_confirmation"] == true
            && sent[0]["text"]
                .as_str()
                .unwrap_or_default()
                .contains("Répondez OUI pour confirmer"),
        "the SMS asks for OUI: {}",
        sent[0]
    );
    let params = vec![
        ("From".to_owned(), "+15145550143".to_owned()),
        ("Body".to_owned(), " oui ".to_owned()),
        ("MessageSid".to_owned(), "SMe2e0001".to_owned()),
    ];
    let signature = borne_central::telephony::twilio_signature(
        WEBHOOK_TOKEN,
        &format!("{PUBLIC_URL}/v1/twilio/incoming"),
        &params,
    );
    // reqwest is built without a default TLS provider (plain HTTP here).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let answer = reqwest::Client::new()
        .post(format!("{central_url}/v1/twilio/incoming"))
        .header("X-Twilio-Signature", signature)
        .form(&params)
        .send()
        .await?;
    ensure!(
        answer.status() == 200,
        "webhook answered {}",
        answer.status()
    );
    let twiml = answer.text().await?;
    ensure!(twiml.contains("est confirmée"), "{twiml}");
    let export = Command::new(central_bin)
        .args(["export", "contacts"])
        .env("BORNE_DATABASE_URL", database)
        .output()?;
    ensure!(export.status.success(), "export failed");
    ensure!(
        String::from_utf8_lossy(&export.stdout).contains("+15145550143"),
        "the confirmed resident is in the default export"
    );
    println!(
        "offline registrant confirmed by SMS {:.1} s after the send hours opened",
        start.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Once the central server is back (outside the send hours), the queued
/// registration reaches it and waits for its confirmation: nothing is
/// sent at night.
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
        let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}?mode=ro", db.display())).await?;
        let pending: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM pending_changes p JOIN accounts a ON a.id = p.account_id
             WHERE a.phone = '+15145550142'",
        )
        .fetch_one(&pool)
        .await?;
        pool.close().await;
        if let Some((name, verified)) = row {
            assert_eq!(name, "Bouchard");
            assert!(verified.is_none(), "unconfirmed until the phone answers");
            if pending == 1 {
                println!(
                    "offline registrations synced {:.1} s after the central server came back",
                    start.elapsed().as_secs_f64()
                );
                // The worker had its chance: nothing goes out at night.
                tokio::time::sleep(Duration::from_secs(2)).await;
                ensure!(
                    sent_to(outbox, "+15145550143").is_empty(),
                    "a confirmation went out outside the send hours"
                );
                return Ok(());
            }
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    bail!("the offline registrations did not reach the central server")
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
    osk_type(c, "#phone", "8765550142").await?;
    click(c, "#channel-sms").await?;
    osk_type(c, "#captcha-answer", CAPTCHA).await?;
    click(c, "#consent").await?;
    shots.take(c, "step1-filled").await?;
    click(c, "#btn-request-submit").await?;
    let err = wait_visible(c, "[data-error-for='phone']").await?;
    let text = err.text().await?;
    assert!(!text.trim().is_empty(), "the phone error is shown");
    assert_eq!(
        value(c, "#phone").await?,
        "8765550142",
        "nothing typed is lost"
    );
    shots.take(c, "step1-error").await?;
    osk_type(c, "#phone", PHONE_DIGITS).await?;
    // The captcha was used up by the failed try: type it again.
    osk_type(c, "#captcha-answer", CAPTCHA).await?;
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
    osk_type(c, "#code", &code).await?;
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
    osk_type(c, "#name", "Tremblay").await?;
    osk_type(c, "#first-name", "Élise").await?;
    osk_type(c, "#street", "Chemin de Mille-Isles").await?;
    osk_type(c, "#civic-number", "1262").await?;
    osk_type(c, "#postal-code", "K1A 0B1").await?; // Ottawa: refused
    click(c, "#newsletter").await?;
    // Row 1 is the signup phone; describe it and add an office landline.
    osk_type(
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
    osk_type(c, &format!("{row2} [data-field='description']"), "Bureau").await?;
    osk_type(c, &format!("{row2} [data-field='value']"), "4505550177").await?;
    osk_type(c, &format!("{row2} [data-field='extension']"), "214").await?;
    osk_type(
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
    osk_type(c, "#postal-code", "J0R 1A0").await?;
    // Two optional alert categories (emergencies are always on).
    click(c, "#category-boil_water").await?;
    click(c, "#category-community").await?;
    shots.take(c, "step5-filled").await?;
    // The largest text and the high-contrast palette, audited on the
    // fullest screen, then back.
    click(c, "#btn-text-size-larger").await?;
    click(c, "#btn-contrast").await?;
    shots.take(c, "step5-large-text-high-contrast").await?;
    click(c, "#btn-text-size-normal").await?;
    click(c, "#btn-contrast").await?;
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
    osk_type(c, "#phone", "5145550199").await?;
    click(c, "#channel-voice").await?;
    osk_type(c, "#captcha-answer", CAPTCHA).await?;
    click(c, "#consent").await?;
    click(c, "#btn-request-submit").await?;
    wait_visible(c, "#screen-code").await?;
    osk_type(c, "#code", "12").await?;
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
