//! Domain components into the Events resource bodies calsync sends.

use super::read::{LINK_KEY, ORIGIN_KEY};
use super::wire::{ExtendedProperties, WireAttendee, WireEvent};
use super::{recurrence, times};
use crate::domain::{Component, Event, EventStatus, EventTime, Transparency};
use std::collections::BTreeMap;

/// The body for a series master (or a single event).
pub(super) fn master_body(event: &Event, master: &Component) -> WireEvent {
    let mut body = component_body(master);
    body.recurrence = Some(recurrence::to_lines(&master.recurrence));
    body.extended_properties = markers(event);
    body
}

/// The body for one exception instance, written to its instance id.
pub(super) fn override_body(event: &Event, component: &Component) -> WireEvent {
    let mut body = component_body(component);
    body.extended_properties = markers(event);
    body
}

/// The origin tag and owning link in `extendedProperties.private`: private to this calendar,
/// so attendees never see them. Originals carry none, and their properties are left alone.
fn markers(event: &Event) -> Option<ExtendedProperties> {
    let mut private = BTreeMap::new();
    if let Some(origin) = &event.origin {
        private.insert(ORIGIN_KEY.to_string(), origin.to_string());
    }
    if let Some(link) = &event.owner_link {
        private.insert(LINK_KEY.to_string(), link.to_string());
    }
    (!private.is_empty()).then_some(ExtendedProperties {
        private: Some(private),
        shared: None,
    })
}

fn component_body(component: &Component) -> WireEvent {
    let start = component.start.as_ref();
    let end = component.end.clone().or_else(|| start.map(default_end));
    WireEvent {
        summary: component.summary.clone(),
        description: component.description.clone(),
        location: component.location.clone(),
        start: start.map(times::to_wire),
        end: end.as_ref().map(times::to_wire),
        // A cancelled master would be a deletion on Google: it is written as a live event.
        status: Some(
            match component.status {
                Some(EventStatus::Tentative) => "tentative",
                _ => "confirmed",
            }
            .into(),
        ),
        transparency: Some(
            match component.transparency {
                Transparency::Opaque => "opaque",
                Transparency::Transparent => "transparent",
            }
            .into(),
        ),
        visibility: Some(
            match component
                .class
                .as_deref()
                .map(str::to_ascii_uppercase)
                .as_deref()
            {
                Some("PUBLIC") => "public",
                Some("PRIVATE") => "private",
                Some("CONFIDENTIAL") => "confidential",
                _ => "default",
            }
            .into(),
        ),
        attendees: Some(component.attendees.iter().map(attendee).collect()),
        ..WireEvent::default()
    }
}

/// RFC 5545 §3.6.1: no DTEND means one day for dates and no duration for times; Google
/// needs an end.
fn default_end(start: &EventTime) -> EventTime {
    match start {
        EventTime::Date { .. } => start.shifted(chrono::TimeDelta::days(1)),
        other => other.clone(),
    }
}

fn attendee(participant: &crate::domain::Participant) -> WireAttendee {
    WireAttendee {
        email: Some(participant.email.clone()),
        display_name: participant.name.clone(),
        response_status: Some(
            match participant.partstat.as_deref() {
                Some("ACCEPTED") => "accepted",
                Some("DECLINED") => "declined",
                Some("TENTATIVE") => "tentative",
                _ => "needsAction",
            }
            .into(),
        ),
        optional: (participant.role.as_deref() == Some("OPT-PARTICIPANT")).then_some(true),
        organizer: None,
    }
}
