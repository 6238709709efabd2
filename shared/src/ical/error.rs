//! Why a calendar object could not be read. Messages name properties and limits, never the
//! event's text: they end up in logs and status reports.

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum IcalError {
    #[error("not an iCalendar object: {0}")]
    Syntax(&'static str),
    #[error("calendar object of {size} bytes exceeds the limit of {limit} bytes")]
    TooLarge { size: usize, limit: usize },
    #[error("calendar object holds more than {limit} VEVENT components")]
    TooManyEvents { limit: usize },
    #[error("components are nested more than {limit} levels deep")]
    TooDeep { limit: usize },
    #[error("component {0} is not closed by a matching END line")]
    Unterminated(String),
    #[error("calendar object holds no VEVENT")]
    NoEvent,
    #[error("calendar object holds a {0} and no VEVENT; calsync syncs events only")]
    NotAnEvent(&'static str),
    #[error("a VEVENT has no UID")]
    MissingUid,
    #[error(
        "the VEVENTs carry {0} different UIDs; a calendar object resource holds one (RFC 4791 §4.1)"
    )]
    SeveralUids(usize),
    #[error("several VEVENTs have no RECURRENCE-ID; at most one master is allowed")]
    SeveralMasters,
    #[error("two overrides have the same RECURRENCE-ID")]
    DuplicateOverride,
    #[error("{0} has no DTSTART")]
    MissingStart(&'static str),
    #[error("invalid {property} value")]
    InvalidValue { property: &'static str },
}
