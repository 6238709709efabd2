//! One test's API: fresh stores, a local sealing key, a queue that records what it gets.

use crate::adapters::ProviderConnector;
use crate::adapters::endpoints::{OAuthApps, ProviderEndpoints};
use crate::adapters::local_key::LocalKeySealer;
use crate::adapters::sqlite::SqliteStore;
use crate::cloud::api::auth::create_key;
use crate::cloud::api::{Api, ApiDeps, ApiRequest, OAuthSettings};
use crate::domain::TenantId;
use crate::ports::contract::store::fixtures::{account, calendar};
use crate::ports::{AccountStore, CalendarStore, Job, JobQueue, QueueError};
use async_trait::async_trait;
use chrono::Utc;
use serde_json::Value;
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Default)]
pub(super) struct RecordingQueue(pub Mutex<Vec<Job>>);

#[async_trait]
impl JobQueue for RecordingQueue {
    async fn enqueue_after(&self, _: Duration, jobs: Vec<Job>) -> Result<(), QueueError> {
        self.0.lock().unwrap().extend(jobs);
        Ok(())
    }
}

pub(super) struct World {
    pub api: Api,
    pub store: Arc<SqliteStore>,
    pub queue: Arc<RecordingQueue>,
    _dir: tempfile::TempDir,
}

pub(super) struct Answer {
    pub status: u16,
    pub body: Value,
    pub raw: String,
}

impl World {
    pub async fn new() -> World {
        Self::with_oauth(OAuthSettings {
            endpoints: ProviderEndpoints::from_lookup(|_| None),
            apps: OAuthApps::default(),
            public_url: None,
        })
        .await
    }

    pub async fn with_oauth(oauth: OAuthSettings) -> World {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(SqliteStore::in_memory().unwrap());
        let sealer = Arc::new(LocalKeySealer::load_or_create(dir.path().join("key")).unwrap());
        let queue = Arc::new(RecordingQueue::default());
        let deps = ApiDeps {
            store: store.clone(),
            keys: store.clone(),
            pending: store.clone(),
            sealer,
            queue: queue.clone(),
            connector: Arc::new(ProviderConnector::default()),
            oauth,
        };
        World {
            api: Api::new(deps).unwrap(),
            store,
            queue,
            _dir: dir,
        }
    }

    /// A tenant with an API key, an account `a<prefix>` and calendars `<prefix>1`, `<prefix>2`.
    pub async fn tenant(&self, name: &str, calendar_prefix: &str) -> (TenantId, String) {
        let tenant = TenantId::parse(name).unwrap();
        let key = create_key(self.store.as_ref(), &tenant, "test", Utc::now())
            .await
            .unwrap();
        self.store
            .put_account(&tenant, &account(&format!("a{calendar_prefix}"), "Work"))
            .await
            .unwrap();
        for n in 1..=2 {
            self.store
                .put_calendar(
                    &tenant,
                    &calendar(
                        &format!("{calendar_prefix}{n}"),
                        &format!("a{calendar_prefix}"),
                    ),
                )
                .await
                .unwrap();
        }
        (tenant, key.key.to_string())
    }

    pub async fn call(
        &self,
        method: &str,
        path: &str,
        key: Option<&str>,
        body: Option<Value>,
    ) -> Answer {
        let mut headers = vec![("content-type".to_string(), "application/json".to_string())];
        if let Some(key) = key {
            headers.push(("Authorization".to_string(), format!("Bearer {key}")));
        }
        let (path, query) = match path.split_once('?') {
            Some((path, query)) => (path, Some(query.to_string())),
            None => (path, None),
        };
        let response = self
            .api
            .handle(ApiRequest {
                method: method.to_string(),
                path: path.to_string(),
                query,
                headers,
                body: body.map(|b| b.to_string().into_bytes()).unwrap_or_default(),
                request_id: Some("test".into()),
            })
            .await;
        Answer {
            status: response.status,
            body: serde_json::from_str(&response.body).unwrap_or(Value::Null),
            raw: response.body,
        }
    }
}
