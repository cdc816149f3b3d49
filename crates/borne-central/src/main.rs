use anyhow::Context;
use std::io::Write;

use borne_central::db::{self, Store};
use borne_central::{Application, Config};
use clap::{Parser, Subcommand};
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
}

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
    }
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
