//! Writing a normalised [`Event`] as one iCalendar object.

use crate::domain::Event;
use chrono::{DateTime, Utc};

pub fn emit_event(_event: &Event, _now: DateTime<Utc>) -> String {
    String::new()
}
