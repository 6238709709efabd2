//! The link's filters and its rolling sync window, evaluated on the logical event.

use crate::domain::{
    Component, Event, EventTime, Filters, Transparency, first_occurrence_at_or_after, resolve_zone,
};
use chrono::{DateTime, TimeDelta, TimeZone, Utc};

/// Whether the link's filters let this original be copied.
pub(crate) fn passes_filters(event: &Event, filters: &Filters, owner_emails: &[String]) -> bool {
    let Some(primary) = event.primary() else {
        return false;
    };
    if filters.skip_all_day && event.is_all_day() {
        return false;
    }
    if filters.skip_free && primary.transparency == Transparency::Transparent {
        return false;
    }
    if filters.skip_declined && declined_by_owner(primary, owner_emails) {
        return false;
    }
    let title = primary.summary.as_deref().unwrap_or("");
    if let Some(include) = &filters.include_title
        && !include.is_match(title)
    {
        return false;
    }
    if let Some(exclude) = &filters.exclude_title
        && exclude.is_match(title)
    {
        return false;
    }
    true
}

fn declined_by_owner(component: &Component, owner_emails: &[String]) -> bool {
    component.attendees.iter().any(|attendee| {
        attendee.partstat.as_deref() == Some("DECLINED")
            && owner_emails
                .iter()
                .any(|own| own.eq_ignore_ascii_case(&attendee.email))
    })
}

/// Where an event stands relative to the window `[start, end]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WindowFit {
    Inside,
    /// Entirely after the window: it will enter it as time passes.
    Later,
    /// Entirely before the window: it will never enter it again.
    Past,
}

pub(crate) fn window_fit(event: &Event, window: (DateTime<Utc>, DateTime<Utc>)) -> WindowFit {
    let mut later = false;
    for component in event.components() {
        match component_fit(component, window) {
            WindowFit::Inside => return WindowFit::Inside,
            WindowFit::Later => later = true,
            WindowFit::Past => {}
        }
    }
    if later {
        WindowFit::Later
    } else {
        WindowFit::Past
    }
}

fn component_fit(component: &Component, (from, to): (DateTime<Utc>, DateTime<Utc>)) -> WindowFit {
    let Some(start) = &component.start else {
        return WindowFit::Past;
    };
    let start_at = start.to_utc_lenient();
    let duration = span(component, start_at);
    if component.recurrence.is_empty() || component.recurrence_id.is_some() {
        return if start_at > to {
            WindowFit::Later
        } else if start_at + duration < from {
            WindowFit::Past
        } else {
            WindowFit::Inside
        };
    }
    match occurrence_fit(component, start, duration, (from, to)) {
        Some(fit) => fit,
        // A rule we cannot evaluate is treated as relevant: copying too much is recoverable,
        // silently never copying is not.
        None => WindowFit::Inside,
    }
}

/// How long one occurrence lasts; at least a moment, a day for a date without an end.
fn span(component: &Component, start_at: DateTime<Utc>) -> TimeDelta {
    let end = component.end.as_ref().map(EventTime::to_utc_lenient);
    match (end, &component.start) {
        (Some(end), _) if end > start_at => end - start_at,
        (_, Some(EventTime::Date { .. })) => TimeDelta::days(1),
        _ => TimeDelta::zero(),
    }
}

fn occurrence_fit(
    component: &Component,
    start: &EventTime,
    duration: TimeDelta,
    (from, to): (DateTime<Utc>, DateTime<Utc>),
) -> Option<WindowFit> {
    let zone = match start {
        EventTime::Zoned { tzid, .. } => resolve_zone(tzid).unwrap_or(chrono_tz::UTC),
        _ => chrono_tz::UTC,
    };
    let rrule_zone = rrule::Tz::Tz(zone);
    let in_zone = |time: &EventTime| -> DateTime<rrule::Tz> {
        time.to_utc_lenient().with_timezone(&rrule_zone)
    };
    let mut set = rrule::RRuleSet::new(in_zone(start));
    if let Some(rule) = &component.recurrence.rrule {
        let rule: rrule::RRule<rrule::Unvalidated> = rule.parse().ok()?;
        set = set.rrule(rule.validate(in_zone(start)).ok()?);
    }
    for rdate in &component.recurrence.rdates {
        set = set.rdate(in_zone(rdate));
    }
    for exdate in &component.recurrence.exdates {
        set = set.exdate(in_zone(exdate));
    }
    let from_z = rrule_zone.from_utc_datetime(&(from - duration).naive_utc());
    let to_z = rrule_zone.from_utc_datetime(&to.naive_utc());
    // A rule too dense to walk up to the window (every second for a century) is one we
    // cannot evaluate: `None`, so it counts as relevant.
    Some(match first_occurrence_at_or_after(set, &from_z).ok()? {
        Some(at) if at <= to_z => WindowFit::Inside,
        Some(_) => WindowFit::Later,
        None => WindowFit::Past,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Participant, Recurrence, TitlePattern};
    use chrono::NaiveDate;
    use std::collections::BTreeMap;

    fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, 0, 0, 0).unwrap()
    }

    fn event(start: DateTime<Utc>, rrule: Option<&str>) -> Event {
        Event {
            uid: "u".into(),
            master: Some(Component {
                summary: Some("Standup".into()),
                start: Some(EventTime::utc(start)),
                end: Some(EventTime::utc(start + TimeDelta::hours(1))),
                recurrence: Recurrence {
                    rrule: rrule.map(str::to_string),
                    ..Recurrence::default()
                },
                ..Component::default()
            }),
            overrides: BTreeMap::new(),
            origin: None,
            owner_link: None,
            timezones: vec![],
        }
    }

    const WINDOW: fn() -> (DateTime<Utc>, DateTime<Utc>) = || (at(2026, 1, 1), at(2026, 7, 1));

    #[test]
    fn single_events_fit_by_their_span() {
        assert_eq!(
            window_fit(&event(at(2026, 3, 1), None), WINDOW()),
            WindowFit::Inside
        );
        assert_eq!(
            window_fit(&event(at(2027, 3, 1), None), WINDOW()),
            WindowFit::Later
        );
        assert_eq!(
            window_fit(&event(at(2025, 3, 1), None), WINDOW()),
            WindowFit::Past
        );
    }

    #[test]
    fn an_old_weekly_series_still_running_is_inside() {
        let series = event(at(2020, 1, 6), Some("FREQ=WEEKLY;BYDAY=MO"));
        assert_eq!(window_fit(&series, WINDOW()), WindowFit::Inside);
        let ended = event(at(2020, 1, 6), Some("FREQ=WEEKLY;COUNT=3"));
        assert_eq!(window_fit(&ended, WINDOW()), WindowFit::Past);
        let future = event(at(2027, 1, 4), Some("FREQ=WEEKLY;COUNT=3"));
        assert_eq!(window_fit(&future, WINDOW()), WindowFit::Later);
    }

    #[test]
    fn an_unreadable_rule_counts_as_inside() {
        let odd = event(at(2020, 1, 6), Some("FREQ=NEVER"));
        assert_eq!(window_fit(&odd, WINDOW()), WindowFit::Inside);
    }

    #[test]
    fn a_rule_too_dense_to_walk_to_the_window_counts_as_inside_quickly() {
        let started = std::time::Instant::now();
        let every_second = event(at(1926, 1, 1), Some("FREQ=SECONDLY"));
        assert_eq!(window_fit(&every_second, WINDOW()), WindowFit::Inside);
        let billion = event(at(1926, 1, 1), Some("FREQ=MINUTELY;COUNT=1000000000"));
        assert_eq!(window_fit(&billion, WINDOW()), WindowFit::Inside);
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
        // A dense rule that ends within the bound is still read exactly.
        let short = event(at(2025, 1, 1), Some("FREQ=SECONDLY;COUNT=1000"));
        assert_eq!(window_fit(&short, WINDOW()), WindowFit::Past);
    }

    #[test]
    fn all_day_dates_last_a_day() {
        let mut day = event(at(2025, 12, 31), None);
        let master = day.master.as_mut().unwrap();
        master.start = Some(EventTime::Date {
            date: NaiveDate::from_ymd_opt(2025, 12, 31).unwrap(),
        });
        master.end = None;
        assert_eq!(
            window_fit(&day, (at(2025, 12, 31), at(2026, 1, 2))),
            WindowFit::Inside
        );
    }

    #[test]
    fn filters_skip_what_they_say() {
        let mut e = event(at(2026, 3, 1), None);
        let all = Filters::default();
        assert!(passes_filters(&e, &all, &[]));
        let exclude = Filters {
            exclude_title: Some(TitlePattern::parse("(?i)standup").unwrap()),
            ..Filters::default()
        };
        assert!(!passes_filters(&e, &exclude, &[]));
        let include = Filters {
            include_title: Some(TitlePattern::parse("^Review").unwrap()),
            ..Filters::default()
        };
        assert!(!passes_filters(&e, &include, &[]));
        let master = e.master.as_mut().unwrap();
        master.transparency = Transparency::Transparent;
        master.attendees.push(Participant {
            email: "me@x.org".into(),
            name: None,
            partstat: Some("DECLINED".into()),
            role: None,
        });
        let skip_free = Filters {
            skip_free: true,
            ..Filters::default()
        };
        assert!(!passes_filters(&e, &skip_free, &[]));
        let skip_declined = Filters {
            skip_declined: true,
            ..Filters::default()
        };
        assert!(!passes_filters(
            &e,
            &skip_declined,
            &["ME@x.org".to_string()]
        ));
        assert!(passes_filters(
            &e,
            &skip_declined,
            &["other@x.org".to_string()]
        ));
    }
}
