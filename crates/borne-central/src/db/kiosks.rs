//! Enrolled kiosks: one-time enrollment codes, device tokens (kept as
//! SHA-256 only), revocation and heartbeats.

use borne_protocol as wire;
use sqlx::Row;

use super::{new_id, Store, StoreError, Timestamp};

/// A kiosk as `borne-central kiosk list` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KioskRecord {
    pub id: String,
    pub name: String,
    pub created_at: Timestamp,
    pub enrollment_expires_at: Timestamp,
    pub enrolled_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
    pub last_seen_at: Option<Timestamp>,
    pub app_version: Option<String>,
    pub mode: Option<String>,
    pub queue_depth: Option<i64>,
    pub queue_rejected: Option<i64>,
    pub oldest_pending_seconds: Option<i64>,
    pub last_sync_at: Option<String>,
    /// The rollout group (`kiosk group`), if any.
    pub update_group: Option<String>,
}

impl KioskRecord {
    /// `waiting` (code not used yet), `expired` (code unused and too
    /// old), `enrolled` or `revoked`.
    pub fn state(&self, now: Timestamp) -> &'static str {
        match (self.revoked_at, self.enrolled_at) {
            (Some(_), _) => "revoked",
            (None, Some(_)) => "enrolled",
            (None, None) if self.enrollment_expires_at <= now => "expired",
            (None, None) => "waiting",
        }
    }

    /// Enrolled, not revoked, and no heartbeat for longer than `after`.
    pub fn silent(&self, now: Timestamp, after: i64) -> bool {
        self.state(now) == "enrolled"
            && now - self.last_seen_at.or(self.enrolled_at).unwrap_or(now) > after
    }
}

/// What a device token opens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KioskAuth {
    Enrolled { id: String, name: String },
    Revoked,
    Unknown,
}

impl Store {
    /// A new kiosk waiting for its enrollment code (SHA-256 given).
    pub async fn create_kiosk(
        &self,
        name: &str,
        code_hash: &str,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> Result<String, StoreError> {
        let id = new_id();
        sqlx::query(
            "INSERT INTO kiosks (id, name, created_at, enrollment_code_hash, enrollment_expires_at)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&id)
        .bind(name)
        .bind(now)
        .bind(code_hash)
        .bind(expires_at)
        .execute(self.writes())
        .await?;
        Ok(id)
    }

    /// Uses an enrollment code, once: the kiosk gets `token_hash`.
    /// `None`: unknown, expired, already used, or revoked.
    pub async fn enroll_kiosk(
        &self,
        code_hash: &str,
        token_hash: &str,
        app_version: &str,
        now: Timestamp,
    ) -> Result<Option<(String, String)>, StoreError> {
        let row = sqlx::query(
            "UPDATE kiosks
                SET enrollment_code_hash = NULL, token_hash = $1, enrolled_at = $2,
                    last_seen_at = $3, app_version = $4
              WHERE enrollment_code_hash = $5 AND enrollment_expires_at > $6
                AND revoked_at IS NULL AND token_hash IS NULL
             RETURNING id, name",
        )
        .bind(token_hash)
        .bind(now)
        .bind(now)
        .bind(app_version)
        .bind(code_hash)
        .bind(now)
        .fetch_optional(self.writes())
        .await?;
        Ok(row.map(|r| (r.get("id"), r.get("name"))))
    }

    /// Looked up on every kiosk request, so a revocation holds at once.
    pub async fn kiosk_auth(&self, token_hash: &str) -> Result<KioskAuth, StoreError> {
        let row = sqlx::query("SELECT id, name, revoked_at FROM kiosks WHERE token_hash = $1")
            .bind(token_hash)
            .fetch_optional(&self.pool)
            .await?;
        Ok(match row {
            None => KioskAuth::Unknown,
            Some(r) if r.get::<Option<i64>, _>("revoked_at").is_some() => KioskAuth::Revoked,
            Some(r) => KioskAuth::Enrolled {
                id: r.get("id"),
                name: r.get("name"),
            },
        })
    }

    pub async fn record_heartbeat(
        &self,
        kiosk_id: &str,
        beat: &wire::Heartbeat,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let mode = match beat.mode {
            wire::KioskMode::Online => "online",
            wire::KioskMode::Offline => "offline",
        };
        sqlx::query(
            "UPDATE kiosks SET last_seen_at = $1, app_version = $2, mode = $3, queue_depth = $4,
                    queue_rejected = $5, oldest_pending_seconds = $6, last_sync_at = $7
              WHERE id = $8",
        )
        .bind(now)
        .bind(&beat.app_version)
        .bind(mode)
        .bind(i64::from(beat.queue_depth))
        .bind(i64::from(beat.queue_rejected))
        .bind(beat.oldest_pending_seconds.map(i64::from))
        .bind(&beat.last_sync_at)
        .bind(kiosk_id)
        .execute(self.writes())
        .await?;
        Ok(())
    }

    /// Every kiosk, oldest first.
    pub async fn list_kiosks(&self) -> Result<Vec<KioskRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, name, created_at, enrollment_expires_at, enrolled_at, revoked_at,
                    last_seen_at, app_version, mode, queue_depth, queue_rejected,
                    oldest_pending_seconds, last_sync_at, update_group
               FROM kiosks ORDER BY created_at, id",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| KioskRecord {
                id: r.get("id"),
                name: r.get("name"),
                created_at: r.get("created_at"),
                enrollment_expires_at: r.get("enrollment_expires_at"),
                enrolled_at: r.get("enrolled_at"),
                revoked_at: r.get("revoked_at"),
                last_seen_at: r.get("last_seen_at"),
                app_version: r.get("app_version"),
                mode: r.get("mode"),
                queue_depth: r.get("queue_depth"),
                queue_rejected: r.get("queue_rejected"),
                oldest_pending_seconds: r.get("oldest_pending_seconds"),
                last_sync_at: r.get("last_sync_at"),
                update_group: r.get("update_group"),
            })
            .collect())
    }

    /// Revokes the kiosk with this id, or every kiosk with this name
    /// (an unused enrollment code dies with it). Returns how many.
    pub async fn revoke_kiosk(&self, id_or_name: &str, now: Timestamp) -> Result<u64, StoreError> {
        let done = sqlx::query(
            "UPDATE kiosks SET revoked_at = $1, enrollment_code_hash = NULL
              WHERE (id = $2 OR name = $3) AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(id_or_name)
        .bind(id_or_name)
        .execute(self.writes())
        .await?;
        Ok(done.rows_affected())
    }

    /// Revokes the kiosk with this id only (the console's button).
    pub async fn revoke_kiosk_id(&self, id: &str, now: Timestamp) -> Result<u64, StoreError> {
        let done = sqlx::query(
            "UPDATE kiosks SET revoked_at = $1, enrollment_code_hash = NULL
              WHERE id = $2 AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(id)
        .execute(self.writes())
        .await?;
        Ok(done.rows_affected())
    }

    /// Enrolled kiosks without a heartbeat for longer than `after` seconds.
    pub async fn silent_kiosks(&self, now: Timestamp, after: i64) -> Result<i64, StoreError> {
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM kiosks
              WHERE enrolled_at IS NOT NULL AND revoked_at IS NULL
                AND COALESCE(last_seen_at, enrolled_at) < $1",
        )
        .bind(now - after)
        .fetch_one(&self.pool)
        .await
        .map_err(StoreError::from)
    }
}
