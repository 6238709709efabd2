//! The AWS functions as Lambda would run them during a chaos run: EventBridge invokes the
//! scheduler function every second, the SQS event source mapping keeps [`WORKERS`] sync
//! invocations going (receive, handle, delete what did not fail), API Gateway (the world's
//! gateway) hands notifications to the webhook function. A kill aborts one sync invocation
//! at a random point of its work, as a crash or a timeout would: the messages it received
//! are not deleted (they come back after the visibility timeout) and its link lease stays
//! taken until it lapses. The instance that replaces it starts cold.

use super::super::world::{GOOGLE_CALENDARS, UnderTest};
use crate::aws::driver::{EventSource, Invocation};
use crate::aws::world::{AwsWorld, MAX_RECEIVE_COUNT};
use crate::cloud::rig::eventually;
use aws_sdk_sqs::types::QueueAttributeName;
use calsync_core::adapters::aws::dynamo::DynamoStore;
use calsync_core::cloud::schedule::SchedulePolicy;
use calsync_core::cloud::sync_worker::WorkerSettings;
use calsync_core::usecases::cadence::CadencePolicy;
use calsync_emulators::google::GoogleEmulator;
use calsync_emulators::graph::GraphEmulator;
use calsync_fn_scheduler::SchedulerFunction;
use calsync_fn_sync::SyncFunction;
use chrono::{TimeDelta, Utc};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::task::JoinHandle;

/// Sync invocations at once (Lambda scales them with the queue; two make link leases and
/// busy deferrals part of the run).
const WORKERS: usize = 2;
/// The sync function's timeout: Lambda ends an invocation that runs longer (its messages
/// come back). Production's is 90 s; a pass over the mesh takes up to several seconds on
/// moto, longer under API errors.
const FUNCTION_TIMEOUT: Duration = Duration::from_secs(20);
/// How long an invocation's link lease, and the claim of a commit it was making, hold its
/// link: longer than the function's timeout, as in production (120 s), so no pass outlives
/// its lease. (With a 5 s lease and no timeout, slow passes lost their lease half-way, the
/// other worker's pass ran alongside and their commits failed each other, for good.)
const LEASE_HOLD_S: i64 = 30;
/// SQS visibility timeout: how soon the messages of a killed or timed-out invocation come
/// back. Longer than the function's timeout (production's is six times it), so a message is
/// never received again while an invocation still works on it (which counts receives towards
/// the DLQ without any failure).
const VISIBILITY_TIMEOUT_S: u32 = 30;
/// The event source's wait before asking an empty queue again.
const EMPTY_QUEUE_POLL: Duration = Duration::from_millis(100);
/// A kill lands this far (at most) into a running invocation.
const KILL_WITHIN: Duration = Duration::from_millis(500);

/// What the functions did, counted as they ran.
#[derive(Default)]
struct Activity {
    ticks: AtomicUsize,
    invocations: AtomicUsize,
    messages: AtomicUsize,
    /// Messages the sync function reported failed (redelivered by SQS).
    failed_messages: AtomicUsize,
    /// Kills that caught an invocation before it had deleted its messages.
    killed_mid_invocation: AtomicUsize,
    /// Invocations ended by the function's timeout.
    timed_out: AtomicUsize,
    cold_starts: AtomicUsize,
    /// Set at the end: every loop finishes its round and stops.
    stopping: AtomicBool,
}

/// One sync worker: the task running its invocations, and whether one is under way.
struct Worker {
    task: JoinHandle<()>,
    busy: Arc<AtomicBool>,
}

pub struct Lambdas {
    pub(super) world: Arc<AwsWorld>,
    activity: Arc<Activity>,
    scheduler: Option<JoinHandle<()>>,
    workers: Vec<Option<Worker>>,
}

impl Lambdas {
    /// Starts the functions over `world`'s linked tenant and waits until its push
    /// calendars have channels.
    pub async fn start(mut world: AwsWorld) -> Lambdas {
        // A chunked commit cut off by a kill leaves its claim on the link as long as the
        // worker's lease (as in production, where both are 120 s).
        world.runtime.store = Arc::new(
            DynamoStore::new(world.dynamo.clone(), world.table.clone())
                .with_claim_lease(TimeDelta::seconds(LEASE_HOLD_S)),
        );
        world.scheduler =
            SchedulerFunction::new(&world.runtime)
                .unwrap()
                .with_policy(SchedulePolicy {
                    tick: Duration::from_secs(1),
                    cadence: CadencePolicy::fixed(Duration::from_secs(1)),
                    push_fallback: Duration::from_secs(super::super::world::FALLBACK_POLL),
                    phase_step: Duration::from_secs(1),
                    ..SchedulePolicy::default()
                });
        world
            .sqs
            .set_queue_attributes()
            .queue_url(&world.queue_url)
            .attributes(
                QueueAttributeName::VisibilityTimeout,
                VISIBILITY_TIMEOUT_S.to_string(),
            )
            .send()
            .await
            .unwrap();
        let world = Arc::new(world);
        let activity = Arc::new(Activity::default());
        let scheduler = tokio::spawn(tick_every_second(world.clone(), activity.clone()));
        let mut lambdas = Lambdas {
            world,
            activity,
            scheduler: Some(scheduler),
            workers: (0..WORKERS).map(|_| None).collect(),
        };
        lambdas.restart().await;
        eventually("push channels exist", || async {
            lambdas.world.google.channels().len() >= GOOGLE_CALENDARS.len()
                && !lambdas.world.graph.subscriptions().is_empty()
        })
        .await;
        lambdas
    }

    /// Lets every loop finish its round, then waits for them; a loop that panicked fails
    /// the test here.
    pub(super) async fn stop(&mut self) {
        self.activity.stopping.store(true, Ordering::SeqCst);
        let tasks = self
            .workers
            .iter_mut()
            .filter_map(|w| w.take().map(|w| w.task))
            .chain(self.scheduler.take());
        for task in tasks {
            tokio::time::timeout(Duration::from_secs(120), task)
                .await
                .expect("a function loop did not stop")
                .expect("a function loop failed");
        }
    }
}

async fn tick_every_second(world: Arc<AwsWorld>, activity: Arc<Activity>) {
    let mut every = tokio::time::interval(Duration::from_secs(1));
    while !activity.stopping.load(Ordering::SeqCst) {
        every.tick().await;
        world.tick(Utc::now()).await;
        activity.ticks.fetch_add(1, Ordering::SeqCst);
    }
}

/// A sync worker: one function instance after another (cold after a timeout, as Lambda
/// starts a new environment), taking batches off the queue until stopped.
async fn invoke_sync(world: Arc<AwsWorld>, activity: Arc<Activity>, busy: Arc<AtomicBool>) {
    while !activity.stopping.load(Ordering::SeqCst) {
        activity.cold_starts.fetch_add(1, Ordering::SeqCst);
        let function = SyncFunction::new(
            world.runtime.clone(),
            WorkerSettings {
                max_receives: MAX_RECEIVE_COUNT,
                lease_hold: TimeDelta::seconds(LEASE_HOLD_S),
                busy_retry: Duration::from_secs(1),
                ..WorkerSettings::default()
            },
        );
        let mut source = EventSource {
            sqs: &world.sqs,
            queue_url: &world.queue_url,
            function: &function,
            // Lambda's default batch size for SQS sources.
            batch_size: 10,
            log: Vec::new(),
        };
        while !activity.stopping.load(Ordering::SeqCst) {
            busy.store(true, Ordering::SeqCst);
            let invocation = tokio::time::timeout(FUNCTION_TIMEOUT, source.poll_once()).await;
            busy.store(false, Ordering::SeqCst);
            let Ok(invocation) = invocation else {
                activity.timed_out.fetch_add(1, Ordering::SeqCst);
                break;
            };
            match invocation {
                Some(Invocation {
                    received, failed, ..
                }) => {
                    activity.invocations.fetch_add(1, Ordering::SeqCst);
                    activity
                        .messages
                        .fetch_add(received.len(), Ordering::SeqCst);
                    activity
                        .failed_messages
                        .fetch_add(failed.len(), Ordering::SeqCst);
                }
                None => tokio::time::sleep(EMPTY_QUEUE_POLL).await,
            }
            source.log.clear();
        }
    }
}

#[async_trait::async_trait(?Send)]
impl UnderTest for Lambdas {
    fn name(&self) -> &'static str {
        "sync_function"
    }

    fn google(&self) -> &GoogleEmulator {
        &self.world.google
    }

    fn graph(&self) -> &GraphEmulator {
        &self.world.graph
    }

    /// Waits (up to 2 s) for a worker to be in an invocation, lets it run a random part of
    /// [`KILL_WITHIN`], and aborts it.
    async fn kill(&mut self) {
        let started = Instant::now();
        let victim = loop {
            let busy = self
                .workers
                .iter()
                .position(|w| w.as_ref().is_some_and(|w| w.busy.load(Ordering::SeqCst)));
            match busy {
                Some(index) => break index,
                None if started.elapsed() > Duration::from_secs(2) => break 0,
                None => tokio::time::sleep(Duration::from_millis(5)).await,
            }
        };
        let into = KILL_WITHIN.mul_f64(rand::random::<f64>());
        tokio::time::sleep(into).await;
        let Some(worker) = self.workers[victim].take() else {
            return;
        };
        worker.task.abort();
        if worker.busy.load(Ordering::SeqCst) {
            self.activity
                .killed_mid_invocation
                .fetch_add(1, Ordering::SeqCst);
        }
        let _ = worker.task.await;
    }

    async fn restart(&mut self) {
        for slot in self.workers.iter_mut().filter(|w| w.is_none()) {
            let busy = Arc::new(AtomicBool::new(false));
            let task = tokio::spawn(invoke_sync(
                self.world.clone(),
                self.activity.clone(),
                busy.clone(),
            ));
            *slot = Some(Worker { task, busy });
        }
    }

    fn is_running(&self) -> bool {
        self.workers.iter().all(Option::is_some)
    }

    fn activity(&self) -> Value {
        let count = |n: &AtomicUsize| n.load(Ordering::SeqCst);
        let a = &self.activity;
        json!({
            "sync_workers": WORKERS,
            "scheduler_ticks": count(&a.ticks),
            "sync_invocations": count(&a.invocations),
            "messages_received": count(&a.messages),
            "messages_failed": count(&a.failed_messages),
            "killed_mid_invocation": count(&a.killed_mid_invocation),
            "timed_out_invocations": count(&a.timed_out),
            "cold_starts": count(&a.cold_starts),
        })
    }

    async fn explain(&mut self) {
        self.report_and_reconcile().await;
    }

    async fn settle(&mut self, what: &str) {
        self.drain_quietly(what).await;
    }
}
