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
    fn sms_has_the_code_in_the_language() {
        assert!(sms_text("Mille-Isles", "402917", Language::Fr).contains("mot de passe est 402917"));
        assert!(sms_text("Mille-Isles", "402917", Language::En).contains("password is 402917"));
    }
}
