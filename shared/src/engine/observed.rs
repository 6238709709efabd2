//! Observations sorted by original: what each calendar showed for one original this pass.

use super::ItemRef;
use crate::domain::{
    CalendarId, ContentHash, Etag, Event, FieldHashes, content_hash, field_hashes,
};
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, BTreeSet};

/// One present item, in base form, with its fingerprints.
#[derive(Debug, Clone)]
pub(crate) struct Seen {
    pub item: ItemRef,
    pub etag: Option<Etag>,
    pub event: Event,
    pub hashes: FieldHashes,
    pub content: ContentHash,
    pub modified_at: Option<DateTime<Utc>>,
}

impl Seen {
    pub fn new(item: ItemRef, etag: Option<Etag>, event: Event) -> Self {
        let hashes = field_hashes(&event);
        Self {
            content: content_hash(&event),
            modified_at: event.modified_at(),
            item,
            etag,
            event,
            hashes,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Removal {
    Deleted,
    /// Missing from a windowed listing.
    Vanished,
}

#[derive(Debug, Default)]
pub(crate) struct OriginWork {
    pub present: BTreeMap<CalendarId, Seen>,
    /// Further items on a calendar that already has one for this original.
    pub duplicates: Vec<Seen>,
    pub removed: BTreeMap<CalendarId, (ItemRef, Removal)>,
    /// Calendars where a copy whose create was never confirmed was seen deleted.
    pub deleted_creates: BTreeSet<CalendarId>,
}

impl OriginWork {
    pub fn add_present(&mut self, seen: Seen) {
        let calendar = seen.item.calendar.clone();
        match self.present.get(&calendar) {
            Some(existing) if existing.item != seen.item => self.duplicates.push(seen),
            _ => {
                self.present.insert(calendar, seen);
            }
        }
    }
}
