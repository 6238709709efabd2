//! The serverless composition root: the same use cases as `calsync serve`, wired to DynamoDB,
//! SQS and KMS. Each function builds one [`CloudRuntime`] in `main`, outside its handler, so
//! warm invocations reuse the SDK clients, their connection pools and the data-key cache.

use super::{CloudConfig, MissingSetting};
use crate::adapters::ProviderConnector;
use crate::adapters::aws::config as aws_config_loader;
use crate::adapters::aws::dynamo::DynamoStore;
use crate::adapters::aws::kms::{CacheLimits, KmsSealer};
use crate::adapters::aws::sqs::SqsJobQueue;
use crate::adapters::net_guard::NetGuard;
use crate::domain::TenantId;
use crate::ports::{JobQueue, SecretSealer, Store};
use crate::usecases::{
    AccountService, Connector, JobRunner, LinkService, PushService, RetryPolicy, StatusService,
    SyncService, WebhookReceiver,
};
use aws_config::SdkConfig;
use chrono::{DateTime, Utc};
use std::sync::Arc;

#[derive(Clone)]
pub struct CloudRuntime {
    pub config: CloudConfig,
    pub store: Arc<DynamoStore>,
    /// `None` in a function that sends no jobs.
    pub queue: Option<Arc<SqsJobQueue>>,
    /// `None` in a function that reads no secrets (webhook, scheduler).
    pub sealer: Option<Arc<KmsSealer>>,
    pub connector: Arc<dyn Connector>,
    /// What the use cases take as now (the wall clock; a benchmark simulating hours of ticks
    /// in minutes sets its own).
    pub clock: fn() -> DateTime<Utc>,
}

/// The services of one tenant, as the embedded runtime has them for its only tenant.
#[derive(Clone)]
pub struct TenantServices {
    pub accounts: AccountService,
    pub links: LinkService,
    pub status: StatusService,
    pub sync: SyncService,
    pub push: Option<PushService>,
    pub runner: JobRunner,
}

impl CloudRuntime {
    /// Configuration and AWS credentials from the environment, as in Lambda. CalDAV
    /// connections go through the SSRF guard (https, public addresses only): every address
    /// here was typed by a tenant.
    pub async fn from_env() -> Result<Self, MissingSetting> {
        let config = CloudConfig::from_env()?;
        let sdk = aws_config_loader::from_env().await;
        let connector =
            ProviderConnector::from_env().with_net_guard(&NetGuard::public_https_only());
        Ok(Self::new(&sdk, config, Arc::new(connector)))
    }

    pub fn new(sdk: &SdkConfig, config: CloudConfig, connector: Arc<dyn Connector>) -> Self {
        let store = Arc::new(DynamoStore::new(
            aws_sdk_dynamodb::Client::new(sdk),
            config.table.clone(),
        ));
        let queue = config
            .queue_url
            .as_ref()
            .map(|url| Arc::new(SqsJobQueue::new(aws_sdk_sqs::Client::new(sdk), url.clone())));
        let sealer = config.kms_key_id.as_ref().map(|key| {
            Arc::new(KmsSealer::new(
                aws_sdk_kms::Client::new(sdk),
                key.clone(),
                CacheLimits::default(),
            ))
        });
        Self {
            config,
            store,
            queue,
            sealer,
            connector,
            clock: Utc::now,
        }
    }

    pub fn queue(&self) -> Result<Arc<dyn JobQueue>, MissingSetting> {
        match &self.queue {
            Some(queue) => Ok(queue.clone()),
            None => Err(MissingSetting("CALSYNC_QUEUE_URL")),
        }
    }

    fn sealer(&self) -> Result<Arc<dyn SecretSealer>, MissingSetting> {
        match &self.sealer {
            Some(sealer) => Ok(sealer.clone()),
            None => Err(MissingSetting("CALSYNC_KMS_KEY_ID")),
        }
    }

    fn dyn_store(&self) -> Arc<dyn Store> {
        self.store.clone()
    }

    pub fn webhook_receiver(&self) -> Result<WebhookReceiver, MissingSetting> {
        Ok(WebhookReceiver {
            store: self.dyn_store(),
            queue: self.queue()?,
            clock: self.clock,
        })
    }

    /// Everything one tenant's requests and jobs need; fails without a KMS key.
    pub fn tenant(&self, tenant: &TenantId) -> Result<TenantServices, MissingSetting> {
        let store = self.dyn_store();
        let accounts = AccountService {
            tenant: tenant.clone(),
            store: store.clone(),
            sealer: self.sealer()?,
            connector: self.connector.clone(),
        };
        let sync = SyncService {
            tenant: tenant.clone(),
            store: store.clone(),
            accounts: accounts.clone(),
            connector: self.connector.clone(),
            retry: RetryPolicy::default(),
            write_parallelism: 8,
            clock: self.clock,
        };
        let push = self.config.public_url.as_ref().map(|url| PushService {
            tenant: tenant.clone(),
            store: store.clone(),
            accounts: accounts.clone(),
            connector: self.connector.clone(),
            public_url: url.clone(),
            channel_life: None,
            clock: self.clock,
        });
        Ok(TenantServices {
            links: LinkService {
                tenant: tenant.clone(),
                store: store.clone(),
            },
            status: StatusService {
                tenant: tenant.clone(),
                store,
            },
            runner: JobRunner {
                sync: sync.clone(),
                push: push.clone(),
                leases: None,
            },
            accounts,
            sync,
            push,
        })
    }
}
