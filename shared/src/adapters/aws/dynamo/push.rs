//! Push channels (also found by id alone), notification idempotency keys and parked jobs.

use super::codec::{Item, channel_pk, from_json, item, json, n, parsed_id, s, tenant_pk};
use super::{Condition, DynamoStore, unavailable};
use crate::domain::TenantId;
use crate::ports::{
    ChannelStore, DeadJob, DeadJobStore, IdempotencyStore, PushChannel, StoreError,
};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

const CHANNEL_SK: &str = "CHANNEL";

fn tenant_channel_sk(id: &str) -> String {
    format!("CHANNEL#{id}")
}

fn owned_by(tenant: &TenantId) -> Condition {
    Condition::new("attribute_not_exists(pk) OR #tenant = :tenant")
        .name("#tenant", "tenant")
        .value(":tenant", s(tenant.as_str()))
}

#[async_trait]
impl ChannelStore for DynamoStore {
    async fn put_channel(
        &self,
        tenant: &TenantId,
        channel: &PushChannel,
    ) -> Result<(), StoreError> {
        let body = json("push channel", channel)?;
        let writes = vec![
            // Channel ids are unique across tenants: one another tenant holds is a conflict,
            // never an overwrite.
            self.put(
                item(
                    channel_pk(&channel.id),
                    CHANNEL_SK.into(),
                    vec![("tenant", s(tenant.as_str())), ("body", body.clone())],
                ),
                Some(owned_by(tenant)),
            )?,
            self.put(
                item(
                    tenant_pk(tenant),
                    tenant_channel_sk(&channel.id),
                    vec![("body", body)],
                ),
                None,
            )?,
        ];
        self.transact_or(writes, || {
            StoreError::Conflict(format!(
                "push channel {} belongs to another tenant",
                channel.id
            ))
        })
        .await
    }

    async fn find_channel(&self, id: &str) -> Result<Option<(TenantId, PushChannel)>, StoreError> {
        let Some(found) = self.get(channel_pk(id), CHANNEL_SK.into()).await? else {
            return Ok(None);
        };
        Ok(Some((
            parsed_id::<TenantId>("channel tenant", &found, "tenant")?,
            from_json("push channel", &found, "body")?,
        )))
    }

    async fn list_channels(&self, tenant: &TenantId) -> Result<Vec<PushChannel>, StoreError> {
        let mut channels = self
            .query(tenant_pk(tenant), "CHANNEL#")
            .await?
            .iter()
            .map(|item| from_json::<PushChannel>("push channel", item, "body"))
            .collect::<Result<Vec<_>, _>>()?;
        channels.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(channels)
    }

    async fn delete_channel(&self, tenant: &TenantId, id: &str) -> Result<(), StoreError> {
        let global = self.get(channel_pk(id), CHANNEL_SK.into()).await?;
        let ours = match &global {
            Some(found) => parsed_id::<TenantId>("channel tenant", found, "tenant")? == *tenant,
            None => false,
        };
        let mut writes = vec![self.delete(tenant_pk(tenant), tenant_channel_sk(id), None)?];
        if ours {
            writes.push(self.delete(channel_pk(id), CHANNEL_SK.into(), Some(owned_by(tenant)))?);
        }
        self.transact_or(writes, || {
            StoreError::Conflict(format!("push channel {id} changed while being deleted"))
        })
        .await
    }
}

fn idempotency_sk(key: &str) -> String {
    format!("IDEMPOTENCY#{key}")
}

#[async_trait]
impl IdempotencyStore for DynamoStore {
    async fn remember(
        &self,
        tenant: &TenantId,
        key: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        // `expires_at` (milliseconds) decides; `ttl` (seconds) only lets DynamoDB delete the
        // record some time later (up to days: expired records must not count, hence the
        // condition instead of relying on the deletion).
        let record = item(
            tenant_pk(tenant),
            idempotency_sk(key),
            vec![
                ("expires_at", n(expires_at.timestamp_millis())),
                (super::table::TTL_ATTRIBUTE, n(expires_at.timestamp() + 1)),
            ],
        );
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(record))
            .condition_expression("attribute_not_exists(pk) OR #expires_at <= :now")
            .expression_attribute_names("#expires_at", "expires_at")
            .expression_attribute_values(":now", n(now.timestamp_millis()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Ok(false)
            }
            Err(e) => Err(unavailable("recording an idempotency key", e)),
        }
    }

    async fn forget(&self, tenant: &TenantId, key: &str) -> Result<(), StoreError> {
        self.transact_or(
            vec![self.delete(tenant_pk(tenant), idempotency_sk(key), None)?],
            || StoreError::Conflict(format!("idempotency key {key} changed concurrently")),
        )
        .await
    }
}

fn dead_job_sk(id: &str) -> String {
    format!("DEAD_JOB#{id}")
}

fn dead_job_from(item: &Item) -> Result<DeadJob, StoreError> {
    from_json("dead job", item, "body")
}

#[async_trait]
impl DeadJobStore for DynamoStore {
    async fn park_job(&self, tenant: &TenantId, dead: &DeadJob) -> Result<(), StoreError> {
        let write = self.put(
            item(
                tenant_pk(tenant),
                dead_job_sk(&dead.id),
                vec![("body", json("dead job", dead)?)],
            ),
            None,
        )?;
        self.transact_or(vec![write], || {
            StoreError::Conflict(format!("dead job {} changed concurrently", dead.id))
        })
        .await
    }

    async fn dead_jobs(&self, tenant: &TenantId) -> Result<Vec<DeadJob>, StoreError> {
        let mut jobs = self
            .query(tenant_pk(tenant), "DEAD_JOB#")
            .await?
            .iter()
            .map(dead_job_from)
            .collect::<Result<Vec<_>, _>>()?;
        jobs.sort_by(|a, b| (a.parked_at, &a.id).cmp(&(b.parked_at, &b.id)));
        Ok(jobs)
    }

    async fn forget_dead_job(&self, tenant: &TenantId, id: &str) -> Result<(), StoreError> {
        self.transact_or(
            vec![self.delete(tenant_pk(tenant), dead_job_sk(id), None)?],
            || StoreError::Conflict(format!("dead job {id} changed concurrently")),
        )
        .await
    }
}
