//! The offline path: registrations queued while the central server is
//! down, their arrival, their confirmation by SMS, the pending change.

use super::*;

/// The offline variant through the window: step 1, straight to step 5,
/// a confirmation with a reference number; the banner says why. In French
/// for a new number, then in English for the number Tremblay verified
/// online (it will wait for its owner as a pending change).
pub async fn drive_offline(c: &Client, shots: &mut Shots) -> Result<()> {
    offline_registration(c, shots, "", OFFLINE_PHONE_DIGITS, "Bouchard").await?;
    offline_registration(c, shots, "en-", PHONE_DIGITS, "Gagnon").await
}

pub async fn offline_registration(
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
    // The resident says what their number is (a cell phone: SMS too).
    choose(
        c,
        "#contacts tbody tr:nth-child(1) [data-field='kind']",
        "mobile",
    )
    .await?;
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
pub async fn pending_change(
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
    // « Déjà inscrit? Modifier mon inscription »
    click(c, "#btn-manage").await?;
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
    // « Mon inscription »: what is registered, to change; the office
    // line becomes the reception's.
    let title = c.find(Locator::Css("#title-profile")).await?.text().await?;
    ensure!(
        title == "Mon inscription",
        "the title says whose it is: {title:?}"
    );
    let row2 = "#contacts tbody tr:nth-child(2) [data-field='description']";
    ensure!(
        value(c, row2).await? == "Bureau",
        "the registered contacts are shown"
    );
    osk_type(c, row2, "Bureau accueil").await?;
    shots.take(c, "my-registration").await?;
    click(c, "#btn-profile-submit").await?;
    let done = wait_visible(c, "#screen-done").await?;
    let text = done.text().await?;
    ensure!(
        text.contains("Bureau accueil"),
        "the change is confirmed: {text}"
    );
    ensure!(
        text.contains("répondez ARRET"),
        "how to stop is said: {text}"
    );
    click(c, "#btn-finish").await?;
    wait_visible(c, "#screen-attract").await?;
    Ok(())
}

/// One-hour send hours (UTC) that the next hour or so does not fall in.
pub fn hours_excluding_now() -> String {
    let hour = (std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs()
        / 3_600)
        % 24;
    let from = if hour <= 20 { hour + 2 } else { 1 };
    format!("{from:02}:00-{:02}:00", from + 1)
}

/// Within the send hours, one SMS asks the offline registrant to answer
/// OUI; a signed « oui » from their phone confirms the account, which the
/// default contacts export then lists.
pub async fn confirmed_by_sms(
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
pub async fn offline_registration_arrives(db: &Path, outbox: &Path) -> Result<()> {
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
