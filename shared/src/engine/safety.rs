//! The deletion guard: a pass that looks like data loss stops instead of deleting.

use super::{Observation, Operation, PlanInput, PlannedOp, SafetyTrip};
use crate::domain::CalendarId;
use std::collections::BTreeMap;

pub(crate) fn deletion_guard(input: &PlanInput<'_>, ops: &[PlannedOp]) -> Option<SafetyTrip> {
    let mut deletes: BTreeMap<&CalendarId, usize> = BTreeMap::new();
    for planned in ops {
        if let Operation::Delete { item, .. } = &planned.op {
            *deletes.entry(&item.calendar).or_default() += 1;
        }
    }
    if deletes.is_empty() {
        return None;
    }
    let guard = input.link.rules.deletion_guard;
    if guard.guard_emptied {
        for calendar in &input.link.calendars {
            let now_empty = input
                .calendars
                .get(calendar)
                .is_some_and(|facts| facts.item_count == 0);
            let lost_items = input.observations.iter().any(|observation| {
                matches!(observation, Observation::Deleted { item } | Observation::Vanished { item }
                    if &item.calendar == calendar)
            });
            if now_empty && lost_items {
                let had = input.state.synced_count(calendar);
                if had >= 2 {
                    return Some(SafetyTrip::Emptied {
                        calendar: calendar.clone(),
                        had,
                    });
                }
            }
        }
    }
    for (calendar, count) in deletes {
        let synced = input.state.synced_count(calendar);
        let too_many = count > guard.min_count as usize
            && count * 100 > usize::from(guard.max_percent) * synced;
        if too_many {
            return Some(SafetyTrip::MassDelete {
                calendar: calendar.clone(),
                deletes: count,
                synced,
            });
        }
    }
    None
}
