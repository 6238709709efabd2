//! One port item = one logical event: a single instance, or a series master with its
//! exceptions and cancelled occurrences (like one CalDAV resource per UID).
//!
//! Graph v1.0 has no list of cancelled occurrences (`cancelledOccurrences` is beta-only):
//! an occurrence the pattern produces in the window but `/instances` does not list was
//! deleted, and becomes an EXDATE.

use super::mapping::{event_zone, model_time, parse_instant, read_component};
use super::recurrence::{SeriesStart, from_graph};
use super::wire::{GraphEvent, LINK_NAME, ORIGIN_NAME, UID_NAME};
use crate::domain::{
    Etag, Event, EventTime, LinkId, MalformedEvent, OriginTag, RecurrenceKey, occurrences_between,
};
use crate::ports::ItemBody;
use chrono::{DateTime, TimeZone, Utc};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// At most this many occurrences are expanded to find cancelled ones.
const MAX_EXPANDED: usize = 5000;

pub type Window = (DateTime<Utc>, DateTime<Utc>);

/// The item's ETag: the master's own for single instances; for series, the master's plus a
/// digest of its exceptions and cancelled occurrences, so that editing or deleting one
/// occurrence changes it too. The master's part stays usable for `If-Match`.
pub fn item_etag(master: &GraphEvent, exceptions: &[&GraphEvent], cancelled: &[String]) -> Etag {
    let own = master.etag.clone().unwrap_or_default();
    if master.kind() != "seriesMaster" {
        return Etag(own);
    }
    let mut digest = Sha256::new();
    let mut parts: Vec<String> = exceptions
        .iter()
        .map(|e| format!("{}={}", e.id, e.etag.as_deref().unwrap_or_default()))
        .collect();
    parts.sort();
    for part in parts.iter().chain(cancelled) {
        digest.update(part.as_bytes());
        digest.update(b"\n");
    }
    Etag(format!("{own}#{}", &hex::encode(digest.finalize())[..16]))
}

/// The master's own ETag inside an item ETag (what `If-Match` is sent with).
pub fn master_etag(item: &Etag) -> &str {
    item.0
        .rsplit_once('#')
        .map_or(item.0.as_str(), |(own, _)| own)
}

fn malformed(reason: impl Into<String>) -> MalformedEvent {
    MalformedEvent {
        reason: reason.into(),
    }
}

/// Reads a master (or single instance) and the series' instances in `window` into one
/// event and its ETag.
pub fn assemble(master: &GraphEvent, instances: &[GraphEvent], window: Window) -> (Etag, ItemBody) {
    let exceptions: Vec<&GraphEvent> = instances
        .iter()
        .filter(|i| i.kind() == "exception")
        .collect();
    let built = build(master, instances, window);
    let cancelled = match &built {
        Ok(event) => event
            .master
            .as_ref()
            .map(|m| {
                m.recurrence
                    .exdates
                    .iter()
                    .map(EventTime::canonical)
                    .collect()
            })
            .unwrap_or_default(),
        Err(_) => Vec::new(),
    };
    (item_etag(master, &exceptions, &cancelled), built)
}

fn build(
    master: &GraphEvent,
    instances: &[GraphEvent],
    window: Window,
) -> Result<Event, MalformedEvent> {
    let mut component = read_component(master).map_err(malformed)?;
    let zone = event_zone(master.original_start_time_zone.as_deref());
    let mut overrides = BTreeMap::new();
    if master.kind() == "seriesMaster" {
        let recurrence = master
            .recurrence
            .as_ref()
            .ok_or_else(|| malformed("Graph series master without a recurrence"))?;
        let start = component
            .start
            .as_ref()
            .ok_or_else(|| malformed("Graph series master without a start"))?;
        let series = series_start(start, zone);
        let all_day = master.is_all_day;
        let rrule = from_graph(recurrence, series, all_day).map_err(malformed)?;
        let recurrence_id = |at: DateTime<Utc>| -> EventTime {
            if all_day {
                EventTime::Date {
                    date: at.with_timezone(&zone).date_naive(),
                }
            } else {
                model_time(at, zone)
            }
        };
        let mut listed = Vec::new();
        for instance in instances {
            let Some(original) = instance.original_start.as_deref() else {
                continue;
            };
            let at = parse_instant(original).map_err(malformed)?;
            listed.push(recurrence_id(at));
            if instance.kind() == "exception" {
                let mut exception = read_component(instance).map_err(malformed)?;
                exception.recurrence_id = Some(recurrence_id(at));
                overrides.insert(RecurrenceKey::of(&recurrence_id(at)), exception);
            }
        }
        component.recurrence.exdates = expected(&rrule, series, all_day, window)
            .into_iter()
            .map(recurrence_id)
            .filter(|expected| !listed.contains(expected))
            .collect();
        component.recurrence.rrule = Some(rrule);
    }
    let origin = master
        .marker(ORIGIN_NAME)
        .and_then(|value| OriginTag::parse(value).ok());
    let owner_link = master
        .marker(LINK_NAME)
        .and_then(|value| LinkId::parse(value).ok());
    Ok(Event {
        uid: master
            .marker(UID_NAME)
            .map(str::to_string)
            .or_else(|| master.ical_uid.clone())
            .unwrap_or_else(|| master.id.clone()),
        master: Some(component),
        overrides,
        origin,
        owner_link,
        timezones: Vec::new(),
    })
}

pub fn series_start(start: &EventTime, zone: chrono_tz::Tz) -> SeriesStart {
    match start {
        EventTime::Date { date } => SeriesStart {
            local: date.and_time(chrono::NaiveTime::MIN),
            zone,
        },
        EventTime::Zoned { local, .. } | EventTime::Floating { local } => SeriesStart {
            local: *local,
            zone,
        },
        EventTime::Utc { at } => SeriesStart {
            local: Utc.from_utc_datetime(at).with_timezone(&zone).naive_local(),
            zone,
        },
    }
}

/// The occurrence starts the rule produces in `window` (instants; all-day ones at midnight
/// in the series' zone).
pub fn expected(
    rrule: &str,
    start: SeriesStart,
    all_day: bool,
    window: Window,
) -> Vec<DateTime<Utc>> {
    let zone = rrule::Tz::Tz(start.zone);
    let Some(dtstart) = zone.from_local_datetime(&start.local).earliest() else {
        return Vec::new();
    };
    let Ok(rule) = rrule.parse::<rrule::RRule<rrule::Unvalidated>>() else {
        return Vec::new();
    };
    let Ok(rule) = rule.validate(dtstart) else {
        return Vec::new();
    };
    let slack = if all_day {
        chrono::TimeDelta::days(1)
    } else {
        chrono::TimeDelta::zero()
    };
    let from = zone.from_utc_datetime(&(window.0 - slack).naive_utc());
    let to = zone.from_utc_datetime(&window.1.naive_utc());
    // A pattern too long to walk up to the window infers no cancelled occurrences: they
    // are missed, never invented.
    occurrences_between(
        rrule::RRuleSet::new(dtstart).rrule(rule),
        (&from, &to),
        MAX_EXPANDED,
    )
    .unwrap_or_default()
    .into_iter()
    .map(|at| at.with_timezone(&Utc))
    .collect()
}
