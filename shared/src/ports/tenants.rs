//! Tenants and their API keys (the serverless deployment serves many tenants; the embedded
//! runtime has exactly one and needs neither port).

use super::StoreError;
use crate::domain::TenantId;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The tenants that exist, for the work that visits each of them (the scheduler).
#[async_trait]
pub trait TenantDirectory: Send + Sync {
    /// Registers a tenant; registering one that exists is a `Conflict`.
    async fn create_tenant(&self, tenant: &TenantId, now: DateTime<Utc>) -> Result<(), StoreError>;
    /// Up to `limit` tenants in id order, starting after `after`; fewer than `limit` means the
    /// listing is complete.
    async fn list_tenants(
        &self,
        after: Option<&TenantId>,
        limit: usize,
    ) -> Result<Vec<TenantId>, StoreError>;
}

/// An API key as stored: only a hash of its secret part, never the key itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKeyRecord {
    /// The public part of the key, unique across tenants: how a presented key is found.
    pub id: String,
    pub tenant: TenantId,
    /// Hex SHA-256 of the secret part (high-entropy random, so a fast hash is enough).
    pub secret_hash: String,
    pub label: String,
    pub created_at: DateTime<Utc>,
}

/// API keys, found by their public id alone (a request names only its key).
#[async_trait]
pub trait ApiKeyStore: Send + Sync {
    /// A second key with the same id is a `Conflict`.
    async fn put_api_key(&self, key: &ApiKeyRecord) -> Result<(), StoreError>;
    async fn find_api_key(&self, id: &str) -> Result<Option<ApiKeyRecord>, StoreError>;
    async fn list_api_keys(&self, tenant: &TenantId) -> Result<Vec<ApiKeyRecord>, StoreError>;
    /// Revokes a key of `tenant`; a key that is gone (or another tenant's) is `NotFound`.
    async fn delete_api_key(&self, tenant: &TenantId, id: &str) -> Result<(), StoreError>;
}
