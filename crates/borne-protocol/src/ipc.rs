//! Types that cross Tauri IPC between the kiosk UI and its Rust side.
//! Errors cross as [`crate::ErrorBody`].

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{Channel, Fallback, Language, PendingChange, Profile, SavedProfile};

/// What the UI needs to draw the attract screen and step 1.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct KioskInfo {
    pub town_name: String,
    /// What the town is (« Ville », « Municipalité »…): the UI writes its
    /// title from it (« Municipalité d’Ivry-sur-le-Lac »).
    pub town_designation: TownDesignation,
    /// French is always on; English only where the town allows it.
    pub english_enabled: bool,
    pub consent_text_version: String,
    pub app_version: String,
    /// Seconds without a touch before the « Êtes-vous toujours là? » warning.
    pub idle_seconds: u32,
    /// Seconds the warning counts down before everything is wiped (≥ 20).
    pub idle_warning_seconds: u32,
    /// Staff mode exists (a staff PIN is configured).
    pub staff_enabled: bool,
    /// The kiosk holds a device token from the central server
    /// (`borne-central kiosk enroll`); without one it cannot reach it.
    pub enrolled: bool,
    /// The name the central server gave this kiosk at enrollment.
    pub kiosk_name: Option<String>,
    /// The optional alert categories offered in step 5, in order.
    pub categories: Vec<Category>,
    /// When the town's confirmation messages go out (`08:00-21:00`): the
    /// offline confirmation tells the resident.
    pub send_hours: String,
    /// Who answers for the personal data collected (the town's person in
    /// charge of access to documents and protection of personal
    /// information, Access Act s. 8), and how to reach them: the notice at
    /// collection names them. None: the notice names the town's clerk.
    pub privacy_officer: Option<String>,
    /// « Besoin d’aide? »: how to reach staff at this kiosk, in each
    /// language. None: the UI's general text.
    pub help: Option<LocalizedText>,
}

/// A text the town wrote in both languages (the kiosk's configuration).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct LocalizedText {
    pub fr: String,
    pub en: String,
}

/// A Québec town's designation, which comes before its name: « Ville de
/// Mille-Isles », « Municipalité d’Ivry-sur-le-Lac », "Township of …".
/// A closed set: the kiosk refuses to start with another
/// (`BORNE_TOWN_DESIGNATION`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum TownDesignation {
    Ville,
    Municipalite,
    Paroisse,
    Canton,
    CantonsUnis,
    Village,
}

impl TownDesignation {
    pub const ALL: [Self; 6] = [
        Self::Ville,
        Self::Municipalite,
        Self::Paroisse,
        Self::Canton,
        Self::CantonsUnis,
        Self::Village,
    ];

    /// Its name in the configuration and over IPC: `ville`, `cantons_unis`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Ville => "ville",
            Self::Municipalite => "municipalite",
            Self::Paroisse => "paroisse",
            Self::Canton => "canton",
            Self::CantonsUnis => "cantons_unis",
            Self::Village => "village",
        }
    }
}

/// A designation outside [`TownDesignation::ALL`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownTownDesignation(pub String);

impl std::fmt::Display for UnknownTownDesignation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = TownDesignation::ALL.iter().map(|d| d.name()).collect();
        write!(f, "`{}` is not one of {}", self.0, names.join(", "))
    }
}

impl std::error::Error for UnknownTownDesignation {}

impl std::str::FromStr for TownDesignation {
    type Err = UnknownTownDesignation;

    /// `ville`, `Municipalite`, ` canton ` (case and surrounding spaces do
    /// not matter).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let wanted = text.trim().to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|d| d.name() == wanted)
            .ok_or_else(|| UnknownTownDesignation(text.to_owned()))
    }
}

/// An optional alert category (emergencies are always on, not listed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Category {
    /// `boil_water`, stored and exported.
    pub id: String,
    pub label_fr: String,
    pub label_en: String,
}

/// The captcha picture; its answer never leaves Rust.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct CaptchaImage {
    /// `data:image/png;base64,...`
    pub data_url: String,
}

/// Step 1, « Obtention du mot de passe ».
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct CodeRequestForm {
    pub phone: String,
    /// `null` until the resident picks « par téléphone » or « par SMS ».
    pub channel: Option<Channel>,
    pub captcha_answer: String,
    pub consent_accepted: bool,
    pub language: Language,
    /// A staff member is signing the resident up (staff mode only): no
    /// captcha, and the consent record says so.
    #[serde(default)]
    pub staff_assisted: bool,
}

impl std::fmt::Debug for CodeRequestForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CodeRequestForm")
            .field("channel", &self.channel)
            .field("language", &self.language)
            .finish_non_exhaustive()
    }
}

/// The code is on its way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct CodeSent {
    /// `514 233-5785`
    pub phone_display: String,
    /// The channel carrying the code (see `fallback`).
    pub channel: Channel,
    pub code_expires_at: String,
    pub fallback: Option<Fallback>,
    /// Seconds before « Renvoyer le code » may be offered (the per-number
    /// minimum interval).
    pub resend_after_seconds: u32,
}

/// Step 4, « Connexion ».
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct LoginForm {
    pub phone: String,
    pub code: String,
}

impl std::fmt::Debug for LoginForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LoginForm { .. }")
    }
}

/// Step 1's answer: the code is on its way (online), or the central server
/// is out of reach and the resident goes straight to the form of step 5,
/// to be queued on this kiosk (offline).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum CodeRequestOutcome {
    Online(CodeSent),
    Offline(OfflineForm),
}

/// The offline variant: step 5's form with defaults, nothing to wait for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct OfflineForm {
    pub phone_display: String,
    pub profile: Profile,
}

/// Logged in: the form of step 5, prefilled with what is stored, or with
/// sensible defaults (town, language, the signup phone as first contact).
/// `offline`: the central server stopped answering before the login
/// could be checked; the resident fills step 5 and the registration is
/// queued on this kiosk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct LoginOutcome {
    pub phone_display: String,
    pub existing_profile: bool,
    pub profile: Profile,
    pub offline: bool,
    /// An offline registration for this number waiting for the owner to
    /// apply or discard it.
    pub pending_change: Option<PendingChange>,
}

/// Step 5 → 6: saved on the central server, or queued on this kiosk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum ProfileOutcome {
    Online(SavedProfile),
    Offline(Queued),
}

/// A registration safely stored in the kiosk's queue (after the commit).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Queued {
    /// What the resident may note, e.g. `7F3A-92C1`.
    pub reference: String,
    pub phone_display: String,
    /// How the confirmation request will come once service is back.
    pub channel: Channel,
    pub profile: Profile,
    /// The phone will be asked to confirm (reply OUI, or press 1); false
    /// when the resident had logged in with a code before the network
    /// failed (nothing more to do).
    pub needs_confirmation: bool,
}

/// Whether the central server answers (the UI shows a banner when not).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Connectivity {
    pub online: bool,
    /// The central server answers but refuses this kiosk: never enrolled,
    /// or its token was revoked. Staff must enroll it (again).
    pub refused: bool,
    /// A signed update is downloaded and verified: the UI asks for it to
    /// be installed (`install_update`) when the attract screen is shown.
    pub update_ready: bool,
}

/// The kiosk's queue, for staff and the logs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, Default)]
pub struct QueueStatus {
    pub pending: u32,
    pub sending: u32,
    pub acknowledged: u32,
    pub rejected: u32,
    /// Age of the oldest registration not yet acknowledged, in seconds.
    pub oldest_pending_seconds: Option<u32>,
    /// Last time a batch reached the central server (RFC 3339).
    pub last_sync_at: Option<String>,
    /// Why the last sync failed, as an error code the UI translates
    /// (`central.unreachable`, `central.incompatible`, `central.error`, or
    /// the central server's own code).
    pub last_error: Option<String>,
    pub online: bool,
    /// The registrations the central server refused for good, newest
    /// first (at most [`REJECTED_SHOWN`]): what staff need to help the
    /// resident again, without their personal data.
    pub rejected_registrations: Vec<RejectedRegistration>,
}

/// How many refused registrations the staff panel lists.
pub const REJECTED_SHOWN: u32 = 20;

/// A registration the central server refused for good, as staff see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct RejectedRegistration {
    /// The reference the resident was given (`7F3A-92C1`).
    pub reference: String,
    /// When it was taken at the kiosk, and when it was refused (RFC 3339).
    pub captured_at: String,
    pub rejected_at: String,
    /// The central server's error code (`validation`,
    /// `consent.unknown_version`…), `central.error` for a bare status.
    pub reason: String,
}

/// The staff PIN, typed on the kiosk's keypad.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct StaffPinForm {
    pub pin: String,
}

impl std::fmt::Debug for StaffPinForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StaffPinForm { .. }")
    }
}

/// The one-time enrollment code an administrator got from
/// `borne-central kiosk enroll`, typed by staff on the kiosk.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct EnrollForm {
    pub code: String,
}

impl std::fmt::Debug for EnrollForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EnrollForm { .. }")
    }
}

/// The kiosk is enrolled: its device token is in the OS keyring.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Enrolled {
    pub kiosk_name: String,
}

#[cfg(test)]
mod tests {
    use super::TownDesignation;

    #[test]
    fn a_town_designation_reads_back_under_the_name_it_crosses_ipc_with() {
        for d in TownDesignation::ALL {
            let wire = serde_json::to_value(d).unwrap();
            assert_eq!(wire, serde_json::Value::String(d.name().into()));
            assert_eq!(d.name().parse::<TownDesignation>(), Ok(d));
        }
        assert_eq!(
            " Municipalite ".parse::<TownDesignation>(),
            Ok(TownDesignation::Municipalite)
        );
        let e = "cité".parse::<TownDesignation>().unwrap_err();
        assert_eq!(
            e.to_string(),
            "`cité` is not one of ville, municipalite, paroisse, canton, cantons_unis, village"
        );
    }
}
