//! Wire types: what crosses HTTP between a kiosk and the central server,
//! and what crosses Tauri IPC between the kiosk UI and its Rust side; and
//! the two helpers both ends use to talk (`rfc3339` times, `retry`). Domain rules live in `borne-domain`; these types carry
//! strings and are parsed into domain types at the edge.
//!
//! The TypeScript side of every type here is generated (`bindings.rs`) into
//! `ui/src/bindings.ts`; a test fails when that file drifts.

mod bindings;
mod convert;
pub mod ipc;
pub mod retry;
pub mod rfc3339;

use serde::{Deserialize, Serialize};
use ts_rs::TS;
use utoipa::ToSchema;

pub use bindings::typescript_bindings;

/// The HTTP API version. A client refuses a server whose major differs.
pub const API_VERSION: &str = "1.0";
/// Sent on every request and response.
pub const API_VERSION_HEADER: &str = "borne-api-version";
/// Carries a resident's session token after login.
pub const SESSION_HEADER: &str = "borne-session";

/// The major number of a version string such as `1.0`.
pub fn api_major(version: &str) -> Option<u32> {
    version.split('.').next()?.trim().parse().ok()
}

/// True when a peer speaking `version` understands us.
pub fn api_compatible(version: &str) -> bool {
    api_major(version) == api_major(API_VERSION)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Sms,
    Voice,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum Language {
    #[default]
    Fr,
    En,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ContactType {
    Landline,
    Mobile,
    Email,
}

/// Step 1's consent, as recorded (Law 25): which text, which language,
/// when (RFC 3339), at which kiosk, helped by staff or not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct Consent {
    pub text_version: String,
    pub language: Language,
    pub accepted_at: String,
    pub kiosk_id: String,
    pub staff_assisted: bool,
}

/// `POST /v1/signup`: send a one-time code to this phone. Creates the
/// account when the number is new; otherwise issues a fresh code
/// (the « Mot de passe oublié? » path).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct SignupRequest {
    pub phone: String,
    pub channel: Channel,
    pub language: Language,
    pub consent: Consent,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct SignupResponse {
    /// E.164, `+15142335785`.
    pub phone: String,
    /// The channel that will carry the code: a number that texted STOP
    /// gets a call even when it asked for an SMS.
    pub channel: Channel,
    /// When the code stops working (RFC 3339).
    pub code_expires_at: String,
    /// For `GET /v1/deliveries/{id}`.
    pub delivery_id: String,
    /// Why the channel differs from the one asked for, if it does.
    pub fallback: Option<Fallback>,
    /// The soonest another code may be asked for this number, in seconds.
    pub resend_after_seconds: u32,
}

/// Why a code goes by call instead of SMS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Fallback {
    /// The number replied STOP/ARRET to our texts.
    SmsOptedOut,
    /// The provider refused to text it (opted out or not SMS-capable).
    SmsRefused,
}

impl Fallback {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "sms_opted_out" => Some(Fallback::SmsOptedOut),
            "sms_refused" => Some(Fallback::SmsRefused),
            _ => None,
        }
    }
}

/// Where a code's SMS or call stands, in words a resident understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// Waiting to go out (or being retried).
    Pending,
    /// Handed to the telephone network.
    Sent,
    /// The phone received it (SMS) or answered (call).
    Delivered,
    /// It could not be delivered: try the other channel.
    Failed,
    /// The code expired before it could go out: ask for a new one.
    Expired,
    /// A newer code replaced it.
    Superseded,
}

/// `GET /v1/deliveries/{id}`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct DeliveryStatus {
    pub state: DeliveryState,
    pub channel: Channel,
    pub fallback: Option<Fallback>,
}

/// `POST /v1/login`: phone + the one-time code.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct LoginRequest {
    pub phone: String,
    pub code: String,
}

impl std::fmt::Debug for LoginRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LoginRequest { .. }")
    }
}

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct LoginResponse {
    /// Goes back in the `borne-session` header.
    pub session_token: String,
    /// Idle expiry of the session, in seconds.
    pub session_idle_seconds: u64,
    /// The stored profile, if the resident saved one before.
    pub profile: Option<Profile>,
    /// An offline registration for this number waiting for the owner.
    #[serde(default)]
    pub pending_change: Option<PendingChange>,
}

impl std::fmt::Debug for LoginResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginResponse")
            .field("has_profile", &self.profile.is_some())
            .finish_non_exhaustive()
    }
}

/// Step 5, « Formulaire ». Empty strings mean « not given ».
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema, Default)]
pub struct Profile {
    /// « Identifiant/Nom »
    pub name: String,
    /// « Responsable/Prénom »
    pub first_name: String,
    pub language: Language,
    pub city: String,
    pub street: String,
    pub civic_number: String,
    pub apartment: String,
    pub postal_code: String,
    /// « Info Lettre »: newsletter, separate from the emergency consent.
    pub newsletter: bool,
    /// « Coordonnées », in any order; stored sorted by `order`.
    pub contacts: Vec<ContactPoint>,
    /// Optional alert categories ticked in step 5 (ids such as
    /// `boil_water`); emergencies and civil security are always on.
    #[serde(default)]
    pub categories: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct ContactPoint {
    pub active: bool,
    pub description: String,
    pub kind: ContactType,
    /// A phone number (E.164 when it comes from the server) or an e-mail.
    pub value: String,
    /// « Poste »: digits dialed once the call is answered; empty for none.
    pub extension: String,
    /// « Délai pour poste », seconds to wait before dialing the extension.
    pub extension_delay_seconds: Option<u32>,
    /// « Ordre »: 1 is tried first.
    pub order: u32,
}

/// `PUT /v1/profile` answers with what was stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct SavedProfile {
    pub profile: Profile,
    pub saved_at: String,
}

/// `GET /v1/me`: everything the central server stores about the
/// logged-in resident (Law 25). Times are RFC 3339; codes never appear.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct ResidentData {
    pub account: ResidentAccount,
    /// The form of step 5, if one was saved.
    pub profile: Option<Profile>,
    /// Every consent given, oldest first.
    pub consents: Vec<ConsentEntry>,
    /// The number's STOP/START, if it ever sent one.
    pub sms_opt_out: Option<SmsOptOut>,
    /// Every code sent or to send (never the code itself), oldest first.
    pub code_deliveries: Vec<CodeDelivery>,
    /// Registrations made offline at a kiosk, oldest first.
    pub offline_registrations: Vec<OfflineRegistration>,
    /// Offline registrations that waited for the owner's decision.
    pub pending_changes: Vec<PendingChangeEntry>,
}

impl std::fmt::Debug for ResidentData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ResidentData { .. }")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct ResidentAccount {
    pub id: String,
    /// E.164.
    pub phone: String,
    pub language: String,
    pub created_at: String,
    /// The first login with a code: the number is confirmed.
    pub verified_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct ConsentEntry {
    /// `emergency` (step 1), or one of step 5's optional choices:
    /// `newsletter`, `categories`.
    pub purpose: String,
    /// For `categories`: the ids chosen, separated by commas.
    pub choices: Option<String>,
    pub text_version: String,
    pub language: String,
    pub accepted_at: String,
    pub recorded_at: String,
    pub kiosk_id: String,
    pub staff_assisted: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct SmsOptOut {
    pub opted_out: bool,
    pub keyword: String,
    pub changed_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct CodeDelivery {
    /// `sms` or `voice`.
    pub channel: String,
    /// `pending`, `sent`, `delivered`, `failed`, `expired`, `superseded`.
    pub state: String,
    pub created_at: String,
    pub sent_at: Option<String>,
    pub kiosk_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct OfflineRegistration {
    pub kiosk_id: String,
    /// `created`, `updated` or `pending_change`.
    pub outcome: String,
    pub captured_at: String,
    pub received_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct PendingChangeEntry {
    pub profile: Option<Profile>,
    pub kiosk_id: String,
    pub captured_at: String,
    pub received_at: String,
    /// `pending`, `applied`, `discarded` or `superseded`.
    pub state: String,
}

/// One rejected field; `field` is e.g. `phone`, `name`, `contacts.1.value`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct FieldError {
    pub field: String,
    pub code: String,
}

/// Every error, over HTTP and over IPC. `code` is stable and translated by
/// the UI; `message` is English, for logs and operators.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct ErrorBody {
    pub code: String,
    pub message: String,
    #[serde(default)]
    pub fields: Vec<FieldError>,
    #[serde(default)]
    pub retry_after_seconds: Option<u32>,
}

impl ErrorBody {
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            message: message.into(),
            fields: Vec::new(),
            retry_after_seconds: None,
        }
    }

    /// `validation` with one entry per rejected field.
    pub fn validation(errors: &borne_domain::ValidationErrors) -> Self {
        Self {
            fields: errors
                .0
                .iter()
                .map(|e| FieldError {
                    field: e.field.clone(),
                    code: e.code.to_owned(),
                })
                .collect(),
            ..Self::new("validation", "some fields are invalid")
        }
    }
}

impl std::fmt::Display for ErrorBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for ErrorBody {}

/// The most registrations one `POST /v1/registrations` may carry.
pub const REGISTRATION_BATCH_MAX: usize = 100;

/// A registration captured at a kiosk while the central server was out of
/// reach (steps 1 and 5), queued there and sent later. `id` is a UUIDv7
/// made at capture: the idempotency key from the kiosk's queue to the
/// central database. Once queued its content never changes.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct Registration {
    pub id: String,
    /// RFC 3339.
    pub captured_at: String,
    pub phone: String,
    /// How the resident wants the code once service is back.
    pub channel: Channel,
    pub language: Language,
    pub consent: Consent,
    pub profile: Profile,
    /// The central session the resident had opened with a code at this
    /// kiosk before the network failed, if they had: proof that they own
    /// the number, so their profile is applied directly.
    pub owner_session: Option<String>,
}

impl std::fmt::Debug for Registration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registration")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// `POST /v1/registrations`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct RegistrationBatch {
    pub registrations: Vec<Registration>,
}

/// What the central server did with a registration: it says no more
/// than "accepted", so that a kiosk token cannot tell whether a number
/// was registered already. The phone itself is then asked to confirm
/// (an SMS to answer OUI, or a call where the resident presses 1) within
/// the town's send hours, unless the registration carried the live
/// session of the number's account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum IngestOutcome {
    Accepted,
}

/// One registration's result; a batch answers one per registration, in
/// order. `status` follows HTTP: 200 stored (again, for a repeated id
/// with the same content), 409 the same id is still being processed
/// (retry later), 429 over the kiosk's hourly cap (retry after
/// `error.retry_after_seconds`), 422 invalid or the same id with other
/// content (never retry).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct RegistrationResult {
    pub id: String,
    pub status: u16,
    pub outcome: Option<IngestOutcome>,
    pub error: Option<ErrorBody>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct RegistrationBatchResult {
    pub results: Vec<RegistrationResult>,
}

/// An offline registration for a number whose owner had already verified
/// it, waiting for that owner's decision (shown after login).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct PendingChange {
    pub id: String,
    /// RFC 3339.
    pub captured_at: String,
    pub kiosk_id: String,
    pub profile: Profile,
}

/// `POST /v1/pending-changes/{id}`: the owner applies or discards it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct PendingDecision {
    pub accept: bool,
}

/// The stored profile after the decision (`None`: none was ever saved).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct PendingDecisionResult {
    pub profile: Option<Profile>,
}

/// `POST /v1/kiosks/enroll` (no token yet): the one-time code from
/// `borne-central kiosk enroll`, typed by staff on the kiosk.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct EnrollRequest {
    pub code: String,
    pub app_version: String,
}

impl std::fmt::Debug for EnrollRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EnrollRequest")
            .field("app_version", &self.app_version)
            .finish_non_exhaustive()
    }
}

/// The kiosk's own device token (256 random bits, base64url); the
/// central server keeps only its SHA-256. Shown once.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct EnrollResponse {
    pub kiosk_id: String,
    pub kiosk_name: String,
    pub token: String,
}

impl std::fmt::Debug for EnrollResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EnrollResponse")
            .field("kiosk_id", &self.kiosk_id)
            .field("kiosk_name", &self.kiosk_name)
            .finish_non_exhaustive()
    }
}

/// Whether the kiosk reaches the central server, as the kiosk sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum KioskMode {
    Online,
    Offline,
}

/// What a resident may note of an offline registration: the end of its
/// id, `7F3A-92C1` (the kiosk shows it; the administrator finds it).
pub fn registration_reference(id: &str) -> String {
    let hex: String = id.chars().filter(char::is_ascii_hexdigit).collect();
    let tail = &hex[hex.len().saturating_sub(8)..];
    let (a, b) = tail.split_at(tail.len() / 2);
    format!("{a}-{b}").to_uppercase()
}

/// An offline registration whose phone has not confirmed yet
/// (`GET /v1/admin/confirmations`). No phone number: the reference is
/// what the resident was given at the kiosk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct UnconfirmedRegistration {
    pub registration_id: String,
    /// The end of the id, as the kiosk's confirmation screen shows it.
    pub reference: String,
    pub kiosk_id: String,
    pub kiosk_name: Option<String>,
    pub channel: Channel,
    /// When the registration reached the central server (RFC 3339).
    pub received_at: String,
    pub age_seconds: u64,
    /// Messages asking for the confirmation that went out so far.
    pub messages_sent: u32,
    pub reminded: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct UnconfirmedList {
    pub registrations: Vec<UnconfirmedRegistration>,
}

/// `POST /v1/kiosks/heartbeat`: what `borne-central kiosk list` shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct Heartbeat {
    pub app_version: String,
    pub mode: KioskMode,
    /// Registrations waiting in the kiosk's queue (pending or sending).
    pub queue_depth: u32,
    /// Registrations the central server refused, kept for staff.
    pub queue_rejected: u32,
    pub oldest_pending_seconds: Option<u32>,
    /// RFC 3339.
    pub last_sync_at: Option<String>,
}

/// `GET /v1/updates/{target}/{current_version}` when a newer release is
/// offered to this kiosk: the Tauri updater's answer for one platform.
/// The kiosk checks `signature` (minisign, its trusted comment binding
/// `version`) against the release key built into it before installing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct UpdateManifest {
    pub version: String,
    pub notes: String,
    /// RFC 3339: when the release was added.
    pub pub_date: String,
    /// `GET /v1/updates/files/{id}` on this server (device token).
    pub url: String,
    /// The `.sig` file's text: base64 of the minisign signature.
    pub signature: String,
}

/// `GET /healthz`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct Health {
    pub status: String,
    pub api_version: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        assert!(api_compatible("1.0"));
        assert!(api_compatible("1.7"));
        assert!(!api_compatible("2.0"));
        assert!(!api_compatible("x"));
    }

    #[test]
    fn enums_are_snake_case_on_the_wire() {
        assert_eq!(serde_json::to_string(&Channel::Voice).unwrap(), "\"voice\"");
        assert_eq!(
            serde_json::to_string(&ContactType::Landline).unwrap(),
            "\"landline\""
        );
        assert!(serde_json::from_str::<Channel>("\"fax\"").is_err());
    }

    #[test]
    fn secrets_stay_out_of_debug() {
        let r = LoginRequest {
            phone: "5145550100".into(),
            code: "123456".into(),
        };
        let d = format!("{r:?}");
        assert!(!d.contains("123456") && !d.contains("555"));
    }
}
