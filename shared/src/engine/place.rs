//! Placing one original: what each calendar of the link should hold for it, and the writes
//! that get it there.

use super::project::{copy_projection, origin_projection};
use super::reconcile::{Ctx, Output};
use super::rules::{WindowFit, passes_filters, window_fit};
use super::{
    CalendarFacts, IgnoreReason, ItemRef, ItemStatus, Notice, Operation, PlannedOp, Shadow, Side,
};
use crate::domain::{CalendarId, Etag, Event, OriginKey, OriginTag, content_hash, field_hashes};

/// Writes what each calendar should hold: the origin the logical event, each target its
/// projection; removes copies the link no longer wants.
pub(super) fn place(
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
        // Deleted there while a two-way side edited it: the edit wins, the original returns
        // (again, when the last attempt was not confirmed).
        None if recreate_origin || shadow.unconfirmed_creates.contains_key(origin_cal) => {
            create(key, origin_cal, &tag, origin_desired, out);
        }
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
pub(super) fn projection(
    ctx: &Ctx<'_>,
    key: &OriginKey,
    base: &Event,
    calendar: &CalendarId,
) -> Event {
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
pub(super) fn unreadable(ctx: &Ctx<'_>, out: &Output, item: &ItemRef) -> bool {
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
