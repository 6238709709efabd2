//! What a round is about to write, recorded before it writes: the plan's state changes with
//! every planned create and update marked unconfirmed. A worker killed between its writes and
//! their commit leaves these marks, so the next pass knows the values it finds there are its
//! own (see [`super::Side::unconfirmed`]) instead of taking them for users' edits stamped
//! with the providers' write times.

use super::state::keep_overtaken;
use super::{LinkStateDelta, Operation, Plan, PlannedOp, Shadow};
use crate::domain::{Event, FieldHashes, field_hashes};
use chrono::{DateTime, Utc};

/// The state to commit before executing `plan`.
pub fn intent(plan: &Plan) -> LinkStateDelta {
    let mut delta = plan.delta.clone();
    for planned in &plan.ops {
        if let Some(Some(shadow)) = delta.shadows.get_mut(&planned.origin) {
            mark_unconfirmed(shadow, planned, plan.planned_at, true);
        }
    }
    delta
}

/// Marks what `planned` writes as unconfirmed on `shadow`: a create's fields by calendar, an
/// update's on the side it rewrites; `in_flight` when its outcome is not known yet (the
/// intent), not when it was refused or failed.
pub(crate) fn mark_unconfirmed(
    shadow: &mut Shadow,
    planned: &PlannedOp,
    at: DateTime<Utc>,
    in_flight: bool,
) {
    let Some((_, fields)) = &planned.written else {
        return;
    };
    match &planned.op {
        Operation::Create {
            calendar, event, ..
        } => {
            let overtaken = shadow
                .unconfirmed_creates
                .insert(calendar.clone(), fields.clone());
            let earlier = shadow
                .unconfirmed_creates_earlier
                .entry(calendar.clone())
                .or_default();
            for state in overtaken.into_iter().chain(first_step(event)) {
                keep_overtaken(earlier, state, fields);
            }
            if earlier.is_empty() {
                shadow.unconfirmed_creates_earlier.remove(calendar);
            }
            // Looked at again next pass until the create is confirmed: a re-created original
            // has nothing else that would bring it back (its deletion is consumed).
            shadow.pending = true;
        }
        Operation::Update { item, .. } => {
            if let Some(side) = shadow.sides.get_mut(&item.calendar)
                && side.remote_id == item.remote_id
            {
                side.mark_unconfirmed(fields, at, in_flight);
            }
            // Looked at again next pass until the write is confirmed: a write that never
            // arrived (cut off with its worker, or failed) changes nothing a feed would
            // show, and the change it carried went with the checks that found it.
            shadow.pending = true;
        }
        Operation::Delete { .. } => {}
    }
}

/// What the create of a series leaves when only its first request got through: the master
/// without its cancelled occurrences (Graph deletes them one by one once the series exists)
/// and without overrides (Google and Graph write them afterwards). Override units missing
/// from the copy already match a create's empty baseline; the master's exclusions do not,
/// and taken for an edit they would bring the cancelled occurrences back everywhere.
fn first_step(event: &Event) -> Option<FieldHashes> {
    let master = event.master.as_ref()?;
    if master.recurrence.exdates.is_empty() && event.overrides.is_empty() {
        return None;
    }
    let mut partial = event.clone();
    partial.overrides.clear();
    if let Some(master) = partial.master.as_mut() {
        master.recurrence.exdates.clear();
    }
    Some(field_hashes(&partial))
}
