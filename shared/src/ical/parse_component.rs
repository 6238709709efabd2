//! One VEVENT -> [`Component`].

use super::IcalError;
use super::canonical::{canonical_block, canonical_line, is_carriable, reads_back_unchanged};
use super::values::{end_from_duration, event_time, event_times, participant, text, utc_stamp};
use crate::domain::{Component, EventStatus, Transparency};
use calcard::icalendar::{
    ICalendar, ICalendarComponentType, ICalendarDuration, ICalendarEntry, ICalendarProperty,
    ICalendarStatus, ICalendarTransparency, ICalendarValue,
};

pub const ORIGIN_PROPERTY: &str = "X-CALSYNC-ORIGIN";
pub const LINK_PROPERTY: &str = "X-CALSYNC-LINK";

/// A VEVENT read into the model, with what belongs to the event rather than the component.
pub struct ParsedVevent {
    pub uid: Option<String>,
    pub component: Component,
    pub origin: Option<Marker>,
    pub link: Option<Marker>,
}

/// The value of one of calsync's own properties.
pub struct Marker {
    pub value: String,
}

pub fn parse_vevent(ical: &ICalendar, component_id: u32) -> Result<ParsedVevent, IcalError> {
    let Some(vevent) = ical.component_by_id(component_id) else {
        return Err(IcalError::Syntax("dangling component reference"));
    };
    let mut parsed = ParsedVevent {
        uid: None,
        component: Component::default(),
        origin: None,
        link: None,
    };
    let mut duration = None;
    for entry in &vevent.entries {
        read_entry(entry, &mut parsed, &mut duration)?;
    }
    let component = &mut parsed.component;
    if component.end.is_none()
        && let (Some(start), Some(duration)) = (&component.start, &duration)
    {
        component.end = Some(end_from_duration(start, duration).ok_or(
            IcalError::InvalidValue {
                property: "DURATION",
            },
        )?);
    }
    component.alarms = vevent
        .component_ids
        .iter()
        .filter(|id| {
            ical.component_by_id(**id)
                .is_some_and(|child| child.component_type == ICalendarComponentType::VAlarm)
        })
        .map(|id| canonical_block(ical, *id))
        .collect();
    component.extra.sort();
    Ok(parsed)
}

fn read_entry(
    entry: &ICalendarEntry,
    parsed: &mut ParsedVevent,
    duration: &mut Option<ICalendarDuration>,
) -> Result<(), IcalError> {
    let c = &mut parsed.component;
    match &entry.name {
        ICalendarProperty::Uid => {
            if parsed.uid.is_none() {
                parsed.uid = text(entry);
            }
        }
        ICalendarProperty::Dtstamp => c.dtstamp = c.dtstamp.or_else(|| utc_stamp(entry)),
        ICalendarProperty::LastModified => {
            c.last_modified = c.last_modified.or_else(|| utc_stamp(entry));
        }
        ICalendarProperty::Sequence => c.sequence = sequence(entry),
        // Rewritten by every server and client; carrying it would make copies look edited.
        ICalendarProperty::Created => {}
        ICalendarProperty::RecurrenceId => {
            if c.recurrence_id.is_none() {
                c.recurrence_id = Some(event_time(entry, "RECURRENCE-ID")?);
            }
        }
        ICalendarProperty::Dtstart => {
            if c.start.is_none() {
                c.start = Some(event_time(entry, "DTSTART")?);
            }
        }
        ICalendarProperty::Dtend => {
            if c.end.is_none() {
                c.end = Some(event_time(entry, "DTEND")?);
            }
        }
        ICalendarProperty::Duration => match entry.values.first() {
            Some(ICalendarValue::Duration(value)) => *duration = Some(value.clone()),
            _ => {
                return Err(IcalError::InvalidValue {
                    property: "DURATION",
                });
            }
        },
        ICalendarProperty::Summary => c.summary = c.summary.take().or_else(|| text(entry)),
        ICalendarProperty::Description => {
            c.description = c.description.take().or_else(|| text(entry));
        }
        ICalendarProperty::Location => c.location = c.location.take().or_else(|| text(entry)),
        ICalendarProperty::Transp => c.transparency = transparency(entry),
        ICalendarProperty::Status => c.status = status(entry),
        ICalendarProperty::Class => c.class = text(entry).map(|class| class.to_uppercase()),
        ICalendarProperty::Organizer => {
            if c.organizer.is_none() {
                c.organizer = participant(entry);
            }
        }
        ICalendarProperty::Attendee => c.attendees.extend(participant(entry)),
        ICalendarProperty::Rrule => {
            // RFC 5545 §3.8.5.3 says SHOULD NOT occur more than once; the first one wins.
            if c.recurrence.rrule.is_none() {
                c.recurrence.rrule = Some(rrule(entry)?);
            }
        }
        ICalendarProperty::Rdate => c.recurrence.rdates.extend(event_times(entry, "RDATE")?),
        ICalendarProperty::Exdate => c.recurrence.exdates.extend(event_times(entry, "EXDATE")?),
        ICalendarProperty::Other(name) if name.eq_ignore_ascii_case(ORIGIN_PROPERTY) => {
            parsed.origin = Some(marker(entry));
        }
        ICalendarProperty::Other(name) if name.eq_ignore_ascii_case(LINK_PROPERTY) => {
            parsed.link = Some(marker(entry));
        }
        _ => {
            let line = canonical_line(entry);
            if is_carriable(&line) && reads_back_unchanged(&line) {
                c.extra.push(line);
            }
        }
    }
    Ok(())
}

/// The rule in calcard's part order (FREQ first), so servers that reorder parts
/// (Xandikos) do not look like they edited the series.
fn rrule(entry: &ICalendarEntry) -> Result<String, IcalError> {
    match entry.values.first() {
        Some(ICalendarValue::RecurrenceRule(rule)) => Ok(rule.to_string()),
        _ => Err(IcalError::InvalidValue { property: "RRULE" }),
    }
}

fn sequence(entry: &ICalendarEntry) -> u32 {
    match entry.values.first() {
        Some(ICalendarValue::Integer(value)) => u32::try_from((*value).max(0)).unwrap_or(u32::MAX),
        Some(value) => value
            .as_text()
            .and_then(|text| text.trim().parse().ok())
            .unwrap_or(0),
        None => 0,
    }
}

fn transparency(entry: &ICalendarEntry) -> Transparency {
    let transparent = match entry.values.first() {
        Some(ICalendarValue::Transparency(value)) => {
            matches!(value, ICalendarTransparency::Transparent)
        }
        Some(value) => value
            .as_text()
            .is_some_and(|text| text.trim().eq_ignore_ascii_case("TRANSPARENT")),
        None => false,
    };
    if transparent {
        Transparency::Transparent
    } else {
        Transparency::Opaque
    }
}

/// VEVENT statuses only (RFC 5545 §3.8.1.11); VTODO/VJOURNAL values on an event are noise.
fn status(entry: &ICalendarEntry) -> Option<EventStatus> {
    let value = entry.values.first()?;
    if let ICalendarValue::Status(status) = value {
        return match status {
            ICalendarStatus::Tentative => Some(EventStatus::Tentative),
            ICalendarStatus::Confirmed => Some(EventStatus::Confirmed),
            ICalendarStatus::Cancelled => Some(EventStatus::Cancelled),
            _ => None,
        };
    }
    match value.as_text()?.trim().to_ascii_uppercase().as_str() {
        "TENTATIVE" => Some(EventStatus::Tentative),
        "CONFIRMED" => Some(EventStatus::Confirmed),
        "CANCELLED" | "CANCELED" => Some(EventStatus::Cancelled),
        _ => None,
    }
}

fn marker(entry: &ICalendarEntry) -> Marker {
    // calcard splits unknown properties at unescaped semicolons; a UID may contain one.
    let value = entry
        .values
        .iter()
        .filter_map(ICalendarValue::as_text)
        .collect::<Vec<_>>()
        .join(";");
    // Control characters do not survive a write and read (calcard escapes some, drops
    // others), so a tag holding one would change on its first round trip and its copies
    // would no longer be recognised. They have no place in an id.
    Marker {
        value: value
            .chars()
            .filter(|c| !c.is_control())
            .collect::<String>()
            .trim()
            .to_string(),
    }
}
