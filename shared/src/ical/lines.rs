//! Content lines and the final text. calcard writes each property; two things are fixed up
//! here: URI values, which calcard escapes like text although RFC 5545 §3.3.13 says they
//! are not escaped (Apple's `geo:52.52,13.40` would gain a backslash), and folding, done
//! on the whole line at 75 octets without splitting a UTF-8 character (§3.1).

use calcard::icalendar::{ICalendar, ICalendarEntry, ICalendarProperty, ICalendarValue};

const FOLD_OCTETS: usize = 75;

/// One property as a single unfolded line without line ending.
pub fn content_line(entry: &ICalendarEntry) -> String {
    let mut folded = String::new();
    // Writing into a String cannot fail.
    let _ = entry.write_to(&mut folded);
    // calcard escapes CR and LF inside values, so every CRLF it writes is a fold or the end.
    let line = folded.trim_end_matches("\r\n").replace("\r\n ", "");
    let uris: Option<Vec<String>> = entry
        .values
        .iter()
        .map(|value| match value {
            // Written raw, so control characters must go: calcard unescapes `\n` inside
            // URIs too, and a raw line break would inject a property of the sender's choice.
            ICalendarValue::Uri(uri) => Some(
                uri.to_unwrapped_string()
                    .chars()
                    .filter(|c| !c.is_control())
                    .collect(),
            ),
            _ => None,
        })
        .collect();
    match (uris, value_start(&line)) {
        (Some(uris), Some(start)) if !uris.is_empty() => {
            // Unknown properties are split at semicolons on reading, the others at commas.
            let separator = match entry.name {
                ICalendarProperty::Other(_) => ";",
                _ => ",",
            };
            format!("{}{}", &line[..start], uris.join(separator))
        }
        _ => line,
    }
}

/// Where the value begins: after the first colon outside a quoted parameter value.
fn value_start(line: &str) -> Option<usize> {
    let mut in_quote = false;
    let mut escaped = false;
    for (index, ch) in line.char_indices() {
        match ch {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '"' => in_quote = !in_quote,
            ':' if !in_quote => return Some(index + 1),
            _ => {}
        }
    }
    None
}

/// `line` folded into physical lines of at most 75 octets, each ended by CRLF.
pub fn fold(line: &str, out: &mut String) {
    let mut rest = line;
    let mut limit = FOLD_OCTETS;
    loop {
        if rest.len() <= limit {
            out.push_str(rest);
            out.push_str("\r\n");
            return;
        }
        let mut split = limit;
        while !rest.is_char_boundary(split) {
            split -= 1;
        }
        out.push_str(&rest[..split]);
        out.push_str("\r\n ");
        rest = &rest[split..];
        // Continuation lines start with the folding space.
        limit = FOLD_OCTETS - 1;
    }
}

/// `text` with every folded line joined back (RFC 5545 §3.1), for CRLF or bare LF endings.
///
/// Done before calcard tokenises: inside comma-separated values calcard collapses runs of
/// whitespace once a fold has made it copy the value, so the result would depend on where
/// the producer happened to fold.
pub fn unfold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(newline) = rest.find('\n') {
        let (line, tail) = rest.split_at(newline);
        let after = &tail[1..];
        if after.starts_with([' ', '\t']) {
            out.push_str(line.strip_suffix('\r').unwrap_or(line));
            rest = &after[1..];
        } else {
            out.push_str(line);
            out.push('\n');
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// The whole object, components depth-first from the VCALENDAR root.
pub fn write_calendar(ical: &ICalendar) -> String {
    enum Step {
        Open(u32),
        Close(String),
    }
    let mut out = String::new();
    let mut pending = vec![Step::Open(0)];
    while let Some(step) = pending.pop() {
        match step {
            Step::Open(id) => {
                let Some(component) = ical.component_by_id(id) else {
                    continue;
                };
                let name = component.component_type.as_str().to_ascii_uppercase();
                fold(&format!("BEGIN:{name}"), &mut out);
                for entry in &component.entries {
                    fold(&content_line(entry), &mut out);
                }
                pending.push(Step::Close(name));
                pending.extend(
                    component
                        .component_ids
                        .iter()
                        .rev()
                        .map(|id| Step::Open(*id)),
                );
            }
            Step::Close(name) => fold(&format!("END:{name}"), &mut out),
        }
    }
    out
}
