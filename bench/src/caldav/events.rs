//! The benchmark's events: a realistic mix (timed events with a description and location,
//! all-day events, weekly series) spread over the default sync window, generated from a seed
//! so both contenders get identical data.

use chrono::{DateTime, Duration, NaiveDate, Utc};

#[derive(Debug, Clone)]
pub struct BenchEvent {
    pub uid: String,
    /// Resource name in the collection (`<uid>.ics`).
    pub name: String,
    index: usize,
    side: char,
    first_day: NaiveDate,
}

impl BenchEvent {
    pub fn ics(&self, summary_suffix: &str, sequence: u32, stamp: DateTime<Utc>) -> String {
        let stamp = stamp.format("%Y%m%dT%H%M%SZ");
        let day = self.first_day + Duration::days((self.index % 170) as i64);
        let date = day.format("%Y%m%d");
        let (start, end, rule) = match self.index % 10 {
            // One in ten is all-day, one in ten a weekly series: the rest are timed.
            0 => {
                let next = (day + Duration::days(1)).format("%Y%m%d");
                (
                    format!("DTSTART;VALUE=DATE:{date}"),
                    format!("DTEND;VALUE=DATE:{next}"),
                    String::new(),
                )
            }
            1 => (
                format!("DTSTART;TZID=Europe/Berlin:{date}T090000"),
                format!("DTEND;TZID=Europe/Berlin:{date}T093000"),
                "RRULE:FREQ=WEEKLY;COUNT=12\r\n".to_string(),
            ),
            _ => {
                let hour = 7 + self.index % 11;
                (
                    format!("DTSTART:{date}T{hour:02}0000Z"),
                    format!("DTEND:{date}T{hour:02}4500Z"),
                    String::new(),
                )
            }
        };
        format!(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//calsync bench//EN\r\nBEGIN:VEVENT\r\n\
             UID:{uid}\r\nDTSTAMP:{stamp}\r\nLAST-MODIFIED:{stamp}\r\nSEQUENCE:{sequence}\r\n\
             {start}\r\n{end}\r\n{rule}SUMMARY:Meeting {side}{index}{summary_suffix}\r\n\
             DESCRIPTION:Agenda item {index}: review the figures and decide next steps.\r\n\
             LOCATION:Room {room}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
            uid = self.uid,
            side = self.side,
            index = self.index,
            room = self.index % 40,
        )
    }
}

/// `count` events for the calendar on side `side` ('a' or 'b') of a pair.
pub fn events(side: char, count: usize, today: NaiveDate) -> Vec<BenchEvent> {
    (0..count)
        .map(|index| {
            let uid = format!("bench-{side}-{index:05}@calsync.test");
            BenchEvent {
                name: format!("{uid}.ics"),
                uid,
                index,
                side,
                first_day: today + Duration::days(1),
            }
        })
        .collect()
}
