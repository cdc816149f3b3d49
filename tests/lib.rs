//! Shared fixtures for the cross-process tests and the sync benchmark:
//! deterministic registrations, so a test can rebuild what a killed
//! writer reported and compare it byte for byte.

use borne_protocol as wire;

/// Area codes the fixtures use (all accepted by default).
const AREA_CODES: [&str; 12] = [
    "514", "438", "450", "579", "418", "581", "819", "873", "367", "263", "354", "468",
];

/// The `i`-th test phone number, E.164, distinct for `i` < 12 × 10 000.
/// Exchange 555 (fictional numbers); below 1 200 the line is 0100–0199.
pub fn phone(i: u32) -> String {
    let area = AREA_CODES[(i % 12) as usize];
    let n = i / 12;
    // 0100–0199 first, then 0200 upwards, wrapping to 0000–0099 last.
    let line = (100 + n) % 10_000;
    format!("+1{area}555{line:04}")
}

/// The `i`-th family name: unique, easy to look for in raw bytes.
pub fn name(i: u32) -> String {
    format!("Tremblayfixture{i:06}")
}

/// The `i`-th registration with the given id, as a kiosk would queue it.
pub fn registration(i: u32, id: &str) -> wire::Registration {
    let phone = phone(i);
    wire::Registration {
        id: id.to_owned(),
        captured_at: "2026-11-26T10:00:00Z".into(),
        phone: phone.clone(),
        channel: if i % 3 == 0 {
            wire::Channel::Voice
        } else {
            wire::Channel::Sms
        },
        language: if i % 4 == 0 {
            wire::Language::En
        } else {
            wire::Language::Fr
        },
        consent: wire::Consent {
            text_version: borne_domain::CONSENT_TEXT_VERSION.into(),
            language: wire::Language::Fr,
            accepted_at: "2026-11-26T10:00:00Z".into(),
            kiosk_id: "kiosk-fixture".into(),
            staff_assisted: false,
        },
        profile: wire::Profile {
            name: name(i),
            first_name: format!("Marie{i}"),
            language: wire::Language::Fr,
            city: "Mille-Isles".into(),
            street: "Chemin de Mille-Isles".into(),
            civic_number: format!("{}", 100 + i % 900),
            apartment: String::new(),
            postal_code: "J0R 1A0".into(),
            newsletter: i % 2 == 0,
            contacts: vec![wire::ContactPoint {
                active: true,
                description: "Cellulaire".into(),
                kind: wire::ContactType::Mobile,
                value: phone,
                extension: String::new(),
                extension_delay_seconds: None,
                order: 1,
            }],
        },
        owner_session: None,
    }
}

/// Every maximal run of ASCII letters and digits in `bytes`, for looking
/// up names and phone numbers in raw database files in one pass.
pub fn alphanumeric_runs(bytes: &[u8]) -> std::collections::HashSet<String> {
    bytes
        .split(|b| !b.is_ascii_alphanumeric())
        .filter(|run| run.len() >= 10)
        .map(|run| String::from_utf8_lossy(run).into_owned())
        .collect()
}
