//! Turning the logical event into what each calendar should hold.

use crate::domain::{Component, CopyKey, Event, LinkId, OriginTag, Privacy};

const MARKER_PREFIX: &str = "X-CALSYNC-";

/// An observed original in base form. Markers another tenant's calsync left on it are not
/// ours to interpret: they are kept as plain extra lines so they survive our writes.
pub(crate) fn original_base_form(event: &Event) -> Event {
    let mut base = event.clone();
    let mut markers = Vec::new();
    if let Some(tag) = base.origin.take() {
        markers.push(format!("X-CALSYNC-ORIGIN:{tag}"));
    }
    if let Some(link) = base.owner_link.take() {
        markers.push(format!("X-CALSYNC-LINK:{link}"));
    }
    if !markers.is_empty() {
        let holder = match base.master.as_mut() {
            Some(master) => Some(master),
            None => base.overrides.values_mut().next(),
        };
        if let Some(component) = holder {
            component.extra.extend(markers);
            component.extra.sort();
        }
    }
    base
}

/// An observed copy in base form: the original's UID, no markers.
pub(crate) fn copy_base_form(event: &Event, origin_uid: &str) -> Event {
    let mut base = event.clone();
    base.uid = origin_uid.to_string();
    base.origin = None;
    base.owner_link = None;
    base
}

/// What the origin's own calendar should hold: the logical event itself.
pub(crate) fn origin_projection(base: &Event) -> Event {
    base.clone()
}

/// What a copy should hold under the link's privacy for its calendar.
pub(crate) fn copy_projection(
    base: &Event,
    privacy: Privacy,
    busy_title: &str,
    tag: &OriginTag,
    owner: &LinkId,
    key: &CopyKey,
) -> Event {
    let reduce = |component: &Component| -> Component {
        match privacy {
            Privacy::Full => {
                let mut full = component.clone();
                // Another tenant's markers belong on the original only: on our copy they
                // would make it look like theirs.
                full.extra.retain(|line| !line.starts_with(MARKER_PREFIX));
                full
            }
            Privacy::Title => time_only(component, component.summary.clone()),
            Privacy::Busy => time_only(component, Some(busy_title.to_string())),
        }
    };
    Event {
        uid: key.copy_uid(),
        master: base.master.as_ref().map(reduce),
        overrides: base
            .overrides
            .iter()
            .map(|(key, component)| (key.clone(), reduce(component)))
            .collect(),
        origin: Some(tag.clone()),
        owner_link: Some(owner.clone()),
        timezones: base.timezones.clone(),
    }
}

/// Time, all-day flag, busy/free and the recurrence shape: nothing that describes the meeting.
fn time_only(component: &Component, summary: Option<String>) -> Component {
    Component {
        recurrence_id: component.recurrence_id.clone(),
        summary,
        start: component.start.clone(),
        end: component.end.clone(),
        transparency: component.transparency,
        status: component.status,
        recurrence: component.recurrence.clone(),
        last_modified: component.last_modified,
        dtstamp: component.dtstamp,
        sequence: component.sequence,
        ..Component::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{CalendarId, EventTime, OriginKey, Participant, TenantId};
    use chrono::NaiveDate;
    use std::collections::BTreeMap;

    fn rich_event() -> Event {
        Event {
            uid: "u1".into(),
            master: Some(Component {
                summary: Some("Board meeting".into()),
                description: Some("Quarterly numbers".into()),
                location: Some("Room 4".into()),
                start: Some(EventTime::Date {
                    date: NaiveDate::from_ymd_opt(2026, 5, 1).unwrap(),
                }),
                organizer: Some(Participant {
                    email: "boss@example.org".into(),
                    name: None,
                    partstat: None,
                    role: None,
                }),
                attendees: vec![Participant {
                    email: "me@example.org".into(),
                    name: Some("Me".into()),
                    partstat: Some("ACCEPTED".into()),
                    role: None,
                }],
                alarms: vec![
                    "BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT15M\r\nEND:VALARM".into(),
                ],
                extra: vec![
                    "CATEGORIES:Work".into(),
                    "X-CALSYNC-ORIGIN:other:cx:y".into(),
                ],
                class: Some("CONFIDENTIAL".into()),
                ..Component::default()
            }),
            overrides: BTreeMap::new(),
            origin: None,
            owner_link: None,
            timezones: vec![],
        }
    }

    fn tag() -> OriginTag {
        OriginTag::new(
            TenantId::parse("t").unwrap(),
            OriginKey {
                calendar: CalendarId::parse("ca").unwrap(),
                uid: "u1".into(),
            },
        )
    }

    fn project(privacy: Privacy) -> Event {
        let key = tag().copy_key(&CalendarId::parse("cb").unwrap());
        copy_projection(
            &rich_event(),
            privacy,
            "Busy",
            &tag(),
            &LinkId::parse("l").unwrap(),
            &key,
        )
    }

    #[test]
    fn busy_copy_reveals_only_time() {
        let copy = project(Privacy::Busy);
        let master = copy.master.unwrap();
        assert_eq!(master.summary.as_deref(), Some("Busy"));
        assert!(master.description.is_none() && master.location.is_none());
        assert!(master.organizer.is_none() && master.attendees.is_empty());
        assert!(master.alarms.is_empty() && master.extra.is_empty() && master.class.is_none());
        assert!(master.start.is_some());
        assert_eq!(copy.origin, Some(tag()));
    }

    #[test]
    fn title_copy_keeps_the_title_only() {
        let master = project(Privacy::Title).master.unwrap();
        assert_eq!(master.summary.as_deref(), Some("Board meeting"));
        assert!(master.description.is_none() && master.attendees.is_empty());
    }

    #[test]
    fn full_copy_keeps_everything_but_foreign_markers() {
        let copy = project(Privacy::Full);
        let master = copy.master.unwrap();
        assert_eq!(master.extra, vec!["CATEGORIES:Work".to_string()]);
        assert_eq!(master.alarms.len(), 1);
        assert_eq!(master.attendees.len(), 1);
        assert!(copy.uid.ends_with("@calsync"));
    }

    #[test]
    fn foreign_markers_on_an_original_are_kept_as_extra_lines() {
        let mut theirs = rich_event();
        theirs.master.as_mut().unwrap().extra.clear();
        theirs.origin = Some(OriginTag::parse("someone:cq:abc").unwrap());
        let base = original_base_form(&theirs);
        assert!(base.origin.is_none());
        assert_eq!(
            base.master.unwrap().extra,
            vec!["X-CALSYNC-ORIGIN:someone:cq:abc".to_string()]
        );
    }
}
