//! Reconciling one original: fold in what each calendar showed, merge two-way edits, decide
//! deletions, then write what each calendar should hold.

use super::merge::{Contribution, merge};
use super::observed::{OriginWork, Removal, Seen};
use super::project::{copy_projection, origin_projection};
use super::rules::{WindowFit, passes_filters, window_fit};
use super::{
    CalendarFacts, Conflict, IgnoreReason, ItemBinding, ItemRef, ItemStatus, LinkState,
    LinkStateDelta, Notice, Operation, PlannedOp, Shadow, Side,
};
use crate::domain::{
    CalendarId, ContentHash, Etag, Event, FieldKey, Link, OriginKey, OriginTag, TenantId,
    content_hash, field_hashes,
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
        let behind = side.hash != content_hash(&projection(ctx, key, &shadow.base, calendar));
        shadow.sides.remove(calendar);
        if !left_window && two_way(calendar) {
            deleted_sides.push(calendar.clone());
            deleted_unseen_edit |= behind && !shadow.deleted;
        }
    }

    // What is there now.
    let (present, duplicates) = pick_sides(ctx, &shadow, key, work);
    let mut changed_by: BTreeMap<CalendarId, BTreeSet<FieldKey>> = BTreeMap::new();
    for (calendar, seen) in &present {
        if let Some(side) = shadow.sides.get(calendar) {
            let changed: BTreeSet<FieldKey> = side
                .fields
                .keys()
                .chain(seen.hashes.keys())
                .filter(|k| side.fields.get(*k) != seen.hashes.get(*k))
                .cloned()
                .collect();
            if !changed.is_empty() && two_way(calendar) {
                changed_by.insert(calendar.clone(), changed);
            }
        }
        shadow.sides.insert(
            calendar.clone(),
            Side {
                remote_id: seen.item.remote_id.clone(),
                hash: seen.content.clone(),
                fields: seen.hashes.clone(),
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
    if shadow.deleted && edited {
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
                    modified_at: seen.modified_at,
                    is_origin: calendar == &origin_cal,
                })
            })
            .collect();
        let merged = merge(&shadow.base, key, &contributions);
        shadow.base = merged.base;
        out.conflicts.extend(merged.conflicts);
    }

    let recreate_origin = deleted_sides.contains(&origin_cal);
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

/// Writes what each calendar should hold: the origin the logical event, each target its
/// projection; removes copies the link no longer wants.
fn place(
    ctx: &Ctx<'_>,
    key: &OriginKey,
    shadow: &mut Shadow,
    recreate_origin: bool,
    etag_of: &dyn Fn(&ItemRef) -> Option<Etag>,
    out: &mut Output,
) {
    let origin_cal = &key.calendar;
    let tag = OriginTag::new(ctx.tenant.clone(), key.clone());
    let fit = window_fit(&shadow.base, ctx.window);
    let mut pending = false;

    let origin_desired = projection(ctx, key, &shadow.base, origin_cal);
    match shadow.sides.get(origin_cal) {
        Some(side) => update_if_needed(ctx, key, origin_cal, side, origin_desired, etag_of, out),
        // Deleted there while a two-way side edited it: the edit wins, the original returns.
        None if recreate_origin => create(key, origin_cal, &tag, origin_desired, out),
        // Left a windowed listing: its copies stay as they are.
        None => {}
    }

    let origin_facts = ctx.facts.get(origin_cal);
    for target in &ctx.link.calendars {
        if target == origin_cal {
            continue;
        }
        let side = shadow.sides.get(target);
        let remove = |out: &mut Output, side: &Side| {
            let item = ItemRef::new(target.clone(), side.remote_id.clone());
            if unreadable(ctx, out, &item) {
                return;
            }
            let etag = etag_of(&item);
            out.ops.push(PlannedOp {
                origin: key.clone(),
                op: Operation::Delete { item, etag },
                written: None,
            });
        };
        if !ctx.link.copies(origin_cal, target) {
            if let Some(side) = side {
                remove(out, side);
            }
            continue;
        }
        let owner_emails = origin_facts
            .map(|f| f.owner_emails.as_slice())
            .unwrap_or(&[]);
        if !passes_filters(&shadow.base, &ctx.link.rules.filters, owner_emails) {
            if let Some(side) = side {
                remove(out, side);
            }
            continue;
        }
        let target_facts = ctx.facts.get(target);
        let recurrence_ok = |facts: Option<&CalendarFacts>| facts.is_none_or(|f| f.recurrence_ok);
        if shadow.base.is_recurring()
            && !(recurrence_ok(target_facts) && recurrence_ok(origin_facts))
        {
            out.notices.push(Notice::RecurrenceUnsupported {
                calendar: target.clone(),
                origin: key.clone(),
            });
            continue;
        }
        if target_facts.is_some_and(|f| f.read_only) {
            if side.is_none() {
                out.notices.push(Notice::ReadOnlyTarget {
                    origin: key.clone(),
                    calendar: target.clone(),
                });
            }
            continue;
        }
        let twin = OriginKey {
            calendar: target.clone(),
            uid: key.uid.clone(),
        };
        if side.is_none()
            && (ctx.state.shadows.contains_key(&twin) || ctx.originals_seen.contains(&twin))
        {
            // The same event (an invitation received in both calendars) is already there.
            out.notices.push(Notice::SameUidOnTarget {
                origin: key.clone(),
                calendar: target.clone(),
            });
            continue;
        }
        if side.is_none() && ctx.covered.contains(&(target.clone(), key.clone())) {
            // Another link already keeps a copy of this original there: one copy is enough.
            continue;
        }
        let desired = projection(ctx, key, &shadow.base, target);
        match side {
            Some(side) => update_if_needed(ctx, key, target, side, desired, etag_of, out),
            None => match fit {
                WindowFit::Inside => create(key, target, &tag, desired, out),
                WindowFit::Later => pending = true,
                WindowFit::Past => {}
            },
        }
    }
    shadow.pending = pending;
}

/// What `calendar` should hold for this original: the logical event in its original form on
/// the origin's calendar, the link's projection of it (privacy, markers) on any other.
fn projection(ctx: &Ctx<'_>, key: &OriginKey, base: &Event, calendar: &CalendarId) -> Event {
    if calendar == &key.calendar {
        return origin_projection(base);
    }
    let tag = OriginTag::new(ctx.tenant.clone(), key.clone());
    copy_projection(
        base,
        ctx.link.privacy_for(calendar),
        &ctx.link.rules.busy_title,
        &tag,
        &ctx.link.id,
        &tag.copy_key(calendar),
    )
}

/// Bound to its original but unreadable now: never written over or deleted, so that nothing
/// of what another client stored there is lost; it rejoins the sync once it reads again.
fn unreadable(ctx: &Ctx<'_>, out: &Output, item: &ItemRef) -> bool {
    let binding = match out.delta.items.get(item) {
        Some(binding) => binding.as_ref(),
        None => ctx.state.items.get(item),
    };
    binding.is_some_and(|b| {
        matches!(
            b.status,
            ItemStatus::Ignored {
                reason: IgnoreReason::Malformed,
                ..
            }
        )
    })
}

fn update_if_needed(
    ctx: &Ctx<'_>,
    key: &OriginKey,
    calendar: &CalendarId,
    side: &Side,
    desired: Event,
    etag_of: &dyn Fn(&ItemRef) -> Option<Etag>,
    out: &mut Output,
) {
    let hash = content_hash(&desired);
    if hash == side.hash {
        return;
    }
    let item = ItemRef::new(calendar.clone(), side.remote_id.clone());
    if unreadable(ctx, out, &item) {
        return;
    }
    let etag = etag_of(&item);
    let fields = field_hashes(&desired);
    out.ops.push(PlannedOp {
        origin: key.clone(),
        op: Operation::Update {
            item,
            etag,
            event: desired,
        },
        written: Some((hash, fields)),
    });
}

fn create(
    key: &OriginKey,
    calendar: &CalendarId,
    tag: &OriginTag,
    desired: Event,
    out: &mut Output,
) {
    let written = Some((content_hash(&desired), field_hashes(&desired)));
    out.ops.push(PlannedOp {
        origin: key.clone(),
        op: Operation::Create {
            calendar: calendar.clone(),
            key: tag.copy_key(calendar),
            event: desired,
        },
        written,
    });
}
