//! Writes that race with other clients (HTTP 412) or lose a delete race.

use crate::domain::{LinkRules, RemoteId};
use crate::engine::tests::world::{World, cal, event};
use crate::engine::{ItemRef, Notice};

#[test]
fn a_write_that_races_is_re_read_and_merged() {
    let (mut world, copy) = World::synced_pair();
    world.user_edit("ca", &RemoteId("a1.ics".into()), 1, |m| {
        m.summary = Some("Renamed".into())
    });
    // Between our read and our write, someone else edits the copy: the write gets a 412.
    world
        .race_next_write
        .insert(ItemRef::new(cal("cb"), copy.clone()));
    world.user_edit("cb", &copy, 2, |m| m.location = Some("Upstairs".into()));
    world.pass();
    world.settle_down(3);
    for (calendar, id) in [("ca", RemoteId("a1.ics".into())), ("cb", copy)] {
        let master = world.calendars[&cal(calendar)][&id]
            .1
            .master
            .clone()
            .unwrap();
        assert_eq!(master.summary.as_deref(), Some("Renamed"), "{calendar}");
        assert_eq!(master.location.as_deref(), Some("Upstairs"), "{calendar}");
    }
}

#[test]
fn a_copy_deleted_before_it_received_an_edit_does_not_delete_the_edit() {
    let (mut world, copy) = World::synced_pair();
    world.user_edit("ca", &RemoteId("a1.ics".into()), 1, |m| {
        m.summary = Some("Renamed".into())
    });
    // The edit does not reach the copy (its write races), and then the copy is deleted by
    // someone who never saw the edit.
    world
        .race_next_write
        .insert(ItemRef::new(cal("cb"), copy.clone()));
    world.pass();
    world.user_delete("cb", &copy.0);
    let report = world.pass();
    assert!(
        report
            .plan
            .notices
            .iter()
            .any(|n| matches!(n, Notice::EditBeatDelete { .. })),
        "{:?}",
        report.plan
    );
    assert_eq!(report.deletes, 0);
    for calendar in ["ca", "cb"] {
        let events = world.events(calendar);
        assert_eq!(events.len(), 1, "{calendar}");
        assert_eq!(events[0].summary(), Some("Renamed"), "{calendar}");
    }
    assert_eq!(world.pass().writes(), 0);
}

#[test]
fn a_deleted_copy_that_was_up_to_date_still_deletes_its_original() {
    let mut world = World::pair(LinkRules::default());
    world.user_put("ca", "a1.ics", event("u1", "Dentist", 10));
    world.pass();
    world.user_edit("ca", &RemoteId("a1.ics".into()), 1, |m| {
        m.summary = Some("Renamed".into())
    });
    world.pass();
    let copy = world.copy_id("cb", "ca", "u1").unwrap();
    world.user_delete("cb", &copy.0);
    assert_eq!(world.pass().deletes, 1);
    assert!(world.events("ca").is_empty());
}
