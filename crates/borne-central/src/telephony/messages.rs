//! The words residents receive.

use borne_domain::Language;

/// The SMS carrying a code. Short enough for one GSM-7/UCS-2 segment.
pub fn sms_text(town: &str, code: &str, language: Language) -> String {
    match language {
        Language::Fr => format!(
            "{town} – alertes : votre mot de passe est {code}. Il expire dans 10 minutes. \
             Ne le communiquez à personne."
        ),
        Language::En => format!(
            "{town} alerts: your password is {code}. It expires in 10 minutes. \
             Do not share it."
        ),
    }
}

/// The SMS asking the phone to confirm a synced registration: the town,
/// what it is, and the one word to answer. GSM-7 characters only (one
/// billed segment for a town name of ordinary length; tested).
pub fn confirmation_sms(town: &str, language: Language, reminder: bool) -> String {
    match language {
        Language::Fr => format!(
            "{}{town} : inscription faite à une borne. \
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

    /// The GSM 03.38 basic character set (what fits 160 to a segment).
    fn gsm7(text: &str) -> bool {
        const BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?\
                             ¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
        text.chars().all(|c| BASIC.contains(c))
    }

    #[test]
    fn confirmation_sms_is_one_gsm7_segment() {
        for language in [Language::Fr, Language::En] {
            for reminder in [false, true] {
                let t = confirmation_sms("Sainte-Anne-des-Plaines", language, reminder);
                assert!(gsm7(&t), "not GSM-7: {t}");
                assert!(
                    t.chars().count() <= 160,
                    "{} characters: {t}",
                    t.chars().count()
                );
            }
        }
        let fr = confirmation_sms("Mille-Isles", Language::Fr, false);
        assert!(fr.contains("Répondez OUI pour confirmer votre inscription aux alertes d'urgence. ARRET pour refuser."));
        assert!(confirmation_sms("X", Language::En, true).starts_with("Reminder."));
        assert!(confirmation_voice("X", Language::Fr, false).contains("appuyez sur 1"));
    }

    #[test]
    fn sms_has_the_code_in_the_language() {
        assert!(sms_text("Mille-Isles", "402917", Language::Fr).contains("mot de passe est 402917"));
        assert!(sms_text("Mille-Isles", "402917", Language::En).contains("password is 402917"));
    }
}
