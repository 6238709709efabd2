//! iCalendar (RFC 5545) text <-> [`crate::domain::Event`], through the `calcard` crate.

mod emit;
mod parse;

pub use emit::emit_event;
pub use parse::{IcalError, parse_event};
