//! The Lambda adapter and calsync-admin without AWS: API Gateway events in, responses out
//! (only requests the API answers before any store access), and the admin commands on
//! SQLite. The handler against DynamoDB, KMS and SQS is tested in tests/integration.

use super::admin::{Command, KeyCommand, TenantCommand, run};
use super::{ApiFunction, api_request};
use async_trait::async_trait;
use calsync_core::adapters::ProviderConnector;
use calsync_core::adapters::aws::config::for_emulator;
use calsync_core::adapters::endpoints::{OAuthApps, ProviderEndpoints};
use calsync_core::adapters::sqlite::SqliteStore;
use calsync_core::cloud::api::OAuthSettings;
use calsync_core::cloud::api::auth::authenticate;
use calsync_core::cloud::{CloudConfig, CloudRuntime};
use calsync_core::domain::TenantId;
use calsync_core::ports::{ApiKeyStore, StoreError, TenantDirectory};
use chrono::{DateTime, Utc};
use std::sync::{Arc, Mutex};

const SAMPLE: &str = include_str!("../../../events/api-list-links.json");

#[test]
fn the_sample_event_becomes_the_request_the_api_sees() {
    let request = lambda_http::request::from_str(SAMPLE).unwrap();
    let seen = api_request(request);
    assert_eq!(seen.method, "GET");
    assert_eq!(seen.path, "/api/links");
    assert_eq!(seen.request_id.as_deref(), Some("Cq3xgjA9oAMEbXw="));
    assert!(
        seen.header("Authorization")
            .is_some_and(|h| h.starts_with("Bearer csk_sampleeventkey23_"))
    );
}

/// A function whose AWS endpoint answers nothing: fine for requests that never reach it.
async fn offline_function() -> ApiFunction {
    let config = CloudConfig::from_lookup(|name| match name {
        "CALSYNC_TABLE_NAME" => Some("offline".into()),
        "CALSYNC_QUEUE_URL" => Some("http://127.0.0.1:1/123456789012/jobs".into()),
        "CALSYNC_KMS_KEY_ID" => Some("alias/offline".into()),
        _ => None,
    })
    .unwrap();
    let sdk = for_emulator("http://127.0.0.1:1").await;
    let runtime = CloudRuntime::new(&sdk, config, Arc::new(ProviderConnector::default()));
    let oauth = OAuthSettings {
        endpoints: ProviderEndpoints::from_lookup(|_| None),
        apps: OAuthApps::default(),
        public_url: None,
    };
    ApiFunction::with_oauth(runtime, oauth).unwrap()
}

#[tokio::test]
async fn answers_keep_their_status_content_type_and_headers() {
    let function = offline_function().await;
    let mut event: serde_json::Value = serde_json::from_str(SAMPLE).unwrap();
    event["headers"]
        .as_object_mut()
        .unwrap()
        .remove("authorization");
    let request = lambda_http::request::from_str(&event.to_string()).unwrap();
    let response = function.handle(request).await.unwrap();
    assert_eq!(response.status(), 401);
    let header = |name: &str| response.headers().get(name).unwrap().to_str().unwrap();
    assert_eq!(header("content-type"), "application/json");
    assert_eq!(header("www-authenticate"), "Bearer");
    assert_eq!(header("cache-control"), "no-store");
    let body = std::str::from_utf8(response.body().as_ref()).unwrap();
    assert_eq!(body, r#"{"error":"a valid API key is required"}"#);

    event["rawPath"] = "/api/nothing".into();
    let request = lambda_http::request::from_str(&event.to_string()).unwrap();
    assert_eq!(function.handle(request).await.unwrap().status(), 404);
}

#[derive(Default)]
struct Directory(Mutex<Vec<TenantId>>);

#[async_trait]
impl TenantDirectory for Directory {
    async fn create_tenant(&self, tenant: &TenantId, _: DateTime<Utc>) -> Result<(), StoreError> {
        let mut known = self.0.lock().unwrap();
        if known.contains(tenant) {
            return Err(StoreError::Conflict(format!("tenant {tenant}")));
        }
        known.push(tenant.clone());
        Ok(())
    }

    async fn list_tenants(
        &self,
        _: Option<&TenantId>,
        _: usize,
    ) -> Result<Vec<TenantId>, StoreError> {
        Ok(self.0.lock().unwrap().clone())
    }
}

fn printed(out: Vec<u8>) -> String {
    String::from_utf8(out).unwrap().trim().to_string()
}

#[tokio::test]
async fn admin_creates_a_tenant_whose_printed_key_works_until_revoked() {
    let keys = SqliteStore::in_memory().unwrap();
    let directory = Directory::default();
    let mut out = Vec::new();
    let create = Command::Tenant(TenantCommand::Create {
        id: Some("acme".into()),
        label: "first".into(),
    });
    run(create, &keys, &directory, &mut out).await.unwrap();
    let key = printed(out);
    let acme = TenantId::parse("acme").unwrap();
    assert_eq!(directory.0.lock().unwrap().clone(), vec![acme.clone()]);
    let header = format!("Bearer {key}");
    assert_eq!(authenticate(&keys, Some(&header)).await.unwrap(), acme);

    // A tenant that exists is not created twice (and gets no new key that way).
    let again = Command::Tenant(TenantCommand::Create {
        id: Some("acme".into()),
        label: "again".into(),
    });
    assert!(
        run(again, &keys, &directory, &mut Vec::new())
            .await
            .is_err()
    );
    assert_eq!(keys.list_api_keys(&acme).await.unwrap().len(), 1);

    let mut listing = Vec::new();
    let list = Command::Key(KeyCommand::List {
        tenant: "acme".into(),
    });
    run(list, &keys, &Directory::default(), &mut listing)
        .await
        .unwrap();
    let listing = printed(listing);
    let id = &key[4..20];
    assert!(
        listing.starts_with(id) && listing.ends_with("first"),
        "{listing}"
    );
    assert!(!listing.contains(&key[21..]), "the secret is never listed");

    let revoke = Command::Key(KeyCommand::Revoke {
        tenant: "acme".into(),
        id: id.to_string(),
    });
    run(revoke, &keys, &Directory::default(), &mut Vec::new())
        .await
        .unwrap();
    assert!(authenticate(&keys, Some(&header)).await.is_err());
}

#[tokio::test]
async fn admin_key_commands_act_only_on_the_named_tenant() {
    let keys = SqliteStore::in_memory().unwrap();
    let mut out = Vec::new();
    let create = Command::Key(KeyCommand::Create {
        tenant: "t1".into(),
        label: "ci".into(),
    });
    run(create, &keys, &Directory::default(), &mut out)
        .await
        .unwrap();
    let key = printed(out);
    let revoke_elsewhere = Command::Key(KeyCommand::Revoke {
        tenant: "t2".into(),
        id: key[4..20].to_string(),
    });
    assert!(
        run(
            revoke_elsewhere,
            &keys,
            &Directory::default(),
            &mut Vec::new()
        )
        .await
        .is_err()
    );
    assert!(
        authenticate(&keys, Some(&format!("Bearer {key}")))
            .await
            .is_ok()
    );
    let bad = Command::Key(KeyCommand::Create {
        tenant: "not a tenant".into(),
        label: String::new(),
    });
    assert!(
        run(bad, &keys, &Directory::default(), &mut Vec::new())
            .await
            .is_err()
    );
}
