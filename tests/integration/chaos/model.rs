//! What the chaos clients wrote, and what calsync may therefore show at the end.
//!
//! calsync merges per unit (title, description, location, time; a series' shape) and gives a
//! unit edited on several calendars to the side whose event was modified last (LAST-MODIFIED,
//! event-wide, second precision on CalDAV). So the last write of a field wins, except that a
//! calendar whose later edit of *another* field of the same event was not yet merged may carry
//! its own older value of this field along; and an event deleted on one calendar while
//! edited on another comes back as calsync last read it, possibly without the deleting
//! calendar's last edits. [`Logical::admissible`] is exactly that set.

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, TimeDelta, TimeZone, Utc};
use std::collections::{BTreeMap, BTreeSet};

/// How far apart two LAST-MODIFIED values may be and still be ordered either way: CalDAV
/// stores whole seconds, the providers milliseconds, and the clients stamp just before writing.
const CLOCK_SLACK: TimeDelta = TimeDelta::milliseconds(1_100);

/// Edits on another calendar this shortly before a delete may still be merged after it, and
/// calsync keeps an edited event over a deleted one. A delete of an item that did not show
/// every edit yet is contested however long ago the edit was (a user deleting what they saw).
pub const DELETE_CONTEST: TimeDelta = TimeDelta::seconds(30);

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Zone {
    Utc,
    Berlin,
    NewYork,
}

impl Zone {
    pub const ALL: [Zone; 3] = [Zone::Utc, Zone::Berlin, Zone::NewYork];

    pub fn iana(self) -> &'static str {
        match self {
            Zone::Utc => "UTC",
            Zone::Berlin => "Europe/Berlin",
            Zone::NewYork => "America/New_York",
        }
    }

    /// The name Outlook writes.
    pub fn windows(self) -> &'static str {
        match self {
            Zone::Utc => "UTC",
            Zone::Berlin => "W. Europe Standard Time",
            Zone::NewYork => "Eastern Standard Time",
        }
    }

    pub fn instant(self, local: NaiveDateTime) -> DateTime<Utc> {
        let zone: chrono_tz::Tz = self.iana().parse().unwrap();
        zone.from_local_datetime(&local)
            .earliest()
            .unwrap()
            .with_timezone(&Utc)
    }
}

/// When an event happens, as its user set it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum When {
    Timed {
        start: NaiveDateTime,
        minutes: i64,
        zone: Zone,
    },
    AllDay {
        date: NaiveDate,
        days: u64,
    },
}

impl When {
    pub fn view(&self) -> TimeView {
        match self {
            When::Timed {
                start,
                minutes,
                zone,
            } => {
                let at = zone.instant(*start);
                TimeView::Timed {
                    start: at,
                    end: at + TimeDelta::minutes(*minutes),
                    zone: zone.iana().to_string(),
                }
            }
            When::AllDay { date, days } => TimeView::AllDay {
                start: *date,
                end: *date + chrono::Days::new(*days),
            },
        }
    }
}

/// Time as the comparison sees it: instants in UTC plus the zone the user chose.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum TimeView {
    Timed {
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        zone: String,
    },
    AllDay {
        start: NaiveDate,
        end: NaiveDate,
    },
}

/// A weekly series as the comparison sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeriesView {
    /// RRULE parts, sorted, without the defaults some providers spell out.
    pub rule: String,
    pub cancelled: BTreeSet<DateTime<Utc>>,
    /// Moved instances: original start -> (start, end).
    pub moved: BTreeMap<DateTime<Utc>, (DateTime<Utc>, DateTime<Utc>)>,
}

/// Every series the clients make: five weekly meetings in Europe/Berlin, the second moved two
/// hours later, the third cancelled.
pub const SERIES_COUNT: u32 = 5;
pub const SERIES_MOVED_WEEK: i64 = 1;
pub const SERIES_CANCELLED_WEEK: i64 = 2;
pub const SERIES_SHIFT_HOURS: i64 = 2;

pub fn byday(date: NaiveDate) -> &'static str {
    ["MO", "TU", "WE", "TH", "FR", "SA", "SU"][date.weekday().num_days_from_monday() as usize]
}

pub fn series_rule(first: NaiveDate) -> String {
    format!("FREQ=WEEKLY;COUNT={SERIES_COUNT};BYDAY={}", byday(first))
}

/// Sorted RRULE parts without `INTERVAL=1` and `WKST=MO` (their defaults).
pub fn normalise_rule(rule: &str) -> String {
    let mut parts: Vec<&str> = rule
        .trim_start_matches("RRULE:")
        .split(';')
        .filter(|p| !p.is_empty() && *p != "INTERVAL=1" && *p != "WKST=MO")
        .collect();
    parts.sort_unstable();
    parts.join(";")
}

/// The shape of the series starting at `start` (local Berlin time, one hour long).
pub fn series_view(start: NaiveDateTime) -> SeriesView {
    let at = |week: i64| Zone::Berlin.instant(start + TimeDelta::weeks(week));
    let moved = at(SERIES_MOVED_WEEK);
    let shift = TimeDelta::hours(SERIES_SHIFT_HOURS);
    SeriesView {
        rule: normalise_rule(&series_rule(start.date())),
        cancelled: [at(SERIES_CANCELLED_WEEK)].into(),
        moved: [(moved, (moved + shift, moved + shift + TimeDelta::hours(1)))].into(),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Field {
    Title,
    Description,
    Location,
    Time,
}

impl Field {
    pub const ALL: [Field; 4] = [
        Field::Title,
        Field::Description,
        Field::Location,
        Field::Time,
    ];
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Text(String),
    Time(When),
}

#[derive(Debug, Clone)]
pub struct Write {
    pub at: DateTime<Utc>,
    pub calendar: usize,
    pub value: Value,
}

/// One line of an event's history, for failure reports.
#[derive(Debug, Clone)]
pub struct Step {
    pub at: DateTime<Utc>,
    pub calendar: usize,
    pub what: String,
}

#[derive(Debug, Clone)]
pub struct Deletion {
    pub calendar: usize,
    /// Another calendar edited it shortly before: calsync may keep it (edit beats delete).
    pub contested: bool,
}

/// One logical event: what every calendar should hold one item of.
#[derive(Debug, Clone)]
pub struct Logical {
    /// `c17`: the title starts with `[c17]` on every calendar, whoever edits it.
    pub tag: String,
    pub home: usize,
    /// The first local start of a series (its shape never changes).
    pub series: Option<NaiveDateTime>,
    pub writes: BTreeMap<Field, Vec<Write>>,
    /// (when, calendar) of every write, creation included.
    pub edits: Vec<(DateTime<Utc>, usize)>,
    pub deleted: Option<Deletion>,
    pub history: Vec<Step>,
}

impl Logical {
    pub fn current(&self, field: Field) -> &Value {
        &self.writes[&field].last().unwrap().value
    }

    pub fn current_time(&self) -> &When {
        match self.current(Field::Time) {
            Value::Time(when) => when,
            Value::Text(_) => unreachable!("the time field holds a time"),
        }
    }

    /// The values calsync may end with for `field` (see the module comment).
    pub fn admissible(&self, field: Field) -> Vec<&Value> {
        let writes = &self.writes[&field];
        let last = writes.last().unwrap();
        let mut values = vec![&last.value];
        let calendars: BTreeSet<usize> = writes.iter().map(|w| w.calendar).collect();
        for calendar in calendars {
            let own = writes
                .iter()
                .rev()
                .find(|w| w.calendar == calendar)
                .unwrap();
            let touched_later = self
                .edits
                .iter()
                .any(|(at, c)| *c == calendar && *at + CLOCK_SLACK > last.at);
            if touched_later && !values.contains(&&own.value) {
                values.push(&own.value);
            }
        }
        // A deletion overruled by an edit elsewhere brings the event back as calsync last
        // saw it: edits made on the deleting calendar may not have been read before the
        // deletion hid them (a provider reports a deleted event without its last contents).
        if let Some(Deletion {
            calendar: deleter,
            contested: true,
        }) = &self.deleted
        {
            let unseen = writes.iter().filter(|w| w.calendar == *deleter);
            let others_last = writes.iter().rev().find(|w| w.calendar != *deleter);
            for write in unseen.chain(others_last) {
                if !values.contains(&&write.value) {
                    values.push(&write.value);
                }
            }
        }
        values
    }
}

#[derive(Debug, Default)]
pub struct Model {
    pub events: Vec<Logical>,
}

impl Model {
    pub fn live(&self) -> impl Iterator<Item = &Logical> {
        self.events.iter().filter(|e| e.deleted.is_none())
    }

    pub fn get_mut(&mut self, tag: &str) -> &mut Logical {
        self.events.iter_mut().find(|e| e.tag == tag).unwrap()
    }

    pub fn get(&self, tag: &str) -> Option<&Logical> {
        self.events.iter().find(|e| e.tag == tag)
    }

    pub fn created(
        &mut self,
        tag: String,
        home: usize,
        values: Vec<(Field, Value)>,
        series: Option<NaiveDateTime>,
        at: DateTime<Utc>,
    ) {
        let created = values
            .iter()
            .map(|(field, value)| format!("{field:?} = {value:?}"))
            .collect::<Vec<_>>()
            .join(", ");
        let writes = values
            .into_iter()
            .map(|(field, value)| {
                (
                    field,
                    vec![Write {
                        at,
                        calendar: home,
                        value,
                    }],
                )
            })
            .collect();
        self.events.push(Logical {
            tag,
            home,
            series,
            writes,
            edits: vec![(at, home)],
            deleted: None,
            history: vec![Step {
                at,
                calendar: home,
                what: format!("created: {created}"),
            }],
        });
    }

    pub fn edited(&mut self, tag: &str, calendar: usize, field: Field, value: Value) {
        let at = Utc::now();
        let event = self.get_mut(tag);
        event.history.push(Step {
            at,
            calendar,
            what: format!("{field:?} := {value:?}"),
        });
        event.writes.get_mut(&field).unwrap().push(Write {
            at,
            calendar,
            value,
        });
        event.edits.push((at, calendar));
    }

    /// `informed`: the deleted item showed every field as the model admits it (its user
    /// knew every edit made before) and the deleting calendar's own last edits had reached
    /// another calendar (calsync had read them).
    pub fn deleted(&mut self, tag: &str, calendar: usize, informed: bool) {
        let at = Utc::now();
        let event = self.get_mut(tag);
        let recent_edit_elsewhere = event
            .edits
            .iter()
            .any(|(when, c)| *c != calendar && at - *when < DELETE_CONTEST);
        let contested = recent_edit_elsewhere || !informed;
        event.history.push(Step {
            at,
            calendar,
            what: format!("deleted (contested: {contested}; informed: {informed})"),
        });
        event.deleted = Some(Deletion {
            calendar,
            contested,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Value {
        Value::Text(s.into())
    }

    fn model_with_title_race(gap_ms: i64) -> Logical {
        let t0 = Utc::now() - TimeDelta::minutes(1);
        let at = |ms: i64| t0 + TimeDelta::milliseconds(ms);
        let write = |ms, calendar, value: &str| Write {
            at: at(ms),
            calendar,
            value: text(value),
        };
        Logical {
            tag: "c1".into(),
            home: 0,
            series: None,
            writes: [(
                Field::Title,
                vec![write(0, 0, "a"), write(5_000, 1, "b"), write(9_000, 2, "c")],
            )]
            .into(),
            edits: vec![
                (at(0), 0),
                (at(5_000), 1),
                (at(9_000), 2),
                (at(9_000 + gap_ms), 1),
            ],
            deleted: None,
            history: Vec::new(),
        }
    }

    #[test]
    fn the_last_write_wins_unless_its_rival_edited_the_event_later() {
        let settled = model_with_title_race(-4_000);
        assert_eq!(settled.admissible(Field::Title), vec![&text("c")]);
        let raced = model_with_title_race(3_000);
        assert_eq!(
            raced.admissible(Field::Title),
            vec![&text("c"), &text("b")],
            "calendar 1 edited another field after the last title: its title may win"
        );
    }

    #[test]
    fn rules_compare_without_defaults_and_order() {
        assert_eq!(
            normalise_rule("RRULE:BYDAY=MO;INTERVAL=1;FREQ=WEEKLY;COUNT=5"),
            normalise_rule("FREQ=WEEKLY;COUNT=5;BYDAY=MO")
        );
    }
}
