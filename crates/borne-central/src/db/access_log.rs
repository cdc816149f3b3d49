//! The access log's rows: appended, listed, and deleted only by the
//! retention job (a trigger refuses every UPDATE).

use sqlx::{AnyConnection, Row};

use super::{new_id, Coded, Store, StoreError, Timestamp};
use crate::access::{AccessAction, AccessEntry, Accessor, Via};

pub(super) async fn append(
    conn: &mut AnyConnection,
    who: &Accessor,
    action: AccessAction,
    account_id: Option<&str>,
    detail: Option<&str>,
    now: Timestamp,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO access_log (id, at, actor, via, action, account_id, detail, origin)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(new_id())
    .bind(now)
    .bind(&who.actor)
    .bind(who.via.code())
    .bind(action.code())
    .bind(account_id)
    .bind(detail)
    .bind(&who.origin)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

impl Store {
    /// Records one access to personal data.
    pub async fn log_access(
        &self,
        who: &Accessor,
        action: AccessAction,
        account_id: Option<&str>,
        detail: Option<&str>,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let mut conn = self.writes().acquire().await?;
        append(&mut conn, who, action, account_id, detail, now).await
    }

    /// The latest entries, newest first (at most `limit`), optionally
    /// those about one account only.
    pub async fn access_log(
        &self,
        account_id: Option<&str>,
        limit: i64,
    ) -> Result<Vec<AccessEntry>, StoreError> {
        sqlx::query(
            "SELECT at, actor, via, action, account_id, detail, origin FROM access_log
              WHERE ($1 = '' OR account_id = $2)
              ORDER BY at DESC, id DESC LIMIT $3",
        )
        .bind(account_id.unwrap_or(""))
        .bind(account_id.unwrap_or(""))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(|r| {
            Ok(AccessEntry {
                at: r.get("at"),
                actor: r.get("actor"),
                via: Via::decode(&r.get::<String, _>("via"))?,
                action: AccessAction::decode(&r.get::<String, _>("action"))?,
                account_id: r.get("account_id"),
                detail: r.get("detail"),
                origin: r.get("origin"),
            })
        })
        .collect()
    }

    /// Retention: entries older than `before`.
    pub async fn purge_access_log(&self, before: Timestamp) -> Result<u64, StoreError> {
        Ok(sqlx::query("DELETE FROM access_log WHERE at < $1")
            .bind(before)
            .execute(self.writes())
            .await?
            .rows_affected())
    }
}
