use super::*;
use crate::domain::AccountKind;
use crate::ports::contract::store::fixtures::{calendar_id, link};
use chrono::TimeZone;
use std::collections::BTreeMap;

fn tenant() -> TenantId {
    TenantId::parse("tenant1").unwrap()
}

fn minute(n: i64) -> DateTime<Utc> {
    // A whole minute.
    Utc.timestamp_opt(1_800_000_000 / 60 * 60, 0).unwrap() + TimeDelta::minutes(n)
}

fn channel(calendar: &str, created: DateTime<Utc>, life: TimeDelta) -> PushChannel {
    PushChannel {
        id: format!("ch-{calendar}"),
        calendar: calendar_id(calendar),
        provider: AccountKind::Google,
        resource_id: None,
        secret_hash: String::new(),
        expires_at: created + life,
        created_at: created,
    }
}

fn checks_of(plan: &TenantPlan, calendar: &str) -> Vec<(u64, SyncReason)> {
    let calendar = calendar_id(calendar);
    plan.checks
        .iter()
        .flat_map(|(delay, by_reason)| {
            by_reason
                .iter()
                .filter(|(_, calendars)| calendars.contains(&calendar))
                .map(move |(reason, _)| (*delay, *reason))
        })
        .collect()
}

/// Plans `minutes` consecutive ticks with every calendar polled every 15 s.
fn plans(links: &[Link], channels: &[PushChannel], minutes: i64, push: bool) -> Vec<TenantPlan> {
    let policy = SchedulePolicy {
        cadence: CadencePolicy::fixed(Duration::from_secs(15)),
        ..SchedulePolicy::default()
    };
    let activity = BTreeMap::new();
    (0..minutes)
        .map(|n| {
            plan_tenant(
                &tenant(),
                links,
                channels,
                &activity,
                minute(n),
                &policy,
                push,
            )
        })
        .collect()
}

/// The delays of `calendar`'s polls in one adaptive tick at minute `n`.
fn adaptive_polls(
    links: &[Link],
    activity: &BTreeMap<CalendarId, DateTime<Utc>>,
    n: i64,
    calendar: &str,
) -> Vec<u64> {
    let plan = plan_tenant(
        &tenant(),
        links,
        &[],
        activity,
        minute(n),
        &SchedulePolicy::default(),
        false,
    );
    checks_of(&plan, calendar)
        .into_iter()
        .filter(|(_, reason)| *reason == SyncReason::Poll)
        .map(|(delay, _)| delay)
        .collect()
}

#[test]
fn a_recently_changed_calendar_is_checked_every_4_seconds_and_idle_ones_every_minute() {
    let names: Vec<String> = (0..6).map(|n| format!("c{n}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let links = [link("l1", "Mesh", &refs)];
    let activity = BTreeMap::from([(calendar_id("c0"), minute(10) - TimeDelta::minutes(2))]);
    // Minute 10 is not the tenant's reconciliation tick (checked below).
    let active = adaptive_polls(&links, &activity, 10, "c0");
    assert_eq!(active.len(), 15, "{active:?}");
    assert!(active.windows(2).all(|w| w[1] - w[0] == 4), "{active:?}");
    for idle in &refs[1..] {
        assert_eq!(adaptive_polls(&links, &activity, 10, idle).len(), 1);
    }
    // Half an hour later the calendar is idle again.
    assert_eq!(adaptive_polls(&links, &activity, 40, "c0").len(), 1);
}

#[test]
fn checks_made_once_a_tick_share_the_coarser_steps() {
    let names: Vec<String> = (0..200).map(|n| format!("cal{n}")).collect();
    let links: Vec<Link> = names
        .chunks(2)
        .enumerate()
        .map(|(n, pair)| {
            link(
                &format!("l{n}"),
                &format!("Pair {n}"),
                &[&pair[0], &pair[1]],
            )
        })
        .collect();
    let active = BTreeMap::from([(calendar_id("cal0"), minute(10) - TimeDelta::minutes(2))]);
    let plan = plan_tenant(
        &tenant(),
        &links,
        &[],
        &active,
        minute(10),
        &SchedulePolicy::default(),
        false,
    );
    let idle_delays: BTreeSet<u64> = names[2..]
        .iter()
        .flat_map(|c| checks_of(&plan, c))
        .map(|(delay, _)| delay)
        .collect();
    // 99 idle pairs, each checked once: on 5-s steps they would fill twelve delays.
    assert_eq!(idle_delays, BTreeSet::from([0, 15, 30, 45]));
    let fast = checks_of(&plan, "cal0");
    assert_eq!(fast.len(), 15, "{fast:?}");
    assert!(fast.windows(2).all(|w| w[1].0 - w[0].0 == 4), "{fast:?}");
}

#[test]
fn the_adaptive_plan_keeps_a_tenant_within_one_check_per_calendar_per_15_seconds() {
    let names: Vec<String> = (0..4).map(|n| format!("c{n}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let links = [link("l1", "Mesh", &refs)];
    // Everything changed a minute ago: all active, more than the budget allows at 4 s.
    let activity: BTreeMap<_, _> = refs
        .iter()
        .map(|c| (calendar_id(c), minute(10) - TimeDelta::minutes(1)))
        .collect();
    let checks: usize = refs
        .iter()
        .map(|c| adaptive_polls(&links, &activity, 10, c).len())
        .sum();
    assert!(
        checks <= 4 * 4,
        "{checks} checks in a minute for 4 calendars"
    );
    assert!(checks >= 4 * 3, "{checks}: the budget is used, not wasted");
}

#[test]
fn a_calendar_without_push_is_checked_every_15_seconds() {
    let links = [link("l1", "Pair", &["ca", "cb"])];
    for plan in plans(&links, &[], 30, false).iter().filter(|p| {
        // Leave the one reconciliation tick out (it checks everything once).
        !p.checks
            .values()
            .any(|r| r.contains_key(&SyncReason::Reconcile))
    }) {
        for calendar in ["ca", "cb"] {
            let delays: Vec<u64> = checks_of(plan, calendar).iter().map(|(d, _)| *d).collect();
            assert_eq!(delays.len(), 4, "{calendar}: {delays:?}");
            assert!(delays.windows(2).all(|w| w[1] - w[0] == 15), "{delays:?}");
            assert!(delays.iter().all(|d| *d < 60));
        }
    }
}

#[test]
fn a_calendar_with_a_live_channel_is_polled_once_per_15_minutes() {
    let links = [link("l1", "Pair", &["ca", "cb"])];
    let channels = [channel("ca", minute(0), TimeDelta::days(7))];
    let all = plans(&links, &channels, 45, true);
    let polls = all
        .iter()
        .filter(|p| {
            checks_of(p, "ca")
                .iter()
                .any(|(_, r)| *r == SyncReason::Poll)
        })
        .count();
    assert_eq!(polls, 3, "one fallback poll per 15 minutes over 45 minutes");
    // The calendar without a channel keeps its 15-second checks.
    assert!(all.iter().all(|p| !checks_of(p, "cb").is_empty()));
}

#[test]
fn every_linked_calendar_is_reconciled_once_a_day() {
    let links = [
        link("l1", "Pair", &["ca", "cb"]),
        link("l2", "Other", &["cb", "cc"]),
    ];
    let all = plans(&links, &[], 24 * 60, false);
    let reconciling: Vec<&TenantPlan> = all
        .iter()
        .filter(|p| {
            p.checks
                .values()
                .any(|r| r.contains_key(&SyncReason::Reconcile))
        })
        .collect();
    assert_eq!(reconciling.len(), 1);
    assert_eq!(reconciling[0].check_count(), 3);
}

#[test]
fn unlinked_calendars_are_never_checked() {
    let links = [link("l1", "Pair", &["ca", "cb"])];
    let channels = [channel("zz", minute(0), TimeDelta::days(7))];
    for plan in plans(&links, &channels, 20, true) {
        assert!(checks_of(&plan, "zz").is_empty());
    }
    assert_eq!(plans(&[], &[], 1, true)[0], TenantPlan::default());
}

#[test]
fn push_upkeep_is_planned_when_a_channel_is_due_and_once_an_hour() {
    let links = [link("l1", "Pair", &["ca", "cb"])];
    // A Graph-like channel renewed at half its life: 10 minutes of 20.
    let mut short = channel("ca", minute(0), TimeDelta::minutes(20));
    short.provider = AccountKind::Microsoft;
    let all = plans(&links, &[short], 60, true);
    assert!(
        all[9].maintain_push,
        "the tick before renew_at plans the renewal"
    );
    let upkeeps = all.iter().filter(|p| p.maintain_push).count();
    // From minute 9 on the channel stays due (it is never renewed in this test), plus the
    // hourly upkeep, which may fall before minute 9.
    assert!((51..=52).contains(&upkeeps), "{upkeeps}");

    let long = channel("ca", minute(0), TimeDelta::days(7));
    let hourly = plans(&links, std::slice::from_ref(&long), 120, true)
        .iter()
        .filter(|p| p.maintain_push)
        .count();
    assert_eq!(hourly, 2);
    assert!(
        plans(&links, &[long], 120, false)
            .iter()
            .all(|p| !p.maintain_push)
    );
}

#[test]
fn checks_of_many_calendars_spread_over_the_minute_in_steps() {
    let names: Vec<String> = (0..600).map(|n| format!("cal{n}")).collect();
    let links: Vec<Link> = names
        .chunks(10)
        .enumerate()
        .map(|(n, chunk)| {
            let refs: Vec<&str> = chunk.iter().map(String::as_str).collect();
            link(&format!("l{n}"), &format!("Link {n}"), &refs)
        })
        .collect();
    let plan = &plans(&links, &[], 2, false)[1];
    assert_eq!(plan.check_count(), 600 * 4);
    let busiest = plan
        .checks
        .values()
        .map(|r| r.values().map(BTreeSet::len).sum::<usize>())
        .max()
        .unwrap();
    // 2,400 checks over twelve 5-second steps: an even spread is 200 per step.
    assert!(busiest < 400, "busiest second holds {busiest} checks");
    assert_eq!(plan.checks.len(), 12);
    assert!(plan.checks.keys().all(|delay| delay % 5 == 0));
}

#[test]
fn the_calendars_of_one_link_are_checked_in_the_same_seconds() {
    let links = [link("l1", "Pair", &["ca", "cb"])];
    let plan = &plans(&links, &[], 2, false)[1];
    // One job per second for the pair, not one per calendar each checking both.
    assert_eq!(checks_of(plan, "ca"), checks_of(plan, "cb"));
    assert_eq!(plan.checks.len(), 4);
}
