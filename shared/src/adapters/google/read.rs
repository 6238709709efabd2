//! Google events into domain [`Event`]s: a series master and its exception instances
//! (`recurringEventId` + `originalStartTime`) become one event with overrides; cancelled
//! instances become EXDATEs. Anything unreadable becomes a [`MalformedEvent`], never a panic.

use super::wire::{WireAttendee, WireEvent, WirePerson};
use super::{etag, recurrence, times};
use crate::domain::{
    Component, Etag, Event, EventStatus, LinkId, MalformedEvent, OriginTag, Participant,
    RecurrenceKey, RemoteId, Transparency,
};
use crate::ports::ItemBody;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

/// `extendedProperties.private` keys calsync writes on its copies.
pub const ORIGIN_KEY: &str = "calsyncOrigin";
pub const LINK_KEY: &str = "calsyncLink";
/// The UID of an original calsync created (restored after an edit beat its deletion): an
/// insert with our own event id cannot also set `iCalUID`, and with Google's UID the original
/// would come back as a different event and be copied everywhere a second time.
pub const UID_KEY: &str = "calsyncUid";

/// The raw events of one logical event, as listed.
#[derive(Debug, Default, Clone)]
pub(super) struct Series {
    pub master: Option<WireEvent>,
    pub exceptions: Vec<WireEvent>,
}

impl Series {
    /// The ETag of the whole series (see [`etag::compose`]); `None` without a master.
    pub fn etag(&self) -> Option<Etag> {
        let master = self.master.as_ref()?.etag.as_deref()?;
        let exceptions: Vec<(String, String)> = self
            .exceptions
            .iter()
            .map(|e| {
                (
                    e.id.clone().unwrap_or_default(),
                    e.etag.clone().unwrap_or_default(),
                )
            })
            .collect();
        Some(etag::compose(master, &exceptions))
    }

    pub fn master_cancelled(&self) -> bool {
        self.master.as_ref().is_some_and(WireEvent::is_cancelled)
    }
}

/// Items of a listing, grouped by series (the master's id). Items that are not even events
/// come back separately, with the id they claim if any.
pub(super) fn group(
    items: Vec<serde_json::Value>,
) -> (BTreeMap<RemoteId, Series>, Vec<(RemoteId, MalformedEvent)>) {
    let mut series: BTreeMap<RemoteId, Series> = BTreeMap::new();
    let mut unreadable = Vec::new();
    for item in items {
        let claimed = item.get("id").and_then(|v| v.as_str()).map(str::to_string);
        match serde_json::from_value::<WireEvent>(item) {
            Ok(event) => {
                let Some(id) = event.id.clone() else { continue };
                match event.recurring_event_id.clone() {
                    Some(master) => series
                        .entry(RemoteId(master))
                        .or_default()
                        .exceptions
                        .push(event),
                    None => series.entry(RemoteId(id)).or_default().master = Some(event),
                }
            }
            Err(_) => {
                if let Some(id) = claimed {
                    unreadable.push((RemoteId(id), malformed("the event is not valid JSON")));
                }
            }
        }
    }
    (series, unreadable)
}

fn malformed(reason: impl Into<String>) -> MalformedEvent {
    MalformedEvent {
        reason: reason.into(),
    }
}

/// The domain event of a series that is not cancelled.
pub(super) fn to_event(series: &Series) -> ItemBody {
    let mut event = Event {
        uid: String::new(),
        master: None,
        overrides: BTreeMap::new(),
        origin: None,
        owner_link: None,
        timezones: Vec::new(),
    };
    let speaker = series
        .master
        .as_ref()
        .or_else(|| series.exceptions.iter().find(|e| !e.is_cancelled()))
        .ok_or_else(|| malformed("a series with neither master nor live instance"))?;
    let private = speaker
        .extended_properties
        .as_ref()
        .and_then(|p| p.private.as_ref());
    event.uid = private
        .and_then(|p| p.get(UID_KEY))
        .or(speaker.ical_uid.as_ref())
        .or(speaker.id.as_ref())
        .cloned()
        .unwrap_or_default();
    event.origin = private
        .and_then(|p| p.get(ORIGIN_KEY))
        .and_then(|v| OriginTag::parse(v).ok());
    event.owner_link = private
        .and_then(|p| p.get(LINK_KEY))
        .and_then(|v| LinkId::parse(v).ok());

    let mut cancelled = Vec::new();
    for exception in &series.exceptions {
        let original = exception
            .original_start_time
            .as_ref()
            .ok_or_else(|| malformed("an instance without originalStartTime"))?;
        let recurrence_id = times::from_wire(original).map_err(malformed)?;
        if exception.is_cancelled() {
            cancelled.push(recurrence::exdate_for(original).map_err(malformed)?);
            continue;
        }
        let mut component = component(exception)?;
        let key = RecurrenceKey::of(&recurrence_id);
        component.recurrence_id = Some(recurrence_id);
        event.overrides.insert(key, component);
    }
    if let Some(master) = &series.master {
        let mut component = component(master)?;
        if component.start.is_none() {
            return Err(malformed("the series master has no start"));
        }
        if let Some(lines) = &master.recurrence {
            component.recurrence = recurrence::from_lines(lines).map_err(malformed)?;
        }
        let exdates = &mut component.recurrence.exdates;
        for exdate in cancelled {
            let key = RecurrenceKey::of(&exdate);
            if !exdates.iter().any(|known| RecurrenceKey::of(known) == key) {
                exdates.push(exdate);
            }
        }
        exdates.sort();
        event.master = Some(component);
    }
    Ok(event)
}

fn component(wire: &WireEvent) -> Result<Component, MalformedEvent> {
    let time = |t: &Option<super::wire::WireTime>| {
        t.as_ref()
            .map(times::from_wire)
            .transpose()
            .map_err(malformed)
    };
    Ok(Component {
        recurrence_id: None,
        summary: wire.summary.clone(),
        description: wire.description.clone(),
        location: wire.location.clone(),
        start: time(&wire.start)?,
        end: time(&wire.end)?,
        transparency: match wire.transparency.as_deref() {
            Some("transparent") => Transparency::Transparent,
            _ => Transparency::Opaque,
        },
        // "confirmed" is Google's default for every event, as an absent STATUS is iCalendar's.
        status: match wire.status.as_deref() {
            Some("tentative") => Some(EventStatus::Tentative),
            Some("cancelled") => Some(EventStatus::Cancelled),
            _ => None,
        },
        class: match wire.visibility.as_deref() {
            Some("public") => Some("PUBLIC".into()),
            Some("private") => Some("PRIVATE".into()),
            Some("confidential") => Some("CONFIDENTIAL".into()),
            _ => None,
        },
        organizer: wire.organizer.as_ref().and_then(organizer),
        attendees: wire
            .attendees
            .iter()
            .flatten()
            .filter_map(attendee)
            .collect(),
        recurrence: Default::default(),
        last_modified: wire
            .updated
            .as_deref()
            .and_then(|u| DateTime::parse_from_rfc3339(u).ok())
            .map(|u| u.with_timezone(&Utc)),
        dtstamp: None,
        sequence: wire.sequence.unwrap_or(0),
        alarms: Vec::new(),
        extra: Vec::new(),
    })
}

fn organizer(person: &WirePerson) -> Option<Participant> {
    Some(Participant {
        email: person.email.as_deref()?.trim().to_ascii_lowercase(),
        name: person.display_name.clone(),
        partstat: None,
        role: None,
    })
}

fn attendee(wire: &WireAttendee) -> Option<Participant> {
    Some(Participant {
        email: wire.email.as_deref()?.trim().to_ascii_lowercase(),
        name: wire.display_name.clone(),
        partstat: wire.response_status.as_deref().map(|s| {
            match s {
                "accepted" => "ACCEPTED",
                "declined" => "DECLINED",
                "tentative" => "TENTATIVE",
                _ => "NEEDS-ACTION",
            }
            .to_string()
        }),
        role: (wire.optional == Some(true)).then(|| "OPT-PARTICIPANT".to_string()),
    })
}
