// Generated from crates/borne-protocol by `typescript_bindings()`. Do not edit.
// Regenerate: BORNE_WRITE_BINDINGS=1 cargo test -p borne-protocol bindings

export type Channel = "sms" | "voice";

export type Language = "fr" | "en";

export type ContactType = "landline" | "mobile" | "email";

export type Consent = { text_version: string, language: Language, accepted_at: string, kiosk_id: string, staff_assisted: boolean, };

export type Fallback = "sms_opted_out" | "sms_refused";

export type DeliveryState = "pending" | "sent" | "delivered" | "failed" | "expired" | "superseded";

export type DeliveryStatus = { state: DeliveryState, channel: Channel, fallback: Fallback | null, };

export type ContactPoint = { active: boolean, description: string, kind: ContactType, 
/**
 * A phone number (E.164 when it comes from the server) or an e-mail.
 */
value: string, 
/**
 * « Poste »: digits dialed once the call is answered; empty for none.
 */
extension: string, 
/**
 * « Délai pour poste », seconds to wait before dialing the extension.
 */
extension_delay_seconds: number | null, 
/**
 * « Ordre »: 1 is tried first.
 */
order: number, };

export type Profile = { 
/**
 * « Identifiant/Nom »
 */
name: string, 
/**
 * « Responsable/Prénom »
 */
first_name: string, language: Language, city: string, street: string, civic_number: string, apartment: string, postal_code: string, 
/**
 * « Info Lettre »: newsletter, separate from the emergency consent.
 */
newsletter: boolean, 
/**
 * « Coordonnées », in any order; stored sorted by `order`.
 */
contacts: Array<ContactPoint>, 
/**
 * Optional alert categories ticked in step 5 (ids such as
 * `boil_water`); emergencies and civil security are always on.
 */
categories: Array<string>, };

export type SavedProfile = { profile: Profile, saved_at: string, };

export type ResidentAccount = { id: string, 
/**
 * E.164.
 */
phone: string, language: string, created_at: string, 
/**
 * The first login with a code: the number is confirmed.
 */
verified_at: string | null, };

export type ConsentEntry = { 
/**
 * `emergency` (step 1), or one of step 5's optional choices:
 * `newsletter`, `categories`.
 */
purpose: string, 
/**
 * For `categories`: the ids chosen, separated by commas.
 */
choices: string | null, text_version: string, language: string, accepted_at: string, recorded_at: string, kiosk_id: string, staff_assisted: boolean, };

export type SmsOptOut = { opted_out: boolean, keyword: string, changed_at: string, };

export type CodeDelivery = { 
/**
 * `sms` or `voice`.
 */
channel: string, 
/**
 * `pending`, `sent`, `delivered`, `failed`, `expired`, `superseded`.
 */
state: string, created_at: string, sent_at: string | null, kiosk_id: string, };

export type OfflineRegistration = { kiosk_id: string, 
/**
 * `created`, `updated` or `pending_change`.
 */
outcome: string, captured_at: string, received_at: string, };

export type PendingChangeEntry = { profile: Profile | null, kiosk_id: string, captured_at: string, received_at: string, 
/**
 * `pending`, `applied`, `discarded` or `superseded`.
 */
state: string, };

export type ResidentData = { account: ResidentAccount, 
/**
 * The form of step 5, if one was saved.
 */
profile: Profile | null, 
/**
 * Every consent given, oldest first.
 */
consents: Array<ConsentEntry>, 
/**
 * The number's STOP/START, if it ever sent one.
 */
sms_opt_out: SmsOptOut | null, 
/**
 * Every code sent or to send (never the code itself), oldest first.
 */
code_deliveries: Array<CodeDelivery>, 
/**
 * Registrations made offline at a kiosk, oldest first.
 */
offline_registrations: Array<OfflineRegistration>, 
/**
 * Offline registrations that waited for the owner's decision.
 */
pending_changes: Array<PendingChangeEntry>, };

export type FieldError = { field: string, code: string, };

export type ErrorBody = { code: string, message: string, fields: Array<FieldError>, retry_after_seconds: number | null, };

export type Health = { status: string, api_version: string, };

export type Category = { 
/**
 * `boil_water`, stored and exported.
 */
id: string, label_fr: string, label_en: string, };

export type TownDesignation = "ville" | "municipalite" | "paroisse" | "canton" | "cantons_unis" | "village";

export type LocalizedText = { fr: string, en: string, };

export type KioskInfo = { town_name: string, 
/**
 * What the town is (« Ville », « Municipalité »…): the UI writes its
 * title from it (« Municipalité d’Ivry-sur-le-Lac »).
 */
town_designation: TownDesignation, 
/**
 * French is always on; English only where the town allows it.
 */
english_enabled: boolean, consent_text_version: string, app_version: string, 
/**
 * Seconds without a touch before the « Êtes-vous toujours là? » warning.
 */
idle_seconds: number, 
/**
 * Seconds the warning counts down before everything is wiped (≥ 20).
 */
idle_warning_seconds: number, 
/**
 * Staff mode exists (a staff PIN is configured).
 */
staff_enabled: boolean, 
/**
 * The kiosk holds a device token from the central server
 * (`borne-central kiosk enroll`); without one it cannot reach it.
 */
enrolled: boolean, 
/**
 * The name the central server gave this kiosk at enrollment.
 */
kiosk_name: string | null, 
/**
 * The optional alert categories offered in step 5, in order.
 */
categories: Array<Category>, 
/**
 * When the town's confirmation messages go out (`08:00-21:00`): the
 * offline confirmation tells the resident.
 */
send_hours: string, 
/**
 * Who answers for the personal data collected (the town's person in
 * charge of access to documents and protection of personal
 * information, Access Act s. 8), and how to reach them: the notice at
 * collection names them. None: the notice names the town's clerk.
 */
privacy_officer: string | null, 
/**
 * « Besoin d’aide? »: how to reach staff at this kiosk, in each
 * language. None: the UI's general text.
 */
help: LocalizedText | null, };

export type CaptchaImage = { 
/**
 * `data:image/png;base64,...`
 */
data_url: string, };

export type CodeRequestForm = { phone: string, 
/**
 * `null` until the resident picks « par téléphone » or « par SMS ».
 */
channel: Channel | null, captcha_answer: string, consent_accepted: boolean, language: Language, 
/**
 * A staff member is signing the resident up (staff mode only): no
 * captcha, and the consent record says so.
 */
staff_assisted: boolean, };

export type CodeSent = { 
/**
 * `514 233-5785`
 */
phone_display: string, 
/**
 * The channel carrying the code (see `fallback`).
 */
channel: Channel, code_expires_at: string, fallback: Fallback | null, 
/**
 * Seconds before « Renvoyer le code » may be offered (the per-number
 * minimum interval).
 */
resend_after_seconds: number, };

export type LoginForm = { phone: string, code: string, };

export type CodeRequestOutcome = { "mode": "online" } & CodeSent | { "mode": "offline" } & OfflineForm;

export type OfflineForm = { phone_display: string, profile: Profile, };

export type PendingChange = { id: string, 
/**
 * RFC 3339.
 */
captured_at: string, kiosk_id: string, profile: Profile, };

export type LoginOutcome = { phone_display: string, existing_profile: boolean, profile: Profile, offline: boolean, 
/**
 * An offline registration for this number waiting for the owner to
 * apply or discard it.
 */
pending_change: PendingChange | null, };

export type Queued = { 
/**
 * What the resident may note, e.g. `7F3A-92C1`.
 */
reference: string, phone_display: string, 
/**
 * How the confirmation request will come once service is back.
 */
channel: Channel, profile: Profile, 
/**
 * The phone will be asked to confirm (reply OUI, or press 1); false
 * when the resident had logged in with a code before the network
 * failed (nothing more to do).
 */
needs_confirmation: boolean, };

export type ProfileOutcome = { "mode": "online" } & SavedProfile | { "mode": "offline" } & Queued;

export type Connectivity = { online: boolean, 
/**
 * The central server answers but refuses this kiosk: never enrolled,
 * or its token was revoked. Staff must enroll it (again).
 */
refused: boolean, 
/**
 * A signed update is downloaded and verified: the UI asks for it to
 * be installed (`install_update`) when the attract screen is shown.
 */
update_ready: boolean, };

export type RejectedRegistration = { 
/**
 * The reference the resident was given (`7F3A-92C1`).
 */
reference: string, 
/**
 * When it was taken at the kiosk, and when it was refused (RFC 3339).
 */
captured_at: string, rejected_at: string, 
/**
 * The central server's error code (`validation`,
 * `consent.unknown_version`…), `central.error` for a bare status.
 */
reason: string, };

export type QueueStatus = { pending: number, sending: number, acknowledged: number, rejected: number, 
/**
 * Age of the oldest registration not yet acknowledged, in seconds.
 */
oldest_pending_seconds: number | null, 
/**
 * Last time a batch reached the central server (RFC 3339).
 */
last_sync_at: string | null, 
/**
 * Why the last sync failed, as an error code the UI translates
 * (`central.unreachable`, `central.incompatible`, `central.error`, or
 * the central server's own code).
 */
last_error: string | null, online: boolean, 
/**
 * The registrations the central server refused for good, newest
 * first (at most [`REJECTED_SHOWN`]): what staff need to help the
 * resident again, without their personal data.
 */
rejected_registrations: Array<RejectedRegistration>, };

export type StaffPinForm = { pin: string, };

export type EnrollForm = { code: string, };

export type Enrolled = { kiosk_name: string, };

