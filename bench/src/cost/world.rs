//! The deployment under measurement: a table, job queue and KMS key on moto_server, reached
//! through the counting proxy; the sync worker and scheduler built over them as the functions
//! build them; tenants whose accounts and calendars are written straight into the store.

use super::clock;
use super::deferred_queue::{DeferredQueue, by_delay};
use super::event_source::EventSource;
use super::ledger::Ledger;
use super::proxy::CountingProxy;
use anyhow::Context;
use calsync_core::adapters::aws::config::for_emulator;
use calsync_core::adapters::aws::dynamo::create_table;
use calsync_core::adapters::aws::kms::{CacheLimits, KmsSealer};
use calsync_core::adapters::aws::sqs::SqsJobQueue;
use calsync_core::cloud::metrics::Metrics;
use calsync_core::cloud::schedule::CloudScheduler;
use calsync_core::cloud::sync_worker::{SyncWorker, WorkerSettings};
use calsync_core::cloud::{CloudConfig, CloudRuntime};
use calsync_core::domain::{Account, CalendarId, CalendarInfo, TenantId, Topology};
use calsync_core::ports::{
    AccountStore, CalendarStore, JobQueue, SealContext, SecretSealer, TenantDirectory,
};
use calsync_core::usecases::{Connector, NewLink};
use chrono::{DateTime, TimeDelta, Utc};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The cache of the KMS sealer runs on the real clock, so the bench starts a fresh one every
/// `CacheLimits::default().max_age` of simulated time, as one warm Lambda instance would see
/// its keys expire.
fn data_key_minutes() -> i64 {
    (CacheLimits::default().max_age.as_secs() / 60).max(1) as i64
}

pub struct World {
    pub proxy: CountingProxy,
    pub runtime: CloudRuntime,
    pub worker: SyncWorker,
    pub scheduler: CloudScheduler,
    deferred: Arc<DeferredQueue>,
    /// Where the scheduler's calls are sent as made (counted): a queue nobody reads.
    sink: SqsJobQueue,
    /// The work queue reached around the proxy: the scheduler's jobs replayed at their
    /// simulated second are not requests of their own.
    replay: SqsJobQueue,
    sqs: aws_sdk_sqs::Client,
    kms: aws_sdk_kms::Client,
    queue_url: String,
    key_id: String,
    /// Sync-batch messages the worker failed (0 in a healthy run).
    pub failures: usize,
}

impl World {
    pub async fn new(
        moto: &str,
        connector: Arc<dyn Connector>,
        public_url: Option<String>,
    ) -> anyhow::Result<World> {
        let proxy = CountingProxy::start(moto).await?;
        let sdk = for_emulator(&proxy.url).await;
        let dynamo = aws_sdk_dynamodb::Client::new(&sdk);
        let sqs = aws_sdk_sqs::Client::new(&sdk);
        let kms = aws_sdk_kms::Client::new(&sdk);
        let label = format!("calsync-bench-cost-{:08x}", rand_suffix());
        create_table(&dynamo, &label).await?;
        let queue_url = sqs
            .create_queue()
            .queue_name(&label)
            .send()
            .await
            .context("creating the job queue")?
            .queue_url
            .context("no queue URL")?;
        let sink_url = sqs
            .create_queue()
            .queue_name(format!("{label}-sink"))
            .send()
            .await
            .context("creating the sink queue")?
            .queue_url
            .context("no queue URL")?;
        let direct = aws_sdk_sqs::Client::new(&for_emulator(moto).await);
        let sink = SqsJobQueue::new(sqs.clone(), sink_url);
        let replay = SqsJobQueue::new(direct, queue_url.clone());
        let key_id = kms
            .create_key()
            .send()
            .await
            .context("creating the KMS key")?
            .key_metadata
            .map(|m| m.key_id)
            .context("no key id")?;
        let config = CloudConfig {
            table: label,
            queue_url: Some(queue_url.clone()),
            kms_key_id: Some(key_id.clone()),
            public_url,
            stage: "bench".into(),
            metrics_namespace: "Calsync".into(),
        };
        let mut runtime = CloudRuntime::new(&sdk, config, connector);
        runtime.clock = clock::now;
        let deferred = Arc::new(DeferredQueue::default());
        let scheduler = CloudScheduler::new(&runtime, deferred.clone());
        let worker = SyncWorker::new(runtime.clone(), WorkerSettings::default());
        Ok(World {
            proxy,
            runtime,
            worker,
            scheduler,
            deferred,
            sink,
            replay,
            sqs,
            kms,
            queue_url,
            key_id,
            failures: 0,
        })
    }

    pub async fn add_tenant(&self, tenant: &TenantId) -> anyhow::Result<()> {
        self.runtime
            .store
            .create_tenant(tenant, clock::now())
            .await?;
        Ok(())
    }

    /// Stores `account` with `secret` sealed under the tenant's context, and its calendars.
    pub async fn add_account(
        &self,
        tenant: &TenantId,
        mut account: Account,
        secret: &[u8],
        calendars: &[CalendarInfo],
    ) -> anyhow::Result<()> {
        let sealer = self.runtime.sealer.clone().context("no KMS sealer")?;
        let context = SealContext {
            tenant: tenant.clone(),
            account: account.id.clone(),
        };
        account.sealed_secret = sealer.seal(&context, secret).await?;
        self.runtime.store.put_account(tenant, &account).await?;
        for calendar in calendars {
            self.runtime.store.put_calendar(tenant, calendar).await?;
        }
        Ok(())
    }

    /// Links the calendars two by two, as `POST /api/links` would.
    pub async fn link_pairs(
        &self,
        tenant: &TenantId,
        calendars: &[CalendarId],
    ) -> anyhow::Result<()> {
        let services = self.runtime.tenant(tenant)?;
        for (n, pair) in calendars.chunks(2).enumerate() {
            if pair.len() == 2 {
                services
                    .links
                    .add(NewLink {
                        name: format!("pair-{n}"),
                        topology: Topology::Pair,
                        calendars: pair.to_vec(),
                        rules: Default::default(),
                    })
                    .await?;
            }
        }
        Ok(())
    }

    /// One scheduler tick at `tick_start` and everything it queued: its SendMessageBatch
    /// calls made as the function makes them (to the sink, counted and timed as the
    /// scheduler's invocation), and each second's messages handled (as sync invocations) at
    /// their simulated second.
    pub async fn minute(
        &mut self,
        tick_start: DateTime<Utc>,
        ledger: &mut Ledger,
    ) -> anyhow::Result<()> {
        if tick_start.timestamp() / 60 % data_key_minutes() == 0 {
            self.fresh_data_key_cache();
        }
        clock::set(tick_start);
        let started = Instant::now();
        self.scheduler.tick(tick_start).await?;
        let calls = self.deferred.take();
        for call in &calls {
            self.sink.enqueue_spread(call.clone()).await?;
        }
        let scheduler_time = started.elapsed();
        ledger.eventbridge_events += 1;
        for (delay, due) in by_delay(&calls) {
            clock::set(tick_start + TimeDelta::from_std(delay)?);
            for jobs in due {
                self.replay.enqueue_after(Duration::ZERO, jobs).await?;
            }
            self.drain(ledger).await?;
        }
        let metrics = Metrics::new(&self.runtime.config, "scheduler");
        ledger.invocation("scheduler", scheduler_time.as_secs_f64(), &metrics);
        Ok(())
    }

    /// Runs the sync worker until the queue is empty.
    pub async fn drain(&mut self, ledger: &mut Ledger) -> anyhow::Result<()> {
        let source = EventSource {
            sqs: &self.sqs,
            queue_url: &self.queue_url,
            worker: &self.worker,
        };
        self.failures += source.drain(ledger).await?;
        Ok(())
    }

    fn fresh_data_key_cache(&mut self) {
        self.worker.runtime.sealer = Some(Arc::new(KmsSealer::new(
            self.kms.clone(),
            self.key_id.clone(),
            CacheLimits::default(),
        )));
    }
}

fn rand_suffix() -> u32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos())
}
