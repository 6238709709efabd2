//! What a server stores, as the testkit reads it: unfolded content lines, the event each
//! resource stands for (its own UID, or for a copy the original's UID from its origin tag),
//! and assertions over a whole calendar.

use super::harness::Cal;
use calsync_core::domain::Event;
use std::collections::BTreeMap;

/// One stored calendar object resource.
#[derive(Debug, Clone)]
pub struct Stored {
    /// The href the server listed it under.
    pub href: String,
    /// The text as the server returned it.
    pub text: String,
    /// Unfolded content lines (RFC 5545 §3.1).
    lines: Vec<String>,
}

impl Stored {
    pub fn new(href: String, text: String) -> Self {
        Self {
            lines: unfold(&text),
            href,
            text,
        }
    }

    /// The resource's name, the last segment of its href.
    pub fn name(&self) -> &str {
        self.href.rsplit('/').next().unwrap_or(&self.href)
    }

    /// Every content line of the VEVENTs themselves (not of their VALARMs, nor of VTIMEZONE).
    pub fn event_lines(&self) -> Vec<&str> {
        let mut open: Vec<&str> = Vec::new();
        let mut lines = Vec::new();
        for line in &self.lines {
            if let Some(name) = line.strip_prefix("BEGIN:") {
                open.push(name);
            } else if line.starts_with("END:") {
                open.pop();
            } else if open.last() == Some(&"VEVENT") {
                lines.push(line.as_str());
            }
        }
        lines
    }

    /// The VEVENT lines of property `name` (parameters and value included).
    pub fn lines_named(&self, name: &str) -> Vec<&str> {
        self.event_lines()
            .into_iter()
            .filter(|line| property_name(line).eq_ignore_ascii_case(name))
            .collect()
    }

    /// The raw values of property `name` in the VEVENTs, in order.
    pub fn values(&self, name: &str) -> Vec<&str> {
        self.lines_named(name)
            .into_iter()
            .map(property_value)
            .collect()
    }

    /// The raw value of the first `name` property of the VEVENTs.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.values(name).into_iter().next()
    }

    pub fn uid(&self) -> &str {
        self.value("UID")
            .unwrap_or_else(|| panic!("{} has no UID:\n{}", self.href, self.text))
    }

    pub fn summary(&self) -> Option<&str> {
        self.value("SUMMARY")
    }

    /// `X-CALSYNC-ORIGIN`: `<tenant>:<calendar id>:<original UID>`, on copies only.
    pub fn origin(&self) -> Option<&str> {
        self.value("X-CALSYNC-ORIGIN")
    }

    pub fn is_copy(&self) -> bool {
        self.origin().is_some()
    }

    /// The UID of the original this resource stands for.
    pub fn identity(&self) -> String {
        match self.origin() {
            Some(tag) => tag
                .splitn(3, ':')
                .nth(2)
                .unwrap_or_else(|| panic!("{}: malformed origin tag {tag}", self.href))
                .to_string(),
            None => self.uid().to_string(),
        }
    }

    /// The event as calsync's codec reads it (for structured assertions only: the text came
    /// from the server through the testkit).
    pub fn event(&self) -> Event {
        calsync_core::ical::parse_event(&self.text)
            .unwrap_or_else(|e| panic!("{} does not parse ({e}):\n{}", self.href, self.text))
    }
}

pub fn unfold(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for raw in text.split('\n') {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        match (line.strip_prefix([' ', '\t']), lines.last_mut()) {
            (Some(rest), Some(last)) => last.push_str(rest),
            _ if line.is_empty() => {}
            _ => lines.push(line.to_string()),
        }
    }
    lines
}

fn property_name(line: &str) -> &str {
    let end = line.find([';', ':']).unwrap_or(line.len());
    &line[..end]
}

/// The value after the first `:` outside a quoted parameter value.
fn property_value(line: &str) -> &str {
    let mut quoted = false;
    for (i, c) in line.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ':' if !quoted => return &line[i + 1..],
            _ => {}
        }
    }
    ""
}

/// Everything one calendar holds, read once (every resource GET in href order).
#[derive(Debug, Clone)]
pub struct Held {
    /// `<server> calendar <id>`, for messages.
    pub label: String,
    pub items: Vec<Stored>,
}

impl Held {
    pub async fn read(cal: &Cal) -> Held {
        let mut items = Vec::new();
        for (href, _) in cal.raw.list().await {
            if let Some((text, _)) = cal.raw.get(&href).await {
                items.push(Stored::new(href, text));
            }
        }
        Held {
            label: format!("{} calendar {}", cal.kind(), cal.id),
            items,
        }
    }

    /// How many resources stand for each original.
    pub fn identities(&self) -> BTreeMap<String, usize> {
        let mut counts = BTreeMap::new();
        for item in &self.items {
            *counts.entry(item.identity()).or_insert(0) += 1;
        }
        counts
    }

    /// Exactly one resource for each of `expected`, and nothing else.
    pub fn assert_exactly(&self, expected: &[&str], when: &str) {
        let want: BTreeMap<String, usize> =
            expected.iter().map(|uid| (uid.to_string(), 1)).collect();
        assert_eq!(
            self.identities(),
            want,
            "{} {when}: resources per original (a count above 1 is a duplicate)",
            self.label
        );
    }

    /// The one resource standing for original `uid`.
    pub fn get(&self, uid: &str) -> &Stored {
        let found: Vec<&Stored> = self.items.iter().filter(|s| s.identity() == uid).collect();
        match found.as_slice() {
            [one] => one,
            _ => panic!(
                "{}: expected one resource for {uid}, found {}: {:#?}",
                self.label,
                found.len(),
                self.items.iter().map(|s| &s.text).collect::<Vec<_>>()
            ),
        }
    }
}

/// The calendar holds exactly one resource for each of `expected`, and nothing else.
pub async fn assert_holds(cal: &Cal, expected: &[&str], when: &str) {
    Held::read(cal).await.assert_exactly(expected, when);
}

/// The one resource standing for original `uid` on this calendar.
pub async fn find(cal: &Cal, uid: &str) -> Stored {
    Held::read(cal).await.get(uid).clone()
}

/// Replaces what the server holds at `stored.href` with `edit(text)`, as another client
/// would (no If-Match: the user's client does not know about calsync).
pub async fn rewrite(cal: &Cal, stored: &Stored, edit: impl FnOnce(&str) -> String) {
    let text = unfold(&stored.text).join("\r\n") + "\r\n";
    cal.raw.put(&stored.href, &edit(&text)).await;
}

/// `text` with the VEVENT's (first) `name` property replaced by `line`, or `line` added to the
/// first VEVENT when it has none.
pub fn set_property(text: &str, name: &str, line: &str) -> String {
    let mut out = Vec::new();
    let mut open: Vec<String> = Vec::new();
    let mut done = false;
    for current in unfold(text) {
        if let Some(component) = current.strip_prefix("BEGIN:") {
            open.push(component.to_string());
        } else if let Some(component) = current.strip_prefix("END:") {
            if component == "VEVENT" && !done && open.len() <= 2 {
                out.push(line.to_string());
                done = true;
            }
            open.pop();
        } else if !done
            && open.last().is_some_and(|c| c == "VEVENT")
            && property_name(&current).eq_ignore_ascii_case(name)
        {
            out.push(line.to_string());
            done = true;
            continue;
        }
        out.push(current);
    }
    out.join("\r\n") + "\r\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folded_lines_are_joined_and_quoted_colons_skipped() {
        let text = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:u1\r\nX-CALSYNC-ORIGIN:t1:c\r\n 1:orig\r\n\
                    ATTENDEE;CN=\"A: B\":mailto:a@b\r\nBEGIN:VALARM\r\nSUMMARY:alarm\r\nEND:VALARM\r\n\
                    SUMMARY:Hi\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        let stored = Stored::new("/c/x.ics".into(), text.into());
        assert_eq!(stored.identity(), "orig");
        assert_eq!(stored.value("ATTENDEE"), Some("mailto:a@b"));
        assert_eq!(stored.values("SUMMARY"), vec!["Hi"]);
        assert_eq!(stored.name(), "x.ics");
    }

    #[test]
    fn set_property_replaces_or_adds_in_the_first_vevent() {
        let text = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:u\r\nSUMMARY:a\r\nEND:VEVENT\r\n\
                    BEGIN:VEVENT\r\nUID:u\r\nSUMMARY:b\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        let replaced = set_property(text, "SUMMARY", "SUMMARY:c");
        assert_eq!(unfold(&replaced)[3], "SUMMARY:c");
        assert!(replaced.contains("SUMMARY:b"));
        let added = set_property(text, "LOCATION", "LOCATION:here");
        assert_eq!(unfold(&added)[4], "LOCATION:here");
        assert_eq!(added.matches("LOCATION").count(), 1);
    }
}
