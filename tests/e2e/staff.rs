//! Staff at the kiosk: enrollment, the PIN, the queue panel.

use super::*;

/// A new kiosk is out of service until staff enroll it: the attract
/// screen says so; staff open their panel and type the administrator's
/// one-time code on the on-screen keyboard.
pub async fn enroll(c: &Client, code: &str, shots: &mut Shots) -> Result<()> {
    wait_visible(c, "#screen-attract").await?;
    wait_visible(c, "#not-enrolled").await?;
    shots.take(c, "attract-not-enrolled").await?;
    open_staff(c, shots, "").await?;
    osk_type(c, "#enroll-code", code).await?;
    way_on_in_view(c, shots, "#enroll-code", "#btn-enroll", None).await?;
    click(c, "#enroll-code").await?;
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

/// Staff mode from the attract screen: the PIN typed on the on-screen
/// keypad (a wrong one first), the queue's figures, then closed.
pub async fn staff_panel(c: &Client, shots: &mut Shots) -> Result<()> {
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
pub async fn open_staff(c: &Client, shots: &mut Shots, prefix: &str) -> Result<()> {
    wait_visible(c, "#screen-attract").await?;
    click(c, "#btn-staff").await?;
    wait_visible(c, "#staff-pin-dialog").await?;
    for digit in "135790".chars() {
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
