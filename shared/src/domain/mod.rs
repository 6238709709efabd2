//! Pure domain data: identities, the normalised event, calendars and links.

mod calendar;
mod event;
mod fingerprint;
mod ids;
mod link;
mod occurrences;
mod time;

pub use calendar::{
    Account, AccountKind, CalendarInfo, Capabilities, DetectionMethod, GateTrust, ModifiedGate,
    RecurrenceSupport, SyncCursor,
};
pub use event::{
    Component, Event, EventStatus, MalformedEvent, Participant, Recurrence, RecurrenceKey,
    Transparency,
};
pub use fingerprint::{Field, FieldHashes, FieldKey, content_hash, content_hash_of, field_hashes};
pub use ids::{
    AccountId, CalendarId, ContentHash, CopyKey, Etag, IdError, LinkId, OriginKey, OriginTag,
    RemoteId, TenantId,
};
pub use link::{
    DeletionGuard, Filters, Link, LinkError, LinkRules, MAX_CALENDARS_PER_LINK, Privacy,
    SyncWindow, TitlePattern, Topology,
};
pub use occurrences::{
    MAX_OCCURRENCE_STEPS, TooManyOccurrences, between as occurrences_between,
    first_at_or_after as first_occurrence_at_or_after,
};
pub use time::{EventTime, TimeError, resolve_zone};
