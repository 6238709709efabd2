//! The pure sync engine: given what was observed on each calendar of a link and the link's
//! remembered state, it plans the writes and the new state. No I/O, no clock (`now` is an input).
//!
//! A pass is `plan` -> execute the operations -> `settle` with their outcomes -> commit
//! `Settlement::delta`.

mod classify;
mod input;
mod intent;
mod merge;
mod observed;
mod place;
mod plan;
mod planner;
mod project;
mod reconcile;
mod rules;
mod safety;
mod settle;
mod state;

pub use input::{CalendarFacts, Observation, PlanInput};
pub use intent::intent;
pub use plan::{Conflict, Notice, Operation, Plan, PlannedOp, SafetyTrip};
pub use planner::plan;
pub use settle::{OpOutcome, Settlement, settle};
pub use state::{
    FieldStamp, IgnoreReason, ItemBinding, ItemRef, ItemStatus, LinkState, LinkStateDelta, Shadow,
    Side,
};

#[cfg(test)]
mod tests;
