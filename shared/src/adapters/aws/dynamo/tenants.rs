//! The tenant directory (one partition the scheduler pages through) and link leases.

use super::codec::{item, n, parsed_id, s, tenant_pk};
use super::{DynamoStore, unavailable};
use crate::domain::{LinkId, TenantId};
use crate::ports::{LeaseStore, StoreError, TenantDirectory};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Utc};

/// The directory's partition. Written once per tenant, read by the scheduler once a minute:
/// one partition is far from DynamoDB's per-partition limits.
const TENANTS_PK: &str = "TENANTS";

fn tenant_sk(tenant: &TenantId) -> String {
    format!("T#{tenant}")
}

fn lease_sk(link: &LinkId) -> String {
    format!("LEASE#{link}")
}

fn is_condition_failure<E>(error: &aws_sdk_dynamodb::error::SdkError<E>) -> bool
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata,
{
    error
        .as_service_error()
        .and_then(|e| e.code())
        .is_some_and(|code| code == "ConditionalCheckFailedException")
}

#[async_trait]
impl TenantDirectory for DynamoStore {
    async fn create_tenant(&self, tenant: &TenantId, now: DateTime<Utc>) -> Result<(), StoreError> {
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item(
                TENANTS_PK.into(),
                tenant_sk(tenant),
                vec![
                    ("tenant", s(tenant.as_str())),
                    ("created_at", s(now.to_rfc3339())),
                ],
            )))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e) if is_condition_failure(&e) => {
                Err(StoreError::Conflict(format!("tenant {tenant} exists")))
            }
            Err(e) => Err(unavailable("registering a tenant", e)),
        }
    }

    async fn list_tenants(
        &self,
        after: Option<&TenantId>,
        limit: usize,
    ) -> Result<Vec<TenantId>, StoreError> {
        let mut tenants = Vec::new();
        // `T#` sorts before every `T#<id>`; `T#<id>` itself is excluded by `>`.
        let mut from = after.map_or_else(|| "T#".to_string(), tenant_sk);
        while tenants.len() < limit {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("pk = :pk AND sk > :from")
                .expression_attribute_values(":pk", s(TENANTS_PK))
                .expression_attribute_values(":from", s(from.clone()))
                .limit(i32::try_from(limit - tenants.len()).unwrap_or(i32::MAX))
                .send()
                .await
                .map_err(|e| unavailable("listing tenants", e))?;
            let page = out.items.unwrap_or_default();
            for found in &page {
                tenants.push(parsed_id::<TenantId>("tenant", found, "tenant")?);
            }
            match (tenants.last(), out.last_evaluated_key) {
                (Some(last), Some(key)) if !key.is_empty() => from = tenant_sk(last),
                _ => break,
            }
        }
        Ok(tenants)
    }
}

#[async_trait]
impl LeaseStore for DynamoStore {
    async fn acquire_lease(
        &self,
        tenant: &TenantId,
        link: &LinkId,
        owner: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item(
                tenant_pk(tenant),
                lease_sk(link),
                vec![
                    ("owner", s(owner)),
                    ("until", n(until.timestamp_millis())),
                    // A worker that died holding a lease leaves no litter behind.
                    (super::TTL_ATTRIBUTE, n(until.timestamp() + 3600)),
                ],
            )))
            .condition_expression("attribute_not_exists(pk) OR #until <= :now OR #owner = :owner")
            .expression_attribute_names("#until", "until")
            .expression_attribute_names("#owner", "owner")
            .expression_attribute_values(":now", n(now.timestamp_millis()))
            .expression_attribute_values(":owner", s(owner))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(e) if is_condition_failure(&e) => Ok(false),
            Err(e) => Err(unavailable("taking a link lease", e)),
        }
    }

    async fn release_lease(
        &self,
        tenant: &TenantId,
        link: &LinkId,
        owner: &str,
    ) -> Result<(), StoreError> {
        let result = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key("pk", AttributeValue::S(tenant_pk(tenant)))
            .key("sk", AttributeValue::S(lease_sk(link)))
            .condition_expression("#owner = :owner")
            .expression_attribute_names("#owner", "owner")
            .expression_attribute_values(":owner", s(owner))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            // Expired and taken over by another worker: theirs now, leave it.
            Err(e) if is_condition_failure(&e) => Ok(()),
            Err(e) => Err(unavailable("releasing a link lease", e)),
        }
    }
}
