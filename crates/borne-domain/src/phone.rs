//! North American (NANP) phone numbers restricted to a list of accepted
//! area codes.

use std::collections::BTreeSet;
use std::fmt;

use crate::ErrorCode;

/// The area codes a deployment accepts. Kept as data (see
/// `data/area-codes.txt`) so a municipality can add a new overlay without a
/// new release.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AreaCodes(BTreeSet<u16>);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AreaCodesError {
    #[error("line {line}: `{token}` is not a valid area code (three digits, NXX, not N11)")]
    Invalid { line: usize, token: String },
    #[error("the area-code list is empty")]
    Empty,
}

/// The list shipped with Borne: every geographic Canadian area code.
pub const DEFAULT_AREA_CODES: &str = include_str!("../../../data/area-codes.txt");

impl AreaCodes {
    /// Parses the text format of `data/area-codes.txt`: whitespace-separated
    /// three-digit codes, `#` starts a comment.
    pub fn parse(text: &str) -> Result<Self, AreaCodesError> {
        let mut codes = BTreeSet::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or("");
            for token in line.split_whitespace() {
                let code = token
                    .parse::<u16>()
                    .ok()
                    .filter(|_| token.len() == 3)
                    .filter(|c| is_nxx(*c) && !is_n11(*c));
                match code {
                    Some(c) => {
                        codes.insert(c);
                    }
                    None => {
                        return Err(AreaCodesError::Invalid {
                            line: i + 1,
                            token: token.to_owned(),
                        })
                    }
                }
            }
        }
        if codes.is_empty() {
            return Err(AreaCodesError::Empty);
        }
        Ok(Self(codes))
    }

    /// Borne's default list (every geographic Canadian area code).
    pub fn canada() -> Self {
        match Self::parse(DEFAULT_AREA_CODES) {
            Ok(codes) => codes,
            // The file is part of the source tree and covered by a unit test.
            Err(e) => unreachable!("bundled area-code list is invalid: {e}"),
        }
    }

    pub fn contains(&self, area_code: u16) -> bool {
        self.0.contains(&area_code)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A 10-digit NANP number whose area code is in the accepted list.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PhoneNumber {
    digits: String,
}

#[derive(Debug, thiserror::Error, Clone, Copy, PartialEq, Eq)]
pub enum PhoneError {
    #[error("no phone number given")]
    Empty,
    #[error("a phone number has 10 digits, e.g. 514 555-0123")]
    InvalidFormat,
    #[error("this area code does not exist")]
    InvalidAreaCode,
    #[error("this area code is not accepted here")]
    AreaCodeNotAccepted,
    #[error("the 3 digits after the area code are not a valid exchange")]
    InvalidExchange,
}

impl ErrorCode for PhoneError {
    fn code(&self) -> &'static str {
        match self {
            PhoneError::Empty => "phone.required",
            PhoneError::InvalidFormat => "phone.invalid_format",
            PhoneError::InvalidAreaCode => "phone.invalid_area_code",
            PhoneError::AreaCodeNotAccepted => "phone.area_code_not_accepted",
            PhoneError::InvalidExchange => "phone.invalid_exchange",
        }
    }
}

fn is_nxx(n: u16) -> bool {
    (200..=999).contains(&n)
}

fn is_n11(n: u16) -> bool {
    n % 100 == 11
}

impl PhoneNumber {
    /// Accepts the forms people type: `514 233-5785`, `(514) 233-5785`,
    /// `5142335785`, `514.233.5785`, `+1 514-233-5785`, `1-514-233-5785`.
    pub fn parse(input: &str, accepted: &AreaCodes) -> Result<Self, PhoneError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(PhoneError::Empty);
        }
        let mut digits = String::with_capacity(11);
        for (i, c) in trimmed.char_indices() {
            match c {
                '0'..='9' => digits.push(c),
                '+' if i == 0 => {}
                ' ' | '-' | '.' | '(' | ')' | '\u{a0}' => {}
                _ => return Err(PhoneError::InvalidFormat),
            }
        }
        if trimmed.starts_with('+') && !digits.starts_with('1') {
            return Err(PhoneError::InvalidFormat);
        }
        let national = match digits.len() {
            10 => digits.as_str(),
            11 if digits.starts_with('1') => &digits[1..],
            _ => return Err(PhoneError::InvalidFormat),
        };
        let area: u16 = national[0..3]
            .parse()
            .map_err(|_| PhoneError::InvalidFormat)?;
        let exchange: u16 = national[3..6]
            .parse()
            .map_err(|_| PhoneError::InvalidFormat)?;
        if !is_nxx(area) || is_n11(area) {
            return Err(PhoneError::InvalidAreaCode);
        }
        if !is_nxx(exchange) || is_n11(exchange) {
            return Err(PhoneError::InvalidExchange);
        }
        if !accepted.contains(area) {
            return Err(PhoneError::AreaCodeNotAccepted);
        }
        Ok(Self {
            digits: national.to_owned(),
        })
    }

    /// `+15142335785`
    pub fn e164(&self) -> String {
        format!("+1{}", self.digits)
    }

    /// The 10 national digits, `5142335785`.
    pub fn digits(&self) -> &str {
        &self.digits
    }

    pub fn area_code(&self) -> &str {
        &self.digits[0..3]
    }
}

/// `514 233-5785`, the way Québec towns print numbers.
impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = &self.digits;
        write!(f, "{} {}-{}", &d[0..3], &d[3..6], &d[6..10])
    }
}

/// Never prints the number itself: phone numbers are personal data and Debug
/// output ends up in logs.
impl fmt::Debug for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PhoneNumber({}…)", self.area_code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ok(s: &str) -> PhoneNumber {
        PhoneNumber::parse(s, &AreaCodes::canada()).expect(s)
    }

    fn err(s: &str) -> PhoneError {
        PhoneNumber::parse(s, &AreaCodes::canada()).expect_err(s)
    }

    #[test]
    fn accepts_common_forms() {
        for s in [
            "514 233-5785",
            "(514) 233-5785",
            "5142335785",
            "+1 514-233-5785",
            "1-514-233-5785",
            "514.233.5785",
            "  514 233 5785  ",
        ] {
            assert_eq!(ok(s).digits(), "5142335785", "{s}");
        }
    }

    #[test]
    fn displays_and_serializes() {
        let n = ok("(514) 233-5785");
        assert_eq!(n.to_string(), "514 233-5785");
        assert_eq!(n.e164(), "+15142335785");
        assert!(!format!("{n:?}").contains("233"));
    }

    #[test]
    fn rejects_bad_numbers() {
        assert_eq!(err(""), PhoneError::Empty);
        assert_eq!(err("514 233-578"), PhoneError::InvalidFormat);
        assert_eq!(err("514 233-57855"), PhoneError::InvalidFormat);
        assert_eq!(err("+33 1 23 45 67 89"), PhoneError::InvalidFormat);
        assert_eq!(err("514-CALL-NOW"), PhoneError::InvalidFormat);
        assert_eq!(err("+2 514 233 5785"), PhoneError::InvalidFormat);
        assert_eq!(err("2 514 233 5785"), PhoneError::InvalidFormat);
        assert_eq!(err("411 233-5785"), PhoneError::InvalidAreaCode);
        assert_eq!(err("114 233-5785"), PhoneError::InvalidAreaCode);
        assert_eq!(err("514 911-5785"), PhoneError::InvalidExchange);
        assert_eq!(err("514 133-5785"), PhoneError::InvalidExchange);
        // United States, Caribbean (toll fraud), toll-free.
        assert_eq!(err("212 555-0100"), PhoneError::AreaCodeNotAccepted);
        assert_eq!(err("876 555-0100"), PhoneError::AreaCodeNotAccepted);
        assert_eq!(err("800 555-0100"), PhoneError::AreaCodeNotAccepted);
    }

    #[test]
    fn bundled_list_has_all_quebec_codes() {
        let codes = AreaCodes::canada();
        for c in [418, 581, 367, 514, 438, 263, 450, 579, 354, 819, 873, 468] {
            assert!(codes.contains(c), "{c}");
        }
        // Ontario and the territories too; not the non-geographic 600.
        assert!(codes.contains(613) && codes.contains(867));
        assert!(!codes.contains(600));
    }

    #[test]
    fn area_code_list_is_data() {
        let only = AreaCodes::parse("# test\n819 # Outaouais\n").expect("list");
        assert_eq!(only.len(), 1);
        assert!(PhoneNumber::parse("819 555-0100", &only).is_ok());
        assert_eq!(
            PhoneNumber::parse("514 555-0100", &only),
            Err(PhoneError::AreaCodeNotAccepted)
        );
        assert!(matches!(
            AreaCodes::parse("514 51"),
            Err(AreaCodesError::Invalid { line: 1, .. })
        ));
        assert!(matches!(
            AreaCodes::parse("611"),
            Err(AreaCodesError::Invalid { .. })
        ));
        assert_eq!(AreaCodes::parse("# nothing"), Err(AreaCodesError::Empty));
    }

    proptest! {
        #[test]
        fn every_format_of_a_valid_number_round_trips(
            area in prop::sample::select(vec![514u16, 438, 418, 819, 450, 613]),
            exchange in 200u16..=999,
            line in 0u16..=9999,
            style in 0usize..5,
        ) {
            prop_assume!(exchange % 100 != 11);
            let text = match style {
                0 => format!("{area}{exchange}{line:04}"),
                1 => format!("({area}) {exchange}-{line:04}"),
                2 => format!("+1 {area}-{exchange}-{line:04}"),
                3 => format!("{area} {exchange}-{line:04}"),
                _ => format!("1.{area}.{exchange}.{line:04}"),
            };
            let n = PhoneNumber::parse(&text, &AreaCodes::canada()).unwrap();
            prop_assert_eq!(n.e164(), format!("+1{area}{exchange}{line:04}"));
            // The displayed form parses back to the same number.
            let again = PhoneNumber::parse(&n.to_string(), &AreaCodes::canada()).unwrap();
            prop_assert_eq!(again, n);
        }

        #[test]
        fn never_panics_and_accepts_only_ten_digit_nanp(s in "\\PC{0,20}") {
            if let Ok(n) = PhoneNumber::parse(&s, &AreaCodes::canada()) {
                prop_assert_eq!(n.digits().len(), 10);
                prop_assert!(n.digits().chars().all(|c| c.is_ascii_digit()));
            }
        }
    }
}
