//! API keys (found by id alone, listed per tenant) and pending OAuth authorizations (found
//! by their state's hash alone, one-time, expiring through `ttl`).

use super::codec::{Item, from_json, item, json, n, number, parsed_id, s, tenant_pk};
use super::{Condition, DynamoStore, table::TTL_ATTRIBUTE, unavailable};
use crate::domain::TenantId;
use crate::ports::{
    ApiKeyRecord, ApiKeyStore, PendingAuthorization, PendingAuthorizationStore, StoreError,
};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::ReturnValue;
use chrono::{DateTime, Utc};

const API_KEY_SK: &str = "APIKEY";
const PENDING_SK: &str = "OAUTH";

fn api_key_pk(id: &str) -> String {
    format!("APIKEY#{id}")
}

fn tenant_api_key_sk(id: &str) -> String {
    format!("APIKEY#{id}")
}

fn pending_pk(key: &str) -> String {
    format!("OAUTH#{key}")
}

fn owned_by(tenant: &TenantId) -> Condition {
    Condition::new("#tenant = :tenant")
        .name("#tenant", "tenant")
        .value(":tenant", s(tenant.as_str()))
}

fn key_from(found: &Item) -> Result<ApiKeyRecord, StoreError> {
    from_json("API key", found, "body")
}

#[async_trait]
impl ApiKeyStore for DynamoStore {
    async fn put_api_key(&self, key: &ApiKeyRecord) -> Result<(), StoreError> {
        let body = json("API key", key)?;
        let writes = vec![
            // Ids are global: one in use, by any tenant, is a conflict, never an overwrite.
            self.put(
                item(
                    api_key_pk(&key.id),
                    API_KEY_SK.into(),
                    vec![("tenant", s(key.tenant.as_str())), ("body", body.clone())],
                ),
                Some(Condition::new("attribute_not_exists(pk)")),
            )?,
            self.put(
                item(
                    tenant_pk(&key.tenant),
                    tenant_api_key_sk(&key.id),
                    vec![("body", body)],
                ),
                Some(Condition::new("attribute_not_exists(pk)")),
            )?,
        ];
        self.transact_or(writes, || {
            StoreError::Conflict(format!("API key id {} is already in use", key.id))
        })
        .await
    }

    async fn find_api_key(&self, id: &str) -> Result<Option<ApiKeyRecord>, StoreError> {
        let found = self.get(api_key_pk(id), API_KEY_SK.into()).await?;
        found.as_ref().map(key_from).transpose()
    }

    async fn list_api_keys(&self, tenant: &TenantId) -> Result<Vec<ApiKeyRecord>, StoreError> {
        let mut keys = self
            .query(tenant_pk(tenant), "APIKEY#")
            .await?
            .iter()
            .map(key_from)
            .collect::<Result<Vec<_>, _>>()?;
        keys.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        Ok(keys)
    }

    async fn delete_api_key(&self, tenant: &TenantId, id: &str) -> Result<(), StoreError> {
        let missing = || StoreError::NotFound(format!("API key {id}"));
        let Some(found) = self.get(api_key_pk(id), API_KEY_SK.into()).await? else {
            return Err(missing());
        };
        if parsed_id::<TenantId>("API key tenant", &found, "tenant")? != *tenant {
            return Err(missing());
        }
        let writes = vec![
            self.delete(api_key_pk(id), API_KEY_SK.into(), Some(owned_by(tenant)))?,
            self.delete(tenant_pk(tenant), tenant_api_key_sk(id), None)?,
        ];
        // Rejected only when a concurrent revocation got there first.
        self.transact_or(writes, missing).await
    }
}

#[async_trait]
impl PendingAuthorizationStore for DynamoStore {
    async fn put_pending_authorization(
        &self,
        key: &str,
        pending: &PendingAuthorization,
    ) -> Result<(), StoreError> {
        // `expires_at` (milliseconds) decides; `ttl` (seconds) lets DynamoDB delete abandoned
        // authorizations eventually (up to days later, hence the check on take).
        let record = item(
            pending_pk(key),
            PENDING_SK.into(),
            vec![
                ("tenant", s(pending.tenant.as_str())),
                ("body", json("pending authorization", pending)?),
                ("expires_at", n(pending.expires_at.timestamp_millis())),
                (TTL_ATTRIBUTE, n(pending.expires_at.timestamp() + 1)),
            ],
        );
        let write = self.put(record, Some(Condition::new("attribute_not_exists(pk)")))?;
        self.transact_or(vec![write], || {
            StoreError::Conflict("an authorization with this state is pending".into())
        })
        .await
    }

    async fn take_pending_authorization(
        &self,
        key: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<PendingAuthorization>, StoreError> {
        // One DeleteItem returning the old item: of two concurrent takes only one sees it.
        let out = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key("pk", s(pending_pk(key)))
            .key("sk", s(PENDING_SK))
            .return_values(ReturnValue::AllOld)
            .send()
            .await
            .map_err(|e| unavailable("taking a pending authorization", e))?;
        let Some(old) = out.attributes.filter(|a| !a.is_empty()) else {
            return Ok(None);
        };
        let expires_at = number(&old, "expires_at")?.unwrap_or(0);
        if expires_at <= now.timestamp_millis() {
            return Ok(None);
        }
        from_json("pending authorization", &old, "body").map(Some)
    }
}
