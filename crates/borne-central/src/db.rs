//! Storage: intent-level methods over SQLite (embedded, the default) or
//! PostgreSQL (several instances on one database). No SQL leaves this
//! module.
//!
//! One implementation serves both engines: the statements are written in
//! the SQL both understand (`$1` placeholders, `ON CONFLICT`, `RETURNING`,
//! integers for times and flags) and run through sqlx's `Any` driver; where
//! the engines must differ (opening, locking, migrations) [`Engine`] says
//! how. Each engine has its own migrations.
//!
//! This file holds the [`Store`] itself (opening, migrations, readiness,
//! the transactions that lock) and small shared helpers; each submodule
//! adds the `impl Store` methods of one intent. Every method fails with
//! [`StoreError`].

use anyhow::Context;
use sqlx::any::AnyPoolOptions;
use sqlx::{AnyConnection, AnyPool, Executor, Row};
use uuid::Uuid;

mod access_log;
mod breaker;
mod bulk;
mod codes;
mod confirmations;
mod deliveries;
mod error;
mod kiosks;
mod pacing;
mod profiles;
mod registrations;
mod releases;
mod residents;
mod retention;
mod sessions;
mod staff;
pub use breaker::{BreakerState, DeliveryFailure};
pub use codes::{ActiveCode, IssueError, Issued, NewCode};
pub use confirmations::{ConfirmedVia, PendingConfirmation, Refused, Unconfirmed};
pub use deliveries::{
    DeliveryJob, DeliveryOutcome, DeliveryState, DeliveryView, FinishedDelivery, Purpose,
};
pub use error::{Coded, ConstraintKind, Failure, StoreError};
pub use kiosks::{KioskAuth, KioskRecord};
pub use registrations::{
    IngestPolicy, Ingested, NewRegistration, Outcome, PendingChangeState, StoredPendingChange,
};
pub use releases::{AddReleaseError, NewRelease, ReleaseRecord};
pub use residents::{DeletionBy, DeletionRecord, ExportContact, ExportRow};
pub use retention::{Purged, WalCheckpoint};
pub use sessions::{LoginDelay, LoginScope, SessionLimits};
pub use staff::{StaffRecord, StaffSession};

use profiles::{categories_column, write_profile};

pub type Timestamp = i64;

/// A duration as the stored seconds (far in the future when it is absurdly long).
pub fn secs(d: std::time::Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX / 2)
}

pub fn now() -> Timestamp {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// A stored time as RFC 3339 (UTC), as the API and the exports write it.
pub fn rfc3339(t: Timestamp) -> String {
    borne_protocol::rfc3339::from_unix(t)
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

    /// The engine a connection speaks to.
    pub(crate) fn of_connection(conn: &sqlx::AnyConnection) -> Self {
        if conn.backend_name().eq_ignore_ascii_case("sqlite") {
            Self::Sqlite
        } else {
            Self::Postgres
        }
    }

    /// What follows a table's name to make a statement search it through
    /// `index`. SQLite keeps no statistics unless told to (`ANALYZE`), so
    /// it guesses: an equality on any index looks selective to it, and it
    /// took `state = 'pending'` for one — walking every pending row of a
    /// synced backlog, at every batch, instead of the index made for the
    /// statement. There `INDEXED BY`, which fails the statement rather
    /// than let it search otherwise; nothing on PostgreSQL, whose planner
    /// keeps statistics.
    pub(crate) fn searched_by(self, index: &str) -> String {
        match self {
            Self::Sqlite => format!("INDEXED BY {index}"),
            Self::Postgres => String::new(),
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
    /// Where every statement that writes runs ([`Store::writes`]).
    writer: AnyPool,
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
        .map_err(|e| format!("database: {}", Failure::from(&e)))?;
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
        let in_memory = url.contains(":memory:");
        let sqlite_url = if in_memory || url.contains("mode=") {
            url.to_owned()
        } else {
            format!("{url}{}mode=rwc", if url.contains('?') { '&' } else { '?' })
        };
        let sqlite = |connections: u32| {
            AnyPoolOptions::new()
                .max_connections(connections)
                .idle_timeout(None)
                .max_lifetime(None)
                .after_connect(|conn, _| {
                    Box::pin(async move {
                        // secure_delete: deleted rows are overwritten with
                        // zeros, not left in free pages (a resident's
                        // deletion deletes; the retention job then
                        // truncates the WAL that held the old pages).
                        // temp_store: a multi-row statement's journal
                        // (its undo, should it fail halfway: residents'
                        // rows) stays in memory, not in a temporary
                        // file; ingest and the raw insert ~15 % faster
                        // (`scripts/bench-sync.sh`).
                        conn.execute(
                            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;
                             PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;
                             PRAGMA secure_delete = ON; PRAGMA temp_store = MEMORY;",
                        )
                        .await
                        .map(|_| ())
                    })
                })
                .connect(&sqlite_url)
        };
        // SQLite has one writer at a time. A connection that finds the
        // write lock taken sleeps in its busy handler (1, 2, 5, 10 … 100
        // ms) and tries again: two syncs at once made each other wait up
        // to 179 ms for a 6 ms transaction (`scripts/bench-sync.sh`, two
        // kiosks at once), and a live signup waited behind them the same
        // way. Every write of this process goes through one connection
        // instead (`writer`: the pool hands it over in order, as soon as
        // the last writer is done); reads keep the others (WAL: they never
        // wait for a writer). The busy timeout still covers another
        // process. In memory, the one connection is the database.
        let opened = async {
            match engine {
                Engine::Sqlite if in_memory => {
                    let pool = sqlite(1).await?;
                    Ok((pool.clone(), pool))
                }
                Engine::Sqlite => Ok((sqlite(8).await?, sqlite(1).await?)),
                Engine::Postgres => {
                    let pool = AnyPoolOptions::new()
                        .max_connections(8)
                        .connect(url)
                        .await?;
                    Ok((pool.clone(), pool))
                }
            }
        };
        let (pool, writer) = opened.await.map_err(|e: sqlx::Error| {
            anyhow::Error::new(Failure::from(&e)).context(format!(
                "cannot open the central database ({})",
                engine.as_str()
            ))
        })?;
        engine.migrator().run(&pool).await.map_err(|e| {
            anyhow::Error::new(Failure::from(&e))
                .context("cannot apply the central database migrations")
        })?;
        Ok(Self {
            pool,
            engine,
            writer,
        })
    }

    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// The connection pool, with this store's settings and schema: only
    /// for the sync benchmark's raw-insert baseline (`tests/bin/sync_bench.rs`).
    pub fn pool_for_benchmarks(&self) -> &AnyPool {
        &self.pool
    }

    /// Where a statement that writes outside a transaction runs: on
    /// SQLite the one writing connection (see [`Store::connect`]).
    fn writes(&self) -> &AnyPool {
        &self.writer
    }

    /// Starts a transaction that writes: on SQLite on the writing
    /// connection, `BEGIN IMMEDIATE` (the write lock at once); on
    /// PostgreSQL a plain `BEGIN`.
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>, sqlx::Error> {
        match self.engine {
            Engine::Sqlite => self.writer.begin_with("BEGIN IMMEDIATE").await,
            Engine::Postgres => self.writer.begin().await,
        }
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
            Engine::Sqlite => Ok((self.begin_write().await?, vec![true; ids.len()])),
            Engine::Postgres => {
                let mut tx = self.begin_write().await?;
                // The batch's reads are lookups of ≤ 100 keys through
                // unique indexes. On young tables (a town's first mass
                // reconnect) the statistics lag the rows (autovacuum
                // analyzes once a minute) and PostgreSQL planned them as
                // sequential scans: 505,000 rows read to ingest 10,000
                // (`pg_stat_user_tables`, `scripts/bench-sync.sh --engine
                // postgres`).
                sqlx::query("SET LOCAL enable_seqscan = off")
                    .execute(&mut *tx)
                    .await?;
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
        let mut tx = self.begin_write().await?;
        if self.engine == Engine::Postgres {
            sqlx::query("SELECT id FROM accounts WHERE id = $1 FOR UPDATE")
                .bind(account_id)
                .fetch_optional(&mut *tx)
                .await?;
        }
        Ok(tx)
    }

    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }
}
