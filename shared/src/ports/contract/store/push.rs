//! Push channels, idempotency keys and parked jobs.

use super::fixtures::{calendar_id, tenant};
use crate::domain::{AccountKind, TenantId};
use crate::ports::{DeadJob, Job, PushChannel, Store, SyncReason};
use chrono::{DateTime, TimeDelta, TimeZone, Utc};

pub(super) async fn run_all(store: &dyn Store) {
    a_channel_is_found_by_id_alone_with_its_tenant(store).await;
    channels_are_listed_and_deleted_per_tenant(store).await;
    a_notification_key_is_remembered_until_it_expires(store).await;
    idempotency_keys_are_per_tenant(store).await;
    dead_jobs_are_parked_listed_and_forgotten_per_tenant(store).await;
}

fn at(hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, hour, 0, 0).unwrap()
}

fn channel(id: &str, secret: &str) -> PushChannel {
    PushChannel {
        id: id.to_string(),
        calendar: calendar_id("c1"),
        provider: AccountKind::Google,
        resource_id: Some("res-1".into()),
        secret_hash: PushChannel::hash_secret(secret),
        expires_at: at(12),
        created_at: at(0),
    }
}

/// Channel ids are shared by the whole store: each check makes its own.
fn unique(label: &str, t: &TenantId) -> String {
    format!("{label}-{t}")
}

pub(crate) async fn a_channel_is_found_by_id_alone_with_its_tenant(store: &dyn Store) {
    let t = tenant("push-find");
    let id = unique("ch", &t);
    store.put_channel(&t, &channel(&id, "s1")).await.unwrap();
    let (owner, found) = store.find_channel(&id).await.unwrap().expect("found");
    assert_eq!(owner, t);
    assert_eq!(found, channel(&id, "s1"));
    assert!(found.secret_matches("s1"));
    // Renewal replaces it in place.
    let mut renewed = channel(&id, "s1");
    renewed.expires_at = at(23);
    store.put_channel(&t, &renewed).await.unwrap();
    assert_eq!(
        store.find_channel(&id).await.unwrap().unwrap().1.expires_at,
        at(23)
    );
    assert!(
        store
            .find_channel("no-such-channel")
            .await
            .unwrap()
            .is_none()
    );
}

pub(crate) async fn channels_are_listed_and_deleted_per_tenant(store: &dyn Store) {
    let (a, b) = (tenant("push-list-a"), tenant("push-list-b"));
    let (ida, idb) = (unique("ch", &a), unique("ch", &b));
    store.put_channel(&a, &channel(&ida, "x")).await.unwrap();
    store.put_channel(&b, &channel(&idb, "y")).await.unwrap();
    let listed: Vec<String> = store
        .list_channels(&a)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(listed, vec![ida.clone()]);
    // Another tenant cannot delete it.
    store.delete_channel(&b, &ida).await.unwrap();
    assert!(store.find_channel(&ida).await.unwrap().is_some());
    store.delete_channel(&a, &ida).await.unwrap();
    assert!(store.find_channel(&ida).await.unwrap().is_none());
    store.delete_channel(&a, &ida).await.unwrap();
    assert_eq!(store.list_channels(&b).await.unwrap().len(), 1);
}

pub(crate) async fn a_notification_key_is_remembered_until_it_expires(store: &dyn Store) {
    let t = tenant("idem");
    let key = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    assert!(
        store.remember(&t, key, at(0), at(1)).await.unwrap(),
        "first delivery"
    );
    assert!(
        !store.remember(&t, key, at(0), at(1)).await.unwrap(),
        "a duplicate"
    );
    let just_before = at(1) - TimeDelta::seconds(1);
    assert!(!store.remember(&t, key, just_before, at(2)).await.unwrap());
    assert!(
        store.remember(&t, key, at(1), at(3)).await.unwrap(),
        "after expiry it is new"
    );
    assert!(store.remember(&t, "another", at(1), at(3)).await.unwrap());
    store.forget(&t, "another").await.unwrap();
    assert!(
        store.remember(&t, "another", at(1), at(3)).await.unwrap(),
        "forgotten: new again"
    );
    store.forget(&t, "never-seen").await.unwrap();
}

pub(crate) async fn idempotency_keys_are_per_tenant(store: &dyn Store) {
    let (a, b) = (tenant("idem-a"), tenant("idem-b"));
    assert!(store.remember(&a, "k", at(0), at(5)).await.unwrap());
    assert!(store.remember(&b, "k", at(0), at(5)).await.unwrap());
}

pub(crate) async fn dead_jobs_are_parked_listed_and_forgotten_per_tenant(store: &dyn Store) {
    let (a, b) = (tenant("dead-a"), tenant("dead-b"));
    let dead = DeadJob {
        id: "job-1".into(),
        job: Job::Sync {
            tenant: a.clone(),
            calendars: vec![calendar_id("c1"), calendar_id("c2")],
            reason: SyncReason::Push,
            cursors: Default::default(),
        },
        error: "c1: temporary failure: 503".into(),
        attempts: 5,
        parked_at: at(4),
    };
    store.park_job(&a, &dead).await.unwrap();
    assert_eq!(store.dead_jobs(&a).await.unwrap(), vec![dead.clone()]);
    assert!(store.dead_jobs(&b).await.unwrap().is_empty());
    store.forget_dead_job(&b, "job-1").await.unwrap();
    assert_eq!(store.dead_jobs(&a).await.unwrap().len(), 1);
    store.forget_dead_job(&a, "job-1").await.unwrap();
    assert!(store.dead_jobs(&a).await.unwrap().is_empty());
}
