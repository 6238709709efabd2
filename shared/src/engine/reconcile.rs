//! Reconciling one original: fold in what each calendar showed, merge two-way edits, decide
//! deletions, then write what each calendar should hold.

use super::merge::{Contribution, merge};
use super::observed::{OriginWork, Removal, Seen};
use super::place::{place, projection, unreadable};
use super::rules::{WindowFit, window_fit};
use super::{
    CalendarFacts, Conflict, IgnoreReason, ItemBinding, ItemRef, ItemStatus, LinkState,
    LinkStateDelta, Notice, Operation, PlannedOp, Shadow, Side,
};
use crate::domain::{
    CalendarId, ContentHash, Etag, FieldHashes, FieldKey, Link, OriginKey, OriginTag, TenantId,
    content_hash, content_hash_of,
};
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, BTreeSet};

pub(crate) struct Ctx<'a> {
    pub tenant: &'a TenantId,
    pub link: &'a Link,
    pub facts: &'a BTreeMap<CalendarId, CalendarFacts>,
    pub state: &'a LinkState,
    pub window: (DateTime<Utc>, DateTime<Utc>),
    /// Originals seen this pass, for the same-UID check.
    pub originals_seen: &'a BTreeSet<OriginKey>,
    /// Copies left alone earlier because their original was unknown, by original.
    pub orphans: &'a BTreeMap<OriginKey, Vec<(ItemRef, Option<Etag>)>>,
    /// Calendars where another link already manages a copy of an original.
    pub covered: &'a BTreeSet<(CalendarId, OriginKey)>,
}

#[derive(Default)]
pub(crate) struct Output {
    pub ops: Vec<PlannedOp>,
    pub delta: LinkStateDelta,
    pub conflicts: Vec<Conflict>,
    pub notices: Vec<Notice>,
}

impl Output {
    pub fn bind(&mut self, item: ItemRef, etag: Option<Etag>, status: ItemStatus) {
        self.delta
            .items
            .insert(item, Some(ItemBinding { etag, status }));
    }
}

pub(crate) fn reconcile(ctx: &Ctx<'_>, key: &OriginKey, work: OriginWork, out: &mut Output) {
    let prior = ctx.state.shadows.get(key);
    let Some(mut shadow) = prior.cloned().or_else(|| new_shadow(ctx, key, &work, out)) else {
        return;
    };
    let origin_cal = key.calendar.clone();
    let two_way = |calendar: &CalendarId| {
        calendar == &origin_cal || ctx.link.is_two_way_copy(&origin_cal, calendar)
    };

    // What disappeared.
    let mut deleted_sides: Vec<CalendarId> = Vec::new();
    // A side deleted while it still held an older version than the logical event (a write to
    // it failed or raced) was deleted by someone who never saw the newer edit.
    let mut deleted_unseen_edit = false;
    for (calendar, (item, removal)) in &work.removed {
        let Some(side) = shadow.sides.get(calendar) else {
            continue;
        };
        if side.remote_id != item.remote_id {
            continue;
        }
        let left_window = *removal == Removal::Vanished
            && window_fit(&shadow.base, ctx.window) != WindowFit::Inside;
        let newest = content_hash(&projection(ctx, key, &shadow.base, calendar));
        // A write of the newest version that was in flight when its worker stopped most
        // likely reached it: its user saw that version.
        let in_flight_newest = side.in_flight
            && side
                .unconfirmed
                .as_ref()
                .is_some_and(|w| content_hash_of(w) == newest);
        let behind = side.hash != newest && !in_flight_newest;
        shadow.sides.remove(calendar);
        if !left_window && two_way(calendar) {
            deleted_sides.push(calendar.clone());
            deleted_unseen_edit |= behind && !shadow.deleted;
        }
    }

    // Copies whose create was never confirmed, seen deleted: created after all, then
    // deleted by their user, who saw what the create wrote.
    for calendar in &work.deleted_creates {
        let Some(attempted) = shadow.unconfirmed_creates.remove(calendar) else {
            continue;
        };
        shadow.unconfirmed_creates_earlier.remove(calendar);
        if two_way(calendar) {
            let newest = content_hash(&projection(ctx, key, &shadow.base, calendar));
            deleted_sides.push(calendar.clone());
            deleted_unseen_edit |= content_hash_of(&attempted) != newest && !shadow.deleted;
        }
    }

    // What is there now.
    let (present, duplicates) = pick_sides(ctx, &shadow, key, work);
    let mut changed_by: BTreeMap<CalendarId, BTreeSet<FieldKey>> = BTreeMap::new();
    // Changers whose client did not stamp the edit: their LAST-MODIFIED says nothing of it.
    let mut unstamped: BTreeSet<CalendarId> = BTreeSet::new();
    for (calendar, seen) in &present {
        let overtaken = shadow
            .unconfirmed_creates_earlier
            .remove(calendar)
            .unwrap_or_default();
        let unconfirmed_create = shadow
            .unconfirmed_creates
            .remove(calendar)
            .map(|written| Side {
                remote_id: seen.item.remote_id.clone(),
                hash: ContentHash(String::new()),
                fields: FieldHashes::new(),
                unconfirmed: Some(written),
                unconfirmed_earlier: overtaken,
                in_flight: false,
                unconfirmed_at: None,
                modified_at: None,
            });
        if let Some(side) = shadow.sides.get(calendar).or(unconfirmed_create.as_ref()) {
            let changed = side.changes(&seen.hashes, seen.modified_at);
            if !changed.is_empty() && two_way(calendar) {
                changed_by.insert(calendar.clone(), changed);
                if side.modified_at.is_some() && seen.modified_at <= side.modified_at {
                    unstamped.insert(calendar.clone());
                }
            }
        }
        shadow.sides.insert(
            calendar.clone(),
            Side {
                remote_id: seen.item.remote_id.clone(),
                hash: seen.content.clone(),
                fields: seen.hashes.clone(),
                unconfirmed: None,
                unconfirmed_earlier: Vec::new(),
                in_flight: false,
                unconfirmed_at: None,
                modified_at: seen.modified_at,
            },
        );
        out.bind(
            seen.item.clone(),
            seen.etag.clone(),
            ItemStatus::Synced {
                origin: key.clone(),
            },
        );
    }
    dispose_duplicates(key, &shadow, &duplicates, out);
    let observed_etags: BTreeMap<&ItemRef, &Option<Etag>> = present
        .values()
        .map(|seen| (&seen.item, &seen.etag))
        .collect();
    let etag_of = |item: &ItemRef| -> Option<Etag> {
        match observed_etags.get(item) {
            Some(etag) => (*etag).clone(),
            None => ctx.state.items.get(item).and_then(|b| b.etag.clone()),
        }
    };

    // Deletion, unless a two-way side edited the event, now or in an edit the deleting side
    // never received (an edit beats a delete).
    let edited = !changed_by.is_empty() || deleted_unseen_edit;
    // A deletion decided earlier and overruled now: whatever it removed comes back, the
    // original on its own calendar too.
    let undeleted = shadow.deleted && edited;
    if undeleted {
        shadow.deleted = false;
        out.notices.push(Notice::EditBeatDelete {
            origin: key.clone(),
        });
    }
    if !deleted_sides.is_empty() && edited {
        out.notices.push(Notice::EditBeatDelete {
            origin: key.clone(),
        });
    }
    if shadow.deleted || (!deleted_sides.is_empty() && !edited) {
        shadow.deleted = true;
        for (calendar, side) in &shadow.sides {
            let item = ItemRef::new(calendar.clone(), side.remote_id.clone());
            if unreadable(ctx, out, &item) {
                continue;
            }
            let etag = etag_of(&item);
            out.ops.push(PlannedOp {
                origin: key.clone(),
                op: Operation::Delete { item, etag },
                written: None,
            });
        }
        out.delta.shadows.insert(key.clone(), Some(shadow));
        return;
    }

    // Merge two-way edits into the logical event.
    if !changed_by.is_empty() {
        let contributions: Vec<Contribution<'_>> = changed_by
            .iter()
            .filter_map(|(calendar, changed)| {
                let seen = present.get(calendar)?;
                Some(Contribution {
                    calendar,
                    event: &seen.event,
                    hashes: &seen.hashes,
                    changed: changed.clone(),
                    modified_at: seen.modified_at.filter(|_| !unstamped.contains(calendar)),
                    is_origin: calendar == &origin_cal,
                })
            })
            .collect();
        let merged = merge(&shadow.base, key, &contributions, &shadow.stamps);
        shadow.base = merged.base;
        shadow.stamps = merged.stamps;
        out.conflicts.extend(merged.conflicts);
    }

    let recreate_origin = deleted_sides.contains(&origin_cal) || undeleted;
    place(ctx, key, &mut shadow, recreate_origin, &etag_of, out);
    if prior != Some(&shadow) || out.ops.iter().any(|op| &op.origin == key) {
        out.delta.shadows.insert(key.clone(), Some(shadow));
    }
}

/// The first sight of an original. Copies seen without it are orphans, left alone.
fn new_shadow(
    ctx: &Ctx<'_>,
    key: &OriginKey,
    work: &OriginWork,
    out: &mut Output,
) -> Option<Shadow> {
    let Some(original) = work.present.get(&key.calendar) else {
        for seen in work.present.values().chain(&work.duplicates) {
            out.notices.push(Notice::OrphanCopy {
                item: seen.item.clone(),
            });
            out.bind(
                seen.item.clone(),
                seen.etag.clone(),
                ItemStatus::Ignored {
                    reason: IgnoreReason::OrphanCopy,
                    origin: Some(key.clone()),
                },
            );
        }
        return None;
    };
    let mut shadow = Shadow {
        origin: key.clone(),
        base: original.event.clone(),
        sides: BTreeMap::new(),
        pending: false,
        deleted: false,
        unconfirmed_creates: BTreeMap::new(),
        unconfirmed_creates_earlier: BTreeMap::new(),
        stamps: BTreeMap::new(),
    };
    // Copies left alone while the original was unknown are adopted; their unknown content
    // hash makes the placement step rewrite them from the original.
    for (item, etag) in ctx.orphans.get(key).into_iter().flatten() {
        if work.present.contains_key(&item.calendar) {
            continue;
        }
        shadow.sides.insert(
            item.calendar.clone(),
            Side {
                remote_id: item.remote_id.clone(),
                hash: ContentHash(String::new()),
                fields: Default::default(),
                unconfirmed: None,
                unconfirmed_earlier: Vec::new(),
                in_flight: false,
                unconfirmed_at: None,
                modified_at: None,
            },
        );
        out.bind(
            item.clone(),
            etag.clone(),
            ItemStatus::Synced {
                origin: key.clone(),
            },
        );
    }
    Some(shadow)
}

/// One item per calendar speaks for the original: the one already bound, else the one at the
/// deterministic key (or with the original's UID). Any further item there is a duplicate.
fn pick_sides(
    ctx: &Ctx<'_>,
    shadow: &Shadow,
    key: &OriginKey,
    work: OriginWork,
) -> (BTreeMap<CalendarId, Seen>, Vec<Seen>) {
    let tag = OriginTag::new(ctx.tenant.clone(), key.clone());
    let preferred = |candidate: &Seen| -> bool {
        let calendar = &candidate.item.calendar;
        match shadow.sides.get(calendar) {
            Some(side) => side.remote_id == candidate.item.remote_id,
            None => {
                candidate.event.uid == key.uid
                    || candidate
                        .item
                        .remote_id
                        .0
                        .contains(tag.copy_key(calendar).as_str())
            }
        }
    };
    let mut present = work.present;
    let mut duplicates = Vec::new();
    for seen in work.duplicates {
        let calendar = seen.item.calendar.clone();
        let replace = preferred(&seen) && present.get(&calendar).is_some_and(|cur| !preferred(cur));
        if replace {
            if let Some(previous) = present.insert(calendar, seen) {
                duplicates.push(previous);
            }
        } else {
            duplicates.push(seen);
        }
    }
    (present, duplicates)
}

/// A second copy of the same original on one calendar is deleted when it holds nothing the
/// kept one does not (a pure duplicate); otherwise it is left alone and reported. A second
/// original with the same UID is never touched.
fn dispose_duplicates(key: &OriginKey, shadow: &Shadow, duplicates: &[Seen], out: &mut Output) {
    for seen in duplicates {
        out.notices.push(Notice::DuplicateCopy {
            item: seen.item.clone(),
        });
        out.bind(
            seen.item.clone(),
            seen.etag.clone(),
            ItemStatus::Ignored {
                reason: IgnoreReason::DuplicateCopy,
                origin: Some(key.clone()),
            },
        );
        let is_copy = seen.item.calendar != key.calendar;
        let same_content = shadow
            .sides
            .get(&seen.item.calendar)
            .is_some_and(|kept| kept.hash == seen.content);
        if is_copy && same_content {
            out.ops.push(PlannedOp {
                origin: key.clone(),
                op: Operation::Delete {
                    item: seen.item.clone(),
                    etag: seen.etag.clone(),
                },
                written: None,
            });
        }
    }
}
