use super::super::mapping::{read_component, write_component};
use super::super::series::{assemble, master_etag};
use super::super::wire::GraphEvent;
use crate::domain::{EventTime, RecurrenceKey, Transparency};
use chrono::{NaiveDateTime, TimeZone, Utc};
use serde_json::json;

fn event(value: serde_json::Value) -> GraphEvent {
    serde_json::from_value(value).unwrap()
}

fn local(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y%m%dT%H%M%S").unwrap()
}

fn window() -> (chrono::DateTime<Utc>, chrono::DateTime<Utc>) {
    (
        Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
        Utc.with_ymd_and_hms(2026, 2, 1, 0, 0, 0).unwrap(),
    )
}

const ORIGIN: &str = "String {4c1a5e0e-3b7d-4f1e-9a56-1a2b3c4d5e6f} Name calsyncOrigin";

/// A weekly Monday 09:00 Berlin series, read in UTC as the adapter asks for it.
fn weekly_master() -> GraphEvent {
    event(json!({
        "id": "M1", "@odata.etag": "W/\"m1\"", "type": "seriesMaster", "iCalUId": "uid-1",
        "subject": "Standup", "body": {"contentType": "text", "content": "notes"},
        "location": {"displayName": "Room 1"},
        "start": {"dateTime": "2026-01-05T08:00:00.0000000", "timeZone": "UTC"},
        "end": {"dateTime": "2026-01-05T08:30:00.0000000", "timeZone": "UTC"},
        "originalStartTimeZone": "W. Europe Standard Time",
        "originalEndTimeZone": "W. Europe Standard Time",
        "showAs": "free", "sensitivity": "private",
        "recurrence": {
            "pattern": {"type": "weekly", "interval": 1, "daysOfWeek": ["monday"], "firstDayOfWeek": "sunday"},
            "range": {"type": "numbered", "startDate": "2026-01-05", "numberOfOccurrences": 4,
                      "recurrenceTimeZone": "W. Europe Standard Time"}
        },
        "singleValueExtendedProperties": [{"id": ORIGIN, "value": "t1:ca:orig-uid"}]
    }))
}

fn instance(id: &str, kind: &str, original: &str, start: &str) -> GraphEvent {
    event(json!({
        "id": id, "@odata.etag": format!("W/\"{id}\""), "type": kind, "seriesMasterId": "M1",
        "originalStart": original, "subject": "Standup moved",
        "start": {"dateTime": start, "timeZone": "UTC"},
        "end": {"dateTime": start, "timeZone": "UTC"},
        "originalStartTimeZone": "W. Europe Standard Time",
    }))
}

#[test]
fn windows_zone_names_read_back_as_iana_zones() {
    let component = read_component(&weekly_master()).unwrap();
    assert_eq!(
        component.start,
        Some(EventTime::Zoned {
            local: local("20260105T090000"),
            tzid: "Europe/Berlin".into()
        })
    );
    assert_eq!(component.summary.as_deref(), Some("Standup"));
    assert_eq!(component.description.as_deref(), Some("notes"));
    assert_eq!(component.location.as_deref(), Some("Room 1"));
    assert_eq!(component.transparency, Transparency::Transparent);
    assert_eq!(component.class.as_deref(), Some("PRIVATE"));
}

#[test]
fn a_series_reads_as_one_event_with_its_exception_and_cancelled_occurrence() {
    let instances = vec![
        instance(
            "O1",
            "occurrence",
            "2026-01-05T08:00:00Z",
            "2026-01-05T08:00:00",
        ),
        // The 12th moved to 10:00 Berlin.
        instance(
            "X2",
            "exception",
            "2026-01-12T08:00:00Z",
            "2026-01-12T09:00:00",
        ),
        // The 19th was deleted: not listed.
        instance(
            "O4",
            "occurrence",
            "2026-01-26T08:00:00Z",
            "2026-01-26T08:00:00",
        ),
    ];
    let (etag, body) = assemble(&weekly_master(), &instances, window());
    let event = body.unwrap();
    let master = event.master.as_ref().unwrap();
    assert_eq!(
        master.recurrence.rrule.as_deref(),
        Some("FREQ=WEEKLY;COUNT=4;BYDAY=MO")
    );
    assert_eq!(
        master.recurrence.exdates,
        vec![EventTime::Zoned {
            local: local("20260119T090000"),
            tzid: "Europe/Berlin".into()
        }]
    );
    let key = RecurrenceKey::of(&EventTime::Zoned {
        local: local("20260112T090000"),
        tzid: "Europe/Berlin".into(),
    });
    let exception = &event.overrides[&key];
    assert_eq!(exception.summary.as_deref(), Some("Standup moved"));
    assert_eq!(
        exception.start,
        Some(EventTime::Zoned {
            local: local("20260112T100000"),
            tzid: "Europe/Berlin".into()
        })
    );
    assert_eq!(event.uid, "uid-1");
    assert_eq!(event.origin.as_ref().unwrap().to_string(), "t1:ca:orig-uid");
    assert_eq!(master_etag(&etag), "W/\"m1\"");

    // Editing the exception changes the item's ETag, not the master's part of it.
    let mut edited = instances.clone();
    edited[1].etag = Some("W/\"X2-v2\"".into());
    let (edited_etag, _) = assemble(&weekly_master(), &edited, window());
    assert_ne!(edited_etag, etag);
    assert_eq!(master_etag(&edited_etag), "W/\"m1\"");
}

#[test]
fn all_day_events_read_and_write_as_dates() {
    let graph = event(json!({
        "id": "A", "type": "singleInstance", "isAllDay": true,
        "start": {"dateTime": "2026-03-02T00:00:00.0000000", "timeZone": "UTC"},
        "end": {"dateTime": "2026-03-03T00:00:00.0000000", "timeZone": "UTC"},
    }));
    let component = read_component(&graph).unwrap();
    let date = |d: u32| EventTime::Date {
        date: chrono::NaiveDate::from_ymd_opt(2026, 3, d).unwrap(),
    };
    assert_eq!(component.start, Some(date(2)));
    assert_eq!(component.end, Some(date(3)));
    let written = write_component(&component);
    assert_eq!(written["isAllDay"], json!(true));
    assert_eq!(written["start"]["dateTime"], json!("2026-03-02T00:00:00"));
}

#[test]
fn iana_zones_are_written_with_their_windows_names() {
    let component = crate::domain::Component {
        start: Some(EventTime::Zoned {
            local: local("20260105T090000"),
            tzid: "America/New_York".into(),
        }),
        end: None,
        ..Default::default()
    };
    let written = write_component(&component);
    assert_eq!(written["start"]["timeZone"], json!("Eastern Standard Time"));
    assert_eq!(written["isAllDay"], json!(false));
    assert_eq!(written["showAs"], json!("busy"));
    assert_eq!(written["sensitivity"], json!("normal"));
}

#[test]
fn a_series_graph_cannot_describe_is_malformed_not_guessed() {
    let mut master = weekly_master();
    master.recurrence.as_mut().unwrap().pattern.kind = "lunar".into();
    let (_, body) = assemble(&master, &[], window());
    let error = body.unwrap_err();
    assert!(error.reason.contains("lunar"), "{}", error.reason);
    let mut broken = weekly_master();
    broken.start.as_mut().unwrap().date_time = "yesterday".into();
    assert!(assemble(&broken, &[], window()).1.is_err());
}
