//! The provider port: what the sync use cases need from a calendar backend
//! (CalDAV server, Google Calendar, Microsoft Graph).

use crate::domain::{
    CalendarInfo, Capabilities, CopyKey, DetectionMethod, Etag, Event, RemoteId, SyncCursor,
};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    /// Credentials refused (after one refresh, for OAuth).
    #[error("authentication failed: {0}")]
    Auth(String),
    #[error("rate limited by the provider")]
    RateLimited { retry_after: Option<Duration> },
    /// The sync token / delta link is no longer valid: a full resync is needed.
    #[error("sync state expired; a full resync is needed")]
    Gone,
    /// A conditional write lost a race (HTTP 412): re-read and re-plan.
    #[error("the item changed since it was read (precondition failed)")]
    PreconditionFailed,
    #[error("not found")]
    NotFound,
    /// Worth retrying: timeouts, connection resets, 5xx.
    #[error("temporary failure: {0}")]
    Transient(String),
    /// Not worth retrying: the request or the data is refused as such.
    #[error("{0}")]
    Permanent(String),
}

impl ProviderError {
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::RateLimited { .. } | Self::Transient(_))
    }
}

pub use crate::domain::MalformedEvent;

/// An item's data as read from the provider.
pub type ItemBody = Result<Event, MalformedEvent>;

// Changes live briefly in one Vec per check; boxing every body would cost more than it saves.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum ItemChange {
    /// New or changed. `body` is set when the provider returned the data inline.
    Upserted {
        remote_id: RemoteId,
        etag: Option<Etag>,
        body: Option<ItemBody>,
    },
    Removed {
        remote_id: RemoteId,
    },
}

#[derive(Debug, Clone)]
pub enum Listing {
    /// The cheap check (CTag, sync-token property) says nothing changed.
    Unchanged,
    /// Only what changed since the cursor. May over-report (DAViCal): compare ETags.
    Delta(Vec<ItemChange>),
    /// Every item (all `Upserted`). An item not listed is gone, or, when `windowed`, may
    /// only have left the requested time window.
    Complete {
        items: Vec<ItemChange>,
        windowed: bool,
    },
}

#[derive(Debug, Clone)]
pub struct ChangeBatch {
    /// Where the next call resumes; persist it with what this batch produced.
    pub cursor: SyncCursor,
    pub method: DetectionMethod,
    pub listing: Listing,
}

#[derive(Debug, Clone)]
pub struct FetchedItem {
    pub remote_id: RemoteId,
    pub etag: Option<Etag>,
    /// `None` when the item no longer exists.
    pub body: Option<ItemBody>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteOutcome {
    pub remote_id: RemoteId,
    /// `None` when the server did not say; the next pass reads it back.
    pub etag: Option<Etag>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiscoveredCalendar {
    /// CalDAV collection URL, or the provider's calendar id.
    pub url: String,
    pub name: String,
    pub color: Option<String>,
    pub owner_emails: Vec<String>,
    pub read_only: bool,
    pub capabilities: Capabilities,
}

#[async_trait]
pub trait CalendarDirectory: Send + Sync {
    /// The event calendars of the account.
    async fn calendars(&self) -> Result<Vec<DiscoveredCalendar>, ProviderError>;
    /// Probes what the calendar's server really does (sync support, RRULE round-trip).
    async fn probe(&self, calendar: &CalendarInfo) -> Result<Capabilities, ProviderError>;
}

#[async_trait]
pub trait ChangeFeed: Send + Sync {
    /// What changed since `cursor`; a default cursor asks for a complete listing.
    /// `window` bounds complete listings on providers that need one (Graph calendarView).
    async fn changes(
        &self,
        calendar: &CalendarInfo,
        cursor: &SyncCursor,
        window: (DateTime<Utc>, DateTime<Utc>),
    ) -> Result<ChangeBatch, ProviderError>;
}

#[async_trait]
pub trait EventReader: Send + Sync {
    /// Reads the given items; missing ones come back with `body: None`.
    async fn fetch(
        &self,
        calendar: &CalendarInfo,
        ids: &[RemoteId],
    ) -> Result<Vec<FetchedItem>, ProviderError>;
}

#[async_trait]
pub trait EventWriter: Send + Sync {
    /// Creates the copy identified by `key` (a deterministic resource name / event id), only if
    /// it does not exist yet: `PreconditionFailed` when it does.
    async fn create(
        &self,
        calendar: &CalendarInfo,
        key: &CopyKey,
        event: &Event,
    ) -> Result<WriteOutcome, ProviderError>;
    /// Replaces the item if it is still at `etag`: `PreconditionFailed` otherwise.
    async fn update(
        &self,
        calendar: &CalendarInfo,
        id: &RemoteId,
        etag: Option<&Etag>,
        event: &Event,
    ) -> Result<WriteOutcome, ProviderError>;
    /// Deletes the item if it is still at `etag`. `NotFound` when it is already gone.
    async fn delete(
        &self,
        calendar: &CalendarInfo,
        id: &RemoteId,
        etag: Option<&Etag>,
    ) -> Result<(), ProviderError>;
}

/// Everything a backend offers, as one object per connected account.
pub trait CalendarProvider:
    CalendarDirectory + ChangeFeed + EventReader + EventWriter + super::PushSupport
{
}

impl<T> CalendarProvider for T where
    T: CalendarDirectory + ChangeFeed + EventReader + EventWriter + super::PushSupport
{
}
