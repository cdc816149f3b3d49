//! The town's staff in the administration console (`/admin`): their
//! roles and what each may open ([`Role::may`], the one rule), the
//! e-mail and password rules, the one-time setup link, signing in with a
//! lockout, and the optional TOTP second factor (RFC 6238, `totp-rs`).
//! Passwords are hashed and checked with argon2id through the server's
//! one gate ([`HashGate`]).

use secrecy::{ExposeSecret, SecretString};
use totp_rs::{Algorithm, Secret, TOTP};

use crate::codes::{self, HashError, HashGate};
use crate::db::{Coded, StaffRecord, Store, StoreError, Timestamp};

/// A staff member's role: what they are in the town's organisation
/// decides what they may open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// « administrateur »: kiosks, telephony, staff accounts.
    Administrator,
    /// « coordonnateur des mesures d’urgence »: exports, the fleet,
    /// unconfirmed registrations.
    Coordinator,
    /// « responsable de la protection des renseignements personnels »:
    /// looks up, corrects, exports or deletes a resident.
    PrivacyOfficer,
}

impl Coded for Role {
    const COLUMN: &'static str = "staff.role";
    const ALL: &'static [Self] = &[Self::Administrator, Self::Coordinator, Self::PrivacyOfficer];

    fn code(self) -> &'static str {
        match self {
            Self::Administrator => "administrator",
            Self::Coordinator => "coordinator",
            Self::PrivacyOfficer => "privacy_officer",
        }
    }
}

impl Role {
    /// The role as typed on the command line: its stored name, or its
    /// French one (`administrateur`, `coordonnateur`, `responsable-prp`).
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_lowercase().as_str() {
            "administrator" | "administrateur" => Some(Self::Administrator),
            "coordinator" | "coordonnateur" => Some(Self::Coordinator),
            "privacy_officer" | "privacy-officer" | "responsable-prp" | "rprp" => {
                Some(Self::PrivacyOfficer)
            }
            _ => None,
        }
    }

    /// Whether this role may open `area`. The one place the console's
    /// permissions are decided: every route names its area.
    pub fn may(self, area: Area) -> bool {
        use Area::*;
        match self {
            Self::Administrator => matches!(area, Fleet | KioskEnrollment | Telephony | Staff),
            Self::Coordinator => matches!(area, Fleet | Exports | Unconfirmed),
            Self::PrivacyOfficer => matches!(area, Residents | AccessLog),
        }
    }

    /// The areas this role may open, in the console's menu order.
    pub fn areas(self) -> impl Iterator<Item = Area> {
        Area::ALL.iter().copied().filter(move |a| self.may(*a))
    }
}

/// What a page or an action of the console belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Area {
    /// The kiosks, their heartbeats and queues (read).
    Fleet,
    /// Enrolling and revoking kiosks.
    KioskEnrollment,
    /// Residents: lookup, record, correction, export, deletion.
    Residents,
    /// Offline registrations whose phone has not confirmed, with resend.
    Unconfirmed,
    /// The contacts CSV.
    Exports,
    /// Sends today, the cost breaker, delivery failures.
    Telephony,
    /// Staff accounts.
    Staff,
    /// Who saw which personal data.
    AccessLog,
}

impl Area {
    pub const ALL: &'static [Self] = &[
        Self::Fleet,
        Self::KioskEnrollment,
        Self::Residents,
        Self::Unconfirmed,
        Self::Exports,
        Self::Telephony,
        Self::Staff,
        Self::AccessLog,
    ];
}

/// A staff member's e-mail address, their sign-in name: trimmed, in
/// lower case, one `@` with text on both sides, no space, at most 254
/// characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffEmail(String);

impl StaffEmail {
    pub fn parse(text: &str) -> Option<Self> {
        let e = text.trim().to_lowercase();
        let (local, domain) = e.split_once('@')?;
        let fine = !local.is_empty()
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains('@')
            && e.chars().count() <= 254
            && !e.chars().any(|c| c.is_whitespace() || c.is_control());
        fine.then_some(Self(e))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The shortest password accepted (NIST SP 800-63B: at least 8; 12 for
/// an account that reaches residents' data).
pub const PASSWORD_MIN_CHARS: usize = 12;
/// The longest: argon2's work grows with it.
pub const PASSWORD_MAX_CHARS: usize = 128;
/// How long a setup link stays valid.
pub const SETUP_LINK_SECONDS: i64 = 72 * 3_600;
/// Failed sign-ins (a wrong password or second-factor code) that lock an
/// account…
pub const LOCKOUT_FAILURES: i64 = 5;
/// …for this long; a failure this long after the previous one starts
/// the count again.
pub const LOCKOUT_SECONDS: i64 = 15 * 60;

/// Why a password is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PasswordProblem {
    #[error("at least {PASSWORD_MIN_CHARS} characters")]
    TooShort,
    #[error("at most {PASSWORD_MAX_CHARS} characters")]
    TooLong,
    #[error("the two passwords differ")]
    Mismatch,
}

/// A new password, typed twice.
pub fn check_new_password(password: &str, again: &str) -> Result<(), PasswordProblem> {
    let n = password.chars().count();
    if n < PASSWORD_MIN_CHARS {
        return Err(PasswordProblem::TooShort);
    }
    if n > PASSWORD_MAX_CHARS {
        return Err(PasswordProblem::TooLong);
    }
    if password != again {
        return Err(PasswordProblem::Mismatch);
    }
    Ok(())
}

/// A new account, as `staff add` and the console's staff page make it:
/// its id and the setup link's token (shown once; only its SHA-256 is
/// kept).
#[derive(Debug)]
pub struct NewStaff {
    pub id: String,
    pub setup_token: SecretString,
    pub expires_at: Timestamp,
}

#[derive(Debug, thiserror::Error)]
pub enum StaffError {
    #[error("an account with this e-mail exists")]
    EmailTaken,
    #[error("every argon2 turn is taken")]
    Busy,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<HashError> for StaffError {
    fn from(e: HashError) -> Self {
        match e {
            HashError::Busy => Self::Busy,
            HashError::Internal(e) => Self::Internal(e),
        }
    }
}

/// Creates an account without a password; the token makes its setup link.
pub async fn add(
    store: &Store,
    email: &StaffEmail,
    role: Role,
    now: Timestamp,
) -> Result<NewStaff, StaffError> {
    let token = codes::generate_token();
    let expires_at = now + SETUP_LINK_SECONDS;
    match store
        .create_staff(
            email.as_str(),
            role,
            &codes::token_hash(token.expose_secret()),
            expires_at,
            now,
        )
        .await
    {
        Ok(id) => Ok(NewStaff {
            id,
            setup_token: token,
            expires_at,
        }),
        Err(StoreError::Constraint { .. }) => Err(StaffError::EmailTaken),
        Err(e) => Err(e.into()),
    }
}

/// The setup link of a token: `/admin/setup/{token}` under `base`.
pub fn setup_link(base: &str, token: &SecretString) -> String {
    format!(
        "{}/admin/setup/{}",
        base.trim_end_matches('/'),
        token.expose_secret()
    )
}

/// What a sign-in with an e-mail and a password gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignIn {
    /// The password is right: a session opens (awaiting the second
    /// factor when the account has one).
    Accepted { staff: StaffRecord },
    /// Unknown e-mail, wrong password, disabled account or no password
    /// set yet: one answer for all.
    Refused,
    /// Too many failures: no password is checked until then.
    Locked { until: Timestamp },
}

/// Checks an e-mail and a password. An unknown e-mail costs the same
/// argon2 work as a wrong password; each wrong one counts toward the
/// lockout; a right one clears the count.
pub async fn sign_in(
    store: &Store,
    hashes: &HashGate,
    email: &str,
    password: &SecretString,
    now: Timestamp,
) -> Result<SignIn, StaffError> {
    let staff = match StaffEmail::parse(email) {
        Some(e) => store.staff_by_email(e.as_str()).await?,
        None => None,
    };
    if let Some(until) = staff
        .as_ref()
        .and_then(|s| s.locked_until)
        .filter(|t| *t > now)
    {
        return Ok(SignIn::Locked { until });
    }
    let hash = staff.as_ref().and_then(|s| s.password_hash.clone());
    let right = hashes
        .verify(password.expose_secret(), hash.clone())
        .await?;
    match staff {
        Some(s) if right && hash.is_some() && s.disabled_at.is_none() => {
            // With a second factor, the count is cleared once it is given
            // too: a known password must not reset the code's tries.
            if s.totp_secret.is_none() {
                store.clear_staff_failures(&s.id).await?;
            }
            Ok(SignIn::Accepted { staff: s })
        }
        Some(s) => {
            failed(store, &s.id, now).await?;
            Ok(SignIn::Refused)
        }
        None => Ok(SignIn::Refused),
    }
}

/// Counts a failed sign-in (password or second factor) toward the lockout.
pub async fn failed(store: &Store, staff_id: &str, now: Timestamp) -> Result<(), StoreError> {
    store
        .record_staff_failure(staff_id, now, LOCKOUT_FAILURES, LOCKOUT_SECONDS)
        .await
}

/// A TOTP code's period (RFC 6238's default, what authenticator apps use).
pub const TOTP_STEP_SECONDS: u64 = 30;
/// Digits of a TOTP code.
pub const TOTP_DIGITS: usize = 6;

/// The RFC 6238 generator of a base32 secret: SHA-1, 6 digits, 30 s.
fn totp(secret_base32: &str) -> Option<TOTP> {
    let bytes = Secret::Encoded(secret_base32.to_owned()).to_bytes().ok()?;
    TOTP::new(
        Algorithm::SHA1,
        TOTP_DIGITS,
        0,
        TOTP_STEP_SECONDS,
        bytes,
        Some("Borne".to_owned()),
        "staff".to_owned(),
    )
    .ok()
}

/// A new TOTP secret: 160 random bits (RFC 4226's recommended length),
/// in base32 for an authenticator app.
pub fn new_totp_secret() -> SecretString {
    let mut bytes = [0u8; 20];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
    SecretString::from(Secret::Raw(bytes.to_vec()).to_encoded().to_string())
}

/// The `otpauth://` URI an authenticator app takes (typed or pasted).
pub fn otpauth_uri(secret_base32: &str, email: &str, issuer: &str) -> Option<String> {
    let mut t = totp(secret_base32)?;
    t.issuer = Some(issuer.to_owned());
    t.account_name = email.to_owned();
    Some(t.get_url())
}

/// The time step a TOTP code is right for, looking one step either side
/// of `now` (a clock a little off, a code typed as it turned); `None` if
/// none. The caller accepts a step once ([`Store::accept_totp_step`]).
pub fn totp_step(secret_base32: &str, code: &str, now: Timestamp) -> Option<i64> {
    let t = totp(secret_base32)?;
    let code = code.trim().replace(' ', "");
    let step = now.div_euclid(i64::try_from(TOTP_STEP_SECONDS).ok()?);
    (step - 1..=step + 1).find(|s| {
        u64::try_from(*s)
            .ok()
            .and_then(|s| s.checked_mul(TOTP_STEP_SECONDS))
            .is_some_and(|at| t.check(&code, at))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238, Appendix B: the SHA-1 secret "12345678901234567890"
    /// gives 94287082 at T = 59 s, 07081804 at 1111111109, 14050471 at
    /// 1111111111, 89005924 at 1234567890 (8 digits; our 6 are their
    /// last 6, RFC 4226's truncation).
    #[test]
    fn totp_matches_the_rfc_6238_vectors() {
        let secret = Secret::Raw(b"12345678901234567890".to_vec())
            .to_encoded()
            .to_string();
        for (at, eight) in [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
        ] {
            let six = &eight[2..];
            let step = totp_step(&secret, six, at).unwrap_or_else(|| panic!("{at}"));
            assert_eq!(step, at / 30, "{at}");
            // One step either side is still accepted, two are not.
            assert!(totp_step(&secret, six, at + 30).is_some());
            assert!(totp_step(&secret, six, at + 90).is_none());
        }
        assert!(totp_step(&secret, "000000", 59).is_none());
        assert!(totp_step("not base32!", "287082", 59).is_none());
    }

    #[test]
    fn a_new_secret_round_trips_through_its_uri() {
        let s = new_totp_secret();
        let uri = otpauth_uri(s.expose_secret(), "clerk@ville.ca", "Borne").unwrap();
        assert!(uri.starts_with("otpauth://totp/"), "{uri}");
        assert!(uri.contains(s.expose_secret()), "{uri}");
        let now = 1_800_000_000;
        let code = totp(s.expose_secret()).unwrap().generate(1_800_000_000);
        assert_eq!(totp_step(s.expose_secret(), &code, now), Some(now / 30));
    }

    #[test]
    fn roles_open_only_their_areas() {
        use Area::*;
        assert!(Role::PrivacyOfficer.may(Residents));
        assert!(!Role::Coordinator.may(Residents));
        assert!(!Role::Administrator.may(Residents));
        assert!(Role::Coordinator.may(Exports) && !Role::Administrator.may(Exports));
        assert!(
            Role::Administrator.may(KioskEnrollment) && !Role::Coordinator.may(KioskEnrollment)
        );
        assert!(Role::Coordinator.may(Fleet) && Role::Administrator.may(Fleet));
        // Every area has someone.
        for a in Area::ALL {
            assert!(Role::ALL.iter().any(|r| r.may(*a)), "{a:?}");
        }
        assert_eq!(Role::parse(" Coordonnateur "), Some(Role::Coordinator));
        assert_eq!(Role::parse("responsable-prp"), Some(Role::PrivacyOfficer));
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn emails_and_passwords() {
        assert_eq!(
            StaffEmail::parse(" Clerk@Ville.CA ").unwrap().as_str(),
            "clerk@ville.ca"
        );
        for bad in [
            "",
            "clerk",
            "@ville.ca",
            "clerk@ville",
            "a b@ville.ca",
            "a@b@c.ca",
        ] {
            assert!(StaffEmail::parse(bad).is_none(), "{bad}");
        }
        assert_eq!(
            check_new_password("short", "short"),
            Err(PasswordProblem::TooShort)
        );
        assert_eq!(
            check_new_password("correct horse battery", "correct horse batterY"),
            Err(PasswordProblem::Mismatch)
        );
        assert!(check_new_password("correct horse battery", "correct horse battery").is_ok());
        let long = "x".repeat(PASSWORD_MAX_CHARS + 1);
        assert_eq!(
            check_new_password(&long, &long),
            Err(PasswordProblem::TooLong)
        );
    }
}
