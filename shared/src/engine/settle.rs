//! Folding the outcomes of the planned writes into the state to commit.

use super::intent::mark_unconfirmed;
use super::{ItemBinding, ItemStatus, LinkStateDelta, Operation, Plan, Side};
use crate::domain::{CalendarId, Etag, RemoteId};
use std::collections::BTreeSet;

/// What became of one planned operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpOutcome {
    Written {
        remote_id: RemoteId,
        etag: Option<Etag>,
    },
    Deleted,
    /// The item was not there (404).
    Missing,
    /// The item changed under us (412), or a create found its key taken.
    Raced,
    /// Anything else; the next pass plans it again.
    Failed {
        reason: String,
    },
}

#[derive(Debug, Clone, Default)]
pub struct Settlement {
    pub delta: LinkStateDelta,
    /// Calendars to read again before re-planning: a write raced with someone else's.
    pub recheck: BTreeSet<CalendarId>,
    pub failed: usize,
}

/// Applies each operation's outcome to the plan's state changes. `outcomes[i]` belongs to
/// `plan.ops[i]`; a missing outcome counts as a failure.
pub fn settle(plan: &Plan, outcomes: &[OpOutcome]) -> Settlement {
    let mut delta = plan.delta.clone();
    let mut recheck = BTreeSet::new();
    let mut failed = 0;
    for (index, planned) in plan.ops.iter().enumerate() {
        let outcome = outcomes.get(index).cloned().unwrap_or(OpOutcome::Failed {
            reason: "not attempted".into(),
        });
        let origin = &planned.origin;
        let synced = |etag: Option<Etag>| {
            Some(ItemBinding {
                etag,
                status: ItemStatus::Synced {
                    origin: origin.clone(),
                },
            })
        };
        // Every planned op's original has its shadow in the delta (see reconcile).
        let Some(Some(shadow)) = delta.shadows.get_mut(origin) else {
            continue;
        };
        match (&planned.op, outcome) {
            (
                Operation::Create { calendar, .. }
                | Operation::Update {
                    item: crate::engine::ItemRef { calendar, .. },
                    ..
                },
                OpOutcome::Written { remote_id, etag },
            ) => {
                shadow.unconfirmed_creates.remove(calendar);
                shadow.unconfirmed_creates_earlier.remove(calendar);
                if let Some((hash, fields)) = &planned.written {
                    shadow.sides.insert(
                        calendar.clone(),
                        Side {
                            remote_id: remote_id.clone(),
                            hash: hash.clone(),
                            fields: fields.clone(),
                            unconfirmed: None,
                            unconfirmed_earlier: Vec::new(),
                            in_flight: false,
                            unconfirmed_at: None,
                            modified_at: written_event(&planned.op)
                                .and_then(crate::domain::Event::modified_at),
                        },
                    );
                }
                delta.items.insert(
                    crate::engine::ItemRef::new(calendar.clone(), remote_id),
                    synced(etag),
                );
            }
            (Operation::Delete { item, .. }, OpOutcome::Deleted | OpOutcome::Missing) => {
                if shadow
                    .sides
                    .get(&item.calendar)
                    .is_some_and(|side| side.remote_id == item.remote_id)
                {
                    shadow.sides.remove(&item.calendar);
                }
                delta.items.insert(item.clone(), None);
            }
            (Operation::Create { calendar, .. }, outcome) => {
                shadow.pending = true;
                mark_unconfirmed(shadow, planned, plan.planned_at, false);
                if outcome == OpOutcome::Raced {
                    recheck.insert(calendar.clone());
                } else {
                    failed += 1;
                }
            }
            (Operation::Update { item, .. } | Operation::Delete { item, .. }, outcome) => {
                if matches!(outcome, OpOutcome::Raced | OpOutcome::Failed { .. }) {
                    mark_unconfirmed(shadow, planned, plan.planned_at, false);
                }
                if matches!(outcome, OpOutcome::Raced | OpOutcome::Missing) {
                    // Read it again next time, and merge with whatever is there now.
                    let status = match delta.items.get(item) {
                        Some(Some(binding)) => binding.status.clone(),
                        _ => ItemStatus::Synced {
                            origin: origin.clone(),
                        },
                    };
                    delta
                        .items
                        .insert(item.clone(), Some(ItemBinding { etag: None, status }));
                    recheck.insert(item.calendar.clone());
                } else {
                    failed += 1;
                }
            }
        }
    }
    for shadow in delta.shadows.values_mut() {
        // A deleted event whose copies' creates were never confirmed is kept until those
        // copies show up and are deleted too: forgotten, they would stay as orphans.
        if shadow
            .as_ref()
            .is_some_and(|s| s.sides.is_empty() && (!s.deleted || s.unconfirmed_creates.is_empty()))
        {
            *shadow = None;
        }
    }
    Settlement {
        delta,
        recheck,
        failed,
    }
}

/// The event a create or update writes.
fn written_event(op: &Operation) -> Option<&crate::domain::Event> {
    match op {
        Operation::Create { event, .. } | Operation::Update { event, .. } => Some(event),
        Operation::Delete { .. } => None,
    }
}
