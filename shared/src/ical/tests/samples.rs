//! Objects as real clients write them.

use super::*;
use crate::domain::{
    EventStatus, EventTime, Participant, RecurrenceKey, Transparency, content_hash,
};
use crate::ical::{emit_event, parse_event};

#[test]
fn apple_calendar_event_reads_zoned_times_unicode_and_apple_extras() {
    let event = parse_event(APPLE).unwrap();
    assert_eq!(event.uid, "5A2F7C1E-3B9D-4E8A-9F21-8C3D7E6B1A04");
    let master = event.master.as_ref().unwrap();
    assert_eq!(master.summary.as_deref(), Some("Team-Sync 🗓"));
    assert_eq!(
        master.location.as_deref(),
        Some("Konferenzraum 3, Hauptgebäude")
    );
    assert_eq!(
        master.start,
        Some(EventTime::Zoned {
            local: local("20260115T100000"),
            tzid: "Europe/Berlin".into()
        })
    );
    assert_eq!(master.sequence, 1);
    assert_eq!(
        master.recurrence.rrule.as_deref(),
        Some("FREQ=WEEKLY;UNTIL=20260331T225959Z")
    );
    assert_eq!(master.alarms.len(), 1);
    assert!(master.alarms[0].starts_with("BEGIN:VALARM\r\nACTION:DISPLAY\r\n"));
    assert!(master.alarms[0].ends_with("\r\nEND:VALARM"));
    assert!(
        master
            .extra
            .contains(&"URL:https://example.com/meetings/team-sync".to_string())
    );
    assert!(master.extra.iter().any(|line| line.starts_with(
        "X-APPLE-STRUCTURED-LOCATION;VALUE=URI;X-ADDRESS=\"Hauptstraße 1\\\\n10115 Berlin\";"
    ) && line.ends_with(":geo:52.520008,13.404954")));
    assert!(master.extra.windows(2).all(|pair| pair[0] <= pair[1]));
    assert!(!master.extra.iter().any(|line| line.starts_with("CREATED")));
    assert_eq!(event.timezones.len(), 1);
    assert!(event.timezones[0].contains("TZID:Europe/Berlin"));
}

#[test]
fn google_export_reads_attendees_exdates_and_the_moved_instance() {
    let event = parse_event(GOOGLE).unwrap();
    let master = event.master.as_ref().unwrap();
    assert_eq!(master.summary.as_deref(), Some("Standup"));
    assert_eq!(master.location, None, "empty LOCATION is absent");
    assert_eq!(master.status, Some(EventStatus::Confirmed));
    assert_eq!(
        master.organizer,
        Some(Participant {
            email: "alice@example.com".into(),
            name: Some("Alice Example".into()),
            partstat: None,
            role: None,
        })
    );
    assert_eq!(
        master.attendees[1],
        Participant {
            email: "bob@example.org".into(),
            name: Some("Bob@Example.org".into()),
            partstat: Some("NEEDS-ACTION".into()),
            role: Some("REQ-PARTICIPANT".into()),
        }
    );
    assert_eq!(master.recurrence.exdates.len(), 3);
    assert!(
        master
            .description
            .as_deref()
            .unwrap()
            .contains("\n\nJoin with Google Meet")
    );
    assert!(
        master
            .extra
            .contains(&"X-GOOGLE-CONFERENCE:https://meet.google.com/abc-defg-hij".to_string())
    );

    let moved = EventTime::Zoned {
        local: local("20260116T090000"),
        tzid: "America/Los_Angeles".into(),
    };
    let key = RecurrenceKey::of(&moved);
    assert_eq!(key.0, "20260116T170000Z", "keyed by the UTC instant");
    let instance = &event.overrides[&key];
    assert_eq!(instance.summary.as_deref(), Some("Standup (moved)"));
    assert_eq!(instance.recurrence_id, Some(moved));
    assert_eq!(instance.sequence, 1);
}

#[test]
fn outlook_event_keeps_the_windows_zone_name_which_still_resolves() {
    let event = parse_event(OUTLOOK).unwrap();
    let master = event.master.as_ref().unwrap();
    let start = master.start.as_ref().unwrap();
    assert_eq!(start.tzid(), Some("W. Europe Standard Time"));
    assert_eq!(
        start.to_utc().unwrap().to_rfc3339(),
        "2026-01-20T13:00:00+00:00"
    );
    assert_eq!(master.class.as_deref(), Some("PUBLIC"));
    assert_eq!(master.attendees[0].name.as_deref(), Some("Müller, Hans"));
    assert_eq!(master.attendees[0].email, "hans.mueller@contoso.com");
    assert_eq!(
        master.description.as_deref(),
        Some("Quartalsplanung für Q1; bitte Zahlen mitbringen.\n")
    );
    assert!(master.extra.contains(&"PRIORITY:5".to_string()));
    assert!(
        master
            .extra
            .contains(&"X-MICROSOFT-CDO-BUSYSTATUS:BUSY".to_string())
    );
    assert!(
        master
            .extra
            .iter()
            .any(|l| l.starts_with("X-ALT-DESC;FMTTYPE=text/html:<html>"))
    );
    assert_eq!(event.timezones.len(), 1);
}

#[test]
fn thunderbird_all_day_birthday_reads_dates_and_a_duration_override() {
    let event = parse_event(THUNDERBIRD).unwrap();
    let master = event.master.as_ref().unwrap();
    assert_eq!(
        master.start,
        Some(EventTime::Date {
            date: date("20260212")
        })
    );
    assert_eq!(
        master.end,
        Some(EventTime::Date {
            date: date("20260213")
        })
    );
    assert_eq!(master.transparency, Transparency::Transparent);
    assert!(
        master
            .extra
            .contains(&"CATEGORIES:Geburtstag,Familie".to_string())
    );
    assert!(
        master.alarms[0].contains("\r\nTRIGGER:-P1D\r\n"),
        "TRIGGER's default VALUE=DURATION is dropped: {:?}",
        master.alarms[0]
    );
    let key = RecurrenceKey::of(&EventTime::Date {
        date: date("20270212"),
    });
    let instance = &event.overrides[&key];
    assert_eq!(
        instance.end,
        Some(EventTime::Date {
            date: date("20270214")
        }),
        "from DURATION:P1D"
    );
}

#[test]
fn every_sample_survives_emit_and_parse_with_the_same_hash() {
    for sample in [APPLE, GOOGLE, OUTLOOK, THUNDERBIRD] {
        let original = parse_event(sample).unwrap();
        let emitted = emit_event(&original, now());
        let reparsed = parse_event(&emitted).unwrap();
        assert_eq!(
            content_hash(&reparsed),
            content_hash(&original),
            "{emitted}"
        );
        assert_eq!(reparsed.uid, original.uid);
        for (before, after) in original.components().zip(reparsed.components()) {
            assert_eq!(after.dtstamp, Some(now()));
            assert_eq!(after.last_modified, before.last_modified);
            assert_eq!(after.sequence, before.sequence);
            assert_eq!(after.extra, before.extra);
            assert_eq!(after.alarms, before.alarms);
        }
        assert!(
            original
                .timezones
                .iter()
                .all(|tz| reparsed.timezones.contains(tz)),
            "carried blocks come back"
        );
    }
}

#[test]
fn lf_crlf_bom_and_lower_case_names_read_the_same() {
    let original = parse_event(THUNDERBIRD).unwrap();
    let crlf_bom = format!("\u{feff}{}", crlf(THUNDERBIRD));
    assert_eq!(parse_event(&crlf_bom).unwrap(), original);

    let lower = "begin:vcalendar\nbegin:vevent\nuid:lower-1\ndtstart;value=date:20260212\n\
                 summary:Quiet\nx-custom-thing;x-param=a:b\nend:vevent\nend:vcalendar\n";
    let event = parse_event(lower).unwrap();
    let master = event.master.unwrap();
    assert_eq!(master.summary.as_deref(), Some("Quiet"));
    assert_eq!(
        master.start,
        Some(EventTime::Date {
            date: date("20260212")
        })
    );
    assert_eq!(master.extra, vec!["X-CUSTOM-THING;X-PARAM=a:b".to_string()]);
}

#[test]
fn x_components_and_missing_version_are_tolerated() {
    let text = "BEGIN:VCALENDAR\r\nBEGIN:X-VENDOR-STATE\r\nX-A:1\r\nEND:X-VENDOR-STATE\r\n\
                BEGIN:VEVENT\r\nUID:x-1\r\nDTSTART:20260301T100000Z\r\nDURATION:PT1H30M\r\n\
                END:VEVENT\r\nEND:VCALENDAR\r\n";
    let event = parse_event(text).unwrap();
    let master = event.master.unwrap();
    assert_eq!(
        master.start,
        Some(EventTime::Utc {
            at: local("20260301T100000")
        })
    );
    assert_eq!(
        master.end,
        Some(EventTime::Utc {
            at: local("20260301T113000")
        })
    );
    assert!(master.extra.is_empty());
}
