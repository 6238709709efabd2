//! parse_event(emit_event(e)) gives e back, for arbitrary events.

use super::now;
use super::strategies::event;
use crate::domain::{Event, content_hash, resolve_zone};
use crate::ical::{emit_event, parse_event};
use proptest::prelude::*;

/// What parsing the output must give: the event with DTSTAMP set to the time of writing.
/// VTIMEZONE blocks are compared separately (emit adds generated ones).
fn as_written(event: &Event) -> Event {
    let mut expected = event.clone();
    for component in expected.components_mut() {
        component.dtstamp = Some(now());
    }
    expected.timezones.clear();
    expected
}

/// Found by the `ical_roundtrip` fuzz target: a NUL after the origin tag's UID made the
/// written tag differ from the one read, so the copy's identity changed on a round trip.
#[test]
fn an_origin_marker_with_control_characters_reads_the_same_after_a_round_trip() {
    let text = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:u@x\r\nDTSTART:20260105T090000Z\r\n\
                X-CALSYNC-ORIGIN:t1:cabcdefghij:orig@example.org\r\0\n\
                X-CALSYNC-LINK:l1\x07\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    let event = parse_event(text).unwrap();
    let origin = event.origin.clone().unwrap();
    assert_eq!(origin.to_string(), "t1:cabcdefghij:orig@example.org");
    assert_eq!(event.owner_link.as_ref().map(|l| l.as_str()), Some("l1"));
    let reread = parse_event(&emit_event(&event, now())).unwrap();
    assert_eq!(reread.origin, Some(origin));
    assert_eq!(reread.owner_link, event.owner_link);
}

/// Found by the `ical_roundtrip` fuzz target: control characters in an attendee address
/// were kept on reading but dropped on writing, so the copy never hashed like its source.
#[test]
fn control_characters_are_dropped_on_reading_as_on_writing() {
    let text = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:u@x\r\nDTSTART:20260105T090000Z\r\n\
                SUMMARY:Quarterly\x01 planning\r\n\
                ATTENDEE;CN=Room:mailto:\0\0\x064contoso.com\r\n\
                ATTENDEE:https://meet.example/abc\\n\\n-::~:~::-\r\n\
                ATTENDEE:https://meet.example/x-n:n:\\\\~:~::-\r\n\
                END:VEVENT\r\nEND:VCALENDAR\r\n";
    let event = parse_event(text).unwrap();
    let master = event.master.as_ref().unwrap();
    assert_eq!(master.summary.as_deref(), Some("Quarterly planning"));
    assert_eq!(master.attendees[0].email, "4contoso.com");
    // An escaped line break inside an address is not kept either.
    assert_eq!(
        master.attendees[1].email,
        "https://meet.example/abc-::~:~::-"
    );
    // Nor a backslash, which calcard drops from `\~` when it reads a URI.
    assert_eq!(
        master.attendees[2].email,
        "https://meet.example/x-n:n:~:~::-"
    );
    let reread = parse_event(&emit_event(&event, now())).unwrap();
    assert_eq!(content_hash(&reread), content_hash(&event));
}

/// Found by the `ical_roundtrip` fuzz target: an unknown line whose name held an escaped
/// `\n` was kept on reading with a real line break, which emit then refused to write; one
/// whose name held an escaped comma was written, then read back under a shorter name (in an
/// alarm too).
#[test]
fn an_unknown_line_that_cannot_be_written_is_not_kept() {
    let text = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:u@x\r\nDTSTART:20260105T090000Z\r\n\
                c/ mo.abc\\n\\n-::~:~::-\r\nX-MS-DURATI\\,ON:FALSE\r\n\
                X-APPLE-STRUCTURED-LOCATION;VALUE=URI;X-ADDRESSE\"MAIN ST:geo:52.52\\,13.40\r\n\
                X-KEPT:yes\r\nBEGIN:VALARM\r\nACTION:DISPLAY\r\nTRI\\,GGER:-PT15M\r\n\
                END:VALARM\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    let event = parse_event(text).unwrap();
    let master = event.master.as_ref().unwrap();
    assert_eq!(master.extra, ["X-KEPT:yes".to_string()]);
    // Inside an alarm (or a time zone) too.
    assert_eq!(
        master.alarms,
        ["BEGIN:VALARM\r\nACTION:DISPLAY\r\nEND:VALARM".to_string()]
    );
    let reread = parse_event(&emit_event(&event, now())).unwrap();
    assert_eq!(content_hash(&reread), content_hash(&event));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn emit_then_parse_gives_the_same_event(event in event()) {
        let text = emit_event(&event, now());
        let mut parsed = parse_event(&text).unwrap();
        prop_assert_eq!(content_hash(&parsed), content_hash(&event));

        for tzid in event.components().flat_map(|c| c.start.iter().chain(&c.end)).filter_map(|t| t.tzid()) {
            if resolve_zone(tzid).is_some() {
                let line = format!("TZID:{tzid}");
                prop_assert!(parsed.timezones.iter().any(|block| block.contains(&line)), "{}", tzid);
            }
        }
        parsed.timezones.clear();
        prop_assert_eq!(parsed, as_written(&event));
    }
}

/// Found by the `ical_roundtrip` fuzz target (CI's smoke run): a malformed RRULE with a
/// backslash, in a component nested in a VALARM, gained backslashes (and lost its comma) on
/// every write, so the alarm never hashed like its source and each pass would rewrite it.
#[test]
fn an_alarm_line_calcard_writes_differently_each_time_is_not_carried() {
    let text = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:u@x\r\nDTSTART:20260105T090000Z\r\n\
                BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT10M\r\nBEGIN:STANDARD\r\n\
                DTSTART:19701025T030000\r\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1S\\,\r\n\
                TZOFFSETTO:+0100\r\nEND:STANDARD\r\nEND:VALARM\r\n\
                END:VEVENT\r\nEND:VCALENDAR\r\n";
    let event = parse_event(text).unwrap();
    let alarm = &event.master.as_ref().unwrap().alarms[0];
    assert!(alarm.contains("TRIGGER:-PT10M"), "{alarm}");
    assert!(alarm.contains("TZOFFSETTO:+0100"), "{alarm}");
    assert!(!alarm.contains("RRULE"), "{alarm}");
    let reread = parse_event(&emit_event(&event, now())).unwrap();
    assert_eq!(content_hash(&reread), content_hash(&event));
}

/// Found by the `ical_roundtrip` fuzz target: control characters inside the `mailto:`
/// scheme kept it on the address (it no longer matched the scheme), and the written
/// `mailto:` was then stripped on reading: the attendee changed on its first round trip.
#[test]
fn control_characters_inside_the_mailto_scheme_are_dropped_before_it_is_stripped() {
    let text = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:u@x\r\nDTSTART:20260105T090000Z\r\n\
                ATTENDEE;CN=Room:m\0\0\tailto:\r\n \0\x064contoso.com\r\n\
                END:VEVENT\r\nEND:VCALENDAR\r\n";
    let event = parse_event(text).unwrap();
    assert_eq!(
        event.master.as_ref().unwrap().attendees[0].email,
        "4contoso.com"
    );
    let reread = parse_event(&emit_event(&event, now())).unwrap();
    assert_eq!(content_hash(&reread), content_hash(&event));
}
