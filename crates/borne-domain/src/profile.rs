//! The « Formulaire » of step 5: who the resident is and how to reach them.

use std::collections::BTreeSet;

use crate::{AreaCodes, ContactPoint, ContactPointInput, PostalCode, ValidationErrors};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Language {
    #[default]
    Fr,
    En,
}

impl Language {
    pub fn as_str(self) -> &'static str {
        match self {
            Language::Fr => "fr",
            Language::En => "en",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "fr" => Some(Language::Fr),
            "en" => Some(Language::En),
            _ => None,
        }
    }
}

/// A resident may list this many ways to reach them.
pub const MAX_CONTACT_POINTS: usize = 10;
const MAX_NAME_CHARS: usize = 100;
const MAX_SHORT_CHARS: usize = 10;

/// What the form gives, before parsing.
#[derive(Debug, Clone, Default)]
pub struct ProfileInput {
    pub name: String,
    pub first_name: String,
    pub language: String,
    pub city: String,
    pub street: String,
    pub civic_number: String,
    pub apartment: String,
    pub postal_code: String,
    pub newsletter: bool,
    pub contacts: Vec<ContactPointInput>,
    /// Optional alert categories the resident ticked (ids); emergencies
    /// and civil security are always on and never listed.
    pub categories: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    name: String,
    first_name: Option<String>,
    language: Language,
    city: String,
    street: Option<String>,
    civic_number: Option<String>,
    apartment: Option<String>,
    postal_code: Option<PostalCode>,
    newsletter: bool,
    /// Sorted by `order`; orders are unique.
    contacts: Vec<ContactPoint>,
    /// Category ids, each once, in the order given.
    categories: Vec<String>,
}

/// The optional alert categories a town offers unless configured
/// otherwise: id, French label, English label. Emergencies and civil
/// security are not among them: always on, they cannot be refused.
pub const DEFAULT_CATEGORIES: [(&str, &str, &str); 5] = [
    ("boil_water", "Avis d’ébullition", "Boil-water notices"),
    ("snow_removal", "Déneigement", "Snow removal"),
    ("street_closures", "Fermetures de rues", "Street closures"),
    ("collections", "Collectes", "Waste collection"),
    (
        "community",
        "Loisirs et vie communautaire",
        "Recreation and community life",
    ),
];

/// At most this many optional categories.
pub const MAX_CATEGORIES: usize = 20;

/// A category id: `boil_water`, `snow_removal` (lower-case ASCII, digits, `_`).
pub fn is_category_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 40
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

fn optional(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

fn too_long(s: &Option<String>, max: usize) -> bool {
    s.as_ref().is_some_and(|s| s.chars().count() > max)
}

impl Profile {
    /// Checks every field and reports every error at once.
    pub fn parse(input: &ProfileInput, area_codes: &AreaCodes) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::default();

        let name = input.name.trim().to_owned();
        if name.is_empty() {
            errors.push("name", "profile.name_required");
        } else if name.chars().count() > MAX_NAME_CHARS {
            errors.push("name", "profile.too_long");
        }
        let first_name = optional(&input.first_name);
        if too_long(&first_name, MAX_NAME_CHARS) {
            errors.push("first_name", "profile.too_long");
        }
        let language = Language::parse(&input.language);
        if language.is_none() {
            errors.push("language", "profile.language_required");
        }
        let city = input.city.trim().to_owned();
        if city.is_empty() {
            errors.push("city", "profile.city_required");
        } else if city.chars().count() > MAX_NAME_CHARS {
            errors.push("city", "profile.too_long");
        }
        let street = optional(&input.street);
        if too_long(&street, MAX_NAME_CHARS) {
            errors.push("street", "profile.too_long");
        }
        let civic_number = optional(&input.civic_number);
        if let Some(n) = &civic_number {
            // « 1234 », « 12A », « 1234-B »: digits first, then a short suffix.
            let digits = n.chars().take_while(char::is_ascii_digit).count();
            let suffix_ok = n
                .chars()
                .skip(digits)
                .all(|c| c.is_alphanumeric() || c == '-' || c == ' ' || c == '½');
            if digits == 0 || !suffix_ok || n.chars().count() > MAX_SHORT_CHARS {
                errors.push("civic_number", "profile.invalid_civic_number");
            }
        }
        let apartment = optional(&input.apartment);
        if too_long(&apartment, MAX_SHORT_CHARS) {
            errors.push("apartment", "profile.too_long");
        }
        let postal_code = match optional(&input.postal_code) {
            Some(p) => errors.check("postal_code", PostalCode::parse(&p)),
            None => None,
        };

        let mut contacts = Vec::new();
        if input.contacts.len() > MAX_CONTACT_POINTS {
            errors.push("contacts", "profile.too_many_contacts");
        }
        let mut orders = BTreeSet::new();
        for (i, row) in input.contacts.iter().enumerate() {
            if row.order != 0 && !orders.insert(row.order) {
                errors.push(format!("contacts.{i}.order"), "contact.duplicate_order");
            }
            if let Some(c) = ContactPoint::parse(row, i, area_codes, &mut errors) {
                contacts.push(c);
            }
        }
        if !input.contacts.iter().any(|c| c.active) {
            errors.push("contacts", "profile.no_active_contact");
        }

        let mut categories: Vec<String> = Vec::new();
        for id in &input.categories {
            if !is_category_id(id) {
                errors.push("categories", "profile.invalid_category");
                break;
            }
            if !categories.contains(id) {
                categories.push(id.clone());
            }
        }
        if categories.len() > MAX_CATEGORIES {
            errors.push("categories", "profile.invalid_category");
        }

        let language = language.unwrap_or_default();
        errors.into_result(|| {
            contacts.sort_by_key(ContactPoint::order);
            Self {
                name,
                first_name,
                language,
                city,
                street,
                civic_number,
                apartment,
                postal_code,
                newsletter: input.newsletter,
                contacts,
                categories,
            }
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }
    pub fn first_name(&self) -> Option<&str> {
        self.first_name.as_deref()
    }
    pub fn language(&self) -> Language {
        self.language
    }
    pub fn city(&self) -> &str {
        &self.city
    }
    pub fn street(&self) -> Option<&str> {
        self.street.as_deref()
    }
    pub fn civic_number(&self) -> Option<&str> {
        self.civic_number.as_deref()
    }
    pub fn apartment(&self) -> Option<&str> {
        self.apartment.as_deref()
    }
    pub fn postal_code(&self) -> Option<&PostalCode> {
        self.postal_code.as_ref()
    }
    pub fn newsletter(&self) -> bool {
        self.newsletter
    }
    /// The optional alert categories chosen (ids).
    pub fn categories(&self) -> &[String] {
        &self.categories
    }
    /// Contact points in the order the resident wants to be reached.
    pub fn contacts(&self) -> &[ContactPoint] {
        &self.contacts
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn contact(kind: &str, value: &str, order: u32) -> ContactPointInput {
        ContactPointInput {
            active: true,
            kind: kind.into(),
            value: value.into(),
            order,
            ..Default::default()
        }
    }

    fn input() -> ProfileInput {
        ProfileInput {
            name: " Tremblay ".into(),
            first_name: "Marie".into(),
            language: "fr".into(),
            city: "Mille-Isles".into(),
            street: "Chemin de Mille-Isles".into(),
            civic_number: "1262".into(),
            apartment: String::new(),
            postal_code: "j0r1a0".into(),
            newsletter: true,
            contacts: vec![
                contact("landline", "450 555-0142", 2),
                contact("mobile", "514 555-0101", 1),
            ],
            categories: vec![
                "boil_water".into(),
                "snow_removal".into(),
                "boil_water".into(),
            ],
        }
    }

    #[test]
    fn categories_are_ids_kept_once() {
        let p = Profile::parse(&input(), &AreaCodes::canada()).unwrap();
        assert_eq!(p.categories(), ["boil_water", "snow_removal"]);
        let mut bad = input();
        bad.categories = vec!["Déneigement".into()];
        let e = Profile::parse(&bad, &AreaCodes::canada()).unwrap_err();
        assert!(e.has("categories", "profile.invalid_category"));
    }

    #[test]
    fn parses_and_sorts_contacts_by_order() {
        let p = Profile::parse(&input(), &AreaCodes::canada()).unwrap();
        assert_eq!(p.name(), "Tremblay");
        assert_eq!(p.first_name(), Some("Marie"));
        assert_eq!(p.apartment(), None);
        assert_eq!(p.postal_code().unwrap().as_str(), "J0R 1A0");
        let orders: Vec<u32> = p.contacts().iter().map(ContactPoint::order).collect();
        assert_eq!(orders, [1, 2]);
        assert_eq!(p.contacts()[0].value().canonical(), "+15145550101");
    }

    #[test]
    fn reports_every_error_at_once() {
        let mut i = input();
        i.name = "  ".into();
        i.city = String::new();
        i.language = "de".into();
        i.postal_code = "K1A 0B1".into();
        i.civic_number = "rue".into();
        i.contacts[1].order = 2;
        let e = Profile::parse(&i, &AreaCodes::canada()).unwrap_err();
        assert!(e.has("name", "profile.name_required"), "{e}");
        assert!(e.has("city", "profile.city_required"), "{e}");
        assert!(e.has("language", "profile.language_required"), "{e}");
        assert!(e.has("postal_code", "postal_code.outside_quebec"), "{e}");
        assert!(e.has("civic_number", "profile.invalid_civic_number"), "{e}");
        assert!(e.has("contacts.1.order", "contact.duplicate_order"), "{e}");
    }

    #[test]
    fn needs_an_active_contact() {
        let mut i = input();
        for c in &mut i.contacts {
            c.active = false;
        }
        let e = Profile::parse(&i, &AreaCodes::canada()).unwrap_err();
        assert!(e.has("contacts", "profile.no_active_contact"));
        i.contacts.clear();
        let e = Profile::parse(&i, &AreaCodes::canada()).unwrap_err();
        assert!(e.has("contacts", "profile.no_active_contact"));
    }

    #[test]
    fn caps_contact_count() {
        let mut i = input();
        i.contacts = (1..=11)
            .map(|n| contact("email", &format!("p{n}@ville.ca"), n))
            .collect();
        let e = Profile::parse(&i, &AreaCodes::canada()).unwrap_err();
        assert!(e.has("contacts", "profile.too_many_contacts"));
    }

    #[test]
    fn civic_numbers() {
        for ok in ["12", "1262", "12A", "12-B", "12 ½"] {
            let mut i = input();
            i.civic_number = ok.into();
            assert!(Profile::parse(&i, &AreaCodes::canada()).is_ok(), "{ok}");
        }
    }

    proptest! {
        #[test]
        fn accepted_profiles_have_unique_sorted_orders(orders in prop::collection::vec(1u32..6, 1..6)) {
            let mut i = input();
            i.contacts = orders.iter().enumerate()
                .map(|(n, o)| contact("email", &format!("p{n}@ville.ca"), *o))
                .collect();
            let unique: BTreeSet<u32> = orders.iter().copied().collect();
            match Profile::parse(&i, &AreaCodes::canada()) {
                Ok(p) => {
                    prop_assert_eq!(unique.len(), orders.len());
                    let got: Vec<u32> = p.contacts().iter().map(ContactPoint::order).collect();
                    prop_assert_eq!(got, unique.into_iter().collect::<Vec<_>>());
                }
                Err(e) => {
                    prop_assert!(unique.len() < orders.len());
                    prop_assert!(e.0.iter().all(|f| f.code == "contact.duplicate_order"));
                }
            }
        }
    }
}
