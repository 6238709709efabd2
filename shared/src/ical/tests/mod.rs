//! Behaviour of the iCalendar codec: samples from real producers, re-serialising servers,
//! malformed input, emission rules and a property-based round trip.

mod emit;
mod malformed;
mod properties;
mod roundtrip;
mod samples;
mod servers;
mod strategies;

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};

pub const APPLE: &str = include_str!("../testdata/apple.ics");
pub const GOOGLE: &str = include_str!("../testdata/google.ics");
pub const OUTLOOK: &str = include_str!("../testdata/outlook.ics");
pub const THUNDERBIRD: &str = include_str!("../testdata/thunderbird.ics");

pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 2, 1, 12, 30, 0).unwrap()
}

pub fn local(text: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(text, "%Y%m%dT%H%M%S").unwrap()
}

pub fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y%m%d").unwrap()
}

pub fn crlf(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\n', "\r\n")
}

/// The content lines of an emitted object, unfolded.
pub fn unfolded_lines(text: &str) -> Vec<String> {
    text.replace("\r\n ", "")
        .split("\r\n")
        .filter(|line| !line.is_empty())
        .map(str::to_string)
        .collect()
}
