//! The store port: accounts, calendars with their sync state, links and their shadows.
//! Every call is scoped to a tenant; nothing crosses tenants.

use crate::domain::{
    Account, AccountId, CalendarId, CalendarInfo, DetectionMethod, Etag, Link, LinkId, RemoteId,
    SyncCursor, TenantId,
};
use crate::engine::{LinkState, LinkStateDelta};
use crate::ports::{Job, PushChannel};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found: {0}")]
    NotFound(String),
    /// A uniqueness rule or an optimistic-concurrency check failed.
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("store unavailable: {0}")]
    Unavailable(String),
    /// Stored data could not be read back (a bug or a foreign writer).
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
}

/// Remote id -> ETag of every item a calendar held at its last check.
pub type ItemIndex = BTreeMap<RemoteId, Option<Etag>>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IndexChange {
    Upsert(Option<Etag>),
    Remove,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CalendarSyncState {
    pub cursor: SyncCursor,
    pub method: DetectionMethod,
    pub last_checked: Option<DateTime<Utc>>,
    pub last_success: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub item_count: usize,
    /// When a check last found a change someone else made (our own writes do not count):
    /// what the adaptive poller calls activity.
    #[serde(default)]
    pub last_changed: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct LinkStatus {
    /// Set when the link was stopped (deletion guard); nothing syncs until it is resumed.
    pub halted: Option<String>,
    /// Set by `link resume --allow-deletes`: the next pass may exceed the deletion guard once.
    pub allow_mass_delete_once: bool,
    pub last_run: Option<DateTime<Utc>>,
    pub last_success: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    /// Events (originals) known to the link.
    pub event_count: usize,
    /// Bumped by every commit; commits name the version they started from.
    pub version: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VersionedLinkState {
    pub state: LinkState,
    pub status: LinkStatus,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarCommit {
    pub calendar: CalendarId,
    pub state: CalendarSyncState,
    pub index: BTreeMap<RemoteId, IndexChange>,
    /// The listing was complete: items missing from `index` changes are removed too.
    pub replace_index: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkCommit {
    pub link: LinkId,
    /// The status version the pass started from; a different stored version is a `Conflict`.
    pub expected_version: u64,
    pub delta: LinkStateDelta,
    /// Stored with `version = expected_version + 1`.
    pub status: LinkStatus,
}

/// What one pass produced, committed atomically: a calendar's new cursor is never stored
/// without the shadows built from the changes it covers.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SyncCommit {
    pub calendars: Vec<CalendarCommit>,
    pub link: Option<LinkCommit>,
}

#[async_trait]
pub trait AccountStore: Send + Sync {
    /// Inserts or replaces; a second account with the same name is a `Conflict`.
    async fn put_account(&self, tenant: &TenantId, account: &Account) -> Result<(), StoreError>;
    async fn get_account(
        &self,
        tenant: &TenantId,
        id: &AccountId,
    ) -> Result<Option<Account>, StoreError>;
    async fn list_accounts(&self, tenant: &TenantId) -> Result<Vec<Account>, StoreError>;
    /// Removes the account and its calendars.
    async fn delete_account(&self, tenant: &TenantId, id: &AccountId) -> Result<(), StoreError>;
}

#[async_trait]
pub trait CalendarStore: Send + Sync {
    /// Inserts or replaces the calendar's description; its sync state is kept.
    async fn put_calendar(
        &self,
        tenant: &TenantId,
        calendar: &CalendarInfo,
    ) -> Result<(), StoreError>;
    async fn get_calendar(
        &self,
        tenant: &TenantId,
        id: &CalendarId,
    ) -> Result<Option<CalendarInfo>, StoreError>;
    async fn list_calendars(&self, tenant: &TenantId) -> Result<Vec<CalendarInfo>, StoreError>;
    /// Default state for a calendar never checked.
    async fn calendar_state(
        &self,
        tenant: &TenantId,
        id: &CalendarId,
    ) -> Result<CalendarSyncState, StoreError>;
    /// Every calendar's sync state in one read (the scheduler's view of activity); calendars
    /// never checked are missing or default.
    async fn calendar_states(
        &self,
        tenant: &TenantId,
    ) -> Result<BTreeMap<CalendarId, CalendarSyncState>, StoreError>;
    async fn item_index(&self, tenant: &TenantId, id: &CalendarId)
    -> Result<ItemIndex, StoreError>;
}

#[async_trait]
pub trait LinkStore: Send + Sync {
    /// Inserts or replaces; a second link with the same name is a `Conflict`.
    async fn put_link(&self, tenant: &TenantId, link: &Link) -> Result<(), StoreError>;
    async fn get_link(&self, tenant: &TenantId, id: &LinkId) -> Result<Option<Link>, StoreError>;
    async fn list_links(&self, tenant: &TenantId) -> Result<Vec<Link>, StoreError>;
    /// Removes the link with its shadows and status.
    async fn delete_link(&self, tenant: &TenantId, id: &LinkId) -> Result<(), StoreError>;
    /// The link's status alone, without its state (cheap: read on every pass).
    async fn link_status(&self, tenant: &TenantId, id: &LinkId) -> Result<LinkStatus, StoreError>;
    /// Replaces the status outside a pass (halt, resume), checking the version like a commit.
    async fn put_link_status(
        &self,
        tenant: &TenantId,
        id: &LinkId,
        expected_version: u64,
        status: &LinkStatus,
    ) -> Result<(), StoreError>;
}

#[async_trait]
pub trait SyncStateStore: Send + Sync {
    async fn load_link_state(
        &self,
        tenant: &TenantId,
        id: &LinkId,
    ) -> Result<VersionedLinkState, StoreError>;
    /// Applies everything in one transaction, or nothing.
    async fn commit(&self, tenant: &TenantId, commit: &SyncCommit) -> Result<(), StoreError>;
}

/// Push channels. A notification names only its channel, so channels are found by id alone;
/// ids are unique across tenants (UUIDs chosen by us, or the provider's subscription ids).
#[async_trait]
pub trait ChannelStore: Send + Sync {
    async fn put_channel(&self, tenant: &TenantId, channel: &PushChannel)
    -> Result<(), StoreError>;
    async fn find_channel(&self, id: &str) -> Result<Option<(TenantId, PushChannel)>, StoreError>;
    async fn list_channels(&self, tenant: &TenantId) -> Result<Vec<PushChannel>, StoreError>;
    /// Removing a channel that is already gone succeeds.
    async fn delete_channel(&self, tenant: &TenantId, id: &str) -> Result<(), StoreError>;
}

/// Keys of notifications already handled, so a duplicate delivery is acknowledged and dropped.
#[async_trait]
pub trait IdempotencyStore: Send + Sync {
    /// Records `key` until `expires_at`. `true` the first time; `false` while an earlier
    /// record of the key has not expired.
    async fn remember(
        &self,
        tenant: &TenantId,
        key: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// Forgets a key (its work could not be queued: the provider's retry must not look like
    /// a duplicate).
    async fn forget(&self, tenant: &TenantId, key: &str) -> Result<(), StoreError>;
}

/// A job that kept failing, parked with its last error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadJob {
    pub id: String,
    pub job: Job,
    pub error: String,
    pub attempts: u32,
    pub parked_at: DateTime<Utc>,
}

#[async_trait]
pub trait DeadJobStore: Send + Sync {
    async fn park_job(&self, tenant: &TenantId, dead: &DeadJob) -> Result<(), StoreError>;
    async fn dead_jobs(&self, tenant: &TenantId) -> Result<Vec<DeadJob>, StoreError>;
    /// Forgets a parked job (after it was retried or dismissed).
    async fn forget_dead_job(&self, tenant: &TenantId, id: &str) -> Result<(), StoreError>;
}

/// Everything the use cases need from storage.
pub trait Store:
    AccountStore
    + CalendarStore
    + LinkStore
    + SyncStateStore
    + ChannelStore
    + IdempotencyStore
    + DeadJobStore
{
}

impl<T> Store for T where
    T: AccountStore
        + CalendarStore
        + LinkStore
        + SyncStateStore
        + ChannelStore
        + IdempotencyStore
        + DeadJobStore
{
}
