//! Storage: intent-level methods over SQLite (embedded, the default) or
//! PostgreSQL (several instances on one database). No SQL leaves this
//! module.
//!
//! One implementation serves both engines: the statements are written in
//! the SQL both understand (`$1` placeholders, `ON CONFLICT`, `RETURNING`,
//! integers for times and flags) and run through sqlx's `Any` driver; where
//! the engines must differ (opening, locking, migrations) [`Engine`] says
//! how. Each engine has its own migrations.

use std::time::Duration;

use anyhow::Context;
use borne_domain::{Channel, ConsentRecord, Language, PhoneNumber, Profile};
use borne_protocol as wire;
use secrecy::{ExposeSecret, SecretString};
use sqlx::any::AnyPoolOptions;
use sqlx::{AnyConnection, AnyPool, Executor, Row};
use uuid::Uuid;

use crate::config::Limits;

mod confirmations;
mod kiosks;
mod registrations;
mod residents;
mod retention;
pub use confirmations::{ConfirmedVia, PendingConfirmation, Refused, Unconfirmed};
pub use kiosks::{KioskAuth, KioskRecord};
pub use registrations::{IngestPolicy, Ingested, NewRegistration, Outcome, StoredPendingChange};
pub use residents::{DeletionBy, ExportContact, ExportRow};
pub use retention::Purged;

pub type Timestamp = i64;

pub fn now() -> Timestamp {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// A stored time as RFC 3339 (UTC), as the API and the exports write it.
pub fn rfc3339(t: Timestamp) -> String {
    wire::rfc3339::from_unix(t)
}

/// `profiles.categories` (ids joined by commas) as a list.
fn categories_column(text: &str) -> Vec<String> {
    text.split(',')
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The database engine behind a [`Store`], from its URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    pub fn of_url(url: &str) -> anyhow::Result<Self> {
        if url.starts_with("sqlite:") {
            Ok(Self::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Self::Postgres)
        } else {
            anyhow::bail!("BORNE_DATABASE_URL must start with sqlite: or postgres://")
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
        }
    }

    fn migrator(self) -> &'static sqlx::migrate::Migrator {
        match self {
            Self::Sqlite => &SQLITE_MIGRATIONS,
            Self::Postgres => &POSTGRES_MIGRATIONS,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    engine: Engine,
}

/// The variable naming the PostgreSQL server tests and benchmarks use
/// (`postgres://user:password@host:port/database`, a role that may create
/// databases); unset, they use SQLite only.
pub const TEST_POSTGRES_URL_VAR: &str = "BORNE_TEST_POSTGRES_URL";

/// An empty database for a test or a benchmark: a new SQLite file in
/// `dir` for `Engine::Sqlite`; for `Engine::Postgres`, a new database
/// (`borne_test_…`) on the server `BORNE_TEST_POSTGRES_URL` names.
/// `scripts/postgres.sh --drop-test-databases` removes them.
pub async fn scratch_database(engine: Engine, dir: &std::path::Path) -> anyhow::Result<String> {
    match engine {
        Engine::Sqlite => Ok(format!(
            "sqlite://{}",
            dir.join(format!("central-{}.sqlite", Uuid::new_v4().simple()))
                .display()
        )),
        Engine::Postgres => {
            use sqlx::Connection;
            sqlx::any::install_default_drivers();
            let admin = std::env::var(TEST_POSTGRES_URL_VAR)
                .with_context(|| format!("{TEST_POSTGRES_URL_VAR} is not set"))?;
            let name = format!("borne_test_{}", Uuid::new_v4().simple());
            let mut conn = AnyConnection::connect(&admin)
                .await
                .with_context(|| format!("cannot connect to {TEST_POSTGRES_URL_VAR}"))?;
            conn.execute(format!("CREATE DATABASE {name}").as_str())
                .await?;
            conn.close().await?;
            let server = admin.split('?').next().unwrap_or(&admin);
            let (server, _) = server
                .rsplit_once('/')
                .filter(|(s, _)| s.contains("//"))
                .with_context(|| format!("{TEST_POSTGRES_URL_VAR} has no database name"))?;
            Ok(format!("{server}/{name}"))
        }
    }
}

/// The engine tests run on: PostgreSQL when `BORNE_TEST_ENGINE=postgres`.
pub fn test_engine() -> Engine {
    match std::env::var("BORNE_TEST_ENGINE").as_deref() {
        Ok("postgres") => Engine::Postgres,
        _ => Engine::Sqlite,
    }
}

/// A flag as both engines store it (INTEGER 0/1).
fn flag(b: bool) -> i64 {
    i64::from(b)
}

/// A stored small count (order, seconds) back in the domain's type.
fn int(v: i64) -> u32 {
    u32::try_from(v).unwrap_or_default()
}

/// What `issue_code` needs: a new or existing account, the consent just
/// given, and the code to deliver.
#[derive(Debug)]
pub struct NewCode<'a> {
    pub phone: &'a PhoneNumber,
    pub language: Language,
    pub channel: Channel,
    pub consent: &'a ConsentRecord,
    pub code_hash: String,
    pub code: &'a SecretString,
    /// The kiosk that asked (authenticated name, or the one it declared).
    pub kiosk_id: &'a str,
    pub now: Timestamp,
    pub expires_at: Timestamp,
}

/// A code was issued and its delivery queued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issued {
    pub delivery_id: String,
    /// The channel that will be used: a number that opted out of SMS gets
    /// a call instead.
    pub channel: Channel,
    pub fallback: Option<&'static str>,
}

#[derive(Debug, thiserror::Error)]
pub enum IssueError {
    /// A cap was reached; nothing was written.
    #[error("limit {limit} reached")]
    Limited {
        limit: &'static str,
        retry_after: Duration,
    },
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Failures this far apart start the count again (seconds).
const LOGIN_FAILURES_FORGOTTEN_AFTER: i64 = 900;

/// Who failed logins are counted for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginScope {
    Phone,
    Kiosk,
}

impl LoginScope {
    fn as_str(self) -> &'static str {
        match self {
            Self::Phone => "phone",
            Self::Kiosk => "kiosk",
        }
    }
}

/// A login delay in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginDelay {
    pub until: Timestamp,
    /// The failure that set it: a code issued after it is not delayed.
    pub last_failure: Timestamp,
}

/// The cost breaker's stored state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BreakerState {
    pub paused_at: Option<Timestamp>,
    pub reason: Option<String>,
    pub resumed_at: Option<Timestamp>,
}

/// What a delivery looks like to the kiosk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryView {
    pub state: String,
    pub channel: Channel,
    pub fallback: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ActiveCode {
    pub id: String,
    pub account_id: String,
    pub code_hash: String,
    pub attempts: i64,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
}

/// A delivery a worker has leased.
#[derive(Debug, Clone)]
pub struct DeliveryJob {
    pub id: String,
    pub to_phone: String,
    pub channel: Channel,
    pub language: Language,
    pub secret: Option<SecretString>,
    pub attempts: i64,
    pub expires_at: Timestamp,
    pub purpose: Purpose,
}

/// Why a delivery exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Purpose {
    /// A one-time code a resident asked for at a kiosk (the secret).
    Code,
    /// Asks the phone to confirm a synced registration (no secret): the
    /// resident answers OUI, or presses 1. Only within the send hours.
    Confirmation { registration_id: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryOutcome {
    Sent {
        provider_id: String,
    },
    /// The number takes no SMS: send the same code by call, now.
    SwitchToVoice {
        error: String,
    },
    Retry {
        at: Timestamp,
        error: String,
    },
    Failed {
        error: String,
    },
    Expired,
    /// Nothing to send any more (the confirmation was answered or
    /// superseded meanwhile).
    Cancelled,
}

/// Which cap, if any, refuses one more message to this number (or code
/// from this kiosk), and for how long. A cap of 0 is off.
///
/// Messages count when they went out (`sent_at`), not when their row was
/// made: a backlog of deliveries waiting for a cap or for the send hours
/// has cost nothing yet, and must not all go out back to back once the
/// window opens. A code waiting for the worker counts from its request
/// (it goes out within seconds).
///
/// `kiosk_id` `None` leaves the per-kiosk cap out (confirmations of
/// synced registrations, which count in no kiosk's hourly codes);
/// `exclude` is a delivery not to count (the one being checked).
async fn caps_wait(
    conn: &mut AnyConnection,
    phone: &str,
    kiosk_id: Option<&str>,
    exclude: Option<&str>,
    caps: &Limits,
    now: Timestamp,
) -> Result<Option<(&'static str, Duration)>, sqlx::Error> {
    let checks = [
        (
            "number_interval",
            "to_phone",
            phone,
            secs(caps.number_min_interval),
            1,
        ),
        (
            "number_10_min",
            "to_phone",
            phone,
            600,
            caps.number_per_10_min,
        ),
        ("number_day", "to_phone", phone, 86_400, caps.number_per_day),
        (
            "kiosk_hour",
            "kiosk_id",
            kiosk_id.unwrap_or_default(),
            3_600,
            if kiosk_id.is_some() {
                caps.kiosk_per_hour
            } else {
                0
            },
        ),
    ];
    let mut limited: Option<(&'static str, i64)> = None;
    for (limit, column, key, window, cap) in checks {
        if cap == 0 || window == 0 {
            continue;
        }
        // A kiosk's hourly cap counts the codes it asked for.
        let only_codes = if column == "kiosk_id" {
            " AND registration_id IS NULL"
        } else {
            ""
        };
        // The cap-th most recent message in the window, if there is one,
        // decides when the next one is allowed.
        let sql = format!(
            "SELECT t FROM (SELECT COALESCE(sent_at, created_at) AS t FROM deliveries
                             WHERE {column} = $1 AND id != $2{only_codes}
                               AND (sent_at IS NOT NULL
                                    OR (state = 'pending' AND code_id IS NOT NULL))) AS counted
             WHERE t > $3 ORDER BY t DESC LIMIT 1 OFFSET $4"
        );
        let nth: Option<i64> = sqlx::query_scalar(&sql)
            .bind(key)
            .bind(exclude.unwrap_or_default())
            .bind(now - window)
            .bind(i64::from(cap) - 1)
            .fetch_optional(&mut *conn)
            .await?;
        if let Some(t) = nth {
            let wait = (t + window - now).max(1);
            if limited.is_none_or(|(_, w)| wait > w) {
                limited = Some((limit, wait));
            }
        }
    }
    Ok(limited.map(|(limit, wait)| (limit, Duration::from_secs(u64::try_from(wait).unwrap_or(1)))))
}

/// The profile and its contact points, replacing what the account had.
/// `new_account`: the account was created in this transaction with the
/// profile's language, so it has nothing to replace (sync ingest).
async fn write_profile(
    conn: &mut AnyConnection,
    account_id: &str,
    p: &Profile,
    now: Timestamp,
    new_account: bool,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO profiles (account_id, name, first_name, language, city, street,
                               civic_number, apartment, postal_code, newsletter, updated_at,
                               categories)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
         ON CONFLICT (account_id) DO UPDATE SET
            name = excluded.name, first_name = excluded.first_name,
            language = excluded.language, city = excluded.city, street = excluded.street,
            civic_number = excluded.civic_number, apartment = excluded.apartment,
            postal_code = excluded.postal_code, newsletter = excluded.newsletter,
            updated_at = excluded.updated_at, categories = excluded.categories",
    )
    .bind(account_id)
    .bind(p.name())
    .bind(p.first_name())
    .bind(p.language().as_str())
    .bind(p.city())
    .bind(p.street())
    .bind(p.civic_number())
    .bind(p.apartment())
    .bind(p.postal_code().map(|c| c.as_str()))
    .bind(flag(p.newsletter()))
    .bind(now)
    .bind(p.categories().join(","))
    .execute(&mut *conn)
    .await?;
    if !new_account {
        sqlx::query("DELETE FROM contact_points WHERE account_id = $1")
            .bind(account_id)
            .execute(&mut *conn)
            .await?;
    }
    for c in p.contacts() {
        sqlx::query(
            "INSERT INTO contact_points (account_id, position, active, description, kind,
                                         value, extension, extension_delay_seconds)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(account_id)
        .bind(i64::from(c.order()))
        .bind(flag(c.active()))
        .bind(c.description())
        .bind(c.kind().as_str())
        .bind(c.value().canonical())
        .bind(c.extension())
        .bind(i64::from(c.extension_delay_seconds()))
        .execute(&mut *conn)
        .await?;
    }
    if !new_account {
        sqlx::query("UPDATE accounts SET language = $1 WHERE id = $2")
            .bind(p.language().as_str())
            .bind(account_id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// The channel a code for `phone` goes by: a number that texted STOP gets
/// a call instead of an SMS, and the delivery says why.
async fn channel_for(
    conn: &mut AnyConnection,
    phone: &str,
    asked: Channel,
) -> Result<(Channel, Option<&'static str>), sqlx::Error> {
    let opted_out: Option<i64> =
        sqlx::query_scalar("SELECT opted_out FROM sms_opt_outs WHERE phone = $1")
            .bind(phone)
            .fetch_optional(&mut *conn)
            .await?;
    Ok(match (asked, opted_out) {
        (Channel::Sms, Some(1)) => (Channel::Voice, Some("sms_opted_out")),
        (other, _) => (other, None),
    })
}

/// Supersedes the account's active code and its unsent delivery, then
/// stores a new active code (its hash). Returns the new code's id.
async fn replace_active_code(
    conn: &mut AnyConnection,
    account_id: &str,
    code_hash: &str,
    channel: Channel,
    now: Timestamp,
    expires_at: Timestamp,
) -> Result<String, sqlx::Error> {
    sqlx::query(
        "UPDATE deliveries SET state = 'superseded', secret = NULL, lease_until = NULL,
                               updated_at = $1
         WHERE state = 'pending'
           AND code_id IN (SELECT id FROM codes WHERE account_id = $2 AND state = 'active')",
    )
    .bind(now)
    .bind(account_id)
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE codes SET state = 'superseded' WHERE account_id = $1 AND state = 'active'")
        .bind(account_id)
        .execute(&mut *conn)
        .await?;
    let code_id = new_id();
    sqlx::query(
        "INSERT INTO codes (id, account_id, code_hash, channel, state, created_at, expires_at)
         VALUES ($1, $2, $3, $4, 'active', $5, $6)",
    )
    .bind(&code_id)
    .bind(account_id)
    .bind(code_hash)
    .bind(channel.as_str())
    .bind(now)
    .bind(expires_at)
    .execute(&mut *conn)
    .await?;
    Ok(code_id)
}

/// A consent record (Law 25), as given; `registration_id` when it came
/// with a synced registration (its confirmation is recorded on it).
async fn insert_consent(
    conn: &mut AnyConnection,
    account_id: &str,
    consent: &ConsentRecord,
    registration_id: Option<&str>,
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO consents (id, account_id, text_version, language, accepted_at,
                               recorded_at, kiosk_id, staff_assisted, registration_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(new_id())
    .bind(account_id)
    .bind(&consent.text_version)
    .bind(consent.language.as_str())
    .bind(consent.accepted_at.unix_timestamp())
    .bind(now)
    .bind(&consent.kiosk_id)
    .bind(flag(consent.staff_assisted))
    .bind(registration_id)
    .execute(&mut *conn)
    .await
    .map(|_| ())
}

fn secs(d: Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX / 2)
}

fn new_id() -> String {
    Uuid::now_v7().to_string()
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator =
    sqlx::migrate!("../../migrations/central-sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator =
    sqlx::migrate!("../../migrations/central-postgres");

impl Store {
    /// `/readyz`: the database answers and every migration of this build
    /// is applied (an older instance next to a newer schema is fine; a
    /// schema older than this build is not).
    pub async fn ready(&self) -> Result<(), String> {
        let applied: i64 = sqlx::query_scalar(
            "SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations WHERE success",
        )
        .fetch_one(&self.pool)
        .await
        .map_err(|e| format!("database: {e}"))?;
        let wanted = self
            .engine
            .migrator()
            .iter()
            .map(|m| m.version)
            .max()
            .unwrap_or(0);
        if applied < wanted {
            return Err(format!(
                "schema at migration {applied}, this build needs {wanted}"
            ));
        }
        Ok(())
    }

    /// Opens (creating an SQLite file if needed) the database and applies
    /// this engine's migrations.
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        sqlx::any::install_default_drivers();
        let engine = Engine::of_url(url)?;
        let pool = match engine {
            Engine::Sqlite => {
                let in_memory = url.contains(":memory:");
                let url = if in_memory || url.contains("mode=") {
                    url.to_owned()
                } else {
                    format!("{url}{}mode=rwc", if url.contains('?') { '&' } else { '?' })
                };
                AnyPoolOptions::new()
                    .max_connections(if in_memory { 1 } else { 8 })
                    .idle_timeout(None)
                    .max_lifetime(None)
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            conn.execute(
                                "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;
                                 PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;",
                            )
                            .await
                            .map(|_| ())
                        })
                    })
                    .connect(&url)
                    .await
            }
            Engine::Postgres => AnyPoolOptions::new().max_connections(8).connect(url).await,
        }
        .with_context(|| format!("cannot open the central database ({})", engine.as_str()))?;
        engine
            .migrator()
            .run(&pool)
            .await
            .context("cannot apply the central database migrations")?;
        Ok(Self { pool, engine })
    }

    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// The connection pool, with this store's settings and schema: only
    /// for the sync benchmark's raw-insert baseline (`tests/bin/sync_bench.rs`).
    pub fn pool_for_benchmarks(&self) -> &AnyPool {
        &self.pool
    }

    /// Starts a batch ingest's transaction, holding the lock concurrent
    /// ingests wait for: SQLite's write lock (`BEGIN IMMEDIATE`); on
    /// PostgreSQL a transaction-scoped advisory lock (namespace 1), so
    /// several instances take turns.
    ///
    /// On PostgreSQL it first claims each registration id (advisory locks
    /// in namespace 2, without waiting): the returned flags say which ids
    /// this transaction holds; the others are being stored by another
    /// instance right now. SQLite (one instance) claims them all.
    async fn begin_ingest(
        &self,
        ids: &[&str],
    ) -> Result<(sqlx::Transaction<'static, sqlx::Any>, Vec<bool>), sqlx::Error> {
        match self.engine {
            Engine::Sqlite => Ok((
                self.pool.begin_with("BEGIN IMMEDIATE").await?,
                vec![true; ids.len()],
            )),
            Engine::Postgres => {
                let mut tx = self.pool.begin().await?;
                let mut claimed = Vec::with_capacity(ids.len());
                if !ids.is_empty() {
                    let values: Vec<String> =
                        (1..=ids.len()).map(|i| format!("({i}, ${i})")).collect();
                    let sql = format!(
                        "SELECT pg_try_advisory_xact_lock(2, hashtext(id)) AS claimed
                           FROM (VALUES {}) AS v(n, id) ORDER BY n",
                        values.join(", ")
                    );
                    let mut q = sqlx::query(&sql);
                    for id in ids {
                        q = q.bind(*id);
                    }
                    for row in q.fetch_all(&mut *tx).await? {
                        claimed.push(row.try_get::<bool, _>("claimed")?);
                    }
                }
                // Nothing to store: no need to wait for the other ingests.
                if claimed.contains(&true) {
                    sqlx::query("SELECT pg_advisory_xact_lock(1, 0)::text")
                        .execute(&mut *tx)
                        .await?;
                }
                Ok((tx, claimed))
            }
        }
    }

    /// Starts a transaction that rewrites one account's code or profile:
    /// SQLite's write lock, or on PostgreSQL the account's row lock, so
    /// two instances never interleave their writes to one account.
    async fn begin_account(
        &self,
        account_id: &str,
    ) -> Result<sqlx::Transaction<'static, sqlx::Any>, sqlx::Error> {
        match self.engine {
            Engine::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Engine::Postgres => {
                let mut tx = self.pool.begin().await?;
                sqlx::query("SELECT id FROM accounts WHERE id = $1 FOR UPDATE")
                    .bind(account_id)
                    .fetch_optional(&mut *tx)
                    .await?;
                Ok(tx)
            }
        }
    }

    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map(|_| ())
    }

    /// One transaction: the account (created if new), the consent record,
    /// the new code (superseding any earlier one, and its undelivered
    /// message), and the delivery in the outbox. Returns the delivery id.
    ///
    /// The caps are checked inside the same transaction, after its first
    /// write: SQLite then holds the write lock (PostgreSQL: the kiosk's
    /// advisory lock and the account's row lock), so two concurrent
    /// requests cannot both pass a cap that only one of them fits under.
    pub async fn issue_code(&self, c: NewCode<'_>, caps: &Limits) -> Result<Issued, IssueError> {
        let mut tx = self.pool.begin().await?;
        let phone = c.phone.e164();
        if self.engine == Engine::Postgres {
            // Row locks take the place of SQLite's database lock: one
            // kiosk's codes (its hourly cap; advisory lock namespace 3) and
            // one number's codes (its caps, its one active code) are issued
            // one at a time.
            sqlx::query("SELECT pg_advisory_xact_lock(3, hashtext($1))::text")
                .bind(c.kiosk_id)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query(
            "INSERT INTO accounts (id, phone, language, created_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (phone) DO NOTHING",
        )
        .bind(new_id())
        .bind(&phone)
        .bind(c.language.as_str())
        .bind(c.now)
        .execute(&mut *tx)
        .await?;
        let lock = match self.engine {
            Engine::Sqlite => "SELECT id FROM accounts WHERE phone = $1",
            Engine::Postgres => "SELECT id FROM accounts WHERE phone = $1 FOR UPDATE",
        };
        let account_id: String = sqlx::query_scalar(lock)
            .bind(&phone)
            .fetch_one(&mut *tx)
            .await?;
        if let Some((limit, retry_after)) =
            caps_wait(&mut tx, &phone, Some(c.kiosk_id), None, caps, c.now).await?
        {
            return Err(IssueError::Limited { limit, retry_after });
        }
        let (channel, fallback) = channel_for(&mut tx, &phone, c.channel).await?;
        insert_consent(&mut tx, &account_id, c.consent, None, c.now).await?;
        let code_id = replace_active_code(
            &mut tx,
            &account_id,
            &c.code_hash,
            channel,
            c.now,
            c.expires_at,
        )
        .await?;
        let delivery_id = new_id();
        sqlx::query(
            "INSERT INTO deliveries (id, code_id, account_id, to_phone, channel, language, secret,
                                     state, next_attempt_at, expires_at, created_at, updated_at,
                                     kiosk_id, fallback)
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8, $9, $10, $11, $12, $13)",
        )
        .bind(&delivery_id)
        .bind(&code_id)
        .bind(&account_id)
        .bind(&phone)
        .bind(channel.as_str())
        .bind(c.language.as_str())
        .bind(c.code.expose_secret())
        .bind(c.now)
        .bind(c.expires_at)
        .bind(c.now)
        .bind(c.now)
        .bind(c.kiosk_id)
        .bind(fallback)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Issued {
            delivery_id,
            channel,
            fallback,
        })
    }

    /// The same caps as `issue_code`, read outside a transaction: lets a
    /// request be refused before any work (hashing) is spent on it.
    pub async fn caps_wait(
        &self,
        phone: &PhoneNumber,
        kiosk_id: &str,
        caps: &Limits,
        now: Timestamp,
    ) -> Result<Option<(&'static str, Duration)>, sqlx::Error> {
        let mut conn = self.pool.acquire().await?;
        caps_wait(&mut conn, &phone.e164(), Some(kiosk_id), None, caps, now).await
    }

    /// The per-number caps for one more message to `phone` (E.164), the
    /// delivery `exclude` not counted: a confirmation waits for them.
    pub async fn message_caps_wait(
        &self,
        phone: &str,
        exclude: &str,
        caps: &Limits,
        now: Timestamp,
    ) -> Result<Option<(&'static str, Duration)>, sqlx::Error> {
        let mut conn = self.pool.acquire().await?;
        caps_wait(&mut conn, phone, None, Some(exclude), caps, now).await
    }

    /// The code a login for this phone is checked against.
    pub async fn active_code(
        &self,
        phone: &PhoneNumber,
    ) -> Result<Option<ActiveCode>, sqlx::Error> {
        let row = sqlx::query(
            "SELECT c.id, c.account_id, c.code_hash, c.attempts, c.created_at, c.expires_at
             FROM codes c JOIN accounts a ON a.id = c.account_id
             WHERE a.phone = $1 AND c.state = 'active'",
        )
        .bind(phone.e164())
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| ActiveCode {
            id: r.get("id"),
            account_id: r.get("account_id"),
            code_hash: r.get("code_hash"),
            attempts: r.get("attempts"),
            created_at: r.get("created_at"),
            expires_at: r.get("expires_at"),
        }))
    }

    /// Counts a wrong try; the code burns at `max_attempts`. Returns the
    /// number of tries left.
    pub async fn record_wrong_code(
        &self,
        code_id: &str,
        max_attempts: i64,
    ) -> Result<i64, sqlx::Error> {
        let attempts: Option<i64> = sqlx::query_scalar(
            "UPDATE codes SET attempts = attempts + 1,
                              state = CASE WHEN attempts + 1 >= $1 THEN 'burned' ELSE state END
             WHERE id = $2 AND state = 'active'
             RETURNING attempts",
        )
        .bind(max_attempts)
        .bind(code_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(attempts.map_or(0, |a| (max_attempts - a).max(0)))
    }

    /// Uses the code (once: a concurrent login with the same code loses),
    /// marks the phone verified, and opens a session. False when the code
    /// was no longer active.
    pub async fn consume_code(
        &self,
        code: &ActiveCode,
        session_token_hash: &str,
        now: Timestamp,
    ) -> Result<bool, sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        let used = sqlx::query(
            "UPDATE codes SET state = 'used' WHERE id = $1 AND state = 'active' AND expires_at > $2",
        )
        .bind(&code.id)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if used != 1 {
            return Ok(false);
        }
        sqlx::query("UPDATE accounts SET verified_at = COALESCE(verified_at, $1) WHERE id = $2")
            .bind(now)
            .bind(&code.account_id)
            .execute(&mut *tx)
            .await?;
        confirmations::end_by_login(&mut tx, &code.account_id, now).await?;
        sqlx::query(
            "INSERT INTO sessions (token_hash, account_id, created_at, last_seen_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(session_token_hash)
        .bind(&code.account_id)
        .bind(now)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// The account behind a session that has been used within `idle`;
    /// refreshes its idle timer.
    pub async fn touch_session(
        &self,
        token_hash: &str,
        now: Timestamp,
        idle: Duration,
    ) -> Result<Option<String>, sqlx::Error> {
        let oldest = now - i64::try_from(idle.as_secs()).unwrap_or(i64::MAX);
        sqlx::query_scalar(
            "UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2 AND last_seen_at > $3
             RETURNING account_id",
        )
        .bind(now)
        .bind(token_hash)
        .bind(oldest)
        .fetch_optional(&self.pool)
        .await
    }

    /// Replaces the profile and its contact points in one transaction.
    pub async fn save_profile(
        &self,
        account_id: &str,
        p: &Profile,
        now: Timestamp,
    ) -> Result<(), sqlx::Error> {
        let mut tx = self.begin_account(account_id).await?;
        write_profile(&mut tx, account_id, p, now, false).await?;
        tx.commit().await
    }

    /// The stored profile in wire form, contact points in order.
    pub async fn load_profile(
        &self,
        account_id: &str,
    ) -> Result<Option<wire::Profile>, sqlx::Error> {
        let Some(r) = sqlx::query("SELECT * FROM profiles WHERE account_id = $1")
            .bind(account_id)
            .fetch_optional(&self.pool)
            .await?
        else {
            return Ok(None);
        };
        let text = |col: &str| r.get::<Option<String>, _>(col).unwrap_or_default();
        let contacts =
            sqlx::query("SELECT * FROM contact_points WHERE account_id = $1 ORDER BY position")
                .bind(account_id)
                .fetch_all(&self.pool)
                .await?
                .into_iter()
                .map(|c| {
                    let extension: Option<String> = c.get("extension");
                    wire::ContactPoint {
                        active: c.get::<i64, _>("active") != 0,
                        description: c.get("description"),
                        kind: match c.get::<String, _>("kind").as_str() {
                            "landline" => wire::ContactType::Landline,
                            "mobile" => wire::ContactType::Mobile,
                            _ => wire::ContactType::Email,
                        },
                        value: c.get("value"),
                        extension_delay_seconds: extension
                            .as_ref()
                            .map(|_| int(c.get("extension_delay_seconds"))),
                        extension: extension.unwrap_or_default(),
                        order: int(c.get("position")),
                    }
                })
                .collect();
        Ok(Some(wire::Profile {
            name: r.get("name"),
            first_name: text("first_name"),
            language: if r.get::<String, _>("language") == "en" {
                wire::Language::En
            } else {
                wire::Language::Fr
            },
            city: r.get("city"),
            street: text("street"),
            civic_number: text("civic_number"),
            apartment: text("apartment"),
            postal_code: text("postal_code"),
            newsletter: r.get::<i64, _>("newsletter") != 0,
            contacts,
            categories: categories_column(&r.get::<String, _>("categories")),
        }))
    }

    /// Leases the next due delivery for `lease`. Several workers (several
    /// instances) may run: the conditional UPDATE makes the claim atomic —
    /// a worker that loses the race for a row (PostgreSQL re-checks the
    /// condition once the winner commits) gets nothing this time, and
    /// PostgreSQL's workers skip rows another one is claiming.
    pub async fn claim_delivery(
        &self,
        now: Timestamp,
        lease: Duration,
    ) -> Result<Option<DeliveryJob>, sqlx::Error> {
        let lease_until = now + i64::try_from(lease.as_secs()).unwrap_or(60);
        let sql = format!(
            "UPDATE deliveries SET lease_until = $1, attempts = attempts + 1, updated_at = $2
             WHERE id = (SELECT id FROM deliveries
                         WHERE state = 'pending' AND next_attempt_at <= $3
                           AND (lease_until IS NULL OR lease_until <= $4)
                         ORDER BY next_attempt_at LIMIT 1{})
               AND state = 'pending' AND (lease_until IS NULL OR lease_until <= $5)
             RETURNING id, to_phone, channel, language, secret, attempts, expires_at,
                       registration_id",
            match self.engine {
                Engine::Sqlite => "",
                Engine::Postgres => " FOR UPDATE SKIP LOCKED",
            }
        );
        let row = sqlx::query(&sql)
            .bind(lease_until)
            .bind(now)
            .bind(now)
            .bind(now)
            .bind(now)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| DeliveryJob {
            id: r.get("id"),
            to_phone: r.get("to_phone"),
            channel: Channel::parse(&r.get::<String, _>("channel")).unwrap_or(Channel::Sms),
            language: Language::parse(&r.get::<String, _>("language")).unwrap_or_default(),
            secret: r.get::<Option<String>, _>("secret").map(SecretString::from),
            attempts: r.get("attempts"),
            expires_at: r.get("expires_at"),
            purpose: match r.get::<Option<String>, _>("registration_id") {
                Some(registration_id) => Purpose::Confirmation { registration_id },
                None => Purpose::Code,
            },
        }))
    }

    /// Records how a delivery attempt ended. Ending states wipe the secret.
    pub async fn finish_delivery(
        &self,
        id: &str,
        outcome: &DeliveryOutcome,
        now: Timestamp,
    ) -> Result<(), sqlx::Error> {
        let (state, next, provider_id, error) = match outcome {
            DeliveryOutcome::SwitchToVoice { error } => {
                sqlx::query(
                    "UPDATE deliveries SET channel = 'voice', fallback = 'sms_refused',
                        next_attempt_at = $1, lease_until = NULL, last_error = $2, updated_at = $3
                     WHERE id = $4 AND state = 'pending'",
                )
                .bind(now)
                .bind(error)
                .bind(now)
                .bind(id)
                .execute(&self.pool)
                .await?;
                return Ok(());
            }
            DeliveryOutcome::Sent { provider_id } => {
                ("sent", None, Some(provider_id.as_str()), None)
            }
            DeliveryOutcome::Retry { at, error } => {
                ("pending", Some(*at), None, Some(error.as_str()))
            }
            DeliveryOutcome::Failed { error } => ("failed", None, None, Some(error.as_str())),
            DeliveryOutcome::Expired => ("expired", None, None, Some("expired before delivery")),
            DeliveryOutcome::Cancelled => ("superseded", None, None, None),
        };
        sqlx::query(
            "UPDATE deliveries SET
                state = $1,
                secret = CASE WHEN $2 = 'pending' THEN secret ELSE NULL END,
                next_attempt_at = COALESCE($3, next_attempt_at),
                lease_until = NULL,
                provider_id = COALESCE($4, provider_id),
                last_error = COALESCE($5, last_error),
                sent_at = CASE WHEN $6 = 'sent' THEN $7 ELSE sent_at END,
                updated_at = $8
             WHERE id = $9 AND state = 'pending'",
        )
        .bind(state)
        .bind(state)
        .bind(next)
        .bind(provider_id)
        .bind(error)
        .bind(state)
        .bind(now)
        .bind(now)
        .bind(id)
        .execute(&self.pool)
        .await
        .map(|_| ())
    }

    /// The earliest time a pending delivery is due, for the worker's sleep.
    pub async fn next_delivery_due(&self) -> Result<Option<Timestamp>, sqlx::Error> {
        sqlx::query_scalar(
            "SELECT MIN(CASE WHEN lease_until > next_attempt_at THEN lease_until
                             ELSE next_attempt_at END)
             FROM deliveries WHERE state = 'pending'",
        )
        .fetch_one(&self.pool)
        .await
    }

    /// What the kiosk may show about a delivery.
    pub async fn delivery_view(&self, id: &str) -> Result<Option<DeliveryView>, sqlx::Error> {
        let row = sqlx::query("SELECT state, channel, fallback FROM deliveries WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| DeliveryView {
            state: r.get("state"),
            channel: Channel::parse(&r.get::<String, _>("channel")).unwrap_or(Channel::Sms),
            fallback: r.get("fallback"),
        }))
    }

    /// The provider's final word on a message or call. Only a delivery in
    /// `sent` moves: duplicates and late, out-of-order callbacks change
    /// nothing. Returns whether a row changed.
    pub async fn provider_outcome(
        &self,
        provider_id: &str,
        delivered: bool,
        error: Option<&str>,
        now: Timestamp,
    ) -> Result<bool, sqlx::Error> {
        let done = sqlx::query(
            "UPDATE deliveries SET state = $1, last_error = COALESCE($2, last_error), updated_at = $3
             WHERE provider_id = $4 AND state = 'sent'",
        )
        .bind(if delivered { "delivered" } else { "failed" })
        .bind(error)
        .bind(now)
        .bind(provider_id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Records a STOP (`opted_out`) or START keyword from a number.
    pub async fn set_sms_opt_out(
        &self,
        phone: &str,
        opted_out: bool,
        keyword: &str,
        now: Timestamp,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO sms_opt_outs (phone, opted_out, keyword, changed_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (phone) DO UPDATE SET opted_out = excluded.opted_out,
                keyword = excluded.keyword, changed_at = excluded.changed_at",
        )
        .bind(phone)
        .bind(flag(opted_out))
        .bind(keyword)
        .bind(now)
        .execute(&self.pool)
        .await
        .map(|_| ())
    }

    /// The language of the account behind a number, if there is one.
    pub async fn phone_language(&self, phone: &str) -> Result<Option<Language>, sqlx::Error> {
        let v: Option<String> =
            sqlx::query_scalar("SELECT language FROM accounts WHERE phone = $1")
                .bind(phone)
                .fetch_optional(&self.pool)
                .await?;
        Ok(v.as_deref().and_then(Language::parse))
    }

    /// The login delay in force for this number or this kiosk: until
    /// when, and the last failure that set it.
    pub async fn login_delay(
        &self,
        phone: &PhoneNumber,
        kiosk_id: &str,
    ) -> Result<Option<LoginDelay>, sqlx::Error> {
        let r = sqlx::query(
            "SELECT MAX(locked_until) AS until, MAX(last_at) AS last FROM login_failures
              WHERE (scope = 'phone' AND key = $1) OR (scope = 'kiosk' AND key = $2)",
        )
        .bind(phone.e164())
        .bind(kiosk_id)
        .fetch_one(&self.pool)
        .await?;
        let until: Option<i64> = r.get("until");
        let last: Option<i64> = r.get("last");
        Ok(until.zip(last).map(|(until, last_failure)| LoginDelay {
            until,
            last_failure,
        }))
    }

    /// Counts a failed login for a number (whether it has an account or
    /// not) or a kiosk. Failures more than 15 minutes apart start the
    /// count again; from the `threshold`-th on, each one delays logins
    /// twice as long as the previous (2 s, 4 s, 8 s … at most 15 min).
    pub async fn record_failed_login(
        &self,
        scope: LoginScope,
        key: &str,
        threshold: u32,
        now: Timestamp,
    ) -> Result<(), sqlx::Error> {
        let failures: i64 = sqlx::query_scalar(
            "INSERT INTO login_failures (scope, key, failures, last_at) VALUES ($1, $2, 1, $3)
             ON CONFLICT (scope, key) DO UPDATE SET
                failures = CASE WHEN login_failures.last_at < $4 THEN 1
                                ELSE login_failures.failures + 1 END,
                locked_until = CASE WHEN login_failures.last_at < $5 THEN NULL
                                    ELSE login_failures.locked_until END,
                last_at = excluded.last_at
             RETURNING failures",
        )
        .bind(scope.as_str())
        .bind(key)
        .bind(now)
        .bind(now - LOGIN_FAILURES_FORGOTTEN_AFTER)
        .bind(now - LOGIN_FAILURES_FORGOTTEN_AFTER)
        .fetch_one(&self.pool)
        .await?;
        let over = failures - i64::from(threshold);
        if threshold == 0 || over < 0 {
            return Ok(());
        }
        let delay = 2i64
            .checked_shl(u32::try_from(over.min(20)).unwrap_or(20))
            .unwrap_or(900)
            .min(900);
        sqlx::query("UPDATE login_failures SET locked_until = $1 WHERE scope = $2 AND key = $3")
            .bind(now + delay)
            .bind(scope.as_str())
            .bind(key)
            .execute(&self.pool)
            .await
            .map(|_| ())
    }

    /// A successful login forgets the number's failures (not the kiosk's:
    /// a guesser could otherwise reset them with a number of their own).
    pub async fn clear_login_failures(&self, phone: &PhoneNumber) -> Result<(), sqlx::Error> {
        sqlx::query("DELETE FROM login_failures WHERE scope = 'phone' AND key = $1")
            .bind(phone.e164())
            .execute(&self.pool)
            .await
            .map(|_| ())
    }

    pub async fn breaker(&self) -> Result<BreakerState, sqlx::Error> {
        let r = sqlx::query("SELECT paused_at, reason, resumed_at FROM cost_breaker WHERE id = 1")
            .fetch_one(&self.pool)
            .await?;
        Ok(BreakerState {
            paused_at: r.get("paused_at"),
            reason: r.get("reason"),
            resumed_at: r.get("resumed_at"),
        })
    }

    /// Pauses automatic sends (only if not paused already).
    pub async fn pause_sends(&self, reason: &str, now: Timestamp) -> Result<bool, sqlx::Error> {
        let r = sqlx::query(
            "UPDATE cost_breaker SET paused_at = $1, reason = $2 WHERE id = 1 AND paused_at IS NULL",
        )
        .bind(now)
        .bind(reason)
        .execute(&self.pool)
        .await?;
        Ok(r.rows_affected() == 1)
    }

    /// An administrator resumes sends.
    pub async fn resume_sends(&self, now: Timestamp) -> Result<(), sqlx::Error> {
        sqlx::query(
            "UPDATE cost_breaker SET paused_at = NULL, reason = NULL, resumed_at = $1 WHERE id = 1",
        )
        .bind(now)
        .execute(&self.pool)
        .await
        .map(|_| ())
    }

    /// Messages and calls the provider accepted since `since`.
    pub async fn sends_since(&self, since: Timestamp) -> Result<i64, sqlx::Error> {
        sqlx::query_scalar("SELECT COUNT(*) FROM deliveries WHERE sent_at >= $1")
            .bind(since)
            .fetch_one(&self.pool)
            .await
    }

    /// Pending deliveries and the age of the oldest, for metrics.
    pub async fn outbox_depth(&self, now: Timestamp) -> Result<(i64, i64), sqlx::Error> {
        let r = sqlx::query(
            "SELECT COUNT(*) AS n, MIN(created_at) AS oldest FROM deliveries WHERE state = 'pending'",
        )
        .fetch_one(&self.pool)
        .await?;
        let oldest: Option<i64> = r.get("oldest");
        Ok((r.get("n"), oldest.map_or(0, |t| now - t)))
    }
}
