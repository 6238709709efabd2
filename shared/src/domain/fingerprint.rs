//! Canonical fingerprints of events: one hash per mergeable field, and a content hash over
//! all of them. Both ignore what servers and clients rewrite without meaning to change the
//! event: DTSTAMP, LAST-MODIFIED, SEQUENCE, PRODID, line folding, property and parameter
//! order, RRULE part order, VTIMEZONE blocks, the UID and calsync's own markers.

use super::{Component, ContentHash, Event, RecurrenceKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fmt;

/// A part of a component that a three-way merge treats as one unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Field {
    Summary,
    Description,
    Location,
    /// Start and end together: a move changes both, and they must never be mixed from two edits.
    Time,
    Transparency,
    Status,
    Class,
    Organizer,
    Attendees,
    Recurrence,
    Alarms,
    Extra,
}

impl Field {
    pub const ALL: [Field; 12] = [
        Field::Summary,
        Field::Description,
        Field::Location,
        Field::Time,
        Field::Transparency,
        Field::Status,
        Field::Class,
        Field::Organizer,
        Field::Attendees,
        Field::Recurrence,
        Field::Alarms,
        Field::Extra,
    ];

    fn name(self) -> &'static str {
        match self {
            Field::Summary => "summary",
            Field::Description => "description",
            Field::Location => "location",
            Field::Time => "time",
            Field::Transparency => "transparency",
            Field::Status => "status",
            Field::Class => "class",
            Field::Organizer => "organizer",
            Field::Attendees => "attendees",
            Field::Recurrence => "recurrence",
            Field::Alarms => "alarms",
            Field::Extra => "extra",
        }
    }

    fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.name() == name)
    }

    /// The canonical text of this field of `component`.
    fn canonical(self, c: &Component) -> String {
        fn sorted<T: Clone + Ord>(items: &[T]) -> Vec<T> {
            let mut items = items.to_vec();
            items.sort();
            items
        }
        let json = match self {
            Field::Summary => serde_json::to_string(&c.summary),
            Field::Description => serde_json::to_string(&c.description),
            Field::Location => serde_json::to_string(&c.location),
            Field::Time => serde_json::to_string(&(&c.start, &c.end)),
            Field::Transparency => serde_json::to_string(&c.transparency),
            Field::Status => serde_json::to_string(&c.status),
            Field::Class => serde_json::to_string(&c.class),
            // Without attendees an organizer schedules nobody (RFC 5545 3.8.4.3), and Google and
            // Outlook put their calendar's owner there on every event they store: counted, a
            // copy they re-read looked edited (chaos run: deletions overruled by that "edit").
            Field::Organizer if c.attendees.is_empty() => serde_json::to_string(&None::<()>),
            Field::Organizer => serde_json::to_string(&c.organizer),
            Field::Attendees => serde_json::to_string(&sorted(&c.attendees)),
            Field::Recurrence => serde_json::to_string(&(
                &c.recurrence.rrule,
                sorted(&c.recurrence.rdates),
                sorted(&c.recurrence.exdates),
            )),
            Field::Alarms => serde_json::to_string(&sorted(&c.alarms)),
            Field::Extra => serde_json::to_string(&sorted(&c.extra)),
        };
        // Serialising plain data into a String cannot fail; an empty value is still canonical.
        json.unwrap_or_default()
    }

    /// Copies this field from `from` into `to`.
    pub fn copy(self, from: &Component, to: &mut Component) {
        match self {
            Field::Summary => to.summary.clone_from(&from.summary),
            Field::Description => to.description.clone_from(&from.description),
            Field::Location => to.location.clone_from(&from.location),
            Field::Time => {
                to.start.clone_from(&from.start);
                to.end.clone_from(&from.end);
            }
            Field::Transparency => to.transparency = from.transparency,
            Field::Status => to.status = from.status,
            Field::Class => to.class.clone_from(&from.class),
            Field::Organizer => to.organizer.clone_from(&from.organizer),
            Field::Attendees => to.attendees.clone_from(&from.attendees),
            Field::Recurrence => to.recurrence.clone_from(&from.recurrence),
            Field::Alarms => to.alarms.clone_from(&from.alarms),
            Field::Extra => to.extra.clone_from(&from.extra),
        }
    }
}

/// Where a mergeable unit lives in an event: a field of the master, or a whole override.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum FieldKey {
    Master(Field),
    Override(RecurrenceKey),
}

impl fmt::Display for FieldKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldKey::Master(field) => f.write_str(field.name()),
            FieldKey::Override(key) => write!(f, "override:{}", key.0),
        }
    }
}

impl TryFrom<String> for FieldKey {
    type Error = String;
    fn try_from(value: String) -> Result<Self, String> {
        if let Some(key) = value.strip_prefix("override:") {
            return Ok(FieldKey::Override(RecurrenceKey(key.to_string())));
        }
        Field::from_name(&value)
            .map(FieldKey::Master)
            .ok_or_else(|| format!("unknown field {value:?}"))
    }
}

impl From<FieldKey> for String {
    fn from(key: FieldKey) -> String {
        key.to_string()
    }
}

/// 64-bit hashes (16 hex characters) of every mergeable unit present in an event.
pub type FieldHashes = BTreeMap<FieldKey, String>;

fn short_hash(text: &str) -> String {
    hex::encode(&Sha256::digest(text.as_bytes())[..8])
}

fn override_canonical(component: &Component) -> String {
    Field::ALL
        .iter()
        .map(|field| field.canonical(component))
        .collect::<Vec<_>>()
        .join("\u{1f}")
}

pub fn field_hashes(event: &Event) -> FieldHashes {
    let mut hashes = FieldHashes::new();
    if let Some(master) = &event.master {
        for field in Field::ALL {
            hashes.insert(
                FieldKey::Master(field),
                short_hash(&field.canonical(master)),
            );
        }
    }
    for (key, component) in &event.overrides {
        let canonical = format!(
            "{}\u{1e}{}",
            serde_json::to_string(&component.recurrence_id).unwrap_or_default(),
            override_canonical(component)
        );
        hashes.insert(FieldKey::Override(key.clone()), short_hash(&canonical));
    }
    hashes
}

/// The content hash: equal for two events exactly when every mergeable unit is equal.
pub fn content_hash(event: &Event) -> ContentHash {
    content_hash_of(&field_hashes(event))
}

pub fn content_hash_of(hashes: &FieldHashes) -> ContentHash {
    let mut hasher = Sha256::new();
    for (key, hash) in hashes {
        hasher.update(key.to_string().as_bytes());
        hasher.update(b"=");
        hasher.update(hash.as_bytes());
        hasher.update(b"\n");
    }
    ContentHash(hex::encode(hasher.finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{EventTime, Participant};
    use chrono::{NaiveDate, TimeZone, Utc};

    fn event() -> Event {
        let start = EventTime::Date {
            date: NaiveDate::from_ymd_opt(2026, 5, 1).unwrap(),
        };
        Event {
            uid: "u1".into(),
            master: Some(Component {
                summary: Some("Lunch".into()),
                start: Some(start),
                attendees: vec![
                    Participant {
                        email: "b@x".into(),
                        name: None,
                        partstat: None,
                        role: None,
                    },
                    Participant {
                        email: "a@x".into(),
                        name: None,
                        partstat: None,
                        role: None,
                    },
                ],
                ..Component::default()
            }),
            overrides: BTreeMap::new(),
            origin: None,
            owner_link: None,
            timezones: vec![],
        }
    }

    #[test]
    fn hash_ignores_stamps_uid_markers_timezones_and_attendee_order() {
        let a = event();
        let mut b = a.clone();
        b.uid = "other".into();
        b.timezones = vec!["BEGIN:VTIMEZONE...".into()];
        let master = b.master.as_mut().unwrap();
        master.dtstamp = Some(Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).unwrap());
        master.last_modified = master.dtstamp;
        master.sequence = 7;
        master.attendees.reverse();
        assert_eq!(content_hash(&a), content_hash(&b));
    }

    #[test]
    fn hash_changes_with_each_field() {
        let a = event();
        let mut b = a.clone();
        b.master.as_mut().unwrap().location = Some("Cafe".into());
        assert_ne!(content_hash(&a), content_hash(&b));
        let changed: Vec<_> = field_hashes(&a)
            .iter()
            .filter(|(k, v)| field_hashes(&b).get(*k) != Some(*v))
            .map(|(k, _)| k.clone())
            .collect();
        assert_eq!(changed, vec![FieldKey::Master(Field::Location)]);
    }

    #[test]
    fn an_organizer_counts_only_with_attendees() {
        let owner = Participant {
            email: "owner@x".into(),
            name: None,
            partstat: None,
            role: None,
        };
        let organizer = FieldKey::Master(Field::Organizer);
        let mut alone = event();
        alone.master.as_mut().unwrap().attendees.clear();
        let mut stamped = alone.clone();
        stamped.master.as_mut().unwrap().organizer = Some(owner.clone());
        assert_eq!(
            field_hashes(&alone)[&organizer],
            field_hashes(&stamped)[&organizer],
            "a provider's owner on an event without attendees is no edit"
        );
        let meeting = event();
        let mut organized = meeting.clone();
        organized.master.as_mut().unwrap().organizer = Some(owner);
        assert_ne!(
            field_hashes(&meeting)[&organizer],
            field_hashes(&organized)[&organizer]
        );
    }

    #[test]
    fn field_keys_serialise_as_strings() {
        let hashes = field_hashes(&event());
        let json = serde_json::to_string(&hashes).unwrap();
        let back: FieldHashes = serde_json::from_str(&json).unwrap();
        assert_eq!(back, hashes);
    }
}
