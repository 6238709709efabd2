//! Accounts and the calendars found in them, with what each calendar's server can do.

use super::{AccountId, CalendarId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountKind {
    Caldav,
    Google,
    Microsoft,
}

impl AccountKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Caldav => "caldav",
            Self::Google => "google",
            Self::Microsoft => "microsoft",
        }
    }
}

/// A connected account. Its credential is stored sealed (see `ports::SecretSealer`);
/// this struct never holds it in clear.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub id: AccountId,
    /// The user's handle for it, unique per tenant.
    pub name: String,
    pub kind: AccountKind,
    /// CalDAV: the address discovery started from.
    pub url: Option<String>,
    pub username: Option<String>,
    /// The sealed password or OAuth token set.
    pub sealed_secret: Vec<u8>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecurrenceSupport {
    /// Not probed yet.
    #[default]
    Unknown,
    /// An RRULE + EXDATE + override written to the server read back intact.
    Intact,
    /// The server altered or dropped recurrence data: recurring events are skipped there.
    Mangled,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Capabilities {
    /// RFC 6578 sync-collection REPORT works.
    pub sync_collection: bool,
    /// `CS:getctag` is reported.
    pub ctag: bool,
    pub recurrence: RecurrenceSupport,
}

impl Capabilities {
    /// Recurring events are synced unless the server was caught mangling them.
    pub fn recurrence_ok(&self) -> bool {
        self.recurrence != RecurrenceSupport::Mangled
    }
}

/// How changes on a calendar are detected; shown in `calsync status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DetectionMethod {
    #[default]
    Unknown,
    /// RFC 6578 sync-collection with a sync-token.
    SyncCollection,
    /// CTag gate, then a Depth:1 ETag listing (servers without RFC 6578, e.g. sabre/dav 1.8).
    CtagEtagScan,
    /// Google `nextSyncToken`.
    SyncToken,
    /// Microsoft Graph delta link.
    Delta,
}

/// Where change detection resumes. Opaque provider strings, never interpreted.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SyncCursor {
    /// RFC 6578 sync-token, Google nextSyncToken or Graph deltaLink.
    pub token: Option<String>,
    /// CalDAV CTag (compared for equality only).
    pub ctag: Option<String>,
    /// CalDAV: what the collection's `DAV:getlastmodified` said before the last full check.
    /// `None` in cursors stored before it existed and where nothing was learnt yet: the next
    /// check asks once. Left out of the serialised form when `None`, so old readers and old
    /// stored cursors (SQLite rows, DynamoDB items, queued jobs) stay interchangeable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified_gate: Option<ModifiedGate>,
}

/// A CalDAV collection's `DAV:getlastmodified` used as a check that is cheap for the server
/// (Radicale derives it from file mtimes, while a sync-token costs it a read of every member).
/// Times are the server's own, in whole Unix seconds: the property has 1-s resolution and is
/// only ever compared with the same server's `Date` header, never with our clock.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ModifiedGate {
    pub trust: GateTrust,
    /// The value read just before the full check that produced the cursor's token.
    /// `None` after the server answered without the property.
    pub seen: Option<i64>,
    /// `seen` was clearly (by the margin of the decision rules) older than the `Date` of the
    /// reply that carried it, so any later member change yields a later value.
    pub settled: bool,
    /// The server's `Date` of that reply: when the last full check started.
    pub full_check_at: Option<i64>,
}

/// How far the gate of one calendar is trusted; it only ever moves down to `Unusable`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GateTrust {
    /// Read, but not yet seen to move when the sync-token moved.
    #[default]
    Untested,
    /// Seen to move with a change: an equal, settled value means unchanged.
    Trusted,
    /// No property, no `Date`, or the token moved while the value did not: never asked again.
    Unusable,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarInfo {
    pub id: CalendarId,
    pub account: AccountId,
    pub name: String,
    /// CalDAV collection URL, or the provider's calendar id.
    pub url: String,
    pub color: Option<String>,
    /// The owner's calendar-user addresses (lower-case, no `mailto:`), to spot declined invitations.
    pub owner_emails: Vec<String>,
    pub read_only: bool,
    pub capabilities: Capabilities,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_stored_before_the_gate_existed_still_read() {
        let old = r#"{"token":"http://radicale.org/ns/sync/abc","ctag":null}"#;
        let cursor: SyncCursor = serde_json::from_str(old).unwrap();
        assert_eq!(
            cursor.token.as_deref(),
            Some("http://radicale.org/ns/sync/abc")
        );
        assert_eq!(cursor.modified_gate, None);
    }

    #[test]
    fn a_cursor_without_a_gate_serialises_as_before() {
        let cursor = SyncCursor {
            token: Some("t".into()),
            ctag: None,
            modified_gate: None,
        };
        assert_eq!(
            serde_json::to_string(&cursor).unwrap(),
            r#"{"token":"t","ctag":null}"#
        );
        let gated = SyncCursor {
            modified_gate: Some(ModifiedGate {
                trust: GateTrust::Trusted,
                seen: Some(10),
                settled: true,
                full_check_at: Some(12),
            }),
            ..cursor
        };
        let json = serde_json::to_string(&gated).unwrap();
        assert!(json.contains(r#""trust":"trusted""#), "{json}");
        assert_eq!(serde_json::from_str::<SyncCursor>(&json).unwrap(), gated);
    }
}
