//! The [`PendingAuthorizationStore`] contract: one-time, expiring, found by key alone.

use super::store::fixtures::tenant;
use crate::domain::{AccountKind, TenantId};
use crate::ports::{PendingAuthorization, PendingAuthorizationStore, StoreError};
use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use rand::RngCore;

pub(crate) async fn run_all(store: &dyn PendingAuthorizationStore) {
    a_pending_authorization_is_taken_once(store).await;
    an_expired_authorization_is_not_handed_out(store).await;
    a_key_in_use_is_a_conflict(store).await;
    of_two_concurrent_takes_exactly_one_wins(store).await;
}

fn unique_key() -> String {
    format!(
        "{:016x}{:016x}",
        rand::rng().next_u64(),
        rand::rng().next_u64()
    )
}

fn noon() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0).unwrap()
}

fn pending(tenant: &TenantId, name: &str) -> PendingAuthorization {
    PendingAuthorization {
        tenant: tenant.clone(),
        provider: AccountKind::Google,
        account_name: name.to_string(),
        sealed_verifier: vec![0, 1, 0xfe, 0xff, 7],
        redirect_uri: "https://api.example.org/oauth/google/callback".into(),
        expires_at: noon() + TimeDelta::minutes(10),
    }
}

pub(crate) async fn a_pending_authorization_is_taken_once(store: &dyn PendingAuthorizationStore) {
    let t = tenant("oauth-once");
    let key = unique_key();
    store
        .put_pending_authorization(&key, &pending(&t, "Work"))
        .await
        .unwrap();
    let taken = store
        .take_pending_authorization(&key, noon())
        .await
        .unwrap();
    assert_eq!(taken, Some(pending(&t, "Work")));
    let replayed = store
        .take_pending_authorization(&key, noon())
        .await
        .unwrap();
    assert_eq!(replayed, None, "a state redeems once");
    let unknown = store
        .take_pending_authorization(&unique_key(), noon())
        .await
        .unwrap();
    assert_eq!(unknown, None);
}

pub(crate) async fn an_expired_authorization_is_not_handed_out(
    store: &dyn PendingAuthorizationStore,
) {
    let t = tenant("oauth-expired");
    let key = unique_key();
    let record = pending(&t, "Late");
    store
        .put_pending_authorization(&key, &record)
        .await
        .unwrap();
    let at_expiry = store
        .take_pending_authorization(&key, record.expires_at)
        .await
        .unwrap();
    assert_eq!(at_expiry, None);
    // It is gone, not kept for later.
    let before = store
        .take_pending_authorization(&key, noon())
        .await
        .unwrap();
    assert_eq!(before, None);
}

pub(crate) async fn a_key_in_use_is_a_conflict(store: &dyn PendingAuthorizationStore) {
    let (a, b) = (tenant("oauth-conflict-a"), tenant("oauth-conflict-b"));
    let key = unique_key();
    store
        .put_pending_authorization(&key, &pending(&a, "Mine"))
        .await
        .unwrap();
    let result = store
        .put_pending_authorization(&key, &pending(&b, "Theirs"))
        .await;
    assert!(matches!(result, Err(StoreError::Conflict(_))), "{result:?}");
    let taken = store
        .take_pending_authorization(&key, noon())
        .await
        .unwrap();
    assert_eq!(taken.map(|p| p.tenant), Some(a));
}

pub(crate) async fn of_two_concurrent_takes_exactly_one_wins(
    store: &dyn PendingAuthorizationStore,
) {
    let t = tenant("oauth-race");
    let key = unique_key();
    store
        .put_pending_authorization(&key, &pending(&t, "Race"))
        .await
        .unwrap();
    let (first, second) = futures::join!(
        store.take_pending_authorization(&key, noon()),
        store.take_pending_authorization(&key, noon())
    );
    let winners = [first.unwrap(), second.unwrap()]
        .into_iter()
        .flatten()
        .count();
    assert_eq!(winners, 1);
}
