//! The random operations, drawn from one seeded RNG: the same seed gives the same sequence
//! of intents (which calendar, which event, which new value). Where the event is when the
//! client acts depends on timing, so the calendar an edit lands on can differ between runs.

use super::model::{Field, Model, Value, When, Zone};
use crate::e2e::fixtures::day;
use chrono::{NaiveTime, TimeDelta};
use rand::Rng;
use rand::rngs::StdRng;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Shape {
    Timed,
    AllDay,
    Series,
}

/// What a new event holds.
#[derive(Debug, Clone)]
pub struct Content {
    pub shape: Shape,
    pub title: String,
    pub description: String,
    pub location: String,
    pub when: When,
}

impl Content {
    pub fn values(&self) -> Vec<(Field, Value)> {
        vec![
            (Field::Title, Value::Text(self.title.clone())),
            (Field::Description, Value::Text(self.description.clone())),
            (Field::Location, Value::Text(self.location.clone())),
            (Field::Time, Value::Time(self.when.clone())),
        ]
    }
}

#[derive(Debug, Clone)]
pub enum Op {
    Create {
        calendar: usize,
        tag: String,
        content: Content,
    },
    Edit {
        calendar: usize,
        tag: String,
        field: Field,
        value: Value,
        /// For the summary: move, time-zone change, title, ...
        kind: &'static str,
    },
    Delete {
        calendar: usize,
        tag: String,
    },
}

impl Op {
    pub fn kind(&self) -> String {
        match self {
            Op::Create { content, .. } => format!("create_{:?}", content.shape).to_lowercase(),
            Op::Edit { kind, .. } => kind.to_string(),
            Op::Delete { .. } => "delete".into(),
        }
    }
}

const WORDS: [&str; 16] = [
    "alpha", "budget", "coffee", "design", "review", "planning", "sync", "retro", "lunch",
    "dentist", "gym", "standup", "offsite", "demo", "hiring", "travel",
];

fn words(rng: &mut StdRng, n: usize) -> String {
    (0..n)
        .map(|_| WORDS[rng.random_range(0..WORDS.len())])
        .collect::<Vec<_>>()
        .join(" ")
}

pub fn title(tag: &str, rng: &mut StdRng) -> String {
    format!("[{tag}] {}", words(rng, 2))
}

/// Keeps events well inside the link's window (30 days back, 180 ahead).
fn offset(rng: &mut StdRng) -> u64 {
    rng.random_range(1..45)
}

fn timed(rng: &mut StdRng) -> When {
    let hour = rng.random_range(7..19);
    When::Timed {
        start: day(offset(rng)).and_time(NaiveTime::from_hms_opt(hour, 0, 0).unwrap()),
        minutes: [30, 60, 90][rng.random_range(0..3)],
        zone: Zone::ALL[rng.random_range(0..3)],
    }
}

fn new_content(tag: &str, rng: &mut StdRng) -> Content {
    let roll = rng.random_range(0..10);
    let (shape, when) = match roll {
        0..6 => (Shape::Timed, timed(rng)),
        6..8 => (
            Shape::AllDay,
            When::AllDay {
                date: day(offset(rng)),
                days: rng.random_range(1..3),
            },
        ),
        _ => {
            let hour = rng.random_range(8..16);
            let start =
                day(rng.random_range(1..20)).and_time(NaiveTime::from_hms_opt(hour, 0, 0).unwrap());
            (
                Shape::Series,
                When::Timed {
                    start,
                    minutes: 60,
                    zone: Zone::Berlin,
                },
            )
        }
    };
    Content {
        shape,
        title: title(tag, rng),
        description: words(rng, 4),
        location: words(rng, 1),
        when,
    }
}

/// A new time for `when`: moved by whole days and hours, or (`retime`) the same wall-clock
/// time in another zone.
fn moved(when: &When, rng: &mut StdRng, retime: bool) -> When {
    match when {
        When::Timed {
            start,
            minutes,
            zone,
        } => {
            if retime {
                let others: Vec<Zone> = Zone::ALL.into_iter().filter(|z| z != zone).collect();
                return When::Timed {
                    start: *start,
                    minutes: *minutes,
                    zone: others[rng.random_range(0..others.len())],
                };
            }
            let shifted = *start
                + TimeDelta::days(rng.random_range(-3..4))
                + TimeDelta::hours(rng.random_range(-2..3));
            let earliest = day(1).and_hms_opt(9, 0, 0).unwrap();
            let latest = day(90).and_hms_opt(9, 0, 0).unwrap();
            When::Timed {
                start: shifted.clamp(earliest, latest),
                minutes: *minutes,
                zone: *zone,
            }
        }
        When::AllDay { date, days } => {
            let shifted = *date + TimeDelta::days(rng.random_range(1..4));
            let shifted = if shifted > day(60) { day(2) } else { shifted };
            When::AllDay {
                date: shifted,
                days: *days,
            }
        }
    }
}

/// The next operation. `recent` are tags touched by the last few operations: left alone so
/// that one event is not hammered within the same second from everywhere.
pub fn next(
    rng: &mut StdRng,
    model: &Model,
    calendars: usize,
    serial: usize,
    recent: &[String],
) -> Op {
    let calendar = rng.random_range(0..calendars);
    let candidates: Vec<&super::model::Logical> =
        model.live().filter(|e| !recent.contains(&e.tag)).collect();
    let roll = rng.random_range(0..100);
    if candidates.len() < 4 || roll < 22 {
        let tag = format!("c{serial}");
        let content = new_content(&tag, rng);
        return Op::Create {
            calendar,
            tag,
            content,
        };
    }
    let event = candidates[rng.random_range(0..candidates.len())];
    let tag = event.tag.clone();
    if roll < 30 {
        return Op::Delete { calendar, tag };
    }
    let series = event.series.is_some();
    let (field, kind, value) = match roll {
        30..50 => (Field::Title, "edit_title", Value::Text(title(&tag, rng))),
        50..65 => (
            Field::Description,
            "edit_description",
            Value::Text(words(rng, 4)),
        ),
        65..78 => (Field::Location, "edit_location", Value::Text(words(rng, 1))),
        // A series keeps its shape: moving the whole series is not among the operations.
        _ if series => (Field::Title, "edit_title", Value::Text(title(&tag, rng))),
        78..90 => (
            Field::Time,
            "move",
            Value::Time(moved(event.current_time(), rng, false)),
        ),
        _ => {
            let retime = matches!(event.current_time(), When::Timed { .. });
            (
                Field::Time,
                if retime { "change_zone" } else { "move" },
                Value::Time(moved(event.current_time(), rng, retime)),
            )
        }
    };
    Op::Edit {
        calendar,
        tag,
        field,
        value,
        kind,
    }
}
