//! Start/end values between the domain's [`EventTime`] and Google's `date` / `dateTime` +
//! `timeZone`, and the instance ids Google derives from a series' original start times.

use super::wire::WireTime;
use crate::domain::{EventTime, resolve_zone};
use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};

/// Google answers UTC events with either zone name.
const UTC_NAMES: &[&str] = &["UTC", "Etc/UTC", "GMT", "Etc/GMT", "Z"];

/// Google's form of a time. Zones it cannot know (custom VTIMEZONE names) are sent as the
/// UTC instant; Windows names as their IANA equivalent; floating times, which Google cannot
/// hold, as UTC wall-clock time.
pub(super) fn to_wire(time: &EventTime) -> WireTime {
    match time {
        EventTime::Date { date } => WireTime {
            date: Some(date.format("%Y-%m-%d").to_string()),
            ..WireTime::default()
        },
        EventTime::Floating { local } | EventTime::Utc { at: local } => utc_wire(local),
        EventTime::Zoned { local, tzid } => match resolve_zone(tzid) {
            Some(zone) => {
                let at = EventTime::Zoned {
                    local: *local,
                    tzid: tzid.clone(),
                }
                .to_utc_lenient()
                .with_timezone(&zone);
                WireTime {
                    date: None,
                    date_time: Some(at.to_rfc3339()),
                    time_zone: Some(zone.name().to_string()),
                }
            }
            None => utc_wire(&time.to_utc_lenient().naive_utc()),
        },
    }
}

fn utc_wire(at: &NaiveDateTime) -> WireTime {
    WireTime {
        date: None,
        date_time: Some(format!("{}Z", at.format("%Y-%m-%dT%H:%M:%S"))),
        // Required on recurring events; harmless on single ones.
        time_zone: Some("UTC".into()),
    }
}

/// The domain's form of a Google time: a date, a UTC instant, or a local time in the named
/// zone when one is given (so a Berlin series stays a Berlin series across DST).
pub(super) fn from_wire(time: &WireTime) -> Result<EventTime, String> {
    if let Some(date) = &time.date {
        let date = NaiveDate::parse_from_str(date, "%Y-%m-%d")
            .map_err(|_| "an invalid all-day date".to_string())?;
        return Ok(EventTime::Date { date });
    }
    let Some(text) = &time.date_time else {
        return Err("a time with neither date nor dateTime".into());
    };
    let at = parse_instant(text, time.time_zone.as_deref())
        .ok_or_else(|| "an invalid dateTime".to_string())?;
    match time.time_zone.as_deref() {
        Some(name) if !UTC_NAMES.contains(&name) => match resolve_zone(name) {
            Some(zone) => Ok(EventTime::Zoned {
                local: at.with_timezone(&zone).naive_local(),
                tzid: zone.name().to_string(),
            }),
            None => Ok(EventTime::utc(at)),
        },
        _ => Ok(EventTime::utc(at)),
    }
}

/// RFC 3339 with an offset, or (as the API allows when `timeZone` is set) a bare local time.
fn parse_instant(text: &str, zone: Option<&str>) -> Option<DateTime<Utc>> {
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Some(at.with_timezone(&Utc));
    }
    let local = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S").ok()?;
    match zone.and_then(resolve_zone) {
        Some(zone) => zone
            .from_local_datetime(&local)
            .earliest()
            .map(|at| at.with_timezone(&Utc)),
        None => Some(Utc.from_utc_datetime(&local)),
    }
}

/// The suffix Google gives an instance of a series: `_YYYYMMDD` for all-day series,
/// `_YYYYMMDDTHHMMSSZ` (UTC) otherwise.
pub(super) fn instance_id(master_id: &str, original_start: &EventTime) -> String {
    let suffix = match original_start {
        EventTime::Date { date } => date.format("%Y%m%d").to_string(),
        other => other.to_utc_lenient().format("%Y%m%dT%H%M%SZ").to_string(),
    };
    format!("{master_id}_{suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y%m%dT%H%M%S").unwrap()
    }

    #[test]
    fn zoned_times_keep_their_zone_and_windows_names_become_iana() {
        let windows = EventTime::Zoned {
            local: local("20260105T090000"),
            tzid: "W. Europe Standard Time".into(),
        };
        let wire = to_wire(&windows);
        assert_eq!(wire.date_time.as_deref(), Some("2026-01-05T09:00:00+01:00"));
        assert_eq!(wire.time_zone.as_deref(), Some("Europe/Berlin"));
        assert_eq!(
            from_wire(&wire).unwrap(),
            EventTime::Zoned {
                local: local("20260105T090000"),
                tzid: "Europe/Berlin".into()
            }
        );
    }

    #[test]
    fn utc_and_dates_round_trip_and_offsets_without_zone_read_as_utc() {
        for time in [
            EventTime::Date {
                date: NaiveDate::from_ymd_opt(2026, 2, 28).unwrap(),
            },
            EventTime::Utc {
                at: local("20260105T090000"),
            },
        ] {
            assert_eq!(from_wire(&to_wire(&time)).unwrap(), time);
        }
        let offset = WireTime {
            date_time: Some("2026-01-05T10:00:00+01:00".into()),
            ..WireTime::default()
        };
        assert_eq!(
            from_wire(&offset).unwrap(),
            EventTime::Utc {
                at: local("20260105T090000")
            }
        );
    }

    #[test]
    fn custom_zones_are_sent_as_utc_and_bad_values_are_errors() {
        let custom = EventTime::Zoned {
            local: local("20260105T090000"),
            tzid: "My Own Zone".into(),
        };
        assert_eq!(to_wire(&custom).time_zone.as_deref(), Some("UTC"));
        for bad in [
            WireTime::default(),
            WireTime {
                date: Some("2026-13-01".into()),
                ..WireTime::default()
            },
            WireTime {
                date_time: Some("yesterday".into()),
                ..WireTime::default()
            },
        ] {
            assert!(from_wire(&bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn instance_ids_use_the_utc_original_start_or_the_date() {
        let zoned = EventTime::Zoned {
            local: local("20260105T090000"),
            tzid: "Europe/Berlin".into(),
        };
        assert_eq!(instance_id("abc12", &zoned), "abc12_20260105T080000Z");
        let date = EventTime::Date {
            date: NaiveDate::from_ymd_opt(2026, 1, 5).unwrap(),
        };
        assert_eq!(instance_id("abc12", &date), "abc12_20260105");
    }
}
