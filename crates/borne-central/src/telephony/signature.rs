//! Twilio's `X-Twilio-Signature` on the webhooks it sends us (status
//! callbacks).
//!
//! The signed string is the full URL Twilio requested (scheme, host, path and
//! query string, exactly as configured) followed by every POST parameter as
//! `name` + `value`, no separators, sorted by name. The signature is the
//! base64 of HMAC-SHA1 of that string keyed with the account's auth token.
//!
//! Repeated names are sorted by value, and a repeated identical `name=value`
//! pair is counted once: Twilio's own helper libraries do this
//! (`sorted(set(values))` in twilio-python, the same in twilio-php, whose test
//! suite pins a vector for it, see the tests below).

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha1::Sha1;

type HmacSha1 = Hmac<Sha1>;

fn signing_mac(auth_token: &str, url: &str, params: &[(String, String)]) -> HmacSha1 {
    let mut sorted: Vec<(&str, &str)> = params
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect();
    // `str` orders byte-wise, which for UTF-8 is code-point order: the order
    // Twilio's libraries sort in.
    sorted.sort_unstable();
    sorted.dedup();
    let mut mac =
        HmacSha1::new_from_slice(auth_token.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(url.as_bytes());
    for (name, value) in sorted {
        mac.update(name.as_bytes());
        mac.update(value.as_bytes());
    }
    mac
}

/// The `X-Twilio-Signature` value Twilio sends for a POST of `params` to
/// `url`.
pub fn twilio_signature(auth_token: &str, url: &str, params: &[(String, String)]) -> String {
    STANDARD.encode(signing_mac(auth_token, url, params).finalize().into_bytes())
}

/// Whether `header` (the request's `X-Twilio-Signature`) is Twilio's
/// signature of this request. A missing, empty or malformed header is
/// `false`. The comparison is constant-time.
pub fn verify_twilio_signature(
    auth_token: &str,
    url: &str,
    params: &[(String, String)],
    header: Option<&str>,
) -> bool {
    let Some(header) = header else {
        return false;
    };
    let Ok(claimed) = STANDARD.decode(header.trim()) else {
        return false;
    };
    // `verify_slice` rejects a tag of the wrong length and compares in
    // constant time.
    signing_mac(auth_token, url, params)
        .verify_slice(&claimed)
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "12345";
    const URL: &str = "https://mycompany.com/myapp.php?foo=1&bar=2";
    /// The worked example of Twilio's request-validation guide, as pinned by
    /// Twilio's official helper libraries' test suites (twilio-php
    /// `RequestValidatorTest`, twilio-csharp `RequestValidatorTest`):
    /// auth token `12345`, the URL above, these parameters. Recomputed
    /// independently with Python's `hmac`/`hashlib.sha1`/`base64` modules
    /// before being pasted here.
    const DOCUMENTED: &str = "RSOYDt4T1cUTdK1PDd93/VVr8B8=";

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn documented_params() -> Vec<(String, String)> {
        pairs(&[
            ("CallSid", "CA1234567890ABCDE"),
            ("Caller", "+14158675309"),
            ("Digits", "1234"),
            ("From", "+14158675309"),
            ("To", "+18005551212"),
        ])
    }

    #[test]
    fn computes_the_documented_signature() {
        assert_eq!(
            twilio_signature(TOKEN, URL, &documented_params()),
            DOCUMENTED
        );
        assert!(verify_twilio_signature(
            TOKEN,
            URL,
            &documented_params(),
            Some(DOCUMENTED)
        ));
    }

    #[test]
    fn parameter_order_in_the_input_does_not_matter() {
        let mut shuffled = documented_params();
        shuffled.reverse();
        shuffled.swap(0, 2);
        assert_eq!(twilio_signature(TOKEN, URL, &shuffled), DOCUMENTED);
        assert!(verify_twilio_signature(
            TOKEN,
            URL,
            &shuffled,
            Some(DOCUMENTED)
        ));
    }

    /// twilio-php's `testValidateWithArrayAndDuplicates` vector: repeated
    /// names sort by value and an identical repeated pair counts once
    /// (recomputed with Python: the string
    /// `…bar=2Digits1234Digits5678SidCA123SidAccountAC123`).
    #[test]
    fn repeated_names_sort_by_value_and_collapse_duplicates() {
        let params = pairs(&[
            ("Sid", "CA123"),
            ("SidAccount", "AC123"),
            ("Digits", "5678"),
            ("Digits", "1234"),
            ("Digits", "1234"),
        ]);
        let expected = "IK+Dwps556ElfBT0I3Rgjkr1wJU=";
        assert_eq!(twilio_signature(TOKEN, URL, &params), expected);
        assert!(verify_twilio_signature(TOKEN, URL, &params, Some(expected)));
    }

    #[test]
    fn a_changed_parameter_fails() {
        let mut params = documented_params();
        params[2].1 = "9999".into();
        assert!(!verify_twilio_signature(
            TOKEN,
            URL,
            &params,
            Some(DOCUMENTED)
        ));
        let mut extra = documented_params();
        extra.push(("Injected".into(), "1".into()));
        assert!(!verify_twilio_signature(
            TOKEN,
            URL,
            &extra,
            Some(DOCUMENTED)
        ));
    }

    #[test]
    fn another_url_or_token_fails() {
        let params = documented_params();
        let other_url = "https://mycompany.com/myapp.php?foo=1&bar=3";
        assert!(!verify_twilio_signature(
            TOKEN,
            other_url,
            &params,
            Some(DOCUMENTED)
        ));
        assert!(!verify_twilio_signature(
            "54321",
            URL,
            &params,
            Some(DOCUMENTED)
        ));
    }

    #[test]
    fn a_missing_or_garbage_header_fails() {
        let params = documented_params();
        assert!(!verify_twilio_signature(TOKEN, URL, &params, None));
        assert!(!verify_twilio_signature(TOKEN, URL, &params, Some("")));
        assert!(!verify_twilio_signature(
            TOKEN,
            URL,
            &params,
            Some("not base64 !")
        ));
        // Valid base64 but a truncated tag.
        assert!(!verify_twilio_signature(
            TOKEN,
            URL,
            &params,
            Some("RSOYDt4T1cUT")
        ));
        // A well-formed tag with one bit changed.
        assert!(!verify_twilio_signature(
            TOKEN,
            URL,
            &params,
            Some("SSOYDt4T1cUTdK1PDd93/VVr8B8=")
        ));
    }
}
