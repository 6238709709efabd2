//! The three-way merge of edits made on several two-way sides of one event.
//!
//! Each side is compared with its own baseline (what it held after the last sync), so a side
//! that missed an update does not look like it reverted the others' edits.

use super::{Conflict, FieldStamp};
use crate::domain::{CalendarId, Event, FieldHashes, FieldKey, OriginKey};
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, BTreeSet};

pub(crate) struct Contribution<'a> {
    pub calendar: &'a CalendarId,
    /// The side's event in base form.
    pub event: &'a Event,
    pub hashes: &'a FieldHashes,
    /// Units this side changed since its baseline.
    pub changed: BTreeSet<FieldKey>,
    pub modified_at: Option<DateTime<Utc>>,
    pub is_origin: bool,
}

pub(crate) struct Merged {
    pub base: Event,
    pub conflicts: Vec<Conflict>,
    /// `stamps` with the units this merge took from a side.
    pub stamps: BTreeMap<FieldKey, FieldStamp>,
}

/// Applies every side's changes to `base`. Different units edited on different sides are all
/// kept. One unit edited differently on several sides goes to the newest edit (LAST-MODIFIED,
/// else DTSTAMP); ties go to the origin side, then to the lowest calendar id. Removing an
/// override loses to editing it. A unit whose newest change is older than the edit `base`
/// already holds for it (`stamps`) keeps that edit: the side changed it before receiving it.
pub(crate) fn merge(
    base: &Event,
    origin: &OriginKey,
    sides: &[Contribution<'_>],
    stamps: &BTreeMap<FieldKey, FieldStamp>,
) -> Merged {
    let mut merged = base.clone();
    let mut conflicts = Vec::new();
    let mut stamps = stamps.clone();
    let keys: BTreeSet<&FieldKey> = sides.iter().flat_map(|side| side.changed.iter()).collect();
    for key in keys {
        let changers: Vec<&Contribution<'_>> = sides
            .iter()
            .filter(|side| side.changed.contains(key))
            .collect();
        let Some(winner) = pick_winner(key, &changers) else {
            continue;
        };
        if let (Some(held), Some(at)) = (stamps.get(key), winner.modified_at)
            && at < held.at
        {
            conflicts.push(Conflict {
                origin: origin.clone(),
                field: key.clone(),
                winner: held.by.clone(),
                losers: changers.iter().map(|side| side.calendar.clone()).collect(),
            });
            continue;
        }
        match winner.modified_at {
            Some(at) => stamps.insert(
                key.clone(),
                FieldStamp {
                    at,
                    by: winner.calendar.clone(),
                },
            ),
            None => stamps.remove(key),
        };
        let values: BTreeSet<Option<&String>> =
            changers.iter().map(|side| side.hashes.get(key)).collect();
        if values.len() > 1 {
            conflicts.push(Conflict {
                origin: origin.clone(),
                field: key.clone(),
                winner: winner.calendar.clone(),
                losers: changers
                    .iter()
                    .filter(|side| side.calendar != winner.calendar)
                    .map(|side| side.calendar.clone())
                    .collect(),
            });
        }
        take(&mut merged, winner.event, key);
    }
    stamp(&mut merged, sides);
    Merged {
        base: merged,
        conflicts,
        stamps,
    }
}

fn pick_winner<'a>(
    key: &FieldKey,
    changers: &[&'a Contribution<'a>],
) -> Option<&'a Contribution<'a>> {
    let mut candidates: Vec<&Contribution<'_>> = changers.to_vec();
    if matches!(key, FieldKey::Override(_)) && candidates.iter().any(|c| c.hashes.contains_key(key))
    {
        // An edited instance beats a removed one.
        candidates.retain(|c| c.hashes.contains_key(key));
    }
    candidates.sort_by(|a, b| {
        b.modified_at
            .cmp(&a.modified_at)
            .then(b.is_origin.cmp(&a.is_origin))
            .then(a.calendar.cmp(b.calendar))
    });
    candidates.first().copied()
}

fn take(merged: &mut Event, from: &Event, key: &FieldKey) {
    match key {
        FieldKey::Master(field) => match (&mut merged.master, &from.master) {
            (Some(into), Some(source)) => field.copy(source, into),
            (None, Some(source)) => merged.master = Some(source.clone()),
            // A side without a master cannot speak for the master's fields.
            (_, None) => {}
        },
        FieldKey::Override(recurrence) => match from.overrides.get(recurrence) {
            Some(component) => {
                merged
                    .overrides
                    .insert(recurrence.clone(), component.clone());
            }
            None => {
                merged.overrides.remove(recurrence);
            }
        },
    }
    for timezone in &from.timezones {
        if !merged.timezones.contains(timezone) {
            merged.timezones.push(timezone.clone());
        }
    }
}

/// The merged master carries the newest LAST-MODIFIED and highest SEQUENCE of its sources.
fn stamp(merged: &mut Event, sides: &[Contribution<'_>]) {
    let Some(master) = merged.master.as_mut() else {
        return;
    };
    for side in sides {
        if let Some(source) = &side.event.master {
            master.last_modified = master.last_modified.max(source.last_modified);
            master.sequence = master.sequence.max(source.sequence);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Component, EventTime, Field, field_hashes};
    use chrono::TimeZone;
    use std::collections::BTreeMap;

    fn base() -> Event {
        Event {
            uid: "u".into(),
            master: Some(Component {
                summary: Some("Lunch".into()),
                location: Some("Cafe".into()),
                start: Some(EventTime::utc(
                    Utc.with_ymd_and_hms(2026, 5, 1, 12, 0, 0).unwrap(),
                )),
                ..Component::default()
            }),
            overrides: BTreeMap::new(),
            origin: None,
            owner_link: None,
            timezones: vec![],
        }
    }

    fn edited(f: impl FnOnce(&mut Component), minute: u32) -> Event {
        let mut e = base();
        let master = e.master.as_mut().unwrap();
        f(master);
        master.last_modified = Some(Utc.with_ymd_and_hms(2026, 4, 1, 10, minute, 0).unwrap());
        e
    }

    fn changed(from: &Event, to: &Event) -> BTreeSet<FieldKey> {
        let (a, b) = (field_hashes(from), field_hashes(to));
        a.keys()
            .chain(b.keys())
            .filter(|k| a.get(*k) != b.get(*k))
            .cloned()
            .collect()
    }

    /// A side that edited `event` since `base()`.
    fn side<'a>(
        calendar: &'a CalendarId,
        event: &'a Event,
        hashes: &'a FieldHashes,
        is_origin: bool,
    ) -> Contribution<'a> {
        Contribution {
            calendar,
            event,
            hashes,
            changed: changed(&base(), event),
            modified_at: event.modified_at(),
            is_origin,
        }
    }

    fn origin() -> OriginKey {
        OriginKey {
            calendar: CalendarId::parse("ca").unwrap(),
            uid: "u".into(),
        }
    }

    #[test]
    fn different_fields_edited_on_two_sides_are_both_kept() {
        let (ca, cb) = (
            CalendarId::parse("ca").unwrap(),
            CalendarId::parse("cb").unwrap(),
        );
        let a = edited(|m| m.summary = Some("Team lunch".into()), 1);
        let b = edited(|m| m.location = Some("Canteen".into()), 2);
        let (ha, hb) = (field_hashes(&a), field_hashes(&b));
        let sides = [side(&ca, &a, &ha, true), side(&cb, &b, &hb, false)];
        let merged = merge(&base(), &origin(), &sides, &BTreeMap::new());
        let master = merged.base.master.unwrap();
        assert_eq!(master.summary.as_deref(), Some("Team lunch"));
        assert_eq!(master.location.as_deref(), Some("Canteen"));
        assert!(merged.conflicts.is_empty());
    }

    #[test]
    fn same_field_edited_on_two_sides_goes_to_the_newest_edit() {
        let (ca, cb) = (
            CalendarId::parse("ca").unwrap(),
            CalendarId::parse("cb").unwrap(),
        );
        let a = edited(|m| m.summary = Some("Older".into()), 1);
        let b = edited(|m| m.summary = Some("Newer".into()), 2);
        let (ha, hb) = (field_hashes(&a), field_hashes(&b));
        let sides = [side(&ca, &a, &ha, true), side(&cb, &b, &hb, false)];
        let merged = merge(&base(), &origin(), &sides, &BTreeMap::new());
        assert_eq!(
            merged.base.master.unwrap().summary.as_deref(),
            Some("Newer")
        );
        assert_eq!(merged.conflicts.len(), 1);
        assert_eq!(merged.conflicts[0].field, FieldKey::Master(Field::Summary));
        assert_eq!(merged.conflicts[0].winner, cb);
    }

    #[test]
    fn a_tie_goes_to_the_origin_side() {
        let (ca, cb) = (
            CalendarId::parse("ca").unwrap(),
            CalendarId::parse("cb").unwrap(),
        );
        let a = edited(|m| m.summary = Some("From origin".into()), 5);
        let b = edited(|m| m.summary = Some("From copy".into()), 5);
        let (ha, hb) = (field_hashes(&a), field_hashes(&b));
        let sides = [side(&cb, &b, &hb, false), side(&ca, &a, &ha, true)];
        let merged = merge(&base(), &origin(), &sides, &BTreeMap::new());
        assert_eq!(
            merged.base.master.unwrap().summary.as_deref(),
            Some("From origin")
        );
    }
}
