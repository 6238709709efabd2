//! Push channels, notification idempotency keys and parked jobs.

use super::SqliteStore;
use super::codec::{from_json, id_from_text, time_to_text, to_json};
use super::error::During;
use crate::domain::TenantId;
use crate::ports::{
    ChannelStore, DeadJob, DeadJobStore, IdempotencyStore, PushChannel, StoreError,
};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, TransactionBehavior, params};

#[async_trait]
impl ChannelStore for SqliteStore {
    async fn put_channel(
        &self,
        tenant: &TenantId,
        channel: &PushChannel,
    ) -> Result<(), StoreError> {
        let (tenant, channel) = (tenant.clone(), channel.clone());
        self.call(move |conn| {
            // Keyed by id across tenants too (the unique index): a channel id another tenant
            // holds is a conflict, never an overwrite.
            conn.prepare_cached(
                "INSERT INTO push_channels (tenant, id, calendar, body) VALUES (?1, ?2, ?3, ?4) \
                 ON CONFLICT (tenant, id) DO UPDATE SET calendar = excluded.calendar, body = excluded.body",
            )
            .during("preparing the channel upsert")?
            .execute(params![
                tenant.as_str(),
                channel.id,
                channel.calendar.as_str(),
                to_json("push channel", &channel)?,
            ])
            .during("saving a push channel")?;
            Ok(())
        })
        .await
    }

    async fn find_channel(&self, id: &str) -> Result<Option<(TenantId, PushChannel)>, StoreError> {
        let id = id.to_string();
        self.call(move |conn| {
            let row: Option<(String, String)> = conn
                .prepare_cached("SELECT tenant, body FROM push_channels WHERE id = ?1")
                .during("preparing the channel lookup")?
                .query_row(params![id], |row| Ok((row.get(0)?, row.get(1)?)))
                .optional()
                .during("looking up a push channel")?;
            row.map(|(tenant, body)| {
                Ok((
                    id_from_text("tenant id", tenant)?,
                    from_json("push channel", &body)?,
                ))
            })
            .transpose()
        })
        .await
    }

    async fn list_channels(&self, tenant: &TenantId) -> Result<Vec<PushChannel>, StoreError> {
        let tenant = tenant.clone();
        self.call(move |conn| {
            let mut statement = conn
                .prepare_cached("SELECT body FROM push_channels WHERE tenant = ?1 ORDER BY id")
                .during("preparing the channel listing")?;
            statement
                .query_and_then(params![tenant.as_str()], |row| {
                    from_json::<PushChannel>("push channel", &row.get::<_, String>(0)?)
                })?
                .collect()
        })
        .await
    }

    async fn delete_channel(&self, tenant: &TenantId, id: &str) -> Result<(), StoreError> {
        let (tenant, id) = (tenant.clone(), id.to_string());
        self.call(move |conn| {
            conn.prepare_cached("DELETE FROM push_channels WHERE tenant = ?1 AND id = ?2")
                .during("preparing the channel deletion")?
                .execute(params![tenant.as_str(), id])
                .during("deleting a push channel")?;
            Ok(())
        })
        .await
    }
}

#[async_trait]
impl IdempotencyStore for SqliteStore {
    async fn remember(
        &self,
        tenant: &TenantId,
        key: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let (tenant, key) = (tenant.clone(), key.to_string());
        self.call(move |conn| {
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .during("starting the idempotency check")?;
            // Expired keys go first, so a key may be remembered again once its time is up.
            tx.prepare_cached(
                "DELETE FROM idempotency_keys WHERE tenant = ?1 AND expires_at <= ?2",
            )
            .during("preparing the idempotency sweep")?
            .execute(params![tenant.as_str(), time_to_text(&now)])
            .during("forgetting expired idempotency keys")?;
            let inserted = tx
                .prepare_cached(
                    "INSERT INTO idempotency_keys (tenant, key, expires_at) VALUES (?1, ?2, ?3) \
                     ON CONFLICT (tenant, key) DO NOTHING",
                )
                .during("preparing the idempotency insert")?
                .execute(params![tenant.as_str(), key, time_to_text(&expires_at)])
                .during("recording an idempotency key")?;
            tx.commit().during("committing the idempotency key")?;
            Ok(inserted == 1)
        })
        .await
    }

    async fn forget(&self, tenant: &TenantId, key: &str) -> Result<(), StoreError> {
        let (tenant, key) = (tenant.clone(), key.to_string());
        self.call(move |conn| {
            conn.prepare_cached("DELETE FROM idempotency_keys WHERE tenant = ?1 AND key = ?2")
                .during("preparing the idempotency deletion")?
                .execute(params![tenant.as_str(), key])
                .during("forgetting an idempotency key")?;
            Ok(())
        })
        .await
    }
}

#[async_trait]
impl DeadJobStore for SqliteStore {
    async fn park_job(&self, tenant: &TenantId, dead: &DeadJob) -> Result<(), StoreError> {
        let (tenant, dead) = (tenant.clone(), dead.clone());
        self.call(move |conn| {
            conn.prepare_cached(
                "INSERT INTO dead_jobs (tenant, id, parked_at, body) VALUES (?1, ?2, ?3, ?4) \
                 ON CONFLICT (tenant, id) DO UPDATE SET parked_at = excluded.parked_at, body = excluded.body",
            )
            .during("preparing the dead job insert")?
            .execute(params![
                tenant.as_str(),
                dead.id,
                time_to_text(&dead.parked_at),
                to_json("dead job", &dead)?,
            ])
            .during("parking a job")?;
            Ok(())
        })
        .await
    }

    async fn dead_jobs(&self, tenant: &TenantId) -> Result<Vec<DeadJob>, StoreError> {
        let tenant = tenant.clone();
        self.call(move |conn| {
            let mut statement = conn
                .prepare_cached(
                    "SELECT body FROM dead_jobs WHERE tenant = ?1 ORDER BY parked_at, id",
                )
                .during("preparing the dead job listing")?;
            statement
                .query_and_then(params![tenant.as_str()], |row| {
                    from_json::<DeadJob>("dead job", &row.get::<_, String>(0)?)
                })?
                .collect()
        })
        .await
    }

    async fn forget_dead_job(&self, tenant: &TenantId, id: &str) -> Result<(), StoreError> {
        let (tenant, id) = (tenant.clone(), id.to_string());
        self.call(move |conn| {
            conn.prepare_cached("DELETE FROM dead_jobs WHERE tenant = ?1 AND id = ?2")
                .during("preparing the dead job deletion")?
                .execute(params![tenant.as_str(), id])
                .during("forgetting a dead job")?;
            Ok(())
        })
        .await
    }
}
