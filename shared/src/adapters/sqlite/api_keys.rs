//! API keys and pending OAuth authorizations, both found by a global id.

use super::SqliteStore;
use super::codec::{from_json, id_from_text, time_from_text, time_to_text, to_json};
use super::error::During;
use crate::domain::TenantId;
use crate::ports::{
    ApiKeyRecord, ApiKeyStore, PendingAuthorization, PendingAuthorizationStore, StoreError,
};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Row, params};

fn key_from(row: &Row<'_>) -> Result<ApiKeyRecord, StoreError> {
    Ok(ApiKeyRecord {
        tenant: id_from_text("tenant id", row.get(0)?)?,
        id: row.get(1)?,
        secret_hash: row.get(2)?,
        label: row.get(3)?,
        created_at: time_from_text("API key creation time", &row.get::<_, String>(4)?)?,
    })
}

const KEY_COLUMNS: &str = "tenant, id, secret_hash, label, created_at";

#[async_trait]
impl ApiKeyStore for SqliteStore {
    async fn put_api_key(&self, key: &ApiKeyRecord) -> Result<(), StoreError> {
        let key = key.clone();
        self.call(move |conn| {
            // No upsert: an id in use (by any tenant, through the unique index) is a conflict.
            conn.prepare_cached(&format!(
                "INSERT INTO api_keys ({KEY_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5)"
            ))
            .during("preparing the API key insert")?
            .execute(params![
                key.tenant.as_str(),
                key.id,
                key.secret_hash,
                key.label,
                time_to_text(&key.created_at),
            ])
            .during(&format!("saving API key {}", key.id))?;
            Ok(())
        })
        .await
    }

    async fn find_api_key(&self, id: &str) -> Result<Option<ApiKeyRecord>, StoreError> {
        let id = id.to_string();
        self.call(move |conn| {
            conn.prepare_cached(&format!("SELECT {KEY_COLUMNS} FROM api_keys WHERE id = ?1"))
                .during("preparing the API key lookup")?
                .query_and_then(params![id], key_from)?
                .next()
                .transpose()
        })
        .await
    }

    async fn list_api_keys(&self, tenant: &TenantId) -> Result<Vec<ApiKeyRecord>, StoreError> {
        let tenant = tenant.clone();
        let mut keys: Vec<ApiKeyRecord> = self
            .call(move |conn| {
                conn.prepare_cached(&format!(
                    "SELECT {KEY_COLUMNS} FROM api_keys WHERE tenant = ?1"
                ))
                .during("preparing the API key listing")?
                .query_and_then(params![tenant.as_str()], key_from)?
                .collect()
            })
            .await?;
        // Ordered here: RFC 3339 text with optional fractions does not sort as time.
        keys.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        Ok(keys)
    }

    async fn delete_api_key(&self, tenant: &TenantId, id: &str) -> Result<(), StoreError> {
        let (tenant, id) = (tenant.clone(), id.to_string());
        self.call(move |conn| {
            let deleted = conn
                .prepare_cached("DELETE FROM api_keys WHERE tenant = ?1 AND id = ?2")
                .during("preparing the API key deletion")?
                .execute(params![tenant.as_str(), id])
                .during("revoking an API key")?;
            if deleted == 0 {
                return Err(StoreError::NotFound(format!("API key {id}")));
            }
            Ok(())
        })
        .await
    }
}

#[async_trait]
impl PendingAuthorizationStore for SqliteStore {
    async fn put_pending_authorization(
        &self,
        key: &str,
        pending: &PendingAuthorization,
    ) -> Result<(), StoreError> {
        let (key, pending) = (key.to_string(), pending.clone());
        self.call(move |conn| {
            conn.prepare_cached(
                "INSERT INTO pending_authorizations (tenant, key, body, expires_at_ms) \
                 VALUES (?1, ?2, ?3, ?4)",
            )
            .during("preparing the pending authorization insert")?
            .execute(params![
                pending.tenant.as_str(),
                key,
                to_json("pending authorization", &pending)?,
                pending.expires_at.timestamp_millis(),
            ])
            .during("saving a pending authorization")?;
            Ok(())
        })
        .await
    }

    async fn take_pending_authorization(
        &self,
        key: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<PendingAuthorization>, StoreError> {
        let key = key.to_string();
        self.call(move |conn| {
            // Abandoned authorizations would otherwise stay forever (DynamoDB has its TTL).
            conn.prepare_cached("DELETE FROM pending_authorizations WHERE expires_at_ms <= ?1")
                .during("preparing the pending authorization sweep")?
                .execute(params![now.timestamp_millis()])
                .during("forgetting expired authorizations")?;
            let body: Option<String> = conn
                .prepare_cached("DELETE FROM pending_authorizations WHERE key = ?1 RETURNING body")
                .during("preparing the pending authorization take")?
                .query_row(params![key], |row| row.get(0))
                .optional()
                .during("taking a pending authorization")?;
            body.map(|body| from_json("pending authorization", &body))
                .transpose()
        })
        .await
    }
}
