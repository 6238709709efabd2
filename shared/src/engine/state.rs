//! What a link remembers between passes: per original event a shadow (the merged logical
//! event plus, per calendar, what calsync last saw or wrote there), and per stored item on
//! each member calendar what it was bound to at which ETag.

use crate::domain::{
    CalendarId, ContentHash, Etag, Event, FieldHashes, FieldKey, OriginKey, RemoteId,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// One stored item on one calendar.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ItemRef {
    pub calendar: CalendarId,
    pub remote_id: RemoteId,
}

impl ItemRef {
    pub fn new(calendar: CalendarId, remote_id: RemoteId) -> Self {
        Self {
            calendar,
            remote_id,
        }
    }
}

/// The last synced state of one original event across the link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shadow {
    pub origin: OriginKey,
    /// The merged logical event in the original's form (original UID, no markers).
    pub base: Event,
    /// Per calendar holding this event (the origin's calendar included).
    pub sides: BTreeMap<CalendarId, Side>,
    /// A calendar that should hold this event does not yet (window, failure): the shadow is
    /// re-examined on every pass until it does.
    pub pending: bool,
    /// The event was deleted; the remaining sides are being deleted (a failed delete is retried
    /// on the next pass). An edit on a two-way side before that revives it.
    #[serde(default)]
    pub deleted: bool,
    /// Copies whose create was not confirmed (an error or a taken key after the provider may
    /// have stored it), with what the create wrote: when such a copy shows up, what differs
    /// from that was edited there since, and is merged rather than overwritten.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub unconfirmed_creates: BTreeMap<CalendarId, FieldHashes>,
    /// Earlier unconfirmed creates there that a later attempt overtook (at most
    /// [`UNCONFIRMED_KEPT`] per calendar): the copy may hold any of them.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub unconfirmed_creates_earlier: BTreeMap<CalendarId, Vec<FieldHashes>>,
    /// Per unit of `base`, the edit it holds: when and where it was made. A later change of the
    /// unit on a calendar that had not received it yet, stamped earlier, loses to it.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub stamps: BTreeMap<FieldKey, FieldStamp>,
}

/// When and on which calendar the edit a unit of the logical event holds was made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldStamp {
    pub at: DateTime<Utc>,
    pub by: CalendarId,
}

/// What calsync last saw on, or wrote to, one calendar for one original.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Side {
    pub remote_id: RemoteId,
    /// Content hash of what that calendar held after the last sync.
    pub hash: ContentHash,
    /// Per-field hashes of the same: the baseline of this side's three-way merge, so a side
    /// that missed an update still merges against what it really had.
    pub fields: FieldHashes,
    /// What our last write there would have left, when that write was not confirmed (an
    /// error or a 412 after the provider may have stored it: a 5xx after the commit, a
    /// multi-step write failing after its first step). Fields showing these values are our
    /// own write, not a user's edit: taken for edits they would carry the provider's write
    /// time and overrule newer edits made elsewhere.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unconfirmed: Option<FieldHashes>,
    /// Earlier unconfirmed writes there, newest last (at most [`UNCONFIRMED_KEPT`]): a write
    /// stored despite an error, then overtaken by another unconfirmed one before it was read
    /// back, still shows its values with the provider's later write time.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unconfirmed_earlier: Vec<FieldHashes>,
    /// `unconfirmed` is a write whose worker stopped before it learnt the outcome (recorded
    /// by the intent, never settled): unlike a refused or failed one it most likely reached
    /// the calendar, so a user who deleted the item there had seen it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub in_flight: bool,
    /// When `unconfirmed` was attempted (its plan's time).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unconfirmed_at: Option<DateTime<Utc>>,
    /// The event's LAST-MODIFIED (else DTSTAMP) as last seen or written there: an edit that
    /// leaves it unchanged was made by a client that does not stamp its edits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified_at: Option<DateTime<Utc>>,
}

impl Side {
    /// The units this calendar changed since the last sync, seeing `seen` there now, last
    /// modified at `seen_modified`: those neither the baseline nor our unconfirmed writes
    /// explain. Overtaken writes explain a value only while the item was not modified after
    /// our last attempt: a value of theirs that shows up in an item modified later was put
    /// back by its user.
    pub fn changes(
        &self,
        seen: &FieldHashes,
        seen_modified: Option<DateTime<Utc>>,
    ) -> BTreeSet<FieldKey> {
        let earlier_count = match (seen_modified, self.unconfirmed_at) {
            (Some(modified), Some(attempted)) => modified <= attempted + ATTEMPT_SLACK,
            _ => true,
        };
        let written: Vec<&FieldHashes> = self
            .unconfirmed
            .iter()
            .chain(self.unconfirmed_earlier.iter().filter(|_| earlier_count))
            .collect();
        self.fields
            .keys()
            .chain(written.iter().flat_map(|w| w.keys()))
            .chain(seen.keys())
            .filter(|key| {
                let now = seen.get(*key);
                self.fields.get(*key) != now && written.iter().all(|w| w.get(*key) != now)
            })
            .cloned()
            .collect()
    }

    /// Attempted at `at`; `in_flight` while its outcome is unknown (see [`Side::in_flight`]).
    pub fn mark_unconfirmed(&mut self, fields: &FieldHashes, at: DateTime<Utc>, in_flight: bool) {
        self.in_flight = in_flight;
        self.unconfirmed_at = Some(at);
        if let Some(previous) = self.unconfirmed.replace(fields.clone()) {
            keep_overtaken(&mut self.unconfirmed_earlier, previous, fields);
        }
    }
}

/// Adds `previous` to the overtaken unconfirmed writes unless it is the same as `now`,
/// dropping the oldest beyond [`UNCONFIRMED_KEPT`].
pub(crate) fn keep_overtaken(
    earlier: &mut Vec<FieldHashes>,
    previous: FieldHashes,
    now: &FieldHashes,
) {
    if &previous != now && !earlier.contains(&previous) {
        earlier.push(previous);
        if earlier.len() > UNCONFIRMED_KEPT {
            earlier.remove(0);
        }
    }
}

/// Clock difference allowed between calsync and a calendar's own stamps (CalDAV's
/// LAST-MODIFIED has whole seconds) when telling an item modified after our last attempt.
const ATTEMPT_SLACK: chrono::TimeDelta = chrono::TimeDelta::seconds(5);

/// Earlier unconfirmed writes remembered per side: a side rarely sees more than one or two
/// failed writes in a row before it is read back.
pub const UNCONFIRMED_KEPT: usize = 4;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum IgnoreReason {
    /// A copy of an original outside this link, made by another link.
    ForeignCopy,
    /// A copy managed by another existing link.
    OtherLinksCopy,
    /// A copy whose original is not (or no longer) known.
    OrphanCopy,
    /// A second copy of an original that already has one on this calendar.
    DuplicateCopy,
    /// The stored data is not a usable iCalendar event.
    Malformed,
    /// A recurring event on a server that mangles recurrence rules.
    RecurrenceUnsupported,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum ItemStatus {
    /// Bound to the shadow of this original.
    Synced { origin: OriginKey },
    /// Seen and deliberately left alone.
    Ignored {
        reason: IgnoreReason,
        origin: Option<OriginKey>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemBinding {
    /// The ETag this binding was made at; `None` forces a re-read on the next pass.
    pub etag: Option<Etag>,
    pub status: ItemStatus,
}

impl ItemBinding {
    pub fn origin(&self) -> Option<&OriginKey> {
        match &self.status {
            ItemStatus::Synced { origin } => Some(origin),
            ItemStatus::Ignored { origin, .. } => origin.as_ref(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct LinkState {
    pub shadows: BTreeMap<OriginKey, Shadow>,
    pub items: BTreeMap<ItemRef, ItemBinding>,
}

/// Changes to a [`LinkState`]: `Some` upserts, `None` removes.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct LinkStateDelta {
    pub shadows: BTreeMap<OriginKey, Option<Shadow>>,
    pub items: BTreeMap<ItemRef, Option<ItemBinding>>,
}

impl LinkStateDelta {
    pub fn is_empty(&self) -> bool {
        self.shadows.is_empty() && self.items.is_empty()
    }

    /// Adds the changes of a later delta; where both touch the same entry, the later wins.
    pub fn extend(&mut self, later: LinkStateDelta) {
        self.shadows.extend(later.shadows);
        self.items.extend(later.items);
    }
}

impl LinkState {
    pub fn apply(&mut self, delta: &LinkStateDelta) {
        for (key, shadow) in &delta.shadows {
            match shadow {
                Some(shadow) => {
                    self.shadows.insert(key.clone(), shadow.clone());
                }
                None => {
                    self.shadows.remove(key);
                }
            }
        }
        for (item, binding) in &delta.items {
            match binding {
                Some(binding) => {
                    self.items.insert(item.clone(), binding.clone());
                }
                None => {
                    self.items.remove(item);
                }
            }
        }
    }

    /// Items bound as synced on `calendar`: the base of the deletion guard's ratios.
    pub fn synced_count(&self, calendar: &CalendarId) -> usize {
        self.items
            .iter()
            .filter(|(item, binding)| {
                &item.calendar == calendar && matches!(binding.status, ItemStatus::Synced { .. })
            })
            .count()
    }
}
