//! The administration console in a real browser: Debian's Chromium,
//! headless, driven through chromedriver (WebDriver), against a real
//! `borne-central` process. The first account from `staff add`, its
//! setup with a second factor, sign-in, a kiosk enrolled, a resident
//! registered through the kiosks' API looked up, exported and deleted
//! with a record by the privacy officer, the coordinator refused the
//! residents page (403, no data), the contacts exported, and the access
//! log listing every step. axe-core (WCAG 2.1 A and AA) audits every page:
//! 0 violations. Screenshots go to `docs/screens/admin-*.png`.
//!
//! Marked `#[ignore]` (it needs `chromium` and `chromium-driver`);
//! `scripts/test.sh` runs it with the rest.

#[path = "axe.rs"]
mod axe;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context, Result};
use borne_e2e::{central_bin, free_port, CentralProcess};
use borne_kiosk_core::CentralClient;
use borne_protocol as wire;
use fantoccini::{Client, ClientBuilder, Locator};
use secrecy::SecretString;
use serde_json::json;

const PASSWORD: &str = "correct horse battery staple";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// chromedriver on a free port, killed when dropped.
struct Driver {
    child: Child,
    port: u16,
}

impl Driver {
    fn start() -> Result<Self> {
        let port = free_port();
        let child = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("chromedriver is missing: scripts/setup.sh installs chromium-driver")?;
        Ok(Self { child, port })
    }

    async fn session(&self) -> Result<Client> {
        let start = Instant::now();
        while tokio::net::TcpStream::connect(("127.0.0.1", self.port))
            .await
            .is_err()
        {
            ensure!(
                start.elapsed() < Duration::from_secs(20),
                "chromedriver did not listen"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({ "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                             "--window-size=1280,1000", "--lang=fr-CA"] }),
        );
        ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await
            .context("WebDriver session")
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Screenshots and the axe-core audit of each page.
struct Pages {
    docs: PathBuf,
    axe: String,
    violations: Vec<String>,
    audited: usize,
}

impl Pages {
    async fn shot(&mut self, c: &Client, name: &str) -> Result<()> {
        let png = c.screenshot().await?;
        std::fs::write(self.docs.join(format!("admin-{name}.png")), png)?;
        // The console's CSP allows no script: WebDriver's scripts are not
        // the page's and run all the same.
        c.execute(&format!("{}\nreturn true;", self.axe), vec![])
            .await?;
        let found = axe::violations(c).await?;
        self.audited += 1;
        for v in found {
            self.violations.push(format!("{name}: {v}"));
        }
        Ok(())
    }
}

async fn fill(c: &Client, css: &str, text: &str) -> Result<()> {
    let e = c
        .find(Locator::Css(css))
        .await
        .with_context(|| css.to_owned())?;
    e.clear().await?;
    e.send_keys(text).await?;
    Ok(())
}

async fn click(c: &Client, css: &str) -> Result<()> {
    c.find(Locator::Css(css))
        .await
        .with_context(|| css.to_owned())?
        .click()
        .await?;
    Ok(())
}

/// Clicks what submits a form or follows a link, and waits until the
/// next page has loaded (WebDriver's click returns before).
async fn submit(c: &Client, css: &str) -> Result<()> {
    let old = c.find(Locator::Css("html")).await?;
    click(c, css).await?;
    let start = Instant::now();
    loop {
        let gone = old.tag_name().await.is_err();
        let ready = c
            .execute("return document.readyState;", vec![])
            .await
            .is_ok_and(|s| s == "complete");
        if gone && ready {
            return Ok(());
        }
        ensure!(
            start.elapsed() < Duration::from_secs(15),
            "{css} led nowhere"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn text_of(c: &Client, css: &str) -> Result<String> {
    Ok(c.find(Locator::Css(css))
        .await
        .with_context(|| css.to_owned())?
        .text()
        .await?)
}

/// The TOTP code of a base32 secret at `at` (RFC 6238, as an app shows it).
fn totp_at(secret: &str, at: u64) -> Result<String> {
    let bytes = totp_rs::Secret::Encoded(secret.to_owned())
        .to_bytes()
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    Ok(
        totp_rs::TOTP::new(totp_rs::Algorithm::SHA1, 6, 0, 30, bytes, None, "t".into())?
            .generate(at),
    )
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// `staff add`: the setup link it prints.
fn staff_add(central: &CentralProcess, admin_url: &str, email: &str, role: &str) -> Result<String> {
    let out = Command::new(central_bin())
        .args(["staff", "add", "--email", email, "--role", role])
        .env("BORNE_DATABASE_URL", &central.database_url)
        .env("BORNE_ADMIN_URL", admin_url)
        .env("BORNE_LOG", "warn")
        .output()?;
    ensure!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)?
        .split_whitespace()
        .find(|w| w.starts_with(admin_url))
        .map(str::to_owned)
        .context("no setup link printed")
}

/// Opens a setup link and chooses the password (and the second factor
/// when `totp`: the code the page's key gives now). The secret, if any.
async fn set_up(
    c: &Client,
    link: &str,
    totp: bool,
    pages: Option<&mut Pages>,
) -> Result<Option<String>> {
    c.goto(link).await?;
    let url = c.current_url().await?;
    ensure!(
        url.as_str() == link,
        "the setup link {link} opened {url}: {}",
        c.source().await?
    );
    fill(c, "#password", PASSWORD).await?;
    fill(c, "#password_again", PASSWORD).await?;
    let secret = text_of(c, "code.secret").await?;
    if totp {
        fill(c, "#totp_code", &totp_at(&secret, unix_now())?).await?;
    }
    if let Some(pages) = pages {
        pages.shot(c, "setup").await?;
    }
    submit(c, "form button[type=submit]").await?;
    let page = c.source().await?;
    ensure!(
        page.contains("activé"),
        "setup did not finish: {}",
        page.split("<main").nth(1).unwrap_or(&page)
    );
    Ok(totp.then_some(secret))
}

async fn sign_in(c: &Client, base: &str, email: &str) -> Result<()> {
    c.goto(&format!("{base}/admin/login")).await?;
    fill(c, "#email", email).await?;
    fill(c, "#password", PASSWORD).await?;
    submit(c, "main form button").await
}

async fn sign_out(c: &Client) -> Result<()> {
    submit(c, "form.who button").await
}

#[tokio::test]
#[ignore = "needs chromium and chromium-driver: run scripts/test.sh"]
async fn staff_work_in_the_console_and_every_step_is_logged() -> Result<()> {
    let work = tempfile::tempdir()?;
    let admin_port = free_port();
    let base = format!("http://127.0.0.1:{admin_port}");
    let mut central = CentralProcess::start_with(
        &central_bin(),
        work.path(),
        free_port(),
        &[
            ("BORNE_ADMIN_LISTEN", &format!("127.0.0.1:{admin_port}")),
            ("BORNE_BREAKER_PAUSE_RATIO", "10"),
            ("BORNE_BREAKER_MIN_BASELINE", "20"),
        ],
    )?;
    central.wait_ready().await?;
    let result = scenario(&central, &base).await;
    if result.is_err() {
        eprintln!("central's log:\n{}", central.log_tail());
    }
    result
}

async fn scenario(central: &CentralProcess, base: &str) -> Result<()> {
    // A resident registers at a kiosk, through the kiosks' API.
    let kiosk = central.enroll_kiosk("Bibliothèque").await?;
    let client = CentralClient::new(
        &format!("http://127.0.0.1:{}", central.port),
        Some(SecretString::from(kiosk.token.clone())),
        Duration::from_secs(10),
        Default::default(),
    )?;
    let fixture = borne_e2e::registration(1, "00000000-0000-7000-8000-000000000001");
    client
        .signup(&wire::SignupRequest {
            phone: fixture.phone.clone(),
            channel: wire::Channel::Sms,
            language: wire::Language::Fr,
            consent: fixture.consent.clone(),
        })
        .await?;
    let start = Instant::now();
    let code = loop {
        let outbox = std::fs::read_to_string(&central.outbox).unwrap_or_default();
        if let Some(line) = outbox.lines().next() {
            let text: serde_json::Value = serde_json::from_str(line)?;
            let text = text["text"].as_str().unwrap_or_default().to_owned();
            break text
                .split(|c: char| !c.is_ascii_digit())
                .find(|t| t.len() == 6)
                .context("no code in the SMS")?
                .to_owned();
        }
        ensure!(start.elapsed() < Duration::from_secs(20), "no code sent");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let login = client
        .login(&wire::LoginRequest {
            phone: fixture.phone.clone(),
            code,
        })
        .await?;
    client
        .save_profile(&SecretString::from(login.session_token), &fixture.profile)
        .await?;
    let name = fixture.profile.name.clone();
    let digits = fixture.phone.trim_start_matches("+1").to_owned();

    let driver = Driver::start()?;
    let c = driver.session().await?;
    let docs = root().join("docs").join("screens");
    std::fs::create_dir_all(&docs)?;
    let mut pages = Pages {
        docs,
        axe: std::fs::read_to_string(root().join("ui/node_modules/axe-core/axe.min.js"))
            .context("axe-core is missing: npm --prefix ui ci")?,
        violations: Vec::new(),
        audited: 0,
    };
    let outcome = steps(central, base, &c, &mut pages, &name, &digits).await;
    let _ = c.close().await;
    outcome?;
    ensure!(pages.audited >= 12, "only {} pages audited", pages.audited);
    if !pages.violations.is_empty() {
        bail!("axe-core violations:\n{}", pages.violations.join("\n"));
    }
    Ok(())
}

async fn steps(
    central: &CentralProcess,
    base: &str,
    c: &Client,
    pages: &mut Pages,
    name: &str,
    digits: &str,
) -> Result<()> {
    // The first account, from the command; its setup with a second factor.
    let link = staff_add(central, base, "admin@ville.ca", "administrateur")?;
    let secret = set_up(c, &link, true, Some(pages))
        .await?
        .context("no TOTP secret")?;
    let used = totp_at(&secret, unix_now())?;
    sign_in(c, base, "admin@ville.ca").await?;
    ensure!(c.current_url().await?.path() == "/admin/login/totp");
    pages.shot(c, "totp").await?;
    // The setup spent this step's code: the next one.
    let start = Instant::now();
    let mut code = used.clone();
    while code == used {
        ensure!(
            start.elapsed() < Duration::from_secs(35),
            "the TOTP step did not turn"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
        code = totp_at(&secret, unix_now())?;
    }
    fill(c, "#code", &code).await?;
    submit(c, "main form button").await?;
    if c.current_url().await?.path() != "/admin" {
        bail!("not signed in: {}", c.source().await?);
    }
    pages.shot(c, "home").await?;

    // Enroll a kiosk: the code is shown once.
    c.goto(&format!("{base}/admin/kiosks")).await?;
    fill(c, "#name", "Hôtel de ville — hall").await?;
    submit(c, "form[action='/admin/kiosks/enroll'] button").await?;
    let enrollment = text_of(c, "#secret").await?;
    ensure!(enrollment.len() == 14, "enrollment code: {enrollment}");
    pages.shot(c, "kiosk-enrolled").await?;
    c.goto(&format!("{base}/admin/kiosks")).await?;
    ensure!(c.source().await?.contains("Hôtel de ville — hall"));
    pages.shot(c, "kiosks").await?;
    c.goto(&format!("{base}/admin/telephony")).await?;
    ensure!(
        text_of(c, "#sent-today").await? == "1",
        "one SMS sent today"
    );
    pages.shot(c, "telephony").await?;

    // The privacy officer and the coordinator get their accounts.
    let mut links = Vec::new();
    for (email, role) in [
        ("rprp@ville.ca", "privacy_officer"),
        ("mesures@ville.ca", "coordinator"),
    ] {
        c.goto(&format!("{base}/admin/staff")).await?;
        fill(c, "#email", email).await?;
        c.find(Locator::Css(&format!("#role option[value='{role}']")))
            .await?
            .click()
            .await?;
        submit(c, "form[action='/admin/staff/add'] button").await?;
        links.push(text_of(c, "#secret").await?);
    }
    pages.shot(c, "staff-link").await?;
    c.goto(&format!("{base}/admin/staff")).await?;
    pages.shot(c, "staff").await?;
    sign_out(c).await?;
    pages.shot(c, "login").await?;

    // The privacy officer: lookup, record, export, deletion with its record.
    set_up(c, &links[0], false, None).await?;
    sign_in(c, base, "rprp@ville.ca").await?;
    c.goto(&format!("{base}/admin/residents")).await?;
    fill(
        c,
        "#q",
        &format!("{} {}-{}", &digits[..3], &digits[3..6], &digits[6..]),
    )
    .await?;
    submit(c, "form[role=search] button").await?;
    pages.shot(c, "residents").await?;
    submit(c, "main ul a").await?;
    ensure!(
        c.source().await?.contains(name),
        "the record shows the resident"
    );
    pages.shot(c, "resident").await?;
    // A download: the page stays.
    click(c, "a[download]").await?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    c.find(Locator::Css("#confirm")).await?.click().await?;
    submit(c, "form.danger button").await?;
    let record = text_of(c, "#secret").await?;
    ensure!(record.len() == 36, "deletion record: {record}");
    pages.shot(c, "deleted").await?;
    sign_out(c).await?;

    // The coordinator: no residents page, the contacts export.
    set_up(c, &links[1], false, None).await?;
    sign_in(c, base, "mesures@ville.ca").await?;
    c.goto(&format!("{base}/admin/residents?q={digits}"))
        .await?;
    let refused = c.source().await?;
    ensure!(refused.contains("403") && !refused.contains(name) && !refused.contains(&digits[3..]));
    pages.shot(c, "forbidden").await?;
    c.goto(&format!("{base}/admin/exports")).await?;
    pages.shot(c, "exports").await?;
    c.find(Locator::Css("#include_unconfirmed"))
        .await?
        .click()
        .await?;
    // A download: the page stays.
    click(c, "main form button").await?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    c.goto(&format!("{base}/admin/confirmations")).await?;
    pages.shot(c, "confirmations").await?;
    sign_out(c).await?;

    // The access log lists every step.
    sign_in(c, base, "rprp@ville.ca").await?;
    c.goto(&format!("{base}/admin/access-log")).await?;
    pages.shot(c, "access-log").await?;
    let rows: Vec<String> = {
        let mut out = Vec::new();
        for row in c.find_all(Locator::Css("tbody tr")).await? {
            out.push(row.html(false).await?);
        }
        out
    };
    for (who, what) in [
        ("rprp@ville.ca", "lookup"),
        ("rprp@ville.ca", "view"),
        ("rprp@ville.ca", "export"),
        ("rprp@ville.ca", "delete"),
        ("mesures@ville.ca", "export_contacts"),
    ] {
        ensure!(
            rows.iter().any(|r| r.contains(who)
                && r.contains(&format!("data-code=\"{what}\""))
                && r.contains("data-code=\"console\"")),
            "no {who} {what} in the access log: {rows:#?}"
        );
    }
    ensure!(
        rows.iter().any(|r| r.contains(&record)),
        "the deletion record is in the log"
    );
    ensure!(
        !rows
            .iter()
            .any(|r| r.contains("mesures@ville.ca") && r.contains("data-code=\"view\"")),
        "the coordinator's refused request was logged as a view"
    );
    ensure!(!rows
        .iter()
        .any(|r| r.contains(name) || r.contains(&digits[3..])));
    Ok(())
}
