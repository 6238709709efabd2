//! Leases: at most one worker syncs a link at a time. SQS may hand two workers jobs for the
//! same link at once (a push and a poll arrive together); the link's optimistic version makes
//! the slower commit fail safely, but both would already have written to the providers.

use super::StoreError;
use crate::domain::{LinkId, TenantId};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

#[async_trait]
pub trait LeaseStore: Send + Sync {
    /// Takes the lease on `link` for `owner` until `until`, if it is free, expired or already
    /// `owner`'s. `false` when another owner holds it.
    async fn acquire_lease(
        &self,
        tenant: &TenantId,
        link: &LinkId,
        owner: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// Gives the lease up, if `owner` still holds it (otherwise nothing happens).
    async fn release_lease(
        &self,
        tenant: &TenantId,
        link: &LinkId,
        owner: &str,
    ) -> Result<(), StoreError>;
}
