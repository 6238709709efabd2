//! Checks saved in quiet times, spent in busy ones: a token bucket per poller.

use std::time::Duration;

/// Earns `calendars / budget` checks per second up to `capacity`; every check spends one.
/// A check beyond what the shared-moment allocation allows needs a saved token, so over any
/// long stretch the checks made stay within the budget plus the capacity.
#[derive(Debug, Clone, PartialEq)]
pub struct PollBudget {
    tokens: f64,
    capacity: f64,
    started: bool,
}

/// How much of the budget may be saved for later: a night's worth per calendar, so quiet
/// hours pay for the working day's faster checks.
const SAVED_PER_CALENDAR: Duration = Duration::from_secs(8 * 3600);
/// What a poller starts with: half an hour's worth per calendar, so the first minutes after a
/// start (calendars just linked, someone trying calsync out) get the fast pace too.
const STARTING_SAVINGS_PER_CALENDAR: Duration = Duration::from_secs(30 * 60);

impl PollBudget {
    /// Nothing saved until the first [`Self::earn`], which adds the starting savings.
    pub fn new() -> Self {
        Self {
            tokens: 0.0,
            capacity: 0.0,
            started: false,
        }
    }

    /// Adds what `calendars` polled calendars earned over `elapsed` at one check per `budget`.
    pub fn earn(&mut self, calendars: usize, budget: Duration, elapsed: Duration) {
        let per_calendar = 1.0 / budget.as_secs_f64().max(1.0);
        self.capacity = calendars as f64 * per_calendar * SAVED_PER_CALENDAR.as_secs_f64();
        let mut earned = elapsed;
        if !self.started && calendars > 0 {
            self.started = true;
            earned += STARTING_SAVINGS_PER_CALENDAR;
        }
        self.tokens = (self.tokens + calendars as f64 * per_calendar * earned.as_secs_f64())
            .min(self.capacity);
    }

    /// Spends one check; false (and nothing spent) when none is saved.
    pub fn try_spend(&mut self) -> bool {
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    /// Spends one check the moment's allocation allows anyway (may go into debt, which later
    /// earnings repay before any extra check is allowed).
    pub fn spend(&mut self) {
        self.tokens = (self.tokens - 1.0).max(-self.capacity);
    }

    pub fn saved(&self) -> f64 {
        self.tokens
    }
}

impl Default for PollBudget {
    fn default() -> Self {
        Self::new()
    }
}
