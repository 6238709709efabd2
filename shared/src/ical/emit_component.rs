//! One [`Component`] -> the properties of its VEVENT.

use super::canonical::is_carriable;
use super::parse_component::{LINK_PROPERTY, ORIGIN_PROPERTY};
use super::values::{participant_entry, printable, same_line_kind, time_entry, utc_entry};
use crate::domain::{Component, EventStatus, EventTime, LinkId, OriginTag, Transparency};
use calcard::icalendar::{ICalendar, ICalendarComponentType, ICalendarEntry, ICalendarProperty};
use chrono::{DateTime, Utc};

/// What the VEVENT needs besides its component.
pub struct VeventContext<'a> {
    pub uid: &'a str,
    pub recurrence_id: Option<&'a EventTime>,
    /// Set on the one component that speaks for the event.
    pub origin: Option<&'a OriginTag>,
    pub link: Option<&'a LinkId>,
    /// The event is a copy: its scheduling belongs to the original's organizer.
    pub is_copy: bool,
    pub now: DateTime<Utc>,
}

pub fn vevent_entries(component: &Component, context: &VeventContext<'_>) -> Vec<ICalendarEntry> {
    let mut entries = vec![
        text_entry(ICalendarProperty::Uid, context.uid),
        utc_entry(ICalendarProperty::Dtstamp, context.now),
    ];
    if let Some(at) = component.last_modified {
        entries.push(utc_entry(ICalendarProperty::LastModified, at));
    }
    if component.sequence > 0 {
        entries.push(
            ICalendarEntry::new(ICalendarProperty::Sequence)
                .with_value(i64::from(component.sequence)),
        );
    }
    if let Some(recurrence_id) = context.recurrence_id {
        entries.push(time_entry(
            ICalendarProperty::RecurrenceId,
            &[recurrence_id],
        ));
    }
    if let Some(start) = &component.start {
        entries.push(time_entry(ICalendarProperty::Dtstart, &[start]));
    }
    if let Some(end) = &component.end {
        entries.push(time_entry(ICalendarProperty::Dtend, &[end]));
    }
    let texts = [
        (ICalendarProperty::Summary, &component.summary),
        (ICalendarProperty::Description, &component.description),
        (ICalendarProperty::Location, &component.location),
        (ICalendarProperty::Class, &component.class),
    ];
    for (property, value) in texts {
        if let Some(value) = value.as_deref().filter(|v| !v.is_empty()) {
            entries.push(text_entry(property, value));
        }
    }
    // Written even when OPAQUE, the RFC 5545 default: some clients (Outlook, Apple
    // Calendar) show all-day events without TRANSP as free.
    entries.push(text_entry(
        ICalendarProperty::Transp,
        match component.transparency {
            Transparency::Opaque => "OPAQUE",
            Transparency::Transparent => "TRANSPARENT",
        },
    ));
    if let Some(status) = component.status {
        entries.push(text_entry(
            ICalendarProperty::Status,
            match status {
                EventStatus::Tentative => "TENTATIVE",
                EventStatus::Confirmed => "CONFIRMED",
                EventStatus::Cancelled => "CANCELLED",
            },
        ));
    }
    if let Some(organizer) = &component.organizer {
        entries.push(participant_entry(
            ICalendarProperty::Organizer,
            organizer,
            context.is_copy,
        ));
    }
    for attendee in &component.attendees {
        entries.push(participant_entry(
            ICalendarProperty::Attendee,
            attendee,
            context.is_copy,
        ));
    }
    if let Some(rrule) = &component.recurrence.rrule {
        // RECUR values are written unescaped by calcard, as RFC 5545 §3.3.10 requires.
        entries.push(text_entry(ICalendarProperty::Rrule, rrule));
    }
    entries.extend(time_lists(
        ICalendarProperty::Rdate,
        &component.recurrence.rdates,
    ));
    entries.extend(time_lists(
        ICalendarProperty::Exdate,
        &component.recurrence.exdates,
    ));
    if let Some(origin) = context.origin {
        entries.push(text_entry(other(ORIGIN_PROPERTY), &origin.to_string()));
    }
    if let Some(link) = context.link {
        entries.push(text_entry(other(LINK_PROPERTY), link.as_str()));
    }
    entries.extend(extra_entries(&component.extra));
    entries
}

fn other(name: &str) -> ICalendarProperty {
    ICalendarProperty::Other(name.to_string())
}

fn text_entry(property: ICalendarProperty, value: &str) -> ICalendarEntry {
    ICalendarEntry::new(property).with_value(printable(value))
}

/// RDATE/EXDATE lines, one per run of values of the same kind, in model order.
fn time_lists(property: ICalendarProperty, times: &[EventTime]) -> Vec<ICalendarEntry> {
    let mut runs: Vec<Vec<&EventTime>> = Vec::new();
    for time in times {
        match runs.last_mut() {
            Some(run) if run.first().is_some_and(|first| same_line_kind(first, time)) => {
                run.push(time);
            }
            _ => runs.push(vec![time]),
        }
    }
    runs.iter()
        .map(|run| time_entry(property.clone(), run))
        .collect()
}

/// The unmodelled lines, read back through calcard so its writer folds and escapes them
/// like everything else. Lines that would break the structure or duplicate a property
/// written above (possible only in a model not built by `parse_event`) are left out.
fn extra_entries(lines: &[String]) -> Vec<ICalendarEntry> {
    let usable: Vec<&str> = lines
        .iter()
        .map(|line| line.trim_start())
        .filter(|line| is_carriable(line))
        .collect();
    if usable.is_empty() {
        return Vec::new();
    }
    let text = format!(
        "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n{}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        usable.join("\r\n")
    );
    let Ok(ical) = ICalendar::parse(&text) else {
        return Vec::new();
    };
    ical.components
        .into_iter()
        .find(|c| c.component_type == ICalendarComponentType::VEvent)
        .map(|vevent| vevent.entries)
        .unwrap_or_default()
        .into_iter()
        .filter(|entry| !written_from_model(&entry.name))
        .collect()
}

fn written_from_model(property: &ICalendarProperty) -> bool {
    match property {
        ICalendarProperty::Other(name) => {
            name.eq_ignore_ascii_case(ORIGIN_PROPERTY) || name.eq_ignore_ascii_case(LINK_PROPERTY)
        }
        ICalendarProperty::Uid
        | ICalendarProperty::Dtstamp
        | ICalendarProperty::LastModified
        | ICalendarProperty::Sequence
        | ICalendarProperty::Created
        | ICalendarProperty::RecurrenceId
        | ICalendarProperty::Dtstart
        | ICalendarProperty::Dtend
        | ICalendarProperty::Duration
        | ICalendarProperty::Summary
        | ICalendarProperty::Description
        | ICalendarProperty::Location
        | ICalendarProperty::Class
        | ICalendarProperty::Transp
        | ICalendarProperty::Status
        | ICalendarProperty::Organizer
        | ICalendarProperty::Attendee
        | ICalendarProperty::Rrule
        | ICalendarProperty::Rdate
        | ICalendarProperty::Exdate => true,
        _ => false,
    }
}
