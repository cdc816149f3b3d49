//! What a storage call fails with, and the typed text columns.
//!
//! The driver's error is never kept: on PostgreSQL its detail names the
//! row's values (`Key (phone)=(+1…)`), and some messages quote a value;
//! it would reach the logs. A broken rule keeps its kind and name only,
//! any other failure a [`Failure`] made without those.

use sqlx::error::ErrorKind;
use sqlx::migrate::MigrateError;
use sqlx::postgres::PgDatabaseError;

/// Which rule of the schema a write broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConstraintKind {
    Unique,
    ForeignKey,
    NotNull,
    Check,
    /// Another named constraint (an exclusion, say).
    Other,
}

impl ConstraintKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unique => "unique",
            Self::ForeignKey => "foreign key",
            Self::NotNull => "not null",
            Self::Check => "check",
            Self::Other => "other",
        }
    }
}

/// Why the database failed a call, as it may be logged: never the
/// driver's detail (PostgreSQL's names the row), and for the PostgreSQL
/// errors whose message may quote a value — data exceptions and integrity
/// violations, SQLSTATE classes 22 and 23 (`invalid input syntax for type
/// bigint: "…"`) — the code alone. Other failures (connection, pool, I/O,
/// TLS, authentication, a missing database, SQLite's messages, which name
/// columns and constraints but no value) keep the driver's text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Failure(String);

impl From<&sqlx::Error> for Failure {
    fn from(e: &sqlx::Error) -> Self {
        match e {
            sqlx::Error::Database(db) => match db.try_downcast_ref::<PgDatabaseError>() {
                Some(pg) if matches!(pg.code().get(..2), Some("22" | "23")) => {
                    Self(format!("database error {}", pg.code()))
                }
                Some(pg) => Self(format!("database error {}: {}", pg.code(), pg.message())),
                None => Self(format!("database error: {}", db.message())),
            },
            sqlx::Error::Migrate(m) => Self::from(&**m),
            other => Self(other.to_string()),
        }
    }
}

impl From<&MigrateError> for Failure {
    fn from(e: &MigrateError) -> Self {
        match e {
            MigrateError::Execute(inner) => {
                Self(format!("while running migrations: {}", Self::from(inner)))
            }
            MigrateError::ExecuteMigration(inner, version) => Self(format!(
                "while running migration {version}: {}",
                Self::from(inner)
            )),
            other => Self(other.to_string()),
        }
    }
}

/// A failed storage call.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database could not be reached (pool, I/O, TLS) or failed the
    /// statement for another reason than a constraint.
    #[error("database unavailable or failed: {0}")]
    Unavailable(Failure),
    /// A write broke a constraint: its kind and name only (SQLite names
    /// none), never the driver's message or detail.
    #[error(
        "{} constraint {} violated",
        kind.as_str(),
        constraint.as_deref().unwrap_or("(unnamed)")
    )]
    Constraint {
        kind: ConstraintKind,
        constraint: Option<String>,
    },
    /// A row that must exist (a single-row table, a row just written) is
    /// missing.
    #[error("row not found")]
    NotFound,
    /// A coded column holds a value this build does not know.
    #[error("unknown value {value:?} in {column}")]
    UnknownValue { column: &'static str, value: String },
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        let kind = match &e {
            sqlx::Error::RowNotFound => return Self::NotFound,
            sqlx::Error::Database(db) => match db.kind() {
                ErrorKind::UniqueViolation => Some(ConstraintKind::Unique),
                ErrorKind::ForeignKeyViolation => Some(ConstraintKind::ForeignKey),
                ErrorKind::NotNullViolation => Some(ConstraintKind::NotNull),
                ErrorKind::CheckViolation => Some(ConstraintKind::Check),
                _ if db.constraint().is_some() => Some(ConstraintKind::Other),
                _ => None,
            },
            _ => None,
        };
        match (kind, &e) {
            (Some(kind), sqlx::Error::Database(db)) => Self::Constraint {
                kind,
                constraint: db.constraint().map(str::to_owned),
            },
            _ => Self::Unavailable(Failure::from(&e)),
        }
    }
}

/// A text column whose values are a closed set (`CHECK (… IN (…))`):
/// written with [`Coded::code`] (the type's `as_str`), read back with
/// [`Coded::decode`], which refuses a value it does not know instead of
/// guessing.
pub trait Coded: Copy + 'static {
    /// `table.column`, for the error.
    const COLUMN: &'static str;
    /// Every value.
    const ALL: &'static [Self];

    /// The stored text.
    fn code(self) -> &'static str;

    fn decode(text: &str) -> Result<Self, StoreError> {
        Self::ALL
            .iter()
            .copied()
            .find(|v| v.code() == text)
            .ok_or_else(|| StoreError::UnknownValue {
                column: Self::COLUMN,
                value: text.to_owned(),
            })
    }
}

/// A column read with a domain type's own parser, or an error naming it.
pub(super) fn parsed<T>(
    column: &'static str,
    text: &str,
    parse: impl FnOnce(&str) -> Option<T>,
) -> Result<T, StoreError> {
    parse(text).ok_or_else(|| StoreError::UnknownValue {
        column,
        value: text.to_owned(),
    })
}

/// Test helper: `T::ALL` is exactly what the PostgreSQL schema allows in
/// the column (its `CHECK (name IN (…))` on the line containing `marker`),
/// every value reads back as itself, and an unknown one is an error.
#[cfg(test)]
pub(super) fn assert_matches_schema<T: Coded + PartialEq + std::fmt::Debug>(
    check: &str,
    marker: &str,
) {
    const SCHEMA: &str = include_str!("../../../../migrations/central-postgres/0001_schema.sql");
    let line = SCHEMA
        .lines()
        .find(|l| l.contains(check) && l.contains(marker))
        .unwrap_or_else(|| panic!("no {check} … {marker} in the schema"));
    let allowed: Vec<&str> = line.split('\'').skip(1).step_by(2).collect();
    let ours: Vec<&str> = T::ALL.iter().map(|v| v.code()).collect();
    assert_eq!(ours, allowed, "{}", T::COLUMN);
    for v in T::ALL {
        assert_eq!(T::decode(v.code()).unwrap(), *v);
    }
    let unknown = T::decode("lost").unwrap_err();
    assert!(
        matches!(unknown, StoreError::UnknownValue { column, .. } if column == T::COLUMN),
        "{unknown:?}"
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::{scratch_database, test_engine, Engine, Store};

    #[tokio::test]
    async fn a_unique_violation_names_the_constraint_never_the_row() {
        let dir = tempfile::tempdir().unwrap();
        let url = scratch_database(test_engine(), dir.path()).await.unwrap();
        let store = Store::connect(&url).await.unwrap();
        let insert = |id: &'static str| {
            sqlx::query(
                "INSERT INTO accounts (id, phone, language, created_at)
                 VALUES ($1, '+15145550199', 'fr', 0)",
            )
            .bind(id)
            .execute(store.pool_for_benchmarks())
        };
        insert("a").await.unwrap();
        let raw = insert("b").await.unwrap_err();
        if store.engine() == Engine::Postgres {
            // What the driver would have let through.
            assert!(format!("{raw:?}").contains("5550199"), "{raw:?}");
        }
        let e = StoreError::from(raw);
        assert!(
            matches!(
                e,
                StoreError::Constraint {
                    kind: ConstraintKind::Unique,
                    ..
                }
            ),
            "{e:?}"
        );
        for text in [e.to_string(), format!("{e:?}")] {
            assert!(!text.contains("5550199"), "{text}");
        }
        if store.engine() == Engine::Postgres {
            assert_eq!(
                e.to_string(),
                "unique constraint accounts_phone_unique violated"
            );
        }
    }

    /// A failure that is no broken rule keeps no value the driver quoted:
    /// PostgreSQL's message for bad input names it; SQLite's names none.
    #[tokio::test]
    async fn a_database_failure_never_quotes_a_value() {
        let dir = tempfile::tempdir().unwrap();
        let url = scratch_database(test_engine(), dir.path()).await.unwrap();
        let store = Store::connect(&url).await.unwrap();
        let raw = match store.engine() {
            Engine::Postgres => sqlx::query("SELECT CAST($1 AS BIGINT)")
                .bind("tel:+15145550199")
                .execute(store.pool_for_benchmarks())
                .await
                .unwrap_err(),
            Engine::Sqlite => sqlx::query("INSERT INTO nowhere (phone) VALUES ($1)")
                .bind("+15145550199")
                .execute(store.pool_for_benchmarks())
                .await
                .unwrap_err(),
        };
        let e = StoreError::from(raw);
        assert!(matches!(e, StoreError::Unavailable(_)), "{e:?}");
        for text in [e.to_string(), format!("{e:?}")] {
            assert!(!text.contains("5550199"), "{text}");
        }
        match store.engine() {
            Engine::Postgres => assert_eq!(
                e.to_string(),
                "database unavailable or failed: database error 22P02"
            ),
            Engine::Sqlite => assert!(e.to_string().contains("no such table: nowhere"), "{e}"),
        }
    }

    #[test]
    fn a_missing_row_and_other_failures_stay_apart() {
        assert!(matches!(
            StoreError::from(sqlx::Error::RowNotFound),
            StoreError::NotFound
        ));
        assert!(matches!(
            StoreError::from(sqlx::Error::PoolTimedOut),
            StoreError::Unavailable(_)
        ));
    }
}
