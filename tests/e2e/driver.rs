//! The WebDriver side: processes, screenshots with their accessibility
//! audit, waiting, clicking and typing on the on-screen keyboard.

use super::*;

pub fn root() -> PathBuf {
    let tests = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    tests.parent().map(Path::to_path_buf).unwrap_or(tests)
}

/// A child process in its own process group, killed with its children.
pub struct Proc(Child);

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

pub fn spawn(cmd: &mut Command) -> Result<Proc> {
    use std::os::unix::process::CommandExt;
    cmd.process_group(0);
    Ok(Proc(
        cmd.spawn()
            .with_context(|| format!("cannot start {cmd:?}"))?,
    ))
}

pub async fn wait_for_port(port: u16, what: &str) -> Result<()> {
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
pub struct Shots {
    pub dir: PathBuf,
    /// `docs/screens/`: the same pictures by name, shown in README.md.
    pub docs: Option<PathBuf>,
    pub n: usize,
    /// `screen: rule (impact) on selectors`, for every violation seen.
    pub violations: Vec<String>,
    pub audited: usize,
}

impl Shots {
    pub async fn take(&mut self, c: &Client, name: &str) -> Result<()> {
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
        let found = crate::axe::violations(c).await?;
        self.audited += 1;
        for v in found {
            self.violations.push(format!("{name}: {v}"));
        }
        Ok(())
    }
}

pub async fn wait_visible(c: &Client, css: &str) -> Result<fantoccini::elements::Element> {
    wait_visible_for(c, css, Duration::from_secs(20)).await
}

pub async fn wait_visible_for(
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
pub async fn wait_captcha(c: &Client) -> Result<()> {
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
pub async fn osk_type(c: &Client, css: &str, text: &str) -> Result<()> {
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

pub fn osk_selector(key: &str) -> String {
    format!(
        "#osk [data-key=\"{}\"]",
        key.replace('\\', "\\\\").replace('"', "\\\"")
    )
}

pub async fn osk_try_key(c: &Client, key: &str) -> Result<bool> {
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

pub async fn osk_key(c: &Client, key: &str) -> Result<()> {
    ensure!(osk_try_key(c, key).await?, "no on-screen key {key:?}");
    Ok(())
}

/// Like a resident before touching a control: the on-screen keyboard
/// hidden (« Masquer ») when it is open and the control is not one of its
/// keys, and the control in the middle of the page area (a step's action
/// bar holds the bottom edge, where WebDriver's own scrolling would leave
/// it).
async fn reach(c: &Client, css: &str) -> Result<()> {
    if css.starts_with("#osk") {
        return Ok(());
    }
    if let Ok(osk) = c.find(Locator::Css("#osk")).await {
        if osk.is_displayed().await.unwrap_or(false) {
            osk_key(c, "close").await?;
        }
    }
    c.execute(
        "const el = document.querySelector(arguments[0]);
         if (el && el.closest('#page')) el.scrollIntoView({ block: 'center' });",
        vec![json!(css)],
    )
    .await?;
    Ok(())
}

/// A key of a physical keyboard or keypad (WebDriver key actions, as the
/// OS would send it to the window), e.g. `fantoccini::key::Key::F1`.
pub async fn physical_key(c: &Client, key: fantoccini::key::Key) -> Result<()> {
    use fantoccini::actions::{InputSource, KeyAction, KeyActions};
    let value = char::from(key);
    let press = KeyActions::new("keypad".into())
        .then(KeyAction::Down { value })
        .then(KeyAction::Up { value });
    c.perform_actions(press).await?;
    c.release_actions().await?;
    Ok(())
}

/// A tap on a control.
pub async fn click(c: &Client, css: &str) -> Result<()> {
    reach(c, css).await?;
    c.find(Locator::Css(css))
        .await
        .with_context(|| css.to_string())?
        .click()
        .await
        .with_context(|| format!("clicking {css}"))?;
    Ok(())
}

/// Picks `value` in a list.
pub async fn choose(c: &Client, css: &str, value: &str) -> Result<()> {
    reach(c, css).await?;
    c.find(Locator::Css(css))
        .await
        .with_context(|| css.to_string())?
        .select_by_value(value)
        .await
        .with_context(|| format!("choosing {value} in {css}"))?;
    Ok(())
}

/// The text sizes of the header's control, smallest first.
pub const TEXT_SIZES: [&str; 3] = ["normal", "large", "larger"];

/// The way on is always visible: at every text size, with the on-screen
/// keyboard open for `field`, the step's primary action (`primary`) is on
/// screen and not covered — `elementFromPoint` at its centre is the button
/// (or inside it) — and so are the field and its label (for a contact in
/// the table, its column's header). Leaves the normal text size; with
/// `shot`, the largest text is captured with the keyboard open.
pub async fn way_on_in_view(
    c: &Client,
    shots: &mut Shots,
    field: &str,
    primary: &str,
    shot: Option<&str>,
) -> Result<()> {
    for size in TEXT_SIZES {
        click(c, &format!("#btn-text-size-{size}")).await?;
        // The resident touches the field: the keyboard opens under the page.
        click(c, field).await?;
        wait_visible(c, "#osk").await?;
        tokio::time::sleep(Duration::from_millis(200)).await;
        let seen = c
            .execute(
                "const [fieldCss, primaryCss] = arguments;
                 const field = document.querySelector(fieldCss);
                 const primary = document.querySelector(primaryCss);
                 const cell = field.closest('td');
                 let label = field.labels && field.labels[0];
                 if (cell && (!label || label.getBoundingClientRect().width < 2)) {
                     label = cell.closest('table').tHead.rows[0].cells[cell.cellIndex];
                 }
                 const clear = (el) => {
                     if (!el) return 'missing';
                     const r = el.getBoundingClientRect();
                     const x = r.left + r.width / 2, y = r.top + r.height / 2;
                     if (r.width < 2 || r.height < 2) return 'not drawn';
                     if (x < 0 || y < 0 || x >= innerWidth || y >= innerHeight) {
                         return 'off screen (centre at ' + Math.round(y) + ')';
                     }
                     const hit = document.elementFromPoint(x, y);
                     if (hit && (hit === el || el.contains(hit))) return 'clear';
                     return 'covered by ' + (hit ? hit.outerHTML.slice(0, 80) : 'nothing');
                 };
                 return {
                     keyboard: !document.querySelector('#osk').hidden
                         && document.activeElement === field,
                     primary: clear(primary),
                     field: clear(field),
                     label: clear(label),
                 };",
                vec![json!(field), json!(primary)],
            )
            .await?;
        let what = format!("{field} at text size {size}: {seen}");
        ensure!(seen["keyboard"] == true, "the keyboard is not open: {what}");
        for part in ["primary", "field", "label"] {
            ensure!(seen[part] == "clear", "{part} not in view: {what}");
        }
        if size == "larger" {
            if let Some(name) = shot {
                shots.take(c, name).await?;
            }
        }
    }
    click(c, "#btn-text-size-normal").await
}

pub async fn value(c: &Client, css: &str) -> Result<String> {
    Ok(c.find(Locator::Css(css))
        .await?
        .prop("value")
        .await?
        .unwrap_or_default())
}

pub fn tempfile_dir() -> Result<PathBuf> {
    let dir = target_dir().join("e2e-work");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
