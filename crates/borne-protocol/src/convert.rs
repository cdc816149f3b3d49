//! Wire ↔ domain conversions, at the edge.

use borne_domain as d;

use crate::{Channel, Consent, ContactPoint, ContactType, Language, Profile};

impl From<Channel> for d::Channel {
    fn from(c: Channel) -> Self {
        match c {
            Channel::Sms => d::Channel::Sms,
            Channel::Voice => d::Channel::Voice,
        }
    }
}

impl From<d::Channel> for Channel {
    fn from(c: d::Channel) -> Self {
        match c {
            d::Channel::Sms => Channel::Sms,
            d::Channel::Voice => Channel::Voice,
        }
    }
}

impl From<Language> for d::Language {
    fn from(l: Language) -> Self {
        match l {
            Language::Fr => d::Language::Fr,
            Language::En => d::Language::En,
        }
    }
}

impl From<d::Language> for Language {
    fn from(l: d::Language) -> Self {
        match l {
            d::Language::Fr => Language::Fr,
            d::Language::En => Language::En,
        }
    }
}

impl From<d::ContactType> for ContactType {
    fn from(t: d::ContactType) -> Self {
        match t {
            d::ContactType::Landline => ContactType::Landline,
            d::ContactType::Mobile => ContactType::Mobile,
            d::ContactType::Email => ContactType::Email,
        }
    }
}

impl From<ContactType> for d::ContactType {
    fn from(t: ContactType) -> Self {
        match t {
            ContactType::Landline => d::ContactType::Landline,
            ContactType::Mobile => d::ContactType::Mobile,
            ContactType::Email => d::ContactType::Email,
        }
    }
}

impl Consent {
    /// The consent record as given, recorded for `kiosk_id` (the enrolled
    /// kiosk, whatever name the request declares); field errors are named
    /// `consent.text_version` and `consent.accepted_at`.
    pub fn parse(&self, kiosk_id: &str) -> Result<d::ConsentRecord, d::ValidationErrors> {
        let mut errors = d::ValidationErrors::default();
        if !d::ConsentRecord::is_known_version(&self.text_version) {
            errors.push("consent.text_version", "consent.unknown_version");
        }
        match crate::rfc3339::parse(&self.accepted_at) {
            Some(accepted_at) if errors.is_empty() => Ok(d::ConsentRecord {
                text_version: self.text_version.clone(),
                language: self.language.into(),
                accepted_at,
                kiosk_id: kiosk_id.to_owned(),
                staff_assisted: self.staff_assisted,
            }),
            Some(_) => Err(errors),
            None => {
                errors.push("consent.accepted_at", "consent.invalid_time");
                Err(errors)
            }
        }
    }
}

impl Consent {
    /// The consent as recorded: at `kiosk_id` (the enrolled kiosk),
    /// whatever name the request declares.
    pub fn recorded_at(&self, kiosk_id: &str) -> Self {
        Self {
            kiosk_id: kiosk_id.to_owned(),
            ..self.clone()
        }
    }
}

/// The domain record of a consent, at the kiosk it names (see
/// [`Consent::recorded_at`] for the enrolled kiosk's); field errors as
/// [`Consent::parse`] names them.
impl TryFrom<&Consent> for d::ConsentRecord {
    type Error = d::ValidationErrors;

    fn try_from(c: &Consent) -> Result<Self, Self::Error> {
        c.parse(&c.kiosk_id)
    }
}

impl Profile {
    /// Parses the form into a domain profile, with every field error.
    pub fn parse(&self, area_codes: &d::AreaCodes) -> Result<d::Profile, d::ValidationErrors> {
        let input = d::ProfileInput {
            name: self.name.clone(),
            first_name: self.first_name.clone(),
            language: d::Language::from(self.language).as_str().to_owned(),
            city: self.city.clone(),
            street: self.street.clone(),
            civic_number: self.civic_number.clone(),
            apartment: self.apartment.clone(),
            postal_code: self.postal_code.clone(),
            newsletter: self.newsletter,
            contacts: self
                .contacts
                .iter()
                .map(|c| d::ContactPointInput {
                    active: c.active,
                    description: c.description.clone(),
                    kind: d::ContactType::from(c.kind).as_str().to_owned(),
                    value: c.value.clone(),
                    extension: Some(c.extension.clone()),
                    extension_delay_seconds: c.extension_delay_seconds,
                    order: c.order,
                })
                .collect(),
            categories: self.categories.clone(),
        };
        d::Profile::parse(&input, area_codes)
    }

    /// The wire form of a stored profile: phones in E.164.
    pub fn from_domain(p: &d::Profile) -> Self {
        let text = |s: Option<&str>| s.unwrap_or_default().to_owned();
        Self {
            name: p.name().to_owned(),
            first_name: text(p.first_name()),
            language: p.language().into(),
            city: p.city().to_owned(),
            street: text(p.street()),
            civic_number: text(p.civic_number()),
            apartment: text(p.apartment()),
            postal_code: p
                .postal_code()
                .map(|c| c.as_str().to_owned())
                .unwrap_or_default(),
            newsletter: p.newsletter(),
            contacts: p.contacts().iter().map(ContactPoint::from_domain).collect(),
            categories: p.categories().to_vec(),
        }
    }
}

impl ContactPoint {
    pub fn from_domain(c: &d::ContactPoint) -> Self {
        Self {
            active: c.active(),
            description: c.description().to_owned(),
            kind: c.kind().into(),
            value: c.value().canonical(),
            extension: c.extension().unwrap_or_default().to_owned(),
            extension_delay_seconds: c.extension().map(|_| c.extension_delay_seconds()),
            order: c.order(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consent_record_is_taken_at_the_enrolled_kiosk() {
        let declared = Consent {
            text_version: d::CONSENT_TEXT_VERSION.into(),
            language: Language::En,
            accepted_at: "2026-05-01T14:03:00-04:00".into(),
            kiosk_id: "whatever it says".into(),
            staff_assisted: true,
        };
        let recorded = declared.recorded_at("kiosk-7");
        assert_eq!(recorded.kiosk_id, "kiosk-7");
        let record = d::ConsentRecord::try_from(&recorded).unwrap();
        assert_eq!(record, declared.parse("kiosk-7").unwrap());
        assert_eq!(record.kiosk_id, "kiosk-7");
        assert_eq!(record.language, d::Language::En);
        assert!(record.staff_assisted);

        let bad = Consent {
            text_version: "unknown".into(),
            accepted_at: "yesterday".into(),
            ..recorded
        };
        let errors = d::ConsentRecord::try_from(&bad).unwrap_err();
        let fields: Vec<&str> = errors.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["consent.text_version", "consent.accepted_at"]);
    }

    #[test]
    fn profile_round_trips_through_the_domain() {
        let wire = Profile {
            name: "Tremblay".into(),
            first_name: "Marie".into(),
            language: Language::En,
            city: "Mille-Isles".into(),
            postal_code: "j0r 1a0".into(),
            contacts: vec![
                ContactPoint {
                    active: true,
                    description: "Bureau".into(),
                    kind: ContactType::Landline,
                    value: "450 555-0142".into(),
                    extension: "214".into(),
                    extension_delay_seconds: Some(4),
                    order: 2,
                },
                ContactPoint {
                    active: true,
                    description: String::new(),
                    kind: ContactType::Mobile,
                    value: "(514) 555-0101".into(),
                    extension: String::new(),
                    extension_delay_seconds: None,
                    order: 1,
                },
            ],
            ..Default::default()
        };
        let parsed = wire.parse(&d::AreaCodes::canada()).unwrap();
        let back = Profile::from_domain(&parsed);
        assert_eq!(back.postal_code, "J0R 1A0");
        assert_eq!(back.language, Language::En);
        assert_eq!(back.contacts[0].value, "+15145550101");
        assert_eq!(back.contacts[1].extension, "214");
        assert_eq!(back.contacts[1].extension_delay_seconds, Some(4));
        // Parsing the stored form again gives the same profile.
        assert_eq!(back.parse(&d::AreaCodes::canada()).unwrap(), parsed);
    }
}
