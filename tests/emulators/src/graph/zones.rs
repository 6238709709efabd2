//! Time zones as Graph accepts them: Windows names and IANA names.

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use std::str::FromStr;

pub fn zone(name: &str) -> Option<chrono_tz::Tz> {
    if name.eq_ignore_ascii_case("UTC") || name.eq_ignore_ascii_case("tzone://Microsoft/Utc") {
        return Some(chrono_tz::UTC);
    }
    match calcard::common::timezone::Tz::from_str(name) {
        Ok(calcard::common::timezone::Tz::Tz(zone)) => Some(zone),
        _ => None,
    }
}

pub fn instant(local: NaiveDateTime, zone: chrono_tz::Tz) -> DateTime<Utc> {
    zone.from_local_datetime(&local)
        .earliest()
        .map(|at| at.with_timezone(&Utc))
        .unwrap_or_else(|| Utc.from_utc_datetime(&local))
}

pub fn local_in(at: DateTime<Utc>, zone: chrono_tz::Tz) -> NaiveDateTime {
    at.with_timezone(&zone).naive_local()
}
