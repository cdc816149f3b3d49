//! Borne's domain: the types a registration is made of, each built by a
//! parser that refuses bad input with a stable error code.
//!
//! Nothing here does IO. The kiosk validates with these types before it
//! sends anything; the central server validates again with the same code.

mod code;
mod consent;
mod contact;
mod error;
mod phone;
mod postal;
mod profile;

pub use code::{CodeError, OneTimeCode, CODE_DIGITS};
pub use consent::{ConsentPurpose, ConsentRecord, CONSENT_TEXT_VERSION, OPTIONS_TEXT_VERSION};
pub use contact::{
    Channel, ContactPoint, ContactPointInput, ContactType, ContactValue, EmailAddress,
    MAX_EXTENSION_DELAY_SECONDS,
};
pub use error::{ErrorCode, FieldError, ValidationErrors};
pub use phone::{AreaCodes, AreaCodesError, PhoneError, PhoneNumber};
pub use postal::{PostalCode, PostalCodeError};
pub use profile::{
    is_category_id, Language, Profile, ProfileInput, DEFAULT_CATEGORIES, MAX_CATEGORIES,
    MAX_CONTACT_POINTS,
};
