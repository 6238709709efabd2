//! Recognising existing copies: lost state, orphans, shared invitations, other links.

use crate::domain::{LinkRules, RemoteId, Topology, content_hash};
use crate::engine::Notice;
use crate::engine::tests::world::{World, cal, event};

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
    let (mut world, copy) = World::synced_pair();
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
fn a_copy_whose_tag_a_client_dropped_is_still_recognised() {
    let (mut world, copy) = World::synced_pair();
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
fn a_copy_managed_by_another_link_is_left_alone() {
    let (mut world, copy) = World::synced_pair();
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
    let planned = world.plan_observed(&observations, &other_links, false);
    assert!(planned.ops.is_empty(), "{:?}", planned.ops);
    assert_eq!(
        content_hash(&world.calendars[&cal("cb")][&copy].1),
        hash_before
    );
}
