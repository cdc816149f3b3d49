//! Contact points: the ordered list of ways a resident wants to be reached.

use std::fmt;

use crate::{AreaCodes, ErrorCode, PhoneError, PhoneNumber, ValidationErrors};

/// How a one-time code (or an alert) reaches a phone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channel {
    Sms,
    Voice,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Sms => "sms",
            Channel::Voice => "voice",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "sms" => Some(Channel::Sms),
            "voice" => Some(Channel::Voice),
            _ => None,
        }
    }
}

/// Landlines take voice messages only; cell phones take voice and SMS;
/// e-mail is a contact type of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ContactType {
    Landline,
    Mobile,
    Email,
}

impl ContactType {
    pub fn as_str(self) -> &'static str {
        match self {
            ContactType::Landline => "landline",
            ContactType::Mobile => "mobile",
            ContactType::Email => "email",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "landline" => Some(ContactType::Landline),
            "mobile" => Some(ContactType::Mobile),
            "email" => Some(ContactType::Email),
            _ => None,
        }
    }

    pub fn supports(self, channel: Channel) -> bool {
        match self {
            ContactType::Landline => channel == Channel::Voice,
            ContactType::Mobile => true,
            ContactType::Email => false,
        }
    }

    pub fn is_phone(self) -> bool {
        self != ContactType::Email
    }
}

#[derive(Clone, PartialEq, Eq)]
pub struct EmailAddress(String);

#[derive(Debug, thiserror::Error, Clone, Copy, PartialEq, Eq)]
#[error("not a valid e-mail address")]
pub struct EmailError;

impl ErrorCode for EmailError {
    fn code(&self) -> &'static str {
        "email.invalid"
    }
}

impl EmailAddress {
    /// A deliberately plain check (one `@`, a dotted domain, no spaces,
    /// RFC 5321 length): the mail server is the final judge.
    pub fn parse(input: &str) -> Result<Self, EmailError> {
        let (local, domain) = input.trim().split_once('@').ok_or(EmailError)?;
        // Domains are case-insensitive; keep the local part as typed. The
        // checks apply to what is stored: a letter's lower case may be
        // longer (`Ⱥ`, 2 bytes → `ⱥ`, 3) or a letter and a mark (`İ` → `i̇`).
        let domain = domain.to_lowercase();
        let s = format!("{local}@{domain}");
        let ok = !local.is_empty()
            && local.len() <= 64
            && s.len() <= 254
            && !domain.contains('@')
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && s.chars().all(|c| !c.is_whitespace() && !c.is_control())
            && domain
                .chars()
                .all(|c| c.is_alphanumeric() || c == '-' || c == '.');
        if !ok {
            return Err(EmailError);
        }
        Ok(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("EmailAddress(…)")
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContactValue {
    Phone(PhoneNumber),
    Email(EmailAddress),
}

impl ContactValue {
    /// The stored form: E.164 for phones, the address for e-mail.
    pub fn canonical(&self) -> String {
        match self {
            ContactValue::Phone(p) => p.e164(),
            ContactValue::Email(e) => e.as_str().to_owned(),
        }
    }

    /// The form shown to a resident: `514 233-5785`.
    pub fn display(&self) -> String {
        match self {
            ContactValue::Phone(p) => p.to_string(),
            ContactValue::Email(e) => e.as_str().to_owned(),
        }
    }
}

/// Longest wait before dialing an extension, in seconds. Automated
/// attendants answer within a few seconds; a minute covers slow ones.
pub const MAX_EXTENSION_DELAY_SECONDS: u32 = 60;
const MAX_EXTENSION_DIGITS: usize = 8;
const MAX_DESCRIPTION_CHARS: usize = 60;
/// Orders run from 1 to this (the seed's « Ordre » column).
pub const MAX_ORDER: u32 = 99;

/// What the form gives for one row, before parsing.
#[derive(Debug, Clone, Default)]
pub struct ContactPointInput {
    pub active: bool,
    pub description: String,
    pub kind: String,
    pub value: String,
    pub extension: Option<String>,
    pub extension_delay_seconds: Option<u32>,
    pub order: u32,
}

/// One row of the « Coordonnées » table, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactPoint {
    active: bool,
    description: String,
    kind: ContactType,
    value: ContactValue,
    extension: Option<String>,
    extension_delay_seconds: u32,
    order: u32,
}

impl ContactPoint {
    /// Parses one row; errors are recorded under `contacts.{index}.{field}`.
    pub fn parse(
        input: &ContactPointInput,
        index: usize,
        area_codes: &AreaCodes,
        errors: &mut ValidationErrors,
    ) -> Option<Self> {
        let field = |name: &str| format!("contacts.{index}.{name}");
        let before = errors.0.len();

        let description = input.description.trim().to_owned();
        if description.chars().count() > MAX_DESCRIPTION_CHARS {
            errors.push(field("description"), "contact.description_too_long");
        }
        let kind = ContactType::parse(&input.kind);
        if kind.is_none() {
            errors.push(field("kind"), "contact.invalid_type");
        }
        let value = match kind {
            Some(k) if k.is_phone() => PhoneNumber::parse(&input.value, area_codes)
                .map(ContactValue::Phone)
                .map_err(|e| match e {
                    PhoneError::Empty => "contact.value_required",
                    other => other.code(),
                })
                .map_err(|code| errors.push(field("value"), code))
                .ok(),
            Some(_) if input.value.trim().is_empty() => {
                errors.push(field("value"), "contact.value_required");
                None
            }
            Some(_) => errors.check(
                field("value"),
                EmailAddress::parse(&input.value).map(ContactValue::Email),
            ),
            None => None,
        };
        let extension = input
            .extension
            .as_deref()
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .map(str::to_owned);
        if let Some(ext) = &extension {
            if kind == Some(ContactType::Email) {
                errors.push(field("extension"), "contact.extension_not_for_email");
            } else if ext.len() > MAX_EXTENSION_DIGITS || !ext.chars().all(|c| c.is_ascii_digit()) {
                errors.push(field("extension"), "contact.invalid_extension");
            }
        }
        let delay = input.extension_delay_seconds.unwrap_or(0);
        if delay > MAX_EXTENSION_DELAY_SECONDS {
            errors.push(
                field("extension_delay_seconds"),
                "contact.invalid_extension_delay",
            );
        } else if delay > 0 && extension.is_none() {
            errors.push(
                field("extension_delay_seconds"),
                "contact.delay_without_extension",
            );
        }
        if input.order == 0 || input.order > MAX_ORDER {
            errors.push(field("order"), "contact.invalid_order");
        }

        if errors.0.len() != before {
            return None;
        }
        Some(Self {
            active: input.active,
            description,
            kind: kind?,
            value: value?,
            extension,
            extension_delay_seconds: delay,
            order: input.order,
        })
    }

    pub fn active(&self) -> bool {
        self.active
    }
    pub fn description(&self) -> &str {
        &self.description
    }
    pub fn kind(&self) -> ContactType {
        self.kind
    }
    pub fn value(&self) -> &ContactValue {
        &self.value
    }
    pub fn extension(&self) -> Option<&str> {
        self.extension.as_deref()
    }
    pub fn extension_delay_seconds(&self) -> u32 {
        self.extension_delay_seconds
    }
    pub fn order(&self) -> u32 {
        self.order
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(kind: &str, value: &str) -> ContactPointInput {
        ContactPointInput {
            active: true,
            description: "Maison".into(),
            kind: kind.into(),
            value: value.into(),
            extension: None,
            extension_delay_seconds: None,
            order: 1,
        }
    }

    fn parse(input: &ContactPointInput) -> Result<ContactPoint, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        match ContactPoint::parse(input, 0, &AreaCodes::canada(), &mut errors) {
            Some(c) => Ok(c),
            None => Err(errors),
        }
    }

    #[test]
    fn types_decide_channels() {
        assert!(ContactType::Landline.supports(Channel::Voice));
        assert!(!ContactType::Landline.supports(Channel::Sms));
        assert!(ContactType::Mobile.supports(Channel::Sms));
        assert!(ContactType::Mobile.supports(Channel::Voice));
        assert!(!ContactType::Email.supports(Channel::Sms));
    }

    #[test]
    fn phone_row_with_extension() {
        let mut r = row("landline", "(450) 555-0142");
        r.extension = Some("214".into());
        r.extension_delay_seconds = Some(6);
        r.order = 2;
        let c = parse(&r).unwrap();
        assert_eq!(c.value().canonical(), "+14505550142");
        assert_eq!(c.value().display(), "450 555-0142");
        assert_eq!(
            (c.extension(), c.extension_delay_seconds(), c.order()),
            (Some("214"), 6, 2)
        );
    }

    #[test]
    fn email_row() {
        let c = parse(&row("email", " Marie.Tremblay@Exemple.QC.ca ")).unwrap();
        assert_eq!(c.value().canonical(), "Marie.Tremblay@exemple.qc.ca");
    }

    #[test]
    fn value_is_checked_against_type() {
        let e = parse(&row("mobile", "marie@exemple.ca")).unwrap_err();
        assert!(e.has("contacts.0.value", "phone.invalid_format"), "{e}");
        let e = parse(&row("email", "514 555-0100")).unwrap_err();
        assert!(e.has("contacts.0.value", "email.invalid"), "{e}");
        let e = parse(&row("fax", "514 555-0100")).unwrap_err();
        assert!(e.has("contacts.0.kind", "contact.invalid_type"), "{e}");
        let e = parse(&row("mobile", "  ")).unwrap_err();
        assert!(e.has("contacts.0.value", "contact.value_required"), "{e}");
    }

    #[test]
    fn extension_rules() {
        let mut r = row("landline", "514 555-0100");
        r.extension = Some("12a".into());
        assert!(parse(&r)
            .unwrap_err()
            .has("contacts.0.extension", "contact.invalid_extension"));
        r.extension = Some("12".into());
        r.extension_delay_seconds = Some(61);
        assert!(parse(&r).unwrap_err().has(
            "contacts.0.extension_delay_seconds",
            "contact.invalid_extension_delay"
        ));
        r.extension = None;
        r.extension_delay_seconds = Some(5);
        assert!(parse(&r).unwrap_err().has(
            "contacts.0.extension_delay_seconds",
            "contact.delay_without_extension"
        ));
        let mut e = row("email", "a@b.ca");
        e.extension = Some("1".into());
        assert!(parse(&e)
            .unwrap_err()
            .has("contacts.0.extension", "contact.extension_not_for_email"));
    }

    #[test]
    fn order_bounds() {
        let mut r = row("mobile", "514 555-0100");
        r.order = 0;
        assert!(parse(&r)
            .unwrap_err()
            .has("contacts.0.order", "contact.invalid_order"));
        r.order = 100;
        assert!(parse(&r).is_err());
    }

    #[test]
    fn email_examples() {
        for bad in [
            "", "a", "a@b", "a@@b.ca", "a b@c.ca", "@b.ca", "a@.b.ca", "a@b..ca", "a@b.ca.",
        ] {
            assert!(EmailAddress::parse(bad).is_err(), "{bad}");
        }
        for good in [
            "a@b.ca",
            "jean-luc+alertes@ville.mille-isles.qc.ca",
            "élise@québec.ca",
        ] {
            assert!(EmailAddress::parse(good).is_ok(), "{good}");
        }
    }
}
