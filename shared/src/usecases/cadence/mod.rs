//! Adaptive polling: how often each polled calendar is checked.
//!
//! A calendar that changed recently is likely to change again soon (someone is planning),
//! and one changed during its owner's working hours more than at night. So calendars are
//! checked at one of three paces: active (every ~4 s), working hours (~10 s) and idle
//! (~60 s). The budget stays the fixed poller's: on average at most one check per calendar
//! per `budget` (15 s). Two mechanisms keep it:
//! - [`CadencePolicy::intervals`] shares the budget among a population of calendars at every
//!   moment: idle calendars leave room that active ones use; when too many are active at
//!   once, they are slowed down evenly (never below the idle pace).
//! - [`PollBudget`], for runtimes that keep state between rounds (the embedded scheduler):
//!   quiet hours save checks that later bursts may spend, so even a single active calendar
//!   gets the fast pace while the long-run average stays within budget.

mod budget;
mod poller;
mod working_hours;

pub use budget::PollBudget;
pub use poller::AdaptivePoller;
pub use working_hours::{WorkingHours, WorkingHoursError};

use crate::domain::CalendarId;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::Duration;

/// Why a calendar is checked as often as it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Pace {
    /// Changed within the last `active_for`.
    Active,
    /// Inside its owner's working hours.
    Working,
    Idle,
    /// Adaptive polling is off: every calendar every `budget`.
    Fixed,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CadencePolicy {
    pub adaptive: bool,
    /// The average: at most one check per calendar per this long.
    pub budget: Duration,
    pub active: Duration,
    pub working: Duration,
    pub idle: Duration,
    /// How long after a change a calendar counts as active.
    pub active_for: Duration,
    pub working_hours: Option<WorkingHours>,
}

impl Default for CadencePolicy {
    fn default() -> Self {
        Self::around(Duration::from_secs(15), None)
    }
}

impl CadencePolicy {
    /// The paces scaled to an average of one check per `budget`: 15 s gives 4 s / 10 s / 60 s.
    pub fn around(budget: Duration, working_hours: Option<WorkingHours>) -> Self {
        let budget = budget.max(Duration::from_secs(1));
        Self {
            adaptive: true,
            budget,
            active: (budget * 4 / 15).max(Duration::from_secs(1)),
            working: (budget * 2 / 3).max(Duration::from_secs(1)),
            idle: budget * 4,
            active_for: Duration::from_secs(15 * 60),
            working_hours,
        }
    }

    /// Every calendar every `budget`, whatever it does.
    pub fn fixed(budget: Duration) -> Self {
        Self {
            adaptive: false,
            ..Self::around(budget, None)
        }
    }

    pub fn pace(&self, now: DateTime<Utc>, last_changed: Option<DateTime<Utc>>) -> Pace {
        if !self.adaptive {
            return Pace::Fixed;
        }
        let recently = last_changed.is_some_and(|at| {
            (now - at)
                .to_std()
                .map_or(true, |since| since < self.active_for)
        });
        if recently {
            Pace::Active
        } else if self.working_hours.as_ref().is_some_and(|h| h.contains(now)) {
            Pace::Working
        } else {
            Pace::Idle
        }
    }

    /// The interval a calendar at `pace` asks for when the budget allows it.
    pub fn wanted(&self, pace: Pace) -> Duration {
        match pace {
            Pace::Active => self.active,
            Pace::Working => self.working,
            Pace::Idle => self.idle,
            Pace::Fixed => self.budget,
        }
    }

    /// Each calendar's pace and interval, such that the population's checks per second stay
    /// within `calendars / budget + spare_per_second`. Active calendars are served first,
    /// then working-hours ones; idle ones always get the idle pace.
    pub fn intervals(
        &self,
        now: DateTime<Utc>,
        calendars: &[(CalendarId, Option<DateTime<Utc>>)],
        spare_per_second: f64,
    ) -> BTreeMap<CalendarId, (Pace, Duration)> {
        let paces: Vec<(&CalendarId, Pace)> = calendars
            .iter()
            .map(|(id, last_changed)| (id, self.pace(now, *last_changed)))
            .collect();
        let count = |wanted: Pace| paces.iter().filter(|(_, pace)| *pace == wanted).count() as f64;
        let rate = |every: Duration| 1.0 / every.as_secs_f64();
        let (active, working, idle) =
            (count(Pace::Active), count(Pace::Working), count(Pace::Idle));
        let mut allowance = calendars.len() as f64 * rate(self.budget) + spare_per_second.max(0.0)
            - idle * rate(self.idle);
        // Every calendar is owed at least the idle pace; what is left goes to the fast ones.
        let mut share = |wanting: f64, wanted: Duration, later: f64| {
            let floor = later * rate(self.idle);
            let rate_each = ((allowance - floor) / wanting).clamp(rate(self.idle), rate(wanted));
            allowance -= rate_each * wanting;
            Duration::from_secs_f64(1.0 / rate_each)
        };
        let active_every = (active > 0.0).then(|| share(active, self.active, working));
        let working_every = (working > 0.0).then(|| share(working, self.working, 0.0));
        paces
            .into_iter()
            .map(|(id, pace)| {
                let every = match pace {
                    Pace::Active => active_every.unwrap_or(self.active),
                    Pace::Working => working_every.unwrap_or(self.working),
                    Pace::Idle => self.idle,
                    Pace::Fixed => self.budget,
                };
                (id.clone(), (pace, every))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests;
