//! What the run leaves behind: logs without personal data, and the
//! central database holding exactly what the resident typed.

use super::*;

/// No personal data in either program's logs, even at debug level.
pub async fn logs_hold_no_personal_data(rig: &Rig) -> Result<()> {
    let code = code_from_outbox(&rig.outbox).await?;
    // The central server logs one JSON object per line.
    let central_log = std::fs::read_to_string(rig.work.join("central.log"))?;
    for line in central_log.lines() {
        let v: serde_json::Value = serde_json::from_str(line)
            .with_context(|| format!("central.log line is not JSON: {line}"))?;
        ensure!(
            v["level"].is_string() && v["timestamp"].is_string(),
            "{line}"
        );
    }
    for log in ["central.log", "kiosk.log"] {
        let text = std::fs::read_to_string(rig.work.join(log))?;
        assert!(text.lines().count() > 3, "{log} has log lines");
        for secret in [
            "5550142", "5550199", "555-0199", "555-0142", "555 0142", "5550177", "Tremblay",
            "Élise", "J0R", "5550143", "555-0143", "Bouchard", "5550146", "Smith", "Gagnon", &code,
        ] {
            assert!(!text.contains(secret), "{log} contains {secret:?}");
        }
    }

    Ok(())
}

/// What the central database holds.
pub async fn central_database_holds_the_signup(rig: &Rig) -> Result<()> {
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}?mode=ro", rig.db.display())).await?;
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
    // « Mon inscription »: the English signup's resident deleted theirs;
    // the account is gone and the deletion is recorded as theirs.
    let gone: Option<(String,)> =
        sqlx::query_as("SELECT id FROM accounts WHERE phone = '+15145550146'")
            .fetch_optional(&pool)
            .await?;
    assert!(gone.is_none(), "the deleted account is gone");
    let (by,): (String,) =
        sqlx::query_as("SELECT requested_by FROM deletions ORDER BY deleted_at DESC LIMIT 1")
            .fetch_one(&pool)
            .await?;
    assert_eq!(by, "resident", "the deletion is recorded as the resident's");
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
                "Bureau accueil".into()
            ),
        ]
    );
    Ok(())
}

/// name, first name, language, city, civic number, postal code,
/// newsletter, categories: as the central database holds them.
pub type StoredProfile = (
    String,
    Option<String>,
    String,
    String,
    Option<String>,
    Option<String>,
    bool,
    String,
);
