//! Fuzz targets for the domain's parsers, with proptest: arbitrary text,
//! arbitrary bytes (as a lossy UTF-8 string), and mutations of the seed
//! corpus in `fuzz-corpus/<parser>/`. For each parser: no panic; every
//! accepted value keeps its type's invariants; and what it prints (or
//! stores) parses back to the same value.
//!
//! More cases: `PROPTEST_CASES=20000 cargo test -p borne-domain --test fuzz`.
//! (cargo-fuzz/libFuzzer needs a nightly toolchain; these run on stable.)

mod corpus;

use borne_domain::{
    AreaCodes, ContactPoint, ContactPointInput, ContactType, ContactValue, EmailAddress,
    OneTimeCode, PhoneNumber, PostalCode, ValidationErrors, CODE_DIGITS,
    MAX_EXTENSION_DELAY_SECONDS,
};
use corpus::{edits, mutate, seeds, Seed};
use proptest::prelude::*;

fn corpus(parser: &str) -> Vec<Seed> {
    seeds(env!("CARGO_MANIFEST_DIR"), parser)
}

/// Arbitrary text: any string, or any bytes read as UTF-8 the lossy way.
fn arbitrary_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "\\PC{0,24}",
        "[0-9 ()+.-]{0,20}",
        prop::collection::vec(any::<u8>(), 0..40)
            .prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
    ]
}

/// A seed of `parser`, mutated.
fn mutated(parser: &str) -> impl Strategy<Value = String> {
    (prop::sample::select(corpus(parser)), edits()).prop_map(|(s, e)| mutate(&s.text, &e))
}

// ---- phone numbers ----

fn check_phone(input: &str) -> Result<(), TestCaseError> {
    let codes = AreaCodes::canada();
    let Ok(n) = PhoneNumber::parse(input, &codes) else {
        return Ok(());
    };
    let d = n.digits();
    prop_assert_eq!(d.len(), 10);
    prop_assert!(d.bytes().all(|b| b.is_ascii_digit()), "{d}");
    let area: u16 = d[0..3].parse().unwrap();
    let exchange: u16 = d[3..6].parse().unwrap();
    prop_assert!(codes.contains(area), "{area}");
    prop_assert!(
        (200..=999).contains(&exchange) && exchange % 100 != 11,
        "{exchange}"
    );
    prop_assert_eq!(n.e164(), format!("+1{d}"));
    // What is shown and what is stored both read back as the same number.
    prop_assert_eq!(PhoneNumber::parse(&n.to_string(), &codes), Ok(n.clone()));
    prop_assert_eq!(PhoneNumber::parse(&n.e164(), &codes), Ok(n.clone()));
    prop_assert!(
        !format!("{n:?}").contains(&d[3..]),
        "Debug shows the number"
    );
    Ok(())
}

// ---- postal codes ----

fn check_postal(input: &str) -> Result<(), TestCaseError> {
    let Ok(p) = PostalCode::parse(input) else {
        return Ok(());
    };
    let t: Vec<char> = p.as_str().chars().collect();
    prop_assert_eq!(t.len(), 7, "{}", p.as_str());
    prop_assert!(matches!(t[0], 'G' | 'H' | 'J'));
    prop_assert_eq!(t[3], ' ');
    for i in [0, 2, 5] {
        prop_assert!(
            t[i].is_ascii_uppercase() && !"DFIOQU".contains(t[i]),
            "{}",
            p.as_str()
        );
    }
    for i in [1, 4, 6] {
        prop_assert!(t[i].is_ascii_digit(), "{}", p.as_str());
    }
    prop_assert_eq!(PostalCode::parse(&p.to_string()), Ok(p.clone()));
    prop_assert_eq!(PostalCode::parse(&p.as_str().to_lowercase()), Ok(p.clone()));
    Ok(())
}

// ---- one-time codes ----

fn check_code(input: &str) -> Result<(), TestCaseError> {
    let Ok(c) = OneTimeCode::parse(input) else {
        return Ok(());
    };
    prop_assert_eq!(c.as_str().len(), CODE_DIGITS);
    prop_assert!(c.as_str().bytes().all(|b| b.is_ascii_digit()));
    prop_assert_eq!(OneTimeCode::parse(c.as_str()), Ok(c.clone()));
    prop_assert!(
        !format!("{c:?}").contains(c.as_str()),
        "Debug shows the code"
    );
    Ok(())
}

// ---- contact points ----

/// A contact point seed: `key=value` lines (`kind`, `value`,
/// `extension`, `delay`, `order`, `description`, `active`).
fn contact_input(text: &str) -> ContactPointInput {
    let mut input = ContactPointInput {
        active: true,
        ..Default::default()
    };
    for line in text.lines() {
        let (key, value) = line.split_once('=').unwrap_or((line, ""));
        match key {
            "kind" => input.kind = value.into(),
            "value" => input.value = value.into(),
            "extension" => input.extension = Some(value.into()),
            "delay" => input.extension_delay_seconds = value.parse().ok(),
            "order" => input.order = value.parse().unwrap_or(0),
            "description" => input.description = value.into(),
            "active" => input.active = value == "true",
            other => panic!("contact point seed: unknown key {other}"),
        }
    }
    input
}

fn parse_contact(input: &ContactPointInput) -> Result<ContactPoint, ValidationErrors> {
    let mut errors = ValidationErrors::default();
    match ContactPoint::parse(input, 0, &AreaCodes::canada(), &mut errors) {
        Some(c) => {
            assert!(errors.is_empty(), "accepted with errors: {errors}");
            Ok(c)
        }
        None => {
            assert!(!errors.is_empty(), "refused without an error");
            Err(errors)
        }
    }
}

fn check_email(input: &str) -> Result<(), TestCaseError> {
    let Ok(e) = EmailAddress::parse(input) else {
        return Ok(());
    };
    let s = e.as_str();
    prop_assert!(s.len() <= 254, "{} bytes", s.len());
    let (local, domain) = s.split_once('@').unwrap();
    prop_assert!(!local.is_empty() && local.len() <= 64);
    prop_assert!(!domain.contains('@') && domain.contains('.'));
    prop_assert!(s.chars().all(|c| !c.is_whitespace() && !c.is_control()));
    prop_assert_eq!(EmailAddress::parse(s), Ok(e.clone()), "{:?}", s);
    Ok(())
}

fn check_contact(input: &ContactPointInput) -> Result<(), TestCaseError> {
    let Ok(c) = parse_contact(input) else {
        return Ok(());
    };
    prop_assert!((1..=99).contains(&c.order()));
    prop_assert!(c.description().chars().count() <= 60);
    prop_assert_eq!(c.description(), c.description().trim());
    prop_assert!(c.extension_delay_seconds() <= MAX_EXTENSION_DELAY_SECONDS);
    if let Some(ext) = c.extension() {
        prop_assert!(c.kind() != ContactType::Email);
        prop_assert!(!ext.is_empty() && ext.len() <= 8 && ext.bytes().all(|b| b.is_ascii_digit()));
    } else {
        prop_assert_eq!(c.extension_delay_seconds(), 0);
    }
    match c.value() {
        ContactValue::Phone(_) => prop_assert!(c.kind().is_phone()),
        ContactValue::Email(_) => prop_assert_eq!(c.kind(), ContactType::Email),
    }
    // The stored form (E.164, the address) and the shown form read back
    // as the same contact point.
    for value in [c.value().canonical(), c.value().display()] {
        let again = ContactPointInput {
            active: c.active(),
            description: c.description().to_owned(),
            kind: c.kind().as_str().to_owned(),
            value,
            extension: c.extension().map(str::to_owned),
            extension_delay_seconds: Some(c.extension_delay_seconds()),
            order: c.order(),
        };
        prop_assert_eq!(parse_contact(&again), Ok(c.clone()));
    }
    Ok(())
}

/// The value of a contact point seed, mutated.
fn mutated_contact_value() -> impl Strategy<Value = String> {
    (prop::sample::select(corpus("contact_point")), edits())
        .prop_map(|(s, e)| mutate(&contact_input(&s.text).value, &e))
}

fn contact_strategy() -> impl Strategy<Value = ContactPointInput> {
    let field = || prop_oneof![mutated_contact_value(), mutated("phone"), arbitrary_text()];
    (
        prop::sample::select(corpus("contact_point")),
        edits(),
        edits(),
        0usize..6,
        field(),
        any::<Option<u32>>(),
        any::<u32>(),
    )
        .prop_map(|(seed, e1, e2, which, noise, delay, order)| {
            let mut input = contact_input(&seed.text);
            input.value = mutate(&input.value, &e1);
            input.description = mutate(&input.description, &e2);
            match which {
                0 => input.kind = noise,
                1 => input.extension = Some(noise),
                2 => input.extension_delay_seconds = delay,
                3 => input.order = order,
                4 => input.value = noise,
                _ => {}
            }
            input
        })
}

// ---- the seeds themselves ----

#[test]
fn every_seed_is_judged_as_its_name_says() {
    let codes = AreaCodes::canada();
    for seed in corpus("phone") {
        let accepted = PhoneNumber::parse(&seed.text, &codes).is_ok();
        assert_eq!(accepted, seed.must_accept(), "phone/{}", seed.name);
        check_phone(&seed.text).unwrap();
    }
    for seed in corpus("postal_code") {
        let accepted = PostalCode::parse(&seed.text).is_ok();
        assert_eq!(accepted, seed.must_accept(), "postal_code/{}", seed.name);
        check_postal(&seed.text).unwrap();
    }
    for seed in corpus("one_time_code") {
        let accepted = OneTimeCode::parse(&seed.text).is_ok();
        assert_eq!(accepted, seed.must_accept(), "one_time_code/{}", seed.name);
        check_code(&seed.text).unwrap();
    }
    for seed in corpus("contact_point") {
        let input = contact_input(&seed.text);
        let parsed = parse_contact(&input);
        assert_eq!(
            parsed.is_ok(),
            seed.must_accept(),
            "contact_point/{}: {parsed:?}",
            seed.name
        );
        check_contact(&input).unwrap();
        check_email(&input.value).unwrap();
    }
}

proptest! {
    // A failure is kept as a seed in the corpus, not in proptest's files.
    #![proptest_config(ProptestConfig {
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn phone_numbers(text in prop_oneof![arbitrary_text(), mutated("phone")]) {
        check_phone(&text)?;
    }

    #[test]
    fn postal_codes(text in prop_oneof![arbitrary_text(), mutated("postal_code")]) {
        check_postal(&text)?;
    }

    #[test]
    fn one_time_codes(text in prop_oneof![arbitrary_text(), mutated("one_time_code")]) {
        check_code(&text)?;
    }

    #[test]
    fn email_addresses(text in prop_oneof![
        arbitrary_text(),
        "[a-zA-Z0-9.+_-]{1,70}@[\\p{L}\\p{M}0-9.-]{1,200}",
        mutated_contact_value(),
    ]) {
        check_email(&text)?;
    }

    #[test]
    fn contact_points(input in contact_strategy()) {
        check_contact(&input)?;
    }
}
