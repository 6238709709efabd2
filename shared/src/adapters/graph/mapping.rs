//! One Graph event ⇄ one [`Component`]: texts, times (Windows ⇄ IANA zones), free/busy,
//! sensitivity, organizer and attendees.
//!
//! Attendees are read but never written: writing them makes Exchange send invitations on
//! the user's behalf, which a sync copy must never do.

use super::wire::{DateTimeTimeZone, GraphEvent, ItemBody, Location};
use super::zones::{graph_zone_name, iana_zone};
use crate::domain::{Component, EventStatus, EventTime, Participant, Transparency};
use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use serde_json::{Map, Value, json};

/// Graph writes seven fractional digits; reads accept any.
const GRAPH_TIME: &str = "%Y-%m-%dT%H:%M:%S";

pub fn parse_local(value: &str) -> Result<NaiveDateTime, String> {
    let trimmed = value.trim().trim_end_matches('Z');
    let whole = trimmed.split('.').next().unwrap_or(trimmed);
    NaiveDateTime::parse_from_str(whole, GRAPH_TIME)
        .map_err(|_| "Graph date-time is not {date}T{time}".to_string())
}

/// A DateTimeOffset (`originalStart`, `lastModifiedDateTime`).
pub fn parse_instant(value: &str) -> Result<DateTime<Utc>, String> {
    if let Ok(at) = DateTime::parse_from_rfc3339(value.trim()) {
        return Ok(at.with_timezone(&Utc));
    }
    parse_local(value).map(|local| Utc.from_utc_datetime(&local))
}

/// The instant a dateTimeTimeZone denotes.
pub fn instant_of(value: &DateTimeTimeZone) -> Result<DateTime<Utc>, String> {
    let local = parse_local(&value.date_time)?;
    let zone = iana_zone(&value.time_zone)
        .ok_or_else(|| "Graph reported a time in an unknown zone".to_string())?;
    Ok(zone
        .from_local_datetime(&local)
        .earliest()
        .map(|at| at.with_timezone(&Utc))
        .unwrap_or_else(|| Utc.from_utc_datetime(&local)))
}

/// The model value of an instant in the event's own zone (`zone` from originalStartTimeZone).
pub fn model_time(at: DateTime<Utc>, zone: chrono_tz::Tz) -> EventTime {
    if zone == chrono_tz::UTC {
        EventTime::utc(at)
    } else {
        EventTime::Zoned {
            local: at.with_timezone(&zone).naive_local(),
            tzid: zone.name().to_string(),
        }
    }
}

/// The zone an event was created in; UTC when Graph reports none or a custom zone.
pub fn event_zone(name: Option<&str>) -> chrono_tz::Tz {
    name.and_then(iana_zone).unwrap_or(chrono_tz::UTC)
}

fn read_time(
    value: &DateTimeTimeZone,
    zone: chrono_tz::Tz,
    all_day: bool,
) -> Result<EventTime, String> {
    if all_day {
        // All-day values are midnights; the date is what counts, whatever the zone label.
        return Ok(EventTime::Date {
            date: parse_local(&value.date_time)?.date(),
        });
    }
    Ok(model_time(instant_of(value)?, zone))
}

/// Reads one Graph event (master, single instance or exception) into a component.
pub fn read_component(event: &GraphEvent) -> Result<Component, String> {
    let start_zone = event_zone(event.original_start_time_zone.as_deref());
    let end_zone = event_zone(
        event
            .original_end_time_zone
            .as_deref()
            .or(event.original_start_time_zone.as_deref()),
    );
    let text = |value: Option<&String>| value.filter(|v| !v.trim().is_empty()).cloned();
    let show_as = event.show_as.as_deref().unwrap_or("busy");
    Ok(Component {
        summary: text(event.subject.as_ref()),
        description: text(event.body.as_ref().and_then(|b| b.content.as_ref())),
        location: text(
            event
                .location
                .as_ref()
                .and_then(|l| l.display_name.as_ref()),
        ),
        start: event
            .start
            .as_ref()
            .map(|s| read_time(s, start_zone, event.is_all_day))
            .transpose()?,
        end: event
            .end
            .as_ref()
            .map(|e| read_time(e, end_zone, event.is_all_day))
            .transpose()?,
        transparency: if show_as.eq_ignore_ascii_case("free") {
            Transparency::Transparent
        } else {
            Transparency::Opaque
        },
        status: if event.is_cancelled {
            Some(EventStatus::Cancelled)
        } else if show_as.eq_ignore_ascii_case("tentative") {
            Some(EventStatus::Tentative)
        } else {
            None
        },
        class: match event
            .sensitivity
            .as_deref()
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("private") => Some("PRIVATE".into()),
            Some("confidential") => Some("CONFIDENTIAL".into()),
            Some("personal") => Some("X-PERSONAL".into()),
            _ => None,
        },
        organizer: event
            .organizer
            .as_ref()
            .and_then(|o| participant(o.email_address.as_ref(), None, None)),
        attendees: event
            .attendees
            .iter()
            .filter_map(|a| {
                participant(
                    a.email_address.as_ref(),
                    a.status.as_ref().and_then(|s| s.response.as_deref()),
                    a.kind.as_deref(),
                )
            })
            .collect(),
        last_modified: event
            .last_modified_date_time
            .as_deref()
            .and_then(|v| parse_instant(v).ok()),
        ..Component::default()
    })
}

fn participant(
    address: Option<&super::wire::EmailAddress>,
    response: Option<&str>,
    kind: Option<&str>,
) -> Option<Participant> {
    let address = address?;
    let email = address.address.as_deref()?.trim().to_lowercase();
    if email.is_empty() {
        return None;
    }
    let partstat = match response {
        Some("accepted") => Some("ACCEPTED"),
        Some("declined") => Some("DECLINED"),
        Some("tentativelyAccepted") => Some("TENTATIVE"),
        Some("none" | "notResponded") => Some("NEEDS-ACTION"),
        _ => None,
    };
    Some(Participant {
        email,
        name: address.name.clone().filter(|n| !n.is_empty()),
        partstat: partstat.map(str::to_string),
        role: match kind {
            Some("required") => Some("REQ-PARTICIPANT".into()),
            Some("optional") => Some("OPT-PARTICIPANT".into()),
            Some("resource") => Some("NON-PARTICIPANT".into()),
            _ => None,
        },
    })
}

/// How a model time is written: a dateTimeTimeZone and whether it is an all-day value.
/// Floating times and custom zones have no Graph form: they are written in UTC.
pub fn write_time(time: &EventTime) -> (DateTimeTimeZone, bool) {
    let utc = |local: &NaiveDateTime| DateTimeTimeZone {
        date_time: local.format(GRAPH_TIME).to_string(),
        time_zone: "UTC".into(),
    };
    match time {
        EventTime::Date { date } => (utc(&date.and_time(chrono::NaiveTime::MIN)), true),
        EventTime::Utc { at } | EventTime::Floating { local: at } => (utc(at), false),
        EventTime::Zoned { local, tzid } => match graph_zone_name(tzid) {
            Some(name) => (
                DateTimeTimeZone {
                    date_time: local.format(GRAPH_TIME).to_string(),
                    time_zone: name,
                },
                false,
            ),
            None => (utc(&time.to_utc_lenient().naive_utc()), false),
        },
    }
}

/// The JSON properties of a component (master, single instance or exception).
pub fn write_component(component: &Component) -> Map<String, Value> {
    let mut body = Map::new();
    body.insert(
        "subject".into(),
        json!(component.summary.clone().unwrap_or_default()),
    );
    body.insert(
        "body".into(),
        json!(ItemBody {
            content_type: Some("text".into()),
            content: Some(component.description.clone().unwrap_or_default()),
        }),
    );
    body.insert(
        "location".into(),
        json!(Location {
            display_name: Some(component.location.clone().unwrap_or_default()),
        }),
    );
    if let Some(start) = &component.start {
        let (start_value, all_day) = write_time(start);
        let end = component.end.clone().unwrap_or_else(|| match start {
            EventTime::Date { .. } => start.shifted(chrono::TimeDelta::days(1)),
            _ => start.clone(),
        });
        body.insert("start".into(), json!(start_value));
        body.insert("end".into(), json!(write_time(&end).0));
        body.insert("isAllDay".into(), json!(all_day));
    }
    let show_as = match (component.transparency, component.status) {
        (Transparency::Transparent, _) => "free",
        (_, Some(EventStatus::Tentative)) => "tentative",
        _ => "busy",
    };
    body.insert("showAs".into(), json!(show_as));
    let sensitivity = match component.class.as_deref() {
        Some("PRIVATE") => "private",
        Some("CONFIDENTIAL") => "confidential",
        Some("X-PERSONAL") => "personal",
        _ => "normal",
    };
    body.insert("sensitivity".into(), json!(sensitivity));
    body
}
