//! The planner's entry point: sort observations by original, reconcile each touched (or
//! pending) original, then apply the deletion guard.

use super::classify::{Class, Classifier};
use super::observed::{OriginWork, Removal, Seen};
use super::project::{copy_base_form, original_base_form};
use super::reconcile::{Ctx, Output, reconcile};
use super::safety::deletion_guard;
use super::{IgnoreReason, ItemRef, ItemStatus, Notice, Observation, Plan, PlanInput};
use crate::domain::{CalendarId, Etag, OriginKey, OriginTag};
use std::collections::{BTreeMap, BTreeSet};

/// Plans one pass of a link. Pure: the same input always gives the same plan.
pub fn plan(input: &PlanInput<'_>) -> Plan {
    let mut out = Output::default();
    let mut work: BTreeMap<OriginKey, OriginWork> = BTreeMap::new();
    let mut originals_seen = BTreeSet::new();
    ingest(input, &mut out, &mut work, &mut originals_seen);

    let mut keys: BTreeSet<OriginKey> = work.keys().cloned().collect();
    for (key, shadow) in &input.state.shadows {
        if input.full_reconcile || shadow.pending || shadow.deleted {
            keys.insert(key.clone());
        }
    }
    let orphans = if keys.iter().any(|k| !input.state.shadows.contains_key(k)) {
        orphan_copies(input)
    } else {
        BTreeMap::new()
    };
    let covered = covered_by_other_links(input, &out);
    let window = input.link.rules.window.bounds(input.now);
    let ctx = Ctx {
        tenant: input.tenant,
        link: input.link,
        facts: input.calendars,
        state: input.state,
        window,
        originals_seen: &originals_seen,
        orphans: &orphans,
        covered: &covered,
    };
    for key in keys {
        let origin_work = work.remove(&key).unwrap_or_default();
        reconcile(&ctx, &key, origin_work, &mut out);
    }

    if let Some(trip) = deletion_guard(input, &out.ops)
        && !input.allow_mass_delete
    {
        return Plan {
            notices: out.notices,
            halt: Some(trip),
            planned_at: input.now,
            ..Plan::default()
        };
    }
    Plan {
        ops: out.ops,
        delta: out.delta,
        conflicts: out.conflicts,
        notices: out.notices,
        halt: None,
        planned_at: input.now,
    }
}

fn ingest(
    input: &PlanInput<'_>,
    out: &mut Output,
    work: &mut BTreeMap<OriginKey, OriginWork>,
    originals_seen: &mut BTreeSet<OriginKey>,
) {
    let classifier = Classifier {
        tenant: input.tenant,
        link: input.link,
        other_links: input.other_links,
    };
    for observation in input.observations {
        let item = observation.item();
        if !input.link.contains(&item.calendar) {
            continue;
        }
        let prior = input.state.items.get(item);
        let prior_origin = prior.and_then(|binding| match &binding.status {
            ItemStatus::Synced { origin } => Some(origin.clone()),
            // Bound to an original, then unreadable: still that original's item.
            ItemStatus::Ignored {
                reason: IgnoreReason::Malformed,
                origin,
            } => origin.clone(),
            ItemStatus::Ignored { .. } => None,
        });
        match observation {
            Observation::Present { item, etag, body } => {
                if prior.is_some_and(|p| p.etag.is_some() && &p.etag == etag) {
                    continue;
                }
                let event = match body {
                    Ok(event) => event,
                    Err(malformed) => {
                        out.notices.push(Notice::Malformed {
                            item: item.clone(),
                            reason: malformed.reason.clone(),
                        });
                        // Unreadable data never counts as a deletion and is never written
                        // over: a bound item stays bound to its original, left alone until it
                        // reads again.
                        let status = ItemStatus::Ignored {
                            reason: IgnoreReason::Malformed,
                            origin: prior_origin,
                        };
                        out.bind(item.clone(), etag.clone(), status);
                        continue;
                    }
                };
                let class = classifier.classify(event, &item.calendar, prior);
                let new_origin = match &class {
                    Class::Original(key) | Class::Copy(key) => Some(key),
                    Class::Ignored(..) => None,
                };
                if let Some(old) = &prior_origin
                    && new_origin != Some(old)
                {
                    // The item now stands for something else: its old original lost it.
                    work.entry(old.clone())
                        .or_default()
                        .removed
                        .insert(item.calendar.clone(), (item.clone(), Removal::Deleted));
                }
                route(input, out, work, originals_seen, item, etag, event, class);
            }
            Observation::Deleted { item } | Observation::Vanished { item } => {
                if prior.is_none() {
                    if matches!(observation, Observation::Deleted { .. })
                        && let Some(origin) = unconfirmed_create_of(input, item)
                    {
                        work.entry(origin)
                            .or_default()
                            .deleted_creates
                            .insert(item.calendar.clone());
                    }
                    continue;
                }
                out.delta.items.insert(item.clone(), None);
                if let Some(origin) = prior_origin {
                    let removal = match observation {
                        Observation::Vanished { .. } => Removal::Vanished,
                        _ => Removal::Deleted,
                    };
                    work.entry(origin)
                        .or_default()
                        .removed
                        .insert(item.calendar.clone(), (item.clone(), removal));
                }
            }
        }
    }
}

/// The original whose unconfirmed create `item` is, by its deterministic copy key (Google
/// gives the copy the key as its id, CalDAV `KEY.ics` as its name). Google reports a copy
/// created and then deleted by its user, before calsync confirmed the create (a worker killed
/// between its writes and its commit), as a deleted event; without this its create would be
/// made again, bringing back what the user deleted.
fn unconfirmed_create_of(input: &PlanInput<'_>, item: &ItemRef) -> Option<OriginKey> {
    let id = item.remote_id.0.as_str();
    let name = id.rsplit('/').next().unwrap_or(id);
    input
        .state
        .shadows
        .iter()
        .filter(|(_, shadow)| shadow.unconfirmed_creates.contains_key(&item.calendar))
        .find(|(origin, _)| {
            let key =
                OriginTag::new(input.tenant.clone(), (*origin).clone()).copy_key(&item.calendar);
            id == key.as_str() || name.strip_suffix(".ics") == Some(key.as_str())
        })
        .map(|(origin, _)| origin.clone())
}

#[allow(clippy::too_many_arguments)]
fn route(
    input: &PlanInput<'_>,
    out: &mut Output,
    work: &mut BTreeMap<OriginKey, OriginWork>,
    originals_seen: &mut BTreeSet<OriginKey>,
    item: &ItemRef,
    etag: &Option<Etag>,
    event: &crate::domain::Event,
    class: Class,
) {
    match class {
        Class::Original(key) => {
            let recurrence_ok = input
                .calendars
                .get(&item.calendar)
                .is_none_or(|facts| facts.recurrence_ok);
            if event.is_recurring() && !recurrence_ok {
                out.notices.push(Notice::RecurrenceUnsupported {
                    calendar: item.calendar.clone(),
                    origin: key.clone(),
                });
                out.bind(
                    item.clone(),
                    etag.clone(),
                    ItemStatus::Ignored {
                        reason: IgnoreReason::RecurrenceUnsupported,
                        origin: Some(key),
                    },
                );
                return;
            }
            originals_seen.insert(key.clone());
            let seen = Seen::new(item.clone(), etag.clone(), original_base_form(event));
            work.entry(key).or_default().add_present(seen);
        }
        Class::Copy(key) => {
            let seen = Seen::new(item.clone(), etag.clone(), copy_base_form(event, &key.uid));
            work.entry(key).or_default().add_present(seen);
        }
        Class::Ignored(reason, origin) => {
            out.bind(
                item.clone(),
                etag.clone(),
                ItemStatus::Ignored { reason, origin },
            );
        }
    }
}

/// Copies left alone because their original was unknown, by original.
fn orphan_copies(input: &PlanInput<'_>) -> BTreeMap<OriginKey, Vec<(ItemRef, Option<Etag>)>> {
    let mut orphans: BTreeMap<OriginKey, Vec<(ItemRef, Option<Etag>)>> = BTreeMap::new();
    for (item, binding) in &input.state.items {
        if let ItemStatus::Ignored {
            reason: IgnoreReason::OrphanCopy,
            origin: Some(origin),
        } = &binding.status
        {
            orphans
                .entry(origin.clone())
                .or_default()
                .push((item.clone(), binding.etag.clone()));
        }
    }
    orphans
}

/// (calendar, original) pairs for which another link manages the copy.
fn covered_by_other_links(
    input: &PlanInput<'_>,
    out: &Output,
) -> BTreeSet<(CalendarId, OriginKey)> {
    let stored = input
        .state
        .items
        .iter()
        .map(|(item, binding)| (item, Some(binding)));
    let fresh = out
        .delta
        .items
        .iter()
        .map(|(item, binding)| (item, binding.as_ref()));
    stored
        .chain(fresh)
        .filter_map(|(item, binding)| match &binding?.status {
            ItemStatus::Ignored {
                reason: IgnoreReason::OtherLinksCopy,
                origin: Some(origin),
            } => Some((item.calendar.clone(), origin.clone())),
            _ => None,
        })
        .collect()
}
