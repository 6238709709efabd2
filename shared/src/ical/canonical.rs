//! Canonical text for what calsync carries without modelling it: unmodelled properties,
//! VALARM and VTIMEZONE blocks. Canonical means that what servers change when they
//! re-serialise (Radicale, Xandikos: property and parameter order, folding, name case)
//! does not change the text, so it does not look like an edit.

use super::lines::content_line;
use calcard::icalendar::{
    ICalendar, ICalendarComponentType, ICalendarEntry, ICalendarParameterName,
    ICalendarParameterValue, ICalendarProperty, ICalendarValueType,
};

/// One unfolded content line: upper-case names, parameters sorted by name (values of one
/// parameter keep their order), a VALUE parameter naming the default type dropped, values
/// as calcard writes them.
pub fn canonical_line(entry: &ICalendarEntry) -> String {
    let mut entry = entry.clone();
    if let ICalendarProperty::Other(name) = &mut entry.name {
        name.make_ascii_uppercase();
    }
    let default_type = default_value_type(&entry.name);
    entry.params.retain(|param| match &param.value {
        ICalendarParameterValue::Value(value_type) => Some(value_type) != default_type.as_ref(),
        _ => true,
    });
    for param in &mut entry.params {
        if let ICalendarParameterName::Other(name) = &mut param.name {
            name.make_ascii_uppercase();
        }
    }
    entry
        .params
        .sort_by(|a, b| a.name.as_str().cmp(b.name.as_str()));
    content_line(&entry)
}

/// Whether an unmodelled line can be carried: emit writes each as one content line and
/// reads it back through calcard, so it must still be that line then. A line break inside
/// (calcard keeps some in names and unknown values) or a BEGIN/END would be another line or
/// component, and a name beyond RFC 5545's letters, digits and dashes is cut short by the
/// reader. Parse and emit both ask here, so what is read is what gets written.
pub fn is_carriable(line: &str) -> bool {
    let name = &line[..line.find([';', ':']).unwrap_or(line.len())];
    let plain_name =
        !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    plain_name
        && !line.contains(['\r', '\n'])
        && !name.eq_ignore_ascii_case("BEGIN")
        && !name.eq_ignore_ascii_case("END")
}

/// Whether an unmodelled VEVENT line reads back as itself once written: emit parses the
/// event's extra lines inside a VEVENT and writes what calcard made of them, so a line
/// calcard reads differently (a parameter without `=`, odd quoting) would change on every
/// write. Those are not carried at all.
pub fn reads_back_unchanged(line: &str) -> bool {
    let text =
        format!("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n{line}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n");
    let Ok(ical) = ICalendar::parse(&text) else {
        return false;
    };
    ical.components
        .iter()
        .find(|component| component.component_type == ICalendarComponentType::VEvent)
        .is_some_and(|vevent| match vevent.entries.as_slice() {
            [entry] => canonical_line(entry) == line,
            _ => false,
        })
}

/// A component as text: BEGIN line, its properties as sorted canonical lines, its
/// sub-components as sorted canonical blocks, END line; CRLF-joined, no trailing CRLF.
/// Emit grafts the block back through calcard, so it must read back as itself: when it
/// does not (calcard escapes some malformed values once more on every write, found by
/// fuzzing: a backslash in an RRULE nested in a VALARM), the lines that change are dropped.
pub fn canonical_block(ical: &ICalendar, component_id: u32) -> String {
    let block = block_text(ical, component_id, &|_| true);
    if block.is_empty() || block_reads_back(&block) {
        return block;
    }
    block_text(ical, component_id, &reads_back_unchanged)
}

fn block_text(ical: &ICalendar, component_id: u32, keep: &dyn Fn(&str) -> bool) -> String {
    let Some(component) = ical.component_by_id(component_id) else {
        return String::new();
    };
    let name = component.component_type.as_str().to_ascii_uppercase();
    let mut lines: Vec<String> = component
        .entries
        .iter()
        .map(canonical_line)
        .filter(|line| is_carriable(line) && keep(line))
        .collect();
    lines.sort();
    // Recursion is bounded by the nesting limit checked before parsing.
    let mut children: Vec<String> = component
        .component_ids
        .iter()
        .map(|child| block_text(ical, *child, keep))
        .filter(|child| !child.is_empty())
        .collect();
    children.sort();
    let mut block = Vec::with_capacity(lines.len() + children.len() + 2);
    block.push(format!("BEGIN:{name}"));
    block.extend(lines);
    block.extend(children);
    block.push(format!("END:{name}"));
    block.join("\r\n")
}

/// Whether `block` parsed again gives the same canonical text.
fn block_reads_back(block: &str) -> bool {
    let Ok(ical) = ICalendar::parse(format!("BEGIN:VCALENDAR\r\n{block}\r\nEND:VCALENDAR\r\n"))
    else {
        return false;
    };
    ical.components
        .first()
        .and_then(|root| root.component_ids.first())
        .is_some_and(|id| block_text(&ical, *id, &|_| true) == block)
}

/// The type a property has without a VALUE parameter (RFC 5545 §3.7-3.8, RFC 7986), for
/// the properties whose redundant `VALUE=` clients write and servers drop, or the reverse
/// (Apple's `URL;VALUE=URI`, Thunderbird's `TRIGGER;VALUE=DURATION`).
fn default_value_type(property: &ICalendarProperty) -> Option<ICalendarValueType> {
    use ICalendarProperty as P;
    Some(match property {
        P::Url | P::Attach | P::Tzurl | P::Image | P::Conference | P::Source => {
            ICalendarValueType::Uri
        }
        P::Trigger | P::Duration => ICalendarValueType::Duration,
        P::Dtstart
        | P::Dtend
        | P::Due
        | P::RecurrenceId
        | P::Exdate
        | P::Rdate
        | P::Completed
        | P::Created
        | P::Dtstamp
        | P::LastModified => ICalendarValueType::DateTime,
        P::Organizer | P::Attendee => ICalendarValueType::CalAddress,
        P::Other(_)
        | P::Categories
        | P::Comment
        | P::Contact
        | P::Description
        | P::Location
        | P::Summary
        | P::Resources
        | P::RelatedTo
        | P::Tzname => ICalendarValueType::Text,
        _ => return None,
    })
}
