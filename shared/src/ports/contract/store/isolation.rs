//! Tenant isolation: two tenants using the same ids and names never see or touch each
//! other's data.

use super::fixtures::{
    account, account_id, calendar, calendar_commit, calendar_id, link, link_id, origin, shadow,
    tenant,
};
use crate::domain::TenantId;
use crate::engine::LinkStateDelta;
use crate::ports::{
    CalendarSyncState, LinkCommit, LinkStatus, Store, StoreError, SyncCommit, VersionedLinkState,
};

pub(super) async fn run_all(store: &dyn Store) {
    tenants_with_the_same_ids_do_not_collide(store).await;
    a_tenant_cannot_change_another_tenants_data(store).await;
}

/// Account a1 (named "Work"), calendars c1/c2 and link l1 (named "Pair"), in `t`, with
/// contents that say which tenant they belong to.
async fn seed(store: &dyn Store, t: &TenantId, marker: &str) {
    let mut acct = account("a1", "Work");
    acct.username = Some(format!("user-{marker}"));
    acct.sealed_secret = marker.as_bytes().to_vec();
    store.put_account(t, &acct).await.unwrap();
    for id in ["c1", "c2"] {
        let mut cal = calendar(id, "a1");
        cal.name = format!("{id} of {marker}");
        store.put_calendar(t, &cal).await.unwrap();
    }
    store
        .put_link(t, &link("l1", "Pair", &["c1", "c2"]))
        .await
        .unwrap();
    let mut delta = LinkStateDelta::default();
    delta.shadows.insert(
        origin("c1", "same-uid"),
        Some(shadow("c1", "same-uid", marker, &["c2"])),
    );
    let commit = SyncCommit {
        calendars: vec![calendar_commit(
            "c1",
            marker,
            &[("/c1/same.ics", Some(Some(marker)))],
            true,
        )],
        link: Some(LinkCommit {
            link: link_id("l1"),
            expected_version: 0,
            delta,
            status: LinkStatus::default(),
        }),
    };
    store.commit(t, &commit).await.unwrap();
}

async fn snapshot(store: &dyn Store, t: &TenantId) -> String {
    let c1 = calendar_id("c1");
    format!(
        "{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}",
        store.list_accounts(t).await.unwrap(),
        store.list_calendars(t).await.unwrap(),
        store.calendar_state(t, &c1).await.unwrap(),
        store.item_index(t, &c1).await.unwrap(),
        store.list_links(t).await.unwrap(),
        store.load_link_state(t, &link_id("l1")).await.unwrap(),
        store.calendar_state(t, &calendar_id("c2")).await.unwrap(),
    )
}

pub(crate) async fn tenants_with_the_same_ids_do_not_collide(store: &dyn Store) {
    let (a, b) = (tenant("iso-a"), tenant("iso-b"));
    seed(store, &a, "alpha").await;
    // Same ids and names in a second tenant: no conflict, no overwrite.
    seed(store, &b, "beta").await;

    for (t, marker) in [(&a, "alpha"), (&b, "beta")] {
        let acct = store
            .get_account(t, &account_id("a1"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(acct.sealed_secret, marker.as_bytes());
        assert_eq!(store.list_accounts(t).await.unwrap().len(), 1);
        let cal = store
            .get_calendar(t, &calendar_id("c1"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(cal.name, format!("c1 of {marker}"));
        assert_eq!(store.list_calendars(t).await.unwrap().len(), 2);
        let state = store.calendar_state(t, &calendar_id("c1")).await.unwrap();
        assert!(state.cursor.token.unwrap().ends_with(marker));
        let index = store.item_index(t, &calendar_id("c1")).await.unwrap();
        assert_eq!(index.values().next().unwrap().as_ref().unwrap().0, marker);
        assert_eq!(store.list_links(t).await.unwrap().len(), 1);
        let loaded = store.load_link_state(t, &link_id("l1")).await.unwrap();
        assert_eq!(loaded.status.version, 1, "each tenant has its own version");
        let only = loaded.state.shadows.values().next().unwrap();
        assert_eq!(only.base.summary(), Some(marker));
        assert_eq!(loaded.state.shadows.len(), 1);
    }
}

pub(crate) async fn a_tenant_cannot_change_another_tenants_data(store: &dyn Store) {
    let (victim, other) = (tenant("iso-victim"), tenant("iso-other"));
    seed(store, &victim, "victim").await;
    let before = snapshot(store, &victim).await;

    // The other tenant knows the ids but owns nothing under them.
    let commit_to_theirs = SyncCommit {
        calendars: vec![calendar_commit("c1", "evil", &[], true)],
        link: None,
    };
    let result = store.commit(&other, &commit_to_theirs).await;
    assert!(matches!(result, Err(StoreError::NotFound(_))), "{result:?}");
    let mut wipe = LinkStateDelta::default();
    wipe.shadows.insert(origin("c1", "same-uid"), None);
    let link_commit = SyncCommit {
        calendars: vec![],
        link: Some(LinkCommit {
            link: link_id("l1"),
            expected_version: 1,
            delta: wipe,
            status: LinkStatus::default(),
        }),
    };
    let result = store.commit(&other, &link_commit).await;
    assert!(matches!(result, Err(StoreError::NotFound(_))), "{result:?}");
    let result = store
        .put_link_status(&other, &link_id("l1"), 1, &LinkStatus::default())
        .await;
    assert!(matches!(result, Err(StoreError::NotFound(_))), "{result:?}");
    store.delete_link(&other, &link_id("l1")).await.unwrap();
    store
        .delete_account(&other, &account_id("a1"))
        .await
        .unwrap();

    assert_eq!(snapshot(store, &victim).await, before);
    // Nor did anything leak into the other tenant.
    let t = &other;
    assert!(store.list_accounts(t).await.unwrap().is_empty());
    assert!(store.list_calendars(t).await.unwrap().is_empty());
    assert!(store.list_links(t).await.unwrap().is_empty());
    let c1 = calendar_id("c1");
    assert_eq!(
        store.calendar_state(t, &c1).await.unwrap(),
        CalendarSyncState::default()
    );
    assert!(store.item_index(t, &c1).await.unwrap().is_empty());
    let state = store.load_link_state(t, &link_id("l1")).await.unwrap();
    assert_eq!(state, VersionedLinkState::default());
}
