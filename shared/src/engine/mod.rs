//! The pure sync engine: given what was observed on each calendar of a link and the link's
//! remembered state, it plans the writes and the new state. No I/O, no clock (`now` is an input).

mod state;

pub use state::{
    IgnoreReason, ItemBinding, ItemRef, ItemStatus, LinkState, LinkStateDelta, Shadow, Side,
};
