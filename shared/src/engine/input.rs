//! What the planner is given.

use super::{ItemRef, LinkState};
use crate::domain::{CalendarId, Etag, Event, Link, LinkId, MalformedEvent, TenantId};
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, BTreeSet};

/// One thing seen on one calendar since the link last looked.
// Observations live briefly in one Vec per pass; boxing every event would cost more than it saves.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Observation {
    /// The item exists with this ETag and this data.
    Present {
        item: ItemRef,
        etag: Option<Etag>,
        body: Result<Event, MalformedEvent>,
    },
    /// The item was deleted.
    Deleted { item: ItemRef },
    /// The item is missing from a listing bounded by a time window: it may only have left the
    /// window, which is never a deletion.
    Vanished { item: ItemRef },
}

impl Observation {
    pub fn item(&self) -> &ItemRef {
        match self {
            Self::Present { item, .. } | Self::Deleted { item } | Self::Vanished { item } => item,
        }
    }
}

/// What the planner needs to know about each calendar of the link.
#[derive(Debug, Clone, Default)]
pub struct CalendarFacts {
    /// False on servers caught mangling recurrence rules: recurring events are skipped there.
    pub recurrence_ok: bool,
    pub read_only: bool,
    /// The owner's addresses, to recognise invitations the owner declined.
    pub owner_emails: Vec<String>,
    /// How many items the calendar holds now (after the observed changes).
    pub item_count: usize,
}

pub struct PlanInput<'a> {
    pub tenant: &'a TenantId,
    pub link: &'a Link,
    /// Every other existing link of the tenant: a copy owned by one of them is left alone.
    pub other_links: &'a BTreeSet<LinkId>,
    pub calendars: &'a BTreeMap<CalendarId, CalendarFacts>,
    pub observations: &'a [Observation],
    pub state: &'a LinkState,
    pub now: DateTime<Utc>,
    /// Re-examine every shadow, not only the touched and pending ones (after a rule change,
    /// and once a day).
    pub full_reconcile: bool,
    /// The user accepted this pass exceeding the deletion guard.
    pub allow_mass_delete: bool,
}
