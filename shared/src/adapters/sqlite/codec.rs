//! Column encodings: ids and timestamps as text, enums as their serde names, structured
//! values (capabilities, links, shadows, bindings, statuses) as JSON text. Anything that
//! does not decode is reported as [`StoreError::Corrupt`], never silently defaulted.

use crate::ports::StoreError;
use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;

pub(super) fn to_json<T: Serialize>(what: &str, value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value)
        .map_err(|e| StoreError::Corrupt(format!("cannot encode {what}: {e}")))
}

pub(super) fn from_json<T: DeserializeOwned>(what: &str, text: &str) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("stored {what}: {e}")))
}

/// An enum's serde name (`"sync-collection"`), so the column reads like the JSON elsewhere.
pub(super) fn enum_to_text<T: Serialize>(what: &str, value: &T) -> Result<String, StoreError> {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(text)) => Ok(text),
        Ok(other) => Err(StoreError::Corrupt(format!(
            "cannot encode {what}: not a unit variant ({other})"
        ))),
        Err(e) => Err(StoreError::Corrupt(format!("cannot encode {what}: {e}"))),
    }
}

pub(super) fn enum_from_text<T: DeserializeOwned>(
    what: &str,
    text: String,
) -> Result<T, StoreError> {
    serde_json::from_value(serde_json::Value::String(text))
        .map_err(|e| StoreError::Corrupt(format!("stored {what}: {e}")))
}

/// RFC 3339 with as many fractional digits as needed: exact round trip, readable in `sqlite3`.
pub(super) fn time_to_text(at: &DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

pub(super) fn time_from_text(what: &str, text: &str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(text)
        .map(|at| at.with_timezone(&Utc))
        .map_err(|e| StoreError::Corrupt(format!("stored {what} {text:?}: {e}")))
}

pub(super) fn optional_time_from_text(
    what: &str,
    text: Option<String>,
) -> Result<Option<DateTime<Utc>>, StoreError> {
    text.map(|text| time_from_text(what, &text)).transpose()
}

/// Validated ids (`TenantId`, `CalendarId`, ...) read back from a column.
pub(super) fn id_from_text<T>(what: &str, text: String) -> Result<T, StoreError>
where
    T: TryFrom<String>,
    T::Error: std::fmt::Display,
{
    T::try_from(text).map_err(|e| StoreError::Corrupt(format!("stored {what}: {e}")))
}

pub(super) fn count_to_sql(count: usize) -> i64 {
    i64::try_from(count).unwrap_or(i64::MAX)
}

pub(super) fn count_from_sql(what: &str, value: i64) -> Result<usize, StoreError> {
    usize::try_from(value).map_err(|_| StoreError::Corrupt(format!("stored {what} is {value}")))
}

pub(super) fn version_to_sql(version: u64) -> Result<i64, StoreError> {
    i64::try_from(version)
        .map_err(|_| StoreError::Conflict(format!("link status version {version} is out of range")))
}

pub(super) fn version_from_sql(value: i64) -> Result<u64, StoreError> {
    u64::try_from(value).map_err(|_| StoreError::Corrupt(format!("stored link version is {value}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::DetectionMethod;
    use chrono::TimeZone;

    #[test]
    fn timestamps_round_trip_to_the_nanosecond() {
        let at = Utc.timestamp_opt(1_767_225_600, 123_456_789).unwrap();
        assert_eq!(time_from_text("t", &time_to_text(&at)).unwrap(), at);
        let whole = Utc.timestamp_opt(1_767_225_600, 0).unwrap();
        assert_eq!(time_to_text(&whole), "2026-01-01T00:00:00Z");
    }

    #[test]
    fn enums_are_stored_by_their_serde_name() {
        let text = enum_to_text("method", &DetectionMethod::CtagEtagScan).unwrap();
        assert_eq!(text, "ctag-etag-scan");
        let back: DetectionMethod = enum_from_text("method", text).unwrap();
        assert_eq!(back, DetectionMethod::CtagEtagScan);
    }

    #[test]
    fn undecodable_values_are_corrupt_not_defaulted() {
        let bad: Result<DetectionMethod, _> = enum_from_text("method", "carrier-pigeon".into());
        assert!(matches!(bad, Err(StoreError::Corrupt(_))));
        assert!(matches!(
            time_from_text("t", "yesterday"),
            Err(StoreError::Corrupt(_))
        ));
        assert!(matches!(
            count_from_sql("count", -1),
            Err(StoreError::Corrupt(_))
        ));
    }
}
