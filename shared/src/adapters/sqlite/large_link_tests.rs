//! A link the size of a busy shared calendar: 10,000 events on three calendars.

use super::SqliteStore;
use crate::domain::{Etag, RemoteId, TenantId};
use crate::engine::{LinkState, LinkStateDelta};
use crate::ports::contract::store::fixtures::{
    account, calendar, calendar_id, item, link, link_id, origin, shadow, synced, tenant,
};
use crate::ports::{
    AccountStore, CalendarCommit, CalendarStore, CalendarSyncState, IndexChange, LinkCommit,
    LinkStatus, LinkStore, SyncCommit, SyncStateStore,
};
use std::collections::BTreeMap;
use std::time::Instant;

const EVENTS: usize = 10_000;
const COPIES: [&str; 2] = ["c2", "c3"];

fn uid(n: usize) -> String {
    format!("event-{n:05}@example.org")
}

fn initial_delta() -> LinkStateDelta {
    let mut delta = LinkStateDelta::default();
    for n in 0..EVENTS {
        let uid = uid(n);
        let summary = format!("Meeting {n}");
        let shadow = shadow("c1", &uid, &summary, &COPIES);
        for (calendar, side) in &shadow.sides {
            let binding = synced("c1", &uid, Some(&format!("\"{n}-1\"")));
            delta
                .items
                .insert(item(calendar.as_str(), &side.remote_id.0), Some(binding));
        }
        delta.shadows.insert(origin("c1", &uid), Some(shadow));
    }
    delta
}

/// 100 events edited, 10 deleted everywhere: what one busy pass produces.
fn pass_delta(state: &LinkState) -> LinkStateDelta {
    let mut delta = LinkStateDelta::default();
    for n in (0..EVENTS).step_by(EVENTS / 100) {
        let uid = uid(n);
        let edited = shadow("c1", &uid, &format!("Meeting {n} (moved)"), &COPIES);
        for (calendar, side) in &edited.sides {
            let binding = synced("c1", &uid, Some(&format!("\"{n}-2\"")));
            delta
                .items
                .insert(item(calendar.as_str(), &side.remote_id.0), Some(binding));
        }
        delta.shadows.insert(origin("c1", &uid), Some(edited));
    }
    for n in (7..EVENTS).step_by(EVENTS / 10) {
        let key = origin("c1", &uid(n));
        for (calendar, side) in &state.shadows[&key].sides {
            delta
                .items
                .insert(item(calendar.as_str(), &side.remote_id.0), None);
        }
        delta.shadows.insert(key, None);
    }
    delta
}

async fn seed(store: &SqliteStore) -> TenantId {
    let t = tenant("large");
    store.put_account(&t, &account("a1", "Work")).await.unwrap();
    for id in ["c1", "c2", "c3"] {
        store.put_calendar(&t, &calendar(id, "a1")).await.unwrap();
    }
    store
        .put_link(&t, &link("l1", "Big", &["c1", "c2", "c3"]))
        .await
        .unwrap();
    t
}

fn link_commit(from: u64, delta: LinkStateDelta) -> SyncCommit {
    SyncCommit {
        calendars: vec![],
        link: Some(LinkCommit {
            link: link_id("l1"),
            expected_version: from,
            delta,
            status: LinkStatus::default(),
        }),
    }
}

#[tokio::test]
async fn a_ten_thousand_event_link_loads_and_commits_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("calsync.db")).unwrap();
    let t = seed(&store).await;
    let id = link_id("l1");

    let initial = initial_delta();
    let started = Instant::now();
    store
        .commit(&t, &link_commit(0, initial.clone()))
        .await
        .unwrap();
    let initial_commit = started.elapsed();

    let started = Instant::now();
    let loaded = store.load_link_state(&t, &id).await.unwrap();
    let load = started.elapsed();
    let mut expected = LinkState::default();
    expected.apply(&initial);
    assert_eq!(loaded.state.shadows.len(), EVENTS);
    assert_eq!(loaded.state.items.len(), EVENTS * 3);
    assert_eq!(loaded.state, expected);

    let pass = pass_delta(&expected);
    assert_eq!(pass.shadows.len(), 110);
    let started = Instant::now();
    store
        .commit(&t, &link_commit(1, pass.clone()))
        .await
        .unwrap();
    let pass_commit = started.elapsed();

    expected.apply(&pass);
    let loaded = store.load_link_state(&t, &id).await.unwrap();
    assert_eq!(loaded.state.shadows.len(), EVENTS - 10);
    assert_eq!(loaded.state, expected);
    assert_eq!(loaded.status.version, 2);
    // Not asserted (machines differ); printed for `--nocapture` runs.
    eprintln!(
        "10k link: initial commit {initial_commit:?}, load {load:?}, \
         commit of 110 changed shadows {pass_commit:?}"
    );
}

#[tokio::test]
async fn a_complete_listing_of_ten_thousand_items_rewrites_only_the_changes() {
    let store = SqliteStore::in_memory().unwrap();
    let t = seed(&store).await;
    let c1 = calendar_id("c1");
    let listing = |generation: usize| -> BTreeMap<RemoteId, IndexChange> {
        (0..EVENTS)
            .filter(|n| generation == 0 || n % 1000 != 0)
            .map(|n| {
                let etag = if generation > 0 && n % 100 == 1 {
                    n + 1
                } else {
                    n
                };
                let id = RemoteId(format!("/c1/{n}.ics"));
                (id, IndexChange::Upsert(Some(Etag(format!("\"{etag}\"")))))
            })
            .collect()
    };
    for generation in 0..2 {
        let commit = SyncCommit {
            calendars: vec![CalendarCommit {
                calendar: c1.clone(),
                state: CalendarSyncState::default(),
                index: listing(generation),
                replace_index: true,
            }],
            link: None,
        };
        let started = Instant::now();
        store.commit(&t, &commit).await.unwrap();
        eprintln!("complete listing {generation}: {:?}", started.elapsed());
    }

    let index = store.item_index(&t, &c1).await.unwrap();
    assert_eq!(index.len(), EVENTS - 10);
    let expected: BTreeMap<_, _> = listing(1)
        .into_iter()
        .map(|(id, change)| match change {
            IndexChange::Upsert(etag) => (id, etag),
            IndexChange::Remove => unreachable!(),
        })
        .collect();
    assert_eq!(index, expected);
}
