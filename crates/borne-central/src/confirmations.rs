//! The rules of a confirmation answered from the phone (an SMS reply or a
//! key pressed during the call): the webhooks parse, this decides, the
//! store writes.

use crate::db::{
    ConfirmedVia, PendingConfirmation, Refused, Store, StoredPendingChange, Timestamp,
};
use crate::telephony::ConfirmationAnswer;
use borne_domain::{AreaCodes, ConsentRecord, Profile};
use borne_protocol as wire;

/// An administrator asks the phone again: the message is queued for
/// the window's next opening (now, within the send hours). `None` when
/// no such registration waits for a confirmation.
pub async fn resend(
    store: &Store,
    window: &crate::quiet_hours::SendWindow,
    registration_id: &str,
    now: Timestamp,
) -> Result<Option<Timestamp>, crate::db::StoreError> {
    let send_at = window.next_open(now);
    Ok(store
        .resend_confirmation(
            registration_id,
            send_at,
            crate::outbox::CONFIRMATION_WINDOW_SECONDS,
            now,
        )
        .await?
        .then_some(send_at))
}

/// What a resident's answer says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Yes,
    No,
}

/// A stored pending change, parsed back into what applying it writes:
/// the profile and the consent given with it (wire forms kept as JSON).
pub fn parse_pending_change(
    p: &StoredPendingChange,
    area_codes: &AreaCodes,
) -> anyhow::Result<Result<(Profile, ConsentRecord), borne_domain::ValidationErrors>> {
    let profile: wire::Profile = serde_json::from_str(&p.profile_json)
        .map_err(|e| anyhow::anyhow!("stored pending change unreadable: {e}"))?;
    let consent: wire::Consent = serde_json::from_str(&p.consent_json)
        .map_err(|e| anyhow::anyhow!("stored pending change unreadable: {e}"))?;
    // Stored with the enrolled kiosk's id at ingest.
    let consent = consent.parse(&consent.kiosk_id)?;
    Ok(profile.parse(area_codes).map(|profile| (profile, consent)))
}

/// Records the phone's answer to a pending confirmation. Yes: the
/// account is verified (and the pending change applied, if the
/// registration was one); no: what was never confirmed is deleted.
/// Returns what to tell the resident.
pub async fn answer(
    store: &Store,
    area_codes: &AreaCodes,
    pending: &PendingConfirmation,
    answer: Answer,
    via: ConfirmedVia,
    provider_ref: &str,
    now: Timestamp,
) -> anyhow::Result<ConfirmationAnswer> {
    match answer {
        Answer::Yes => {
            let change = if pending.applies_change {
                match store.pending_change(&pending.account_id).await? {
                    // A change that no longer parses (the area codes changed
                    // since) is not applied: the number is confirmed all the same.
                    Some(p) if p.id == pending.id => parse_pending_change(&p, area_codes)?.ok(),
                    _ => None,
                }
            } else {
                None
            };
            let done = store
                .confirm(
                    pending,
                    change.as_ref().map(|(p, c)| (p, c)),
                    via,
                    provider_ref,
                    now,
                )
                .await?;
            tracing::info!(
                registration = %pending.id,
                via = via.as_str(),
                applied_change = change.is_some(),
                done,
                "registration confirmed from the phone"
            );
            Ok(ConfirmationAnswer::Confirmed)
        }
        Answer::No => {
            let refused = store.refuse(pending, now).await?;
            tracing::info!(
                registration = %pending.id,
                account_deleted = refused == Some(Refused::AccountDeleted),
                "registration refused from the phone"
            );
            Ok(ConfirmationAnswer::Refused)
        }
    }
}

/// A key pressed during a confirmation call: 1 confirms, 9 refuses.
pub fn key_answer(digits: &str) -> Option<Answer> {
    match digits.trim() {
        "1" => Some(Answer::Yes),
        "9" => Some(Answer::No),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_1_and_9_answer_a_call() {
        assert_eq!(key_answer("1"), Some(Answer::Yes));
        assert_eq!(key_answer(" 9 "), Some(Answer::No));
        for other in ["", "0", "2", "11", "#", "*"] {
            assert_eq!(key_answer(other), None, "{other}");
        }
    }
}
