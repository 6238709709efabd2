//! iCalendar text -> Event -> iCalendar text, as the CalDAV adapter reads and writes events.
//! Beyond "no panic, no hang": what calsync writes it must read back as the same event,
//! otherwise each pass would take its own copy for an edit and write it again.

#![no_main]

use calsync_core::domain::content_hash;
use calsync_core::ical::{emit_event, parse_event};
use chrono::{TimeZone, Utc};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The adapter refuses non-UTF-8 bodies before parsing (items.rs, xml.rs).
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(event) = parse_event(text) else {
        return;
    };
    let Some(now) = Utc.with_ymd_and_hms(2026, 2, 1, 12, 30, 0).single() else {
        return;
    };
    let written = emit_event(&event, now);
    let reread = match parse_event(&written) {
        Ok(reread) => reread,
        Err(error) => panic!("calsync cannot read what it wrote ({error}):\n{written}"),
    };
    assert_eq!(
        content_hash(&reread),
        content_hash(&event),
        "the written event reads back different:\n{written}"
    );
    // VTIMEZONE blocks may differ: the first write generates the ones the source lacked,
    // the second carries them in canonical form. Neither is hashed, both say the same.
    assert_eq!(
        without_timezones(&emit_event(&reread, now)),
        without_timezones(&written),
        "writing is not stable"
    );
});

fn without_timezones(text: &str) -> String {
    let mut inside = false;
    let mut kept = String::new();
    for line in text.split_inclusive("\r\n") {
        if line.starts_with("BEGIN:VTIMEZONE") {
            inside = true;
        }
        if !inside {
            kept.push_str(line);
        }
        if line.starts_with("END:VTIMEZONE") {
            inside = false;
        }
    }
    kept
}
