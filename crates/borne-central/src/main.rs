use anyhow::Context;
use std::io::Write;

use borne_central::access::{AccessAction, Accessor};
use borne_central::db::{self, Store};
use borne_central::{releases, staff, Application, Config};
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
    /// Export residents for the town's alerting platform.
    Export {
        #[command(subcommand)]
        what: ExportWhat,
    },
    /// A resident's access or deletion request (Law 25), handled by the
    /// town's privacy officer.
    Resident {
        #[command(subcommand)]
        action: ResidentAction,
    },
    /// Signed kiosk releases the server offers to kiosks (staged rollout).
    Release {
        #[command(subcommand)]
        action: ReleaseAction,
    },
    /// Staff accounts of the administration console (`/admin`).
    Staff {
        #[command(subcommand)]
        action: StaffAction,
    },
    /// Offline registrations whose phone has not confirmed yet.
    Confirmations {
        #[command(subcommand)]
        action: ConfirmationsAction,
    },
}

#[derive(Debug, Subcommand)]
enum ReleaseAction {
    /// Store a signed kiosk build; kiosks offered it update at their next
    /// check (while nobody uses them).
    Add {
        /// linux-x86_64, linux-aarch64, linux-x86_64-deb, linux-aarch64-deb
        /// (the .deb, for kiosks installed from it), windows-x86_64,
        /// darwin-aarch64 or darwin-x86_64.
        #[arg(long)]
        target: String,
        /// Its version (semver), the one its signature binds.
        #[arg(long)]
        version: String,
        /// The file kiosks install (the kiosk executable on Linux).
        #[arg(long)]
        file: std::path::PathBuf,
        /// The `.sig` file `tauri signer sign --app-version` wrote beside it.
        #[arg(long)]
        signature: std::path::PathBuf,
        /// The release public key (`.pub` file, as in `plugins.updater.pubkey`):
        /// the signature must verify with it.
        #[arg(long)]
        pubkey: Option<std::path::PathBuf>,
        #[arg(long, default_value = "")]
        notes: String,
        #[command(flatten)]
        rollout: RolloutArgs,
    },
    /// Every release: target, version, size, SHA-256, who is offered it.
    List,
    /// Change who is offered a release (0 % stops offering it).
    Rollout {
        #[arg(long)]
        target: String,
        #[arg(long)]
        version: String,
        #[command(flatten)]
        rollout: RolloutArgs,
    },
}

/// Who is offered a release: a percentage of kiosks, or one group.
#[derive(Debug, clap::Args)]
#[group(required = true, multiple = false)]
struct RolloutArgs {
    /// This share of kiosks (0–100); the same kiosks go first every time.
    #[arg(long)]
    percent: Option<u8>,
    /// Only the kiosks of this group (`kiosk group`).
    #[arg(long)]
    group: Option<String>,
}

impl RolloutArgs {
    fn rollout(&self) -> anyhow::Result<releases::Rollout> {
        Ok(match (&self.group, self.percent) {
            (Some(g), _) => releases::Rollout::group(g)?,
            (None, Some(p)) => releases::Rollout::percent(p)?,
            (None, None) => anyhow::bail!("--percent or --group"),
        })
    }
}

#[derive(Debug, Subcommand)]
enum StaffAction {
    /// Create an account (the first administrator, say) and print its
    /// one-time setup link (valid 72 h): the person opens it to choose a
    /// password and, optionally, a second factor.
    Add {
        #[arg(long)]
        email: String,
        /// administrator (administrateur), coordinator (coordonnateur) or
        /// privacy_officer (responsable-prp).
        #[arg(long)]
        role: String,
    },
    /// Every account, its role and state.
    List,
}

#[derive(Debug, Subcommand)]
enum ConfirmationsAction {
    /// By kiosk, oldest first: reference, age, channel, messages sent.
    List,
    /// Ask the phone again (it goes out within the send hours).
    Resend {
        /// The registration's id (from `confirmations list`).
        registration: String,
    },
}

#[derive(Debug, Subcommand)]
enum ExportWhat {
    /// One row per resident with their contact points in cascade order
    /// (columns: README.md, « Exports »).
    Contacts {
        /// Only `csv` for now.
        #[arg(long, default_value = "csv")]
        format: String,
        /// Also residents whose number is not confirmed yet (by default
        /// only confirmed alert recipients are exported).
        #[arg(long)]
        include_unconfirmed: bool,
        /// Only profiles saved at or after this date (2026-11-01 or RFC 3339).
        #[arg(long)]
        since: Option<String>,
        /// Write here (created 0600) instead of standard output.
        #[arg(long)]
        output: Option<std::path::PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
enum ResidentAction {
    /// Everything stored about the resident of this number, as JSON.
    Export {
        #[arg(long)]
        phone: String,
    },
    /// Delete the resident's account and all it holds; a record that a
    /// deletion happened is kept, without anything that identifies them.
    Delete {
        #[arg(long)]
        phone: String,
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
    /// Put a kiosk (by id, or every kiosk of that name) in a rollout group.
    Group {
        /// The kiosk's id (from `kiosk list`) or name.
        kiosk: String,
        /// The group (letters, digits, - or _); `--none` takes it out.
        #[arg(required_unless_present = "none")]
        group: Option<String>,
        #[arg(long, conflicts_with = "group")]
        none: bool,
    },
    /// Refuse a kiosk's token from now on (by id, or every kiosk of that name).
    Revoke {
        /// The kiosk's id (from `kiosk list`) or name.
        kiosk: String,
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
    let cli = Cli::parse();
    let lookup = borne_central::config::layered_lookup().context("configuration")?;
    let filter = EnvFilter::try_new(lookup("BORNE_LOG").unwrap_or_else(|| "info".into()))
        .context("BORNE_LOG is not a valid log filter")?;
    // Colours only on a terminal: journald shows a line holding escape
    // codes as « blob data ».
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    match lookup("BORNE_LOG_FORMAT").as_deref() {
        None | Some("text") => logs.init(),
        // One JSON object per line, for a log collector.
        Some("json") => logs.json().flatten_event(true).init(),
        Some(other) => anyhow::bail!("BORNE_LOG_FORMAT must be text or json, got `{other}`"),
    }
    match cli.command {
        Command::Serve => {
            let config = Config::from_lookup(lookup).context("configuration")?;
            let app = Application::build(config).await?;
            app.run_until_stopped(shutdown_signal()).await
        }
        Command::Sends { action } => {
            let (_, url) = Config::database_from_lookup(lookup);
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
        Command::Kiosk { action } => kiosk_command(action, lookup).await,
        Command::Release { action } => release_command(action, lookup).await,
        Command::Staff { action } => {
            let config = Config::from_lookup(&lookup).context("configuration")?;
            let store = Store::connect(config.database_url.expose_secret()).await?;
            let mut out = std::io::stdout().lock();
            match action {
                StaffAction::Add { email, role } => {
                    let email = staff::StaffEmail::parse(&email)
                        .context("--email is not an e-mail address")?;
                    let role = staff::Role::parse(&role)
                        .context("--role must be administrator, coordinator or privacy_officer")?;
                    let new = staff::add(&store, &email, role, db::now()).await?;
                    writeln!(out, "staff {} <{}>", new.id, email.as_str())?;
                    writeln!(
                        out,
                        "setup link (once, until {}): {}",
                        db::rfc3339(new.expires_at),
                        staff::setup_link(&config.admin_url, &new.setup_token)
                    )?;
                }
                StaffAction::List => {
                    for s in store.list_staff().await? {
                        let state = match (s.disabled_at, &s.password_hash) {
                            (Some(_), _) => "disabled",
                            (None, Some(_)) => "active",
                            (None, None) => "waiting for setup",
                        };
                        writeln!(
                            out,
                            "{}  {:<40}  {:<16}  {}{}",
                            s.id,
                            s.email,
                            db::Coded::code(s.role),
                            state,
                            if s.totp_secret.is_some() {
                                ", second factor"
                            } else {
                                ""
                            }
                        )?;
                    }
                }
            }
            Ok(())
        }
        Command::Confirmations { action } => {
            let config = Config::from_lookup(&lookup).context("configuration")?;
            let store = Store::connect(config.database_url.expose_secret()).await?;
            let now = db::now();
            let mut out = std::io::stdout().lock();
            match action {
                ConfirmationsAction::List => {
                    let rows = store.unconfirmed().await?;
                    writeln!(out, "{} unconfirmed registration(s)", rows.len())?;
                    for u in rows {
                        writeln!(
                            out,
                            "{}  ref {}  kiosk {} ({})  {} h old  {}  {} message(s){}",
                            u.registration_id,
                            borne_protocol::registration_reference(&u.registration_id),
                            u.kiosk_id,
                            u.kiosk_name.as_deref().unwrap_or("?"),
                            (now - u.created_at) / 3_600,
                            u.channel.as_str(),
                            u.sends,
                            if u.reminded { ", reminded" } else { "" }
                        )?;
                    }
                }
                ConfirmationsAction::Resend { registration } => {
                    let Some(send_at) = borne_central::confirmations::resend(
                        &store,
                        &config.send_window,
                        &registration,
                        now,
                    )
                    .await?
                    else {
                        anyhow::bail!("no registration {registration} is waiting for confirmation");
                    };
                    writeln!(
                        out,
                        "queued; it goes out {} (send hours {})",
                        if send_at > now {
                            format!("in {} min", (send_at - now + 59) / 60)
                        } else {
                            "now".to_owned()
                        },
                        config.send_window.hours()
                    )?;
                }
            }
            Ok(())
        }
        Command::Export {
            what:
                ExportWhat::Contacts {
                    format,
                    include_unconfirmed,
                    since,
                    output,
                },
        } => {
            if format != "csv" {
                anyhow::bail!("--format: only csv is supported");
            }
            let since = match since {
                Some(s) => Some(
                    borne_central::export::parse_since(&s)
                        .context("--since must be a date (2026-11-01) or an RFC 3339 time")?,
                ),
                None => None,
            };
            let (_, url) = Config::database_from_lookup(&lookup);
            let store = Store::connect(&url).await?;
            let rows = store.export_contacts(!include_unconfirmed, since).await?;
            let csv = borne_central::export::contacts_csv(&rows)?;
            store
                .log_access(
                    &Accessor::command(),
                    AccessAction::ExportContacts,
                    None,
                    Some(&borne_central::export::filters(
                        include_unconfirmed,
                        since,
                        rows.len(),
                    )),
                    db::now(),
                )
                .await?;
            match output {
                Some(path) => {
                    use std::os::unix::fs::OpenOptionsExt;
                    let mut f = std::fs::OpenOptions::new()
                        .write(true)
                        .create(true)
                        .truncate(true)
                        .mode(0o600)
                        .open(&path)
                        .with_context(|| format!("cannot write {}", path.display()))?;
                    f.write_all(&csv)?;
                    eprintln!("{} resident(s) written to {}", rows.len(), path.display());
                }
                None => std::io::stdout().lock().write_all(&csv)?,
            }
            Ok(())
        }
        Command::Resident { action } => {
            let config = Config::from_lookup(&lookup).context("configuration")?;
            let store = Store::connect(config.database_url.expose_secret()).await?;
            let phone = match &action {
                ResidentAction::Export { phone } | ResidentAction::Delete { phone } => phone,
            };
            let phone = borne_domain::PhoneNumber::parse(phone, &config.area_codes)
                .map_err(|e| anyhow::anyhow!("--phone: {e}"))?;
            let account = store
                .account_of(&phone.e164())
                .await?
                .context("no account for this number")?;
            match action {
                ResidentAction::Export { .. } => {
                    let data = store
                        .resident_data(&account)
                        .await?
                        .context("no account for this number")?;
                    store
                        .log_access(
                            &Accessor::command(),
                            AccessAction::Export,
                            Some(&account),
                            None,
                            db::now(),
                        )
                        .await?;
                    writeln!(
                        std::io::stdout().lock(),
                        "{}",
                        serde_json::to_string_pretty(&data)?
                    )?;
                }
                ResidentAction::Delete { .. } => {
                    let record = store
                        .delete_account_logged(&account, &Accessor::command(), db::now())
                        .await?
                        .context("no account for this number")?;
                    writeln!(
                        std::io::stdout().lock(),
                        "account deleted (deletion record {})",
                        record.id
                    )?;
                }
            }
            Ok(())
        }
    }
}

async fn kiosk_command(
    action: KioskAction,
    lookup: impl Fn(&str) -> Option<String>,
) -> anyhow::Result<()> {
    let (_, url) = Config::database_from_lookup(&lookup);
    let store = Store::connect(&url).await?;
    let now = db::now();
    let mut out = std::io::stdout().lock();
    match action {
        KioskAction::Enroll { name } => {
            let e = match borne_central::fleet::enroll(&store, &name, now).await {
                Err(borne_central::fleet::EnrollError::BadName) => {
                    anyhow::bail!("--name must be 1 to 100 characters")
                }
                other => other?,
            };
            writeln!(out, "kiosk {} \"{}\"", e.id, e.name)?;
            writeln!(out, "enrollment code: {}", e.code.expose_secret())?;
            writeln!(
                out,
                "valid until {} (24 h), once: type it in the kiosk's staff panel",
                db::rfc3339(e.expires_at)
            )?;
        }
        KioskAction::List => {
            let silent_after = lookup("BORNE_KIOSK_SILENT_SECONDS")
                .map(|v| v.parse::<i64>())
                .transpose()
                .context("BORNE_KIOSK_SILENT_SECONDS must be a number of seconds")?
                .unwrap_or(900);
            let kiosks = store.list_kiosks().await?;
            writeln!(
                out,
                "{:<36}  {:<24}  {:<8}  {:<10}  {:<7}  {:>5}  {:>8}  {:>9}  {:<20}  {:<10}  GROUP",
                "ID",
                "NAME",
                "STATE",
                "LAST SEEN",
                "MODE",
                "QUEUE",
                "REJECTED",
                "OLDEST",
                "LAST SYNC",
                "VERSION"
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
                    "{:<36}  {:<24}  {:<8}  {:<10}  {:<7}  {:>5}  {:>8}  {:>9}  {:<20}  {:<10}  {}",
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
                    k.update_group.as_deref().unwrap_or("-"),
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
        KioskAction::Group { kiosk, group, .. } => {
            if let Some(g) = &group {
                releases::check_group(g)?;
            }
            let n = store
                .set_kiosk_group(kiosk.trim(), group.as_deref())
                .await?;
            if n == 0 {
                anyhow::bail!("no kiosk with id or name `{kiosk}`");
            }
            match group {
                Some(g) => writeln!(out, "{n} kiosk(s) in group {g}")?,
                None => writeln!(out, "{n} kiosk(s) in no group")?,
            }
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

async fn release_command(
    action: ReleaseAction,
    lookup: impl Fn(&str) -> Option<String>,
) -> anyhow::Result<()> {
    let (_, url) = Config::database_from_lookup(&lookup);
    let store = Store::connect(&url).await?;
    let mut out = std::io::stdout().lock();
    let rollout_text = |r: &releases::Rollout| match r {
        releases::Rollout::Percent(p) => format!("{p} % of kiosks"),
        releases::Rollout::Group(g) => format!("group {g}"),
    };
    match action {
        ReleaseAction::Add {
            target,
            version,
            file,
            signature,
            pubkey,
            notes,
            rollout,
        } => {
            let target: releases::Target = target.parse()?;
            let version = releases::parse_version(&version)?;
            let rollout = rollout.rollout()?;
            let bytes =
                std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let signature = std::fs::read_to_string(&signature)
                .with_context(|| format!("cannot read {}", signature.display()))?;
            let pubkey = pubkey
                .map(|p| {
                    std::fs::read_to_string(&p)
                        .with_context(|| format!("cannot read {}", p.display()))
                })
                .transpose()?;
            releases::check_release(&version, &bytes, &signature, pubkey.as_deref())?;
            releases::check_artifact(target, &bytes)?;
            let sha256 = releases::sha256_hex(&bytes);
            let id = store
                .add_release(
                    &db::NewRelease {
                        target,
                        version: &version,
                        signature: signature.trim(),
                        notes: notes.trim(),
                        sha256: &sha256,
                        artifact: &bytes,
                        rollout: &rollout,
                    },
                    db::now(),
                )
                .await?;
            writeln!(
                out,
                "release {id}: {} {version}, {} bytes, sha256 {sha256}, offered to {}{}",
                target.as_str(),
                bytes.len(),
                rollout_text(&rollout),
                if pubkey.is_some() {
                    "; signature verified"
                } else {
                    ""
                }
            )?;
        }
        ReleaseAction::List => {
            let all = store.list_releases().await?;
            writeln!(
                out,
                "{:<36}  {:<15}  {:<12}  {:>10}  {:<20}  {:<18}  SHA-256",
                "ID", "TARGET", "VERSION", "BYTES", "ADDED", "OFFERED TO"
            )?;
            for r in &all {
                writeln!(
                    out,
                    "{:<36}  {:<15}  {:<12}  {:>10}  {:<20}  {:<18}  {}",
                    r.id,
                    r.target,
                    r.version,
                    r.size,
                    db::rfc3339(r.created_at),
                    rollout_text(&r.rollout),
                    r.sha256
                )?;
            }
            writeln!(out, "{} release(s)", all.len())?;
        }
        ReleaseAction::Rollout {
            target,
            version,
            rollout,
        } => {
            let target: releases::Target = target.parse()?;
            let version = releases::parse_version(&version)?;
            let rollout = rollout.rollout()?;
            if !store.set_rollout(target, &version, &rollout).await? {
                anyhow::bail!("no release {version} for {}", target.as_str());
            }
            writeln!(
                out,
                "{} {version} is offered to {}",
                target.as_str(),
                rollout_text(&rollout)
            )?;
        }
    }
    Ok(())
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
