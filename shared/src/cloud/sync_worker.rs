//! What the sync function does with a batch of SQS messages: decode, merge per tenant, run
//! each tenant's work under link leases, and say which messages failed so SQS redelivers
//! exactly those (`ReportBatchItemFailures`). A failed job is never acknowledged: it is
//! retried, and after the queue's last receive it lands in the DLQ and is parked where
//! `status` shows it.

use super::CloudRuntime;
use super::metrics::{Metrics, names};
use crate::adapters::aws::sqs::parse_message;
use crate::domain::{CalendarId, TenantId};
use crate::ports::{DeadJob, Job, JobQueue, Store, SyncReason};
use crate::usecases::{JobDone, JobError, LinkLeases, WarmTenants, merge_jobs};
use chrono::TimeDelta;
use futures::StreamExt;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// One SQS record as the worker needs it.
#[derive(Debug, Clone)]
pub struct QueuedMessage {
    pub id: String,
    pub body: String,
    /// `ApproximateReceiveCount`: 1 on the first delivery.
    pub receive_count: u32,
}

#[derive(Debug, Clone)]
pub struct WorkerSettings {
    /// The queue's `maxReceiveCount`: on this receive a failing job is parked as well.
    pub max_receives: u32,
    /// How long a link lease is held (longer than the function's timeout). A chunked commit's
    /// claim on the link lapses as late (`dynamo::CLAIM_LEASE_SECONDS`).
    pub lease_hold: TimeDelta,
    /// How much later calendars whose links were busy are checked again.
    pub busy_retry: Duration,
    /// Tenants worked on at once within one batch.
    pub concurrency: usize,
}

impl Default for WorkerSettings {
    fn default() -> Self {
        Self {
            max_receives: 5,
            lease_hold: TimeDelta::seconds(crate::adapters::aws::dynamo::CLAIM_LEASE_SECONDS),
            busy_retry: Duration::from_secs(5),
            concurrency: 4,
        }
    }
}

pub struct SyncWorker {
    pub runtime: CloudRuntime,
    pub settings: WorkerSettings,
    /// What this (warm) instance remembers to run unchanged checks without the store.
    pub warm: WarmTenants,
}

/// Tenants whose unchanged checks are confirmed at once within one batch.
const QUIET_CHECK_CONCURRENCY: usize = 32;

/// One merged job and the messages it stands for.
struct Unit {
    job: Job,
    messages: Vec<(String, u32)>,
}

impl SyncWorker {
    pub fn new(runtime: CloudRuntime, settings: WorkerSettings) -> Self {
        Self {
            runtime,
            settings,
            warm: WarmTenants::default(),
        }
    }

    /// Runs the batch; returns the ids of the messages to redeliver. `owner` names this
    /// invocation in link leases (the Lambda request id).
    pub async fn run_batch(
        &self,
        messages: Vec<QueuedMessage>,
        owner: &str,
        metrics: &mut Metrics,
    ) -> Vec<String> {
        let mut failed = BTreeSet::new();
        let mut decoded = Vec::new();
        for message in messages {
            match parse_message(&message.body) {
                Ok(jobs) => decoded.extend(
                    jobs.into_iter()
                        .map(|job| (job, (message.id.clone(), message.receive_count))),
                ),
                Err(error) => {
                    // Cannot succeed on a retry either, but is never dropped silently: it
                    // goes round to the DLQ, where an operator sees it.
                    tracing::error!(message = %message.id, %error, "undecodable job message");
                    metrics.count(names::JOBS_FAILED, 1);
                    failed.insert(message.id);
                }
            }
        }
        let units: Vec<Unit> = merge_jobs(decoded)
            .into_iter()
            .map(|(job, messages)| Unit { job, messages })
            .collect();
        // Unchanged checks first, many at once: each is a request or two to a provider, and
        // the invocation's wall time (what Lambda bills) is mostly waiting for the answers.
        let asked: Vec<(Unit, bool, Duration)> = futures::stream::iter(units)
            .map(|unit| async move {
                let started = Instant::now();
                let quiet = self.confirmed_unchanged(&unit.job).await;
                (unit, quiet, started.elapsed())
            })
            .buffer_unordered(QUIET_CHECK_CONCURRENCY)
            .collect()
            .await;
        let (quiet, changed): (Vec<_>, Vec<_>) = asked.into_iter().partition(|(_, q, _)| *q);
        let mut outcomes: Vec<(Unit, Result<JobDone, JobError>, Duration)> = quiet
            .into_iter()
            .map(|(unit, _, took)| (unit, Ok(JobDone::default()), took))
            .collect();
        let ran: Vec<(Unit, Result<JobDone, JobError>, Duration)> = futures::stream::iter(changed)
            .map(|(unit, _, asked_for)| async move {
                let started = Instant::now();
                let result = self.run_unit(&unit.job, owner).await;
                (unit, result, asked_for + started.elapsed())
            })
            .buffer_unordered(self.settings.concurrency.max(1))
            .collect()
            .await;
        outcomes.extend(ran);
        for (unit, result, took) in outcomes {
            metrics.millis(names::JOB_LATENCY_MS, took.as_secs_f64() * 1000.0);
            if !self.settle(&unit, result, metrics).await {
                failed.extend(unit.messages.iter().map(|(id, _)| id.clone()));
            }
        }
        failed.into_iter().collect()
    }

    /// The job is a check whose calendars all answered with the cursors it carries: nothing
    /// to do, and nothing read from the store or leased (see `usecases::WarmTenants`).
    async fn confirmed_unchanged(&self, job: &Job) -> bool {
        let Job::Sync {
            calendars,
            reason,
            cursors,
            ..
        } = job
        else {
            return false;
        };
        if *reason == SyncReason::Reconcile {
            return false;
        }
        let Ok(services) = self.runtime.tenant(job.tenant()) else {
            return false;
        };
        self.warm
            .all_unchanged(&services.sync, calendars, cursors)
            .await
    }

    async fn run_unit(&self, job: &Job, owner: &str) -> Result<JobDone, JobError> {
        let services = self
            .runtime
            .tenant(job.tenant())
            .map_err(|e| JobError::Permanent(e.to_string()))?;
        let mut runner = services.runner;
        runner.leases = Some(LinkLeases {
            store: self.runtime.store.clone(),
            owner: owner.to_string(),
            hold: self.settings.lease_hold,
        });
        let span = tracing::info_span!("job", tenant = %job.tenant(), kind = job_kind(job));
        tracing::Instrument::instrument(runner.run(job), span).await
    }

    /// Records the outcome; `false` when the unit's messages must be redelivered.
    async fn settle(
        &self,
        unit: &Unit,
        result: Result<JobDone, JobError>,
        metrics: &mut Metrics,
    ) -> bool {
        match result {
            Ok(done) => {
                metrics.count(names::JOBS_PROCESSED, 1);
                let writes: usize = done.reports.iter().map(|r| r.writes()).sum();
                if writes > 0 {
                    tracing::info!(links = done.reports.len(), writes, "synced");
                }
                if done.busy.is_empty() {
                    return true;
                }
                metrics.count(names::JOBS_DEFERRED, 1);
                self.requeue_busy(unit.job.tenant(), done.busy, &unit.job)
                    .await
            }
            Err(error) => {
                metrics.count(names::JOBS_FAILED, 1);
                metrics.count_by(names::PROVIDER_ERRORS, "ErrorClass", error_class(&error), 1);
                if !matches!(unit.job, Job::Sync { .. }) {
                    // Channel upkeep: the alarm on these says push may stop soon.
                    metrics.count(names::RENEWAL_FAILURES, 1);
                }
                let last_try = unit
                    .messages
                    .iter()
                    .any(|(_, receives)| *receives >= self.settings.max_receives);
                match &error {
                    JobError::Permanent(_) => {
                        tracing::warn!(%error, "job cannot succeed; parked");
                        self.park(unit, &error).await;
                        // Parked where status shows it: acknowledging is not losing it.
                        true
                    }
                    JobError::Retryable(_) => {
                        tracing::warn!(%error, last_try, "job failed; SQS will redeliver it");
                        if last_try {
                            self.park(unit, &error).await;
                        }
                        false
                    }
                }
            }
        }
    }

    async fn requeue_busy(&self, tenant: &TenantId, busy: Vec<CalendarId>, job: &Job) -> bool {
        let reason = match job {
            Job::Sync { reason, .. } => *reason,
            _ => SyncReason::Poll,
        };
        let retry = Job::sync(tenant.clone(), busy, reason);
        let queue: Arc<dyn JobQueue> = match self.runtime.queue() {
            Ok(queue) => queue,
            Err(error) => {
                tracing::error!(%error, "cannot queue the busy links' calendars again");
                return false;
            }
        };
        match queue
            .enqueue_after(self.settings.busy_retry, vec![retry])
            .await
        {
            Ok(()) => true,
            Err(error) => {
                tracing::warn!(%error, "could not queue the busy links' calendars again");
                false
            }
        }
    }

    async fn park(&self, unit: &Unit, error: &JobError) {
        let store: Arc<dyn Store> = self.runtime.store.clone();
        let attempts = unit.messages.iter().map(|(_, n)| *n).max().unwrap_or(1);
        let id = unit
            .messages
            .first()
            .map_or_else(|| "unknown".to_string(), |(id, _)| id.clone());
        let dead = DeadJob {
            id,
            job: unit.job.clone(),
            error: error.to_string(),
            attempts,
            parked_at: chrono::Utc::now(),
        };
        if let Err(error) = store.park_job(unit.job.tenant(), &dead).await {
            tracing::error!(%error, "could not park a failed job");
        }
    }
}

fn job_kind(job: &Job) -> &'static str {
    match job {
        Job::Sync { .. } => "sync",
        Job::RenewChannel { .. } => "renew-channel",
        Job::RecreateChannel { .. } => "recreate-channel",
        Job::MaintainPush { .. } => "maintain-push",
    }
}

fn error_class(error: &JobError) -> &'static str {
    match error {
        JobError::Retryable(_) => "retryable",
        JobError::Permanent(_) => "permanent",
    }
}
