//! "Mon-Fri 08:00-18:00 Europe/Berlin": when a calendar's owner is likely to be editing.

use chrono::{DateTime, Datelike, NaiveTime, Utc, Weekday};
use chrono_tz::Tz;
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkingHours {
    pub zone: Tz,
    /// First and last working day, inclusive, counted from Monday (Mon-Fri = 0..=4).
    pub days: (u32, u32),
    pub start: NaiveTime,
    pub end: NaiveTime,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("working hours {given:?}: {reason} (expected e.g. \"Mon-Fri 08:00-18:00 Europe/Berlin\")")]
pub struct WorkingHoursError {
    given: String,
    reason: &'static str,
}

impl WorkingHours {
    /// Monday to Friday, 08:00 to 18:00 in `zone`.
    pub fn office(zone: Tz) -> Self {
        Self {
            zone,
            days: (0, 4),
            start: NaiveTime::from_hms_opt(8, 0, 0).unwrap_or(NaiveTime::MIN),
            end: NaiveTime::from_hms_opt(18, 0, 0).unwrap_or(NaiveTime::MIN),
        }
    }

    pub fn contains(&self, at: DateTime<Utc>) -> bool {
        let local = at.with_timezone(&self.zone);
        let day = local.weekday().num_days_from_monday();
        let time = local.time();
        let (first, last) = self.days;
        let on_day = if first <= last {
            (first..=last).contains(&day)
        } else {
            day >= first || day <= last
        };
        on_day && time >= self.start && time < self.end
    }
}

fn weekday(text: &str) -> Option<u32> {
    Weekday::from_str(text)
        .ok()
        .map(|day| day.num_days_from_monday())
}

impl FromStr for WorkingHours {
    type Err = WorkingHoursError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let error = |reason| WorkingHoursError {
            given: text.to_string(),
            reason,
        };
        let parts: Vec<&str> = text.split_whitespace().collect();
        let [days, hours, zone] = parts.as_slice() else {
            return Err(error("three parts: days, hours, time zone"));
        };
        let (first, last) = days.split_once('-').unwrap_or((days, days));
        let days = (
            weekday(first).ok_or_else(|| error("unknown first day"))?,
            weekday(last).ok_or_else(|| error("unknown last day"))?,
        );
        let (start, end) = hours
            .split_once('-')
            .ok_or_else(|| error("hours as HH:MM-HH:MM"))?;
        let time = |t: &str| NaiveTime::parse_from_str(t, "%H:%M").map_err(|_| error("bad time"));
        let (start, end) = (time(start)?, time(end)?);
        if start >= end {
            return Err(error("the hours end before they start"));
        }
        let zone = zone.parse().map_err(|_| error("unknown time zone"))?;
        Ok(Self {
            zone,
            days,
            start,
            end,
        })
    }
}

impl fmt::Display for WorkingHours {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let day = |n: u32| {
            [
                Weekday::Mon,
                Weekday::Tue,
                Weekday::Wed,
                Weekday::Thu,
                Weekday::Fri,
                Weekday::Sat,
                Weekday::Sun,
            ][n as usize % 7]
        };
        write!(
            f,
            "{}-{} {}-{} {}",
            day(self.days.0),
            day(self.days.1),
            self.start.format("%H:%M"),
            self.end.format("%H:%M"),
            self.zone
        )
    }
}
