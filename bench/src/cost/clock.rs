//! Simulated time: the bench runs an hour of scheduler ticks in a few minutes, and the code
//! under test must see the simulated hour (a calendar's unchanged checks are recorded every
//! 10 minutes, leases expire, the scheduler plans by the tick's time). [`now`] is a plain
//! function so it fits `CloudRuntime::clock`: the simulated instant last set, plus the real
//! time since (work inside one simulated second still takes its real time).

use chrono::{DateTime, Utc};
use std::sync::Mutex;
use std::time::Instant;

static SIMULATED: Mutex<Option<(DateTime<Utc>, Instant)>> = Mutex::new(None);

/// From now on [`now`] starts at `at`.
pub fn set(at: DateTime<Utc>) {
    if let Ok(mut simulated) = SIMULATED.lock() {
        *simulated = Some((at, Instant::now()));
    }
}

/// The simulated now (the wall clock until [`set`] is called).
pub fn now() -> DateTime<Utc> {
    match SIMULATED.lock().ok().and_then(|simulated| *simulated) {
        Some((at, since)) => at + chrono::TimeDelta::from_std(since.elapsed()).unwrap_or_default(),
        None => Utc::now(),
    }
}
