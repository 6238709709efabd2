//! RRULE ⇄ Graph `patternedRecurrence` (https://learn.microsoft.com/graph/api/resources/patternedrecurrence).
//!
//! Graph expresses six pattern types with one range each. Rules outside them (hourly, BYHOUR,
//! BYWEEKNO, several month days, "every second-to-last Friday", COUNT and UNTIL together...)
//! are refused with a reason rather than written as a different series.

use super::wire::{PatternedRecurrence, RecurrencePattern, RecurrenceRange};
use chrono::{Datelike, NaiveDate, NaiveDateTime, TimeZone, Utc, Weekday};

const DAYS: [(&str, &str, Weekday); 7] = [
    ("MO", "monday", Weekday::Mon),
    ("TU", "tuesday", Weekday::Tue),
    ("WE", "wednesday", Weekday::Wed),
    ("TH", "thursday", Weekday::Thu),
    ("FR", "friday", Weekday::Fri),
    ("SA", "saturday", Weekday::Sat),
    ("SU", "sunday", Weekday::Sun),
];
const INDEXES: [(i32, &str); 5] = [
    (1, "first"),
    (2, "second"),
    (3, "third"),
    (4, "fourth"),
    (-1, "last"),
];

/// Where the series starts, in its own zone.
#[derive(Debug, Clone, Copy)]
pub struct SeriesStart {
    pub local: NaiveDateTime,
    pub zone: chrono_tz::Tz,
}

#[derive(Default)]
struct Rule {
    freq: String,
    interval: u32,
    count: Option<u32>,
    until: Option<String>,
    by_day: Vec<(Option<i32>, String)>,
    by_month_day: Vec<i32>,
    by_month: Vec<u32>,
    by_set_pos: Vec<i32>,
    wkst: Option<String>,
}

fn parse(rrule: &str) -> Result<Rule, String> {
    let mut rule = Rule {
        interval: 1,
        ..Rule::default()
    };
    let number = |key: &str, value: &str| -> Result<i32, String> {
        value
            .trim()
            .parse()
            .map_err(|_| format!("RRULE {key} is not a number"))
    };
    for part in rrule.split(';').filter(|p| !p.is_empty()) {
        let (key, value) = part.split_once('=').ok_or("RRULE part without '='")?;
        let key = key.trim().to_ascii_uppercase();
        let value = value.trim().to_ascii_uppercase();
        match key.as_str() {
            "FREQ" => rule.freq = value,
            "INTERVAL" => rule.interval = number(&key, &value)?.max(1).unsigned_abs(),
            "COUNT" => rule.count = Some(number(&key, &value)?.max(0).unsigned_abs()),
            "UNTIL" => rule.until = Some(value),
            "WKST" => rule.wkst = Some(value),
            "BYDAY" => {
                for day in value.split(',') {
                    let split = day.len().saturating_sub(2);
                    let (ordinal, name) = day.split_at(split);
                    let ordinal = if ordinal.is_empty() {
                        None
                    } else {
                        Some(number(&key, ordinal.trim_start_matches('+'))?)
                    };
                    rule.by_day.push((ordinal, name.to_string()));
                }
            }
            "BYMONTHDAY" => {
                for day in value.split(',') {
                    rule.by_month_day.push(number(&key, day)?);
                }
            }
            "BYMONTH" => {
                for month in value.split(',') {
                    rule.by_month
                        .push(number(&key, month)?.max(0).unsigned_abs());
                }
            }
            "BYSETPOS" => {
                for pos in value.split(',') {
                    rule.by_set_pos.push(number(&key, pos)?);
                }
            }
            other => return Err(format!("Graph recurrence cannot express RRULE {other}")),
        }
    }
    Ok(rule)
}

fn graph_day(ical: &str) -> Result<String, String> {
    DAYS.iter()
        .find(|(code, _, _)| *code == ical)
        .map(|(_, name, _)| (*name).to_string())
        .ok_or_else(|| format!("unknown RRULE weekday {ical:?}"))
}

fn ical_day(graph: &str) -> Result<&'static str, String> {
    DAYS.iter()
        .find(|(_, name, _)| name.eq_ignore_ascii_case(graph))
        .map(|(code, _, _)| *code)
        .ok_or_else(|| format!("unknown Graph weekday {graph:?}"))
}

fn weekday_code(day: Weekday) -> &'static str {
    DAYS.iter()
        .find(|(_, _, d)| *d == day)
        .map(|(code, _, _)| *code)
        .unwrap_or("MO")
}

fn index_name(ordinal: i32) -> Result<String, String> {
    INDEXES
        .iter()
        .find(|(n, _)| *n == ordinal)
        .map(|(_, name)| (*name).to_string())
        .ok_or_else(|| format!("Graph recurrence cannot express the ordinal {ordinal}"))
}

fn plain_days(rule: &Rule) -> Result<Vec<String>, String> {
    rule.by_day
        .iter()
        .map(|(ordinal, day)| match ordinal {
            None => graph_day(day),
            Some(_) => Err("Graph recurrence cannot express ordinal weekdays here".into()),
        })
        .collect()
}

/// Monthly/yearly "n-th weekday(s)": `BYDAY=2TU` or `BYDAY=MO,TU;BYSETPOS=-1`.
fn relative(rule: &Rule) -> Result<(Vec<String>, String), String> {
    match (rule.by_day.as_slice(), rule.by_set_pos.as_slice()) {
        ([(Some(ordinal), day)], []) => Ok((vec![graph_day(day)?], index_name(*ordinal)?)),
        (days, [position]) if !days.is_empty() => Ok((plain_days(rule)?, index_name(*position)?)),
        _ => Err("Graph recurrence cannot express this BYDAY/BYSETPOS combination".into()),
    }
}

fn single<T: Copy>(values: &[T], default: T, what: &str) -> Result<T, String> {
    match values {
        [] => Ok(default),
        [one] => Ok(*one),
        _ => Err(format!("Graph recurrence cannot express several {what}")),
    }
}

/// The Graph form of `rrule` for a series starting at `start`; `zone_name` is what Graph is
/// told the series' zone is.
pub fn to_graph(
    rrule: &str,
    start: SeriesStart,
    zone_name: &str,
) -> Result<PatternedRecurrence, String> {
    let rule = parse(rrule)?;
    let date = start.local.date();
    let mut pattern = RecurrencePattern {
        interval: rule.interval,
        ..RecurrencePattern::default()
    };
    let has_month_parts = !rule.by_month.is_empty() || !rule.by_month_day.is_empty();
    match rule.freq.as_str() {
        "DAILY" if rule.by_day.is_empty() && !has_month_parts && rule.by_set_pos.is_empty() => {
            pattern.kind = "daily".into();
        }
        // "Every weekday" is a weekly pattern in Outlook.
        "DAILY" if rule.interval == 1 && !has_month_parts && rule.by_set_pos.is_empty() => {
            pattern.kind = "weekly".into();
            pattern.days_of_week = plain_days(&rule)?;
        }
        "WEEKLY" if !has_month_parts && rule.by_set_pos.is_empty() => {
            pattern.kind = "weekly".into();
            pattern.days_of_week = if rule.by_day.is_empty() {
                vec![graph_day(weekday_code(date.weekday()))?]
            } else {
                plain_days(&rule)?
            };
        }
        "MONTHLY" if rule.by_month.is_empty() => {
            if rule.by_day.is_empty() && rule.by_set_pos.is_empty() {
                pattern.kind = "absoluteMonthly".into();
                pattern.day_of_month = month_day(&rule, date)?;
            } else if rule.by_month_day.is_empty() {
                pattern.kind = "relativeMonthly".into();
                (pattern.days_of_week, pattern.index) =
                    relative(&rule).map(|(d, i)| (d, Some(i)))?;
            } else {
                return Err("Graph recurrence cannot combine BYDAY and BYMONTHDAY".into());
            }
        }
        "YEARLY" => {
            pattern.month = single(&rule.by_month, date.month(), "months")?;
            if rule.by_day.is_empty() && rule.by_set_pos.is_empty() {
                pattern.kind = "absoluteYearly".into();
                pattern.day_of_month = month_day(&rule, date)?;
            } else if rule.by_month_day.is_empty() {
                pattern.kind = "relativeYearly".into();
                (pattern.days_of_week, pattern.index) =
                    relative(&rule).map(|(d, i)| (d, Some(i)))?;
            } else {
                return Err("Graph recurrence cannot combine BYDAY and BYMONTHDAY".into());
            }
        }
        other => {
            return Err(format!(
                "Graph recurrence cannot express FREQ={other} with these parts"
            ));
        }
    }
    if pattern.kind == "weekly" {
        pattern.first_day_of_week = Some(graph_day(rule.wkst.as_deref().unwrap_or("MO"))?);
    }
    let mut range = RecurrenceRange {
        start_date: date.format("%Y-%m-%d").to_string(),
        recurrence_time_zone: Some(zone_name.to_string()),
        ..RecurrenceRange::default()
    };
    match (rule.count, &rule.until) {
        (Some(_), Some(_)) => return Err("RRULE has both COUNT and UNTIL".into()),
        (Some(count), None) => {
            range.kind = "numbered".into();
            range.number_of_occurrences = count.max(1);
        }
        (None, Some(until)) => {
            range.kind = "endDate".into();
            range.end_date = Some(
                until_date(until, start.zone)?
                    .format("%Y-%m-%d")
                    .to_string(),
            );
        }
        (None, None) => range.kind = "noEnd".into(),
    }
    Ok(PatternedRecurrence { pattern, range })
}

fn month_day(rule: &Rule, date: NaiveDate) -> Result<u32, String> {
    let day = single(&rule.by_month_day, date.day() as i32, "month days")?;
    if (1..=31).contains(&day) {
        Ok(day.unsigned_abs())
    } else {
        Err(format!("Graph recurrence cannot express BYMONTHDAY={day}"))
    }
}

/// UNTIL as a date in the series' zone (UTC values are converted; dates kept).
fn until_date(until: &str, zone: chrono_tz::Tz) -> Result<NaiveDate, String> {
    let invalid = || "RRULE UNTIL is not a date or date-time".to_string();
    if let Some(utc) = until.strip_suffix('Z') {
        let at = NaiveDateTime::parse_from_str(utc, "%Y%m%dT%H%M%S").map_err(|_| invalid())?;
        return Ok(Utc.from_utc_datetime(&at).with_timezone(&zone).date_naive());
    }
    if until.len() == 8 {
        return NaiveDate::parse_from_str(until, "%Y%m%d").map_err(|_| invalid());
    }
    NaiveDateTime::parse_from_str(until, "%Y%m%dT%H%M%S")
        .map(|at| at.date())
        .map_err(|_| invalid())
}

/// The RRULE (calcard's canonical part order) of a Graph series starting at `start`.
/// `all_day` series get a date UNTIL; others the last possible start, in UTC.
pub fn from_graph(
    recurrence: &PatternedRecurrence,
    start: SeriesStart,
    all_day: bool,
) -> Result<String, String> {
    let pattern = &recurrence.pattern;
    let interval = pattern.interval.max(1);
    let days = || -> Result<String, String> {
        let mut codes: Vec<&str> = pattern
            .days_of_week
            .iter()
            .map(|d| ical_day(d))
            .collect::<Result<_, _>>()?;
        codes.sort_by_key(|code| DAYS.iter().position(|(c, _, _)| c == code));
        Ok(codes.join(","))
    };
    let index = || -> Result<i32, String> {
        let name = pattern.index.as_deref().unwrap_or("first");
        INDEXES
            .iter()
            .find(|(_, n)| n.eq_ignore_ascii_case(name))
            .map(|(n, _)| *n)
            .ok_or_else(|| format!("unknown Graph week index {name:?}"))
    };
    // calcard's part order: BYDAY, BYMONTHDAY, BYMONTH, BYSETPOS.
    let relative_days = |month: Option<u32>| -> Result<String, String> {
        let month = month.map(|m| format!(";BYMONTH={m}")).unwrap_or_default();
        Ok(if pattern.days_of_week.len() == 1 {
            format!("BYDAY={}{}{month}", index()?, days()?)
        } else {
            format!("BYDAY={}{month};BYSETPOS={}", days()?, index()?)
        })
    };
    let (freq, parts) = match pattern.kind.as_str() {
        "daily" => ("DAILY", String::new()),
        "weekly" => ("WEEKLY", format!("BYDAY={}", days()?)),
        "absoluteMonthly" => ("MONTHLY", format!("BYMONTHDAY={}", pattern.day_of_month)),
        "relativeMonthly" => ("MONTHLY", relative_days(None)?),
        "absoluteYearly" => (
            "YEARLY",
            format!(
                "BYMONTHDAY={};BYMONTH={}",
                pattern.day_of_month, pattern.month
            ),
        ),
        "relativeYearly" => ("YEARLY", relative_days(Some(pattern.month))?),
        other => return Err(format!("unknown Graph recurrence pattern {other:?}")),
    };
    let mut rule = format!("FREQ={freq}");
    let range = &recurrence.range;
    match range.kind.as_str() {
        "numbered" => rule.push_str(&format!(";COUNT={}", range.number_of_occurrences.max(1))),
        "endDate" => {
            let end = range
                .end_date
                .as_deref()
                .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
                .ok_or("Graph endDate range without a valid endDate")?;
            if all_day {
                rule.push_str(&format!(";UNTIL={}", end.format("%Y%m%d")));
            } else {
                let last = end.and_time(start.local.time());
                let at = start
                    .zone
                    .from_local_datetime(&last)
                    .earliest()
                    .map(|at| at.with_timezone(&Utc))
                    .unwrap_or_else(|| Utc.from_utc_datetime(&last));
                rule.push_str(&format!(";UNTIL={}", at.format("%Y%m%dT%H%M%SZ")));
            }
        }
        _ => {}
    }
    if interval > 1 {
        rule.push_str(&format!(";INTERVAL={interval}"));
    }
    if !parts.is_empty() {
        rule.push(';');
        rule.push_str(&parts);
    }
    // WKST only changes anything for weekly rules with an interval; RFC 5545's default is MO.
    if freq == "WEEKLY" && interval > 1 {
        let first = pattern.first_day_of_week.as_deref().unwrap_or("sunday");
        let code = ical_day(first)?;
        if code != "MO" {
            rule.push_str(&format!(";WKST={code}"));
        }
    }
    Ok(rule)
}
