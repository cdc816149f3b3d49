//! The words residents receive.
//!
//! Every SMS is written in GSM-7 and fits one billed segment (160
//! characters) whatever the town's name, up to [`longest_town_name`]
//! characters: the configuration refuses a longer one. The town's name is
//! folded into GSM-7 for SMS (« Saint-Jérôme » → « Saint-Jérome ») and kept
//! whole for calls.

use borne_domain::Language;

use super::gsm7;

/// The SMS carrying a code.
pub fn sms_text(town: &str, code: &str, language: Language) -> String {
    let town = gsm7::fold(town);
    match language {
        Language::Fr => format!(
            "Alertes de {town} : votre mot de passe est {code}. Il expire dans 10 minutes. \
             Ne le communiquez à personne."
        ),
        Language::En => format!(
            "{town} alerts: your password is {code}. It expires in 10 minutes. \
             Do not share it."
        ),
    }
}

/// The SMS asking the phone to confirm a synced registration: the town,
/// what it is, and the one word to answer.
pub fn confirmation_sms(town: &str, language: Language, reminder: bool) -> String {
    let town = gsm7::fold(town);
    match language {
        Language::Fr => format!(
            "{}{town} : inscription à une borne. \
             Répondez OUI pour confirmer votre inscription aux alertes d'urgence. ARRET pour refuser.",
            if reminder { "Rappel. " } else { "" }
        ),
        Language::En => format!(
            "{}{town}: registration made at a kiosk. \
             Reply YES to confirm your registration for emergency alerts. STOP to refuse.",
            if reminder { "Reminder. " } else { "" }
        ),
    }
}

/// The answer to HELP / AIDE / INFO (or an SMS that is no keyword when
/// nothing waits for an answer), in the resident's language.
pub fn help_text(town: &str, language: Language) -> String {
    let town = gsm7::fold(town);
    match language {
        Language::Fr => format!(
            "Alertes d'urgence de {town}. Répondez ARRET pour ne plus recevoir de SMS, \
             START pour les réactiver. Aide : votre municipalité."
        ),
        Language::En => format!(
            "{town} emergency alerts. Reply STOP to stop texts, START to receive them again. \
             Help: your town hall."
        ),
    }
}

/// Every SMS Borne can send for `town`, in both languages (a code's six
/// digits stand for any code).
pub fn every_sms(town: &str) -> Vec<String> {
    let mut all = Vec::new();
    for language in [Language::Fr, Language::En] {
        all.push(sms_text(town, "000000", language));
        all.push(confirmation_sms(town, language, false));
        all.push(confirmation_sms(town, language, true));
        all.push(help_text(town, language));
        for answer in [
            ConfirmationAnswer::Confirmed,
            ConfirmationAnswer::Refused,
            ConfirmationAnswer::Unclear,
        ] {
            all.push(confirmation_answer(answer, language).to_owned());
        }
    }
    all
}

/// The longest town name (in characters, once folded) for which every SMS
/// still fits one segment.
pub fn longest_town_name() -> usize {
    let fixed = every_sms("")
        .iter()
        .map(|t| t.chars().count())
        .max()
        .unwrap_or(0);
    gsm7::SEGMENT.saturating_sub(fixed)
}

/// Why `town` cannot be the town's name in SMS, if it cannot.
pub fn town_name_problem(town: &str) -> Option<String> {
    let long = every_sms(town)
        .into_iter()
        .find(|t| !gsm7::fits_one_segment(t))?;
    Some(format!(
        "the town's name makes an SMS longer than one segment ({} characters, at most {}): \
         « {long} ». Use a name of at most {} characters",
        long.chars().count(),
        gsm7::SEGMENT,
        longest_town_name()
    ))
}

/// What a confirmation call says before it waits for a key (1 or 9).
pub fn confirmation_voice(town: &str, language: Language, reminder: bool) -> String {
    match language {
        Language::Fr => format!(
            "Bonjour. Ici le système d'alerte de {town}.{} Une inscription aux alertes d'urgence \
             a été faite à une borne pour ce numéro. Pour la confirmer, appuyez sur 1. \
             Pour la refuser, appuyez sur 9.",
            if reminder { " Ceci est un rappel." } else { "" }
        ),
        Language::En => format!(
            "Hello. This is the {town} alert system.{} A registration for emergency alerts \
             was made at a kiosk for this number. To confirm it, press 1. To refuse it, press 9.",
            if reminder { " This is a reminder." } else { "" }
        ),
    }
}

/// The answer to a confirmation (SMS reply or key), in the registration's
/// language.
pub fn confirmation_answer(answer: ConfirmationAnswer, language: Language) -> &'static str {
    match (answer, language) {
        (ConfirmationAnswer::Confirmed, Language::Fr) => {
            "Merci. Votre inscription aux alertes d'urgence est confirmée."
        }
        (ConfirmationAnswer::Confirmed, Language::En) => {
            "Thank you. Your registration for emergency alerts is confirmed."
        }
        (ConfirmationAnswer::Refused, Language::Fr) => {
            "Votre inscription est annulée et ses données sont effacées. Vous ne recevrez plus de message."
        }
        (ConfirmationAnswer::Refused, Language::En) => {
            "Your registration is cancelled and its data erased. You will receive no more messages."
        }
        (ConfirmationAnswer::Unclear, Language::Fr) => {
            "Répondez OUI pour confirmer votre inscription aux alertes d'urgence, ou NON pour la refuser."
        }
        (ConfirmationAnswer::Unclear, Language::En) => {
            "Reply YES to confirm your registration for emergency alerts, or NO to refuse it."
        }
    }
}

/// How the phone answered a confirmation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfirmationAnswer {
    Confirmed,
    Refused,
    /// Neither yes nor no: one short help answer.
    Unclear,
}

/// What a call says: the digits one by one, the whole message twice.
pub fn voice_text(town: &str, code: &str, language: Language) -> String {
    let digits: Vec<String> = code.chars().map(String::from).collect();
    let spoken = digits.join(", ");
    match language {
        Language::Fr => format!(
            "Bonjour. Ici le système d'alerte de {town}. Votre mot de passe est : {spoken}. \
             Je répète : {spoken}. Au revoir."
        ),
        Language::En => format!(
            "Hello. This is the {town} alert system. Your password is: {spoken}. \
             I repeat: {spoken}. Goodbye."
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn voice_reads_digits_twice() {
        let t = voice_text("Mille-Isles", "402917", Language::Fr);
        assert_eq!(t.matches("4, 0, 2, 9, 1, 7").count(), 2);
        assert!(t.contains("Mille-Isles"));
        assert!(voice_text("X", "402917", Language::En).contains("I repeat"));
    }

    #[test]
    fn every_sms_is_one_gsm7_segment_for_long_town_names() {
        // Long names of Québec municipalities, and some outside GSM-7.
        let towns = [
            "Sainte-Marguerite-du-Lac-Masson",
            "Saint-Georges-de-Clarenceville",
            "Les Îles-de-la-Madeleine",
            "Saint-Jérôme",
            "Notre-Dame-de-l’Île-Perrot",
        ];
        assert!(longest_town_name() >= 31, "{}", longest_town_name());
        let longest = "x".repeat(longest_town_name());
        for town in towns.iter().copied().chain([longest.as_str()]) {
            assert_eq!(town_name_problem(town), None);
            for text in every_sms(town) {
                assert!(gsm7::is_gsm7(&text), "not GSM-7: {text}");
                assert!(text.chars().count() <= 160, "{text}");
            }
        }
        let too_long = "x".repeat(longest_town_name() + 1);
        assert!(town_name_problem(&too_long).is_some());
        assert!(every_sms("Saint-Jérôme")[0].contains("Saint-Jérome"));
        assert!(voice_text("Saint-Jérôme", "1", Language::Fr).contains("Saint-Jérôme"));
    }

    #[test]
    fn confirmation_sms_says_what_to_answer() {
        let fr = confirmation_sms("Mille-Isles", Language::Fr, false);
        assert!(fr.contains("Répondez OUI pour confirmer votre inscription aux alertes d'urgence. ARRET pour refuser."));
        assert!(confirmation_sms("X", Language::En, true).starts_with("Reminder."));
        assert!(confirmation_voice("X", Language::Fr, false).contains("appuyez sur 1"));
    }

    #[test]
    fn help_names_the_keywords() {
        assert!(help_text("Mille-Isles", Language::Fr).contains("ARRET"));
        assert!(help_text("Mille-Isles", Language::En).contains("STOP"));
    }

    #[test]
    fn sms_has_the_code_in_the_language() {
        assert!(sms_text("Mille-Isles", "402917", Language::Fr).contains("mot de passe est 402917"));
        assert!(sms_text("Mille-Isles", "402917", Language::En).contains("password is 402917"));
    }
}
