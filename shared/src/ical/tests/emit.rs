//! What emit_event writes.

use super::*;
use crate::domain::{
    CalendarId, Component, Event, EventTime, LinkId, OriginKey, OriginTag, Participant,
    RecurrenceKey, TenantId, content_hash,
};
use crate::ical::{emit_event, parse_event};
use std::collections::BTreeMap;

fn attendee(email: &str) -> Participant {
    Participant {
        email: email.into(),
        name: Some("Doe, Jane".into()),
        partstat: Some("ACCEPTED".into()),
        role: Some("REQ-PARTICIPANT".into()),
    }
}

fn origin_tag(uid: &str) -> OriginTag {
    OriginTag::new(
        TenantId::parse("t1").unwrap(),
        OriginKey {
            calendar: CalendarId::parse("cabcdefghij").unwrap(),
            uid: uid.into(),
        },
    )
}

fn meeting() -> Event {
    let start = EventTime::Zoned {
        local: local("20260115T100000"),
        tzid: "Europe/Berlin".into(),
    };
    let master = Component {
        summary: Some("Planning".into()),
        start: Some(start.clone()),
        end: Some(start.shifted(chrono::TimeDelta::hours(1))),
        organizer: Some(attendee("boss@example.com")),
        attendees: vec![attendee("jane@example.com"), attendee("joe@example.com")],
        ..Component::default()
    };
    let instance_start = EventTime::Utc {
        at: local("20260122T090000"),
    };
    let moved = Component {
        recurrence_id: Some(instance_start.clone()),
        summary: Some("Planning (moved)".into()),
        start: Some(EventTime::Utc {
            at: local("20260122T130000"),
        }),
        organizer: Some(attendee("boss@example.com")),
        ..Component::default()
    };
    let mut master = master;
    master.recurrence.rrule = Some("FREQ=WEEKLY;COUNT=4".into());
    Event {
        uid: "meeting-1".into(),
        master: Some(master),
        overrides: BTreeMap::from([(RecurrenceKey::of(&instance_start), moved)]),
        origin: None,
        owner_link: None,
        timezones: vec![],
    }
}

fn participant_lines(text: &str) -> Vec<String> {
    unfolded_lines(text)
        .into_iter()
        .filter(|line| line.starts_with("ATTENDEE") || line.starts_with("ORGANIZER"))
        .collect()
}

#[test]
fn copies_tell_the_server_not_to_schedule() {
    let mut copy = meeting();
    copy.origin = Some(origin_tag("meeting-1"));
    let lines = participant_lines(&emit_event(&copy, now()));
    assert_eq!(lines.len(), 4, "{lines:?}");
    for line in &lines {
        assert!(line.contains(";SCHEDULE-AGENT=CLIENT"), "{line}");
    }
}

#[test]
fn originals_are_left_to_the_server_to_schedule() {
    let lines = participant_lines(&emit_event(&meeting(), now()));
    assert_eq!(lines.len(), 4);
    for line in &lines {
        assert!(!line.contains("SCHEDULE-AGENT"), "{line}");
    }
    assert!(lines.contains(
        &"ATTENDEE;CN=\"Doe, Jane\";PARTSTAT=ACCEPTED;ROLE=REQ-PARTICIPANT:mailto:jane@example.com"
            .to_string()
    ));
}

#[test]
fn layout_is_header_timezones_master_then_overrides() {
    let text = emit_event(&meeting(), now());
    let lines = unfolded_lines(&text);
    assert_eq!(
        lines[..3],
        [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//calsync//calsync//EN"
        ]
    );
    assert_eq!(lines[3], "BEGIN:VTIMEZONE", "generated for Europe/Berlin");
    assert!(lines.contains(&"TZID:Europe/Berlin".to_string()));
    let vevents: Vec<usize> = (0..lines.len())
        .filter(|i| lines[*i] == "BEGIN:VEVENT")
        .collect();
    assert_eq!(vevents.len(), 2);
    assert_eq!(lines[vevents[0] + 1], "UID:meeting-1");
    assert_eq!(lines[vevents[0] + 2], "DTSTAMP:20260201T123000Z");
    assert!(
        !lines[vevents[0]..vevents[1]]
            .iter()
            .any(|l| l.starts_with("RECURRENCE-ID"))
    );
    assert!(lines[vevents[1]..].contains(&"RECURRENCE-ID:20260122T090000Z".to_string()));
    assert!(
        !lines.iter().any(|l| l.starts_with("SEQUENCE")),
        "SEQUENCE 0 is implied"
    );
    assert!(lines.contains(&"TRANSP:OPAQUE".to_string()));
    assert_eq!(lines.last().unwrap(), "END:VCALENDAR");
}

#[test]
fn lines_end_in_crlf_and_fold_at_75_octets_between_characters() {
    let mut event = meeting();
    let master = event.master.as_mut().unwrap();
    master.summary = Some("Überraschungsparty für Jürgen 🎉 ".repeat(8));
    master.description = Some("x".repeat(200));
    master.extra = vec![format!("X-LONG:{}", "ä😀".repeat(40))];
    let text = emit_event(&event, now());
    assert!(text.ends_with("\r\n"));
    assert!(
        !text.replace("\r\n", "").contains(['\r', '\n']),
        "no bare CR or LF"
    );
    for line in text.split("\r\n") {
        assert!(line.len() <= 75, "{} octets: {line}", line.len());
    }
    let reparsed = parse_event(&text).unwrap();
    assert_eq!(
        reparsed.master.unwrap().summary,
        event.master.unwrap().summary
    );
}

#[test]
fn text_values_are_escaped() {
    let mut event = meeting();
    event.master.as_mut().unwrap().summary = Some("a,b;c\\d\nsecond line".into());
    let lines = unfolded_lines(&emit_event(&event, now()));
    assert!(lines.contains(&"SUMMARY:a\\,b\\;c\\\\d\\nsecond line".to_string()));
}

#[test]
fn uri_values_are_not_escaped() {
    let mut event = meeting();
    event.master.as_mut().unwrap().extra = vec!["URL:https://example.com/a,b;c".into()];
    let text = emit_event(&event, now());
    assert!(unfolded_lines(&text).contains(&"URL:https://example.com/a,b;c".to_string()));
    assert_eq!(
        parse_event(&text).unwrap().master.unwrap().extra,
        vec!["URL:https://example.com/a,b;c".to_string()]
    );
}

#[test]
fn markers_go_on_the_master_only_and_read_back() {
    let mut copy = meeting();
    copy.origin = Some(origin_tag("urn:uuid:a;b,c"));
    copy.owner_link = Some(LinkId::parse("link-7").unwrap());
    let text = emit_event(&copy, now());
    let lines = unfolded_lines(&text);
    assert_eq!(
        lines
            .iter()
            .filter(|l| l.starts_with("X-CALSYNC-ORIGIN"))
            .count(),
        1
    );
    assert!(lines.contains(&"X-CALSYNC-LINK:link-7".to_string()));
    let reparsed = parse_event(&text).unwrap();
    assert_eq!(reparsed.origin, copy.origin);
    assert_eq!(reparsed.owner_link, copy.owner_link);
    assert!(reparsed.components().all(|c| c.extra.is_empty()));
}

#[test]
fn markers_go_on_the_first_override_when_there_is_no_master() {
    let mut copy = meeting();
    copy.master = None;
    copy.origin = Some(origin_tag("meeting-1"));
    let reparsed = parse_event(&emit_event(&copy, now())).unwrap();
    assert_eq!(reparsed.master, None);
    assert_eq!(reparsed.origin, copy.origin);
}

/// Emit never writes marker lines it did not make (a second X-CALSYNC-ORIGIN could win on
/// the next reading), so one kept as an extra line made the event differ from its own copy:
/// found by the `ical_roundtrip` fuzz target.
#[test]
fn a_marker_that_does_not_parse_is_dropped() {
    let text = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:u\r\nDTSTART:20260101T100000Z\r\n\
                X-CALSYNC-ORIGIN:not a tag\r\nX-CALSYNC-LINK:bad link!\r\nEND:VEVENT\r\n\
                END:VCALENDAR\r\n";
    let event = parse_event(text).unwrap();
    assert_eq!(event.origin, None);
    assert_eq!(event.owner_link, None);
    assert!(event.master.as_ref().unwrap().extra.is_empty());
    let reread = parse_event(&emit_event(&event, now())).unwrap();
    assert_eq!(content_hash(&reread), content_hash(&event));
}

#[test]
fn zones_get_a_generated_vtimezone_unless_carried_or_unknown() {
    let mut event = meeting();
    let master = event.master.as_mut().unwrap();
    master.recurrence.exdates = vec![
        EventTime::Zoned {
            local: local("20260129T100000"),
            tzid: "W. Europe Standard Time".into(),
        },
        EventTime::Zoned {
            local: local("20260205T100000"),
            tzid: "My Own Zone".into(),
        },
    ];
    let text = emit_event(&event, now());
    let lines = unfolded_lines(&text);
    assert!(lines.contains(&"TZID:Europe/Berlin".to_string()));
    assert!(lines.contains(&"TZID:W. Europe Standard Time".to_string()));
    assert!(!lines.contains(&"TZID:My Own Zone".to_string()));

    // A carried block is written as is and not generated a second time.
    let carried = parse_event(APPLE).unwrap().timezones;
    event.timezones = carried.clone();
    let text = emit_event(&event, now());
    let lines = unfolded_lines(&text);
    assert_eq!(
        lines.iter().filter(|l| *l == "TZID:Europe/Berlin").count(),
        1
    );
    assert!(parse_event(&text).unwrap().timezones.contains(&carried[0]));
}

#[test]
fn rdates_and_exdates_keep_their_order_and_kinds() {
    let mut event = meeting();
    let exdates = vec![
        EventTime::Utc {
            at: local("20260129T090000"),
        },
        EventTime::Utc {
            at: local("20260205T090000"),
        },
        EventTime::Date {
            date: date("20260212"),
        },
        EventTime::Zoned {
            local: local("20260219T100000"),
            tzid: "Europe/Berlin".into(),
        },
        EventTime::Floating {
            local: local("20260226T100000"),
        },
    ];
    let master = event.master.as_mut().unwrap();
    master.recurrence.exdates = exdates.clone();
    master.recurrence.rdates = vec![EventTime::Date {
        date: date("20260301"),
    }];
    let text = emit_event(&event, now());
    let lines = unfolded_lines(&text);
    assert!(lines.contains(&"EXDATE:20260129T090000Z,20260205T090000Z".to_string()));
    assert!(lines.contains(&"EXDATE;VALUE=DATE:20260212".to_string()));
    assert!(lines.contains(&"EXDATE;TZID=Europe/Berlin:20260219T100000".to_string()));
    assert!(lines.contains(&"EXDATE:20260226T100000".to_string()));
    assert!(lines.contains(&"RDATE;VALUE=DATE:20260301".to_string()));
    let reparsed = parse_event(&text).unwrap();
    assert_eq!(reparsed.master.unwrap().recurrence.exdates, exdates);
}

#[test]
fn output_is_stable_once_generated_timezones_are_carried() {
    // The first pass generates the VTIMEZONE Google left out; from then on it is carried.
    let event = parse_event(GOOGLE).unwrap();
    let first = emit_event(&event, now());
    let second = emit_event(&parse_event(&first).unwrap(), now());
    let third = emit_event(&parse_event(&second).unwrap(), now());
    assert_eq!(second, third);
    assert_eq!(
        content_hash(&parse_event(&third).unwrap()),
        content_hash(&event)
    );
}

#[test]
fn no_value_can_inject_a_line() {
    let text = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:u\\nX-INJECTED:1\r\n\
                DTSTART:20260101T100000Z\r\nSUMMARY:a\\nX-INJECTED:2\r\n\
                URL:https://example.com/\\nX-INJECTED:3\r\n\
                X-LINK;VALUE=URI:https://example.com/\\r\\nX-INJECTED:4\r\n\
                ATTENDEE;CN=\"x\\nX-INJECTED:5\":mailto:a@b.c\\nX-INJECTED:6\r\n\
                END:VEVENT\r\nEND:VCALENDAR\r\n";
    let mut event = parse_event(text).unwrap();
    event.origin = Some(origin_tag("u\nX-INJECTED:7"));
    let emitted = emit_event(&event, now());
    for line in unfolded_lines(&emitted) {
        assert!(!line.starts_with("X-INJECTED"), "{line}");
    }
    // The URIs survive, minus the control characters.
    let extra = parse_event(&emitted).unwrap().master.unwrap().extra;
    assert!(
        extra.contains(&"URL:https://example.com/X-INJECTED:3".to_string()),
        "{extra:?}"
    );
}
