//! The online signup, in French then in English, and the idle wipe.

use super::*;

pub async fn drive(c: &Client, outbox: &Path, shots: &mut Shots) -> Result<()> {
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
    way_on_in_view(c, shots, "#phone", "#btn-request-submit", None).await?;
    click(c, "#channel-sms").await?;
    osk_type(c, "#captcha-answer", CAPTCHA).await?;
    way_on_in_view(c, shots, "#captcha-answer", "#btn-request-submit", None).await?;
    // The notice at collection, before the consent: the six points of the
    // Access Act behind « En savoir plus », with the town's officer.
    click(c, "#btn-notice-more").await?;
    let details = wait_visible(c, "#notice-details").await?;
    let text = details.text().await?;
    ensure!(
        text.contains("Ville de Mille-Isles") && text.contains(PRIVACY_OFFICER),
        "the notice names the town and its officer: {text}"
    );
    shots.take(c, "step1-notice").await?;
    click(c, "#btn-notice-more").await?;
    click(c, "#consent").await?;
    shots.take(c, "step1-filled").await?;
    // « Besoin d’aide? », from the header, over nothing typed.
    click(c, "#btn-help").await?;
    let help = wait_visible(c, "#help-panel").await?;
    ensure!(
        help.text()
            .await?
            .contains("Adressez-vous au comptoir d’accueil, à votre gauche."),
        "the town's help text is shown"
    );
    shots.take(c, "help").await?;
    click(c, "#btn-help-close").await?;
    ensure!(
        value(c, "#phone").await? == "8765550142",
        "the help loses nothing typed"
    );
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
    // The keypad open: « Continuer » above it, and on the keypad itself.
    shots.take(c, "step3-code").await?;
    way_on_in_view(
        c,
        shots,
        "#code",
        "#btn-code-submit",
        Some("step3-code-larger-keyboard"),
    )
    .await?;
    // The keypad's own « Continuer » goes on, exactly as the button.
    click(c, "#code").await?;
    osk_key(c, "enter").await?;

    // Step 4: « Connexion » with the phone and the code.
    wait_visible(c, "#screen-login").await?;
    assert_eq!(value(c, "#login-phone").await?, PHONE);
    shots.take(c, "step4-login").await?;
    way_on_in_view(c, shots, "#login-code", "#btn-login", None).await?;
    click(c, "#btn-login").await?;

    // Step 5: « Formulaire ».
    wait_visible(c, "#screen-profile").await?;
    assert_eq!(
        value(c, "#city").await?,
        "Mille-Isles",
        "the town is the default"
    );
    osk_type(c, "#name", "Tremblay").await?;
    way_on_in_view(
        c,
        shots,
        "#name",
        "#btn-profile-submit",
        Some("step5-larger-keyboard"),
    )
    .await?;
    osk_type(c, "#first-name", "Élise").await?;
    osk_type(c, "#street", "Chemin de Mille-Isles").await?;
    osk_type(c, "#civic-number", "1262").await?;
    osk_type(c, "#postal-code", "K1A 0B1").await?; // Ottawa: refused
    click(c, "#newsletter").await?;
    // Row 1 is the signup phone; describe it and add an office landline.
    let row1 = "#contacts tbody tr:nth-child(1)";
    osk_type(
        c,
        &format!("{row1} [data-field='description']"),
        "Cellulaire",
    )
    .await?;
    way_on_in_view(
        c,
        shots,
        &format!("{row1} [data-field='description']"),
        "#btn-profile-submit",
        None,
    )
    .await?;
    // Its type is asked, not guessed from how the code came: nothing is
    // sent until the resident says it is a cell phone.
    click(c, "#btn-profile-submit").await?;
    let kind_error = wait_visible(c, "[data-error-for='contacts.0.kind']").await?;
    let text = kind_error.text().await?;
    assert!(
        text.contains("cellulaire, téléphone fixe ou courriel"),
        "the type is asked for: {text:?}"
    );
    choose(c, &format!("{row1} [data-field='kind']"), "mobile").await?;
    click(c, "#btn-add-contact").await?;
    let row2 = "#contacts tbody tr:nth-child(2)";
    choose(c, &format!("{row2} [data-field='kind']"), "landline").await?;
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
    // The contacts as cards: no sideways scroll, every label shown.
    c.execute(
        "document.querySelector('#contacts tbody tr .col-actions')
             .scrollIntoView({ block: 'end' });",
        vec![],
    )
    .await?;
    let sideways: serde_json::Value = c
        .execute(
            "const p = document.querySelector('#page');
             return p.scrollWidth > p.clientWidth;",
            vec![],
        )
        .await?;
    assert_eq!(sideways, false, "the page scrolls sideways");
    shots.take(c, "step5-contacts-larger").await?;
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

/// The same screens in English (the town enables it): a signup from the
/// attract screen to the confirmation, audited on the way.
pub async fn english_signup(
    c: &Client,
    outbox: &Path,
    speech_log: &Path,
    shots: &mut Shots,
) -> Result<()> {
    wait_visible(c, "#screen-attract").await?;
    click(c, "#btn-lang").await?;
    shots.take(c, "en-attract").await?;
    // This resident cannot read the screen: F1, a physical key, turns
    // voice guidance on from the attract screen, which stays.
    physical_key(c, fantoccini::key::Key::F1).await?;
    let pressed = c
        .find(Locator::Css("#btn-voice"))
        .await?
        .attr("aria-pressed")
        .await?;
    ensure!(
        pressed.as_deref() == Some("true"),
        "F1 turns voice guidance on"
    );
    wait_visible(c, "#screen-attract").await?;
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
    choose(
        c,
        "#contacts tbody tr:nth-child(1) [data-field='kind']",
        "mobile",
    )
    .await?;
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
    // What was spoken, in English: each step's title and instructions and
    // each field touched, never what was typed.
    let spoken = std::fs::read_to_string(speech_log).context("the speech log")?;
    for words in [
        "en: Voice guidance on",
        "en: Welcome to the citizen portal",
        "en: Getting your password",
        "en: Phone number where you can be reached. field. required",
        "en: Your registration is confirmed",
    ] {
        ensure!(
            spoken.contains(words),
            "{words:?} was not spoken:\n{spoken}"
        );
    }
    for typed in ["5550146", "Smith", "J0R"] {
        ensure!(!spoken.contains(typed), "{typed:?} was spoken aloud");
    }
    click(c, "#btn-finish").await?;
    wait_visible(c, "#screen-attract").await?;
    let after = c
        .find(Locator::Css("#btn-voice"))
        .await?
        .attr("aria-pressed")
        .await?;
    ensure!(
        after.as_deref() == Some("false"),
        "the wipe turns voice guidance off"
    );
    // Staff mode in English.
    click(c, "#btn-lang").await?;
    open_staff(c, shots, "en-").await?;
    shots.take(c, "en-staff-panel").await?;
    click(c, "#btn-staff-close").await?;
    wait_visible(c, "#screen-attract").await?;
    Ok(())
}
