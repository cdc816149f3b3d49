//! Kiosk releases (`releases`, migration 0010) and kiosks' rollout
//! groups. The file itself is kept in the database, so every instance on
//! one PostgreSQL database serves the same releases, and a backup holds
//! them.

use sqlx::Row;

use super::{new_id, Store, StoreError, Timestamp};
use crate::releases::{parse_version, Offer, Rollout, Target};

/// A release to store (`borne-central release add`).
#[derive(Debug)]
pub struct NewRelease<'a> {
    pub target: Target,
    pub version: &'a semver::Version,
    pub signature: &'a str,
    pub notes: &'a str,
    pub sha256: &'a str,
    pub artifact: &'a [u8],
    pub rollout: &'a Rollout,
}

/// A stored release without its file (`release list`, the update answer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseRecord {
    pub id: String,
    pub target: String,
    pub version: String,
    pub signature: String,
    pub notes: String,
    pub sha256: String,
    pub size: i64,
    pub rollout: Rollout,
    pub created_at: Timestamp,
}

/// Why a release was not stored.
#[derive(Debug, thiserror::Error)]
pub enum AddReleaseError {
    #[error(
        "a release {0} for {1} exists already: releases are never replaced, raise the version"
    )]
    Exists(String, String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Every column but the file.
const RELEASE_COLUMNS: &str = "id, target, version, signature, notes, sha256, size, \
     rollout_percent, rollout_group, created_at";

fn record(r: &sqlx::any::AnyRow) -> ReleaseRecord {
    ReleaseRecord {
        id: r.get("id"),
        target: r.get("target"),
        version: r.get("version"),
        signature: r.get("signature"),
        notes: r.get("notes"),
        sha256: r.get("sha256"),
        size: r.get("size"),
        rollout: rollout_of(r.get("rollout_percent"), r.get("rollout_group")),
        created_at: r.get("created_at"),
    }
}

fn rollout_of(percent: i64, group: Option<String>) -> Rollout {
    match group {
        Some(g) => Rollout::Group(g),
        None => Rollout::Percent(u8::try_from(percent.clamp(0, 100)).unwrap_or(0)),
    }
}

fn rollout_columns(rollout: &Rollout) -> (i64, Option<&str>) {
    match rollout {
        Rollout::Percent(p) => (i64::from(*p), None),
        Rollout::Group(g) => (0, Some(g.as_str())),
    }
}

impl Store {
    /// Stores a release; a (target, version) is stored once.
    pub async fn add_release(
        &self,
        release: &NewRelease<'_>,
        now: Timestamp,
    ) -> Result<String, AddReleaseError> {
        let id = new_id();
        let (percent, group) = rollout_columns(release.rollout);
        let done = sqlx::query(
            "INSERT INTO releases (id, target, version, signature, notes, sha256, size, artifact,
                                   rollout_percent, rollout_group, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
             ON CONFLICT (target, version) DO NOTHING",
        )
        .bind(&id)
        .bind(release.target.as_str())
        .bind(release.version.to_string())
        .bind(release.signature)
        .bind(release.notes)
        .bind(release.sha256)
        .bind(i64::try_from(release.artifact.len()).unwrap_or(i64::MAX))
        .bind(release.artifact.to_vec())
        .bind(percent)
        .bind(group)
        .bind(now)
        .execute(self.writes())
        .await
        .map_err(StoreError::from)?;
        if done.rows_affected() == 0 {
            return Err(AddReleaseError::Exists(
                release.version.to_string(),
                release.target.as_str().to_owned(),
            ));
        }
        Ok(id)
    }

    /// Every release, newest first, without the files.
    pub async fn list_releases(&self) -> Result<Vec<ReleaseRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {RELEASE_COLUMNS} FROM releases ORDER BY created_at DESC, id DESC"
        ))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(record).collect())
    }

    /// The releases of `target` as the choice needs them (a version the
    /// server cannot read is skipped).
    pub async fn offers(&self, target: Target) -> Result<Vec<Offer>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, version, rollout_percent, rollout_group FROM releases WHERE target = $1",
        )
        .bind(target.as_str())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .filter_map(|r| {
                Some(Offer {
                    id: r.get("id"),
                    version: parse_version(&r.get::<String, _>("version")).ok()?,
                    rollout: rollout_of(r.get("rollout_percent"), r.get("rollout_group")),
                })
            })
            .collect())
    }

    /// One release without its file.
    pub async fn release(&self, id: &str) -> Result<Option<ReleaseRecord>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {RELEASE_COLUMNS} FROM releases WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.as_ref().map(record))
    }

    /// A release's file.
    pub async fn release_artifact(&self, id: &str) -> Result<Option<Vec<u8>>, StoreError> {
        sqlx::query_scalar("SELECT artifact FROM releases WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(StoreError::from)
    }

    /// Changes who is offered a release; `false` when there is none.
    pub async fn set_rollout(
        &self,
        target: Target,
        version: &semver::Version,
        rollout: &Rollout,
    ) -> Result<bool, StoreError> {
        let (percent, group) = rollout_columns(rollout);
        let done = sqlx::query(
            "UPDATE releases SET rollout_percent = $1, rollout_group = $2
              WHERE target = $3 AND version = $4",
        )
        .bind(percent)
        .bind(group)
        .bind(target.as_str())
        .bind(version.to_string())
        .execute(self.writes())
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Puts kiosks (by id, or every kiosk of that name) in a rollout
    /// group, or none; how many.
    pub async fn set_kiosk_group(
        &self,
        id_or_name: &str,
        group: Option<&str>,
    ) -> Result<u64, StoreError> {
        let done = sqlx::query("UPDATE kiosks SET update_group = $1 WHERE id = $2 OR name = $3")
            .bind(group)
            .bind(id_or_name)
            .bind(id_or_name)
            .execute(self.writes())
            .await?;
        Ok(done.rows_affected())
    }

    /// A kiosk's rollout group.
    pub async fn kiosk_group(&self, kiosk_id: &str) -> Result<Option<String>, StoreError> {
        let group: Option<Option<String>> =
            sqlx::query_scalar("SELECT update_group FROM kiosks WHERE id = $1")
                .bind(kiosk_id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(group.flatten())
    }
}
