//! Links: CRUD, per-tenant name uniqueness, the status version, and deletion of their state.

use super::fixtures::{item, link, link_id, origin, shadow, star_link, synced, tenant};
use crate::domain::TenantId;
use crate::engine::LinkStateDelta;
use crate::ports::{LinkCommit, LinkStatus, Store, StoreError, SyncCommit, VersionedLinkState};
use chrono::{TimeZone, Utc};

pub(super) async fn run_all(store: &dyn Store) {
    link_round_trips_with_all_its_rules(store).await;
    put_link_replaces_by_id_and_keeps_the_state(store).await;
    a_second_link_with_the_same_name_is_a_conflict(store).await;
    a_new_link_has_empty_state_at_version_zero(store).await;
    put_link_status_checks_and_bumps_the_version(store).await;
    delete_link_removes_its_shadows_bindings_and_status(store).await;
}

fn halted_status() -> LinkStatus {
    LinkStatus {
        halted: Some("would delete 40 of 60 events on cwork".to_string()),
        allow_mass_delete_once: true,
        last_run: Some(Utc.timestamp_opt(1_767_300_000, 0).unwrap()),
        last_success: None,
        last_error: Some("deletion guard".to_string()),
        event_count: 60,
        version: 0,
    }
}

/// Commits one shadow and one binding to `id`, starting from version `from`.
pub(crate) async fn commit_one_event(store: &dyn Store, t: &TenantId, id: &str, from: u64) {
    let mut delta = LinkStateDelta::default();
    delta.shadows.insert(
        origin("c1", "e1"),
        Some(shadow("c1", "e1", "Lunch", &["c2"])),
    );
    delta.items.insert(
        item("c1", "/c1/e1.ics"),
        Some(synced("c1", "e1", Some("\"1\""))),
    );
    let commit = SyncCommit {
        calendars: vec![],
        link: Some(LinkCommit {
            link: link_id(id),
            expected_version: from,
            delta,
            status: LinkStatus::default(),
        }),
    };
    store.commit(t, &commit).await.unwrap();
}

pub(crate) async fn link_round_trips_with_all_its_rules(store: &dyn Store) {
    let t = tenant("link-crud");
    let star = star_link("l1", "Team");
    let mesh = link("l2", "Family", &["c1", "c2", "c3"]);
    store.put_link(&t, &star).await.unwrap();
    store.put_link(&t, &mesh).await.unwrap();

    assert_eq!(
        store.get_link(&t, &star.id).await.unwrap(),
        Some(star.clone())
    );
    assert_eq!(store.get_link(&t, &link_id("nope")).await.unwrap(), None);
    let mut listed = store.list_links(&t).await.unwrap();
    listed.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(listed, vec![star, mesh]);
}

pub(crate) async fn put_link_replaces_by_id_and_keeps_the_state(store: &dyn Store) {
    let t = tenant("link-replace");
    store
        .put_link(&t, &link("l1", "Pair", &["c1", "c2"]))
        .await
        .unwrap();
    commit_one_event(store, &t, "l1", 0).await;

    let widened = link("l1", "Trio", &["c1", "c2", "c3"]);
    store.put_link(&t, &widened).await.unwrap();

    assert_eq!(
        store.get_link(&t, &widened.id).await.unwrap(),
        Some(widened)
    );
    let loaded = store.load_link_state(&t, &link_id("l1")).await.unwrap();
    assert_eq!(
        loaded.state.shadows.len(),
        1,
        "editing a link must keep its shadows"
    );
    assert_eq!(loaded.state.items.len(), 1);
    assert_eq!(loaded.status.version, 1);
    store
        .put_link(&t, &link("l2", "Pair", &["c1", "c2"]))
        .await
        .unwrap();
}

pub(crate) async fn a_second_link_with_the_same_name_is_a_conflict(store: &dyn Store) {
    let t = tenant("link-clash");
    let first = link("l1", "Pair", &["c1", "c2"]);
    store.put_link(&t, &first).await.unwrap();

    let clash = store.put_link(&t, &link("l2", "Pair", &["c3", "c4"])).await;
    assert!(matches!(clash, Err(StoreError::Conflict(_))), "{clash:?}");
    assert_eq!(store.get_link(&t, &link_id("l2")).await.unwrap(), None);
    assert_eq!(store.list_links(&t).await.unwrap(), vec![first]);
}

pub(crate) async fn a_new_link_has_empty_state_at_version_zero(store: &dyn Store) {
    let t = tenant("link-fresh");
    store
        .put_link(&t, &link("l1", "Pair", &["c1", "c2"]))
        .await
        .unwrap();
    let loaded = store.load_link_state(&t, &link_id("l1")).await.unwrap();
    assert_eq!(loaded, VersionedLinkState::default());
}

pub(crate) async fn put_link_status_checks_and_bumps_the_version(store: &dyn Store) {
    let t = tenant("link-status");
    let id = link_id("l1");
    store
        .put_link(&t, &link("l1", "Pair", &["c1", "c2"]))
        .await
        .unwrap();

    store
        .put_link_status(&t, &id, 0, &halted_status())
        .await
        .unwrap();
    let loaded = store.load_link_state(&t, &id).await.unwrap().status;
    assert_eq!(
        loaded,
        LinkStatus {
            version: 1,
            ..halted_status()
        }
    );
    assert_eq!(
        store.link_status(&t, &id).await.unwrap(),
        loaded,
        "the cheap read agrees"
    );
    assert_eq!(
        store
            .link_status(&t, &link_id("never-stored"))
            .await
            .unwrap(),
        LinkStatus::default()
    );

    let stale = store
        .put_link_status(&t, &id, 0, &LinkStatus::default())
        .await;
    assert!(matches!(stale, Err(StoreError::Conflict(_))), "{stale:?}");
    let ahead = store
        .put_link_status(&t, &id, 7, &LinkStatus::default())
        .await;
    assert!(matches!(ahead, Err(StoreError::Conflict(_))), "{ahead:?}");
    assert_eq!(store.load_link_state(&t, &id).await.unwrap().status, loaded);

    // A commit continues from the version put_link_status left.
    commit_one_event(store, &t, "l1", 1).await;
    let resumed = LinkStatus::default();
    store.put_link_status(&t, &id, 2, &resumed).await.unwrap();
    assert_eq!(
        store.load_link_state(&t, &id).await.unwrap().status.version,
        3
    );

    let unknown = store
        .put_link_status(&t, &link_id("ghost"), 0, &resumed)
        .await;
    assert!(
        matches!(unknown, Err(StoreError::NotFound(_))),
        "{unknown:?}"
    );
}

pub(crate) async fn delete_link_removes_its_shadows_bindings_and_status(store: &dyn Store) {
    let t = tenant("link-delete");
    let id = link_id("l1");
    store
        .put_link(&t, &link("l1", "Pair", &["c1", "c2"]))
        .await
        .unwrap();
    store
        .put_link(&t, &link("l2", "Other", &["c1", "c2"]))
        .await
        .unwrap();
    commit_one_event(store, &t, "l1", 0).await;
    commit_one_event(store, &t, "l2", 0).await;

    store.delete_link(&t, &id).await.unwrap();

    assert_eq!(store.get_link(&t, &id).await.unwrap(), None);
    assert_eq!(store.list_links(&t).await.unwrap().len(), 1);
    assert_eq!(
        store.load_link_state(&t, &id).await.unwrap(),
        VersionedLinkState::default()
    );
    // A link re-created under the same id starts from nothing.
    store
        .put_link(&t, &link("l1", "Pair", &["c1", "c2"]))
        .await
        .unwrap();
    assert_eq!(
        store.load_link_state(&t, &id).await.unwrap(),
        VersionedLinkState::default()
    );
    // The other link is untouched.
    let other = store.load_link_state(&t, &link_id("l2")).await.unwrap();
    assert_eq!((other.state.shadows.len(), other.status.version), (1, 1));
    store
        .delete_link(&t, &link_id("never-existed"))
        .await
        .unwrap();
}
