//! Calendars: descriptions, sync state that survives re-discovery, and the item index.

use super::fixtures::{account, calendar, calendar_commit, calendar_id, tenant};
use crate::domain::{Capabilities, Etag, RemoteId};
use crate::ports::{CalendarSyncState, ItemIndex, Store, StoreError, SyncCommit};

pub(super) async fn run_all(store: &dyn Store) {
    calendar_round_trips_and_lists(store).await;
    a_calendar_never_checked_has_the_default_state(store).await;
    put_calendar_keeps_the_sync_state_and_index(store).await;
    sync_states_are_listed_in_one_read(store).await;
    incremental_index_changes_touch_only_the_named_items(store).await;
    a_complete_listing_replaces_the_index(store).await;
    a_commit_naming_an_unknown_calendar_writes_nothing(store).await;
}

fn index(entries: &[(&str, Option<&str>)]) -> ItemIndex {
    entries
        .iter()
        .map(|(id, etag)| (RemoteId(id.to_string()), etag.map(|e| Etag(e.to_string()))))
        .collect()
}

async fn seed(store: &dyn Store, label: &str, calendars: &[&str]) -> crate::domain::TenantId {
    let t = tenant(label);
    store.put_account(&t, &account("a1", "Work")).await.unwrap();
    for id in calendars {
        store.put_calendar(&t, &calendar(id, "a1")).await.unwrap();
    }
    t
}

pub(crate) async fn calendar_round_trips_and_lists(store: &dyn Store) {
    let t = seed(store, "cal-crud", &["c1"]).await;
    let mut plain = calendar("c2", "a1");
    plain.color = None;
    plain.owner_emails = vec![];
    plain.read_only = true;
    plain.capabilities = Capabilities::default();
    store.put_calendar(&t, &plain).await.unwrap();

    assert_eq!(
        store.get_calendar(&t, &calendar_id("c1")).await.unwrap(),
        Some(calendar("c1", "a1"))
    );
    assert_eq!(
        store.get_calendar(&t, &plain.id).await.unwrap(),
        Some(plain.clone())
    );
    assert_eq!(
        store.get_calendar(&t, &calendar_id("nope")).await.unwrap(),
        None
    );
    let mut listed = store.list_calendars(&t).await.unwrap();
    listed.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(listed, vec![calendar("c1", "a1"), plain]);
}

pub(crate) async fn a_calendar_never_checked_has_the_default_state(store: &dyn Store) {
    let t = seed(store, "cal-fresh", &["c1"]).await;
    let state = store.calendar_state(&t, &calendar_id("c1")).await.unwrap();
    assert_eq!(state, CalendarSyncState::default());
    assert!(
        store
            .item_index(&t, &calendar_id("c1"))
            .await
            .unwrap()
            .is_empty()
    );
}

pub(crate) async fn put_calendar_keeps_the_sync_state_and_index(store: &dyn Store) {
    let t = seed(store, "cal-keep", &["c1"]).await;
    let commit = calendar_commit("c1", "s7", &[("/c1/a.ics", Some(Some("\"a1\"")))], false);
    let expected_state = commit.state.clone();
    let commit = SyncCommit {
        calendars: vec![commit],
        link: None,
    };
    store.commit(&t, &commit).await.unwrap();

    let mut renamed = calendar("c1", "a1");
    renamed.name = "Renamed".to_string();
    renamed.capabilities.sync_collection = false;
    store.put_calendar(&t, &renamed).await.unwrap();

    assert_eq!(
        store.get_calendar(&t, &renamed.id).await.unwrap(),
        Some(renamed.clone())
    );
    assert_eq!(
        store.calendar_state(&t, &renamed.id).await.unwrap(),
        expected_state
    );
    assert_eq!(
        store.item_index(&t, &renamed.id).await.unwrap(),
        index(&[("/c1/a.ics", Some("\"a1\""))])
    );
}

pub(crate) async fn sync_states_are_listed_in_one_read(store: &dyn Store) {
    let t = seed(store, "cal-states", &["c1", "c2"]).await;
    let commit = calendar_commit("c1", "s9", &[("/c1/a.ics", Some(Some("\"a1\"")))], false);
    let expected = commit.state.clone();
    let commit = SyncCommit {
        calendars: vec![commit],
        link: None,
    };
    store.commit(&t, &commit).await.unwrap();

    let states = store.calendar_states(&t).await.unwrap();
    assert_eq!(states.get(&calendar_id("c1")), Some(&expected));
    assert!(
        states
            .get(&calendar_id("c2"))
            .is_none_or(|state| *state == CalendarSyncState::default()),
        "a calendar never checked has no state: {states:?}"
    );
    assert!(
        store
            .calendar_states(&tenant("cal-states-other"))
            .await
            .unwrap()
            .is_empty()
    );
}

pub(crate) async fn incremental_index_changes_touch_only_the_named_items(store: &dyn Store) {
    let t = seed(store, "cal-delta", &["c1"]).await;
    let first = calendar_commit(
        "c1",
        "s1",
        &[
            ("/c1/a.ics", Some(Some("\"a1\""))),
            ("/c1/b.ics", Some(Some("\"b1\""))),
            ("/c1/no-etag.ics", Some(None)),
        ],
        false,
    );
    let second = calendar_commit(
        "c1",
        "s2",
        &[
            ("/c1/a.ics", None),
            ("/c1/c.ics", Some(Some("\"c1\""))),
            ("/c1/never-seen.ics", None),
        ],
        false,
    );
    let second_state = second.state.clone();
    for commit in [first, second] {
        let commit = SyncCommit {
            calendars: vec![commit],
            link: None,
        };
        store.commit(&t, &commit).await.unwrap();
    }

    assert_eq!(
        store.item_index(&t, &calendar_id("c1")).await.unwrap(),
        index(&[
            ("/c1/b.ics", Some("\"b1\"")),
            ("/c1/c.ics", Some("\"c1\"")),
            ("/c1/no-etag.ics", None),
        ])
    );
    assert_eq!(
        store.calendar_state(&t, &calendar_id("c1")).await.unwrap(),
        second_state
    );
}

pub(crate) async fn a_complete_listing_replaces_the_index(store: &dyn Store) {
    let t = seed(store, "cal-replace", &["c1"]).await;
    let before = calendar_commit(
        "c1",
        "s1",
        &[
            ("/c1/a.ics", Some(Some("\"a1\""))),
            ("/c1/b.ics", Some(Some("\"b1\""))),
            ("/c1/c.ics", Some(Some("\"c1\""))),
        ],
        true,
    );
    // b unchanged, c changed, d new, a not listed (gone), e named as removed.
    let listing = calendar_commit(
        "c1",
        "s2",
        &[
            ("/c1/b.ics", Some(Some("\"b1\""))),
            ("/c1/c.ics", Some(Some("\"c2\""))),
            ("/c1/d.ics", Some(None)),
            ("/c1/e.ics", None),
        ],
        true,
    );
    for commit in [before, listing] {
        let commit = SyncCommit {
            calendars: vec![commit],
            link: None,
        };
        store.commit(&t, &commit).await.unwrap();
    }

    assert_eq!(
        store.item_index(&t, &calendar_id("c1")).await.unwrap(),
        index(&[
            ("/c1/b.ics", Some("\"b1\"")),
            ("/c1/c.ics", Some("\"c2\"")),
            ("/c1/d.ics", None),
        ])
    );

    // An empty complete listing empties the index.
    let empty = SyncCommit {
        calendars: vec![calendar_commit("c1", "s3", &[], true)],
        link: None,
    };
    store.commit(&t, &empty).await.unwrap();
    assert!(
        store
            .item_index(&t, &calendar_id("c1"))
            .await
            .unwrap()
            .is_empty()
    );
}

pub(crate) async fn a_commit_naming_an_unknown_calendar_writes_nothing(store: &dyn Store) {
    let t = seed(store, "cal-unknown", &["c1"]).await;
    let commit = SyncCommit {
        calendars: vec![
            calendar_commit("c1", "s1", &[("/c1/a.ics", Some(Some("\"a\"")))], false),
            calendar_commit("gone", "s1", &[("/gone/a.ics", Some(Some("\"a\"")))], false),
        ],
        link: None,
    };

    let result = store.commit(&t, &commit).await;

    assert!(matches!(result, Err(StoreError::NotFound(_))), "{result:?}");
    let state = store.calendar_state(&t, &calendar_id("c1")).await.unwrap();
    assert_eq!(state, CalendarSyncState::default());
    assert!(
        store
            .item_index(&t, &calendar_id("c1"))
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .item_index(&t, &calendar_id("gone"))
            .await
            .unwrap()
            .is_empty()
    );
}
