//! Small iCalendar fixtures.

/// A VCALENDAR with one VEVENT. `start` and `end` are iCalendar UTC date-times
/// (`20260105T090000Z`); DTSTAMP is fixed so the same arguments give the same bytes.
pub fn ics_event(uid: &str, summary: &str, start: &str, end: &str) -> String {
    [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//calsync//testkit//EN",
        "BEGIN:VEVENT",
        &format!("UID:{uid}"),
        "DTSTAMP:20260101T000000Z",
        &format!("DTSTART:{start}"),
        &format!("DTEND:{end}"),
        &format!("SUMMARY:{}", escape_text(summary)),
        "END:VEVENT",
        "END:VCALENDAR",
        "",
    ]
    .join("\r\n")
}

/// A TEXT value escaped as RFC 5545 §3.3.11 requires.
pub fn escape_text(value: &str) -> String {
    let mut escaped = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => escaped.push_str("\\\\"),
            ';' => escaped.push_str("\\;"),
            ',' => escaped.push_str("\\,"),
            '\n' => escaped.push_str("\\n"),
            '\r' => {}
            _ => escaped.push(c),
        }
    }
    escaped
}

pub(crate) fn escape_xml(value: &str) -> String {
    value
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_fixture_is_crlf_terminated_with_escaped_summary() {
        let ics = ics_event(
            "u1",
            "Lunch; with Bob, Ann",
            "20260105T090000Z",
            "20260105T100000Z",
        );
        assert!(ics.starts_with("BEGIN:VCALENDAR\r\n"));
        assert!(ics.ends_with("END:VCALENDAR\r\n"));
        assert!(ics.contains("\r\nSUMMARY:Lunch\\; with Bob\\, Ann\r\n"));
        assert!(ics.contains("\r\nDTSTART:20260105T090000Z\r\n"));
        assert!(!ics.replace("\r\n", "").contains('\n'));
    }
}
