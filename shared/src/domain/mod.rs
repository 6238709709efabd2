//! Pure domain data: identities, the normalised event, calendars and links.

mod calendar;
mod event;
mod fingerprint;
mod ids;
mod link;
mod time;

pub use calendar::{
    Account, AccountKind, CalendarInfo, Capabilities, DetectionMethod, RecurrenceSupport,
    SyncCursor,
};
pub use event::{
    Component, Event, EventStatus, MalformedEvent, Participant, Recurrence, RecurrenceKey,
    Transparency,
};
pub use fingerprint::{Field, FieldHashes, FieldKey, content_hash, field_hashes};
pub use ids::{
    AccountId, CalendarId, ContentHash, CopyKey, Etag, IdError, LinkId, OriginKey, OriginTag,
    RemoteId, TenantId,
};
pub use link::{
    DeletionGuard, Filters, Link, LinkError, LinkRules, MAX_CALENDARS_PER_LINK, Privacy,
    SyncWindow, TitlePattern, Topology,
};
pub use time::{EventTime, TimeError, resolve_zone};
