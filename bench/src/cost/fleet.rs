//! The cost per calendar at two deployment sizes, split into what a deployment pays whatever
//! its size (the scheduler's ticks, EventBridge, one SQS message and one sync invocation per
//! phase step that has work, their logs) and what each further calendar adds (its share of the
//! invocations' time and of the requests). Per-calendar figures of a small deployment are
//! mostly the first part spread over few calendars.

use crate::measure::Figure;
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct Fleet {
    /// The scenario both sizes ran.
    pub scenario: &'static str,
    pub calendars: [usize; 2],
    pub per_calendar_month: [Figure; 2],
    pub marginal_per_calendar_month: Figure,
    pub fixed_per_deployment_month: Figure,
}

/// The straight line through (calendars, monthly total) of both sizes.
pub fn split(scenario: &'static str, small: (usize, f64), large: (usize, f64)) -> Fleet {
    let total = |(calendars, per_calendar): (usize, f64)| calendars as f64 * per_calendar;
    let marginal = (total(large) - total(small)) / (large.0 - small.0) as f64;
    let fixed = total(small) - marginal * small.0 as f64;
    let how = format!(
        "{scenario} at {} and {} calendars: the line through both monthly totals",
        small.0, large.0
    );
    let per_calendar = |(calendars, value): (usize, f64)| {
        Figure::of(
            value,
            "$/calendar-month",
            5,
            format!("{scenario} with {calendars} calendars"),
        )
    };
    Fleet {
        scenario,
        calendars: [small.0, large.0],
        per_calendar_month: [per_calendar(small), per_calendar(large)],
        marginal_per_calendar_month: Figure::of(marginal, "$/calendar-month", 5, how.clone()),
        fixed_per_deployment_month: Figure::of(fixed, "$/month", 3, how),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fixed_cost_spread_over_more_calendars_is_separated_from_the_marginal_one() {
        // $1 a month fixed + $0.002 per calendar.
        let at = |n: usize| (n, (1.0 + 0.002 * n as f64) / n as f64);
        let fleet = split("polling_15s", at(40), at(400));
        assert!((fleet.marginal_per_calendar_month.value - 0.002).abs() < 1e-9);
        assert!((fleet.fixed_per_deployment_month.value - 1.0).abs() < 1e-9);
    }
}
