//! Safety: the deletion guard and unreadable items.

use crate::domain::{LinkRules, MalformedEvent, RemoteId};
use crate::engine::tests::world::{World, cal, event};
use crate::engine::{ItemRef, Notice, Observation, SafetyTrip};

#[test]
fn an_emptied_calendar_trips_the_guard_and_deletes_nothing() {
    let mut world = World::pair(LinkRules::default());
    for i in 0..4 {
        world.user_put(
            "ca",
            &format!("a{i}.ics"),
            event(&format!("u{i}"), "Thing", 10 + i),
        );
    }
    world.pass();
    assert_eq!(world.events("cb").len(), 4);
    world.calendars.get_mut(&cal("ca")).unwrap().clear();
    let report = world.pass();
    assert!(matches!(
        report.plan.halt,
        Some(SafetyTrip::Emptied { had: 4, .. })
    ));
    assert_eq!(report.writes(), 0);
    assert_eq!(world.events("cb").len(), 4);
}

#[test]
fn a_mass_deletion_trips_the_guard() {
    let mut world = World::pair(LinkRules::default());
    for i in 0..30 {
        world.user_put(
            "ca",
            &format!("a{i}.ics"),
            event(&format!("u{i}"), "Thing", 1 + i % 28),
        );
    }
    world.pass();
    for i in 0..20 {
        world.user_delete("ca", &format!("a{i}.ics"));
    }
    let report = world.pass();
    assert!(matches!(
        report.plan.halt,
        Some(SafetyTrip::MassDelete {
            deletes: 20,
            synced: 30,
            ..
        })
    ));
    assert_eq!(world.events("cb").len(), 30);
    // Deleting fewer than the threshold goes through.
    let mut world = World::pair(LinkRules::default());
    for i in 0..30 {
        world.user_put(
            "ca",
            &format!("a{i}.ics"),
            event(&format!("u{i}"), "Thing", 1 + i % 28),
        );
    }
    world.pass();
    for i in 0..10 {
        world.user_delete("ca", &format!("a{i}.ics"));
    }
    assert_eq!(world.pass().deletes, 10);
}

#[test]
fn a_malformed_item_is_reported_and_deletes_nothing() {
    let mut world = World::pair(LinkRules::default());
    world.user_put("ca", "a1.ics", event("u1", "Fine", 10));
    world.user_put("ca", "a2.ics", event("u2", "Will break", 11));
    world.pass();
    let item = ItemRef::new(cal("ca"), RemoteId("a2.ics".into()));
    let observations = vec![Observation::Present {
        item: item.clone(),
        etag: Some(crate::domain::Etag("\"broken\"".into())),
        body: Err(MalformedEvent {
            reason: "no DTSTART".into(),
        }),
    }];
    let other_links = Default::default();
    let planned = world.plan_observed(&observations, &other_links, false);
    assert!(planned.ops.is_empty());
    assert!(
        planned
            .notices
            .iter()
            .any(|n| matches!(n, Notice::Malformed { .. }))
    );
    let binding = planned.delta.items[&item].as_ref().unwrap();
    assert!(binding.origin().is_some(), "still bound to its original");
}

#[test]
fn a_malformed_item_is_never_written_over_until_it_reads_again() {
    let (mut world, copy) = World::synced_pair();
    let original = RemoteId("a1.ics".into());
    world.user_spoil("ca", &original);
    assert_eq!(world.pass().writes(), 0);
    // The copy is edited while the original cannot be read: the original is not overwritten.
    world.user_edit("cb", &copy, 5, |m| m.location = Some("Room 2".into()));
    assert_eq!(
        world.pass().writes(),
        0,
        "the unreadable original is left alone"
    );
    assert!(
        world
            .malformed
            .contains(&ItemRef::new(cal("ca"), original.clone()))
    );
    // Once it reads again, both edits meet.
    world.user_repair("ca", &original, 10, |m| m.summary = Some("Repaired".into()));
    world.settle_down(3);
    for (calendar, id) in [("ca", original), ("cb", copy)] {
        let master = world.calendars[&cal(calendar)][&id]
            .1
            .master
            .clone()
            .unwrap();
        assert_eq!(master.summary.as_deref(), Some("Repaired"), "{calendar}");
        assert_eq!(master.location.as_deref(), Some("Room 2"), "{calendar}");
    }
}
