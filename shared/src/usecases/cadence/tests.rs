use super::*;
use chrono::TimeZone;
use proptest::prelude::*;

fn id(n: usize) -> CalendarId {
    CalendarId::try_from(format!("cal-{n}")).unwrap()
}

/// Saturday 2026-12-05 12:00 UTC: outside office hours everywhere.
fn saturday() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 5, 12, 0, 0).unwrap()
}

fn minutes_ago(now: DateTime<Utc>, minutes: i64) -> Option<DateTime<Utc>> {
    Some(now - chrono::TimeDelta::minutes(minutes))
}

fn checks_per_second(intervals: &BTreeMap<CalendarId, (Pace, Duration)>) -> f64 {
    intervals
        .values()
        .map(|(_, every)| 1.0 / every.as_secs_f64())
        .sum()
}

#[test]
fn the_default_paces_are_4_10_and_60_seconds_around_15() {
    let policy = CadencePolicy::default();
    assert_eq!(
        (policy.active, policy.working, policy.idle, policy.budget),
        (
            Duration::from_secs(4),
            Duration::from_secs(10),
            Duration::from_secs(60),
            Duration::from_secs(15)
        )
    );
}

#[test]
fn a_recent_change_makes_a_calendar_active_for_a_quarter_hour() {
    let policy = CadencePolicy::default();
    let now = saturday();
    assert_eq!(policy.pace(now, minutes_ago(now, 1)), Pace::Active);
    assert_eq!(policy.pace(now, minutes_ago(now, 14)), Pace::Active);
    assert_eq!(policy.pace(now, minutes_ago(now, 16)), Pace::Idle);
    assert_eq!(policy.pace(now, None), Pace::Idle);
    // A clock step backwards makes "last changed" lie in the future: treat it as recent.
    assert_eq!(policy.pace(now, minutes_ago(now, -5)), Pace::Active);
}

#[test]
fn working_hours_are_read_in_the_owners_time_zone() {
    let hours: WorkingHours = "Mon-Fri 08:00-18:00 Europe/Berlin".parse().unwrap();
    let policy = CadencePolicy::around(Duration::from_secs(15), Some(hours.clone()));
    // Monday 2026-12-07 07:30 UTC is 08:30 in Berlin (CET, UTC+1).
    let monday_morning = Utc.with_ymd_and_hms(2026, 12, 7, 7, 30, 0).unwrap();
    assert_eq!(policy.pace(monday_morning, None), Pace::Working);
    // 06:30 UTC is 07:30 in Berlin: not yet.
    let early = Utc.with_ymd_and_hms(2026, 12, 7, 6, 30, 0).unwrap();
    assert_eq!(policy.pace(early, None), Pace::Idle);
    assert_eq!(policy.pace(saturday(), None), Pace::Idle);
    assert_eq!(hours.to_string(), "Mon-Fri 08:00-18:00 Europe/Berlin");
}

#[test]
fn malformed_working_hours_say_what_is_wrong() {
    for (text, reason) in [
        ("Mon-Fri 08:00-18:00", "three parts"),
        ("Mon-Fry 08:00-18:00 UTC", "unknown last day"),
        ("Mon-Fri 18:00-08:00 UTC", "end before"),
        ("Mon-Fri 08:00-18:00 Mars/Olympus", "unknown time zone"),
        ("Mon-Fri 8h-18h UTC", "bad time"),
    ] {
        let error = text.parse::<WorkingHours>().unwrap_err().to_string();
        assert!(error.contains(reason), "{text}: {error}");
    }
}

#[test]
fn fixed_polling_checks_everything_every_budget() {
    let policy = CadencePolicy::fixed(Duration::from_secs(15));
    let now = saturday();
    let calendars = vec![(id(1), minutes_ago(now, 1)), (id(2), None)];
    let intervals = policy.intervals(now, &calendars, 0.0);
    assert!(
        intervals
            .values()
            .all(|(pace, every)| *pace == Pace::Fixed && *every == Duration::from_secs(15))
    );
}

#[test]
fn idle_calendars_pay_for_an_active_one() {
    let policy = CadencePolicy::default();
    let now = saturday();
    let mut calendars: Vec<_> = (0..5).map(|n| (id(n), None)).collect();
    calendars.push((id(9), minutes_ago(now, 2)));
    let intervals = policy.intervals(now, &calendars, 0.0);
    assert_eq!(intervals[&id(9)], (Pace::Active, Duration::from_secs(4)));
    assert_eq!(intervals[&id(0)], (Pace::Idle, Duration::from_secs(60)));
}

#[test]
fn when_everything_is_active_nobody_exceeds_the_budget() {
    let policy = CadencePolicy::default();
    let now = saturday();
    let calendars: Vec<_> = (0..10).map(|n| (id(n), minutes_ago(now, 1))).collect();
    let intervals = policy.intervals(now, &calendars, 0.0);
    for (pace, every) in intervals.values() {
        assert_eq!(*pace, Pace::Active);
        assert!((every.as_secs_f64() - 15.0).abs() < 1e-6, "{every:?}");
    }
}

#[test]
fn spare_checks_buy_the_fast_pace_for_a_lone_calendar() {
    let policy = CadencePolicy::default();
    let now = saturday();
    let calendars = vec![(id(1), minutes_ago(now, 1))];
    assert_eq!(
        policy.intervals(now, &calendars, 0.0)[&id(1)].1,
        Duration::from_secs(15)
    );
    assert_eq!(
        policy.intervals(now, &calendars, 1.0)[&id(1)].1,
        Duration::from_secs(4)
    );
}

proptest! {
    /// Whatever the mix, the moment's checks per second never exceed the budget's (plus
    /// the spare), and nobody is checked less often than the idle pace.
    #[test]
    fn the_allocation_never_exceeds_the_budget(
        ages in proptest::collection::vec(proptest::option::of(0i64..600), 1..60),
        working_hours in any::<bool>(),
        spare in 0.0f64..0.5,
    ) {
        let hours = working_hours.then(|| WorkingHours::office(chrono_tz::UTC));
        let policy = CadencePolicy::around(Duration::from_secs(15), hours);
        // Monday noon UTC: inside office hours when they are set.
        let now = Utc.with_ymd_and_hms(2026, 12, 7, 12, 0, 0).unwrap();
        let calendars: Vec<_> = ages
            .iter()
            .enumerate()
            .map(|(n, age)| (id(n), age.and_then(|m| minutes_ago(now, m))))
            .collect();
        let intervals = policy.intervals(now, &calendars, spare);
        let allowed = calendars.len() as f64 / 15.0 + spare;
        prop_assert!(checks_per_second(&intervals) <= allowed + 1e-9);
        for (pace, every) in intervals.values() {
            prop_assert!(*every <= policy.idle + Duration::from_millis(1), "{pace:?} {every:?}");
            prop_assert!(*every >= policy.wanted(*pace) - Duration::from_millis(1));
        }
    }
}

#[test]
fn the_budget_saves_quiet_time_and_caps_the_long_run_average() {
    let mut budget = PollBudget::new();
    let every = Duration::from_secs(15);
    assert!(
        !budget.try_spend(),
        "nothing is saved before the first earnings"
    );
    budget.earn(2, every, Duration::from_secs(150));
    // 150 s of two calendars, plus the starting half hour's worth (2 x 120).
    assert!((budget.saved() - 260.0).abs() < 1e-9);
    budget.earn(2, every, Duration::from_secs(150));
    assert!(
        (budget.saved() - 280.0).abs() < 1e-9,
        "the start is granted once"
    );
    // Saving stops at eight hours' worth per calendar.
    budget.earn(2, every, Duration::from_secs(24 * 3600));
    assert!((budget.saved() - 3840.0).abs() < 1e-9);
    // Spending as fast as possible for a day checks at most the earnings plus the savings.
    let mut spent = 0;
    for _ in 0..86_400 {
        budget.earn(2, every, Duration::from_secs(1));
        while budget.try_spend() {
            spent += 1;
        }
    }
    assert!(spent <= 2 * 86_400 / 15 + 3840, "{spent}");
    budget.spend();
    assert!(budget.saved() < 0.0, "allowed checks may run into debt");
}

/// Runs `poller` second by second for `seconds` and returns when `calendar` was due.
fn due_seconds(
    poller: &mut AdaptivePoller,
    start: DateTime<Utc>,
    seconds: i64,
    calendars: &[(CalendarId, Option<DateTime<Utc>>)],
    calendar: &CalendarId,
) -> Vec<i64> {
    (0..seconds)
        .filter(|s| {
            let now = start + chrono::TimeDelta::seconds(*s);
            poller.due(now, calendars).contains(calendar)
        })
        .collect()
}

#[test]
fn a_lone_calendar_gets_the_fast_pace_from_checks_saved_while_it_was_idle() {
    let mut poller = AdaptivePoller::new(CadencePolicy::default());
    let start = saturday();
    let lone = id(1);
    let idle = vec![(lone.clone(), None)];
    // An idle hour: checked at once (never checked), then every 60 s.
    let idle_checks = due_seconds(&mut poller, start, 3600, &idle, &lone);
    assert_eq!(idle_checks.len(), 60, "{idle_checks:?}");
    // Then it changes: every 4 s, paid by what the idle hour saved.
    let later = start + chrono::TimeDelta::hours(1);
    let active = vec![(lone.clone(), Some(later))];
    let fast = due_seconds(&mut poller, later, 120, &active, &lone);
    assert!(fast.windows(2).all(|w| w[1] - w[0] == 4), "{fast:?}");
    assert_eq!(fast.len(), 30);
}

#[test]
fn without_savings_an_active_lone_calendar_stays_within_the_budget() {
    let mut poller = AdaptivePoller::new(CadencePolicy::default());
    let start = saturday();
    let lone = id(1);
    // Active all the time (a change every minute for a day) from a standing start: one check
    // per 15 s plus the starting half hour's savings at most.
    let mut checks = 0;
    for s in 0..86_400 {
        let now = start + chrono::TimeDelta::seconds(s);
        let changed = start + chrono::TimeDelta::seconds(s / 60 * 60);
        checks += poller.due(now, &[(lone.clone(), Some(changed))]).len();
    }
    assert!(checks <= 86_400 / 15 + 120 + 1, "{checks}");
    assert!(checks >= 86_400 / 15 - 1, "{checks}: the budget is used");
}

#[test]
fn a_clock_stepped_backwards_does_not_stop_the_checks() {
    let mut poller = AdaptivePoller::new(CadencePolicy::default());
    let start = saturday();
    let calendars = vec![(id(1), None)];
    assert_eq!(poller.due(start, &calendars), vec![id(1)]);
    let earlier = start - chrono::TimeDelta::hours(1);
    assert_eq!(poller.due(earlier, &calendars), vec![id(1)]);
}
