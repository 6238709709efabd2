//! What the planner produces.

use super::{ItemRef, LinkStateDelta};
use crate::domain::{
    CalendarId, ContentHash, CopyKey, Etag, Event, FieldHashes, FieldKey, OriginKey,
};
use chrono::{DateTime, Utc};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Operation {
    /// Create the copy (or a re-created original) under its deterministic key.
    Create {
        calendar: CalendarId,
        key: CopyKey,
        event: Event,
    },
    Update {
        item: ItemRef,
        etag: Option<Etag>,
        event: Event,
    },
    Delete {
        item: ItemRef,
        etag: Option<Etag>,
    },
}

impl Operation {
    pub fn calendar(&self) -> &CalendarId {
        match self {
            Self::Create { calendar, .. } => calendar,
            Self::Update { item, .. } | Self::Delete { item, .. } => &item.calendar,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedOp {
    pub origin: OriginKey,
    pub op: Operation,
    /// For creates and updates: the side's hashes once the write succeeded.
    pub written: Option<(ContentHash, FieldHashes)>,
}

/// The same field edited on several sides: who won.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    pub origin: OriginKey,
    pub field: FieldKey,
    pub winner: CalendarId,
    pub losers: Vec<CalendarId>,
}

/// Something worth telling the user; never carries event content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    Malformed {
        item: ItemRef,
        reason: String,
    },
    RecurrenceUnsupported {
        calendar: CalendarId,
        origin: OriginKey,
    },
    OrphanCopy {
        item: ItemRef,
    },
    DuplicateCopy {
        item: ItemRef,
    },
    SameUidOnTarget {
        origin: OriginKey,
        calendar: CalendarId,
    },
    ReadOnlyTarget {
        origin: OriginKey,
        calendar: CalendarId,
    },
    EditBeatDelete {
        origin: OriginKey,
    },
}

impl fmt::Display for Notice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Malformed { item, reason } => write!(
                f,
                "skipped malformed event {} on {}: {reason}",
                item.remote_id, item.calendar
            ),
            Self::RecurrenceUnsupported { calendar, origin } => write!(
                f,
                "skipped recurring event {} for {calendar}: its server mangles recurrence rules",
                origin.uid
            ),
            Self::OrphanCopy { item } => write!(
                f,
                "left alone copy {} on {}: its original is unknown",
                item.remote_id, item.calendar
            ),
            Self::DuplicateCopy { item } => {
                write!(f, "duplicate copy {} on {}", item.remote_id, item.calendar)
            }
            Self::SameUidOnTarget { origin, calendar } => write!(
                f,
                "not copying {} to {calendar}: the same event (UID) is already there",
                origin.uid
            ),
            Self::ReadOnlyTarget { origin, calendar } => write!(
                f,
                "not copying {} to {calendar}: the calendar is read-only",
                origin.uid
            ),
            Self::EditBeatDelete { origin } => write!(
                f,
                "event {} was deleted on one side and edited on another: the edit wins",
                origin.uid
            ),
        }
    }
}

/// Why a pass was stopped instead of deleting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SafetyTrip {
    /// A calendar that held synced events suddenly lists none.
    Emptied { calendar: CalendarId, had: usize },
    /// Too many deletions on one calendar in one pass.
    MassDelete {
        calendar: CalendarId,
        deletes: usize,
        synced: usize,
    },
}

impl fmt::Display for SafetyTrip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Emptied { calendar, had } => write!(
                f,
                "deletion guard: calendar {calendar} held {had} synced events and now lists none; \
                 nothing was deleted. If this is intended, run `calsync link resume <link> --allow-deletes`"
            ),
            Self::MassDelete {
                calendar,
                deletes,
                synced,
            } => write!(
                f,
                "deletion guard: this pass would delete {deletes} of {synced} synced events on \
                 calendar {calendar}; nothing was deleted. If this is intended, run \
                 `calsync link resume <link> --allow-deletes`"
            ),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub ops: Vec<PlannedOp>,
    /// State changes implied by the observations; the effects of the operations are added by
    /// [`super::settle`] from their outcomes.
    pub delta: LinkStateDelta,
    pub conflicts: Vec<Conflict>,
    pub notices: Vec<Notice>,
    /// Set when the deletion guard stopped the pass: then `ops` and `delta` are empty.
    pub halt: Option<SafetyTrip>,
    /// The time the plan was made: when its writes were attempted, as far as the state knows.
    pub planned_at: DateTime<Utc>,
}
