//! Event start/end values as iCalendar knows them: all-day dates, floating local times,
//! UTC instants and local times in a named zone.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use std::str::FromStr;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TimeError {
    #[error("unknown time zone {0:?}")]
    UnknownZone(String),
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventTime {
    /// `VALUE=DATE`: an all-day value.
    Date { date: NaiveDate },
    /// A local time with no zone: the same wall-clock time wherever the reader is.
    Floating { local: NaiveDateTime },
    /// A UTC instant (`...Z`).
    Utc { at: NaiveDateTime },
    /// A local time in a named zone (`TZID=`): IANA, Windows or a custom VTIMEZONE name.
    Zoned { local: NaiveDateTime, tzid: String },
}

impl EventTime {
    pub fn utc(at: DateTime<Utc>) -> Self {
        Self::Utc { at: at.naive_utc() }
    }

    pub fn is_all_day(&self) -> bool {
        matches!(self, Self::Date { .. })
    }

    pub fn tzid(&self) -> Option<&str> {
        match self {
            Self::Zoned { tzid, .. } => Some(tzid),
            _ => None,
        }
    }

    /// The instant this value denotes. Dates and floating times are read as UTC: close
    /// enough for sync-window decisions, which is all this is used for.
    pub fn to_utc(&self) -> Result<DateTime<Utc>, TimeError> {
        match self {
            Self::Date { date } => Ok(Utc.from_utc_datetime(&date.and_time(NaiveTime::MIN))),
            Self::Floating { local } | Self::Utc { at: local } => Ok(Utc.from_utc_datetime(local)),
            Self::Zoned { local, tzid } => {
                let zone =
                    resolve_zone(tzid).ok_or_else(|| TimeError::UnknownZone(tzid.clone()))?;
                Ok(localise(&zone, local))
            }
        }
    }

    /// The instant, falling back to reading the local time as UTC for unknown zones.
    pub fn to_utc_lenient(&self) -> DateTime<Utc> {
        match self.to_utc() {
            Ok(at) => at,
            Err(_) => match self {
                Self::Zoned { local, .. } => Utc.from_utc_datetime(local),
                // to_utc only fails for zoned values.
                _ => Utc.from_utc_datetime(&NaiveDateTime::MIN),
            },
        }
    }

    /// The same kind of value shifted by `delta` of wall-clock time (DURATION handling).
    pub fn shifted(&self, delta: chrono::TimeDelta) -> Self {
        match self {
            Self::Date { date } => Self::Date {
                date: *date + chrono::Days::new(delta.num_days().max(0).unsigned_abs()),
            },
            Self::Floating { local } => Self::Floating {
                local: *local + delta,
            },
            Self::Utc { at } => Self::Utc { at: *at + delta },
            Self::Zoned { local, tzid } => Self::Zoned {
                local: *local + delta,
                tzid: tzid.clone(),
            },
        }
    }

    /// A canonical text form, stable across servers, used in hashes and as override keys.
    pub fn canonical(&self) -> String {
        match self {
            Self::Date { date } => date.format("%Y%m%d").to_string(),
            Self::Floating { local } => local.format("%Y%m%dT%H%M%S").to_string(),
            Self::Utc { at } => at.format("%Y%m%dT%H%M%SZ").to_string(),
            Self::Zoned { local, tzid } => format!("{tzid}:{}", local.format("%Y%m%dT%H%M%S")),
        }
    }
}

/// Resolves IANA names, Windows names ("W. Europe Standard Time") and the usual vendor
/// prefixes (`/freeassociation.sourceforge.net/...`) to a zone; `None` for custom zones.
pub fn resolve_zone(tzid: &str) -> Option<chrono_tz::Tz> {
    if let Ok(zone) = chrono_tz::Tz::from_str(tzid) {
        return Some(zone);
    }
    match calcard::common::timezone::Tz::from_str(tzid) {
        Ok(calcard::common::timezone::Tz::Tz(zone)) => Some(zone),
        _ => None,
    }
}

fn localise(zone: &chrono_tz::Tz, local: &NaiveDateTime) -> DateTime<Utc> {
    use chrono::LocalResult;
    match zone.from_local_datetime(local) {
        LocalResult::Single(at) => at.with_timezone(&Utc),
        LocalResult::Ambiguous(first, _) => first.with_timezone(&Utc),
        // A local time in a DST gap: RFC 5545 §3.3.5 says to read it with the offset before the gap.
        LocalResult::None => {
            let shifted = *local + chrono::TimeDelta::hours(1);
            zone.from_local_datetime(&shifted)
                .earliest()
                .map(|at| at.with_timezone(&Utc))
                .unwrap_or_else(|| Utc.from_utc_datetime(local))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y%m%dT%H%M%S").unwrap()
    }

    #[test]
    fn zoned_time_resolves_iana_and_windows_names() {
        let iana = EventTime::Zoned {
            local: local("20260105T090000"),
            tzid: "Europe/Berlin".into(),
        };
        let windows = EventTime::Zoned {
            local: local("20260105T090000"),
            tzid: "W. Europe Standard Time".into(),
        };
        assert_eq!(
            iana.to_utc().unwrap().to_rfc3339(),
            "2026-01-05T08:00:00+00:00"
        );
        assert_eq!(windows.to_utc().unwrap(), iana.to_utc().unwrap());
    }

    #[test]
    fn unknown_zone_is_an_error_but_lenient_reads_it_as_utc() {
        let custom = EventTime::Zoned {
            local: local("20260105T090000"),
            tzid: "My Own Zone".into(),
        };
        assert!(custom.to_utc().is_err());
        assert_eq!(
            custom.to_utc_lenient().to_rfc3339(),
            "2026-01-05T09:00:00+00:00"
        );
    }

    #[test]
    fn dst_gap_reads_with_the_offset_before_the_gap() {
        // 2026-03-29 02:30 does not exist in Berlin.
        let gap = EventTime::Zoned {
            local: local("20260329T023000"),
            tzid: "Europe/Berlin".into(),
        };
        assert_eq!(
            gap.to_utc().unwrap().to_rfc3339(),
            "2026-03-29T01:30:00+00:00"
        );
    }
}
