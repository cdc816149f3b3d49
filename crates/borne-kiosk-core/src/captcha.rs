//! Step 1's « Vérification de sécurité ». The answer stays in Rust: the UI
//! only ever gets the picture.

use base64::Engine;

/// Characters that read unambiguously on a kiosk screen (no 0/O, 1/I/L,
/// 2/Z, 5/S, 8/B, 6/G) and are typed the same in either case.
const CHARS: &[char] = &[
    '3', '4', '7', '9', 'A', 'C', 'E', 'F', 'H', 'J', 'K', 'M', 'N', 'P', 'R', 'T', 'U', 'V', 'W',
    'X', 'Y',
];
const LENGTH: u32 = 5;

/// A drawn captcha: the picture for the UI and the answer for Rust.
#[derive(Clone)]
pub struct Captcha {
    answer: String,
    png: Vec<u8>,
}

impl std::fmt::Debug for Captcha {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Captcha { .. }")
    }
}

impl Captcha {
    pub fn data_url(&self) -> String {
        format!(
            "data:image/png;base64,{}",
            base64::engine::general_purpose::STANDARD.encode(&self.png)
        )
    }

    /// Case and spaces do not matter.
    pub fn accepts(&self, typed: &str) -> bool {
        let typed: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
        !typed.is_empty() && typed.eq_ignore_ascii_case(&self.answer)
    }
}

/// Draws captchas. In test builds with the `dangerous-fixed-captcha`
/// feature, `BORNE_DANGEROUS_FIXED_CAPTCHA` fixes the answer so automated
/// tests can pass step 1; release builds refuse to compile with it.
#[derive(Debug, Clone, Default)]
pub struct CaptchaService {
    pub(crate) fixed_answer: Option<String>,
}

#[cfg(all(feature = "dangerous-fixed-captcha", not(debug_assertions)))]
compile_error!(
    "the `dangerous-fixed-captcha` feature is for automated tests only and must never be in a release build"
);

impl CaptchaService {
    /// The service the kiosk uses: random captchas, unless the
    /// test-only feature is compiled in and the variable is set.
    pub fn from_env() -> Self {
        #[cfg(feature = "dangerous-fixed-captcha")]
        {
            if let Some(answer) = std::env::var("BORNE_DANGEROUS_FIXED_CAPTCHA")
                .ok()
                .filter(|a| !a.is_empty())
            {
                tracing::warn!("BORNE_DANGEROUS_FIXED_CAPTCHA is set: the captcha answer is fixed (tests only)");
                return Self::fixed(answer);
            }
        }
        Self::default()
    }

    /// Every captcha has `answer` (automated tests only; the feature
    /// does not compile in release builds).
    #[cfg(feature = "dangerous-fixed-captcha")]
    pub fn fixed(answer: impl Into<String>) -> Self {
        Self {
            fixed_answer: Some(answer.into()),
        }
    }

    pub fn is_fixed(&self) -> bool {
        self.fixed_answer.is_some()
    }

    pub fn draw(&self) -> Captcha {
        let mut c = captcha::Captcha::new();
        c.set_chars(CHARS)
            .add_chars(LENGTH)
            .apply_filter(captcha::filters::Noise::new(0.08))
            .apply_filter(captcha::filters::Wave::new(2.0, 8.0).horizontal())
            .view(260, 96);
        let (answer, png) = c.as_tuple().unwrap_or_default();
        Captcha {
            answer: self.fixed_answer.clone().unwrap_or(answer),
            png,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_a_png_and_keeps_the_answer() {
        let c = CaptchaService::default().draw();
        assert!(c.png.starts_with(b"\x89PNG"), "a PNG picture");
        assert!(c.data_url().starts_with("data:image/png;base64,iVBOR"));
        assert_eq!(c.answer.chars().count(), LENGTH as usize);
        assert!(c.answer.chars().all(|ch| CHARS.contains(&ch)));
        assert!(c.accepts(&c.answer.to_lowercase()));
        assert!(c.accepts(&format!(" {} ", c.answer)));
        assert!(!c.accepts(""));
        assert!(!c.accepts("ZZZZZ"), "Z is never drawn");
        assert!(!format!("{c:?}").contains(&c.answer));
    }

    #[test]
    fn each_captcha_is_new() {
        let s = CaptchaService::default();
        let answers: std::collections::HashSet<String> = (0..10).map(|_| s.draw().answer).collect();
        assert!(answers.len() > 5);
    }

    #[test]
    fn fixed_answer_only_when_asked() {
        let fixed = CaptchaService {
            fixed_answer: Some("BORNE".into()),
        };
        assert!(fixed.draw().accepts("borne"));
        assert!(!CaptchaService::default().is_fixed());
    }
}
