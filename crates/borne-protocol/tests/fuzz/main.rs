//! Fuzz targets for what this crate parses off the wire, with proptest:
//! request bodies from arbitrary and mutated bytes (no panic; whatever
//! deserializes serializes back to the same value), the consent
//! (`Consent::parse`), RFC 3339 times, the profile form (wire → domain →
//! stored wire form → the same domain profile), the API version header
//! and registration references. Seeds: `fuzz-corpus/<target>/`, named
//! `ok-…` (must be accepted) or `bad-…` (must be refused).
//!
//! More cases: `PROPTEST_CASES=20000 cargo test -p borne-protocol --test fuzz`.

// The seed corpus loader and the mutations, shared with borne-domain's
// fuzz targets.
#[path = "../../../borne-domain/tests/fuzz/corpus.rs"]
mod corpus;

use borne_domain as d;
use borne_protocol::{
    api_compatible, api_major, registration_reference, rfc3339, Consent, EnrollRequest, Heartbeat,
    LoginRequest, PendingDecision, Profile, RegistrationBatch, SignupRequest,
};
use corpus::{edits, mutate, seeds, Seed};
use proptest::prelude::*;
use serde::de::DeserializeOwned;
use serde::Serialize;

const KIOSK: &str = "kiosk-7";

fn corpus(target: &str) -> Vec<Seed> {
    seeds(env!("CARGO_MANIFEST_DIR"), target)
}

fn mutated(target: &str) -> impl Strategy<Value = String> {
    (prop::sample::select(corpus(target)), edits()).prop_map(|(s, e)| mutate(&s.text, &e))
}

/// Arbitrary bytes, or a mutated seed's bytes.
fn bytes_or(target: &str) -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..200),
        mutated(target).prop_map(String::into_bytes),
    ]
}

/// Whatever deserializes from `bytes` serializes back to the same value.
fn round_trips<T>(bytes: &[u8]) -> Result<Option<T>, TestCaseError>
where
    T: DeserializeOwned + Serialize + PartialEq + std::fmt::Debug,
{
    let Ok(value) = serde_json::from_slice::<T>(bytes) else {
        return Ok(None);
    };
    let again: T = serde_json::from_slice(&serde_json::to_vec(&value).unwrap()).unwrap();
    prop_assert_eq!(&again, &value);
    Ok(Some(value))
}

// ---- times ----

fn check_time(text: &str) -> Result<(), TestCaseError> {
    let Some(t) = rfc3339::parse(text) else {
        return Ok(());
    };
    let printed = rfc3339::format(t);
    prop_assert_eq!(
        rfc3339::parse(&printed),
        Some(t),
        "{} printed as {:?}",
        text,
        printed
    );
    Ok(())
}

// ---- consent ----

fn check_consent(c: &Consent) -> Result<(), TestCaseError> {
    match c.parse(KIOSK) {
        Ok(record) => {
            prop_assert!(d::ConsentRecord::is_known_version(&record.text_version));
            prop_assert_eq!(&record.kiosk_id, KIOSK);
            prop_assert_eq!(record.language, d::Language::from(c.language));
            prop_assert_eq!(record.staff_assisted, c.staff_assisted);
            // As recorded and sent again, it is the same consent.
            let again = Consent {
                accepted_at: rfc3339::format(record.accepted_at),
                ..c.clone()
            };
            prop_assert_eq!(again.parse(KIOSK), Ok(record.clone()));
        }
        Err(errors) => {
            prop_assert!(!errors.is_empty());
            for f in &errors.0 {
                prop_assert!(
                    matches!(
                        (f.field.as_str(), f.code),
                        ("consent.text_version", "consent.unknown_version")
                            | ("consent.accepted_at", "consent.invalid_time")
                    ),
                    "{f:?}"
                );
            }
        }
    }
    Ok(())
}

/// The seeds of `target` that deserialize as a `T`.
fn values<T: DeserializeOwned + Clone + std::fmt::Debug>(target: &str) -> Vec<T> {
    corpus(target)
        .iter()
        .filter_map(|s| serde_json::from_str(&s.text).ok())
        .collect()
}

fn consent_strategy() -> impl Strategy<Value = Consent> {
    (
        prop::sample::select(values::<Consent>("consent")),
        prop::sample::select(corpus("rfc3339")),
        edits(),
        edits(),
    )
        .prop_map(|(mut c, time, e1, e2)| {
            c.accepted_at = mutate(&time.text, &e1);
            c.text_version = mutate(&c.text_version, &e2);
            c
        })
}

// ---- the profile form ----

fn check_profile(p: &Profile) -> Result<(), TestCaseError> {
    let codes = d::AreaCodes::canada();
    let Ok(parsed) = p.parse(&codes) else {
        return Ok(());
    };
    let stored = Profile::from_domain(&parsed);
    let orders: Vec<u32> = stored.contacts.iter().map(|c| c.order).collect();
    prop_assert!(orders.windows(2).all(|w| w[0] < w[1]), "{orders:?}");
    prop_assert!(stored.contacts.iter().any(|c| c.active));
    // The stored form reads back as the same profile.
    prop_assert_eq!(stored.parse(&codes), Ok(parsed.clone()));
    let json = serde_json::to_vec(&stored).unwrap();
    prop_assert_eq!(&serde_json::from_slice::<Profile>(&json).unwrap(), &stored);
    Ok(())
}

fn profile_strategy() -> impl Strategy<Value = Profile> {
    (
        prop::sample::select(values::<Profile>("profile")),
        edits(),
        edits(),
        0usize..6,
    )
        .prop_map(|(mut p, e1, e2, which)| {
            match which {
                0 => p.name = mutate(&p.name, &e1),
                1 => p.postal_code = mutate(&p.postal_code, &e1),
                2 => p.civic_number = mutate(&p.civic_number, &e1),
                3 => {
                    if let Some(c) = p.contacts.first_mut() {
                        c.value = mutate(&c.value, &e1);
                        c.extension = mutate(&c.extension, &e2);
                    }
                }
                4 => p.categories.push(mutate("boil_water", &e1)),
                _ => p.city = mutate(&p.city, &e2),
            }
            p
        })
}

// ---- the seeds themselves ----

#[test]
fn every_seed_is_judged_as_its_name_says() {
    for seed in corpus("rfc3339") {
        let parsed = rfc3339::parse(&seed.text);
        assert_eq!(
            parsed.is_some(),
            seed.must_accept(),
            "rfc3339/{}",
            seed.name
        );
        check_time(&seed.text).unwrap();
    }
    for seed in corpus("consent") {
        let consent = serde_json::from_str::<Consent>(&seed.text);
        let accepted = consent.as_ref().is_ok_and(|c| c.parse(KIOSK).is_ok());
        assert_eq!(accepted, seed.must_accept(), "consent/{}", seed.name);
        if let Ok(c) = consent {
            check_consent(&c).unwrap();
        }
    }
    for seed in corpus("profile") {
        let profile = serde_json::from_str::<Profile>(&seed.text);
        let accepted = profile
            .as_ref()
            .is_ok_and(|p| p.parse(&d::AreaCodes::canada()).is_ok());
        assert_eq!(
            accepted,
            seed.must_accept(),
            "profile/{}: {profile:?}",
            seed.name
        );
        if let Ok(p) = profile {
            check_profile(&p).unwrap();
        }
    }
    for target in ["signup_request", "registration_batch", "heartbeat"] {
        for seed in corpus(target) {
            let bytes = seed.text.as_bytes();
            let accepted = match target {
                "signup_request" => serde_json::from_slice::<SignupRequest>(bytes).is_ok(),
                "registration_batch" => serde_json::from_slice::<RegistrationBatch>(bytes).is_ok(),
                _ => serde_json::from_slice::<Heartbeat>(bytes).is_ok(),
            };
            assert_eq!(accepted, seed.must_accept(), "{target}/{}", seed.name);
        }
    }
}

proptest! {
    // A failure is kept as a seed in the corpus, not in proptest's files.
    #![proptest_config(ProptestConfig {
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn request_bodies_deserialize_without_panic_and_round_trip(
        signup in bytes_or("signup_request"),
        batch in bytes_or("registration_batch"),
        heartbeat in bytes_or("heartbeat"),
        profile in bytes_or("profile"),
        consent in bytes_or("consent"),
        other in prop::collection::vec(any::<u8>(), 0..100),
    ) {
        round_trips::<SignupRequest>(&signup)?;
        if let Some(b) = round_trips::<RegistrationBatch>(&batch)? {
            for r in &b.registrations {
                check_consent(&r.consent)?;
                check_profile(&r.profile)?;
                check_time(&r.captured_at)?;
            }
        }
        round_trips::<Heartbeat>(&heartbeat)?;
        if let Some(p) = round_trips::<Profile>(&profile)? {
            check_profile(&p)?;
        }
        if let Some(c) = round_trips::<Consent>(&consent)? {
            check_consent(&c)?;
        }
        round_trips::<LoginRequest>(&other)?;
        round_trips::<EnrollRequest>(&other)?;
        round_trips::<PendingDecision>(&other)?;
    }

    #[test]
    fn times(text in prop_oneof![any::<String>(), mutated("rfc3339")]) {
        check_time(&text)?;
    }

    #[test]
    fn consents(c in consent_strategy()) {
        check_consent(&c)?;
    }

    #[test]
    fn profiles(p in profile_strategy()) {
        check_profile(&p)?;
    }

    #[test]
    fn api_versions(v in prop_oneof![any::<String>(), "[0-9. +-]{0,8}"]) {
        prop_assert_eq!(api_compatible(&v), api_major(&v) == Some(1));
    }

    #[test]
    fn registration_references(id in prop_oneof![any::<String>(), "[0-9a-fA-F-]{0,40}"]) {
        let r = registration_reference(&id);
        let (a, b) = r.split_once('-').expect("a reference has a hyphen");
        prop_assert!(a.len() + b.len() <= 8 && b.len() >= a.len());
        prop_assert!(
            format!("{a}{b}").chars().all(|c| c.is_ascii_digit() || ('A'..='F').contains(&c)),
            "{r}"
        );
    }
}
