//! iCalendar as a CalDAV client writes it: new events, and edits of the master VEVENT of
//! whatever a server holds (a calsync copy included), leaving everything else as it was.

use super::model::{
    SERIES_CANCELLED_WEEK, SERIES_MOVED_WEEK, SERIES_SHIFT_HOURS, When, Zone, series_rule,
};
use super::plan::{Content, Shape};
use crate::e2e::fixtures::{BERLIN, NEW_YORK, calendar};
use crate::e2e::stored::unfold;
use calsync_testkit::escape_text;
use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};

fn stamp(at: DateTime<Utc>) -> String {
    at.format("%Y%m%dT%H%M%SZ").to_string()
}

fn local(name: &str, at: NaiveDateTime, zone: Zone) -> String {
    match zone {
        Zone::Utc => format!("{name}:{}Z", at.format("%Y%m%dT%H%M%S")),
        _ => format!("{name};TZID={}:{}", zone.iana(), at.format("%Y%m%dT%H%M%S")),
    }
}

/// DTSTART and DTEND of `when`.
fn time_lines(when: &When) -> Vec<String> {
    match when {
        When::Timed {
            start,
            minutes,
            zone,
        } => vec![
            local("DTSTART", *start, *zone),
            local("DTEND", *start + TimeDelta::minutes(*minutes), *zone),
        ],
        When::AllDay { date, days } => vec![
            format!("DTSTART;VALUE=DATE:{}", date.format("%Y%m%d")),
            format!(
                "DTEND;VALUE=DATE:{}",
                (*date + chrono::Days::new(*days)).format("%Y%m%d")
            ),
        ],
    }
}

fn vtimezone(zone: Zone) -> &'static str {
    match zone {
        Zone::Utc => "",
        Zone::Berlin => BERLIN,
        Zone::NewYork => NEW_YORK,
    }
}

fn zone_of(when: &When) -> Zone {
    match when {
        When::Timed { zone, .. } => *zone,
        When::AllDay { .. } => Zone::Utc,
    }
}

/// A new calendar object resource for `content` (a series with its moved and cancelled
/// instance in one go, as a desktop client saves it).
pub fn new_event(uid: &str, content: &Content, now: DateTime<Utc>) -> String {
    let mut lines = vec![
        "BEGIN:VEVENT".to_string(),
        format!("UID:{uid}"),
        format!("DTSTAMP:{}", stamp(now)),
        format!("LAST-MODIFIED:{}", stamp(now)),
        format!("SUMMARY:{}", escape_text(&content.title)),
        format!("DESCRIPTION:{}", escape_text(&content.description)),
        format!("LOCATION:{}", escape_text(&content.location)),
    ];
    lines.extend(time_lines(&content.when));
    if let (Shape::Series, When::Timed { start, .. }) = (content.shape, &content.when) {
        let week = |n: i64| *start + TimeDelta::weeks(n);
        lines.push(format!("RRULE:{}", series_rule(start.date())));
        lines.push(local("EXDATE", week(SERIES_CANCELLED_WEEK), Zone::Berlin));
        lines.push("END:VEVENT".into());
        let moved = week(SERIES_MOVED_WEEK) + TimeDelta::hours(SERIES_SHIFT_HOURS);
        lines.extend([
            "BEGIN:VEVENT".to_string(),
            format!("UID:{uid}"),
            format!("DTSTAMP:{}", stamp(now)),
            format!("LAST-MODIFIED:{}", stamp(now)),
            local("RECURRENCE-ID", week(SERIES_MOVED_WEEK), Zone::Berlin),
            local("DTSTART", moved, Zone::Berlin),
            local("DTEND", moved + TimeDelta::hours(1), Zone::Berlin),
            format!("SUMMARY:{}", escape_text(&content.title)),
        ]);
    }
    lines.push("END:VEVENT".into());
    let zone = vtimezone(zone_of(&content.when));
    calendar(&format!("{zone}{}\r\n", lines.join("\r\n")))
}

fn name_of(line: &str) -> &str {
    &line[..line.find([';', ':']).unwrap_or(line.len())]
}

/// `text` with the master VEVENT's `names` properties replaced by `replacement` and its
/// LAST-MODIFIED set to `now`; the zone's VTIMEZONE is added when the new lines need it.
pub fn edit_master(
    text: &str,
    names: &[&str],
    replacement: Vec<String>,
    zone: Zone,
    now: DateTime<Utc>,
) -> String {
    let lines = unfold(text);
    let master = master_block(&lines);
    let mut out: Vec<String> = Vec::new();
    let has_zone = zone == Zone::Utc
        || lines
            .iter()
            .any(|l| l.as_str() == format!("TZID:{}", zone.iana()));
    for (i, line) in lines.iter().enumerate() {
        if !has_zone && i == master.0 {
            out.extend(unfold(vtimezone(zone)));
        }
        let inside = i > master.0 && i < master.1;
        let name = name_of(line).to_ascii_uppercase();
        if inside && (names.contains(&name.as_str()) || name == "LAST-MODIFIED") {
            continue;
        }
        if i == master.1 {
            out.extend(replacement.iter().cloned());
            out.push(format!("LAST-MODIFIED:{}", stamp(now)));
        }
        out.push(line.clone());
    }
    out.join("\r\n") + "\r\n"
}

/// (BEGIN, END) line indexes of the VEVENT without RECURRENCE-ID (else the first VEVENT).
fn master_block(lines: &[String]) -> (usize, usize) {
    let mut blocks = Vec::new();
    let mut start = None;
    let mut override_seen = false;
    let mut depth = 0;
    for (i, line) in lines.iter().enumerate() {
        if line == "BEGIN:VEVENT" {
            start = Some(i);
            override_seen = false;
            depth = 0;
        } else if line.starts_with("BEGIN:") && start.is_some() {
            depth += 1;
        } else if line.starts_with("END:") && line != "END:VEVENT" && start.is_some() {
            depth -= 1;
        } else if line == "END:VEVENT" {
            if let Some(begin) = start.take() {
                blocks.push((begin, i, override_seen));
            }
        } else if depth == 0 && start.is_some() && name_of(line) == "RECURRENCE-ID" {
            override_seen = true;
        }
    }
    let (begin, end, _) = blocks
        .iter()
        .find(|(_, _, is_override)| !is_override)
        .or(blocks.first())
        .copied()
        .unwrap_or_else(|| panic!("no VEVENT in:\n{}", lines.join("\n")));
    (begin, end)
}

/// Property lines of a field edit: the names to drop and the lines to add.
pub fn field_lines(
    field: super::model::Field,
    value: &super::model::Value,
) -> (Vec<&'static str>, Vec<String>, Zone) {
    use super::model::{Field, Value};
    match (field, value) {
        (Field::Time, Value::Time(when)) => (
            vec!["DTSTART", "DTEND", "DURATION"],
            time_lines(when),
            zone_of(when),
        ),
        (field, Value::Text(text)) => {
            let name = match field {
                Field::Title => "SUMMARY",
                Field::Description => "DESCRIPTION",
                _ => "LOCATION",
            };
            (
                vec![name],
                vec![format!("{name}:{}", escape_text(text))],
                Zone::Utc,
            )
        }
        (field, value) => panic!("{field:?} cannot hold {value:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chaos::model::{Field, Value};
    use chrono::NaiveDate;

    #[test]
    fn an_edit_touches_only_the_master_and_adds_the_zone_it_needs() {
        let when = When::Timed {
            start: NaiveDate::from_ymd_opt(2026, 12, 10)
                .unwrap()
                .and_hms_opt(9, 0, 0)
                .unwrap(),
            minutes: 60,
            zone: Zone::Berlin,
        };
        let content = Content {
            shape: Shape::Series,
            title: "[c1] a".into(),
            description: "d".into(),
            location: "l".into(),
            when: when.clone(),
        };
        let text = new_event("u1", &content, Utc::now());
        let (names, lines, zone) = field_lines(Field::Title, &Value::Text("[c1] b".into()));
        let edited = edit_master(&text, &names, lines, zone, Utc::now());
        assert_eq!(edited.matches("SUMMARY:[c1] b").count(), 1, "{edited}");
        assert_eq!(
            edited.matches("SUMMARY:[c1] a").count(),
            1,
            "the override keeps its own"
        );
        let When::Timed { start, minutes, .. } = when else {
            unreachable!()
        };
        let ny = When::Timed {
            start,
            minutes,
            zone: Zone::NewYork,
        };
        let (names, lines, zone) = field_lines(Field::Time, &Value::Time(ny));
        let moved = edit_master(&text, &names, lines, zone, Utc::now());
        assert!(moved.contains("TZID:America/New_York"), "{moved}");
        assert!(moved.contains("DTSTART;TZID=America/New_York:20261210T090000"));
        assert_eq!(
            moved.matches("DTSTART").count(),
            6,
            "two rules per VTIMEZONE, two VEVENTs"
        );
    }
}
