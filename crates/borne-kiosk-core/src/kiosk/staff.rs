//! Staff mode (the PIN, its lock) and what only staff may do: enroll the
//! kiosk, see the queue, « Envoyer maintenant ». The PIN's hash and lock
//! rules live in `crate::staff`, the lock's count in the queue's database.

use std::sync::atomic::Ordering;

use borne_protocol::ipc::{Enrolled, QueueStatus};
use borne_protocol::ErrorBody;
use secrecy::SecretString;

use super::{lock, Kiosk, KioskError};
use crate::staff::{PinGuard, WrongPin};
use crate::ClientError;

/// A wait in whole seconds for `retry_after_seconds`.
fn seconds(wait: std::time::Duration) -> u32 {
    u32::try_from(wait.as_secs()).unwrap_or(u32::MAX)
}

impl Kiosk {
    /// Staff mode: the PIN against its argon2id hash; 5 wrong in a row
    /// lock staff mode for 5 min, the next 5 for 15 min, then 1 h each
    /// time, until the right PIN (`crate::staff::LOCK_STEPS`). The count
    /// and the lock are in the queue's database: a restart keeps them.
    /// Staff mode ends with the session (« Terminer », idle wipe) or
    /// [`Kiosk::staff_logout`].
    pub async fn staff_login(&self, pin: String) -> Result<QueueStatus, ErrorBody> {
        let Some(hash) = self.config.staff_pin_hash.clone() else {
            return Err(KioskError::StaffDisabled.into());
        };
        let _one = self.pin_check.lock().await;
        // The lock counts tries against this PIN only: a new one (set by
        // the town's IT person) starts unlocked.
        let salt = crate::staff::pin_salt(&hash);
        let guard = self
            .queue
            .pin_guard(&salt)
            .await
            .map_err(KioskError::from)?;
        if let Some(wait) = guard.locked_for(self.clock.now()) {
            return Err(KioskError::StaffLocked {
                retry_after_seconds: seconds(wait).max(1),
            }
            .into());
        }
        let right = tokio::task::spawn_blocking(move || crate::staff::verify(&pin, &hash))
            .await
            .unwrap_or(false);
        if !right {
            let now = self.clock.now();
            let wrong = self
                .queue
                .update_pin_guard(&salt, |g| g.wrong(now))
                .await
                .map_err(KioskError::from)?;
            return Err(match wrong {
                WrongPin::TriesLeft(left) => {
                    tracing::warn!(tries_left = left, "wrong staff PIN");
                    KioskError::StaffWrongPin
                }
                WrongPin::Locked(lock) => {
                    tracing::warn!(
                        locked_seconds = lock.as_secs(),
                        "wrong staff PIN: staff mode locked"
                    );
                    KioskError::StaffLocked {
                        retry_after_seconds: seconds(lock),
                    }
                }
            }
            .into());
        }
        if guard != PinGuard::default() {
            self.queue
                .update_pin_guard(&salt, PinGuard::right)
                .await
                .map_err(KioskError::from)?;
        }
        self.staff.store(true, Ordering::SeqCst);
        tracing::info!("staff mode opened");
        Ok(self.sync.status().await.map_err(KioskError::from)?)
    }

    pub fn staff_logout(&self) {
        self.staff.store(false, Ordering::SeqCst);
        tracing::info!("staff mode closed");
    }

    pub fn require_staff(&self) -> Result<(), ErrorBody> {
        Ok(self.staff_required()?)
    }

    pub(super) fn staff_required(&self) -> Result<(), KioskError> {
        if self.staff.load(Ordering::SeqCst) {
            Ok(())
        } else {
            Err(KioskError::StaffRequired)
        }
    }

    /// The queue, for staff.
    pub async fn queue_status(&self) -> Result<QueueStatus, ErrorBody> {
        self.staff_required()?;
        Ok(self.sync.status().await.map_err(KioskError::from)?)
    }

    /// « Envoyer maintenant » (staff): checks the server, then sends what is due.
    pub async fn sync_now(&self) -> Result<QueueStatus, ErrorBody> {
        self.staff_required()?;
        if self.sync.check().await {
            self.queue
                .make_all_due(self.clock.now())
                .await
                .map_err(KioskError::from)?;
            self.sync.pass().await.map_err(KioskError::from)?;
        }
        self.queue_status().await
    }

    /// Staff type the one-time code from `borne-central kiosk enroll`;
    /// the device token it buys is kept in the OS keyring (else the
    /// owner-only file) and used from the next request on.
    pub async fn enroll(&self, code: String) -> Result<Enrolled, ErrorBody> {
        self.staff_required()?;
        let code = code.trim();
        if code.is_empty() || code.len() > 64 {
            return Err(KioskError::EnrollInvalidCode.into());
        }
        let got = self
            .client
            .enroll(code, &self.config.app_version)
            .await
            .map_err(|e| match e {
                ClientError::Unreachable(_) => KioskError::EnrollUnreachable,
                other => other.into(),
            })?;
        let credential = crate::DeviceCredential {
            kiosk_id: got.kiosk_id,
            kiosk_name: got.kiosk_name,
            token: got.token,
        };
        self.store_credential(&credential).await?;
        self.client.set_token(SecretString::from(credential.token));
        self.client.connectivity().set_refused(false);
        *lock(&self.kiosk_name) = Some(credential.kiosk_name.clone());
        tracing::info!(kiosk = %credential.kiosk_id, name = %credential.kiosk_name, "kiosk enrolled");
        self.sync.wake();
        Ok(Enrolled {
            kiosk_name: credential.kiosk_name,
        })
    }

    /// Keeps the device token in the key store (blocking IO off the runtime).
    async fn store_credential(
        &self,
        credential: &crate::DeviceCredential,
    ) -> Result<(), KioskError> {
        let store = self.config.key_store.clone();
        let to_store = credential.clone();
        tokio::task::spawn_blocking(move || store.store_credential(&to_store))
            .await
            .map_err(|e| crate::KeyError::Keyring(e.to_string()))
            .and_then(|r| r)
            .map_err(|e| {
                tracing::error!(error = %e, "the device token could not be stored");
                KioskError::EnrollKeystore
            })
    }
}
