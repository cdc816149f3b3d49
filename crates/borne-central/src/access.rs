//! The access log of personal data (Law 25): every view, export,
//! correction and deletion of a resident's data, and every contacts
//! export — who, when, what, from where — whether it came through the
//! console, the bearer-token API or a command. Append-only; the
//! retention job removes entries older than
//! `BORNE_RETENTION_ACCESS_LOG_DAYS`.

use crate::db::Coded;

/// Through what a person reached the data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// The administration console (`/admin`), a named staff account.
    Console,
    /// The bearer-token API (`/v1/admin/*`): a script with the
    /// administrator's token.
    Api,
    /// A `borne-central` command on the server.
    Command,
}

impl Coded for Via {
    const COLUMN: &'static str = "access_log.via";
    const ALL: &'static [Self] = &[Self::Console, Self::Api, Self::Command];

    fn code(self) -> &'static str {
        match self {
            Self::Console => "console",
            Self::Api => "api",
            Self::Command => "command",
        }
    }
}

/// What was done with the data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessAction {
    /// A lookup by phone number or reference (even one that found nobody).
    Lookup,
    /// A resident's record shown.
    View,
    /// A resident's Law 25 export.
    Export,
    /// A resident's profile corrected.
    Correct,
    /// A resident's account deleted.
    Delete,
    /// The contacts CSV (every recipient at once).
    ExportContacts,
}

impl Coded for AccessAction {
    const COLUMN: &'static str = "access_log.action";
    const ALL: &'static [Self] = &[
        Self::Lookup,
        Self::View,
        Self::Export,
        Self::Correct,
        Self::Delete,
        Self::ExportContacts,
    ];

    fn code(self) -> &'static str {
        match self {
            Self::Lookup => "lookup",
            Self::View => "view",
            Self::Export => "export",
            Self::Correct => "correct",
            Self::Delete => "delete",
            Self::ExportContacts => "export_contacts",
        }
    }
}

/// Who reached the data, through what, from where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accessor {
    /// A staff member's e-mail, `token` (the administrator's bearer
    /// token), or the system user who ran a command.
    pub actor: String,
    pub via: Via,
    /// The client's address, or `local` for a command.
    pub origin: String,
}

impl Accessor {
    /// A command run on the server, by the system user of the session
    /// (`SUDO_USER`, `USER` or `LOGNAME`).
    pub fn command() -> Self {
        let user = ["SUDO_USER", "USER", "LOGNAME"]
            .iter()
            .find_map(|v| std::env::var(v).ok().filter(|u| !u.is_empty()))
            .unwrap_or_else(|| "unknown".to_owned());
        Self {
            actor: user,
            via: Via::Command,
            origin: "local".to_owned(),
        }
    }

    /// The bearer-token API, from `origin`.
    pub fn api_token(origin: impl std::fmt::Display) -> Self {
        Self {
            actor: "token".to_owned(),
            via: Via::Api,
            origin: origin.to_string(),
        }
    }
}

/// One access, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessEntry {
    pub at: crate::db::Timestamp,
    pub actor: String,
    pub via: Via,
    pub action: AccessAction,
    /// The resident's account (an opaque id; gone with the account's
    /// deletion, it names nobody).
    pub account_id: Option<String>,
    /// The export's filters, the corrected fields, the deletion record.
    pub detail: Option<String>,
    pub origin: String,
}
