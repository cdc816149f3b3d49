//! GSM 03.38, the 7-bit alphabet of SMS: a text made only of its basic
//! characters is billed 160 characters to a segment; one character outside
//! it (an en dash, « ô », a typographic apostrophe) sends the whole text as
//! UCS-2, 70 to a segment. Every SMS Borne writes stays inside it.

/// The basic character set (3GPP TS 23.038, 6.2.1), without the escape to
/// the extension table (its characters count twice; Borne uses none).
const BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?\
                     ¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";

/// Characters in one segment of a GSM-7 text.
pub const SEGMENT: usize = 160;

/// Whether every character of `text` is in the basic set.
pub fn is_gsm7(text: &str) -> bool {
    text.chars().all(|c| BASIC.contains(c))
}

/// Whether `text` goes out as one billed segment.
pub fn fits_one_segment(text: &str) -> bool {
    is_gsm7(text) && text.chars().count() <= SEGMENT
}

/// `text` (a town's name) with what French adds to the basic set folded to
/// its nearest letter or sign: « Saint-Jérôme » → « Saint-Jérome »,
/// « Les Îles-de-la-Madeleine » → « Les Iles-de-la-Madeleine ». Anything
/// else outside the set becomes `?`, as a phone would show it.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if BASIC.contains(c) {
            out.push(c);
            continue;
        }
        let folded = match c {
            'â' | 'á' | 'ã' => "a",
            'ê' | 'ë' => "e",
            'î' | 'ï' | 'í' => "i",
            'ô' | 'ó' | 'õ' => "o",
            'û' | 'ú' => "u",
            'ÿ' => "y",
            'ç' => "c",
            'œ' => "oe",
            'À' | 'Â' | 'Á' | 'Ã' => "A",
            'È' | 'Ê' | 'Ë' => "E",
            'Î' | 'Ï' | 'Í' | 'Ì' => "I",
            'Ô' | 'Ó' | 'Ò' | 'Õ' => "O",
            'Û' | 'Ù' | 'Ú' => "U",
            'Œ' => "OE",
            '’' | '‘' | 'ʼ' => "'",
            '«' | '»' | '“' | '”' => "\"",
            '–' | '—' | '‐' | '‑' => "-",
            '\u{a0}' | '\u{202f}' => " ",
            _ => "?",
        };
        out.push_str(folded);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn french_town_names_fold_into_the_basic_set() {
        assert_eq!(fold("Saint-Jérôme"), "Saint-Jérome");
        assert_eq!(fold("Les Îles-de-la-Madeleine"), "Les Iles-de-la-Madeleine");
        assert_eq!(fold("Baie-d’Urfé"), "Baie-d'Urfé");
        assert_eq!(fold("Sainte-Thérèse"), "Sainte-Thérèse");
        assert_eq!(fold("Lac-Mégantic – Centre"), "Lac-Mégantic - Centre");
        assert_eq!(fold("東京"), "??");
        for name in ["Saint-Jérôme", "Îles", "Château-Richer", "Cœur", "Ça"] {
            assert!(is_gsm7(&fold(name)), "{name}");
        }
    }

    #[test]
    fn one_segment_is_160_basic_characters() {
        assert!(fits_one_segment(&"a".repeat(160)));
        assert!(!fits_one_segment(&"a".repeat(161)));
        assert!(
            !fits_one_segment("Mille-Isles – alertes"),
            "the en dash is UCS-2"
        );
    }
}
