//! Walking a recurrence set's occurrences with a bound on the work done.
//!
//! The rrule crate bounds only its search for the *next* occurrence (100,000 loops, for rules
//! whose BYxxx parts never match). Nothing bounds the steps from DTSTART up to the window that
//! is asked for: its `after()` filters what it yields, it does not skip ahead, so
//! `FREQ=SECONDLY` from a DTSTART a hundred years back is three billion steps. A rule is
//! untrusted input (any server, any client), so every expansion goes through here.

use chrono::DateTime;
use rrule::{RRuleSet, Tz};

/// Occurrences one walk may step through. 100,000 covers a daily series started 270 years
/// before the window, an hourly one 11 years, a weekly one for ever; and takes a few
/// milliseconds.
pub const MAX_OCCURRENCE_STEPS: usize = 100_000;

/// The walk stopped after [`MAX_OCCURRENCE_STEPS`] occurrences without an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "the recurrence has more than {MAX_OCCURRENCE_STEPS} occurrences before the range asked for"
)]
pub struct TooManyOccurrences;

/// The first occurrence at or after `from`; `None` when the set ends before it.
pub fn first_at_or_after(
    set: RRuleSet,
    from: &DateTime<Tz>,
) -> Result<Option<DateTime<Tz>>, TooManyOccurrences> {
    let mut first = None;
    walk(set, |at| {
        if at >= *from {
            first = Some(at);
            return false;
        }
        true
    })?;
    Ok(first)
}

/// The occurrences in `[from, to]`, at most `limit` of them.
pub fn between(
    set: RRuleSet,
    (from, to): (&DateTime<Tz>, &DateTime<Tz>),
    limit: usize,
) -> Result<Vec<DateTime<Tz>>, TooManyOccurrences> {
    let mut found = Vec::new();
    walk(set, |at| {
        if at > *to {
            return false;
        }
        if at >= *from {
            found.push(at);
        }
        found.len() < limit
    })?;
    Ok(found)
}

/// Feeds occurrences in ascending order to `visit` until it returns `false` or the set ends.
fn walk(
    set: RRuleSet,
    mut visit: impl FnMut(DateTime<Tz>) -> bool,
) -> Result<(), TooManyOccurrences> {
    // `limit()` turns on the crate's own bound on the search for each next occurrence.
    for (step, at) in set.limit().into_iter().enumerate() {
        if step >= MAX_OCCURRENCE_STEPS {
            return Err(TooManyOccurrences);
        }
        if !visit(at) {
            break;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use std::time::{Duration, Instant};

    fn utc(y: i32, m: u32, d: u32) -> DateTime<Tz> {
        Tz::UTC.with_ymd_and_hms(y, m, d, 0, 0, 0).unwrap()
    }

    fn set(start: DateTime<Tz>, rule: &str) -> RRuleSet {
        let rule: rrule::RRule<rrule::Unvalidated> = rule.parse().unwrap();
        RRuleSet::new(start).rrule(rule.validate(start).unwrap())
    }

    #[test]
    fn a_daily_series_finds_its_first_occurrence_in_the_window() {
        let first = first_at_or_after(set(utc(2020, 1, 1), "FREQ=DAILY"), &utc(2026, 3, 1));
        assert_eq!(first, Ok(Some(utc(2026, 3, 1))));
        let ended = first_at_or_after(set(utc(2020, 1, 1), "FREQ=DAILY;COUNT=3"), &utc(2026, 3, 1));
        assert_eq!(ended, Ok(None));
    }

    #[test]
    fn every_second_for_a_hundred_years_stops_at_the_bound_quickly() {
        let started = Instant::now();
        let far = first_at_or_after(set(utc(1926, 1, 1), "FREQ=SECONDLY"), &utc(2026, 1, 1));
        assert_eq!(far, Err(TooManyOccurrences));
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );
    }

    #[test]
    fn between_keeps_the_range_and_the_limit() {
        let daily = set(utc(2026, 1, 1), "FREQ=DAILY");
        let found = between(daily.clone(), (&utc(2026, 1, 10), &utc(2026, 1, 12)), 10).unwrap();
        assert_eq!(
            found,
            [utc(2026, 1, 10), utc(2026, 1, 11), utc(2026, 1, 12)]
        );
        let capped = between(daily, (&utc(2026, 1, 10), &utc(2026, 2, 10)), 2).unwrap();
        assert_eq!(capped.len(), 2);
    }
}
