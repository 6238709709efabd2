//! The user in Google Calendar's and Outlook's own UI: writes through the emulators' handles
//! (they notify channels and subscriptions exactly as an API write would).

use super::model::{
    Field, SERIES_CANCELLED_WEEK, SERIES_COUNT, SERIES_MOVED_WEEK, SERIES_SHIFT_HOURS, Value, When,
    Zone, series_rule,
};
use super::plan::{Content, Shape};
use calsync_emulators::google::GoogleEmulator;
use calsync_emulators::graph::GraphEmulator;
use chrono::{NaiveDateTime, TimeDelta, TimeZone};
use serde_json::{Value as Json, json};

fn offset_text(local: NaiveDateTime, zone: Zone) -> String {
    let tz: chrono_tz::Tz = zone.iana().parse().unwrap();
    tz.from_local_datetime(&local)
        .earliest()
        .unwrap()
        .to_rfc3339()
}

/// `start` and `end` as Google writes them. A UTC time carries no `timeZone` (`null` removes
/// one left from before in a patch, which merges objects).
fn google_times(when: &When) -> (Json, Json) {
    match when {
        When::Timed {
            start,
            minutes,
            zone,
        } => {
            let end = *start + TimeDelta::minutes(*minutes);
            let time = |local| match zone {
                Zone::Utc => json!({"dateTime": offset_text(local, *zone), "timeZone": null}),
                _ => json!({"dateTime": offset_text(local, *zone), "timeZone": zone.iana()}),
            };
            (time(*start), time(end))
        }
        When::AllDay { date, days } => (
            json!({"date": date.format("%Y-%m-%d").to_string(), "dateTime": null}),
            json!({"date": (*date + chrono::Days::new(*days)).format("%Y-%m-%d").to_string(), "dateTime": null}),
        ),
    }
}

/// Google's event id of the event whose title carries `tag`.
pub fn google_find(google: &GoogleEmulator, calendar: &str, tag: &str) -> Option<String> {
    let prefix = format!("[{tag}]");
    google
        .live_events(calendar)
        .into_iter()
        .find(|e| {
            e.get("recurringEventId").is_none()
                && e["summary"]
                    .as_str()
                    .is_some_and(|s| s.starts_with(&prefix))
        })
        .map(|e| e["id"].as_str().unwrap().to_string())
}

pub fn google_create(google: &GoogleEmulator, calendar: &str, content: &Content) {
    let (start, end) = google_times(&content.when);
    let mut body = json!({
        "summary": content.title,
        "description": content.description,
        "location": content.location,
        "start": start,
        "end": end,
    });
    let series_start = match (&content.when, content.shape) {
        (When::Timed { start, .. }, Shape::Series) => *start,
        _ => {
            google.insert_event(calendar, body).unwrap();
            return;
        }
    };
    body["recurrence"] = json!([format!("RRULE:{}", series_rule(series_start.date()))]);
    let master = google.insert_event(calendar, body).unwrap();
    let id = master["id"].as_str().unwrap();
    let week = |n: i64| series_start + TimeDelta::weeks(n);
    let instance = |n: i64| {
        let at = Zone::Berlin.instant(week(n));
        format!("{id}_{}", at.format("%Y%m%dT%H%M%SZ"))
    };
    let moved = week(SERIES_MOVED_WEEK) + TimeDelta::hours(SERIES_SHIFT_HOURS);
    let (start, end) = google_times(&When::Timed {
        start: moved,
        minutes: 60,
        zone: Zone::Berlin,
    });
    google
        .patch_event(
            calendar,
            &instance(SERIES_MOVED_WEEK),
            json!({"start": start, "end": end}),
        )
        .unwrap();
    google
        .delete_event(calendar, &instance(SERIES_CANCELLED_WEEK))
        .unwrap();
}

fn google_patch(field: Field, value: &Value) -> Json {
    match (field, value) {
        (Field::Title, Value::Text(t)) => json!({"summary": t}),
        (Field::Description, Value::Text(t)) => json!({"description": t}),
        (Field::Location, Value::Text(t)) => json!({"location": t}),
        (Field::Time, Value::Time(when)) => {
            let (start, end) = google_times(when);
            json!({"start": start, "end": end})
        }
        (field, value) => panic!("{field:?} cannot hold {value:?}"),
    }
}

/// Edits the event tagged `tag`; false when this calendar does not hold it (yet).
pub fn google_edit(
    google: &GoogleEmulator,
    calendar: &str,
    tag: &str,
    field: Field,
    value: &Value,
) -> bool {
    let Some(id) = google_find(google, calendar, tag) else {
        return false;
    };
    google
        .patch_event(calendar, &id, google_patch(field, value))
        .is_ok()
}

pub fn google_delete(google: &GoogleEmulator, calendar: &str, tag: &str) -> bool {
    match google_find(google, calendar, tag) {
        Some(id) => google.delete_event(calendar, &id).is_ok(),
        None => false,
    }
}

/// `start`, `end` and `isAllDay` as Outlook writes them (Windows zone names).
fn graph_times(when: &When) -> Json {
    let local = |at: NaiveDateTime| at.format("%Y-%m-%dT%H:%M:%S").to_string();
    match when {
        When::Timed {
            start,
            minutes,
            zone,
        } => json!({
            "start": {"dateTime": local(*start), "timeZone": zone.windows()},
            "end": {"dateTime": local(*start + TimeDelta::minutes(*minutes)), "timeZone": zone.windows()},
            "isAllDay": false,
        }),
        When::AllDay { date, days } => {
            let midnight = |d: chrono::NaiveDate| local(d.and_hms_opt(0, 0, 0).unwrap());
            json!({
                "start": {"dateTime": midnight(*date), "timeZone": "UTC"},
                "end": {"dateTime": midnight(*date + chrono::Days::new(*days)), "timeZone": "UTC"},
                "isAllDay": true,
            })
        }
    }
}

fn graph_patch(field: Field, value: &Value) -> Json {
    match (field, value) {
        (Field::Title, Value::Text(t)) => json!({"subject": t}),
        (Field::Description, Value::Text(t)) => {
            json!({"body": {"contentType": "text", "content": t}})
        }
        (Field::Location, Value::Text(t)) => json!({"location": {"displayName": t}}),
        (Field::Time, Value::Time(when)) => graph_times(when),
        (field, value) => panic!("{field:?} cannot hold {value:?}"),
    }
}

pub fn graph_find(graph: &GraphEmulator, calendar: &str, tag: &str) -> Option<String> {
    let prefix = format!("[{tag}]");
    graph
        .events(calendar)
        .into_iter()
        .find(|e| {
            e["subject"]
                .as_str()
                .is_some_and(|s| s.starts_with(&prefix))
        })
        .map(|e| e["id"].as_str().unwrap().to_string())
}

pub fn graph_create(graph: &GraphEmulator, calendar: &str, content: &Content) {
    let mut body = graph_times(&content.when);
    for (field, value) in content.values() {
        if field != Field::Time
            && let (Some(into), Json::Object(props)) =
                (body.as_object_mut(), graph_patch(field, &value))
        {
            into.extend(props);
        }
    }
    let series_start = match (&content.when, content.shape) {
        (When::Timed { start, .. }, Shape::Series) => *start,
        _ => {
            graph.user_create_event(calendar, body).unwrap();
            return;
        }
    };
    let first = series_start.date();
    body["recurrence"] = json!({
        "pattern": {"type": "weekly", "interval": 1,
                    "daysOfWeek": [first.format("%A").to_string().to_lowercase()]},
        "range": {"type": "numbered", "startDate": first.format("%Y-%m-%d").to_string(),
                  "numberOfOccurrences": SERIES_COUNT},
    });
    let id = graph.user_create_event(calendar, body).unwrap();
    let from = Zone::Berlin.instant(series_start) - TimeDelta::hours(1);
    let occurrences = graph.instances(&id, from, from + TimeDelta::weeks(6));
    assert_eq!(occurrences.len(), SERIES_COUNT as usize, "{occurrences:#?}");
    let moved =
        series_start + TimeDelta::weeks(SERIES_MOVED_WEEK) + TimeDelta::hours(SERIES_SHIFT_HOURS);
    let times = graph_times(&When::Timed {
        start: moved,
        minutes: 60,
        zone: Zone::Berlin,
    });
    let occurrence = |n: i64| occurrences[n as usize]["id"].as_str().unwrap().to_string();
    graph
        .user_update_event(
            &occurrence(SERIES_MOVED_WEEK),
            json!({"start": times["start"], "end": times["end"]}),
        )
        .unwrap();
    graph
        .user_delete_event(&occurrence(SERIES_CANCELLED_WEEK))
        .unwrap();
}

pub fn graph_edit(
    graph: &GraphEmulator,
    calendar: &str,
    tag: &str,
    field: Field,
    value: &Value,
) -> bool {
    match graph_find(graph, calendar, tag) {
        Some(id) => graph
            .user_update_event(&id, graph_patch(field, value))
            .is_ok(),
        None => false,
    }
}

pub fn graph_delete(graph: &GraphEmulator, calendar: &str, tag: &str) -> bool {
    match graph_find(graph, calendar, tag) {
        Some(id) => graph.user_delete_event(&id).is_ok(),
        None => false,
    }
}
