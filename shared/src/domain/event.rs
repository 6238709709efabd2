//! The normalised event: one calendar object resource (RFC 4791 §4.1), i.e. one UID with an
//! optional master and its RECURRENCE-ID overrides, which always travel together.

use super::{EventTime, LinkId, OriginTag};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub uid: String,
    /// `None` when the resource holds only overrides (e.g. an invitation to one instance).
    pub master: Option<Component>,
    /// Overrides keyed by the canonical instant of their RECURRENCE-ID, so that the same
    /// instance matches whether a server writes it in UTC or in the series' zone.
    pub overrides: BTreeMap<RecurrenceKey, Component>,
    /// Set on copies: which original this is a copy of.
    pub origin: Option<OriginTag>,
    /// Set on copies: which link manages this copy (a second link copying the same original
    /// to the same calendar leaves it to its owner instead of fighting over it).
    pub owner_link: Option<LinkId>,
    /// VTIMEZONE blocks referenced by the components, carried verbatim on copies.
    /// Not part of the content hash: the TZID on each date-time is what carries meaning.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub timezones: Vec<String>,
}

/// Why a stored item could not be read as an event. Holds no event content.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct MalformedEvent {
    pub reason: String,
}

/// The canonical instant of a RECURRENCE-ID (see [`EventTime::canonical`] on its UTC form).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RecurrenceKey(pub String);

impl RecurrenceKey {
    pub fn of(recurrence_id: &EventTime) -> Self {
        match recurrence_id {
            EventTime::Date { .. } | EventTime::Floating { .. } => Self(recurrence_id.canonical()),
            EventTime::Utc { .. } | EventTime::Zoned { .. } => match recurrence_id.to_utc() {
                Ok(at) => Self(EventTime::utc(at).canonical()),
                Err(_) => Self(recurrence_id.canonical()),
            },
        }
    }
}

/// One VEVENT: the master or one override.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Component {
    /// Set on overrides only.
    pub recurrence_id: Option<EventTime>,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub location: Option<String>,
    pub start: Option<EventTime>,
    /// Normalised from DURATION when the source used one.
    pub end: Option<EventTime>,
    pub transparency: Transparency,
    pub status: Option<EventStatus>,
    /// CLASS (PUBLIC / PRIVATE / CONFIDENTIAL / x-name), kept as text.
    pub class: Option<String>,
    pub organizer: Option<Participant>,
    pub attendees: Vec<Participant>,
    /// Set on the master only.
    pub recurrence: Recurrence,
    pub last_modified: Option<DateTime<Utc>>,
    /// DTSTAMP; used only as a fallback when LAST-MODIFIED is missing in a conflict.
    pub dtstamp: Option<DateTime<Utc>>,
    pub sequence: u32,
    /// VALARM blocks as canonical iCalendar text.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alarms: Vec<String>,
    /// Properties calsync does not model (X- props, CATEGORIES, URL, ...) as canonical,
    /// unfolded content lines, sorted. Carried verbatim on full copies.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extra: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Transparency {
    /// Blocks time (busy). The iCalendar default.
    #[default]
    Opaque,
    /// Does not block time (free).
    Transparent,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventStatus {
    Tentative,
    Confirmed,
    Cancelled,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Participant {
    /// Lower-cased address without `mailto:`.
    pub email: String,
    pub name: Option<String>,
    /// PARTSTAT, upper-case (NEEDS-ACTION, ACCEPTED, DECLINED, TENTATIVE, DELEGATED, ...).
    pub partstat: Option<String>,
    /// ROLE, upper-case (REQ-PARTICIPANT, OPT-PARTICIPANT, CHAIR, ...).
    pub role: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Hash, Serialize, Deserialize)]
pub struct Recurrence {
    /// RRULE in canonical part order (FREQ first), so servers that reorder parts
    /// (Xandikos) do not look like edits.
    pub rrule: Option<String>,
    pub rdates: Vec<EventTime>,
    pub exdates: Vec<EventTime>,
}

impl Recurrence {
    pub fn is_empty(&self) -> bool {
        self.rrule.is_none() && self.rdates.is_empty()
    }
}

impl Event {
    /// The master if present, else the first override: the component that speaks for the event.
    pub fn primary(&self) -> Option<&Component> {
        self.master
            .as_ref()
            .or_else(|| self.overrides.values().next())
    }

    pub fn is_recurring(&self) -> bool {
        self.master
            .as_ref()
            .is_some_and(|master| !master.recurrence.is_empty())
            || !self.overrides.is_empty()
    }

    pub fn summary(&self) -> Option<&str> {
        self.primary().and_then(|c| c.summary.as_deref())
    }

    pub fn is_all_day(&self) -> bool {
        self.primary()
            .and_then(|c| c.start.as_ref())
            .is_some_and(EventTime::is_all_day)
    }

    /// The newest LAST-MODIFIED (or DTSTAMP when none is set) over all components.
    pub fn modified_at(&self) -> Option<DateTime<Utc>> {
        self.components()
            .filter_map(|c| c.last_modified.or(c.dtstamp))
            .max()
    }

    pub fn components(&self) -> impl Iterator<Item = &Component> {
        self.master.iter().chain(self.overrides.values())
    }

    pub fn components_mut(&mut self) -> impl Iterator<Item = &mut Component> {
        self.master.iter_mut().chain(self.overrides.values_mut())
    }
}
