//! What CalDAV servers do to stored objects must not look like an edit.

use super::*;
use crate::domain::content_hash;
use crate::ical::{emit_event, parse_event};

const APPLE_AFTER_RADICALE: &str = include_str!("../testdata/apple_radicale.ics");

#[test]
fn radicale_style_reserialisation_hashes_equal_to_the_original() {
    // Property and parameter order, folding, name case, DTSTAMP, redundant VALUE
    // parameters and the position of VTIMEZONE all differ.
    let original = parse_event(APPLE).unwrap();
    let stored = parse_event(APPLE_AFTER_RADICALE).unwrap();
    assert_eq!(content_hash(&stored), content_hash(&original));
    let (a, b) = (original.master.unwrap(), stored.master.unwrap());
    assert_eq!(a.extra, b.extra);
    assert_eq!(a.alarms, b.alarms);
    assert_eq!(original.timezones, stored.timezones);
}

#[test]
fn xandikos_style_rrule_part_reordering_hashes_equal() {
    let reordered = GOOGLE.replace(
        "RRULE:FREQ=WEEKLY;BYDAY=MO,WE,FR",
        "RRULE:BYDAY=MO,WE,FR;FREQ=WEEKLY",
    );
    assert_ne!(reordered, GOOGLE);
    let original = parse_event(GOOGLE).unwrap();
    let stored = parse_event(&reordered).unwrap();
    assert_eq!(
        stored.master.as_ref().unwrap().recurrence.rrule.as_deref(),
        Some("FREQ=WEEKLY;BYDAY=MO,WE,FR")
    );
    assert_eq!(content_hash(&stored), content_hash(&original));
}

#[test]
fn our_own_output_reserialised_by_calcard_hashes_equal() {
    // A server built on calcard (Stalwart) rewrites what we PUT with calcard's writer.
    let original = parse_event(OUTLOOK).unwrap();
    let ours = emit_event(&original, now());
    let rewritten = calcard::icalendar::ICalendar::parse(&ours)
        .unwrap()
        .to_string();
    assert_eq!(
        content_hash(&parse_event(&rewritten).unwrap()),
        content_hash(&original)
    );
}

#[test]
fn a_real_edit_changes_the_hash() {
    let original = parse_event(APPLE).unwrap();
    let edited = parse_event(&APPLE.replace("TRIGGER:-PT15M", "TRIGGER:-PT30M")).unwrap();
    assert_ne!(content_hash(&edited), content_hash(&original));
    let moved = parse_event(&APPLE.replace(
        "DTSTART;TZID=Europe/Berlin:20260115T100000",
        "DTSTART;TZID=Europe/Berlin:20260115T093000",
    ))
    .unwrap();
    assert_ne!(content_hash(&moved), content_hash(&original));
}
