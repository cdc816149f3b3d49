//! Generates `ui/src/bindings.ts` from the types of this crate.

use ts_rs::{Config, TS};

use crate::ipc::{
    CaptchaImage, Category, CodeRequestForm, CodeRequestOutcome, CodeSent, Connectivity,
    EnrollForm, Enrolled, KioskInfo, LocalizedText, LoginForm, LoginOutcome, OfflineForm,
    ProfileOutcome, QueueStatus, Queued, RejectedRegistration, StaffPinForm, TownDesignation,
};
use crate::{
    Channel, CodeDelivery, Consent, ConsentEntry, ContactPoint, ContactType, DeliveryState,
    DeliveryStatus, ErrorBody, Fallback, FieldError, Health, Language, OfflineRegistration,
    PendingChange, PendingChangeEntry, Profile, ResidentAccount, ResidentData, SavedProfile,
    SmsOptOut,
};

fn decl<T: TS>(cfg: &Config) -> String {
    format!("export {}\n", T::decl(cfg))
}

/// The whole TypeScript file the UI imports. Regenerate with
/// `BORNE_WRITE_BINDINGS=1 cargo test -p borne-protocol bindings`.
pub fn typescript_bindings() -> String {
    let cfg = Config::default();
    let mut out = String::from(
        "// Generated from crates/borne-protocol by `typescript_bindings()`. Do not edit.\n\
         // Regenerate: BORNE_WRITE_BINDINGS=1 cargo test -p borne-protocol bindings\n\n",
    );
    for d in [
        decl::<Channel>(&cfg),
        decl::<Language>(&cfg),
        decl::<ContactType>(&cfg),
        decl::<Consent>(&cfg),
        decl::<Fallback>(&cfg),
        decl::<DeliveryState>(&cfg),
        decl::<DeliveryStatus>(&cfg),
        decl::<ContactPoint>(&cfg),
        decl::<Profile>(&cfg),
        decl::<SavedProfile>(&cfg),
        decl::<ResidentAccount>(&cfg),
        decl::<ConsentEntry>(&cfg),
        decl::<SmsOptOut>(&cfg),
        decl::<CodeDelivery>(&cfg),
        decl::<OfflineRegistration>(&cfg),
        decl::<PendingChangeEntry>(&cfg),
        decl::<ResidentData>(&cfg),
        decl::<FieldError>(&cfg),
        decl::<ErrorBody>(&cfg),
        decl::<Health>(&cfg),
        decl::<Category>(&cfg),
        decl::<TownDesignation>(&cfg),
        decl::<LocalizedText>(&cfg),
        decl::<KioskInfo>(&cfg),
        decl::<CaptchaImage>(&cfg),
        decl::<CodeRequestForm>(&cfg),
        decl::<CodeSent>(&cfg),
        decl::<LoginForm>(&cfg),
        decl::<CodeRequestOutcome>(&cfg),
        decl::<OfflineForm>(&cfg),
        decl::<PendingChange>(&cfg),
        decl::<LoginOutcome>(&cfg),
        decl::<Queued>(&cfg),
        decl::<ProfileOutcome>(&cfg),
        decl::<Connectivity>(&cfg),
        decl::<RejectedRegistration>(&cfg),
        decl::<QueueStatus>(&cfg),
        decl::<StaffPinForm>(&cfg),
        decl::<EnrollForm>(&cfg),
        decl::<Enrolled>(&cfg),
    ] {
        out.push_str(&d);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    #[test]
    fn bindings_match_the_committed_file() {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/bindings.ts");
        let fresh = super::typescript_bindings();
        if std::env::var_os("BORNE_WRITE_BINDINGS").is_some() {
            std::fs::write(&path, &fresh).unwrap();
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == fresh,
            "ui/src/bindings.ts is out of date: run \
             `BORNE_WRITE_BINDINGS=1 cargo test -p borne-protocol bindings`"
        );
    }
}
