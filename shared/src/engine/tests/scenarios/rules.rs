//! Link rules: filters, the rolling window, servers that mangle recurrence.

use crate::domain::{Filters, LinkRules, RemoteId, SyncWindow, TitlePattern};
use crate::engine::tests::world::{World, cal, event};
use crate::engine::{ItemRef, Notice, Observation};

#[test]
fn a_copy_that_stops_matching_the_filters_is_removed() {
    let rules = LinkRules {
        filters: Filters {
            exclude_title: Some(TitlePattern::parse("(?i)private").unwrap()),
            ..Filters::default()
        },
        ..LinkRules::default()
    };
    let mut world = World::pair(rules);
    world.user_put("ca", "a1.ics", event("u1", "Lunch", 10));
    world.pass();
    assert_eq!(world.events("cb").len(), 1);
    world.user_edit("ca", &RemoteId("a1.ics".into()), 5, |m| {
        m.summary = Some("Private lunch".into())
    });
    assert_eq!(world.pass().deletes, 1);
    assert!(world.events("cb").is_empty());
    assert_eq!(
        world.events("ca").len(),
        1,
        "the original is never touched by a filter"
    );
}

#[test]
fn an_event_leaving_the_window_keeps_its_copy() {
    let rules = LinkRules {
        window: SyncWindow {
            past_days: 1,
            future_days: 30,
        },
        ..LinkRules::default()
    };
    let mut world = World::pair(rules);
    world.user_put("ca", "a1.ics", event("u1", "Soon", 2));
    world.pass();
    let copy = world.copy_id("cb", "ca", "u1").unwrap();
    world.now += chrono::TimeDelta::days(60);
    // A windowed provider stops listing it: that is not a deletion.
    let item = ItemRef::new(cal("ca"), RemoteId("a1.ics".into()));
    let observations = vec![Observation::Vanished { item }];
    let other_links = Default::default();
    let planned = world.plan_observed(&observations, &other_links, true);
    assert!(planned.ops.is_empty(), "{:?}", planned.ops);
    assert!(world.calendars[&cal("cb")].contains_key(&copy));
}

#[test]
fn an_event_beyond_the_window_is_copied_once_it_enters() {
    let rules = LinkRules {
        window: SyncWindow {
            past_days: 1,
            future_days: 5,
        },
        ..LinkRules::default()
    };
    let mut world = World::pair(rules);
    world.user_put("ca", "a1.ics", event("u1", "Later", 20));
    assert_eq!(world.pass().creates, 0);
    assert!(world.state.shadows.values().all(|s| s.pending));
    world.now += chrono::TimeDelta::days(16);
    assert_eq!(world.pass().creates, 1);
}

#[test]
fn recurring_events_are_skipped_on_a_server_that_mangles_them() {
    let mut world = World::pair(LinkRules::default());
    world.facts.get_mut(&cal("cb")).unwrap().recurrence_ok = false;
    let mut series = event("u1", "Weekly", 2);
    series.master.as_mut().unwrap().recurrence.rrule = Some("FREQ=WEEKLY".into());
    world.user_put("ca", "a1.ics", series);
    world.user_put("ca", "a2.ics", event("u2", "Once", 3));
    let report = world.pass();
    assert_eq!(report.creates, 1, "only the single event is copied");
    assert!(
        report
            .plan
            .notices
            .iter()
            .any(|n| matches!(n, Notice::RecurrenceUnsupported { .. }))
    );
}
