//! Parsing one calendar object resource into the normalised [`Event`].

use crate::domain::Event;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum IcalError {
    #[error("not an iCalendar object: {0}")]
    Syntax(String),
}

pub fn parse_event(_text: &str) -> Result<Event, IcalError> {
    Err(IcalError::Syntax("not implemented".into()))
}
