//! The [`ApiKeyStore`] contract. Key ids are global (a request names only its key), so each
//! check makes ids of its own and the suite can run again on a persistent backend.

use super::store::fixtures::tenant;
use crate::domain::TenantId;
use crate::ports::{ApiKeyRecord, ApiKeyStore, StoreError};
use chrono::{TimeZone, Utc};
use rand::RngCore;
use sha2::Digest;

pub(crate) async fn run_all(keys: &dyn ApiKeyStore) {
    a_key_is_found_by_its_id_alone_with_its_tenant(keys).await;
    a_key_id_is_never_reused_not_even_by_another_tenant(keys).await;
    keys_are_listed_per_tenant_in_creation_order(keys).await;
    only_the_owning_tenant_revokes_a_key(keys).await;
}

fn unique_id() -> String {
    format!("k{:015x}", rand::rng().next_u64() >> 4)
}

fn record(id: &str, tenant: &TenantId, secret: &str, minute: u32) -> ApiKeyRecord {
    ApiKeyRecord {
        id: id.to_string(),
        tenant: tenant.clone(),
        secret_hash: hex::encode(sha2::Sha256::digest(secret.as_bytes())),
        label: format!("key for {tenant}"),
        created_at: Utc.with_ymd_and_hms(2026, 6, 1, 12, minute, 0).unwrap(),
    }
}

pub(crate) async fn a_key_is_found_by_its_id_alone_with_its_tenant(keys: &dyn ApiKeyStore) {
    let t = tenant("keys-find");
    let id = unique_id();
    let stored = record(&id, &t, "s3cret", 0);
    keys.put_api_key(&stored).await.unwrap();
    assert_eq!(keys.find_api_key(&id).await.unwrap(), Some(stored));
    assert_eq!(keys.find_api_key(&unique_id()).await.unwrap(), None);
}

pub(crate) async fn a_key_id_is_never_reused_not_even_by_another_tenant(keys: &dyn ApiKeyStore) {
    let (a, b) = (tenant("keys-reuse-a"), tenant("keys-reuse-b"));
    let id = unique_id();
    let original = record(&id, &a, "first", 0);
    keys.put_api_key(&original).await.unwrap();
    for intruder in [record(&id, &b, "second", 1), record(&id, &a, "third", 2)] {
        let result = keys.put_api_key(&intruder).await;
        assert!(matches!(result, Err(StoreError::Conflict(_))), "{result:?}");
    }
    assert_eq!(keys.find_api_key(&id).await.unwrap(), Some(original));
    assert!(keys.list_api_keys(&b).await.unwrap().is_empty());
}

pub(crate) async fn keys_are_listed_per_tenant_in_creation_order(keys: &dyn ApiKeyStore) {
    let (a, b) = (tenant("keys-list-a"), tenant("keys-list-b"));
    let later = record(&unique_id(), &a, "later", 30);
    let earlier = record(&unique_id(), &a, "earlier", 10);
    let other = record(&unique_id(), &b, "other", 20);
    for key in [&later, &earlier, &other] {
        keys.put_api_key(key).await.unwrap();
    }
    assert_eq!(keys.list_api_keys(&a).await.unwrap(), vec![earlier, later]);
    assert_eq!(keys.list_api_keys(&b).await.unwrap(), vec![other]);
}

pub(crate) async fn only_the_owning_tenant_revokes_a_key(keys: &dyn ApiKeyStore) {
    let (a, b) = (tenant("keys-revoke-a"), tenant("keys-revoke-b"));
    let id = unique_id();
    keys.put_api_key(&record(&id, &a, "s", 0)).await.unwrap();

    let result = keys.delete_api_key(&b, &id).await;
    assert!(matches!(result, Err(StoreError::NotFound(_))), "{result:?}");
    assert!(keys.find_api_key(&id).await.unwrap().is_some());

    keys.delete_api_key(&a, &id).await.unwrap();
    assert_eq!(keys.find_api_key(&id).await.unwrap(), None);
    assert!(keys.list_api_keys(&a).await.unwrap().is_empty());
    let again = keys.delete_api_key(&a, &id).await;
    assert!(matches!(again, Err(StoreError::NotFound(_))), "{again:?}");
}
