//! Ports: the small traits the use cases need from the outside world. Each has one
//! contract test suite (see `contract` modules) that every adapter must pass.

#[cfg(test)]
pub(crate) mod contract;
mod lease;
mod pending_authorizations;
mod provider;
mod push;
mod queue;
mod sealer;
mod store;
mod tenants;

pub use lease::LeaseStore;
pub use pending_authorizations::{PendingAuthorization, PendingAuthorizationStore};
pub use provider::{
    CalendarDirectory, CalendarProvider, ChangeBatch, ChangeFeed, DiscoveredCalendar, EventReader,
    EventWriter, FetchedItem, ItemBody, ItemChange, Listing, MalformedEvent, ProviderError,
    WriteOutcome,
};
pub use push::{PushChannel, PushEndpoints, PushSubscriptions, PushSupport, Subscription};
pub use queue::{Job, JobQueue, MAX_QUEUE_DELAY, QueueError, SyncReason};
pub use sealer::{SealContext, SealError, SecretSealer, SecretSink};
pub use store::{
    AccountStore, CalendarCommit, CalendarStore, CalendarSyncState, ChannelStore, DeadJob,
    DeadJobStore, IdempotencyStore, IndexChange, ItemIndex, LinkCommit, LinkStatus, LinkStore,
    Store, StoreError, SyncCommit, SyncStateStore, VersionedLinkState,
};
pub use tenants::{ApiKeyRecord, ApiKeyStore, TenantDirectory};
