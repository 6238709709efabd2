//! The JSON mapping: Google events as the API documents them, into domain events and back.

use super::read::{LINK_KEY, ORIGIN_KEY, Series, group, to_event};
use super::write_body::{master_body, override_body};
use crate::domain::{
    Component, Event, EventStatus, EventTime, LinkId, OriginTag, RecurrenceKey, RemoteId,
    Transparency,
};
use chrono::{NaiveDate, NaiveDateTime};
use serde_json::{Value, json};

fn local(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y%m%dT%H%M%S").unwrap()
}

fn series_of(items: Vec<Value>) -> Series {
    let (mut groups, unreadable) = group(items);
    assert!(unreadable.is_empty(), "{unreadable:?}");
    assert_eq!(groups.len(), 1, "one series expected");
    groups.pop_first().unwrap().1
}

fn weekly_berlin_series() -> Vec<Value> {
    vec![
        json!({
            "kind": "calendar#event", "id": "series1", "etag": "\"10\"", "status": "confirmed",
            "iCalUID": "series1@google.com", "summary": "Standup",
            "start": {"dateTime": "2026-01-05T09:00:00+01:00", "timeZone": "Europe/Berlin"},
            "end": {"dateTime": "2026-01-05T09:15:00+01:00", "timeZone": "Europe/Berlin"},
            "recurrence": ["RRULE:FREQ=WEEKLY;COUNT=6;BYDAY=MO"],
            "updated": "2026-01-01T10:00:00.000Z"
        }),
        // Moved an hour later, retitled.
        json!({
            "id": "series1_20260112T080000Z", "etag": "\"11\"", "status": "confirmed",
            "iCalUID": "series1@google.com", "recurringEventId": "series1",
            "originalStartTime": {"dateTime": "2026-01-12T09:00:00+01:00", "timeZone": "Europe/Berlin"},
            "summary": "Standup (late)",
            "start": {"dateTime": "2026-01-12T10:00:00+01:00", "timeZone": "Europe/Berlin"},
            "end": {"dateTime": "2026-01-12T10:15:00+01:00", "timeZone": "Europe/Berlin"}
        }),
        // Deleted in Google's UI: a cancelled instance.
        json!({
            "id": "series1_20260119T080000Z", "etag": "\"12\"", "status": "cancelled",
            "recurringEventId": "series1",
            "originalStartTime": {"dateTime": "2026-01-19T09:00:00+01:00", "timeZone": "Europe/Berlin"}
        }),
    ]
}

#[test]
fn a_series_with_a_moved_and_a_cancelled_instance_is_one_event() {
    let series = series_of(weekly_berlin_series());
    let event = to_event(&series).unwrap();
    assert_eq!(event.uid, "series1@google.com");
    let master = event.master.as_ref().unwrap();
    assert_eq!(
        master.start,
        Some(EventTime::Zoned {
            local: local("20260105T090000"),
            tzid: "Europe/Berlin".into()
        })
    );
    assert_eq!(
        master.recurrence.rrule.as_deref(),
        Some("FREQ=WEEKLY;COUNT=6;BYDAY=MO")
    );
    assert_eq!(
        master.recurrence.exdates,
        vec![EventTime::Zoned {
            local: local("20260119T090000"),
            tzid: "Europe/Berlin".into()
        }]
    );
    let key = RecurrenceKey("20260112T080000Z".into());
    let moved = &event.overrides[&key];
    assert_eq!(moved.summary.as_deref(), Some("Standup (late)"));
    assert_eq!(event.overrides.len(), 1);
    assert!(master.last_modified.is_some());
}

#[test]
fn the_series_etag_follows_every_instance() {
    let before = series_of(weekly_berlin_series()).etag().unwrap();
    let mut items = weekly_berlin_series();
    items[1]["etag"] = json!("\"13\"");
    let after = series_of(items).etag().unwrap();
    assert_ne!(before, after);
    assert!(before.0.starts_with("\"10\""));
}

#[test]
fn all_day_events_use_dates_and_write_an_exclusive_end() {
    let item = json!({
        "id": "allday1", "etag": "\"1\"", "iCalUID": "a@x", "summary": "Holiday",
        "start": {"date": "2026-05-01"}, "end": {"date": "2026-05-02"},
        "transparency": "transparent", "visibility": "private", "status": "tentative"
    });
    let event = to_event(&series_of(vec![item])).unwrap();
    let master = event.master.as_ref().unwrap();
    let may_day = NaiveDate::from_ymd_opt(2026, 5, 1).unwrap();
    assert_eq!(master.start, Some(EventTime::Date { date: may_day }));
    assert_eq!(master.transparency, Transparency::Transparent);
    assert_eq!(master.class.as_deref(), Some("PRIVATE"));
    assert_eq!(master.status, Some(EventStatus::Tentative));

    let mut no_end = master.clone();
    no_end.end = None;
    let body = serde_json::to_value(master_body(&event, &no_end)).unwrap();
    assert_eq!(body["start"], json!({"date": "2026-05-01"}));
    assert_eq!(body["end"], json!({"date": "2026-05-02"}));
    assert_eq!(body["transparency"], "transparent");
    assert_eq!(body["visibility"], "private");
    assert_eq!(body["status"], "tentative");
}

#[test]
fn written_series_read_back_the_same() {
    let original = to_event(&series_of(weekly_berlin_series())).unwrap();
    let master = original.master.as_ref().unwrap();
    let mut body = serde_json::to_value(master_body(&original, master)).unwrap();
    assert_eq!(body["start"]["timeZone"], "Europe/Berlin");
    assert_eq!(body["recurrence"][0], "RRULE:FREQ=WEEKLY;COUNT=6;BYDAY=MO");
    assert!(
        body["recurrence"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l == "EXDATE;TZID=Europe/Berlin:20260119T090000"),
        "{body}"
    );
    // Modelled fields are always written (null clears them on PATCH).
    assert!(body.as_object().unwrap().contains_key("location"));
    body["id"] = json!("series1");
    body["iCalUID"] = json!("series1@google.com");
    body["etag"] = json!("\"1\"");
    let moved = original.overrides.values().next().unwrap();
    let mut instance = serde_json::to_value(override_body(&original, moved)).unwrap();
    assert!(instance.get("recurrence").is_none());
    instance["id"] = json!("series1_20260112T080000Z");
    instance["recurringEventId"] = json!("series1");
    instance["iCalUID"] = json!("series1@google.com");
    instance["originalStartTime"] =
        json!({"dateTime": "2026-01-12T08:00:00Z", "timeZone": "Europe/Berlin"});
    let mut again = to_event(&series_of(vec![body, instance])).unwrap();
    for component in again.components_mut() {
        component.last_modified = None;
    }
    let mut expected = original.clone();
    for component in expected.components_mut() {
        component.last_modified = None;
    }
    assert_eq!(again, expected);
}

#[test]
fn the_origin_tag_and_link_travel_in_private_extended_properties() {
    let tag = OriginTag::parse("t1:cabc:uid-1@example.org").unwrap();
    let event = Event {
        uid: "ignored".into(),
        master: Some(Component {
            start: Some(EventTime::Utc {
                at: local("20260105T090000"),
            }),
            end: Some(EventTime::Utc {
                at: local("20260105T100000"),
            }),
            summary: Some("Busy".into()),
            ..Component::default()
        }),
        overrides: Default::default(),
        origin: Some(tag.clone()),
        owner_link: Some(LinkId::parse("l1").unwrap()),
        timezones: Vec::new(),
    };
    let mut body =
        serde_json::to_value(master_body(&event, event.master.as_ref().unwrap())).unwrap();
    assert_eq!(
        body["extendedProperties"]["private"][ORIGIN_KEY],
        tag.to_string()
    );
    assert_eq!(body["extendedProperties"]["private"][LINK_KEY], "l1");
    assert!(body["extendedProperties"].get("shared").is_none());
    assert_eq!(body["start"]["dateTime"], "2026-01-05T09:00:00Z");
    body["id"] = json!("copy1");
    body["etag"] = json!("\"1\"");
    let read = to_event(&series_of(vec![body])).unwrap();
    assert_eq!(read.origin, Some(tag));
    assert_eq!(read.owner_link, LinkId::parse("l1").ok());
    assert_eq!(read.master.unwrap().start, event.master.unwrap().start);
}

#[test]
fn originals_leave_extended_properties_alone() {
    let event = to_event(&series_of(vec![json!({
        "id": "orig1", "etag": "\"1\"", "start": {"date": "2026-05-01"}, "end": {"date": "2026-05-02"},
        "extendedProperties": {"private": {"someoneElse": "x"}}
    })]))
    .unwrap();
    assert_eq!(event.origin, None);
    let body = serde_json::to_value(master_body(&event, event.master.as_ref().unwrap())).unwrap();
    assert!(body.get("extendedProperties").is_none(), "{body}");
}

#[test]
fn attendees_and_organizer_are_read_and_attendees_written() {
    let event = to_event(&series_of(vec![json!({
        "id": "meet1", "etag": "\"1\"", "start": {"date": "2026-05-01"}, "end": {"date": "2026-05-02"},
        "organizer": {"email": "Boss@Example.org", "displayName": "Boss"},
        "attendees": [
            {"email": "a@example.org", "responseStatus": "accepted"},
            {"email": "b@example.org", "responseStatus": "needsAction", "optional": true}
        ]
    })]))
    .unwrap();
    let master = event.master.as_ref().unwrap();
    assert_eq!(master.organizer.as_ref().unwrap().email, "boss@example.org");
    assert_eq!(master.attendees[0].partstat.as_deref(), Some("ACCEPTED"));
    assert_eq!(master.attendees[1].role.as_deref(), Some("OPT-PARTICIPANT"));
    let body = serde_json::to_value(master_body(&event, master)).unwrap();
    assert_eq!(body["attendees"][1]["optional"], true);
    assert_eq!(body["attendees"][0]["responseStatus"], "accepted");
    assert!(
        body.get("organizer").is_none(),
        "Google sets the organizer itself"
    );
}

#[test]
fn malformed_items_become_malformed_events_not_panics() {
    let bad_items = [
        json!({"id": "bad1", "etag": "\"1\"", "start": {"dateTime": "yesterday"}}),
        json!({"id": "bad2", "etag": "\"1\"", "start": {"date": "2026-13-45"}}),
        json!({"id": "bad3", "etag": "\"1\"", "summary": "no start"}),
        json!({"id": "bad4", "etag": "\"1\"", "start": {"date": "2026-01-01"}, "recurrence": ["BEGIN:VEVENT"]}),
        json!({"id": "bad5_1", "recurringEventId": "bad5", "start": {"date": "2026-01-01"}}),
    ];
    for item in bad_items {
        let result = to_event(&series_of(vec![item.clone()]));
        assert!(result.is_err(), "{item} should be malformed");
    }
    let (groups, unreadable) = group(vec![json!({"id": "bad6", "summary": 42})]);
    assert!(groups.is_empty());
    assert_eq!(unreadable[0].0, RemoteId("bad6".into()));
}
