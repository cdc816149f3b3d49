//! « Mon inscription »: a registered resident deletes their registration
//! at the kiosk, after a question, and the central server records it.

use super::*;

/// The English signup's resident comes back (in French) and deletes their
/// registration: « Déjà inscrit? », a fresh code, « Mon inscription »,
/// « Supprimer mon inscription », a « no » first, then « yes ».
pub async fn delete_my_registration(
    c: &Client,
    outbox: &Path,
    shots: &mut Shots,
    last_code: Instant,
) -> Result<()> {
    // One code a minute per number.
    tokio::time::sleep(Duration::from_secs(62).saturating_sub(last_code.elapsed())).await;
    let to = "+15145550146";
    let sent_before = sent_to(outbox, to).len();
    wait_visible(c, "#screen-attract").await?;
    click(c, "#btn-start").await?;
    wait_visible(c, "#screen-home").await?;
    click(c, "#btn-manage").await?;
    wait_visible(c, "#screen-request").await?;
    wait_captcha(c).await?;
    osk_type(c, "#phone", "5145550146").await?;
    click(c, "#channel-sms").await?;
    osk_type(c, "#captcha-answer", CAPTCHA).await?;
    click(c, "#consent").await?;
    click(c, "#btn-request-submit").await?;
    wait_visible(c, "#screen-code").await?;
    let start = Instant::now();
    while sent_to(outbox, to).len() <= sent_before {
        ensure!(
            start.elapsed() < Duration::from_secs(20),
            "no fresh code was sent"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let code = code_sent_to(outbox, to).await?;
    osk_type(c, "#code", &code).await?;
    click(c, "#btn-code-submit").await?;
    wait_visible(c, "#screen-login").await?;
    click(c, "#btn-login").await?;
    wait_visible(c, "#screen-profile").await?;
    ensure!(
        value(c, "#name").await? == "Smith",
        "the registration is shown"
    );
    let delete = wait_visible(c, "#btn-delete-registration").await?;
    ensure!(
        delete.text().await?.contains("Supprimer mon inscription"),
        "the deletion says what it does"
    );
    // A « no » first: nothing is deleted.
    click(c, "#btn-delete-registration").await?;
    wait_visible(c, "#confirm-delete").await?;
    shots.take(c, "my-registration-delete").await?;
    click(c, "#confirm-delete-no").await?;
    ensure!(
        value(c, "#name").await? == "Smith",
        "« Non » keeps the registration"
    );
    click(c, "#btn-delete-registration").await?;
    wait_visible(c, "#confirm-delete-yes").await?;
    click(c, "#confirm-delete-yes").await?;
    let done = wait_visible(c, "#done-deleted-block").await?;
    let text = done.text().await?;
    ensure!(
        text.contains("Vous ne recevrez plus les alertes d’urgence de Mille-Isles"),
        "the deletion is confirmed: {text}"
    );
    shots.take(c, "my-registration-deleted").await?;
    click(c, "#btn-finish").await?;
    wait_visible(c, "#screen-attract").await?;
    Ok(())
}
