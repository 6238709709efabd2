//! What a round is about to write, recorded before it writes: the plan's state changes with
//! every planned create and update marked unconfirmed. A worker killed between its writes and
//! their commit leaves these marks, so the next pass knows the values it finds there are its
//! own (see [`super::Side::unconfirmed`]) instead of taking them for users' edits stamped
//! with the providers' write times.

use super::state::keep_overtaken;
use super::{LinkStateDelta, Operation, Plan, PlannedOp, Shadow};

/// The state to commit before executing `plan`.
pub fn intent(plan: &Plan) -> LinkStateDelta {
    let mut delta = plan.delta.clone();
    for planned in &plan.ops {
        if let Some(Some(shadow)) = delta.shadows.get_mut(&planned.origin) {
            mark_unconfirmed(shadow, planned);
        }
    }
    delta
}

/// Marks what `planned` writes as unconfirmed on `shadow`: a create's fields by calendar, an
/// update's on the side it rewrites.
pub(crate) fn mark_unconfirmed(shadow: &mut Shadow, planned: &PlannedOp) {
    let Some((_, fields)) = &planned.written else {
        return;
    };
    match &planned.op {
        Operation::Create { calendar, .. } => {
            if let Some(previous) = shadow
                .unconfirmed_creates
                .insert(calendar.clone(), fields.clone())
            {
                let earlier = shadow
                    .unconfirmed_creates_earlier
                    .entry(calendar.clone())
                    .or_default();
                keep_overtaken(earlier, previous, fields);
            }
            // Looked at again next pass until the create is confirmed: a re-created original
            // has nothing else that would bring it back (its deletion is consumed).
            shadow.pending = true;
        }
        Operation::Update { item, .. } => {
            if let Some(side) = shadow.sides.get_mut(&item.calendar)
                && side.remote_id == item.remote_id
            {
                side.mark_unconfirmed(fields);
            }
        }
        Operation::Delete { .. } => {}
    }
}
