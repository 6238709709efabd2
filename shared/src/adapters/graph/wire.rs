//! Microsoft Graph v1.0 JSON as calsync reads and writes it: only the properties it maps
//! (https://learn.microsoft.com/graph/api/resources/event). Unknown properties are ignored.

use serde::{Deserialize, Serialize};

/// The extended-property namespace of calsync's own markers (a fixed GUID: Graph identifies
/// a named property by GUID + name, and the name part is case-sensitive).
pub const PROPERTY_SET: &str = "{4c1a5e0e-3b7d-4f1e-9a56-1a2b3c4d5e6f}";
pub const ORIGIN_NAME: &str = "calsyncOrigin";
pub const LINK_NAME: &str = "calsyncLink";
/// The UID calsync gave an original it created: Graph assigns its own `iCalUId` to every new
/// event, so an original restored on its calendar (an edit beat its deletion) would otherwise
/// come back as a different event, and be copied everywhere a second time.
pub const UID_NAME: &str = "calsyncUid";

pub fn property_id(name: &str) -> String {
    format!("String {PROPERTY_SET} Name {name}")
}

/// `$expand` clause reading calsync's markers along with an event.
pub fn expand_markers() -> String {
    format!(
        "singleValueExtendedProperties($filter=id eq '{}' or id eq '{}' or id eq '{}')",
        property_id(ORIGIN_NAME),
        property_id(LINK_NAME),
        property_id(UID_NAME)
    )
}

/// One page of a collection or of a delta round.
#[derive(Debug, Deserialize)]
pub struct Page<T> {
    #[serde(default = "Vec::new")]
    pub value: Vec<T>,
    #[serde(rename = "@odata.nextLink")]
    pub next_link: Option<String>,
    #[serde(rename = "@odata.deltaLink")]
    pub delta_link: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GraphCalendar {
    pub id: String,
    #[serde(default)]
    pub name: String,
    pub hex_color: Option<String>,
    #[serde(default)]
    pub can_edit: bool,
    pub owner: Option<EmailAddress>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailAddress {
    pub name: Option<String>,
    pub address: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DateTimeTimeZone {
    /// Local date-time, e.g. `2026-01-05T09:00:00.0000000`.
    pub date_time: String,
    /// A Windows zone name ("W. Europe Standard Time") or one of the IANA names Graph accepts.
    pub time_zone: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemBody {
    pub content_type: Option<String>,
    pub content: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Location {
    pub display_name: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Recipient {
    pub email_address: Option<EmailAddress>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Attendee {
    pub email_address: Option<EmailAddress>,
    /// required | optional | resource
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub status: Option<ResponseStatus>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct ResponseStatus {
    pub response: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PatternedRecurrence {
    pub pattern: RecurrencePattern,
    pub range: RecurrenceRange,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecurrencePattern {
    /// daily | weekly | absoluteMonthly | relativeMonthly | absoluteYearly | relativeYearly
    #[serde(rename = "type")]
    pub kind: String,
    pub interval: u32,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub days_of_week: Vec<String>,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub day_of_month: u32,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub month: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_day_of_week: Option<String>,
    /// first | second | third | fourth | last
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<String>,
}

fn is_zero(value: &u32) -> bool {
    *value == 0
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecurrenceRange {
    /// endDate | noEnd | numbered
    #[serde(rename = "type")]
    pub kind: String,
    pub start_date: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_date: Option<String>,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub number_of_occurrences: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recurrence_time_zone: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtendedProperty {
    pub id: String,
    pub value: String,
}

/// An event as Graph returns it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GraphEvent {
    pub id: String,
    #[serde(rename = "@odata.etag")]
    pub etag: Option<String>,
    #[serde(rename = "iCalUId")]
    pub ical_uid: Option<String>,
    /// singleInstance | occurrence | exception | seriesMaster
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub series_master_id: Option<String>,
    /// The occurrence's unmodified start (UTC, DateTimeOffset), on occurrences and exceptions.
    pub original_start: Option<String>,
    pub original_start_time_zone: Option<String>,
    pub original_end_time_zone: Option<String>,
    pub subject: Option<String>,
    pub body: Option<ItemBody>,
    pub location: Option<Location>,
    pub start: Option<DateTimeTimeZone>,
    pub end: Option<DateTimeTimeZone>,
    #[serde(default)]
    pub is_all_day: bool,
    #[serde(default)]
    pub is_cancelled: bool,
    pub show_as: Option<String>,
    pub sensitivity: Option<String>,
    pub organizer: Option<Recipient>,
    #[serde(default)]
    pub attendees: Vec<Attendee>,
    pub recurrence: Option<PatternedRecurrence>,
    pub last_modified_date_time: Option<String>,
    #[serde(default)]
    pub single_value_extended_properties: Vec<ExtendedProperty>,
    /// Set on delta items that were deleted (or left the window).
    #[serde(rename = "@removed")]
    pub removed: Option<serde_json::Value>,
}

impl GraphEvent {
    pub fn kind(&self) -> &str {
        self.kind.as_deref().unwrap_or("singleInstance")
    }

    pub fn marker(&self, name: &str) -> Option<&str> {
        let id = property_id(name);
        self.single_value_extended_properties
            .iter()
            .find(|p| p.id.eq_ignore_ascii_case(&id))
            .map(|p| p.value.as_str())
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GraphSubscription {
    pub id: String,
    pub expiration_date_time: String,
}

/// `{"error": {"code": "...", "message": "..."}}`
#[derive(Debug, Deserialize)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Deserialize)]
pub struct ErrorDetail {
    pub code: Option<String>,
}
