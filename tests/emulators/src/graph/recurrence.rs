//! Expanding a `patternedRecurrence` into occurrence dates, as Outlook does: the pattern
//! (daily, weekly, absolute/relative monthly and yearly) from the range's start date, up to
//! its end date or number of occurrences.

use chrono::{Datelike, Days, NaiveDate, Weekday};
use serde_json::Value;

/// Twenty years of days: an unbounded series is never expanded further.
const MAX_DAYS: u64 = 366 * 20;

fn weekday(name: &str) -> Option<Weekday> {
    Some(match name.to_ascii_lowercase().as_str() {
        "monday" => Weekday::Mon,
        "tuesday" => Weekday::Tue,
        "wednesday" => Weekday::Wed,
        "thursday" => Weekday::Thu,
        "friday" => Weekday::Fri,
        "saturday" => Weekday::Sat,
        "sunday" => Weekday::Sun,
        _ => return None,
    })
}

fn date(value: &Value) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(value.as_str()?, "%Y-%m-%d").ok()
}

/// Whether a pattern is one Graph knows, with the fields its type needs.
pub fn validate(recurrence: &Value) -> Result<(), String> {
    let pattern = &recurrence["pattern"];
    let kind = pattern["type"].as_str().unwrap_or_default();
    let known = [
        "daily",
        "weekly",
        "absoluteMonthly",
        "relativeMonthly",
        "absoluteYearly",
        "relativeYearly",
    ];
    if !known.contains(&kind) {
        return Err(format!("unknown recurrence pattern type {kind:?}"));
    }
    if date(&recurrence["range"]["startDate"]).is_none() {
        return Err("recurrence range needs a startDate".into());
    }
    if matches!(kind, "weekly" | "relativeMonthly" | "relativeYearly")
        && pattern["daysOfWeek"].as_array().is_none_or(Vec::is_empty)
    {
        return Err(format!("{kind} recurrence needs daysOfWeek"));
    }
    Ok(())
}

/// The occurrence dates up to `until` (inclusive).
pub fn dates(recurrence: &Value, until: NaiveDate) -> Vec<NaiveDate> {
    let pattern = &recurrence["pattern"];
    let range = &recurrence["range"];
    let Some(start) = date(&range["startDate"]) else {
        return Vec::new();
    };
    let kind = pattern["type"].as_str().unwrap_or("daily");
    let interval = pattern["interval"].as_u64().unwrap_or(1).max(1) as i64;
    let days: Vec<Weekday> = pattern["daysOfWeek"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|d| d.as_str().and_then(weekday))
                .collect()
        })
        .unwrap_or_default();
    let day_of_month = pattern["dayOfMonth"].as_u64().unwrap_or(0) as u32;
    let month = pattern["month"].as_u64().unwrap_or(0) as u32;
    let index = pattern["index"].as_str().unwrap_or("first");
    let first_day = pattern["firstDayOfWeek"]
        .as_str()
        .and_then(weekday)
        .unwrap_or(Weekday::Sun);
    let end = match range["type"].as_str() {
        Some("endDate") => date(&range["endDate"]),
        _ => None,
    };
    let count = match range["type"].as_str() {
        Some("numbered") => range["numberOfOccurrences"].as_u64().map(|n| n as usize),
        _ => None,
    };
    let week_start = |d: NaiveDate| {
        let back = (7 + d.weekday().num_days_from_monday() - first_day.num_days_from_monday()) % 7;
        d - Days::new(u64::from(back))
    };
    let months = |d: NaiveDate| {
        (d.year() - start.year()) as i64 * 12 + d.month() as i64 - start.month() as i64
    };
    let years = |d: NaiveDate| (d.year() - start.year()) as i64;
    let nth = |d: NaiveDate| {
        if !days.contains(&d.weekday()) {
            return false;
        }
        let matching: Vec<NaiveDate> = (1..=31)
            .filter_map(|n| NaiveDate::from_ymd_opt(d.year(), d.month(), n))
            .filter(|c| days.contains(&c.weekday()))
            .collect();
        let pick = match index {
            "second" => matching.get(1),
            "third" => matching.get(2),
            "fourth" => matching.get(3),
            "last" => matching.last(),
            _ => matching.first(),
        };
        pick == Some(&d)
    };
    let matches = |d: NaiveDate| match kind {
        "daily" => (d - start).num_days() % interval == 0,
        "weekly" => {
            days.contains(&d.weekday())
                && ((week_start(d) - week_start(start)).num_days() / 7) % interval == 0
        }
        "absoluteMonthly" => d.day() == day_of_month && months(d) % interval == 0,
        "relativeMonthly" => nth(d) && months(d) % interval == 0,
        "absoluteYearly" => {
            d.month() == month && d.day() == day_of_month && years(d) % interval == 0
        }
        "relativeYearly" => d.month() == month && nth(d) && years(d) % interval == 0,
        _ => false,
    };
    let mut out = Vec::new();
    let mut day = start;
    for _ in 0..MAX_DAYS {
        if day > until || end.is_some_and(|e| day > e) || count.is_some_and(|c| out.len() >= c) {
            break;
        }
        if matches(day) {
            out.push(day);
        }
        day = day + Days::new(1);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn patterns_expand_as_outlook_does() {
        let weekly = json!({"pattern": {"type": "weekly", "interval": 2, "daysOfWeek": ["monday", "thursday"], "firstDayOfWeek": "sunday"},
                            "range": {"type": "numbered", "startDate": "2026-01-05", "numberOfOccurrences": 4}});
        assert_eq!(
            dates(&weekly, d("2027-01-01")),
            vec![
                d("2026-01-05"),
                d("2026-01-08"),
                d("2026-01-19"),
                d("2026-01-22")
            ]
        );
        let last_friday = json!({"pattern": {"type": "relativeMonthly", "interval": 1, "daysOfWeek": ["friday"], "index": "last"},
                                 "range": {"type": "endDate", "startDate": "2026-01-01", "endDate": "2026-03-31"}});
        assert_eq!(
            dates(&last_friday, d("2027-01-01")),
            vec![d("2026-01-30"), d("2026-02-27"), d("2026-03-27")]
        );
        let yearly = json!({"pattern": {"type": "absoluteYearly", "interval": 1, "dayOfMonth": 5, "month": 1},
                            "range": {"type": "noEnd", "startDate": "2026-01-05"}});
        assert_eq!(
            dates(&yearly, d("2027-12-31")),
            vec![d("2026-01-05"), d("2027-01-05")]
        );
    }
}
