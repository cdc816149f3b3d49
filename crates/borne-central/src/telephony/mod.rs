//! Telephony providers deliver one-time codes by SMS or voice call.
//!
//! Only the `console` provider exists so far (demo, tests). A real provider
//! (Twilio's REST API) implements the same trait.

mod console;
mod gsm7;
mod messages;
mod signature;
mod twilio;

use std::fmt::Debug;
use std::time::Duration;

use borne_domain::{Channel, Language};

pub use console::ConsoleProvider;
pub use messages::{
    confirmation_answer, confirmation_sms, confirmation_voice, every_sms, help_text, sms_text,
    town_name_problem, voice_text, ConfirmationAnswer,
};
pub use signature::{twilio_signature, verify_twilio_signature};
pub(crate) use twilio::{gather_twiml, say_tag, xml_escape};
pub use twilio::{Sender, TwilioConfig, TwilioProvider};

/// One SMS or call to place.
#[derive(Clone)]
pub struct OutgoingMessage {
    /// E.164.
    pub to: String,
    pub channel: Channel,
    pub language: Language,
    /// The SMS body, or what the call says.
    pub text: String,
    /// A confirmation: the call waits for one key (1 confirms, 9
    /// refuses); an SMS expects a reply (OUI / NON).
    pub asks_confirmation: bool,
}

impl Debug for OutgoingMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutgoingMessage")
            .field("channel", &self.channel)
            .field("language", &self.language)
            .finish_non_exhaustive()
    }
}

/// The provider accepted the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    pub provider_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// Timeouts, 5xx, 429: the same message may be sent again later.
    #[error("temporary failure: {reason}")]
    Retryable {
        reason: String,
        retry_after: Option<Duration>,
    },
    /// Invalid or unreachable destination: retrying cannot help.
    #[error("permanent failure: {reason}")]
    Permanent { reason: String },
    /// The number takes no SMS (it replied STOP, or it is a landline):
    /// the same code goes out by voice call instead.
    #[error("cannot text this number: {reason}")]
    UseVoice { reason: String },
}

#[async_trait::async_trait]
pub trait Telephony: Send + Sync + Debug {
    async fn send(&self, message: &OutgoingMessage) -> Result<Receipt, SendError>;
}
