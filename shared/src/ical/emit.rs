//! Writing a normalised [`Event`] as one iCalendar object.

use super::emit_component::{VeventContext, vevent_entries};
use super::lines::write_calendar;
use crate::domain::{Component, Event, EventTime, RecurrenceKey};
use calcard::icalendar::{
    ICalendar, ICalendarComponent, ICalendarComponentType, ICalendarEntry, ICalendarProperty,
};
use chrono::{DateTime, NaiveDate, NaiveDateTime, SubsecRound, Utc};

const PRODID: &str = "-//calsync//calsync//EN";

pub fn emit_event(event: &Event, now: DateTime<Utc>) -> String {
    let mut ical = ICalendar {
        components: vec![ICalendarComponent {
            component_type: ICalendarComponentType::VCalendar,
            entries: vec![
                ICalendarEntry::new(ICalendarProperty::Version).with_value("2.0"),
                ICalendarEntry::new(ICalendarProperty::Prodid).with_value(PRODID),
            ],
            component_ids: Vec::new(),
        }],
    };
    for block in &event.timezones {
        graft_blocks(&mut ical, 0, block, &ICalendarComponentType::VTimezone);
    }

    let now = now.trunc_subsecs(0);
    let components = event.master.iter().map(|master| (master, None)).chain(
        event
            .overrides
            .iter()
            .map(|(key, component)| (component, Some(key))),
    );
    for (index, (component, key)) in components.enumerate() {
        let recurrence_id = key.and_then(|key| {
            component
                .recurrence_id
                .clone()
                .or_else(|| recurrence_id_from_key(key))
        });
        // The markers go on the component that speaks for the event (the master, else the
        // first override), and only there, mirroring `parse_event`.
        let speaks = index == 0;
        let context = VeventContext {
            uid: &event.uid,
            recurrence_id: recurrence_id.as_ref(),
            origin: event.origin.as_ref().filter(|_| speaks),
            link: event.owner_link.as_ref().filter(|_| speaks),
            is_copy: event.origin.is_some(),
            now,
        };
        push_vevent(&mut ical, component, &context);
    }

    // RFC 5545 §3.6.5: every TZID used needs a VTIMEZONE. Zones we did not carry but know
    // (IANA and Windows names) get one generated; custom zones are left as they are.
    ical.add_missing_timezones();
    write_calendar(&ical)
}

fn push_vevent(ical: &mut ICalendar, component: &Component, context: &VeventContext<'_>) {
    let Some(id) = push_component(
        ical,
        0,
        ICalendarComponent {
            component_type: ICalendarComponentType::VEvent,
            entries: vevent_entries(component, context),
            component_ids: Vec::new(),
        },
    ) else {
        return;
    };
    for alarm in &component.alarms {
        graft_blocks(ical, id, alarm, &ICalendarComponentType::VAlarm);
    }
}

fn push_component(ical: &mut ICalendar, parent: u32, component: ICalendarComponent) -> Option<u32> {
    let id = u32::try_from(ical.components.len()).ok()?;
    ical.components.push(component);
    ical.components
        .get_mut(parent as usize)?
        .component_ids
        .push(id);
    Some(id)
}

/// Adds the top-level components of `kind` found in `block` (canonical text from
/// `parse_event`, or anything else) under `parent`, with their sub-components.
fn graft_blocks(ical: &mut ICalendar, parent: u32, block: &str, kind: &ICalendarComponentType) {
    let wrapped = format!("BEGIN:VCALENDAR\r\n{block}\r\nEND:VCALENDAR\r\n");
    let Ok(source) = ICalendar::parse(&wrapped) else {
        return;
    };
    let Some(root) = source.components.first() else {
        return;
    };
    let mut pending: Vec<(u32, u32)> = root
        .component_ids
        .iter()
        .rev()
        .filter(|id| {
            source
                .component_by_id(**id)
                .is_some_and(|c| &c.component_type == kind)
        })
        .map(|id| (parent, *id))
        .collect();
    // Depth-first with an explicit stack: the block's nesting is not bounded here.
    while let Some((target_parent, source_id)) = pending.pop() {
        let Some(component) = source.component_by_id(source_id) else {
            continue;
        };
        let copy = ICalendarComponent {
            component_type: component.component_type.clone(),
            entries: component.entries.clone(),
            component_ids: Vec::new(),
        };
        let Some(new_id) = push_component(ical, target_parent, copy) else {
            return;
        };
        pending.extend(
            component
                .component_ids
                .iter()
                .rev()
                .map(|child| (new_id, *child)),
        );
    }
}

/// An override whose RECURRENCE-ID is missing from the model (only possible in a model
/// not built by `parse_event`) gets it back from its key, which holds the same instant.
fn recurrence_id_from_key(key: &RecurrenceKey) -> Option<EventTime> {
    let text = key.0.as_str();
    if let Some(utc) = text.strip_suffix('Z') {
        let at = NaiveDateTime::parse_from_str(utc, "%Y%m%dT%H%M%S").ok()?;
        return Some(EventTime::Utc { at });
    }
    if let Ok(local) = NaiveDateTime::parse_from_str(text, "%Y%m%dT%H%M%S") {
        return Some(EventTime::Floating { local });
    }
    NaiveDate::parse_from_str(text, "%Y%m%d")
        .ok()
        .map(|date| EventTime::Date { date })
}
