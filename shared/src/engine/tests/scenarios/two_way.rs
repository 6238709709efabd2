//! Two-way basics: copies, echoes, edits both ways, merges, deletions.

use super::summary_of;
use crate::domain::{LinkRules, RemoteId, Topology};
use crate::engine::Notice;
use crate::engine::tests::world::{World, cal, event};

#[test]
fn a_new_original_is_copied_once_and_the_next_pass_plans_nothing() {
    let mut world = World::pair(LinkRules::default());
    world.user_put("ca", "a1.ics", event("u1", "Dentist", 10));
    let first = world.pass();
    assert_eq!(first.creates, 1);
    let copy = world.copy_id("cb", "ca", "u1").expect("copy on cb");
    assert_eq!(summary_of(&world, "cb", &copy).as_deref(), Some("Dentist"));
    let copied = &world.calendars[&cal("cb")][&copy].1;
    assert_eq!(copied.origin, Some(world.tag("ca", "u1")));
    assert!(copied.uid.ends_with("@calsync"));
    assert!(world.plan_now(false).ops.is_empty());
    assert!(
        world.plan_now(true).ops.is_empty(),
        "a full reconcile plans nothing either"
    );
}

#[test]
fn a_re_serialised_copy_is_not_an_edit() {
    let (mut world, copy) = World::synced_pair();
    // The server rewrites the stored data (new ETag, same content), as Radicale does.
    world.user_touch("cb", &copy);
    let report = world.pass();
    assert_eq!(report.writes(), 0);
}

#[test]
fn an_edit_on_the_original_updates_the_copy() {
    let mut world = World::pair(LinkRules::default());
    world.user_put("ca", "a1.ics", event("u1", "Dentist", 10));
    world.pass();
    world.user_edit("ca", &RemoteId("a1.ics".into()), 5, |m| {
        m.location = Some("Main St".into())
    });
    assert_eq!(world.pass().updates, 1);
    let copy = world.copy_id("cb", "ca", "u1").unwrap();
    let master = world.calendars[&cal("cb")][&copy].1.master.clone().unwrap();
    assert_eq!(master.location.as_deref(), Some("Main St"));
    assert_eq!(world.pass().writes(), 0);
}

#[test]
fn an_edit_on_a_full_copy_flows_back_to_the_original() {
    let (mut world, copy) = World::synced_pair();
    world.user_edit("cb", &copy, 5, |m| {
        m.summary = Some("Dentist (moved)".into())
    });
    assert_eq!(world.pass().updates, 1);
    assert_eq!(
        summary_of(&world, "ca", &RemoteId("a1.ics".into())).as_deref(),
        Some("Dentist (moved)")
    );
    assert_eq!(world.pass().writes(), 0);
}

#[test]
fn different_fields_edited_on_both_sides_are_both_kept() {
    let (mut world, copy) = World::synced_pair();
    world.user_edit("ca", &RemoteId("a1.ics".into()), 1, |m| {
        m.summary = Some("Dr. Who".into())
    });
    world.user_edit("cb", &copy, 2, |m| m.location = Some("TARDIS".into()));
    let report = world.pass();
    assert!(report.plan.conflicts.is_empty());
    for (calendar, id) in [("ca", RemoteId("a1.ics".into())), ("cb", copy)] {
        let master = world.calendars[&cal(calendar)][&id]
            .1
            .master
            .clone()
            .unwrap();
        assert_eq!(master.summary.as_deref(), Some("Dr. Who"), "{calendar}");
        assert_eq!(master.location.as_deref(), Some("TARDIS"), "{calendar}");
    }
    assert_eq!(world.pass().writes(), 0);
}

#[test]
fn the_same_field_edited_on_both_sides_goes_to_the_newest_edit() {
    let (mut world, copy) = World::synced_pair();
    world.user_edit("cb", &copy, 9, |m| m.summary = Some("Newer".into()));
    world.user_edit("ca", &RemoteId("a1.ics".into()), 3, |m| {
        m.summary = Some("Older".into())
    });
    let report = world.pass();
    assert_eq!(report.plan.conflicts.len(), 1);
    assert_eq!(report.plan.conflicts[0].winner, cal("cb"));
    assert_eq!(
        summary_of(&world, "ca", &RemoteId("a1.ics".into())).as_deref(),
        Some("Newer")
    );
    assert_eq!(summary_of(&world, "cb", &copy).as_deref(), Some("Newer"));
}

#[test]
fn deleting_the_original_deletes_its_copies() {
    let mut world = World::new(Topology::Mesh, &["ca", "cb", "cc"], LinkRules::default());
    world.user_put("ca", "a1.ics", event("u1", "Dentist", 10));
    world.pass();
    world.user_delete("ca", "a1.ics");
    assert_eq!(world.pass().deletes, 2);
    assert!(world.calendars.values().all(|items| items.is_empty()));
    assert!(world.state.shadows.is_empty() && world.state.items.is_empty());
}

#[test]
fn deleting_a_full_copy_deletes_the_original() {
    let (mut world, copy) = World::synced_pair();
    world.user_delete("cb", &copy.0);
    assert_eq!(world.pass().deletes, 1);
    assert!(world.events("ca").is_empty());
}

#[test]
fn an_edit_beats_a_delete() {
    let (mut world, copy) = World::synced_pair();
    world.user_delete("ca", "a1.ics");
    world.user_edit("cb", &copy, 5, |m| m.summary = Some("Still on".into()));
    let report = world.pass();
    assert!(
        report
            .plan
            .notices
            .iter()
            .any(|n| matches!(n, Notice::EditBeatDelete { .. }))
    );
    let restored = world.events("ca");
    assert_eq!(restored.len(), 1);
    assert_eq!(restored[0].uid, "u1");
    assert_eq!(restored[0].summary(), Some("Still on"));
    assert!(
        restored[0].origin.is_none(),
        "the original comes back as an original"
    );
    assert_eq!(world.pass().writes(), 0);
}
