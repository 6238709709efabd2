//! Parsing one calendar object resource (RFC 4791 §4.1) into the normalised [`Event`].

use super::IcalError;
use super::canonical::canonical_block;
use super::limits::{check_size, check_structure};
use super::lines::unfold;
use super::parse_component::{Marker, ParsedVevent, parse_vevent};
use super::values::printable;
use crate::domain::{Component, Event, LinkId, OriginTag, RecurrenceKey};
use calcard::icalendar::{ICalendar, ICalendarComponentType, ICalendarProperty, ICalendarValue};
use std::collections::BTreeMap;

pub fn parse_event(text: &str) -> Result<Event, IcalError> {
    check_size(text)?;
    // Control characters (RFC 5545 §3.1 excludes them from content lines) are dropped
    // before anything else, as emit drops them: read otherwise, an event would differ from
    // what calsync writes of it, and its copy would look edited after every write.
    let text = printable(&unfold(text.strip_prefix('\u{feff}').unwrap_or(text)));
    check_structure(&text)?;
    // calcard's error carries the offending line: never pass it on.
    let ical = ICalendar::parse(&text).map_err(|_| IcalError::Syntax("no VCALENDAR found"))?;
    let root = ical
        .components
        .first()
        .filter(|root| root.component_type == ICalendarComponentType::VCalendar)
        .ok_or(IcalError::Syntax(
            "the top-level component is not a VCALENDAR",
        ))?;

    let mut vevent_ids = Vec::new();
    let mut timezone_ids = Vec::new();
    let mut other_kind = None;
    for id in &root.component_ids {
        match ical.component_by_id(*id).map(|c| &c.component_type) {
            Some(ICalendarComponentType::VEvent) => vevent_ids.push(*id),
            Some(ICalendarComponentType::VTimezone) => timezone_ids.push(*id),
            Some(ICalendarComponentType::VTodo) => other_kind = other_kind.or(Some("VTODO")),
            Some(ICalendarComponentType::VJournal) => {
                other_kind = other_kind.or(Some("VJOURNAL"));
            }
            // X- components, VFREEBUSY and the like are not ours to carry.
            _ => {}
        }
    }
    if vevent_ids.is_empty() {
        return Err(other_kind.map_or(IcalError::NoEvent, IcalError::NotAnEvent));
    }

    let vevents = vevent_ids
        .iter()
        .map(|id| parse_vevent(&ical, *id))
        .collect::<Result<Vec<_>, _>>()?;
    let uid = single_uid(&vevents)?;

    let mut master: Option<Slot> = None;
    let mut overrides: BTreeMap<RecurrenceKey, Slot> = BTreeMap::new();
    for vevent in vevents {
        let slot = Slot::from(vevent);
        match &slot.component.recurrence_id {
            None => {
                if slot.component.start.is_none() {
                    return Err(IcalError::MissingStart("the master VEVENT"));
                }
                if master.replace(slot).is_some() {
                    return Err(IcalError::SeveralMasters);
                }
            }
            Some(recurrence_id) => {
                if slot.component.start.is_none() {
                    return Err(IcalError::MissingStart("an override VEVENT"));
                }
                let key = RecurrenceKey::of(recurrence_id);
                if overrides.insert(key, slot).is_some() {
                    return Err(IcalError::DuplicateOverride);
                }
            }
        }
    }

    // The master (or else the first override) speaks for the event, as on emit.
    let mut slots: Vec<&mut Slot> = master.iter_mut().chain(overrides.values_mut()).collect();
    let origin = take_marker(&mut slots, |s| &mut s.origin, |v| OriginTag::parse(v).ok());
    let owner_link = take_marker(&mut slots, |s| &mut s.link, |v| LinkId::parse(v).ok());

    Ok(Event {
        uid,
        master: master.map(Slot::into_component),
        overrides: overrides
            .into_iter()
            .map(|(key, slot)| (key, slot.into_component()))
            .collect(),
        origin,
        owner_link,
        timezones: timezones(&ical, &timezone_ids),
    })
}

/// A component while the event is assembled, with its markers not yet assigned.
struct Slot {
    component: Component,
    origin: Option<Marker>,
    link: Option<Marker>,
}

impl From<ParsedVevent> for Slot {
    fn from(vevent: ParsedVevent) -> Self {
        Self {
            component: vevent.component,
            origin: vevent.origin,
            link: vevent.link,
        }
    }
}

impl Slot {
    fn into_component(mut self) -> Component {
        self.component.extra.sort();
        self.component
    }
}

fn single_uid(vevents: &[ParsedVevent]) -> Result<String, IcalError> {
    let mut uids: Vec<&str> = Vec::new();
    for vevent in vevents {
        let uid = vevent.uid.as_deref().ok_or(IcalError::MissingUid)?;
        if !uids.contains(&uid) {
            uids.push(uid);
        }
    }
    match uids.as_slice() {
        [uid] => Ok((*uid).to_string()),
        [] => Err(IcalError::MissingUid),
        several => Err(IcalError::SeveralUids(several.len())),
    }
}

/// The first marker (in speaking order) whose value parses. Markers that do not parse are
/// dropped, like parsed duplicates on other components: emit writes calsync's markers from
/// the model only, never from unmodelled lines, because a second X-CALSYNC-ORIGIN could
/// win on the next reading and turn a copy into an original.
fn take_marker<T>(
    slots: &mut [&mut Slot],
    field: impl Fn(&mut Slot) -> &mut Option<Marker>,
    parse: impl Fn(&str) -> Option<T>,
) -> Option<T> {
    let mut found = None;
    for slot in slots.iter_mut() {
        let Some(marker) = field(slot).take() else {
            continue;
        };
        if let Some(value) = parse(&marker.value) {
            found = found.or(Some(value));
        }
    }
    found
}

/// VTIMEZONE blocks in canonical form, one per TZID, sorted by TZID.
fn timezones(ical: &ICalendar, timezone_ids: &[u32]) -> Vec<String> {
    let mut by_tzid: BTreeMap<String, String> = BTreeMap::new();
    for id in timezone_ids {
        let tzid = ical
            .component_by_id(*id)
            .and_then(|tz| tz.property(&ICalendarProperty::Tzid))
            .and_then(|entry| entry.values.first())
            .and_then(ICalendarValue::as_text)
            .unwrap_or_default()
            .to_string();
        by_tzid
            .entry(tzid)
            .or_insert_with(|| canonical_block(ical, *id));
    }
    by_tzid.into_values().collect()
}
