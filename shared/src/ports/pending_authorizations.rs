//! Authorizations started through the management API and not finished yet. The OAuth
//! callback names only its `state`, so a pending authorization is found by (a hash of) its
//! state alone and tells which tenant started it.

use super::StoreError;
use crate::domain::{AccountKind, TenantId};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What the callback needs to finish an authorization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingAuthorization {
    /// The tenant whose API key started it: the account goes there, whoever calls back.
    pub tenant: TenantId,
    pub provider: AccountKind,
    /// The name the new account gets.
    pub account_name: String,
    /// The PKCE verifier, sealed (it is half of what redeems the authorization code).
    pub sealed_verifier: Vec<u8>,
    pub redirect_uri: String,
    pub expires_at: DateTime<Utc>,
}

#[async_trait]
pub trait PendingAuthorizationStore: Send + Sync {
    /// Records `pending` under `key` (derived from its state); a key in use is a `Conflict`.
    async fn put_pending_authorization(
        &self,
        key: &str,
        pending: &PendingAuthorization,
    ) -> Result<(), StoreError>;
    /// Removes and returns the authorization under `key`, atomically: of two callers taking
    /// the same key, one gets it and the other `None`. One that expired at `now` (or before)
    /// is removed too, but `None`.
    async fn take_pending_authorization(
        &self,
        key: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<PendingAuthorization>, StoreError>;
}
