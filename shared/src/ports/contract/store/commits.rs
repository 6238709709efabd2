//! The pass commit: one transaction, guarded by the link status version.

use super::fixtures::{
    calendar_commit, calendar_id, ignored, item, link_id, linked_pair, origin, rich_shadow, shadow,
    synced,
};
use crate::engine::{IgnoreReason, LinkState, LinkStateDelta};
use crate::ports::{
    CalendarSyncState, LinkCommit, LinkStatus, Store, StoreError, SyncCommit, VersionedLinkState,
};

pub(super) async fn run_all(store: &dyn Store) {
    a_commit_applies_the_delta_and_bumps_the_version(store).await;
    a_stale_commit_writes_nothing_at_all(store).await;
    a_commit_to_a_deleted_link_writes_nothing(store).await;
    of_two_passes_racing_from_one_version_only_one_commits(store).await;
    shadows_and_bindings_round_trip_exactly(store).await;
}

fn link_commit(from: u64, delta: LinkStateDelta, events: usize) -> LinkCommit {
    LinkCommit {
        link: link_id("l1"),
        expected_version: from,
        delta,
        status: LinkStatus {
            event_count: events,
            ..LinkStatus::default()
        },
    }
}

fn first_delta() -> LinkStateDelta {
    let mut delta = LinkStateDelta::default();
    for uid in ["e1", "e2", "e3"] {
        delta
            .shadows
            .insert(origin("c1", uid), Some(shadow("c1", uid, uid, &["c2"])));
        let own = format!("/c1/{uid}.ics");
        let copy = format!("/c2/{uid}.ics");
        delta
            .items
            .insert(item("c1", &own), Some(synced("c1", uid, Some("\"1\""))));
        delta
            .items
            .insert(item("c2", &copy), Some(synced("c1", uid, None)));
    }
    delta
}

pub(crate) async fn a_commit_applies_the_delta_and_bumps_the_version(store: &dyn Store) {
    let t = linked_pair(store, "commit-apply").await;
    let id = link_id("l1");
    let first = first_delta();
    let commit = SyncCommit {
        calendars: vec![calendar_commit(
            "c1",
            "s1",
            &[("/c1/e1.ics", Some(Some("\"1\"")))],
            true,
        )],
        link: Some(link_commit(0, first.clone(), 3)),
    };
    store.commit(&t, &commit).await.unwrap();

    // Remove e1 (shadow and bindings), change e2, ignore a foreign item, keep e3.
    let mut second = LinkStateDelta::default();
    second.shadows.insert(origin("c1", "e1"), None);
    second.shadows.insert(
        origin("c1", "e2"),
        Some(shadow("c1", "e2", "e2 renamed", &["c2"])),
    );
    second.items.insert(item("c1", "/c1/e1.ics"), None);
    second.items.insert(item("c2", "/c2/e1.ics"), None);
    second.items.insert(
        item("c2", "/c2/e2.ics"),
        Some(synced("c1", "e2", Some("\"2\""))),
    );
    second.items.insert(
        item("c2", "/c2/foreign.ics"),
        Some(ignored(IgnoreReason::ForeignCopy, "\"f\"")),
    );
    let commit = SyncCommit {
        calendars: vec![],
        link: Some(link_commit(1, second.clone(), 2)),
    };
    store.commit(&t, &commit).await.unwrap();

    let mut expected = LinkState::default();
    expected.apply(&first);
    expected.apply(&second);
    let loaded = store.load_link_state(&t, &id).await.unwrap();
    assert_eq!(loaded.state, expected);
    assert_eq!(loaded.status.version, 2);
    assert_eq!(loaded.status.event_count, 2);
    assert_eq!(loaded.state.shadows.len(), 2);
    assert_eq!(loaded.state.items.len(), 5);
}

pub(crate) async fn a_stale_commit_writes_nothing_at_all(store: &dyn Store) {
    let t = linked_pair(store, "commit-stale").await;
    let id = link_id("l1");
    let c1 = calendar_id("c1");
    let first = calendar_commit("c1", "s1", &[("/c1/e1.ics", Some(Some("\"1\"")))], true);
    let first_state = first.state.clone();
    let commit = SyncCommit {
        calendars: vec![first],
        link: Some(link_commit(0, first_delta(), 3)),
    };
    store.commit(&t, &commit).await.unwrap();
    let before = store.load_link_state(&t, &id).await.unwrap();
    let index_before = store.item_index(&t, &c1).await.unwrap();

    for wrong in [0, 2, u64::MAX] {
        let mut delta = LinkStateDelta::default();
        delta.shadows.insert(origin("c1", "e1"), None);
        delta.shadows.insert(
            origin("c2", "new"),
            Some(shadow("c2", "new", "New", &["c1"])),
        );
        delta.items.insert(item("c1", "/c1/e1.ics"), None);
        let stale = SyncCommit {
            calendars: vec![
                calendar_commit("c1", "s2", &[("/c1/other.ics", Some(Some("\"9\"")))], true),
                calendar_commit("c2", "s2", &[("/c2/new.ics", Some(Some("\"1\"")))], false),
            ],
            link: Some(link_commit(wrong, delta, 99)),
        };
        let result = store.commit(&t, &stale).await;
        assert!(
            matches!(result, Err(StoreError::Conflict(_))),
            "{wrong}: {result:?}"
        );
    }

    assert_eq!(store.load_link_state(&t, &id).await.unwrap(), before);
    assert_eq!(store.calendar_state(&t, &c1).await.unwrap(), first_state);
    assert_eq!(store.item_index(&t, &c1).await.unwrap(), index_before);
    let c2 = calendar_id("c2");
    assert_eq!(
        store.calendar_state(&t, &c2).await.unwrap(),
        CalendarSyncState::default()
    );
    assert!(store.item_index(&t, &c2).await.unwrap().is_empty());
}

pub(crate) async fn a_commit_to_a_deleted_link_writes_nothing(store: &dyn Store) {
    let t = linked_pair(store, "commit-deleted").await;
    store.delete_link(&t, &link_id("l1")).await.unwrap();
    let commit = SyncCommit {
        calendars: vec![calendar_commit(
            "c1",
            "s1",
            &[("/c1/e1.ics", Some(Some("\"1\"")))],
            true,
        )],
        link: Some(link_commit(0, first_delta(), 3)),
    };

    let result = store.commit(&t, &commit).await;

    assert!(matches!(result, Err(StoreError::NotFound(_))), "{result:?}");
    let c1 = calendar_id("c1");
    assert_eq!(
        store.calendar_state(&t, &c1).await.unwrap(),
        CalendarSyncState::default()
    );
    assert!(store.item_index(&t, &c1).await.unwrap().is_empty());
    let loaded = store.load_link_state(&t, &link_id("l1")).await.unwrap();
    assert_eq!(loaded, VersionedLinkState::default());
}

pub(crate) async fn of_two_passes_racing_from_one_version_only_one_commits(store: &dyn Store) {
    let t = linked_pair(store, "commit-race").await;
    let mut a = LinkStateDelta::default();
    a.shadows
        .insert(origin("c1", "a"), Some(shadow("c1", "a", "A", &["c2"])));
    let mut b = LinkStateDelta::default();
    b.shadows
        .insert(origin("c1", "b"), Some(shadow("c1", "b", "B", &["c2"])));
    let commit_a = SyncCommit {
        calendars: vec![calendar_commit("c1", "by-a", &[], false)],
        link: Some(link_commit(0, a, 1)),
    };
    let commit_b = SyncCommit {
        calendars: vec![calendar_commit("c1", "by-b", &[], false)],
        link: Some(link_commit(0, b, 1)),
    };

    let (ra, rb) = futures::join!(store.commit(&t, &commit_a), store.commit(&t, &commit_b));

    let (winner, loser) = match (ra, rb) {
        (Ok(()), Err(e)) => (commit_a, e),
        (Err(e), Ok(())) => (commit_b, e),
        other => panic!("exactly one commit must win: {other:?}"),
    };
    assert!(matches!(loser, StoreError::Conflict(_)), "{loser:?}");
    let loaded = store.load_link_state(&t, &link_id("l1")).await.unwrap();
    let winner_link = winner.link.as_ref().unwrap();
    assert_eq!(
        loaded.state.shadows.keys().collect::<Vec<_>>(),
        winner_link.delta.shadows.keys().collect::<Vec<_>>()
    );
    assert_eq!(loaded.status.version, 1);
    let state = store.calendar_state(&t, &calendar_id("c1")).await.unwrap();
    assert_eq!(state, winner.calendars[0].state);
}

pub(crate) async fn shadows_and_bindings_round_trip_exactly(store: &dyn Store) {
    let t = linked_pair(store, "commit-exact").await;
    let rich = rich_shadow("c1", &t);
    let mut delta = LinkStateDelta::default();
    delta
        .shadows
        .insert(rich.origin.clone(), Some(rich.clone()));
    let reasons = [
        IgnoreReason::ForeignCopy,
        IgnoreReason::OtherLinksCopy,
        IgnoreReason::OrphanCopy,
        IgnoreReason::DuplicateCopy,
        IgnoreReason::Malformed,
        IgnoreReason::RecurrenceUnsupported,
    ];
    for (n, reason) in reasons.into_iter().enumerate() {
        let remote = format!("/c2/ignored %20 é {n}.ics");
        delta
            .items
            .insert(item("c2", &remote), Some(ignored(reason, "W/\"weak\"")));
    }
    let mut with_origin = ignored(IgnoreReason::OtherLinksCopy, "\"x\"");
    if let crate::engine::ItemStatus::Ignored { origin: o, .. } = &mut with_origin.status {
        *o = Some(rich.origin.clone());
    }
    delta
        .items
        .insert(item("c2", "AAMkAGI2T=="), Some(with_origin));
    delta.items.insert(
        item("c1", "/c1/urn:uuid:5f1c.ics"),
        Some(synced("c1", &rich.origin.uid, None)),
    );
    let commit = SyncCommit {
        calendars: vec![],
        link: Some(link_commit(0, delta.clone(), 1)),
    };
    store.commit(&t, &commit).await.unwrap();

    let loaded = store.load_link_state(&t, &link_id("l1")).await.unwrap();
    let mut expected = LinkState::default();
    expected.apply(&delta);
    assert_eq!(loaded.state.shadows.get(&rich.origin), Some(&rich));
    assert_eq!(loaded.state, expected);
}
