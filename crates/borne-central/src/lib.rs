//! Borne's central server: kiosks sign residents up here. It keeps
//! accounts, one-time codes (hashed), profiles and consent records, and has
//! a telephony provider deliver the codes through an outbox.

pub mod access;
pub mod clock;
pub mod codes;
pub mod config;
pub mod confirmations;
pub mod db;
pub mod export;
pub mod fleet;
mod http;
pub mod ingest;
pub mod login;
pub mod metrics;
pub mod outbox;
pub mod profile;
pub mod quiet_hours;
pub mod release_files;
pub mod releases;
pub mod signup;
pub mod staff;
pub mod startup;
pub mod telephony;

pub use config::Config;
pub use http::{console_routes, Access, ConsoleRoute};
pub use startup::Application;
