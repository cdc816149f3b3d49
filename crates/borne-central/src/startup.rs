//! Builds the server: database, the HTTP API on its two listeners (public,
//! administration) and the delivery worker, side by side, with graceful
//! shutdown.

use std::future::Future;
use std::sync::Arc;

use anyhow::Context;
use secrecy::ExposeSecret;
use tokio::net::TcpListener;
use tokio::sync::{watch, Notify};

use crate::codes::HashGate;
use crate::config::TelephonyKind;
use crate::db::{Store, WalCheckpoint};
use crate::http::{admin_router, bind, public_router, serve, AppState};
use crate::metrics::Metrics;
use crate::outbox::Worker;
use crate::telephony::{ConsoleProvider, Telephony, TwilioProvider};
use crate::Config;

#[derive(Debug)]
pub struct Application {
    listener: TcpListener,
    /// `/v1/admin/*`, `/metrics` and the probes (`BORNE_ADMIN_LISTEN`).
    admin_listener: TcpListener,
    state: AppState,
    worker: Worker,
}

impl Application {
    /// Opens the database (running migrations) and binds both listeners.
    /// `127.0.0.1:0` picks a free port; see [`Application::port`] and
    /// [`Application::admin_port`].
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let database_url = config.database_url.expose_secret();
        if database_url.starts_with("sqlite://") && !database_url.contains(":memory:") {
            std::fs::create_dir_all(&config.data_dir).with_context(|| {
                format!("cannot create data directory {}", config.data_dir.display())
            })?;
        }
        let store = Store::connect(database_url).await?;
        let listener =
            bind(config.listen).with_context(|| format!("cannot listen on {}", config.listen))?;
        let admin_listener = bind(config.admin_listen).with_context(|| {
            format!(
                "cannot listen on {} (BORNE_ADMIN_LISTEN)",
                config.admin_listen
            )
        })?;
        let (provider, twilio_auth_token): (Arc<dyn Telephony>, _) = match &config.telephony {
            TelephonyKind::Console => (
                Arc::new(ConsoleProvider::new(config.console_outbox.clone())),
                config.console_webhook_token.clone(),
            ),
            TelephonyKind::Twilio(twilio) => (
                Arc::new(TwilioProvider::new(twilio.clone()).map_err(anyhow::Error::msg)?),
                Some(twilio.auth_token.clone()),
            ),
        };
        let wake = Arc::new(Notify::new());
        let metrics = Arc::new(Metrics::default());
        let worker = Worker {
            store: store.clone(),
            provider,
            wake: wake.clone(),
            town_name: config.town_name.clone(),
            limits: config.limits.clone(),
            send_window: config.send_window.clone(),
            reminder_after: config.confirmation_reminder_after,
            metrics: metrics.clone(),
            clock: crate::clock::Clock::system(),
            pacing: config.pacing,
            in_hand: Arc::default(),
        };
        let hashes = HashGate::new(&config.hashing);
        let intake = crate::ingest::Intake::new(&config.sync_intake);
        let state = AppState {
            store,
            config: Arc::new(config),
            wake,
            metrics,
            twilio_auth_token,
            in_flight: Arc::default(),
            hashes,
            intake,
            release_files: Arc::default(),
        };
        Ok(Self {
            listener,
            admin_listener,
            state,
            worker,
        })
    }

    pub fn port(&self) -> u16 {
        self.listener.local_addr().map(|a| a.port()).unwrap_or(0)
    }

    /// The administration listener's port.
    pub fn admin_port(&self) -> u16 {
        self.admin_listener
            .local_addr()
            .map(|a| a.port())
            .unwrap_or(0)
    }

    /// The gate every argon2 run of this server goes through (a test
    /// holds its turns to see the server saturated).
    pub fn hash_gate(&self) -> HashGate {
        self.state.hashes.clone()
    }

    /// Serves until `shutdown` completes, then lets in-flight requests and
    /// the delivery in hand finish.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let (stop_tx, stop_rx) = watch::channel(false);
        let retention = tokio::spawn(retention(self.state.clone(), stop_rx.clone()));
        let worker = tokio::spawn(self.worker.run(stop_rx));
        tracing::info!(
            addr = %self.listener.local_addr()?,
            admin = %self.admin_listener.local_addr()?,
            "borne-central listening"
        );
        // Both listeners stop accepting when `shutdown` completes.
        let (http_stop_tx, http_stop) = watch::channel(false);
        let stopped = |mut rx: watch::Receiver<bool>| async move {
            let _ = rx.wait_for(|stop| *stop).await;
        };
        let limits = self.state.config.http.clone();
        let public = serve(
            self.listener,
            public_router(self.state.clone()),
            &limits,
            stopped(http_stop.clone()),
        );
        let admin = serve(
            self.admin_listener,
            admin_router(self.state),
            &limits,
            stopped(http_stop),
        );
        let signal = async move {
            shutdown.await;
            let _ = http_stop_tx.send(true);
        };
        tokio::join!(public, admin, signal);
        let _ = stop_tx.send(true);
        worker.await.context("delivery worker panicked")?;
        retention.await.context("retention job panicked")?;
        Ok(())
    }
}

/// The retention job: at start, then every `retention_interval`: purges
/// what is no longer needed, then truncates SQLite's write-ahead log
/// (which still holds the pages as they were before the deletions).
async fn retention(state: AppState, mut stop: watch::Receiver<bool>) {
    loop {
        let now = crate::db::now();
        let cfg = &state.config;
        let unverified = crate::db::secs(cfg.retention_unverified);
        match state
            .store
            .purge(now, now - unverified, cfg.session_limits())
            .await
        {
            Ok(p) => {
                state.metrics.purged(&p);
                if p != crate::db::Purged::default() {
                    tracing::info!(
                        unverified_accounts = p.unverified_accounts,
                        codes = p.codes,
                        delivery_secrets = p.delivery_secrets,
                        sessions = p.sessions,
                        login_failures = p.login_failures,
                        "retention: purged"
                    );
                }
            }
            Err(e) => tracing::error!(error = %e, "retention job failed"),
        }
        let access_log_before = now - crate::db::secs(cfg.retention_access_log);
        match (
            state
                .store
                .purge_staff_sessions(now, cfg.admin_session)
                .await,
            state.store.purge_access_log(access_log_before).await,
        ) {
            (Ok(sessions), Ok(entries)) if sessions + entries > 0 => {
                tracing::info!(
                    staff_sessions = sessions,
                    access_log = entries,
                    "retention: purged"
                );
            }
            (Ok(_), Ok(_)) => {}
            (Err(e), _) | (_, Err(e)) => {
                tracing::error!(error = %e, "retention job failed (console)");
            }
        }
        match state.store.truncate_wal().await {
            Ok(WalCheckpoint::Truncated | WalCheckpoint::NotApplicable) => {}
            Ok(WalCheckpoint::Busy) => {
                tracing::warn!("retention: the WAL is busy, it will be truncated next time");
            }
            Err(e) => tracing::error!(error = %e, "retention: WAL checkpoint failed"),
        }
        tokio::select! {
            _ = stop.changed() => return,
            () = tokio::time::sleep(cfg.retention_interval) => {}
        }
    }
}
