//! One item as the comparison sees it, whatever backend holds it: title, description,
//! location, time (UTC instants and the zone's IANA name, or dates), and a series' rule,
//! cancelled and moved instances.

use super::model::{SeriesView, TimeView, normalise_rule};
use calsync_core::domain::{Component, Event, EventStatus, EventTime, resolve_zone};
use chrono::{DateTime, Utc};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Projection {
    pub title: String,
    pub description: String,
    pub location: String,
    pub time: Option<TimeView>,
    pub series: Option<SeriesView>,
}

/// The tag in `[c17] ...`.
pub fn tag_of(title: &str) -> Option<String> {
    let rest = title.strip_prefix('[')?;
    Some(rest[..rest.find(']')?].to_string())
}

fn zone_name(time: &EventTime) -> String {
    match time {
        EventTime::Utc { .. } => "UTC".into(),
        EventTime::Floating { .. } => "floating".into(),
        EventTime::Date { .. } => "date".into(),
        EventTime::Zoned { tzid, .. } => match resolve_zone(tzid) {
            Some(zone) if matches!(zone.name(), "UTC" | "Etc/UTC" | "GMT" | "Etc/GMT") => {
                "UTC".into()
            }
            Some(zone) => zone.name().to_string(),
            None => format!("unknown:{tzid}"),
        },
    }
}

fn instant(time: &EventTime) -> DateTime<Utc> {
    time.to_utc_lenient()
}

pub fn time_view(component: &Component) -> Option<TimeView> {
    let start = component.start.as_ref()?;
    if let EventTime::Date { date } = start {
        let end = match &component.end {
            Some(EventTime::Date { date }) => *date,
            _ => *date + chrono::Days::new(1),
        };
        return Some(TimeView::AllDay { start: *date, end });
    }
    let end = component.end.as_ref().map_or(instant(start), instant);
    Some(TimeView::Timed {
        start: instant(start),
        end,
        zone: zone_name(start),
    })
}

fn text(value: &Option<String>) -> String {
    value.as_deref().unwrap_or("").trim().to_string()
}

/// The tag and projection of an event, or `None` when its title carries no tag.
pub fn project(event: &Event) -> Option<(String, Projection)> {
    let master = event.master.as_ref().or(event.primary())?;
    let title = text(&master.summary);
    let tag = tag_of(&title)?;
    let series = master.recurrence.rrule.as_ref().map(|rule| {
        let mut view = SeriesView {
            rule: normalise_rule(rule),
            cancelled: master.recurrence.exdates.iter().map(instant).collect(),
            moved: Default::default(),
        };
        for component in event.overrides.values() {
            let Some(original) = component.recurrence_id.as_ref().map(instant) else {
                continue;
            };
            match (component.status, time_view(component)) {
                (Some(EventStatus::Cancelled), _) => {
                    view.cancelled.insert(original);
                }
                (_, Some(TimeView::Timed { start, end, .. })) => {
                    view.moved.insert(original, (start, end));
                }
                _ => {}
            }
        }
        view
    });
    Some((
        tag,
        Projection {
            title,
            description: text(&master.description),
            location: text(&master.location),
            time: time_view(master),
            series,
        },
    ))
}

impl fmt::Display for Projection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:?} / {:?} / {:?} / {:?}",
            self.title, self.description, self.location, self.time
        )?;
        if let Some(series) = &self.series {
            write!(
                f,
                " / {} cancelled {:?} moved {:?}",
                series.rule, series.cancelled, series.moved
            )?;
        }
        Ok(())
    }
}
