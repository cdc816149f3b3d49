//! The kiosk service: one resident's session through steps 1 to 6. Every
//! method returns what the UI shows, or an [`ErrorBody`](wire::ErrorBody) it translates
//! (made from a [`KioskError`]).
//!
//! `session.rs` is where the resident stands, `signup.rs` steps 1 to 4,
//! `profile.rs` step 5 and what follows a login, `staff.rs` staff mode
//! and enrollment, `error.rs` the reasons a step fails.

mod error;
mod profile;
mod session;
mod signup;
mod staff;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use borne_domain::{ConsentRecord, CONSENT_TEXT_VERSION};
use borne_protocol as wire;
use borne_protocol::ipc::{Connectivity, KioskInfo};
use secrecy::{ExposeSecret, SecretString};

use crate::{
    Captcha, CaptchaService, CentralClient, ClientError, Clock, KioskConfig, Queue, SyncWorker,
};
pub use error::KioskError;
use session::Session;

#[derive(Debug)]
pub struct Kiosk {
    config: KioskConfig,
    client: CentralClient,
    captchas: CaptchaService,
    /// Where the resident stands.
    session: Mutex<Session>,
    /// Step 1's picture, good for one answer. Beside the session: going
    /// back to step 1 for another code keeps the code already sent.
    captcha: Mutex<Option<Captcha>>,
    /// Staff mode is open (PIN accepted); wiped with the session.
    staff: AtomicBool,
    queue: Queue,
    sync: SyncWorker,
    /// One staff PIN checked at a time: tries made together cannot
    /// outrun the lock (whose count is in the queue's database).
    pin_check: tokio::sync::Mutex<()>,
    clock: Clock,
    /// The name the central server gave this kiosk at enrollment.
    kiosk_name: Mutex<Option<String>>,
}

/// Why the kiosk cannot start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Key(#[from] crate::KeyError),
    #[error(transparent)]
    Queue(#[from] crate::QueueError),
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error("data directory {0}: {1}")]
    DataDir(String, std::io::Error),
}

/// A lock that outlives a panic elsewhere (the data stays usable).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Kiosk {
    /// Opens the queue (making its key on first start) and the client.
    /// The caller spawns [`Kiosk::sync_worker`]`.run()`. `clock` is
    /// [`Clock::system`] but in tests.
    pub async fn open(
        config: KioskConfig,
        captchas: CaptchaService,
        clock: Clock,
    ) -> Result<Self, StartError> {
        std::fs::create_dir_all(&config.data_dir)
            .map_err(|e| StartError::DataDir(config.data_dir.display().to_string(), e))?;
        let (key, source) = config.key_store.load_or_create()?;
        tracing::info!(key_store = ?source, "queue key loaded");
        let queue = Queue::open(&config.data_dir.join("queue.sqlite"), &key).await?;
        let credential = config.key_store.load_credential()?;
        match &credential {
            Some(c) => {
                tracing::info!(kiosk = %c.kiosk_id, name = %c.kiosk_name, "device token loaded")
            }
            None => tracing::warn!(
                "this kiosk is not enrolled: staff must type an enrollment code in the staff panel"
            ),
        }
        let client = CentralClient::new(
            &config.central_url,
            credential
                .as_ref()
                .map(|c| SecretString::from(c.token.clone())),
            config.request_timeout,
            Arc::default(),
        )?;
        let sync = SyncWorker::new(
            queue.clone(),
            client.clone(),
            crate::SyncConfig {
                app_version: config.app_version.clone(),
                ..config.sync.clone()
            },
            clock.clone(),
        );
        Ok(Self {
            config,
            client,
            captchas,
            session: Mutex::default(),
            captcha: Mutex::default(),
            staff: AtomicBool::new(false),
            queue,
            sync,
            pin_check: tokio::sync::Mutex::default(),
            clock,
            kiosk_name: Mutex::new(credential.map(|c| c.kiosk_name)),
        })
    }

    /// The background sync loop to spawn, and « Envoyer maintenant ».
    pub fn sync_worker(&self) -> SyncWorker {
        self.sync.clone()
    }

    pub fn connectivity(&self) -> Connectivity {
        let c = self.client.connectivity();
        Connectivity {
            online: c.is_online(),
            refused: c.is_refused() || !self.client.is_enrolled(),
            update_ready: false,
        }
    }

    pub fn info(&self) -> KioskInfo {
        KioskInfo {
            town_name: self.config.town_name.clone(),
            town_designation: self.config.town_designation,
            english_enabled: self.config.english_enabled,
            consent_text_version: CONSENT_TEXT_VERSION.into(),
            app_version: self.config.app_version.clone(),
            idle_seconds: self.config.idle_seconds,
            idle_warning_seconds: self.config.idle_warning_seconds,
            staff_enabled: self.config.staff_pin_hash.is_some(),
            enrolled: self.client.is_enrolled(),
            kiosk_name: lock(&self.kiosk_name).clone(),
            categories: self.config.categories.clone(),
            send_hours: self.config.send_hours.clone(),
            privacy_officer: self.config.privacy_officer.clone(),
            help: self.config.help.clone(),
        }
    }

    /// Nobody is using the kiosk: no resident session, no staff (updates
    /// are fetched and installed only then).
    /// Where to ask for updates, once enrolled and unless
    /// `BORNE_KIOSK_UPDATES=0`.
    pub fn update_source(&self) -> Option<crate::UpdateSource> {
        if !self.config.updates {
            return None;
        }
        let token = self.client.token()?;
        let source = crate::UpdateSource::new(&self.config.central_url, token);
        Some(match &self.config.update_spool {
            Some(spool) => source.packaged(spool.clone()),
            None => source,
        })
    }

    pub fn is_idle(&self) -> bool {
        !self.staff.load(Ordering::SeqCst)
            && self.session().is_idle()
            && lock(&self.captcha).is_none()
    }

    /// Forgets everything about the current resident, and staff mode;
    /// a central session is ended on the server too, without waiting.
    pub fn reset(&self) {
        if let Some(token) = self.wipe() {
            self.end_central_session(token);
        }
    }

    /// Forgets everything about the current resident, and staff mode;
    /// answers the central session it held, if any.
    fn wipe(&self) -> Option<SecretString> {
        let ended = std::mem::take(&mut *self.session());
        *lock(&self.captcha) = None;
        self.staff.store(false, Ordering::SeqCst);
        tracing::info!("session wiped");
        ended.token().cloned()
    }

    /// Changes the resident's session; a central session the change drops
    /// (a new code asked, another login, the offline variant) is ended on
    /// the server too, without waiting, as the wipe ends it.
    fn change_session<T>(&self, change: impl FnOnce(&mut Session) -> T) -> T {
        let (answer, dropped) = {
            let mut session = self.session();
            let before = session.token().cloned();
            let answer = change(&mut session);
            let kept = matches!(
                (&before, session.token()),
                (Some(b), Some(a)) if b.expose_secret() == a.expose_secret()
            );
            (answer, before.filter(|_| !kept))
        };
        if let Some(token) = dropped {
            self.end_central_session(token);
        }
        answer
    }

    /// `DELETE /v1/session` in the background: the wipe never waits on
    /// the network, and a failure is only logged (the session then ends
    /// by its own expiry on the server).
    fn end_central_session(&self, token: SecretString) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            tracing::warn!("no runtime to end the central session: it ends by its expiry");
            return;
        };
        let client = self.client.clone();
        runtime.spawn(async move {
            match client.end_session(&token).await {
                Ok(()) => tracing::info!("central session ended"),
                Err(ClientError::Api { status, body }) => tracing::warn!(
                    status,
                    code = %body.code,
                    "the central server did not end the session: it ends by its expiry"
                ),
                Err(e) => tracing::warn!(
                    error = %e,
                    "the central session could not be ended: it ends by its expiry"
                ),
            }
        });
    }

    fn session(&self) -> MutexGuard<'_, Session> {
        lock(&self.session)
    }

    fn consent(&self, language: wire::Language, staff_assisted: bool) -> wire::Consent {
        let consent = wire::Consent {
            text_version: CONSENT_TEXT_VERSION.into(),
            language,
            accepted_at: now_rfc3339(),
            kiosk_id: self.config.kiosk_id.clone(),
            staff_assisted,
        };
        debug_assert!(ConsentRecord::is_known_version(&consent.text_version));
        consent
    }

    /// A new resident's form: the town and their language. No contact
    /// point: the UI puts the signup phone first and asks the resident
    /// whether it is a cell phone or a landline (how the code was sent
    /// says nothing of it; a wrong guess loses SMS alerts).
    fn default_profile(&self, language: wire::Language) -> wire::Profile {
        wire::Profile {
            language,
            city: self.config.town_name.clone(),
            ..Default::default()
        }
    }
}

fn now_rfc3339() -> String {
    wire::rfc3339::now()
}

#[cfg(test)]
mod tests;
