use anyhow::Context;
use std::io::Write;

use borne_central::codes;
use borne_central::db::{self, Store};
use borne_central::{Application, Config};
use clap::{Parser, Subcommand};
use secrecy::ExposeSecret;
use tracing_subscriber::EnvFilter;

/// Borne's central server.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the API and the delivery worker (configuration: BORNE_* variables, see README).
    Serve,
    /// The cost breaker: see whether automatic sends are paused, resume them.
    Sends {
        #[command(subcommand)]
        action: SendsAction,
    },
    /// Enroll, list and revoke kiosks.
    Kiosk {
        #[command(subcommand)]
        action: KioskAction,
    },
}

#[derive(Debug, Subcommand)]
enum KioskAction {
    /// Make a one-time enrollment code (valid 24 h) for a new kiosk; staff
    /// type it in the kiosk's staff panel.
    Enroll {
        /// Where the kiosk stands, e.g. "Hôtel de ville — hall".
        #[arg(long)]
        name: String,
    },
    /// Every kiosk with its state and last heartbeat; silent ones are flagged.
    List,
    /// Refuse a kiosk's token from now on (by id, or every kiosk of that name).
    Revoke {
        /// The kiosk's id (from `kiosk list`) or name.
        kiosk: String,
    },
}

/// How long an enrollment code stays valid.
const ENROLLMENT_TTL_SECONDS: i64 = 24 * 3_600;

#[derive(Debug, Subcommand)]
enum SendsAction {
    /// Print whether sends are paused, why, and the sends of the last hour.
    Status,
    /// Resume automatic sends after the cost breaker paused them.
    Resume,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_env("BORNE_LOG").unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    match Cli::parse().command {
        Command::Serve => {
            let config = Config::from_env().context("configuration")?;
            let app = Application::build(config).await?;
            app.run_until_stopped(shutdown_signal()).await
        }
        Command::Sends { action } => {
            let (_, url) = Config::database_from_lookup(|k| std::env::var(k).ok());
            let store = Store::connect(&url).await?;
            let now = db::now();
            if matches!(action, SendsAction::Resume) {
                store.resume_sends(now).await?;
            }
            let state = store.breaker().await?;
            let last_hour = store.sends_since(now - 3_600).await?;
            let mut out = std::io::stdout().lock();
            match (state.paused_at, state.reason) {
                (Some(at), reason) => writeln!(
                    out,
                    "sends PAUSED since {} ({}s ago): {}",
                    at,
                    now - at,
                    reason.unwrap_or_default()
                )?,
                (None, _) => writeln!(out, "sends running")?,
            }
            writeln!(out, "sends in the last hour: {last_hour}")?;
            Ok(())
        }
        Command::Kiosk { action } => kiosk_command(action).await,
    }
}

async fn kiosk_command(action: KioskAction) -> anyhow::Result<()> {
    let lookup = |k: &str| std::env::var(k).ok();
    let (_, url) = Config::database_from_lookup(lookup);
    let store = Store::connect(&url).await?;
    let now = db::now();
    let mut out = std::io::stdout().lock();
    match action {
        KioskAction::Enroll { name } => {
            let name = name.trim();
            if name.is_empty() || name.chars().count() > 100 {
                anyhow::bail!("--name must be 1 to 100 characters");
            }
            let code = codes::generate_enrollment_code();
            let expires_at = now + ENROLLMENT_TTL_SECONDS;
            let id = store
                .create_kiosk(
                    name,
                    &codes::enrollment_code_hash(code.expose_secret()),
                    now,
                    expires_at,
                )
                .await?;
            writeln!(out, "kiosk {id} \"{name}\"")?;
            writeln!(out, "enrollment code: {}", code.expose_secret())?;
            writeln!(
                out,
                "valid until {} (24 h), once: type it in the kiosk's staff panel",
                rfc3339(expires_at)
            )?;
        }
        KioskAction::List => {
            let silent_after = std::env::var("BORNE_KIOSK_SILENT_SECONDS")
                .ok()
                .map(|v| v.parse::<i64>())
                .transpose()
                .context("BORNE_KIOSK_SILENT_SECONDS must be a number of seconds")?
                .unwrap_or(900);
            let kiosks = store.list_kiosks().await?;
            writeln!(
                out,
                "{:<36}  {:<24}  {:<8}  {:<10}  {:<7}  {:>5}  {:>8}  {:>9}  {:<20}  VERSION",
                "ID",
                "NAME",
                "STATE",
                "LAST SEEN",
                "MODE",
                "QUEUE",
                "REJECTED",
                "OLDEST",
                "LAST SYNC"
            )?;
            for k in &kiosks {
                let seen = match k.last_seen_at {
                    Some(t) => format!("{}s ago", now - t),
                    None => "never".into(),
                };
                let state = if k.silent(now, silent_after) {
                    "SILENT"
                } else {
                    k.state(now)
                };
                let num = |n: Option<i64>| n.map_or("-".into(), |n| n.to_string());
                writeln!(
                    out,
                    "{:<36}  {:<24}  {:<8}  {:<10}  {:<7}  {:>5}  {:>8}  {:>9}  {:<20}  {}",
                    k.id,
                    k.name,
                    state,
                    seen,
                    k.mode.as_deref().unwrap_or("-"),
                    num(k.queue_depth),
                    num(k.queue_rejected),
                    k.oldest_pending_seconds
                        .map_or("-".into(), |s| format!("{s}s")),
                    k.last_sync_at.as_deref().unwrap_or("-"),
                    k.app_version.as_deref().unwrap_or("-"),
                )?;
            }
            let silent = kiosks
                .iter()
                .filter(|k| k.silent(now, silent_after))
                .count();
            writeln!(
                out,
                "{} kiosk(s); {silent} silent for more than {silent_after}s",
                kiosks.len()
            )?;
        }
        KioskAction::Revoke { kiosk } => {
            let n = store.revoke_kiosk(kiosk.trim(), now).await?;
            if n == 0 {
                anyhow::bail!("no kiosk with id or name `{kiosk}` that is not already revoked");
            }
            writeln!(
                out,
                "revoked {n} kiosk(s): their requests are refused from now on"
            )?;
        }
    }
    Ok(())
}

fn rfc3339(t: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(t)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down");
}
