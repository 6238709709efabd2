//! The Google Calendar API v3 JSON resources calsync reads and writes (Events, CalendarList,
//! Channel, error bodies). Unknown fields are ignored on input.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// An Events resource. On output every modelled field is written, `null` included, so that a
/// PATCH clears what the event no longer has while leaving what calsync does not model
/// (reminders, attachments, conference data, colours) as the user set it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct WireEvent {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing)]
    pub etag: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, rename = "iCalUID", skip_serializing)]
    pub ical_uid: Option<String>,
    #[serde(default)]
    pub summary: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub location: Option<String>,
    #[serde(default)]
    pub start: Option<WireTime>,
    #[serde(default)]
    pub end: Option<WireTime>,
    /// RFC 5545 RRULE / EXRULE / RDATE / EXDATE content lines (masters only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recurrence: Option<Vec<String>>,
    #[serde(default, skip_serializing)]
    pub recurring_event_id: Option<String>,
    #[serde(default, skip_serializing)]
    pub original_start_time: Option<WireTime>,
    #[serde(default)]
    pub transparency: Option<String>,
    #[serde(default)]
    pub visibility: Option<String>,
    #[serde(default, skip_serializing)]
    pub organizer: Option<WirePerson>,
    #[serde(default)]
    pub attendees: Option<Vec<WireAttendee>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequence: Option<u32>,
    #[serde(default, skip_serializing)]
    pub updated: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extended_properties: Option<ExtendedProperties>,
}

impl WireEvent {
    pub fn is_cancelled(&self) -> bool {
        self.status.as_deref() == Some("cancelled")
    }
}

/// `start`, `end`, `originalStartTime`: either `date` (all-day) or `dateTime` (RFC 3339) with
/// an optional IANA `timeZone`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct WireTime {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct WirePerson {
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct WireAttendee {
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// needsAction / declined / tentative / accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub optional: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organizer: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct ExtendedProperties {
    /// Visible only on this calendar's copy of the event: where calsync keeps its markers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private: Option<BTreeMap<String, String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shared: Option<BTreeMap<String, String>>,
}

/// One page of `events.list`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct EventPage {
    #[serde(default)]
    pub items: Vec<serde_json::Value>,
    #[serde(default)]
    pub next_page_token: Option<String>,
    #[serde(default)]
    pub next_sync_token: Option<String>,
}

/// One page of `calendarList.list`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct CalendarListPage {
    #[serde(default)]
    pub items: Vec<CalendarListEntry>,
    #[serde(default)]
    pub next_page_token: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct CalendarListEntry {
    pub id: String,
    #[serde(default)]
    pub summary: Option<String>,
    #[serde(default)]
    pub summary_override: Option<String>,
    #[serde(default)]
    pub background_color: Option<String>,
    /// freeBusyReader / reader / writer / owner.
    #[serde(default)]
    pub access_role: Option<String>,
    #[serde(default)]
    pub deleted: bool,
}

/// The `events.watch` request.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct WatchRequest<'a> {
    pub id: &'a str,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub address: &'a str,
    pub token: &'a str,
    /// Milliseconds since the epoch, as a string (the API's int64 convention).
    pub expiration: String,
}

/// A Channel resource as `events.watch` answers it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct WireChannel {
    pub id: String,
    #[serde(default)]
    pub resource_id: Option<String>,
    /// Milliseconds since the epoch; int64 values come as strings, but accept numbers too.
    #[serde(default)]
    pub expiration: Option<serde_json::Value>,
}

/// `{"error": {"code", "message", "errors": [{"reason"}]}}`.
#[derive(Debug, Clone, Default, Deserialize)]
pub(super) struct ErrorBody {
    #[serde(default)]
    pub error: Option<ErrorDetail>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub(super) struct ErrorDetail {
    #[serde(default)]
    pub errors: Vec<ErrorReason>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub(super) struct ErrorReason {
    #[serde(default)]
    pub reason: Option<String>,
}
