//! calsync core.
//!
//! The crate is laid out hexagonally:
//! - [`domain`]: pure data (events, calendars, links) and their parsing rules;
//! - [`ical`]: iCalendar text <-> [`domain::Event`], and the canonical content hash;
//! - [`engine`]: the pure sync planner (inputs in, a plan out; no I/O, no clock);
//! - [`ports`]: the small traits the use cases need from the outside world;
//! - [`adapters`]: one module per backend implementing those ports;
//! - [`usecases`]: the application services wiring engine and ports together,
//!   shared by the embedded runtime and the AWS functions.

pub mod adapters;
#[cfg(feature = "aws")]
pub mod cloud;
pub mod domain;
pub mod engine;
pub mod ical;
pub mod ports;
pub mod usecases;
