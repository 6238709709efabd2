//! Behaviour of the engine, one scenario at a time.

use super::world::{World, cal, event};
use crate::domain::{
    Filters, LinkRules, MalformedEvent, Privacy, RemoteId, SyncWindow, TitlePattern, Topology,
    content_hash,
};
use crate::engine::{ItemRef, Notice, Observation, SafetyTrip, plan};

fn summary_of(world: &World, calendar: &str, id: &RemoteId) -> Option<String> {
    world.calendars[&cal(calendar)][id]
        .1
        .summary()
        .map(str::to_string)
}

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
    let mut world = World::pair(LinkRules::default());
    world.user_put("ca", "a1.ics", event("u1", "Dentist", 10));
    world.pass();
    let copy = world.copy_id("cb", "ca", "u1").unwrap();
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
    let mut world = World::pair(LinkRules::default());
    world.user_put("ca", "a1.ics", event("u1", "Dentist", 10));
    world.pass();
    let copy = world.copy_id("cb", "ca", "u1").unwrap();
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
    let mut world = World::pair(LinkRules::default());
    world.user_put("ca", "a1.ics", event("u1", "Dentist", 10));
    world.pass();
    let copy = world.copy_id("cb", "ca", "u1").unwrap();
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
    let mut world = World::pair(LinkRules::default());
    world.user_put("ca", "a1.ics", event("u1", "Dentist", 10));
    world.pass();
    let copy = world.copy_id("cb", "ca", "u1").unwrap();
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
    let mut world = World::pair(LinkRules::default());
    world.user_put("ca", "a1.ics", event("u1", "Dentist", 10));
    world.pass();
    let copy = world.copy_id("cb", "ca", "u1").unwrap();
    world.user_delete("cb", &copy.0);
    assert_eq!(world.pass().deletes, 1);
    assert!(world.events("ca").is_empty());
}

#[test]
fn an_edit_beats_a_delete() {
    let mut world = World::pair(LinkRules::default());
    world.user_put("ca", "a1.ics", event("u1", "Dentist", 10));
    world.pass();
    let copy = world.copy_id("cb", "ca", "u1").unwrap();
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

#[test]
fn a_busy_copy_reveals_only_time_and_edits_to_it_are_reverted() {
    let rules = LinkRules {
        privacy: Privacy::Busy,
        ..LinkRules::default()
    };
    let mut world = World::pair(rules);
    let mut original = event("u1", "Therapy", 10);
    original.master.as_mut().unwrap().description = Some("private".into());
    world.user_put("ca", "a1.ics", original);
    world.pass();
    let copy = world.copy_id("cb", "ca", "u1").unwrap();
    let block = world.calendars[&cal("cb")][&copy].1.master.clone().unwrap();
    assert_eq!(block.summary.as_deref(), Some("Busy"));
    assert!(block.description.is_none());
    world.user_edit("cb", &copy, 5, |m| m.summary = Some("peek".into()));
    assert_eq!(world.pass().updates, 1, "the mirror is restored");
    assert_eq!(summary_of(&world, "cb", &copy).as_deref(), Some("Busy"));
    assert_eq!(
        summary_of(&world, "ca", &RemoteId("a1.ics".into())).as_deref(),
        Some("Therapy")
    );
    world.user_delete("cb", &copy.0);
    assert_eq!(world.pass().creates, 1, "a deleted mirror is recreated");
    assert_eq!(world.events("ca").len(), 1, "and the original is untouched");
}

#[test]
fn a_star_without_relay_stops_at_the_hub() {
    let star = Topology::Star {
        hub: cal("ch"),
        relay_spokes: false,
    };
    let mut world = World::new(star, &["ch", "cs1", "cs2"], LinkRules::default());
    world.user_put("cs1", "s.ics", event("u1", "Spoke event", 10));
    world.user_put("ch", "h.ics", event("u2", "Hub event", 11));
    world.settle_down(3);
    assert_eq!(world.events("ch").len(), 2);
    assert_eq!(world.events("cs1").len(), 2);
    assert_eq!(
        world.events("cs2").len(),
        1,
        "only the hub's event reaches the other spoke"
    );
}

#[test]
fn a_relayed_star_reaches_every_spoke_without_copies_of_copies() {
    let star = Topology::Star {
        hub: cal("ch"),
        relay_spokes: true,
    };
    let mut world = World::new(star, &["ch", "cs1", "cs2", "cs3"], LinkRules::default());
    world.user_put("cs1", "s.ics", event("u1", "Spoke event", 10));
    world.settle_down(3);
    for calendar in ["ch", "cs2", "cs3"] {
        let events = world.events(calendar);
        assert_eq!(events.len(), 1, "{calendar}");
        assert_eq!(
            events[0].origin,
            Some(world.tag("cs1", "u1")),
            "tagged with the original"
        );
    }
}

#[test]
fn a_mesh_of_twenty_converges_without_duplicates_or_loops() {
    let names: Vec<String> = (0..20).map(|i| format!("c{i:02}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let mut world = World::new(Topology::Mesh, &refs, LinkRules::default());
    for (i, name) in refs.iter().enumerate().take(5) {
        world.user_put(
            name,
            "e.ics",
            event(&format!("u{i}"), "Sync", 10 + i as u32),
        );
    }
    assert!(world.settle_down(3) <= 2);
    for name in &refs {
        assert_eq!(world.events(name).len(), 5, "{name}");
    }
    assert!(world.plan_now(true).ops.is_empty());
}

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
    let planned = plan(&crate::engine::PlanInput {
        tenant: &world.tenant,
        link: &world.link,
        other_links: &other_links,
        calendars: &world.facts,
        observations: &observations,
        state: &world.state,
        now: world.now,
        full_reconcile: true,
        allow_mass_delete: false,
    });
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
    let planned = plan(&crate::engine::PlanInput {
        tenant: &world.tenant,
        link: &world.link,
        other_links: &other_links,
        calendars: &world.facts,
        observations: &observations,
        state: &world.state,
        now: world.now,
        full_reconcile: false,
        allow_mass_delete: false,
    });
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
    let mut world = World::pair(LinkRules::default());
    world.user_put("ca", "a1.ics", event("u1", "Dentist", 10));
    world.pass();
    let copy = world.copy_id("cb", "ca", "u1").unwrap();
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

#[test]
fn a_write_that_races_is_re_read_and_merged() {
    let mut world = World::pair(LinkRules::default());
    world.user_put("ca", "a1.ics", event("u1", "Dentist", 10));
    world.pass();
    let copy = world.copy_id("cb", "ca", "u1").unwrap();
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
    let mut world = World::pair(LinkRules::default());
    world.user_put("ca", "a1.ics", event("u1", "Dentist", 10));
    world.pass();
    let copy = world.copy_id("cb", "ca", "u1").unwrap();
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

#[test]
fn lost_state_re_links_existing_copies_instead_of_duplicating() {
    let mut world = World::new(Topology::Mesh, &["ca", "cb", "cc"], LinkRules::default());
    world.user_put("ca", "a1.ics", event("u1", "Dentist", 10));
    world.user_put("cb", "b1.ics", event("u2", "Gym", 11));
    world.settle_down(3);
    world.state = Default::default();
    let report = world.pass();
    assert_eq!(report.creates, 0);
    for calendar in ["ca", "cb", "cc"] {
        assert_eq!(world.events(calendar).len(), 2, "{calendar}");
    }
    assert!(world.plan_now(true).ops.is_empty());
}

#[test]
fn a_copy_seen_before_its_original_is_adopted_later() {
    let mut world = World::pair(LinkRules::default());
    world.user_put("ca", "a1.ics", event("u1", "Dentist", 10));
    world.pass();
    let copy = world.copy_id("cb", "ca", "u1").unwrap();
    // Forget everything, then see only the copy first (its calendar was checked first).
    world.state = Default::default();
    let original = world
        .calendars
        .get_mut(&cal("ca"))
        .unwrap()
        .remove(&RemoteId("a1.ics".into()))
        .unwrap();
    let report = world.pass();
    assert_eq!(report.writes(), 0, "an orphan copy is left alone");
    assert!(
        report
            .plan
            .notices
            .iter()
            .any(|n| matches!(n, Notice::OrphanCopy { .. }))
    );
    world
        .calendars
        .get_mut(&cal("ca"))
        .unwrap()
        .insert(RemoteId("a1.ics".into()), original);
    world.settle_down(3);
    assert_eq!(world.events("cb").len(), 1);
    assert!(world.calendars[&cal("cb")].contains_key(&copy));
}

#[test]
fn the_same_invitation_in_both_calendars_is_not_duplicated() {
    let mut world = World::pair(LinkRules::default());
    world.user_put("ca", "inv.ics", event("meeting-1", "Invite", 10));
    world.user_put("cb", "inv.ics", event("meeting-1", "Invite", 10));
    let report = world.pass();
    assert_eq!(report.creates, 0);
    assert!(
        report
            .plan
            .notices
            .iter()
            .any(|n| matches!(n, Notice::SameUidOnTarget { .. }))
    );
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

#[test]
fn a_copy_whose_tag_a_client_dropped_is_still_recognised() {
    let mut world = World::pair(LinkRules::default());
    world.user_put("ca", "a1.ics", event("u1", "Dentist", 10));
    world.pass();
    let copy = world.copy_id("cb", "ca", "u1").unwrap();
    let stored = &mut world
        .calendars
        .get_mut(&cal("cb"))
        .unwrap()
        .get_mut(&copy)
        .unwrap();
    stored.1.origin = None;
    stored.1.owner_link = None;
    stored.0 = crate::domain::Etag("\"edited-by-client\"".into());
    let report = world.pass();
    assert_eq!(report.creates, 0);
    assert_eq!(report.deletes, 0);
    assert_eq!(world.events("ca").len(), 1);
}

#[test]
fn a_one_way_pair_never_copies_back() {
    let rules = LinkRules {
        one_way: true,
        ..LinkRules::default()
    };
    let mut world = World::pair(rules);
    world.user_put("cb", "b1.ics", event("u1", "Only here", 10));
    world.user_put("ca", "a1.ics", event("u2", "Goes over", 11));
    world.pass();
    assert_eq!(world.events("ca").len(), 1);
    assert_eq!(world.events("cb").len(), 2);
    let copy = world.copy_id("cb", "ca", "u2").unwrap();
    world.user_edit("cb", &copy, 5, |m| {
        m.summary = Some("changed on target".into())
    });
    world.pass();
    assert_eq!(
        summary_of(&world, "cb", &copy).as_deref(),
        Some("Goes over"),
        "reverted"
    );
    assert_eq!(
        summary_of(&world, "ca", &RemoteId("a1.ics".into())).as_deref(),
        Some("Goes over")
    );
}

#[test]
fn a_copy_managed_by_another_link_is_left_alone() {
    let mut world = World::pair(LinkRules::default());
    world.user_put("ca", "a1.ics", event("u1", "Dentist", 10));
    world.pass();
    let copy = world.copy_id("cb", "ca", "u1").unwrap();
    let hash_before = content_hash(&world.calendars[&cal("cb")][&copy].1);
    // Re-run the same world as if a second link owned the copy.
    let stored = world
        .calendars
        .get_mut(&cal("cb"))
        .unwrap()
        .get_mut(&copy)
        .unwrap();
    stored.1.owner_link = Some(crate::domain::LinkId::parse("other").unwrap());
    world.state = Default::default();
    let observations = world.observations();
    let other_links = [crate::domain::LinkId::parse("other").unwrap()].into();
    let planned = plan(&crate::engine::PlanInput {
        tenant: &world.tenant,
        link: &world.link,
        other_links: &other_links,
        calendars: &world.facts,
        observations: &observations,
        state: &world.state,
        now: world.now,
        full_reconcile: false,
        allow_mass_delete: false,
    });
    assert!(planned.ops.is_empty(), "{:?}", planned.ops);
    assert_eq!(
        content_hash(&world.calendars[&cal("cb")][&copy].1),
        hash_before
    );
}
