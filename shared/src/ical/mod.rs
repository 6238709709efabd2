//! iCalendar (RFC 5545) text <-> [`crate::domain::Event`], through the `calcard` crate.
//!
//! calcard tokenises, unescapes and writes each property; this module maps its tree to the
//! model and back, and decides what is canonical so that servers re-serialising an object
//! (Radicale, Xandikos) do not make it look edited.

mod canonical;
mod emit;
mod emit_component;
mod error;
mod limits;
mod lines;
mod parse;
mod parse_component;
mod values;

#[cfg(test)]
mod tests;

pub use emit::emit_event;
pub use error::IcalError;
pub use limits::{MAX_BODY_BYTES, MAX_VEVENTS};
pub use parse::parse_event;
