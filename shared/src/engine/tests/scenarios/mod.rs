//! Behaviour of the engine, one scenario at a time.

mod interrupted;
mod races;
mod relinking;
mod rules;
mod safety;
mod shapes;
mod two_way;

use crate::domain::RemoteId;
use crate::engine::tests::world::{World, cal};

pub(super) fn summary_of(world: &World, calendar: &str, id: &RemoteId) -> Option<String> {
    world.calendars[&cal(calendar)][id]
        .1
        .summary()
        .map(str::to_string)
}
