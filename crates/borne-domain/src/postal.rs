//! Canadian postal codes (`A1A 1A1`), restricted to Québec's G, H and J.

use std::fmt;

use crate::ErrorCode;

#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PostalCode(String);

#[derive(Debug, thiserror::Error, Clone, Copy, PartialEq, Eq)]
pub enum PostalCodeError {
    #[error("a postal code looks like A1A 1A1")]
    InvalidFormat,
    #[error("a Québec postal code starts with G, H or J")]
    OutsideQuebec,
}

impl ErrorCode for PostalCodeError {
    fn code(&self) -> &'static str {
        match self {
            PostalCodeError::InvalidFormat => "postal_code.invalid_format",
            PostalCodeError::OutsideQuebec => "postal_code.outside_quebec",
        }
    }
}

/// Letters Canada Post never uses in a postal code.
fn letter_allowed(c: char, first: bool) -> bool {
    c.is_ascii_uppercase()
        && !matches!(c, 'D' | 'F' | 'I' | 'O' | 'Q' | 'U')
        && !(first && matches!(c, 'W' | 'Z'))
}

impl PostalCode {
    /// Accepts `h2x 1y4`, `H2X1Y4`, `H2X-1Y4`; stores `H2X 1Y4`.
    pub fn parse(input: &str) -> Result<Self, PostalCodeError> {
        let compact: Vec<char> = input
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .map(|c| c.to_ascii_uppercase())
            .collect();
        if compact.len() != 6 {
            return Err(PostalCodeError::InvalidFormat);
        }
        for (i, c) in compact.iter().enumerate() {
            let ok = if i % 2 == 0 {
                letter_allowed(*c, i == 0)
            } else {
                c.is_ascii_digit()
            };
            if !ok {
                return Err(PostalCodeError::InvalidFormat);
            }
        }
        if !matches!(compact[0], 'G' | 'H' | 'J') {
            return Err(PostalCodeError::OutsideQuebec);
        }
        let s: String = compact.iter().collect();
        Ok(Self(format!("{} {}", &s[0..3], &s[3..6])))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PostalCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for PostalCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The forward sortation area only: the full code narrows to a street.
        write!(f, "PostalCode({}…)", &self.0[0..3])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn normalizes() {
        for s in ["h2x 1y4", "H2X1Y4", " H2X-1Y4 ", "h2X 1y4"] {
            assert_eq!(PostalCode::parse(s).unwrap().as_str(), "H2X 1Y4");
        }
        assert_eq!(PostalCode::parse("J0R 1H0").unwrap().as_str(), "J0R 1H0");
    }

    #[test]
    fn rejects() {
        use PostalCodeError::*;
        assert_eq!(PostalCode::parse(""), Err(InvalidFormat));
        assert_eq!(PostalCode::parse("H2X 1Y"), Err(InvalidFormat));
        assert_eq!(PostalCode::parse("H2X 1Y44"), Err(InvalidFormat));
        assert_eq!(PostalCode::parse("5141234567"), Err(InvalidFormat));
        // D F I O Q U are never used, anywhere.
        assert_eq!(PostalCode::parse("H2D 1Y4"), Err(InvalidFormat));
        assert_eq!(PostalCode::parse("H2X 1O4"), Err(InvalidFormat));
        // W and Z never first.
        assert_eq!(PostalCode::parse("W2X 1Y4"), Err(InvalidFormat));
        assert_eq!(PostalCode::parse("Z2X 1Y4"), Err(InvalidFormat));
        // Valid but outside Québec (Ottawa).
        assert_eq!(PostalCode::parse("K1A 0B1"), Err(OutsideQuebec));
    }

    proptest! {
        #[test]
        fn parsed_codes_are_normalized(s in "[A-Za-z0-9 -]{0,9}") {
            if let Ok(p) = PostalCode::parse(&s) {
                let t = p.as_str();
                prop_assert_eq!(t.len(), 7);
                prop_assert_eq!(&t[3..4], " ");
                prop_assert!(t.starts_with(['G', 'H', 'J']));
                prop_assert_eq!(PostalCode::parse(t).unwrap(), p.clone());
            }
        }
    }
}
