//! The consent a resident reads on the kiosk is, word for word, the text
//! the kiosk records with their registration (`ConsentRecord::text`, the
//! one source): the UI's copy in `ui/src/locales/` may not drift from it,
//! in either language.

use std::path::PathBuf;

use borne_domain::{
    ConsentPurpose, ConsentRecord, Language, CONSENT_TEXT_VERSION, OPTIONS_TEXT_VERSION,
};

/// The value of `key` in a locale file: the string literal after it, with
/// the escapes the locales use (`\u00a0`, `\u202f`, `\'`) read back.
fn locale_value(source: &str, key: &str) -> String {
    let at = source
        .find(&format!("'{key}':"))
        .unwrap_or_else(|| panic!("{key} not in the locale"));
    let rest = &source[at + key.len() + 3..];
    let start = rest.find(['\'', '"']).expect("a string literal");
    let quote = rest[start..].chars().next().unwrap();
    let mut value = String::new();
    let mut chars = rest[start + 1..].chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('u') => {
                    let hex: String = chars.by_ref().take(4).collect();
                    let code = u32::from_str_radix(&hex, 16).expect("\\uXXXX");
                    value.push(char::from_u32(code).expect("a character"));
                }
                Some(other) => value.push(other),
                None => break,
            },
            c if c == quote => return value,
            c => value.push(c),
        }
    }
    panic!("{key}: unterminated string");
}

#[test]
fn the_consent_shown_is_the_consent_recorded() {
    let locales = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../ui/src/locales");
    for (file, language) in [("fr.ts", Language::Fr), ("en.ts", Language::En)] {
        let source = std::fs::read_to_string(locales.join(file)).unwrap();
        let shown = locale_value(&source, "request.consent");
        let recorded = ConsentRecord::text(CONSENT_TEXT_VERSION, language).unwrap();
        assert_eq!(
            shown, recorded,
            "{file}: the consent shown is not the one recorded"
        );
    }
}

/// Step 5's optional choices (the newsletter, the alert categories) are
/// recorded with `OPTIONS_TEXT_VERSION`: their wording on screen is the
/// wording that version names.
#[test]
fn the_optional_choices_shown_are_the_ones_recorded() {
    let locales = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../ui/src/locales");
    for (file, language) in [("fr.ts", Language::Fr), ("en.ts", Language::En)] {
        let source = std::fs::read_to_string(locales.join(file)).unwrap();
        for (purpose, label_key, help_key) in [
            (
                ConsentPurpose::Newsletter,
                Some("profile.newsletter"),
                "profile.newsletter_help",
            ),
            (ConsentPurpose::Categories, None, "profile.categories_help"),
        ] {
            let (label, help) = purpose
                .option_text(OPTIONS_TEXT_VERSION, language)
                .expect("a known wording");
            assert_eq!(
                label_key.map(|k| locale_value(&source, k)).as_deref(),
                label,
                "{file}: {purpose:?}'s label"
            );
            assert_eq!(
                locale_value(&source, help_key),
                help,
                "{file}: {purpose:?}'s help"
            );
        }
    }
}

#[test]
fn locale_values_read_back_with_their_escapes() {
    let source = "    'a.b':\n      'l\\u2019ami\\u00a0: \\'x\\'',\n    \"c.d\": \"e\",";
    assert_eq!(locale_value(source, "a.b"), "l’ami\u{a0}: 'x'");
}
