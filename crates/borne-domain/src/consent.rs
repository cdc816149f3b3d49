//! The consent a resident gives in step 1, recorded as Law 25 requires:
//! which text, in which language, when, where, and whether staff helped.

use time::OffsetDateTime;

use crate::Language;

/// Identifies the exact wording below. Change the id whenever the wording
/// changes: stored consents must keep pointing at the text that was shown.
pub const CONSENT_TEXT_VERSION: &str = "urgence-2026-1";

/// The seed's wording, set in French typography (’, and a no-break space
/// before « : »), as the kiosk shows it.
const TEXT_FR: &str = "J’accepte que la ville communique avec moi lors de mesures d’urgence, \
d’une action en sécurité civile ou de situations majeures (p. ex.\u{a0}: Panne électrique prolongée)";
const TEXT_EN: &str = "I agree that the town may contact me during emergency measures, \
a civil security action or major situations (e.g. an extended power outage)";

/// Identifies the wording of step 5's optional choices (the newsletter and
/// the alert categories), recorded with each choice given. Change it
/// whenever that wording changes.
pub const OPTIONS_TEXT_VERSION: &str = "options-2026-1";

/// What a consent record is for: the emergency alerts (step 1), or one of
/// step 5's optional choices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsentPurpose {
    Emergency,
    Newsletter,
    Categories,
}

impl ConsentPurpose {
    /// `consents.purpose`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Emergency => "emergency",
            Self::Newsletter => "newsletter",
            Self::Categories => "categories",
        }
    }

    /// The wording of an optional choice as the kiosk shows it (its label,
    /// where the form gives it one, then its help), for
    /// [`OPTIONS_TEXT_VERSION`]; `{{de_town}}` and `{{town}}` stand for the
    /// town's name. None for the emergency consent (see
    /// [`ConsentRecord::text`]) and unknown versions.
    pub fn option_text(
        self,
        version: &str,
        language: Language,
    ) -> Option<(Option<&'static str>, &'static str)> {
        if version != OPTIONS_TEXT_VERSION {
            return None;
        }
        match (self, language) {
            (Self::Emergency, _) => None,
            (Self::Newsletter, Language::Fr) => Some((
                Some("Info Lettre {{de_town}}"),
                "Facultatif. L’infolettre est distincte de votre consentement aux alertes d’urgence.",
            )),
            (Self::Newsletter, Language::En) => Some((
                Some("{{town}} newsletter"),
                "Optional. The newsletter is separate from your consent to emergency alerts.",
            )),
            (Self::Categories, Language::Fr) => {
                Some((None, "Facultatif. Cochez les autres avis que vous voulez recevoir."))
            }
            (Self::Categories, Language::En) => {
                Some((None, "Optional. Tick the other notices you want to receive."))
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentRecord {
    pub text_version: String,
    pub language: Language,
    pub accepted_at: OffsetDateTime,
    pub kiosk_id: String,
    pub staff_assisted: bool,
}

impl ConsentRecord {
    /// The wording a given version showed, when Borne knows it.
    pub fn text(version: &str, language: Language) -> Option<&'static str> {
        match (version, language) {
            (CONSENT_TEXT_VERSION, Language::Fr) => Some(TEXT_FR),
            (CONSENT_TEXT_VERSION, Language::En) => Some(TEXT_EN),
            _ => None,
        }
    }

    pub fn is_known_version(version: &str) -> bool {
        Self::text(version, Language::Fr).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn french_text_is_the_seed_wording() {
        let fr = ConsentRecord::text(CONSENT_TEXT_VERSION, Language::Fr).unwrap();
        assert!(
            fr.starts_with("J’accepte que la ville communique avec moi lors de mesures d’urgence")
        );
        assert!(fr.ends_with("(p. ex.\u{a0}: Panne électrique prolongée)"));
        assert!(ConsentRecord::text("inconnue", Language::Fr).is_none());
    }
}
