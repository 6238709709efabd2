//! Privacy and topologies: busy mirrors, stars, a mesh of twenty, one-way pairs.

use super::summary_of;
use crate::domain::{LinkRules, Privacy, RemoteId, Topology};
use crate::engine::tests::world::{World, cal, event};

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
