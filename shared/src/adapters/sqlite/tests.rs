use super::SqliteStore;
use crate::engine::LinkStateDelta;
use crate::ports::contract;
use crate::ports::contract::store::fixtures::{
    account, calendar, calendar_commit, calendar_id, link, link_id, origin, rich_shadow, tenant,
};
use crate::ports::{
    AccountStore, CalendarStore, LinkCommit, LinkStatus, LinkStore, StoreError, SyncCommit,
    SyncStateStore,
};
use std::os::unix::fs::PermissionsExt;

#[tokio::test]
async fn in_memory_store_passes_the_store_contract() {
    let store = SqliteStore::in_memory().unwrap();
    contract::store::run_all(&store).await;
}

// Multi-threaded, so the contract's racing commits really run in parallel.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn file_store_passes_the_store_contract() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("calsync.db")).unwrap();
    contract::store::run_all(&store).await;
}

#[tokio::test]
async fn sqlite_store_passes_the_api_key_and_pending_authorization_contracts() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("calsync.db")).unwrap();
    contract::api_keys::run_all(&store).await;
    contract::pending_authorizations::run_all(&store).await;
}

#[tokio::test]
async fn file_store_keeps_everything_across_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("calsync.db");
    let t = tenant("durable");
    let rich = rich_shadow("c1", &t);
    let calendar_part = calendar_commit("c1", "s1", &[("/c1/a.ics", Some(Some("\"a\"")))], true);
    {
        let store = SqliteStore::open(&path).unwrap();
        store.put_account(&t, &account("a1", "Work")).await.unwrap();
        store.put_calendar(&t, &calendar("c1", "a1")).await.unwrap();
        store
            .put_link(&t, &link("l1", "Pair", &["c1", "c2"]))
            .await
            .unwrap();
        let mut delta = LinkStateDelta::default();
        delta
            .shadows
            .insert(rich.origin.clone(), Some(rich.clone()));
        let commit = SyncCommit {
            calendars: vec![calendar_part.clone()],
            link: Some(LinkCommit {
                link: link_id("l1"),
                expected_version: 0,
                delta,
                status: LinkStatus {
                    event_count: 1,
                    ..LinkStatus::default()
                },
            }),
        };
        store.commit(&t, &commit).await.unwrap();
    }

    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(
        store.list_accounts(&t).await.unwrap(),
        vec![account("a1", "Work")]
    );
    assert_eq!(
        store.list_calendars(&t).await.unwrap(),
        vec![calendar("c1", "a1")]
    );
    let c1 = calendar_id("c1");
    assert_eq!(
        store.calendar_state(&t, &c1).await.unwrap(),
        calendar_part.state
    );
    assert_eq!(store.item_index(&t, &c1).await.unwrap().len(), 1);
    let loaded = store.load_link_state(&t, &link_id("l1")).await.unwrap();
    assert_eq!(loaded.status.version, 1);
    assert_eq!(loaded.status.event_count, 1);
    assert_eq!(loaded.state.shadows.get(&rich.origin), Some(&rich));
}

#[tokio::test]
async fn database_files_are_private_to_their_owner() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("calsync.db");
    let store = SqliteStore::open(&path).unwrap();
    store
        .put_account(&tenant("mode"), &account("a1", "Work"))
        .await
        .unwrap();
    let mut checked = 0;
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let entry = entry.unwrap();
        let mode = entry.metadata().unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{:?}", entry.file_name());
        checked += 1;
    }
    // The database and its WAL (and shared-memory index).
    assert!(checked >= 2, "{checked} files");
}

#[tokio::test]
async fn a_corrupt_row_is_reported_not_defaulted() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("calsync.db");
    let t = tenant("corrupt");
    let store = SqliteStore::open(&path).unwrap();
    store
        .put_link(&t, &link("l1", "Pair", &["c1", "c2"]))
        .await
        .unwrap();
    let mut delta = LinkStateDelta::default();
    delta
        .shadows
        .insert(origin("c1", "e1"), Some(rich_shadow("c1", &t)));
    let commit = SyncCommit {
        calendars: vec![],
        link: Some(LinkCommit {
            link: link_id("l1"),
            expected_version: 0,
            delta,
            status: LinkStatus::default(),
        }),
    };
    store.commit(&t, &commit).await.unwrap();

    // A foreign writer (or a bug) leaves a shadow that is not valid JSON.
    let raw = rusqlite::Connection::open(&path).unwrap();
    raw.execute(
        "UPDATE shadows SET body = '{\"origin\": 1' WHERE tenant = ?1",
        [t.as_str()],
    )
    .unwrap();
    drop(raw);

    let err = store.load_link_state(&t, &link_id("l1")).await.unwrap_err();
    assert!(matches!(err, StoreError::Corrupt(_)), "{err:?}");
    assert!(err.to_string().contains("shadow"), "{err}");
}

#[tokio::test]
async fn opening_something_that_is_not_a_database_fails_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("calsync.db");
    std::fs::write(
        &path,
        b"this is a text file, not SQLite, and long enough to have a header",
    )
    .unwrap();
    let err = SqliteStore::open(&path).unwrap_err();
    assert!(matches!(err, StoreError::Corrupt(_)), "{err:?}");
}
