//! A scheduled check that finds nothing new costs no DynamoDB request: the tick puts each
//! calendar's stored cursor in the job, and a warm sync worker asks the provider with it. A
//! cursor gone stale (the calendar changed after the tick) still syncs the change.

use super::pipeline::{Pair, google_radicale, insert_on_google, on_dav};
use aws_sdk_dynamodb::config::interceptors::BeforeTransmitInterceptorContextRef;
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::error::BoxError;
use calsync_core::adapters::aws::config::for_emulator;
use calsync_core::adapters::aws::dynamo::DynamoStore;
use calsync_core::cloud::CloudRuntime;
use calsync_core::cloud::metrics::Metrics;
use calsync_core::cloud::schedule::{CloudScheduler, SchedulePolicy};
use calsync_core::cloud::sync_worker::{QueuedMessage, SyncWorker, WorkerSettings};
use calsync_core::ports::{Job, JobQueue, QueueError, SyncReason};
use calsync_core::usecases::cadence::CadencePolicy;
use chrono::Utc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Counts the DynamoDB requests a client sends.
#[derive(Debug, Clone, Default)]
struct RequestCounter(Arc<AtomicUsize>);

impl RequestCounter {
    fn take(&self) -> usize {
        self.0.swap(0, Ordering::SeqCst)
    }
}

impl Intercept for RequestCounter {
    fn name(&self) -> &'static str {
        "RequestCounter"
    }

    fn read_before_transmit(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

/// `runtime` with its table reached through a client that counts its requests.
async fn counted(runtime: &CloudRuntime) -> (CloudRuntime, RequestCounter) {
    let endpoint = std::env::var("CALSYNC_TEST_AWS_ENDPOINT").unwrap();
    let sdk = for_emulator(&endpoint).await;
    let counter = RequestCounter::default();
    let config = aws_sdk_dynamodb::config::Builder::from(&sdk)
        .interceptor(counter.clone())
        .build();
    let mut runtime = runtime.clone();
    runtime.store = Arc::new(DynamoStore::new(
        aws_sdk_dynamodb::Client::from_conf(config),
        runtime.config.table.clone(),
    ));
    (runtime, counter)
}

/// Keeps what the scheduler queues, delays ignored.
#[derive(Default)]
struct Kept(Mutex<Vec<Job>>);

#[async_trait::async_trait]
impl JobQueue for Kept {
    async fn enqueue_after(&self, _delay: Duration, jobs: Vec<Job>) -> Result<(), QueueError> {
        self.0.lock().unwrap().extend(jobs);
        Ok(())
    }
}

/// One tick's jobs, every calendar polled every 15 s.
async fn tick_jobs(runtime: &CloudRuntime) -> Vec<Job> {
    let kept = Arc::new(Kept::default());
    let mut scheduler = CloudScheduler::new(runtime, kept.clone());
    scheduler.policy = SchedulePolicy {
        cadence: CadencePolicy::fixed(Duration::from_secs(15)),
        ..SchedulePolicy::default()
    };
    scheduler.push_enabled = false;
    scheduler.tick(Utc::now()).await.unwrap();
    std::mem::take(&mut *kept.0.lock().unwrap())
}

async fn run(worker: &SyncWorker, jobs: &[Job]) {
    let message = QueuedMessage {
        id: "m1".into(),
        body: serde_json::to_string(jobs).unwrap(),
        receive_count: 1,
    };
    let mut metrics = Metrics::new(&worker.runtime.config, "sync");
    let failed = worker.run_batch(vec![message], "quiet", &mut metrics).await;
    assert!(failed.is_empty(), "{failed:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unchanged_check_reads_nothing_and_a_stale_cursor_still_syncs() {
    let Pair {
        world,
        google_calendar,
        google,
        dav,
        dav_id,
        ..
    } = google_radicale("quiet").await;
    // The first pass (the link's announcement) records both calendars' cursors.
    let calendars = vec![google.clone(), dav_id.clone()];
    world
        .services()
        .runner
        .run(&Job::sync(
            world.tenant.clone(),
            calendars.clone(),
            SyncReason::Poll,
        ))
        .await
        .unwrap();

    let jobs = tick_jobs(&world.runtime).await;
    assert!(!jobs.is_empty());
    for job in &jobs {
        let Job::Sync {
            calendars, cursors, ..
        } = job
        else {
            continue;
        };
        assert!(calendars.iter().all(|c| cursors.contains_key(c)), "{job:?}");
    }

    let (runtime, dynamo_requests) = counted(&world.runtime).await;
    let worker = SyncWorker::new(runtime, WorkerSettings::default());
    // The first job of a cold worker reads what it needs to ask the providers.
    run(&worker, &jobs).await;
    assert!(dynamo_requests.take() > 0);
    world.google.log().clear();
    run(&worker, &jobs).await;
    assert_eq!(
        dynamo_requests.take(),
        0,
        "an unchanged check read the table"
    );
    assert!(
        !world.google.log().all().is_empty(),
        "the provider was not asked"
    );

    // The same jobs after a change: their cursors are stale, the change syncs anyway.
    insert_on_google(&world, &google_calendar, "After the tick", 2, 9);
    run(&worker, &jobs).await;
    assert!(dynamo_requests.take() > 0);
    assert!(on_dav(&dav, "After the tick").await);
}
