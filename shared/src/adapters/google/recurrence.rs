//! Google's `recurrence` array holds RFC 5545 content lines (RRULE, RDATE, EXDATE): the
//! iCalendar codec reads and writes them, so CalDAV and Google agree on canonical forms.

use super::times;
use crate::domain::{Component, Event, EventTime, Recurrence, resolve_zone};
use chrono::{DateTime, Utc};

const KINDS: &[&str] = &["RRULE", "RDATE", "EXDATE", "EXRULE"];

/// Reads the lines of a series master. EXRULE (deprecated by RFC 5545) is refused.
pub(super) fn from_lines(lines: &[String]) -> Result<Recurrence, String> {
    let mut body = String::new();
    for line in lines {
        let line = line.trim();
        let name = line
            .split([':', ';'])
            .next()
            .unwrap_or_default()
            .to_ascii_uppercase();
        if !KINDS.contains(&name.as_str()) || line.contains(['\r', '\n']) {
            return Err("a recurrence line that is not RRULE, RDATE or EXDATE".into());
        }
        if name == "EXRULE" {
            return Err("an EXRULE, which calsync does not carry".into());
        }
        body.push_str(line);
        body.push_str("\r\n");
    }
    let ics = format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//calsync//google//EN\r\nBEGIN:VEVENT\r\n\
         UID:recurrence\r\nDTSTART:20000101T000000Z\r\n{body}END:VEVENT\r\nEND:VCALENDAR\r\n"
    );
    let event = crate::ical::parse_event(&ics).map_err(|e| format!("recurrence: {e}"))?;
    Ok(event.master.map(|m| m.recurrence).unwrap_or_default())
}

/// The lines for `recurrence`, with times Google can read (IANA zones or UTC).
pub(super) fn to_lines(recurrence: &Recurrence) -> Vec<String> {
    if recurrence.is_empty() && recurrence.exdates.is_empty() {
        return Vec::new();
    }
    let master = Component {
        start: Some(EventTime::Date {
            date: chrono::NaiveDate::MIN,
        }),
        recurrence: Recurrence {
            rrule: recurrence.rrule.clone(),
            rdates: recurrence.rdates.iter().map(google_readable).collect(),
            exdates: recurrence.exdates.iter().map(google_readable).collect(),
        },
        ..Component::default()
    };
    let event = Event {
        uid: "recurrence".into(),
        master: Some(master),
        overrides: Default::default(),
        origin: None,
        owner_link: None,
        timezones: Vec::new(),
    };
    let text = crate::ical::emit_event(&event, DateTime::<Utc>::UNIX_EPOCH);
    // Unfold (RFC 5545 §3.1): a CRLF followed by one space or tab continues the line.
    let unfolded = text.replace("\r\n ", "").replace("\r\n\t", "");
    // Only the VEVENT's lines: the VTIMEZONE blocks the codec adds have RRULEs of their own.
    let mut in_event = false;
    let mut lines = Vec::new();
    for line in unfolded.split("\r\n") {
        match line {
            "BEGIN:VEVENT" => in_event = true,
            "END:VEVENT" => in_event = false,
            _ if in_event => {
                let name = line.split([':', ';']).next().unwrap_or_default();
                if matches!(name, "RRULE" | "RDATE" | "EXDATE") {
                    lines.push(line.to_string());
                }
            }
            _ => {}
        }
    }
    lines
}

/// Zoned times in a zone Google knows under its IANA name; others as UTC.
fn google_readable(time: &EventTime) -> EventTime {
    match time {
        EventTime::Zoned { local, tzid } => match resolve_zone(tzid) {
            Some(zone) => EventTime::Zoned {
                local: *local,
                tzid: zone.name().to_string(),
            },
            None => EventTime::utc(time.to_utc_lenient()),
        },
        EventTime::Floating { local } => EventTime::Utc { at: *local },
        other => other.clone(),
    }
}

/// An EXDATE for a cancelled instance, in the form of the series' start.
pub(super) fn exdate_for(original_start: &super::wire::WireTime) -> Result<EventTime, String> {
    times::from_wire(original_start)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_round_trip_through_the_codec() {
        let lines = vec![
            "RRULE:FREQ=WEEKLY;COUNT=5;BYDAY=MO".to_string(),
            "EXDATE;TZID=Europe/Berlin:20260112T090000".to_string(),
            "RDATE;VALUE=DATE:20260301".to_string(),
        ];
        let recurrence = from_lines(&lines).unwrap();
        assert_eq!(
            recurrence.rrule.as_deref(),
            Some("FREQ=WEEKLY;COUNT=5;BYDAY=MO")
        );
        assert_eq!(recurrence.exdates.len(), 1);
        assert_eq!(recurrence.exdates[0].tzid(), Some("Europe/Berlin"));
        assert_eq!(recurrence.rdates.len(), 1);
        let again = from_lines(&to_lines(&recurrence)).unwrap();
        assert_eq!(again, recurrence);
    }

    #[test]
    fn foreign_lines_are_refused_not_injected() {
        for bad in [
            "SUMMARY:hello",
            "RRULE:FREQ=DAILY\r\nEND:VEVENT",
            "EXRULE:FREQ=DAILY",
            "RRULE:FREQ=NEVER",
        ] {
            assert!(from_lines(&[bad.to_string()]).is_err(), "{bad}");
        }
    }
}
