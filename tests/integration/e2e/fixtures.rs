//! Events for the scenarios, dated relative to today so they always fall inside a link's
//! default window (30 days back, 180 ahead).

use calsync_testkit::escape_text;
use chrono::{Days, NaiveDate, Utc};

/// Today (UTC) plus `offset` days.
pub fn day(offset: u64) -> NaiveDate {
    Utc::now().date_naive() + Days::new(offset)
}

/// `20261205` for a date.
pub fn ical_date(date: NaiveDate) -> String {
    date.format("%Y%m%d").to_string()
}

/// A unique UID for an original, so no two tests (or runs) share one.
pub fn uid(hint: &str) -> String {
    format!("{hint}-{:016x}@e2e.test", rand::random::<u64>())
}

/// A VCALENDAR around `body` (VTIMEZONEs and VEVENTs, CRLF-terminated lines).
pub fn calendar(body: &str) -> String {
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//calsync//e2e tests//EN\r\n{body}END:VCALENDAR\r\n"
    )
}

/// A one-hour event `offset` days from today at `hour`:00 UTC, with `extra` VEVENT lines.
pub fn timed_event(uid: &str, summary: &str, offset: u64, hour: u32, extra: &[&str]) -> String {
    let date = ical_date(day(offset));
    let mut lines = vec![
        "BEGIN:VEVENT".to_string(),
        format!("UID:{uid}"),
        "DTSTAMP:20260101T000000Z".to_string(),
        format!("DTSTART:{date}T{hour:02}0000Z"),
        format!("DTEND:{date}T{:02}0000Z", hour + 1),
        format!("SUMMARY:{}", escape_text(summary)),
    ];
    lines.extend(extra.iter().map(|l| l.to_string()));
    lines.push("END:VEVENT".into());
    calendar(&(lines.join("\r\n") + "\r\n"))
}

/// Europe/Berlin since 1996 (RFC 5545 §3.6.5 form, as Thunderbird writes it).
pub const BERLIN: &str = "BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\n\
BEGIN:DAYLIGHT\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nTZNAME:CEST\r\n\
DTSTART:19700329T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\nEND:DAYLIGHT\r\n\
BEGIN:STANDARD\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nTZNAME:CET\r\n\
DTSTART:19701025T030000\r\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\nEND:STANDARD\r\n\
END:VTIMEZONE\r\n";

/// America/New_York since 2007.
pub const NEW_YORK: &str = "BEGIN:VTIMEZONE\r\nTZID:America/New_York\r\n\
BEGIN:DAYLIGHT\r\nTZOFFSETFROM:-0500\r\nTZOFFSETTO:-0400\r\nTZNAME:EDT\r\n\
DTSTART:19700308T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU\r\nEND:DAYLIGHT\r\n\
BEGIN:STANDARD\r\nTZOFFSETFROM:-0400\r\nTZOFFSETTO:-0500\r\nTZNAME:EST\r\n\
DTSTART:19701101T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU\r\nEND:STANDARD\r\n\
END:VTIMEZONE\r\n";

/// The recurring fixture: its dates, to assert on.
pub struct WeeklySeries {
    pub uid: String,
    pub ics: String,
    /// Local date of the first occurrence (10:00-11:00 Europe/Berlin).
    pub first: NaiveDate,
    /// The second occurrence, excluded by EXDATE.
    pub excluded: NaiveDate,
    /// The third occurrence, moved by its override to the next day, 14:30-15:30.
    pub moved: NaiveDate,
}

/// Six weekly meetings in Europe/Berlin, the second cancelled (EXDATE) and the third moved
/// to the next afternoon (an override whose DTSTART differs from its RECURRENCE-ID).
pub fn weekly_series(uid: &str) -> WeeklySeries {
    let first = day(2);
    let excluded = first + Days::new(7);
    let moved = first + Days::new(14);
    let moved_to = ical_date(moved + Days::new(1));
    let tz = "TZID=Europe/Berlin";
    let body = [
        "BEGIN:VEVENT".to_string(),
        format!("UID:{uid}"),
        "DTSTAMP:20260101T000000Z".into(),
        format!("DTSTART;{tz}:{}T100000", ical_date(first)),
        format!("DTEND;{tz}:{}T110000", ical_date(first)),
        "RRULE:FREQ=WEEKLY;COUNT=6".into(),
        format!("EXDATE;{tz}:{}T100000", ical_date(excluded)),
        "SUMMARY:Weekly planning".into(),
        "END:VEVENT".into(),
        "BEGIN:VEVENT".into(),
        format!("UID:{uid}"),
        "DTSTAMP:20260101T000000Z".into(),
        format!("RECURRENCE-ID;{tz}:{}T100000", ical_date(moved)),
        format!("DTSTART;{tz}:{moved_to}T143000"),
        format!("DTEND;{tz}:{moved_to}T153000"),
        "SUMMARY:Weekly planning (moved)".into(),
        "END:VEVENT".into(),
    ]
    .join("\r\n");
    WeeklySeries {
        uid: uid.to_string(),
        ics: calendar(&format!("{BERLIN}{body}\r\n")),
        first,
        excluded,
        moved,
    }
}
