//! The one-time code a resident types (« mot de passe » on screen).

use std::fmt;

use crate::ErrorCode;

/// Digits in a one-time code.
pub const CODE_DIGITS: usize = 6;

/// Six digits, as typed: `123 456` and `123-456` count.
#[derive(Clone, PartialEq, Eq)]
pub struct OneTimeCode(String);

#[derive(Debug, thiserror::Error, Clone, Copy, PartialEq, Eq)]
pub enum CodeError {
    #[error("no code given")]
    Empty,
    #[error("a code has 6 digits")]
    InvalidFormat,
}

impl ErrorCode for CodeError {
    fn code(&self) -> &'static str {
        match self {
            CodeError::Empty => "code.required",
            CodeError::InvalidFormat => "code.invalid_format",
        }
    }
}

impl OneTimeCode {
    pub fn parse(input: &str) -> Result<Self, CodeError> {
        let digits: String = input
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect();
        if digits.is_empty() {
            Err(CodeError::Empty)
        } else if digits.len() == CODE_DIGITS && digits.chars().all(|c| c.is_ascii_digit()) {
            Ok(Self(digits))
        } else {
            Err(CodeError::InvalidFormat)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Never prints the code.
impl fmt::Debug for OneTimeCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OneTimeCode(…)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_typed_codes() {
        assert_eq!(OneTimeCode::parse(" 123 456 ").unwrap().as_str(), "123456");
        assert_eq!(OneTimeCode::parse("123-456").unwrap().as_str(), "123456");
        assert_eq!(OneTimeCode::parse("  "), Err(CodeError::Empty));
        assert_eq!(OneTimeCode::parse("12345"), Err(CodeError::InvalidFormat));
        assert_eq!(OneTimeCode::parse("12345a"), Err(CodeError::InvalidFormat));
        assert!(!format!("{:?}", OneTimeCode::parse("123456").unwrap()).contains("123"));
    }
}
