//! Accounts: CRUD, per-tenant name uniqueness, and deletion taking the calendars along.

use super::fixtures::{account, account_id, calendar, calendar_commit, calendar_id, tenant};
use crate::domain::AccountKind;
use crate::ports::{CalendarSyncState, Store, StoreError, SyncCommit};

pub(super) async fn run_all(store: &dyn Store) {
    account_round_trips_and_lists(store).await;
    put_account_replaces_by_id_and_frees_the_old_name(store).await;
    a_second_account_with_the_same_name_is_a_conflict(store).await;
    delete_account_removes_its_calendars_and_their_state(store).await;
}

pub(crate) async fn account_round_trips_and_lists(store: &dyn Store) {
    let t = tenant("acct-crud");
    let work = account("a1", "Work");
    let mut home = account("a2", "Home");
    home.kind = AccountKind::Google;
    home.url = None;
    home.username = None;
    store.put_account(&t, &work).await.unwrap();
    store.put_account(&t, &home).await.unwrap();

    assert_eq!(
        store.get_account(&t, &work.id).await.unwrap(),
        Some(work.clone())
    );
    assert_eq!(
        store.get_account(&t, &home.id).await.unwrap(),
        Some(home.clone())
    );
    assert_eq!(
        store.get_account(&t, &account_id("nobody")).await.unwrap(),
        None
    );
    let mut listed = store.list_accounts(&t).await.unwrap();
    listed.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(listed, vec![work, home]);
}

pub(crate) async fn put_account_replaces_by_id_and_frees_the_old_name(store: &dyn Store) {
    let t = tenant("acct-replace");
    store.put_account(&t, &account("a1", "Work")).await.unwrap();
    let mut renamed = account("a1", "Office");
    renamed.sealed_secret = vec![9, 9, 9];
    store.put_account(&t, &renamed).await.unwrap();

    assert_eq!(
        store.get_account(&t, &renamed.id).await.unwrap(),
        Some(renamed)
    );
    assert_eq!(store.list_accounts(&t).await.unwrap().len(), 1);
    store.put_account(&t, &account("a2", "Work")).await.unwrap();
    assert_eq!(store.list_accounts(&t).await.unwrap().len(), 2);
}

pub(crate) async fn a_second_account_with_the_same_name_is_a_conflict(store: &dyn Store) {
    let t = tenant("acct-clash");
    let first = account("a1", "Work");
    store.put_account(&t, &first).await.unwrap();

    let clash = store.put_account(&t, &account("a2", "Work")).await;
    assert!(matches!(clash, Err(StoreError::Conflict(_))), "{clash:?}");
    assert_eq!(
        store.get_account(&t, &account_id("a2")).await.unwrap(),
        None
    );
    assert_eq!(store.list_accounts(&t).await.unwrap(), vec![first]);
}

pub(crate) async fn delete_account_removes_its_calendars_and_their_state(store: &dyn Store) {
    let t = tenant("acct-delete");
    store.put_account(&t, &account("a1", "Work")).await.unwrap();
    store.put_account(&t, &account("a2", "Home")).await.unwrap();
    for (cal, owner) in [("c1", "a1"), ("c2", "a1"), ("c3", "a2")] {
        store.put_calendar(&t, &calendar(cal, owner)).await.unwrap();
    }
    let commit = SyncCommit {
        calendars: vec![
            calendar_commit("c1", "s1", &[("/c1/x.ics", Some(Some("\"1\"")))], true),
            calendar_commit("c3", "s1", &[("/c3/y.ics", Some(Some("\"1\"")))], true),
        ],
        link: None,
    };
    store.commit(&t, &commit).await.unwrap();

    store.delete_account(&t, &account_id("a1")).await.unwrap();

    assert_eq!(
        store.get_account(&t, &account_id("a1")).await.unwrap(),
        None
    );
    let remaining: Vec<_> = store.list_calendars(&t).await.unwrap();
    assert_eq!(remaining, vec![calendar("c3", "a2")]);
    assert_eq!(
        store.get_calendar(&t, &calendar_id("c1")).await.unwrap(),
        None
    );
    // Re-adding the calendar (same derived id) starts from scratch, not from stale rows.
    store.put_calendar(&t, &calendar("c1", "a1")).await.unwrap();
    let state = store.calendar_state(&t, &calendar_id("c1")).await.unwrap();
    assert_eq!(state, CalendarSyncState::default());
    assert!(
        store
            .item_index(&t, &calendar_id("c1"))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store
            .item_index(&t, &calendar_id("c3"))
            .await
            .unwrap()
            .len(),
        1
    );
    // Deleting what is already gone is not an error: retries must be safe.
    store.delete_account(&t, &account_id("a1")).await.unwrap();
}
